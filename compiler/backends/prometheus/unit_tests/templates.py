"""Alert annotations as Prometheus prints them: the Go template actions the rules use
(`$value` through humanizePercentage, humanizeDuration or `printf "%.4g"`,
`$labels.x`, optionally through urlquery, and the quoted characters that escape spec text),
rendered here the way Prometheus 2.x renders them, so that a test states the exact text a
responder reads."""

from __future__ import annotations

import math
import re
import urllib.parse

ACTION = re.compile(r"\{\{ (.*?) \}\}")
_SMALL = ("m", "u", "n", "p", "f", "a", "z", "y")


def _go(value: float, suffix: str = "") -> str:
    """Go's %.4g: the form Python prints for 4 significant digits, but for Go's names of the
    non-finite values."""
    if math.isnan(value):
        return f"NaN{suffix}"
    if math.isinf(value):
        return f"{'+' if value > 0 else '-'}Inf{suffix}"
    return f"{value:.4g}{suffix}"


def _scaled_down(value: float) -> tuple[float, str]:
    prefix = ""
    for candidate in _SMALL:
        if abs(value) >= 1:
            break
        prefix, value = candidate, value * 1000
    return value, prefix


def humanize_percentage(value: float) -> str:
    return _go(value * 100, "%")


def humanize_duration(value: float) -> str:
    if value == 0:
        return _go(value, "s")
    if abs(value) >= 1:
        sign = "-" if value < 0 else ""
        whole = int(abs(value))
        seconds, minutes, hours, days = whole % 60, whole // 60 % 60, whole // 3600 % 24, whole // 86400
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{abs(value):.4g}s"
    value, prefix = _scaled_down(value)
    return _go(value, f"{prefix}s")


FUNCTIONS = {"humanizePercentage": humanize_percentage, "humanizeDuration": humanize_duration}
PRINTF = 'printf "%.4g" $value'


def render(text: str, value: float, labels: dict[str, str]) -> str:
    """The text with every template action replaced by what Prometheus prints for it."""
    def action(found: re.Match) -> str:
        body = found.group(1)
        if body.startswith('"'):
            return body[1:-1]
        if body.startswith("$labels."):
            name, _, function = body.removeprefix("$labels.").partition(" | ")
            found_value = labels.get(name, "")
            # Go's urlquery is QueryEscape: spaces become '+', all but letters, digits and -_.~ escaped
            return urllib.parse.quote_plus(found_value, safe="-_.~") if function == "urlquery" else found_value
        if body == PRINTF:
            return _go(value)
        function = body.split("|")[1].strip()  # otherwise the rules humanize $value
        return FUNCTIONS[function](value)
    return ACTION.sub(action, text)
