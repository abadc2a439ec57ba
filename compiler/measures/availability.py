"""`availability`: an objective over a period (99.9% of requests succeed over 30 days), its
value the availability (or, where lower is good, the error ratio), watched by multi-window
multi-burn-rate alerts on its error budget."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from compiler import conventions, durations, promql, spec
from compiler.backends.prometheus.measures import LONG_WINDOW, Value, guarded, or_zero
from compiler.backends.prometheus.plan import RECORD, Rule
from compiler.backends.prometheus.unit_tests.inputs import VOLUME, Inputs, Maker, warmup
from compiler.measures import DURATION, MIN_VOLUME, SELECTOR, Measure, selector
from compiler.model import Override, Selector
from compiler.promql import Joined
from compiler.spec_types import Indicator as TypedIndicator
from compiler.spec_types import Override as TypedOverride


@dataclass(frozen=True)
class BurnRate:
    long: float
    short: float
    factor: float
    threshold: str  # target | warning | critical: the level it raises is that threshold's


@dataclass(frozen=True)
class Budget:
    """An objective and the burn rates that watch its error budget (1 - the objective): the
    indicator's, or an override's, whose target is its series' objective."""
    objective: float
    burn_rates: tuple[BurnRate, ...]


def _burn_rate(raw: dict, indicator: TypedIndicator, override: TypedOverride | None) -> BurnRate:
    threshold = raw.get("threshold") or spec.burn_threshold(indicator, float(raw["factor"]), override)
    assert threshold is not None, "checks.burn_rates rejects a burn within the target"
    return BurnRate(durations.seconds(raw["long"]), durations.seconds(raw["short"]), float(raw["factor"]), threshold)


def _budget(indicator: TypedIndicator, override: TypedOverride | None = None) -> Budget:
    return Budget(spec.objective(indicator, override), tuple(_burn_rate(b, indicator, override) for b in spec.burn_rates(indicator)))


@dataclass(frozen=True)
class Availability(Measure):
    name: ClassVar[str] = "availability"
    schema: ClassVar[dict[str, object]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "errors": SELECTOR, "total": SELECTOR,
            "objective": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1,
                          "description": "The availability to keep over the period; defaults to the target's (1 - the error ratio the "
                                         "target allows), and must agree with it. An override's target is its series' objective: their "
                                         "burn-rate alerts burn its budget."},
            "period": {**DURATION, "default": "30d"},
            "min_volume": MIN_VOLUME,
            "burn_rates": {
                "type": "array", "minItems": 1,
                "items": {
                    "type": "object", "additionalProperties": False,
                    "properties": {
                        "long": DURATION, "short": DURATION,
                        "factor": {"type": "number", "exclusiveMinimum": 0,
                                   "description": "How many times faster than the objective allows the error budget burns."},
                        "threshold": {"enum": ["target", "warning", "critical"],
                                      "description": "The threshold whose escalation level this burn rate raises; by default the most "
                                                     "severe threshold an error ratio of factor x the budget is beyond. A more severe one "
                                                     "than that is an error."},
                    },
                    "required": ["long", "short", "factor"],
                },
                "description": "Multi-window multi-burn-rate alerts; the default is the SRE workbook's: 14.4x over 1h and 5m, 6x over 6h "
                               "and 30m, 3x over 1d and 2h, 1x over 3d and 6h, each raising the level of the most severe threshold its "
                               "error ratio is beyond.",
            },
        },
        "required": ["errors", "total"],
        "description": "An availability objective over error and total counters, with multi-window multi-burn-rate alerts.",
    }
    selectors: ClassVar[dict[str, tuple[str, ...]]] = {"errors": ("counter",), "total": ("counter",)}
    fraction: ClassVar[bool] = True
    share: ClassVar[bool] = True
    errors: Selector
    total: Selector
    objective: float
    period: float
    min_volume: float | None
    burn_rates: tuple[BurnRate, ...]
    overridden: tuple[Budget, ...] = ()  # each override's objective and burn rates, in the indicator's order of overrides

    @classmethod
    def from_spec(cls, body: dict, window: float, indicator: TypedIndicator) -> Availability:
        own = _budget(indicator)
        return cls(selector(body, "errors"), selector(body, "total"), own.objective,
                   durations.seconds(body.get("period", spec.DEFAULT_PERIOD)), body.get("min_volume"), own.burn_rates,
                   tuple(_budget(indicator, override) for override in indicator.overrides))

    def budgets(self, overrides: tuple[Override, ...]) -> list[tuple[Override | None, Budget]]:
        """The default budget (None: the series no override selects), then each of the indicator's
        `overrides` with its own: the burn-rate alerts judge each override's series against their
        own budget, as its threshold alerts judge them against its thresholds."""
        return [(None, Budget(self.objective, self.burn_rates)), *zip(overrides, self.overridden)]

    def operation(self, good: str) -> str:
        """Where lower is good the series holds the error ratio, and is named so."""
        return f"{'availability' if good == 'higher' else 'error_ratio'}{durations.text(self.period)}"

    def sources(self) -> list[str]:
        return [self.total.metric]  # no error counted yet is calm

    def budget(self) -> Availability:
        return self

    def value(self, state: Value) -> Joined:
        errors = self.error_ratio(state, self.period)
        return promql.join("1 - (\n", errors, "\n)") if state.indicator.good == "higher" else errors

    def error_ratio(self, state: Value, window: float) -> Joined:
        """Failed over total requests in one window, guarded by the spec's minimum volume; no
        error counted yet is a ratio of 0."""
        total = state.counter("total", self.total, window, "rate", summed=True)
        failed = state.counter("errors", self.errors, window, "rate", summed=True)
        volume = state.counter("total", self.total, window, "increase", summed=True)
        return guarded(promql.join(or_zero(failed, total), "\n/\n", total), volume, self.min_volume)

    def windows(self) -> list[float]:
        """Every burn-rate window, each with an error ratio of its own recorded."""
        return sorted({window for burn in self.burn_rates for window in (burn.long, burn.short)})

    def error_ratio_rules(self, state: Value) -> list[Rule]:
        """Rules recording the error ratio over each burn-rate window, in the group of the burn-rate
        alerts that read them: recorded in a slower group, a ratio is found by an instant read only
        within Prometheus' 5m look-back, so one late evaluation there would resolve the alert
        (lint's stale-read check). A window of a day or more reads the hourly rollups (24 or 72
        samples a series), so evaluating it with the alerts stays cheap."""
        found = []
        for window in self.windows():
            ratio = self.error_ratio(state, window)
            found.append(Rule(RECORD, conventions.error_ratio_series(state.spec, state.indicator, window), ratio.text,
                              indicator=state.indicator.id, keeps=state.keeps, reads=ratio.reads))
        return found

    def inputs(self, make: Maker, wanted: float) -> Inputs | None:
        return self.held_at(make, wanted if make.indicator.good == "lower" else 1 - wanted)

    def held_at(self, make: Maker, errors: float) -> Inputs | None:
        """Series holding the error ratio at `errors`."""
        total = float(VOLUME) * 100
        failed = round(errors * total, 6)
        if not 0 <= failed <= total or not make.pair(self.errors, self.total, failed, total):
            return None
        ratio = failed / total
        value = ratio if make.indicator.good == "lower" else 1 - ratio
        return make.done(value, warmup(min(burn.short for burn in self.burn_rates) if self.burn_rates else LONG_WINDOW))
