"""`indicators import`: other tools' SLOs as an indicators/v1 spec. Pure: files in, text out.

Each tool's module reads its documents into tool-neutral `Slo` values; this module owns what an
SLO becomes (an `availability` indicator where the queries are rates of series selectors, an
`expr` indicator otherwise), the catalogue inferred from the queries, the escalation that keeps
Sloth's page/ticket split, and the one emitter that writes the spec with comments, because
PyYAML cannot write comments and whatever does not map must be said, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import promql_parser

from compiler import conventions, emit, loader, pipeline, promql, spec as specs
from compiler.problems import Problem, SpecError

WINDOW = "{{.window}}"  # Sloth's placeholder for the window a query is evaluated over
SPEC_NAME = "slo"  # short: alert names are the spec name, the id and a suffix, at most 40 characters
CATEGORY = "slos"
DEFAULT_PERIOD = "30d"
# Sloth's page alert is the SRE workbook's 14.4x and 6x burns, its ticket alert 3x and 1x: the
# compiler's default burn rates. The warning sign sits where a 6x burn crosses it, so page burns
# raise the `page` level and ticket burns only the target's `ticket` level.
PAGE_BURNS = tuple(burn for burn in specs.DEFAULT_BURN_RATES if burn["factor"] >= 6)
TICKET_BURNS = tuple(burn for burn in specs.DEFAULT_BURN_RATES if burn["factor"] < 6)
PAGE_FACTOR = min(burn["factor"] for burn in PAGE_BURNS)
# labels every generated alert sets itself: an imported label of that name would be overwritten
RESERVED_LABELS = {conventions.SEVERITY_LABEL, conventions.LEVEL_LABEL, conventions.INDICATOR_LABEL,
                   conventions.CATEGORY_LABEL, conventions.GROUP_LABEL, conventions.OWNER_LABEL}
GENERATED_ANNOTATIONS = {"summary", "description", "runbook_url", "dashboard_url"}
LONGEST_SUFFIX = max((conventions.BURN_RATE_SUFFIX, conventions.NO_DATA_SUFFIX, conventions.ESCALATED_SUFFIX), key=len)


@dataclass(frozen=True)
class Where:
    """A place in an input file, for warnings and the comments that cite them."""

    document: loader.Document = field(compare=False)
    path: tuple

    def at(self, *more) -> Where:
        return Where(self.document, self.path + more)

    def problem(self, message: str, hint: str = "", severity: str = "warning") -> Problem:
        return replace(self.document.problem(self.path, message, hint), severity=severity)

    def cite(self) -> str:
        where = self.document.locate(self.path)
        return f"{where.file}:{where.line}"


@dataclass(frozen=True)
class Slo:
    """One SLO as both tools describe it. Queries keep `{{.window}}` where the window goes;
    `errors`/`total` are an events SLI, `error_ratio` a raw one."""

    where: Where
    tool: str
    service: str
    name: str
    description: str
    objective: float  # 0..1
    period: str
    errors: str | None = None
    total: str | None = None
    error_ratio: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    team: str | None = None
    page: bool = True  # the page (14.4x, 6x) and ticket (3x, 1x) burn alerts are wanted
    ticket: bool = True
    severities: tuple[tuple[str, str], ...] = ()  # (page|ticket, the severity label the tool set)
    notes: tuple[tuple[Where, str], ...] = ()  # what did not map: a comment and a warning each


@dataclass(frozen=True)
class Result:
    text: str  # the spec, with comments
    warnings: tuple[Problem, ...]
    indicators: int


def read(sources: list[tuple[str, bytes]], parse) -> tuple[list[Slo], list[tuple[Where, str]]]:
    """Every file's documents through one tool's `parse(documents) -> (slos, notes, errors)`.
    Raises SpecError with every located error; nothing is imported from a file set that has one."""
    slos, notes, errors = [], [], []
    for name, raw in sources:
        documents, problems = loader.load_stream(name, raw)
        errors += problems
        if not problems and not documents:
            errors.append(Problem(name, 1, 1, "", "the file is empty"))
        found, skipped, wrong = parse(documents)
        slos += found
        notes += skipped
        errors += wrong
    if errors:
        raise SpecError(errors)
    return slos, notes


def mapping(where: Where, value: object, what: str, errors: list[Problem]) -> dict:
    """`value` when it is a mapping, else {} and a located error."""
    if isinstance(value, dict):
        return value
    errors.append(where.problem(f"expected {what} (a mapping)", severity="error"))
    return {}


def window_selector(query: str) -> tuple[str, tuple[str, ...]] | None:
    """(series selector, by labels) when `query` is `sum [by (...)] (rate(SELECTOR[{{.window}}]))`,
    the one shape whose meaning an availability measure keeps; None for any other."""
    try:
        node = promql.parse(query.replace(WINDOW, "5m"))
    except promql.PromQLError:
        return None
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    if not isinstance(node, promql_parser.AggregateExpr) or str(node.op) != "sum" or node.param is not None:
        return None
    modifier = node.modifier
    if modifier is not None and modifier.type != promql_parser.AggModifierType.By:
        return None
    call = node.expr
    while isinstance(call, promql_parser.ParenExpr):
        call = call.expr
    if not (isinstance(call, promql_parser.Call) and call.func.name == "rate" and isinstance(call.args[0], promql_parser.MatrixSelector)):
        return None
    selector = call.args[0].vector_selector
    if selector.name is None or selector.offset is not None or selector.at is not None or f"[{WINDOW}]" not in query:
        return None
    return str(selector).removesuffix("{}"), tuple(modifier.labels) if modifier is not None else ()


def identifier(text: str, prefix: str = "x") -> str:
    """`requests-availability` -> `requests_availability`: a spec id (snake_case, a letter first)."""
    snake = re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text).lower())).strip("_")
    return snake if snake[:1].isalpha() else f"{prefix}_{snake}".strip("_")


def _indicator_id(slo: Slo, taken: set[str]) -> str:
    """The SLO's name as an id short enough for every alert name it gets, and unique."""
    room = conventions.MAX_ALERT_NAME - len(conventions.camel(SPEC_NAME)) - len(LONGEST_SUFFIX) - 2  # 2: a _N suffix
    words = identifier(slo.name).split("_")
    while len(words) > 1 and len(conventions.camel("_".join(words))) > room:
        words.pop()
    base = "_".join(words)
    base = base if len(conventions.camel(base)) <= room else base[:room]  # one word, longer than the room
    chosen, number = base, 2
    while chosen in taken:
        chosen, number = f"{base}_{number}", number + 1
    taken.add(chosen)
    return chosen


