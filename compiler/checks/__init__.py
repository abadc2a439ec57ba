"""Validation: one check per module, each returning problems, never raising.

The schema runs first; the semantic checks assume its shape, so they run on what the schema
accepts (schema.Accepted): indicators, metrics and responders without unknown fields, but none
it rejects for anything else, and nothing when it rejects something outside those sections.
The checks that need the built model run on it once the document has no errors (the pipeline builds it once, for them and the backends). Secrets are looked for
before the schema, so an inline secret is called that. A spec over the size limits is not
checked further."""

from __future__ import annotations

from compiler.checks import (
    addresses,
    burn_rates,
    case_values,
    cases,
    catalogue,
    deployment,
    escalation,
    ids,
    label_values,
    limits,
    queries,
    references,
    schema,
    secrets,
    silence,
    thresholds,
)
from compiler.loader import Document
from compiler.model import Spec
from compiler.problems import Problem

SEMANTIC_CHECKS = (ids.check, references.check, addresses.check, thresholds.check, burn_rates.check, silence.check, queries.check,
                   escalation.check, catalogue.check, label_values.check, cases.check,
                   case_values.check)
MODEL_CHECKS = (escalation.routes, queries.recorded_series_read, cases.levels, deployment.check)


def validate(document: Document) -> list[Problem]:
    oversized = limits.check(document)
    if oversized:  # every other check would only add to the wait
        return oversized
    problems = secrets.check(document)
    named = {problem.path for problem in problems}
    shape, accepted = schema.check(document)
    problems += [problem for problem in shape if problem.path not in named]
    if accepted is not None:
        problems += [problem for check in SEMANTIC_CHECKS for problem in check(accepted.document)
                     if not _names(problem, accepted.rejected)]
    return sorted(problems)


def _names(problem: Problem, rejected: frozenset[str]) -> bool:
    """Whether the problem quotes an entry the schema rejected ("unknown responder 'pager'"):
    it follows from that entry's error, fixed with it."""
    return any(f"'{name}'" in problem.message for name in rejected)


def validate_model(document: Document, spec: Spec) -> list[Problem]:
    return sorted(problem for check in MODEL_CHECKS for problem in check(document, spec))
