"""Every name one section uses is defined in another: categories and groups, teams, levels,
responders, scorecard entries, indicators and tracking labels."""

from __future__ import annotations

from collections.abc import Callable, Collection

from compiler.loader import Document
from compiler.problems import Finding, did_you_mean
from compiler.spec_types import Category, Indicator, Spec

Need = Callable[[tuple, str, Collection[str], str], None]  # (path, name, the names defined, what they are)


def check(document: Document, typed: Spec) -> list[Finding]:
    problems: list[Finding] = []

    def need(path: tuple, name: str, defined: Collection[str], what: str) -> None:
        if name not in defined:
            hint = did_you_mean(name, defined) or (f"defined: {', '.join(sorted(defined))}" if defined else f"define {what}s first")
            problems.append(document.problem(path, f"unknown {what} '{name}'", hint))

    teams = {team.id for team in typed.teams}
    if typed.defaults.team is not None:
        need(("defaults", "team"), typed.defaults.team, teams, "team")
    categories = {category.id: category for category in typed.categories}  # once: categories grow with the indicators
    for indicator in typed.indicators:
        problems += _indicator(document, indicator, teams, categories, need)
    _routing(typed, need)
    _scores(typed, need)
    return problems


def _indicator(document: Document, indicator: Indicator, teams: set[str], categories: dict[str, Category], need: Need) -> list[Finding]:
    """Its category, group and team, and the labels its overrides select by."""
    here = indicator.path
    need(here + ("category",), indicator.category, categories, "category")
    if indicator.category in categories:
        need(here + ("group",), indicator.group, [group.id for group in categories[indicator.category].groups], "group")
    problems = []
    if "team" in indicator.written:
        need(here + ("team",), indicator.team or "", teams, "team")
    elif indicator.team is None:
        problems.append(document.problem(here, "no team owns this indicator", "set 'team' here or 'defaults.team'"))
    tracked = list(indicator.track_by)
    for override in indicator.overrides:
        at = override.path + ("when",)
        problems += [document.problem(at + (label,), f"'{label}' is not a tracking label of this indicator",
                                      did_you_mean(label, tracked) or f"overrides select by track_by labels: {', '.join(tracked) or 'none'}",
                                      key=True) for label, _ in override.when if label not in tracked]
        problems += [document.problem(at + (label,), f"Grafana would read '{value}' in the panel query as a dashboard variable",
                                      "an override selects by a label value without $ or [[")
                     for label, value in override.when if "$" in value or "[[" in value]  # Grafana has no escape for it
    for position, override in enumerate(indicator.overrides):  # the first override a series matches applies
        shadowing = [number for number, before in enumerate(indicator.overrides[:position]) if set(before.when) <= set(override.when)]
        if shadowing:
            before = ", ".join(f"{label}={value}" for label, value in indicator.overrides[shadowing[0]].when)
            problems.append(document.problem(override.path + ("when",), f"no series reaches this override: overrides[{shadowing[0]}] "
                                             f"({before}) matches every series it does, and the first override that matches applies",
                                             "put the narrower override first, or merge the two"))
    return problems


def _routing(typed: Spec, need: Need) -> None:
    """The responders each level and team names, and the levels a team routes."""
    responders = {responder.id for responder in typed.responders}
    levels = typed.escalation.levels if typed.escalation else ()
    for level in levels:
        for number, responder in enumerate(level.responders):
            need(level.path + ("responders", number), responder, responders, "responder")
    for team in typed.teams:
        for level_name, names in team.responders:
            need(team.path + ("responders", level_name), level_name, [level.name for level in levels], "escalation level")
            for number, responder in enumerate(names):
                need(team.path + ("responders", level_name, number), responder, responders, "responder")


def _scores(typed: Spec, need: Need) -> None:
    """What the scorecard, the ROI model and the reports read."""
    categories = [category.id for category in typed.categories]
    scorecard = [entry.id for entry in typed.scorecard]
    groups = {group.id for category in typed.categories for group in category.groups}
    indicator_ids = {indicator.id for indicator in typed.indicators}
    for entry in typed.scorecard:
        for number, group in enumerate(entry.groups):
            need(entry.path + ("groups", number), group, groups, "group")
        for number, category in enumerate(entry.categories):
            need(entry.path + ("categories", number), category, categories, "category")
    for term in typed.roi.terms if typed.roi else ():
        named = dict(term.sources)
        for source, defined, what in (("indicator", indicator_ids, "indicator"), ("scorecard", scorecard, "scorecard entry")):
            if source in named:
                need(term.path + (source,), named[source], defined, what)
    reports = typed.reports
    for number, name in enumerate(reports.headline if "headline" in reports.written else ()):
        need(("reports", "headline", number), name, indicator_ids | set(scorecard) | set(categories), "indicator, scorecard entry or category")
    for key, value in (("health", reports.health), ("quality", reports.quality)):
        if key in reports.written:
            need(("reports", key), value or "", categories, "category")
