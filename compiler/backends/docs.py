"""The catalogue for people: the chapter's tables with this spec's targets, warning signs,
levels and runbooks, the escalation matrix with its real channels, the scorecard and the
metric catalogue (the instrumentation contract)."""

from __future__ import annotations

from dataclasses import dataclass

from compiler import conventions, durations, present
from compiler.backends.outputs import Outputs
from compiler.backends.prometheus.plan import ALERT
from compiler.emit import Prose
from compiler.model import Category, Channel, Level, Spec


def render(built: Outputs) -> dict[str, object]:
    spec = built.spec
    return {"docs/indicators.md": Prose("indicators.md.j2", {
        "title": spec.title,
        "sources": ", ".join(spec.sources),
        "count": len(spec.indicators),
        "categories": [_category(built, category) for category in spec.categories],
        "levels": [_level(spec, level) for level in spec.escalation.levels],
        "team_overrides": [
            {"team": team.title, "level": name, "responders": ", ".join(spec.responder(r).title for r in names)}
            for team in spec.teams for name, names in team.responders
        ],
        "business_hours": _business_hours(spec),
        "scorecard": [{"title": entry.title, "weight": present.weight(entry.weight), "count": len(entry.indicators)}
                      for entry in spec.scorecard],
        "roi": _roi(spec),
        "metrics": [{"name": m.name, "type": m.type, "labels": ", ".join(m.labels), "help": m.help} for m in spec.metrics],
    })}


@dataclass(frozen=True)
class _Row:
    """One indicator's row. An object, not a dict: Jinja2 reads `row.title` with getattr first,
    and on a dict each of a row's dozen reads raised and caught an AttributeError (a third of
    rendering the catalogue at 10,000 indicators)."""

    title: str
    id: str
    definition: str
    target: str
    warning: str
    levels: str
    team: str
    runbook: str
    alerts: list[str]
    dashboard: str
    overrides: str


def _category(built: Outputs, category: Category) -> dict:
    spec = built.spec
    # alerts and panels are named only when their backends are on: no links to what is not there
    panels = conventions.panel_ids(spec, category.id) if "grafana" in spec.output.targets else {}
    groups = []
    for group in category.groups:
        rows = [_Row(
            title=indicator.title,
            id=indicator.id,
            definition=indicator.definition,
            target=present.met(indicator, indicator.target),
            warning=present.breached(indicator, indicator.warning),
            levels="; ".join(present.level_rule(indicator, t) for t in indicator.thresholds),
            team=spec.team(indicator.team).title,
            runbook=indicator.runbook_url,
            alerts=sorted({rule.name for rule in built.rules.of(indicator.id) if rule.kind == ALERT}),  # none without prometheus
            dashboard=conventions.dashboard_url(spec, indicator, panels[indicator.id], built.dashboard_parts[indicator.id]) if panels else "",
            overrides="; ".join(present.override_rule(indicator, override) for override in indicator.overrides),
        ) for indicator in spec.members[category.id] if indicator.group == group.id]
        if rows:
            groups.append({"title": group.title, "indicators": rows})
    return {"title": category.title, "groups": groups}


def _level(spec: Spec, level: Level) -> dict:
    if level.response_time is None:
        response = "-"
    else:
        response = durations.human(level.response_time) + (" (business hours)" if level.business_hours else "")
    responders = [f"{spec.responder(r).title} ({', '.join(_channel(c) for c in spec.responder(r).channels)})"
                  for r in level.responders]
    return {"name": level.name.capitalize(), "response": response, "responders": "; ".join(responders) or "-",
            "action": level.action or "-", "severity": level.severity if level.threshold else "-",
            "threshold": level.threshold or "-"}


def _channel(channel: Channel) -> str:
    settings = dict(channel.settings)
    return {"slack": lambda: f"Slack {settings['channel']}", "pagerduty": lambda: "PagerDuty",
            "email": lambda: f"e-mail {settings['to']}", "webhook": lambda: f"webhook {settings['url']}"}[channel.kind]()


def _business_hours(spec: Spec) -> str:
    hours = spec.escalation.business_hours
    if hours is None:
        return ""
    times = ", ".join(f"{start}-{end}" for start, end in hours.times)
    holidays = f"; not on {', '.join(hours.holidays)}" if hours.holidays else ""
    return f"{', '.join(hours.weekdays)}, {times} ({hours.location}){holidays}"


def _roi(spec: Spec) -> list[dict]:
    if spec.roi is None:
        return []
    source_names = {"indicator": "indicator", "scorecard": "scorecard score / 100", "expr": "expression"}
    return [{"name": term.name, "coefficient": f"{term.coefficient:g}",
             "input": present.Markdown(f"{source_names[term.source]} {present.code(term.reference)}"
                                       + (f" × {term.scale:g}" if term.scale != 1 else "") + (f", capped at {term.max:g}" if term.max is not None else ""))}
            for term in spec.roi.terms] + [{"name": "intercept", "coefficient": f"{spec.roi.intercept:g}", "input": "-"}]
