"""What every generated test group shares: its evaluation grid, the labels the test series
carry, expected alerts and recorded values in promtool's terms, and eval times that leave no
doubt about whether an alert with a `for` has fired yet."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from compiler import durations
from compiler.backends.prometheus.plan import Rule
from compiler.backends.prometheus.unit_tests.inputs import STEP, series_text
from compiler.backends.prometheus.unit_tests.templates import render
from compiler.model import Indicator, Override, Spec

SIGNIFICANT = 6  # recorded values are compared after round(): promtool 2.42 compares exactly


@dataclass(frozen=True)
class Grid:
    """The evaluation_interval of a test file. promtool evaluates every rule of the loaded files
    at every step, so a group's cost is its steps times the file's rules: groups that run for
    days use a coarser grid."""

    step: int

    @property
    def margin(self) -> int:
        """From the value being in place to an alert surely firing: one step to notice, one to fire."""
        return 2 * self.step

    def at(self, seconds: float) -> str:
        """An eval time on the grid, at or after `seconds`."""
        return durations.text(math.ceil(seconds / self.step) * self.step)

    def samples(self, *eval_seconds: float) -> int:
        """Input samples that cover every eval time (rounded up to the grid) and one step more."""
        return math.ceil(max(eval_seconds) / self.step) * self.step // STEP + 1

    def alert_test(self, name: str, eval_seconds: float, alerts: list[dict]) -> dict:
        return {"eval_time": self.at(eval_seconds), "alertname": name, "exp_alerts": alerts}

    def value_test(self, series: str, eval_seconds: float, samples: list[tuple[dict[str, str], float]]) -> dict:
        precision = precision_for([value for _, value in samples])
        return {"expr": f"round({series}, {precision})", "eval_time": self.at(eval_seconds),
                "exp_samples": [{"labels": series_text("", labels), "value": rounded(value, float(precision))}
                                for labels, value in sorted(samples, key=lambda sample: sorted(sample[0].items()))]}


GRIDS = (Grid(300), Grid(3600), Grid(21600), Grid(86400))  # finest first; a group is placed on the first it fits


def data_labels(spec: Spec, indicator: Indicator, override: Override | None = None) -> dict[str, str]:
    """The global and tracking labels of the test series: test-<label>, or an override's values."""
    labels = {label: f"test-{label}" for label in (*spec.global_labels, *indicator.track_by)}
    return labels | dict(override.when if override else ())


def expected_alert(rule: Rule, labels: dict[str, str], value: float, static: dict[str, str]) -> dict:
    """An alert as Prometheus raises it: the data labels under the rule's (unescaped) labels,
    annotations rendered with the data labels and the value."""
    return {"exp_labels": dict(sorted((labels | static).items())),
            "exp_annotations": {name: render(text, value, labels) for name, text in rule.annotations}}


def precision_for(values: list[float]) -> str:
    """A round() precision keeping SIGNIFICANT digits of the largest value, coarser when a
    value sits near a rounding boundary, where the last bits of float arithmetic decide."""
    largest = max((abs(value) for value in values), default=0.0)
    exponent = (math.floor(math.log10(largest)) if largest else 0) - SIGNIFICANT
    while any(abs(value / 10.0 ** exponent % 1 - 0.5) < 0.1 for value in values):
        exponent += 1
    return f"1e{exponent:+03d}"


def rounded(value: float, precision: float) -> float:
    """What PromQL's round(value, precision) returns, in the same float operations."""
    inverse = 1.0 / precision
    return math.floor(value * inverse + 0.5) / inverse


def group(name: str, series: tuple[tuple[str, str], ...], alerts: list[dict], values: Sequence[dict] = ()) -> dict:
    found = {"name": name, "interval": durations.text(STEP),
             "input_series": [{"series": text, "values": notation} for text, notation in series]}
    if alerts:
        found["alert_rule_test"] = alerts
    if values:
        found["promql_expr_test"] = list(values)
    return found

