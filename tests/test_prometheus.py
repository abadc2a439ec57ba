"""The Prometheus backend: both rule engines load every generated file, every indicator raises
exactly the levels routing expects, aggregations keep their labels, user text is escaped, and
problems in what would be generated are reported against the spec."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import HEADER, INDICATOR, ROOT, spec_text, with_output
from servers import binary

from compiler import backends, conventions, pipeline, present, promql, validators
from compiler.backends import prometheus
from compiler.backends.prometheus import lint, plan
from compiler.problems import SpecError

GOLDEN = ROOT / "tests" / "golden"
RULE_FILES = sorted((ROOT / "generated" / "prometheus").glob("*.yaml")) + sorted(GOLDEN.glob("*/expected/prometheus/*.yaml"))
SPECS = [ROOT / "indicators.yaml"] + sorted(GOLDEN.glob("*/spec.yaml"))


def load(path: Path):
    spec, _ = pipeline.load([(path.name, path.read_bytes())], path.name)
    return spec


def test_there_are_rule_files_for_the_shipped_spec_and_every_golden_case():
    # a file per category and the scorecard's, cut by category: 4 + 4 + 1
    assert len(list((ROOT / "generated" / "prometheus").glob("*.yaml"))) == 9
    assert {path.parts[-4] for path in RULE_FILES if GOLDEN in path.parents} >= {
        "expr", "ratio", "quantile", "rate", "trend", "baseline", "age", "zero", "availability", "gauge", "overrides"}


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_promtool_lints_every_rule_file_clean(path):
    result = subprocess.run([binary("promtool"), *validators.check_rules(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_vmalert_loads_every_rule_file(path):
    result = subprocess.run([binary("vmalert"), *validators.dry_run(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def rule_files(spec):
    """{rule file name: its groups as written}, from the rule plan."""
    return {found.name: found.data for found in prometheus.build(spec).files}


def indicator_rules(spec, indicator):
    """An indicator's rules as written, from the rule plan."""
    return [rule.data() for rule in prometheus.build(spec).of(indicator.id)]


def _rules(spec):
    return [rule for found in rule_files(spec).values() for group in found for rule in group["rules"]]


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_indicator_raises_exactly_the_levels_routing_is_proven_against(path):
    spec = load(path)
    for indicator in spec.indicators:
        raised = {(rule["alert"], rule["labels"][conventions.LEVEL_LABEL]) for rule in _rules(spec)
                  if "alert" in rule and rule["labels"][conventions.INDICATOR_LABEL] == indicator.id}
        assert sorted(raised) == conventions.raised_levels(spec, indicator), indicator.id


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_alerts_carry_the_label_contract_and_open_the_indicators_panel(path):
    spec = load(path)
    panels = {i: panel for c in spec.categories for i, panel in conventions.panel_ids(spec, c.id).items()}
    by_id = {indicator.id: indicator for indicator in spec.indicators}
    for rule in (rule for rule in _rules(spec) if "alert" in rule):
        indicator = by_id[rule["labels"][conventions.INDICATOR_LABEL]]
        contract = conventions.alert_labels(spec, indicator, rule["labels"][conventions.LEVEL_LABEL])
        assert {k: v for k, v in rule["labels"].items() if k in contract} == contract
        assert set(rule["labels"]) - set(contract) <= set(indicator.track_by)  # an override's own label values
        assert rule["annotations"]["dashboard_url"].startswith(conventions.dashboard_url(spec, indicator, panels[indicator.id]))
        assert {"summary", "description", "dashboard_url"} <= set(rule["annotations"])


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_aggregation_keeps_the_global_and_tracking_labels(path):
    spec = load(path)
    for indicator in spec.indicators:
        kept = (*spec.global_labels, *indicator.track_by)
        for rule in indicator_rules(spec, indicator):
            if not rule.get("alert", "").endswith(conventions.NO_DATA_SUFFIX):  # absent() has no labels to keep
                assert promql.dropped_labels(rule["expr"], kept) == [], rule.get("record") or rule["alert"]
    for rule in prometheus.build(spec).scorecard():
        assert promql.dropped_labels(rule.expr, spec.global_labels) == [], rule.name


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_what_a_spec_would_generate_lints_clean(path):
    assert lint.lint(backends.outputs(load(path))) == []


