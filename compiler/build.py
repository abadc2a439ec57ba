"""Build the frozen model from the typed spec (spec_types, defaults applied there): shorthand
expanded, references resolved, redundant thresholds dropped. Nothing here reports problems:
validation already has."""

from __future__ import annotations

from typing import TypeVar

from compiler import promql, spec_types
from compiler.measures import forms
from compiler.model import (
    SEVERITY_ORDER,
    BusinessHours,
    Case,
    Category,
    Channel,
    EmailSettings,
    Escalation,
    ExpectedAlert,
    ExpectedValue,
    Group,
    Indicator,
    Kubernetes,
    Level,
    Metric,
    Output,
    Override,
    Reports,
    Responder,
    Roi,
    RoiTerm,
    ScorecardEntry,
    Spec,
    Team,
    Threshold,
)

T = TypeVar("T")


def build(typed: spec_types.Spec, sources: tuple[str, ...]) -> Spec:
    escalation = _escalation(_checked(typed.escalation))
    categories = tuple(Category(category.id, category.title, tuple(Group(group.id, group.title, category.id) for group in category.groups))
                       for category in typed.categories)
    indicators = tuple(_indicator(indicator, escalation) for indicator in typed.indicators)
    return Spec(
        name=typed.name,
        title=typed.title,
        sources=sources,
        global_labels=typed.defaults.global_labels,
        categories=categories,
        metrics=tuple(_metric(metric) for metric in sorted(typed.metrics, key=lambda metric: metric.name)),
        indicators=indicators,
        scorecard=_scorecard(typed, indicators),
        roi=_roi(typed.roi),
        escalation=escalation,
        teams=tuple(Team(team.id, team.title, team.responders) for team in typed.teams),
        responders=tuple(Responder(responder.id, responder.title,
                                   tuple(Channel(channel.kind, tuple(sorted(channel.settings))) for channel in responder.channels),
                                   responder.noise_budget) for responder in typed.responders),
        email=_email(typed.email),
        output=_output(typed.output),
        reports=Reports(typed.reports.headline, typed.reports.health, typed.reports.quality, typed.reports.by),
    )


def _indicator(typed: spec_types.Indicator, escalation: Escalation) -> Indicator:
    return Indicator(
        id=typed.id,
        title=typed.title,
        category=typed.category,
        group=typed.group,
        definition=typed.definition,
        team=_checked(typed.team),
        runbook_url=typed.runbook_url,
        measure=forms.build(typed),
        unit=typed.unit,
        good=typed.good,
        target=_checked(typed.threshold("target")).number,
        warning=_checked(typed.threshold("warning")).number,
        thresholds=_thresholds(typed.thresholds, escalation),
        track_by=typed.track_by,
        labels=tuple(sorted(typed.labels)),
        annotations=tuple(sorted(typed.annotations)),
        overrides=tuple(Override(tuple(sorted(override.when)), _thresholds(override.thresholds, escalation))
                        for override in typed.overrides),
        no_data_for=typed.no_data_for,
        forget_after=typed.forget_after,
        tests=tuple(_case(case) for case in typed.tests),
    )


def _checked(value: T | None) -> T:
    """A value validation has made sure of: the escalation section (checks.escalation), the
    indicator's team (checks.references), its target and warning (the schema), a level for each
    threshold (checks.thresholds), the level an availability burn raises (checks.burn_rates)."""
    if value is None:
        raise ValueError("build() was given a spec the checks reject")
    return value


def _case(typed: spec_types.Case) -> Case:
    return Case(
        name=typed.name,
        interval=typed.interval,
        input_series=tuple((series.series, series.values) for series in typed.input_series),
        eval_time=typed.eval_time,
        alerts=None if typed.alerts is None else tuple(ExpectedAlert(alert.level, tuple(sorted(alert.labels))) for alert in typed.alerts),
        values=tuple(ExpectedValue(tuple(sorted(value.labels)), value.value, value.score) for value in typed.values),
    )


def _thresholds(written: tuple[spec_types.Threshold, ...], escalation: Escalation) -> tuple[Threshold, ...]:
    """The thresholds that raise an alert of their own, least severe first.

    A threshold is dropped when a more severe one has the same value and holds no longer: that
    one always fires first and inhibits it (a zero-tolerance count goes straight to red)."""
    found = [Threshold(threshold.name, threshold.number, threshold.for_seconds, _checked(escalation.level_for(threshold.name)).name)
             for threshold in written]
    return tuple(
        threshold for position, threshold in enumerate(found)
        if not any(worse.value == threshold.value and worse.for_seconds <= threshold.for_seconds for worse in found[position + 1:])
    )


def _metric(typed: spec_types.Metric) -> Metric:
    return Metric(typed.name, typed.type, typed.help, typed.labels, typed.unit, typed.buckets or (), tuple(sorted(typed.cardinality)),
                  typed.initialised, tuple(sorted(typed.values)))


def _scorecard(typed: spec_types.Spec, indicators: tuple[Indicator, ...]) -> tuple[ScorecardEntry, ...]:
    entries = []
    for entry in typed.scorecard:
        groups, categories = set(entry.groups), set(entry.categories)
        members = tuple(i.id for i in indicators if i.group in groups or i.category in categories)
        entries.append(ScorecardEntry(entry.id, entry.title, entry.weight, members, entry.groups, entry.categories))
    return tuple(entries)


def _roi(typed: spec_types.Roi | None) -> Roi | None:
    if typed is None:
        return None
    terms = []
    for term in typed.terms:
        source, reference = term.sources[0]
        terms.append(RoiTerm(term.name, term.coefficient, source, promql.one_line(reference) if source == "expr" else reference,
                             term.scale, term.max))
    return Roi(typed.intercept, tuple(terms))


def _escalation(typed: spec_types.Escalation) -> Escalation:
    hours = typed.business_hours
    business_hours = BusinessHours(
        hours.location, tuple(day.lower() for day in hours.weekdays), tuple((span.start, span.end) for span in hours.times), hours.holidays,
    ) if hours else None
    levels = tuple(Level(level.name, level.threshold, level.severity, level.response_time, level.business_hours, level.responders,
                         level.action, level.escalate_after, level.group_wait, level.group_interval) for level in typed.levels)
    rank: dict[str | None, int] = {None: -1, **{name: position for position, name in enumerate(SEVERITY_ORDER)}}
    return Escalation(tuple(sorted(levels, key=lambda level: rank[level.threshold])), business_hours)


def _email(typed: spec_types.Email | None) -> EmailSettings | None:
    if typed is None:
        return None
    return EmailSettings(typed.sender, typed.smarthost, typed.auth_username, typed.auth_password_file, typed.require_tls)


def _output(typed: spec_types.Output) -> Output:
    return Output(
        targets=typed.targets,
        grafana_url=typed.grafana_url,
        kubernetes=Kubernetes(typed.namespace, tuple(sorted(typed.rule_labels)), typed.alertmanager, typed.dashboard_folder),
        slow_group_interval=typed.slow_group_interval,
        unit_tests=typed.unit_tests,
        max_series_per_group=typed.max_series_per_group,
    )
