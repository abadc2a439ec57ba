"""`zero`: a count that must stay zero (incidents, violations). A counter is counted over its
raw series whatever the window, never derived from a recorded rate: an average rate times the
window would extrapolate one event over history that is not there."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from compiler import promql
from compiler.backends.prometheus.measures import LONG_WINDOW, Value, counted, or_zero
from compiler.backends.prometheus.unit_tests.common import GRIDS
from compiler.backends.prometheus.unit_tests.inputs import SETTLE, STEP, Inputs, Maker, counter, gauge
from compiler.durations import text as duration
from compiler.measures import SELECTOR, WINDOW, Measure, is_counter, selector
from compiler.model import Selector
from compiler.promql import Joined
from compiler.spec_types import Indicator as TypedIndicator


@dataclass(frozen=True)
class Zero(Measure):
    name: ClassVar[str] = "zero"
    schema: ClassVar[dict[str, object]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"series": SELECTOR, "window": WINDOW},
        "required": ["series"],
        "description": "A count that must stay zero: a gauge's value, or a counter's increase over the window.",
    }
    selectors: ClassVar[dict[str, tuple[str, ...]]] = {"series": ("counter", "gauge")}
    whole: ClassVar[bool] = True
    absent_is_zero: ClassVar[bool] = True  # a gauge of open findings has no row where none is open
    series: Selector
    window: float

    @classmethod
    def from_spec(cls, body: dict, window: float, indicator: TypedIndicator) -> Zero:
        return cls(selector(body, "series"), window)

    def operation(self, good: str) -> str:
        return f"increase{duration(self.window)}"

    def value(self, state: Value) -> Joined:
        if is_counter(state.spec, self.series):
            state.long = self.window >= state.long_window
            recreations = state.recreations(self.series) if self.window >= LONG_WINDOW else None
            count = state.aggregate("sum", counted(self.series, self.window, "increase", recreations=recreations, shared=state.spec.global_labels))
        else:
            count = state.aggregate("sum", promql.placed(self.series))
        return or_zero(count, state.exported(self.series))

    def inputs(self, make: Maker, wanted: float) -> Inputs | None:
        if not is_counter(make.spec, self.series) or wanted == 0:
            return make.done(wanted, STEP) if make.add(self.series, gauge(wanted, make.steps)) else None
        whole = float(math.ceil(wanted))
        if wanted < 0:
            return None
        if self.window > _held(make):
            # a labelled counter appears at its first events: counted at once, and within the
            # window for as long as any test of the indicator runs
            return make.done(whole, STEP) if make.add(self.series, gauge(whole, make.steps)) else None
        # a burst leaves a window this short before a test is over: the events go on, as many
        # in every window, counted once the first window is whole
        steady = counter(whole * STEP / self.window, make.steps)  # over raw series: whole once a window has passed
        return make.done(whole, self.window + SETTLE) if make.add(self.series, steady) else None


def _held(make: Maker) -> float:
    """The longest any generated test of the indicator holds its value: its longest `for`, the
    longest `escalate_after` and the coarsest grid's margin."""
    levels = make.spec.escalation.alerting
    return (max((threshold.for_seconds for threshold in make.indicator.thresholds), default=0.0)
            + max((level.escalate_after or 0.0 for level in levels), default=0.0) + GRIDS[-1].margin)
