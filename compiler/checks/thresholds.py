"""Target, warning sign and critical threshold agree with the direction that is good, use the
indicator's unit, and each raises a level the escalation matrix defines."""

from __future__ import annotations

from compiler import durations, spec
from compiler.loader import Document
from compiler.problems import Finding


def check(document: Document) -> list[Finding]:
    data = document.data
    levels = (data.get("escalation") or {}).get("levels") or {}
    raised = {level.get("threshold") for level in levels.values()}
    problems: list[Finding] = []
    for index, indicator in spec.indicators(data):
        here = ("indicators", index)
        for name in spec.THRESHOLDS:
            if name in indicator and name not in raised:
                problems.append(document.problem(here + (name,), f"no escalation level is raised by the '{name}' threshold",
                                                 f"add a level with 'threshold: {name}' under escalation.levels"))
        problems += _ordered(document, indicator, indicator, here)
        for number, override in enumerate(indicator.get("overrides") or []):
            merged = {name: override.get(name, indicator.get(name)) for name in spec.THRESHOLDS}
            problems += _ordered(document, indicator, {k: v for k, v in merged.items() if v is not None},
                                 here + ("overrides", number))
    return problems


def _ordered(document: Document, indicator: dict, thresholds: dict, here: tuple) -> list[Finding]:
    problems: list[Finding] = []
    values: dict[str, float] = {}
    for name in spec.THRESHOLDS:
        if name not in thresholds:
            continue
        raw, _ = spec.threshold_parts(thresholds[name])
        path = here + (name,) + (("value",) if isinstance(thresholds[name], dict) else ())
        if isinstance(raw, str) and indicator["unit"] != "seconds":
            problems.append(document.problem(path, f"'{raw}' is a duration, but the unit is {indicator['unit']}",
                                             "durations are thresholds only for unit: seconds"))
            continue
        values[name] = spec.threshold_number(raw)
        if indicator["unit"] == "percent" and not 0 <= values[name] <= 100:
            problems.append(document.problem(path, f"{values[name]:g} is not a percentage between 0 and 100"))
    good = indicator["good"]
    present = [name for name in spec.THRESHOLDS if name in values]
    for better, worse in zip(present, present[1:]):
        if (values[better] < values[worse]) if good == "higher" else (values[better] > values[worse]):
            side = "above" if good == "higher" else "below"
            problems.append(document.problem(here + (worse,),
                                             f"the {worse} threshold {_show(values[worse], indicator)} is {side} the {better} "
                                             f"{_show(values[better], indicator)}, but {good} is good",
                                             f"with good: {good}, each level's threshold must be at or beyond the one before"))
    return problems


def _show(value: float, indicator: dict) -> str:
    return durations.text(value) if indicator["unit"] == "seconds" else f"{value:g}"
