"""The alerts that watch something other than the value: the no-data alert when a source is
absent everywhere or one entity stops reporting, burn-rate alerts for a fast and a slow burn
of an availability objective's error budget and at each burn rate's bound (of the default
budget and of each override's, whose series burn their own), and the escalation of a level
that has `escalate_after`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from compiler import conventions, durations, presence
from compiler.backends.prometheus.plan import Plan, Rule
from compiler.backends.prometheus.unit_tests.common import Grid, data_labels, expected_alert, group
from compiler.backends.prometheus.unit_tests.inputs import STEP, Maker, gauge, inputs, series_text
from compiler.backends.prometheus.unit_tests.thresholds import holding, past, settle
from compiler.model import Indicator, Override, Spec, tolerance

if TYPE_CHECKING:  # the forms build on this backend: it never imports them
    from compiler.measures.availability import Availability, Budget, BurnRate

REPORTED = 3600  # the sources report this long before they vanish
BURNING = 3600  # a burn is checked this long after it starts: every window's ratio is in place by then
NEAR = 0.01  # relative distance from a burn rate's bound of the error ratios just inside and beyond it


def _rule(spec: Spec, plan: Plan, indicator: Indicator, suffix: str, level: str, override: Override | None = None) -> Rule:
    return plan.alert(indicator.id, conventions.alert_name(spec.name, indicator.id, suffix), level, override)


def _other(labels: dict[str, str]) -> dict[str, str]:
    return {label: f"{value}-other" for label, value in labels.items()}


def no_data(spec: Spec, plan: Plan, indicator: Indicator, grid: Grid) -> list[dict]:
    """Nothing ever reported raises no-data after `no_data_for`, without labels; one entity
    that stops while another goes on raises it with that entity's labels after `no_data_for`,
    not before, and is forgotten after `forget_after`."""
    level = spec.escalation.level_for(conventions.NO_DATA_THRESHOLD)
    sources = presence.sources(spec, indicator)
    if level is None or not sources:
        return []
    rule = _rule(spec, plan, indicator, conventions.NO_DATA_SUFFIX, level.name)
    static = conventions.alert_labels(spec, indicator, level.name)
    name, silence = rule.name, durations.human(indicator.no_data_for)
    found = [group(f"{indicator.id}: sources never reported raise {level.name} no-data after {silence}", (),
                   [grid.alert_test(name, indicator.no_data_for - grid.step, []),
                    grid.alert_test(name, indicator.no_data_for + grid.margin, [expected_alert(rule, {}, 1, static)])])]
    if plan.kept(conventions.presence_series(spec, indicator)) is None:  # no entity to tell apart
        return found
    labels = data_labels(spec, indicator)
    stopped = REPORTED // STEP - 1
    reported = [(series_text(selector.metric, labels), f"1x{stopped} stale") for selector in sources]
    reported += [(series_text(selector.metric, _other(labels)), f"1x{grid.samples(REPORTED + indicator.forget_after + grid.margin)}")
                 for selector in sources]
    series = tuple(sorted(reported))
    silent = [expected_alert(rule, labels, 1, static)]
    found.append(group(f"{indicator.id}: one entity silent for {silence} while another reports raises {level.name} no-data",
                       series, [grid.alert_test(name, REPORTED + indicator.no_data_for - grid.step, []),
                                grid.alert_test(name, REPORTED + indicator.no_data_for + grid.margin, silent)]))
    forgotten = REPORTED + indicator.forget_after + grid.margin
    found.append(group(f"{indicator.id}: an entity silent for {durations.human(indicator.forget_after)} is forgotten",
                       series, [grid.alert_test(name, indicator.forget_after - grid.step, silent),
                                grid.alert_test(name, forgotten, [])]))
    return found


def burn_rates(spec: Spec, plan: Plan, indicator: Indicator, grid: Grid) -> list[dict]:
    """Of the default budget and of each override's (its series burn their own): a fast burn
    (beyond the largest factor) and a slow one (just beyond the smallest), and each burn rate at
    its bound."""
    measure = indicator.measure.budget()
    if measure is None or not measure.burn_rates:
        return []
    return [case for override, budget in measure.budgets(indicator.overrides)
            for case in _burns(spec, plan, indicator, measure, override, budget, grid)]


def _burns(spec: Spec, plan: Plan, indicator: Indicator, measure: Availability, override: Override | None, budget: Budget,
           grid: Grid) -> list[dict]:
    allowed = 1 - budget.objective
    factors = sorted({burn.factor for burn in budget.burn_rates})
    slow = (factors[0] + factors[1]) / 2 if len(factors) > 1 else factors[0] * 1.25
    labels = data_labels(spec, indicator, override)
    found = []
    for speed, factor in (("fast", factors[-1] * 1.25), ("slow", slow)):
        when = BURNING + grid.margin
        held = measure.held_at(Maker(spec, indicator, labels, grid.samples(when)), min(factor * allowed, 1.0))
        if held is None:
            continue
        ratio = held.value if indicator.good == "lower" else 1 - held.value
        levels = _burning(spec, indicator, held.value, override)
        name = conventions.alert_name(spec.name, indicator.id, conventions.BURN_RATE_SUFFIX)
        expected = [expected_alert(_rule(spec, plan, indicator, conventions.BURN_RATE_SUFFIX, level, override), labels, ratio,
                                   _static(spec, indicator, level, override)) for level in levels]
        found.append(group(f"{indicator.id}{_where(override)}: a {speed} burn ({factor:g}x the budget) raises {', '.join(levels)}",
                           held.series, [grid.alert_test(name, when, expected)]))
    return found + [case for burn in budget.burn_rates for case in _burn_bound(spec, plan, indicator, override, burn, allowed, grid)]


def _where(override: Override | None) -> str:
    """' model=ranker' for an override's cases, as the threshold cases name them."""
    return "".join(f" {label}={value}" for label, value in (override.when if override is not None else ()))


