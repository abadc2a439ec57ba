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

from compiler import conventions, emit, loader, pipeline, promql
from compiler import spec as specs
from compiler.model import Selector
from compiler.problems import Finding, SpecError

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

    def problem(self, message: str, hint: str = "", severity: str = "warning") -> Finding:
        return replace(self.document.problem(self.path, message, hint), severity=severity)

    def cite(self) -> str:
        where = self.document.locate(self.path)
        return f"{where.file}:{where.line}"


@dataclass(frozen=True)
class Slo:
    """One SLO as both tools describe it. Queries keep `{{.window}}` where the window goes;
    `errors`/`total` are an events SLI, `error_ratio` or `good_ratio` a raw one."""

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
    good_ratio: str | None = None  # OpenSLO's raw success ratios and threshold SLIs
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
    warnings: tuple[Finding, ...]
    indicators: int
    origins: tuple[tuple[str, Where], ...] = ()  # (a part of the spec, as findings name it: indicators[0], metrics.x), what it came from


def read(sources: list[tuple[str, bytes]], parse) -> tuple[list[Slo], list[tuple[Where, str]]]:
    """Every file's documents, together (an OpenSLO SLO may name an SLI in another file), through
    one tool's `parse(documents) -> (slos, notes, errors)`. Raises SpecError with every located
    error: nothing is imported from a set of files that has one."""
    documents, errors = [], []
    for name, raw in sources:
        found, problems = loader.load_stream(name, raw)
        errors += problems or ([] if found else [Finding(name, 1, 1, "", "the file is empty")])
        documents += found
    slos, notes, wrong = parse(documents)
    if errors + wrong:
        raise SpecError(errors + wrong)
    return slos, notes


def mapping(where: Where, value: object, what: str, errors: list[Finding]) -> dict:
    """`value` when it is a mapping, else {} and a located error."""
    if isinstance(value, dict):
        return value
    errors.append(where.problem(f"expected {what} (a mapping)", severity="error"))
    return {}


def _unwrapped(node):
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    return node


def _summed(node) -> tuple[object, tuple[str, ...]] | None:
    """(what is summed, its by labels) for `sum [by (...)] (x)`; None for anything else."""
    node = _unwrapped(node)
    if not isinstance(node, promql_parser.AggregateExpr) or str(node.op) != "sum" or node.param is not None:
        return None
    modifier = node.modifier
    if modifier is not None and modifier.type != promql_parser.AggModifierType.By:
        return None
    return _unwrapped(node.expr), tuple(modifier.labels) if modifier is not None else ()


def _plain(node) -> bool:
    return isinstance(node, promql_parser.VectorSelector) and node.name is not None and node.offset is None and node.at is None


def _windowed(selector: str, by: tuple[str, ...]) -> str:
    grouping = f" by ({', '.join(by)})" if by else ""
    return f"sum{grouping}(rate({selector}[{WINDOW}]))"


def window_selector(query: str) -> tuple[str, tuple[str, ...]] | None:
    """(series selector, by labels) when `query` is `sum [by (...)] (rate(SELECTOR[{{.window}}]))`,
    the one shape whose meaning an availability measure keeps; None for any other."""
    try:
        summed = _summed(promql.parse(query.replace(WINDOW, "5m")))
    except promql.PromQLError:
        return None
    if summed is None or f"[{WINDOW}]" not in query:
        return None
    call, by = summed
    if not (isinstance(call, promql_parser.Call) and call.func.name == "rate" and isinstance(call.args[0], promql_parser.MatrixSelector)
            and _plain(call.args[0].vector_selector)):
        return None
    return str(call.args[0].vector_selector).removesuffix("{}"), by


def counter_query(query: str) -> str | None:
    """A summed counter (`sum [by (...)] (SELECTOR)`, OpenSLO's `counter: true`) as the events
    per window: `sum [by (...)] (rate(SELECTOR[{{.window}}]))`; None for any other query."""
    try:
        summed = _summed(promql.parse(query))
    except promql.PromQLError:
        return None
    if summed is None or not _plain(summed[0]):
        return None
    return _windowed(str(summed[0]).removesuffix("{}"), summed[1])


