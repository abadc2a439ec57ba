"""Compile-time lint of the generated rules, reported against the spec like its other problems:
every expression parses, every recorded series a rule reads is recorded by some rule, names
follow the conventions, no two indicators generate a rule of one name, label and annotation
templates are valid, and a user's expression keeps the labels every aggregation must keep."""

from __future__ import annotations

import re

from compiler import conventions, promql
from compiler.backends.prometheus import recorded_series, rules_by_indicator, scores
from compiler.model import Expr, Indicator, Spec

RECORD_NAME = re.compile(r"^[a-z0-9_]*:[a-z0-9_]+:[a-z0-9_]+$")  # level:metric:operations
ALERT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
ACTION = re.compile(r"\{\{(.*?)\}\}")
# The template actions the backend writes, and the renderer of the generated tests knows: the
# value (as a percentage, a duration or to 4 figures), a label (URL-encoded in links), or a
# quoted escaped character.
ALLOWED_ACTION = re.compile(r'^ (?:\$value \| humanize(?:Percentage|Duration)|printf "%\.4g" \$value'
                            r'|\$labels\.(\w+)(?: \| urlquery)?|"[{%]") $')
ESCAPED = re.compile(r'^ "[{%]" $')  # an action that prints an escaped character

Finding = tuple[tuple, str]  # (spec path, message)


def lint(spec: Spec) -> list[Finding]:
    recorded = recorded_series(spec)
    findings: list[Finding] = []
    for index, indicator in enumerate(spec.indicators):
        here = ("indicators", index)
        if isinstance(indicator.measure, Expr):
            findings += _kept_labels(spec, indicator, here + ("measure", "expr"))
        short, long = rules_by_indicator(spec)[indicator.id]
        findings += [(here, message) for rule in short + long for message in rule_problems(rule, recorded, _labels(spec, indicator))]
    findings += [(("scorecard",), message) for rule in scores.scorecard_rules(spec)
                 for message in rule_problems(rule, recorded, set(spec.global_labels))]
    return findings + _shared_names(spec)


def _shared_names(spec: Spec) -> list[Finding]:
    """Names are built from ids, so two ids can meet in one: `queue`'s no-data alert and
    `queue_no_data`'s alerts are both ShopQueueNoData. One name, two meanings: a collision."""
    owners: dict[str, int] = {}
    findings: list[Finding] = []
    for index, indicator in enumerate(spec.indicators):
        short, long = rules_by_indicator(spec)[indicator.id]
        for name in dict.fromkeys(rule.get("record") or rule["alert"] for rule in short + long):
            first = owners.setdefault(name, index)
            if first != index:
                findings.append((("indicators", index, "id"), f"generated rule {name} is also a rule of indicator "
                                                             f"'{spec.indicators[first].id}': rename one of them"))
    return findings


def _labels(spec: Spec, indicator: Indicator) -> set[str]:
    return {*spec.global_labels, *indicator.track_by}


def _kept_labels(spec: Spec, indicator: Indicator, path: tuple) -> list[Finding]:
    """Global labels are added to the expression's aggregations; tracking labels must be kept."""
    expression = promql.keep_labels(indicator.measure.expr, spec.global_labels)
    return [(path, f"the expression drops the tracking label '{label}'")
            for label in promql.dropped_labels(expression, indicator.track_by)]


def rule_problems(rule: dict, recorded: set[str], data_labels: set[str]) -> list[str]:
    """What is wrong with one generated rule; `data_labels` are the labels its result carries."""
    name = rule.get("record") or rule["alert"]
    try:
        reads = promql.series_read(rule["expr"])
    except promql.PromQLError as err:
        return [f"generated rule {name}: {err}"]
    problems = [f"generated rule {name} reads {read.name}, which no rule records"
                for read in reads if ":" in read.name and read.name not in recorded]
    if "record" in rule and not RECORD_NAME.match(name):
        problems.append(f"recorded series {name} does not follow level:metric:operations")
    if "alert" in rule and (not ALERT_NAME.match(name) or len(name) > conventions.MAX_ALERT_NAME):
        problems.append(f"alert name {name} is not CamelCase of at most {conventions.MAX_ALERT_NAME} characters")
    labels = rule.get("labels", {})
    problems += [f"generated rule {name}: label {label} is templated; labels must be static" for label, value in labels.items()
                 if any(not ESCAPED.match(action) for action in ACTION.findall(value))]
    known = data_labels | set(labels)
    for annotation, text in rule.get("annotations", {}).items():
        problems += [f"generated rule {name}: annotation {annotation}: {message}" for message in template_problems(text, known)]
    if "%{" in str(rule):
        problems.append(f"generated rule {name} contains '%{{', which vmalert reads as an environment placeholder")
    return problems


def template_problems(text: str, known: set[str]) -> list[str]:
    problems = []
    for action in ACTION.finditer(text):
        allowed = ALLOWED_ACTION.match(action.group(1))
        if allowed is None:
            problems.append(f"unexpected template action {action.group()}")
        elif allowed.group(1) and allowed.group(1) not in known:
            problems.append(f"{action.group()} names a label the alert does not have")
    if "{{" in ACTION.sub("", text):
        problems.append("a template action is not closed")
    return problems
