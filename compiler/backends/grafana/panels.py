"""Panels as Grafana's classic JSON model: one per indicator, reading its recorded series,
plus the score, alert and trend panels the dashboards share. Positions and ids are set by
the layout (`dashboard.py`); every query reads only series named by `conventions`."""

from __future__ import annotations

import math

from compiler import conventions, present
from compiler.model import Indicator, Selector, Spec, Threshold, taken_before

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
ALL = ".*"  # the "All" value of a multi-value variable, as a regex matcher
FIRING = (("alertstate", "=", "firing"),)

# Grafana's units: a ratio as a percentage, seconds scaled to minutes or days; a score is a plain
# number (`short` would write 1.5 K), a count may be (1.5 K experiments).
UNITS = {"ratio": "percentunit", "percent": "percent", "seconds": "s", "days": "d", "count": "short", "score": "none"}
FULL_SCALE = {"ratio": 1, "percent": 100}  # units a gauge can span from 0 to the whole
GREEN = "green"
COLOURS = {"target": "yellow", "warning": "red", "critical": "dark-red"}  # missed threshold -> colour
SCORE_STEPS = [{"value": None, "color": "red"}, {"value": 60, "color": "yellow"}, {"value": 80, "color": GREEN}]
SCORE_RANGE = {"min": 0, "max": 100}


