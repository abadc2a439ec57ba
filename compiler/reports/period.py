"""Report periods in UTC: an ISO week (`2026-W47`) or a calendar month (`2026-11`). A report is
evaluated at its period's end, the first instant of the next period, and compared with the
previous period's end."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from compiler import durations

WEEK = 7 * 86400
YEARS = range(1970, 9999)  # Prometheus holds nothing before 1970; a period ending after 9999 has no date
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


class PeriodError(ValueError):
    """A --week or --month that names no period."""


@dataclass(frozen=True)
class Period:
    label: str  # 2026-W47 | 2026-11
    title: str  # "week of 16 Nov 2026" | "November 2026"
    previous_end: float  # unix seconds, UTC: the period's start, when the period before it is evaluated
    end: float  # exclusive: when the report is evaluated
    # the bounds of the periods the trend charts cover, oldest first: the oldest one's start, then
    # each one's end, this one's (`end`) last; eight weeks are nine bounds
    history: tuple[float, ...]


def _utc(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def week(text: str, weeks_shown: int = 8) -> Period:
    match = _WEEK.fullmatch(text)
    if not match:
        raise PeriodError(f"--week {text!r}: expected an ISO week such as 2026-W47")
    if int(match[1]) not in YEARS:
        raise PeriodError(f"--week {text!r}: expected a week from {YEARS[0]}-W01 to {YEARS[-1]}-W52")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise PeriodError(f"--week {text!r}: {match[1]} has no week {int(match[2])}") from None
    start = _utc(monday)
    end = start + WEEK
    return Period(text, f"week of {monday.day} {monday:%b %Y}", start, end,
                  tuple(end - WEEK * back for back in reversed(range(weeks_shown + 1))))


def month(text: str, months_shown: int = 6) -> Period:
    match = _MONTH.fullmatch(text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise PeriodError(f"--month {text!r}: expected a month such as 2026-11")
    if int(match[1]) not in YEARS:
        raise PeriodError(f"--month {text!r}: expected a month from {YEARS[0]}-01 to {YEARS[-1]}-12")
    first = date(int(match[1]), int(match[2]), 1)
    ends = [_month_after(first)]
    for _ in range(months_shown):  # back to the start of the oldest month shown
        ends.insert(0, _month_before(ends[0]))
    return Period(text, f"{first:%B %Y}", _utc(first), _utc(ends[-1]), tuple(_utc(day) for day in ends))


def _month_after(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _month_before(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def last_week(now: datetime) -> str:
    """The last complete ISO week before `now`."""
    year, number, _ = (now.date() - timedelta(days=7)).isocalendar()
    return f"{year}-W{number:02d}"


def last_month(now: datetime) -> str:
    """The last complete calendar month before `now`."""
    previous = _month_before(date(now.year, now.month, 1))
    return f"{previous:%Y-%m}"


def span(since: str | None, until: str | None, last: str | None, now: datetime) -> tuple[float, float]:
    """A backtest's range in unix seconds: --from/--to (RFC 3339 or YYYY-MM-DD, UTC unless the
    text says otherwise), or --last DURATION up to --to (default: now, to the minute)."""
    end = _instant("--to", until) if until else now.replace(second=0, microsecond=0).timestamp()
    if since and last:
        raise PeriodError("give --from or --last, not both")
    if since:
        start = _instant("--from", since)
    else:
        if not durations.is_duration(last or "7d"):
            raise PeriodError(f"--last {last!r}: expected a duration such as 30d")
        start = end - durations.seconds(last or "7d")
    if start >= end:
        raise PeriodError(f"the range is empty: {since or last} to {until or 'now'}")
    return start, end


def _instant(option: str, text: str) -> float:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PeriodError(f"{option} {text!r}: expected a time such as 2026-11-02T00:00Z or 2026-11-02") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if moment.year not in YEARS:
        raise PeriodError(f"{option} {text!r}: expected a year from {YEARS[0]} to {YEARS[-1]}")
    return moment.timestamp()
