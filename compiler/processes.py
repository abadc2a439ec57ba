"""A server process on loopback, started and stopped one way: the backtest's scratch
Prometheus and the tests' Prometheus, Alertmanager, vmalert and services. Its output goes to a
log file; it is ready when an HTTP path answers 200; it is always stopped, by SIGTERM and, when
it does not exit in time, SIGKILL, and waited for, so no process outlives its caller."""

from __future__ import annotations

import contextlib
import http.client
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

LOOPBACK = "127.0.0.1"
POLL = 0.2  # seconds between readiness probes


class NotReady(Exception):
    """The process exited, or did not answer in time: the message says which."""


def free_port() -> int:
    """A port free on loopback now (the kernel picks it; a race with another process is unlikely)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running(command: list[str], ready_url: str, log: Path, cwd: Path, ready_seconds: float,
            stop_seconds: float) -> Iterator[subprocess.Popen]:
    """The process of `command`, once `ready_url` answers 200; NotReady if it exits first or
    takes longer than `ready_seconds`. On leaving, SIGTERM, then SIGKILL after `stop_seconds`."""
    with log.open("w") as sink:  # the child has its own copy of the descriptor
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=cwd)
    try:
        deadline = time.monotonic() + ready_seconds
        while not _answers(ready_url):
            if process.poll() is not None:
                raise NotReady(f"exited with code {process.returncode} before it was ready")
            if time.monotonic() > deadline:
                raise NotReady(f"not ready within {ready_seconds:g}s")
            time.sleep(POLL)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(stop_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200
    except (OSError, http.client.HTTPException):  # refused, reset, timed out, an HTTP error status or no HTTP
        return False
