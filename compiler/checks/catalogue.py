"""The metric catalogue follows Prometheus naming: counters end in _total, gauges do not (the
chapter's `mlops_active_users_total` is a gauge), histogram buckets ascend."""

from __future__ import annotations

from compiler.loader import Document
from compiler.problems import Finding


def check(document: Document) -> list[Finding]:
    problems: list[Finding] = []
    for name, metric in (document.data.get("metrics") or {}).items():
        here = ("metrics", name)
        kind = metric["type"]
        if kind == "gauge" and name.endswith("_total"):
            problems.append(_warning(document, here, f"the gauge '{name}' ends in _total, which marks counters",
                                     f"rename it to '{name[:-6]}'"))
        if kind == "counter" and not name.endswith("_total"):
            problems.append(_warning(document, here, f"the counter '{name}' does not end in _total",
                                     f"rename it to '{name}_total'"))
        buckets = metric.get("buckets")
        if buckets is not None and kind != "histogram":
            problems.append(document.problem(here + ("buckets",), f"only histograms have buckets; '{name}' is a {kind}"))
        if buckets and list(buckets) != sorted(set(buckets)):
            problems.append(document.problem(here + ("buckets",), "bucket bounds must be strictly ascending"))
        for section in ("cardinality", "values"):
            for label in metric.get(section) or {}:
                if label not in metric["labels"]:
                    problems.append(document.problem(here + (section, label), f"'{label}' is not a label of '{name}'", key=True))
    return problems


def _warning(document: Document, path: tuple, message: str, hint: str) -> Finding:
    problem = document.problem(path, message, hint, key=True)
    return Finding(problem.file, problem.line, problem.column, problem.path, message, hint, "warning")
