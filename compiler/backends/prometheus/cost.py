"""What each rule group reads per evaluation, estimated at compile time from the metric
catalogue's `cardinality` (expected values per label), and the groups over the spec's budget.

A raw selector reads one series per combination of its metric's label values (a label matched
with `=` counts once; a histogram's `_bucket` series once per bucket and +Inf, once for `le="+Inf"`). A recorded series
has one series per combination of the labels its rule keeps (`cluster_model:...`): each label
counts the most values any catalogued metric declares for it (global labels such as `cluster`
too, on raw series as well); the scorecard's `indicator`, `group`, `category` and `scorecard`
labels count the spec's own. A label without a declared cardinality counts as one value. Every
rule reads its series anew: two alerts over one recorded value read it twice. It is an
estimate for comparing groups and catching growth, not a bound."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from compiler import promql
from compiler import spec as raw_spec
from compiler.backends.prometheus.plan import Plan, Rule
from compiler.model import Spec


@dataclass(frozen=True)
class RuleCost:
    rule: str  # the recorded series or alert name
    series: int
    path: tuple  # where in the spec the rule comes from: ("indicators", 3) or ("scorecard",)


@dataclass(frozen=True)
class GroupCost:
    group: str
    interval: str  # "global" when the group uses Prometheus' evaluation_interval
    series: int
    heaviest: RuleCost


def group_costs(spec: Spec, plan: Plan) -> tuple[GroupCost, ...]:
    """Every rule group's estimated reads per evaluation, in file order."""
    index = {indicator.id: position for position, indicator in enumerate(spec.indicators)}
    estimate = _Estimate(spec, plan)
    found = []
    for group in plan.groups():
        series = [estimate.rule(rule) for rule in group.rules]
        most = series.index(max(series))  # the first of the heaviest
        heaviest = group.rules[most]
        found.append(GroupCost(group.name, group.interval or "global", sum(series), RuleCost(
            heaviest.name, series[most], ("indicators", index[heaviest.indicator]) if heaviest.indicator else ("scorecard",))))
    return tuple(found)


def over_budget(spec: Spec, costs: tuple[GroupCost, ...]) -> list[tuple[tuple, str, str]]:
    """(spec path of the heaviest rule, message, hint) for each of the `costs` over the budget."""
    budget = spec.output.max_series_per_group
    if budget is None:
        return []
    return [(cost.heaviest.path,
             f"rule group {cost.group} reads about {cost.series:,} series per evaluation, over the budget of {budget:,} "
             f"(output.cost.max_series_per_group); its heaviest rule, {cost.heaviest.rule}, reads {cost.heaviest.series:,}",
             "track it by fewer labels, match fewer series, or raise the budget")
            for cost in costs if cost.series > budget]


class _Estimate:
    def __init__(self, spec: Spec, plan: Plan):
        self.plan = plan
        self.metric = spec.metric
        self.catalogue = spec.catalogue
        counts: dict[str, int] = {}
        for metric in spec.metrics:
            for label, values in metric.cardinality:
                counts[label] = max(counts.get(label, 1), values)
            if metric.buckets:
                counts["le"] = max(counts.get("le", 1), len(metric.buckets) + 1)
        counts.update(indicator=len(spec.indicators), group=sum(len(c.groups) for c in spec.categories),
                      category=len(spec.categories), scorecard=max(len(spec.scorecard), 1))
        self.label_values = counts
        self.global_labels = spec.global_labels
        # an indicator's rules read its series again and again; a read's estimate depends on its
        # series and the labels matched to one value alone, a key hashed without a Python call
        self.estimated: dict[tuple[str, tuple[str, ...]], int] = {}
        # a recorded series' estimate depends on its level alone (the labels its rule keeps), and
        # a plan has a few: 10,000 indicators' 36,000 series, 8 levels
        self.at_level: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}

    def rule(self, rule: Rule) -> int:
        total = 0
        for read in rule.reads:
            key = (read.name, read.equal_labels)
            series = self.estimated.get(key)
            if series is None:
                series = self.estimated[key] = self._series(read)
            total += series
        return total

    def _series(self, read: promql.SeriesRead) -> int:
        kept = self.plan.kept(read.name)
        if kept is not None:
            key = (kept, read.equal_labels)
            series = self.at_level.get(key)
            if series is None:
                series = self.at_level[key] = prod(self.label_values.get(label, 1) for label in kept if label not in read.equal_labels)
            return series
        resolved = raw_spec.series_type(read.name, self.catalogue)
        if resolved is None:  # ALERTS, or a series the catalogue does not know
            return 1
        metric = self.metric(resolved[0])
        values = dict(metric.cardinality)
        series = prod(values.get(label, self.label_values.get(label, 1)) for label in {*metric.labels, *self.global_labels}
                      if label not in read.equal_labels)
        return series * (len(metric.buckets) + 1 if read.name.endswith("_bucket") and "le" not in read.equal_labels else 1)
