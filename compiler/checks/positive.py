"""Durations that must be longer than 0s. PromQL refuses an empty range, so a zero window,
availability period or burn-rate window gives rules no Prometheus loads (the compile stopped
at the parser's error, with a traceback). A zero no_data_for raises NoData at the first evaluation
that finds no sample, and the generated tests of it would start before time 0; a test case's
zero interval puts all its input samples at time 0. A `for`, `group_wait` or `escalate_after`
of 0s means "at once" and is fine; a zero forget_after is the silence check's, as it must be
longer than no_data_for."""

from __future__ import annotations

from compiler import durations, spec, spec_types
from compiler.checks.windows import SHORTEST
from compiler.loader import Document
from compiler.measures import forms
from compiler.problems import Finding

Written = tuple[tuple, float | None]  # a duration's path and seconds (None: a default not written)
_EMPTY = "PromQL refuses an empty range"
_BURN = (f"a burn rate's error ratio is read over its windows, and {_EMPTY}", "")
_WHY = {  # field -> (why it must be positive, hint)
    "window": (f"{_EMPTY}, so rate(), increase(), quantiles and averages over it have no value",
               f"use a window of at least {durations.text(SHORTEST)}, twice the scrape interval"),
    "period": (f"the objective's error ratio is read over the period, and {_EMPTY}", f"leave period out for {spec.DEFAULT_PERIOD}"),
    "long": _BURN,
    "short": _BURN,
    "no_data_for": ("NoData would fire at the first evaluation that finds no sample, before a scrape is even late",
                    f"use a few scrape intervals at least; the default is {spec_types.DEFAULT_NO_DATA_FOR}"),
    "interval": ("the input series' samples would all be at time 0", f"leave interval out for {spec_types.DEFAULT_CASE_INTERVAL}"),
}


def check(document: Document, typed: spec_types.Spec) -> list[Finding]:
    defaults = typed.defaults
    written: list[Written] = [(("defaults", "window"), defaults.window), (("defaults", "no_data_for"), defaults.no_data_for)]
    for indicator in typed.indicators:
        written += _written(indicator)
    return [document.problem(path, f"{path[-1]} must be longer than 0s: {_WHY[path[-1]][0]}", _WHY[path[-1]][1])
            for path, seconds in written if seconds == 0]


def _written(indicator: spec_types.Indicator) -> list[Written]:
    """The indicator's durations that must be positive, where it writes them (a default's are
    checked once, at defaults)."""
    measure = indicator.measure
    body = measure.body if forms.fields(measure.form) else {}  # a form with fields is a mapping; an expr's body is its text
    found: list[Written] = [(measure.path + (field,), durations.seconds(body[field])) for field in ("window", "period") if field in body]
    found += [(measure.path + ("burn_rates", number, side), durations.seconds(burn[side]))
              for number, burn in enumerate(body.get("burn_rates") or ()) for side in ("long", "short")]
    if "no_data_for" in indicator.written:
        found.append((indicator.path + ("no_data_for",), indicator.no_data_for))
    found += [(case.path + ("interval",), case.interval) for case in indicator.tests]
    return found
