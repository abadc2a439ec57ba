"""Build the frozen model from a validated spec document: defaults applied, shorthand expanded,
references resolved. Nothing here reports problems: validation already has."""

from __future__ import annotations

from typing import TypeVar

from compiler import durations, promql, spec
from compiler.model import (
    SEVERITY_ORDER,
    Age,
    Availability,
    Baseline,
    BurnRate,
    BusinessHours,
    Case,
    Category,
    Channel,
    EmailSettings,
    Escalation,
    ExpectedAlert,
    ExpectedValue,
    Expr,
    Gauge,
    Group,
    Indicator,
    Kubernetes,
    Level,
    Measure,
    Metric,
    Output,
    Override,
    Quantile,
    Rate,
    Ratio,
    Reports,
    Responder,
    Roi,
    RoiTerm,
    ScorecardEntry,
    Spec,
    Team,
    Threshold,
    Trend,
    Zero,
)

T = TypeVar("T")
ALL_TARGETS = ("docs", "prometheus", "grafana", "alertmanager", "kubernetes", "instrumentation")


def build(data: dict, sources: tuple[str, ...]) -> Spec:
    metadata = data.get("metadata") or {}
    escalation = _escalation(data["escalation"])
    categories = tuple(
        Category(name, body["title"], tuple(Group(group, title, name) for group, title in body["groups"].items()))
        for name, body in (data.get("categories") or {}).items()
    )
    indicators = tuple(_indicator(data, raw, escalation) for _, raw in spec.indicators(data))
    return Spec(
        name=metadata.get("name", "indicators"),
        title=metadata.get("title", "Leading Indicators"),
        sources=sources,
        global_labels=tuple(spec.global_labels(data)),
        categories=categories,
        metrics=tuple(_metric(name, body) for name, body in sorted((data.get("metrics") or {}).items())),
        indicators=indicators,
        scorecard=_scorecard(data, indicators),
        roi=_roi(data.get("roi")),
        escalation=escalation,
        teams=tuple(Team(name, body["title"], tuple((level, tuple(names)) for level, names in (body.get("responders") or {}).items()))
                    for name, body in (data.get("teams") or {}).items()),
        responders=tuple(Responder(name, body["title"], tuple(_channel(channel) for channel in body["channels"]),
                                   body.get("noise_budget"))
                         for name, body in (data.get("responders") or {}).items()),
        email=_email((data.get("notifications") or {}).get("email")),
        output=_output(data.get("output") or {}, metadata.get("name", "indicators")),
        reports=_reports(data.get("reports") or {}, categories),
    )


def _reports(raw: dict, categories: tuple[Category, ...]) -> Reports:
    """Defaults: every category's score as the headline, the first category's health table, and
    a per-model table of the chapter's model_quality category when the spec has one."""
    ids = [category.id for category in categories]
    return Reports(
        headline=tuple(raw.get("headline") or ids),
        health=raw.get("health") or (ids[0] if ids else None),
        quality=raw.get("quality") or ("model_quality" if "model_quality" in ids else None),
        by=raw.get("by", "model"),
    )


def _indicator(data: dict, raw: dict, escalation: Escalation) -> Indicator:
    defaults = data.get("defaults") or {}
    measure = _measure(raw, defaults)
    thresholds = _thresholds(data, raw, escalation)
    base = defaults.get("runbook_base_url")
    return Indicator(
        id=raw["id"],
        title=raw["title"],
        category=raw["category"],
        group=raw["group"],
        definition=raw["definition"],
        team=_checked(spec.team_of(data, raw)),
        runbook_url=raw.get("runbook_url") or (f"{base.rstrip('/')}/{raw['id']}" if base else ""),
        measure=measure,
        unit=raw["unit"],
        good=raw["good"],
        target=spec.threshold_number(spec.threshold_parts(raw["target"])[0]),
        warning=spec.threshold_number(spec.threshold_parts(raw["warning"])[0]),
        thresholds=thresholds,
        track_by=tuple(raw.get("track_by") or ()),
        labels=tuple(sorted((raw.get("labels") or {}).items())),
        annotations=tuple(sorted((raw.get("annotations") or {}).items())),
        overrides=tuple(
            Override(tuple(sorted(override["when"].items())),
                     _thresholds(data, {**raw, **{name: override[name] for name in SEVERITY_ORDER if name in override}}, escalation))
            for override in raw.get("overrides") or ()
        ),
        no_data_for=spec.no_data_for(data, raw),
        forget_after=spec.forget_after(data, raw),
        tests=tuple(_case(case) for case in raw.get("tests") or ()),
    )


