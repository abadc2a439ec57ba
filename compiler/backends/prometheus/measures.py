"""The toolkit each measure form (compiler/measures/) builds its PromQL with, at the
indicator's tracking level (global labels first), for series as exporters publish them:

- a labelled counter does not exist until its first event, so it first appears already at N:
  a series that was not there before the window counts from zero (increase() alone would see
  no increase), and a selected series that does not exist counts as 0 where the entity exports
  the metric at all (a ratio's numerator: where it has a denominator);
- windows of a day or more of rates, ratios and gauges are not evaluated over raw series every
  evaluation: the rollup group records once an hour the hourly rate (or a gauge's hourly
  average), counted as every rate here is (first events as a new series' whole value), but as
  a series' last value less its last before the hour (see _telescoped); the long window is an
  `avg_over_time` of those rollups, evaluated in the slower long-window group: 720 samples per
  series for 30 days, not 43,200. A ratio's two sides and a histogram's buckets are a
  `sum_over_time` instead, whose scale divides out: a labelled counter created by its first
  events (a model's first failures) has no rollup in the hours before, which add nothing to its
  sum where they would be missing from its average (which spread those failures over its own
  few hours). Consecutive hours telescope, so nothing is counted twice or lost; the window the
  rollups cover ends at the newest rollup (up to an hour ago) and begins up to an hour before
  the window. A count that must stay zero is counted over the raw series instead, however long
  its window: an average rate times the window would extrapolate one event over history that
  is not there, and a derived count can lose an event in an hour an exporter restarted in.

Each expression is a promql.Joined, its text with what it reads: its selectors placed in these
templates (promql.placed) and joined (promql.join), so that no rule of a form is parsed whole."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from compiler import conventions, durations, promql
from compiler.model import Indicator, Selector, Spec
from compiler.promql import PART, Joined

ROLLUP = 3600  # the period of the rollups long windows read, and their group's interval
LONG_WINDOW = 86400  # windows of a day or more are derived, in the long-window group
# A counter series not seen in this long before its window is new: it counts from zero. At
# least an hour, so that a Prometheus restart does not make every series look new; at most a
# day, so that the look-back stays cheap next to the window itself.
SEEN_BEFORE = (3600, 86400)
# An hourly rollup is averaged into windows of up to 30 days, so a series that merely went
# unscraped for over an hour (Prometheus or its target down) must not count its whole total
# as that hour's events: the rollups look back the longest, a day, once an hour.
ROLLUP_SEEN_BEFORE = SEEN_BEFORE[1]
# Prometheus' own record of each scrape: whether a series' target was up when a window began.
UP = Selector("up")
# When the target's process started, by its own account (prometheus_client and the Go client's
# process collector): a target scraped for the first time is not new if its process is older.
STARTED = Selector("process_start_time_seconds")
TARGET = ("job", "instance")  # the labels a scraped series shares with its target's `up`, besides the global labels
# How long a child dropped by its exporter is looked for and its value carried without a new
# sample: an hour, so that a Prometheus restart neither loses the value nor drops the record.
CARRIED = SEEN_BEFORE[0]


@dataclass(frozen=True)
class Recreations:
    """The records of a labelled counter's children that an exporter restart dropped (the
    target answered without them: their value is gone until their next event) and their next
    event re-created, at 1 again: increase() bridges the gap as if the counter had gone on,
    and counts nothing for a child back at its old value."""

    dropped: Selector  # while a child is gone: its value before, carried
    recreated: Selector  # at the evaluation it is back with an event: that value before


def on_target(shared: tuple[str, ...]) -> str:
    """The labels a scraped series matches its target's `up` on: the `shared` (global) labels,
    which Prometheus gives the target, then job and instance (see counted)."""
    return ", ".join(dict.fromkeys((*shared, *TARGET)))


def literal(value: float) -> str:
    """A number exact and without exponent noise, as PromQL and promtool's series notation read it."""
    return format(value, ".12g")


