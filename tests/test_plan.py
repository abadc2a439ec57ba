"""The rule plan as a value, compared whole per group for small specs (as Pyrra compares a
rule group): each rule's kind, name, expression, `for`, labels, level, override, thresholds, owner and
the labels it keeps. Wording (annotations) is pinned by the golden files; reads by promql's tests."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import INDICATOR, ROOT, spec_text

from compiler import pipeline, promql
from compiler.backends import prometheus
from compiler.backends.prometheus import measures
from compiler.backends.prometheus.plan import ALERT, RECORD, Group, Rule
from compiler.model import Override, Spec, Threshold

CONTRACT = (("indicator", "queue"), ("category", "platform_health"), ("group", "reliability"), ("owner", "core"))
YELLOW = (("severity", "warning"), ("level", "yellow"), *CONTRACT)
RED = (("severity", "error"), ("level", "red"), *CONTRACT)
KEEPS = ("model",)
CHECKOUT = Override((("model", "checkout"),), (Threshold("target", 5, 86400, "yellow"), Threshold("warning", 50, 21600, "red")))
NO_DATA = ("absent(queue_depth)\nor\n(\n  last_over_time(model:shop_queue_sources:present[1d])\nunless\n"
           "  model:shop_queue_sources:present\n)")


def queue(*rules: Rule) -> tuple[Rule, ...]:
    return tuple(dataclasses.replace(rule, indicator="queue", keeps=KEEPS) for rule in rules)


# The scorecard cut by category: the category's part averages each indicator's score, the
# scorecard's own group rolls those up.
SCORED = Group("shop_platform_health_scorecard", "5m", (
    Rule(RECORD, "indicator:shop_indicator_score:avg", "avg by () (last_over_time(model:shop_queue:score[10m]))",
         labels=(("indicator", "queue"), ("group", "reliability"), ("category", "platform_health")), keeps=("indicator",)),))


def rollups(*entries: Rule) -> tuple[Rule, ...]:
    return (Rule(RECORD, "group:shop_indicator_score:avg", "avg by (group) (last_over_time(indicator:shop_indicator_score:avg[10m]))", keeps=("group",)),
            Rule(RECORD, "category:shop_indicator_score:avg", "avg by (category) (last_over_time(indicator:shop_indicator_score:avg[10m]))",
                 keeps=("category",)), *entries)


PLANS = [
    ("a gauge: its value, score, an alert per threshold, who reports and the no-data alert", INDICATOR, [
        Group("shop_platform_health_long_windows", "5m", queue(
            Rule(RECORD, "model:shop_queue:max", "max by (model) (queue_depth)"),
            Rule(RECORD, "model:shop_queue:score", "clamp_max(clamp_min(\n  (model:shop_queue:max - 100) / (-90) * 100,\n0), 100)"),
            Rule(ALERT, "ShopQueue", "model:shop_queue:max > 10 + 1e-08", "1d", YELLOW, level="yellow",
                 thresholds=("> 10",)),
            Rule(ALERT, "ShopQueue", "model:shop_queue:max > 100 + 1e-07", "6h", RED, level="red",
                 thresholds=("> 100",)),
            Rule(RECORD, "model:shop_queue_sources:present", "group by (model) (queue_depth)"),
            Rule(ALERT, "ShopQueueNoData", NO_DATA, "1h", RED, level="red"))),
        SCORED, Group("shop_scorecard", "5m", rollups())]),
    ("an override (its `for` the default's): its own alerts on its own series, the default's excluding them, one score of both",
     INDICATOR + "    overrides:\n      - when: {model: checkout}\n        target: 5\n        warning: 50\n", [
        Group("shop_platform_health_long_windows", "5m", queue(
            Rule(RECORD, "model:shop_queue:max", "max by (model) (queue_depth)"),
            Rule(RECORD, "model:shop_queue:score",
                 'clamp_max(clamp_min(\n  (model:shop_queue:max{model!="checkout"} - 100) / (-90) * 100,\n0), 100)\nor\n'
                 'clamp_max(clamp_min(\n  (model:shop_queue:max{model="checkout"} - 50) / (-45) * 100,\n0), 100)'),
            Rule(ALERT, "ShopQueue", 'model:shop_queue:max{model!="checkout"} > 10 + 1e-08', "1d", YELLOW, level="yellow",
                 thresholds=("> 10",)),
            Rule(ALERT, "ShopQueue", 'model:shop_queue:max{model!="checkout"} > 100 + 1e-07', "6h", RED, level="red",
                 thresholds=("> 100",)),
            Rule(ALERT, "ShopQueue", 'model:shop_queue:max{model="checkout"} > 5 + 1e-08', "1d",
                 (("model", "checkout"), *YELLOW), level="yellow", override=CHECKOUT, thresholds=("> 5",)),
            Rule(ALERT, "ShopQueue", 'model:shop_queue:max{model="checkout"} > 50 + 1e-07', "6h",
                 (("model", "checkout"), *RED), level="red", override=CHECKOUT, thresholds=("> 50",)),
            Rule(RECORD, "model:shop_queue_sources:present", "group by (model) (queue_depth)"),
            Rule(ALERT, "ShopQueueNoData", NO_DATA, "1h", RED, level="red"))),
        SCORED, Group("shop_scorecard", "5m", rollups())]),
    ("no indicators: no rules at all", "indicators: []\n", []),
]


def without_wording(group: Group) -> Group:
    # the expected rules parse their reads as they are made, so the plan's must be the same
    return dataclasses.replace(group, rules=tuple(dataclasses.replace(rule, annotations=()) for rule in group.rules))


@pytest.mark.parametrize(("indicators", "expected"), [c[1:] for c in PLANS], ids=[c[0] for c in PLANS])
def test_the_plan_of_a_small_spec_is_these_groups_whole(indicators, expected):
    spec, _ = pipeline.load([("indicators.yaml", spec_text(indicators).encode())], "indicators.yaml")
    assert [without_wording(group) for group in prometheus.build(spec).groups()] == expected


def test_every_rule_knows_what_it_reads():
    spec, _ = pipeline.load([("indicators.yaml", spec_text().encode())], "indicators.yaml")
    plan = prometheus.build(spec)
    assert {rule.name: {read.name for read in rule.reads} for rule in plan.of("queue")} == {
        "model:shop_queue:max": {"queue_depth"}, "model:shop_queue:score": {"model:shop_queue:max"},
        "ShopQueue": {"model:shop_queue:max"}, "model:shop_queue_sources:present": {"queue_depth"},
        "ShopQueueNoData": {"queue_depth", "model:shop_queue_sources:present"}}
    assert plan.kept("model:shop_queue:max") == ("model",) and plan.kept("no:such:series") is None


# The measure forms' inputs, rollups, values and error ratios, the selections the thresholds judge
# and so the threshold alerts and the score, the no-data, burn-rate and escalation alerts, the
# presence record and the indicator's score rollup know their reads from their selectors, placed
# in templates and joined (promql.placed, promql.join, promql.join_by); the scorecard's rollups
# and an `expr` value are parsed. Either way they must be what parsing the whole expression reads, and a rule
# that does not parse keeps its message. The shipped and golden specs hold each kind: every form,
# burn rates over several windows, escalations, presence of two sources.
SPECS = [ROOT / "indicators.yaml", *sorted((ROOT / "tests" / "golden").glob("*/spec.yaml"))]


def loaded(path) -> Spec:
    return pipeline.load([(path.name, path.read_bytes())], path.name)[0]


def reads_unlike_parsing(spec: Spec) -> list[str]:
    unlike = []
    for rule in prometheus.build(spec).rules():
        try:
            parsed, unparsed = promql.series_read.__wrapped__(rule.expr), ""
        except promql.PromQLError as err:
            parsed, unparsed = (), str(err)
        if (rule.reads, rule.unparsed) != (parsed, unparsed):
            unlike.append(rule.name)
    return unlike


@pytest.mark.parametrize("path", SPECS, ids=[path.parent.name for path in SPECS])
def test_every_rule_reads_what_parsing_its_whole_expression_reads(path):
    assert reads_unlike_parsing(loaded(path)) == []


_JOIN, _JOIN_BY, _PLACED = promql.join, promql.join_by, promql.placed


def joining(reorder):
    """promql.join with the parts' reads put together by `reorder` (the parts, in order)."""
    return lambda *pieces: promql.Joined(_JOIN(*pieces).text, tuple(
        read for part in reorder([piece for piece in pieces if isinstance(piece, promql.Joined)]) for read in part.reads))