def test_each_rule_file_is_one_prometheusrule_with_the_same_groups_applied_server_side():
    spec = load(ROOT / "indicators.yaml")
    built = backends.outputs(spec)
    objects = prometheus.kubernetes(built)
    plain = prometheus.render(built)
    assert len(objects) == len(plain) == 9
    for name, data in rule_files(spec).items():
        rule = objects[f"kubernetes/mlops-{name.replace('_', '-')}-prometheusrule.yaml"]
        assert rule["metadata"] == {"name": f"mlops-{name.replace('_', '-')}", "namespace": "monitoring",
                                    "labels": {"prometheus": "k8s", "role": "alert-rules"},
                                    "annotations": {"argocd.argoproj.io/sync-options": "ServerSideApply=true"}}
        assert rule["spec"]["groups"] == plain[f"prometheus/{name}.yaml"]["groups"] == data


# The chapter's example alerts (8.1.7), as the shipped spec raises them: (indicator, level, comparison, for).
CHAPTER_ALERTS = [
    ("HighDriftScore is critical above 0.3 for 6h", "drift_score", "critical", "> 0.3 + 1e-09", "6h"),
    ("AccuracyDegradation is critical more than 10% below baseline for 24h", "model_accuracy", "critical", "< (-0.1) - 1e-09", "1d"),
    ("HighToilRatio is red above 40% for 14 days", "toil_ratio", "red", "> 0.4 + 1e-09", "14d"),
    ("LowPlatformAdoption is red below 50% for 7 days", "active_users", "red", "< 0.5 - 1e-09", "7d"),
    ("MissingModelDocs is yellow below 100% documented for 7 days", "documentation_rate", "yellow", "< 1 - 1e-09", "7d"),
]


@pytest.mark.parametrize(("indicator_id", "level", "comparison", "hold"), [c[1:] for c in CHAPTER_ALERTS],
                         ids=[c[0] for c in CHAPTER_ALERTS])
def test_the_chapters_example_alerts_exist_with_their_thresholds_and_durations(indicator_id, level, comparison, hold):
    spec = load(ROOT / "indicators.yaml")
    indicator = next(i for i in spec.indicators if i.id == indicator_id)
    (rule,) = [r for r in indicator_rules(spec, indicator)
               if r.get("alert") == conventions.alert_name(spec.name, indicator_id) and r["labels"]["level"] == level]
    assert rule["expr"] == f"{conventions.indicator_series(spec, indicator)} {comparison}"
    assert rule["for"] == hold


ESCAPES = [
    ("plain text is left alone", "Latency at p99", "Latency at p99"),
    ("a template in user text is printed, not run", "{{ $value }}", '{{ "{" }}{{ "{" }} $value }}'),
    ("a vmalert placeholder is printed, not substituted", "%{HOME}", '{{ "%" }}{{ "{" }}HOME}'),
]


@pytest.mark.parametrize(("text", "escaped"), [c[1:] for c in ESCAPES], ids=[c[0] for c in ESCAPES])
def test_user_text_is_escaped_for_go_templates(text, escaped):
    assert present.template_literal(text) == escaped


