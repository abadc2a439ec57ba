"""The real rule engine over recorded history: vmalert -replay (Debian's `victoria-metrics`).

vmalert replays against one query API and writes what it records through remote write; for
recording rules to feed the alerts, that API must also receive the writes. The user's
Prometheus must not, so the replay runs against a scratch Prometheus of its own, on loopback,
in a temporary folder: the source series the rules read are copied into it (one metric and one
day at a time, raw samples, backfilled with promtool), then vmalert replays every rule file
into it, and the firing ALERTS are read back. Prometheus, not a reimplementation, evaluates the
PromQL; vmalert, not a reimplementation, evaluates `for`. Each group is evaluated at its own
interval: `-datasource.queryStep=0s` makes vmalert's range query step the group's interval (a
step given there replaces every group's: 1h rollups recorded every minute summed 60 times over).

Prometheus answers at most 11,000 points per series and query, so the replay runs in chunks
of `CHUNK_STEPS` evaluations of the fastest group; vmalert forgets `for` at a chunk's start (and
at each of its own queries' starts, so one process cannot carry it further), so each chunk after
the first starts early by the longest `for` (and one evaluation) and the samples of both chunks
are read together: a state that started before the border is rebuilt by the time it is reached.
A chunk starts at most half a chunk early; an alert whose `for` is longer (a 7d `for` against
chunks of 6.9 days at 1m) is replayed in a second pass, with the alerts that read its ALERTS, in
chunks of `CHUNK_STEPS` evaluations of its own, slower group; one too long even for those is
not judged (`Replay.forgotten`), never silent.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from compiler import conventions, durations, processes, prometheus_api
from compiler.backtest import history
from compiler.problems import counted
from compiler.processes import LOOPBACK
from compiler.reports.figures import moment
from compiler.reports.queries import Answer, Ask, RawQuery, Series

DAY = 86400
CHUNK_STEPS = 10_000  # evaluations per replay query, under Prometheus' 11,000 points
RULES_DELAY = "500ms"  # between rules, so a recorded series lands before the rule that reads it
FLUSH = "100ms"  # vmalert's remote-write flush: well inside RULES_DELAY
# An alerting rule's replay queues one entry per alert and evaluation: with the default queue
# (100,000) and one writer, 40 series over 7 days of minutes filled it and vmalert stopped.
WRITE_QUEUE, WRITE_BATCH, WRITERS = 4_000_000, 10_000, 4
PACKAGES = {"promtool": "prometheus", "prometheus": "prometheus", "vmalert": "victoria-metrics"}
READY_SECONDS = 60
STOP_SECONDS = 30
MAX_HISTORY_BYTES = 16 << 30  # the answers of one backtest together; each is one metric's day, held briefly


class EngineError(Exception):
    """The engine could not run or failed: a message for people (exit code 3)."""


@dataclass(frozen=True)
class Replay:
    firing: tuple[history.Firing, ...]
    copied_from: float  # the oldest source sample copied
    samples: int  # source samples copied
    copied_to: float = float("inf")  # the newest source sample copied: the replay ends there when --to is later
    forgotten: tuple[tuple[str, str], ...] = ()  # (alert and level, its `for`) no chunk is long enough to judge


@dataclass(frozen=True)
class Pass:
    """One replay of `rules` over the whole range, in chunks of CHUNK_STEPS evaluations at `step`,
    each after the first starting `overlap` early (at most half a chunk)."""

    rules: tuple[history.Rule, ...]
    step: float
    overlap: float


def plan(rules: list[history.Rule], start: float, end: float) -> tuple[tuple[Pass, ...], tuple[history.Rule, ...]]:
    """The passes that replay `rules` from `start` to `end`, and the alerts none can judge. An
    alert whose `for` and one evaluation exceed half a chunk of the fastest group is slow: it
    goes, with the alerts reading its ALERTS, to a later pass of the rules of its group's
    interval, chunked at that pace (after the faster ones, whose ALERTS it may read). A slow alert
    exceeding half of its own pass's chunks too, when the range needs more than one, or reading
    the ALERTS of a slower pass or of an alert not judged, is not judged."""
    first = _pass(rules)
    if start + CHUNK_STEPS * first.step >= end:  # one chunk: vmalert carries every `for` through it
        return (first,), ()
    slow = {rule for rule in rules if rule.alert and rule.for_seconds + rule.interval > CHUNK_STEPS * first.step / 2}
    while more := {rule for rule in rules if rule.alert and rule not in slow and set(history.alerts_read(rule, rules)) & slow}:
        slow |= more
    if not slow:
        return (first,), ()
    rest = [rule for rule in rules if rule not in slow]
    later = [_pass([rule for rule in rules if rule in slow and rule.interval == interval])
             for interval in sorted({rule.interval for rule in slow})]
    forgotten = {rule for replayed in later for rule in replayed.rules if start + CHUNK_STEPS * replayed.step < end
                 and rule.for_seconds + rule.interval > CHUNK_STEPS * replayed.step / 2}
    while more := {rule for rule in slow - forgotten
                   if any(read in forgotten or read.interval > rule.interval for read in history.alerts_read(rule, list(slow)))}:
        forgotten |= more
    return (*((_pass(rest),) if rest else ()), *later), tuple(rule for rule in rules if rule in forgotten)


def _pass(rules: list[history.Rule]) -> Pass:
    step = min(rule.interval for rule in rules)
    overlap = max((rule.for_seconds + rule.interval for rule in rules if rule.alert), default=step)
    return Pass(tuple(rules), step, min(overlap, CHUNK_STEPS * step / 2))


def replay(rule_files: dict[str, str], ask: Ask, start: float, end: float, progress: Callable[[str], None]) -> Replay:
    """Every alert's firing intervals from `start` to `end`, replayed from the history `ask`
    reads (enough before `start` for the longest rule to be judged from `start` on), up to the
    newest sample when the history ends before `end`: past it every series would read absent."""
    tools = {name: _tool(name) for name in PACKAGES}
    rules = history.rules(rule_files)
    needs = history.needs(rules)
    # one evaluation more than the longest need: a sample there shows the history reaches back far enough
    begin = start - max(needs.values(), default=0.0) - max(rule.interval for rule in rules)
    with tempfile.TemporaryDirectory(prefix="indicators-backtest-") as folder:
        work = Path(folder)
        data = work / "data"
        copied_from, copied_to, samples = _copy(history.sources(rules), ask, begin, end, work / "history.om", progress)
        if not samples:
            raise EngineError(f"no samples of {', '.join(history.sources(rules))} from {moment(begin)} to {moment(end)}: "
                              "nothing to replay")
        assert copied_from is not None and copied_to is not None  # samples were copied: one is the oldest, one the newest
        if copied_to < start:
            raise EngineError(f"the history of {', '.join(history.sources(rules))} ends at {moment(copied_to)}, before "
                              f"{moment(start)}: nothing to judge")
        until = min(end, copied_to)  # the replay's end: --to, or the newest sample when the history ends before it
        progress(f"backfilling {samples:,} samples with promtool")
        _run([tools["promtool"], "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=87600h",
              str(work / "history.om"), str(data)], work)
        (work / "history.om").unlink()
        passes, forgotten = plan(rules, max(begin, copied_from), until)
        with _scratch(tools["prometheus"], work, data) as url:
            store = prometheus_api.Client(url, timeout=300, max_answer_bytes=MAX_HISTORY_BYTES).ask
            for order, replayed in enumerate(passes):
                files = rule_files if len(replayed.rules) == len(rules) else history.only(rule_files, set(replayed.rules))
                paths = []
                for number, name in enumerate(sorted(files)):
                    paths.append(work / f"rules-{order}-{number}.yaml")
                    paths[-1].write_text(files[name])
                chunks = _chunks(max(begin, copied_from), until, replayed.step, replayed.overlap)
                for number, (first, last) in enumerate(chunks, start=1):
                    progress(f"replaying {counted(len(replayed.rules), 'rule')} with vmalert, {moment(first)} to {moment(last)} "
                             f"(chunk {number}{', the slow groups' if order else ''})")
                    _vmalert(tools["vmalert"], paths, url, first, last, work, progress, len(replayed.rules))
            answers = [_series(store(RawQuery('ALERTS{alertstate="firing"}', day, min(day + DAY, until))))
                       for day in _days(start - 1, until)]
        intervals = {rule.name: rule.interval for rule in rules if rule.alert}
        return Replay(tuple(history.firing(answers, until, intervals)), copied_from, samples, copied_to,
                      tuple((f"{rule.name} {dict(rule.labels).get(conventions.LEVEL_LABEL, '')}".strip(),
                             durations.text(rule.for_seconds)) for rule in forgotten))


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise EngineError(f"{name} is not installed: the backtest needs it (Debian package {PACKAGES[name]})")
    return path


def _days(start: float, end: float) -> Iterator[float]:
    day = start
    while day < end:
        yield day
        day += DAY


def _copy(names: list[str], ask: Ask, start: float, end: float, target: Path, progress) -> tuple[float | None, float | None, int]:
    """The raw samples of every source series from `start` to `end`, as OpenMetrics, one family
    (and one day of it) in memory at a time; the oldest and the newest sample's time, and how many."""
    oldest, newest, count = None, None, 0
    with target.open("w") as sink:
        for number, name in enumerate(names, start=1):
            progress(f"copying history: {name} ({number}/{len(names)})")
            sink.write(f"# TYPE {name} unknown\n")
            for day in _days(start, end):
                answer = _series(ask(RawQuery(name, day, min(day + DAY, end))))
                sink.write(history.openmetrics(name, answer))
                firsts = [series.points[0][0] for series in answer if series.points]
                lasts = [series.points[-1][0] for series in answer if series.points]
                count += sum(len(series.points) for series in answer)
                if firsts and (oldest is None or min(firsts) < oldest):
                    oldest = min(firsts)
                if lasts and (newest is None or max(lasts) > newest):
                    newest = max(lasts)
        sink.write("# EOF\n")
    return oldest, newest, count


