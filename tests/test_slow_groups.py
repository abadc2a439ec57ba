"""Unhurried indicators out of the every-minute groups (issue 19): an indicator whose every
window and every `for` span at least 12 slow intervals (1h at the default 5m) is evaluated whole
in its category's long-window group, and no rule reads a series of a slower group as if it were
fresh. At the boundaries on the compiled plan, then on a real Prometheus fed by
`prometheus_client` exporters: a moved alert fires after its `for` and within one slow interval
of it, never before; a healthy world, and a fresh start, raise nothing; an entity that stops is
NoData after `no_data_for`, while the other goes on."""

from __future__ import annotations

import contextlib
import dataclasses
import time

import pytest
import servers
from conftest import ROOT, spec_text, with_output

from compiler import backends, pipeline
from compiler.backends import prometheus
from compiler.backends.prometheus import lint
from compiler.backends.prometheus.plan import RECORD, Group, Plan, Rule, RuleFile

SLOW = 5  # seconds: the spec's slow_group_interval here, so 12 of them is a minute
QUEUE = """\
indicators:
  - id: queue
    title: Queue Depth
    category: platform_health
    group: reliability
    definition: Jobs waiting.
    measure: MEASURE
    unit: count
    good: lower
    target: {value: 10, for: FOR}
    warning: {value: 100, for: 60s}
    track_by: [model]
    no_data_for: NO_DATA
    forget_after: 10m
"""
GAUGE = "{gauge: {series: queue_depth, aggregation: max}}"
AVAILABILITY = "{availability: {total: http_requests_total, errors: http_errors_total, period: 30d}}"


def queue_text(measure: str = GAUGE, hold: str = "60s", no_data: str = "60s") -> str:
    text = QUEUE.replace("MEASURE", measure).replace("FOR", hold).replace("NO_DATA", no_data)
    if "availability" in measure:  # its value is a ratio, good when higher
        text = text.replace("unit: count", "unit: ratio").replace("good: lower", "good: higher")
        text = text.replace("value: 10,", "value: 0.999,").replace("value: 100,", "value: 0.99,")
    return with_output(spec_text(text), f"prometheus: {{slow_group_interval: {SLOW}s}}")


def compiled(measure: str = GAUGE, hold: str = "60s", no_data: str = "60s"):
    spec, _ = pipeline.load([("indicators.yaml", queue_text(measure, hold, no_data).encode())], "indicators.yaml")
    return spec


def groups_of(spec) -> set[str]:
    return {group.name for group in prometheus.build(spec).groups() if any(rule.indicator == "queue" for rule in group.rules)}


EVERY_MINUTE, SLOW_GROUP = {"shop_platform_health"}, {"shop_platform_health_long_windows"}
GROUPING = [  # (case, measure, the target's `for`, no_data_for, the groups evaluating the indicator's rules)
    ("an instant gauge whose every for is 12 slow intervals is evaluated whole in the slow group",
     GAUGE, "60s", "60s", SLOW_GROUP),
    ("a threshold for a second under 12 slow intervals keeps it at every minute", GAUGE, "59s", "60s", EVERY_MINUTE),
    ("a no_data_for a second under keeps it at every minute", GAUGE, "60s", "59s", EVERY_MINUTE),
    ("an alert without for is fast", GAUGE, "0s", "60s", EVERY_MINUTE),
    ("a 1m rate window is 12 slow intervals: slow", "{rate: {counter: http_requests_total, window: 1m}}", "60s", "60s", SLOW_GROUP),
    ("a 59s rate window is not", "{rate: {counter: http_requests_total, window: 59s}}", "60s", "60s", EVERY_MINUTE),
    ("an availability objective's burn-rate alerts (no for, a 5m window) stay at every minute with their error ratios",
     AVAILABILITY, "60s", "60s",
     EVERY_MINUTE | SLOW_GROUP | {"shop_platform_health_rollups"}),
]


@pytest.mark.parametrize(("measure", "hold", "no_data", "groups"), [c[1:] for c in GROUPING], ids=[c[0] for c in GROUPING])
def test_an_indicator_is_evaluated_every_minute_unless_every_window_and_for_spans_twelve_slow_intervals(measure, hold, no_data, groups):
    assert groups_of(compiled(measure, hold, no_data)) == groups


def test_a_moved_indicators_rules_keep_their_order_so_each_reads_what_was_just_recorded():
    found = [rule.name for rule in prometheus.build(compiled()).rules() if rule.indicator == "queue"]
    assert found == ["model:shop_queue:max", "model:shop_queue:score", "ShopQueue", "ShopQueue",
                     "model:shop_queue_sources:present", "ShopQueueNoData"]


def moved(spec, name: str, group_name: str) -> Plan:
    """The spec's plan with the rule recording `name` moved alone to the group `group_name` (a
    new group of the first file, every slow interval, if there is none of that name)."""
    built = prometheus.build(spec)
    rule = next(rule for rule in built.rules() if rule.name == name)
    files = [RuleFile(found.name, tuple(Group(group.name, group.interval, tuple(r for r in group.rules if r is not rule)
                                              + ((rule,) if group.name == group_name else ())) for group in found.groups))
             for found in built.files]
    if group_name not in {group.name for group in built.groups()}:
        files[0] = RuleFile(files[0].name, (*files[0].groups, Group(group_name, f"{SLOW}s", (rule,))))
    return Plan(tuple(files))


