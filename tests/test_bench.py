"""`make bench` runs (it is not run in CI; this proves it still works, at a small size, timing
nothing) and its synthetic specs stay valid as the spec grows."""

from __future__ import annotations

import re

import pytest
import yaml

from bench import run, synth
from compiler import pipeline


def test_a_synthetic_spec_compiles_with_every_measure_form():
    text = yaml.safe_dump(synth.spec(60), sort_keys=False).encode()
    compilation = pipeline.compile_spec([("synthetic.yaml", text)], "synthetic.yaml")
    forms = {type(indicator.measure).__name__ for indicator in compilation.spec.indicators}
    assert forms == {"Expr", "Ratio", "Quantile", "Rate", "Trend", "Baseline", "Age", "Zero", "Availability", "Gauge"}
    assert len(compilation.spec.indicators) == 60


def test_the_bench_reports_every_figure_and_goal_at_a_small_size():
    report = run.main((20,))
    (row,) = [line for line in report.splitlines() if line.startswith("| 20 |")]
    assert len(row.split("|")) == 10 and row.count(" s |") == 4 and "MiB" in row and "KiB" in row, row
    assert "yaml PyYAML CSafeDumper" in report or "yaml compiler emitter" in report
    assert re.search(r"creating the output's files .*: 20: \d+\.\d\d s for \d+ files \(\d+ µs each\)", report), report
    goals = [line for line in report.splitlines() if line.startswith("- ")]
    assert [goal.split(":")[0] for goal in goals] == [
        "- compile within 1.5x of the floor at 20", "- validate at most 0.5 of generate at 20",
        "- startup under 0.15 s, `indicators --help`", "- startup under 0.15 s, `python -c 'import compiler.cli'`"]
    assert all(goal.endswith("met") or "missed (" in goal for goal in goals)


def test_make_bench_rules_writes_the_chapters_rules_for_every_category_and_they_parse():
    from bench import rules
    from compiler import promql

    spec = pipeline.compile_spec([("indicators.yaml", (rules.ROOT / "indicators.yaml").read_bytes())], "indicators.yaml").spec
    groups = rules.chapter_rules(spec)["groups"]
    assert len(groups) == len(spec.categories) and sum(len(group["rules"]) for group in groups) > len(spec.indicators)
    assert all(promql.series_read(rule["expr"]) for group in groups for rule in group["rules"])


LAYER_CASES = [  # (case, recording rules as (name, expression), the layers of names bench-rules backfills, or None: refused)
    ("a record another reads over a range is backfilled, and one no rule reads so is not",
     [("a:x:rate1h", "rate(x[1h])"), ("a:x:sum1d", "sum_over_time(a:x:rate1h[1d])")], [["a:x:rate1h"]]),
    ("a record that reads its own earlier values is backfilled in its layer, not waited for",
     [("a:x:dropped", "last_over_time(a:x:dropped[1h] offset 1m) unless x"), ("a:x:sum", "sum_over_time(a:x:dropped[30d])")],
     [["a:x:dropped"]]),
    ("records that read each other over ranges are refused",
     [("a:x:one", "last_over_time(a:x:two[1h])"), ("a:x:two", "last_over_time(a:x:one[1h])")], None),
]


@pytest.mark.parametrize(("records", "layers"), [c[1:] for c in LAYER_CASES], ids=[c[0] for c in LAYER_CASES])
def test_bench_rules_backfills_the_ranged_records_layer_by_layer(records, layers, tmp_path):
    from bench import rules

    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [{"record": name, "expr": expr} for name, expr in records]}]}))
    if layers is None:
        with pytest.raises(ValueError, match="in a cycle"):
            rules.ranged_layers([path])
        return
    assert [[rule["record"] for group in layer for rule in group["rules"]] for layer in rules.ranged_layers([path])] == layers


# Prints the collector's state each time the child reads its clock, then runs the child's script.
_CLOCK_PROBE = """
import gc, sys, time
_clock = time.process_time
def _probed():
    sys.stderr.write(f"collector on: {gc.isenabled()}\\n")
    return _clock()
time.process_time = _probed
"""


def test_the_compile_and_the_floor_are_timed_with_the_cyclic_collector_off_alike(tmp_path):
    # with it on in the floor alone, the floor doubled at 10,000 indicators and the ratio flattered the compile
    import json
    import subprocess
    import sys

    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(synth.spec(20), sort_keys=False))
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"a.json": "{\"a\": 1}\n", "b.yaml": "a: 1\n", "c.md": "text\n"}))
    children = {"compile": [run.COMPILE, str(spec)], "floor": [run.FLOOR, str(spec), str(outputs), "choose"]}
    for name, (script, *args) in children.items():
        child = subprocess.run([sys.executable, "-c", _CLOCK_PROBE + script, *args], capture_output=True, text=True, check=True,
                               cwd=run.ROOT)
        states = set(re.findall(r"collector on: (\w+)", child.stderr))
        assert states == {"False"}, (name, child.stderr)
