"""`age`: seconds since a timestamp gauge (time() - the newest timestamp)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from compiler import promql
from compiler.backends.prometheus.measures import Value, literal
from compiler.backends.prometheus.unit_tests.inputs import STEP, Inputs, Maker
from compiler.measures import SELECTOR, Measure, selector
from compiler.model import Selector
from compiler.promql import Joined
from compiler.spec_types import Indicator as TypedIndicator


@dataclass(frozen=True)
class Age(Measure):
    name: ClassVar[str] = "age"
    schema: ClassVar[dict[str, object]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"timestamp": SELECTOR},
        "required": ["timestamp"],
        "description": "Seconds since a Unix-timestamp gauge: time() - timestamp.",
    }
    selectors: ClassVar[dict[str, tuple[str, ...]]] = {"timestamp": ("gauge",)}
    clocked: ClassVar[bool] = True
    timestamp: Selector

    @classmethod
    def from_spec(cls, body: dict, window: float, indicator: TypedIndicator) -> Age:
        return cls(selector(body, "timestamp"))

    def operation(self, good: str) -> str:
        return "age_seconds"

    def value(self, state: Value) -> Joined:
        return promql.join("time() - ", state.aggregate("max", promql.placed(self.timestamp)))

    def inputs(self, make: Maker, wanted: float) -> Inputs | None:
        """A timestamp that advances with the clock, so that its age holds."""
        age = float(round(wanted))  # whole seconds: the clock and the timestamp stay exact
        return make.done(age, STEP) if make.add(self.timestamp, f"{literal(-age)}+{STEP}x{make.steps}") else None
