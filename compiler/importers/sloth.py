"""Sloth's service levels: `version: prometheus/v1` files and the `PrometheusServiceLevel`
CRD (`sloth.slok.dev/v1`), read into tool-neutral SLOs. Sloth writes its keys in snake_case in
the first and camelCase in the second (and its own examples mix them): both are read."""

from __future__ import annotations

import re

from compiler.importers import DEFAULT_PERIOD, Slo, Where, mapping
from compiler.problems import Finding

TOOL = "sloth"
CRD = ("sloth.slok.dev/v1", "PrometheusServiceLevel")


def _get(data: dict, camel: str):
    """data[camel], or the same key in snake_case (errorQuery, error_query)."""
    return data.get(camel, data.get(re.sub(r"([A-Z])", r"_\1", camel).lower()))


def _key(data: dict, camel: str) -> str:
    snake = re.sub(r"([A-Z])", r"_\1", camel).lower()
    return camel if camel in data else snake


def parse(documents) -> tuple[list[Slo], list, list[Finding]]:
    slos: list[Slo] = []
    notes: list = []
    errors: list[Finding] = []
    for document in documents:
        root = Where(document, ())
        data = mapping(root, document.data, "a Sloth service level", errors)
        if not data:
            continue
        if data.get("version") == "prometheus/v1":
            body, where = data, root
        elif (data.get("apiVersion"), data.get("kind")) == CRD:
            where = root.at("spec")
            body = mapping(where, data.get("spec"), "the service level's spec", errors)
        else:
            found = data.get("version") or f"{data.get('apiVersion')} {data.get('kind')}"
            errors.append(root.at("version" if "version" in data else "kind").problem(
                f"unsupported document kind '{found}'", "Sloth files are 'version: prometheus/v1' or a PrometheusServiceLevel "
                "(apiVersion: sloth.slok.dev/v1)", severity="error"))
            continue
        slos += _service(body, where, errors)
    return slos, notes, errors


def _service(body: dict, where: Where, errors: list[Finding]) -> list[Slo]:
    service = body.get("service")
    if not isinstance(service, str) or not service:
        errors.append(where.at("service").problem("a service level needs a 'service' name", severity="error"))
        return []
    labels = {str(k): str(v) for k, v in mapping(where.at("labels"), body.get("labels") or {}, "labels", errors).items()}
    slos = body.get("slos")
    if not isinstance(slos, list) or not slos:
        errors.append(where.at("slos").problem("a service level needs a list of 'slos'", severity="error"))
        return []
    found = []
    for index, raw in enumerate(slos):
        slo = _slo(service, labels, mapping(where.at("slos", index), raw, "an SLO", errors), where.at("slos", index), errors)
        if slo is not None:
            found.append(slo)
    return found


def _slo(service: str, service_labels: dict, raw: dict, where: Where, errors: list[Finding]) -> Slo | None:
    if not raw:
        return None
    name, objective = raw.get("name"), raw.get("objective")
    if not isinstance(name, str) or not name:
        errors.append(where.at("name").problem("an SLO needs a 'name'", severity="error"))
        return None
    if isinstance(objective, bool) or not isinstance(objective, (int, float)) or not 0 < objective < 100:
        errors.append(where.at("objective").problem("the objective must be a percentage between 0 and 100, e.g. 99.9", severity="error"))
        return None
    sli = mapping(where.at("sli"), raw.get("sli"), "an SLI (events or raw)", errors)
    notes = []
    events, rawsli = sli.get("events"), sli.get("raw")
    if "plugin" in sli:
        errors.append(where.at("sli", "plugin").problem(
            "a plugin SLI cannot be imported: its queries are Go code", "write its queries as an events or raw SLI first", severity="error"))
        return None
    if isinstance(events, dict) and _get(events, "errorQuery") and _get(events, "totalQuery"):
        queries = {"errors": str(_get(events, "errorQuery")), "total": str(_get(events, "totalQuery"))}
    elif isinstance(rawsli, dict) and _get(rawsli, "errorRatioQuery"):
        queries = {"error_ratio": str(_get(rawsli, "errorRatioQuery"))}
    else:
        errors.append(where.at("sli").problem("an SLI needs events (errorQuery and totalQuery) or raw (errorRatioQuery)", severity="error"))
        return None
    labels = {**service_labels, **{str(k): str(v) for k, v in (raw.get("labels") or {}).items()}}
    alerting: dict = raw["alerting"] if isinstance(raw.get("alerting"), dict) else {}
    at = where.at("alerting")
    labels.update({str(k): str(v) for k, v in (alerting.get("labels") or {}).items()})
    if alerting.get("name"):
        notes.append((at.at("name"), f"alert name {alerting['name']}: the indicator's alerts have generated names; "
                                     "route on its `indicator` and `level` labels"))
    severities, wanted = [], {}
    for kind, key in (("page", "pageAlert"), ("ticket", "ticketAlert")):
        alert = _get(alerting, key) if isinstance(_get(alerting, key), dict) else {}
        wanted[kind] = not alert.get("disable", False)
        alert_at = at.at(_key(alerting, key))
        for label, value in (alert.get("labels") or {}).items():
            if label == "severity":
                severities.append((kind, str(value)))
            else:
                notes.append((alert_at.at("labels", label), f"{kind} alert label {label}={value}: labels per alert are not "
                                                             f"imported; route on level=\"{kind}\""))
        for annotation in alert.get("annotations") or {}:
            notes.append((alert_at.at("annotations", annotation), f"{kind} alert annotation {annotation}: annotations per alert are not imported"))
    team = labels.pop("owner", None) or labels.get("team")
    return Slo(where=where, tool=TOOL, service=service, name=name, description=str(raw.get("description") or ""),
               objective=objective / 100, period=DEFAULT_PERIOD, labels=tuple(sorted(labels.items())),
               annotations=tuple(sorted((str(k), str(v)) for k, v in (alerting.get("annotations") or {}).items())),
               team=team, page=wanted["page"], ticket=wanted["ticket"], severities=tuple(severities), notes=tuple(notes), **queries)
