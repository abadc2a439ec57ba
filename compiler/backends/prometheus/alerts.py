"""The alerts of one indicator: a rule per escalation level its thresholds raise (overrides as
rules of their own), a no-data alert, burn-rate alerts for availability objectives, and the
escalation of levels with `escalate_after`. Labels are the shared contract in conventions;
the value is never a label."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from compiler import conventions, durations, presence, present, promql
from compiler.backends.prometheus.measures import number
from compiler.backends.prometheus.overrides import Selection, selections
from compiler.backends.prometheus.plan import ALERT, RECORD, Rule
from compiler.model import Indicator, Override, Selector, Spec, Threshold, tolerance

if TYPE_CHECKING:  # the forms build on this backend: it never imports them
    from compiler.measures.availability import Availability, Budget, BurnRate


def _static(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Alert label values are templates too: spec text in them is escaped like annotations."""
    return tuple((name, present.template_literal(value)) for name, value in labels.items())


@dataclass(frozen=True)
class _Alerting:
    """What every alert of one indicator says alike, worked out once for the indicator."""

    spec: Spec
    indicator: Indicator
    panel_url: str  # opens its dashboard panel, which its alerts link to
    keeps: tuple[str, ...]  # conventions.tracking
    title: str  # escaped, as every alert text has it
    where: str  # ' for cluster {{ $labels.cluster }}': the tracking labels' values, for templated texts
    links: tuple[tuple[str, str], ...]  # the annotations after summary and description: _links, filtered

    @classmethod
    def of(cls, spec: Spec, indicator: Indicator, panel_url: str) -> _Alerting:
        keeps = conventions.tracking(spec, indicator)
        where = " for " + ", ".join(f"{label} {{{{ $labels.{label} }}}}" for label in keeps) if keeps else ""
        return cls(spec, indicator, panel_url, keeps, present.template_literal(indicator.title), where,
                   _links(spec, indicator, panel_url, with_labels=True))

    def alert(self, suffix: str, expr: str, hold: str | None, level: str, summary: str, description: str,
              when: tuple[tuple[str, str], ...] = (), filtered: bool = True, **plan) -> Rule:
        """One of the indicator's alerts, raising `level`: labelled with the contract (after an
        override's `when`), annotated with `summary`, `description` and the indicator's links,
        whose dashboard is `filtered` to the alerting series."""
        links = self.links if filtered else _links(self.spec, self.indicator, self.panel_url, with_labels=False)
        return Rule(ALERT, conventions.alert_name(self.spec.name, self.indicator.id, suffix), expr, hold,
                    _static(dict(when) | conventions.alert_labels(self.spec, self.indicator, level)),
                    (("summary", summary), ("description", description), *links), level,
                    indicator=self.indicator.id, keeps=self.keeps, **plan)


def rules(spec: Spec, indicator: Indicator, panel_url: str, chosen: list[Selection]) -> tuple[list[Rule], list[Rule]]:
    """The indicator's alerts and what they need, in two parts: the alerts on its recorded value's
    `chosen` selections and their escalations, in its group (an escalation reads the threshold
    alerts' ALERTS, written when their group runs: in a slower group than its own, an instant
    read would lose them between two of their evaluations, and the escalation's `for` begin
    again); and the rules that read source series, in its short-window group: who reports, the
    no-data alert and the burn-rate alerts. `panel_url` opens its dashboard panel."""
    alerting = _Alerting.of(spec, indicator, panel_url)
    valued = [alert for selection in chosen for alert in _threshold_alerts(alerting, selection)]
    reporting = presence_rule(spec, indicator)
    watch = [reporting, _no_data(alerting, reporting)]
    if (budget := indicator.measure.budget()) is not None:
        watch += _burn_rates(alerting, budget)
    return valued + _escalations(alerting), [rule for rule in watch if rule is not None]


