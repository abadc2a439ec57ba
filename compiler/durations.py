"""Prometheus durations: parsing spec text and writing canonical text back."""

from __future__ import annotations

import functools
import re

_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
_PART = re.compile(r"([0-9]+)(ms|y|w|d|h|m|s)")
# Prometheus' own: each unit at most once, largest first, so `1m4m` or `5m1h` is rejected as
# promtool rejects it. The JSON Schema carries the same pattern (a test keeps them equal); its `$`
# is the end of the text, as ECMA-262 reads it, so Python's `\Z` here.
PATTERN = r"^(?=[0-9])([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$"
DURATION = re.compile(PATTERN[:-1] + r"\Z")
LONGEST = (2**63 - 1) / 1e9  # seconds: Prometheus and Alertmanager hold a duration as int64 nanoseconds (292y)


def is_duration(text: object) -> bool:
    return isinstance(text, str) and bool(DURATION.match(text))


@functools.lru_cache(maxsize=4096)  # pure, and a spec writes a few windows and `for`s: typed spec, model and rule plan read 75k at 10,000 indicators
def seconds(text: str) -> float:
    """'1h30m' -> 5400. The caller has checked `is_duration`."""
    total = sum(int(number) * _UNITS[unit] for number, unit in _PART.findall(text))
    return int(total) if total == int(total) else total


@functools.lru_cache(maxsize=4096)  # pure, and a plan asks for the same few windows and `for`s 140k times at 10,000 indicators
def text(value: float) -> str:
    """5400 -> '1h30m'; 1209600 -> '14d'. Days are the largest unit: '14d' reads better than '2w'."""
    if value == 0:
        return "0s"
    millis = round(value * 1000)
    parts = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        count, millis = divmod(millis, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def human(value: float) -> str:
    """For prose: 14 days, 4 hours, 5 minutes."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if value >= size and value % size == 0:
            count = int(value // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return text(value)
