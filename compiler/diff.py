"""What the monitoring will do differently: a semantic diff of two compilations.

It reads the generated artifacts in their standard formats (Prometheus rule files, the
Alertmanager configuration, Grafana dashboards), so it reports what will really change: alerts
and recording rules added or removed, thresholds, `for`, levels, severities, which receivers
each alert reaches and on what timers, and dashboard panels.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import promql_parser
import yaml

from compiler import conventions, present, promql
from compiler.emit import Prose

ALERTMANAGER_CONFIG = "alertmanager/alertmanager.yaml"
_MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$')
_COMPARISONS = {"<", ">", "<=", ">=", "==", "!="}
# What a reviewer must see first: what fires, when, and who is told; wording and files last.
ASPECT_ORDER = ("removed", "added", "threshold", "for", "reaches", "level", "severity", "notification timers",
                "expression", "channels", "title", "type", "thresholds", "queries")
TIMERS = ("group_wait", "group_interval", "repeat_interval", "active_time_intervals", "mute_time_intervals")


@dataclass(frozen=True, order=True)
class Change:
    indicator: str  # the indicator id, or "" for changes that belong to no single indicator
    subject: str  # e.g. "alert MlopsActiveUsers (red)"
    aspect: str  # what changed: added, removed, threshold, for, severity, receivers, ...
    before: str
    after: str


def semantic_diff(base: dict[str, str], head: dict[str, str]) -> list[Change]:
    changes = _rules(base, head) + _routing(base, head) + _receivers(base, head) + _panels(base, head) + _other_files(base, head)
    return sorted(set(changes), key=lambda c: (c.indicator, c.subject.startswith("file "), _priority(c.aspect), c.subject))


def _priority(aspect: str) -> int:
    return ASPECT_ORDER.index(aspect) if aspect in ASPECT_ORDER else len(ASPECT_ORDER)


def _one_line(expr: str) -> str:
    return " ".join(expr.split())


def _other_files(base: dict[str, str], head: dict[str, str]) -> list[Change]:
    """Any other generated file that changes, so that nothing changes unreported."""
    def semantic(path: str) -> bool:
        return path.startswith(("prometheus/", "grafana/dashboards/")) or path == ALERTMANAGER_CONFIG

    return [Change("", f"file {path}", "added" if path not in base else "removed" if path not in head else "changed", "", "")
            for path in sorted(set(base) | set(head)) if not semantic(path) and base.get(path) != head.get(path)]


# --- rules -----------------------------------------------------------------------------------

def rules_in(files: dict[str, str]) -> list[dict]:
    """Every rule of a compilation's Prometheus rule files (not of its promtool test files)."""
    return [rule for path in sorted(files) if conventions.is_rule_file(path)
            for group in yaml.safe_load(files[path])["groups"] for rule in group.get("rules") or []]


def _rule_key(rule: dict) -> tuple:
    """Rules are matched across versions by name, level and the label values their expression
    pins (an override's rule selects its model), never by position or threshold."""
    pinned = tuple(sorted({(read_label, value) for read_label, value in _equality_matchers(rule["expr"])}))
    if "alert" in rule:
        return ("alert", rule["alert"], (rule.get("labels") or {}).get(conventions.LEVEL_LABEL, ""), pinned)
    return ("record", rule["record"], tuple(sorted((rule.get("labels") or {}).items())), pinned)


def _equality_matchers(expr: str) -> list[tuple[str, str]]:
    return re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', expr)


def _subject(key: tuple) -> str:
    kind, name, detail, pinned = key
    where = ", ".join(f"{label}={value}" for label, value in pinned if label not in ("status", "severity", "alertstate"))
    if kind == "alert":
        return f"alert {name} ({detail}{', ' + where if where else ''})"
    return f"recording rule {name}{' (' + where + ')' if where else ''}"


def _indicator_of(rule: dict, indicator_ids: set[str]) -> str:
    labels = rule.get("labels") or {}
    if labels.get(conventions.INDICATOR_LABEL):
        return labels[conventions.INDICATOR_LABEL]
    name = rule.get("record", "")
    return next((i for i in sorted(indicator_ids, key=len, reverse=True) if f"_{i}:" in name), "")


def comparisons(expr: str) -> list[str]:
    """The comparisons against numbers in an expression ('< 0.5'): where its thresholds live."""
    found: list[str] = []

    def visit(node) -> None:
        if isinstance(node, promql_parser.BinaryExpr):
            operator = str(node.op)
            for side, other in ((node.rhs, node.lhs), (node.lhs, node.rhs)):
                number = _number(side)
                if operator in _COMPARISONS and number is not None:
                    found.append(f"{operator} {number:.15g}")
                    visit(other)
                    return
        for child in promql.children(node) + (list(node.args) if isinstance(node, promql_parser.Call) else []):
            visit(child)

    visit(promql.parse(expr))
    return found