RULE_PROBLEMS = [
    ("an expression that does not parse", {"record": "model:x:value", "expr": "sum(("},
     "generated rule model:x:value: PromQL does not parse"),
    ("a recorded series no rule records", {"record": "model:x:score", "expr": "model:x:value * 2"},
     "generated rule model:x:score reads model:x:value, which no rule records"),
    ("a recorded series not named level:metric:operations", {"record": "x_value", "expr": "up"},
     "recorded series x_value does not follow level:metric:operations"),
    ("an alert name that is not CamelCase", {"alert": "shop_x", "expr": "up"},
     "alert name shop_x is not CamelCase of at most 40 characters"),
    ("a templated label", {"alert": "ShopX", "expr": "up", "labels": {"value": "{{ $value }}"}},
     "generated rule ShopX: label value is templated; labels must be static"),
    ("an annotation naming a label the alert lacks", {"alert": "ShopX", "expr": "up", "annotations": {"summary": "{{ $labels.team }}"}},
     "generated rule ShopX: annotation summary: {{ $labels.team }} names a label the alert does not have"),
    ("an action not allowed among allowed ones",
     {"alert": "ShopX", "expr": "up", "annotations": {"summary": "{{ $labels.model }} {{ $value | humanize }} {{ $value | humanizeDuration }}"}},
     "generated rule ShopX: annotation summary: unexpected template action {{ $value | humanize }}"),
    ("an annotation with an unclosed action", {"alert": "ShopX", "expr": "up", "annotations": {"summary": "{{ $value "}},
     "generated rule ShopX: annotation summary: a template action is not closed"),
    ("an unclosed action the next annotation would close, were they read as one text",
     {"alert": "ShopX", "expr": "up", "annotations": {"summary": "{{ $labels.model ", "description": "}}"}},
     "generated rule ShopX: annotation summary: a template action is not closed"),
    ("humanize, which prints a score of 0.45 as 450m",
     {"alert": "ShopX", "expr": "up", "annotations": {"description": "{{ $value | humanize }}"}},
     "generated rule ShopX: annotation description: unexpected template action {{ $value | humanize }}"),
    ("a printf format the renderer of the generated tests does not know",
     {"alert": "ShopX", "expr": "up", "annotations": {"description": '{{ printf "%.2f" $value }}'}},
     'generated rule ShopX: annotation description: unexpected template action {{ printf "%.2f" $value }}'),
    ("a vmalert placeholder", {"alert": "ShopX", "expr": "up", "annotations": {"summary": "%{HOME}"}},
     "generated rule ShopX contains '%{', which vmalert reads as an environment placeholder"),
    ("a vmalert placeholder in a label", {"alert": "ShopX", "expr": "up", "labels": {"team": "%{TEAM}"}},
     "generated rule ShopX contains '%{', which vmalert reads as an environment placeholder"),
    ("a vmalert placeholder in the expression", {"record": "model:x:max", "expr": 'up{job="%{JOB}"}'},
     "generated rule model:x:max contains '%{', which vmalert reads as an environment placeholder"),
    ("a vmalert placeholder in the name", {"record": "model:x%{X}:max", "expr": "up"},
     "generated rule model:x%{X}:max contains '%{', which vmalert reads as an environment placeholder"),
    ("a vmalert placeholder in an alert's for", {"alert": "ShopX", "expr": "up", "for": "%{FOR}"},
     "generated rule ShopX contains '%{', which vmalert reads as an environment placeholder"),
    ("a vmalert placeholder in a label's name", {"alert": "ShopX", "expr": "up", "labels": {"%{TEAM}": "x"}},
     "generated rule ShopX contains '%{', which vmalert reads as an environment placeholder"),
    ("a vmalert placeholder in an annotation's name", {"alert": "ShopX", "expr": "up", "annotations": {"%{NOTE}": "x"}},
     "generated rule ShopX contains '%{', which vmalert reads as an environment placeholder"),
]


@pytest.mark.parametrize(("rule", "message"), [c[1:] for c in RULE_PROBLEMS], ids=[c[0] for c in RULE_PROBLEMS])
def test_the_lint_names_what_is_wrong_with_a_generated_rule(rule, message):
    kind = "alert" if "alert" in rule else "record"
    planned = plan.Rule(kind, rule[kind], rule["expr"], rule.get("for"), labels=tuple(rule.get("labels", {}).items()),
                        annotations=tuple(rule.get("annotations", {}).items()), indicator="x", keeps=("model",))
    problems = lint.rule_problems(planned, recorded=set())
    assert any(problem.startswith(message) for problem in problems), problems


