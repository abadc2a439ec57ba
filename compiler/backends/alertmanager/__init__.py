"""Alertmanager: the escalation matrix as routing, receivers, business hours and inhibition.

`render` writes the native config (checked with amtool) and the routing table for reviewers;
`kubernetes` wraps the same config in the Secret prometheus-operator reads (not per-namespace
AlertmanagerConfig objects: the operator injects a namespace matcher into each, which breaks
routing by owner team across namespaces)."""

from __future__ import annotations

from compiler import conventions, durations, emit
from compiler.backends.alertmanager import receivers, routing
from compiler.backends.outputs import Outputs
from compiler.emit import Prose
from compiler.model import Level, Spec

CONFIG = "alertmanager/alertmanager.yaml"


def config(spec: Spec) -> dict:
    settings: dict = {}
    if receivers.global_settings(spec):
        settings["global"] = receivers.global_settings(spec)
    settings["route"] = routing.route(spec)
    settings["receivers"] = receivers.receivers(spec)
    settings["inhibit_rules"] = routing.inhibit_rules(spec)
    if routing.time_intervals(spec):
        settings["time_intervals"] = routing.time_intervals(spec)
    return settings


def render(built: Outputs) -> dict[str, object]:
    return {CONFIG: built.alertmanager, "docs/alertmanager-routing.md": Prose("alertmanager-routing.md.j2", _routing_doc(built.spec, built.alertmanager))}


def kubernetes(built: Outputs) -> dict[str, dict]:
    spec = built.spec
    name = conventions.alertmanager_secret(spec)
    text = f"# {emit.header(spec.sources)}\n" + emit.yaml_text(built.alertmanager)
    return {f"kubernetes/{name}-secret.yaml": {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": spec.output.kubernetes.namespace,
                     "labels": {"app.kubernetes.io/managed-by": "indicator-compiler"}},
        "type": "Opaque",
        "stringData": {"alertmanager.yaml": text},
    }}


def _routing_doc(spec: Spec, settings: dict) -> dict:
    """The routing table summarised by level, owner team and receivers (which follow from the
    first two but for the stacks' always-firing alerts: no level, no owner, the silent receiver),
    and the inhibit rules of `settings`, the config it documents (not worked out again: each
    reads every alert every indicator can raise)."""
    levels = {level.name: level for level in spec.escalation.levels}
    groups: dict[tuple[str, str, tuple[str, ...]], list[routing.Row]] = {}
    for row in routing.routing_table(spec):
        groups.setdefault((row.label(conventions.LEVEL_LABEL), row.label(conventions.OWNER_LABEL), row.receivers), []).append(row)
    ranked = sorted(groups, key=lambda key: (list(levels).index(key[0]) if key[0] in levels else len(levels), key))
    rules = settings["inhibit_rules"]
    return {
        "title": spec.title,
        "config": CONFIG,
        "rows": [_summary(levels.get(key[0]), key[0], key[1], groups[key]) for key in ranked],
        "fallback": conventions.FALLBACK_RECEIVER,
        "silent": conventions.SILENT_RECEIVER,
        "always_firing": " and ".join(conventions.ALWAYS_FIRING),
        "fallback_responders": ", ".join(routing.fallback_responders(spec)),
        "group_by": ", ".join(routing.group_by(spec)),
        "inhibitions": [{"source": ", ".join(rule["source_matchers"]), "target": ", ".join(rule["target_matchers"])} for rule in rules],
        "equal": ", ".join(rules[0]["equal"]) if rules else "",
        "same_level": len(rules) > len(routing.level_inhibit_rules(spec)),
    }


def _summary(level: Level | None, level_name: str, owner: str, rows: list[routing.Row]) -> dict:
    """`level` is None for the alerts only the fallback takes."""
    example = rows[0]
    return {
        "level": level_name or "(none)",
        "owner": owner or "(any)",
        "alerts": len({row.label("alertname") for row in rows}),
        "receivers": ", ".join(example.receivers),
        "repeat": durations.text(level.response_time if level and level.response_time is not None else routing.FALLBACK_REPEAT),
        "when": "business hours" if level and level.business_hours else "around the clock",
        "test": " ".join(f"{label}={value}" for label, value in example.labels
                         if label in ("alertname", conventions.LEVEL_LABEL, conventions.OWNER_LABEL)),
    }