STALE = [  # (case, the rule moved, to which group, the findings)
    ("the compiled plan reads nothing stale", None, None, []),
    ("a value moved alone to the slow group is read stale by the alerts and score left every minute",
     "model:shop_queue:max", "shop_platform_health_long_windows",
     [f"generated rule {rule} in shop_platform_health reads model:shop_queue:max, recorded every 5s in "
      "shop_platform_health_long_windows, as if it were fresh" for rule in ("model:shop_queue:score", "ShopQueue", "ShopQueue")]),
    ("a series recorded every minute and read every slow interval is fresh", "model:shop_queue:max", "shop_platform_health", []),
]


@pytest.mark.parametrize(("name", "group", "expected"), [c[1:] for c in STALE], ids=[c[0] for c in STALE])
def test_no_rule_reads_a_series_of_a_slower_group_as_if_it_were_fresh(name, group, expected):
    spec = compiled(hold="59s") if group == "shop_platform_health_long_windows" else compiled()
    plan = moved(spec, name, group) if name else prometheus.build(spec)
    assert [message for _, message in lint.stale_reads(spec, plan)] == expected


@pytest.mark.parametrize("spec", [pytest.param(lambda: compiled(AVAILABILITY), id="an availability objective, whose burn alerts read its 1d and 3d ratios"),
                                  pytest.param(lambda: pipeline.load([("indicators.yaml", (ROOT / "indicators.yaml").read_bytes())],
                                                                     "indicators.yaml")[0], id="the shipped spec")])
def test_a_compiled_plan_reads_nothing_stale(spec):
    built = spec()
    assert lint.stale_reads(built, prometheus.build(built)) == []


def test_a_range_read_at_least_as_long_as_the_slower_interval_is_not_stale():
    spec = compiled(hold="59s")
    reader = Rule(RECORD, "model:shop_queue:avg", "avg_over_time(model:shop_queue:max[5s])", indicator="queue", keeps=("model",))
    plan = moved(spec, "model:shop_queue:max", "shop_platform_health_long_windows")
    files = (RuleFile("extra", (Group("shop_extra", None, (reader,)),)), *plan.files)
    assert [m for _, m in lint.stale_reads(spec, Plan(files)) if "shop_extra" in m] == []


def test_lint_reports_a_stale_read_against_the_indicator():
    spec = compiled(hold="59s")
    built = dataclasses.replace(backends.outputs(spec), rules=moved(spec, "model:shop_queue:max", "shop_platform_health_long_windows"))
    assert (("indicators", 0), "generated rule ShopQueue in shop_platform_health reads model:shop_queue:max, recorded every 5s "
            "in shop_platform_health_long_windows, as if it were fresh") in lint.lint(built)


# --- on a real Prometheus ---------------------------------------------------------------------

FOR = 60  # the spec's `for` and no_data_for, in seconds
RULES = "prometheus/platform_health.yaml"
MARGIN = 4  # seconds: a scrape and an evaluation at 1s each, and the poll


def alerts(url: str) -> list[dict]:
    return servers.get_json(f"{url}/api/v1/alerts")["data"]["alerts"]


@pytest.mark.e2e
def test_on_a_real_prometheus_a_moved_alert_fires_after_its_for_within_one_slow_interval_and_a_healthy_world_is_silent(tmp_path):
    spec = compiled()
    assert groups_of(spec) == SLOW_GROUP
    rule_file = tmp_path / "platform_health.yaml"
    rule_file.write_text(pipeline.compile_spec([("indicators.yaml", queue_text().encode())], "indicators.yaml").files[RULES])
    catalogue = {"queue_depth": {"type": "gauge", "help": "Jobs waiting.", "labels": ["model"]}}
    with contextlib.ExitStack() as stack:
        m1 = stack.enter_context(servers.exporter(catalogue))
        m2_stack = contextlib.ExitStack()
        m2 = m2_stack.enter_context(servers.exporter(catalogue))
        stack.push(m2_stack)
        m1.metrics["queue_depth"].labels(model="m1").set(1)
        m2.metrics["queue_depth"].labels(model="m2").set(1)
        server = stack.enter_context(servers.prometheus(tmp_path / "prometheus", [rule_file], [m1.target, m2.target]))
        # Prometheus evaluates the indicator's group every slow interval, as loaded
        loaded = servers.get_json(f"{server.url}/api/v1/rules")["data"]["groups"]
        assert {group["name"]: group["interval"] for group in loaded} == {"shop_platform_health_long_windows": SLOW}
        # healthy, from a fresh start: not even a pending alert, no NoData while the first
        # presence record is written
        servers.wait_until(lambda: servers.query(server.url, "model:shop_queue_sources:present"), 30, "no presence recorded")
        healthy_until = time.monotonic() + 2 * SLOW + MARGIN
        while time.monotonic() < healthy_until:
            assert alerts(server.url) == []
            time.sleep(0.25)
        # m1's queue grows past the target; m2's exporter stops while m1's goes on
        start = time.monotonic()
        m1.metrics["queue_depth"].labels(model="m1").set(50)
        m2_stack.close()
        fired: dict[str, float] = {}
        while time.monotonic() < start + FOR + SLOW + 2 * MARGIN and len(fired) < 2:
            for alert in alerts(server.url):
                if alert["state"] == "firing":
                    key = f"{alert['labels']['alertname']} {alert['labels'].get('model', '')}"
                    fired.setdefault(key, time.monotonic() - start)
            time.sleep(0.25)
        assert set(fired) == {"ShopQueue m1", "ShopQueueNoData m2"}, fired
        # after its `for` (the value is recorded at most a scrape and a slow interval after the
        # change) and at most one slow interval after that
        for name, after in fired.items():
            assert FOR <= after <= FOR + SLOW + MARGIN, (name, after)
        assert {a["labels"]["level"] for a in alerts(server.url) if a["labels"]["alertname"] == "ShopQueue"} == {"yellow"}
