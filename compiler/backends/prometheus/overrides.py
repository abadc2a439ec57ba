"""Which series of a recorded indicator each set of thresholds applies to: every override
selects its own label values but those of the overrides before it that could select the same
series (the first that matches applies), and the default selection excludes all of them, so one
series is never judged (or alerted on) twice."""

from __future__ import annotations

from dataclasses import dataclass

from compiler import promql
from compiler.model import SEVERITY_ORDER, Indicator, Override, Selector, Threshold, taken_before


@dataclass(frozen=True)
class Selection:
    override: Override | None  # None for the default thresholds
    series: promql.Joined  # PromQL selecting the series these thresholds judge, and what it reads
    thresholds: tuple[Threshold, ...]

    def limit(self, name: str, indicator: Indicator) -> float:
        """The value of threshold `name` (target or warning). A threshold dropped because a more
        severe one has the same value takes that value."""
        for later in SEVERITY_ORDER[SEVERITY_ORDER.index(name):]:
            found = next((t for t in self.thresholds if t.name == later), None)
            if found is not None:
                return found.value
        return indicator.target if name == "target" else indicator.warning

    @property
    def where(self) -> str:
        """' (model=fraud-detector)' for an override, '' for the default."""
        if self.override is None:
            return ""
        return " (" + ", ".join(f"{label}={value}" for label, value in self.override.when) + ")"


def selections(indicator: Indicator, series: str) -> list[Selection]:
    overrides = indicator.overrides
    single = tuple((label, "!=", value) for o in overrides if len(o.when) == 1 for label, value in o.when)
    default = promql.placed(Selector(series, single))
    several = [_only(series, o) for o in overrides if len(o.when) > 1]
    if several:
        default = promql.join("(", default, " unless (", promql.join_by(" or ", several), "))")
    found = [Selection(None, default, indicator.thresholds)]
    for override, earlier in zip(overrides, taken_before(overrides)):
        own = _only(series, override)
        if earlier:
            own = promql.join("(", own, " unless (", promql.join_by(" or ", [_only(series, overrides[number]) for number in earlier]), "))")
        found.append(Selection(override, own, override.thresholds))
    return found


def _only(series: str, override: Override) -> promql.Joined:
    return promql.placed(Selector(series, tuple((label, "=", value) for label, value in override.when)))
