"""An availability objective agrees with its indicator: the objective is the target, and no
burn-rate alert raises a level the error ratio it fires at has not reached. Without the check a
99.9% objective with the default burn factors paged critical at 99.3% uptime, which the chapter
calls yellow. An override that sets its own target sets its series' objective, and their
burn-rate alerts burn its budget: the same holds of it, against its thresholds."""

from __future__ import annotations

from compiler import spec
from compiler.loader import Document, Path
from compiler.model import SEVERITY_ORDER, tolerance
from compiler.problems import Finding
from compiler.spec_types import Indicator, Override, Spec


def check(document: Document, typed: Spec) -> list[Finding]:
    return [problem for indicator in typed.indicators if indicator.measure.form == "availability"
            for problem in _objective(document, indicator)]


def _objective(document: Document, indicator: Indicator) -> list[Finding]:
    body, here = indicator.measure.body, indicator.measure.path
    if indicator.unit == "percent":
        return []  # the thresholds check's error, as for every form whose value is a fraction
    if indicator.unit != "ratio":
        return [document.problem(indicator.path + ("unit",), f"an availability objective's value is a ratio, not {indicator.unit}",
                                 "set unit: ratio and write the thresholds as ratios (0.999)")]
    allowed = spec.allowed(indicator)
    target = indicator.threshold("target")
    # a target past 0..1 (99.5 for 99.5%) is the thresholds check's error, which says the ratio
    # meant: compared with it, an objective of 0.995 "disagreed" and was told to be 99.5
    percent = target is not None and not 0 <= target.number <= 1
    if "objective" in body and not percent and abs((1 - body["objective"]) - allowed) > tolerance(allowed):
        return [document.problem(here + ("objective",), f"the objective {_percent(body['objective'])} disagrees with the target, "
                                 f"which allows {_percent(allowed)} errors: the objective is the target",
                                 f"remove objective (it defaults to the target) or set it to {1 - allowed:.10g}")]
    problems = _budget(document, indicator, None, indicator.path)
    if problems:
        return problems
    for override in indicator.overrides:  # its series burn its own budget, raising levels its thresholds derive
        problems += _budget(document, indicator, override, override.path)
    return problems


def _budget(document: Document, indicator: Indicator, override: Override | None, here: Path) -> list[Finding]:
    """The problems of one budget: the indicator's (`override` None), or an override's, whose
    target (located under `here`) is its series' objective."""
    thresholds = override.thresholds if override is not None else indicator.thresholds
    if any(threshold.name == "target" and not 0 <= threshold.number <= 1 for threshold in thresholds):
        return []  # a target past 0..1 (99.5 for 99.5%) is the thresholds check's error, with the ratio meant
    allowed = spec.allowed(indicator, override)
    of = "" if override is None else " of the " + ", ".join(f"{label}={value}" for label, value in override.when) + " override's series"
    if not 0 < allowed < 1:
        return [document.problem(here + ("target",), f"the target{of} allows {_percent(allowed)} errors: "
                                 "an objective needs an error budget between 0% and 100%")]
    body, measure = indicator.measure.body, indicator.measure.path
    problems = []
    for number, burn in enumerate(spec.burn_rates(indicator)):
        path = measure + (("burn_rates", number) if "burn_rates" in body else ())
        derived = spec.burn_threshold(indicator, burn["factor"], override)
        errors = f"a {burn['factor']:g}x burn{of} ({_percent(burn['factor'] * allowed)} errors)"
        if derived is None:
            problems.append(document.problem(path + ("factor",) * ("burn_rates" in body), f"{errors} is within the target "
                                             f"{_percent(allowed)}: it would raise a level while the indicator meets its target",
                                             "use factors of at least 1"))
            continue
        wanted = burn.get("threshold")
        if wanted is None or wanted == derived or SEVERITY_ORDER.index(wanted) < SEVERITY_ORDER.index(derived):
            continue
        threshold = next((threshold for threshold in thresholds if threshold.name == wanted), None)
        if threshold is None:
            problems.append(document.problem(path + ("threshold",), f"{errors} raises the '{wanted}' threshold's level, "
                                             f"but the indicator has no {wanted} threshold",
                                             f"leave threshold out to derive it ('{derived}'), or add {wanted}: to the indicator"))
            continue
        ratio = spec.error_ratio(indicator, threshold)
        problems.append(document.problem(path + ("threshold",), f"{errors} has not crossed the {wanted} threshold "
                                         f"({_percent(ratio)} errors): raising its level would "
                                         "escalate beyond the indicator's thresholds",
                                         f"leave threshold out to derive it ('{derived}'), or use a factor of at least {ratio / allowed:.4g}"))
    return problems


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.4g}%"