def number(value: float) -> str:
    """A PromQL number literal; negatives in parentheses."""
    return f"({literal(value)})" if value < 0 else literal(value)


def guarded(expression: Joined, volume: Joined, min_volume: float | None) -> Joined:
    """The expression only where `volume` reaches `min_volume` (or is non-zero when none is
    given): a ratio over one deployment, or a trend from a quiet week, is not worth an alert."""
    bound = f">= {number(min_volume)}" if min_volume else "> 0"
    if volume == expression:  # a counted increase guards itself
        return promql.join(expression, f" {bound}")
    return promql.join("(\n", _indent(expression), "\n)\nand\n(\n", _indent(volume), f"\n) {bound}")


def _indent(part: Joined) -> Joined:
    return Joined("\n".join(f"  {line}" for line in part.text.splitlines()), part.reads)


@dataclass
class Value:
    """An indicator's value expression and the short-window inputs it reads."""

    spec: Spec
    indicator: Indicator
    inputs: dict[str, Joined] = field(default_factory=dict)  # recorded series -> expression, in order
    kept: dict[str, tuple[str, ...]] = field(default_factory=dict)  # inputs that keep more than the tracking labels -> those
    rollups: dict[str, Joined] = field(default_factory=dict)  # hourly rollups -> expression, in order
    long: bool = False  # reads a derived long window: evaluate it in the long-window group
    uncovered: dict[str, float] = field(default_factory=dict)  # role -> how far back its rollups' counts reach (see covered)
    long_window: float = LONG_WINDOW  # from this window on, derive it (bench/rules.py raises it to compare)

    @functools.cached_property  # each of the indicator's rules and aggregations asks
    def keeps(self) -> tuple[str, ...]:
        return conventions.tracking(self.spec, self.indicator)

    @functools.cached_property
    def grouping(self) -> str:
        return ", ".join(self.keeps)

    def aggregate(self, operator: str, inner: Joined, *extra: str) -> Joined:
        labels = ", ".join((*extra, self.grouping)) if extra else self.grouping
        return promql.join(f"{operator} by ({labels}) (", inner, ")")

    def record(self, role: str, operations: str, expression: Joined, keeps: tuple[str, ...] = ()) -> str:
        """Record an input at the tracking level, or keeping `keeps` (the labels of the series it reads)."""
        name = conventions.input_series(self.spec, self.indicator, role, operations, keeps)
        self.inputs.setdefault(name, expression)
        if keeps:
            self.kept[name] = keeps
        return name

    def recreations(self, selector: Selector) -> Recreations | None:
        """Record, for each child of the counter, its value while its exporter has dropped it and
        when an event re-creates it; none for a counter initialised at 0, which comes back at 0
        (a reset increase() counts). A dropped child is one its scraped target (`up` 1) answers
        without, seen within CARRIED: one missing while its target or Prometheus was down may
        be there still, and comes back at what it read. Each record reads the child's last hour
        and its own once a minute: about 120 samples a child, not the window's."""
        metric = self.spec.metric(selector.metric)
        if metric.initialised:
            return None
        keeps = tuple(dict.fromkeys((*self.spec.global_labels, *metric.labels, *TARGET)))
        on = on_target(self.spec.global_labels)
        carried, dropped = durations.text(CARRIED), conventions.input_series(self.spec, self.indicator, "dropped", "last", keeps)
        self.record("dropped", "last", promql.placed(selector, (
            f"(\n  (last_over_time({PART}[{carried}]) unless {PART}) and on ({on}) (up == 1)\nor\n"
            f"  (last_over_time({dropped}[{carried}] offset 1m) unless {PART}) and on ({on}) up\n)")), keeps)
        # back at the evaluation after one it was dropped at, with an event (one at 0 is initialised: nothing happened)
        recreated = self.record("recreated", "last", promql.placed(selector, f"{dropped} offset 1m and {PART} > 0"), keeps)
        return Recreations(Selector(dropped), Selector(recreated))

    def over_long_window(self, role: str, operation: str, expression: Joined, window: float, offset: str = "",
                         summed: bool = False) -> Joined:
        """The average over a long window of an hourly rollup (`operation` over the last hour),
        recorded once an hour in the rollup group; `summed`, its sum, for what divides by
        another sum read alike (a ratio's other side, a histogram's other buckets)."""
        rollup = self.rollup(role, operation)
        self.rollups.setdefault(rollup.metric, expression)
        self.long = True
        return promql.placed(rollup, f"{'sum' if summed else 'avg'}_over_time({PART}[{durations.text(window)}]{offset})")

    def rollup(self, role: str, operation: str) -> Selector:
        """The hourly rollup of an input (`operation` over the last hour) that long windows read."""
        return Selector(conventions.input_series(self.spec, self.indicator, role, f"{operation}{durations.text(ROLLUP)}"))

    def counter(self, role: str, selector: Selector, window: float, function: str, previous: bool = False,
                summed: bool = False) -> Joined:
        """rate() or increase() of a counter over `window` (or the window before it), summed.
        Over a long window, from the events its hourly rollups counted (their rates' sum times an
        hour), not their average stretched over the window: that would make a new model's first
        deployment, or the one deployment an exporter restart left rollups of, several a week.
        `summed` rates: the sum of the hourly rates as it is, for one side of a ratio of counters,
        as the other side is (the ratio is what counts, not the scale)."""
        offset = f" offset {durations.text(window)}" if previous else ""
        if window < self.long_window:
            return self.aggregate("sum", counted(selector, window, function, window if previous else 0, shared=self.spec.global_labels))
        hourly = self.aggregate("sum", counted(selector, ROLLUP, "rate", seen=ROLLUP_SEEN_BEFORE, shared=self.spec.global_labels))
        if summed and function == "rate":
            return self.over_long_window(role, "rate", hourly, window, offset, summed=True)
        # one rollup an hour: a range holds both its ends (Prometheus 2), so one ending a second
        # early counts each hour once when the reading falls on a rollup's instant
        early = f" offset {durations.text(window + 1 if previous else 1)}"
        events = promql.join("(", self.over_long_window(role, "rate", hourly, window, early, summed=True), f" * {number(ROLLUP)})")
        if not summed:  # a value, not a volume: none until the rollups cover the window (see covered)
            reach = window * (2 if previous else 1)
            self.uncovered[role] = max(self.uncovered.get(role, 0.0), reach)
        return events if function == "increase" else promql.join("(", events, f" / {number(window)})")

    def covered(self, value: Joined) -> Joined:
        """The value where the rules have recorded the rollups its counts read for as far back as
        they reach (any entity's, in the day before): a count over a window the rollups do not
        cover yet (the week after the rules are deployed) would read the few days recorded as the
        week's, red for every healthy team. Until then the value is missing, as over a Prometheus
        holding less than the window; backfilling the rollup group covers it at once."""
        by = ", ".join(self.spec.global_labels)
        for role, reach in self.uncovered.items():
            rollup = promql.placed(self.rollup(role, "rate"),
                                   f"last_over_time({PART}[{durations.text(ROLLUP_SEEN_BEFORE)}] offset {durations.text(reach)})")
            value = promql.join("(\n", _indent(value), f"\n)\nand on ({by})\n", _indent(promql.join(f"group by ({by}) (", rollup, ")")))
        return value

    def gauge_average(self, role: str, selector: Selector, window: float, previous: bool = False) -> Joined:
        """A gauge's average over `window` (or the window before it), from its recorded average."""
        offset = f" offset {durations.text(window)}" if previous else ""
        if window >= self.long_window:
            hourly = self.aggregate("avg", promql.placed(selector, f"avg_over_time({PART}[{durations.text(ROLLUP)}])"))
            return self.over_long_window(role, "avg", hourly, window, offset)
        recorded = self.record(role, "avg", self.aggregate("avg", promql.placed(selector)))
        return promql.placed(Selector(recorded), f"avg_over_time({PART}[{durations.text(window)}]{offset})")

    def exported(self, selector: Selector) -> Joined:
        """Every entity that exports the selector's metric at all, with any labels: where a
        count of the selected series that do not exist (yet) is 0."""
        return self.aggregate("group", promql.placed(Selector(selector.metric)))


