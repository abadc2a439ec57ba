"""Every name one section uses is defined in another: categories and groups, teams, levels,
responders, scorecard entries, indicators and tracking labels."""

from __future__ import annotations

from collections.abc import Callable, Collection

from compiler import spec
from compiler.loader import Document
from compiler.problems import Finding, did_you_mean

Need = Callable[[tuple, str, Collection[str], str], None]  # (path, name, the names defined, what they are)


def check(document: Document) -> list[Finding]:
    problems: list[Finding] = []

    def need(path: tuple, name: str, defined: Collection[str], what: str) -> None:
        if name not in defined:
            hint = did_you_mean(name, defined) or (f"defined: {', '.join(sorted(defined))}" if defined else f"define {what}s first")
            problems.append(document.problem(path, f"unknown {what} '{name}'", hint))

    data = document.data
    if "team" in (data.get("defaults") or {}):
        need(("defaults", "team"), data["defaults"]["team"], data.get("teams") or {}, "team")
    for index, indicator in spec.indicators(data):
        problems += _indicator(document, ("indicators", index), indicator, need)
    _routing(data, need)
    _scores(data, need)
    return problems


def _indicator(document: Document, here: tuple, indicator: dict, need: Need) -> list[Finding]:
    """Its category, group and team, and the labels its overrides select by."""
    data = document.data
    categories = data.get("categories") or {}
    need(here + ("category",), indicator["category"], categories, "category")
    if indicator["category"] in categories:
        need(here + ("group",), indicator["group"], categories[indicator["category"]]["groups"], "group")
    problems = []
    if "team" in indicator:
        need(here + ("team",), indicator["team"], data.get("teams") or {}, "team")
    elif spec.team_of(data, indicator) is None:
        problems.append(document.problem(here, "no team owns this indicator", "set 'team' here or 'defaults.team'"))
    tracked = indicator.get("track_by") or []
    for number, override in enumerate(indicator.get("overrides") or []):
        at = here + ("overrides", number, "when")
        problems += [document.problem(at + (label,), f"'{label}' is not a tracking label of this indicator",
                                      did_you_mean(label, tracked) or f"overrides select by track_by labels: {', '.join(tracked) or 'none'}",
                                      key=True) for label in override["when"] if label not in tracked]
        problems += [document.problem(at + (label,), f"Grafana would read '{value}' in the panel query as a dashboard variable",
                                      "an override selects by a label value without $ or [[")
                     for label, value in override["when"].items() if "$" in value or "[[" in value]  # Grafana has no escape for it
    return problems


def _routing(data: dict, need: Need) -> None:
    """The responders each level and team names, and the levels a team routes."""
    responders, levels = data.get("responders") or {}, (data.get("escalation") or {}).get("levels") or {}
    for name, level in levels.items():
        for number, responder in enumerate(level.get("responders") or []):
            need(("escalation", "levels", name, "responders", number), responder, responders, "responder")
    for name, team in (data.get("teams") or {}).items():
        for level, names in (team.get("responders") or {}).items():
            need(("teams", name, "responders", level), level, levels, "escalation level")
            for number, responder in enumerate(names):
                need(("teams", name, "responders", level, number), responder, responders, "responder")


def _scores(data: dict, need: Need) -> None:
    """What the scorecard, the ROI model and the reports read."""
    categories, scorecard = data.get("categories") or {}, data.get("scorecard") or {}
    groups = {group for body in categories.values() for group in body["groups"]}
    indicator_ids = {indicator["id"] for _, indicator in spec.indicators(data)}
    for name, entry in scorecard.items():
        for number, group in enumerate(entry.get("groups") or []):
            need(("scorecard", name, "groups", number), group, groups, "group")
        for number, category in enumerate(entry.get("categories") or []):
            need(("scorecard", name, "categories", number), category, categories, "category")
    for name, term in ((data.get("roi") or {}).get("terms") or {}).items():
        if "indicator" in term:
            need(("roi", "terms", name, "indicator"), term["indicator"], indicator_ids, "indicator")
        if "scorecard" in term:
            need(("roi", "terms", name, "scorecard"), term["scorecard"], scorecard, "scorecard entry")
    reports = data.get("reports") or {}
    for number, name in enumerate(reports.get("headline") or []):
        need(("reports", "headline", number), name, indicator_ids | set(scorecard) | set(categories), "indicator, scorecard entry or category")
    for key in ("health", "quality"):
        if key in reports:
            need(("reports", key), reports[key], categories, "category")
