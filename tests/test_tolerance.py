"""A value within float noise of a threshold is at it, not beyond it: `Threshold.breached_by`
(which the reports judge with) and the alert rules compare against the same bound, so a flat
trend that computes as -1.8e-15 neither pages nor reads yellow in the weekly review."""

from __future__ import annotations

import subprocess

import pytest
import yaml
from conftest import ROOT
from servers import binary

from compiler import conventions, pipeline
from compiler.model import Threshold
from compiler.reports import period, weekly
from compiler.reports.queries import Query, Sample


@pytest.mark.parametrize(("value", "good", "seen", "breached"), [
    (0, "higher", -2.538e-11, False),  # the flat Deployment Frequency trend
    (0, "higher", -1e-9, False),
    (0, "higher", -1.1e-9, True),
    (0, "higher", -1e-4, True),
    (0.8, "higher", 0.8 - 1e-12, False),
    (0.8, "higher", 0.7999, True),
    (40, "higher", 39.99999999, False),  # a rate's 40 read back: the tolerance grows with the magnitude
    (40, "higher", 39.99, True),
    (3600, "lower", 3600.000001, False),
    (3600, "lower", 3601, True),
    (0, "lower", 1e-10, False),
    (0, "lower", 1, True),
], ids=lambda item: repr(item))
def test_a_value_within_float_noise_of_a_threshold_does_not_breach_it(value, good, seen, breached):
    assert Threshold("warning", value, 0, "red").breached_by(seen, good) is breached


def test_every_threshold_rule_compares_against_the_bound_the_model_judges_with():
    compiled = pipeline.compile_spec([("indicators.yaml", (ROOT / "indicators.yaml").read_bytes())], "indicators.yaml")
    spec = compiled.spec
    bounds, rules = {}, 0
    for indicator in spec.indicators:
        for threshold in (*indicator.thresholds, *(t for o in indicator.overrides for t in o.thresholds)):
            bounds.setdefault(conventions.alert_name(spec.name, indicator.id), set()).add(threshold.bound(indicator.good))
            rules += 1
    found = 0
    for path, text in compiled.files.items():
        if path.startswith("prometheus/") and "/tests/" not in path:
            for group in yaml.safe_load(text)["groups"]:
                for rule in group["rules"]:
                    if rule.get("alert") in bounds:
                        number, side, tolerance = rule["expr"].rsplit(" ", 3)[-3:]
                        bound = float(number.strip("()")) + (float(tolerance) if side == "+" else -float(tolerance))
                        assert bound in bounds[rule["alert"]], rule["expr"]
                        found += 1
    assert found == rules


def _deployment_frequency_rules(spec_path) -> str:
    """The shipped spec's Deployment Frequency rules alone (a run of the whole file is slow)."""
    compiled = pipeline.compile_spec([(str(spec_path), spec_path.read_bytes())], spec_path.name)
    groups = []
    for group in yaml.safe_load(compiled.files["prometheus/platform_health.yaml"])["groups"]:
        rules = [r for r in group["rules"] if "deployment_frequency" in r.get("record", "")
                 or (r.get("labels", {}).get("indicator") == "deployment_frequency" and not r["alert"].endswith("NoData"))]
        if rules:
            groups.append({"name": group["name"], "interval": group.get("interval", "1m"), "rules": rules})
    return yaml.safe_dump({"groups": groups}, sort_keys=False)


# The recorded change itself is fed (no source series, so the recording rules produce nothing):
# a flat month computes as float noise (the issue saw -2.538e-11; an average of a 7-hour cycle
# read -1.8e-15), held past the yellow alert's `for` of a day.
@pytest.mark.parametrize(("change", "firing"), [
    (-2.538e-11, 0),
    (-1.8e-15, 0),
    (-1e-9, 0),  # the tolerance itself
    (-1.1e-9, 1),  # beyond it: yellow, so the world can fail
    (-1e-4, 1),
], ids=lambda item: repr(item))
def test_a_flat_deployment_frequency_trend_raises_nothing_in_promtool(change, firing, tmp_path):
    (tmp_path / "rules.yaml").write_text(_deployment_frequency_rules(ROOT / "indicators.yaml"))
    series = 'cluster_team:mlops_deployment_frequency:change30d{cluster="eu-1", team="search"}'
    test = {"rule_files": ["rules.yaml"], "evaluation_interval": "1h", "tests": [{
        "interval": "1h",
        "input_series": [{"series": series, "values": f"{change!r}x30"}],
        "promql_expr_test": [{"expr": 'count(ALERTS{alertstate="firing"}) or vector(0)', "eval_time": "1d2h",
                              "exp_samples": [{"labels": "{}", "value": firing}]}]}]}
    (tmp_path / "flat.test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    result = subprocess.run([binary("promtool"), "test", "rules", "flat.test.yaml"], cwd=tmp_path,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_flat_deployment_frequency_trend_is_not_yellow_in_the_weekly_review():
    spec = pipeline.compile_spec([("indicators.yaml", (ROOT / "indicators.yaml").read_bytes())], "indicators.yaml").spec
    indicator = next(i for i in spec.indicators if i.id == "deployment_frequency")
    series = conventions.indicator_series(spec, indicator)

    def ask(query: Query) -> list[Sample]:
        flat = query.promql.startswith(series) and isinstance(query, Query)
        # the "-2.538e-11%"
        return [Sample((("cluster", "eu-1"), ("team", "search")), -2.538e-13)] if flat else []

    rows = weekly.build(spec, period.week("2026-W45"), ask).context["health"]
    row = next(row for row in rows if row.title == indicator.title)
    assert row.status == "green", row
