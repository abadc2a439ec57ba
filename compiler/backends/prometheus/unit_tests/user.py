"""The spec's own test cases of an indicator (its `tests:` list), in promtool's terms."""

from __future__ import annotations

from compiler.backends.prometheus.unit_tests.common import Grid
from compiler.model import Indicator, Spec


def groups(spec: Spec, indicator: Indicator, grid: Grid) -> list[dict]:
    return []
