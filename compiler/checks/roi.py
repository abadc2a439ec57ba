"""The ROI model is complete: each term reads exactly one source."""

from __future__ import annotations

from compiler.loader import Document
from compiler.problems import Finding
from compiler.spec_types import Spec


def check(document: Document, typed: Spec) -> list[Finding]:
    return [document.problem(term.path, "an ROI term reads exactly one of: indicator, scorecard, expr",
                             f"found {', '.join(source for source, _ in term.sources) or 'none'}")
            for term in (typed.roi.terms if typed.roi else ()) if len(term.sources) != 1]
