"""Input series that hold an indicator at a chosen value, and the value they yield computed in
plain arithmetic (never by evaluating the rules' PromQL): the toolkit each measure form's
`inputs` (compiler/measures/) builds them with.

Counters grow by a fixed amount per sample (`0+Nx<steps>`), gauges hold (`Vx<steps>`). A form
whose value cannot be set from outside returns None: the spec's `tests:` cover it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from compiler.backends.prometheus.measures import LONG_WINDOW, literal
from compiler.measures import is_counter
from compiler.model import Indicator, Selector, Spec

STEP = 60  # seconds between input samples (each test group's `interval`)
SETTLE = 300  # margin after a window fills until its value holds (5m, Prometheus' default look-back)
VOLUME = 1000  # a denominator's or total's growth per sample: enough for any sensible min_volume


@dataclass(frozen=True)
class Inputs:
    series: tuple[tuple[str, str], ...]  # (series with labels, promtool values notation)
    value: float  # the indicator's recorded value once warmed up
    warmup: float  # seconds until the recorded value is `value`


def series_text(metric: str, labels: dict[str, str]) -> str:
    """A series in promtool's notation, its label values quoted as the rules quote them."""
    selector = Selector(metric, tuple((name, "=", value) for name, value in sorted(labels.items())))
    return selector.text() if labels else f"{metric}{{}}"


def matches(selector: Selector, labels: dict[str, str]) -> bool:
    """Whether a series with `labels` is selected (label matchers only; the name is checked apart)."""
    for label, operator, wanted in selector.matchers:
        value = labels.get(label, "")
        found = {"=": value == wanted, "!=": value != wanted,
                 "=~": re.fullmatch(wanted, value) is not None, "!~": re.fullmatch(wanted, value) is None}[operator]
        if not found:
            return False
    return True


def concrete(selector: Selector, labels: dict[str, str]) -> dict[str, str] | None:
    """Labels of one series the selector selects, with the data labels; None if none can be chosen."""
    found = dict(labels)
    for label, operator, wanted in selector.matchers:
        if label in labels:
            continue
        if operator == "=":
            found[label] = wanted
        elif operator == "=~":
            found[label] = next((part for part in wanted.split("|") if re.fullmatch(wanted, part)), "")
        else:
            found[label] = f"unit-test-{label}"
    return found if matches(selector, found) else None


def counter(per_step: float, steps: int) -> str:
    return f"0+{literal(per_step)}x{steps}"


def gauge(value: float, steps: int) -> str:
    return f"{literal(value)}+0x{steps}"


def warmup(window: float, counts: bool = False) -> float:
    """Short windows fill from the first sample; long ones read the hourly rollups recorded
    from the first step on, whose ratios hold from the start, and whose `counts` (events over
    the window) fill as the window does."""
    return float(SETTLE) if window >= LONG_WINDOW and not counts else window + SETTLE


class Maker:
    """Series of one indicator at one label set, for a run of `steps` samples."""

    def __init__(self, spec: Spec, indicator: Indicator, labels: dict[str, str], steps: int):
        self.spec, self.indicator, self.labels, self.steps = spec, indicator, labels, steps
        self.series: list[tuple[str, str]] = []

    def add(self, selector: Selector, values: str, suffix: str = "", extra: dict[str, str] | None = None) -> bool:
        labels = concrete(selector, self.labels)
        if labels is None:
            return False
        self.series.append((series_text(selector.metric + suffix, labels | (extra or {})), values))
        return True

    def amount(self, selector: Selector, per_step: float) -> str:
        return counter(per_step, self.steps) if is_counter(self.spec, selector) else gauge(per_step, self.steps)

    def pair(self, part: Selector, whole: Selector, part_amount: float, whole_amount: float) -> bool:
        """A part and a whole; when the whole's selector also selects the part's series, the rest
        of the whole is a second series the part's selector does not select."""
        part_labels = concrete(part, self.labels)
        if part_labels is None or not self.add(part, self.amount(part, part_amount)):
            return False
        if part.metric != whole.metric or not matches(whole, part_labels):
            return self.add(whole, self.amount(whole, whole_amount))
        rest = whole_amount - part_amount
        for label, operator, wanted in part.matchers:
            other = part_labels | {label: f"{wanted}-other" if operator == "=" else wanted}
            if label not in self.labels and matches(whole, other) and not matches(part, other):
                if rest < 0:
                    return False
                self.series.append((series_text(whole.metric, other), self.amount(whole, rest)))
                return True
        return False

    def done(self, value: float, warmup: float) -> Inputs:
        return Inputs(tuple(sorted(self.series)), value, warmup)


def inputs(spec: Spec, indicator: Indicator, labels: dict[str, str], wanted: float, steps: int) -> Inputs | None:
    """Series that hold the indicator at (or, for a histogram, near) `wanted`, for `steps` samples."""
    return indicator.measure.inputs(Maker(spec, indicator, labels, steps), wanted)


def quantile_of(q: float, buckets: list[tuple[float, float]]) -> float:
    """Prometheus' histogram_quantile over (upper bound, cumulative count) pairs ending in +Inf."""
    total = buckets[-1][1]
    rank = q * total
    index = next(i for i, (_, count) in enumerate(buckets) if count >= rank)
    if index == len(buckets) - 1:
        return buckets[-2][0]
    start, below = (0.0, 0.0) if index == 0 else buckets[index - 1]
    end, count = buckets[index]
    return start + (end - start) * (rank - below) / (count - below)
