"""Every expression parses and reads only catalogued metrics, with labels those metrics have,
in a way that is correct for their type: counters through rate(), histograms through
histogram_quantile over `_bucket` rates (where the chapter's examples go wrong). Series named
like recording rules (`level:metric:operations`) must be ones this spec records; that needs
the model, so `recorded_series_read` checks them once it is built."""

from __future__ import annotations

from compiler import conventions, promql, spec, spec_types
from compiler.loader import Document
from compiler.measures import forms
from compiler.model import Spec
from compiler.problems import Finding, did_you_mean


def check(document: Document, typed: spec_types.Spec) -> list[Finding]:
    metrics, labels = typed.catalogue, typed.defaults.global_labels
    problems: list[Finding] = []
    for indicator in typed.indicators:
        measure = indicator.measure
        if measure.form == "expr":
            problems += _expression(document, measure.path, measure.body, metrics, labels)
            continue
        for field, types in forms.BY_NAME[measure.form].selectors.items():
            if field in measure.body:
                problems += _selector(document, measure.path + (field,), measure.body[field], types, indicator, metrics, labels)
    for term in typed.roi.terms if typed.roi else ():
        problems += [problem for source, text in term.sources if source == "expr"
                     for problem in _expression(document, term.path + ("expr",), text, metrics, labels)]
    return problems


def _selector(document: Document, path: tuple, text: str, types: tuple[str, ...], indicator: spec_types.Indicator, metrics: dict,
              global_labels: tuple[str, ...]) -> list[Finding]:
    try:
        selector = promql.parse_selector(text)
    except promql.PromQLError as err:
        return [document.problem(path, str(err))]
    if types == ("histogram",) and spec.series_type(selector.metric, metrics):
        kind = metrics.get(selector.metric, {}).get("type", "series of another metric")
        if kind != "histogram":
            return [document.problem(path, f"'{selector.metric}' is a {kind}, not a histogram", "name the histogram itself, without _bucket")]
    found = spec.series_type(selector.metric, metrics)
    if found is None:
        return [_unknown_metric(document, path, selector.metric, metrics)]
    if found[1] not in types and types != ("histogram",):
        hint = "use x_sum or x_count of a histogram" if found[1] in ("histogram", "summary") else ""
        return [document.problem(path, f"'{selector.metric}' is a {found[1]}; this field takes a {' or '.join(types)}", hint)]
    labels = spec.series_labels(selector.metric if types != ("histogram",) else selector.metric + "_bucket", metrics, global_labels)
    problems = [document.problem(path, f"'{selector.metric}' has no label '{label}'",
                                 did_you_mean(label, sorted(labels)) or f"its labels: {', '.join(sorted(labels))}")
                for label, _, _ in selector.matchers if label not in labels]
    # at the track_by entry that names it: that is what to fix
    problems += [document.problem(path[:2] + ("track_by", position), f"the tracking label '{label}' is not a label of '{selector.metric}'",
                                  did_you_mean(label, sorted(labels)) or "track_by labels must be on every series the measure reads")
                 for position, label in enumerate(indicator.track_by) if label not in labels]
    if types == ("histogram",) and "le" in indicator.track_by:
        problems.append(document.problem(path, "the tracking label 'le' is the bucket bound histogram_quantile consumes: the quantile has none",
                                         "track by the labels the histogram's series differ by, not le"))
    return problems


def _expression(document: Document, path: tuple, text: str, metrics: dict, global_labels: tuple[str, ...]) -> list[Finding]:
    try:
        reads = promql.series_read(text)
    except promql.PromQLError as err:
        return [document.problem(path, str(err))]
    problems = [document.problem(path, f"the selector {selector} names no metric, so the metric catalogue cannot check what it reads",
                                 "write the metric's name, e.g. x{job=\"a\"} or {__name__=\"x\"}")
                for selector in promql.unnamed_selectors(text)]
    for read in reads:
        if ":" in read.name:  # a recorded series: recorded_series_read checks it against the model
            continue
        found = spec.series_type(read.name, metrics)
        if found is None:
            problems.append(_unknown_metric(document, path, read.name, metrics))
            continue
        base, kind = found
        if read.quantile_argument and metrics[base]["type"] == "histogram" and not read.name.endswith("_bucket"):
            problems.append(document.problem(path, f"histogram_quantile over the bare histogram name '{read.name}' returns nothing",
                                             f"use the quantile form, or histogram_quantile(q, sum by (le) (rate({base}_bucket[5m])))"))
        elif kind == "counter" and not read.in_range_function:
            problems.append(document.problem(path, f"the counter '{read.name}' is read without rate() or increase()",
                                             "a counter's raw value only says how long the process has run"))
        elif metrics[base]["type"] == "histogram" and read.name == base:
            problems.append(document.problem(path, f"'{read.name}' is a histogram; read its _bucket, _sum or _count series"))
        labels = spec.series_labels(read.name, metrics, global_labels) if kind != "histogram" else set()
        problems += [document.problem(path, f"'{read.name}' has no label '{label}'", f"its labels: {', '.join(sorted(labels))}")
                     for label in read.labels if labels and label not in labels]
    return problems


def _unknown_metric(document: Document, path: tuple, name: str, metrics: dict) -> Finding:
    hint = did_you_mean(name, metrics) or "add it to the metric catalogue ('metrics')"
    return document.problem(path, f"unknown metric '{name}': not in the metric catalogue", hint)


def recorded_series_read(document: Document, model: Spec) -> list[Finding]:
    """Recorded series an expression reads must be ones this spec records."""
    recorded = conventions.recorded_series(model)
    expressions: list[tuple[tuple, str]] = [(("indicators", index, "measure", "expr"), expr)
                   for index, indicator in enumerate(model.indicators) if (expr := indicator.measure.user_expr()) is not None]
    expressions += [(("roi", "terms", term.name, "expr"), term.reference)
                    for term in (model.roi.terms if model.roi else ()) if term.source == "expr"]
    problems = []
    for path, text in expressions:
        for read in promql.series_read(text):
            if ":" in read.name and read.name not in recorded:
                problems.append(document.problem(path, f"'{read.name}' is not a series this spec records",
                                                 did_you_mean(read.name, sorted(recorded)) or "see conventions in the README"))
    return problems
