"""The spec reference: docs/spec-reference.md is what `indicators schema --format markdown`
generates from the JSON Schema (UPDATE_GOLDEN=1 rewrites it), every field of the schema is a
row with a description, and each default it states is the one the compiler uses."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from conftest import HEADER, INDICATOR, ROOT

from compiler import conventions, durations, pipeline, reference
from compiler.checks.schema import schema_text
from compiler.cli import main

DOC = ROOT / "docs" / "spec-reference.md"
SCHEMA = json.loads(schema_text())
FIELDS = [field for section in reference.sections(SCHEMA) for field in section.fields]


def test_the_committed_reference_is_what_the_schema_generates():
    text = CliRunner().invoke(main, ["schema", "--format", "markdown"], catch_exceptions=False).stdout
    if os.environ.get("UPDATE_GOLDEN") == "1":
        DOC.write_text(text)
    assert DOC.read_text() == text, "docs/spec-reference.md is stale: run `make update-golden`"


def test_every_field_has_a_description():
    assert [field.path for field in FIELDS if not field.description] == []
    assert len(FIELDS) > 190  # every property of the schema, not a few sections of it


ROWS = [
    ("a required field of a list item", "indicators[].id",
     ("string", True, "", "a valid id; at most 63 characters", "Stable snake_case id, unique across every file of the spec. Its longest "
      "alert name (metadata.name and the id in CamelCase, plus NoData, Escalated or ErrorBudgetBurn) must be at most 40 characters.")),
    ("an enum with its values", "metrics.<name>.type", ("string", True, "", "`counter`, `gauge`, `histogram`, `summary`",
                                                      "The Prometheus metric type, as the exporter publishes it.")),
    ("a duration with its default", "output.prometheus.slow_group_interval",
     ("duration", False, '"5m"', "", "Evaluation interval of the long-window and scorecard rule groups (default 5m); an indicator whose every window "
     "and `for` span 12 of it is evaluated there whole.")),
    ("exclusive bounds", "indicators[].measure.quantile.q", ("number", True, "", "> 0; < 1", "The quantile, e.g. 0.99.")),
    ("a threshold's {value, for} form", "indicators[].warning.for",
     ("duration", False, "", "", "Duration in Prometheus notation, e.g. 30s, 5m, 1h30m, 7d, 2w.")),
    ("a channel kind's field", "responders.<name>.channels[].pagerduty.routing_key_file",
     ("string", True, "", "an absolute path",
      "Absolute path of the file holding the routing key, mounted into Alertmanager.")),
]


@pytest.mark.parametrize(("path", "row"), [c[1:] for c in ROWS], ids=[c[0] for c in ROWS])
def test_a_field_row_says_its_type_requirement_default_and_allowed_values(path, row):
    (found,) = [field for field in FIELDS if field.path == path]
    assert (found.type, found.required, found.default, found.allowed, found.description) == row


def model(text: str):
    spec, _ = pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    return spec


BARE = (HEADER.replace("metadata: {name: shop, title: Shop}", "metadata: {name: shop}")
        .replace("    location: Europe/London\n", "")
        .replace('output: {grafana_url: "https://grafana.example.com", kubernetes: {rule_labels: {}, alertmanager: shop}}', "output: {}")
        + INDICATOR.replace("{series: queue_depth, aggregation: max}", "{series: queue_depth}")
        .replace("warning: 100", "warning: 100\n    critical: 1000"))
assert not any(text in BARE for text in ("title: Shop", "location:", "grafana_url", "aggregation"))


def _threshold(spec, name: str):
    return next(t for t in spec.indicators[0].thresholds_for({}) if t.name == name)


# (schema path, the value the compiler uses when the field is left out of BARE)
DEFAULTS = [
    ("metadata.title", lambda spec: spec.title),
    ("defaults.for.target", lambda spec: _threshold(spec, "target").for_seconds),
    ("defaults.for.warning", lambda spec: _threshold(spec, "warning").for_seconds),
    ("defaults.for.critical", lambda spec: _threshold(spec, "critical").for_seconds),
    ("reports.by", lambda spec: spec.reports.by),
    ("defaults.no_data_for", lambda spec: spec.indicators[0].no_data_for),
    ("indicators[].measure.gauge.aggregation", lambda spec: spec.indicators[0].measure.aggregation),
    ("escalation.business_hours.location", lambda spec: spec.escalation.business_hours.location),
    ("escalation.levels.<name>.severity", lambda spec: spec.escalation.level("green").severity),
    ("notifications.email.require_tls", lambda spec: spec.email.require_tls),
    ("output.targets", lambda spec: list(spec.output.targets)),
    ("output.grafana_url", lambda spec: spec.output.grafana_url),
    ("output.kubernetes.namespace", lambda spec: spec.output.kubernetes.namespace),
    ("output.kubernetes.alertmanager", lambda spec: spec.output.kubernetes.alertmanager),
    ("output.prometheus.slow_group_interval", lambda spec: spec.output.slow_group_interval),
    ("output.prometheus.unit_tests", lambda spec: spec.output.unit_tests),
]


@pytest.mark.parametrize(("path", "used"), DEFAULTS, ids=[c[0] for c in DEFAULTS])
def test_each_default_the_reference_states_is_the_one_the_compiler_uses(path, used):
    (found,) = [field for field in FIELDS if field.path == path]
    stated = json.loads(found.default)
    assert used(model(BARE)) == (durations.seconds(stated) if found.type == "duration" else stated)


def test_the_alert_name_limit_is_stated_where_ids_are_described():
    """An id within its own 63 characters may still make an alert name past the limit, a
    validation error: the reference and the README's spec section say so before it is hit."""
    (found,) = [field for field in FIELDS if field.path == "indicators[].id"]
    limit = f"at most {conventions.MAX_ALERT_NAME} characters"
    spec_section = (ROOT / "README.md").read_text().split("\n## The spec\n")[1].split("\n## ")[0]
    assert (limit in found.description, limit in spec_section) == (True, True)
