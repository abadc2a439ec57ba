"""`indicators import`: Sloth's own published examples (tests/importers/, see PROVENANCE.md)
import into specs that compile and pass promtool, and for the same series the imported rules
compute what Sloth's own generated rules compute."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from servers import binary

from compiler import conventions, durations, pipeline

SLOTH = ROOT / "tests" / "importers" / "sloth"


def imported(cli, *names: str) -> str:
    result = cli("import", "sloth", *(str(SLOTH / name) for name in names), "--out", "imported.yaml")
    assert result.exit_code == 0, result.output
    return Path("imported.yaml").read_text()


@pytest.mark.parametrize("example, measures, warned", [
    ("getting-started.yml", ["availability"], ["slos[0].alerting.page_alert.labels.routing_key", "label category=availability"]),
    ("k8s-getting-started.yml", ["availability"], ["spec.slos[0].alerting.ticketAlert.labels.slack_channel"]),
    ("kubernetes-apiserver.yml", ["availability", "expr"], ["slos[1]: imported as an expr indicator"]),
    ("raw-home-wifi.yml", ["expr"], ["a raw error-ratio SLI"]),
])
def test_each_published_sloth_example_imports_compiles_and_passes_promtool(cli, tmp_path, example, measures, warned):
    text = imported(cli, example)
    data = yaml.safe_load(text)
    assert [next(iter(indicator["measure"])) for indicator in data["indicators"]] == measures
    output = cli("import", "sloth", str(SLOTH / example)).output
    for warning in warned:
        assert warning in output  # said, never silently dropped
        assert warning.rsplit(": ", 1)[-1] in text or warning.split(".")[-1] in text  # and commented in the spec
    compilation = pipeline.compile_spec([("imported.yaml", text.encode())], "imported.yaml")
    for path, body in compilation.files.items():
        if conventions.is_rule_file(path):
            (tmp_path / "rules.yaml").write_text(body)
            check = subprocess.run([binary("promtool"), "check", "rules", str(tmp_path / "rules.yaml")], capture_output=True, text=True)
            assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("out", [[], ["--out", "-"]])
def test_without_out_or_with_out_dash_the_spec_goes_to_standard_output(cli, out):
    result = cli("import", "sloth", str(SLOTH / "getting-started.yml"), *out)
    assert result.exit_code == 0 and "apiVersion: indicators/v1" in result.stdout and not Path("-").exists()


def test_sloth_page_burns_raise_the_page_level_and_ticket_burns_the_ticket_level(cli):
    data = yaml.safe_load(imported(cli, "getting-started.yml"))
    (indicator,) = data["indicators"]
    assert (indicator["target"], indicator["warning"]) == (0.999, 0.994)  # 6x a 0.1% budget is 0.6% errors
    compiled = pipeline.compile_spec([("imported.yaml", yaml.safe_dump(data).encode())], "imported.yaml").spec
    levels = {burn.factor: burn.threshold for burn in compiled.indicators[0].measure.burn_rates}
    assert levels == {14.4: "warning", 6: "warning", 3: "target", 1: "target"}
    assert data["escalation"]["levels"]["page"] == {"threshold": "warning", "severity": "pageteam", "response_time": "1h", "responders": ["page"]}
    assert data["escalation"]["levels"]["ticket"]["severity"] == "slack"  # the severity Sloth's ticket alert set


DISABLED = ("version: prometheus/v1\nservice: a\nslos:\n  - name: b\n    objective: 99.9\n"
            "    sli: {events: {error_query: 'sum(rate(e_total[{{.window}}]))', total_query: 'sum(rate(t_total[{{.window}}]))'}}\n")


# (alerting, the burn factors imported, what the import says, the levels that fire when every request fails for 2 days)
ALERTINGS = [
    ("{}", None, None, {"page", "ticket"}),
    ("{page_alert: {disable: true}}", [3, 1], "the page alert is disabled: the warning sign is 0", {"ticket"}),
    ("{ticket_alert: {disable: true}}", [14.4, 6], None, {"page", "ticket"}),
    ("{page_alert: {disable: true}, ticket_alert: {disable: true}}", None,
     "both page and ticket alerts are disabled: the indicator still has burn-rate alerts, at the `ticket` level", {"ticket"}),
]


@pytest.mark.parametrize("alerting, factors, said, firing", ALERTINGS, ids=[case[0] for case in ALERTINGS])
def test_a_disabled_sloth_alert_leaves_only_the_other_alerts_and_a_disabled_page_alert_pages_nobody(cli, tmp_path, alerting, factors,
                                                                                                   said, firing):
    Path("in.yml").write_text(DISABLED + f"    alerting: {alerting}\n")
    result = cli("import", "sloth", "in.yml", "--out", "out.yaml")
    assert result.exit_code == 0, result.output
    text = Path("out.yaml").read_text()
    burns = yaml.safe_load(text)["indicators"][0]["measure"]["availability"].get("burn_rates")
    assert ([burn["factor"] for burn in burns] if burns else None) == factors
    assert said is None or (said in result.output and said in text)  # said, and commented in the spec
    assert "out.yaml: 1 indicator imported from sloth" in result.output
    (tmp_path / "rules.yaml").write_text(pipeline.compile_spec([("out.yaml", text.encode())], "out.yaml").files["prometheus/slos.yaml"])
    # every request fails from the start: each alert that can fire has fired after 2 days (the value's `for` is a day)
    levels = [{"expr": f'(count(ALERTS{{alertstate="firing", level="{level}"}}) > bool 0) or vector(0)', "eval_time": "2d",
               "exp_samples": [{"labels": "{}", "value": 1 if level in firing else 0}]} for level in ("page", "ticket")]
    case = {"rule_files": [str(tmp_path / "rules.yaml")], "evaluation_interval": "5m",
            "tests": [{"interval": "5m", "input_series": [{"series": "e_total", "values": "0+100x600"},
                                                          {"series": "t_total", "values": "0+100x600"}],
                       "promql_expr_test": levels}]}
    (tmp_path / "fails.yaml").write_text(yaml.safe_dump(case, sort_keys=False))
    run = subprocess.run([binary("promtool"), "test", "rules", str(tmp_path / "fails.yaml")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


# (case, error query, total query, the measure form, each metric's catalogued labels, track_by)
SUMMED_BY = [
    ("Sloth's documented shape summed by a label no matcher names tracks it", 'sum by (model) (rate(e_total{job="a"}[{{.window}}]))',
     'sum by (model) (rate(t_total{job="a"}[{{.window}}]))', "availability", {"e_total": ["job", "model"], "t_total": ["job", "model"]},
     ["model"]),
    ("an expr indicator's series carry the labels they are summed by", 'sum by (model) (rate(e_total{job="a"}[{{.window}}]))',
     'sum by (model, code) (increase(t_total[{{.window}}]))', "expr", {"e_total": ["job", "model"], "t_total": ["code", "model"]}, None),
    ("without by, the labels are those the matchers name", 'sum(rate(e_total{job="a"}[{{.window}}]))', "sum(rate(t_total[{{.window}}]))",
     "availability", {"e_total": ["job"], "t_total": []}, None),
]


@pytest.mark.parametrize("errors, total, form, labels, track_by", [case[1:] for case in SUMMED_BY], ids=[case[0] for case in SUMMED_BY])
def test_the_labels_a_query_is_summed_by_are_catalogued_on_the_series_it_reads(cli, errors, total, form, labels, track_by):
    Path("in.yml").write_text(DISABLED.replace("'sum(rate(e_total[{{.window}}]))'", f"'{errors}'").replace(
        "'sum(rate(t_total[{{.window}}]))'", f"'{total}'"))
    result = cli("import", "sloth", "in.yml", "--out", "out.yaml")
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(Path("out.yaml").read_text())
    (indicator,) = data["indicators"]
    assert next(iter(indicator["measure"])) == form and indicator.get("track_by") == track_by
    assert {name: metric["labels"] for name, metric in data["metrics"].items()} == labels


def test_a_tickets_only_slo_over_a_gauge_says_its_no_data_alert_still_pages(cli):
    """The warning sign's level is every indicator's NoData level, and a gauge read gives one."""
    Path("in.yml").write_text(DISABLED.replace("{events: {error_query: 'sum(rate(e_total[{{.window}}]))', total_query: "
                                               "'sum(rate(t_total[{{.window}}]))'}}", "{raw: {error_ratio_query: '1 - avg(g)'}}")
                              + "    alerting: {page_alert: {disable: true}}\n")
    result = cli("import", "sloth", "in.yml", "--out", "out.yaml")
    assert result.exit_code == 0, result.output
    assert ("the page alert is disabled: the warning sign is 0, which no availability is below, so its value alerts raise the "
            "`ticket` level at most; its NoData alert (the gauge g not reported) still raises `page`") in result.output


@pytest.mark.parametrize("existing, force, code, kept", [
    ("mine\n", [], 1, True),
    ("mine\n", ["--force"], 0, False),
    (None, [], 0, False),
], ids=["an existing --out is refused, and left as it was", "with --force it is overwritten",
        "a new --out needs no --force"])
def test_import_never_overwrites_a_file_unless_forced(cli, existing, force, code, kept):
    if existing is not None:
        Path("indicators.yaml").write_text(existing)
    result = cli("import", "sloth", str(SLOTH / "getting-started.yml"), "--out", "indicators.yaml", *force)
    assert result.exit_code == code, result.output
    assert (Path("indicators.yaml").read_text() == "mine\n") == kept
    if kept:
        assert "error: indicators.yaml already exists; nothing was written (pass --force to overwrite it)" in result.output
    else:
        assert "apiVersion: indicators/v1" in Path("indicators.yaml").read_text()


def test_import_writes_to_a_device_that_exists_without_force(cli):
    """--out /dev/null (a dry run) is not a spec to protect."""
    result = cli("import", "sloth", str(SLOTH / "getting-started.yml"), "--out", "/dev/null")
    assert result.exit_code == 0 and "imported from sloth" in result.output, result.output


@pytest.mark.parametrize("text, message", [
    ("version: prometheus/v2\nservice: a\nslos: []\n", "1:10: version: unsupported document kind 'prometheus/v2'"),
    ("apiVersion: v1\nkind: ConfigMap\n", "2:7: kind: unsupported document kind 'v1 ConfigMap'"),
    ("version: prometheus/v1\nservice: a\nslos:\n  - name: b\n    objective: 99\n    sli: {plugin: {id: x}}\n",
     "6:19: slos[0].sli.plugin: a plugin SLI cannot be imported: its queries are Go code"),
    ("version: prometheus/v1\nservice: a\nslos:\n  - name: b\n    objective: 100\n    sli: {raw: {errorRatioQuery: x}}\n",
     "5:16: slos[0].objective: the objective must be a percentage between 0 and 100"),
    ("version: prometheus/v1\nservice: a\nslos:\n  - name: b\n    objective: 99\n    sli: {events: {error_query: x}}\n",
     "6:10: slos[0].sli: an SLI needs events (errorQuery and totalQuery) or raw (errorRatioQuery)"),
    ("version: prometheus/v1\nservice: [a\n", "invalid YAML"),
    ("version: prometheus/v1\nservice: a\nservice: b\n", "3:1: duplicate key 'service' (first defined at line 2)"),
    ("- just\n- a list\n", "1:1: expected a Sloth service level (a mapping)"),
    ("", "1:1: the file is empty"),
])
def test_a_file_that_cannot_be_imported_is_a_located_error_and_nothing_is_written(cli, text, message):
    Path("in.yml").write_text(text)
    result = cli("import", "sloth", "in.yml", "--out", "out.yaml")
    assert result.exit_code == 1
    assert f"in.yml:{message}" in result.output or message in result.output, result.output
    assert "nothing was written" in result.output and "Traceback" not in result.output
    assert not Path("out.yaml").exists()


BAD_LABEL = DISABLED.replace("service: a\n", "service: a\nlabels: {bad-label: x}\n")
RAW_COUNTER = DISABLED.replace("total_query: 'sum(rate(t_total[{{.window}}]))'", "total_query: 'sum(rate(e_total[{{.window}}])) + sum(e_total)'")
# (case, input, the --out arguments, the error as printed)
UNWRITTEN = [
    ("a label Prometheus refuses is located at its SLO, with where the unwritten spec holds it", BAD_LABEL, ["--out", "out.yaml"],
     "in.yml:5:5: slos[0]: imported as indicators[0].labels.bad-label (at out.yaml:76:7 of the spec that was not written): "
     "'bad-label' is not a valid Prometheus label or metric name"),
    ("a spec for /dev/null names the path, not a file 'null'", BAD_LABEL, ["--out", "/dev/null"],
     "in.yml:5:5: slos[0]: imported as indicators[0].labels.bad-label (at /dev/null:76:7 of the spec that was not written)"),
    ("a spec for standard output names it, not a file indicators.yaml", BAD_LABEL, [],
     "in.yml:5:5: slos[0]: imported as indicators[0].labels.bad-label (at <stdout>:76:7 of the spec that was not written)"),
    ("a query the compiler refuses is located at its SLO", RAW_COUNTER, ["--out", "out.yaml"],
     "in.yml:4:5: slos[0]: imported as indicators[0].measure.expr (at out.yaml:65:13 of the spec that was not written): "
     "the counter 'e_total' is read without rate() or increase()"),
]


@pytest.mark.parametrize("text, out, message", [case[1:] for case in UNWRITTEN], ids=[case[0] for case in UNWRITTEN])
def test_an_error_of_the_imported_spec_is_located_at_the_input_it_came_from(cli, text, out, message):
    Path("in.yml").write_text(text)
    result = cli("import", "sloth", "in.yml", *out)
    assert result.exit_code == 1 and message in result.output, result.output
    assert all(line.startswith(("in.yml:", "error: ")) for line in result.output.splitlines()), result.output
    assert "nothing was written" in result.output and not Path("out.yaml").exists()


def test_a_warning_about_a_spec_written_to_standard_output_names_it(cli):
    Path("in.yml").write_text(DISABLED)
    result = cli("import", "sloth", "in.yml")
    assert result.exit_code == 0 and "<stdout>:56:3: warning: output.grafana_url: not set" in result.stderr, result.stderr


# --- Agreement with Sloth's own generated rules -------------------------------------------------
# Sloth's golden rules for getting-started.yml (examples/_gen/) and the imported spec's rules run
# in one promtool test over the same series, shaped as a prometheus_client exporter publishes
# them: the 500s series does not exist until the first error. Compared: the error ratio of every
# window both record (5m to 3d), and whether each burn-rate alert's condition holds (neither side
# has a `for`). By design the levels differ in name only: Sloth's `page` alert is our `page`
# level (14.4x and 6x), its `ticket` alert our `ticket` level (3x and 1x).
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
MINUTES = 3 * 1440 + 90  # every window full; rules are evaluated every 5 minutes to keep the run short
SLOTH_SELECTOR = '{sloth_id="myservice-requests-availability"}'


def _series(errors_per_minute: float, burst: tuple[int, int, float] | None = None) -> list[dict]:
    """1,000 requests a minute; steady errors (the 500s series absent until the first one), or a
    burst of `share` errors from minute a to b of a 500s series that exists from the start at 0.
    A series that first appears with errors already counted is where the two differ by design:
    the compiled rules count those errors, Sloth's rate() does not (see the README)."""
    ok = 'http_request_duration_seconds_count{job="myservice",code="200"}'
    bad = 'http_request_duration_seconds_count{job="myservice",code="500"}'
    if burst:
        start, end, share = burst
        quiet = f"0+1000x{start} " + f"{1000 * start}+{1000 * (1 - share)}x{end - start} "
        return [{"series": ok, "values": quiet + f"{1000 * start + 1000 * (1 - share) * (end - start)}+1000x{MINUTES - end}"},
                {"series": bad, "values": f"0+0x{start} 0+{1000 * share}x{end - start} {1000 * share * (end - start)}+0x{MINUTES - end}"}]
    series = [{"series": ok, "values": f"0+{1000 - errors_per_minute}x{MINUTES}"}]
    if errors_per_minute:
        series.append({"series": bad, "values": f"0+{errors_per_minute}x{MINUTES}"})
    return series