def complement(good: str, total: str) -> str | None:
    """The bad events' windowed query when `good` selects what `total` does plus one matcher:
    the same selector with that matcher negated selects exactly the other series. None otherwise."""
    good_found, total_found = window_selector(good), window_selector(total)
    if good_found is None or total_found is None or good_found[1] != total_found[1]:
        return None
    (good_text, by), (total_text, _) = good_found, total_found
    good_selector, total_selector = promql.parse_selector(good_text), promql.parse_selector(total_text)
    extra = [m for m in good_selector.matchers if m not in total_selector.matchers]
    if good_selector.metric != total_selector.metric or len(extra) != 1 or len(good_selector.matchers) != len(total_selector.matchers) + 1:
        return None
    label, operator, value = extra[0]
    negated = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}[operator]
    return _windowed(Selector(total_selector.metric, total_selector.matchers + ((label, negated, value),)).text(), by)


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
            _catalogue(metrics, selector, slo, labels=errors[1])  # summed by them, so every series carries them
        body: dict[str, object] = {"errors": errors[0], "total": total[0]}
        if slo.period != DEFAULT_PERIOD:
            body["period"] = slo.period
        if slo.page != slo.ticket:  # one of the two disabled; with both, the defaults stay (and a note says so)
            body["burn_rates"] = [dict(burn) for burn in (PAGE_BURNS if slo.page else TICKET_BURNS)]
        return {"availability": body}, errors[1]
    if slo.good_ratio:
        expr, kind = slo.good_ratio.strip(), "its good ratio is no pair of error and total selectors"
    else:
        error_ratio = slo.error_ratio or f"({slo.errors})\n/\n({slo.total})"
        expr = f"1 - (\n{error_ratio.strip()}\n)"
        kind = "a raw error-ratio SLI" if slo.error_ratio else "its queries are not sum(rate(SELECTOR[{{.window}}]))"
    expr = expr.replace(WINDOW, slo.period)
    notes.append((slo.where, f"imported as an expr indicator ({kind}): its value is the availability over {slo.period}, "
                             "and it alerts on that value, not on burn rates"))
    grouped = _grouped(promql.parse(expr))
    for found in promql.series_read(expr):
        _catalogue(metrics, found.name, slo, "counter" if found.in_range_function else "gauge", found.labels + grouped.get(found.name, ()))
    return {"expr": expr}, ()


def _grouped(node, by: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """The labels each series is aggregated by (`sum by (model) (rate(x[5m]))`: x has model),
    which it must carry as much as those its matchers name."""
    if isinstance(node, promql_parser.VectorSelector):
        return {node.name: by} if node.name else {}
    if isinstance(node, promql_parser.AggregateExpr) and node.modifier is not None and node.modifier.type == promql_parser.AggModifierType.By:
        by = by + tuple(node.modifier.labels)
    found: dict[str, tuple[str, ...]] = {}
    for child in node.args if isinstance(node, promql_parser.Call) else promql.children(node):
        for name, labels in _grouped(child, by).items():
            found[name] = tuple(dict.fromkeys(found.get(name, ()) + labels))
    return found


def _catalogue(metrics: dict, selector: str, slo: Slo, kind: str = "counter", labels: tuple[str, ...] = ()) -> None:
    """Add what a query reads to the catalogue: a histogram's _count/_bucket/_sum as the
    histogram, anything else as `kind`; labels are those its matchers name and `labels` (those
    it is summed by)."""
    read = promql.series_read(selector)[0]
    name, used = read.name, set(read.labels) | set(labels)
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
    if not slos:  # the notes say why each one was left out
        first = notes[0][0].problem(f"nothing to import: no {tool} SLO in the input can be imported", severity="error")
        raise SpecError([replace(first, path="")] + [where.problem(message) for where, message in notes])
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
                     "target": target, "warning": warning if slo.page else 0.0}
        if not slo.page:  # tickets only: no availability is below 0, so neither the value nor a burn raises `page`
            local.append((slo.where, "the page alert is disabled: the warning sign is 0, which no availability is below, "
                                     f"so its {'value and burn-rate' if 'availability' in measure else 'value'} alerts raise the `ticket` level at most"
                                     + _no_data(measure, metrics)))
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
            local.append((slo.where, "both page and ticket alerts are disabled: the indicator still has burn-rate alerts, "
                                     "at the `ticket` level"))
        warnings += [where.problem(message) for where, message in local]
        entries.append((indicator, [f"{message} ({where.cite()})" for where, message in local], slo))
    origins = [(loader.dotted(("indicators", number)), slo.where) for number, slo in enumerate(slos)]
    for name in sorted(metrics):
        origins.append((loader.dotted(("metrics", name)), metrics[name]["_read_by"]))
        warnings.append(metrics[name].pop("_read_by").problem(
            f"metric {name}: type ({metrics[name]['type']}), labels and help inferred from the queries; check them against the exporter"))
    return Result(_text(tool, entries, metrics, [f"{message} ({where.cite()})" for where, message in notes], slos),
                  tuple(sorted(warnings)), len(entries), tuple(origins))


def _no_data(measure: dict, metrics: dict) -> str:
    """The rest of a tickets-only note: nothing pages, unless a gauge the SLO reads gives the
    indicator a NoData alert, which raises the warning sign's level (`page`) for every indicator."""
    gauges = sorted({found.name for found in promql.series_read(measure["expr"]) if metrics[found.name]["type"] == "gauge"}
                    if "expr" in measure else ())
    if not gauges:
        return " and nothing pages"
    return (f"; its NoData alert (the gauge {', '.join(gauges)} not reported) still raises `page`, the warning sign's level "
            "for every indicator: Sloth has no such alert")


