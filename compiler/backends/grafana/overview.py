"""The executive overview for the weekly and monthly reviews (chapter 8.1.8): the composite
score and the scorecard, the headline indicators, the firing alerts by level, the category
scores linking to their dashboards, and the scores' trends over the last weeks. Each section
has a fixed number of panels and queries however many indicators and categories, and its
text grows with the categories only (their ids and titles), so the overview of 10,000
indicators fits its ConfigMap (kubernetes.DATA_LIMIT) and stays an overview."""

from __future__ import annotations

from compiler import conventions, present
from compiler.backends.grafana.dashboard import Cell, Row, alert_annotations, alerts_selector, dashboard, variables
from compiler.backends.grafana.panels import (
    COLOURS,
    GREEN,
    indicator_panel,
    legend,
    link,
    panel,
    query,
    refs,
    rollup_query,
    score_panel,
    variable_matchers,
)
from compiler.model import Category, Indicator, Selector, Spec

# The executive summary is the reports' (spec.reports): the headline's indicators, then model
# health (the score of the per-model quality category). A headline that names no indicator
# shows the first indicator of each category instead, of the first MAX_HEADLINES categories:
# past three rows of panels an overview is no overview (checks.overview warns of the rest).
TREND_RANGE = "8w"
MAX_HEADLINES = 12


def render(spec: Spec, categories: list[Category], parts: dict[str, int]) -> dict:
    """`parts`: the part of its category's dashboard holding each indicator's panel."""
    sections: list[tuple[str, list[Cell]]] = [("Scorecard", _scorecard(spec)), ("Headline indicators", _headlines(spec, categories, parts)),
                ("Alerts", _alerts(spec, categories)), ("Categories", [_categories(spec, categories)]),
                (f"Trends, last {TREND_RANGE.removesuffix('w')} weeks", _trends(spec, categories))]
    items: list[Row | Cell] = []
    for title, cells in sections:
        if cells:  # a section with nothing in it gets no row either
            items.append(Row(title))
            items.extend(cells)
    series = {label: [conventions.rollup_score_series(spec, "category")] for label in spec.global_labels}
    return dashboard(spec, conventions.overview_uid(spec), f"{spec.title}: Overview",
                     "The executive view of the leading indicators: scores, headline indicators, firing alerts and trends.",
                     ["overview"], variables(spec, series), items,
                     alert_annotations(spec, [c.id for c in categories]))


def _scorecard(spec: Spec) -> list[Cell]:
    cells = []
    if spec.scorecard:
        composite = query(_global(spec, conventions.composite_score_series(spec)), "A", "Composite", instant=True)
        weights = ", ".join(f"{entry.title} {present.weight(entry.weight)}" for entry in spec.scorecard)
        cells.append(Cell(score_panel("gauge", "Composite score", [composite],
                                      f"The monthly business review's weighted score (0 to 100): {weights}."), 6, 8))
        entries = [rollup_query(spec, "scorecard", entry.id, ref, entry.title)
                   for entry, ref in zip(spec.scorecard, refs(len(spec.scorecard)))]
        cells.append(Cell(score_panel("gauge", "Scorecard", entries,
                                      "Each scorecard entry's average indicator score (0 to 100)."), 12, 8))
    if spec.roi is not None:
        roi = query(_global(spec, conventions.roi_series(spec)), "A", "ROI")
        steps = [{"value": None, "color": "red"}, {"value": 1, "color": GREEN}]
        cells.append(Cell(panel("stat", "Predicted ROI", [roi], {"unit": "suffix:×", "decimals": 2, "thresholds": {
            "mode": "absolute", "steps": steps}}, "The ROI multiplier the leading indicators predict (chapter 8.1.9); "
                                                "below 1× the platform costs more than it returns."), 6, 8))
    return cells


def headline(spec: Spec, categories: list[Category]) -> tuple[list[Indicator], list[Category]]:
    """The headline's indicators, and the categories whose first indicator the fallback leaves out."""
    by_id = {indicator.id: indicator for indicator in spec.indicators}
    if named := [by_id[i] for i in spec.reports.headline if i in by_id]:
        return named, []
    return [spec.members[category.id][0] for category in categories[:MAX_HEADLINES]], categories[MAX_HEADLINES:]


def _headlines(spec: Spec, categories: list[Category], parts: dict[str, int]) -> list[Cell]:
    chosen, _ = headline(spec, categories)
    cells = [Cell(indicator_panel(spec, indicator, spec.global_labels, (
        link(f"Open in {spec.category(indicator.category).title}", conventions.dashboard_url(
            spec, indicator, conventions.panel_ids(spec, indicator.category)[indicator.id], parts[indicator.id])),)), 6, 8)
        for indicator in chosen]
    health = next((category for category in categories if category.id == spec.reports.quality), None)
    if health is not None:
        cells.append(Cell(score_panel("gauge", "Model health", [rollup_query(spec, "category", health.id, "A", health.title)],
                                      f"The {health.title} category's score (0 to 100).", [_open(spec, health)]), 6, 8))
    return cells


