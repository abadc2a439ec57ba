"""A value's status, in the levels of the escalation matrix: the level of the most severe
threshold it breaches (the series' override thresholds if one applies), as the alerts judge it
but on the value alone: a report reads one instant, so `for` durations do not apply."""

from __future__ import annotations

from compiler.model import Indicator, Level, Spec
from compiler.reports.queries import Sample

OK = Level("ok", None, "none", None, False, (), "", None)  # when the matrix names no level for "all good"


def level(spec: Spec, indicator: Indicator, sample: Sample) -> Level:
    levels = spec.escalation.levels
    breached = [spec.escalation.level(t.level) for t in indicator.thresholds_for(dict(sample.labels))
                if t.breached_by(sample.value, indicator.good)]
    if breached:
        return max(breached, key=levels.index)
    return next((lvl for lvl in levels if lvl.threshold is None), OK)


def severity(spec: Spec, found: Level) -> int:
    """0 for a level that raises nothing, higher for more severe levels."""
    return 0 if found.threshold is None else spec.escalation.levels.index(found) + 1


def worst(spec: Spec, indicator: Indicator, samples: list[Sample]) -> tuple[Sample, Level] | None:
    """The series in the worst state: the most severe level, then the furthest from good."""
    if not samples:
        return None
    badness = (lambda s: -s.value) if indicator.good == "higher" else (lambda s: s.value)
    sample = max(samples, key=lambda s: (severity(spec, level(spec, indicator, s)), badness(s)))
    return sample, level(spec, indicator, sample)