# In a burst the windows of a day or more are not compared: ours read hourly rollups, which lag
# the raw range by up to an hour.
@pytest.mark.parametrize("name, series, eval_minute, page, ticket, windows", [
    ("no error ever: the 500s series never exists", _series(0), MINUTES, False, False, WINDOWS),
    ("errors at 0.9x the budget burn nothing", _series(0.9), MINUTES, False, False, WINDOWS),
    ("errors at 1.1x the budget raise a ticket", _series(1.1), MINUTES, False, True, WINDOWS),
    ("errors at 5.9x the budget raise a ticket, not a page", _series(5.9), MINUTES, False, True, WINDOWS),
    ("errors at 6.1x the budget page", _series(6.1), MINUTES, True, True, WINDOWS),
    ("errors at 15x the budget page", _series(15), MINUTES, True, True, WINDOWS),
    ("a 10-minute burst of 20% errors pages while it lasts", _series(0, (4000, 4010, 0.2)), 4010, True, False, WINDOWS[:5]),
    ("a 2-minute burst of 20% errors pages nobody", _series(0, (4000, 4002, 0.2)), 4005, False, False, WINDOWS[:5]),
])
def test_imported_rules_agree_with_sloths_generated_rules(cli, tmp_path, name, series, eval_minute, page, ticket, windows):
    data = yaml.safe_load(imported(cli, "getting-started.yml"))
    compilation = pipeline.compile_spec([("imported.yaml", yaml.safe_dump(data).encode())], "imported.yaml")
    spec = compilation.spec
    (indicator,) = spec.indicators
    ours = tmp_path / "ours.yaml"
    ours.write_text(compilation.files["prometheus/slos.yaml"])
    sloth_rules = tmp_path / "sloth.yaml"
    sloth_rules.write_text((SLOTH / "getting-started.sloth-rules.yml").read_text())
    burn = conventions.alert_name(spec.name, indicator.id, conventions.BURN_RATE_SUFFIX)
    alerts = {(rule["alert"], rule["labels"].get("sloth_severity") or rule["labels"]["level"]): rule["expr"]
              for path in (ours, sloth_rules) for group in yaml.safe_load(path.read_text())["groups"]
              for rule in group["rules"] if "alert" in rule and rule["alert"] in (burn, "MyServiceHighErrorRate")}
    tests = []
    for window in windows:
        mine = conventions.error_ratio_series(spec, indicator, durations.seconds(window))
        theirs = f"slo:sli_error:ratio_rate{window}{SLOTH_SELECTOR}"
        # equal (windows of a day or more within 1%: ours average the hourly rollups, Sloth's
        # rate() reads the raw range), or Sloth has no value (no error series yet; ours says 0)
        tolerance = f"0.01 * sum({theirs}) + 1e-12" if durations.seconds(window) >= 86400 else "1e-9"
        tests.append({"expr": f"(abs(sum({mine}) - sum({theirs})) <= bool {tolerance}) or sum(absent({theirs}))",
                      "eval_time": f"{eval_minute}m", "exp_samples": [{"labels": "{}", "value": 1}]})
    for kind, expected in (("page", page), ("ticket", ticket)):
        for key in ((burn, kind), ("MyServiceHighErrorRate", kind)):
            tests.append({"expr": f"count({alerts[key]}) or vector(0)", "eval_time": f"{eval_minute}m",
                          "exp_samples": [{"labels": "{}", "value": 1 if expected else 0}]})
    case = {"rule_files": [str(ours), str(sloth_rules)], "evaluation_interval": "5m",
            "tests": [{"interval": "1m", "input_series": series, "promql_expr_test": tests}]}
    (tmp_path / "agree.yaml").write_text(yaml.safe_dump(case, sort_keys=False))
    result = subprocess.run([binary("promtool"), "test", "rules", str(tmp_path / "agree.yaml")], capture_output=True, text=True)
    assert result.returncode == 0, f"{name}:\n{result.stdout}{result.stderr}"


