"""The Prometheus rule plan: every generated rule as a typed value, built once per compile
(prometheus.build). Each rule knows what the rule file cannot say: its indicator, the level and
override it judges, the labels its result keeps and the series it reads. Rendering, lint, the
cost estimate, the generated unit tests, Kubernetes' size check and `indicators diff` read it
instead of taking the emitted rules apart again."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field

from compiler import promql
from compiler.model import Override

RECORD = "record"
ALERT = "alert"


@dataclass(frozen=True)
class Rule:
    kind: str  # RECORD or ALERT
    name: str  # the recorded series or the alert name
    expr: str
    hold: str | None = None  # an alert's `for`, as written; None writes none
    labels: tuple[tuple[str, str], ...] = ()  # as written: spec text already escaped
    annotations: tuple[tuple[str, str], ...] = ()
    level: str = ""  # the escalation level an alert raises
    override: Override | None = None  # the override whose series the rule judges, if any
    thresholds: tuple[str, ...] = ()  # what an alert compares its value against, as a reviewer reads it: '> 100'
    indicator: str = ""  # the indicator's id; "" for the scorecard's rollups
    keeps: tuple[str, ...] = ()  # the labels of its result: what its name's level says
    reads: tuple[promql.SeriesRead, ...] = ()  # a builder joining known parts gives them (promql.Joined); else parsed here
    # (so a copy with a new expr must pass reads=() and unparsed="": dataclasses.replace keeps the old ones)
    unparsed: str = ""  # why the expression does not parse (lint reports it); "" when it does

    def __post_init__(self) -> None:
        # Each rule is made once, by its builder, with its owner: what it reads is worked out here,
        # parsed from its expression unless the builder joined it from parsed parts.
        if not self.reads and not self.unparsed:
            try:
                object.__setattr__(self, "reads", promql.series_read(self.expr))
            except promql.PromQLError as err:
                object.__setattr__(self, "unparsed", str(err))

    def data(self) -> dict[str, object]:
        """The rule as a rule file holds it."""
        found: dict[str, object] = {self.kind: self.name, "expr": self.expr}
        if self.hold is not None:
            found["for"] = self.hold
        if self.labels:
            found["labels"] = dict(self.labels)
        if self.annotations:
            found["annotations"] = dict(self.annotations)
        return found

    def label(self, name: str) -> str:
        return dict(self.labels).get(name, "")


@dataclass(frozen=True)
class Group:
    name: str
    interval: str | None  # None: Prometheus' global evaluation_interval
    rules: tuple[Rule, ...]

    def data(self) -> dict[str, object]:
        found: dict[str, object] = {"name": self.name}
        if self.interval is not None:
            found["interval"] = self.interval
        found["rules"] = [rule.data() for rule in self.rules]
        return found


@dataclass(frozen=True)
class RuleFile:
    name: str  # a category id (or a part of one), <category>_scorecard or the scorecard's: conventions.rule_file() makes the path
    groups: tuple[Group, ...]
    category: str = ""  # the category whose indicators' rules it holds; "" for the scorecard's files

    @functools.cached_property
    def data(self) -> list[dict[str, object]]:
        """Built once: the rule file and its PrometheusRule hold the same list, which the emitter writes once."""
        return [group.data() for group in self.groups]


@dataclass(frozen=True)
class Plan:
    files: tuple[RuleFile, ...]
    _by_indicator: dict[str, tuple[Rule, ...]] = field(init=False, repr=False, compare=False)
    _kept: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # the lookups every reader needs, made once with the (frozen) plan
        by_indicator: dict[str, list[Rule]] = {}
        for rule in self.rules():
            if rule.indicator:
                by_indicator.setdefault(rule.indicator, []).append(rule)
        object.__setattr__(self, "_by_indicator", {key: tuple(rules) for key, rules in by_indicator.items()})
        object.__setattr__(self, "_kept", {rule.name: rule.keeps for rule in self.rules() if rule.kind == RECORD})

    def groups(self) -> Iterator[Group]:
        return (group for found in self.files for group in found.groups)

    def rules(self) -> Iterator[Rule]:
        return (rule for group in self.groups() for rule in group.rules)

    def of(self, indicator_id: str) -> tuple[Rule, ...]:
        """An indicator's rules, in file order: its short-window group's, then its long-window group's."""
        return self._by_indicator.get(indicator_id, ())

    def scorecard(self) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules() if not rule.indicator)

    def parts(self, category_id: str) -> tuple[str, ...]:
        """The files a category's indicators' rules are cut into: one, unless they outgrow a PrometheusRule."""
        return tuple(found.name for found in self.files if found.category == category_id)

    def scorecard_files(self) -> tuple[str, ...]:
        """The files the scorecard is cut into: one per category, then its rollups'."""
        return tuple(found.name for found in self.files if not any(rule.indicator for group in found.groups for rule in group.rules))

    def recorded(self) -> set[str]:
        """Every series the rules record: what dashboards and reports may read."""
        return set(self._kept)

    def kept(self, series: str) -> tuple[str, ...] | None:
        """The labels a recorded series keeps; None when no rule records it."""
        return self._kept.get(series)

    def alert(self, indicator_id: str, name: str, level: str, override: Override | None = None) -> Rule:
        """The alert an indicator's test expects: by name, level and the override it judges."""
        return next(rule for rule in self.of(indicator_id)
                    if rule.kind == ALERT and rule.name == name and rule.level == level and rule.override == override)
