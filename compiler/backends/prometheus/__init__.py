"""Prometheus rules: one file per category (or per part of a category whose rules outgrow one
PrometheusRule) plus the scorecard, as plain rule files (what Prometheus, promtool, Thanos/Mimir
rulers and vmalert load) and as a PrometheusRule each.

Per category, the short-window group records each indicator's inputs, value and score and
holds its alerts; indicators over windows of a day or more are evaluated in a separate
long-window group with a longer interval, from hourly rollups of their inputs recorded in an
hourly rollup group, and so are, whole, the indicators none of whose windows and `for`s is
shorter than an hour (unhurried). Within a group rules run in order, so an alert always reads
the value recorded just before it; no rule reads a series of a slower group as if it were
fresh (lint).

The scorecard is cut by category: `<category>_scorecard.yaml` averages each of the category's
indicator scores, and `scorecard.yaml` rolls those up per group, category and scorecard entry.
No file grows with more than one category's indicators, so each fits its PrometheusRule at any
number of categories, and a new indicator changes its own category's files only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from compiler import conventions, durations, presence, promql
from compiler.backends import parts
from compiler.backends.prometheus import alerts, measures, scores
from compiler.backends.prometheus.overrides import selections
from compiler.backends.prometheus.plan import ALERT, RECORD, Group, Plan, Rule, RuleFile
from compiler.model import Indicator, Selector, Spec
from compiler.promql import PART, Joined

RULE_FILE_LIMIT = 524_288  # prometheus-operator's MaxConfigMapDataSize (half a ConfigMap's 1 MiB): its PrometheusRule's at most
# A category's rules are cut into parts of at most this many estimated bytes, each its own file
# and PrometheusRule: two thirds of what prometheus-operator accepts, since Go's YAML writes up to a
# fifth more than the compiler's own text (folded lines, quoted values), which the estimate follows.
PART_BUDGET = RULE_FILE_LIMIT * 2 // 3
# An indicator whose every window and `for` span this many slow intervals (1h at the default
# 5m) is evaluated whole in its category's long-window group: see unhurried().
SLOW_SHARE = 12

if TYPE_CHECKING:  # Outputs holds this package's plan: importing it here would be circular
    from collections.abc import Mapping

    from compiler.backends.outputs import Outputs


def indicator_rules(spec: Spec, indicator: Indicator, panel_url: str) -> tuple[list[Rule], list[Rule], list[Rule]]:
    """(rules of the category's every-minute group, hourly rollups, rules of its long-window
    group) of one indicator: inputs first, then the value, its score and the alerts that read it,
    in the group that evaluates the value; an unhurried indicator's all in the long-window group.
    `panel_url` opens the indicator's dashboard panel (conventions.dashboard_url), which its alerts link to."""
    expression, state = measures.value(spec, indicator)
    if state.long and presence.per_entity(spec, indicator):
        expression = _still_reporting(spec, indicator, expression)
    ratios = budget.error_ratio_rules(state) if (budget := indicator.measure.budget()) is not None else []
    series = conventions.indicator_series(spec, indicator)
    chosen = selections(indicator, series)  # what the score and the threshold alerts judge
    judging, watch = alerts.rules(spec, indicator, panel_url, chosen)
    inputs = [Rule(RECORD, name, joined.text, indicator=indicator.id, keeps=state.kept.get(name, state.keeps), reads=joined.reads)
              for name, joined in state.inputs.items()] + ratios
    valued = [Rule(RECORD, series, expression.text, indicator=indicator.id, keeps=state.keeps, reads=expression.reads),
              scores.score_rule(spec, indicator, chosen), *judging]
    rollups = [Rule(RECORD, name, joined.text, indicator=indicator.id, keeps=state.keeps, reads=joined.reads)
               for name, joined in state.rollups.items()]
    if unhurried(inputs + valued + watch, spec.output.slow_group_interval):
        return [], rollups, inputs + valued + watch
    if state.long:
        return inputs + watch, rollups, valued
    return inputs + valued + watch, rollups, []


def _still_reporting(spec: Spec, indicator: Indicator, expression: Joined) -> Joined:
    """A long window's value, for the entities that reported within `forget_after`: its rollups
    outlast an entity that stops by the whole window (a decommissioned model's last outage would
    keep it red for 30 days), while its NoData is forgotten after `forget_after`."""
    reported = Selector(conventions.presence_series(spec, indicator))
    window = durations.text(indicator.forget_after)
    return promql.join("(\n", expression, "\n)\nand\n", promql.placed(reported, f"last_over_time({PART}[{window}])"))


