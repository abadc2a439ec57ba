"""Indicator ids are unique across every file of the spec, and short enough: they name rules,
alerts, panels and files. Category ids name dashboards (their uid), rule files and groups, so
no two of them, nor one and the overview or the scorecard, may give one name to two things."""

from __future__ import annotations

from compiler import conventions, spec
from compiler.loader import Document
from compiler.problems import Finding


def check(document: Document) -> list[Finding]:
    data = document.data
    problems: list[Finding] = []
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
    return problems + _category_names(document, spec_name)


def _category_names(document: Document, spec_name: str) -> list[Finding]:
    uids = {conventions.uid(spec_name, conventions.OVERVIEW): "the overview dashboard"}
    groups = {conventions.SCORECARD_GROUP: "the scorecard's rules"}  # a rule group names its file too
    problems = []
    for category in document.data.get("categories") or {}:
        here, owner = ("categories", category), f"category '{category}'"
        uid = conventions.uid(spec_name, category)
        parts = (category, category + conventions.ROLLUPS_SUFFIX, category + conventions.LONG_WINDOWS_SUFFIX)
        names = [(uids, uid, f"dashboard uid '{uid}'")] + [(groups, part, f"rule group '{spec_name}_{part}'") for part in parts]
        for table, name, what in names:
            if name in table:
                problems.append(document.problem(here, f"{owner} would have the {what} of {table[name]}", "rename the category", key=True))
            table.setdefault(name, owner)
    return problems
