"""The metric catalogue follows Prometheus naming: counters end in _total, gauges do not (the
chapter's `mlops_active_users_total` is a gauge), histogram buckets ascend."""

from __future__ import annotations

from compiler.loader import Document
from compiler.problems import Finding
from compiler.spec_types import Spec


def check(document: Document, typed: Spec) -> list[Finding]:
    problems: list[Finding] = []
    for metric in typed.metrics:
        here, name, kind = metric.path, metric.name, metric.type
        if kind == "gauge" and name.endswith("_total"):
            problems.append(_warning(document, here, f"the gauge '{name}' ends in _total, which marks counters",
                                     f"rename it to '{name[:-6]}'"))
        if kind == "counter" and not name.endswith("_total"):
            problems.append(_warning(document, here, f"the counter '{name}' does not end in _total",
                                     f"rename it to '{name}_total'"))
        if metric.buckets is not None and kind != "histogram":
            problems.append(document.problem(here + ("buckets",), f"only histograms have buckets; '{name}' is a {kind}"))
        if metric.buckets and list(metric.buckets) != sorted(set(metric.buckets)):
            problems.append(document.problem(here + ("buckets",), "bucket bounds must be strictly ascending"))
        for section, labels in (("cardinality", metric.cardinality), ("values", metric.values)):
            problems += [document.problem(here + (section, label), f"'{label}' is not a label of '{name}'", key=True)
                         for label, _ in labels if label not in metric.labels]
    return problems


def _warning(document: Document, path: tuple, message: str, hint: str) -> Finding:
    problem = document.problem(path, message, hint, key=True)
    return Finding(problem.file, problem.line, problem.column, problem.path, message, hint, "warning")
