"""Trend charts as data: the geometry of a small inline SVG per headline value, which the HTML
templates draw. No scripts and no external assets, so a report opens anywhere, mail included."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.reports.queries import Series, known

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
        return round(PAD + (t - start) / ((end - start) or 1) * (WIDTH - 2 * PAD), 1)

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
