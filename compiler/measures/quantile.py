"""`quantile`: a quantile of a histogram, where its window counted an observation (none is no
value, not NaN). Long windows sum the hourly bucket rates recorded in the rollup group, in the
long-window group."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from compiler import promql
from compiler.backends.prometheus.measures import ROLLUP, ROLLUP_SEEN_BEFORE, Value, counted, literal, number
from compiler.backends.prometheus.unit_tests.inputs import VOLUME, Inputs, Maker, counter, quantile_of, warmup
from compiler.durations import text as duration
from compiler.measures import SELECTOR, WINDOW, Measure, selector
from compiler.model import Selector
from compiler.promql import PART, Joined
from compiler.spec_types import Indicator as TypedIndicator

EVERY = (("le", "=", "+Inf"),)  # the bucket that counts every observation


@dataclass(frozen=True)
class Quantile(Measure):
    name: ClassVar[str] = "quantile"
    schema: ClassVar[dict[str, object]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"histogram": SELECTOR,
                       "q": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "description": "The quantile, e.g. 0.99."},
                       "window": WINDOW},
        "required": ["histogram", "q"],
        "description": ("A quantile of a histogram: histogram_quantile(q, sum by (le, ...) (rate(x_bucket[window]))), "
                        "where the window counted an observation: none is no value, not NaN."),
    }
    selectors: ClassVar[dict[str, tuple[str, ...]]] = {"histogram": ("histogram",)}
    histogram: Selector
    q: float
    window: float

    @classmethod
    def from_spec(cls, body: dict, window: float, indicator: TypedIndicator) -> Quantile:
        return cls(selector(body, "histogram"), float(body["q"]), window)

    def operation(self, good: str) -> str:
        percentile = f"{self.q * 100:g}".replace(".", "_")  # p99_9: a name has no dot
        return f"p{percentile}_rate{duration(self.window)}"

    def sources(self) -> list[str]:
        return [self.histogram.metric + "_count"]  # the whole histogram: its count exists when its buckets do

    def value(self, state: Value) -> Joined:
        """Each bucket is read inside a call (rate(), avg_over_time()), so histogram_quantile
        joins its argument as it is (promql.join)."""
        q = number(self.q)
        buckets = Selector(self.histogram.metric + "_bucket", self.histogram.matchers)
        if self.window < state.long_window:
            rate = f"rate({PART}[{duration(self.window)}])"
            rates = state.aggregate("sum", promql.placed(buckets, rate), "le")
            every = state.aggregate("sum", promql.placed(Selector(buckets.metric, buckets.matchers + EVERY), rate))
            return _observed(promql.join(f"histogram_quantile({q}, ", rates, ")"), every, state)
        # counted as a counter's rollups are: a histogram's child is created by its first
        # observation, whose buckets then appear already at 1 (a team's first rollback)
        hourly = state.aggregate("sum", counted(buckets, ROLLUP, "rate", seen=ROLLUP_SEEN_BEFORE, shared=state.spec.global_labels), "le")
        summed = state.over_long_window("bucket", "rate", hourly, self.window, summed=True)
        rollup = Selector(state.rollup("bucket", "rate").metric, EVERY)
        every = state.aggregate("sum", promql.placed(rollup, f"sum_over_time({PART}[{duration(self.window)}])"))
        return _observed(promql.join(f"histogram_quantile({q}, ", summed, ")"), every, state)

    def inputs(self, make: Maker, wanted: float) -> Inputs | None:
        """Observations split into: below the bucket holding `wanted`, in it, and above it (+Inf)."""
        bounds = list(make.spec.metric(self.histogram.metric).buckets)
        if not bounds or wanted <= 0:
            return None
        total, q = float(VOLUME) * 10, self.q
        position = next((i for i, bound in enumerate(bounds) if wanted <= bound), len(bounds) - 1)
        low = bounds[position - 1] if position else 0.0
        high = bounds[position]
        # strictly inside the bucket: a rank that equals a bucket's count exactly falls either way
        # once Prometheus has divided the counts into rates
        share = min(max((wanted - low) / (high - low), 0.02), 0.98)
        if position == 0:
            inside = min(total, q * total / share)
        else:
            inside = min(q * total / share, total * (1 - q) / (1 - share) if share < 1 else math.inf)
        inside = round(inside, 3)
        below = round(max(q * total - share * inside, 0.0), 3) if position else 0.0
        cumulative = [(bound, 0.0 if bound < low else (below if bound < high else below + inside)) for bound in bounds]
        cumulative.append((math.inf, total))
        for bound, count in cumulative:
            le = "+Inf" if bound == math.inf else literal(bound)
            if not make.add(self.histogram, counter(count, make.steps), "_bucket", {"le": le}):
                return None
        return make.done(quantile_of(q, cumulative), warmup(self.window))


def _observed(quantile: Joined, every: Joined, state: Value) -> Joined:
    """The quantile only where its window counted an observation (`every`, the +Inf bucket's
    rate or rollups' sum): over all-zero bucket rates, an idle model's or a week without a
    rollback, histogram_quantile is NaN, which every score averaged with it would turn to NaN."""
    return promql.join(quantile, f"\nand on ({state.grouping})\n(", every, " > 0)")
