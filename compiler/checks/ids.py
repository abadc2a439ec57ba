"""Indicator ids are unique across every file of the spec, and short enough: they name rules,
alerts, panels and files. Category ids name dashboards (their uid), rule files and groups, so
no two of them, nor one and the overview or the scorecard, may give one name to two things.
Group ids are unique across categories: group scores average by the group label alone and
scorecard entries select groups by id, so a shared id would mix two categories' groups. No
indicator's alert name ends as a derived alert's does (NoData, ErrorBudgetBurn, Escalated): the
inhibition rules match those endings."""

from __future__ import annotations

from compiler import conventions
from compiler.loader import Document
from compiler.problems import Finding
from compiler.spec_types import Spec


def check(document: Document, typed: Spec) -> list[Finding]:
    problems: list[Finding] = []
    first: dict[str, tuple] = {}
    escalates = any(level.escalate_after is not None for level in typed.escalation.levels) if typed.escalation else False
    for indicator in typed.indicators:
        here = indicator.path + ("id",)
        earlier = first.setdefault(indicator.id, here)
        if earlier != here:
            where = document.locate(earlier)
            problems.append(document.problem(here, f"duplicate id '{indicator.id}'", f"first used at {where.file}:{where.line}"))
        suffixes = [conventions.NO_DATA_SUFFIX] + [conventions.ESCALATED_SUFFIX] * escalates
        if indicator.measure.form == "availability":
            suffixes.append(conventions.BURN_RATE_SUFFIX)
        name = conventions.alert_name(typed.name, indicator.id)
        if reserved := next((suffix for suffix in conventions.DERIVED_SUFFIXES if name.endswith(suffix)), None):
            problems.append(document.problem(here, f"its alert name '{name}' ends in '{reserved}', which names the alerts the "
                                             f"compiler derives (Alertmanager tells them apart by it)", "rename the indicator"))
        longest = max((conventions.alert_name(typed.name, indicator.id, suffix) for suffix in suffixes), key=len)
        if len(longest) > conventions.MAX_ALERT_NAME:
            problems.append(document.problem(here, f"the alert name '{longest}' is {len(longest)} characters, over {conventions.MAX_ALERT_NAME}",
                                             "shorten the id or metadata.name"))
    return problems + _category_names(document, typed) + _group_ids(document, typed)


def _category_names(document: Document, typed: Spec) -> list[Finding]:
    uids = {conventions.uid(typed.name, conventions.OVERVIEW): "the overview dashboard"}
    groups = {conventions.SCORECARD_GROUP: "the scorecard's rules"}  # a rule group names its file too
    problems = []
    for category in typed.categories:
        owner = f"category '{category.id}'"
        uid = conventions.uid(typed.name, category.id)
        parts = (category.id, *(category.id + suffix for suffix in (conventions.ROLLUPS_SUFFIX, conventions.LONG_WINDOWS_SUFFIX,
                                                                   conventions.SCORECARD_SUFFIX)))
        if conventions.RESERVED_PART.search(category.id):
            problems.append(document.problem(category.path, f"category id '{category.id}' holds '_part_<n>', which names the "
                                             "parts of a category whose rules or dashboard outgrow one object", "rename the category", key=True))
        names = [(uids, uid, f"dashboard uid '{uid}'")] + [(groups, part, f"rule group '{typed.name}_{part}'") for part in parts]
        for table, name, what in names:
            if name in table:
                problems.append(document.problem(category.path, f"{owner} would have the {what} of {table[name]}", "rename the category", key=True))
            table.setdefault(name, owner)
    return problems


def _group_ids(document: Document, typed: Spec) -> list[Finding]:
    first: dict[str, str] = {}
    problems = []
    for category in typed.categories:
        for group in category.groups:
            owner = first.setdefault(group.id, category.id)
            if owner != category.id:
                problems.append(document.problem(group.path, f"group '{group.id}' is also a group of category '{owner}'",
                                                 "rename one: group ids are unique across categories, as group scores and "
                                                 "scorecard entries select a group by its id alone", key=True))
    return problems
