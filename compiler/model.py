"""The internal model: frozen values built only from a validated spec.

Backends read these and nothing else. Durations are seconds; thresholds are numbers in the
indicator's unit; every reference between sections has been resolved and checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compiler.measures import Measure  # each form's type lives in its module there

SEVERITY_ORDER = ("target", "warning", "critical")  # thresholds, least to most severe
# A value this close to a threshold, relative to its order of magnitude (at least 1), is at it:
# rates and ratios carry float noise (a flat trend computes as -2.5e-11) that is no breach.
TOLERANCE_DIGITS = 9


def tolerance(value: float) -> float:
    """How far beyond `value` a measurement must be to breach it: a power of ten, so that the rule
    text `value + tolerance` is the same number in Prometheus as here (both parse the literals
    and add in IEEE doubles)."""
    return float(f"1e{math.ceil(math.log10(max(1.0, abs(value)))) - TOLERANCE_DIGITS}")


@dataclass(frozen=True)
class Selector:
    """A series selector of one catalogued metric, e.g. mlops_deployments_total{status="success"}."""

    metric: str
    matchers: tuple[tuple[str, str, str], ...] = ()  # (label, operator, value)

    def text(self, extra: tuple[tuple[str, str, str], ...] = ()) -> str:
        """The PromQL text, optionally with more matchers."""
        matchers = self.matchers + extra
        inner = ", ".join(f'{label}{op}"{_escape(value)}"' for label, op, value in matchers)
        return f"{self.metric}{{{inner}}}" if inner else self.metric


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


@dataclass(frozen=True)
class Threshold:
    name: str  # target | warning | critical
    value: float
    for_seconds: float
    level: str  # the escalation level this threshold raises

    @property
    def tolerance(self) -> float:
        return tolerance(self.value)

    def bound(self, good: str) -> float:
        """What a breach is strictly beyond: the threshold moved by its tolerance to the bad side.
        The alert rules compare against this number and the reports judge with it."""
        return self.value - self.tolerance if good == "higher" else self.value + self.tolerance

    def breached_by(self, value: float, good: str) -> bool:
        return value < self.bound(good) if good == "higher" else value > self.bound(good)


@dataclass(frozen=True)
class Override:
    """Stricter (or looser) thresholds for the series whose tracking labels equal `when`; of
    overrides that overlap, the first applies."""

    when: tuple[tuple[str, str], ...]
    thresholds: tuple[Threshold, ...]

    def overlaps(self, other: Override) -> bool:
        """Whether one series can match both: they set no label to different values."""
        values = dict(self.when)
        return all(values.get(label, value) == value for label, value in other.when)


def taken_before(overrides: tuple[Override, ...]) -> list[tuple[int, ...]]:
    """For each override, the positions of the earlier ones a series could match as well: it
    leaves those series to them (the rules, the score and the panel query alike)."""
    return [tuple(number for number, before in enumerate(overrides[:position]) if before.overlaps(override))
            for position, override in enumerate(overrides)]


@dataclass(frozen=True)
class ExpectedAlert:
    """An alert a spec test case expects at its eval time: the level, and the global and
    tracking labels of the series that raises it."""

    level: str
    labels: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ExpectedValue:
    """The indicator's recorded value (and optionally its score) for one label set."""

    labels: tuple[tuple[str, str], ...]
    value: float
    score: float | None


