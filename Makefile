# Two commands set everything up on a fresh machine: `make generate`, then `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SPEC ?= indicators.yaml
OUT ?= generated

.PHONY: generate check validate test tools update-golden bench bench-rules clean

$(BIN)/indicators: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

## Compile the spec into generated/ (creates the virtualenv on first use).
generate: $(BIN)/indicators
	$(BIN)/indicators generate $(SPEC) --out $(OUT)

## Exit 1 with a diff when generated/ is stale (the CI drift gate).
check: $(BIN)/indicators
	$(BIN)/indicators check $(SPEC) --out $(OUT)

validate: $(BIN)/indicators
	$(BIN)/indicators validate $(SPEC)

## Install the validators the tests run (promtool, amtool, vmalert, servers).
tools:
	@scripts/ensure-tools

## Everything the tests need, then the whole suite.
test: $(BIN)/indicators tools
	$(BIN)/python -m pytest

## Refresh golden files, docs/spec-reference.md and generated/; review the result as a diff.
update-golden: $(BIN)/indicators
	$(BIN)/indicators generate $(SPEC) --out $(OUT)  # first: the golden tests compare generated/ with the spec
	UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/test_golden.py tests/test_reports.py tests/test_measures.py tests/test_reference.py tests/test_checks.py

## CPU time, peak memory and output at 100, 1,000 and 10,000 indicators against the fastest serialisers' floor.
bench: $(BIN)/indicators
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache

## Rule evaluation cost per evaluation and per hour in real Prometheus servers: the compiled rules against the chapter's raw long-range alerts over 30 days of one-minute history (about half an hour on a shared 2-CPU machine).
bench-rules: $(BIN)/indicators tools
	$(BIN)/python bench/rules.py
