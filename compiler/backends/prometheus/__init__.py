"""Prometheus rules: one file per category plus the scorecard, as plain rule files (what
Prometheus, promtool, Thanos/Mimir rulers and vmalert load) and as a PrometheusRule each.

Per category, the short-window group records each indicator's inputs, value and score and
holds its alerts; indicators over windows of a day or more are evaluated in a separate
long-window group with a longer interval, from hourly rollups of their inputs recorded in an
hourly rollup group. Within a group rules run in order, so an alert always reads the value
recorded just before it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from compiler import conventions, durations
from compiler.backends.prometheus import alerts, measures, scores
from compiler.backends.prometheus.plan import RECORD, Group, Plan, Rule, RuleFile, planned
from compiler.model import Indicator, Spec

if TYPE_CHECKING:  # Outputs holds this package's plan: importing it here would be circular
    from compiler.backends.outputs import Outputs


def indicator_rules(spec: Spec, indicator: Indicator, panel: int) -> tuple[list[Rule], list[Rule], list[Rule]]:
    """(short-window rules, hourly rollups, long-window rules) of one indicator: inputs first,
    then the value, its score and the alerts that read it, in the group that evaluates the value.
    `panel` is the indicator's dashboard panel, which its alerts link to."""
    expression, state = measures.value(spec, indicator)
    short: list[Rule] = []
    long: list[Rule] = []
    evaluated = long if state.long else short
    ratios: tuple[list[Rule], list[Rule]] = ([], [])
    if (budget := indicator.measure.budget()) is not None:
        ratios = budget.error_ratio_rules(state)
    short += [Rule(RECORD, name, text) for name, text in state.inputs.items()] + ratios[0]
    long += ratios[1]
    evaluated.append(Rule(RECORD, conventions.indicator_series(spec, indicator), expression))
    evaluated.append(scores.score_rule(spec, indicator))
    evaluated += alerts.rules(spec, indicator, panel)
    short += alerts.watch_rules(spec, indicator, panel)
    rollups = [Rule(RECORD, name, text) for name, text in state.rollups.items()]
    keeps = (*spec.global_labels, *indicator.track_by)
    short, rollups, long = ([planned(rule, indicator.id, keeps) for rule in part] for part in (short, rollups, long))
    return short, rollups, long


def build(spec: Spec) -> Plan:
    """The rule plan: a file per category that has indicators, plus the scorecard's."""
    slow = durations.text(spec.output.slow_group_interval)
    files: list[RuleFile] = []
    for category in spec.categories:
        short: list[Rule] = []
        rollups: list[Rule] = []
        long: list[Rule] = []
        panels = conventions.panel_ids(spec, category.id)
        for indicator in spec.members[category.id]:
            rules = indicator_rules(spec, indicator, panels[indicator.id])
            short += rules[0]
            rollups += rules[1]
            long += rules[2]
        found = [Group(conventions.rule_group(spec, category.id), None, tuple(short))] if short else []
        if rollups:
            found.append(Group(conventions.rule_group(spec, category.id + conventions.ROLLUPS_SUFFIX),
                               durations.text(measures.ROLLUP), tuple(rollups)))
        if long:
            found.append(Group(conventions.rule_group(spec, category.id + conventions.LONG_WINDOWS_SUFFIX), slow, tuple(long)))
        if found:
            files.append(RuleFile(category.id, tuple(found)))
    if rollups := scores.scorecard_rules(spec):
        files.append(RuleFile(conventions.SCORECARD_GROUP, (Group(
            conventions.rule_group(spec, conventions.SCORECARD_GROUP), slow,
            tuple(planned(rule, "", rule.keeps) for rule in rollups)),)))
    return Plan(tuple(files))


def render(built: Outputs) -> dict[str, object]:
    return {conventions.rule_file(found.name): {"groups": found.data()} for found in built.rules.files}


def kubernetes(built: Outputs) -> dict[str, dict]:
    """Each rule file as its own PrometheusRule, labelled for the Prometheus ruleSelector: one
    object for every group passed etcd's limits at a few hundred indicators (backends.kubernetes)."""
    spec = built.spec
    return {f"kubernetes/{conventions.prometheus_rule_name(spec, found.name)}-prometheusrule.yaml": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": conventions.prometheus_rule_name(spec, found.name), "namespace": spec.output.kubernetes.namespace,
                     "labels": dict(spec.output.kubernetes.rule_labels), "annotations": dict(conventions.SERVER_SIDE_APPLY)},
        "spec": {"groups": found.data()},
    } for found in built.rules.files}