@functools.lru_cache(maxsize=16_384)  # pure, and asked again: each long window's rate and volume rebuild the hourly rollup's
def counted(selector: Selector, window: float, function: str, offset: float = 0, seen: float = 0,
            recreations: Recreations | None = None, *, shared: tuple[str, ...]) -> Joined:
    """rate() or increase() of each series of a counter over `window`, ending `offset` ago. A
    series created within the window counts from zero: all of its last value in the window was
    counted in the window (while it is still 0, rate() says so). Its last value, not its value
    now: an exporter restarted since has no series for it until its next event, and the events
    counted before the restart still happened in the window.

    Created within it, under a window of a day: where its target's `up` was 1 when the window
    began and the series was not there, a child an exporter restart had dropped included; where
    that `up` was 0 (the target down), rate() alone (its whole total is not that window's
    events). A series matches its target's `up` on the `shared` (global) labels, job and
    instance: Prometheus gives a target the global labels, and without them a ruler reading
    every cluster (Thanos, Mimir) would judge a series by another cluster's target of the same
    job and instance (a static target named by its Service's DNS name is alike in every
    cluster). A series without a target of its own (federated, pushed, a test's input), and
    with a look-back of a day (the hourly rollups) one whose target had no `up` when the window
    began (a target created since: a new pod), is created within it when it was not seen in the
    look-back before it (`seen`, or the window within SEEN_BEFORE), unless Prometheus scraped
    no target at all then, or none of the series' cluster, though it does now: down or not yet
    started, it finds every series again after an outage, and none is new; nor where the
    target's own `process_start_time_seconds` says its process was running when the window
    began (a long-running process Prometheus starts to scrape: a new scrape job, relabelled
    instances), whose whole totals are not the hour's. (A shorter
    look-back would read a target back in service discovery after an hour away, its process
    counting all along, as new: its whole total.) Every series of a longer raw window (a `zero`
    count's) is judged by its look-back alone, whose start may be older than Prometheus' own
    history.

    With `recreations` (a long raw window's): a child its exporter dropped and an event re-created
    adds the value it had before, which increase() bridged as if the counter had gone on (1, a
    gap, 1: no increase). Back lower (3, a gap, 1), increase() counted a reset already, and the
    count reads high by the events before the gap that the window does not hold. Not the child
    re-created after the gap the window began in, whose value before is not the window's: it is
    new within the window, its last value counted whole, though seen in the look-back."""
    at = f" offset {durations.text(offset)}" if offset else ""
    start = durations.text(window + offset)
    looked = seen or min(max(window, SEEN_BEFORE[0]), SEEN_BEFORE[1])
    before = promql.placed(selector, f"last_over_time({PART}[{durations.text(looked)}] offset {start})")
    if recreations:  # dropped when the window began: new within it, though seen in the look-back
        before = promql.join("(", before, " unless ", promql.placed(recreations.dropped, f"{PART} offset {start}"), ")")
    last = promql.placed(selector, f"last_over_time({PART}[{durations.text(window)}]{at})")
    unseen = promql.join("(", last, " unless ", before, ")")
    if window < LONG_WINDOW:
        on = on_target(shared)
        then = promql.placed(selector, f"{PART} offset {start}")
        scraped = promql.placed(UP, f"({PART} offset {start} == 1)")
        created = promql.join("(", last, " unless ", then, f") and on ({on}) ", scraped)
        # without an `up` (then, over a day's look-back: a new pod's), and not while Prometheus,
        # or its scrapes of the cluster, was down
        if looked >= SEEN_BEFORE[1]:  # nor one whose process, by its own account, was running when the window began
            running = promql.placed(STARTED, f"({PART} < time() - {number(window + offset)})")
            unscraped = promql.join(unseen, f" unless on ({on}) ", promql.placed(UP, f"{PART} offset {start}"), f"\n  unless on ({on}) ", running)
        else:
            unscraped = promql.join(unseen, f" unless on ({on}) ", promql.placed(UP))
        for by in ((", ".join(shared),) if shared else ()) + ("",):
            grouped = f"group by ({by}) " if by else "group"
            down = promql.placed(UP, f"({grouped}({PART}) unless{f' on ({by})' if by else ''} {grouped}({PART} offset {start}))")
            unscraped = promql.join(unscraped, f"\n  unless on ({by}) ", down)
        unseen = promql.join("(\n", _indent(created), "\nor\n", _indent(unscraped), "\n)")
    new = promql.join(unseen, " > 0")
    if function == "rate":
        new = promql.join("(", new, f") / {number(window)}")
    counter = promql.placed(selector, f"{function}({PART}[{durations.text(window)}]{at})")
    if recreations:
        counter = promql.join(counter, "\nor\n  ", _recreated(recreations, durations.text(window), start))
    if seen:  # an hourly rollup, one tile of the long windows that sum them
        telescoped = promql.join("(\n", _indent(_telescoped(selector, durations.text(window), before)), f"\n) / {number(window)}")
        new = promql.join(_indent(new), "\nor\n", _indent(telescoped))
    else:
        new = _indent(new)
    return promql.join("\n", new, "\nor\n  ", counter, "\n")


