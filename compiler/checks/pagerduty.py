"""A PagerDuty channel without its own `severity` sends the alert's severity label, which
PagerDuty accepts only as one of critical, error, warning, info
(alertmanager.receivers.PAGERDUTY_SEVERITY). A level with another label that routes to such a
channel is an error, at the level's severity: its pages would all read "error", a critical one
too. On the built model, where the responders a level reaches are its own and the teams' own."""

from __future__ import annotations

from compiler.backends.alertmanager.receivers import PAGERDUTY_SEVERITIES
from compiler.loader import Document
from compiler.model import Spec
from compiler.problems import Finding


def check(document: Document, spec: Spec) -> list[Finding]:
    problems = []
    for level in spec.escalation.alerting:
        if level.severity in PAGERDUTY_SEVERITIES:
            continue
        reached = dict.fromkeys([*level.responders, *(r for team in spec.teams for r in dict(team.responders).get(level.name, ()))])
        paged = [responder for responder in reached
                 if any(channel.kind == "pagerduty" and "severity" not in dict(channel.settings)
                        for channel in spec.responder(responder).channels)]
        if paged:
            problems.append(document.problem(
                ("escalation", "levels", level.name, "severity"),
                f"level '{level.name}' pages PagerDuty (responder {', '.join(repr(name) for name in paged)}) with severity "
                f"'{level.severity}', which PagerDuty does not accept, so its pages would all read 'error'",
                f"use one of {', '.join(PAGERDUTY_SEVERITIES)} as the level's severity, or set the PagerDuty channel's 'severity'"))
    return problems
