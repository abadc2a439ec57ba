"""A category's dashboard: its score and its groups' scores, then a row per group with one
panel per indicator, at the panel id an alert's dashboard_url opens."""

from __future__ import annotations

from compiler import conventions
from compiler.backends.grafana.dashboard import Cell, Row, alert_annotations, dashboard, variables
from compiler.backends.grafana.panels import indicator_panel, kind, refs, rollup_query, score_panel
from compiler.model import Category, Spec

WIDTHS = {"gauge": 6, "stat": 6, "timeseries": 12}
HEIGHT = 8


def render(spec: Spec, category: Category) -> dict:
    ids = conventions.panel_ids(spec, category.id)
    groups = [(group, [i for i in spec.members[category.id] if i.group == group.id])
              for group in category.groups]
    groups = [(group, members) for group, members in groups if members]
    indicators = [indicator for _, members in groups for indicator in members]
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
        items += [Cell(indicator_panel(spec, indicator), WIDTHS[kind(indicator)], HEIGHT, ids[indicator.id])
                  for indicator in members]
    names = [conventions.indicator_series(spec, indicator) for indicator in indicators]
    series = {label: list(names) for label in spec.global_labels}
    for indicator, name in zip(indicators, names):
        for label in indicator.track_by:
            series.setdefault(label, []).append(name)
    return dashboard(spec, conventions.category_uid(spec, category.id), f"{spec.title}: {category.title}",
                     f"{category.title}: one panel per indicator, by group.", [category.id],
                     variables(spec, series), items, alert_annotations(spec, [category.id]))
