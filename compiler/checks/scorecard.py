"""The scorecard is complete: each entry averages some groups or categories, and the weights
add up to 1, so the composite score is a percentage."""

from __future__ import annotations

from compiler.loader import Document
from compiler.problems import Finding


def check(document: Document) -> list[Finding]:
    scorecard = document.data.get("scorecard") or {}
    problems = [document.problem(("scorecard", name), "a scorecard entry needs 'groups' or 'categories'")
                for name, entry in scorecard.items() if not entry.get("groups") and not entry.get("categories")]
    total = sum(entry["weight"] for entry in scorecard.values())
    if scorecard and abs(total - 1) > 1e-6:
        problems.append(document.problem(("scorecard",), f"the weights add up to {total:g}, not 1"))
    return problems