# a rule's labels and annotations are searched as one text, each name and text on a line of its
# own: where two meet, a '%' ending one and a '{' starting the next are no placeholder
CLEAN_RULES = [
    ("an annotation naming a label the alert has", {"alert": "ShopX", "expr": "up", "labels": {"team": "a"},
                                                     "annotations": {"summary": "{{ $labels.team }} {{ $labels.model | urlquery }}"}}),
    ("a label's name and its value", {"alert": "ShopX", "expr": "up", "labels": {"x%": "{y}"}}),
    ("a label's value and the next label's name", {"alert": "ShopX", "expr": "up", "labels": {"x": "y%", "{z": "z"}}),
    ("an annotation's name and its text", {"alert": "ShopX", "expr": "up", "annotations": {"x%": "{y}"}}),
    ("an annotation's text and the next one's name",
     {"alert": "ShopX", "expr": "up", "annotations": {"summary": "50%", "{x": "{{ $value | humanizePercentage }}"}}),
]


@pytest.mark.parametrize("rule", [c[1] for c in CLEAN_RULES], ids=[c[0] for c in CLEAN_RULES])
def test_the_lint_finds_nothing_where_two_texts_of_a_rule_meet(rule):
    planned = plan.Rule("alert", rule["alert"], rule["expr"], labels=tuple(rule.get("labels", {}).items()),
                        annotations=tuple(rule.get("annotations", {}).items()), indicator="x", keeps=("model",))
    assert lint.rule_problems(planned, set()) == []


def test_an_expression_that_drops_a_tracking_label_is_reported_at_the_measure():
    expression = INDICATOR.replace("measure: {gauge: {series: queue_depth, aggregation: max}}",
                                   "measure: {expr: sum(queue_depth)}")
    with pytest.raises(SpecError) as raised:
        pipeline.load([("indicators.yaml", spec_text(expression).encode())], "indicators.yaml")
    assert [str(p) for p in raised.value.problems] == [
        "indicators.yaml:46:21: indicators[0].measure.expr: the expression drops the tracking label 'model'"]


# (expression, global labels, tracking labels, the tracking labels it drops): one expression under
# several label sets, in turn, since the lint answers from a cache
DROPPED = [
    ("sum by (model) (y)", (), ("model",), ()),
    ("sum by (model) (y)", (), ("model", "team"), ("team",)),
    ("sum by (model) (y)", ("cluster",), ("model",), ()),
    ("sum by (model) (y)", (), ("cluster", "model"), ("cluster",)),
    ("sum by (model) (y)", ("cluster",), ("cluster", "model"), ()),
    ("sum(y)", ("cluster",), ("model",), ("model",)),
    ("sum without (model) (y)", (), ("model", "team"), ("model",)),
    # right of `and`/`unless` matched on some labels only those count: the result is the left side's
    ("sum by (model, team) (y) and on (model) group(z)", (), ("model", "team"), ("model",)),
    ("sum by (model, team) (y) unless on (model) group by (model) (z)", (), ("model", "team"), ()),
    ("sum by (model, team) (y) and group by (model) (z)", (), ("model", "team"), ("team",)),
    ("sum by (model) (y) or on (model) group(z)", (), ("model",), ("model",)),
]


def test_the_lint_names_the_tracking_labels_an_expression_drops_once_the_global_labels_are_added():
    for _ in range(2):  # the second time from the cache
        assert [lint.dropped_labels(text, kept, tracked) for text, kept, tracked, _ in DROPPED] == [
            dropped for _, _, _, dropped in DROPPED]


