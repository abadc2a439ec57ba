"""The generated promtool unit tests prove the rules right, so they must fail when the rules
are wrong: each break below, made in a copy of a golden case's generated rule file, makes
promtool fail. A spec's own test cases are compiled into the same files and run too.

(Unbroken, every golden case's generated tests run through the pytest plugin: they are
collected from tests/golden/*/expected/prometheus/tests/, and generated/'s from the
`testpaths` in pyproject.toml.)"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import FAILURES, INDICATOR, ROOT, UPTIME, spec_text
from servers import binary

from compiler import conventions, pipeline
from compiler.backends import prometheus
from compiler.backends.outputs import Outputs
from compiler.backends.prometheus import unit_tests
from compiler.backends.prometheus.unit_tests import boundaries
from compiler.model import Threshold

GOLDEN = ROOT / "tests" / "golden" / "gauge" / "expected" / "prometheus"


def run_all(folder: Path) -> subprocess.CompletedProcess:
    files = sorted(str(path) for path in (folder / "tests").glob("*.promtest.yaml"))
    assert files, f"no generated unit tests under {folder}"
    return subprocess.run([binary("promtool"), "test", "rules", *files], capture_output=True, text=True, check=False)


def _threshold_alert(groups: list[dict], level: str) -> dict:
    """The alert the indicator raises at `level` (not its no-data alert, which has a level too)."""
    return next(rule for group in groups for rule in group["rules"]
                if "alert" in rule and not rule["alert"].endswith("NoData") and rule["labels"]["level"] == level)


def _multiply_threshold(groups):
    rule = _threshold_alert(groups, "red")
    rule["expr"] = re.sub(r"[0-9.]+(?= [-+] [0-9.e-]+$)", lambda found: f"{float(found.group()) * 10:g}", rule["expr"])


def _relabel(groups):
    _threshold_alert(groups, "red")["labels"]["severity"] = "info"


def _reword(groups):
    _threshold_alert(groups, "yellow")["annotations"]["summary"] += " (edited)"


def _rescore(groups):
    rule = next(r for group in groups for r in group["rules"] if r.get("record", "").endswith(":score"))
    rule["expr"] = rule["expr"].replace("* 100", "* 90")


def _drop_no_data(groups):
    for group in groups:
        group["rules"] = [r for r in group["rules"] if not r.get("alert", "").endswith("NoData")]


BREAKS = [
    ("a threshold moved tenfold is caught", _multiply_threshold),
    ("a severity label changed is caught", _relabel),
    ("a reworded annotation is caught", _reword),
    ("a changed score formula is caught", _rescore),
    ("a missing no-data alert is caught", _drop_no_data),
]


def test_the_golden_rules_pass_their_generated_tests_unbroken(tmp_path):
    shutil.copytree(GOLDEN, tmp_path / "prometheus")
    result = run_all(tmp_path / "prometheus")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("break_rules", [b[1] for b in BREAKS], ids=[b[0] for b in BREAKS])
def test_a_broken_rule_file_fails_its_generated_tests(break_rules, tmp_path):
    shutil.copytree(GOLDEN, tmp_path / "prometheus")
    rule_file = tmp_path / "prometheus" / "platform_health.yaml"
    document = yaml.safe_load(rule_file.read_text())
    break_rules(document["groups"])
    rule_file.write_text(yaml.safe_dump(document, sort_keys=False))
    result = run_all(tmp_path / "prometheus")
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr


USER_CASE = INDICATOR + """\
    tests:
      - name: a deep queue turns red after six hours
        input_series:
          - {series: 'queue_depth{model="a"}', values: '500x480'}
        eval_time: 7h
        alerts: [{level: red, labels: {model: a}}]
        values: [{labels: {model: a}, value: 500, score: 0}]