def _number(value: float) -> float:
    """1 - 6 x 0.001 is 0.9940000000000001 in binary: spec numbers are written to 12 digits."""
    return float(f"{value:.12g}")


def _measure(slo: Slo, metrics: dict, notes: list[tuple[Where, str]]) -> tuple[dict, tuple[str, ...]]:
    """(measure, track_by): availability over two selectors, or the error ratio as an expr."""
    errors = window_selector(slo.errors) if slo.errors else None
    total = window_selector(slo.total) if slo.total else None
    if errors and total and errors[1] == total[1]:
        for selector in (errors[0], total[0]):
            _catalogue(metrics, selector, slo)
        body = {"errors": errors[0], "total": total[0]}
        if slo.period != DEFAULT_PERIOD:
            body["period"] = slo.period
        if not (slo.page and slo.ticket):
            body["burn_rates"] = [dict(burn) for burn in (PAGE_BURNS if slo.page else TICKET_BURNS)]
        return {"availability": body}, errors[1]
    ratio = slo.error_ratio if slo.error_ratio else f"({slo.errors})\n/\n({slo.total})"
    expr = f"1 - (\n{ratio.strip()}\n)".replace(WINDOW, slo.period)
    kind = "a raw error-ratio SLI" if slo.error_ratio else "its queries are not sum(rate(SELECTOR[{{.window}}]))"
    notes.append((slo.where, f"imported as an expr indicator ({kind}): its value is the availability over {slo.period}, "
                             "and it alerts on that value, not on burn rates"))
    for found in promql.series_read(expr):
        _catalogue(metrics, found.name, slo, "counter" if found.in_range_function else "gauge", found.labels)
    return {"expr": expr}, ()