def _checked(value: T | None) -> T:
    """A value validation has made sure of: the indicator's team (checks.references), a level for
    each threshold (checks.thresholds), the level an availability burn raises (checks.burn_rates)."""
    if value is None:
        raise ValueError("build() was given a spec the checks reject")
    return value


def _labels(raw: dict | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((raw or {}).items()))


def _case(raw: dict) -> Case:
    alerts = raw.get("alerts")
    return Case(
        name=raw["name"],
        interval=durations.seconds(raw.get("interval", "1m")),
        input_series=tuple((series["series"], str(series["values"])) for series in raw["input_series"]),
        eval_time=durations.seconds(raw["eval_time"]),
        alerts=None if alerts is None else tuple(ExpectedAlert(alert["level"], _labels(alert.get("labels"))) for alert in alerts),
        values=tuple(ExpectedValue(_labels(value.get("labels")), float(value["value"]),
                                   float(value["score"]) if "score" in value else None) for value in raw.get("values") or ()),
    )


def _thresholds(data: dict, raw: dict, escalation: Escalation) -> tuple[Threshold, ...]:
    """The thresholds that raise an alert of their own, least severe first.

    A threshold is dropped when a more severe one has the same value and holds no longer: that
    one always fires first and inhibits it (a zero-tolerance count goes straight to red)."""
    found = []
    for name in SEVERITY_ORDER:
        if name not in raw:
            continue
        value, hold = spec.threshold_parts(raw[name])
        found.append(Threshold(name, spec.threshold_number(value), durations.seconds(hold or spec.default_for(data, name)),
                               _checked(escalation.level_for(name)).name))
    return tuple(
        threshold for position, threshold in enumerate(found)
        if not any(worse.value == threshold.value and worse.for_seconds <= threshold.for_seconds for worse in found[position + 1:])
    )


def _window(body: dict, defaults: dict) -> float:
    return durations.seconds(body.get("window") or defaults.get("window") or spec.DEFAULT_WINDOW)


def _measure(indicator: dict, defaults: dict) -> Measure:
    form, body = spec.measure_form(indicator)
    if form == "expr":
        return Expr(promql.one_line(body))
    select = {field: promql.parse_selector(body[field]) for field in spec.SELECTOR_FIELDS[form] if field in body}
    window = _window(body, defaults)
    if form == "ratio":
        return Ratio(select["numerator"], select["denominator"], window, body.get("min_volume"))
    if form == "quantile":
        return Quantile(select["histogram"], float(body["q"]), window)
    if form == "rate":
        return Rate(select["counter"], window, body.get("function", "rate"), body.get("min_volume"))
    if form == "trend":
        return Trend(select["series"], window, body.get("min_volume"))
    if form == "baseline":
        return Baseline(select["series"], select["baseline"])
    if form == "age":
        return Age(select["timestamp"])
    if form == "zero":
        return Zero(select["series"], window)
    if form == "availability":
        burn_rates = tuple(
            BurnRate(durations.seconds(b["long"]), durations.seconds(b["short"]), float(b["factor"]),
                     b.get("threshold") or _checked(spec.burn_threshold(indicator, float(b["factor"]))))
            for b in spec.burn_rates(indicator)
        )
        return Availability(select["errors"], select["total"], spec.objective(indicator),
                            durations.seconds(body.get("period", spec.DEFAULT_PERIOD)), body.get("min_volume"), burn_rates)
    return Gauge(select["series"], body.get("aggregation", "max"))


