"""`indicators verify --prometheus URL` against a real Prometheus on loopback scraping a
`prometheus_client` exporter of tests/online/spec.yaml's catalogue, in worlds written from what
services send: labelled series exist only for what happened (a status never deployed has no
series), a gauge whose entities all went away leaves the metric stale at once. Each label's
cardinality estimate there is 2 and the warning factor 2: four values are at the factor, five
beyond it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import servers
import yaml

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


WORLDS = [
    World("a healthy service has every series the rules read and nothing is missing", healthy, 0,
          ("rollbacks (Rollback Rate): 1 series read: " + OK, "queue (Queue Depth): 1 series read: " + OK,
           "lead_time (Lead Time): 1 series read: " + OK, "team_a_rollbacks (Team A Rollback Rate): 1 series read: " + OK),
          "4 indicators, 4 with every series they read, 0 missing some; 0 cardinality warnings",
          absent=("metrics no indicator reads",)),
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
        with servers.prometheus(tmp_path / "prometheus", [], [service.target]) as prom:
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
