"""`trend`: this window against the previous one, a counter's increase or a gauge's average.
Its value cannot be set from outside (it holds only under exponential growth, and long
windows read the newest recorded step a step late): the spec's own `tests:` cover it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from compiler import promql
from compiler.backends.prometheus.measures import ROLLUP, ROLLUP_SEEN_BEFORE, Value, guarded, or_zero
from compiler.durations import text as duration
from compiler.measures import MIN_VOLUME, SELECTOR, WINDOW, Measure, is_counter, selector
from compiler.model import Selector
from compiler.promql import PART, Joined
from compiler.spec_types import Indicator as TypedIndicator


@dataclass(frozen=True)
class Trend(Measure):
    name: ClassVar[str] = "trend"
    schema: ClassVar[dict[str, object]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"series": SELECTOR, "window": WINDOW, "min_volume": MIN_VOLUME},
        "required": ["series", "window"],
        "description": "Relative change of this window against the previous one: increase of a counter, average of a gauge.",
    }
    selectors: ClassVar[dict[str, tuple[str, ...]]] = {"series": ("counter", "gauge")}
    panel: ClassVar[str | None] = "timeseries"
    qualifier: ClassVar[str] = " change"
    fraction: ClassVar[bool] = True
    series: Selector
    window: float
    min_volume: float | None

    @classmethod
    def from_spec(cls, body: dict, window: float, indicator: TypedIndicator) -> Trend:
        return cls(selector(body, "series"), window, body.get("min_volume"))

    def operation(self, good: str) -> str:
        return f"change{duration(self.window)}"

    def value(self, state: Value) -> Joined:
        """No value until what the previous window reads existed before it began: a fresh
        exporter's partial previous window (or its first counts, made before the first scrape),
        or the few days of rollups recorded since the rules were deployed, is no comparison."""
        counter = is_counter(state.spec, self.series)
        if counter:
            current = or_zero(state.counter("series", self.series, self.window, "increase"), state.exported(self.series))
            previous = state.counter("series", self.series, self.window, "increase", previous=True)
        else:
            current = state.gauge_average("series", self.series, self.window)
            previous = state.gauge_average("series", self.series, self.window, previous=True)
        state.uncovered.clear()  # _existed asks more of each entity's rollups than Value.covered would of any entity's
        change = guarded(promql.join(current, "\n/\n", previous, "\n- 1"), previous, self.min_volume)
        return promql.join(change, "\nand\n", state.aggregate("group", self._existed(state, counter)))

    def _existed(self, state: Value, counter: bool) -> Joined:
        """The entities that had a series in the hour (at most the window) before the previous one
        began (of a long window's rollups, in the day before): seen within that span rather than at its last
        instant, so a scrape gap or an exporter restart then does not hide the trend (and restart
        its alerts' `for`), and no earlier than before, since nothing older than the series exists.
        A counter's rollups from the hour before too: its first rollup counts its creation."""
        if self.window >= state.long_window:
            rollup = state.rollup("series", "rate" if counter else "avg")
            start = duration(2 * self.window + (ROLLUP if counter else 0))
            return promql.placed(rollup, f"last_over_time({PART}[{duration(ROLLUP_SEEN_BEFORE)}] offset {start})")
        span = duration(min(self.window, ROLLUP))  # an hour covers a scrape gap and costs a short window little
        return promql.placed(self.series, f"last_over_time({PART}[{span}] offset {duration(2 * self.window)})")
