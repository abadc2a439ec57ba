"""`rate`: a counter's rate (per second) or increase over the window, 0 where the entity
exports the metric but has not counted this series yet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from compiler.backends.prometheus.measures import LONG_WINDOW, Value, guarded, or_zero
from compiler.backends.prometheus.unit_tests.inputs import STEP, Inputs, Maker, counter, warmup
from compiler.durations import text as duration
from compiler.measures import MIN_VOLUME, SELECTOR, WINDOW, Measure, selector
from compiler.model import Selector, Spec
from compiler.promql import Joined
from compiler.spec_types import Indicator as TypedIndicator


@dataclass(frozen=True)
class Rate(Measure):
    name: ClassVar[str] = "rate"
    schema: ClassVar[dict[str, object]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"counter": SELECTOR, "window": WINDOW,
                       "function": {"enum": ["rate", "increase"], "description": "rate (per second) or increase over the window.",
                                    "default": "rate"},
                       "min_volume": MIN_VOLUME},
        "required": ["counter"],
        "description": "The per-second rate, or the increase over the window, of a counter.",
    }
    selectors: ClassVar[dict[str, tuple[str, ...]]] = {"counter": ("counter",)}
    counter: Selector
    window: float
    function: str  # rate | increase
    min_volume: float | None

    @classmethod
    def from_spec(cls, body: dict, window: float, indicator: TypedIndicator) -> Rate:
        return cls(selector(body, "counter"), window, body.get("function", "rate"), body.get("min_volume"))

    def operation(self, good: str) -> str:
        return f"{self.function}{duration(self.window)}"

    def counts_rollups(self, spec: Spec) -> bool:
        return self.window >= LONG_WINDOW

    def value(self, state: Value) -> Joined:
        rate = or_zero(state.counter("counter", self.counter, self.window, self.function), state.exported(self.counter))
        volume = state.counter("counter", self.counter, self.window, "increase", summed=True)
        return guarded(rate, volume, self.min_volume) if self.min_volume else rate

    def inputs(self, make: Maker, wanted: float) -> Inputs | None:
        per_step = wanted * STEP if self.function == "rate" else wanted * STEP / self.window
        increase = per_step * self.window / STEP
        if self.min_volume and increase < self.min_volume:  # the guard hides the value: nothing to test
            return None
        if wanted < 0 or not make.add(self.counter, counter(per_step, make.steps)):
            return None
        value = per_step / STEP if self.function == "rate" else increase
        return make.done(value, warmup(self.window, self.counts_rollups(make.spec)))