def _severity(slos: list[Slo], alert: str, default: str) -> str:
    """The severity label the tool gave every SLO's `alert`, when they agree and it fits."""
    found = {value for slo in slos for kind, value in slo.severities if kind == alert}
    return found.pop() if len(found) == 1 and re.fullmatch(r"[a-z]+", next(iter(found))) else default


def _one_line(text: str) -> str:
    """A comment holds one line: a value quoted from the input may hold several."""
    return " ".join(text.split())


def _text(tool: str, entries: list, metrics: dict, notes: list[str], slos: list[Slo]) -> str:
    teams = sorted({entry[0]["team"] for entry in entries})
    groups = {entry[0]["group"]: entry[2].service for entry in entries}
    lines = [f"# Imported from {tool} by `indicators import {tool}`. Review every comment, then run",
             "# `indicators validate` on this file. Not imported (each also printed as a warning):" if notes else
             "# `indicators validate` on this file."]
    lines += [f"#   {_one_line(note)}" for note in notes]
    lines.append(emit.yaml_text({"apiVersion": "indicators/v1", "metadata": {"name": SPEC_NAME, "title": f"Imported from {tool}"}}).rstrip())
    lines.append(emit.yaml_text({"categories": {CATEGORY: {"title": "Service level objectives", "groups": dict(sorted(groups.items()))}}}).rstrip())
    lines.append("# Inferred from the queries: check each type and label list against the exporter.")
    lines.append(emit.yaml_text({"metrics": dict(sorted(metrics.items()))}).rstrip())
    lines.append(emit.yaml_text({"teams": {team: {"title": team} for team in teams}}).rstrip())
    lines += ["# The burn rates 14.4x and 6x (Sloth's page alert) raise the level `page` (the warning sign), 3x",
              "# and 1x (its ticket alert) the level `ticket` (the target). Where alerts go is not in the input:",
              "# name each level's real channels below, then add `alertmanager` to output.targets."]
    lines.append(emit.yaml_text({"escalation": {"levels": {
        "ok": {"action": "Continue monitoring"},
        "ticket": {"threshold": "target", "severity": _severity(slos, "ticket", "warning"), "response_time": "1d", "responders": ["ticket"]},
        "page": {"threshold": "warning", "severity": _severity(slos, "page", "critical"), "response_time": "1h", "responders": ["page"]},
    }}}).rstrip())
    lines.append(emit.yaml_text({"responders": {
        "page": {"title": "Paged on-call", "channels": [{"webhook": {"url": "https://alertmanager-receiver.example.com/page"}}]},
        "ticket": {"title": "Ticket queue", "channels": [{"webhook": {"url": "https://alertmanager-receiver.example.com/ticket"}}]},
    }}).rstrip())
    lines.append(emit.yaml_text({"output": {"targets": ["docs", "prometheus", "grafana"]}}).rstrip())
    lines.append("indicators:")
    for indicator, comments, _ in entries:
        lines += [f"  # {_one_line(comment)}" for comment in comments]
        block = emit.yaml_text([indicator]).rstrip().splitlines()
        lines += [f"  {line}" for line in block]
    return "\n".join(lines) + "\n"


def run(parse, tool: str, sources: list[tuple[str, bytes]], name: str) -> Result:
    """Read, map and compile: the spec text `name` will hold, with every warning (the import's,
    then the compiler's on it). Raises SpecError with located problems; a spec that did not
    compile would be a bug of the importer and is never written, so its errors are located at
    what the user gave: the SLO or query each part of it came from."""
    slos, notes = read(sources, parse)
    result = build(tool, slos, notes)
    try:
        _, warnings = pipeline.load([(name, result.text.encode())], name)
    except SpecError as err:
        raise SpecError([_traced(problem, result.origins) for problem in err.problems]) from None
    return replace(result, warnings=result.warnings + warnings)


def _traced(problem: Finding, origins: tuple[tuple[str, Where], ...]) -> Finding:
    """A problem of the imported spec, which was not written, at the input it came from (an
    indicator at its SLO, a metric at the first query that reads it), naming the part of the
    imported spec and its place there; else at that place, said to be the unwritten output."""
    imported = f"{problem.file}:{problem.line}:{problem.column}"
    for part, where in origins:
        if problem.path == part or problem.path.startswith((part + ".", part + "[")):
            source = where.problem(f"imported as {problem.path} (at {imported} of the spec that was not written): {problem.message}",
                                   problem.hint)
            return replace(source, severity=problem.severity)
    return replace(problem, message=f"in the imported spec, which was not written: {problem.message}")
