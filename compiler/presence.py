"""Which series must exist for an indicator to be evaluated, and who reports them: the one
idea behind NoData, shared by the rules that raise it, the routing contract and the tests.

A presence source is a ratio's denominator, an objective's total, a quantile's histogram, or a
measure's only sources, each as its whole metric (a ratio over no high-risk model has no value
but is not silent); and only series that exist whether or not anything happened: gauges, and
counters and histograms the catalogue marks `initialised`. A labelled counter that never
counted has no series at all, which is calm, not silence. So has a gauge a form counts whose
absence reads as 0 (`zero`: a collector's `GROUP BY` rows of open findings has no row for a team
with none open, nor any row once none is open anywhere), unless the catalogue marks it
`initialised` too: its exporter publishes every series at 0."""

from __future__ import annotations

from compiler import spec as spec_reading
from compiler.model import Indicator, Metric, Selector, Spec


def sources(spec: Spec, indicator: Indicator) -> list[Selector]:
    """The presence sources, as selectors of whole metrics (a histogram's `_count`): those of the
    series its measure form cannot be computed without."""
    return [Selector(name) for name in dict.fromkeys(indicator.measure.sources())
            if (metric := catalogued(spec, name)) is not None
            and (metric.initialised if indicator.measure.absent_is_zero else metric.always_exported)]


def per_entity(spec: Spec, indicator: Indicator) -> list[Selector]:
    """The presence sources that carry every tracking label: those an entity's silence shows in."""
    return [selector for selector in sources(spec, indicator)
            if (metric := catalogued(spec, selector.metric)) is not None and set(indicator.track_by) <= set(metric.labels)]


def catalogued(spec: Spec, name: str) -> Metric | None:
    """The catalogued metric a series name belongs to (a histogram's for `x_bucket`, `x_count`)."""
    resolved = spec_reading.series_type(name, spec.catalogue)
    return None if resolved is None else spec.metric(resolved[0])
