"""A category's dashboard: its score and its groups' scores, then a row per group with one
panel per indicator, at the panel id an alert's dashboard_url opens. A category whose panels
outgrow one ConfigMap gets a dashboard per part (see _parts)."""

from __future__ import annotations

import orjson

from compiler import conventions
from compiler.backends import parts
from compiler.backends.grafana.dashboard import Cell, Row, alert_annotations, dashboard, variables
from compiler.backends.grafana.panels import indicator_panel, kind, refs, rollup_query, score_panel
from compiler.backends.kubernetes import DATA_LIMIT
from compiler.model import Category, Indicator, Spec

WIDTHS = {"gauge": 6, "stat": 6, "timeseries": 12}
HEIGHT = 8
# A part's indicators, as _estimated_bytes counts them: 64 KiB of the ConfigMap to spare for the
# dashboard around them (9 KiB for the bench's categories) and the estimate's error (within 1.5%
# at scale), so that a category whose dashboard fits one ConfigMap keeps its one dashboard.
PART_BUDGET = DATA_LIMIT - 65_536
LINE = 14  # bytes a line of two-space JSON at a panel's depth adds to the compact form: 11 to 13.6 in the shipped and bench specs


def render(spec: Spec, category: Category) -> tuple[list[dict], dict[str, int]]:
    """The category's dashboards, the first at the category's own uid; and the part (1 up) whose
    dashboard holds each indicator's panel."""
    ids = conventions.panel_ids(spec, category.id)
    by_id = {indicator.id: indicator for indicator in spec.members[category.id]}
    panels = {indicator_id: indicator_panel(spec, by_id[indicator_id]) for indicator_id in ids}  # in panel order
    cut = _parts(spec, [by_id[indicator_id] for indicator_id in ids], panels)
    boards = [_dashboard(spec, category, number, len(cut), members, panels, ids) for number, members in enumerate(cut, start=1)]
    return boards, {indicator.id: number for number, members in enumerate(cut, start=1) for indicator in members}


def _parts(spec: Spec, indicators: list[Indicator], panels: dict[str, dict]) -> list[list[Indicator]]:
    """The indicators in panel order, cut where the next one would take its part past PART_BUDGET:
    one part for all but the biggest categories (a ConfigMap holds about 360 of the bench's panels)."""
    return parts.cut(indicators, lambda indicator: _estimated_bytes(spec, indicator, panels[indicator.id]), PART_BUDGET)


def _estimated_bytes(spec: Spec, indicator: Indicator, panel: dict) -> int:
    """About what an indicator takes in its dashboard's JSON: its panel's compact JSON (orjson's:
    UTF-8, no spaces) with the space the emitted JSON has after each colon and comma, and a LINE
    for each value it puts on a line of its own (one per comma or opening bracket; a comma or
    colon in a text counts too, which errs on the safe side), and its series' name in the query
    and definition of each label variable that offers it."""
    compact = orjson.dumps(panel)
    commas = compact.count(b",")
    lines = commas + compact.count(b"{") + compact.count(b"[")
    labels = len(spec.global_labels) + len(indicator.track_by)
    return len(compact) + commas + compact.count(b":") + LINE * lines + 2 * labels * (len(conventions.indicator_series(spec, indicator)) + 1)


def _dashboard(spec: Spec, category: Category, number: int, total: int, indicators: list[Indicator],
               panels: dict[str, dict], ids: dict[str, int]) -> dict:
    groups = [(group, [i for i in indicators if i.group == group.id]) for group in category.groups]
    groups = [(group, members) for group, members in groups if members]
    items: list[Row | Cell] = [
        Row("Scores"),
        Cell(score_panel("gauge", f"{category.title} score", [rollup_query(spec, "category", category.id, "A", category.title)],
                         "The average score (0 to 100) of the category's indicators."), 6, 7),
        Cell(score_panel("gauge", "Group scores", [rollup_query(spec, "group", group.id, ref, group.title)
                                                  for (group, _), ref in zip(groups, refs(len(groups)))],
                         "The average score (0 to 100) of each group's indicators."), 18, 7),
    ]
    for group, members in groups:
        items.append(Row(group.title))
        items += [Cell(panels[indicator.id], WIDTHS[kind(indicator)], HEIGHT, ids[indicator.id]) for indicator in members]
    names = [conventions.indicator_series(spec, indicator) for indicator in indicators]
    series = {label: list(names) for label in spec.global_labels}
    for indicator, name in zip(indicators, names):
        for label in indicator.track_by:
            series.setdefault(label, []).append(name)
    title, text = f"{spec.title}: {category.title}", f"{category.title}: one panel per indicator, by group."
    if total > 1:  # the dashboards menu (the spec's tag) lists every part
        title += f" ({number} of {total})"
        text += f" Part {number} of {total}, from {indicators[0].title} to {indicators[-1].title}; the dashboards menu opens the others."
    return dashboard(spec, conventions.category_uid(spec, category.id, number), title, text, [category.id],
                     variables(spec, series), items, alert_annotations(spec, [category.id]))