# (expression, global labels, as kept): one expression under several label sets, in turn, since
# keep_labels answers from a cache (the build and the lint both ask it)
KEPT = [
    ("sum(rate(x[5m])) / sum by (model) (y)", ("cluster",), "sum by (cluster) (rate(x[5m])) / sum by (cluster, model) (y)"),
    ("sum(rate(x[5m])) / sum by (model) (y)", ("region",), "sum by (region) (rate(x[5m])) / sum by (region, model) (y)"),
    ("sum(rate(x[5m])) / sum by (model) (y)", (), "sum(rate(x[5m])) / sum by (model) (y)"),
    ("sum by (cluster, model) (y)", ("cluster",), "sum by (cluster, model) (y)"),
    ("sum by (cluster, model) (y)", ("cluster", "region"), "sum by (cluster, region, model) (y)"),
    ("sum without (pod) (y)", ("cluster",), "sum without (pod) (y)"),
]


def test_global_labels_are_added_to_a_users_aggregations():
    for _ in range(2):  # the second time from the cache
        assert [promql.keep_labels(text, labels) for text, labels, _ in KEPT] == [kept for _, _, kept in KEPT]


def test_the_long_windows_have_their_own_slower_group_reading_hourly_rollups():
    text = (ROOT / "generated" / "prometheus" / "platform_health.yaml").read_text()
    groups = yaml.safe_load(text)["groups"]
    assert [group["name"] for group in groups] == ["mlops_platform_health", "mlops_platform_health_rollups", "mlops_platform_health_long_windows"]
    assert "interval" not in groups[0] and groups[1]["interval"] == "1h" and groups[2]["interval"] == "5m"
    rollups = {rule["record"] for rule in groups[1]["rules"]}
    own = {rule["record"] for rule in groups[2]["rules"] if "record" in rule}  # an unhurried indicator's presence record
    read = {series.name for rule in groups[2]["rules"] if promql.lookback(rule["expr"]) >= 86400
            for series in promql.series_read(rule["expr"]) if ":" in series.name and not series.name.endswith("_sources:present")}
    # a long window reads recorded series only from the hourly rollups (and who still reports, over forget_after)
    assert read - own and read - own <= rollups, read - own - rollups


def _telescoped(metric: str) -> str:
    before = f"last_over_time({metric}[1d] offset 1h)"
    return (f"or\n  (\n    last_over_time({metric}[1h])\n    - ({before} <= min_over_time({metric}[1h]) or {before} * 0)\n"
            f"    unless resets({metric}[1h]) > 0\n  ) / 3600\n")


LONG_READS = [  # (case, measure, what its long window reads, the hourly rollup recorded for it)
    ("a ratio of counters: each counter's hourly count, its last value less its last before, a series unseen for a day counted whole",
     "ratio: {numerator: http_errors_total, denominator: http_requests_total, window: 7d}",
     "sum_over_time(model:shop_queue_denominator:rate1h[7d])",
     ("model:shop_queue_denominator:rate1h", "sum by (model) (\n  ((\n    (last_over_time(http_requests_total[1h]) unless http_requests_total offset 1h)"
      " and on (job, instance) (up offset 1h == 1)\n"
      "  or\n    (last_over_time(http_requests_total[1h]) unless last_over_time(http_requests_total[1d] offset 1h)) unless on (job, instance) up offset 1h\n"
      "      unless on (job, instance) (process_start_time_seconds < time() - 3600)\n"
      "      unless on () (group(up) unless group(up offset 1h))\n"
      "  ) > 0) / 3600\n" + _telescoped("http_requests_total") + "or\n  rate(http_requests_total[1h])\n)")),
    ("a quantile: the buckets' hourly counts, a child unseen for a day counted whole", "quantile: {histogram: latency_seconds, q: 0.9, window: 30d}",
     "histogram_quantile(0.9, sum_over_time(model:shop_queue_bucket:rate1h[30d]))",
     ("model:shop_queue_bucket:rate1h", "sum by (le, model) (\n  ((\n    (last_over_time(latency_seconds_bucket[1h]) unless latency_seconds_bucket offset 1h)"
      " and on (job, instance) (up offset 1h == 1)\n"
      "  or\n    (last_over_time(latency_seconds_bucket[1h]) unless last_over_time(latency_seconds_bucket[1d] offset 1h))"
      " unless on (job, instance) up offset 1h\n"
      "      unless on (job, instance) (process_start_time_seconds < time() - 3600)\n"
      "      unless on () (group(up) unless group(up offset 1h))\n"
      "  ) > 0) / 3600\n" + _telescoped("latency_seconds_bucket") + "or\n  rate(latency_seconds_bucket[1h])\n)")),
    ("a gauge trend: its hourly average, this window and the one before",
     "trend: {series: queue_depth, window: 7d}", "avg_over_time(model:shop_queue_series:avg1h[7d] offset 7d)",
     ("model:shop_queue_series:avg1h", "avg by (model) (avg_over_time(queue_depth[1h]))")),
]