def _number(node) -> float | None:
    """A number literal, or a threshold with its float tolerance (`0.8 - 1e-09`) read as the threshold."""
    node = _unwrap(node)
    if isinstance(node, promql_parser.NumberLiteral):
        return node.val
    if (isinstance(node, promql_parser.BinaryExpr) and str(node.op) in ("+", "-")
            and isinstance(_unwrap(node.lhs), promql_parser.NumberLiteral) and isinstance(_unwrap(node.rhs), promql_parser.NumberLiteral)):
        return _unwrap(node.lhs).val
    return None


def _unwrap(node):
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    return node


def _rules(base: dict[str, str], head: dict[str, str]) -> list[Change]:
    before = {_rule_key(rule): rule for rule in rules_in(base)}
    after = {_rule_key(rule): rule for rule in rules_in(head)}
    ids = {rule.get("labels", {}).get(conventions.INDICATOR_LABEL, "") for rule in list(before.values()) + list(after.values())}
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        indicator = _indicator_of(new or old, ids)
        subject = _subject(key)
        if old is None or new is None:
            rule = old or new
            detail = _one_line(rule.get("expr", "")) + (f" for {rule['for']}" if rule.get("for") else "")
            changes.append(Change(indicator, subject, "removed" if new is None else "added",
                                  detail if new is None else "-", "-" if new is None else detail))
            continue
        old_thresholds, new_thresholds = comparisons(old["expr"]), comparisons(new["expr"])
        if old_thresholds != new_thresholds:
            changes.append(Change(indicator, subject, "threshold", ", ".join(old_thresholds), ", ".join(new_thresholds)))
        elif old["expr"] != new["expr"]:
            changes.append(Change(indicator, subject, "expression", _one_line(old["expr"]), _one_line(new["expr"])))
        if old.get("for", "0s") != new.get("for", "0s"):
            changes.append(Change(indicator, subject, "for", old.get("for", "0s"), new.get("for", "0s")))
        for field in ("labels", "annotations"):
            old_values, new_values = old.get(field) or {}, new.get(field) or {}
            for name in sorted(set(old_values) | set(new_values)):
                if old_values.get(name) != new_values.get(name):
                    changes.append(Change(indicator, subject, name, str(old_values.get(name, "-")), str(new_values.get(name, "-"))))
    return changes


# --- routing ---------------------------------------------------------------------------------

def matches(matcher: str, labels: dict[str, str]) -> bool:
    label, operator, value = _MATCHER.match(matcher).groups()
    actual = labels.get(label, "")
    if operator == "=":
        return actual == value
    if operator == "!=":
        return actual != value
    found = re.fullmatch(value, actual) is not None
    return found if operator == "=~" else not found


def _route_matches(route: dict, labels: dict[str, str]) -> bool:
    matchers = list(route.get("matchers") or [])
    matchers += [f'{k}="{v}"' for k, v in (route.get("match") or {}).items()]
    matchers += [f'{k}=~"{v}"' for k, v in (route.get("match_re") or {}).items()]
    return all(matches(matcher, labels) for matcher in matchers)


def route(config: dict, labels: dict[str, str]) -> list[dict]:
    """The routes an alert ends at, as Alertmanager walks the tree: depth first, stopping at the
    first matching child unless it says `continue`; settings are inherited from parents."""
    def walk(node: dict, inherited: dict) -> list[dict]:
        settings = {**inherited, **{k: node[k] for k in ("receiver", "group_by", "group_wait", "group_interval", "repeat_interval") if k in node}}
        settings.update({k: node.get(k) for k in ("active_time_intervals", "mute_time_intervals")})
        reached: list[dict] = []
        for child in node.get("routes") or []:
            if _route_matches(child, labels):
                reached += walk(child, settings)
                if not child.get("continue"):
                    break
        return reached or [settings]

    return walk(config["route"], {})


def _describe_routes(routes: list[dict]) -> tuple[str, str]:
    receivers = ", ".join(sorted({r["receiver"] for r in routes}))
    timers = "; ".join(sorted({", ".join(f"{k} {r[k] if not isinstance(r[k], list) else '+'.join(r[k])}"
                                         for k in TIMERS if r.get(k)) for r in routes}))
    return receivers, timers


def _alerts(files: dict[str, str]) -> dict[tuple, dict[str, str]]:
    return {(rule["alert"], (rule.get("labels") or {}).get(conventions.LEVEL_LABEL, "")):
            {**{k: str(v) for k, v in (rule.get("labels") or {}).items()}, "alertname": rule["alert"]}
            for rule in rules_in(files) if "alert" in rule}


