"""What the checks and the model builder share about measures and the metric catalogue: which
fields of each measure form are selectors, an availability objective's burn rates, and the type
of each series a catalogued metric exposes. The typed spec and its defaults are spec_types'."""

from __future__ import annotations

from typing import TypedDict

from compiler.model import tolerance
from compiler.spec_types import Indicator, Override, Threshold

DEFAULT_PERIOD = "30d"  # an availability objective's

# Multi-window multi-burn-rate alerts for a 30-day objective (Google SRE workbook, chapter 5). The
# level each raises is derived from the indicator's thresholds (`burn_threshold`), not fixed here.
class BurnRate(TypedDict):  # a `burn_rates` entry as the spec writes it
    long: str
    short: str
    factor: float


DEFAULT_BURN_RATES: tuple[BurnRate, ...] = (
    {"long": "1h", "short": "5m", "factor": 14.4},
    {"long": "6h", "short": "30m", "factor": 6},
    {"long": "1d", "short": "2h", "factor": 3},
    {"long": "3d", "short": "6h", "factor": 1},
)


def error_ratio(indicator: Indicator, threshold: Threshold) -> float:
    """The error ratio an availability indicator's threshold allows: an availability threshold
    (`good: higher`) is 1 - it, an error-ratio threshold (`good: lower`) is itself."""
    return 1 - threshold.number if indicator.good == "higher" else threshold.number


def allowed(indicator: Indicator, override: Override | None = None) -> float:
    """The error ratio an availability indicator's target allows (it has one: the schema requires
    it), or an override's target: its own, else the indicator's."""
    thresholds = override.thresholds if override is not None else indicator.thresholds
    return error_ratio(indicator, next(threshold for threshold in thresholds if threshold.name == "target"))


def objective(indicator: Indicator, override: Override | None = None) -> float:
    """An availability objective: as written, or else the target's (the two must agree). An
    override that sets its own target sets its series' objective, and so their error budget:
    its burn-rate alerts judge them against it (Sloth's and Pyrra's burn rate, the error ratio
    over the budget, 1 - the objective)."""
    if override is not None and _target(override.thresholds) != _target(indicator.thresholds):
        return 1 - allowed(indicator, override)
    body = indicator.measure.body
    return float(body["objective"]) if "objective" in body else 1 - allowed(indicator)


def _target(thresholds: tuple[Threshold, ...]) -> Threshold | None:
    return next((threshold for threshold in thresholds if threshold.name == "target"), None)


def burn_rates(indicator: Indicator) -> list[dict]:
    return list(indicator.measure.body.get("burn_rates") or DEFAULT_BURN_RATES)


def burn_threshold(indicator: Indicator, factor: float, override: Override | None = None) -> str | None:
    """The most severe threshold an error ratio above `factor` times the budget is beyond, so the
    burn alert raises no level the value itself would not: with the target 99.9% and the warning
    sign 99%, 14.4x (1.44% errors) is past the warning sign and 6x, 3x, 1x only past the target.
    Of an override's series, against its objective and thresholds. None when the burn is within
    the target (a factor below 1)."""
    burning = factor * (1 - objective(indicator, override))
    thresholds = override.thresholds if override is not None else indicator.thresholds
    # float noise is no shortfall (1 - 0.999 is 0.0010000000000000009), as the rules judge it
    beyond = [threshold.name for threshold in thresholds
              if burning >= (ratio := error_ratio(indicator, threshold)) - tolerance(ratio)]
    return beyond[-1] if beyond else None


# the counter series a histogram or summary exposes besides its name
EXPOSED = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}


def series_type(name: str, metrics: dict) -> tuple[str, str] | None:
    """(catalogued metric, the type of this series) for a metric or a series it exposes."""
    if name in metrics:
        return name, metrics[name]["type"]
    for suffix in EXPOSED["histogram"]:
        base = name[: -len(suffix)]
        if name.endswith(suffix) and base in metrics and suffix in EXPOSED.get(metrics[base]["type"], ()):
            return base, "counter"
    return None


def series_names(metrics: dict) -> list[str]:
    """Every series the catalogue's metrics expose: each name, and a histogram's x_bucket, x_sum, x_count."""
    return [name + suffix for name, metric in metrics.items() for suffix in ("", *EXPOSED.get(metric["type"], ()))]


def series_labels(name: str, metrics: dict, global_labels: tuple[str, ...]) -> set[str]:
    """Label names a series may carry: its catalogued labels, the global ones, le/quantile."""
    resolved = series_type(name, metrics)
    if resolved is None:
        return set()
    base, _ = resolved
    labels = set(metrics[base].get("labels") or []) | set(global_labels)
    if name.endswith("_bucket"):
        labels.add("le")
    if metrics[base]["type"] == "summary" and name == base:
        labels.add("quantile")
    return labels
