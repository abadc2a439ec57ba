"""Indicator ids are unique across every file of the spec: they name rules, panels and files."""

from __future__ import annotations

from compiler import spec
from compiler.loader import Document
from compiler.problems import Problem


def check(document: Document) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for index, indicator in spec.indicators(document.data):
        earlier = first.setdefault(indicator["id"], index)
        if earlier != index:
            where = document.locate(("indicators", earlier, "id"))
            problems.append(document.problem(("indicators", index, "id"), f"duplicate id '{indicator['id']}'",
                                             f"first used at {where.file}:{where.line}"))
    return problems
