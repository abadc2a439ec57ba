"""`trend`: this window against the previous one, a counter's increase or a gauge's average.
Its value cannot be set from outside (it holds only under exponential growth, and long
windows read the newest recorded step a step late): the spec's own `tests:` cover it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from compiler import promql
from compiler.backends.prometheus.measures import ROLLUP, Value, guarded, or_zero
from compiler.durations import text as duration
from compiler.measures import MIN_VOLUME, SELECTOR, WINDOW, Measure, is_counter, selector
from compiler.model import Selector
from compiler.promql import Joined
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
    series: Selector
    window: float
    min_volume: float | None

    @classmethod
    def from_spec(cls, body: dict, window: float, indicator: TypedIndicator) -> Trend:
        return cls(selector(body, "series"), window, body.get("min_volume"))

    def operation(self, good: str) -> str:
        return f"change{duration(self.window)}"

    def value(self, state: Value) -> Joined:
        """No value until the series existed before the previous window began: a fresh
        exporter's partial previous window (or its first counts, made before the first scrape)
        is no comparison."""
        warmup = 0
        if is_counter(state.spec, self.series):
            current = or_zero(state.counter("series", self.series, self.window, "increase"), state.exported(self.series))
            previous = state.counter("series", self.series, self.window, "increase", previous=True)
            if self.window >= state.long_window:  # the previous window's first rollup reaches an hour further back
                warmup = ROLLUP
        else:
            current = state.gauge_average("series", self.series, self.window)
            previous = state.gauge_average("series", self.series, self.window, previous=True)
        existed = state.aggregate("group", promql.join(promql.placed(self.series), f" offset {duration(2 * self.window + warmup)}"))
        change = guarded(promql.join(current, "\n/\n", previous, "\n- 1"), previous, self.min_volume)
        return promql.join(change, "\nand\n", existed)
