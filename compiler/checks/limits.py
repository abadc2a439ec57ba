"""How big a spec may be. The loader bounds each file (size, expanded values, depth); this
bounds the merged spec, whose indicators may come from many files: past the limit the checks
and the output would grow beyond what the benchmark (`make bench`) shows to compile in
reasonable time and what one Prometheus should evaluate, so it stops here, with one message."""

from __future__ import annotations

from compiler.loader import Document
from compiler.problems import Finding

MAX_INDICATORS = 10_000


def check(document: Document) -> list[Finding]:
    indicators = document.data.get("indicators")
    if isinstance(indicators, list) and len(indicators) > MAX_INDICATORS:
        return [document.problem(("indicators",), f"{len(indicators)} indicators, over the limit of {MAX_INDICATORS}",
                                 "split the spec into several specs, each compiled into its own output folder and "
                                 "loaded by its own Prometheus or rule group shard", key=True)]
    return []