def _static(spec: Spec, indicator: Indicator, level: str, override: Override | None) -> dict[str, str]:
    """A burn-rate alert's static labels: an override's carries its `when`."""
    return dict(override.when if override is not None else ()) | conventions.alert_labels(spec, indicator, level)


def _burning(spec: Spec, indicator: Indicator, value: float, override: Override | None = None) -> list[str]:
    """The levels the burn-rate alerts raise while the series (the default's, or `override`'s) holds `value`, sorted."""
    measure = indicator.measure.budget()
    if measure is None:
        return []
    budget = dict(measure.budgets(indicator.overrides))[override]
    ratio = value if indicator.good == "lower" else 1 - value
    return sorted({spec.escalation.raising(burn.threshold).name for burn in budget.burn_rates
                   if ratio > burn.factor * (1 - budget.objective)})


def _burn_bound(spec: Spec, plan: Plan, indicator: Indicator, override: Override | None, burn: BurnRate, budget: float,
                grid: Grid) -> list[dict]:
    """One burn rate alone at its bound: its two windows' recorded error ratios are fed as input
    series (no source series, so no other window has a ratio and no other burn rate can fire).
    Both just beyond the bound raise its level; either window just inside, or both within float
    noise of it, raises nothing. A
    burn rate sharing its level with others is told apart from them only this way."""
    bound = burn.factor * budget
    beyond, inside = bound * (1 + NEAR), bound * (1 - NEAR)
    if beyond >= 1:
        return []
    level = spec.escalation.raising(burn.threshold).name
    name = conventions.alert_name(spec.name, indicator.id, conventions.BURN_RATE_SUFFIX)
    labels = data_labels(spec, indicator, override)
    rule = _rule(spec, plan, indicator, conventions.BURN_RATE_SUFFIX, level, override)
    when = grid.margin
    steps = grid.samples(when)
    windows = f"{durations.text(burn.long)}/{durations.text(burn.short)}"
    found = []
    noise = bound + tolerance(bound) / 10
    for case, long_ratio, short_ratio in (("both windows just beyond", beyond, beyond), ("the long window just inside", inside, beyond),
                                          ("the short window just inside", beyond, inside), ("both within float noise of it", noise, noise)):
        fires = long_ratio > bound + tolerance(bound) and short_ratio > bound + tolerance(bound)
        series = tuple(sorted((series_text(conventions.error_ratio_series(spec, indicator, window), labels), gauge(ratio, steps))
                              for window, ratio in ((burn.long, long_ratio), (burn.short, short_ratio))))
        expected = [expected_alert(rule, labels, long_ratio, _static(spec, indicator, level, override))] if fires else []
        found.append(group(f"{indicator.id}{_where(override)}: {burn.factor:g}x over {windows}, {case}, raises {level if fires else 'nothing'}",
                           series, [grid.alert_test(name, when, expected)]))
    return found


def escalations(spec: Spec, plan: Plan, indicator: Indicator, grid: Grid) -> list[dict]:
    """A threshold's alert left firing for `escalate_after` is raised again as the next level,
    not before: `escalate_after` after the threshold's `for`, or after the start when a burn-rate
    alert of that level fires at the same value (any alert of the level escalates)."""
    thresholds = indicator.thresholds
    found = []
    for step in spec.escalation.escalating:
        lower, higher = step.lower, step.higher
        index = next((i for i, t in enumerate(thresholds) if t.level == lower.name), None)
        if index is None:
            continue
        labels = data_labels(spec, indicator)
        wanted = past(indicator, thresholds, index)
        probe = inputs(spec, indicator, labels, wanted, 1)
        if probe is None:
            continue
        breached = [t for t in thresholds if t.breached_by(probe.value, indicator.good)]
        fired, _ = settle(probe.warmup + thresholds[index].for_seconds + grid.margin, breached, probe.warmup, grid)
        when = fired + step.after + grid.margin
        held = holding(spec, indicator, labels, wanted, grid.samples(when))
        name = conventions.alert_name(spec.name, indicator.id, conventions.ESCALATED_SUFFIX)
        lower_labels = labels | conventions.alert_labels(spec, indicator, lower.name)
        expected = [expected_alert(_rule(spec, plan, indicator, conventions.ESCALATED_SUFFIX, higher.name), lower_labels, 1,
                                   conventions.alert_labels(spec, indicator, higher.name))]
        early = (0 if lower.name in _burning(spec, indicator, probe.value) else thresholds[index].for_seconds) + step.after - grid.step
        found.append(group(f"{indicator.id}: {lower.name} left firing for {durations.human(step.after)} escalates to {higher.name}",
                           held.series, [grid.alert_test(name, early, []), grid.alert_test(name, when, expected)]))
    return found
