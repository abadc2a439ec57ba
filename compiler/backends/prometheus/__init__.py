"""Prometheus rules: one file per category plus the scorecard, as plain rule files (what
Prometheus, promtool, Thanos/Mimir rulers and vmalert load) and as a PrometheusRule each.

Per category, the short-window group records each indicator's inputs, value and score and
holds its alerts; indicators over windows of a day or more are evaluated in a separate
long-window group with a longer interval, from the inputs the short-window group recorded.
Within a group rules run in order, so an alert always reads the value recorded just before it."""

from __future__ import annotations

from compiler import conventions, durations
from compiler.backends.prometheus import alerts, measures, scores
from compiler.memo import per_model
from compiler.model import Availability, Indicator, Spec


def indicator_rules(spec: Spec, indicator: Indicator) -> tuple[list[dict], list[dict]]:
    """(short-window rules, long-window rules) of one indicator: inputs first, then the value,
    its score and the alerts that read it, in the group that evaluates the value."""
    expression, state = measures.value(spec, indicator)
    short: list[dict] = []
    long: list[dict] = []
    evaluated = long if state.long else short
    ratios: tuple[list[dict], list[dict]] = ([], [])
    if isinstance(indicator.measure, Availability):
        ratios = measures.error_ratio_rules(state, indicator.measure)
    short += [{"record": name, "expr": text} for name, text in state.inputs.items()] + ratios[0]
    long += ratios[1]
    evaluated.append({"record": conventions.indicator_series(spec, indicator), "expr": expression})
    evaluated.append(scores.score_rule(spec, indicator))
    evaluated += alerts.rules(spec, indicator)
    short += alerts.watch_rules(spec, indicator)
    return short, long


@per_model
def rules_by_indicator(spec: Spec) -> dict[str, tuple[list[dict], list[dict]]]:
    """indicator_rules() of every indicator, by id: what the groups and the lint read."""
    return {indicator.id: indicator_rules(spec, indicator) for indicator in spec.indicators}


@per_model
def groups(spec: Spec) -> dict[str, list[dict]]:
    """{file name: rule groups}, files named after categories, plus the scorecard's."""
    files: dict[str, list[dict]] = {}
    for category in spec.categories:
        short: list[dict] = []
        long: list[dict] = []
        for indicator in (i for i in spec.indicators if i.category == category.id):
            rules = rules_by_indicator(spec)[indicator.id]
            short += rules[0]
            long += rules[1]
        found = [{"name": conventions.rule_group(spec, category.id), "rules": short}] if short else []
        if long:
            found.append({"name": conventions.rule_group(spec, category.id + conventions.LONG_WINDOWS_SUFFIX),
                          "interval": durations.text(spec.output.slow_group_interval), "rules": long})
        if found:
            files[category.id] = found
    if rollups := scores.scorecard_rules(spec):
        files[conventions.SCORECARD_GROUP] = [{"name": conventions.rule_group(spec, conventions.SCORECARD_GROUP),
                                               "interval": durations.text(spec.output.slow_group_interval), "rules": rollups}]
    return files


def recorded_series(spec: Spec) -> set[str]:
    """Every series the rules record: what dashboards and reports may read."""
    return {rule["record"] for found in groups(spec).values() for group in found for rule in group["rules"] if "record" in rule}


def render(spec: Spec) -> dict[str, object]:
    return {conventions.rule_file(name): {"groups": found} for name, found in groups(spec).items()}


def kubernetes(spec: Spec) -> dict[str, object]:
    """Each rule file as its own PrometheusRule, labelled for the Prometheus ruleSelector: one
    object for every group passed etcd's limits at a few hundred indicators (backends.kubernetes)."""
    return {f"kubernetes/{conventions.prometheus_rule_name(spec, name)}-prometheusrule.yaml": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": conventions.prometheus_rule_name(spec, name), "namespace": spec.output.kubernetes.namespace,
                     "labels": dict(spec.output.kubernetes.rule_labels), "annotations": dict(conventions.SERVER_SIDE_APPLY)},
        "spec": {"groups": found},
    } for name, found in groups(spec).items()}