@dataclass(frozen=True)
class Case:
    """A spec author's own unit test of an indicator, compiled into the promtool tests."""

    name: str
    interval: float
    input_series: tuple[tuple[str, str], ...]  # (series selector, promtool values notation)
    eval_time: float
    alerts: tuple[ExpectedAlert, ...] | None  # None: alerts are not checked; (): none fire
    values: tuple[ExpectedValue, ...]


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    category: str
    group: str
    definition: str
    team: str
    runbook_url: str
    measure: Measure
    unit: str  # ratio | percent | seconds | days | count | score
    good: str  # higher | lower
    target: float  # green at or beyond this (the chapter's "Target")
    warning: float  # the chapter's "Warning Sign": crossed when strictly beyond this
    thresholds: tuple[Threshold, ...]  # only those that raise an alert of their own, least severe first
    track_by: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]
    overrides: tuple[Override, ...]
    no_data_for: float  # seconds its sources may be silent before it raises NoData
    forget_after: float  # seconds an entity that stopped reporting raises NoData before it is forgotten
    tests: tuple[Case, ...] = ()  # the spec's own unit-test cases

    def override_for(self, labels: dict[str, str]) -> Override | None:
        """The override whose labels the series with these labels has, if any."""
        return next((o for o in self.overrides if all(labels.get(k) == v for k, v in o.when)), None)

    def thresholds_for(self, labels: dict[str, str]) -> tuple[Threshold, ...]:
        """The thresholds that judge the series with these labels: its override's, or the default."""
        override = self.override_for(labels)
        return override.thresholds if override else self.thresholds

    @property
    def breach_operator(self) -> str:
        """The comparison that is true when a threshold is missed."""
        return "<" if self.good == "higher" else ">"


@dataclass(frozen=True)
class Metric:
    name: str
    type: str  # counter | gauge | histogram | summary
    help: str
    labels: tuple[str, ...]
    unit: str
    buckets: tuple[float, ...]
    cardinality: tuple[tuple[str, int], ...]
    initialised: bool = False  # every series exists at 0 before its first event: silence means the exporter stopped
    values: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (label, the values it takes) where the catalogue declares them

    @property
    def always_exported(self) -> bool:
        """A gauge holds its value; a counter or histogram is absent until its first event
        unless the exporter creates its series at 0."""
        return self.type == "gauge" or self.initialised


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    category: str


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class ScorecardEntry:
    id: str
    title: str
    weight: float
    indicators: tuple[str, ...]  # ids of the indicators its score averages
    groups: tuple[str, ...]  # what selects them, as the spec says: the rules select by these labels
    categories: tuple[str, ...]


@dataclass(frozen=True)
class RoiTerm:
    name: str
    coefficient: float
    source: str  # indicator | scorecard | expr
    reference: str  # indicator id, scorecard id, or PromQL text
    scale: float
    max: float | None


@dataclass(frozen=True)
class Roi:
    intercept: float
    terms: tuple[RoiTerm, ...]


@dataclass(frozen=True)
class BusinessHours:
    location: str
    weekdays: tuple[str, ...]  # Alertmanager syntax: monday:friday
    times: tuple[tuple[str, str], ...]  # (start, end) as HH:MM
    holidays: tuple[str, ...]  # YYYY-MM-DD


@dataclass(frozen=True)
class Level:
    name: str
    threshold: str | None  # None for the level that raises nothing (green)
    severity: str
    response_time: float | None
    business_hours: bool
    responders: tuple[str, ...]
    action: str
    escalate_after: float | None
    group_wait: float | None = None  # Alertmanager timers (defaults applied in spec_types); None for a level that raises nothing
    group_interval: float | None = None


@dataclass(frozen=True)
class Escalating:
    """An alerting level with `escalate_after`, the next alerting level it is raised to, and after how long."""
    lower: Level
    higher: Level
    after: float


@dataclass(frozen=True)
class Escalation:
    levels: tuple[Level, ...]  # least to most severe
    business_hours: BusinessHours | None

    @cached_property
    def alerting(self) -> tuple[Level, ...]:
        """The levels a threshold raises, least to most severe (the green one raises nothing)."""
        return tuple(level for level in self.levels if level.threshold)

    @cached_property
    def escalating(self) -> tuple[Escalating, ...]:
        """Each alerting level that escalates, with the next one, least severe first: what the rules raise again."""
        return tuple(Escalating(lower, higher, lower.escalate_after) for lower, higher in zip(self.alerting, self.alerting[1:])
                     if lower.escalate_after is not None)

    def level(self, name: str) -> Level:
        return self._by_name[name]

    def level_for(self, threshold: str) -> Level | None:
        return self._by_threshold.get(threshold)

    # Derived once, as the escalation is frozen: every alert of every indicator looks its level up.
    @cached_property
    def _by_name(self) -> dict[str, Level]:
        return {level.name: level for level in self.levels}

    @cached_property
    def _by_threshold(self) -> dict[str | None, Level]:
        """The first level each threshold raises, as a search in order finds it."""
        found: dict[str | None, Level] = {}
        for level in self.levels:
            found.setdefault(level.threshold, level)
        return found

    def raising(self, threshold: str) -> Level:
        """The level a threshold raises, for thresholds the checks have matched to a level (a burn rate's)."""
        level = self.level_for(threshold)
        if level is None:
            raise LookupError(f"no level is raised by the {threshold} threshold")
        return level