def _routing(base: dict[str, str], head: dict[str, str]) -> list[Change]:
    if ALERTMANAGER_CONFIG not in base or ALERTMANAGER_CONFIG not in head:
        return []
    old_config, new_config = yaml.safe_load(base[ALERTMANAGER_CONFIG]), yaml.safe_load(head[ALERTMANAGER_CONFIG])
    alerts = {**_alerts(base), **_alerts(head)}
    changes = []
    for (name, level), labels in sorted(alerts.items()):
        old_receivers, old_timers = _describe_routes(route(old_config, labels))
        new_receivers, new_timers = _describe_routes(route(new_config, labels))
        indicator = labels.get(conventions.INDICATOR_LABEL, "")
        subject = f"alert {name} ({level})" if level else f"alert {name}"
        if old_receivers != new_receivers:
            changes.append(Change(indicator, subject, "reaches", old_receivers, new_receivers))
        if old_timers != new_timers:
            changes.append(Change(indicator, subject, "notification timers", old_timers, new_timers))
    return changes


def _receivers(base: dict[str, str], head: dict[str, str]) -> list[Change]:
    if ALERTMANAGER_CONFIG not in base or ALERTMANAGER_CONFIG not in head:
        return []
    old = {r["name"]: r for r in yaml.safe_load(base[ALERTMANAGER_CONFIG]).get("receivers") or []}
    new = {r["name"]: r for r in yaml.safe_load(head[ALERTMANAGER_CONFIG]).get("receivers") or []}
    changes = []
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            changes.append(Change("", f"receiver {name}", "channels", _channels(old.get(name)), _channels(new.get(name))))
    return changes


def _channels(receiver: dict | None) -> str:
    if receiver is None:
        return "-"
    described = []
    for key, configs in sorted(receiver.items()):
        if key.endswith("_configs"):
            for config in configs:
                target = config.get("channel") or config.get("to") or config.get("url") or config.get("routing_key_file") or ""
                described.append(f"{key.removesuffix('_configs')} {target}".strip())
    return ", ".join(described) or "none"


# --- dashboards ------------------------------------------------------------------------------

def _panels(base: dict[str, str], head: dict[str, str]) -> list[Change]:
    """Panels matched by dashboard and panel id (stable per indicator), so a renamed indicator's
    panel shows as a new title, not as one panel removed and another added."""
    def panels(files: dict[str, str]) -> dict[tuple, tuple[str, dict]]:
        found = {}
        for path in sorted(files):
            if path.startswith("grafana/dashboards/") and path.endswith(".json"):
                dashboard = json.loads(files[path])
                for panel in dashboard.get("panels") or []:
                    if panel.get("type") != "row":
                        found[(dashboard.get("uid", path), panel.get("id"))] = (dashboard.get("title", path), panel)
        return found

    old, new = panels(base), panels(head)
    changes = []
    for key in sorted(set(old) | set(new), key=str):
        board, panel = new.get(key) or old[key]
        subject = f"panel '{panel.get('title', key[1])}' on {board}"
        if key not in old or key not in new:
            changes.append(Change("", subject, "added" if key not in old else "removed",
                                  "-" if key not in old else panel.get("type", ""), "-" if key in old else panel.get("type", "")))
            continue
        for aspect, read in (("title", lambda p: p.get("title", "")), ("type", lambda p: p.get("type", "")),
                             ("thresholds", _steps),
                             ("queries", lambda p: " | ".join(t.get("expr", "") for t in p.get("targets") or []))):
            if read(old[key][1]) != read(new[key][1]):
                changes.append(Change("", subject, aspect, read(old[key][1]), read(new[key][1])))
    return changes


def _steps(panel: dict) -> str:
    steps = (((panel.get("fieldConfig") or {}).get("defaults") or {}).get("thresholds") or {}).get("steps") or []
    return ", ".join(f"{step.get('color')} from {'-inf' if step.get('value') is None else format(step['value'], '.6g')}" for step in steps)


def report(changes: list[Change], base: str, head: str, titles: dict[str, str], markdown: bool):
    """The changes as prose for a pull-request comment (Markdown) or a terminal (text)."""
    by_indicator: dict[str, list[Change]] = {}
    for change in changes:
        by_indicator.setdefault(change.indicator, []).append(change)
    sections = [{"title": present.Markdown(f"{present.markdown(titles.get(indicator, indicator))} ({present.code(indicator)})") if markdown
                 else f"{titles.get(indicator, indicator)} ({indicator})",
                 "changes": items} for indicator, items in sorted(by_indicator.items()) if indicator]
    if "" in by_indicator:
        sections.append({"title": "Receivers, dashboards and other files", "changes": by_indicator[""]})
    return Prose("diff.md.j2" if markdown else "diff.txt.j2",
                 {"base": base, "head": head, "count": len(changes), "sections": sections})
