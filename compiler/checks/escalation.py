"""The escalation matrix can deliver: every alerting level has responders who have channels,
every route to a responder can be taken, and business hours are well formed."""

from __future__ import annotations

import dataclasses
import datetime
import re
import zoneinfo

from compiler import conventions, durations
from compiler.loader import Document
from compiler.model import SEVERITY_ORDER, Spec
from compiler.problems import Finding

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)\Z")  # Alertmanager's range: 00:00 to 24:00
RANKS = {threshold: rank for rank, threshold in enumerate(SEVERITY_ORDER)}


def check(document: Document) -> list[Finding]:
    data = document.data
    escalation = data.get("escalation")
    if not escalation:
        return [document.problem((), "missing required section 'escalation'", "see the escalation matrix in the README")]
    levels = escalation.get("levels") or {}
    problems: list[Finding] = []
    if not any(level.get("threshold") for level in levels.values()):
        problems.append(document.problem(("escalation", "levels"), "no level raises alerts, so nothing can be routed",
                                         "give levels a 'threshold' (target, warning, critical)"))
    seen: dict[str, str] = {}
    raised = {RANKS[level["threshold"]] for level in levels.values() if level.get("threshold") in RANKS}
    for name, level in levels.items():
        problems += _level(document, name, level, seen, raised)
    problems += _channels(document, data)
    return problems + _business_hours(document, escalation.get("business_hours"))


def _level(document: Document, name: str, level: dict, seen: dict[str, str], raised: set[int]) -> list[Finding]:
    """One level: a threshold no other level has, what a level that raises alerts needs, timers
    Alertmanager accepts, responders for every team, and somewhere to escalate to."""
    here = ("escalation", "levels", name)
    threshold = level.get("threshold")
    if threshold is None:
        return [document.problem(here + ("responders",), "a level without a threshold raises no alert, so its responders are never notified",
                                 "give the level a 'threshold' or remove its responders")] if level.get("responders") else []
    problems = []
    if threshold in seen:
        problems.append(document.problem(here + ("threshold",), f"level '{seen[threshold]}' is already raised by the '{threshold}' threshold"))
    seen[threshold] = name
    problems += [document.problem(here, f"missing required field '{field}' for a level that raises alerts")
                 for field in ("severity", "response_time") if field not in level]
    problems += [document.problem(here + (field,), f"{field} must be longer than 0s: Alertmanager refuses a zero {setting}")
                 for field, setting in (("response_time", "repeat_interval"), ("group_interval", "group_interval"))
                 if durations.is_duration(level.get(field)) and durations.seconds(level[field]) == 0]
    teams = document.data.get("teams") or {}
    uncovered = [team for team, body in teams.items() if name not in (body.get("responders") or {})]
    if not level.get("responders") and (uncovered or not teams):
        problems.append(document.problem(here, f"level '{name}' has no responders",
                                         f"teams without their own: {', '.join(uncovered)}" if uncovered else "add 'responders'"))
    if level.get("business_hours") and "business_hours" not in document.data["escalation"]:
        problems.append(document.problem(here + ("business_hours",), "business hours are not defined", "add escalation.business_hours"))
    if "escalate_after" in level and not any(rank > RANKS[threshold] for rank in raised):
        problems.append(document.problem(here + ("escalate_after",), f"no level above '{name}' to escalate to"))
    return problems


def _channels(document: Document, data: dict) -> list[Finding]:
    """Every responder has channels, and an e-mail channel has a sender and smarthost."""
    problems = []
    for name, responder in (data.get("responders") or {}).items():
        if not responder.get("channels"):
            problems.append(document.problem(("responders", name, "channels"), f"responder '{name}' has no channels",
                                             "add a slack, pagerduty, email or webhook channel"))
        problems += [document.problem(("responders", name, "channels", number, "email"),
                                      "e-mail channels need notifications.email (sender and smarthost)")
                     for number, channel in enumerate(responder.get("channels") or [])
                     if "email" in channel and "email" not in (data.get("notifications") or {})]
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


def _business_hours(document: Document, hours: dict | None) -> list[Finding]:
    if not hours:
        return []
    here = ("escalation", "business_hours")
    problems = []
    if "location" in hours:
        try:
            zoneinfo.ZoneInfo(hours["location"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(document.problem(here + ("location",), f"unknown time zone '{hours['location']}'",
                                             "use an IANA name such as Europe/London or America/New_York"))
    for number, days in enumerate(hours["weekdays"]):
        # Alertmanager lowercases a weekday but does not strip it: ' friday' is refused
        if not all(day.lower() in WEEKDAYS for day in days.split(":")) or days.count(":") > 1:
            problems.append(document.problem(here + ("weekdays", number), f"'{days}' is not a weekday or a range such as monday:friday"))
    for number, span in enumerate(hours["times"]):
        start, end = _TIME.match(span["start"]), _TIME.match(span["end"])
        for field, match in (("start", start), ("end", end)):
            if not match:
                problems.append(document.problem(here + ("times", number, field), f"'{span[field]}' is not a time of day",
                                                 "write HH:MM from 00:00 to 24:00, in quotes, e.g. \"09:00\""))
        if start and end and span["start"] >= span["end"]:
            problems.append(document.problem(here + ("times", number), f"the interval ends ({span['end']}) before it starts ({span['start']})"))
    for number, day in enumerate(hours.get("holidays") or []):
        try:
            datetime.date.fromisoformat(day)
        except ValueError:
            problems.append(document.problem(here + ("holidays", number), f"'{day}' is not a date"))
    return problems
