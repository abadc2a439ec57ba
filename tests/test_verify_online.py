"""`indicators verify --prometheus URL` against a real Prometheus on loopback scraping a
`prometheus_client` exporter of tests/online/spec.yaml's catalogue, in worlds written from what
services send: labelled series exist only for what happened (a status never deployed has no
series), a gauge whose entities all went away leaves the metric stale at once. Each label's
cardinality estimate there is 2 and the warning factor 2: four values are at the factor, five
beyond it."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import servers
import yaml

from compiler import online, pipeline
from compiler.backends import prometheus

SPEC = Path(__file__).parent / "online" / "spec.yaml"
CATALOGUE = yaml.safe_load(SPEC.read_text())["metrics"]
OK = "every series present"


def deployed(metrics: dict, teams=("a", "b"), statuses=("success", "rolled_back")) -> None:
    for team in teams:
        for status in statuses:
            metrics["shop_deployments_total"].labels(team, status).inc()


def queued(metrics: dict, teams=("a", "b")) -> None:
    for team in teams:
        metrics["shop_queue_depth"].labels(team).set(4)


def timed(metrics: dict, teams=("a", "b")) -> None:
    for team in teams:
        metrics["shop_lead_time_seconds"].labels(team).observe(7200)


def healthy(metrics: dict) -> None:
    deployed(metrics)
    queued(metrics)
    timed(metrics)
    metrics["shop_backlog_items"].labels("a").set(12)


def without_queue(metrics: dict) -> None:
    deployed(metrics)
    timed(metrics)


def never_rolled_back(metrics: dict) -> None:
    deployed(metrics, statuses=("success",))
    queued(metrics)
    timed(metrics)


def apart(metrics: dict) -> None:
    deployed(metrics, teams=("a",), statuses=("success",))  # team a never rolled back; team b only ever did
    deployed(metrics, teams=("b",), statuses=("rolled_back",))
    queued(metrics)
    timed(metrics)


def crowded(metrics: dict) -> None:
    teams = ["a"] + [f"team{number}" for number in range(39)]
    deployed(metrics, teams=teams)  # 40 teams: 20x the estimate
    queued(metrics, teams=teams[:4])  # at the factor
    timed(metrics, teams=teams[:5])  # just beyond it
    for team in teams[:5]:
        metrics["shop_backlog_items"].labels(team).set(1)


def queue_gone(metrics: dict) -> None:
    metrics["shop_queue_depth"].clear()  # the exporter dropped every team's queue


HINT = ("a counter with labels has no series until its first event: that may be calm, or mark it `initialised: true` "
        "so the instrumentation module creates its series at 0")


def beyond(metric: str, count: int, ratio: str) -> str:
    return (f"  cardinality warning {metric}: label team has {count} values now, {ratio}x the catalogue's estimate of 2 "
            f"(warned beyond 2x): raise metrics.{metric}.cardinality.team or find what adds values")


@dataclass(frozen=True)
class World:
    name: str
    record: Callable[[dict], None]  # what the service did before Prometheus first scraped it
    code: int
    lines: tuple[str, ...]  # lines the output holds (or their starts), besides the summary
    summary: str  # the last line, after the URL
    then: Callable[[dict], None] | None = None  # what it did after that scrape
    args: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()  # text the output must not hold
    flags: tuple[str, ...] = ()  # the Prometheus server's own
    failed: str = ""  # what the error line ends with, when it fails


SETTINGS = "server settings: retention {kept}, look-back {look_back}; 1d the rules read back (ShopQueueNoData)"


WORLDS = [
    World("a healthy service has every series the rules read and nothing is missing", healthy, 0,
          ("rollbacks (Rollback Rate): 1 series read: " + OK, "queue (Queue Depth): 1 series read: " + OK,
           "lead_time (Lead Time): 1 series read: " + OK, "team_a_rollbacks (Team A Rollback Rate): 1 series read: " + OK,
           SETTINGS.format(kept="15d (the default)", look_back="5m")),  # Prometheus' defaults
          "4 indicators, 4 with every series they read, 0 missing some; 0 cardinality warnings",
          absent=("metrics no indicator reads", "too short")),
    World("a Prometheus keeping a minute less history than the rules read back, and looking back a second less than 5m, "
          "fails on its settings", healthy, 1,
          (SETTINGS.format(kept="23h59m", look_back="4m59s"),
           "  retention too short storage.tsdb.retention.time: 23h59m, less than the 1d the rules read back (ShopQueueNoData): "
           "a counter older than the retention looks new, so a count over the longest windows never ages out and its alert "
           "keeps firing; set it to at least 1d",
           "  look-back too short --query.lookback-delta: 4m59s, less than the 5m the rules assume: a series recorded every 5m "
           "vanishes from instant reads between its evaluations"),
          "4 indicators, 4 with every series they read, 0 missing some; 0 cardinality warnings",
          flags=("--storage.tsdb.retention.time=23h59m", "--query.lookback-delta=4m59s"),
          failed=": retention too short; look-back too short"),
    World("a Prometheus keeping exactly what the rules read back, and looking back 5m, passes", healthy, 0,
          (SETTINGS.format(kept="1d", look_back="5m"),),
          "4 indicators, 4 with every series they read, 0 missing some; 0 cardinality warnings",
          flags=("--storage.tsdb.retention.time=1d", "--query.lookback-delta=5m"), absent=("too short",)),
    World("a Prometheus keeping history by size alone is warned that it may be cut short, and passes", healthy, 0,
          ("server settings: retention no time limit, look-back 5m; 1d the rules read back (ShopQueueNoData)",
           "  retention size warning storage.tsdb.retention.size: 1GiB: the history may be cut shorter than 1d when the data outgrows it"),
          "4 indicators, 4 with every series they read, 0 missing some; 0 cardinality warnings",
          flags=("--storage.tsdb.retention.size=1GB",), absent=("too short",)),
    World("a metric the service never exported is missing and was never seen", without_queue, 1,
          ("queue (Queue Depth): 1 series read: 1 missing metric",
           "  missing metric shop_queue_depth: no series now; never seen in the last 7d",
           "rollbacks (Rollback Rate): 1 series read: " + OK),
          "4 indicators, 3 with every series they read, 1 missing some; 0 cardinality warnings"),
    World("a metric whose every series went away is missing now and was last seen moments ago", healthy, 1,
          ("queue (Queue Depth): 1 series read: 1 missing metric",
           "  missing metric shop_queue_depth: no series now; last seen about "),  # seconds ago: at 1s steps over 10m
          "4 indicators, 3 with every series they read, 1 missing some; 0 cardinality warnings", then=queue_gone,
          args=("--lookback", "10m")),
    World("a labelled counter that never counted the value a selector needs misses that label value", never_rolled_back, 1,
          ("rollbacks (Rollback Rate): 1 series read: 1 missing label value",
           '  missing label value shop_deployments_total{status="rolled_back"}: no series carries it now '
           f"(its series carry status=success); never seen in the last 7d; {HINT}",
           "team_a_rollbacks (Team A Rollback Rate): 1 series read: 1 missing label value"),
          "4 indicators, 2 with every series they read, 2 missing some; 0 cardinality warnings"),
    World("label values that each occur but never together miss their combination, not a value", apart, 1,
          ("team_a_rollbacks (Team A Rollback Rate): 1 series read: 1 missing label combination",
           '  missing label combination shop_deployments_total{team="a", status="rolled_back"}: each matcher alone matches '
           f"series now, but no series matches them together; never seen in the last 7d; {HINT}",
           "rollbacks (Rollback Rate): 1 series read: " + OK),
          "4 indicators, 3 with every series they read, 1 missing some; 0 cardinality warnings",
          absent=("missing label value",)),
    World("labels beyond twice their estimate are warned of, at twice not, and warnings do not fail", crowded, 0,
          ("queue (Queue Depth): 1 series read: " + OK,
           "lead_time (Lead Time): 1 series read: 1 cardinality warning", beyond("shop_lead_time_seconds", 5, "2.5"),
           "rollbacks (Rollback Rate): 1 series read: 1 cardinality warning", beyond("shop_deployments_total", 40, "20"),
           "metrics no indicator reads: 1 metric checked: 1 cardinality warning", beyond("shop_backlog_items", 5, "2.5")),
          "4 indicators, 4 with every series they read, 0 missing some; 3 cardinality warnings",
          absent=("shop_queue_depth: label team", "label status")),
]


@pytest.mark.parametrize("world", WORLDS, ids=[world.name for world in WORLDS])
def test_verify_prometheus_reports_per_indicator_what_the_live_prometheus_lacks(world, cli, tmp_path):
    with servers.exporter(CATALOGUE) as service:
        world.record(service.metrics)
        with servers.prometheus(tmp_path / "prometheus", [], [service.target], flags=world.flags) as prom:
            servers.wait_until(lambda: servers.query(prom.url, "up == 1"), 30, "the exporter is not scraped")
            if world.then:
                world.then(service.metrics)
                mark = time.time()
                servers.wait_until(lambda: float(servers.query(prom.url, "timestamp(up)")[0]["value"][1]) > mark + 1, 30,
                                   "no scrape after the change")
            result = cli("verify", "--prometheus", prom.url, *world.args, str(SPEC))
    lines = result.output.splitlines()
    assert [start for start in world.lines if not any(line.startswith(start) for line in lines)] == [], result.output
    assert [text for text in world.absent if text in result.output] == [], result.output
    summary = next(line for line in lines if line.startswith(prom.url + ": 4 indicators"))
    assert summary == f"{prom.url}: {world.summary}"
    assert result.exit_code == world.code, result.output
    if world.failed:
        assert lines[-1] == f"error: {prom.url}{world.failed}"


def test_verify_prometheus_quiet_prints_only_the_indicators_with_findings(cli, tmp_path):
    with servers.exporter(CATALOGUE) as service:
        without_queue(service.metrics)
        with servers.prometheus(tmp_path / "prometheus", [], [service.target]) as prom:
            servers.wait_until(lambda: servers.query(prom.url, "up == 1"), 30, "the exporter is not scraped")
            result = cli("verify", "--prometheus", prom.url, "--quiet", str(SPEC))
    assert result.output.splitlines() == [
        "queue (Queue Depth): 1 series read: 1 missing metric",
        "  missing metric shop_queue_depth: no series now; never seen in the last 7d",
        f"{prom.url}: 4 indicators, 3 with every series they read, 1 missing some; 0 cardinality warnings",
        f"error: {prom.url}: 1 series the rules read is missing"]
    assert result.exit_code == 1


@pytest.mark.parametrize("args, code, message", [
    (("--prometheus", "http://127.0.0.1:{port}"), 3, "error: cannot query Prometheus: http://127.0.0.1:{port}: cannot connect: "),
    (("--prometheus", "http://user:secret@127.0.0.1:{port}"), 2, "credentials do not belong in the URL"),
    (("--prometheus", "http://127.0.0.1:{port}", "--lookback", "0s"), 2, "'0s': expected a duration such as 7d"),
    (("--prometheus", "http://127.0.0.1:{port}", "--lookback", "a week"), 2, "'a week': expected a duration such as 7d"),
    (("--prometheus", "http://127.0.0.1:{port}", "--cardinality-factor", "0.5"), 2, "0.5 is not in the range x>=1"),
    (("--prometheus", "http://127.0.0.1:{port}", "--bearer-token-file", "token"), 2,
     "token: the bearer token holds a line break, a control or a non-ASCII character"),
])
def test_verify_prometheus_that_cannot_be_asked_exits_with_the_reports_codes(args, code, message, cli, tmp_path):
    port = servers.free_port()  # nothing listens there
    (tmp_path / "token").write_text("abc\nX-Injected: 1\n")  # a header of its own: refused before anything is sent
    result = cli("verify", *(arg.format(port=port) for arg in args), str(SPEC))
    assert message.format(port=port) in result.output
    assert result.exit_code == code
    assert "Traceback" not in result.output


# The server's settings, judged from its flags as Prometheus prints them (each case one flag off
# the defaults); the online spec reads 1d back.
PROMETHEUS_DEFAULTS = {"storage.tsdb.retention.time": "0s", "storage.tsdb.retention": "0s", "storage.tsdb.retention.size": "0B",
                       "query.lookback-delta": "5m"}
SETTING_CASES = [  # (case, flags over the defaults or None, the runtime information's retention, the summary, the findings' kinds, whether it fails)
    ("Prometheus' defaults keep 15d and look back 5m", {}, None, "retention 15d (the default), look-back 5m", (), False),
    ("exactly the reach is enough", {"storage.tsdb.retention.time": "1d"}, None, "retention 1d, look-back 5m", (), False),
    ("a second less is too short", {"storage.tsdb.retention.time": "23h59m59s"}, None, "retention 23h59m59s, look-back 5m",
     (online.SHORT_RETENTION,), True),
    ("the deprecated flag counts when the new one is unset", {"storage.tsdb.retention": "12h"}, None, "retention 12h, look-back 5m",
     (online.SHORT_RETENTION,), True),
    ("the new flag wins over the deprecated one", {"storage.tsdb.retention.time": "2d", "storage.tsdb.retention": "12h"}, None,
     "retention 2d, look-back 5m", (), False),
    ("a size alone sets no time limit, and is warned of", {"storage.tsdb.retention.size": "10GiB"}, None,
     "retention no time limit, look-back 5m", (online.BY_SIZE,), False),
    ("a size beside a time is warned of too", {"storage.tsdb.retention.time": "30d", "storage.tsdb.retention.size": "10GiB"}, None,
     "retention 30d, look-back 5m", (online.BY_SIZE,), False),
    ("a look-back a second under 5m fails", {"query.lookback-delta": "4m59s"}, None, "retention 15d (the default), look-back 4m59s",
     (online.SHORT_LOOKBACK,), True),
    ("a longer look-back is fine", {"query.lookback-delta": "10m"}, None, "retention 15d (the default), look-back 10m", (), False),
    ("what the server resolved wins over its flags: a retention in Prometheus 3's configuration file", {}, "13w",
     "retention 91d, look-back 5m", (), False),
    ("a resolved retention short of the reach fails", {}, "12h", "retention 12h, look-back 5m", (online.SHORT_RETENTION,), True),
    ("a resolved size beside a time is warned of", {}, "2d or 1GiB", "retention 2d, look-back 5m", (online.BY_SIZE,), False),
    ("a resolved size alone sets no time limit", {}, "1GiB", "retention no time limit, look-back 5m", (online.BY_SIZE,), False),
    ("the resolved default is the default", {}, "15d", "retention 15d (the default), look-back 5m", (), False),
    ("a server without the flag (Thanos, Mimir) is unchecked, a warning", None, None, "not checked", (online.UNCHECKED,), False),
]


@pytest.mark.parametrize(("flags", "resolved", "summary", "kinds", "fails"), [c[1:] for c in SETTING_CASES], ids=[c[0] for c in SETTING_CASES])
def test_the_servers_settings_are_judged_against_what_the_rules_read_back(flags, resolved, summary, kinds, fails):
    spec = pipeline.load([(str(SPEC), SPEC.read_bytes())], SPEC.name)[0]
    runtime = None if resolved is None else {"storageRetention": resolved}
    found = online.settings(prometheus.build(spec), None if flags is None else PROMETHEUS_DEFAULTS | flags, runtime)
    assert found.summary.partition(";")[0] == summary
    assert found.summary.endswith("1d the rules read back (ShopQueueNoData)")
    assert tuple(finding.kind for finding in found.findings) == kinds
    assert any(finding.failure for finding in found.findings) == fails


@contextlib.contextmanager
def query_api(status_code: int):
    """A loopback query API that answers every query empty and its status pages with `status_code`."""
    def empty(kind: str) -> bytes:
        return json.dumps({"status": "success", "data": {"resultType": kind, "result": []}}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            path = self.path.partition("?")[0]
            body = {"/api/v1/query": empty("vector"), "/api/v1/query_range": empty("matrix")}.get(path)
            self.send_response(status_code if body is None else 200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body or b"no such page")

        def log_message(self, *args):  # keep test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_a_server_that_answers_queries_but_has_no_flags_page_is_reported_unchecked(cli):
    with query_api(404) as url:  # as Mimir's
        result = cli("verify", "--prometheus", url, "--quiet", str(SPEC))
    assert result.output.splitlines()[-4:] == [
        "server settings: not checked; 1d the rules read back (ShopQueueNoData)",
        f"  unchecked settings warning server: its flags could not be read: {url}: status/flags: HTTP 404 Not Found; "
        "make sure it keeps 1d of history",
        f"{url}: 4 indicators, 0 with every series they read, 4 missing some; 0 cardinality warnings",
        f"error: {url}: 3 series the rules read are missing"]  # the unchecked settings only warn
    assert result.exit_code == 1


def test_a_server_failing_on_its_flags_page_cannot_be_queried(cli):
    with query_api(500) as url:
        result = cli("verify", "--prometheus", url, str(SPEC))
    assert result.output.splitlines()[-1] == f"error: cannot query Prometheus: {url}: status/flags: HTTP 500 Internal Server Error"
    assert result.exit_code == 3