# --- OpenSLO -----------------------------------------------------------------------------------
OPENSLO = ROOT / "tests" / "importers" / "openslo"
PUBLISHED = ("slos.yaml", "slis.yaml", "alert_policies.yaml", "alert_conditions.yaml")
# An SLO of ours (not published) naming each published Prometheus SLI of slis.yaml
REFERRING = """\
apiVersion: openslo/v1
kind: SLO
metadata: {{name: {sli}-slo}}
spec:
  service: home
  indicatorRef: {sli}
  timeWindow: [{{duration: 28d, isRolling: true}}]
  objectives: [{{target: 0.95, op: lte, value: 1000}}]
  alertPolicies: [high-priority]
"""


def imported_openslo(cli, *paths: str) -> tuple[str, str]:
    result = cli("import", "openslo", *paths, "--out", "imported.yaml")
    assert result.exit_code == 0, result.output
    return Path("imported.yaml").read_text(), result.output


def test_openslos_published_examples_import_with_every_object_that_does_not_map_said(cli):
    text, output = imported_openslo(cli, *(str(OPENSLO / name) for name in PUBLISHED))
    (indicator,) = yaml.safe_load(text)["indicators"]
    # good is total plus code=~"2xx|4xx", so the errors are total plus code!~"2xx|4xx"
    assert indicator["measure"] == {"availability": {
        "errors": 'http_requests{k8s_cluster="prod",component="web",code!~"2xx|4xx"}',
        "total": 'http_requests{k8s_cluster="prod",component="web"}', "period": "1w"}}
    assert (indicator["target"], indicator["warning"], indicator["labels"]) == (0.995, 0.97, {"env": "prod"})
    for said in ["slis.yaml:1:3: warning: [0]: SLI search-availability: no SLO in the input refers to it",
                 "alert_policies.yaml:19:3: warning: [1]: AlertPolicy high-priority: no SLO",
                 "slos.yaml:37:22: warning: [0].spec.budgetingMethod: budgetingMethod Timeslices: imported as Occurrences",
                 "slos.yaml:32:9: warning: [0].spec.timeWindow[0]: a calendar-aligned window",
                 "slos.yaml:10:9: warning: [0].metadata.labels.team: label team with 2 values"]:
        assert said in output
    assert "# budgetingMethod Timeslices: imported as Occurrences" in text and "#   SLI annotator-throughput: no SLO" in text


