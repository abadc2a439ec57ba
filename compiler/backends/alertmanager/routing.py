"""The escalation matrix as an Alertmanager route tree, time intervals and inhibition rules,
and the routing table that says which receivers each alert must reach (the tests prove the
tree against it with `amtool config routes test`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from compiler import conventions, durations
from compiler.model import Level, Spec

FALLBACK_REPEAT = 4 * 3600  # Alertmanager's own defaults, written out for the fallback route
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")


@dataclass(frozen=True)
class Row:
    """One routing case: an alert's labels and the receivers it must reach, in route order."""

    labels: tuple[tuple[str, str], ...]
    receivers: tuple[str, ...]

    def label(self, name: str) -> str:
        return next((value for label, value in self.labels if label == name), "")


def fallback_responders(spec: Spec) -> tuple[str, ...]:
    """Who sees an alert no level route matches: the least severe level's responders (the ones
    who triage), or the teams' own responders for it when the level has none."""
    first = spec.escalation.alerting[0]
    return first.responders or tuple(dict.fromkeys(r for team in spec.teams for r in team.responders_for(first)))


def routing_table(spec: Spec) -> list[Row]:
    """Every alert each indicator can raise (conventions.raised_levels) with its static labels
    and the receivers the matrix names for its owner team, then two alerts no level route
    matches (no level label; an unknown level) for the fallback receiver."""
    rows = []
    receivers: dict[tuple[str, str], tuple[str, ...]] = {}  # (team, level) -> its receivers: the same for each of its alerts
    for indicator in spec.indicators:
        for name, level in conventions.raised_levels(spec, indicator):
            labels = {"alertname": name, **conventions.alert_labels(spec, indicator, level)}
            reached = receivers.get((indicator.team, level))
            if reached is None:
                responders = spec.team(indicator.team).responders_for(spec.escalation.level(level))
                reached = receivers[indicator.team, level] = tuple(conventions.receiver_name(r) for r in responders)
            rows.append(Row(tuple(labels.items()), reached))
    rows += [Row((("alertname", name),), (conventions.SILENT_RECEIVER,)) for name in conventions.ALWAYS_FIRING]
    unrouted = f"{conventions.camel(spec.name)}HandWritten"
    rows.append(Row((("alertname", unrouted),), (conventions.FALLBACK_RECEIVER,)))
    rows.append(Row((("alertname", unrouted), (conventions.LEVEL_LABEL, "no-such-level")), (conventions.FALLBACK_RECEIVER,)))
    return rows


def route(spec: Spec) -> dict:
    """Root (fallback, grouping) -> the stacks' always-firing alerts to no one, then one route
    per level (timers) -> the level's responders, first those of teams with their own for that
    level, then the level's own."""
    return {
        "receiver": conventions.FALLBACK_RECEIVER,
        "group_by": group_by(spec),
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": durations.text(FALLBACK_REPEAT),
        "routes": [{"receiver": conventions.SILENT_RECEIVER, "matchers": [f'alertname=~"{"|".join(conventions.ALWAYS_FIRING)}"']}]
                  + [_level_route(spec, level) for level in spec.escalation.alerting],
    }


def group_by(spec: Spec) -> list[str]:
    """One notification group per alert and series: alert name, indicator, global labels and
    every tracking label (a label an alert lacks groups as empty)."""
    return ["alertname", conventions.INDICATOR_LABEL, *identity_labels(spec)]


def identity_labels(spec: Spec) -> list[str]:
    """The global labels, then every indicator's tracking labels: what tells two series apart."""
    tracked = sorted({label for indicator in spec.indicators for label in indicator.track_by} - set(spec.global_labels))
    return [*spec.global_labels, *tracked]


def _level_route(spec: Spec, level: Level) -> dict:
    response, wait, every = level.response_time, level.group_wait, level.group_interval
    if response is None or wait is None or every is None:  # checks.escalation requires response_time of every level that raises alerts
        raise LookupError(f"level {level.name} raises alerts but has no response_time")
    children = []
    for team in spec.teams:
        if level.name in dict(team.responders):
            children += _deliveries(spec, level, team.responders_for(level), [_equals(conventions.OWNER_LABEL, team.id)])
    children += _deliveries(spec, level, level.responders, [])
    return {
        "matchers": [_equals(conventions.LEVEL_LABEL, level.name)],
        "group_wait": durations.text(wait),
        "group_interval": durations.text(every),
        "repeat_interval": durations.text(response),
        "routes": children,
    }