def _catalogue(metrics: dict, selector: str, slo: Slo, kind: str = "counter", labels: tuple[str, ...] = ()) -> None:
    """Add what a query reads to the catalogue: a histogram's _count/_bucket/_sum as the
    histogram, anything else as `kind`; labels are those its matchers name."""
    read = promql.series_read(selector)[0] if "{" in selector or "(" not in selector else None
    name = read.name if read else selector
    used = set(read.labels if read else ()) | set(labels)
    base = next((name[: -len(suffix)] for suffix in ("_bucket", "_count", "_sum") if name.endswith(suffix) and kind == "counter"), None)
    entry_name, entry_type = (base, "histogram") if base else (name, kind)
    used.discard("le")
    entry = metrics.setdefault(entry_name, {"type": entry_type, "help": f"Read by the {slo.tool} SLO {slo.service}/{slo.name}.",
                                            "labels": [], "_read_by": slo.where})
    entry["labels"] = sorted(set(entry["labels"]) | used)


def _thresholds(objective: float) -> tuple[float, float]:
    """(target, warning): the target is the objective; the warning sign is the availability a
    6x burn reaches, so the page burns raise the warning sign's level and ticket burns the target's."""
    return _number(objective), _number(max(0.0, 1 - PAGE_FACTOR * (1 - objective)))


def build(tool: str, slos: list[Slo], notes: list[tuple[Where, str]]) -> Result:
    """The spec text for these SLOs, and a warning for every comment that says what did not map."""
    if not slos:
        problems = [where.problem(f"nothing to import: no {tool} SLO in the input", severity="error") for where, _ in notes[:1]]
        raise SpecError(problems or [Problem("<input>", 1, 1, "", f"nothing to import: no {tool} SLO in the input")])
    metrics: dict = {}
    taken: set[str] = set()
    entries, warnings = [], [where.problem(message) for where, message in notes]
    for slo in slos:
        local = list(slo.notes)
        measure, track_by = _measure(slo, metrics, local)
        target, warning = _thresholds(slo.objective)
        indicator = {"id": _indicator_id(slo, taken), "title": f"{slo.service} {slo.name}", "category": CATEGORY,
                     "group": identifier(slo.service, "s"), "definition": slo.description or f"The {tool} SLO {slo.name} of {slo.service}.",
                     "team": identifier(slo.team or slo.service, "t"), "measure": measure, "unit": "ratio", "good": "higher",
                     "target": target, "warning": warning}
        if track_by:
            indicator["track_by"] = list(track_by)
        labels = {}
        for name, value in slo.labels:
            if name in RESERVED_LABELS:
                local.append((slo.where, f"label {name}={value}: every generated alert sets '{name}' itself"))
            else:
                labels[name] = value
        annotations = {}
        for name, value in slo.annotations:
            if name in ("runbook", "runbook_url") and re.match(r"^https?://", value):
                indicator["runbook_url"] = value
            elif name in GENERATED_ANNOTATIONS or "{{" in value:
                why = "the compiler writes it" if name in GENERATED_ANNOTATIONS else "Go template text would print literally"
                local.append((slo.where, f"annotation {name}: {why}"))
            else:
                annotations[name] = value
        if labels:
            indicator["labels"] = labels
        if annotations:
            indicator["annotations"] = annotations
        if not (slo.page or slo.ticket):
            local.append((slo.where, "both page and ticket alerts are disabled: the indicator still has burn-rate alerts"))
        warnings += [where.problem(message) for where, message in local]
        entries.append((indicator, [f"{message} ({where.cite()})" for where, message in local], slo))
    for name in sorted(metrics):
        warnings.append(metrics[name].pop("_read_by").problem(
            f"metric {name}: type ({metrics[name]['type']}), labels and help inferred from the queries; check them against the exporter"))
    return Result(_text(tool, entries, metrics, [f"{message} ({where.cite()})" for where, message in notes], slos),
                  tuple(sorted(warnings)), len(entries))


