"""What the compiled rules read and need, and what the engine's ALERTS samples mean."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import yaml

from compiler import conventions, durations, promql
from compiler.reports.queries import Series

DEFAULT_INTERVAL = 60  # groups without `interval` run at Prometheus' and vmalert's default


@dataclass(frozen=True)
class Rule:
    name: str  # alert or recorded series name
    alert: bool
    expr: str
    for_seconds: float
    interval: float  # the group's evaluation interval
    labels: tuple[tuple[str, str], ...] = ()  # the rule's own labels (an alert's level, indicator)


@dataclass(frozen=True)
class Firing:
    """One stretch during which an alert series was firing: from its first firing evaluation to
    the first evaluation at which it no longer was (`end`; the range's end when still firing)."""

    alertname: str
    labels: tuple[tuple[str, str], ...]  # without __name__ and alertstate
    start: float
    end: float
    ongoing: bool  # still firing at the end of the range

    def label(self, name: str) -> str:
        return dict(self.labels).get(name, "")


def rules(rule_files: dict[str, str]) -> list[Rule]:
    """Every rule of the generated rule files, in file and group order (the order vmalert runs them)."""
    return [_rule(rule, interval) for path in sorted(rule_files) for interval, rule in _entries(rule_files[path])]


def only(rule_files: dict[str, str], kept: set[Rule]) -> dict[str, str]:
    """The rule files holding only the `kept` rules, each in its group (name and interval kept);
    files and groups left empty are left out."""
    found = {}
    for path in sorted(rule_files):
        groups = []
        for group in yaml.safe_load(rule_files[path])["groups"]:
            interval = durations.seconds(group["interval"]) if "interval" in group else DEFAULT_INTERVAL
            chosen = [rule for rule in group.get("rules") or [] if _rule(rule, interval) in kept]
            if chosen:
                groups.append({**group, "rules": chosen})
        if groups:
            found[path] = yaml.safe_dump({"groups": groups}, sort_keys=False, allow_unicode=True)
    return found


def _entries(text: str) -> list[tuple[float, dict]]:
    return [(durations.seconds(group["interval"]) if "interval" in group else DEFAULT_INTERVAL, rule)
            for group in yaml.safe_load(text)["groups"] for rule in group.get("rules") or []]


def _rule(rule: dict, interval: float) -> Rule:
    return Rule(rule.get("alert") or rule["record"], "alert" in rule, rule["expr"],
                durations.seconds(rule["for"]) if "for" in rule else 0.0, interval,
                tuple(sorted((rule.get("labels") or {}).items())))


def alerts_read(rule: Rule, found: list[Rule]) -> list[Rule]:
    """The alert rules whose ALERTS series `rule` reads (an Escalated alert: the yellow it escalates)."""
    return [other for selector in promql.selectors(rule.expr) if selector.metric == "ALERTS"
            for other in found if other.alert and _named(other, selector.matchers)]


ENGINE_SERIES = {"ALERTS", "ALERTS_FOR_STATE"}  # the replay writes its own; the recorded ones are the old rules'


def sources(found: list[Rule]) -> list[str]:
    """The series names the rules read that no rule records and the engine does not write (the
    Escalated alerts read ALERTS): the history to copy."""
    recorded = {rule.name for rule in found if not rule.alert} | ENGINE_SERIES
    return sorted({read.name for rule in found for read in promql.series_read(rule.expr)} - recorded)


def needs(found: list[Rule]) -> dict[str, float]:
    """Seconds of source history each alert needs before it can be judged: its windows and
    `for`, and those of every recorded series it reads, all the way down; an ALERTS read (an
    Escalated alert's) reaches as far as the alert rules it names (the yellow's own `for` and
    windows come before its escalation's)."""
    recorded = {rule.name: rule for rule in found if not rule.alert}

    def reads(rule: Rule) -> list[Rule]:
        return [recorded[s.metric] for s in promql.selectors(rule.expr) if s.metric in recorded] + alerts_read(rule, found)

    def reach(rule: Rule, seen: frozenset) -> float:
        below = [reach(other, seen | {other}) for other in reads(rule) if other not in seen]
        return promql.lookback(rule.expr) + promql.LOOKBACK_DELTA + rule.for_seconds + max(below, default=0.0)

    memo: dict[str, float] = {}
    for rule in found:
        if rule.alert:
            memo[rule.name] = max(memo.get(rule.name, 0.0), reach(rule, frozenset({rule})))
    return memo


def _named(alert: Rule, matchers: tuple[tuple[str, str, str], ...]) -> bool:
    """Whether ALERTS series of `alert` can match `matchers`: its name and its own labels are
    known; a label the expression gives (a series' `model`) or `alertstate` may be anything."""
    known = {**dict(alert.labels), "alertname": alert.name}
    for label, operator, value in matchers:
        if label not in known:
            continue
        equal = re.fullmatch(value, known[label]) is not None if "~" in operator else known[label] == value
        if equal is (operator.startswith("!")):
            return False
    return True


def openmetrics(name: str, answer: list[Series]) -> str:
    """One day of one source series' samples as OpenMetrics lines for promtool's backfill."""
    lines = []
    for series in answer:
        labels = ",".join(f'{label}="{_escape(value)}"' for label, value in series.labels if label != "__name__")
        lines += [f"{name}{{{labels}}} {_number(value)} {t:.3f}" for t, value in series.points]
    return "".join(line + "\n" for line in lines)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "+Inf" if value == math.inf else "-Inf" if value == -math.inf else repr(value)


ENGINE_LABELS = ("__name__", "alertstate", "alertgroup")  # vmalert adds alertgroup; Prometheus would not


def firing(answers: list[list[Series]], end: float, intervals: dict[str, float]) -> list[Firing]:
    """Firing intervals from ALERTS{alertstate="firing"} samples read a day at a time: a
    series' samples belong to one interval while they come one evaluation interval apart
    (`intervals`: per alert name, its group's)."""
    points: dict[tuple, list[float]] = {}
    for answer in answers:
        for series in answer:
            labels = tuple(item for item in series.labels if item[0] not in ENGINE_LABELS)
            points.setdefault(labels, []).extend(t for t, _ in series.points)
    found = []
    for labels, times in points.items():
        times.sort()
        name = dict(labels).get("alertname", "")
        shown = tuple(item for item in labels if item[0] != "alertname")
        step = intervals.get(name, DEFAULT_INTERVAL)
        first = previous = times[0]
        for t in times[1:] + [math.inf]:
            if t - previous > step * 1.5:
                ongoing = previous + step > end
                found.append(Firing(name, shown, first, min(previous + step, end), ongoing))
                first = t
            previous = t
    return sorted(found, key=lambda f: (f.start, f.alertname, f.labels))


def level(found: Firing) -> str:
    return found.label(conventions.LEVEL_LABEL)
