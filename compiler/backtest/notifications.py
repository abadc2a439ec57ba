"""Who would have been notified, and when: the firing intervals walked through the generated
Alertmanager config (the route tree as `walk.route` walks it, inhibition rules, time intervals
and timers).

An estimate, and what it assumes: each alert series is its own notification group (the
generated `group_by` holds the alert name and every identifying label); the first notification
goes out `group_wait` after the alert starts firing, then Alertmanager looks every
`group_interval` and re-sends once `repeat_interval` has passed since the last one; a look
outside the leaf's `active_time_intervals`, inside its `mute_time_intervals`, or while a
source alert of an inhibition rule fires, sends nothing. Firing notifications are counted;
resolved messages are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from compiler import durations
from compiler.backends.alertmanager.routing import MONTHS
from compiler.backends.alertmanager.walk import matches, route
from compiler.backtest.history import Firing

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Notification:
    receiver: str
    at: float
    firing: Firing


def labels_of(found: Firing) -> dict[str, str]:
    return {"alertname": found.alertname, **dict(found.labels)}


def reached(config: dict, firing: list[Firing]) -> list[tuple[str, Firing]]:
    """(receiver, alert) for every receiver the route tree sends each firing alert to, muted or not."""
    return [(leaf["receiver"], found) for found in firing for leaf in route(config, labels_of(found))]


def notifications(config: dict, firing: list[Firing]) -> list[Notification]:
    """Every firing notification each receiver would have had, in time order."""
    intervals = {entry["name"]: entry["time_intervals"] for entry in config.get("time_intervals") or []}
    sources = _sources(config.get("inhibit_rules") or [], firing)
    sent = []
    for found in firing:
        labels = labels_of(found)
        muting = [other for other in _muting(sources, labels) if other is not found]
        for leaf in route(config, labels):
            wait, every, repeat = (durations.seconds(leaf[key]) for key in ("group_wait", "group_interval", "repeat_interval"))
            last = None
            look = found.start + wait
            while look < found.end:
                quiet = (leaf.get("active_time_intervals") and not _within(intervals, leaf["active_time_intervals"], look)
                         or leaf.get("mute_time_intervals") and _within(intervals, leaf["mute_time_intervals"], look)
                         or any(other.start <= look < other.end for other in muting))
                if not quiet and (last is None or look - last >= repeat):
                    sent.append(Notification(leaf["receiver"], look, found))
                    last = look
                look += every
    return sorted(sent, key=lambda n: (n.at, n.receiver, n.firing.alertname, n.firing.labels))


def _sources(rules: list[dict], firing: list[Firing]) -> list[tuple[dict, dict[tuple, list[Firing]]]]:
    """Per inhibition rule, the alerts its source matchers take, by their values of its `equal`
    labels: a target finds the alerts that can mute it in one look, not by pairing every two."""
    found = []
    for rule in rules:
        by_key: dict[tuple, list[Firing]] = {}
        for other in firing:
            labels = labels_of(other)
            if all(matches(m, labels) for m in rule.get("source_matchers") or []):
                by_key.setdefault(_key(rule, labels), []).append(other)
        found.append((rule, by_key))
    return found


def _muting(sources: list[tuple[dict, dict[tuple, list[Firing]]]], target: dict[str, str]) -> list[Firing]:
    return [other for rule, by_key in sources if all(matches(m, target) for m in rule.get("target_matchers") or [])
            for other in by_key.get(_key(rule, target), [])]


def _key(rule: dict, labels: dict[str, str]) -> tuple[str, ...]:
    return tuple(labels.get(label, "") for label in rule.get("equal") or [])  # Alertmanager: a missing label equals ""


def _within(intervals: dict[str, list[dict]], names: list[str], t: float) -> bool:
    return any(_matches_interval(entry, t) for name in names for entry in intervals.get(name, []))


def _matches_interval(entry: dict, t: float) -> bool:
    """Alertmanager's time interval at unix time `t` (weekdays, times, days_of_month, months,
    years, location: the parts the compiler writes)."""
    local = datetime.fromtimestamp(t, ZoneInfo(entry.get("location", "UTC")))
    if "weekdays" in entry and not any(_in_range(WEEKDAYS, part, local.weekday()) for part in entry["weekdays"]):
        return False
    if "months" in entry and not any(_in_range(MONTHS, part, local.month - 1) for part in entry["months"]):
        return False
    if "days_of_month" in entry and str(local.day) not in entry["days_of_month"]:
        return False
    if "years" in entry and str(local.year) not in entry["years"]:
        return False
    minute = local.hour * 60 + local.minute
    return "times" not in entry or any(_minutes(span["start_time"]) <= minute < _minutes(span["end_time"]) for span in entry["times"])


def _in_range(names: tuple[str, ...], part: str, index: int) -> bool:
    first, _, last = part.partition(":")
    return names.index(first) <= index <= names.index(last or first)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)
