"""The backtest for people (Markdown, or HTML with a timeline per receiver) and the noise
budget's verdict: which receivers would have had more notifications per week than their
responder's `noise_budget`, and the alerts that sent them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from compiler import conventions, durations, present
from compiler.backends import alertmanager
from compiler.backtest import engine, history, notifications
from compiler.backtest.engine import Replay
from compiler.backtest.notifications import Notification
from compiler.emit import Prose
from compiler.model import Spec
from compiler.pipeline import Compilation
from compiler.reports.charts import Timeline, timeline
from compiler.reports.figures import moment
from compiler.reports.queries import Ask


@dataclass(frozen=True)
class Verdict:
    receiver: str
    count: int
    per_week: str
    budget: int | None  # notifications per week the responder accepts; None: no budget
    over: bool
    alerts: tuple[tuple[str, int], ...]  # ("MlopsDriftScore critical", notifications), most first


@dataclass(frozen=True)
class Outcome:
    """What one spec would have done over the range."""

    firing: tuple[history.Firing, ...]
    notifications: tuple[Notification, ...]
    verdicts: tuple[Verdict, ...]
    reached: tuple[tuple[str, history.Firing], ...]  # (receiver, alert) the routes send each alert to, muted or not
    unjudged: tuple[tuple[str, str], ...]  # (alert, the history it needs) for alerts history is too short for
    samples: int = 0  # source samples the replay read
    history_ends: float | None = None  # the newest sample, when before the range's end: nothing after it is judged
    forgotten: tuple[tuple[str, str], ...] = ()  # (alert and level, its `for`) too long for the replay's chunks

    @property
    def over_budget(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if v.over)


def alert_key(found: history.Firing) -> str:
    """How people name an alert at a level: `MlopsDriftScore critical`."""
    return f"{found.alertname} {history.level(found)}".strip()


def judge(compilation: Compilation, ask: Ask, start: float, end: float, progress: Callable[[str], None]) -> Outcome:
    """The compiled rules replayed over `start` to `end` of the history `ask` reads, and what
    the generated Alertmanager config would have sent."""
    spec = compilation.spec
    rule_files = {path: text for path, text in compilation.files.items() if conventions.is_rule_file(path)}
    replay = engine.replay(rule_files, ask, start, end, progress)
    config = alertmanager.config(spec)
    sent = notifications.notifications(config, list(replay.firing))
    return outcome(spec, replay, sent, history.needs(history.rules(rule_files)), start, end,
                   notifications.reached(config, list(replay.firing)))


def outcome(spec: Spec, replay: Replay, sent: list[Notification], needs: dict[str, float], start: float, end: float,
            reached: Iterable[tuple[str, history.Firing]] = ()) -> Outcome:
    budgets = {conventions.receiver_name(r.id): r.noise_budget for r in spec.responders}
    counts = Counter(n.receiver for n in sent)
    until = min(end, replay.copied_to)  # the replay stops at the newest sample: the rate is over what was judged
    verdicts = []
    for receiver in sorted(set(counts) | {name for name, budget in budgets.items() if budget is not None}):
        rate = present.per_week(counts[receiver], until - start)
        budget = budgets.get(receiver)
        alerts = Counter(alert_key(n.firing) for n in sent if n.receiver == receiver)
        verdicts.append(Verdict(receiver, counts[receiver], rate.text, budget, budget is not None and rate.number > budget,
                                tuple(sorted(alerts.items(), key=lambda a: (-a[1], a[0])))))
    oldest = replay.copied_from
    unjudged = tuple((name, durations.text(need)) for name, need in sorted(needs.items()) if oldest > start - need)
    return Outcome(replay.firing, tuple(sent), tuple(verdicts), tuple(reached), unjudged, replay.samples,
                   until if until < end else None, replay.forgotten)


def compare(base: Outcome, head: Outcome) -> dict:
    """Base against head over the same history: per alert, notifications before and after to
    the receivers where they differ (receivers with equal counts together), new alerts, silent ones."""
    def counts(result: Outcome) -> Counter:
        return Counter((alert_key(n.firing), n.receiver) for n in result.notifications)

    before, after = counts(base), counts(head)
    changed: dict[tuple[str, int, int], list[str]] = {}
    for alert, receiver in sorted(set(before) | set(after)):
        if before[alert, receiver] != after[alert, receiver]:
            changed.setdefault((alert, before[alert, receiver], after[alert, receiver]), []).append(receiver)
    fired = ({alert_key(f) for f in base.firing}, {alert_key(f) for f in head.firing})
    return {"changes": [f"{alert}: {old} → {new} notification{'s' if new != 1 else ''} to {', '.join(receivers)}"
                        for (alert, old, new), receivers in changed.items()],
            "new": sorted(fired[1] - fired[0]), "silent": sorted(fired[0] - fired[1])}


def build(spec: Spec, result: Outcome, start: float, end: float, url: str, base: Outcome | None = None, base_label: str = "",
          html: bool = False) -> Prose:
    rows = [{
        "alert": alert_key(found),
        "series": ", ".join(f"{k}={v}" for k, v in found.labels if k in _identity(spec)) or "(one series)",
        "fired": moment(found.start),
        "resolved": "still firing" if found.ongoing else moment(found.end),
        "lasted": durations.text(round(found.end - found.start)),
    } for found in result.firing]
    timelines = {v.receiver: _timeline(result, v.receiver, start, end) for v in result.verdicts} if html else {}
    return Prose("backtest.html.j2" if html else "backtest.md.j2", {
        "title": spec.title, "url": url, "start": moment(start), "end": moment(end),
        "span": durations.human(round(end - start)), "samples": f"{result.samples:,}",
        "rows": rows, "verdicts": result.verdicts, "unjudged": result.unjudged,
        "history_ends": moment(result.history_ends) if result.history_ends is not None else None,
        "forgotten": result.forgotten, "chunk_steps": f"{engine.CHUNK_STEPS:,}",
        "over": result.over_budget,
        "base": compare(base, result) if base else None, "base_label": base_label, "timelines": timelines,
    })


def _timeline(result: Outcome, receiver: str, start: float, end: float) -> Timeline:
    spans = sorted({(found.start, found.end) for name, found in result.reached if name == receiver})
    marks = [n.at for n in result.notifications if n.receiver == receiver]
    return timeline(spans, marks, start, end, f"{receiver}: alerts routed to it firing (bars) and its {len(marks)} "
                                               f"notifications (marks), {moment(start)} to {moment(end)}")


def _identity(spec: Spec) -> set[str]:
    return {*spec.global_labels, *(label for i in spec.indicators for label in i.track_by)}
