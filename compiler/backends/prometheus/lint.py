"""Compile-time lint of the generated rules, reported against the spec like its other problems:
every expression parses, every recorded series a rule reads is recorded by some rule, names
follow the conventions, no two indicators generate a rule of one name, label and annotation
templates are valid, a user's expression keeps the labels every aggregation must keep, and no
rule reads a series recorded in a slower group as if it were fresh."""

from __future__ import annotations

import functools
import re
from operator import itemgetter

from compiler import conventions, durations, promql
from compiler.backends.outputs import Outputs
from compiler.backends.prometheus.plan import ALERT, RECORD, Plan, Rule
from compiler.model import Indicator, Spec

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


def lint(built: Outputs) -> list[Finding]:
    spec, plan = built.spec, built.rules
    recorded = plan.recorded()
    findings: list[Finding] = []
    for index, indicator in enumerate(spec.indicators):
        here = ("indicators", index)
        if (expr := indicator.measure.user_expr()) is not None:
            findings += _kept_labels(spec, indicator, expr, here + ("measure", "expr"))
        findings += [(here, message) for rule in plan.of(indicator.id) for message in rule_problems(rule, recorded)]
    findings += [(("scorecard",), message) for rule in plan.scorecard() for message in rule_problems(rule, recorded)]
    return findings + _shared_names(spec, built) + stale_reads(spec, plan)


def stale_reads(spec: Spec, plan: Plan) -> list[Finding]:
    """A series recorded every `i` by another group is found by a range read only as far back as
    the range reaches, and by an instant read only within Prometheus' 5m look-back of that
    group's last evaluation, whose times are the group's own: whichever group runs more often,
    a read that does not reach two of the writer's intervals back sees the series vanish
    whenever its group runs late once (and an alert without `for` resolves then). Such a rule
    must live in the writer's group, or read the series over at least `2i` (the long windows
    read the hourly rollups over a day or more, the scorecard reads the scores over twice the
    slow interval, and an instant read finds a series recorded every 2m30s or more often). The
    global evaluation interval counts as the fastest."""
    every = {group.name: durations.seconds(group.interval) if group.interval else 0.0 for group in plan.groups()}
    written = {rule.name: group.name for group in plan.groups() for rule in group.rules if rule.kind == RECORD}
    alerting: dict[str, set[str]] = {}  # an indicator's alerts' groups, where their ALERTS series are written
    for group in plan.groups():
        for rule in group.rules:
            if rule.kind == ALERT:
                alerting.setdefault(rule.indicator, set()).add(group.name)
    index = {indicator.id: position for position, indicator in enumerate(spec.indicators)}
    findings: list[Finding] = []
    for group in plan.groups():
        for rule in group.rules:
            for read in rule.reads:
                # ALERTS, as the escalations read it: the indicator's own alerts, wherever they are
                sources = sorted(alerting.get(rule.indicator, ())) if read.name == "ALERTS" else [written.get(read.name)]
                for source in sources:
                    if source is None or source == group.name or _fresh(read.window, every[source]):
                        continue
                    path = ("indicators", index[rule.indicator]) if rule.indicator else ("scorecard",)
                    findings.append((path, f"generated rule {rule.name} in {group.name} reads {read.name}, "
                                           f"{'written' if read.name == 'ALERTS' else 'recorded'} every "
                                           f"{durations.text(every[source])} in {source}, as if it were fresh"))
    return findings


def _fresh(window: float, interval: float) -> bool:
    """Whether a read over `window` (0: an instant read, over the look-back) finds a series
    recorded every `interval` even when its group runs late once."""
    return (window or promql.LOOKBACK_DELTA) >= 2 * interval


def _shared_names(spec: Spec, built: Outputs) -> list[Finding]:
    """Names are built from ids, so two ids can meet in one: `queue`'s no-data alert and
    `queue_no_data`'s alerts are both ShopQueueNoData. One name, two meanings: a collision."""
    owners: dict[str, int] = {}
    findings: list[Finding] = []
    for index, indicator in enumerate(spec.indicators):
        for name in dict.fromkeys(rule.name for rule in built.rules.of(indicator.id)):
            first = owners.setdefault(name, index)
            if first != index:
                findings.append((("indicators", index, "id"), f"generated rule {name} is also a rule of indicator "
                                                             f"'{spec.indicators[first].id}': rename one of them"))
    return findings


