"""`ratio`: numerator over denominator, each aggregated apart. Its value is missing only where
the denominator is: a numerator counter not counted yet is 0 there."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from compiler import promql
from compiler.backends.prometheus.measures import LONG_WINDOW, Value, guarded, or_zero
from compiler.backends.prometheus.unit_tests.inputs import STEP, VOLUME, Inputs, Maker, warmup
from compiler.durations import text as duration
from compiler.measures import MIN_VOLUME, SELECTOR, WINDOW, Measure, is_counter, selector
from compiler.model import Selector, Spec
from compiler.promql import Joined
from compiler.spec_types import Indicator as TypedIndicator


@dataclass(frozen=True)
class Ratio(Measure):
    name: ClassVar[str] = "ratio"
    schema: ClassVar[dict[str, object]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"numerator": SELECTOR, "denominator": SELECTOR, "window": WINDOW, "min_volume": MIN_VOLUME},
        "required": ["numerator", "denominator"],
        "description": "numerator / denominator, each aggregated separately. Counters are read as rates (or increases over the window "
                       "against a gauge).",
    }
    selectors: ClassVar[dict[str, tuple[str, ...]]] = {"numerator": ("counter", "gauge"), "denominator": ("counter", "gauge")}
    fraction: ClassVar[bool] = True
    share: ClassVar[bool] = True
    numerator: Selector
    denominator: Selector
    window: float
    min_volume: float | None

    @classmethod
    def from_spec(cls, body: dict, window: float, indicator: TypedIndicator) -> Ratio:
        return cls(selector(body, "numerator"), selector(body, "denominator"), window, body.get("min_volume"))

    def operation(self, good: str) -> str:
        return f"ratio_{duration(self.window)}"

    def sources(self) -> list[str]:
        return [self.denominator.metric]  # a ratio over no high-risk model has no value but is not silent

    def counts_rollups(self, spec: Spec) -> bool:
        """A counter against a gauge: the counter's increase is the count of its rollups' events."""
        counters = is_counter(spec, self.numerator), is_counter(spec, self.denominator)
        return self.window >= LONG_WINDOW and any(counters) and not all(counters)

    def value(self, state: Value) -> Joined:
        """Rates when both are counters, a counter's increase over the window against a gauge,
        gauges as they are."""
        both_counters = is_counter(state.spec, self.numerator) and is_counter(state.spec, self.denominator)
        function = "rate" if both_counters else "increase"

        def part(role: str, selected: Selector) -> Joined:
            if is_counter(state.spec, selected):
                return state.counter(role, selected, self.window, function, summed=both_counters)
            return state.aggregate("sum", promql.placed(selected))

        denominator = part("denominator", self.denominator)
        if is_counter(state.spec, self.denominator):
            volume = state.counter("denominator", self.denominator, self.window, "increase", summed=True)
        else:
            volume = denominator
        numerator = or_zero(part("numerator", self.numerator), denominator)
        return guarded(promql.join(numerator, "\n/\n", denominator), volume, self.min_volume)

    def inputs(self, make: Maker, wanted: float) -> Inputs | None:
        """Rates of two counters; a counter's increase over the window against a gauge; two gauges."""
        whole = float(max(VOLUME, math.ceil(self.min_volume or 0)))
        part = round(wanted * whole, 6)
        counters = is_counter(make.spec, self.numerator), is_counter(make.spec, self.denominator)
        per_window = 1 if all(counters) else self.window / STEP  # samples in a window: increase -> per sample

        def amount(total: float, counts: bool) -> float:
            return total / per_window if counts else total

        if not make.pair(self.numerator, self.denominator, amount(part, counters[0]), amount(whole, counters[1])):
            return None
        return make.done(part / whole, warmup(self.window, self.counts_rollups(make.spec)) if any(counters) else STEP)
