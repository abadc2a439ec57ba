"""An indicator's silence horizon: an entity that stopped reporting raises NoData after
`no_data_for` and is forgotten after `forget_after`, so the second must be the longer."""

from __future__ import annotations

from compiler import durations, spec
from compiler.loader import Document
from compiler.problems import Finding


def check(document: Document) -> list[Finding]:
    data = document.data
    problems = []
    for index, indicator in spec.indicators(data):
        no_data_for, forget_after = spec.no_data_for(data, indicator), spec.forget_after(data, indicator)
        if forget_after > no_data_for:
            continue
        path = ("indicators", index, "forget_after") if "forget_after" in indicator else (
            ("defaults", "forget_after") if "forget_after" in (data.get("defaults") or {}) else ("indicators", index, "no_data_for"))
        problems.append(document.problem(
            path, f"forget_after {durations.text(forget_after)} is not longer than no_data_for {durations.text(no_data_for)}: "
                  "a silent entity would be forgotten before it raises NoData",
            f"set forget_after longer than {durations.text(no_data_for)}"))
    return problems
