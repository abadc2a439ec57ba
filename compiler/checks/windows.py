"""A window must hold samples: a window under a minute often holds one sample or none of a
series scraped every 30s (kube-prometheus-stack's interval; Prometheus' own default is 1m),
and of a series the rules record every minute, so rate() and the quantiles read nothing,
averages come and go, and the alerts may never fire, silently. The same holds of every window
an indicator reads: its measure's, and each burn-rate window (long and short) of an
availability objective, whose error ratio is a rate() over it. A warning: a faster scrape
makes it work."""

from __future__ import annotations

from dataclasses import replace

from compiler import durations
from compiler.loader import Document
from compiler.measures import forms
from compiler.problems import Finding
from compiler.spec_types import Indicator, Spec

SHORTEST = 60  # seconds: twice a 30s scrape interval, and the rules' every-minute evaluation
NAMED = 3  # indicators named in the warning at defaults.window


def check(document: Document, typed: Spec) -> list[Finding]:
    """One warning per window written: at the measure's or the burn rate's, or once at
    defaults.window naming the indicators that read it."""
    problems, defaulted = [], []
    for indicator in typed.indicators:
        measure = indicator.measure
        problems += [_short(document, path, window, whose) for path, window, whose in _burn_windows(indicator) if _under(window)]
        if not _under(measure.window) or "window" not in forms.fields(measure.form):
            # a gauge read as it is, an expr or an availability objective reads no window of its own
            continue
        if "window" in measure.body:  # a form with a window field is a mapping, as the schema accepted it
            problems.append(_short(document, measure.path + ("window",), measure.window, "the indicator's alerts"))
        else:
            defaulted.append(indicator)
    if defaulted:
        named = ", ".join(indicator.id for indicator in defaulted[:NAMED]) + (", ..." if len(defaulted) > NAMED else "")
        problems.append(_short(document, ("defaults", "window"), defaulted[0].measure.window,
                               f"the alerts of the indicators that read it ({named})"))
    return problems


def _under(window: float) -> bool:
    """Shorter than SHORTEST; a zero window is the positive check's error."""
    return 0 < window < SHORTEST


def _burn_windows(indicator: Indicator) -> list[tuple[tuple, float, str]]:
    """The burn-rate windows the spec writes (the defaults' are 5m and longer): path, seconds, whose alert."""
    measure = indicator.measure
    if not forms.fields(measure.form) or "burn_rates" not in measure.body:  # a form with fields is a mapping
        return []
    return [(measure.path + ("burn_rates", number, side), durations.seconds(burn[side]), f"the indicator's {burn['factor']:g}x burn-rate alert")
            for number, burn in enumerate(measure.body["burn_rates"]) for side in ("long", "short")]


def _short(document: Document, path: tuple, window: float, whose: str) -> Finding:
    return replace(document.problem(
        path, f"a window of {durations.text(window)} is under twice a 30s scrape interval and under the rules' 1m "
              f"evaluation: it often holds one sample or none, so rate(), increase() and quantiles over it have no value "
              f"and {whose} may never fire",
        f"use a window of at least {durations.text(SHORTEST)}, twice the scrape interval"), severity="warning")
