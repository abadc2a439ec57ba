"""How values and thresholds read to people, shared by docs, panel descriptions, dashboards,
alert annotations and reports so that all of them say the same thing.

A threshold reads exactly as the spec wrote it. A measured value reads at a resolution: four
significant figures (three for a duration, in the largest unit it reaches), as Prometheus'
`humanize*` and Go's `%.4g` print it, in fixed point, and nothing below `RESIDUE` of its unit,
which is float residue (a flat trend computed as -2.5e-13 reads 0%, never -0%). A change between
two values is the difference of what they read, so it is never finer than either shows."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from compiler import durations
from compiler.model import Indicator, Override, Threshold

SIGNIFICANT = 4
RESIDUE = 1e-9
EXACT = 10  # significant figures of a threshold: every number a spec writes
_DURATION_UNITS = ((86400, " day"), (3600, " hour"), (60, " minute"), (1, "s"))

# Alert descriptions print the value with Go template functions that Prometheus and vmalert
# both have; `humanize` would print a score of 0.45 as 450m.
_PRINTF = '{{ printf "%.4g" $value }}'
TEMPLATES = {"ratio": "{{ $value | humanizePercentage }}", "seconds": "{{ $value | humanizeDuration }}",
             "percent": _PRINTF + "%", "days": _PRINTF + " days", "count": _PRINTF, "score": _PRINTF}


@dataclass(frozen=True)
class Shown:
    """A number as it reads: `number` units of `scale` each, rounded to `decimals` places."""

    number: float
    decimals: int
    scale: float = 1.0
    unit: str = ""  # what follows the number: '%', ' day', 'ms', '/100'
    plural: bool = False  # the unit is a word: 's' unless the number is 1
    per_change: str | None = None  # the word that follows a difference, when not the unit: ' pt' of a percentage
    zeros: bool = False  # keep trailing zeros ('1.50x'), else strip them ('80%')

    @property
    def text(self) -> str:
        return _fixed(self.number, self.decimals, self.zeros) + self._unit(self.number, self.unit, self.plural)

    def _unit(self, number: float, unit: str, plural: bool) -> str:
        return unit + ("s" if plural and number != 1 else "")

    def change(self, before: float, good: str) -> tuple[str, str]:
        """From `before` to this: ('↑ +2.22 pts (better)', 'better'), or ('unchanged', 'same')
        when both read the same at this value's resolution."""
        delta = round(self.number - round(before / self.scale, self.decimals), self.decimals)
        if delta == 0:
            return "unchanged", "same"
        direction = "better" if (delta > 0) == (good == "higher") else "worse"
        size = abs(delta)
        unit = self._unit(size, self.unit, self.plural) if self.per_change is None else self._unit(size, self.per_change, True)
        text = f"{'↑ +' if delta > 0 else '↓ -'}{_fixed(size, self.decimals, self.zeros)}{unit}"
        return f"{text} ({direction})", direction


def _fixed(number: float, decimals: int, zeros: bool = False) -> str:
    text = f"{round(number, decimals) + 0.0:.{decimals}f}"  # + 0.0: -0.0 reads 0
    return text if zeros or "." not in text else text.rstrip("0").rstrip(".")


def _significant(number: float, figures: int) -> int:
    """Decimal places that keep `figures` significant figures of `number` (none beyond them)."""
    return 0 if number == 0 else max(0, figures - 1 - math.floor(math.log10(abs(number))))


def _settled(number: float) -> float:
    return 0.0 if abs(number) < RESIDUE else number


def shown(indicator: Indicator, number: float) -> Shown:
    """A measured value: 0.71111 -> 71.11%; 1563840 -> 18.1 days; 0.45 -> 0.45."""
    number = _settled(number)
    if indicator.unit in ("ratio", "percent"):
        scale = 0.01 if indicator.unit == "ratio" else 1.0
        return _at(number, scale, SIGNIFICANT, "%", per_change=" pt")
    if indicator.unit == "seconds":
        size, unit = (0.001, "ms") if 0 < abs(number) < 1 else next(
            ((size, unit) for size, unit in _DURATION_UNITS if abs(number) >= size), (1, "s"))
        return _at(number, size, SIGNIFICANT - 1, unit, plural=unit.startswith(" "))
    if indicator.unit == "days":
        return _at(number, 1.0, SIGNIFICANT, " day", plural=True)
    return _at(number, 1.0, SIGNIFICANT)


def _at(number: float, scale: float, figures: int, unit: str = "", **how) -> Shown:
    decimals = _significant(number / scale, figures)
    return Shown(round(number / scale, decimals), decimals, scale, unit, **how)


def value(indicator: Indicator, number: float) -> str:
    return shown(indicator, number).text


def template(indicator: Indicator) -> str:
    """The Go template that prints the alert's value in the indicator's unit."""
    return TEMPLATES[indicator.unit]


def score(number: float) -> Shown:
    """A 0-100 health score: 85/100, 83.3/100; a change in points."""
    return Shown(round(_settled(number), 1), 1, unit="/100", per_change=" pt")


def multiplier(number: float) -> Shown:
    """The ROI multiplier: 1.50x."""
    return Shown(round(_settled(number), 2), 2, unit="x", zeros=True)


def weight(fraction: float) -> str:
    """A scorecard weight as written: 0.25 -> 25%."""
    return f"{fraction * 100:.{EXACT}g}%"


def decimals(indicator: Indicator) -> int | None:
    """Decimal places a dashboard shows: those of the finest threshold (in the unit shown) and one
    more, so a value just past one reads differently from it; whole counts of events none.
    None for durations, whose unit Grafana scales (minutes, days)."""
    if indicator.unit == "seconds":
        return None
    if indicator.measure.whole:
        return 0
    scale = 100 if indicator.unit == "ratio" else 1
    limits = [indicator.target, indicator.warning, *(t.value for t in indicator.thresholds),
              *(t.value for o in indicator.overrides for t in o.thresholds)]
    places = max(_places(limit * scale) for limit in limits)
    return min(places + 1, SIGNIFICANT)