"""


@pytest.mark.parametrize(("change", "passes"), [
    ("", True),
    ("level: red", False),  # the case expects yellow instead: after 7h only red has fired
], ids=["a spec's own test case runs with the generated ones", "a spec's own wrong expectation fails"])
def test_a_specs_own_test_case_is_compiled_into_the_generated_tests(change, passes, cli, tmp_path):
    text = spec_text(USER_CASE.replace(change, "level: yellow") if change else USER_CASE)
    Path("indicators.yaml").write_text(text)
    result = cli("generate", "indicators.yaml", "--out", "out")
    assert result.exit_code == 0, result.output
    tests = (tmp_path / "out" / "prometheus" / "tests" / "platform_health.promtest.yaml").read_text()
    assert "queue: a deep queue turns red after six hours" in tests
    result = run_all(tmp_path / "out" / "prometheus")
    assert (result.returncode == 0) == passes, result.stdout + result.stderr


OVERRIDE = """\
    overrides:
      - when: {model: 'fraud "v2" \\ eu'}
        warning: 50
"""


def test_label_values_with_quotes_and_backslashes_are_quoted_in_the_generated_tests_as_in_the_rules(cli, tmp_path):
    Path("indicators.yaml").write_text(spec_text(INDICATOR + OVERRIDE))
    result = cli("generate", "indicators.yaml", "--out", "out")
    assert result.exit_code == 0, result.output
    result = run_all(tmp_path / "out" / "prometheus")  # promtool parses every input series, then runs them
    assert result.returncode == 0, result.stdout + result.stderr


SPECS = [ROOT / "indicators.yaml"] + sorted((ROOT / "tests" / "golden").glob("*/spec.yaml"))


@pytest.mark.parametrize("path", SPECS, ids=lambda path: path.parent.name if path.name == "spec.yaml" else path.name)
def test_every_alert_the_rules_can_raise_is_expected_firing_by_a_generated_test(path):
    """Of every measure form: the boundary groups feed the recorded value itself."""
    spec, _ = pipeline.load([(str(path), path.read_bytes())], path.name)
    expected = {(check["alertname"], alert["exp_labels"]["level"])
                for name, data in unit_tests.render(Outputs(spec, prometheus.build(spec), {}, {}, {})).items()
                for group in data["tests"] for check in group.get("alert_rule_test", []) for alert in check["exp_alerts"]}
    missing = [(name, level) for indicator in spec.indicators for name, level in conventions.raised_levels(spec, indicator)
               if (name, level) not in expected]
    assert missing == []


def test_an_overrides_burn_rates_are_tested_against_its_own_budget_as_the_defaults_are():
    """ranker's override sets a 99.9% objective beside the indicator's 99.5%: every burn-rate
    alert rule, the override's too, is expected firing by a generated test on the series it
    judges, and each of the override's burn rates is tested at its own bound (14.4x 0.1%)."""
    path = ROOT / "tests" / "golden" / "availability_override" / "spec.yaml"
    spec, _ = pipeline.load([(str(path), path.read_bytes())], path.name)
    plan = prometheus.build(spec)
    groups = [group for data in unit_tests.render(Outputs(spec, plan, {}, {}, {})).values() for group in data["tests"]]
    expected = {(check["alertname"], alert["exp_labels"]["level"], alert["exp_labels"]["model"])
                for group in groups for check in group.get("alert_rule_test", []) for alert in check["exp_alerts"]}
    rules = {(rule.name, rule.level, dict(rule.override.when)["model"] if rule.override else "test-model") for rule in plan.rules()
             if rule.kind == "alert" and rule.name.endswith(conventions.BURN_RATE_SUFFIX)}
    assert ("ShopAvailabilityErrorBudgetBurn", "red", "ranker") in rules and rules <= expected, sorted(rules - expected)
    bound = next(group for group in groups if group["name"].startswith("availability model=ranker: 14.4x over 1h/5m, both windows just beyond"))
    assert [(series["series"].split("{")[0], series["values"].split("x")[0]) for series in bound["input_series"]] == [
        ("cluster_model:shop_availability:error_ratio_rate1h", "0.014544+0"), ("cluster_model:shop_availability:error_ratio_rate5m", "0.014544+0")]
    assert all('model="ranker"' in series["series"] for series in bound["input_series"])


