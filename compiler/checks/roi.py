"""The ROI model is complete: each term reads exactly one source."""

from __future__ import annotations

from compiler import spec
from compiler.loader import Document
from compiler.problems import Finding


def check(document: Document) -> list[Finding]:
    problems = []
    for name, term in ((document.data.get("roi") or {}).get("terms") or {}).items():
        sources = [key for key in spec.ROI_SOURCES if key in term]
        if len(sources) != 1:
            problems.append(document.problem(("roi", "terms", name), "an ROI term reads exactly one of: indicator, scorecard, expr",
                                             f"found {', '.join(sources) or 'none'}"))
    return problems
