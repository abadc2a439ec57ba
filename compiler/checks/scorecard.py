"""The scorecard is complete: each entry averages some groups or categories, and the weights
add up to 1, so the composite score is a percentage."""

from __future__ import annotations

from compiler.loader import Document
from compiler.problems import Finding
from compiler.spec_types import Spec


def check(document: Document, typed: Spec) -> list[Finding]:
    problems = [document.problem(entry.path, "a scorecard entry needs 'groups' or 'categories'")
                for entry in typed.scorecard if not entry.groups and not entry.categories]
    total = sum(entry.weight for entry in typed.scorecard)
    if typed.scorecard and abs(total - 1) > 1e-6:
        problems.append(document.problem(("scorecard",), f"the weights add up to {total:g}, not 1"))
    return problems
