"""Input series that hold an indicator at a chosen value, per measure form, and the value they
yield computed here in plain arithmetic (never by evaluating the rules' PromQL).

Counters grow by a fixed amount per sample (`0+Nx<steps>`), gauges hold (`Vx<steps>`), a
timestamp advances with the clock so that its age holds, and a histogram's buckets grow so
that the quantile lands where it should. Returns None for the forms whose value cannot be
set from outside (a user's `expr`; a `trend`, which holds only under exponential growth and
whose long windows read the newest recorded step a step late): their spec `tests:` cover them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from compiler.backends.prometheus import measures
from compiler.backends.prometheus.measures import LONG_WINDOW
from compiler.model import Age, Availability, Baseline, Gauge, Indicator, Quantile, Rate, Ratio, Selector, Spec, Zero

STEP = 60  # seconds between input samples (each test group's `interval`)
SETTLE = 300  # margin after a window fills until its value holds (5m, Prometheus' default look-back)
VOLUME = 1000  # a denominator's or total's growth per sample: enough for any sensible min_volume


@dataclass(frozen=True)
class Inputs:
    series: tuple[tuple[str, str], ...]  # (series with labels, promtool values notation)
    value: float  # the indicator's recorded value once warmed up
    warmup: float  # seconds until the recorded value is `value`


def number(value: float) -> str:
    return f"{value:.12g}"


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
    return f"0+{number(per_step)}x{steps}"


def gauge(value: float, steps: int) -> str:
    return f"{number(value)}+0x{steps}"


def _warmup(window: float) -> float:
    """Short windows fill from the first sample; long ones read the hourly rollups recorded
    from the first step on, whose ratios hold from the start."""
    return float(SETTLE) if window >= LONG_WINDOW else window + SETTLE


class Maker:
    """Series of one indicator at one label set, for a run of `steps` samples."""

    def __init__(self, spec: Spec, indicator: Indicator, labels: dict[str, str], steps: int):
        self.spec, self.indicator, self.labels, self.steps = spec, indicator, labels, steps
        self.series: list[tuple[str, str]] = []

    def is_counter(self, selector: Selector) -> bool:
        return measures.Value(self.spec, self.indicator).is_counter(selector)

    def add(self, selector: Selector, values: str, suffix: str = "", extra: dict[str, str] | None = None) -> bool:
        labels = concrete(selector, self.labels)
        if labels is None:
            return False
        self.series.append((series_text(selector.metric + suffix, labels | (extra or {})), values))
        return True

    def amount(self, selector: Selector, per_step: float) -> str:
        return counter(per_step, self.steps) if self.is_counter(selector) else gauge(per_step, self.steps)

    def pair(self, part: Selector, whole: Selector, part_amount: float, whole_amount: float) -> bool:
        """A part and a whole; when the whole's selector also selects the part's series, the rest
        of the whole is a second series the part's selector does not select."""
        if not self.add(part, self.amount(part, part_amount)):
            return False
        part_labels = concrete(part, self.labels)
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
    make = Maker(spec, indicator, labels, steps)
    measure = indicator.measure
    if isinstance(measure, Gauge):
        return make.done(wanted, STEP) if make.add(measure.series, gauge(wanted, steps)) else None
    if isinstance(measure, Baseline):
        baseline = float(VOLUME)
        ok = make.add(measure.baseline, gauge(baseline, steps)) and make.add(measure.series, gauge(baseline * (1 + wanted), steps))
        return make.done((baseline * (1 + wanted) - baseline) / baseline, STEP) if ok else None
    if isinstance(measure, Age):
        age = float(round(wanted))  # whole seconds: the clock and the timestamp stay exact
        return make.done(age, STEP) if make.add(measure.timestamp, f"{number(-age)}+{STEP}x{steps}") else None
    if isinstance(measure, Ratio):
        return _ratio(make, measure, wanted)
    if isinstance(measure, Rate):
        return _rate(make, measure.counter, measure.window, measure.function, measure.min_volume, wanted)
    if isinstance(measure, Zero):
        if not make.is_counter(measure.series) or wanted == 0:
            return make.done(wanted, STEP) if make.add(measure.series, gauge(wanted, steps)) else None
        # a labelled counter appears at its first events: counted at once, whatever the window
        whole = float(math.ceil(wanted))
        return make.done(whole, STEP) if wanted > 0 and make.add(measure.series, gauge(whole, steps)) else None
    if isinstance(measure, Availability):
        errors = wanted if indicator.good == "lower" else 1 - wanted
        return error_ratio(make, measure, errors)
    if isinstance(measure, Quantile):
        return _quantile(make, measure, wanted)
    return None


