"""Indicator ids are unique across every file of the spec, and short enough: they name rules,
alerts, panels and files."""

from __future__ import annotations

from compiler import conventions, spec
from compiler.loader import Document
from compiler.problems import Problem


def check(document: Document) -> list[Problem]:
    data = document.data
    problems: list[Problem] = []
    first: dict[str, int] = {}
    spec_name = (data.get("metadata") or {}).get("name", "indicators")
    escalates = any("escalate_after" in level for level in ((data.get("escalation") or {}).get("levels") or {}).values())
    for index, indicator in spec.indicators(data):
        here = ("indicators", index, "id")
        earlier = first.setdefault(indicator["id"], index)
        if earlier != index:
            where = document.locate(("indicators", earlier, "id"))
            problems.append(document.problem(here, f"duplicate id '{indicator['id']}'", f"first used at {where.file}:{where.line}"))
        suffixes = [conventions.NO_DATA_SUFFIX] + [conventions.ESCALATED_SUFFIX] * escalates
        if spec.measure_form(indicator)[0] == "availability":
            suffixes.append(conventions.BURN_RATE_SUFFIX)
        longest = max((conventions.alert_name(spec_name, indicator["id"], suffix) for suffix in suffixes), key=len)
        if len(longest) > conventions.MAX_ALERT_NAME:
            problems.append(document.problem(here, f"the alert name '{longest}' is {len(longest)} characters, over {conventions.MAX_ALERT_NAME}",
                                             "shorten the id or metadata.name"))
    return problems