def _deliveries(spec: Spec, level: Level, responders: tuple[str, ...], matchers: list[str]) -> list[dict]:
    """A leaf per responder; all but the last continue, so every responder is notified and the
    routes after them are not. Time intervals are set on leaves: Alertmanager does not inherit them."""
    leaves = []
    for position, responder in enumerate(responders):
        leaf: dict = {"receiver": conventions.receiver_name(responder)}
        if matchers:
            leaf["matchers"] = matchers
        if level.business_hours:
            leaf["active_time_intervals"] = [conventions.BUSINESS_HOURS_INTERVAL]
            if spec.escalation.business_hours is not None and spec.escalation.business_hours.holidays:
                leaf["mute_time_intervals"] = [conventions.HOLIDAYS_INTERVAL]
        if position < len(responders) - 1:
            leaf["continue"] = True
        leaves.append(leaf)
    return leaves


def time_intervals(spec: Spec) -> list[dict]:
    """Business hours for the levels that wait for them, and the holidays that mute them, both
    in the spec's time zone (a holiday starts at local midnight)."""
    hours = spec.escalation.business_hours
    if hours is None or not any(level.business_hours for level in spec.escalation.alerting):
        return []
    intervals = [{"name": conventions.BUSINESS_HOURS_INTERVAL, "time_intervals": [{
        "weekdays": list(hours.weekdays),
        "times": [{"start_time": start, "end_time": end} for start, end in hours.times],
        "location": hours.location,
    }]}]
    if hours.holidays:
        days = [datetime.date.fromisoformat(day) for day in sorted(set(hours.holidays))]
        intervals.append({"name": conventions.HOLIDAYS_INTERVAL, "time_intervals": [
            {"years": [str(day.year)], "months": [MONTHS[day.month - 1]], "days_of_month": [str(day.day)], "location": hours.location}
            for day in days
        ]})
    return intervals


def inhibit_rules(spec: Spec) -> list[dict]:
    return level_inhibit_rules(spec) + same_level_inhibit_rules(spec)


def level_inhibit_rules(spec: Spec) -> list[dict]:
    """Each level mutes every less severe one for the same indicator and series. Not `equal` on
    alertname: a critical threshold alert must also mute the same indicator's red NoData,
    burn-rate and escalated alerts, whose names differ. A NoData alert without tracking labels
    does not mute per-series alerts (their tracking labels differ from its empty ones)."""
    levels = spec.escalation.alerting
    return [{
        "source_matchers": [_equals(conventions.LEVEL_LABEL, source.name)],
        "target_matchers": [_among(conventions.LEVEL_LABEL, [level.name for level in levels[:position]])],
        "equal": _inhibit_equal(spec),
    } for position, source in enumerate(levels) if position > 0][::-1]


# What an alert of a level says beyond another of the same level and series, least last: the
# threshold (or NoData) alert its value and target; a burn-rate alert how fast the budget goes;
# an escalation only that a less severe alert has fired too long.
DERIVED = (conventions.BURN_RATE_SUFFIX, conventions.ESCALATED_SUFFIX)


def same_level_inhibit_rules(spec: Spec) -> list[dict]:
    """At one level, an alert mutes the same series' alerts derived after it (DERIVED): one series
    at one level notifies once (a red threshold alert and the escalation of its yellow one would
    both reach the red responders). Each mutes only what comes after it, so no two alerts mute
    each other, which would silence both."""
    raised: dict[str, set[str]] = {suffix: set() for suffix in DERIVED}  # the levels each is raised at
    for indicator in spec.indicators:
        for name, level in conventions.raised_levels(spec, indicator):
            for suffix in DERIVED:
                if name.endswith(suffix):
                    raised[suffix].add(level)
    rules = []
    for position, suffix in enumerate(DERIVED):
        rules += [{
            "source_matchers": [_equals(conventions.LEVEL_LABEL, level.name), f'alertname!~".+({"|".join(DERIVED[position:])})"'],
            "target_matchers": [_equals(conventions.LEVEL_LABEL, level.name), f'alertname=~".+{suffix}"'],
            "equal": _inhibit_equal(spec),
        } for level in spec.escalation.alerting if level.name in raised[suffix]]
    return rules


def _inhibit_equal(spec: Spec) -> list[str]:
    return [conventions.INDICATOR_LABEL, *identity_labels(spec)]


def _equals(label: str, value: str) -> str:
    return f'{label}="{value}"'


def _among(label: str, values: list[str]) -> str:
    return _equals(label, values[0]) if len(values) == 1 else f'{label}=~"{"|".join(values)}"'