def _telescoped(selector: Selector, window: str, before: Joined) -> Joined:
    """The events of a series seen `before` its hour: its last value less its last value before,
    so that consecutive hours telescope and the long windows summing them count every event
    exactly. rate() over tiled hours never sees the increase between one hour's last sample and
    the next one's first (an experiment between two scrapes at the turn of an hour is in no
    hour), and extrapolates the rest. Less nothing where the series came back lower (its
    exporter restarted before the hour's first sample, counting from 0 again); an hour with a
    reset within it is rate()'s, which counts resets."""
    last, lowest = (promql.placed(selector, f"{function}({PART}[{window}])") for function in ("last_over_time", "min_over_time"))
    kept = promql.join("(", before, " <= ", lowest, " or ", before, " * 0)")
    return promql.join(last, "\n- ", kept, "\nunless ", promql.placed(selector, f"resets({PART}[{window}]) > 0"))


def _recreated(recreations: Recreations, window: str, start: str) -> Joined:
    """Each child's re-creations' values before, less that of the one ending the gap the window
    began in; under a label of its own, so that `or` keeps it beside the child's count and the
    aggregation adds it."""
    values = promql.placed(recreations.recreated, f"sum_over_time({PART}[{window}])")
    began = promql.placed(recreations.dropped, f"{PART} offset {start}")
    less = promql.join("(", values, " unless ", began, ") or (", values, " - ", began, ")")
    return promql.join("label_replace(", less, ', "recreated", "true", "", "")')


def or_zero(expression: Joined, fallback: Joined) -> Joined:
    """The expression, or 0 where it has no series and `fallback` has (`fallback` * 0)."""
    return promql.join("(\n", _indent(expression), "\nor\n", _indent(fallback), " * 0\n)")


def value(spec: Spec, indicator: Indicator, long_window: float = LONG_WINDOW) -> tuple[Joined, Value]:
    """The expression of the indicator's value, and what it needs recorded first."""
    state = Value(spec, indicator, long_window=long_window)
    return state.covered(indicator.measure.value(state)), state
