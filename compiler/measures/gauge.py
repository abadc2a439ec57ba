"""`gauge`: a gauge aggregated at the tracking labels (sum, avg, min or max)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from compiler import promql
from compiler.backends.prometheus.measures import Value
from compiler.backends.prometheus.unit_tests.inputs import STEP, Inputs, Maker, gauge
from compiler.measures import SELECTOR, Measure, selector
from compiler.model import Selector
from compiler.promql import Joined
from compiler.spec_types import Indicator as TypedIndicator


@dataclass(frozen=True)
class Gauge(Measure):
    name: ClassVar[str] = "gauge"
    schema: ClassVar[dict[str, object]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"series": SELECTOR,
                       "aggregation": {"enum": ["sum", "avg", "min", "max"],
                                       "description": "How the series are aggregated over the labels the indicator is not tracked by.",
                                       "default": "max"}},
        "required": ["series"],
        "description": "A gauge aggregated over the labels it is not tracked by.",
    }
    selectors: ClassVar[dict[str, tuple[str, ...]]] = {"series": ("gauge",)}
    series: Selector
    aggregation: str  # sum | avg | min | max

    @classmethod
    def from_spec(cls, body: dict, window: float, indicator: TypedIndicator) -> Gauge:
        return cls(selector(body, "series"), body.get("aggregation", "max"))

    def operation(self, good: str) -> str:
        return self.aggregation

    def value(self, state: Value) -> Joined:
        return state.aggregate(self.aggregation, promql.placed(self.series))

    def inputs(self, make: Maker, wanted: float) -> Inputs | None:
        return make.done(wanted, STEP) if make.add(self.series, gauge(wanted, make.steps)) else None
