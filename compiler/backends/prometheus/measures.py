"""Each measure form as PromQL at the indicator's tracking level (global labels first), for
series as exporters publish them:

- a labelled counter does not exist until its first event, so it first appears already at N:
  a series that was not there before the window counts from zero (increase() alone would see
  no increase), and a selected series that does not exist counts as 0 where the entity exports
  the metric at all (a ratio's numerator: where it has a denominator);
- windows of a day or more of rates, ratios and gauges are not evaluated over raw series every
  evaluation: the rollup group records once an hour the hourly rate (or a gauge's hourly
  average), counted as every rate here is (resets by rate(), first events as a new series'
  whole value), and the long window is an `avg_over_time` of those rollups, evaluated in the
  slower long-window group: 720 samples per series for 30 days, not 43,200. Consecutive hours
  tile time, so nothing is counted twice or lost; the window the rollups cover ends at the
  newest rollup (up to an hour ago) and begins up to an hour before the window. A count
  that must stay zero is counted over the raw series instead, however long its window: an
  average rate times the window would extrapolate one event over history that is not there,
  and a derived count can lose the event that falls between two recorded rates."""

from __future__ import annotations

from dataclasses import dataclass, field

from compiler import conventions, durations, promql
from compiler import spec as spec_reading
from compiler.backends.prometheus.plan import RECORD, Rule
from compiler.model import (
    Age,
    Availability,
    Baseline,
    Expr,
    Gauge,
    Indicator,
    Quantile,
    Rate,
    Ratio,
    Selector,
    Spec,
    Trend,
    Zero,
)

ROLLUP = 3600  # the period of the rollups long windows read, and their group's interval
LONG_WINDOW = 86400  # windows of a day or more are derived, in the long-window group
# A counter series not seen in this long before its window is new: it counts from zero. At
# least an hour, so that a Prometheus restart does not make every series look new; at most a
# day, so that the look-back stays cheap next to the window itself.
SEEN_BEFORE = (3600, 86400)


def number(value: float) -> str:
    """A PromQL number literal, exact and without exponent noise; negatives in parentheses."""
    text = format(value, ".12g")
    return f"({text})" if value < 0 else text


def guarded(expression: str, volume: str, min_volume: float | None) -> str:
    """The expression only where `volume` reaches `min_volume` (or is non-zero when none is
    given): a ratio over one deployment, or a trend from a quiet week, is not worth an alert."""
    bound = f">= {number(min_volume)}" if min_volume else "> 0"
    if volume == expression:  # a counted increase guards itself
        return f"{expression} {bound}"
    return f"(\n{_indent(expression)}\n)\nand\n(\n{_indent(volume)}\n) {bound}"


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


