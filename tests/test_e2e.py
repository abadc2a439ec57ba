"""The whole chain on real servers: tests/e2e/spec.yaml compiled, a real Prometheus evaluating
the generated rules over an exporter that follows the spec's metric catalogue, a real
Alertmanager with the generated routing, and a webhook receiver standing in for every
responder. Values are chosen so each level fires for a known series:

    queue_depth    model a: 200 (red)   model b: 1000 (critical)   model c: 5 (green)
    drift_score    model a: 0.15 (yellow, owned by team ml with its own responders)
    error_share    model a: 0 errors among steadily growing requests (green)
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import servers
import yaml

from compiler import conventions, pipeline
from compiler.backends.grafana import queries

pytestmark = pytest.mark.e2e

SPEC = Path(__file__).parent / "e2e" / "spec.yaml"
QUEUE = {"a": 200, "b": 1000, "c": 5}
DRIFT = {"a": 0.15}
SETTLE = 30  # seconds any expected state may take to appear


@dataclass
class Stack:
    prometheus: str
    alertmanager: str
    receiver: servers.WebhookReceiver
    compiled: pipeline.Compilation


def _feed(source: servers.Exporter, stop: threading.Event) -> None:
    """Requests keep flowing (so rates exist) and none fail."""
    while not stop.wait(0.5):
        source.metrics["requests_total"].labels(model="a").inc(10)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e")
    stop = threading.Event()
    with servers.webhook_receiver() as receiver:
        text = SPEC.read_text().replace("WEBHOOK", receiver.url)
        compiled = pipeline.compile_spec([(str(SPEC), text.encode())], SPEC.name)
        for path, content in compiled.files.items():
            (workdir / path).parent.mkdir(parents=True, exist_ok=True)
            (workdir / path).write_text(content)
        catalogue = yaml.safe_load(text)["metrics"]
        with servers.exporter(catalogue) as source:
            for model, value in QUEUE.items():
                source.metrics["queue_depth"].labels(model=model).set(value)
            for model, value in DRIFT.items():
                source.metrics["drift_score"].labels(model=model).set(value)
            source.metrics["errors_total"].labels(model="a")
            feeder = threading.Thread(target=_feed, args=(source, stop), daemon=True)
            feeder.start()
            rules = sorted((workdir / "prometheus").glob("*.yaml"))
            try:
                with servers.alertmanager(workdir, workdir / "alertmanager" / "alertmanager.yaml") as am, \
                        servers.prometheus(workdir, rules, [source.target], am.url) as prom:
                    yield Stack(prom.url, am.url, receiver, compiled)
            finally:
                stop.set()
                feeder.join()


def values(stack: Stack, promql: str) -> dict[str, float]:
    return {sample["metric"].get("model", ""): float(sample["value"][1]) for sample in servers.query(stack.prometheus, promql)}


def series(stack: Stack, indicator_id: str, name=conventions.indicator_series) -> str:
    return name(stack.compiled.spec, next(i for i in stack.compiled.spec.indicators if i.id == indicator_id))


RECORDED = [
    ("the queue's recorded value", "queue", conventions.indicator_series, {"a": 200, "b": 1000, "c": 5}),
    ("the queue's score: 0 past the warning sign, 100 at the target", "queue", conventions.score_series, {"a": 0, "b": 0, "c": 100}),
    ("drift's score: linear between target and warning sign", "drift", conventions.score_series, {"a": 50}),
    ("error share: no failures among flowing requests", "error_share", conventions.indicator_series, {"a": 0}),
]


@pytest.mark.parametrize(("indicator", "name", "expected"), [c[1:] for c in RECORDED], ids=[c[0] for c in RECORDED])
def test_recorded_series_have_the_expected_values(stack, indicator, name, expected):
    got = servers.wait_until(lambda: (v := values(stack, series(stack, indicator, name))) == pytest.approx(expected) and v,
                             SETTLE, f"{series(stack, indicator, name)} never reached {expected}")
    assert got == pytest.approx(expected)


def test_the_composite_score_weighs_the_scorecard(stack):
    # reliability: queue averages (0 + 0 + 100) / 3 over its models, error share 100; quality: drift 50
    reliability = ((0 + 0 + 100) / 3 + 100) / 2
    expected = 0.5 * reliability + 0.5 * 50
    composite = conventions.composite_score_series(stack.compiled.spec)
    servers.wait_until(lambda: values(stack, composite) == {"": pytest.approx(expected)}, SETTLE,
                       f"{composite} never reached {expected:.2f}")


EXPECTED_FIRING = {
    ("E2eQueue", "yellow", "a"), ("E2eQueue", "red", "a"),
    ("E2eQueue", "yellow", "b"), ("E2eQueue", "red", "b"), ("E2eQueue", "critical", "b"),
    ("E2eDrift", "yellow", "a"),
}


def firing(stack: Stack) -> set[tuple[str, str, str]]:
    return {(s["metric"]["alertname"], s["metric"]["level"], s["metric"].get("model", ""))
            for s in servers.query(stack.prometheus, 'ALERTS{alertstate="firing"}')}


def test_alerts_fire_at_the_expected_levels_and_nowhere_else(stack):
    servers.wait_until(lambda: firing(stack) >= EXPECTED_FIRING, SETTLE, "the expected alerts did not all fire")
    assert firing(stack) == EXPECTED_FIRING


# receiver path -> the (alertname, level, model) it must be told about, and nothing else:
# lower levels of the same series are inhibited, team ml's alerts go to its own lead.
EXPECTED_NOTIFICATIONS = {
    "/oncall": {("E2eQueue", "critical", "b")},
    "/leadership": {("E2eQueue", "critical", "b")},
    "/team_channel": {("E2eQueue", "red", "a")},
    "/ml_lead": {("E2eDrift", "yellow", "a")},
    "/lead": set(),
}


def notified(stack: Stack) -> dict[str, set]:
    return {path: {(a["labels"]["alertname"], a["labels"]["level"], a["labels"].get("model", ""))
                   for a in stack.receiver.alerts(path) if a["status"] == "firing"} for path in EXPECTED_NOTIFICATIONS}


def test_each_notification_reaches_the_receiver_the_matrix_names_and_no_other(stack):
    servers.wait_until(lambda: all(notified(stack)[p] >= want for p, want in EXPECTED_NOTIFICATIONS.items()), SETTLE,
                       f"notifications incomplete: {notified(stack)}")
    time.sleep(3)  # anything that should have been inhibited would have arrived by now
    assert notified(stack) == EXPECTED_NOTIFICATIONS


def test_a_notification_links_to_its_series_on_the_indicators_panel(stack):
    spec = stack.compiled.spec
    queue = next(i for i in spec.indicators if i.id == "queue")
    page = servers.wait_until(lambda: stack.receiver.alerts("/oncall"), SETTLE, "no page arrived")[0]
    panel = conventions.dashboard_url(spec, queue, conventions.panel_ids(spec, queue.category)["queue"])
    assert page["annotations"]["dashboard_url"] == f"{panel}&var-model=b"
    assert page["annotations"]["runbook_url"] == "https://runbooks.example.com/queue"


def test_inhibition_mutes_the_lower_levels_of_the_same_series(stack):
    def alertmanager_alerts():
        with urllib.request.urlopen(f"{stack.alertmanager}/api/v2/alerts", timeout=5) as response:
            return {(a["labels"]["alertname"], a["labels"]["level"], a["labels"].get("model", "")): a["status"]
                    for a in json.load(response)}

    alerts = servers.wait_until(lambda: (found := alertmanager_alerts()).keys() >= EXPECTED_FIRING and found, SETTLE,
                                "Alertmanager did not receive every alert")
    inhibited = {key for key, status in alerts.items() if status["inhibitedBy"]}
    assert inhibited == {("E2eQueue", "yellow", "a"), ("E2eQueue", "yellow", "b"), ("E2eQueue", "red", "b")}


def test_every_query_of_every_generated_dashboard_panel_returns_data(stack):
    servers.wait_until(lambda: firing(stack) >= EXPECTED_FIRING, SETTLE, "alerts did not fire")
    boards = [json.loads(text) for path, text in stack.compiled.files.items() if path.startswith("grafana/dashboards/")]
    targets = [(board["title"], panel["title"], target["expr"], board)
               for board in boards for panel in board["panels"] if panel["type"] != "row" for target in panel["targets"]]
    assert targets

    def empty() -> list[str]:
        return [f"{board} / {panel}: {expr}" for board, panel, expr, raw in targets
                if not servers.query(stack.prometheus, queries.substituted(expr, raw))]

    servers.wait_until(lambda: not empty(), SETTLE, "some panel queries return no data")
