"""A selector matches label values the catalogue declares (`values: {status: [success,
rolled_back]}`): `status="rollback"` is a typo that would read nothing, silently. An `=~`
must match at least one declared value, anchored as Prometheus anchors it. Labels without
declared values, and the negative matchers (which match whatever is left), are not checked."""

from __future__ import annotations

import re
from collections.abc import Iterator

from compiler import promql, spec
from compiler.loader import Document
from compiler.measures import forms
from compiler.model import Selector
from compiler.problems import Finding, did_you_mean
from compiler.spec_types import Spec


def check(document: Document, typed: Spec) -> list[Finding]:
    metrics = typed.catalogue
    problems: list[Finding] = []
    for path, selector in _selectors(typed):
        metric, _ = spec.series_type(selector.metric, metrics) or (selector.metric, "")
        declared = (metrics[metric].get("values") or {}) if metric in metrics else {}
        for label, operator, value in selector.matchers:
            if label in declared and operator in ("=", "=~") and not _matches_any(operator, value, declared[label]):
                listed = ", ".join(declared[label])
                hint = (did_you_mean(value, declared[label]) if operator == "=" else "") or f"the catalogue lists {listed}"
                problems.append(document.problem(
                    path, f"{label}{operator}\"{value}\" matches no value of '{label}' the catalogue declares for '{metric}'", hint))
    return problems


def _selectors(typed: Spec) -> Iterator[tuple[tuple, Selector]]:
    """(path, selector) for every selector the spec writes; ones that do not parse are
    queries.check's to report."""
    for indicator in typed.indicators:
        measure = indicator.measure
        texts = [(measure.path, measure.body)] if measure.form == "expr" else [
            (measure.path + (field,), measure.body[field]) for field in forms.BY_NAME[measure.form].selectors if field in measure.body]
        yield from _parsed(texts, single=measure.form != "expr")
    terms = typed.roi.terms if typed.roi else ()
    yield from _parsed([(term.path + ("expr",), text) for term in terms for source, text in term.sources if source == "expr"], single=False)


def _parsed(texts: list[tuple[tuple, str]], single: bool) -> Iterator[tuple[tuple, Selector]]:
    for path, text in texts:
        try:
            found = [promql.parse_selector(text)] if single else promql.selectors(text)
        except promql.PromQLError:
            continue
        yield from ((path, selector) for selector in found)


def _matches_any(operator: str, value: str, declared: list[str]) -> bool:
    if operator == "=":
        return value in declared
    try:
        pattern = re.compile(value)
    except re.error:  # RE2 syntax Python lacks: Prometheus is the judge
        return True
    return any(pattern.fullmatch(candidate) for candidate in declared)
