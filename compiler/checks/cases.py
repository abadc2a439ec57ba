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

_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN"
# promtool's series notation: a value, `_` (missing), `stale`, or a run `a+bxn`, `a-bxn`, `axn`, `_xn`
SAMPLE = re.compile(rf"^(?:_|stale|_x\d+|(?:{_NUMBER})(?:(?:[+-](?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)?x\d+)?)$")


def check(document: Document) -> list[Finding]:
    data = document.data
    metrics = data.get("metrics") or {}
    problems: list[Finding] = []
    for index, indicator in spec.indicators(data):
        known = set(spec.global_labels(data)) | set(indicator.get("track_by") or ())
        for number, case in enumerate(indicator.get("tests") or ()):
            here = ("indicators", index, "tests", number)
            problems += _inputs(document, here, case, metrics)
            problems += _expectations(document, here, case, known)
    return problems


def levels(document: Document, built: Spec) -> list[Finding]:
    """Each expected alert's level is raised by the thresholds that judge its labels: an
    override's when the labels match one, the indicator's own otherwise."""
    problems = []
    for index, indicator in enumerate(built.indicators):
        for number, case in enumerate(indicator.tests):
            for position, alert in enumerate(case.alerts or ()):
                labels = dict(alert.labels)
                override = next((o for o in indicator.overrides if all(labels.get(k) == v for k, v in o.when)), None)
                raised = {t.level for t in (override.thresholds if override else indicator.thresholds)}
                if alert.level not in raised:
                    problems.append(document.problem(("indicators", index, "tests", number, "alerts", position, "level"),
                                                     f"the indicator raises no alert at level '{alert.level}' for these labels",
                                                     f"its thresholds raise {', '.join(sorted(raised)) or 'nothing'}"))
    return problems


def _inputs(document: Document, here: tuple, case: dict, metrics: dict) -> list[Finding]:
    problems = []
    for number, series in enumerate(case["input_series"]):
        path = here + ("input_series", number)
        try:
            selector = promql.parse_selector(series["series"])
        except promql.PromQLError as err:
            problems.append(document.problem(path + ("series",), str(err)))
            continue
        if spec.series_type(selector.metric, metrics) is None:
            problems.append(document.problem(path + ("series",), f"'{selector.metric}' is not in the metric catalogue",
                                             "input series are catalogued metrics (or a histogram's _bucket, _sum, _count)"))
        if any(operator != "=" for _, operator, _ in selector.matchers):
            problems.append(document.problem(path + ("series",), "an input series names its labels with '=' only"))
        bad = [token for token in str(series["values"]).split() if not SAMPLE.match(token)]
        if bad:
            problems.append(document.problem(path + ("values",), f"'{bad[0]}' is not promtool series notation",
                                             "use values such as '1 2 3', '0+10x60', '5x30', '_' or 'stale'"))
    return problems


def _expectations(document: Document, here: tuple, case: dict, known: set[str]) -> list[Finding]:
    problems = []
    valued = {tuple(sorted((value.get("labels") or {}).items())) for value in case.get("values") or ()}
    for kind in ("alerts", "values"):
        for number, expected in enumerate(case.get(kind) or ()):
            path = here + (kind, number)
            for label in expected.get("labels") or {}:
                if label not in known:
                    problems.append(document.problem(path + ("labels", label), f"'{label}' is not a global or tracking label of the indicator",
                                                     did_you_mean(label, sorted(known))
                                                     or f"the recorded series carry {', '.join(sorted(known)) or 'no labels'}", key=True))
    for number, alert in enumerate(case.get("alerts") or ()):
        if tuple(sorted((alert.get("labels") or {}).items())) not in valued:
            problems.append(document.problem(here + ("alerts", number), "an expected alert needs the indicator's value at its labels under 'values'",
                                             "the alert's description prints that value"))
    return problems