def variable_matchers(labels: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
    """`label=~"$label"` for each label that has a template variable of its name."""
    return tuple((label, "=~", f"${label}") for label in labels)


def query(expr: str, ref: str = "A", legend: str = "", instant: bool = False) -> dict:
    return {"datasource": DATASOURCE, "editorMode": "code", "expr": expr, "instant": instant, "legendFormat": legend,
            "range": not instant, "refId": ref}


def legend(labels: tuple[str, ...]) -> str:
    return " / ".join(f"{{{{{label}}}}}" for label in labels)


def runbook_link(url: str) -> dict:
    return link("Runbook", url, "doc")


def link(title: str, url: str, icon: str = "dashboard") -> dict:
    """A panel link; the published schema types panel links as dashboard links."""
    return {"title": title, "type": "link", "icon": icon, "tooltip": title, "url": url, "tags": [], "asDropdown": False,
            "targetBlank": icon == "doc", "includeVars": False, "keepTime": False}


def steps(thresholds: tuple[Threshold, ...], good: str) -> list[dict]:
    """Threshold steps, ascending from a null (minus infinity) base: green where every threshold
    is met, then the colour of the most severe threshold missed.

    Grafana colours a value by the highest step at or below it. With lower-is-good a value
    exactly at a threshold still meets it, so those steps start just above the threshold
    (the next float): a count of 0 against a target of 0 stays green."""
    # A value alone cannot show how long it has held: of equal values the one raised first wins.
    by_value: dict[float, Threshold] = {}
    for threshold in sorted(thresholds, key=lambda t: (t.for_seconds, -_severity(t))):
        by_value.setdefault(threshold.value, threshold)
    ordered = sorted(by_value.values(), key=lambda t: t.value)
    if good == "higher":  # missed below: most severe lowest
        colours = [COLOURS[t.name] for t in ordered] + [GREEN]
        return [{"value": None, "color": colours[0]}] + [
            {"value": t.value, "color": colour} for t, colour in zip(ordered, colours[1:])]
    return [{"value": None, "color": GREEN}] + [
        {"value": math.nextafter(t.value, math.inf), "color": COLOURS[t.name]} for t in ordered]


def _severity(threshold: Threshold) -> int:
    return list(COLOURS).index(threshold.name)


def kind(indicator: Indicator) -> str:
    """The panel type: as the measure form has it (trends and changes against a baseline, drift,
    over time), else by the unit: shares against
    a target as gauges, counts and durations as stats. A score where lower is good is a
    distance (drift) and reads as a trend; other scores as stats."""
    if indicator.measure.panel is not None:
        return indicator.measure.panel
    if indicator.unit in FULL_SCALE:
        return "gauge"
    if indicator.unit == "score" and indicator.good == "lower":
        return "timeseries"
    return "stat"


def gauge_range(indicator: Indicator) -> dict:
    """A gauge spans twice the distance from its ideal end to the farthest threshold, so each
    coloured band is wide enough to read (an uptime gauge from 98% to 100%, not 0 to 100%)."""
    scale = FULL_SCALE[indicator.unit]
    values = [t.value for t in indicator.thresholds] + [indicator.target, indicator.warning]
    if any(not 0 <= value <= scale for value in values):
        return {}
    if indicator.good == "higher":  # rounded: 1 - 2 * (1 - 0.8) is 0.6000000000000001
        return {"min": round(max(0, scale - 2 * (scale - min(values))), 9), "max": scale}
    return {"min": 0, "max": round(min(scale, 2 * max(values)), 9)}


def description(spec: Spec, indicator: Indicator, series: str) -> str:
    """The definition, target, warning sign, the levels it raises, its per-label overrides and
    its recorded `series`."""
    lines = [indicator.definition,
             f"**Target:** {present.met(indicator, indicator.target)}. "
             f"**Warning sign:** {present.breached(indicator, indicator.warning)}."]
    if indicator.thresholds:
        lines.append("**Alerts:** " + "; ".join(present.level_rule(indicator, t) for t in indicator.thresholds) + ".")
    if indicator.overrides:
        lines.append("**Overrides:** " + "; ".join(present.override_rule(indicator, o) for o in indicator.overrides) + ".")
    lines.append(f"**Owner:** {spec.team(indicator.team).title}. **Series:** `{series}`")
    return "\n\n".join(lines)  # Markdown paragraphs


def indicator_panel(spec: Spec, indicator: Indicator, filtered_by: tuple[str, ...] | None = None,
                    links: tuple[dict, ...] = ()) -> dict:
    """The indicator's panel, filtered by the variables of `filtered_by` (default: every label
    it has). Series an override selects get their own query and thresholds; the first query
    leaves them out, as the alert rules do."""
    panel_type = kind(indicator)
    labels = spec.global_labels + indicator.track_by if filtered_by is None else filtered_by
    series = conventions.indicator_series(spec, indicator)
    selector = Selector(series, variable_matchers(labels))
    name = legend(indicator.track_by)
    overridden = [selector.text(extra=tuple((label, "=", value) for label, value in o.when)) for o in indicator.overrides]
    main = " unless ".join([selector.text()] + overridden)
    # each override's query leaves out the series an earlier one takes, as its alert rules do
    own = [" unless ".join([expr] + [overridden[number] for number in earlier]) for expr, earlier in zip(overridden, taken_before(indicator.overrides))]
    instant = panel_type == "gauge"
    targets = [query(main, "A", name, instant)] + [
        query(expr, _ref(position), name, instant) for position, expr in enumerate(own, start=1)]
    places = present.decimals(indicator)
    defaults = {"unit": UNITS[indicator.unit], **({"decimals": places} if places is not None else {}),
                "thresholds": {"mode": "absolute", "steps": steps(indicator.thresholds, indicator.good)},
                **(gauge_range(indicator) if panel_type == "gauge" else {})}
    overrides = [{"matcher": {"id": "byFrameRefID", "options": _ref(position)},
                  "properties": [{"id": "thresholds", "value": {"mode": "absolute", "steps": steps(o.thresholds, indicator.good)}}]}
                 for position, o in enumerate(indicator.overrides, start=1)]
    return panel(panel_type, indicator.title, targets, defaults, description(spec, indicator, series),
                 [*links, runbook_link(indicator.runbook_url)], overrides, _worst_first(indicator, panel_type))


def _worst_first(indicator: Indicator, panel_type: str) -> dict:
    """A time series of many models or teams lists them beside the graph, the worst on top."""
    if panel_type != "timeseries":
        return {}
    return {"legend": {"calcs": ["lastNotNull"], "displayMode": "table", "placement": "right", "showLegend": True,
                       "sortBy": "Last *", "sortDesc": indicator.good == "lower"}}


def _ref(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, letter = divmod(position - 1, 26)
        letters = chr(ord("A") + letter) + letters
    return letters


def panel(panel_type: str, title: str, targets: list[dict], defaults: dict, text: str = "",
          links: list[dict] | None = None, overrides: list[dict] | None = None, options: dict | None = None) -> dict:
    """A panel of a type this backend draws, with that type's options (`options` changes some)."""
    colour = {"mode": "palette-classic"} if panel_type == "timeseries" else {"mode": "thresholds"}
    field_defaults = {"color": colour, **defaults}
    if panel_type == "timeseries":
        field_defaults["custom"] = TIMESERIES_FIELD
    return {"type": panel_type, "title": title, **({"description": text} if text else {}), "datasource": DATASOURCE,
            "targets": targets, "fieldConfig": {"defaults": field_defaults, "overrides": overrides or []},
            "options": {**OPTIONS[panel_type], **(options or {})}, "links": links or []}


def score_panel(panel_type: str, title: str, targets: list[dict], text: str, links: list[dict] | None = None) -> dict:
    """Scores are 0 to 100, red under 60, yellow under 80 (the chapter's 80 is 'on track')."""
    return panel(panel_type, title, targets, {"unit": "none", **SCORE_RANGE, "decimals": 0,
                                               "thresholds": {"mode": "absolute", "steps": SCORE_STEPS}}, text, links)


_REDUCE = {"calcs": ["lastNotNull"], "fields": "", "values": False}
OPTIONS = {
    "gauge": {"minVizHeight": 75, "minVizWidth": 75, "orientation": "auto", "reduceOptions": _REDUCE,
              "showThresholdLabels": False, "showThresholdMarkers": True, "sizing": "auto"},
    "stat": {"colorMode": "value", "graphMode": "area", "justifyMode": "auto", "orientation": "auto",
             "percentChangeColorMode": "standard", "reduceOptions": _REDUCE, "showPercentChange": False,
             "textMode": "auto", "wideLayout": True},
    "timeseries": {"legend": {"calcs": ["lastNotNull"], "displayMode": "list", "placement": "bottom", "showLegend": True},
                   "tooltip": {"mode": "multi", "sort": "desc"}},
    "table": {"cellHeight": "sm", "frameIndex": 0, "showHeader": True},
}
TIMESERIES_FIELD = {"drawStyle": "line", "fillOpacity": 10, "lineWidth": 2, "showPoints": "never", "spanNulls": False,
                    "thresholdsStyle": {"mode": "dashed"}}


def rollup_query(spec: Spec, by: str, value: str, ref: str, title: str, instant: bool = True) -> dict:
    """The average score of one indicator, group, category or scorecard entry."""
    matchers = ((by, "=", value),) + variable_matchers(spec.global_labels)
    return query(Selector(conventions.rollup_score_series(spec, by), matchers).text(), ref, title, instant)


def refs(count: int) -> list[str]:
    """Query ref ids A, B, ... Z, AA, AB, ..."""
    return [_ref(position) for position in range(count)]
