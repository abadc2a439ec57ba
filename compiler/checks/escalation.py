"""The escalation matrix can deliver: every alerting level has responders who have channels,
every route to a responder can be taken, and business hours are well formed."""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
import zoneinfo

from compiler import conventions, durations
from compiler.loader import Document
from compiler.model import SEVERITY_ORDER, Spec
from compiler.model import BusinessHours as BuiltHours
from compiler.problems import Finding
from compiler.spec_types import BusinessHours, Level
from compiler.spec_types import Spec as Typed

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)\Z")  # Alertmanager's range: 00:00 to 24:00
RANKS = {threshold: rank for rank, threshold in enumerate(SEVERITY_ORDER)}


def _weekdays_meant(days: str) -> str:
    """`Monday-Friday`, `mon to fri`, `Monday - Friday`, `monday: friday`: the range (or day)
    Alertmanager takes, when each part names one weekday (in full, or its first three letters
    or more: mon, tues, thurs)."""
    if days.strip().lower() in ("weekdays", "workdays", "weekend", "weekends"):
        return "did you mean " + ("saturday:sunday?" if "end" in days.lower() else "monday:friday?")
    parts = re.split(r"\s*(?:-|\u2013|\u2014|:|\.\.|\s(?:to|until|through)\s)\s*", days.strip().lower())
    named = [day for part in parts for day in WEEKDAYS if len(part) >= 3 and day.startswith(part)]
    if len(named) != len(parts) or len(parts) > 2:
        return ""
    return f"did you mean {':'.join(dict.fromkeys(named))}?"


def check(document: Document, typed: Typed) -> list[Finding]:
    escalation = typed.escalation
    if escalation is None:
        return [document.problem((), "missing required section 'escalation'", "see the escalation matrix in the README")]
    problems: list[Finding] = []
    if not any(level.threshold for level in escalation.levels):
        problems.append(document.problem(("escalation", "levels"), "no level raises alerts, so nothing can be routed",
                                         "give levels a 'threshold' (target, warning, critical)"))
    seen: dict[str, str] = {}
    raised = {RANKS[level.threshold] for level in escalation.levels if level.threshold in RANKS}
    for level in escalation.levels:
        problems += _level(document, typed, level, seen, raised)
    problems += _channels(document, typed)
    return problems + _business_hours(document, escalation.business_hours)


def _level(document: Document, typed: Typed, level: Level, seen: dict[str, str], raised: set[int]) -> list[Finding]:
    """One level: a threshold no other level has, what a level that raises alerts needs, timers
    Alertmanager accepts, responders for every team, and somewhere to escalate to."""
    here, name, threshold = level.path, level.name, level.threshold
    if threshold is None:
        return [document.problem(here + ("responders",), "a level without a threshold raises no alert, so its responders are never notified",
                                 "give the level a 'threshold' or remove its responders")] if level.responders else []
    problems = []
    if threshold in seen:
        problems.append(document.problem(here + ("threshold",), f"level '{seen[threshold]}' is already raised by the '{threshold}' threshold"))
    seen[threshold] = name
    problems += [document.problem(here, f"missing required field '{field}' for a level that raises alerts")
                 for field in ("severity", "response_time") if field not in level.written]
    problems += [document.problem(here + (field,), f"{field} must be longer than 0s: Alertmanager refuses a zero {setting}")
                 for field, setting, value in (("response_time", "repeat_interval", level.response_time),
                                               ("group_interval", "group_interval", level.group_interval)) if value == 0]
    problems += _timers(document, level)
    uncovered = [team.id for team in typed.teams if name not in dict(team.responders)]
    if not level.responders and (uncovered or not typed.teams):
        problems.append(document.problem(here, f"level '{name}' has no responders",
                                         f"teams without their own: {', '.join(uncovered)}" if uncovered else "add 'responders'"))
    if level.business_hours and typed.escalation and typed.escalation.business_hours is None:
        problems.append(document.problem(here + ("business_hours",), "business hours are not defined", "add escalation.business_hours"))
    if level.escalate_after is not None and not any(rank > RANKS[threshold] for rank in raised):
        problems.append(document.problem(here + ("escalate_after",), f"no level above '{name}' to escalate to"))
    return problems


def _timers(document: Document, level: Level) -> list[Finding]:
    """Warnings for timers that break the level's response time: a first notification held back
    past it, or re-sends further apart than it (Alertmanager sends a group's notifications only at
    its group_interval ticks, so an unresolved alert is re-sent at the first tick once the
    repeat_interval, the response time, has passed). Located at the timer when written, else at
    the response_time its default comes from."""
    response, wait, every = level.response_time, level.group_wait, level.group_interval
    if not response:
        return []
    found = []
    if wait is not None and wait > response:
        found.append(("group_wait", f"group_wait {durations.text(wait)} is longer than response_time {durations.text(response)}: "
                                    "the first notification of an alert comes only after the time to respond"))
    if every and (resent := math.ceil(response / every - 1e-9) * every) > response:  # a derived 1/12 is a float
        found.append(("group_interval", f"group_interval {durations.text(every)} does not divide response_time "
                                        f"{durations.text(response)}: Alertmanager sends only at group_interval ticks, so an "
                                        f"unresolved alert is re-sent every {durations.text(resent)}, not every response_time"))
    return [dataclasses.replace(document.problem(level.path + ((field,) if field in level.written else ("response_time",)), message,
                                                 f"set the level's {field} to at most its response_time"
                                                 + (", and a divisor of it" if field == "group_interval" else "")),
                                severity="warning") for field, message in found]


