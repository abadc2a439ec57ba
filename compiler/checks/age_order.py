"""An age grows one second per second, so an `age` threshold held for `for` is reached at the
age value + for, and the levels fire in that order, not in the order of their values. A less
severe threshold reached no earlier than a more severe one can never notify: it fires only
after the more severe level, which mutes it. Without the check a freshness target of 6h held
for the default 1d (reached at 30h) under a warning sign of 24h for 1h (25h) never raised
yellow: red came first. A warning: the spec compiles, but a level is dead."""

from __future__ import annotations

import dataclasses

from compiler import durations
from compiler.loader import Document, Path
from compiler.problems import Finding
from compiler.spec_types import Spec, Threshold


def check(document: Document, typed: Spec) -> list[Finding]:
    problems: list[Finding] = []
    for indicator in typed.indicators:
        if indicator.measure.form != "age" or indicator.good != "lower":
            continue  # only a lower-is-good age climbs through its thresholds with the clock
        problems += _reached(document, indicator.thresholds, indicator.path, "")
        for override in indicator.overrides:
            when = ", ".join(f"{label}={value}" for label, value in override.when)
            problems += _reached(document, override.thresholds, override.path, f" of the override for {when}")
    return problems


def _reached(document: Document, thresholds: tuple[Threshold, ...], here: Path, whose: str) -> list[Finding]:
    """A finding for each threshold a more severe one is reached no later than (the earliest such
    one named); an override's only for a threshold it writes itself, or one it makes muted."""
    problems = []
    for position, less in enumerate(thresholds):
        muting = [worse for worse in thresholds[position + 1:] if _mutes(worse, less)]
        if not muting or (here != less.path[:len(here)] and all(here != worse.path[:len(here)] for worse in muting)):
            continue  # an override's inherited pair is the indicator's finding
        worse = min(muting, key=_at)
        shorter = _at(worse) - less.number
        problems.append(dataclasses.replace(document.problem(
            _deciding(document, less, here),
            f"the {less.name}{whose} {_held(less)} is reached at an age of {durations.text(_at(less))}, no earlier than the "
            f"{worse.name} {_held(worse)} at {durations.text(_at(worse))}: an age grows with the clock, so the {less.name}'s "
            f"level would fire only after the {worse.name}'s, which mutes it: it never notifies",
            f"give the {less.name} a shorter for: under {durations.text(shorter)} (for: 0s raises it at "
            f"{durations.text(less.number)}), or the {worse.name} a longer one"), severity="warning"))
    return problems


def _at(threshold: Threshold) -> float:
    """The age at which a threshold's alert fires: its value, then its `for`."""
    return threshold.number + threshold.for_seconds


def _mutes(worse: Threshold, less: Threshold) -> bool:
    """Whether the more severe threshold fires no later than the less severe one. Not when the
    values are out of order (the thresholds check's error) or equal with the more severe held no
    longer: the compiler drops the less severe one then, as it documents (straight to red)."""
    if worse.number < less.number or (worse.number == less.number and worse.for_seconds <= less.for_seconds):
        return False
    return _at(worse) <= _at(less)


def _held(threshold: Threshold) -> str:
    return f"({durations.text(threshold.number)} for {durations.text(threshold.for_seconds)})"


def _deciding(document: Document, threshold: Threshold, here: Path) -> Path:
    """The `for` that decides: the threshold's own, else (an override's value alone) the
    indicator's of that threshold, else the default one, else the threshold; an override's
    inherited threshold at the override, which judges by it."""
    if threshold.path[:len(here)] != here:
        return here
    for path in (threshold.path + ("for",), threshold.path[:2] + (threshold.name, "for"), ("defaults", "for", threshold.name)):
        if path in document.values:
            return path
    return threshold.path
