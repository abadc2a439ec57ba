"""The registry of measure forms: a new form is its module and one entry here."""

from __future__ import annotations

from compiler.measures import Measure
from compiler.measures.age import Age
from compiler.measures.availability import Availability
from compiler.measures.baseline import Baseline
from compiler.measures.expr import Expr
from compiler.measures.gauge import Gauge
from compiler.measures.quantile import Quantile
from compiler.measures.rate import Rate
from compiler.measures.ratio import Ratio
from compiler.measures.trend import Trend
from compiler.measures.zero import Zero
from compiler.spec_types import Indicator as TypedIndicator

FORMS: tuple[type[Measure], ...] = (Expr, Ratio, Quantile, Rate, Trend, Baseline, Age, Zero, Availability, Gauge)
BY_NAME: dict[str, type[Measure]] = {form.name: form for form in FORMS}


def fields(form: str) -> frozenset[str]:
    """The fields a form's mapping takes; none for a form written as text (an expr)."""
    properties = BY_NAME[form].schema.get("properties")
    return frozenset(properties) if isinstance(properties, dict) else frozenset()


def schema() -> dict[str, object]:
    """`indicators[].measure` in the spec's JSON Schema: exactly one of the forms."""
    return {"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
            "description": "What the indicator measures: exactly one form.",
            "properties": {form.name: form.schema for form in FORMS}}


def build(indicator: TypedIndicator) -> Measure:
    """The indicator's measure from its typed spec node (defaults applied there)."""
    return BY_NAME[indicator.measure.form].from_spec(indicator.measure.body, indicator.measure.window, indicator)
