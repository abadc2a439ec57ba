"""The spec as typed values: what the schema accepts, read once into frozen nodes that know where
they were written (each node's `path` and `at`: the loader's per-path locations) with every
default applied here and nowhere else. The semantic checks read these values and `build` maps
them to the model (as Sloth's MapSpecToModel does).

A node keeps what was written beside the value it resolves to where a check must tell them
apart (`written`: the fields the spec states, so a finding can point at the one that decides).
A measure stays a located mapping (its form and fields as written): the form's own module
converts it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compiler import durations
from compiler.loader import Document, Location, Path
from compiler.model import SEVERITY_ORDER

DEFAULT_NAME = "indicators"
DEFAULT_TITLE = "Leading Indicators"
DEFAULT_WINDOW = "1h"
DEFAULT_FOR = {"target": "1d", "warning": "6h", "critical": "1h"}
DEFAULT_NO_DATA_FOR = "1h"
DEFAULT_FORGET_AFTER = 86400  # or twice no_data_for, when that is longer
DEFAULT_CASE_INTERVAL = "1m"
DEFAULT_SLOW_INTERVAL = "5m"  # long-window and scorecard rule groups
DEFAULT_GRAFANA_URL = "http://localhost:3000"
DEFAULT_NAMESPACE = "monitoring"
DEFAULT_ALERTMANAGER = "main"  # the Alertmanager (and its Secret alertmanager-<name>) of prometheus-operator's examples
DEFAULT_SEVERITY = "none"
DEFAULT_LOCATION = "UTC"
DEFAULT_REPORTS_BY = "model"
QUALITY_CATEGORY = "model_quality"  # the chapter's: the quality report's table when the spec has it
ALL_TARGETS = ("docs", "prometheus", "grafana", "alertmanager", "kubernetes", "instrumentation")
ROI_SOURCES = ("indicator", "scorecard", "expr")  # an ROI term reads exactly one


@dataclass(frozen=True)
class Node:
    path: Path  # where the spec writes it: findings are located by it
    at: Location


@dataclass(frozen=True)
class Threshold(Node):
    name: str  # target | warning | critical
    written: str | float  # the value as written: a number, or a duration for unit: seconds
    value_path: Path  # the value itself (`target.value` when written as {value, for})
    for_seconds: float  # defaults.for applied

    @property
    def number(self) -> float:
        """Durations (for unit: seconds) as seconds."""
        return durations.seconds(self.written) if isinstance(self.written, str) else float(self.written)


@dataclass(frozen=True)
class Override(Node):
    when: tuple[tuple[str, str], ...]  # as written, in order
    thresholds: tuple[Threshold, ...]  # the override's own, else the indicator's; least severe first


@dataclass(frozen=True)
class Measure(Node):
    form: str
    body: Any  # the form's fields as written (an expr's text): the form's module converts them
    window: float  # its window, else defaults.window, else 1h: for the forms that have one


@dataclass(frozen=True)
class InputSeries(Node):
    series: str
    values: str


@dataclass(frozen=True)
class ExpectedAlert(Node):
    level: str
    labels: tuple[tuple[str, str], ...]  # as written, in order


@dataclass(frozen=True)
class ExpectedValue(Node):
    labels: tuple[tuple[str, str], ...]  # as written, in order
    value: float
    score: float | None


@dataclass(frozen=True)
class Case(Node):
    name: str
    interval: float
    input_series: tuple[InputSeries, ...]
    eval_time: float
    alerts: tuple[ExpectedAlert, ...] | None  # None: alerts are not checked
    values: tuple[ExpectedValue, ...]


@dataclass(frozen=True)
class Indicator(Node):
    id: str
    title: str
    category: str
    group: str
    definition: str
    team: str | None  # its own, else defaults.team
    runbook_url: str  # its own, else defaults.runbook_base_url/<id>, else ""
    measure: Measure
    unit: str
    good: str
    thresholds: tuple[Threshold, ...]  # those written, least severe first
    track_by: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]
    overrides: tuple[Override, ...]
    no_data_for: float
    forget_after: float
    tests: tuple[Case, ...]
    written: frozenset[str]  # the fields the indicator states

    def threshold(self, name: str) -> Threshold | None:
        return next((threshold for threshold in self.thresholds if threshold.name == name), None)


@dataclass(frozen=True)
class Defaults(Node):
    team: str | None
    global_labels: tuple[str, ...]
    window: float | None  # as written: None when not (each indicator applies its own default)
    no_data_for: float | None  # as written
    written: frozenset[str]


@dataclass(frozen=True)
class Group(Node):
    id: str
    title: str


@dataclass(frozen=True)
class Category(Node):
    id: str
    title: str
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class Metric(Node):
    name: str
    type: str
    help: str
    labels: tuple[str, ...]
    unit: str
    buckets: tuple[float, ...] | None  # as written: None when not
    cardinality: tuple[tuple[str, int], ...]  # as written, in order
    initialised: bool
    values: tuple[tuple[str, tuple[str, ...]], ...]  # as written, in order


@dataclass(frozen=True)
class ScorecardEntry(Node):
    id: str
    title: str
    weight: float
    groups: tuple[str, ...]
    categories: tuple[str, ...]


@dataclass(frozen=True)
class RoiTerm(Node):
    name: str
    coefficient: float
    sources: tuple[tuple[str, str], ...]  # (source, what it names) for each of ROI_SOURCES written: one, unless the spec is wrong
    scale: float
    max: float | None


@dataclass(frozen=True)
class Roi(Node):
    intercept: float
    terms: tuple[RoiTerm, ...]


@dataclass(frozen=True)
class Reports(Node):
    headline: tuple[str, ...]  # as written; none by default
    health: str | None  # as written, else the first category
    quality: str | None  # as written, else the chapter's model_quality when the spec has it
    by: str
    written: frozenset[str]


@dataclass(frozen=True)
class TimeSpan(Node):
    start: str
    end: str


@dataclass(frozen=True)
class BusinessHours(Node):
    location: str
    weekdays: tuple[str, ...]  # as written
    times: tuple[TimeSpan, ...]
    holidays: tuple[str, ...]
    written: frozenset[str]


@dataclass(frozen=True)
class Level(Node):
    name: str
    threshold: str | None
    severity: str
    response_time: float | None
    business_hours: bool
    responders: tuple[str, ...]
    action: str
    escalate_after: float | None
    group_wait: float | None  # as written, else 1/120 of response_time (30s to 5m); None without one
    group_interval: float | None  # as written, else 1/12 of response_time (5m to 1h)
    written: frozenset[str]


@dataclass(frozen=True)
class Escalation(Node):
    levels: tuple[Level, ...]  # as written, in order
    business_hours: BusinessHours | None


@dataclass(frozen=True)
class Team(Node):
    id: str
    title: str
    responders: tuple[tuple[str, tuple[str, ...]], ...]  # level -> responders, as written


@dataclass(frozen=True)
class Channel(Node):
    kind: str  # slack | pagerduty | email | webhook
    settings: tuple[tuple[str, Any], ...]  # as written, in order


@dataclass(frozen=True)
class Responder(Node):
    id: str
    title: str
    channels: tuple[Channel, ...]
    noise_budget: int | None


@dataclass(frozen=True)
class Email(Node):
    sender: str
    smarthost: str
    auth_username: str
    auth_password_file: str
    require_tls: bool


@dataclass(frozen=True)
class Output(Node):
    targets: tuple[str, ...]  # in ALL_TARGETS' order
    grafana_url: str  # without a trailing /
    namespace: str
    rule_labels: tuple[tuple[str, str], ...]
    alertmanager: str
    dashboard_folder: str
    slow_group_interval: float
    unit_tests: bool
    max_series_per_group: int | None
    written: frozenset[str]  # the settings stated: grafana_url, kubernetes.rule_labels, kubernetes.alertmanager, ...


@dataclass(frozen=True)
class Spec(Node):
    name: str
    title: str
    defaults: Defaults
    categories: tuple[Category, ...]
    metrics: tuple[Metric, ...]  # as written, in order
    indicators: tuple[Indicator, ...]  # those the schema accepts; each path keeps its index
    scorecard: tuple[ScorecardEntry, ...]
    roi: Roi | None
    reports: Reports
    escalation: Escalation | None  # None when the section is missing (checks.escalation says so)
    teams: tuple[Team, ...]
    responders: tuple[Responder, ...]
    email: Email | None
    output: Output
    catalogue: dict[str, dict]  # the metrics as written, in the shape spec.series_type and series_labels read


def read(document: Document) -> Spec:
    """The typed spec of a document the schema accepts (schema.Accepted's)."""
    return _Reader(document).spec()


class _Reader:
    def __init__(self, document: Document):
        self.document = document

    def at(self, path: Path) -> Location:
        return self.document.locate(path)

    def spec(self) -> Spec:
        data = self.document.data
        metadata = data.get("metadata") or {}
        defaults = data.get("defaults") or {}
        categories = tuple(self.category(name, body) for name, body in (data.get("categories") or {}).items())
        name = metadata.get("name", DEFAULT_NAME)
        # each threshold's default hold, once for every indicator: they are the spec's defaults
        fors = {level: durations.seconds((defaults.get("for") or {}).get(level, DEFAULT_FOR[level])) for level in SEVERITY_ORDER}
        return Spec(
            (), self.at(()), name, metadata.get("title", DEFAULT_TITLE),
            Defaults(("defaults",), self.at(("defaults",)), defaults.get("team"), tuple(defaults.get("global_labels") or ()),
                     _seconds(defaults, "window"), _seconds(defaults, "no_data_for"), frozenset(defaults)),
            categories,
            tuple(self.metric(metric, body) for metric, body in (data.get("metrics") or {}).items()),
            tuple(self.indicator(index, raw, defaults, fors) for index, raw in enumerate(data.get("indicators") or [])
                  if raw is not None),  # None: an indicator the schema rejected (checks.schema)
            tuple(self.scorecard(entry, body) for entry, body in (data.get("scorecard") or {}).items()),
            self.roi(data["roi"]) if data.get("roi") else None,
            self.reports(data.get("reports") or {}, categories),
            self.escalation(data["escalation"]) if data.get("escalation") else None,
            tuple(Team(("teams", team), self.at(("teams", team)), team, body["title"],
                       tuple((level, tuple(names)) for level, names in (body.get("responders") or {}).items()))
                  for team, body in (data.get("teams") or {}).items()),
            tuple(self.responder(responder, body) for responder, body in (data.get("responders") or {}).items()),
            self.email((data.get("notifications") or {}).get("email")),
            self.output(data.get("output") or {}, name),
            data.get("metrics") or {},
        )

    def indicator(self, index: int, raw: dict, defaults: dict, fors: dict[str, float]) -> Indicator:
        here = ("indicators", index)
        (form, body), = raw["measure"].items()
        window = (body.get("window") if isinstance(body, dict) else None) or defaults.get("window") or DEFAULT_WINDOW
        base = defaults.get("runbook_base_url")
        thresholds = self.thresholds(here, raw, fors)
        no_data_for = durations.seconds(raw.get("no_data_for") or defaults.get("no_data_for") or DEFAULT_NO_DATA_FOR)
        forget = raw.get("forget_after") or defaults.get("forget_after")
        return Indicator(
            here, self.at(here), raw["id"], raw["title"], raw["category"], raw["group"], raw["definition"],
            raw.get("team") or defaults.get("team"),
            raw.get("runbook_url") or (f"{base.rstrip('/')}/{raw['id']}" if base else ""),
            Measure(here + ("measure", form), self.at(here + ("measure", form)), form, body, durations.seconds(window)),
            raw["unit"], raw["good"], thresholds,
            tuple(raw.get("track_by") or ()),
            tuple((raw.get("labels") or {}).items()),
            tuple((raw.get("annotations") or {}).items()),
            tuple(self.override(here + ("overrides", number), override, thresholds, fors)
                  for number, override in enumerate(raw.get("overrides") or ())),
            no_data_for,
            durations.seconds(forget) if forget else max(DEFAULT_FORGET_AFTER, 2 * no_data_for),
            tuple(self.case(here + ("tests", number), case) for number, case in enumerate(raw.get("tests") or ())),
            frozenset(raw),
        )

    def thresholds(self, here: Path, raw: dict, fors: dict[str, float]) -> tuple[Threshold, ...]:
        found = []
        for name in SEVERITY_ORDER:
            if name not in raw:
                continue
            written, hold = (raw[name]["value"], raw[name].get("for")) if isinstance(raw[name], dict) else (raw[name], None)
            path = here + (name,)
            found.append(Threshold(path, self.at(path), name, written, path + (("value",) if isinstance(raw[name], dict) else ()),
                                   durations.seconds(hold) if hold else fors[name]))
        return tuple(found)

    def override(self, here: Path, raw: dict, inherited: tuple[Threshold, ...], fors: dict[str, float]) -> Override:
        """An override's thresholds: those it writes, holding for the indicator's `for` of the same
        threshold unless it says its own (a stricter SLA is stricter in value, not slower), then
        the indicator's others."""
        held = fors | {threshold.name: threshold.for_seconds for threshold in inherited}
        merged = {threshold.name: threshold for threshold in inherited} | {
            threshold.name: threshold for threshold in self.thresholds(here, raw, held)}
        return Override(here, self.at(here), tuple(raw["when"].items()), tuple(merged[name] for name in SEVERITY_ORDER if name in merged))

    def case(self, here: Path, raw: dict) -> Case:
        alerts = raw.get("alerts")
        return Case(
            here, self.at(here), raw["name"], durations.seconds(raw.get("interval", DEFAULT_CASE_INTERVAL)),
            tuple(InputSeries(here + ("input_series", number), self.at(here + ("input_series", number)),
                              series["series"], str(series["values"])) for number, series in enumerate(raw["input_series"])),
            durations.seconds(raw["eval_time"]),
            None if alerts is None else tuple(
                ExpectedAlert(here + ("alerts", number), self.at(here + ("alerts", number)), alert["level"],
                              tuple((alert.get("labels") or {}).items())) for number, alert in enumerate(alerts)),
            tuple(ExpectedValue(here + ("values", number), self.at(here + ("values", number)), tuple((value.get("labels") or {}).items()),
                                float(value["value"]), float(value["score"]) if "score" in value else None)
                  for number, value in enumerate(raw.get("values") or ())),
        )

    def category(self, name: str, body: dict) -> Category:
        here = ("categories", name)
        return Category(here, self.at(here), name, body["title"],
                        tuple(Group(here + ("groups", group), self.at(here + ("groups", group)), group, title)
                              for group, title in body["groups"].items()))

    def metric(self, name: str, body: dict) -> Metric:
        here = ("metrics", name)
        buckets = body.get("buckets")
        return Metric(here, self.at(here), name, body["type"], body["help"], tuple(body["labels"]), body.get("unit", ""),
                      None if buckets is None else tuple(float(bound) for bound in buckets),
                      tuple((body.get("cardinality") or {}).items()), bool(body.get("initialised")),
                      tuple((label, tuple(values)) for label, values in (body.get("values") or {}).items()))

    def scorecard(self, name: str, body: dict) -> ScorecardEntry:
        here = ("scorecard", name)
        return ScorecardEntry(here, self.at(here), name, body["title"], float(body["weight"]),
                              tuple(body.get("groups") or ()), tuple(body.get("categories") or ()))

    def roi(self, raw: dict) -> Roi:
        terms = []
        for name, body in raw["terms"].items():
            here = ("roi", "terms", name)
            terms.append(RoiTerm(here, self.at(here), name, float(body["coefficient"]),
                                 tuple((key, body[key]) for key in ROI_SOURCES if key in body), float(body.get("scale", 1)),
                                 float(body["max"]) if "max" in body else None))
        return Roi(("roi",), self.at(("roi",)), float(raw["intercept"]), tuple(terms))

    def reports(self, raw: dict, categories: tuple[Category, ...]) -> Reports:
        """Defaults: no headline named (the weekly review shows every category's score), the first
        category's health table, and a per-model table of the chapter's model_quality category
        when the spec has one."""
        ids = [category.id for category in categories]
        return Reports(("reports",), self.at(("reports",)), tuple(raw.get("headline") or ()),
                       raw.get("health") or (ids[0] if ids else None),
                       raw.get("quality") or (QUALITY_CATEGORY if QUALITY_CATEGORY in ids else None),
                       raw.get("by", DEFAULT_REPORTS_BY), frozenset(raw))

    def escalation(self, raw: dict) -> Escalation:
        hours = raw.get("business_hours")
        here = ("escalation", "business_hours")
        business_hours = BusinessHours(
            here, self.at(here), hours.get("location", DEFAULT_LOCATION), tuple(hours["weekdays"]),
            tuple(TimeSpan(here + ("times", number), self.at(here + ("times", number)), span["start"], span["end"])
                  for number, span in enumerate(hours["times"])),
            tuple(hours.get("holidays") or ()), frozenset(hours),
        ) if hours else None
        return Escalation(("escalation",), self.at(("escalation",)),
                          tuple(self.level(name, body) for name, body in (raw.get("levels") or {}).items()), business_hours)

    def level(self, name: str, body: dict) -> Level:
        here = ("escalation", "levels", name)
        response = _seconds(body, "response_time")
        # the more urgent the level, the sooner the first notification and the next look
        derived = (None, None) if response is None else (_clamp(response / 120, 30, 300), _clamp(response / 12, 300, 3600))
        return Level(here, self.at(here), name, body.get("threshold"), body.get("severity", DEFAULT_SEVERITY),
                     response, bool(body.get("business_hours")), tuple(body.get("responders") or ()),
                     body.get("action", ""), _seconds(body, "escalate_after"),
                     _seconds(body, "group_wait") if "group_wait" in body else derived[0],
                     _seconds(body, "group_interval") if "group_interval" in body else derived[1], frozenset(body))

    def responder(self, name: str, body: dict) -> Responder:
        here = ("responders", name)
        channels = []
        for number, raw in enumerate(body.get("channels") or []):
            (kind, settings), = raw.items()
            channels.append(Channel(here + ("channels", number), self.at(here + ("channels", number)), kind, tuple(settings.items())))
        return Responder(here, self.at(here), name, body["title"], tuple(channels), body.get("noise_budget"))

    def email(self, raw: dict | None) -> Email | None:
        if not raw:
            return None
        here = ("notifications", "email")
        return Email(here, self.at(here), raw["from"], raw["smarthost"], raw.get("auth_username", ""),
                     raw.get("auth_password_file", ""), bool(raw.get("require_tls", True)))

    def output(self, raw: dict, name: str) -> Output:
        kubernetes = raw.get("kubernetes") or {}
        prometheus = raw.get("prometheus") or {}
        return Output(
            ("output",), self.at(("output",)),
            tuple(target for target in ALL_TARGETS if target in raw.get("targets", ALL_TARGETS)),
            raw.get("grafana_url", DEFAULT_GRAFANA_URL).rstrip("/"),
            kubernetes.get("namespace", DEFAULT_NAMESPACE), tuple((kubernetes.get("rule_labels") or {}).items()),
            kubernetes.get("alertmanager", DEFAULT_ALERTMANAGER), kubernetes.get("dashboard_folder", name),
            durations.seconds(prometheus.get("slow_group_interval", DEFAULT_SLOW_INTERVAL)),
            bool(prometheus.get("unit_tests", True)), (raw.get("cost") or {}).get("max_series_per_group"),
            frozenset(raw) | {f"kubernetes.{key}" for key in kubernetes},
        )


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, round(value)))


def _seconds(body: dict, field: str) -> float | None:
    """A duration field as written, in seconds; None when it is not written."""
    return durations.seconds(body[field]) if field in body else None
