"""Validation: one check per module, each returning problems, never raising.

The schema runs first; the semantic checks assume its shape, so they run only on a spec the
schema accepts, and the checks that need the built model only on a spec without errors.
Secrets are looked for before the schema, so an inline secret is called that. A spec over the
size limits is not checked further."""

from __future__ import annotations

from compiler.build import build
from compiler.checks import catalogue, escalation, ids, limits, queries, references, schema, secrets, thresholds
from compiler.loader import Document
from compiler.problems import Problem

SEMANTIC_CHECKS = (ids.check, references.check, thresholds.check, queries.check, escalation.check, catalogue.check)


def validate(document: Document) -> list[Problem]:
    oversized = limits.check(document)
    if oversized:  # every other check would only add to the wait
        return oversized
    problems = secrets.check(document)
    named = {problem.path for problem in problems}
    shape = [problem for problem in schema.check(document) if problem.path not in named]
    problems += shape
    if not shape:
        for check in SEMANTIC_CHECKS:
            problems += check(document)
    if not any(problem.severity == "error" for problem in problems):  # checks that need the built model
        problems += escalation.routes(document, build(document.data, ()))
    return sorted(problems)