@pytest.mark.parametrize("sli, measure, expected", [
    ("wifi-client-satisfaction", "expr", "1 - (\n  sum(sum_over_time(poller_client_satisfaction_ratio[28d]))"),  # rawType: success
    ("annotator-throughput", "expr", "avg_over_time(((sum(min_over_time(kafka_consumergroup_lag"),
])
def test_openslos_raw_and_threshold_slis_become_expr_indicators_over_the_period(cli, tmp_path, sli, measure, expected):
    Path("slo.yaml").write_text(REFERRING.format(sli=sli))
    text, output = imported_openslo(cli, "slo.yaml", str(OPENSLO / "slis.yaml"), str(OPENSLO / "alert_policies.yaml"))
    (indicator,) = yaml.safe_load(text)["indicators"]
    assert next(iter(indicator["measure"])) == measure and indicator["measure"][measure].startswith(expected)
    assert "alert policy high-priority (burn rate gt 2 over 1h): not imported" in output
    rules = pipeline.compile_spec([("imported.yaml", text.encode())], "imported.yaml").files["prometheus/slos.yaml"]
    (tmp_path / "rules.yaml").write_text(rules)
    check = subprocess.run([binary("promtool"), "check", "rules", str(tmp_path / "rules.yaml")], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("text, message", [
    ("apiVersion: openslo/v1alpha\nkind: SLO\n", "1:13: apiVersion: unsupported apiVersion 'openslo/v1alpha' (hint: only openslo/v1 is read)"),
    ("apiVersion: openslo/v1\nkind: Budget\n", "2:7: kind: unsupported document kind 'Budget'"),
    ("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {service: s, indicatorRef: b, objectives: [{target: 0.9}]}\n",
     "4:34: spec.indicatorRef: the SLI 'b' is not in the input (hint: pass the file that holds it too)"),
    ("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {service: s, indicatorRef: b, objectives: [{target: 99}]}\n"
     "---\napiVersion: openslo/v1\nkind: SLI\nmetadata: {name: b}\nspec: {thresholdMetric: {}}\n",
     "4:59: spec.objectives[0].target: an objective needs a target between 0 and 1"),
    ("---\napiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\n---\n[]\n", "2:1: spec: expected the SLO's spec (a mapping)"),
])
def test_an_openslo_file_that_cannot_be_imported_is_a_located_error_and_nothing_is_written(cli, text, message):
    Path("in.yaml").write_text(text)
    result = cli("import", "openslo", "in.yaml", "--out", "out.yaml")
    assert result.exit_code == 1 and f"in.yaml:{message}" in result.output, result.output
    assert not Path("out.yaml").exists()


def test_an_openslo_input_whose_slos_read_no_prometheus_says_why_and_writes_nothing(cli):
    result = cli("import", "openslo", str(OPENSLO / "slo-no-indicatorref-rolling-alerts.yaml"), "--out", "out.yaml")
    assert result.exit_code == 1 and not Path("out.yaml").exists()
    assert ("slo-no-indicatorref-rolling-alerts.yaml:18:13: warning: spec.indicator.spec.ratioMetric.good.metricSource: "
            "the SLI reads Datadog, not a Prometheus query") in result.output
    assert "nothing to import: no openslo SLO in the input can be imported" in result.output


def test_the_imported_openslo_error_ratio_is_one_minus_good_over_total(cli, tmp_path):
    """OpenSLO's own definition, 1 - good/total, in plain PromQL beside the imported rules, over
    series of every code and of another component that must not count."""
    text, _ = imported_openslo(cli, str(OPENSLO / "slos.yaml"))
    compilation = pipeline.compile_spec([("imported.yaml", text.encode())], "imported.yaml")
    spec = compilation.spec
    (indicator,) = spec.indicators
    (tmp_path / "ours.yaml").write_text(compilation.files["prometheus/slos.yaml"])
    web = 'http_requests{k8s_cluster="prod",component="web",code="%s"}'
    series = [{"series": web % "2xx", "values": "0+900x420"}, {"series": web % "4xx", "values": "0+60x420"},
              {"series": web % "5xx", "values": "0+40x420"},
              {"series": 'http_requests{k8s_cluster="prod",component="api",code="5xx"}', "values": "0+500x420"}]
    good, total = ('http_requests{k8s_cluster="prod",component="web",code=~"2xx|4xx"}', 'http_requests{k8s_cluster="prod",component="web"}')
    tests = [{"expr": f"abs(sum({conventions.error_ratio_series(spec, indicator, durations.seconds(window))}) - "
                      f"(1 - sum(rate({good}[{window}])) / sum(rate({total}[{window}])))) < bool 1e-9",
              "eval_time": "7h", "exp_samples": [{"labels": "{}", "value": 1}]} for window in ("5m", "30m", "1h", "2h", "6h")]
    case = {"rule_files": [str(tmp_path / "ours.yaml")], "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "input_series": series, "promql_expr_test": tests}]}
    (tmp_path / "agree.yaml").write_text(yaml.safe_dump(case, sort_keys=False))
    result = subprocess.run([binary("promtool"), "test", "rules", str(tmp_path / "agree.yaml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