@dataclass(frozen=True)
class Team:
    id: str
    title: str
    responders: tuple[tuple[str, tuple[str, ...]], ...]  # level -> responders, replacing the level's own

    def responders_for(self, level: Level) -> tuple[str, ...]:
        return dict(self.responders).get(level.name, level.responders)


@dataclass(frozen=True)
class Channel:
    kind: str  # slack | pagerduty | email | webhook
    settings: tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class Responder:
    id: str
    title: str
    channels: tuple[Channel, ...]
    noise_budget: int | None = None  # notifications per week the backtest lets it have


@dataclass(frozen=True)
class EmailSettings:
    sender: str
    smarthost: str
    auth_username: str
    auth_password_file: str
    require_tls: bool


@dataclass(frozen=True)
class Kubernetes:
    namespace: str
    rule_labels: tuple[tuple[str, str], ...]
    alertmanager: str
    dashboard_folder: str


@dataclass(frozen=True)
class Output:
    targets: tuple[str, ...]
    grafana_url: str
    kubernetes: Kubernetes
    slow_group_interval: float  # seconds between evaluations of long-window (and unhurried) and scorecard groups
    unit_tests: bool  # generate promtool unit tests of the rules
    max_series_per_group: int | None = None  # output.cost: warn when a rule group reads more per evaluation


@dataclass(frozen=True)
class Reports:
    """What the weekly review puts first (the spec's `reports:`, defaults applied)."""

    headline: tuple[str, ...]  # indicator, scorecard entry or category ids; none named: every category's score
    health: str | None  # category of the platform-health table
    quality: str | None  # category of the per-model quality table
    by: str  # the tracking label the quality table has a row per value of


@dataclass(frozen=True)
class Spec:
    name: str
    title: str
    sources: tuple[str, ...]  # the spec's file or folder name, for the "generated from" header
    global_labels: tuple[str, ...]
    categories: tuple[Category, ...]
    metrics: tuple[Metric, ...]
    indicators: tuple[Indicator, ...]
    scorecard: tuple[ScorecardEntry, ...]
    roi: Roi | None
    escalation: Escalation
    teams: tuple[Team, ...]
    responders: tuple[Responder, ...]
    email: EmailSettings | None
    output: Output
    reports: Reports

    def metric(self, name: str) -> Metric:
        return self._metrics[name]

    @cached_property
    def _metrics(self) -> dict[str, Metric]:  # every presence source of every indicator is looked up
        return {metric.name: metric for metric in self.metrics}

    @cached_property
    def catalogue(self) -> dict[str, dict[str, str]]:
        """The catalogue in the shape spec.series_type reads: derived once, as the spec is frozen."""
        return {metric.name: {"type": metric.type} for metric in self.metrics}

    @cached_property
    def members(self) -> dict[str, tuple[Indicator, ...]]:
        """Each category's indicators, in spec order: derived once, as the spec is frozen (a
        backend walking every category reads each indicator once, not once per category)."""
        found: dict[str, list[Indicator]] = {category.id: [] for category in self.categories}
        for indicator in self.indicators:
            found[indicator.category].append(indicator)
        return {category: tuple(indicators) for category, indicators in found.items()}

    def team(self, team_id: str) -> Team:
        return next(team for team in self.teams if team.id == team_id)

    def responder(self, responder_id: str) -> Responder:
        return next(responder for responder in self.responders if responder.id == responder_id)

    def category(self, category_id: str) -> Category:
        return self._categories[category_id]

    @cached_property
    def _categories(self) -> dict[str, Category]:  # categories grow with the spec: at 10,000 indicators, 400
        return {category.id: category for category in self.categories}