@pytest.mark.parametrize(("measure", "reads", "rollup"), [c[1:] for c in LONG_READS], ids=[c[0] for c in LONG_READS])
def test_a_long_window_reads_the_hourly_rollup_of_its_recorded_input(measure, reads, rollup):
    text = spec_text(INDICATOR.replace("measure: {gauge: {series: queue_depth, aggregation: max}}", f"measure: {{{measure}}}"))
    spec, _ = pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    groups = {group["name"]: group for found in rule_files(spec).values() for group in found}
    assert (rollup[0], rollup[1]) in {(rule["record"], rule["expr"]) for rule in groups["shop_platform_health_rollups"]["rules"]}
    assert groups["shop_platform_health_rollups"]["interval"] == "1h"
    assert any(reads in rule["expr"] for rule in groups["shop_platform_health_long_windows"]["rules"])


SLOW_INTERVALS = [("by default every 5 minutes", "", "5m"),
                  ("as the spec sets it", "prometheus: {slow_group_interval: 30s}", "30s")]


@pytest.mark.parametrize(("setting", "interval"), [c[1:] for c in SLOW_INTERVALS], ids=[c[0] for c in SLOW_INTERVALS])
def test_long_window_and_scorecard_groups_are_evaluated(setting, interval):
    text = spec_text(INDICATOR.replace("measure: {gauge: {series: queue_depth, aggregation: max}}",
                                       "measure: {ratio: {numerator: http_errors_total, denominator: http_requests_total, window: 7d}}")
                     .replace("unit: count", "unit: ratio").replace("target: 10", "target: 0.01").replace("warning: 100", "warning: 0.05"))
    text += "scorecard:\n  core: {title: Core, weight: 1, groups: [reliability]}\n"
    text = with_output(text, setting) if setting else text
    spec, _ = pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    slow = {g["name"]: g["interval"] for found in rule_files(spec).values() for g in found if "interval" in g}
    assert slow == {"shop_platform_health_rollups": "1h", "shop_platform_health_long_windows": interval,
                    "shop_platform_health_scorecard": interval, "shop_scorecard": interval}


EMPTY_SCORECARDS = [
    ("a spec without indicators compiles to no rules", spec_text("indicators: []\n"), False),
    ("a scorecard entry with no indicators weighs nothing",
     HEADER.replace("groups: {reliability: Reliability}", "groups: {reliability: Reliability, idle: Idle}") + INDICATOR
     + "scorecard:\n  other: {title: Other, weight: 1, groups: [idle]}\n", True),
]


