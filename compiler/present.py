"""How values and thresholds read to people, shared by docs, panel descriptions, alert
annotations and reports so that all of them say the same thing."""

from __future__ import annotations

from compiler import durations
from compiler.model import Baseline, Indicator, Override, Threshold, Trend


def value(indicator: Indicator, number: float) -> str:
    """0.8 -> 80% for ratios; 1209600 -> 14 days for seconds."""
    if indicator.unit == "ratio":
        return f"{number * 100:.4g}%"
    if indicator.unit == "percent":
        return f"{number:.4g}%"
    if indicator.unit == "seconds":
        return _seconds(number)
    if indicator.unit == "days":
        return f"{number:g} day{'s' if number != 1 else ''}"
    return f"{number:.4g}"


def _seconds(number: float) -> str:
    if 0 < number < 1:
        return f"{number * 1000:.3g}ms"
    size, unit = next(((size, unit) for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)) if number >= size), (1, "s"))
    if number % size == 0:  # a threshold such as 14d or 90m
        return durations.human(number)
    # a measured duration (a quantile, an age): three figures in the largest unit it reaches
    return f"{number / size:.3g} {unit}" if size > 1 else f"{number:.3g}s"


def change(indicator: Indicator, difference: float) -> str:
    """A week-over-week difference in the indicator's unit: '+2.22 pts' (of a percentage), '-2 days'."""
    sign = "+" if difference > 0 else "-" if difference < 0 else "±"
    if indicator.unit in ("ratio", "percent"):
        return f"{sign}{abs(difference) * (100 if indicator.unit == 'ratio' else 1):.3g} pts"
    return sign + value(indicator, abs(difference))


def _qualifier(indicator: Indicator) -> str:
    if isinstance(indicator.measure, Trend):
        return " change"
    if isinstance(indicator.measure, Baseline):
        return " vs baseline"
    return ""


def met(indicator: Indicator, number: float) -> str:
    """What meeting a threshold means: '≥ 80%'."""
    sign = "≥" if indicator.good == "higher" else "≤"
    return f"{sign} {value(indicator, number)}{_qualifier(indicator)}"


def breached(indicator: Indicator, number: float) -> str:
    """What crossing a threshold means: '< 50%'."""
    return f"{indicator.breach_operator} {value(indicator, number)}{_qualifier(indicator)}"


def level_rule(indicator: Indicator, threshold: Threshold) -> str:
    """'red when < 50% for 7 days'."""
    hold = f" for {durations.human(threshold.for_seconds)}" if threshold.for_seconds else ""
    return f"{threshold.level} when {breached(indicator, threshold.value)}{hold}"


def override_rule(indicator: Indicator, override: Override) -> str:
    """'model=fraud-detector: yellow when > 100ms for 1 day, red when > 200ms for 6 hours'."""
    when = ", ".join(f"{label}={value}" for label, value in override.when)
    return f"{when}: " + ", ".join(level_rule(indicator, t) for t in override.thresholds)
