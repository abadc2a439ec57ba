"""The scorecard's recording rules from known scores: the rollups per indicator, group,
category and scorecard entry, the weighted composite and the ROI multiplier, each expected
value computed here from the model. The scores and values are input series, so only
the scorecard's files are loaded."""

from __future__ import annotations

from statistics import fmean

from compiler import conventions, promql
from compiler.backends.prometheus.unit_tests.common import Grid, group
from compiler.backends.prometheus.unit_tests.inputs import concrete, counter, gauge, series_text
from compiler.measures import is_counter
from compiler.model import Spec

GRID = Grid(300)
EVAL_AT = 600
SATURATED = 1_000_000  # per sample: an expression term over these counters is far past its cap


def _scores(position: int, tracked: bool) -> list[float]:
    """Known, distinct scores per indicator: two tracked series, or one."""
    first = float((position * 37 + 13) % 101)
    return [first, float((position * 53 + 71) % 101)] if tracked else [first]


def scorecard_group(spec: Spec, carriers: frozenset[str]) -> dict | None:
    if not spec.indicators:
        return None
    samples = GRID.samples(EVAL_AT)
    globals_ = {label: f"test-{label}" for label in spec.global_labels}
    series: list[tuple[str, str]] = []
    average: dict[str, float] = {}
    values: dict[str, float] = {}
    fed = _fed(spec, carriers)
    for position, indicator in enumerate(spec.indicators):
        if indicator.id not in fed:
            continue
        scores = _scores(position, bool(indicator.track_by))
        values[indicator.id] = (position % 7 + 2) / 10
        for number, score in enumerate(scores, start=1):
            labels = globals_ | {label: f"test-{label}-{number}" for label in indicator.track_by}
            series.append((series_text(conventions.score_series(spec, indicator), labels), gauge(score, samples)))
            series.append((series_text(conventions.indicator_series(spec, indicator), labels), gauge(values[indicator.id], samples)))
        average[indicator.id] = fmean(scores)
    checks = [_rollup(spec, conventions.INDICATOR_LABEL, [
        ({conventions.INDICATOR_LABEL: i.id, conventions.GROUP_LABEL: i.group, conventions.CATEGORY_LABEL: i.category}, average[i.id])
        for i in spec.indicators if i.id in fed])]
    for label in (conventions.GROUP_LABEL, conventions.CATEGORY_LABEL):
        members: dict[str, list[float]] = {}
        for indicator in (i for i in spec.indicators if i.id in fed):
            members.setdefault(getattr(indicator, label), []).append(average[indicator.id])
        checks.append(_rollup(spec, label, [({label: key}, fmean(found)) for key, found in members.items()]))
    entries = {entry.id: fmean(average[i] for i in entry.indicators if i in fed) for entry in spec.scorecard if entry.indicators}
    if entries:
        checks.append(_rollup(spec, conventions.SCORECARD_LABEL, [({conventions.SCORECARD_LABEL: key}, value) for key, value in entries.items()]))
        composite = sum(entry.weight * entries[entry.id] for entry in spec.scorecard if entry.id in entries)
        checks.append(GRID.value_test(conventions.composite_score_series(spec), EVAL_AT, [(globals_, composite)]))
    roi = _roi(spec, values, entries, series, samples)
    if roi is not None:
        checks.append(GRID.value_test(conventions.roi_series(spec), EVAL_AT, [(globals_, roi)]))
    return group("scorecard: rollups, weighted composite and ROI multiplier from known scores", tuple(sorted(set(series))), [], checks)


def _fed(spec: Spec, carriers: frozenset[str]) -> frozenset[str]:
    """The indicators whose scores are fed, sized by cases rather than by indicators: the
    carriers, each distinct case's first (every per-indicator rollup rule alike but for its names
    is proved by one), the first of each category and scorecard entry (every rollup has a value)
    and those the ROI names.
    The rollups of the others have no input and are expected to have no value."""
    firsts = {members[0].id for members in spec.members.values() if members}
    entries = {entry.indicators[0] for entry in spec.scorecard if entry.indicators}
    named = {term.reference for term in spec.roi.terms if term.source == "indicator"} if spec.roi else set()
    return carriers | firsts | entries | named


def _rollup(spec: Spec, by: str, samples: list[tuple[dict[str, str], float]]) -> dict:
    globals_ = {label: f"test-{label}" for label in spec.global_labels}
    return GRID.value_test(conventions.rollup_score_series(spec, by), EVAL_AT, [(globals_ | labels, value) for labels, value in samples])


def _roi(spec: Spec, values: dict[str, float], entries: dict[str, float], series: list, samples: int) -> float | None:
    """max(0, intercept + sum(coefficient * min(input * scale, max))); an expression term is
    fed counters that put it far past its cap (a term without a cap cannot be computed here)."""
    if spec.roi is None:
        return None
    total = spec.roi.intercept
    globals_ = {label: f"test-{label}" for label in spec.global_labels}
    for term in spec.roi.terms:
        if term.source == "indicator":
            found = values[term.reference] * term.scale
        elif term.source == "scorecard":
            found = entries[term.reference] / 100 * term.scale
        else:
            if term.max is None:
                return None
            for selector in promql.selectors(term.reference):
                labels = concrete(selector, globals_)
                if labels is None:  # no series it selects can be made: the ROI is not tested
                    return None
                series.append((series_text(selector.metric, labels),
                               counter(SATURATED, samples) if is_counter(spec, selector) else gauge(1, samples)))
            found = term.max
        total += term.coefficient * (min(found, term.max) if term.max is not None else found)
    return max(total, 0.0)
