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
from conftest import FAILURES, ROOT, spec_text, with_output

from compiler import backends, conventions, pipeline
from compiler.backends import prometheus
from compiler.backends.prometheus import alerts as alert_rules
from compiler.backends.prometheus import lint, scores
from compiler.backends.prometheus.plan import RECORD, Group, Plan, Rule, RuleFile
from compiler.problems import SpecError

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


def moved(spec, name: str, group_name: str, interval: str = f"{SLOW}s") -> Plan:
    """The spec's plan with the rule recording `name` moved alone to the group `group_name` (a
    new group of the first file, every `interval`, if there is none of that name)."""
    built = prometheus.build(spec)
    rule = next(rule for rule in built.rules() if rule.name == name)
    files = [RuleFile(found.name, tuple(Group(group.name, group.interval, tuple(r for r in group.rules if r is not rule)
                                              + ((rule,) if group.name == group_name else ())) for group in found.groups))
             for found in built.files]
    if group_name not in {group.name for group in built.groups()}:
        files[0] = RuleFile(files[0].name, (*files[0].groups, Group(group_name, interval, (rule,))))
    return Plan(tuple(files))


def stale(rules: tuple[str, ...], interval: str, group: str) -> list[str]:
    return [f"generated rule {rule} in shop_platform_health reads model:shop_queue:max, recorded every {interval} in "
            f"{group}, as if it were fresh" for rule in rules]


READERS = ("model:shop_queue:score", "ShopQueue", "ShopQueue")  # the value's readers left every minute
STALE = [  # (case, the rule moved, to which group, every, the findings)
    ("the compiled plan reads nothing stale", None, None, None, []),
    ("a value moved alone to a group evaluated every 5m is read stale by the alerts and score left every minute: "
     "the 5m look-back does not always reach its last evaluation",
     "model:shop_queue:max", "shop_every_5m", "5m", stale(READERS, "5m", "shop_every_5m")),
    ("a value recorded every 2m30s is found by an instant read: the look-back reaches two of its evaluations",
     "model:shop_queue:max", "shop_every_150s", "150s", []),
    ("a value recorded every 2m31s is stale for an instant read: one late evaluation and it is gone",
     "model:shop_queue:max", "shop_every_151s", "151s", stale(READERS, "2m31s", "shop_every_151s")),
    ("a value moved to the slow group, every 5s, is found by the every-minute readers within the look-back",
     "model:shop_queue:max", "shop_platform_health_long_windows", None, []),
    ("a series recorded every minute and read every slow interval is fresh", "model:shop_queue:max", "shop_platform_health", None, []),
]


@pytest.mark.parametrize(("name", "group", "every", "expected"), [c[1:] for c in STALE], ids=[c[0] for c in STALE])
def test_no_rule_reads_a_series_of_another_group_as_if_it_were_fresh(name, group, every, expected):
    spec = compiled(hold="59s") if group != "shop_platform_health" else compiled()
    plan = moved(spec, name, group, every or f"{SLOW}s") if name else prometheus.build(spec)
    assert [message for _, message in lint.stale_reads(spec, plan)] == expected


def shipped(slow: str):
    text = (ROOT / "indicators.yaml").read_text().replace("output:\n", f"output:\n  prometheus: {{slow_group_interval: {slow}}}\n", 1)
    return pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")[0]


@pytest.mark.parametrize("spec", [pytest.param(lambda: compiled(AVAILABILITY), id="an availability objective, whose burn alerts read its 1d and 3d ratios"),
                                  pytest.param(lambda: pipeline.load([("indicators.yaml", (ROOT / "indicators.yaml").read_bytes())],
                                                                     "indicators.yaml")[0], id="the shipped spec"),
                                  *[pytest.param(lambda slow=slow: shipped(slow), id=f"the shipped spec every {slow}: scores read over a range")
                                    for slow in ("30s", "10m", "15m")]])
def test_a_compiled_plan_reads_nothing_stale(spec):
    built = spec()
    assert lint.stale_reads(built, prometheus.build(built)) == []


def test_the_shipped_scorecard_read_instantly_fails_to_compile_at_the_default_and_any_longer_slow_interval(monkeypatch):
    monkeypatch.setattr(scores, "latest", lambda spec, series: series)  # the mutant: the scorecard reads its scores instantly
    for slow in ("5m", "10m"):
        with pytest.raises(SpecError) as raised:
            shipped(slow)
        found = [problem.message for problem in raised.value.problems if problem.path == "scorecard"]
        assert len(found) >= 30 and (f"generated rule cluster_indicator:mlops_indicator_score:avg in mlops_platform_health_scorecard "
                                     f"reads cluster_model:mlops_model_uptime:score, recorded every {slow} in "
                                     "mlops_platform_health_long_windows, as if it were fresh") in found, found
    built = shipped("30s")  # recorded every 30s or every minute, all within the look-back
    assert lint.stale_reads(built, prometheus.build(built)) == []


RANGES = [  # (case, the reader's range over a value recorded every 5m in another group, stale)
    ("a range of twice the writer's interval is fresh", "10m", False),
    ("a range a second shorter is stale", "599s", True),
    ("a range of the writer's interval alone is stale: one late evaluation leaves it empty", "5m", True),
]


