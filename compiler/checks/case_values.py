"""A test case's input series carry label values the catalogue declares (`values: {status:
[success, rolled_back]}`): a case fed `status="rollback"` tests a world the services cannot
send (the instrumentation module refuses the value), so its verdict proves nothing. Labels
without declared values are not checked; a series that does not parse, or is not catalogued,
is the cases check's to report."""

from __future__ import annotations

from compiler import promql, spec
from compiler.loader import Document
from compiler.problems import Finding, did_you_mean
from compiler.spec_types import Spec


def check(document: Document, typed: Spec) -> list[Finding]:
    metrics = typed.catalogue
    problems: list[Finding] = []
    for series in (series for indicator in typed.indicators for case in indicator.tests for series in case.input_series):
        try:
            selector = promql.parse_selector(series.series)
            resolved = spec.series_type(selector.metric, metrics)
        except promql.PromQLError:
            continue
        if resolved is None:
            continue
        declared = metrics[resolved[0]].get("values") or {}
        for label, _, value in selector.matchers:
            if label in declared and value not in declared[label]:
                listed = ", ".join(declared[label])
                problems.append(document.problem(
                    series.path + ("series",),
                    f"{label}=\"{value}\" is not a value of '{label}' the catalogue declares for '{resolved[0]}'",
                    did_you_mean(value, declared[label]) or f"the catalogue lists {listed}"))
    return problems
