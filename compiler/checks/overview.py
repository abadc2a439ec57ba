"""The overview dashboard stays an overview: a headline that names no indicator falls back to
each category's first indicator, at most grafana.overview.MAX_HEADLINES of them. Past that the
categories left out are a warning at reports.headline; the spec still compiles."""

from __future__ import annotations

from dataclasses import replace

from compiler.backends import grafana
from compiler.backends.grafana import overview
from compiler.loader import Document
from compiler.model import Spec
from compiler.problems import Finding

NAMED = 3  # categories named in the warning


def check(document: Document, spec: Spec) -> list[Finding]:
    if "grafana" not in spec.output.targets:
        return []
    chosen, left_out = overview.headline(spec, grafana.shown(spec))
    if not left_out:
        return []
    named = ", ".join(category.id for category in left_out[:NAMED]) + (", ..." if len(left_out) > NAMED else "")
    message = (f"the overview's headline shows the first indicator of the first {len(chosen)} categories only, not of the "
               f"other {len(left_out)} ({named}); their scores stay in its category table")
    return [replace(document.problem(("reports", "headline"), message, "name the indicators to show in reports.headline"),
                    severity="warning")]
