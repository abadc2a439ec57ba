"""The PromQL a dashboard sends, as Prometheus receives it: Grafana's `$__*` variables and the
template variables substituted. Tests parse these, and the cross-check against the rules asks
`series_read()` which recorded series the dashboards need."""

from __future__ import annotations

import re

from compiler import promql

# Grafana's own variables, as Grafana substitutes them before sending a query.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "7d"}
_LABEL_VALUES = re.compile(r"label_values\((.*), (\w+)\)")
_NAME_ALTERNATIVES = re.compile(r'__name__=~"([^"]*)"')


def texts(board: dict) -> list[str]:
    """Every query as written: panel targets, annotations and the series selectors of the
    label_values() variables."""
    found = [target["expr"] for panel in board["panels"] if panel["type"] != "row" for target in panel["targets"]]
    found += [note["expr"] for note in board["annotations"]["list"] if "expr" in note]
    found += [match.group(1) for variable in board["templating"]["list"]
              if variable["type"] == "query" and (match := _LABEL_VALUES.fullmatch(variable["query"])) is not None]
    return found


def substituted(expr: str, board: dict) -> str:
    """The query with every variable replaced; a variable the dashboard lacks raises ValueError."""
    for name, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(name, value)
    for variable in board["templating"]["list"]:
        expr = re.sub(rf"\$\{{?{variable['name']}\}}?\b", variable.get("allValue", ""), expr)
    if "$" in expr:
        raise ValueError(f"a variable the dashboard does not define: {expr}")
    return expr


def series_read(board: dict) -> set[str]:
    """Series names the dashboard reads, each alternative of a {__name__=~"a|b"} selector included."""
    names: set[str] = set()
    for expr in texts(board):
        text = substituted(expr, board)
        names |= {read.name for read in promql.series_read(text)}
        names |= {name for group in _NAME_ALTERNATIVES.findall(text) for name in group.split("|")}
    return names
