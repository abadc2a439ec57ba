"""Shared fixtures: a small valid spec to mutate, and the CLI run in-process through click."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.checks.schema import schema_text
from compiler.cli import main

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent


def schema_nodes(node: object = None):
    """Every object of the shipped JSON Schema (or of `node`), depth first: what a test reads the schema's fragments from."""
    node = json.loads(schema_text()) if node is None else node
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from schema_nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from schema_nodes(value)

# A complete, valid spec in 39 lines. Cases append their own `indicators:` section after it,
# so the line numbers in expected messages start at line 40. Its deployment settings are stated
# (checks/deployment.py warns about each left unset); a case adds its own output settings with
# with_output().
HEADER = textwrap.dedent("""\
    apiVersion: indicators/v1
    metadata: {name: shop, title: Shop}
    defaults: {team: core, runbook_base_url: https://runbooks.example.com/}
    categories:
      platform_health:
        title: Platform Health
        groups: {reliability: Reliability}
    metrics:
      http_requests_total: {type: counter, help: Requests., labels: [model, code]}
      http_errors_total: {type: counter, help: Failed requests., labels: [model]}
      latency_seconds: {type: histogram, help: Latency., labels: [model], buckets: [0.1, 1]}
      queue_depth: {type: gauge, help: Jobs waiting., labels: [model]}
      trained_timestamp_seconds: {type: gauge, help: Last training., labels: [model]}
    escalation:
      business_hours:
        location: Europe/London
        weekdays: [monday:friday]
        times: [{start: "09:00", end: "17:00"}]
      levels:
        green: {action: Continue monitoring}
        yellow:
          threshold: target
          severity: warning
          response_time: 1d
          business_hours: true
          responders: [lead]
        red: {threshold: warning, severity: error, response_time: 4h, responders: [lead]}
        critical: {threshold: critical, severity: critical, response_time: 1h, responders: [pager]}
    teams:
      core: {title: Core}
    responders:
      lead:
        title: Team Lead
        channels: [{email: {to: lead@example.com}}]
      pager:
        title: On-call
        channels: [{pagerduty: {routing_key_file: /etc/am/pd-key}}]
    notifications: {email: {from: am@example.com, smarthost: "smtp.example.com:587"}}
    output: {grafana_url: "https://grafana.example.com", kubernetes: {rule_labels: {}, alertmanager: shop}}
    """)
assert HEADER.count("\n") == 39

INDICATOR = textwrap.dedent("""\
    indicators:
      - id: queue
        title: Queue Depth
        category: platform_health
        group: reliability
        definition: Jobs waiting.
        measure: {gauge: {series: queue_depth, aggregation: max}}
        unit: count
        good: lower
        target: 10
        warning: 100
        track_by: [model]
    """)


# An availability objective, and a count over a day that must stay zero: indicators other tests share.
UPTIME = textwrap.dedent("""\
    indicators:
      - id: uptime
        title: Uptime
        category: platform_health
        group: reliability
        definition: Requests served.
        measure: {availability: {errors: http_errors_total, total: http_requests_total}}
        unit: ratio
        good: higher
        target: 0.999
        warning: 0.99
        track_by: [model]
    """)
FAILURES = textwrap.dedent("""\
    indicators:
      - id: failures
        title: Failures
        category: platform_health
        group: reliability
        definition: Failed requests in a day.
        measure: {zero: {series: http_errors_total, window: 1d}}
        unit: count
        good: lower
        target: 0
        warning: {value: 3, for: 0s}
        track_by: [model]
    """)


def with_output(text: str, settings: str) -> str:
    """`text` with `settings` (flow YAML, e.g. "targets: [docs]") added to HEADER's output."""
    return text.replace("output: {", f"output: {{{settings}, ", 1)


def spec_text(indicators: str = INDICATOR) -> str:
    return HEADER + textwrap.dedent(indicators)


@pytest.fixture
def cli(monkeypatch, tmp_path):
    """Run `indicators ARGS` in an empty working folder; returns click's Result."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run
