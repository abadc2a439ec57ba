"""Validation: one check per module, each returning problems, never raising.

The schema runs first; the semantic checks assume its shape, so they run only on a spec the
schema accepts. The checks that need the built model run on it once the document has no
errors (the pipeline builds it once, for them and the backends). Secrets are looked for
before the schema, so an inline secret is called that. A spec over the size limits is not
checked further."""

from __future__ import annotations

from compiler.checks import (burn_rates, cases, catalogue, deployment, escalation, ids, limits, queries, references, schema, secrets,
                             silence, thresholds)
from compiler.loader import Document
from compiler.model import Spec
from compiler.problems import Problem

SEMANTIC_CHECKS = (ids.check, references.check, thresholds.check, burn_rates.check, silence.check, queries.check, escalation.check, catalogue.check,
                   cases.check)
MODEL_CHECKS = (escalation.routes, queries.recorded_series_read, cases.levels, deployment.check)


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
    return sorted(problems)


def validate_model(document: Document, spec: Spec) -> list[Problem]:
    return sorted(problem for check in MODEL_CHECKS for problem in check(document, spec))
