"""Per indicator and per threshold set (the default one and each override): a series at the
target raises nothing; a series past a threshold raises nothing before its `for` and the alert
at that threshold's level after it, with exactly the labels and annotations Prometheus gives
it; and the recorded value and 0-100 score are what plain arithmetic says they are."""

from __future__ import annotations

import math

from compiler import conventions, durations, present
from compiler.backends.prometheus.overrides import Selection, selections
from compiler.backends.prometheus.plan import Plan, Rule
from compiler.backends.prometheus.unit_tests.common import (
    Grid,
    data_labels,
    expected_alert,
    group,
)
from compiler.backends.prometheus.unit_tests.inputs import Inputs, inputs
from compiler.model import Indicator, Spec, Threshold


def score(indicator: Indicator, target: float, warning: float, value: float) -> float:
    """100 at or beyond the target, 0 at or beyond the warning sign, linear between."""
    if target == warning:
        met = value >= target if indicator.good == "higher" else value <= target
        return 100.0 if met else 0.0
    return min(max((value - warning) / (target - warning) * 100, 0.0), 100.0)


def past(indicator: Indicator, thresholds: tuple[Threshold, ...], index: int) -> float:
    """A value beyond threshold `index` and short of the next one with a different value."""
    value = thresholds[index].value
    following = next((t.value for t in thresholds[index + 1:] if t.value != value), None)
    if following is not None:
        beyond = (value + following) / 2
    else:
        step = abs(value) * 0.5 if value else 2.0  # not 1: a value near 1 may print as 999.9m
        beyond = value + step if indicator.good == "lower" else value - step
        if indicator.unit == "ratio" and indicator.measure.share and not 0 <= beyond <= 1:
            beyond = (value + (1 if indicator.good == "lower" else 0)) / 2
    if indicator.unit == "seconds" and abs(beyond) >= 60 and not indicator.measure.clocked:
        # humanizeDuration drops the fraction: half a second keeps float noise off the boundary
        beyond = math.floor(beyond) + 0.5
    return beyond


def settle(start: float, breached: list[Threshold], warmup: float, grid: Grid) -> tuple[float, list[Threshold]]:
    """The first eval time from `start` at which every breached threshold has surely fired or
    surely not (its breach began between the first sample and the end of the warm-up)."""
    when = start
    while True:
        unsure = [t.for_seconds for t in breached if t.for_seconds <= when < t.for_seconds + warmup + grid.margin]
        if not unsure:
            return when, [t for t in breached if t.for_seconds + warmup + grid.margin <= when]
        when = max(unsure) + warmup + grid.margin


def holding(spec: Spec, indicator: Indicator, labels: dict[str, str], wanted: float, steps: int) -> Inputs:
    """inputs() of a value a one-sample probe has held: series that exist hold it however long they run."""
    found = inputs(spec, indicator, labels, wanted, steps)
    if found is None:
        raise LookupError(f"{indicator.id}: no series hold {wanted}, which the probe held")
    return found


