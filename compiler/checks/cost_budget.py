"""The cost budget: a rule group reading more series per evaluation than output.cost allows is
a warning at its heaviest rule; the spec still compiles."""

from __future__ import annotations

from dataclasses import replace

from compiler.backends.prometheus import cost
from compiler.loader import Document
from compiler.model import Spec
from compiler.problems import Finding


def check(document: Document, spec: Spec, costs: tuple[cost.GroupCost, ...]) -> list[Finding]:
    return [replace(document.problem(path, message, hint), severity="warning") for path, message, hint in cost.over_budget(spec, costs)]
