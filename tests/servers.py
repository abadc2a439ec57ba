"""Real servers for end-to-end tests, on loopback with free ports: Prometheus, Alertmanager and
vmalert (the Debian binaries), an exporter built with prometheus_client, and a webhook receiver and
an SMTP server that record Alertmanager's notifications. Each is a context manager that stops what it started;
their logs are kept so a failing test can print them."""

from __future__ import annotations

import contextlib
import json
import socketserver
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from compiler import processes, validators
from compiler.processes import LOOPBACK, free_port


def get_json(url: str, timeout: float = 5) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


def wait_until(condition, timeout: float, message: str, interval: float = 0.25):
    """Poll `condition` until it returns something truthy; fail with `message` after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, urllib.error.URLError, ValueError, KeyError):
            last = condition()
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"{message} (waited {timeout}s; last result: {last!r})")


def binary(name: str) -> str:
    """A validator or server binary, found as `indicators verify` finds it; a missing one fails
    the test, never skips it."""
    path = validators.find(name)
    if path is None:
        raise AssertionError(f"{validators.missing(name)}; `make tools` installs them all")
    return path


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def _process(name: str, command: list[str], url: str, ready: str, workdir: Path):
    log = workdir / f"{name}.log"
    try:
        with processes.running(command, url + ready, log, workdir, ready_seconds=30, stop_seconds=10) as process:
            server = Server(name, url, process, log)
            try:
                yield server
            except BaseException:
                print(f"----- {name} log -----\n{server.logs()}")  # pytest shows it beside the failure
                raise
    except processes.NotReady as err:
        raise AssertionError(f"{name} did not become ready: {err}\n----- {name} log -----\n{log.read_text(errors='replace')}") from None


@contextlib.contextmanager
def prometheus(workdir: Path, rule_files: list[Path], scrape_targets: list[str], alertmanager_url: str | None = None,
               interval: str = "1s", flags: tuple[str, ...] = (), external_labels: dict[str, str] | None = None):
    """A Prometheus that scrapes `scrape_targets` and evaluates `rule_files` every `interval`;
    `flags` are added to its command line."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval, **({"external_labels": external_labels} if external_labels else {})},
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [{"job_name": "exporter", "static_configs": [{"targets": scrape_targets}]}],
    }
    if alertmanager_url:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [urllib.parse.urlparse(alertmanager_url).netloc]}]}]}
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    command = [binary("prometheus"), f"--config.file={workdir / 'prometheus.yml'}", f"--storage.tsdb.path={workdir / 'data'}",
               f"--web.listen-address={LOOPBACK}:{port}", "--web.enable-lifecycle", *flags]
    with _process("prometheus", command, f"http://{LOOPBACK}:{port}", "/-/ready", workdir) as server:
        yield server


@contextlib.contextmanager
def alertmanager(workdir: Path, config_file: Path):
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [binary("prometheus-alertmanager"), f"--config.file={config_file}", f"--storage.path={workdir / 'am-data'}",
               f"--web.listen-address={LOOPBACK}:{port}", "--cluster.listen-address="]
    with _process("alertmanager", command, f"http://{LOOPBACK}:{port}", "/-/ready", workdir) as server:
        yield server


@contextlib.contextmanager
def vmalert(workdir: Path, rule_files: list[Path], datasource_url: str, notifier_url: str, interval: str = "1s"):
    """vmalert evaluating `rule_files` every `interval` against a Prometheus API, sending alerts
    to `notifier_url`; its own API (`/api/v1/alerts`) shows them with rendered annotations."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [binary("vmalert"), *(f"-rule={path}" for path in rule_files), f"-datasource.url={datasource_url}",
               f"-notifier.url={notifier_url}", f"-evaluationInterval={interval}", f"-httpListenAddr={LOOPBACK}:{port}"]
    with _process("vmalert", command, f"http://{LOOPBACK}:{port}", "/health", workdir) as server:
        yield server


def query(prometheus_url: str, promql: str) -> list[dict]:
    """An instant query's result vector."""
    answer = get_json(f"{prometheus_url}/api/v1/query?" + urllib.parse.urlencode({"query": promql}))
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


@dataclass
class WebhookReceiver:
    """Records every notification Alertmanager posts, by URL path (one path per receiver)."""

    url: str
    notifications: list[dict] = field(default_factory=list)

    def alerts(self, path: str) -> list[dict]:
        return [alert for note in self.notifications if note["path"] == path for alert in note["body"]["alerts"]]


@contextlib.contextmanager
def webhook_receiver():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({"path": self.path, "body": body, "authorization": self.headers.get("Authorization")})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield WebhookReceiver(f"http://{LOOPBACK}:{server.server_address[1]}", received)
    finally:
        server.shutdown()
        server.server_close()



@dataclass
class MailSink:
    """Records every message an SMTP client delivers: its envelope sender, recipients and text."""

    host: str
    port: int
    messages: list[dict] = field(default_factory=list)


