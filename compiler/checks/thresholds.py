"""Target, warning sign and critical threshold agree with the direction that is good, use the
indicator's unit, and each raises a level the escalation matrix defines. A threshold past 0..1
(`target: 95`, meant as 95%) is an error for an availability objective, whose error ratio never
passes 1, and a warning for a ratio, which may (overcommit); other forms' ratios (a trend's
change, an expr) are not checked. Unit percent is an error for a form whose value is a fraction
(Measure.fraction: a ratio, an availability, a relative change): its thresholds, written 0..100,
are compared with a value 100 times smaller, so a 90% target is never met."""

from __future__ import annotations

import dataclasses

from compiler import durations
from compiler.loader import Document, Path
from compiler.measures.forms import BY_NAME
from compiler.problems import Finding
from compiler.spec_types import Indicator, Spec, Threshold


def check(document: Document, typed: Spec) -> list[Finding]:
    raised = {level.threshold for level in typed.escalation.levels} if typed.escalation else set()
    problems: list[Finding] = []
    for indicator in typed.indicators:
        problems += [document.problem(threshold.path, f"no escalation level is raised by the '{threshold.name}' threshold",
                                      f"add a level with 'threshold: {threshold.name}' under escalation.levels")
                     for threshold in indicator.thresholds if threshold.name not in raised]
        if indicator.unit == "percent" and BY_NAME[indicator.measure.form].fraction:
            problems.append(_percent_of_fraction(document, indicator))
        problems += _ordered(document, indicator, indicator.thresholds, indicator.path)
        for override in indicator.overrides:
            problems += _ordered(document, indicator, override.thresholds, override.path)
    return problems


def _ordered(document: Document, indicator: Indicator, thresholds: tuple[Threshold, ...], here: Path) -> list[Finding]:
    """Each threshold in the unit, and each beyond the one before; the order located under
    `here` (an override's, whose series are judged by its own thresholds and those it inherits).
    A threshold not in the unit is reported where it is written, once: an inherited one is the
    indicator's finding, not the override's again at its `- when:`, and one that is an error is
    left out of the order, which would only say it again (`critical: 95` meant as 0.95 was
    "above the warning 0.995"). A ratio past 1, a warning, may be meant: it is ordered."""
    problems: list[Finding] = []
    values: dict[str, float] = {}
    for threshold in thresholds:
        found = _in_unit(document, indicator, threshold)
        if found is not None and threshold.path[:len(here)] == here:  # not inherited
            problems.append(found)
        if found is None or found.severity != "error":
            values[threshold.name] = threshold.number
    present = list(values)
    for better, worse in zip(present, present[1:]):
        if (values[better] < values[worse]) if indicator.good == "higher" else (values[better] > values[worse]):
            side = "above" if indicator.good == "higher" else "below"
            problems.append(document.problem(here + (worse,),
                                             f"the {worse} threshold {_show(values[worse], indicator)} is {side} the {better} "
                                             f"{_show(values[better], indicator)}, but {indicator.good} is good",
                                             f"with good: {indicator.good}, each level's threshold must be at or beyond the one before"))
    return problems


def _in_unit(document: Document, indicator: Indicator, threshold: Threshold) -> Finding | None:
    """Why the threshold, where it is written, is not in the indicator's unit, if it is not."""
    if isinstance(threshold.written, str) and indicator.unit != "seconds":
        return document.problem(threshold.value_path, f"'{threshold.written}' is a duration, but the unit is {indicator.unit}",
                                "durations are thresholds only for unit: seconds")
    if indicator.unit == "percent" and not BY_NAME[indicator.measure.form].fraction and not 0 <= threshold.number <= 100:
        return document.problem(threshold.value_path, f"{threshold.number:g} is not a percentage between 0 and 100")
    if indicator.unit == "ratio" and BY_NAME[indicator.measure.form].share and not 0 <= threshold.number <= 1:
        # an error rate can never pass 1; a ratio of two series may (overcommit, cost over
        # budget), so there it is a warning, with the percentage it likely is
        meant = f"did you mean {threshold.number / 100:g}?" if 2 <= threshold.number <= 100 else ""
        found = document.problem(threshold.value_path, f"{threshold.name} {threshold.number:g} is outside 0..1, the range of a ratio", meant)
        return found if indicator.measure.form == "availability" else dataclasses.replace(found, severity="warning")
    return None


def _percent_of_fraction(document: Document, indicator: Indicator) -> Finding:
    form = indicator.measure.form
    target = indicator.threshold("target")
    example = f"target: {target.number / 100:g}" if target is not None and not isinstance(target.written, str) else "0.9 for 90%"
    return document.problem(indicator.path + ("unit",),
                            f"{'an' if form[0] in 'aeiou' else 'a'} {form} measure's value is a fraction (0.9 for 90%), not a percentage: thresholds written "
                            "in percent are compared with a value 100 times smaller",
                            f"use unit: ratio and write the thresholds as fractions ({example}); a ratio is shown as a percentage")


def _show(value: float, indicator: Indicator) -> str:
    return durations.text(value) if indicator.unit == "seconds" else f"{value:g}"
