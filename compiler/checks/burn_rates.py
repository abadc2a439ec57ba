"""An availability objective agrees with its indicator: the objective is the target, and no
burn-rate alert raises a level the error ratio it fires at has not reached. Without the check a
99.9% objective with the default burn factors paged critical at 99.3% uptime, which the chapter
calls yellow."""

from __future__ import annotations

from compiler import spec
from compiler.loader import Document
from compiler.problems import Finding


def check(document: Document) -> list[Finding]:
    problems: list[Finding] = []
    for index, indicator in spec.indicators(document.data):
        form, body = spec.measure_form(indicator)
        if form == "availability":
            problems += _objective(document, indicator, body, ("indicators", index, "measure", form))
    return problems


def _objective(document: Document, indicator: dict, body: dict, here: tuple) -> list[Finding]:
    if indicator["unit"] != "ratio":
        return [document.problem(("indicators", here[1], "unit"), f"an availability objective's value is a ratio, not {indicator['unit']}",
                                 "set unit: ratio and write the thresholds as ratios (0.999)")]
    allowed = spec.error_ratio(indicator, "target")
    if "objective" in body and abs((1 - body["objective"]) - allowed) > spec.TOLERANCE * max(allowed, 1e-12):
        return [document.problem(here + ("objective",), f"the objective {_percent(body['objective'])} disagrees with the target, "
                                 f"which allows {_percent(allowed)} errors: the objective is the target",
                                 f"remove objective (it defaults to the target) or set it to {1 - allowed:.10g}")]
    if not 0 < allowed < 1:
        return [document.problem(("indicators", here[1], "target"), f"the target allows {_percent(allowed)} errors: "
                                 "an objective needs an error budget between 0% and 100%")]
    problems = []
    for number, burn in enumerate(spec.burn_rates(indicator)):
        path = here + (("burn_rates", number) if "burn_rates" in body else ())
        derived = spec.burn_threshold(indicator, burn["factor"])
        errors = f"a {burn['factor']:g}x burn ({_percent(burn['factor'] * allowed)} errors)"
        if derived is None:
            problems.append(document.problem(path + ("factor",) * ("burn_rates" in body), f"{errors} is within the target "
                                             f"{_percent(allowed)}: it would raise a level while the indicator meets its target",
                                             "use factors of at least 1"))
            continue
        wanted = burn.get("threshold")
        if wanted is None or wanted == derived or spec.THRESHOLDS.index(wanted) < spec.THRESHOLDS.index(derived):
            continue
        if wanted not in indicator:
            problems.append(document.problem(path + ("threshold",), f"{errors} raises the '{wanted}' threshold's level, "
                                             f"but the indicator has no {wanted} threshold",
                                             f"leave threshold out to derive it ('{derived}'), or add {wanted}: to the indicator"))
            continue
        least = spec.error_ratio(indicator, wanted) / allowed
        problems.append(document.problem(path + ("threshold",), f"{errors} has not crossed the {wanted} threshold "
                                         f"({_percent(spec.error_ratio(indicator, wanted))} errors): raising its level would "
                                         "escalate beyond the indicator's thresholds",
                                         f"leave threshold out to derive it ('{derived}'), or use a factor of at least {least:.4g}"))
    return problems


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.4g}%"
