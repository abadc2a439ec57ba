"""The spec's own test cases of an indicator (its `tests:` list), in promtool's terms: the
expected alerts get the full label set and rendered annotations like the generated cases,
the expected values and scores are compared at six significant digits."""

from __future__ import annotations

from compiler import conventions, durations
from compiler.backends.prometheus.overrides import selections
from compiler.backends.prometheus.plan import Plan
from compiler.backends.prometheus.unit_tests.common import Grid, group
from compiler.backends.prometheus.unit_tests.thresholds import Cases
from compiler.model import Case, Indicator, Spec


def _cases(spec: Spec, plan: Plan, indicator: Indicator, labels: dict[str, str], grid: Grid) -> Cases:
    """The threshold set that judges a series with `labels`: an override's, or the default."""
    found = selections(indicator, conventions.indicator_series(spec, indicator))
    override = indicator.override_for(labels)
    chosen = next(s for s in found if s.override == override)
    return Cases(spec, plan, indicator, chosen, grid)


def _group(spec: Spec, plan: Plan, indicator: Indicator, case: Case, grid: Grid) -> dict:
    values = {expected.labels: expected for expected in case.values}
    checks = []
    if case.alerts is not None:
        expected = []
        for alert in case.alerts:
            labels = dict(alert.labels)
            cases = _cases(spec, plan, indicator, labels, grid)
            expected += cases.alerts([alert.level], values[alert.labels].value, labels)
        checks.append(grid.alert_test(conventions.alert_name(spec.name, indicator.id), case.eval_time, expected))
    recorded = []
    if case.values:
        recorded.append(grid.value_test(conventions.indicator_series(spec, indicator), case.eval_time,
                                        [(dict(v.labels), v.value) for v in case.values]))
    scored = [(dict(v.labels), v.score) for v in case.values if v.score is not None]
    if scored:
        recorded.append(grid.value_test(conventions.score_series(spec, indicator), case.eval_time, scored))
    found = group(f"{indicator.id}: {case.name}", case.input_series, checks, recorded)
    return found | {"interval": durations.text(case.interval)}


def groups(spec: Spec, plan: Plan, indicator: Indicator, grid: Grid) -> list[dict]:
    return [_group(spec, plan, indicator, case, grid) for case in indicator.tests]
