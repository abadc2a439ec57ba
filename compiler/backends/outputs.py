"""What the backends render from: the model and the values built from it once per compile
(backends.outputs builds it), so that no backend derives a table another one already has."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.backends.prometheus.plan import Plan
from compiler.model import Spec


@dataclass(frozen=True)
class Outputs:
    """Each value is empty when its target is off."""

    spec: Spec
    rules: Plan  # the Prometheus rule plan
    dashboards: dict[str, dict]  # {uid: Grafana dashboard}: the overview, then each category with indicators
    dashboard_parts: dict[str, int]  # {indicator id: the part of its category's dashboard holding its panel}
    alertmanager: dict  # the Alertmanager configuration, as its YAML holds it