def test_a_group_longer_than_the_coarsest_grid_holds_in_its_steps_is_still_placed_there():
    """A 30-day `for` takes 32 steps on the daily grid, past MAX_STEPS: the coarsest grid takes it whole
    (only an indicator counting rollups is kept off the other grids)."""
    text = spec_text(INDICATOR.replace("warning: 100", "warning: {value: 100, for: 30d}"))
    spec, _ = pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    files = unit_tests.render(Outputs(spec, prometheus.build(spec), {}, {}, {}))
    names = [group["name"] for path, data in files.items() if path.endswith(".every-1d.promtest.yaml") for group in data["tests"]]
    assert any(name.startswith("queue: past the warning") for name in names), names


def test_a_spec_may_turn_the_generated_cases_off_and_keep_its_own():
    text = (ROOT / "indicators.yaml").read_text().replace("output:\n", "output:\n  prometheus: {unit_tests: false}\n", 1)
    files = pipeline.compile_spec([("indicators.yaml", text.encode())], "indicators.yaml").files
    tests = {path: yaml.safe_load(body) for path, body in files.items() if path.startswith("prometheus/tests/")}
    names = [group["name"] for document in tests.values() for group in document["tests"]]
    assert names and all(name.startswith("nps: ") for name in names), names  # the shipped spec's own case only


@pytest.mark.parametrize(("unit", "good", "threshold", "past"), [
    ("ratio", "higher", 0.999, 0.9989),  # a hundredth of a percentage point: 99.89%
    ("ratio", "lower", 0.001, 0.001001),  # the fourth figure, finer than the unit's step: 0.1001%
    ("ratio", "lower", 0, 0.0001),
    ("seconds", "lower", 0.25, 0.2501),  # 250.1ms, short of a 500ms warning
    ("seconds", "lower", 2, 2.001),
    ("seconds", "lower", 300, 301),  # humanizeDuration prints whole seconds from a minute up
    ("percent", "higher", 100, 99.99),
    ("count", "lower", 0, 1),  # never a fraction of an event
    ("count", "lower", 100000, 100100),  # %.4g prints 1e+05 for 100001
    ("days", "lower", 14, 14.01),
    ("score", "higher", 0.3, 0.2999),
], ids=lambda item: repr(item))
def test_a_boundary_case_holds_the_nearest_value_past_the_threshold_that_its_description_tells_apart(unit, good, threshold, past):
    spec, _ = pipeline.load([("indicators.yaml", (ROOT / "indicators.yaml").read_bytes())], "indicators.yaml")
    indicator = dataclasses.replace(spec.indicators[0], unit=unit, good=good)
    assert boundaries.beyond(indicator, Threshold("target", threshold, 0, "yellow")) == past
    assert boundaries.printed(indicator, past) != boundaries.printed(indicator, threshold)


RED_ESCALATES = ("severity: error, response_time: 4h,", "severity: error, response_time: 4h, escalate_after: 8h,")
OWN_TESTS_PASS = [  # (case, spec text): specs whose generated tests expected what the rules do not do
    ("a red burn-rate alert escalates from the start, not only after the red threshold's for",
     spec_text(UPTIME.replace("target: 0.999", "target: 0.995").replace("warning: 0.99", "warning: 0.98")).replace(*RED_ESCALATES)),
    ("a zero count over a day held past a for as long as its window keeps counting",
     spec_text(FAILURES.replace("for: 0s", "for: 1d"))),
    ("a zero count over a day, its red level escalating after 8h, yellow after the default for of 1d",
     spec_text(FAILURES).replace(*RED_ESCALATES)),
]


@pytest.mark.parametrize("text", [c[1] for c in OWN_TESTS_PASS], ids=[c[0] for c in OWN_TESTS_PASS])
def test_the_generated_tests_of_escalations_and_short_counts_expect_what_the_rules_do(text, cli, tmp_path):
    Path("indicators.yaml").write_text(text)
    assert cli("generate", "--out", "out").exit_code == 0
    result = run_all(Path("out") / "prometheus")
    assert result.returncode == 0, result.stdout + result.stderr
