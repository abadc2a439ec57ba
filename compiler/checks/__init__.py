"""Validation: every check is one `Check` (a name, the phase it runs in, and `run`, which returns
findings and never raises), all listed in CHECKS; `pipeline.load` runs the phases in order.

The phases, and why in this order: the size limits first (past them every other check would
only add to the wait, so they stop the load); secrets before the schema, so an inline secret is
called that, not an unknown field; the schema; the semantic checks on what the schema accepts
(schema.Accepted: indicators, metrics and responders without unknown fields, but none it rejects
for anything else, and nothing when it rejects something outside those sections); the checks
that need the built model, once the document has no errors (the model is built once, for them
and the backends); the backends' lint of what a valid spec generates; and the cost budget,
whose findings are warnings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from compiler import backends, spec_types
from compiler.backends.outputs import Outputs
from compiler.backends.prometheus import cost
from compiler.build import build
from compiler.checks import (
    addresses,
    age_order,
    burn_rates,
    case_values,
    cases,
    catalogue,
    cost_budget,
    deployment,
    escalation,
    ids,
    label_values,
    limits,
    lint,
    mounts,
    overview,
    pagerduty,
    positive,
    queries,
    references,
    roi,
    schema,
    scorecard,
    secrets,
    silence,
    thresholds,
    tracking,
    windows,
)
from compiler.loader import Document
from compiler.model import Spec
from compiler.problems import Finding


@dataclass(frozen=True)
class Subject:
    """The spec as the checks read it. What several checks or phases share is worked out once,
    on first use: the secrets found, the schema's findings and what it accepts, the model."""

    document: Document  # the merged spec as written: every finding is located in it
    label: str  # names the spec in generated headers

    @cached_property
    def secrets(self) -> list[Finding]:
        return secrets.check(self.document)

    @cached_property
    def shape(self) -> tuple[list[Finding], schema.Accepted | None]:
        return schema.check(self.document)

    @cached_property
    def typed(self) -> spec_types.Spec | None:
        """The typed spec of what the schema accepts; None when it accepts nothing."""
        accepted = self.shape[1]
        return None if accepted is None else spec_types.read(accepted.document)

    @cached_property
    def spec(self) -> Spec:
        """The model, built once the document has no errors (so the schema accepts all of it)."""
        return build(_accepted(self), (self.label,))

    @cached_property
    def outputs(self) -> Outputs:
        """What the valid spec generates, built once: linted, costed, rendered."""
        return backends.outputs(self.spec)

    @cached_property
    def costs(self) -> tuple[cost.GroupCost, ...]:
        return cost.group_costs(self.spec, self.outputs.rules)


def _accepted(subject: Subject) -> spec_types.Spec:
    """The typed spec, from the model phase on: the document has no errors, so the schema accepts it."""
    if subject.typed is None:
        raise ValueError("the model is built only of a spec the schema accepts")
    return subject.typed


@dataclass(frozen=True)
class Phase:
    name: str
    stops: Callable[[list[Finding]], bool]  # whether what was found so far ends the load after this phase


@dataclass(frozen=True)
class Check:
    name: str
    phase: str
    run: Callable[[Subject], list[Finding]]


def _never(found: list[Finding]) -> bool:
    return False


def _any(found: list[Finding]) -> bool:
    return bool(found)


def _errors(found: list[Finding]) -> bool:
    return any(finding.severity == "error" for finding in found)


PHASES = (Phase("limits", _any), Phase("secrets", _never), Phase("schema", _never), Phase("semantic", _errors),
          Phase("model", _errors), Phase("lint", _errors), Phase("cost", _never))


def _schema(subject: Subject) -> list[Finding]:
    """The schema's findings but on a field the secrets phase has named: that one says it all."""
    named = {finding.path for finding in subject.secrets}
    return [finding for finding in subject.shape[0] if finding.path not in named]


def _semantic(check: Callable[[Document, spec_types.Spec], list[Finding]]) -> Callable[[Subject], list[Finding]]:
    """A check of the typed spec the schema accepts, run only when it accepts one."""
    def run(subject: Subject) -> list[Finding]:
        accepted = subject.shape[1]
        if accepted is None or subject.typed is None:
            return []
        return [finding for finding in check(subject.document, subject.typed) if not _names(finding, accepted.rejected)]
    return run


def _names(finding: Finding, rejected: frozenset[str]) -> bool:
    """Whether the finding quotes an entry the schema rejected ("unknown responder 'pager'"):
    it follows from that entry's error, fixed with it."""
    return any(f"'{name}'" in finding.message for name in rejected)


def _model(check: Callable[[Document, Spec], list[Finding]]) -> Callable[[Subject], list[Finding]]:
    return lambda subject: check(subject.document, subject.spec)


CHECKS = (
    Check("limits", "limits", lambda subject: limits.check(subject.document)),
    Check("secrets", "secrets", lambda subject: subject.secrets),
    Check("schema", "schema", _schema),
    Check("ids", "semantic", _semantic(ids.check)),
    Check("references", "semantic", _semantic(references.check)),
    Check("tracking", "semantic", _semantic(tracking.check)),
    Check("addresses", "semantic", _semantic(addresses.check)),
    Check("mounts", "semantic", _semantic(mounts.check)),
    Check("thresholds", "semantic", _semantic(thresholds.check)),
    Check("burn_rates", "semantic", _semantic(burn_rates.check)),
    Check("age_order", "semantic", _semantic(age_order.check)),
    Check("silence", "semantic", _semantic(silence.check)),
    Check("windows", "semantic", _semantic(windows.check)),
    Check("positive", "semantic", _semantic(positive.check)),
    Check("queries", "semantic", _semantic(queries.check)),
    Check("escalation", "semantic", _semantic(escalation.check)),
    Check("scorecard", "semantic", _semantic(scorecard.check)),
    Check("roi", "semantic", _semantic(roi.check)),
    Check("catalogue", "semantic", _semantic(catalogue.check)),
    Check("label_values", "semantic", _semantic(label_values.check)),
    Check("cases", "semantic", _semantic(cases.check)),
    Check("case_values", "semantic", _semantic(case_values.check)),
    Check("routes", "model", _model(escalation.routes)),
    Check("after_hours", "model", _model(escalation.after_hours)),
    Check("recorded_series", "model", _model(queries.recorded_series_read)),
    Check("case_levels", "model", _model(cases.levels)),
    Check("overview", "model", _model(overview.check)),
    Check("pagerduty", "model", _model(pagerduty.check)),
    Check("deployment", "model", lambda subject: deployment.check(subject.document, _accepted(subject), subject.spec)),
    Check("lint", "lint", lambda subject: lint.check(subject.document, subject.outputs)),
    Check("cost", "cost", lambda subject: cost_budget.check(subject.document, subject.spec, subject.costs)),
)


def run(phase: Phase, subject: Subject) -> list[Finding]:
    """Every finding of the phase's checks."""
    return [finding for check in CHECKS if check.phase == phase.name for finding in check.run(subject)]