@dataclass
class Value:
    """An indicator's value expression and the short-window inputs it reads."""

    spec: Spec
    indicator: Indicator
    inputs: dict[str, str] = field(default_factory=dict)  # recorded series -> expression, in order
    rollups: dict[str, str] = field(default_factory=dict)  # hourly rollups -> expression, in order
    long: bool = False  # reads a derived long window: evaluate it in the long-window group
    long_window: float = LONG_WINDOW  # from this window on, derive it (bench/rules.py raises it to compare)

    @property
    def grouping(self) -> str:
        return ", ".join((*self.spec.global_labels, *self.indicator.track_by))

    def aggregate(self, operator: str, inner: str, *extra: str) -> str:
        labels = ", ".join((*extra, self.grouping)) if extra else self.grouping
        return f"{operator} by ({labels}) ({inner})"

    def is_counter(self, selector: Selector) -> bool:
        found = spec_reading.series_type(selector.metric, self.spec.catalogue)
        return found is not None and found[1] == "counter"

    def record(self, role: str, operations: str, expression: str) -> str:
        name = conventions.input_series(self.spec, self.indicator, role, operations)
        self.inputs.setdefault(name, expression)
        return name

    def over_long_window(self, role: str, operation: str, expression: str, window: float, offset: str = "") -> str:
        """The average over a long window of an hourly rollup (`operation` over the last hour),
        recorded once an hour in the rollup group."""
        name = conventions.input_series(self.spec, self.indicator, role, f"{operation}{durations.text(ROLLUP)}")
        self.rollups.setdefault(name, expression)
        self.long = True
        return f"avg_over_time({name}[{durations.text(window)}]{offset})"

    def counter(self, role: str, selector: Selector, window: float, function: str, previous: bool = False) -> str:
        """rate() or increase() of a counter over `window` (or the window before it), summed."""
        offset = f" offset {durations.text(window)}" if previous else ""
        if window < self.long_window:
            return self.aggregate("sum", counted(selector, window, function, window if previous else 0))
        average = self.over_long_window(role, "rate", self.aggregate("sum", counted(selector, ROLLUP, "rate")), window, offset)
        return average if function == "rate" else f"({average} * {number(window)})"

    def gauge_average(self, role: str, selector: Selector, window: float, previous: bool = False) -> str:
        """A gauge's average over `window` (or the window before it), from its recorded average."""
        offset = f" offset {durations.text(window)}" if previous else ""
        if window >= self.long_window:
            hourly = self.aggregate("avg", f"avg_over_time({selector.text()}[{durations.text(ROLLUP)}])")
            return self.over_long_window(role, "avg", hourly, window, offset)
        recorded = self.record(role, "avg", self.aggregate("avg", selector.text()))
        return f"avg_over_time({recorded}[{durations.text(window)}]{offset})"

    def error_ratio(self, measure: Availability, window: float) -> str:
        """Failed over total requests in one window, guarded by the spec's minimum volume; no
        error counted yet is a ratio of 0."""
        total = self.counter("total", measure.total, window, "rate")
        errors = or_zero(self.counter("errors", measure.errors, window, "rate"), total)
        volume = self.counter("total", measure.total, window, "increase")
        return guarded(f"{errors}\n/\n{total}", volume, measure.min_volume)

    def exported(self, selector: Selector) -> str:
        """Every entity that exports the selector's metric at all, with any labels: where a
        count of the selected series that do not exist (yet) is 0."""
        return self.aggregate("group", Selector(selector.metric).text())


def counted(selector: Selector, window: float, function: str, offset: float = 0) -> str:
    """rate() or increase() of each series of a counter over `window`, ending `offset` ago. A
    series not seen in the look-back before the window was created within it, at zero: all of
    its current value was counted in the window (while it is still 0, rate() says so)."""
    at = f" offset {durations.text(offset)}" if offset else ""
    seen = durations.text(min(max(window, SEEN_BEFORE[0]), SEEN_BEFORE[1]))
    before = f"last_over_time({selector.text()}[{seen}] offset {durations.text(window + offset)})"
    new = f"({selector.text()}{at} unless {before}) > 0"
    if function == "rate":
        new = f"({new}) / {number(window)}"
    return f"\n{_indent(new)}\nor\n  {function}({selector.text()}[{durations.text(window)}]{at})\n"


def or_zero(expression: str, fallback: str) -> str:
    """The expression, or 0 where it has no series and `fallback` has (`fallback` * 0)."""
    return f"(\n{_indent(expression)}\nor\n{_indent(fallback)} * 0\n)"