class Cases:
    """The test groups of one threshold set at its data labels."""

    def __init__(self, spec: Spec, plan: Plan, indicator: Indicator, selection: Selection, grid: Grid):
        self.spec, self.plan, self.indicator, self.selection, self.grid = spec, plan, indicator, selection, grid
        self.labels = data_labels(spec, indicator, selection.override)
        self.name = conventions.alert_name(spec.name, indicator.id)
        self.where = "".join(f" {label}={value}" for label, value in (selection.override.when if selection.override else ()))
        self.target = selection.limit("target", indicator)
        self.warning = selection.limit("warning", indicator)

    def held(self, wanted: float, *eval_seconds: float) -> Inputs | None:
        return inputs(self.spec, self.indicator, self.labels, wanted, self.grid.samples(*eval_seconds))

    def holding(self, wanted: float, *eval_seconds: float) -> Inputs:
        return holding(self.spec, self.indicator, self.labels, wanted, self.grid.samples(*eval_seconds))

    def warmup(self, wanted: float) -> float | None:
        found = self.held(wanted, 0)
        return None if found is None else found.warmup

    def rule(self, level: str) -> Rule:
        """The generated rule of this threshold set at `level`, as the plan holds it."""
        return self.plan.alert(self.indicator.id, self.name, level, self.selection.override)

    def alerts(self, levels: list[str], value: float, labels: dict[str, str] | None = None) -> list[dict]:
        override = dict(self.selection.override.when) if self.selection.override else {}
        return [expected_alert(self.rule(level), labels or self.labels, value,
                               override | conventions.alert_labels(self.spec, self.indicator, level)) for level in levels]

    def recorded(self, eval_seconds: float, value: float) -> list[dict]:
        samples = [(self.labels, value)]
        scored = [(self.labels, score(self.indicator, self.target, self.warning, value))]
        return [self.grid.value_test(conventions.indicator_series(self.spec, self.indicator), eval_seconds, samples),
                self.grid.value_test(conventions.score_series(self.spec, self.indicator), eval_seconds, scored)]

    def quiet(self) -> dict | None:
        # exactly at the target: a rate's float noise (9.999999999 for 10) is within the tolerance
        at_target = self.target
        warmup = self.warmup(at_target)
        if warmup is None:
            return None
        longest = max((t.for_seconds for t in self.selection.thresholds), default=0)
        when = warmup + longest + self.grid.margin
        held = self.holding(at_target, when)
        if any(t.breached_by(held.value, self.indicator.good) for t in self.selection.thresholds):
            return None
        checks = [self.grid.alert_test(self.name, when, [])]
        return group(f"{self.indicator.id}{self.where}: at the target ({self._shown(held.value)}) raises nothing",
                     held.series, checks, self.recorded(when, held.value))

    def past(self, index: int) -> dict | None:
        threshold = self.selection.thresholds[index]
        wanted = past(self.indicator, self.selection.thresholds, index)
        warmup = self.warmup(wanted)
        if warmup is None:
            return None
        probe = self.holding(wanted, 0)
        breached = [t for t in self.selection.thresholds if t.breached_by(probe.value, self.indicator.good)]
        if threshold not in breached:
            return None
        when, firing = settle(warmup + threshold.for_seconds + self.grid.margin, breached, warmup, self.grid)
        held = self.holding(wanted, when)
        checks = []
        early = (threshold.for_seconds // self.grid.step - 1) * self.grid.step  # on the grid, before `for` can have passed
        # a count of rollups climbs through every lower level over its warm-up: none is sure quiet then
        climbing = self.indicator.measure.counts_rollups(self.spec) and early < warmup
        if threshold.for_seconds and early > 0 and not climbing:
            unsure = [t for t in breached if t.for_seconds <= early < t.for_seconds + warmup + self.grid.margin]
            if not unsure:
                before = [t for t in breached if t.for_seconds + warmup + self.grid.margin <= early]
                checks.append(self.grid.alert_test(self.name, early, self.alerts([t.level for t in before], held.value)))
        checks.append(self.grid.alert_test(self.name, when, self.alerts([t.level for t in firing], held.value)))
        hold = f" for {durations.human(threshold.for_seconds)}" if threshold.for_seconds else ""
        return group(f"{self.indicator.id}{self.where}: past the {threshold.name} ({self._shown(held.value)}){hold} raises {threshold.level}",
                     held.series, checks, self.recorded(when, held.value))

    def _shown(self, value: float) -> str:
        return present.value(self.indicator, value)


def threshold_groups(spec: Spec, plan: Plan, indicator: Indicator, grid: Grid) -> list[dict]:
    found = []
    for selection in selections(indicator, conventions.indicator_series(spec, indicator)):
        cases = Cases(spec, plan, indicator, selection, grid)
        found += [cases.quiet()] + [cases.past(index) for index in range(len(selection.thresholds))]
    return [group for group in found if group is not None]
