"""An indicator's own test cases: input series of catalogued metrics in promtool's notation,
expected alerts at levels the indicator raises, and expectations about the labels it carries.

Whether a level is raised is checked on the built model (`levels`), where thresholds that a
more severe one makes redundant are already gone and overrides are resolved."""

from __future__ import annotations

import re

from compiler import promql, spec
from compiler.loader import Document
from compiler.model import Spec
from compiler.problems import Finding, did_you_mean
from compiler.spec_types import Case, ExpectedAlert, ExpectedValue
from compiler.spec_types import Spec as Typed

_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN"
# promtool's series notation: a value, `_` (missing), `stale`, or a run `a+bxn`, `a-bxn`, `axn`, `_xn`
SAMPLE = re.compile(rf"^(?:_|stale|_x\d+|(?:{_NUMBER})(?:(?:[+-](?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)?x\d+)?)$")


def check(document: Document, typed: Typed) -> list[Finding]:
    problems: list[Finding] = []
    for indicator in typed.indicators:
        known = set(typed.defaults.global_labels) | set(indicator.track_by)
        for case in indicator.tests:
            problems += _inputs(document, case, typed.catalogue)
            problems += _expectations(document, case, known)
    return problems


def levels(document: Document, built: Spec) -> list[Finding]:
    """Each expected alert's level is raised by the thresholds that judge its labels: an
    override's when the labels match one, the indicator's own otherwise."""
    problems = []
    for index, indicator in enumerate(built.indicators):
        for number, case in enumerate(indicator.tests):
            for position, alert in enumerate(case.alerts or ()):
                labels = dict(alert.labels)
                raised = {t.level for t in indicator.thresholds_for(labels)}
                if alert.level not in raised:
                    problems.append(document.problem(("indicators", index, "tests", number, "alerts", position, "level"),
                                                     f"the indicator raises no alert at level '{alert.level}' for these labels",
                                                     f"its thresholds raise {', '.join(sorted(raised)) or 'nothing'}"))
    return problems


def _inputs(document: Document, case: Case, metrics: dict) -> list[Finding]:
    problems = []
    for series in case.input_series:
        try:
            selector = promql.parse_selector(series.series)
        except promql.PromQLError as err:
            problems.append(document.problem(series.path + ("series",), str(err)))
            continue
        if spec.series_type(selector.metric, metrics) is None:
            problems.append(document.problem(series.path + ("series",), f"'{selector.metric}' is not in the metric catalogue",
                                             did_you_mean(selector.metric, spec.series_names(metrics))
                                             or "input series are catalogued metrics (or a histogram's _bucket, _sum, _count)"))
        if any(operator != "=" for _, operator, _ in selector.matchers):
            problems.append(document.problem(series.path + ("series",), "an input series names its labels with '=' only"))
        bad = [token for token in series.values.split() if not SAMPLE.match(token)]
        if bad:
            problems.append(document.problem(series.path + ("values",), f"'{bad[0]}' is not promtool series notation",
                                             "use values such as '1 2 3', '0+10x60', '5x30', '_' or 'stale'"))
    return problems


def _expectations(document: Document, case: Case, known: set[str]) -> list[Finding]:
    problems = []
    valued = {tuple(sorted(value.labels)) for value in case.values}
    expectations: tuple[ExpectedAlert | ExpectedValue, ...] = (*(case.alerts or ()), *case.values)
    for expected in expectations:
        for label, _ in expected.labels:
            if label not in known:
                problems.append(document.problem(expected.path + ("labels", label), f"'{label}' is not a global or tracking label of the indicator",
                                                 did_you_mean(label, sorted(known))
                                                 or f"the recorded series carry {', '.join(sorted(known)) or 'no labels'}", key=True))
    problems += [document.problem(alert.path, "an expected alert needs the indicator's value at its labels under 'values'",
                                  "the alert's description prints that value")
                 for alert in case.alerts or () if tuple(sorted(alert.labels)) not in valued]
    return problems