def _metric(name: str, body: dict) -> Metric:
    return Metric(name, body["type"], body["help"], tuple(body["labels"]), body.get("unit", ""),
                  tuple(float(bound) for bound in body.get("buckets") or ()), tuple(sorted((body.get("cardinality") or {}).items())),
                  bool(body.get("initialised")), tuple(sorted((label, tuple(values)) for label, values in (body.get("values") or {}).items())))


def _scorecard(data: dict, indicators: tuple[Indicator, ...]) -> tuple[ScorecardEntry, ...]:
    entries = []
    for name, body in (data.get("scorecard") or {}).items():
        groups, categories = set(body.get("groups") or ()), set(body.get("categories") or ())
        members = tuple(i.id for i in indicators if i.group in groups or i.category in categories)
        entries.append(ScorecardEntry(name, body["title"], float(body["weight"]), members))
    return tuple(entries)


def _roi(raw: dict | None) -> Roi | None:
    if not raw:
        return None
    terms = []
    for name, body in raw["terms"].items():
        source = next(key for key in spec.ROI_SOURCES if key in body)
        reference = promql.one_line(body[source]) if source == "expr" else body[source]
        terms.append(RoiTerm(name, float(body["coefficient"]), source, reference, float(body.get("scale", 1)),
                             float(body["max"]) if "max" in body else None))
    return Roi(float(raw["intercept"]), tuple(terms))


def _escalation(raw: dict) -> Escalation:
    hours = raw.get("business_hours")
    business_hours = BusinessHours(
        hours.get("location", "UTC"), tuple(day.lower() for day in hours["weekdays"]),
        tuple((span["start"], span["end"]) for span in hours["times"]), tuple(hours.get("holidays") or ()),
    ) if hours else None
    levels = tuple(
        Level(name, body.get("threshold"), body.get("severity", "none"),
              durations.seconds(body["response_time"]) if "response_time" in body else None,
              bool(body.get("business_hours")), tuple(body.get("responders") or ()), body.get("action", ""),
              durations.seconds(body["escalate_after"]) if "escalate_after" in body else None,
              *(durations.seconds(body[timer]) if timer in body else None for timer in ("group_wait", "group_interval")))
        for name, body in raw["levels"].items()
    )
    rank: dict[str | None, int] = {None: -1, **{name: position for position, name in enumerate(SEVERITY_ORDER)}}
    return Escalation(tuple(sorted(levels, key=lambda level: rank[level.threshold])), business_hours)


def _channel(raw: dict) -> Channel:
    (kind, settings), = raw.items()
    return Channel(kind, tuple(sorted(settings.items())))


def _email(raw: dict | None) -> EmailSettings | None:
    if not raw:
        return None
    return EmailSettings(raw["from"], raw["smarthost"], raw.get("auth_username", ""), raw.get("auth_password_file", ""),
                         bool(raw.get("require_tls", True)))


def _output(raw: dict, name: str) -> Output:
    kubernetes = raw.get("kubernetes") or {}
    return Output(
        targets=tuple(target for target in ALL_TARGETS if target in raw.get("targets", ALL_TARGETS)),
        grafana_url=raw.get("grafana_url", spec.DEFAULT_GRAFANA_URL).rstrip("/"),
        kubernetes=Kubernetes(kubernetes.get("namespace", "monitoring"), tuple(sorted((kubernetes.get("rule_labels") or {}).items())),
                              kubernetes.get("alertmanager", spec.DEFAULT_ALERTMANAGER), kubernetes.get("dashboard_folder", name)),
        slow_group_interval=durations.seconds((raw.get("prometheus") or {}).get("slow_group_interval", spec.DEFAULT_SLOW_INTERVAL)),
        unit_tests=bool((raw.get("prometheus") or {}).get("unit_tests", True)),
        max_series_per_group=(raw.get("cost") or {}).get("max_series_per_group"),
    )
