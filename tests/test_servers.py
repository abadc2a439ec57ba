"""The end-to-end harness itself: an exporter's series reach Prometheus, a rule fires, and
Alertmanager's notification reaches the webhook receiver."""

from __future__ import annotations

import os
import sys
import time

import pytest
import servers
import yaml

from compiler import processes

pytestmark = pytest.mark.e2e


def test_a_sample_travels_from_exporter_to_rule_to_notification(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [
        {"alert": "QueueTooDeep", "expr": "queue_depth > 10", "labels": {"level": "red"}}]}]}))
    catalogue = {"queue_depth": {"type": "gauge", "help": "Jobs waiting.", "labels": ["model"]}}
    with servers.webhook_receiver() as receiver, servers.exporter(catalogue) as source:
        config = tmp_path / "alertmanager.yaml"
        config.write_text(yaml.safe_dump({
            "route": {"receiver": "hook", "group_wait": "1s", "group_interval": "1s", "group_by": ["alertname"]},
            "receivers": [{"name": "hook", "webhook_configs": [{"url": receiver.url + "/hook"}]}],
        }))
        source.metrics["queue_depth"].labels(model="a").set(20)
        with servers.alertmanager(tmp_path, config) as am, \
                servers.prometheus(tmp_path, [rules], [source.target], am.url) as prom:
            servers.wait_until(lambda: servers.query(prom.url, "queue_depth"), 15, "the exporter was not scraped")
            alerts = servers.wait_until(lambda: receiver.alerts("/hook"), 30, "no notification arrived")
    assert alerts[0]["labels"] == {"alertname": "QueueTooDeep", "level": "red", "model": "a",
                                   "instance": source.target, "job": "exporter"}



# Real processes (this Python) for the one lifecycle the backtest and these servers share
# (compiler/processes.py). Each prints its pid first, so the test can see it is gone afterwards.
PID = "import os; print(os.getpid(), flush=True); "
SERVE = PID + ("import http.server, sys; http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), "
               "http.server.SimpleHTTPRequestHandler).serve_forever()")
DEAF = PID + "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
LIFECYCLES = [
    # name, script, ready_seconds, NotReady's message (None: it became ready), seconds it may all take
    ("a server answering its ready path is yielded, then stopped by SIGTERM", SERVE, 5, None, 5),
    ("a process that exits before it is ready is NotReady at once, with its code", PID + "import sys; sys.exit(3)", 30,
     "exited with code 3 before it was ready", 5),
    ("a process that never answers is NotReady after the ready time, and killed when SIGTERM does not stop it", DEAF, 1,
     "not ready within 1s", 5),
]


@pytest.mark.parametrize("script, ready_seconds, error, within", [case[1:] for case in LIFECYCLES], ids=[case[0] for case in LIFECYCLES])
def test_a_process_is_ready_when_it_answers_and_always_stopped(script, ready_seconds, error, within, tmp_path):
    port = processes.free_port()
    started = time.monotonic()
    try:
        with processes.running([sys.executable, "-c", script, str(port)], f"http://{processes.LOOPBACK}:{port}/", tmp_path / "log",
                               tmp_path, ready_seconds, stop_seconds=1):
            message = None
    except processes.NotReady as err:
        message = str(err)
    assert message == error
    assert time.monotonic() - started < within
    pid = int((tmp_path / "log").read_text().split()[0])
    with pytest.raises(ProcessLookupError):  # stopped and waited for: not even a zombie is left
        os.kill(pid, 0)
