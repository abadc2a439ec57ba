"""The spec type: how the raw (schema-valid) spec data is read, shared by the checks and the
model builder so both agree on defaults, threshold shorthand and which fields are selectors."""

from __future__ import annotations

from typing import Any

from compiler import durations

DEFAULT_WINDOW = "1h"
DEFAULT_FOR = {"target": "1d", "warning": "6h", "critical": "1h"}
DEFAULT_NO_DATA_FOR = "1h"
DEFAULT_FORGET_AFTER = 86400  # or twice no_data_for, when that is longer
DEFAULT_PERIOD = "30d"
DEFAULT_SLOW_INTERVAL = "5m"  # long-window and scorecard rule groups
DEFAULT_GRAFANA_URL = "http://localhost:3000"
DEFAULT_ALERTMANAGER = "main"  # the Alertmanager (and its Secret alertmanager-<name>) of prometheus-operator's examples

# Per measure form: its selector fields and the metric types each accepts (after resolving the
# series a histogram or summary exposes: x_bucket, x_sum and x_count are counters).
SELECTOR_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "ratio": {"numerator": ("counter", "gauge"), "denominator": ("counter", "gauge")},
    "quantile": {"histogram": ("histogram",)},
    "rate": {"counter": ("counter",)},
    "trend": {"series": ("counter", "gauge")},
    "baseline": {"series": ("gauge",), "baseline": ("gauge",)},
    "age": {"timestamp": ("gauge",)},
    "zero": {"series": ("counter", "gauge")},
    "availability": {"errors": ("counter",), "total": ("counter",)},
    "gauge": {"series": ("gauge",)},
}

# Multi-window multi-burn-rate alerts for a 30-day objective (Google SRE workbook, chapter 5). The
# level each raises is derived from the indicator's thresholds (`burn_threshold`), not fixed here.
DEFAULT_BURN_RATES = (
    {"long": "1h", "short": "5m", "factor": 14.4},
    {"long": "6h", "short": "30m", "factor": 6},
    {"long": "1d", "short": "2h", "factor": 3},
    {"long": "3d", "short": "6h", "factor": 1},
)
ROI_SOURCES = ("indicator", "scorecard", "expr")  # an ROI term reads exactly one
THRESHOLDS = ("target", "warning", "critical")  # least to most severe
TOLERANCE = 1e-9  # relative: 1 - 0.999 is 0.0010000000000000009, and must still reach 0.001


def indicators(data: dict):
    """(index, indicator) for every indicator; None marks one the schema rejected (checks.schema)."""
    return ((index, indicator) for index, indicator in enumerate(data.get("indicators") or []) if indicator is not None)


def measure_form(indicator: dict) -> tuple[str, Any]:
    (form, body), = indicator["measure"].items()
    return form, body


def threshold_parts(raw: Any) -> tuple[Any, str | None]:
    """`0.8`, `14d` or `{value: 0.8, for: 7d}` -> (value, for or None)."""
    if isinstance(raw, dict):
        return raw["value"], raw.get("for")
    return raw, None


def threshold_number(raw_value: str | float) -> float:
    """A threshold value as a number: durations (for seconds) become seconds."""
    return durations.seconds(raw_value) if isinstance(raw_value, str) else float(raw_value)


def error_ratio(indicator: dict, name: str) -> float:
    """The error ratio an availability indicator's threshold allows: an availability threshold
    (`good: higher`) is 1 - it, an error-ratio threshold (`good: lower`) is itself."""
    value = threshold_number(threshold_parts(indicator[name])[0])
    return 1 - value if indicator["good"] == "higher" else value


def objective(indicator: dict) -> float:
    """An availability objective: as written, or else the target's (the two must agree)."""
    _, body = measure_form(indicator)
    return float(body["objective"]) if "objective" in body else 1 - error_ratio(indicator, "target")


def burn_rates(indicator: dict) -> list[dict]:
    _, body = measure_form(indicator)
    return list(body.get("burn_rates") or DEFAULT_BURN_RATES)


def burn_threshold(indicator: dict, factor: float) -> str | None:
    """The most severe threshold an error ratio above `factor` times the budget is beyond, so the
    burn alert raises no level the value itself would not: with the target 99.9% and the warning
    sign 99%, 14.4x (1.44% errors) is past the warning sign and 6x, 3x, 1x only past the target.
    None when the burn is within the target (a factor below 1)."""
    burning = factor * (1 - objective(indicator))
    beyond = [name for name in THRESHOLDS if name in indicator and burning >= error_ratio(indicator, name) * (1 - TOLERANCE)]
    return beyond[-1] if beyond else None


def default_for(data: dict, name: str) -> str:
    return (data.get("defaults") or {}).get("for", {}).get(name, DEFAULT_FOR[name])


def no_data_for(data: dict, indicator: dict) -> float:
    """Seconds an indicator's sources may be silent before it raises NoData."""
    return durations.seconds(indicator.get("no_data_for") or (data.get("defaults") or {}).get("no_data_for") or DEFAULT_NO_DATA_FOR)


def forget_after(data: dict, indicator: dict) -> float:
    """Seconds an entity that stopped reporting raises NoData before it is forgotten."""
    raw = indicator.get("forget_after") or (data.get("defaults") or {}).get("forget_after")
    return durations.seconds(raw) if raw else max(DEFAULT_FORGET_AFTER, 2 * no_data_for(data, indicator))


def team_of(data: dict, indicator: dict) -> str | None:
    return indicator.get("team") or (data.get("defaults") or {}).get("team")


def global_labels(data: dict) -> list[str]:
    return list((data.get("defaults") or {}).get("global_labels") or [])


def series_type(name: str, metrics: dict) -> tuple[str, str] | None:
    """(catalogued metric, the type of this series) for a metric or a series it exposes."""
    if name in metrics:
        return name, metrics[name]["type"]
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and base in metrics and metrics[base]["type"] in ("histogram", "summary"):
            if suffix == "_bucket" and metrics[base]["type"] == "summary":
                return None
            return base, "counter"
    return None


def series_labels(name: str, metrics: dict, data: dict) -> set[str]:
    """Label names a series may carry: its catalogued labels, the global ones, le/quantile."""
    resolved = series_type(name, metrics)
    if resolved is None:
        return set()
    base, _ = resolved
    labels = set(metrics[base].get("labels") or []) | set(global_labels(data))
    if name.endswith("_bucket"):
        labels.add("le")
    if metrics[base]["type"] == "summary" and name == base:
        labels.add("quantile")
    return labels