def separating(reorder):
    """promql.join_by with the parts' reads put together by `reorder` (the parts, in order)."""
    return lambda separator, parts: promql.Joined(_JOIN_BY(separator, parts).text,
                                                  tuple(read for part in reorder(parts) for read in part.reads))


def placing(change):
    """promql.placed with each read it places changed by `change`."""
    def placed(selector, template=promql.PART):
        found = _PLACED(selector, template)
        return promql.Joined(found.text, tuple(change(read, selector) for read in found.reads))
    return placed


# (how joining the parts' reads is broken, the promql function broken, its broken version)
JOIN_MUTANTS = [
    ("separated parts in reverse order", "join_by", separating(lambda parts: parts[::-1])),
    ("a separated expression's last part dropped", "join_by", separating(lambda parts: parts[:-1])),
    ("separated parts read as if in a range function", "join_by", lambda separator, parts: promql.Joined(
        _JOIN_BY(separator, parts).text, tuple(dataclasses.replace(read, in_range_function=True) for read in _JOIN_BY(separator, parts).reads))),
    ("joined parts in reverse order", "join", joining(lambda parts: parts[::-1])),
    ("a joined expression's last part dropped", "join", joining(lambda parts: parts[:-1])),
    ("a placed selector read as if alone, outside its template", "placed",
     placing(lambda read, selector: _PLACED(selector).reads[0])),
    ("a placed selector not in its range function", "placed",
     placing(lambda read, selector: dataclasses.replace(read, in_range_function=False))),
    ("a placed selector over the wrong window", "placed", placing(lambda read, selector: dataclasses.replace(read, window=read.window * 2))),
    ("a placed selector read as the quantile argument", "placed",
     placing(lambda read, selector: dataclasses.replace(read, quantile_argument=True))),
    ("a placed selector's matchers dropped", "placed",
     placing(lambda read, selector: dataclasses.replace(read, labels=(), equal_labels=()))),
]


@pytest.mark.parametrize(("attribute", "broken"), [m[1:] for m in JOIN_MUTANTS], ids=[m[0] for m in JOIN_MUTANTS])
def test_joining_the_parts_reads_wrongly_fails_the_table(monkeypatch, attribute, broken):
    specs = [loaded(path) for path in SPECS]  # loading checks the plan too: a broken one would fail it first
    monkeypatch.setattr(promql, attribute, broken)
    measures.counted.cache_clear()  # what it joined with the sound functions, or the broken ones
    try:
        assert any(reads_unlike_parsing(spec) for spec in specs)
    finally:
        measures.counted.cache_clear()