@pytest.mark.parametrize(("window", "is_stale"), [c[1:] for c in RANGES], ids=[c[0] for c in RANGES])
def test_a_range_read_is_fresh_when_it_spans_two_of_the_writers_intervals(window, is_stale):
    spec = compiled(hold="59s")
    reader = Rule(RECORD, "model:shop_queue:avg", f"avg_over_time(model:shop_queue:max[{window}])", indicator="queue", keeps=("model",))
    plan = moved(spec, "model:shop_queue:max", "shop_every_5m", "5m")
    files = (RuleFile("extra", (Group("shop_extra", None, (reader,)),)), *plan.files)
    assert bool([m for _, m in lint.stale_reads(spec, Plan(files)) if "shop_extra" in m]) == is_stale


def test_lint_reports_a_stale_read_against_the_indicator():
    spec = compiled(hold="59s")
    built = dataclasses.replace(backends.outputs(spec), rules=moved(spec, "model:shop_queue:max", "shop_every_5m", "5m"))
    assert (("indicators", 0), "generated rule ShopQueue in shop_platform_health reads model:shop_queue:max, recorded every 5m "
            "in shop_every_5m, as if it were fresh") in lint.lint(built)


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


@pytest.mark.e2e
def test_on_a_real_prometheus_the_scorecard_records_every_slow_interval_whatever_the_phases_of_the_groups(tmp_path):
    """Scaled down: Prometheus' look-back cut to 2s against a slow interval of 5s, as the default
    5m stands against a slow interval of 12.5m. The scorecard's groups run at times of their own
    (Prometheus spreads groups over their interval by a hash of their name and file), so an instant
    read of a score recorded by the long-window group would find it only when the scorecard's
    group happens to run less than 2s after it, and record nothing otherwise."""
    spec = compiled()
    assert groups_of(spec) == SLOW_GROUP
    files = pipeline.compile_spec([("indicators.yaml", queue_text().encode())], "indicators.yaml").files
    paths = []
    for name in (RULES, "prometheus/platform_health_scorecard.yaml", "prometheus/scorecard.yaml"):
        paths.append(tmp_path / name.split("/")[1])
        paths[-1].write_text(files[name])
    catalogue = {"queue_depth": {"type": "gauge", "help": "Jobs waiting.", "labels": ["model"]}}
    every_indicator, every_group = (conventions.rollup_score_series(spec, label) for label in (conventions.INDICATOR_LABEL, conventions.GROUP_LABEL))
    with servers.exporter(catalogue) as m1:
        m1.metrics["queue_depth"].labels(model="m1").set(1)
        with servers.prometheus(tmp_path / "prometheus", paths, [m1.target], flags=("--query.lookback-delta=2s",)) as server:
            loaded = servers.get_json(f"{server.url}/api/v1/rules")["data"]["groups"]
            assert {group["interval"] for group in loaded} == {SLOW}, loaded
            servers.wait_until(lambda: servers.query(server.url, f"count_over_time({every_group}[1m])"), 30, "no scorecard recorded")
            time.sleep(6 * SLOW)
            # one sample each slow interval: 5 in any 25s, both in the category's scorecard group
            # and in the scorecard's, which reads it
            for series in (every_indicator, every_group):
                counted = servers.query(server.url, f"count_over_time({series}[{5 * SLOW}s])")
                assert [float(found["value"][1]) for found in counted] == [5.0], (series, counted)


def escalated_count():
    """A zero count over a day, evaluated in the long-window group (5m), whose red alerts escalate
    after 8h: the escalation reads their ALERTS, written only when that group runs."""
    text = spec_text(FAILURES).replace("severity: error, response_time: 4h,", "severity: error, response_time: 4h, escalate_after: 8h,")
    return pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")[0]


def test_an_escalation_is_evaluated_with_the_alerts_it_reads():
    spec = escalated_count()
    plan = prometheus.build(spec)
    (group,) = [group for group in plan.groups() if any(rule.name == "ShopFailuresEscalated" for rule in group.rules)]
    assert group.name == "shop_platform_health_long_windows"
    assert {rule.name for rule in group.rules if rule.kind == "alert"} >= {"ShopFailures", "ShopFailuresEscalated"}
    assert lint.stale_reads(spec, plan) == []


def test_an_escalation_evaluated_apart_from_the_alerts_it_reads_is_a_stale_read(monkeypatch):
    # the mutant: the escalation back in the every-minute group, as the rules were before
    original = alert_rules.rules

    def apart(*args):
        valued, watch = original(*args)
        moved = [rule for rule in valued if rule.name.endswith(conventions.ESCALATED_SUFFIX)]
        return [rule for rule in valued if rule not in moved], watch + moved
    monkeypatch.setattr(alert_rules, "rules", apart)
    with pytest.raises(SpecError) as raised:  # the compile refuses it
        escalated_count()
    assert [(problem.path, problem.message) for problem in raised.value.problems] == [("indicators[0]",
        "generated rule ShopFailuresEscalated in shop_platform_health reads ALERTS, written every 5m in "
        "shop_platform_health_long_windows, as if it were fresh")]
