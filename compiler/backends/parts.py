"""What outgrows one Kubernetes object is cut into parts, in order: a category's rules
(prometheus._parts) and its dashboard (grafana.category._parts)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

Item = TypeVar("Item")


def cut(items: Iterable[Item], size: Callable[[Item], int], budget: int) -> list[list[Item]]:
    """`items` in order, a new part begun where the next item's `size` would take the current part
    past `budget`. An item is never split, so a part holds at least one, however big."""
    parts: list[list[Item]] = [[]]
    total = 0
    for item in items:
        grows = size(item)
        if parts[-1] and total + grows > budget:
            parts.append([])
            total = 0
        parts[-1].append(item)
        total += grows
    return parts
