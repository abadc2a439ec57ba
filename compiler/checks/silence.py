"""An indicator's silence horizon: an entity that stopped reporting raises NoData after
`no_data_for` and is forgotten after `forget_after`, so the second must be the longer."""

from __future__ import annotations

from compiler import durations
from compiler.loader import Document
from compiler.problems import Finding
from compiler.spec_types import Spec


def check(document: Document, typed: Spec) -> list[Finding]:
    problems = []
    for indicator in typed.indicators:
        if indicator.forget_after > indicator.no_data_for:
            continue
        # at the setting that decides: the indicator's forget_after, the default one, or its no_data_for
        path = indicator.path + ("forget_after",) if "forget_after" in indicator.written else (
            ("defaults", "forget_after") if "forget_after" in typed.defaults.written else indicator.path + ("no_data_for",))
        problems.append(document.problem(
            path, f"forget_after {durations.text(indicator.forget_after)} is not longer than no_data_for "
                  f"{durations.text(indicator.no_data_for)}: a silent entity would be forgotten before it raises NoData",
            f"set forget_after longer than {durations.text(indicator.no_data_for)}"))
    return problems
