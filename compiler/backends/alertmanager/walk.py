"""How Alertmanager picks the routes an alert ends at, and the inhibit rules that can mute it,
for configs as the backend builds them: the one walk `indicators diff`, the backtest's
notifications and the tests' routing oracle share. The tests hold it to amtool's own answer
for every routing case (test_alertmanager)."""

from __future__ import annotations

import re

_MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$')
INHERITED = ("receiver", "group_by", "group_wait", "group_interval", "repeat_interval")
OWN = ("active_time_intervals", "mute_time_intervals")  # a route's own, never its parent's


def parsed(matcher: str) -> tuple[str, str, str]:
    """`level=~"yellow|red"` -> ('level', '=~', 'yellow|red')."""
    found = _MATCHER.match(matcher)
    if found is None:
        raise ValueError(f"not an Alertmanager matcher: {matcher!r}")
    label, operator, value = found.groups()
    return label, operator, value


def matches(matcher: str, labels: dict[str, str]) -> bool:
    label, operator, value = parsed(matcher)
    actual = labels.get(label, "")
    if operator == "=":
        return actual == value
    if operator == "!=":
        return actual != value
    full = re.fullmatch(value, actual) is not None
    return full if operator == "=~" else not full


def _route_matches(route: dict, labels: dict[str, str]) -> bool:
    matchers = list(route.get("matchers") or [])
    matchers += [f'{k}="{v}"' for k, v in (route.get("match") or {}).items()]
    matchers += [f'{k}=~"{v}"' for k, v in (route.get("match_re") or {}).items()]
    return all(matches(matcher, labels) for matcher in matchers)


def route(config: dict, labels: dict[str, str]) -> list[dict]:
    """The routes an alert ends at, as Alertmanager walks the tree: depth first, stopping at the
    first matching child unless it says `continue`; settings are inherited from parents."""
    def walk(node: dict, inherited: dict) -> list[dict]:
        settings = {**inherited, **{k: node[k] for k in INHERITED if k in node}}
        settings.update({k: node.get(k) for k in OWN})
        reached: list[dict] = []
        for child in node.get("routes") or []:
            if _route_matches(child, labels):
                reached += walk(child, settings)
                if not child.get("continue"):
                    break
        return reached or [settings]

    return walk(config["route"], {})


def inhibitions(config: dict, labels: dict[str, str]) -> list[dict]:
    """The inhibit rules that can mute an alert: those whose target matchers it matches, in order."""
    return [rule for rule in config.get("inhibit_rules") or [] if all(matches(m, labels) for m in rule.get("target_matchers") or [])]
