"""Which series must exist for an indicator to be evaluated, and who reports them: the one
idea behind NoData, shared by the rules that raise it, the routing contract and the tests.

A presence source is a ratio's denominator, an objective's total, a quantile's histogram, or a
measure's only sources, each as its whole metric (a ratio over no high-risk model has no value
but is not silent); and only series that exist whether or not anything happened: gauges, and
counters and histograms the catalogue marks `initialised`. A labelled counter that never
counted has no series at all, which is calm, not silence."""

from __future__ import annotations

from dataclasses import fields

from compiler import promql
from compiler import spec as spec_reading
from compiler.model import Availability, Expr, Indicator, Metric, Quantile, Ratio, Selector, Spec

REQUIRED = {Ratio: ("denominator",), Availability: ("total",)}  # the other forms need every source


def sources(spec: Spec, indicator: Indicator) -> list[Selector]:
    """The presence sources, as selectors of whole metrics (a histogram's `_count`)."""
    measure = indicator.measure
    if isinstance(measure, Expr):
        names = [read.name for read in promql.series_read(measure.expr)]
    else:
        required = REQUIRED.get(type(measure))
        names = [getattr(measure, item.name).metric for item in fields(measure)
                 if isinstance(getattr(measure, item.name), Selector) and (required is None or item.name in required)]
    suffix = "_count" if isinstance(measure, Quantile) else ""
    return [Selector(name + suffix) for name in dict.fromkeys(names)
            if (metric := catalogued(spec, name)) is not None and metric.always_exported]


def per_entity(spec: Spec, indicator: Indicator) -> list[Selector]:
    """The presence sources that carry every tracking label: those an entity's silence shows in."""
    return [selector for selector in sources(spec, indicator)
            if (metric := catalogued(spec, selector.metric)) is not None and set(indicator.track_by) <= set(metric.labels)]


def catalogued(spec: Spec, name: str) -> Metric | None:
    """The catalogued metric a series name belongs to (a histogram's for `x_bucket`, `x_count`)."""
    resolved = spec_reading.series_type(name, spec.catalogue)
    return None if resolved is None else spec.metric(resolved[0])