def _severity(slos: list[Slo], alert: str, default: str) -> str:
    """The severity label the tool gave every SLO's `alert`, when they agree and it fits."""
    found = {value for slo in slos for kind, value in slo.severities if kind == alert}
    return found.pop() if len(found) == 1 and re.fullmatch(r"[a-z]+", next(iter(found))) else default


def _section(data: dict) -> str:
    return emit.yaml_text(data)


def _text(tool: str, entries: list, metrics: dict, notes: list[str], slos: list[Slo]) -> str:
    teams = sorted({entry[0]["team"] for entry in entries})
    groups = {entry[0]["group"]: entry[2].service for entry in entries}
    lines = [f"# Imported from {tool} by `indicators import {tool}`. Review every comment, then run",
             "# `indicators validate` on this file. Not imported (each also printed as a warning):" if notes else
             "# `indicators validate` on this file."]
    lines += [f"#   {note}" for note in notes]
    lines.append(_section({"apiVersion": "indicators/v1", "metadata": {"name": SPEC_NAME, "title": f"Imported from {tool}"}}).rstrip())
    lines.append(_section({"categories": {CATEGORY: {"title": "Service level objectives", "groups": dict(sorted(groups.items()))}}}).rstrip())
    lines.append("# Inferred from the queries: check each type and label list against the exporter.")
    lines.append(_section({"metrics": dict(sorted(metrics.items()))}).rstrip())
    lines.append(_section({"teams": {team: {"title": team} for team in teams}}).rstrip())
    lines += [f"# {tool} leaves routing to your Alertmanager: its page alert is the 14.4x and 6x burns, its ticket",
              "# alert 3x and 1x. Here they raise the levels `page` (the warning sign) and `ticket` (the target).",
              "# Name each level's real channels below, then add `alertmanager` to output.targets."]
    lines.append(_section({"escalation": {"levels": {
        "ok": {"action": "Continue monitoring"},
        "ticket": {"threshold": "target", "severity": _severity(slos, "ticket", "warning"), "response_time": "1d", "responders": ["ticket"]},
        "page": {"threshold": "warning", "severity": _severity(slos, "page", "critical"), "response_time": "1h", "responders": ["page"]},
    }}}).rstrip())
    lines.append(_section({"responders": {
        "page": {"title": "Paged on-call", "channels": [{"webhook": {"url": "https://alertmanager-receiver.example.com/page"}}]},
        "ticket": {"title": "Ticket queue", "channels": [{"webhook": {"url": "https://alertmanager-receiver.example.com/ticket"}}]},
    }}).rstrip())
    lines.append(_section({"output": {"targets": ["docs", "prometheus", "grafana"]}}).rstrip())
    lines.append("indicators:")
    for indicator, comments, _ in entries:
        lines += [f"  # {comment}" for comment in comments]
        block = _section([indicator]).rstrip().splitlines()
        lines += [f"  {line}" for line in block]
    return "\n".join(lines) + "\n"


def run(parse, tool: str, sources: list[tuple[str, bytes]], name: str) -> Result:
    """Read, map and compile: the spec text `name` will hold, with every warning (the import's,
    then the compiler's on it). Raises SpecError with located problems; a spec that did not
    compile would be a bug of the importer and is never written."""
    slos, notes = read(sources, parse)
    result = build(tool, slos, notes)
    _, warnings = pipeline.load([(name, result.text.encode())], name)
    return replace(result, warnings=result.warnings + warnings)