@contextlib.contextmanager
def smtp_sink():
    """A plain SMTP server (no TLS, no auth) speaking just what Alertmanager's client sends."""
    messages: list[dict] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            envelope: dict = {"from": "", "to": [], "data": ""}

            def reply(line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            reply("220 sink ESMTP")
            while line := self.rfile.readline().decode("utf-8", "replace").rstrip("\r\n"):
                verb = line[:4].upper()
                if verb in ("EHLO", "HELO"):
                    reply("250 sink")
                elif verb == "MAIL":
                    envelope["from"] = line.split(":", 1)[1].strip(" <>")
                    reply("250 ok")
                elif verb == "RCPT":
                    envelope["to"].append(line.split(":", 1)[1].strip(" <>"))
                    reply("250 ok")
                elif verb == "DATA":
                    reply("354 go on")
                    data = []
                    while (part := self.rfile.readline().decode("utf-8", "replace")) not in (".\r\n", ".\n", ""):
                        data.append(part)
                    messages.append({**envelope, "data": "".join(data)})
                    reply("250 queued")
                elif verb == "QUIT":
                    reply("221 bye")
                    return
                else:
                    reply("250 ok")

    server = socketserver.ThreadingTCPServer((LOOPBACK, 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield MailSink(LOOPBACK, server.server_address[1], messages)
    finally:
        server.shutdown()
        server.server_close()

@dataclass
class Exporter:
    """Source metrics served over HTTP, declared from a metric catalogue."""

    target: str
    metrics: dict[str, object]


@contextlib.contextmanager
def exporter(catalogue: dict[str, dict]):
    """An exporter serving the catalogue's metrics (name -> {type, help, labels, buckets})."""
    registry = CollectorRegistry()
    kinds = {"counter": Counter, "gauge": Gauge, "histogram": Histogram}
    metrics = {}
    for name, spec in catalogue.items():
        kind = kinds[spec["type"]]
        options = {"buckets": spec["buckets"]} if spec["type"] == "histogram" and spec.get("buckets") else {}
        # prometheus_client adds _total to counters itself
        metric_name = name[: -len("_total")] if spec["type"] == "counter" and name.endswith("_total") else name
        metrics[name] = kind(metric_name, spec["help"], list(spec["labels"]), registry=registry, **options)
    port = free_port()
    server, thread = start_http_server(port, addr=LOOPBACK, registry=registry)
    try:
        yield Exporter(f"{LOOPBACK}:{port}", metrics)
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def python_service(workdir: Path, script: Path, arguments: list[str]):
    """A Python exporter in its own process, as a service runs: `script` is run with `arguments`
    and a free port last, and is ready when it serves /metrics there."""
    port = free_port()
    command = [sys.executable, str(script), *arguments, str(port)]
    with _process(script.stem, command, f"http://{LOOPBACK}:{port}", "/metrics", workdir) as server:
        yield server


@contextlib.contextmanager
def collector(workdir: Path, spec: Path, records: Path):
    """`indicators collect --serve` in its own process, as a team runs it, serving `records`
    (read anew at each scrape) on a free port; its log holds what it reports."""
    port = free_port()
    command = [sys.executable, "-m", "compiler", "collect", "--serve", f"{LOOPBACK}:{port}", "--spec", str(spec), str(records)]
    with _process("collector", command, f"http://{LOOPBACK}:{port}", "/metrics", workdir) as server:
        yield server


@contextlib.contextmanager
def prometheus_on_tsdb(workdir: Path, data: Path, lookback: str = "5m"):
    """A Prometheus that only serves the TSDB in `data` (blocks backfilled with promtool): no
    scrapes, no rules. Blocks may overlap (several backfills of one period)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "prometheus.yml").write_text(yaml.safe_dump({"global": {"evaluation_interval": "1h"}}))
    port = free_port()
    command = [binary("prometheus"), f"--config.file={workdir / 'prometheus.yml'}", f"--storage.tsdb.path={data}",
               f"--web.listen-address={LOOPBACK}:{port}", "--storage.tsdb.allow-overlapping-blocks",
               "--storage.tsdb.retention.time=100y", f"--query.lookback-delta={lookback}"]
    with _process("prometheus", command, f"http://{LOOPBACK}:{port}", "/-/ready", workdir) as server:
        yield server


def backfill_openmetrics(text: str, data: Path, workdir: Path) -> None:
    """Write OpenMetrics `text` (ending in `# EOF`) into the TSDB folder `data` as blocks."""
    source = workdir / "backfill.om"
    source.write_text(text)
    # one block per (long) backfill: 2h blocks, the default, make thousands of blocks to open
    _run([binary("promtool"), "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=4320h", str(source), str(data)], workdir)


def _run(command: list[str], workdir: Path) -> None:
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command[:4])} failed:\n{result.stdout}\n{result.stderr}")