def _channels(document: Document, typed: Typed) -> list[Finding]:
    """Every responder has channels, and an e-mail channel has a sender and smarthost."""
    problems = []
    for responder in typed.responders:
        if not responder.channels:
            problems.append(document.problem(responder.path + ("channels",), f"responder '{responder.id}' has no channels",
                                             "add a slack, pagerduty, email or webhook channel"))
        problems += [document.problem(channel.path + ("email",), "e-mail channels need notifications.email (sender and smarthost)")
                     for channel in responder.channels if channel.kind == "email" and typed.email is None]
    return problems


def routes(document: Document, spec: Spec) -> list[Finding]:
    """On the built model, so "can raise" means what the rules raise (conventions.raised_levels).

    A team's responders for a level none of its indicators raises are an error: the route can
    never be taken, so the matrix promises people a notification that cannot come (usually a
    threshold was removed or the indicator moved team). A responder nobody routes to is only a
    warning: its receiver is harmless, and keeping one ready while a team is set up is common."""
    raised: dict[str, set[str]] = {team.id: set() for team in spec.teams}
    for indicator in spec.indicators:
        raised[indicator.team] |= {level for _, level in conventions.raised_levels(spec, indicator)}
    problems = []
    for team in spec.teams:
        for level, names in team.responders:
            if not names:
                problems.append(document.problem(("teams", team.id, "responders", level),
                                                 f"team '{team.id}' names no responders for level '{level}', so its alerts would reach no one",
                                                 "name responders, or remove the entry to use the level's own"))
            elif level not in raised[team.id]:
                levels = [known.name for known in spec.escalation.levels if known.name in raised[team.id]]
                problems.append(document.problem(("teams", team.id, "responders", level),
                                                 f"unreachable route: no indicator of team '{team.id}' raises level '{level}'",
                                                 f"its indicators raise {', '.join(levels) or 'nothing'}; "
                                                 f"remove these responders or add the threshold that raises '{level}'"))
    used = {r for level in spec.escalation.levels for r in level.responders} | {
        r for team in spec.teams for _, names in team.responders for r in names}
    for responder in spec.responders:
        if responder.id not in used:
            problem = document.problem(("responders", responder.id), f"responder '{responder.id}' is not notified by any level or team",
                                       "name it in escalation.levels.<level>.responders or teams.<team>.responders")
            problems.append(dataclasses.replace(problem, severity="warning"))
    return problems


def _business_hours(document: Document, hours: BusinessHours | None) -> list[Finding]:
    if hours is None:
        return []
    here = hours.path
    problems = []
    if "location" in hours.written:
        try:
            zoneinfo.ZoneInfo(hours.location)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(document.problem(here + ("location",), f"unknown time zone '{hours.location}'",
                                             "use an IANA name such as Europe/London or America/New_York"))
    for number, days in enumerate(hours.weekdays):
        # Alertmanager lowercases a weekday but does not strip it: ' friday' is refused
        if not all(day.lower() in WEEKDAYS for day in days.split(":")) or days.count(":") > 1:
            problems.append(document.problem(here + ("weekdays", number), f"'{days}' is not a weekday or a range such as monday:friday",
                                             _weekdays_meant(days)))
    for span in hours.times:
        start, end = _TIME.match(span.start), _TIME.match(span.end)
        for field, text, match in (("start", span.start, start), ("end", span.end, end)):
            if not match:
                problems.append(document.problem(span.path + (field,), f"'{text}' is not a time of day",
                                                 "write HH:MM from 00:00 to 24:00, in quotes, e.g. \"09:00\""))
        if start and end and span.start >= span.end:
            problems.append(document.problem(span.path, f"the interval ends ({span.end}) before it starts ({span.start})"))
    for number, day in enumerate(hours.holidays):
        try:
            datetime.date.fromisoformat(day)
        except ValueError:
            problems.append(document.problem(here + ("holidays", number), f"'{day}' is not a date"))
    return problems


def after_hours(document: Document, spec: Spec) -> list[Finding]:
    """On the built model, where a level escalates to the next alerting one as the rules do: a
    warning where a business-hours level escalates, before business hours come back, to a level
    notified at any hour. Its escalate_after counts every hour, so an alert raised after hours,
    whose own notification waits for the morning, pages the next level at night."""
    hours = spec.escalation.business_hours
    if hours is None:
        return []
    closed = _longest_closed(hours)
    return [dataclasses.replace(document.problem(
        ("escalation", "levels", step.lower.name, "escalate_after"),
        f"'{step.lower.name}' is notified in business hours only, but escalates to '{step.higher.name}' (notified at any hour) "
        f"after {durations.text(step.after)} of any hours: an alert raised after hours pages '{step.higher.name}' before "
        f"anyone was told of it",
        f"escalate_after counts all hours; make it longer than the longest time business hours are closed "
        f"({durations.text(closed)}), or give '{step.higher.name}' business hours too"), severity="warning")
        for step in spec.escalation.escalating
        if step.lower.business_hours and not step.higher.business_hours and step.after < closed]


def _longest_closed(hours: BuiltHours) -> float:
    """The longest stretch of a week outside business hours (valid ones: _business_hours checked
    them), in seconds, holidays aside; a week when they are never open."""
    days = set()
    for entry in hours.weekdays:
        first, _, last = entry.lower().partition(":")
        days |= set(range(WEEKDAYS.index(first), WEEKDAYS.index(last or first) + 1))
    week = [False] * (7 * 1440)
    for day in days:
        for span in hours.times:
            start, end = (int(text[:2]) * 60 + int(text[3:]) for text in span)
            week[day * 1440 + start:day * 1440 + end] = [True] * (end - start)
    if not any(week):
        return 7 * 86400.0
    opened = week.index(True)
    longest = run = 0
    for open_now in week[opened:] + week[:opened]:  # from an open minute, so a closed stretch never wraps
        run = 0 if open_now else run + 1
        longest = max(longest, run)
    return longest * 60.0
