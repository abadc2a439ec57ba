"""What a report asks Prometheus, and the answers it gets, as plain values.

A report reads only recorded series (names from `conventions`), restricted by the `--where`
matchers on global labels. Answers with the value NaN (a ratio of zero volume) count as no data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from compiler.model import Selector

DAY = 86400


@dataclass(frozen=True)
class Query:
    """An instant query evaluated at `at` (unix seconds)."""

    promql: str
    at: float


@dataclass(frozen=True)
class RangeQuery:
    """A range query from `start` to `end` every `step` seconds (for trend charts)."""

    promql: str
    start: float
    end: float
    step: float = DAY


@dataclass(frozen=True)
class RawQuery:
    """Every sample recorded for `selector` in (start, end], as stored (not resampled): the
    backtest copies history with these, a day at a time."""

    selector: str
    start: float
    end: float


@dataclass(frozen=True)
class Sample:
    labels: tuple[tuple[str, str], ...]
    value: float

    def label(self, name: str) -> str:
        return dict(self.labels).get(name, "")


@dataclass(frozen=True)
class Series:
    labels: tuple[tuple[str, str], ...]
    points: tuple[tuple[float, float], ...]  # (unix seconds, value)


Answer = list[Sample] | list[Series]
Ask = Callable[[Query | RangeQuery | RawQuery], Answer]


def selector(series: str, where: tuple[tuple[str, str], ...], *matchers: tuple[str, str, str]) -> str:
    """`series{cluster="eu", indicator=~"a|b"}`: the --where matchers first, then the report's own."""
    return Selector(series, tuple((label, "=", value) for label, value in where) + matchers).text()


def known(value: float) -> bool:
    return not math.isnan(value)