def error_ratio(make: Maker, measure: Availability, errors: float) -> Inputs | None:
    total = float(VOLUME) * 100
    failed = round(errors * total, 6)
    if not 0 <= failed <= total or not make.pair(measure.errors, measure.total, failed, total):
        return None
    ratio = failed / total
    value = ratio if make.indicator.good == "lower" else 1 - ratio
    return make.done(value, _warmup(min(burn.short for burn in measure.burn_rates) if measure.burn_rates else LONG_WINDOW))


def _ratio(make: Maker, measure: Ratio, wanted: float) -> Inputs | None:
    """Rates of two counters; a counter's increase over the window against a gauge; two gauges."""
    whole = float(max(VOLUME, math.ceil(measure.min_volume or 0)))
    part = round(wanted * whole, 6)
    counters = make.is_counter(measure.numerator), make.is_counter(measure.denominator)
    per_window = 1 if all(counters) else measure.window / STEP  # samples in a window: increase -> per sample

    def amount(total: float, is_counter: bool) -> float:
        return total / per_window if is_counter else total

    if not make.pair(measure.numerator, measure.denominator, amount(part, counters[0]), amount(whole, counters[1])):
        return None
    return make.done(part / whole, _warmup(measure.window) if any(counters) else STEP)


def _rate(make: Maker, selector: Selector, window: float, function: str, min_volume: float | None,
          wanted: float) -> Inputs | None:
    per_step = wanted * STEP if function == "rate" else wanted * STEP / window
    increase = per_step * window / STEP
    if min_volume and increase < min_volume:  # the guard hides the value: nothing to test
        return None
    if wanted < 0 or not make.add(selector, counter(per_step, make.steps)):
        return None
    value = per_step / STEP if function == "rate" else increase
    return make.done(value, _warmup(window))


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


def _quantile(make: Maker, measure: Quantile, wanted: float) -> Inputs | None:
    """Observations split into: below the bucket holding `wanted`, in it, and above it (+Inf)."""
    bounds = list(make.spec.metric(measure.histogram.metric).buckets)
    if not bounds or wanted <= 0:
        return None
    total, q = float(VOLUME) * 10, measure.q
    position = next((i for i, bound in enumerate(bounds) if wanted <= bound), len(bounds) - 1)
    low = bounds[position - 1] if position else 0.0
    high = bounds[position]
    # strictly inside the bucket: a rank that equals a bucket's count exactly falls either way
    # once Prometheus has divided the counts into rates
    share = min(max((wanted - low) / (high - low), 0.02), 0.98)
    if position == 0:
        inside = min(total, q * total / share)
    else:
        inside = min(q * total / share, total * (1 - q) / (1 - share) if share < 1 else math.inf)
    inside = round(inside, 3)
    below = round(max(q * total - share * inside, 0.0), 3) if position else 0.0
    cumulative = [(bound, 0.0 if bound < low else (below if bound < high else below + inside)) for bound in bounds]
    cumulative.append((math.inf, total))
    for bound, count in cumulative:
        le = "+Inf" if bound == math.inf else number(bound)
        if not make.add(measure.histogram, counter(count, make.steps), "_bucket", {"le": le}):
            return None
    return make.done(quantile_of(q, cumulative), _warmup(measure.window))
