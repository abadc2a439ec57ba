"""The cost estimate: series each rule group reads per evaluation, from the catalogue's
cardinality, and a located warning naming the heaviest rule when a group is over budget."""

from __future__ import annotations

import pytest
from conftest import HEADER, INDICATOR, spec_text, with_output

from compiler import pipeline
from compiler.backends.prometheus import cost, plan

QUANTILE = "measure: {quantile: {histogram: latency_seconds, q: 0.9, window: 5m}}\n    unit: seconds"


def spec(indicator: str = INDICATOR, cardinality: str = "{model: 50}", cost: str = "") -> str:
    header = HEADER.replace("labels: [model]}", f"labels: [model], cardinality: {cardinality}}}")
    return with_output(header, f"cost: {cost}") + indicator if cost else header + indicator


CASES = [  # the gauge's every `for` is an hour or more: it is evaluated in the long-window group
    # value (max by model: 50) + score (50) + yellow and red alerts (50 each) + who reports (50)
    # + NoData (absent: 50, the models seen in the last day and those now: 50 each)
    ("a gauge tracked by model reads one series per model in every rule", spec(), {"shop_platform_health_long_windows": 400}),
    ("a label without a declared cardinality counts once", spec(cardinality="{}"), {"shop_platform_health_long_windows": 8}),
    # the value reads 1 series; who reports and NoData read the whole metric; what reads the
    # recorded value counts every model it may hold
    ("a label matched to one value counts once",
     spec(INDICATOR.replace("series: queue_depth,", "series: 'queue_depth{model=\"a\"}',")), {"shop_platform_health_long_windows": 351}),
    # the quantile over the bucket rates (3 buckets x 50), where the +Inf bucket counted any (50),
    # + score + 2 alerts (50 each); a histogram that is not `initialised` is absent until its first
    # observation, so it raises no NoData
    ("a histogram's buckets count once per bucket and +Inf",
     spec(INDICATOR.replace("measure: {gauge: {series: queue_depth, aggregation: max}}\n    unit: count", QUANTILE)
          .replace("target: 10", "target: 1").replace("warning: 100", "warning: 2")),
     {"shop_platform_health": 350}),
]


@pytest.mark.parametrize(("text", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_rule_group_reads_the_series_the_catalogue_implies(text, expected):
    compilation = pipeline.compile_spec([("indicators.yaml", text.encode())], "indicators.yaml")
    found = {cost.group: cost.series for cost in compilation.costs if cost.group in expected}
    assert found == expected
    assert compilation.warnings == ()


BUDGETS = [
    ("a group within its budget is not reported", spec(cost="{max_series_per_group: 400}"), []),
    ("a group over its budget is reported at the indicator whose rule reads the most",
     spec(cost="{max_series_per_group: 399}"),
     ["indicators.yaml:41:5: warning: indicators[0]: rule group shop_platform_health_long_windows reads about 400 series per evaluation, "
      "over the budget of 399 (output.cost.max_series_per_group); its heaviest rule, ShopQueueNoData, reads 150 "
      "(hint: track it by fewer labels, match fewer series, or raise the budget)"]),
    ("a budget below one series is a spec error", spec(cost="{max_series_per_group: 0}"), None),
]


@pytest.mark.parametrize(("text", "expected"), [case[1:] for case in BUDGETS], ids=[case[0] for case in BUDGETS])
def test_a_group_over_the_budget_is_a_located_warning(text, expected):
    if expected is None:
        with pytest.raises(pipeline.SpecError) as raised:
            pipeline.compile_spec([("indicators.yaml", text.encode())], "indicators.yaml")
        assert [str(p) for p in raised.value.problems] == [
            "indicators.yaml:39:39: output.cost.max_series_per_group: 0 is less than the minimum of 1"]
        return
    compilation = pipeline.compile_spec([("indicators.yaml", text.encode())], "indicators.yaml")
    assert [str(problem) for problem in compilation.warnings] == expected


def test_validate_verbose_prints_the_estimate_per_group(cli):
    from pathlib import Path
    Path("indicators.yaml").write_text(spec_text())
    assert "Series read" not in cli("validate").output
    result = cli("validate", "--verbose")
    assert result.exit_code == 0
    assert result.output.splitlines()[1:] == [
        "Series read per evaluation (estimated from metrics.*.cardinality):",
        "  shop_platform_health_long_windows (every 5m): 8; most by ShopQueueNoData (3)",
        "  shop_platform_health_scorecard (every 5m): 1; most by indicator:shop_indicator_score:avg (1)",
        "  shop_scorecard (every 5m): 2; most by group:shop_indicator_score:avg (1)",
    ]


# (what a rule reads, series): recorded series of two levels, read whole and with a label matched
# to one value, in turn, since a recorded series' estimate is remembered by its level
RECORDED_READS = [
    ("model:a:x", 50),
    ('model:a:x{model="m"}', 1),
    ("le_model:b:x", 150),  # le: 2 buckets and +Inf
    ('le_model:b:x{model="m"}', 3),
    ('le_model:b:x{le="1"}', 50),
    ("model:c:x", 50),
    ('model:c:x{model="m"}', 1),
]


def test_a_recorded_series_counts_the_values_of_the_labels_its_rule_keeps():
    built = pipeline.load([("indicators.yaml", spec().encode())], "indicators.yaml")[0]
    records = plan.Group("records", None, tuple(plan.Rule(plan.RECORD, name, "vector(1)", keeps=keeps) for name, keeps in (
        ("model:a:x", ("model",)), ("le_model:b:x", ("le", "model")), ("model:c:x", ("model",)))))
    readers = [plan.Group(f"reads {position}", None, (plan.Rule(plan.RECORD, f"model:r{position}:x", expr, keeps=("model",)),))
               for position, (expr, _) in enumerate(RECORDED_READS)]
    costs = cost.group_costs(built, plan.Plan((plan.RuleFile("x", (records, *readers)),)))
    assert [found.series for found in costs[1:]] == [series for _, series in RECORDED_READS]
