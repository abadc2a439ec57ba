"""Every threshold of every threshold set at its boundary, whatever the measure form: a series
exactly at the threshold raises nothing at its level; one a resolution beyond it raises nothing
one evaluation before the `for` and the alert right at it. These groups feed the recorded value
series itself and no source series, so the recording rules produce nothing and the value is
exact from the first evaluation: the alert rules' thresholds, comparisons and `for` are tested
on their own, also for `expr` and `trend` measures, whose inputs cannot be derived."""

from __future__ import annotations

import math

from compiler import conventions, durations, present
from compiler.backends.prometheus.measures import literal
from compiler.backends.prometheus.overrides import selections
from compiler.backends.prometheus.plan import Plan
from compiler.backends.prometheus.unit_tests.common import Grid, group
from compiler.backends.prometheus.unit_tests.inputs import series_text
from compiler.backends.prometheus.unit_tests.templates import render
from compiler.backends.prometheus.unit_tests.thresholds import Cases
from compiler.model import Indicator, Spec, Threshold

# Per unit, the coarsest step past a threshold: a hundredth of a percentage point, a whole second, a
# hundredth of a day or of a score, one event (never a fraction of one).
RESOLUTION = {"ratio": 1e-4, "percent": 0.01, "seconds": 1.0, "days": 0.01, "count": 1.0, "score": 0.01}
WHOLE = ("count",)


def beyond(indicator: Indicator, threshold: Threshold) -> float:
    """The nearest value past the threshold, a power of ten away, that the rule and the alert's
    description both tell apart from it: at most the unit's step, at the threshold's last figure
    that `%.4g` and `humanize*` print (a 250ms latency: 250.1ms, not 1.25s past a 500ms warning),
    coarser where the description prints less (humanizeDuration from a minute up: whole seconds)."""
    value, worse = threshold.value, (-1 if indicator.good == "higher" else 1)
    step = RESOLUTION[indicator.unit]
    if value and indicator.unit not in WHOLE:
        step = min(step, 10.0 ** (math.floor(math.log10(abs(value))) - present.SIGNIFICANT + 1))
    while printed(indicator, float(literal(value + worse * step))) == printed(indicator, value):
        step *= 10
    return float(literal(value + worse * step))


def printed(indicator: Indicator, value: float) -> str:
    """The value as the alert's description prints it."""
    return render(present.template(indicator), value, {})


def _checks(cases: Cases, held: list[tuple[dict[str, str], float]], eval_seconds: list[float], grid: Grid) -> list[dict]:
    """At each eval time, the alerts of every held series: each breached threshold whose `for` has passed
    (the value is exact from the first evaluation, so an alert is pending from 0)."""
    checks = []
    for when in sorted(set(eval_seconds)):
        at = durations.seconds(grid.at(when))
        expected = []
        for labels, value in held:
            firing = [t.level for t in cases.selection.thresholds if t.breached_by(value, cases.indicator.good) and t.for_seconds <= at]
            expected += cases.alerts(firing, value, labels)
        checks.append(grid.alert_test(cases.name, when, expected))
    return checks


def _group(cases: Cases, held: list[tuple[dict[str, str], float]], eval_seconds: list[float], grid: Grid, name: str) -> dict:
    recorded = conventions.indicator_series(cases.spec, cases.indicator)
    samples = int(durations.seconds(grid.at(max(eval_seconds))) // grid.step) + 1
    series = tuple((series_text(recorded, labels), f"{literal(value)}x{samples}") for labels, value in held)
    return group(name, series, _checks(cases, held, eval_seconds, grid)) | {"interval": durations.text(grid.step)}


def _held(cases: Cases) -> list[tuple[str, dict[str, str], float]]:
    """(what it shows, labels, value) of a series exactly at and one a resolution past each threshold,
    told apart by a data label the threshold set leaves free (None: there is none)."""
    fixed = dict(cases.selection.override.when) if cases.selection.override else {}
    free = next((label for label in cases.labels if label not in fixed), None)
    found = []
    for threshold in cases.selection.thresholds:
        for where, value in (("at", threshold.value), ("past", beyond(cases.indicator, threshold))):
            labels = cases.labels | ({free: f"{cases.labels[free]}-{where}-{threshold.name}"} if free else {})
            found.append((f"{where} the {threshold.name} {printed(cases.indicator, value)}", labels, value))
    return found


def _times(cases: Cases, grid: Grid) -> list[float]:
    """Each `for` and one evaluation before it (at 0 an alert with a `for` is pending)."""
    return [when for t in cases.selection.thresholds for when in ([max(t.for_seconds - grid.step, 0), t.for_seconds] if t.for_seconds else [0])]


def boundary_groups(spec: Spec, plan: Plan, indicator: Indicator, grid: Grid) -> list[dict]:
    found = []
    for selection in selections(indicator, conventions.indicator_series(spec, indicator)):
        cases = Cases(spec, plan, indicator, selection, grid)
        held = _held(cases)
        title = f"{indicator.id}{cases.where}: a resolution past a threshold raises its level at its `for`, exactly at it nothing"
        if len({tuple(sorted(labels.items())) for _, labels, _ in held}) == len(held):
            shown = ", ".join(text for text, _, _ in held)
            found.append(_group(cases, [(labels, value) for _, labels, value in held], _times(cases, grid), grid, f"{title} ({shown})"))
        else:  # no label to tell the series apart: a group each
            found += [_group(cases, [(labels, value)], _times(cases, grid), grid, f"{title} ({text})") for text, labels, value in held]
    return found