@pytest.mark.parametrize(("text", "has_rules"), [c[1:] for c in EMPTY_SCORECARDS], ids=[c[0] for c in EMPTY_SCORECARDS])
def test_empty_rollups_compile_and_pass_promtool(text, has_rules, tmp_path):
    spec, _ = pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    found = rule_files(spec)
    assert bool(found) == has_rules
    records = {rule.get("record") for groups in found.values() for group in groups for rule in group["rules"]}
    assert conventions.composite_score_series(spec) not in records
    for name, groups in found.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump({"groups": groups}))
        result = subprocess.run([binary("promtool"), "check", "rules", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


# (spec expr, the series promtool feeds, what the recorded value must be): the expression means
# in the rule what it means in the spec. A label value with two spaces selects only the series
# that has them; a comment ends at its line, so the line after it still counts.
USER_PROMQL = [
    ("whitespace inside a string literal is kept", 'max by (model) (queue_depth{model="a  b"})',
     [('queue_depth{model="a  b"}', "5"), ('queue_depth{model="a b"}', "7")], 5),
    ("a comment does not swallow the lines after it", "max by (model) (queue_depth) # the deepest queue\n  * 2",
     [('queue_depth{model="a"}', "5")], 10),
    ("a # inside a string literal is not a comment", 'max by (model) (queue_depth{model="a#1"}) # c\n + 1',
     [('queue_depth{model="a#1"}', "5")], 6),
]


@pytest.mark.parametrize(("expr", "series", "value"), [case[1:] for case in USER_PROMQL], ids=[case[0] for case in USER_PROMQL])
def test_a_users_expression_records_what_it_says(expr, series, value, tmp_path):
    text = spec_text(INDICATOR.replace("measure: {gauge: {series: queue_depth, aggregation: max}}", f"measure: {{expr: {json.dumps(expr)}}}"))
    compilation = pipeline.compile_spec([("indicators.yaml", text.encode())], "indicators.yaml")
    (tmp_path / "rules.yaml").write_text(compilation.files[conventions.rule_file("platform_health")])
    recorded = conventions.indicator_series(compilation.spec, compilation.spec.indicators[0])
    model = series[0][0].split('"')[1]
    unit_test = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": [{"series": name, "values": f"{number}x10"} for name, number in series],
        "promql_expr_test": [{"expr": recorded, "eval_time": "5m", "exp_samples": [{"labels": f'{recorded}{{model="{model}"}}', "value": value}]}]}]}
    (tmp_path / "unit.yaml").write_text(yaml.safe_dump(unit_test))
    result = subprocess.run([binary("promtool"), "test", "rules", "unit.yaml"], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# Two overrides one series matches both of: the region's first, then the model's.
OVERLAPPING = (INDICATOR.replace("track_by: [model]", "track_by: [model, region]\n    overrides:\n"
                                 "      - {when: {region: us.east+1}, target: 50, warning: 500}\n"
                                 "      - {when: {model: ghost(x)}, target: 2, warning: 3}"))
BOTH = 'queue_depth{model="ghost(x)", region="us.east+1"}'


@pytest.mark.parametrize(("value", "hours", "firing"), [
    (4, "7h", []),  # under the region's target 50: green, though past the model's warning 3
    (60, "25h", ["yellow"]),  # past the region's target for its 1d: yellow once, never red
], ids=["within the first override's target", "past the first override's target"])
def test_a_series_two_overrides_match_is_judged_by_the_first_alone(value, hours, firing, tmp_path):
    text = spec_text(OVERLAPPING).replace("queue_depth: {type: gauge, help: Jobs waiting., labels: [model]}",
                                          "queue_depth: {type: gauge, help: Jobs waiting., labels: [model, region]}")
    files = pipeline.compile_spec([("indicators.yaml", text.encode())], "indicators.yaml").files
    (tmp_path / "rules.yaml").write_text(files["prometheus/platform_health.yaml"])
    labels = {"model": "ghost(x)", "region": "us.east+1"}
    score = 100.0 if value == 4 else round((500 - value) / (500 - 50) * 100, 6)
    tests = {"rule_files": ["rules.yaml"], "evaluation_interval": "5m", "tests": [{
        "interval": "5m", "input_series": [{"series": BOTH, "values": f"{value}x400"}],
        "promql_expr_test": [
            {"expr": 'count by (level) (ALERTS{alertname="ShopQueue", alertstate="firing"})', "eval_time": hours,
             "exp_samples": [{"labels": f'{{level="{level}"}}', "value": 1} for level in firing]},
            {"expr": "round(model_region:shop_queue:score, 1e-6)", "eval_time": hours,
             "exp_samples": [{"labels": "{" + ", ".join(f'{k}="{v}"' for k, v in labels.items()) + "}", "value": score}]}]}]}
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(tests, sort_keys=False))
    result = subprocess.run([binary("promtool"), "test", "rules", "t.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


SCORED = 'cluster_indicator:mlops_indicator_score:avg{cluster="eu-1", indicator="%s", group="%s", category="%s"}'
ENTRIES = {  # a scorecard entry of the shipped spec: one of its indicators' per-indicator score
    "platform_adoption": SCORED % ("active_users", "adoption", "platform_health"),
    "deployment_velocity": SCORED % ("deployment_frequency", "velocity", "platform_health"),
    "model_quality": SCORED % ("model_accuracy", "accuracy", "model_quality"),
    "team_productivity": SCORED % ("nps", "satisfaction", "team_productivity"),
}


@pytest.mark.parametrize(("scores", "composite"), [
    ({"platform_adoption": 80, "deployment_velocity": 60, "model_quality": 90, "team_productivity": 50},
     0.25 * 80 + 0.25 * 60 + 0.3 * 90 + 0.2 * 50),
    # no people metrics collected yet: the other entries' weighted average, not no composite at all
    ({"platform_adoption": 80, "deployment_velocity": 60, "model_quality": 90}, (0.25 * 80 + 0.25 * 60 + 0.3 * 90) / 0.8),
    ({"model_quality": 90}, 90),
], ids=["every entry scored", "one entry not scored yet", "one entry scored"])
def test_the_composite_weighs_the_scorecard_entries_that_have_a_score(scores, composite, tmp_path):
    tests = {"rule_files": [str(ROOT / "generated" / "prometheus" / "scorecard.yaml")], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": [{"series": ENTRIES[entry], "values": f"{score}x30"} for entry, score in scores.items()],
        "promql_expr_test": [{"expr": "round(cluster:mlops_scorecard_score:weighted_sum, 1e-6)", "eval_time": "10m",
                              "exp_samples": [{"labels": '{cluster="eu-1"}', "value": round(composite, 6)}]}]}]}
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(tests, sort_keys=False))
    result = subprocess.run([binary("promtool"), "test", "rules", "t.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_long_window_rate_under_min_volume_has_no_value_for_a_new_entitys_first_event(tmp_path):
    """One event, the counter's first (it appears at 1 at 1h05m), is under min_volume 5 over 7
    days: no value. An average of its hourly rollups stretched over the week read 21 at 9h."""
    measure = "measure: {rate: {counter: http_errors_total, function: increase, window: 7d, min_volume: 5}}"
    text = spec_text(INDICATOR.replace("measure: {gauge: {series: queue_depth, aggregation: max}}", measure))
    files = pipeline.compile_spec([("indicators.yaml", text.encode())], "indicators.yaml").files
    (tmp_path / "rules.yaml").write_text(files["prometheus/platform_health.yaml"])
    tests = {"rule_files": ["rules.yaml"], "evaluation_interval": "1h", "tests": [{
        "interval": "1m", "input_series": [{"series": 'http_errors_total{model="new"}', "values": "_x65 1x600"}],
        "promql_expr_test": [{"expr": "model:shop_queue:increase7d", "eval_time": "9h", "exp_samples": []}]}]}
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(tests, sort_keys=False))
    result = subprocess.run([binary("promtool"), "test", "rules", "t.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