def _alerts(spec: Spec, categories: list[Category]) -> list[Cell]:
    shown = [category.id for category in categories]
    levels = spec.escalation.alerting
    counts = [query(f"count({alerts_selector(spec, shown, ((conventions.LEVEL_LABEL, '=', level.name),))})"
                    " or vector(0)", ref, level.name.capitalize(), instant=True)
              for level, ref in zip(levels, refs(len(levels)))]
    colours = [{"matcher": {"id": "byFrameRefID", "options": ref}, "properties": [{"id": "thresholds", "value": {
        "mode": "absolute", "steps": [{"value": None, "color": GREEN}, {"value": 1, "color": COLOURS[level.threshold or ""]}]}}]}  # alerting: has one
        for level, ref in zip(levels, refs(len(levels)))]
    by_level = panel("stat", "Firing alerts by level", counts, {"unit": "short", "decimals": 0, "thresholds": {
        "mode": "absolute", "steps": [{"value": None, "color": GREEN}]}}, "Alerts firing now at each escalation level.",
        overrides=colours, options={"colorMode": "background", "graphMode": "none", "textMode": "value_and_name"})
    hidden = {name: True for name in ("Time", "Value", "__name__", "alertstate")}
    table = panel("table", "Firing alerts", [query(alerts_selector(spec, shown), "A", instant=True) | {
        "format": "table"}], {"thresholds": {"mode": "absolute", "steps": [{"value": None, "color": GREEN}]}},
        "Every alert firing now, with its level, indicator and owner.")
    table["transformations"] = [{"id": "organize", "options": {"excludeByName": hidden}}]
    return [Cell(by_level, 8, 7), Cell(table, 16, 7)]


def _categories(spec: Spec, categories: list[Category]) -> Cell:
    """One row per category (and global label values), lowest score first, from one query
    whatever the number of categories; ids show as their titles (value mappings). Every
    dashboard's menu of the spec's dashboards, at its top, opens each category's."""
    series = _global(spec, conventions.rollup_score_series(spec, conventions.CATEGORY_LABEL))
    table = score_panel("table", "Category scores", [query(series, "A", instant=True) | {"format": "table"}],
                        "Each category's average indicator score (0 to 100), lowest first; the dashboards menu at the top "
                        "opens each category's dashboard.")
    defaults = table["fieldConfig"]["defaults"]
    defaults["mappings"] = [{"type": "value", "options": {c.id: {"text": c.title, "index": position} for position, c in enumerate(categories)}}]
    defaults["custom"] = {"cellOptions": {"type": "auto"}}
    score = {"matcher": {"id": "byName", "options": "Score"}, "properties": [
        {"id": "custom.cellOptions", "value": {"type": "color-background"}}]}
    table["fieldConfig"]["overrides"] = [score]
    table["options"] |= {"sortBy": [{"displayName": "Score", "desc": False}]}
    table["transformations"] = [{"id": "organize", "options": {"excludeByName": {"Time": True, "__name__": True},
                                                               "renameByName": {conventions.CATEGORY_LABEL: "Category", "Value": "Score"}}}]
    return Cell(table, 24, 9)


def _trends(spec: Spec, categories: list[Category]) -> list[Cell]:
    scorecard = [query(_global(spec, conventions.composite_score_series(spec)), "A", "Composite")] + [
        rollup_query(spec, "scorecard", entry.id, ref, entry.title, instant=False)
        for entry, ref in zip(spec.scorecard, refs(len(spec.scorecard) + 1)[1:])]
    by_category = [query(_global(spec, conventions.rollup_score_series(spec, conventions.CATEGORY_LABEL)), "A",
                         legend((conventions.CATEGORY_LABEL,)))]  # one line per category, one query for all
    cells = [("Scorecard trend", scorecard)] if spec.scorecard else []
    cells.append(("Category score trend", by_category))
    return [Cell(score_panel("timeseries", title, targets, "Scores (0 to 100) over the last weeks.") | {"timeFrom": TREND_RANGE},
                 12, 9) for title, targets in cells]


def _global(spec: Spec, series: str) -> str:
    return Selector(series, variable_matchers(spec.global_labels)).text()


def _open(spec: Spec, category: Category) -> dict:
    return link(f"Open {category.title}", f"{spec.output.grafana_url}/d/{conventions.category_uid(spec, category.id)}")
