"""Each check (compiler/checks, listed in checks.CHECKS) has its own table of small cases in
tests/checks/<check>.yaml: a change to the valid spec of conftest.py and the findings that check
alone reports for it, exactly. `make update-golden` rewrites the findings (review the diff)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from conftest import spec_text

from compiler import checks, loader

TABLES = Path(__file__).parent / "checks"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
HEADER = """\
# The {name} check's cases (compiler/checks/__init__.py lists it). Each case changes the valid
# spec of tests/conftest.py: `replace` pairs of text, in order, or `indicators: N` bare entries in
# place of its indicators. `findings` are what this check alone reports, exactly; `make
# update-golden` rewrites them.
"""
CHECKS = {check.name: check for check in checks.CHECKS}


def _table(name: str) -> list[dict]:
    return yaml.safe_load((TABLES / f"{name}.yaml").read_text())


class _Dumper(yaml.SafeDumper):
    """Text of several lines as a literal block, as it reads in the spec."""


_Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def write_table(name: str, table: list[dict]) -> None:
    (TABLES / f"{name}.yaml").write_text(HEADER.format(name=name) + yaml.dump(
        table, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000, default_flow_style=False))


def _spec(case: dict) -> str:
    text = spec_text()
    if "indicators" in case:
        text = text[: text.index("indicators:")] + "indicators:\n" + "".join(f"  - {{id: i{n}}}\n" for n in range(case["indicators"]))
    for old, new in case.get("replace", ()):
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def findings(name: str, case: dict) -> list[str]:
    """What the check named `name` alone finds in the case's spec."""
    document, problems = loader.load_text("indicators.yaml", _spec(case).encode())
    assert document is not None, problems
    return sorted(str(finding) for finding in CHECKS[name].run(checks.Subject(document, "indicators.yaml")))


ROWS = [(name, number, case) for name in sorted(CHECKS) if (TABLES / f"{name}.yaml").exists()
        for number, case in enumerate(_table(name))]


def test_every_check_has_its_table_and_every_table_a_check():
    assert sorted(path.stem for path in TABLES.glob("*.yaml")) == sorted(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_table_holds_a_case_the_check_finds_something_in_and_one_it_finds_nothing_in(name):
    """The cheap mutation proof of every table: a check that found nothing, or always found
    something, would fail one of its cases."""
    assert {bool(case["findings"]) for case in _table(name)} == {True, False}


@pytest.mark.parametrize(("name", "number", "case"), ROWS, ids=[f"{name}: {case['case']}" for name, _, case in ROWS])
def test_each_check_reports_exactly_its_findings_for_each_case_in_its_table(name, number, case):
    found = findings(name, case)
    if UPDATE and found != case["findings"]:
        table = _table(name)
        table[number]["findings"] = found
        write_table(name, table)
        return
    assert found == case["findings"]
