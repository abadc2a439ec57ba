"""What the monitoring will do differently: a semantic diff of two compilations.

It compares what the two compilations were rendered from (the rule plans, the Alertmanager
configurations, the dashboards), so it reports what will really change: alerts and recording
rules added or removed, thresholds, `for`, the rule group an alert moves to (which restarts its
`for`) and each group's evaluation interval, levels, severities, which receivers each alert
reaches and on what timers, when the inhibit rules mute it and which labels make one
notification of it, the time intervals those timers name (business hours, holidays, their time
zone), receivers' channels and their settings, the e-mail settings, where prometheus-operator
looks for rules and routing, and dashboard panels; any other generated file that changes is
listed by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler import conventions, present
from compiler.backends.alertmanager import receivers
from compiler.backends.alertmanager.routing import MONTHS
from compiler.backends.alertmanager.walk import inhibitions, parsed, route
from compiler.backends.outputs import Outputs
from compiler.backends.prometheus.plan import ALERT, Plan, Rule
from compiler.emit import Prose
from compiler.model import Spec
from compiler.pipeline import Compilation

ALERTMANAGER_CONFIG = "alertmanager/alertmanager.yaml"
# What a reviewer must see first: what fires, when, and who is told; wording and files last.
ASPECT_ORDER = ("removed", "added", "threshold", "for", "group", "evaluated every", "reaches", "muted", "grouped by", "level", "severity",
                "notification timers", "times", "expression", "channels", "dashboard", "title", "type", "thresholds", "queries")
# The templates the compiler writes into channels, by what they send.
TEMPLATES = {receivers.PAGERDUTY_SEVERITY: "the alerts' severity label (else error)"}
TIMERS = ("group_wait", "group_interval", "repeat_interval", "active_time_intervals", "mute_time_intervals")


@dataclass(frozen=True, order=True)
class Change:
    indicator: str  # the indicator id, or "" for changes that belong to no single indicator
    subject: str  # e.g. "alert MlopsActiveUsers (red)"
    aspect: str  # what changed: added, removed, threshold, for, severity, receivers, ...
    before: str
    after: str


def semantic_diff(base: Compilation, head: Compilation) -> list[Change]:
    old, new = base.outputs, head.outputs
    changes = (_rules(old.rules, new.rules) + _evaluation(old.rules, new.rules) + _routing(old, new) + _time_intervals(old, new)
               + _receivers(old, new) + _global(old, new) + _kubernetes(old, new) + _panels(old, new) + _other_files(base.files, head.files))
    # ties in order of aspect, then by value, so that the report is the same on every run
    return sorted(set(changes), key=lambda c: (c.indicator, c.subject.startswith("file "), _priority(c.aspect), c.subject,
                                               c.aspect, c.before, c.after))


def _priority(aspect: str) -> int:
    return ASPECT_ORDER.index(aspect) if aspect in ASPECT_ORDER else len(ASPECT_ORDER)


def _one_line(expr: str) -> str:
    return " ".join(expr.split())


def _other_files(base: dict[str, str], head: dict[str, str]) -> list[Change]:
    """Any other generated file that changes, so that nothing changes unreported. The Alertmanager
    config is compared only when both have one: the one that comes or goes is listed."""
    def semantic(path: str) -> bool:
        return path.startswith(("prometheus/", "grafana/dashboards/")) or path == ALERTMANAGER_CONFIG and path in base and path in head

    return [Change("", f"file {path}", "added" if path not in base else "removed" if path not in head else "changed", "", "")
            for path in sorted(set(base) | set(head)) if not semantic(path) and base.get(path) != head.get(path)]


# --- rules -----------------------------------------------------------------------------------

def _rule_key(rule: Rule) -> tuple:
    """Rules are matched across versions by kind, name, level and the override they judge (and a
    rollup by its labels), never by position or threshold."""
    when = rule.override.when if rule.override is not None else ()
    return (rule.kind, rule.name, rule.level if rule.kind == ALERT else rule.labels, when)


def _subject(rule: Rule) -> str:
    where = ", ".join(f"{label}={value}" for label, value in (rule.override.when if rule.override is not None else ()))
    if rule.kind == ALERT:
        return f"alert {rule.name} ({rule.level}{', ' + where if where else ''})"
    return f"recording rule {rule.name}{' (' + where + ')' if where else ''}"


def _indicator_of(rule: Rule) -> str:
    """The rule's indicator; a per-indicator rollup of the scorecard is its indicator's too."""
    return rule.indicator or rule.label(conventions.INDICATOR_LABEL)


def _groups(plan: Plan) -> dict[tuple, str]:
    """Each alert's rule group: Prometheus keeps a pending alert's state across a reload only
    within a group of the same name, so an alert that moves restarts its `for`."""
    return {_rule_key(rule): group.name for group in plan.groups() for rule in group.rules if rule.kind == ALERT}


def _rules(base: Plan, head: Plan) -> list[Change]:
    before = {_rule_key(rule): rule for rule in base.rules()}
    after = {_rule_key(rule): rule for rule in head.rules()}
    old_groups, new_groups = _groups(base), _groups(head)
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        rule = new if new is not None else before[key]
        indicator, subject = _indicator_of(rule), _subject(rule)
        if old is None or new is None:
            detail = _one_line(rule.expr) + (f" for {rule.hold}" if rule.hold else "")
            changes.append(Change(indicator, subject, "removed" if new is None else "added",
                                  detail if new is None else "-", "-" if new is None else detail))
            continue
        if old.thresholds != new.thresholds:
            changes.append(Change(indicator, subject, "threshold", ", ".join(old.thresholds), ", ".join(new.thresholds)))
        elif old.expr != new.expr:
            changes.append(Change(indicator, subject, "expression", _one_line(old.expr), _one_line(new.expr)))
        if (old.hold or "0s") != (new.hold or "0s"):
            changes.append(Change(indicator, subject, "for", old.hold or "0s", new.hold or "0s"))
        if key in old_groups and old_groups[key] != new_groups[key]:
            restarts = f" (a pending alert starts its for {new.hold} again)" if new.hold else ""
            changes.append(Change(indicator, subject, "group", old_groups[key], new_groups[key] + restarts))
        for old_values, new_values in ((dict(old.labels), dict(new.labels)), (dict(old.annotations), dict(new.annotations))):
            for name in sorted(set(old_values) | set(new_values)):
                if old_values.get(name) != new_values.get(name):
                    changes.append(Change(indicator, subject, name, old_values.get(name, "-"), new_values.get(name, "-")))
    return changes


def _evaluation(base: Plan, head: Plan) -> list[Change]:
    """Each rule group kept whose evaluation interval changes: its alerts are judged that much
    more or less often, so they fire and resolve up to one interval later or sooner."""
    old = {group.name: group.interval for group in base.groups()}
    changes = []
    for group in head.groups():
        if group.name in old and old[group.name] != group.interval:
            alerts = sum(rule.kind == ALERT for rule in group.rules)
            judged = f"{alerts} alert{'' if alerts == 1 else 's'}" if alerts else "no alerts"
            changes.append(Change("", f"rule group {group.name} ({judged})", "evaluated every",
                                  old[group.name] or "the global evaluation_interval", group.interval or "the global evaluation_interval"))
    return changes


# --- routing ---------------------------------------------------------------------------------

def _describe_routes(routes: list[dict]) -> tuple[str, str]:
    receivers = ", ".join(sorted({r["receiver"] for r in routes}))
    timers = "; ".join(sorted({", ".join(f"{k} {r[k] if not isinstance(r[k], list) else '+'.join(r[k])}"
                                         for k in TIMERS if r.get(k)) for r in routes}))
    return receivers, timers


def _alerts(plan: Plan) -> dict[tuple[str, str], dict[str, str]]:
    return {(rule.name, rule.level): {**dict(rule.labels), "alertname": rule.name} for rule in plan.rules() if rule.kind == ALERT}


def _routing(base: Outputs, head: Outputs) -> list[Change]:
    if not base.alertmanager or not head.alertmanager:
        return []
    # each version's alert with its own labels: a new `team` (owner) routes it elsewhere
    old_alerts, new_alerts = _alerts(base.rules), _alerts(head.rules)
    old_carried, new_carried = _carried(base.spec), _carried(head.spec)
    changes = []
    for (name, level), labels in sorted(new_alerts.items()):  # a removed alert's `removed` says all there is
        new_routes = route(head.alertmanager, labels)
        new_receivers, new_timers = _describe_routes(new_routes)
        indicator = labels.get(conventions.INDICATOR_LABEL, "")
        subject = f"alert {name} ({level})" if level else f"alert {name}"
        new_muted = _muted(head.alertmanager, labels, new_carried.get(indicator))
        if (name, level) not in old_alerts:  # a new alert says who it reaches and when it is muted
            changes.append(Change(indicator, subject, "reaches", "-", new_receivers))
            if new_muted != "never":
                changes.append(Change(indicator, subject, "muted", "-", new_muted))
            continue
        old_routes = route(base.alertmanager, old_alerts[name, level])
        old_receivers, old_timers = _describe_routes(old_routes)
        if old_receivers != new_receivers:
            changes.append(Change(indicator, subject, "reaches", old_receivers, new_receivers))
        if old_timers != new_timers:
            changes.append(Change(indicator, subject, "notification timers", old_timers, new_timers))
        if (old_muted := _muted(base.alertmanager, old_alerts[name, level], old_carried.get(indicator))) != new_muted:
            changes.append(Change(indicator, subject, "muted", old_muted, new_muted))
        old_grouped = _grouped(old_routes, old_alerts[name, level], old_carried.get(indicator))
        if old_grouped != (new_grouped := _grouped(new_routes, labels, new_carried.get(indicator))):
            changes.append(Change(indicator, subject, "grouped by", old_grouped, new_grouped))
    return changes


def _grouped(routes: list[dict], labels: dict[str, str], carried: frozenset[str] | None) -> str:
    """The labels whose values make one notification: a new one splits a notification in as many."""
    return "; ".join(sorted({_listed(_kept(leaf.get("group_by") or [], labels, carried), "and") or "nothing" for leaf in routes}))


def _kept(names: list[str], labels: dict[str, str], carried: frozenset[str] | None) -> list[str]:
    """Of an inhibit rule's `equal` or a route's `group_by` that holds the indicator, the labels the
    alert has: any other is empty on every alert of its indicator (Alertmanager's missing label),
    so another indicator's new tracking label changes nothing for it."""
    if carried is None or conventions.INDICATOR_LABEL not in names:
        return list(names)
    return [name for name in names if name in carried or name in labels]


def _carried(spec: Spec) -> dict[str, frozenset[str]]:
    """The labels each indicator's alerts carry besides the static ones."""
    return {indicator.id: frozenset((conventions.INDICATOR_LABEL, *spec.global_labels, *indicator.track_by)) for indicator in spec.indicators}


def _muted(config: dict, labels: dict[str, str], carried: frozenset[str] | None) -> str:
    """When the inhibit rules mute an alert, as the alerts that do it and the labels they must
    share: 'while a critical or red alert fires for the same indicator, cluster and model'."""
    sources: dict[tuple[str, ...], list[str]] = {}
    for rule in inhibitions(config, labels):
        sources.setdefault(tuple(_kept(rule.get("equal") or [], labels, carried)), []).append(_alert_matching(rule.get("source_matchers") or []))
    return "; ".join(f"while {_listed(alerts, 'or')} fires" + (f" for the same {_listed(list(equal), 'and')}" if equal else "")
                     for equal, alerts in sources.items()) or "never"


def _alert_matching(matchers: list[str]) -> str:
    """Source matchers as the alerts they take: `level="red"`, `alertname!~".+(ErrorBudgetBurn|Escalated)"`
    reads 'a red alert other than ErrorBudgetBurn and Escalated'; a matcher of another form as written."""
    levels, kinds, rest = "", "", []
    for matcher in matchers:
        label, operator, value = parsed(matcher)
        names = value.removeprefix(".+").removeprefix("(").removesuffix(")").split("|")
        if label == conventions.LEVEL_LABEL and operator in ("=", "=~"):
            levels = " or ".join(value.split("|"))
        elif label == "alertname" and value.startswith(".+") and operator == "=~":
            kinds = " or ".join(names)
        elif label == "alertname" and value.startswith(".+") and operator == "!~":
            rest.append(f"other than {' and '.join(names)}")
        else:
            rest.append(f"with {matcher}")
    return " ".join(part for part in ("a" if levels or kinds else "any", levels, kinds, "alert", *rest) if part)


def _listed(items: list[str], word: str) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def _time_intervals(base: Outputs, head: Outputs) -> list[Change]:
    """Each time interval whose days, times or time zone change: the notification timers name an
    interval, so a new time zone or a holiday less changes when people are told without
    changing any route."""
    if not base.alertmanager or not head.alertmanager:
        return []
    old, new = _intervals(base.alertmanager), _intervals(head.alertmanager)
    changes = []
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            used = _used(head, name) or _used(base, name)
            subject = f"time interval {name}" + (f" ({used})" if used else "")
            changes.append(Change("", subject, "times", _when(old.get(name)), _when(new.get(name))))
    return changes


def _intervals(config: dict) -> dict[str, list[dict]]:
    return {entry["name"]: entry.get("time_intervals") or [] for entry in config.get("time_intervals") or []}


def _used(built: Outputs, name: str) -> str:
    """Which levels' notifications the interval decides, as the routes the alerts reach use it:
    'yellow notified only within it', 'yellow muted within it'."""
    reached = [(level, leaf) for (_, level), labels in _alerts(built.rules).items() for leaf in route(built.alertmanager, labels)]
    said = []
    for key, what in (("active_time_intervals", "notified only within it"), ("mute_time_intervals", "muted within it")):
        if levels := sorted({level for level, leaf in reached if name in (leaf.get(key) or [])}):
            said.append(f"{', '.join(levels)} {what}")
    return "; ".join(said)


def _when(entries: list[dict] | None) -> str:
    """An interval as people read it: `monday:friday 09:00-17:00 (Europe/London)`, holidays
    `2026-12-25; 2026-12-26 (Europe/London)`; the time zone once when the entries share it."""
    if entries is None:
        return "-"
    if not entries:
        return "none"
    locations = {entry.get("location", "UTC") for entry in entries}
    shown = []
    for entry in entries:
        day = _day(entry)
        parts = [day] if day else [" ".join(entry[key]) for key in _CALENDAR if entry.get(key)]
        parts += [" ".join(entry.get("weekdays") or []),
                  " ".join(f"{span['start_time']}-{span['end_time']}" for span in entry.get("times") or [])]
        if len(locations) > 1:
            parts.append(f"({entry.get('location', 'UTC')})")
        shown.append(" ".join(part for part in parts if part))
    return "; ".join(shown) + (f" ({locations.pop()})" if len(locations) == 1 else "")


_CALENDAR = ("years", "months", "days_of_month")


def _day(entry: dict) -> str:
    """`2026-12-25` for an entry of one year, month and day of month (a holiday), else ""."""
    years, months, days = (entry.get(key) or [] for key in _CALENDAR)
    if not (len(years) == len(months) == len(days) == 1 and months[0] in MONTHS and days[0].isdigit() and years[0].isdigit()):
        return ""
    return f"{years[0]}-{MONTHS.index(months[0]) + 1:02d}-{int(days[0]):02d}"


def _receivers(base: Outputs, head: Outputs) -> list[Change]:
    """Each receiver's channels, then each setting of a channel it keeps (a PagerDuty severity, a
    webhook secret's file), so that no receiver changes with the same words before and after."""
    if not base.alertmanager or not head.alertmanager:
        return []
    old = {r["name"]: r for r in base.alertmanager.get("receivers") or []}
    new = {r["name"]: r for r in head.alertmanager.get("receivers") or []}
    changes = []
    for name in sorted(set(old) | set(new)):
        before, after = _channels(old.get(name)), _channels(new.get(name))
        if before != after:
            changes.append(Change("", f"receiver {name}", "channels", before, after))
        elif old[name] != new[name]:
            for kind, position in {(kind, position) for kind, configs in old[name].items() if kind.endswith("_configs")
                                   for position in range(len(configs))}:
                old_settings, new_settings = _flat(old[name][kind][position]), _flat(new[name][kind][position])
                changes += [Change("", f"receiver {name}", f"{kind.removesuffix('_configs')} {key}", old_settings.get(key, "-"),
                                   new_settings.get(key, "-"))
                            for key in sorted(set(old_settings) | set(new_settings)) if old_settings.get(key) != new_settings.get(key)]
    return changes


def _channels(receiver: dict | None) -> str:
    if receiver is None:
        return "-"
    described = []
    for key, configs in sorted(receiver.items()):
        if key.endswith("_configs"):
            for config in configs:
                described.append(f"{key.removesuffix('_configs')} {_target(config)}".strip())
    return ", ".join(described) or "none"


def _target(config: dict) -> str:
    return config.get("channel") or config.get("to") or config.get("url") or config.get("routing_key_file") or ""


def _flat(settings: dict, prefix: str = "") -> dict[str, str]:
    """A channel's settings as dotted keys (`http_config.authorization.credentials_file`), each as
    people read it: a template the compiler writes by what it sends."""
    flat: dict[str, str] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = TEMPLATES.get(str(value), _setting(value))
    return flat


def _setting(value: object) -> str:
    """A setting as its YAML reads: `true`, not Python's `True`."""
    return str(value).lower() if isinstance(value, bool) else _one_line(str(value))


def _global(base: Outputs, head: Outputs) -> list[Change]:
    """Alertmanager's global settings: the SMTP ones under the spec's names (`notifications.email`),
    with the receivers that send e-mail through them."""
    if not base.alertmanager or not head.alertmanager:
        return []
    old, new = base.alertmanager.get("global") or {}, head.alertmanager.get("global") or {}
    mailers = ", ".join(r["name"] for r in head.alertmanager.get("receivers") or [] if r.get("email_configs")) or "none"
    changes = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            subject = f"e-mail (receivers {mailers})" if key.startswith("smtp_") else "Alertmanager"
            name = {"smtp_from": "from"}.get(key, key.removeprefix("smtp_"))
            changes.append(Change("", subject, name, _setting(old.get(key, "-")), _setting(new.get(key, "-"))))
    return changes


def _kubernetes(base: Outputs, head: Outputs) -> list[Change]:
    """Where prometheus-operator looks: PrometheusRules its ruleSelector no longer matches, or an
    Alertmanager Secret of another name, silence every alert without any rule or route changing."""
    if not all("kubernetes" in built.spec.output.targets for built in (base, head)):
        return []
    reads = (("namespace", lambda built: built.spec.output.kubernetes.namespace),
             ("PrometheusRule labels", lambda built: ", ".join(f"{k}={v}" for k, v in built.spec.output.kubernetes.rule_labels) or "none"),
             ("Alertmanager Secret", lambda built: conventions.alertmanager_secret(built.spec) if built.alertmanager else "-"))
    return [Change("", "Kubernetes objects", aspect, read(base), read(head)) for aspect, read in reads if read(base) != read(head)]


# --- dashboards ------------------------------------------------------------------------------

def _panels(base: Outputs, head: Outputs) -> list[Change]:
    """Panels matched by dashboard and panel id (stable per indicator), so a renamed indicator's
    panel shows as a new title, not as one panel removed and another added; the parts of a big
    category's dashboard count as one, so a panel that moves to another part shows as moved."""
    def panels(built: Outputs) -> dict[tuple, tuple[str, str, dict]]:
        spec = built.spec
        first = {conventions.category_uid(spec, indicator.category, part): conventions.category_uid(spec, indicator.category)
                 for indicator in spec.indicators if (part := built.dashboard_parts.get(indicator.id))}
        return {(first.get(uid, uid), panel.get("id")): (uid, board.get("title", uid), panel) for uid, board in sorted(built.dashboards.items())
                for panel in board.get("panels") or [] if panel.get("type") != "row"}

    old, new = panels(base), panels(head)
    changes = []
    for key in sorted(set(old) | set(new), key=str):
        _, board, panel = new.get(key) or old[key]
        subject = f"panel '{panel.get('title', key[1])}' on {board}"
        if key not in old or key not in new:
            changes.append(Change("", subject, "added" if key not in old else "removed",
                                  "-" if key not in old else panel.get("type", ""), "-" if key in old else panel.get("type", "")))
            continue
        if old[key][0] != new[key][0]:  # moved to another part of its category's dashboard
            changes.append(Change("", subject, "dashboard", old[key][1], board))
        for aspect, read in (("title", lambda p: p.get("title", "")), ("type", lambda p: p.get("type", "")),
                             ("thresholds", _steps),
                             ("queries", lambda p: " | ".join(t.get("expr", "") for t in p.get("targets") or []))):
            if read(old[key][2]) != read(new[key][2]):
                changes.append(Change("", subject, aspect, read(old[key][2]), read(new[key][2])))
    return changes


def _steps(panel: dict) -> str:
    steps = (((panel.get("fieldConfig") or {}).get("defaults") or {}).get("thresholds") or {}).get("steps") or []
    return ", ".join(f"{step.get('color')} from {'-inf' if step.get('value') is None else format(step['value'], '.6g')}" for step in steps)


SHARED = "Rule groups, time intervals, receivers, e-mail, Kubernetes objects, dashboards and other files"  # of no single indicator


def report(changes: list[Change], base: str, head: str, titles: dict[str, str], markdown: bool):
    """The changes as prose for a pull-request comment (Markdown) or a terminal (text)."""
    by_indicator: dict[str, list[Change]] = {}
    for change in changes:
        by_indicator.setdefault(change.indicator, []).append(change)
    sections = [{"title": present.Markdown(f"{present.markdown(titles.get(indicator, indicator))} ({present.code(indicator)})") if markdown
                 else f"{titles.get(indicator, indicator)} ({indicator})",
                 "changes": items} for indicator, items in sorted(by_indicator.items()) if indicator]
    if "" in by_indicator:
        sections.append({"title": SHARED, "changes": by_indicator[""]})
    return Prose("diff.md.j2" if markdown else "diff.txt.j2",
                 {"base": base, "head": head, "count": len(changes), "sections": sections})