def unhurried(rules: list[Rule], slow: float) -> bool:
    """Whether an indicator's rules need no evaluation every minute: every window they read and
    every `for` of their alerts is at least SLOW_SHARE slow intervals (an alert without `for`
    counts as 0, so a burn-rate alert, or a 5m window, keeps the indicator at every minute).
    Evaluated every slow interval, its alerts fire at most one interval, a twelfth of their
    shortest `for`, later; a value read as an instant gauge has no window to count."""
    reach = [durations.seconds(rule.hold) if rule.hold else 0.0 for rule in rules if rule.kind == ALERT]
    reach += [read.window for rule in rules for read in rule.reads if read.window]
    return min(reach, default=float("inf")) >= SLOW_SHARE * slow


def build(spec: Spec, dashboard_parts: Mapping[str, int] | None = None) -> Plan:
    """The rule plan: a file per category that has indicators (per part of one too big for one
    PrometheusRule: see _parts), then the scorecard's files. `dashboard_parts` (Outputs'): the
    part of its category's dashboard each indicator's alerts link to, when not the first."""
    dashboard_parts = dashboard_parts or {}
    slow = durations.text(spec.output.slow_group_interval)
    files: list[RuleFile] = []
    scorecard: list[RuleFile] = []
    for category in spec.categories:
        panels = conventions.panel_ids(spec, category.id)
        members = spec.members[category.id]
        built = [indicator_rules(spec, indicator, conventions.dashboard_url(spec, indicator, panels[indicator.id],
                                                                            dashboard_parts.get(indicator.id, 1)))
                 for indicator in members]
        for number, cut in enumerate(_parts(built), start=1):
            name = conventions.category_part(category.id, number)
            short, rollups, long = ([rule for rules in cut for rule in rules[kind]] for kind in range(3))
            found = [Group(conventions.rule_group(spec, name), None, tuple(short))] if short else []
            if rollups:
                found.append(Group(conventions.rule_group(spec, name + conventions.ROLLUPS_SUFFIX), durations.text(measures.ROLLUP), tuple(rollups)))
            if long:
                found.append(Group(conventions.rule_group(spec, name + conventions.LONG_WINDOWS_SUFFIX), slow, tuple(long)))
            if found:
                files.append(RuleFile(name, tuple(found), category.id))
        scored = [scores.indicator_rollup(spec, indicator) for indicator in members]
        if scored:
            part = category.id + conventions.SCORECARD_SUFFIX
            scorecard.append(RuleFile(part, (Group(conventions.rule_group(spec, part), slow, tuple(scored)),)))
    if rollups := scores.scorecard_rules(spec):
        scorecard.append(RuleFile(conventions.SCORECARD_GROUP, (Group(
            conventions.rule_group(spec, conventions.SCORECARD_GROUP), slow,
            tuple(rollups)),)))
    return Plan(tuple(files + scorecard))


IndicatorRules = tuple[list[Rule], list[Rule], list[Rule]]  # what indicator_rules() returns


def _parts(built: list[IndicatorRules]) -> list[list[IndicatorRules]]:
    """A category's indicators' rules, in spec order, cut where the next indicator would take a
    part past PART_BUDGET: an indicator's rules stay together, in one part's groups, so each
    alert still reads the value recorded just before it. One part for all but the biggest categories."""
    return parts.cut(built, lambda rules: sum(_estimated_bytes(rule) for kind in rules for rule in kind), PART_BUDGET)


def _estimated_bytes(rule: Rule) -> int:
    """About what the rule takes in the rule file prometheus-operator writes (1.5% to 2.5% over
    it for the shipped and the bench's specs; Go's YAML folds long lines and quotes some values):
    its texts' UTF-8 bytes, each expression line indented, and a line per field."""
    pairs = rule.labels + rule.annotations
    texts = len(rule.name.encode()) + len(rule.expr.encode()) + len(rule.hold or "") + sum(len(key.encode()) + len(value.encode()) for key, value in pairs)
    return texts + 8 * rule.expr.count("\n") + 16 * len(pairs) + 32


def render(built: Outputs) -> dict[str, object]:
    return {conventions.rule_file(found.name): {"groups": found.data} for found in built.rules.files}


def kubernetes(built: Outputs) -> dict[str, dict]:
    """Each rule file as its own PrometheusRule, labelled for the Prometheus ruleSelector: one
    object for every group passed etcd's limits at a few hundred indicators (backends.kubernetes)."""
    spec = built.spec
    return {f"kubernetes/{conventions.prometheus_rule_name(spec, found.name)}-prometheusrule.yaml": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": conventions.prometheus_rule_name(spec, found.name), "namespace": spec.output.kubernetes.namespace,
                     "labels": dict(spec.output.kubernetes.rule_labels), "annotations": dict(conventions.SERVER_SIDE_APPLY)},
        "spec": {"groups": found.data},
    } for found in built.rules.files}
