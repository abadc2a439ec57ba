"""A measure's window must hold samples: a window under a minute often holds one sample or none
of a series scraped every 30s (kube-prometheus-stack's interval; Prometheus' own default is 1m),
and of a series the rules record every minute, so rate() and the quantiles read nothing,
averages come and go, and the alerts may never fire, silently. A warning: a faster scrape
makes it work."""

from __future__ import annotations

from dataclasses import replace

from compiler import durations
from compiler.loader import Document
from compiler.measures.forms import BY_NAME
from compiler.problems import Finding
from compiler.spec_types import Spec

SHORTEST = 60  # seconds: twice a 30s scrape interval, and the rules' every-minute evaluation


def check(document: Document, typed: Spec) -> list[Finding]:
    problems = []
    for indicator in typed.indicators:
        measure = indicator.measure
        fields = BY_NAME[measure.form].schema.get("properties")
        if measure.window >= SHORTEST or not isinstance(fields, dict) or "window" not in fields:
            continue  # a gauge read as it is, an expr or an availability objective reads no window of its own
        written = "window" in measure.body  # a form with a window field is a mapping, as the schema accepted it
        path = measure.path + ("window",) if written else ("defaults", "window")
        window = durations.text(measure.window)
        problems.append(replace(document.problem(
            path, f"a window of {window} is under twice a 30s scrape interval and under the rules' 1m evaluation: it "
                  "often holds one sample or none, so rate(), increase() and quantiles over it have no value and the "
                  "indicator's alerts may never fire",
            f"use a window of at least {durations.text(SHORTEST)}, twice the scrape interval"), severity="warning"))
    return problems
