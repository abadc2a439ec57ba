"""Health scores: 0 to 100 per indicator (100 at or beyond the target, 0 at or beyond the
warning sign, linear between, whichever direction is good), their averages per indicator,
group, category and scorecard entry, the monthly review's weighted composite (8.1.8) and the
ROI multiplier (8.1.9)."""

from __future__ import annotations

from compiler import conventions, durations, promql
from compiler.backends.prometheus.measures import number
from compiler.backends.prometheus.overrides import Selection
from compiler.backends.prometheus.plan import RECORD, Rule
from compiler.model import Indicator, RoiTerm, ScorecardEntry, Selector, Spec


def score_rule(spec: Spec, indicator: Indicator, chosen: list[Selection]) -> Rule:
    """One recorded score of the value's `chosen` selections; an override's series are scored
    against its own target and warning."""
    parts = []
    for selection in chosen:
        target, warning = selection.limit("target", indicator), selection.limit("warning", indicator)
        if target == warning:  # zero tolerance: all or nothing
            met = ">=" if indicator.good == "higher" else "<="
            parts.append(promql.join("100 * (", selection.series, f" {met} bool {number(target)})"))
        else:
            parts.append(promql.join("clamp_max(clamp_min(\n  (", selection.series,
                                     f" - {number(warning)}) / {number(target - warning)} * 100,\n0), 100)"))
    score = promql.join_by("\nor\n", parts)
    return Rule(RECORD, conventions.score_series(spec, indicator), score.text, indicator=indicator.id,
                keeps=conventions.tracking(spec, indicator), reads=score.reads)


def latest(spec: Spec, series: str) -> str:
    """A score or value as the scorecard reads it: recorded in another group (every minute,
    or every slow interval in a long-window or scorecard group), at times of that group's own,
    so an instant read would find it only within Prometheus' 5m look-back of its last
    evaluation, never at a slow interval of 5m or more once the groups drift apart. The newest
    sample within twice the slowest of those intervals (at least the look-back) is found even
    after one late evaluation."""
    reach = max(promql.LOOKBACK_DELTA, 2 * spec.output.slow_group_interval)
    return f"last_over_time({series}[{durations.text(reach)}])"


def indicator_rollup(spec: Spec, indicator: Indicator) -> Rule:
    """The indicator's score averaged to the global labels and labelled with its indicator,
    group and category: what every other rollup reads. It lives in its category's part of the
    scorecard, so the scorecard's own file grows with the groups and categories, not the indicators.
    A scorecard rule: it has no owner."""
    score = promql.placed(Selector(conventions.score_series(spec, indicator)), latest(spec, promql.PART))
    averaged = promql.join(f"avg by ({', '.join(spec.global_labels)}) (", score, ")")
    return Rule(RECORD, conventions.rollup_score_series(spec, conventions.INDICATOR_LABEL), averaged.text,
                labels=((conventions.INDICATOR_LABEL, indicator.id), (conventions.GROUP_LABEL, indicator.group),
                        (conventions.CATEGORY_LABEL, indicator.category)),
                keeps=(*spec.global_labels, conventions.INDICATOR_LABEL), reads=averaged.reads)


def scorecard_rules(spec: Spec) -> list[Rule]:
    """Rollups of the per-indicator averages (indicator_rollup) per group, category and
    scorecard entry. Each keeps the global labels and the label it averages by. A spec without
    indicators has nothing to roll up."""
    if not spec.indicators:
        return []
    grouping = ", ".join(spec.global_labels)
    per_indicator = conventions.rollup_score_series(spec, conventions.INDICATOR_LABEL)
    found = []
    for label in (conventions.GROUP_LABEL, conventions.CATEGORY_LABEL):
        labels = ", ".join((*spec.global_labels, label))
        found.append(Rule(RECORD, conventions.rollup_score_series(spec, label), f"avg by ({labels}) ({latest(spec, per_indicator)})",
                          keeps=(*spec.global_labels, label)))
    per_entry = conventions.rollup_score_series(spec, conventions.SCORECARD_LABEL)
    found += [Rule(RECORD, per_entry, f"avg by ({grouping}) ({_members(spec, per_indicator, entry)})",
                   labels=((conventions.SCORECARD_LABEL, entry.id),), keeps=(*spec.global_labels, conventions.SCORECARD_LABEL))
              for entry in spec.scorecard if entry.indicators]
    scored = [(number(entry.weight), f'{per_entry}{{{conventions.SCORECARD_LABEL}="{entry.id}"}}')
              for entry in spec.scorecard if entry.indicators]  # entries whose groups hold no indicator yet weigh nothing
    if scored:
        # weighted over the entries that have a score (each entry keeps its scorecard label, so
        # `or` holds them all): one not scored yet (no people metrics collected) leaves the
        # composite to the others, where a sum of all would have no value at all
        weighted = "\nor\n".join(f"{weight} * {entry}" for weight, entry in scored)
        weights = "\nor\n".join(f"({entry} * 0 + {weight})" for weight, entry in scored)
        found.append(Rule(RECORD, conventions.composite_score_series(spec),
                          f"sum by ({grouping}) (\n{weighted}\n)\n/\nsum by ({grouping}) (\n{weights}\n)", keeps=spec.global_labels))
    if spec.roi is not None:
        terms = "\n+\n".join(f"{number(term.coefficient)} * {_roi_input(spec, term)}" for term in spec.roi.terms)
        found.append(Rule(RECORD, conventions.roi_series(spec), f"clamp_min(\n  {number(spec.roi.intercept)}\n+\n{terms},\n0)",
                          keeps=spec.global_labels))
    return found


def _members(spec: Spec, per_indicator: str, entry: ScorecardEntry) -> str:
    """The entry's indicators selected as the spec names them, by group and category, so that
    its rule does not grow with the indicators; an indicator in both is one series of the `or`."""
    parts = [latest(spec, f'{per_indicator}{{{label}=~"{"|".join(names)}"}}')
             for label, names in ((conventions.GROUP_LABEL, entry.groups), (conventions.CATEGORY_LABEL, entry.categories)) if names]
    return " or ".join(parts)


def _roi_input(spec: Spec, term: RoiTerm) -> str:
    """A term's input on the model's 0-1 scale, scaled and capped as the spec says."""
    grouping = ", ".join(spec.global_labels)
    if term.source == "indicator":
        indicator = next(i for i in spec.indicators if i.id == term.reference)
        value = f"avg by ({grouping}) ({latest(spec, conventions.indicator_series(spec, indicator))})"
    elif term.source == "scorecard":
        entry = conventions.rollup_score_series(spec, conventions.SCORECARD_LABEL)
        value = f'avg by ({grouping}) ({entry}{{{conventions.SCORECARD_LABEL}="{term.reference}"}}) / 100'
    else:
        value = f"({promql.keep_labels(term.reference, spec.global_labels)})"
    if term.scale != 1:
        value = f"{value} * {number(term.scale)}"
    return f"clamp_max({value}, {number(term.max)})" if term.max is not None else f"({value})"
