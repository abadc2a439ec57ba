"""`baseline`: a gauge's change relative to a baseline gauge (drift), shown over time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from compiler import promql
from compiler.backends.prometheus.measures import Value, guarded
from compiler.backends.prometheus.unit_tests.inputs import STEP, VOLUME, Inputs, Maker, gauge
from compiler.measures import SELECTOR, Measure, selector
from compiler.model import Selector
from compiler.promql import Joined
from compiler.spec_types import Indicator as TypedIndicator


@dataclass(frozen=True)
class Baseline(Measure):
    name: ClassVar[str] = "baseline"
    schema: ClassVar[dict[str, object]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"series": SELECTOR, "baseline": SELECTOR},
        "required": ["series", "baseline"],
        "description": "Relative deviation from a baseline series: (series - baseline) / baseline.",
    }
    selectors: ClassVar[dict[str, tuple[str, ...]]] = {"series": ("gauge",), "baseline": ("gauge",)}
    panel: ClassVar[str | None] = "timeseries"
    qualifier: ClassVar[str] = " vs baseline"
    fraction: ClassVar[bool] = True
    series: Selector
    baseline: Selector

    @classmethod
    def from_spec(cls, body: dict, window: float, indicator: TypedIndicator) -> Baseline:
        return cls(selector(body, "series"), selector(body, "baseline"))

    def operation(self, good: str) -> str:
        return "relative_to_baseline"

    def value(self, state: Value) -> Joined:
        """Each series against the baseline of its own kind: where both metrics carry a label the
        indicator is not tracked by (a model's `version`), per value of it first, then averaged,
        so a new version's baseline, published before its first accuracy, is compared with
        nothing rather than with the old version's accuracy. Only where the baseline is above 0,
        as a ratio's denominator: a new model's gauges both at their default 0 are no value, not
        0 / 0 = NaN, which blanked its category's score and the composite."""
        shared = sorted(set(state.spec.metric(self.series.metric).labels) & set(state.spec.metric(self.baseline.metric).labels)
                        - set(state.keeps))
        current, baseline = (state.aggregate("avg", promql.placed(selected), *shared) for selected in (self.series, self.baseline))
        relative = guarded(promql.join("(\n  ", current, "\n-\n  ", baseline, "\n)\n/\n", baseline), baseline, None)
        return state.aggregate("avg", relative) if shared else relative

    def inputs(self, make: Maker, wanted: float) -> Inputs | None:
        baseline = float(VOLUME)
        ok = make.add(self.baseline, gauge(baseline, make.steps)) and make.add(self.series, gauge(baseline * (1 + wanted), make.steps))
        return make.done((baseline * (1 + wanted) - baseline) / baseline, STEP) if ok else None