def _threshold_alerts(alerting: _Alerting, selection: Selection) -> list[Rule]:
    """A rule per threshold of one selection: the summary's heading, the description and the
    reads are the selection's, made once for all its thresholds."""
    indicator = alerting.indicator
    heading = f"{alerting.title}{present.template_literal(selection.where)}: "
    target = present.met(indicator, selection.limit("target", indicator))
    warning = present.breached(indicator, selection.limit("warning", indicator))
    description = (f"{alerting.title} is {present.template(indicator)}{alerting.where}; "
                   f"target {target}, warning sign {warning}. {present.template_literal(indicator.definition)}")
    # An override's tracking labels come with its data anyway; as static labels they also tell
    # its rules apart from the default ones (promtool rejects same-name, same-label rules).
    when = selection.override.when if selection.override is not None else ()
    series = selection.series
    return [alerting.alert("", f"{series.text} {indicator.breach_operator} {_bound(indicator, threshold)}",
                           durations.text(threshold.for_seconds) if threshold.for_seconds else None, threshold.level,
                           heading + present.level_rule(indicator, threshold), description, when, override=selection.override,
                           thresholds=(present.compared(indicator, threshold.value),), reads=series.reads)
            for threshold in selection.thresholds]


def _shown(value: float) -> str:
    """A threshold as `indicators diff` shows it: the number the rule compares against, without its tolerance."""
    return format(value, ".12g")


def _bound(indicator: Indicator, threshold: Threshold) -> str:
    """Threshold.bound as PromQL: the threshold and its tolerance, as the model has them."""
    side = "-" if indicator.good == "higher" else "+"
    return f"{number(threshold.value)} {side} {number(threshold.tolerance)}"


def _links(spec: Spec, indicator: Indicator, panel_url: str, with_labels: bool) -> tuple[tuple[str, str], ...]:
    """What an alert annotates after its static summary and templated description (both with
    spec text already escaped): the runbook, and the indicator's dashboard panel, filtered to
    the alerting series when its tracking labels come with the data; then the indicator's own
    annotations, which replace none of these."""
    url = present.template_literal(panel_url)
    if with_labels:
        # the dashboards have a variable per global and tracking label; values may need encoding
        url += "".join(f"&var-{label}={{{{ $labels.{label} | urlquery }}}}" for label in conventions.tracking(spec, indicator))
    annotations = {"summary": "", "description": ""}  # each alert's own, which hold their places
    if indicator.runbook_url:
        annotations["runbook_url"] = present.template_literal(indicator.runbook_url)
    annotations["dashboard_url"] = url
    for name, text in indicator.annotations:
        annotations.setdefault(name, present.template_literal(text))
    return tuple(annotations.items())[2:]


def presence_rule(spec: Spec, indicator: Indicator) -> Rule | None:
    """Records which entities (global and tracking label sets) report every presence source
    that carries their labels now, so that one that stops can be told apart from one never seen."""
    keeps = conventions.tracking(spec, indicator)
    selectors = presence.per_entity(spec, indicator)
    if not selectors:
        return None
    grouping = f"group by ({', '.join(keeps)}) ("
    reporting = promql.join_by("\nand\n", [promql.join(grouping, promql.placed(selector), ")") for selector in selectors])
    return Rule(RECORD, conventions.presence_series(spec, indicator), reporting.text,
                indicator=indicator.id, keeps=keeps, reads=reporting.reads)


def _entity(alerting: _Alerting) -> str:
    return "/".join(alerting.keeps) or "series"


def _silent_where(alerting: _Alerting) -> str:
    """The labels are absent when nothing reports anywhere, so the text names them, not their values."""
    if not alerting.keeps:
        return ""
    return f" anywhere, or by the {_entity(alerting)} this alert is labelled with"


def _no_data(alerting: _Alerting, reporting: Rule | None) -> Rule | None:
    """Fires when a presence source is absent everywhere, or when an entity that reported
    within `forget_after` has stopped, for `no_data_for`: the indicator cannot be evaluated
    there. An entity silent for longer than `forget_after` is forgotten and resolves.
    `reporting` is the indicator's presence_rule, if it has one."""
    spec, indicator = alerting.spec, alerting.indicator
    level = spec.escalation.level_for(conventions.NO_DATA_THRESHOLD)
    sources = presence.sources(spec, indicator)
    if level is None or not sources:
        return None
    parts = [promql.join("absent(", promql.placed(selector), ")") for selector in sources]
    if reporting is not None:
        reported = Selector(reporting.name)
        parts.append(promql.join("(\n  ", promql.placed(reported, f"last_over_time({promql.PART}[{durations.text(indicator.forget_after)}])"),
                                 "\nunless\n  ", promql.placed(reported), "\n)"))
    silent = promql.join_by("\nor\n", parts)
    silence = durations.human(indicator.no_data_for)
    return alerting.alert(
        conventions.NO_DATA_SUFFIX, silent.text, durations.text(indicator.no_data_for), level.name,
        f"{alerting.title} has no data",
        f"No {' or '.join(selector.metric for selector in sources)} has been reported for {silence}{_silent_where(alerting)}: "
        f"{alerting.title} cannot be evaluated there and none of its alerts can fire. Check the exporter and "
        f"the scrape targets. A {_entity(alerting)} silent for {durations.human(indicator.forget_after)} is forgotten.",
        filtered=False, reads=silent.reads)