def _places(number: float) -> int:
    text = f"{number:.{EXACT}g}"
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def limit(indicator: Indicator, number: float) -> str:
    """A threshold as the spec wrote it: 0.999 -> 99.9%; 1209600 -> 14 days; 0.25 -> 250ms."""
    written = _IN_UNIT.get(indicator.unit)
    return written(number) if written else f"{number:.{EXACT}g}"


def compared(indicator: Indicator, number: float) -> str:
    """A threshold alert's comparison as `indicators diff` shows it: in the unit (`> 250ms`,
    `< 99.9%`), so a reviewer need not convert; a count as the bare number the rule compares against."""
    if indicator.unit in _IN_UNIT:
        return breached(indicator, number)
    return f"{indicator.breach_operator} {number:.12g}"


def _duration(number: float) -> str:
    """14 days, 90 minutes, 250ms; 1m30s500ms when no one unit is whole."""
    return f"{number * 1000:.{EXACT}g}ms" if 0 < number < 1 else durations.human(number)


# The units a threshold is written in as more than its number.
_IN_UNIT: dict[str, Callable[[float], str]] = {
    "ratio": lambda number: f"{number * 100:.{EXACT}g}%",
    "percent": lambda number: f"{number:.{EXACT}g}%",
    "seconds": _duration,
    "days": lambda number: f"{number:.{EXACT}g} day{'s' if number != 1 else ''}",
}


def met(indicator: Indicator, number: float) -> str:
    """What meeting a threshold means: '≥ 80%'."""
    sign = "≥" if indicator.good == "higher" else "≤"
    return f"{sign} {limit(indicator, number)}{indicator.measure.qualifier}"


def breached(indicator: Indicator, number: float) -> str:
    """What crossing a threshold means: '< 50%'."""
    return f"{indicator.breach_operator} {limit(indicator, number)}{indicator.measure.qualifier}"


def level_rule(indicator: Indicator, threshold: Threshold) -> str:
    """'red when < 50% for 7 days'."""
    hold = f" for {durations.human(threshold.for_seconds)}" if threshold.for_seconds else ""
    return f"{threshold.level} when {breached(indicator, threshold.value)}{hold}"


def override_rule(indicator: Indicator, override: Override) -> str:
    """'model=fraud-detector: yellow when > 100ms for 1 day, red when > 200ms for 6 hours'."""
    when = ", ".join(f"{label}={value}" for label, value in override.when)
    return f"{when}: " + ", ".join(level_rule(indicator, t) for t in override.thresholds)


class Markdown(str):
    """Text that is already Markdown, written by the compiler: shown as it is, never escaped again."""


# What would turn text into markup: a backslash (it would undo the escapes), a backtick (a code
# span), a pipe (a table cell), brackets (a link or image), `<` starting a tag or comment, `&`
# starting an entity; and characters that are not printable (a newline would end a table row).
_MARKUP = re.compile(r"[\\`|\[\]]|<(?=[A-Za-z/!?])|&(?=[A-Za-z#])|[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ENTITIES = {"<": "&lt;", "&": "&amp;"}


def markdown(text: object) -> Markdown:
    """Any text from the spec or from Prometheus as Markdown shows it, on one line: `<script>`
    reads as written, `a | b` stays in its table cell, a control character shows as its escape."""
    if isinstance(text, Markdown):
        return text
    plain = str(text)
    # most text holds no markup: a search finds that without sub's bookkeeping (the catalogue at
    # 10,000 indicators asks 110,000 times)
    return Markdown(plain if _MARKUP.search(plain) is None else _MARKUP.sub(_escaped, plain))


def _escaped(found: re.Match) -> str:
    char = found.group()
    if char in _ENTITIES:
        return _ENTITIES[char]
    if char in "\n\r\t":
        return " "
    if not char.isprintable():
        return "\\" + repr(char)[1:-1]  # '\x07' as the text \x07, its backslash escaped
    return "\\" + char


def link(url: str) -> Markdown:
    """A URL as a Markdown link's destination: every character that could end it or the table
    cell it is in (space, parentheses, brackets, quotes, pipe, angle brackets) percent-encoded."""
    return Markdown(quote(url, safe=":/?#@!$&*+,;=%~-._"))


def code(text: str) -> Markdown:
    """Text in a code span: fenced by more backticks than it holds, its pipes escaped as a GFM
    table cell wants them (a code span does not read backslash escapes otherwise)."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    line = "".join(char if char.isprintable() else " " for char in text)  # a code span is one line too
    return Markdown(f"{fence}{pad}{line.replace('|', chr(92) + '|')}{pad}{fence}")


_TEMPLATE_OPENER = re.compile(r"%(?=\{)|\{")


def template_literal(text: str) -> str:
    """User text that Prometheus and Alertmanager print as written, though they read it as a Go
    template: every `{` becomes a template action that prints it, and a `%` before one is printed
    the same way (vmalert reads `%{` as an environment placeholder)."""
    if "{" not in text:  # nearly all text: nothing to escape, and no regex to run 300k times per plan
        return text
    return _TEMPLATE_OPENER.sub(lambda found: f'{{{{ "{found.group()}" }}}}', text)


def per_week(count: int, seconds: float) -> Shown:
    """A count over a span as a weekly rate: 3 in 14 days reads 1.5/week."""
    return Shown(count / (seconds / 604800) if seconds else 0.0, 1, unit="/week")