def _kept_labels(spec: Spec, indicator: Indicator, expr: str, path: tuple) -> list[Finding]:
    return [(path, f"the expression drops the tracking label '{label}'")
            for label in dropped_labels(expr, spec.global_labels, indicator.track_by)]


@functools.lru_cache(maxsize=1024)  # a function of its arguments alone, and specs repeat an expression: 263 indicators of one at 10,000
def dropped_labels(expr: str, global_labels: tuple[str, ...], track_by: tuple[str, ...]) -> tuple[str, ...]:
    """The tracking labels the expression drops once the global labels are added to its
    aggregations: tracking labels must be kept."""
    return tuple(promql.dropped_labels(promql.keep_labels(expr, global_labels), track_by))


def rule_problems(rule: Rule, recorded: set[str]) -> list[str]:
    """What is wrong with one generated rule: its reads, its name, its templates."""
    name = rule.name
    if rule.unparsed:
        return [f"generated rule {name}: {rule.unparsed}"]
    problems = [f"generated rule {name} reads {read.name}, which no rule records"
                for read in rule.reads if ":" in read.name and read.name not in recorded]
    if rule.kind == RECORD and not RECORD_NAME.match(name):
        problems.append(f"recorded series {name} does not follow level:metric:operations")
    if rule.kind == ALERT and (not ALERT_NAME.match(name) or len(name) > conventions.MAX_ALERT_NAME):
        problems.append(f"alert name {name} is not CamelCase of at most {conventions.MAX_ALERT_NAME} characters")
    # only labels and annotations are templates: their names and texts are searched as one text, each
    # on a line of its own (a line break makes neither a '{{' nor a '%{'); the name, expression and
    # `for` are searched where they are, not copied into it (a generated expression is up to 800 characters)
    text = "\n".join(map("\n".join, rule.labels + rule.annotations))
    if "{{" in text:  # most rules hold no template action (no recording rule does): only one that has some is taken apart
        problems += _template_problems(rule)
    if "%{" in text or "%{" in name or "%{" in rule.expr or "%{" in (rule.hold or ""):
        problems.append(f"generated rule {name} contains '%{{', which vmalert reads as an environment placeholder")
    return problems


def _template_problems(rule: Rule) -> list[str]:
    """A rule's templated labels, and its annotations' actions the lint does not allow."""
    name = rule.name
    problems = [f"generated rule {name}: label {label} is templated; labels must be static" for label, value in rule.labels
                if "{{" in value and any(not ESCAPED.match(action) for action in ACTION.findall(value))]
    known = {*rule.keeps, *map(itemgetter(0), rule.labels)}
    # all its annotations read at once first: no action spans a line break, so they have a
    # problem only if one of them has, and only then is each read to say which
    if template_problems("\n".join(map(itemgetter(1), rule.annotations)), known):
        for annotation, text in rule.annotations:
            problems += [f"generated rule {name}: annotation {annotation}: {message}" for message in template_problems(text, known)]
    return problems


def template_problems(text: str, known: set[str]) -> list[str]:
    if "{{" not in text:  # most generated text holds no action: the regex runs only on text that has one
        return []
    parts = ACTION.split(text)  # the text outside actions, then each action's inside, in turn
    insides, problems = parts[1::2], []
    # most texts' actions are all allowed and name known labels, which the set of their verdicts
    # says at once (a disallowed action's verdict, None, is no label): only other texts are read action by action
    if not {*map(_allowed, insides)} - {""} <= known:
        for inside in insides:
            label, action = _allowed(inside), "{{" + inside + "}}"
            if label is None:
                problems.append(f"unexpected template action {action}")
            elif label and label not in known:
                problems.append(f"{action} names a label the alert does not have")
    if "{{" in "".join(parts[::2]):
        problems.append("a template action is not closed")
    return problems


@functools.lru_cache(maxsize=1024)  # a function of the action's text alone, and the backend writes a dozen: 44k annotations at 10,000 indicators
def _allowed(inside: str) -> str | None:
    """The label an allowed action names ("" when it names none); None when the action is not allowed."""
    allowed = ALLOWED_ACTION.match(inside)
    return None if allowed is None else allowed.group(1) or ""
