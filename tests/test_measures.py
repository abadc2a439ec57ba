"""Each measure form lives in one module of compiler/measures/ and the registry lists it: what
the backends ask a form (its series name, the sources whose silence is no data, its panel) is
that form's answer; the shipped JSON Schema's `measure` is assembled from the forms' own
fragments (UPDATE_GOLDEN=1 rewrites it); and nothing outside the package branches on a form's type."""

from __future__ import annotations

import json
import os
import re

import pytest
from conftest import ROOT, spec_text

from compiler import conventions, pipeline, presence
from compiler.backends.grafana import panels
from compiler.measures import SELECTOR, forms

SCHEMA_FILE = ROOT / "compiler" / "schema" / "indicators-v1.schema.json"
PACKAGE = ROOT / "compiler" / "measures"

# (measure as the spec writes it, unit, good, target, warning) -> the recorded series' operations,
# the presence sources (metrics that exist whether or not anything happened), the panel type
FORMS = [
    ("{expr: 'max by (model) (queue_depth)'}", "count", "lower", 10, 100, "value", ["queue_depth"], "stat"),
    ("{ratio: {numerator: queue_depth, denominator: trained_timestamp_seconds, window: 1d}}", "ratio", "lower", 0.1, 0.2,
     "ratio_1d", ["trained_timestamp_seconds"], "gauge"),
    ("{quantile: {histogram: latency_seconds, q: 0.999}}", "seconds", "lower", 0.5, 1, "p99_9_rate1h", [], "stat"),
    ("{rate: {counter: http_requests_total, function: increase, window: 7d}}", "count", "higher", 10, 1, "increase7d", [], "stat"),
    ("{trend: {series: queue_depth, window: 7d}}", "ratio", "lower", 0.1, 0.2, "change7d", ["queue_depth"], "timeseries"),
    ("{baseline: {series: queue_depth, baseline: trained_timestamp_seconds}}", "ratio", "lower", 0.1, 0.2,
     "relative_to_baseline", ["queue_depth", "trained_timestamp_seconds"], "timeseries"),
    ("{age: {timestamp: trained_timestamp_seconds}}", "seconds", "lower", "7d", "14d", "age_seconds", ["trained_timestamp_seconds"], "stat"),
    ("{zero: {series: http_errors_total, window: 30d}}", "count", "lower", 0, 0, "increase30d", [], "stat"),
    ("{availability: {errors: http_errors_total, total: http_requests_total}}", "ratio", "higher", 0.999, 0.99,
     "availability30d", [], "gauge"),
    ("{availability: {errors: http_errors_total, total: http_requests_total}}", "ratio", "lower", 0.001, 0.01,
     "error_ratio30d", [], "gauge"),
    ("{gauge: {series: queue_depth, aggregation: avg}}", "count", "lower", 10, 100, "avg", ["queue_depth"], "stat"),
]


def _indicator(measure: str, unit: str, good: str, target: object, warning: object, catalogued: str = ""):
    """A spec of one indicator; `catalogued` is added to the queue_depth gauge's catalogue entry."""
    text = spec_text(f"""\
        indicators:
          - id: x
            title: X
            category: platform_health
            group: reliability
            definition: X.
            measure: {measure}
            unit: {unit}
            good: {good}
            target: {target}
            warning: {warning}
            track_by: [model]
        """).replace("help: Jobs waiting., labels: [model]", f"help: Jobs waiting., labels: [model]{catalogued}")
    spec, problems = pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    assert not problems and spec is not None, problems
    return spec, spec.indicators[0]


@pytest.mark.parametrize(("measure", "unit", "good", "target", "warning", "operations", "sources", "panel"), FORMS,
                         ids=[f"{row[0].split(':')[0].strip('{')} {row[2]} is good" for row in FORMS])
def test_a_form_names_its_series_says_which_sources_are_silent_and_picks_its_panel(measure, unit, good, target, warning, operations,
                                                                                    sources, panel):
    spec, indicator = _indicator(measure, unit, good, target, warning)
    assert conventions.indicator_series(spec, indicator) == f"model:shop_x:{operations}"
    assert [selector.metric for selector in presence.sources(spec, indicator)] == sources
    assert panels.kind(indicator) == panel


# (what the catalogue says of the gauge a `zero` measure counts) -> its presence sources: a
# gauge of rows (open findings by team and severity) has no row where there is nothing to count
ZERO_GAUGES = [
    ("a gauge whose rows vanish when nothing is counted is no presence source", "", []),
    ("a gauge the catalogue marks initialised is published at 0, so it is one", ", initialised: true", ["queue_depth"]),
]


@pytest.mark.parametrize(("declared", "sources"), [row[1:] for row in ZERO_GAUGES], ids=[row[0] for row in ZERO_GAUGES])
def test_a_zero_measure_s_gauge_is_a_presence_source_only_when_initialised(declared, sources):
    spec, indicator = _indicator("{zero: {series: queue_depth}}", "count", "lower", 0, "{value: 0, for: 0s}", declared)
    assert [selector.metric for selector in presence.sources(spec, indicator)] == sources


def test_every_form_of_the_spec_is_in_the_table_above():
    assert sorted({row[0].split(":")[0].strip("{") for row in FORMS}) == sorted(forms.BY_NAME)


def test_every_module_of_the_package_is_one_registered_form_of_its_name():
    modules = sorted(path.stem for path in PACKAGE.glob("*.py") if path.stem not in ("__init__", "forms"))
    assert sorted(form.__module__.rsplit(".", 1)[1] for form in forms.FORMS) == modules
    assert [form.name for form in forms.FORMS] == [form.__module__.rsplit(".", 1)[1] for form in forms.FORMS]


@pytest.mark.parametrize("form", forms.FORMS, ids=[form.name for form in forms.FORMS])
def test_each_selector_field_of_a_form_is_a_selector_in_its_schema_fragment(form):
    properties = form.schema.get("properties", {})
    assert isinstance(properties, dict)
    assert {field: properties.get(field) for field in form.selectors} == {field: SELECTOR for field in form.selectors}


def test_the_shipped_schema_describes_the_measure_forms_with_their_own_fragments():
    shipped = json.loads(SCHEMA_FILE.read_text())
    shipped["properties"]["indicators"]["items"]["properties"]["measure"] = forms.schema()
    text = json.dumps(shipped, indent=2) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        SCHEMA_FILE.write_text(text)
    assert SCHEMA_FILE.read_text() == text, "compiler/schema/indicators-v1.schema.json is stale: run `make update-golden`"


def test_no_module_outside_the_package_branches_on_a_measure_s_type():
    branch = re.compile(r"isinstance\([^)]*measure")
    found = [f"{path.relative_to(ROOT)}:{number}" for path in sorted((ROOT / "compiler").rglob("*.py")) if PACKAGE not in path.parents
             for number, line in enumerate(path.read_text().splitlines(), start=1) if branch.search(line)]
    assert found == []