def _chunks(start: float, end: float, step: float, overlap: float) -> Iterator[tuple[float, float]]:
    """Replay ranges of at most CHUNK_STEPS evaluations; each after the first starts `overlap` early."""
    span = CHUNK_STEPS * step
    first = start
    while True:
        last = min(first + span, end)
        yield first, last
        if last >= end:
            return
        first = max(last - min(overlap, span / 2), start)


@contextlib.contextmanager
def _scratch(binary: str, work: Path, data: Path) -> Iterator[str]:
    """A Prometheus serving the copied history that also takes remote writes into the past."""
    (work / "prometheus.yml").write_text("global: {evaluation_interval: 1h}\n"
                                         "storage: {tsdb: {out_of_order_time_window: 87600h}}\n")
    url = f"http://{LOOPBACK}:{processes.free_port()}"
    command = [binary, f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={data}",
               f"--web.listen-address={url.removeprefix('http://')}", "--web.enable-remote-write-receiver",
               "--storage.tsdb.retention.time=100y", "--storage.tsdb.allow-overlapping-blocks"]
    try:
        with processes.running(command, f"{url}/-/ready", work / "prometheus.log", work, READY_SECONDS, STOP_SECONDS):
            yield url
    except processes.NotReady:
        raise EngineError(f"the scratch Prometheus did not start: {_tail(work / 'prometheus.log')}") from None


