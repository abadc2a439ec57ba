"""OpenSLO `openslo/v1` documents (SLO, SLI, AlertPolicy, AlertCondition, Service, DataSource,
AlertNotificationTarget), one or several per file, or a list of them, read into tool-neutral
SLOs. Only SLOs whose SLI reads Prometheus can be imported; the other kinds hold nothing a spec
needs (services become groups through the SLOs that name them)."""

from __future__ import annotations

import re

from compiler import durations
from compiler.importers import WINDOW, Slo, Where, complement, counter_query, mapping
from compiler.problems import Finding

TOOL = "openslo"
API_VERSION = "openslo/v1"
KINDS = ("SLO", "SLI", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "Service", "DataSource")
# OpenSLO durations with units a spec has not: taken as days, and said so
LONG_UNITS = {"M": 30, "Q": 90}
THRESHOLD_OPS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
TIME_SLICE_STEP = "1m"  # a threshold SLI is read once a minute over the period


def parse(documents) -> tuple[list[Slo], list, list[Finding]]:
    items: list[tuple[Where, dict]] = []
    notes: list = []
    errors: list[Finding] = []
    for document in documents:
        root = Where(document, ())
        entries = list(enumerate(document.data)) if isinstance(document.data, list) else [(None, document.data)]
        for index, data in entries:
            where = root if index is None else root.at(index)
            data = mapping(where, data, "an OpenSLO object", errors)
            if data:
                items.append((where, data))
    named: dict[tuple[str, str], tuple[Where, dict]] = {}
    for where, data in items:
        version, kind = data.get("apiVersion"), data.get("kind")
        if version != API_VERSION:
            errors.append(where.at("apiVersion").problem(f"unsupported apiVersion '{version}'", f"only {API_VERSION} is read", severity="error"))
        elif kind not in KINDS:
            errors.append(where.at("kind").problem(f"unsupported document kind '{kind}'", f"OpenSLO kinds are {', '.join(KINDS)}", severity="error"))
        else:
            named[(kind, str((data.get("metadata") or {}).get("name")))] = (where, data)
    slos: list[Slo] = []
    used: set[tuple[str, str]] = set()
    for (kind, name), (where, data) in named.items():
        if kind == "SLO":
            slos += _slo(name, where, data, named, used, notes, errors)
    for (kind, name), (where, _) in named.items():
        if kind in ("SLI", "AlertPolicy", "AlertCondition") and (kind, name) not in used:
            notes.append((where, f"{kind} {name}: no SLO in the input refers to it; not imported"))
        elif kind not in ("SLO", "SLI", "AlertPolicy", "AlertCondition"):
            notes.append((where, f"{kind} {name}: not imported, a spec has no such object"))
    return slos, notes, errors


def _slo(name: str, where: Where, data: dict, named: dict, used: set, notes: list, errors: list[Finding]) -> list[Slo]:
    spec_at = where.at("spec")
    spec = mapping(spec_at, data.get("spec"), "the SLO's spec", errors)
    if not spec:
        return []
    service = spec.get("service")
    if not isinstance(service, str) or not service:
        errors.append(spec_at.at("service").problem("an SLO needs a 'service'", severity="error"))
        return []
    local: list[tuple[Where, str]] = []
    indicator_at, indicator = _indicator(spec_at, spec, named, used, errors)
    if indicator is None:
        return []
    objectives = spec.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        errors.append(spec_at.at("objectives").problem("an SLO needs a list of 'objectives'", severity="error"))
        return []
    period = _period(spec_at, spec, local)
    method = spec.get("budgetingMethod", "Occurrences")
    if method != "Occurrences":
        local.append((spec_at.at("budgetingMethod"), f"budgetingMethod {method}: imported as Occurrences (the ratio of "
                                                     "events over the period), not as the share of good time slices"))
    for policy in spec.get("alertPolicies") or []:
        local.append((spec_at.at("alertPolicies"), f"alert policy {_policy(policy, named, used)}: not imported; the indicator "
                                                   "has the default multi-window burn rates (14.4x and 6x page, 3x and 1x ticket)"))
    labels, team = _labels(where.at("metadata", "labels"), (data.get("metadata") or {}).get("labels") or {}, local)
    found = []
    for index, objective in enumerate(objectives):
        at = spec_at.at("objectives", index)
        objective = mapping(at, objective, "an objective", errors)
        percent = objective.get("targetPercent")
        target = objective.get("target", percent / 100 if isinstance(percent, (int, float)) and not isinstance(percent, bool) else None)
        if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target < 1:
            errors.append(at.at("target").problem("an objective needs a target between 0 and 1 (or targetPercent)", severity="error"))
            continue
        queries = _queries(indicator_at, indicator, objective, at, notes)
        if queries is None:
            continue
        title = name if len(objectives) == 1 else f"{name}-{objective.get('displayName') or index + 1}"
        found.append(Slo(where=where, tool=TOOL, service=service, name=title, description=str(spec.get("description") or ""),
                         objective=float(target), period=period, labels=labels, team=team, notes=tuple(local), **queries))
    return found


def _indicator(spec_at: Where, spec: dict, named: dict, used: set, errors: list[Finding]) -> tuple[Where, dict | None]:
    """The SLI's spec: inline (`indicator`) or the SLI document `indicatorRef` names."""
    if isinstance(spec.get("indicator"), dict):
        at = spec_at.at("indicator", "spec")
        return at, mapping(at, spec["indicator"].get("spec"), "the indicator's spec", errors) or None
    reference = spec.get("indicatorRef")
    if ("SLI", str(reference)) in named:
        used.add(("SLI", str(reference)))
        where, data = named[("SLI", str(reference))]
        return where.at("spec"), mapping(where.at("spec"), data.get("spec"), "the SLI's spec", errors) or None
    errors.append(spec_at.at("indicatorRef" if reference else "indicator").problem(
        f"the SLI '{reference}' is not in the input" if reference else "an SLO needs an indicator or an indicatorRef",
        "pass the file that holds it too" if reference else "", severity="error"))
    return spec_at, None