def value(spec: Spec, indicator: Indicator, long_window: float = LONG_WINDOW) -> tuple[str, Value]:
    """The expression of the indicator's value, and what it needs recorded first."""
    state = Value(spec, indicator, long_window=long_window)
    measure = indicator.measure
    if isinstance(measure, Expr):
        return promql.keep_labels(measure.expr, spec.global_labels), state
    if isinstance(measure, Ratio):
        return _ratio(state, measure), state
    if isinstance(measure, Quantile):
        return _quantile(state, measure), state
    if isinstance(measure, Rate):
        rate = or_zero(state.counter("counter", measure.counter, measure.window, measure.function), state.exported(measure.counter))
        volume = state.counter("counter", measure.counter, measure.window, "increase")
        return (guarded(rate, volume, measure.min_volume) if measure.min_volume else rate), state
    if isinstance(measure, Trend):
        return _trend(state, measure), state
    if isinstance(measure, Baseline):
        current, baseline = state.aggregate("avg", measure.series.text()), state.aggregate("avg", measure.baseline.text())
        return f"(\n  {current}\n-\n  {baseline}\n)\n/\n{baseline}", state
    if isinstance(measure, Age):
        return f"time() - {state.aggregate('max', measure.timestamp.text())}", state
    if isinstance(measure, Zero):
        if state.is_counter(measure.series):
            # counted over the raw series whatever the window, never derived (see above)
            state.long = measure.window >= state.long_window
            count = state.aggregate("sum", counted(measure.series, measure.window, "increase"))
        else:
            count = state.aggregate("sum", measure.series.text())
        return or_zero(count, state.exported(measure.series)), state
    if isinstance(measure, Availability):
        errors = state.error_ratio(measure, measure.period)
        return (f"1 - (\n{errors}\n)" if indicator.good == "higher" else errors), state
    assert isinstance(measure, Gauge)
    return state.aggregate(measure.aggregation, measure.series.text()), state


def _ratio(state: Value, measure: Ratio) -> str:
    """Numerator and denominator aggregated separately: rates when both are counters, a
    counter's increase over the window against a gauge, gauges as they are."""
    both_counters = state.is_counter(measure.numerator) and state.is_counter(measure.denominator)
    function = "rate" if both_counters else "increase"

    def part(role: str, selector: Selector) -> str:
        if state.is_counter(selector):
            return state.counter(role, selector, measure.window, function)
        return state.aggregate("sum", selector.text())

    denominator = part("denominator", measure.denominator)
    if state.is_counter(measure.denominator):
        volume = state.counter("denominator", measure.denominator, measure.window, "increase")
    else:
        volume = denominator
    numerator = or_zero(part("numerator", measure.numerator), denominator)
    return guarded(f"{numerator}\n/\n{denominator}", volume, measure.min_volume)


def _quantile(state: Value, measure: Quantile) -> str:
    q = number(measure.q)
    if measure.window < state.long_window:
        buckets = state.aggregate("sum", f"rate({measure.histogram.text(suffix='_bucket')}[{durations.text(measure.window)}])", "le")
        return f"histogram_quantile({q}, {buckets})"
    hourly = state.aggregate("sum", f"rate({measure.histogram.text(suffix='_bucket')}[{durations.text(ROLLUP)}])", "le")
    return f"histogram_quantile({q}, {state.over_long_window('bucket', 'rate', hourly, measure.window)})"


def _trend(state: Value, measure: Trend) -> str:
    """This window against the previous one: a counter's increase, a gauge's average. No value
    until the series existed before the previous window began: a fresh exporter's partial
    previous window (or its first counts, made before the first scrape) is no comparison."""
    warmup = 0
    if state.is_counter(measure.series):
        current = or_zero(state.counter("series", measure.series, measure.window, "increase"), state.exported(measure.series))
        previous = state.counter("series", measure.series, measure.window, "increase", previous=True)
        if measure.window >= state.long_window:  # the previous window's first rollup reaches an hour further back
            warmup = ROLLUP
    else:
        current = state.gauge_average("series", measure.series, measure.window)
        previous = state.gauge_average("series", measure.series, measure.window, previous=True)
    existed = state.aggregate("group", f"{measure.series.text()} offset {durations.text(2 * measure.window + warmup)}")
    change = guarded(f"{current}\n/\n{previous}\n- 1", previous, measure.min_volume)
    return f"{change}\nand\n{existed}"


def error_ratio_rules(state: Value, measure: Availability) -> tuple[list[Rule], list[Rule]]:
    """(short-window, long-window) rules recording the error ratio over each burn-rate window."""
    short: list[Rule] = []
    long: list[Rule] = []
    for window in sorted({window for burn in measure.burn_rates for window in (burn.long, burn.short)}):
        rule = Rule(RECORD, conventions.error_ratio_series(state.spec, state.indicator, window), state.error_ratio(measure, window))
        (long if window >= LONG_WINDOW else short).append(rule)
    return short, long
