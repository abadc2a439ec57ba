"""Alertmanager: the escalation matrix as routing, receivers, business hours and inhibition.

`render` writes the native config (checked with amtool) and the routing table for reviewers;
`kubernetes` wraps the same config in the Secret prometheus-operator reads (not per-namespace
AlertmanagerConfig objects: the operator injects a namespace matcher into each, which breaks
routing by owner team across namespaces)."""

from __future__ import annotations

from compiler import conventions, durations, emit
from compiler.backends.alertmanager import receivers, routing
from compiler.emit import Prose
from compiler.model import Spec

CONFIG = "alertmanager/alertmanager.yaml"


def config(spec: Spec) -> dict:
    settings = {}
    if receivers.global_settings(spec):
        settings["global"] = receivers.global_settings(spec)
    settings["route"] = routing.route(spec)
    settings["receivers"] = receivers.receivers(spec)
    settings["inhibit_rules"] = routing.inhibit_rules(spec)
    if routing.time_intervals(spec):
        settings["time_intervals"] = routing.time_intervals(spec)
    return settings


def render(spec: Spec) -> dict[str, object]:
    return {CONFIG: config(spec), "docs/alertmanager-routing.md": Prose("alertmanager-routing.md.j2", _routing_doc(spec))}


def kubernetes(spec: Spec) -> dict[str, object]:
    name = conventions.alertmanager_secret(spec)
    text = f"# {emit.header(spec.sources)}\n" + emit.yaml_text(config(spec))
    return {f"kubernetes/{name}-secret.yaml": {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": spec.output.kubernetes.namespace,
                     "labels": {"app.kubernetes.io/managed-by": "indicator-compiler"}},
        "type": "Opaque",
        "stringData": {"alertmanager.yaml": text},
    }}


def _routing_doc(spec: Spec) -> dict:
    """The routing table summarised by level and owner team, for reviewers."""
    summary: dict[tuple[str, str], dict] = {}
    for row in routing.routing_table(spec):
        level, owner = row.label(conventions.LEVEL_LABEL), row.label(conventions.OWNER_LABEL)
        entry = summary.setdefault((level, owner), {"receivers": row.receivers, "alerts": set(), "example": row})
        entry["alerts"].add(row.label("alertname"))
    order = {level.name: position for position, level in enumerate(spec.escalation.levels)}
    rows = []
    for (level_name, owner), entry in sorted(summary.items(), key=lambda item: (order.get(item[0][0], len(order)), item[0])):
        known = next((level for level in spec.escalation.levels if level.name == level_name), None)
        rows.append({
            "level": level_name or "(none)",
            "owner": owner or "(any)",
            "alerts": len(entry["alerts"]),
            "receivers": ", ".join(entry["receivers"]),
            "repeat": durations.text(known.response_time if known else routing.FALLBACK_REPEAT),
            "when": ("business hours" if known.business_hours else "around the clock") if known else "around the clock",
            "test": " ".join(f"{label}={value}" for label, value in entry["example"].labels
                             if label in ("alertname", conventions.LEVEL_LABEL, conventions.OWNER_LABEL)),
        })
    return {
        "title": spec.title,
        "fallback": conventions.FALLBACK_RECEIVER,
        "fallback_responders": ", ".join(routing.fallback_responders(spec)),
        "group_by": ", ".join(routing.group_by(spec)),
        "rows": rows,
        "inhibitions": [{"source": rule["source_matchers"][0], "target": rule["target_matchers"][0]}
                        for rule in routing.inhibit_rules(spec)],
        "equal": ", ".join(routing.inhibit_rules(spec)[0]["equal"]) if routing.inhibit_rules(spec) else "",
        "config": CONFIG,
    }