def _queries(at: Where, sli: dict, objective: dict, objective_at: Where, notes: list) -> dict | None:
    """Slo query fields for a Prometheus SLI, or None with a note saying why it is not imported."""
    if "ratioMetric" in sli:
        ratio, at = sli["ratioMetric"] or {}, at.at("ratioMetric")
        found = {role: _prometheus(at.at(role), ratio.get(role), notes) for role in ("good", "bad", "total", "raw") if role in ratio}
        sources = {role: query for role, query in found.items() if query is not None}
        if len(sources) < len(found):
            return None
        if "raw" in sources:
            raw = sources["raw"]
            return {"good_ratio": raw} if ratio.get("rawType") == "success" else {"error_ratio": raw}
        if not ratio.get("counter", True):
            notes.append((at.at("counter"), "a ratio of gauges (counter: false): what each sample counts is unknown, not imported"))
            return None
        counted = {role: query if WINDOW in query else counter_query(query) for role, query in sources.items()}
        windowed = {role: query for role, query in counted.items() if query is not None}
        if len(windowed) < len(sources) or "total" not in windowed:
            notes.append((at, "a ratio needs total and good or bad, each a counter selector (optionally summed) or a query "
                              "with {{.window}}: not imported"))
            return None
        if "bad" in windowed:
            return {"errors": windowed["bad"], "total": windowed["total"]}
        errors = complement(windowed["good"], windowed["total"])
        return {"errors": errors, "total": windowed["total"]} if errors else {"good_ratio": f"({windowed['good']})\n/\n({windowed['total']})"}
    if "thresholdMetric" in sli:
        query = _prometheus(at.at("thresholdMetric"), sli["thresholdMetric"], notes)
        op, value = THRESHOLD_OPS.get(str(objective.get("op"))), objective.get("value")
        if query is None:
            return None
        if op is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            notes.append((objective_at, "a threshold SLI needs the objective's op (lt, lte, gt, gte) and value: not imported"))
            return None
        # the share of the period's minutes at which the value meets the objective
        return {"good_ratio": f"avg_over_time((({query.strip()}) {op} bool {value})[{WINDOW}:{TIME_SLICE_STEP}])"}
    notes.append((at, "an SLI needs a ratioMetric or a thresholdMetric: not imported"))
    return None


def _prometheus(at: Where, metric: object, notes: list) -> str | None:
    source = (metric or {}).get("metricSource") if isinstance(metric, dict) else None
    kind = (source or {}).get("type")
    query = ((source or {}).get("spec") or {}).get("query")
    if not isinstance(kind, str) or kind.lower() != "prometheus" or not isinstance(query, str):
        notes.append((at.at("metricSource"), f"the SLI reads {kind or 'no metric source'}, not a Prometheus query: the SLO is not imported"))
        return None
    return query


def _period(spec_at: Where, spec: dict, notes: list) -> str:
    window = (spec.get("timeWindow") or [{}])[0]
    at = spec_at.at("timeWindow", 0)
    raw = str(window.get("duration") or "30d")
    match = re.fullmatch(r"([0-9]+)([mhdwMQY])", raw)
    if match is None:
        notes.append((at.at("duration"), f"duration {raw}: not an OpenSLO duration; the period is 30d"))
        return "30d"
    count, unit = int(match.group(1)), match.group(2)
    if window.get("isRolling") is False:
        notes.append((at, "a calendar-aligned window (startTime, timeZone): imported as a rolling window of the same length"))
    if unit in LONG_UNITS:
        notes.append((at.at("duration"), f"duration {raw}: taken as {count * LONG_UNITS[unit]} days"))
        return f"{count * LONG_UNITS[unit]}d"
    period = f"{count}{unit.lower()}"
    durations.seconds(period)  # every remaining unit is one of the spec's
    return period


def _labels(at: Where, raw: object, notes: list) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """OpenSLO label values are lists: a single value becomes a label (`team` also the team)."""
    labels, team = {}, None
    for name, value in (raw.items() if isinstance(raw, dict) else []):
        values = value if isinstance(value, list) else [value]
        if len(values) != 1:
            notes.append((at.at(name), f"label {name} with {len(values)} values: an alert label holds one"))
            continue
        labels[str(name)] = str(values[0])
        team = str(values[0]) if name == "team" else team
    return tuple(sorted(labels.items())), team


def _policy(policy: object, named: dict, used: set) -> str:
    """An alert policy, by name or inline, with its burn-rate conditions, for the note."""
    if isinstance(policy, dict):
        name, spec = (policy.get("metadata") or {}).get("name"), policy.get("spec") or {}
    else:
        used.add(("AlertPolicy", str(policy)))
        name, spec = str(policy), (named.get(("AlertPolicy", str(policy)), (None, {}))[1].get("spec") or {})
    conditions = []
    for condition in spec.get("conditions") or []:
        if isinstance(condition, dict) and "conditionRef" in condition:
            used.add(("AlertCondition", str(condition["conditionRef"])))
            condition = named.get(("AlertCondition", str(condition["conditionRef"])), (None, {}))[1]
        body = ((condition or {}).get("spec") or {}).get("condition") or {}
        if body:
            conditions.append(f"burn rate {body.get('op')} {body.get('threshold')} over {body.get('lookbackWindow')}")
    return f"{name} ({'; '.join(conditions)})" if conditions else str(name)