def _burn_rates(alerting: _Alerting, measure: Availability) -> list[Rule]:
    """Multi-window multi-burn-rate alerts: one rule per level, each long window confirmed by
    its short window so that the alert stops soon after the errors do. The series an override
    selects are judged against its own objective's budget by rules of their own, and the
    default rules exclude them, exactly as the threshold alerts do (overrides.selections)."""
    spec, indicator = alerting.spec, alerting.indicator
    windows = measure.windows()
    chosen = {window: selections(indicator, conventions.error_ratio_series(spec, indicator, window)) for window in windows}
    found = []
    for position, (override, budget) in enumerate(measure.budgets(indicator.overrides)):
        found += _burn_rules(alerting, measure, override, budget, {window: chosen[window][position] for window in windows})
    return found


def _burn_rules(alerting: _Alerting, measure: Availability, override: Override | None, budget: Budget,
                chosen: dict[float, Selection]) -> list[Rule]:
    """The burn-rate alerts of the series one selection judges (`chosen`: per window, its error
    ratio's series they read) against `budget`."""
    spec = alerting.spec
    by_level: dict[str, list[BurnRate]] = {}
    for burn in budget.burn_rates:
        by_level.setdefault(spec.escalation.raising(burn.threshold).name, []).append(burn)
    allowed = 1 - budget.objective
    objective = f"{budget.objective * 100:.10g}%"
    period = durations.human(measure.period)
    when = override.when if override is not None else ()
    where = present.template_literal(chosen[measure.windows()[0]].where)
    found = []
    for level, burns in by_level.items():
        conditions: list[promql.Joined] = []
        bounds: list[str] = []
        for burn in burns:
            burning = burn.factor * allowed
            bound = f"{number(burning)} + {number(tolerance(burning))}"  # float noise is no burn, as no breach
            long, short = chosen[burn.long].series, chosen[burn.short].series
            conditions.append(promql.join("(\n  ", long, f" > {bound}\nand\n  ", short, f" > {bound}\n)"))
            bounds += [f"> {_shown(burning)}"] * 2  # the long window's and the short one's
        factors = ", ".join(f"{burn.factor:g}x" for burn in burns)
        fast = promql.join_by("\nor\n", conditions)
        found.append(alerting.alert(
            conventions.BURN_RATE_SUFFIX, fast.text, None, level,
            f"{alerting.title}{where} burns its error budget too fast",
            f"The error ratio of {alerting.title} is {{{{ $value | humanizePercentage }}}}{alerting.where}: "
            f"at this rate ({factors} the budget in both windows) the {objective} objective over {period} will be missed.",
            when, override=override, thresholds=tuple(bounds), reads=fast.reads))
    return found


def _escalations(alerting: _Alerting) -> list[Rule]:
    """An alert of a level with `escalate_after` still firing after that long is raised again
    as the next level (labelled so, so it is routed and inhibited like that level)."""
    spec, indicator = alerting.spec, alerting.indicator
    if not spec.escalation.escalating:  # then what the indicator raises need not be worked out
        return []
    raised = {level for _, level in conventions.raised_levels(spec, indicator)}
    found = []
    for step in spec.escalation.escalating:
        lower, higher = step.lower.name, step.higher.name
        if lower not in raised:
            continue
        alerts = Selector("ALERTS", (("alertstate", "=", "firing"), (conventions.INDICATOR_LABEL, "=", indicator.id),
                                     (conventions.LEVEL_LABEL, "=", lower)))
        firing = promql.join("max without (alertname, alertstate) (", promql.placed(alerts), ")")
        after = durations.human(step.after)
        found.append(alerting.alert(
            conventions.ESCALATED_SUFFIX, firing.text, durations.text(step.after),
            higher, f"{alerting.title} is still {lower} after {after}",
            f"A {lower} alert of {alerting.title}{alerting.where} has been firing for {after} "
            f"without being resolved; it is escalated to {higher}.", reads=firing.reads))
    return found
