"""Charts as data: the geometry of small inline SVGs (a trend per headline value, a timeline per
receiver of the backtest), which the HTML templates draw. No scripts and no external assets, so
a report opens anywhere, mail included."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.reports.queries import DAY, Series, known

WIDTH, HEIGHT, PAD = 240, 60, 6


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: tuple[str, ...]  # SVG polyline `points`, one per stretch without gaps
    last: tuple[float, float] | None  # the newest point, drawn as a dot
    target: float | None  # y of the target line, when the target is inside the drawn range
    low: str  # the lowest and highest values, as people read them
    high: str
    label: str  # the chart's accessible name


def chart(series: list[Series], start: float, end: float, step: float, target: float | None, read, label: str) -> Chart | None:
    """`series` is one range answer (its first series); `read` formats a value. None without data."""
    points = [(t, v) for t, v in (series[0].points if series else ()) if known(v)]
    if not points:
        return None
    values = [v for _, v in points] + ([target] if target is not None else [])
    low, high = min(values), max(values)
    spread = (high - low) or abs(high) or 1.0

    def x(t: float) -> float:
        return _x(t, start, end, WIDTH)

    def y(v: float) -> float:
        return round(HEIGHT - PAD - (v - low) / spread * (HEIGHT - 2 * PAD), 1)

    stretches: list[list[tuple[float, float]]] = []
    for t, v in points:
        if not stretches or t - stretches[-1][-1][0] > step * 1.5:
            stretches.append([])
        stretches[-1].append((t, v))
    lines = tuple(" ".join(f"{x(t):g},{y(v):g}" for t, v in stretch) for stretch in stretches)
    return Chart(WIDTH, HEIGHT, lines, (x(points[-1][0]), y(points[-1][1])),
                 y(target) if target is not None else None, read(min(v for _, v in points)), read(max(v for _, v in points)), label)


def _x(t: float, start: float, end: float, width: int) -> float:
    return round(PAD + (t - start) / ((end - start) or 1) * (width - 2 * PAD), 1)


TIMELINE_WIDTH, TIMELINE_HEIGHT = 720, 28


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    spans: tuple[tuple[float, float], ...]  # (x, width) of each stretch something was firing
    marks: tuple[float, ...]  # x of each notification
    ticks: tuple[float, ...]  # x of each midnight UTC, when there are few enough to tell apart
    label: str


def timeline(spans: list[tuple[float, float]], marks: list[float], start: float, end: float, label: str) -> Timeline:
    """Firing stretches as bars and notifications as marks, from `start` to `end` (unix seconds)."""
    def x(t: float) -> float:
        return _x(max(start, min(end, t)), start, end, TIMELINE_WIDTH)

    days = range(int(start // DAY + 1) * DAY, int(end), DAY)
    ticks = tuple(x(day) for day in days) if len(days) <= 62 else ()
    return Timeline(TIMELINE_WIDTH, TIMELINE_HEIGHT, tuple((x(a), max(round(x(b) - x(a), 1), 1.0)) for a, b in spans),
                    tuple(x(t) for t in marks), ticks, label)
