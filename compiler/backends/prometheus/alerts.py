"""The alerts of one indicator: a rule per escalation level its thresholds raise (overrides as
rules of their own), a no-data alert, burn-rate alerts for availability objectives, and the
escalation of levels with `escalate_after`. Labels are the shared contract in conventions;
the value is never a label."""

from __future__ import annotations

from typing import TYPE_CHECKING

from compiler import conventions, durations, presence, present, promql
from compiler.backends.prometheus.measures import number
from compiler.backends.prometheus.overrides import Selection, selections
from compiler.backends.prometheus.plan import ALERT, RECORD, Rule
from compiler.model import Indicator, Spec, Threshold, tolerance

if TYPE_CHECKING:  # the forms build on this backend: it never imports them
    from compiler.measures.availability import Availability


def _static(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Alert label values are templates too: spec text in them is escaped like annotations."""
    return tuple((name, present.template_literal(value)) for name, value in labels.items())


def rules(spec: Spec, indicator: Indicator, panel: int) -> list[Rule]:
    """Alerts that read the indicator's recorded value, in its group; `panel` is its dashboard panel."""
    series = conventions.indicator_series(spec, indicator)
    return [_threshold_alert(spec, indicator, panel, selection, threshold)
            for selection in selections(indicator, series) for threshold in selection.thresholds]


def watch_rules(spec: Spec, indicator: Indicator, panel: int) -> list[Rule]:
    """Rules that read source series or other alerts, in the indicator's short-window group:
    who reports, and the alerts on it."""
    found = [presence_rule(spec, indicator), _no_data(spec, indicator, panel)]
    if (budget := indicator.measure.budget()) is not None:
        found += _burn_rates(spec, indicator, panel, budget)
    return [rule for rule in found if rule is not None] + _escalations(spec, indicator, panel)


def _threshold_alert(spec: Spec, indicator: Indicator, panel: int, selection: Selection, threshold: Threshold) -> Rule:
    title = present.template_literal(indicator.title)
    summary = f"{title}{present.template_literal(selection.where)}: {present.level_rule(indicator, threshold)}"
    target = present.met(indicator, selection.limit("target", indicator))
    warning = present.breached(indicator, selection.limit("warning", indicator))
    description = (f"{title} is {present.template(indicator)}{_where(spec, indicator)}; "
                   f"target {target}, warning sign {warning}. {present.template_literal(indicator.definition)}")
    # An override's tracking labels come with its data anyway; as static labels they also tell
    # its rules apart from the default ones (promtool rejects same-name, same-label rules).
    labels = conventions.alert_labels(spec, indicator, threshold.level)
    if selection.override is not None:
        labels = dict(selection.override.when) | labels
    return Rule(ALERT, conventions.alert_name(spec.name, indicator.id),
                f"{selection.series} {indicator.breach_operator} {_bound(indicator, threshold)}",
                durations.text(threshold.for_seconds) if threshold.for_seconds else None, _static(labels),
                _annotations(spec, indicator, panel, summary, description, with_labels=True),
                threshold.level, selection.override, (f"{indicator.breach_operator} {_shown(threshold.value)}",),
                reads=promql.joined_reads(selection.series))


def _shown(value: float) -> str:
    """A threshold as `indicators diff` shows it: the number the rule compares against, without its tolerance."""
    return format(value, ".12g")


def _bound(indicator: Indicator, threshold: Threshold) -> str:
    """Threshold.bound as PromQL: the threshold and its tolerance, as the model has them."""
    side = "-" if indicator.good == "higher" else "+"
    return f"{number(threshold.value)} {side} {number(threshold.tolerance)}"


def _where(spec: Spec, indicator: Indicator) -> str:
    labels = (*spec.global_labels, *indicator.track_by)
    if not labels:
        return ""
    return " for " + ", ".join(f"{label} {{{{ $labels.{label} }}}}" for label in labels)


def _annotations(spec: Spec, indicator: Indicator, panel: int, summary: str, description: str,
                 with_labels: bool) -> tuple[tuple[str, str], ...]:
    """A static summary, a templated description (both with spec text already escaped), the
    runbook, and the indicator's dashboard panel, filtered to the alerting series when its
    tracking labels come with the data."""
    url = present.template_literal(conventions.dashboard_url(spec, indicator, panel))
    if with_labels:
        # the dashboards have a variable per global and tracking label; values may need encoding
        url += "".join(f"&var-{label}={{{{ $labels.{label} | urlquery }}}}" for label in (*spec.global_labels, *indicator.track_by))
    annotations = {"summary": summary, "description": description}
    if indicator.runbook_url:
        annotations["runbook_url"] = present.template_literal(indicator.runbook_url)
    annotations["dashboard_url"] = url
    for name, text in indicator.annotations:
        annotations.setdefault(name, present.template_literal(text))
    return tuple(annotations.items())


def presence_rule(spec: Spec, indicator: Indicator) -> Rule | None:
    """Records which entities (global and tracking label sets) report every presence source
    that carries their labels now, so that one that stops can be told apart from one never seen."""
    grouping = ", ".join((*spec.global_labels, *indicator.track_by))
    parts = [f"group by ({grouping}) ({selector.text()})" for selector in presence.per_entity(spec, indicator)]
    if not parts:
        return None
    return Rule(RECORD, conventions.presence_series(spec, indicator), "\nand\n".join(parts))


def _entity(spec: Spec, indicator: Indicator) -> str:
    return "/".join((*spec.global_labels, *indicator.track_by)) or "series"


def _silent_where(spec: Spec, indicator: Indicator) -> str:
    """The labels are absent when nothing reports anywhere, so the text names them, not their values."""
    if not (*spec.global_labels, *indicator.track_by):
        return ""
    return f" anywhere, or by the {_entity(spec, indicator)} this alert is labelled with"


def _no_data(spec: Spec, indicator: Indicator, panel: int) -> Rule | None:
    """Fires when a presence source is absent everywhere, or when an entity that reported
    within `forget_after` has stopped, for `no_data_for`: the indicator cannot be evaluated
    there. An entity silent for longer than `forget_after` is forgotten and resolves."""
    level = spec.escalation.level_for(conventions.NO_DATA_THRESHOLD)
    sources = presence.sources(spec, indicator)
    if level is None or not sources:
        return None
    reads = [f"absent({selector.text()})" for selector in sources]
    if presence_rule(spec, indicator) is not None:
        reporting = conventions.presence_series(spec, indicator)
        reads.append(f"(\n  last_over_time({reporting}[{durations.text(indicator.forget_after)}])\nunless\n  {reporting}\n)")
    silence = durations.human(indicator.no_data_for)
    return Rule(
        ALERT, conventions.alert_name(spec.name, indicator.id, conventions.NO_DATA_SUFFIX), "\nor\n".join(reads),
        durations.text(indicator.no_data_for), _static(conventions.alert_labels(spec, indicator, level.name)),
        _annotations(
            spec, indicator, panel, f"{present.template_literal(indicator.title)} has no data",
            f"No {' or '.join(selector.metric for selector in sources)} has been reported for {silence}{_silent_where(spec, indicator)}: "
            f"{present.template_literal(indicator.title)} cannot be evaluated there and none of its alerts can fire. Check the exporter and "
            f"the scrape targets. A {_entity(spec, indicator)} silent for {durations.human(indicator.forget_after)} is forgotten.",
            with_labels=False),
        level.name, reads=promql.joined_reads(*reads))


def _burn_rates(spec: Spec, indicator: Indicator, panel: int, measure: Availability) -> list[Rule]:
    """Multi-window multi-burn-rate alerts: one rule per level, each long window confirmed by
    its short window so that the alert stops soon after the errors do."""
    budget = 1 - measure.objective
    by_level: dict[str, list[str]] = {}
    factors: dict[str, list[float]] = {}
    bounds: dict[str, list[str]] = {}
    for burn in measure.burn_rates:
        level = spec.escalation.raising(burn.threshold).name
        burning = burn.factor * budget
        bound = f"{number(burning)} + {number(tolerance(burning))}"  # float noise is no burn, as no breach
        long_series = conventions.error_ratio_series(spec, indicator, burn.long)
        short_series = conventions.error_ratio_series(spec, indicator, burn.short)
        by_level.setdefault(level, []).append(f"(\n  {long_series} > {bound}\nand\n  {short_series} > {bound}\n)")
        factors.setdefault(level, []).append(burn.factor)
        bounds.setdefault(level, []).extend([f"> {_shown(burning)}"] * 2)  # the long window's and the short one's
    objective = f"{measure.objective * 100:.10g}%"
    period = durations.human(measure.period)
    found = []
    for level, conditions in by_level.items():
        windows = ", ".join(f"{factor:g}x" for factor in factors[level])
        found.append(Rule(
            ALERT, conventions.alert_name(spec.name, indicator.id, conventions.BURN_RATE_SUFFIX), "\nor\n".join(conditions),
            None, _static(conventions.alert_labels(spec, indicator, level)),
            _annotations(
                spec, indicator, panel, f"{present.template_literal(indicator.title)} burns its error budget too fast",
                f"The error ratio of {present.template_literal(indicator.title)} is {{{{ $value | humanizePercentage }}}}{_where(spec, indicator)}: "
                f"at this rate ({windows} the budget in both windows) the {objective} objective over {period} will be missed.",
                with_labels=True),
            level, thresholds=tuple(bounds[level])))
    return found


def _escalations(spec: Spec, indicator: Indicator, panel: int) -> list[Rule]:
    """An alert of a level with `escalate_after` still firing after that long is raised again
    as the next level (labelled so, so it is routed and inhibited like that level)."""
    raised = {level for _, level in conventions.raised_levels(spec, indicator)}
    levels = spec.escalation.alerting
    found = []
    for lower, higher in zip(levels, levels[1:]):
        if lower.escalate_after is None or lower.name not in raised:
            continue
        firing = (f'ALERTS{{alertstate="firing", {conventions.INDICATOR_LABEL}="{indicator.id}", '
                  f'{conventions.LEVEL_LABEL}="{lower.name}"}}')
        after = durations.human(lower.escalate_after)
        found.append(Rule(
            ALERT, conventions.alert_name(spec.name, indicator.id, conventions.ESCALATED_SUFFIX),
            f"max without (alertname, alertstate) ({firing})", durations.text(lower.escalate_after),
            _static(conventions.alert_labels(spec, indicator, higher.name)),
            _annotations(
                spec, indicator, panel, f"{present.template_literal(indicator.title)} is still {lower.name} after {after}",
                f"A {lower.name} alert of {present.template_literal(indicator.title)}{_where(spec, indicator)} has been firing for {after} "
                f"without being resolved; it is escalated to {higher.name}.", with_labels=True),
            higher.name))
    return found
