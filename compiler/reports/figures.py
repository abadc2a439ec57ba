"""What both reports share: reading recorded series (answers remembered, series without data
collected for the report's "no data" list) and a headline figure with its change and chart."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from compiler.present import Shown
from compiler.reports.charts import Chart, chart
from compiler.reports.period import Period
from compiler.reports.queries import Ask, Query, RangeQuery, Sample, known, selector

NO_DATA = "no data"


class Reader:
    """Asks each query once; every series that answered nothing is listed in `missing`."""

    def __init__(self, ask: Ask, where: tuple[tuple[str, str], ...]):
        self._ask = functools.cache(ask)
        self.where = where
        self._missing: set[tuple[str, str]] = set()

    def samples(self, series: str, at: float, *matchers: tuple[str, str, str], listed: bool = True) -> list[Sample]:
        """The matching series with a value at `at`; none is listed as missing unless `listed`."""
        text = selector(series, self.where, *matchers)
        found = [sample for sample in self._instant(text, at) if known(sample.value)]
        if not found and listed:
            self._missing.add((text, moment(at)))
        return found

    def _instant(self, text: str, at: float) -> list[Sample]:
        """An instant query's answer: samples, never series."""
        return [sample for sample in self._ask(Query(text, at)) if isinstance(sample, Sample)]

    def mean(self, series: str, at: float, *matchers: tuple[str, str, str]) -> float | None:
        """The average over every matching series (clusters, teams, models), as one number."""
        text = f"avg({selector(series, self.where, *matchers)})"
        found = [sample.value for sample in self._instant(text, at) if known(sample.value)]
        if not found:
            self._missing.add((selector(series, self.where, *matchers), moment(at)))
        return found[0] if found else None

    def over(self, series: str, start: float, end: float, *matchers: tuple[str, str, str]) -> list[Sample]:
        """Every matching series with a value in (start, end], at its last one: the series a
        period's end expects. Not listed as missing: the instant read at `end` is."""
        return self._instant(f"last_over_time({selector(series, self.where, *matchers)}[{int(end - start)}s])", end)

    def firing(self, alertname: str, at: float) -> list[Sample]:
        """The alert's firing instances at `at`, from the ALERTS series Prometheus records: those
        --where names, and those without its labels (an absent() alert's), which concern every series."""
        answer = self._instant(selector("ALERTS", (), ("alertname", "=", alertname), ("alertstate", "=", "firing")), at)
        return [sample for sample in answer if all(sample.label(label) in ("", value) for label, value in self.where)]

    def lacks(self, series: str, at: float, *matchers: tuple[str, str, str]) -> None:
        """Lists a series the report wanted but did not find among the answers it had."""
        self._missing.add((selector(series, self.where, *matchers), moment(at)))

    def trend(self, series: str, start: float, end: float, *matchers: tuple[str, str, str]):
        return self._ask(RangeQuery(f"avg({selector(series, self.where, *matchers)})", start, end))

    @property
    def missing(self) -> list[dict]:
        return [{"series": series, "at": at} for series, at in sorted(self._missing)]


def moment(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Figure:
    title: str
    now: str  # formatted, or "no data"
    before: str
    change: str  # "↑ +4 pts (better)", "unchanged", "" when either side has no data
    direction: str  # better | worse | same | "" (unknown)
    chart: Chart | None


def figure(reader: Reader, title: str, series: str, period: Period, matchers: tuple, read: Callable[[float], Shown],
           good: str, target: float | None, charts: bool) -> Figure:
    """A value at the period's end against the previous period's end, with its trend chart."""
    now, before = reader.mean(series, period.end, *matchers), reader.mean(series, period.previous_end, *matchers)
    change, direction = read(now).change(before, good) if now is not None and before is not None else ("", "")
    drawn = None
    if charts:
        answer = reader.trend(series, period.history[0], period.end, *matchers)
        drawn = chart(answer, period.history[0], period.end, 86400, target, lambda v: read(v).text,
                      f"{title}, {moment(period.history[0])} to {moment(period.end)}")
    return Figure(title, read(now).text if now is not None else NO_DATA, read(before).text if before is not None else NO_DATA,
                  change, direction, drawn)
