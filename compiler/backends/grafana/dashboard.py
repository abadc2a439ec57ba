"""The dashboard around the panels: the grid layout and panel ids, template variables named
like the labels they filter (so an alert's `var-model=...` link selects its series), the
firing-alert annotations and the links between a spec's dashboards."""

from __future__ import annotations

from dataclasses import dataclass

from compiler import conventions
from compiler.backends.grafana.panels import ALL, DATASOURCE, FIRING, variable_matchers
from compiler.model import Selector, Spec

SCHEMA_VERSION = 42  # Grafana 12's classic dashboard model
WIDTH = 24
FIRST_OTHER_ID = 1000  # up to conventions.INDICATOR_PANEL_IDS, where indicator panels' ids begin
REFRESH = "5m"  # recorded series change at the rules' evaluation interval, not faster
TIME_RANGE = {"from": "now-7d", "to": "now"}  # the weekly review


@dataclass(frozen=True)
class Row:
    title: str


@dataclass(frozen=True)
class Cell:
    panel: dict
    width: int
    height: int
    id: int | None = None  # fixed ids are indicator panels'; others are numbered from 1000


def arrange(items: list[Row | Cell]) -> list[dict]:
    """Panels left to right in lines of 24 columns, each row on a line of its own. A line that
    falls short is widened in proportion, so no dashboard has ragged gaps."""
    panels, y, other_id = [], 0, FIRST_OTHER_ID
    for line in _lines(items):
        if isinstance(line, Row):
            panels.append({"type": "row", "title": line.title, "collapsed": False, "panels": [], "id": other_id,
                           "gridPos": {"h": 1, "w": WIDTH, "x": 0, "y": y}})
            other_id, y = other_id + 1, y + 1
            continue
        x = 0
        for cell, width in zip(line, _widened([cell.width for cell in line])):
            panel_id = cell.id
            if panel_id is None:
                panel_id, other_id = other_id, other_id + 1
            panels.append({**cell.panel, "id": panel_id, "gridPos": {"h": cell.height, "w": width, "x": x, "y": y}})
            x += width
        y += max(cell.height for cell in line)
    return panels


def _lines(items: list[Row | Cell]) -> list[Row | list[Cell]]:
    lines: list[Row | list[Cell]] = []
    for item in items:
        last = lines[-1] if lines else None
        if isinstance(item, Row):
            lines.append(item)
        elif isinstance(last, list) and sum(cell.width for cell in last) + item.width <= WIDTH:
            last.append(item)
        else:
            lines.append([item])
    return lines


def _widened(widths: list[int]) -> list[int]:
    total = sum(widths)
    scaled = [width * WIDTH // total for width in widths]
    return scaled[:-1] + [scaled[-1] + WIDTH - sum(scaled)]


def variables(spec: Spec, series: dict[str, list[str]]) -> list[dict]:
    """The data source, then a multi-value variable with "All" per label (global labels first),
    offering the label's values in the recorded series that carry it (`series`: label -> names),
    under the values chosen in the variables before it."""
    result = [{"type": "datasource", "name": "datasource", "label": "Data source", "query": "prometheus",
               "hide": 0, "includeAll": False, "multi": False, "options": [], "refresh": 1, "regex": ""}]
    labels = tuple(series)
    for position, label in enumerate(labels):
        before = variable_matchers(labels[:position])
        selector = Selector("", (("__name__", "=~", "|".join(sorted(set(series[label])))),) + before).text()
        values = f"label_values({selector}, {label})"
        result.append({"type": "query", "name": label, "label": label, "datasource": DATASOURCE,
                       "query": values, "definition": values, "refresh": 2, "sort": 1, "regex": "", "hide": 0,
                       "multi": True, "includeAll": True, "allValue": ALL, "options": [],
                       "current": {"selected": True, "text": ["All"], "value": ["$__all"]}})
    return result


def alerts_selector(spec: Spec, categories: list[str], extra: tuple = ()) -> str:
    """The firing ALERTS of these categories' indicators (and no other spec's), filtered by the
    global labels. Every alert carries its category: selected by it, the overview's queries grow
    with the categories, not with the indicators."""
    matchers = FIRING + ((conventions.CATEGORY_LABEL, "=~", "|".join(categories)),) + extra + variable_matchers(spec.global_labels)
    return Selector("ALERTS", matchers).text()


def alert_annotations(spec: Spec, categories: list[str]) -> dict:
    """Grafana's own annotations, and a marker whenever an alert of these categories fires."""
    level, indicator, owner = conventions.LEVEL_LABEL, conventions.INDICATOR_LABEL, conventions.OWNER_LABEL
    return {"list": [
        {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True, "hide": True,
         "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"},
        {"name": "Firing alerts", "datasource": DATASOURCE, "enable": True, "hide": False, "iconColor": "red",
         "expr": alerts_selector(spec, categories), "step": "1m", "titleFormat": "{{alertname}}",
         "textFormat": f"{{{{{level}}}}}: {{{{{indicator}}}}} (owner {{{{{owner}}}}})",
         "tagKeys": f"{level},{indicator},{owner}", "useValueForTime": False},
    ]}


def dashboard(spec: Spec, uid: str, title: str, text: str, tags: list[str], templating: list[dict],
              items: list[Row | Cell], notes: dict) -> dict:
    return {
        "id": None,
        "uid": uid,
        "title": title,
        "description": text,
        "tags": [spec.name, "indicators", *tags],
        "timezone": "utc",
        "editable": False,
        "graphTooltip": 1,
        "time": TIME_RANGE,
        "timepicker": {"refresh_intervals": ["1m", "5m", "15m", "1h"]},
        "refresh": REFRESH,
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "links": [{"title": spec.title, "type": "dashboards", "tags": [spec.name], "asDropdown": True, "icon": "external link",
                   "tooltip": f"All {spec.title} dashboards", "includeVars": True, "keepTime": True, "targetBlank": False}],
        "templating": {"list": templating},
        "annotations": notes,
        "panels": arrange(items),
    }
