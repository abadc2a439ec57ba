"""Which indicators are distinct cases for the generated tests. Two indicators that differ only in
their names (id, title, category, group, team, definition, runbook) compile to the same rules but
for those names, so the same tests prove both: the first in spec order carries them. A spec of
10,000 indicators made from a few dozen shapes (every team's copy of the same error-rate
indicator over the platform's metrics) gets a few dozen indicators' tests, not 10,000. Everything
else about an indicator (its measure and the metrics it reads, thresholds, `for`, tracking labels,
overrides, its own labels and annotations) is part of its case."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable

from compiler.model import Indicator, Spec

# What names or describes an indicator without changing what its rules compute; its own `tests:`
# cases are compiled for every indicator.
NAMES = frozenset({"id", "title", "category", "group", "definition", "team", "runbook_url", "tests"})


def case(indicator: Indicator) -> Hashable:
    """Every field of the indicator but its names: equal for two indicators exactly when one's
    generated tests, renamed, are the other's."""
    return tuple(getattr(indicator, field.name) for field in dataclasses.fields(indicator) if field.name not in NAMES)


def carriers(spec: Spec) -> frozenset[str]:
    """The ids of the indicators that carry their case's tests: the first of each distinct case."""
    first: dict[Hashable, str] = {}
    for indicator in spec.indicators:
        first.setdefault(case(indicator), indicator.id)
    return frozenset(first.values())