def _vmalert(binary: str, paths: list[Path], url: str, first: float, last: float, work: Path, progress,
             total: int) -> None:
    command = [binary, *(f"-rule={path}" for path in paths), f"-datasource.url={url}", f"-remoteWrite.url={url}",
               f"-replay.timeFrom={_rfc3339(first)}", f"-replay.timeTo={_rfc3339(last)}",
               "-datasource.queryStep=0s", f"-replay.maxDatapointsPerQuery={CHUNK_STEPS + 1}",
               f"-replay.rulesDelay={RULES_DELAY}", f"-remoteWrite.flushInterval={FLUSH}", "-replay.disableProgressBar",
               f"-remoteWrite.maxQueueSize={WRITE_QUEUE}", f"-remoteWrite.maxBatchSize={WRITE_BATCH}",
               f"-remoteWrite.concurrency={WRITERS}",
               f"-httpListenAddr={LOOPBACK}:{processes.free_port()}"]
    lines, replayed, every = [], 0, max(1, -(-total // 10))  # at most ten lines and the last
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=work) as process:
        for line in process.stdout or ():  # a pipe, as asked
            lines.append(line.rstrip())
            if line.startswith("> Rule"):  # vmalert's line per rule replayed: counted, a tenth at a time
                replayed += 1
                if replayed % every == 0 or replayed == total:
                    progress(f"  {replayed} of {total} rules replayed")
    # vmalert exits 0 even when its writes were dropped: a dropped write is a wrong answer
    failed = [line for line in lines if "\terror\t" in line or "failed" in line]
    if process.returncode != 0 or failed:
        raise EngineError(f"vmalert -replay failed: {' | '.join((failed or lines)[-3:])[:600]}")


def _run(command: list[str], work: Path) -> None:
    result = subprocess.run(command, cwd=work, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise EngineError(f"{Path(command[0]).name} {command[1]} failed: {(result.stderr or result.stdout).strip()[-600:]}")


def _series(answer: Answer) -> list[Series]:
    """A raw query's answer, as the type it is (the client answers every query type)."""
    return [series for series in answer if isinstance(series, Series)]


def _tail(log: Path) -> str:
    return " | ".join(log.read_text(errors="replace").strip().splitlines()[-3:])[:600]


def _rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

