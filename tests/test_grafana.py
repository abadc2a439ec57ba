"""The Grafana dashboards: every query parses and reads only recorded series the conventions
define, the layout and thresholds are sound, every alert link opens its indicator's panel, and
each dashboard validates against Grafana's published JSON schemas (vendored in tests/grafana-schema)."""

from __future__ import annotations

import json
import math
import re
from functools import cache
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from conftest import ROOT, spec_text
from jsonschema import Draft7Validator

from bench import synth
from compiler import backends, conventions, pipeline, promql
from compiler.backends import grafana, kubernetes
from compiler.backends.grafana import queries
from compiler.backends.grafana.panels import steps as threshold_steps
from compiler.emit import emit
from compiler.model import Threshold

SCHEMAS = ROOT / "tests" / "grafana-schema"


# The shipped spec, and one without global labels, scorecard or ROI, with an override and a trend.
SPECS = {"shipped": ROOT / "indicators.yaml", "small": ROOT / "tests" / "golden" / "grafana" / "spec.yaml"}


@cache
def load(name: str):
    return pipeline.load([("indicators.yaml", SPECS[name].read_bytes())], "indicators.yaml")[0]


def shipped():
    return load("shipped")


def compiled(text: str):
    return pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")[0]


@cache
def boards(name: str = "shipped") -> dict[str, dict]:
    return grafana.dashboards(load(name))[0]


ALL_BOARDS = [(name, uid) for name in SPECS for uid in sorted(boards(name))]


def panels(board: dict) -> list[dict]:
    return [panel for panel in board["panels"] if panel["type"] != "row"]


def steps_of(board: dict):
    for panel in panels(board):
        yield panel["title"], panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        for override in panel["fieldConfig"]["overrides"]:
            for prop in override["properties"]:
                if prop["id"] == "thresholds":
                    yield panel["title"], prop["value"]["steps"]


def overlaps(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def ids_are_unique(spec, board):
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)), ids


def panels_do_not_overlap(spec, board):
    placed = [(panel["title"], panel["gridPos"]) for panel in board["panels"]]
    for position, (title, grid) in enumerate(placed):
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24, title
        for other, other_grid in placed[position + 1:]:
            assert not overlaps(grid, other_grid), (title, other)


def steps_ascend_from_a_null_base(spec, board):
    for title, steps in steps_of(board):
        assert steps[0]["value"] is None, title
        values = [step["value"] for step in steps[1:]]
        assert values == sorted(set(values)), title


def uid_is_short_and_plain(spec, board):
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,40}", board["uid"]), board["uid"]


def queries_parse_as_promql(spec, board):
    for expr in queries.texts(board):
        promql.parse(queries.substituted(expr, board))


def only_conventional_series_are_read(spec, board):
    assert queries.series_read(board) - {"ALERTS"} <= conventions.recorded_series(spec)


def the_datasource_is_a_variable_not_an_import_input(spec, board):
    text = json.dumps(board)
    assert "__inputs" not in text and "DS_" not in text
    assert {"type": "datasource", "name": "datasource"}.items() <= board["templating"]["list"][0].items()
    assert all(panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"} for panel in panels(board))


def it_is_read_only_utc_and_refreshes(spec, board):
    assert (board["editable"], board["timezone"], board["refresh"]) == (False, "utc", "5m")
    assert board["schemaVersion"] >= 41 and "indicators" in board["tags"]


STRUCTURE = [ids_are_unique, panels_do_not_overlap, steps_ascend_from_a_null_base, uid_is_short_and_plain,
             queries_parse_as_promql, only_conventional_series_are_read, the_datasource_is_a_variable_not_an_import_input,
             it_is_read_only_utc_and_refreshes]


@pytest.mark.parametrize(("name", "uid"), ALL_BOARDS)
@pytest.mark.parametrize("check", STRUCTURE, ids=[check.__name__ for check in STRUCTURE])
def test_every_dashboard(check, name, uid):
    check(load(name), boards(name)[uid])


@pytest.mark.parametrize("name", SPECS)
def test_every_alert_link_opens_its_indicators_panel_with_a_variable_per_label(name):
    spec = load(name)
    ids = {i: panel for c in spec.categories for i, panel in conventions.panel_ids(spec, c.id).items()}
    for indicator in spec.indicators:
        url = urlparse(conventions.dashboard_url(spec, indicator, ids[indicator.id]))
        board = boards(name)[url.path.removeprefix("/d/")]
        (panel,) = [p for p in board["panels"] if p["id"] == int(parse_qs(url.query)["viewPanel"][0])]
        assert panel["title"] == indicator.title
        names = {variable["name"] for variable in board["templating"]["list"]}
        assert set(spec.global_labels + indicator.track_by) <= names, indicator.id


def test_the_overview_shows_scores_headlines_alerts_and_trends():
    overview = boards()[conventions.overview_uid(shipped())]
    titles = [panel["title"] for panel in overview["panels"]]
    for title in ("Composite score", "Scorecard", "Active Users", "Time-to-Production", "Deployment Success Rate",
                  "Model health", "Firing alerts by level", "Firing alerts", "Category scores", "Scorecard trend"):
        assert title in titles
    by_level = next(p for p in overview["panels"] if p["title"] == "Firing alerts by level")
    assert [t["legendFormat"] for t in by_level["targets"]] == ["Yellow", "Red", "Critical"]
    assert 'level="critical"' in by_level["targets"][2]["expr"]


HEADLINE_CHOICES = [
    ("the headline's indicators, in its order", "  headline: [csat, active_users]", ["CSAT", "Active Users"]),
    ("a headline of categories only falls back to each category's first indicator", "  headline: [governance]", None),
]


@pytest.mark.parametrize("case, headline, expected", HEADLINE_CHOICES, ids=[case[0] for case in HEADLINE_CHOICES])
def test_the_overview_headlines_are_the_reports_headline(case, headline, expected):
    text = re.sub(r"^  headline: .*$", headline, SPECS["shipped"].read_text(), flags=re.M)
    spec = compiled(text)
    overview = grafana.dashboards(spec)[0][conventions.overview_uid(spec)]
    after = overview["panels"][next(i for i, p in enumerate(overview["panels"]) if p["title"] == "Headline indicators") + 1:]
    section = after[:next(i for i, p in enumerate(after) if p["type"] == "row")]
    shown = [p["title"] for p in section if p["title"] != "Model health"]
    firsts = [next(i.title for i in spec.indicators if i.category == c.id) for c in spec.categories]
    assert shown == (expected if expected is not None else firsts)


# A headline that names no indicator falls back to each category's first, up to MAX_HEADLINES
# (12) categories: synthetic specs have 4 categories per 100 indicators.
HEADLINE_LIMITS = [
    ("12 categories: each one's first indicator, and no warning", 300, 12, []),
    ("13 categories: the first 12, and a warning naming the one left out", 301, 12, [
        "s.yaml:1:1: warning: reports.headline: the overview's headline shows the first indicator of the first 12 categories "
        "only, not of the other 1 (governance_3); their scores stay in its category table "
        "(hint: name the indicators to show in reports.headline)"]),
]


@pytest.mark.parametrize("count, shown, warned", [c[1:] for c in HEADLINE_LIMITS], ids=[c[0] for c in HEADLINE_LIMITS])
def test_a_headline_fallback_past_twelve_categories_is_capped_with_a_located_warning(count, shown, warned):
    spec, warnings = pipeline.load([("s.yaml", yaml.safe_dump(synth.spec(count), sort_keys=False).encode())], "s.yaml")
    overview = grafana.dashboards(spec)[0][conventions.overview_uid(spec)]
    after = overview["panels"][next(i for i, p in enumerate(overview["panels"]) if p["title"] == "Headline indicators") + 1:]
    section = after[:next(i for i, p in enumerate(after) if p["type"] == "row")]
    assert len([p for p in section if p["title"] != "Model health"]) == shown
    assert [str(warning) for warning in warnings if warning.path == "reports.headline"] == warned


PANEL_KINDS = [
    ("a share against a target is a gauge in percent", "active_users", "gauge", "percentunit", 1),
    ("an uptime shows 99.95%, not 100%", "model_uptime", "gauge", "percentunit", 2),
    ("a duration is a stat in seconds, scaled by Grafana", "time_to_production", "stat", "s", None),
    ("a count of events is a stat of whole numbers", "audit_findings", "stat", "short", 0),
    ("a satisfaction score is a stat without a unit", "csat", "stat", "none", 1),
    ("a month-on-month trend is a time series", "deployment_frequency", "timeseries", "percentunit", 1),
    ("accuracy against its training baseline is a time series", "model_accuracy", "timeseries", "percentunit", 1),
    ("a drift score, where lower is good, is a time series of plain numbers", "drift_score", "timeseries", "none", 2),
]


def indicator_panel(indicator_id: str) -> dict:
    spec = shipped()
    indicator = next(i for i in spec.indicators if i.id == indicator_id)
    board = boards()[conventions.category_uid(spec, indicator.category)]
    return next(p for p in board["panels"] if p["id"] == conventions.panel_ids(spec, indicator.category)[indicator_id])


@pytest.mark.parametrize(("indicator_id", "kind", "unit", "decimals"), [c[1:] for c in PANEL_KINDS], ids=[c[0] for c in PANEL_KINDS])
def test_each_indicator_gets_the_panel_that_fits_it(indicator_id, kind, unit, decimals):
    panel = indicator_panel(indicator_id)
    defaults = panel["fieldConfig"]["defaults"]
    assert (panel["type"], defaults["unit"], defaults.get("decimals")) == (kind, unit, decimals)


ABOVE_ZERO = math.nextafter(0, math.inf)
THRESHOLDS = [
    ("higher is good: red below the warning sign, yellow below the target, green at it", "active_users",
     [(None, "red"), (0.5, "yellow"), (0.8, "green")]),
    ("lower is good: a value exactly at the target is still green", "time_to_rollback",
     [(None, "green"), (math.nextafter(300, math.inf), "yellow"), (math.nextafter(3600, math.inf), "red")]),
    ("a critical threshold is dark red beyond the warning sign", "drift_score",
     [(None, "green"), (math.nextafter(0.1, 1), "yellow"), (math.nextafter(0.2, 1), "red"), (math.nextafter(0.3, 1), "dark-red")]),
    ("a zero-tolerance count is green at zero and red above it", "audit_findings", [(None, "green"), (ABOVE_ZERO, "red")]),
    ("a count that is critical at once is dark red above zero", "regulatory_violations", [(None, "green"), (ABOVE_ZERO, "dark-red")]),
    ("of equal warning and critical values the one raised first colours", "model_accuracy",
     [(None, "red"), (-0.1, "yellow"), (-0.05, "green")]),
]


@pytest.mark.parametrize(("indicator_id", "expected"), [c[1:] for c in THRESHOLDS], ids=[c[0] for c in THRESHOLDS])
def test_thresholds_colour_values_as_the_alerts_judge_them(indicator_id, expected):
    steps = indicator_panel(indicator_id)["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [(step["value"], step["color"]) for step in steps] == expected


# (thresholds as (name, value, for), good, the steps' values and colours): one set of thresholds
# either way, and two that differ in a value or a for alone
YELLOW, RED = ("target", 0.9, 0.0), ("warning", 0.8, 3600.0)
STEPS = [
    ((YELLOW, RED), "higher", [(None, "red"), (0.8, "yellow"), (0.9, "green")]),
    ((YELLOW, RED), "lower", [(None, "green"), (math.nextafter(0.8, math.inf), "red"), (math.nextafter(0.9, math.inf), "yellow")]),
    ((YELLOW, ("warning", 0.7, 3600.0)), "higher", [(None, "red"), (0.7, "yellow"), (0.9, "green")]),
    ((YELLOW, ("warning", 0.9, 3600.0)), "higher", [(None, "yellow"), (0.9, "green")]),
    ((YELLOW, ("warning", 0.9, 0.0)), "higher", [(None, "red"), (0.9, "green")]),
    ((("target", 0.9, 3600.0), ("warning", 0.9, 0.0)), "higher", [(None, "red"), (0.9, "green")]),
]


def test_threshold_steps_are_worked_out_for_each_set_of_thresholds_and_direction():
    found = [threshold_steps(tuple(Threshold(name, value, hold, name) for name, value, hold in thresholds), good)
             for thresholds, good, _ in STEPS]
    assert [[(step["value"], step["color"]) for step in steps] for steps in found] == [expected for _, _, expected in STEPS]


def test_a_threshold_written_as_a_whole_number_keeps_its_type_whatever_was_compiled_before():
    # 300 and 300.0 are equal thresholds; a cache of steps by thresholds once wrote whichever came first
    written = [threshold_steps((Threshold("target", value, 0.0, "green"),), "higher")[1]["value"] for value in (300.0, 300, 300.0)]
    assert [type(value) for value in written] == [float, int, float]


def test_an_override_gets_its_own_query_and_thresholds_and_the_default_query_leaves_it_out():
    panel = indicator_panel("inference_latency")
    default, fraud = (target["expr"] for target in panel["targets"])
    assert default.endswith(f' unless {fraud}') and 'model="fraud-detector"' in fraud
    (override,) = panel["fieldConfig"]["overrides"]
    assert override["matcher"] == {"id": "byFrameRefID", "options": "B"}
    assert [s["value"] for s in override["properties"][0]["value"]["steps"]][1:] == [
        math.nextafter(v, math.inf) for v in (0.1, 0.2, 1)]
    assert "model=fraud-detector: yellow when > 100ms" in panel["description"]


def test_a_panel_says_what_the_indicator_means_and_links_its_runbook():
    panel = indicator_panel("active_users")
    assert panel["description"].startswith("DS/MLEs using the platform weekly.")
    assert "**Target:** ≥ 80%. **Warning sign:** < 50%." in panel["description"]
    assert panel["links"][-1]["url"] == "https://runbooks.example.com/mlops/active_users"


def in_observability(text: str) -> str:
    return text.replace("kubernetes: {", "kubernetes: {namespace: observability, dashboard_folder: ML Platform, ", 1)


def test_each_dashboard_ships_as_a_configmap_the_sidecar_loads_and_argo_cd_applies_server_side():
    spec = compiled(in_observability(spec_text()))
    built = backends.outputs(spec)
    texts = emit(backends.render(built), spec.sources)
    (kustomization,) = grafana.kubernetes(built).values()
    boards_by_uid, _ = grafana.dashboards(spec)
    configmaps = [configmap for _, configmap, _ in kubernetes.as_applied({grafana.KUSTOMIZATION: kustomization}, texts)]
    assert len(configmaps) == len(boards_by_uid) == 2
    for configmap in configmaps:
        metadata = configmap["metadata"]
        assert (configmap["kind"], metadata["namespace"], metadata["labels"]["grafana_dashboard"]) == ("ConfigMap", "observability", "1")
        assert metadata["annotations"] == {"grafana_folder": "ML Platform", "argocd.argoproj.io/sync-options": "ServerSideApply=true"}
        ((key, body),) = configmap["data"].items()
        assert body == texts[f"{grafana.DASHBOARDS}/{key}"]  # the file itself: no second copy is generated
        assert json.loads(body) == boards_by_uid[key.removesuffix(".json")]
    assert not [path for path in texts if path.startswith("kubernetes/grafana-dashboard")]


def test_file_provisioning_loads_the_dashboards_folder_read_only():
    (provider,) = grafana.render(backends.outputs(shipped()))[grafana.PROVISIONING]["providers"]
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards/mlops"
    assert (provider["folder"], provider["allowUiUpdates"], provider["disableDeletion"]) == ("MLOps", False, True)


# Grafana's published schemas, vendored with their provenance. A panel type without its schema
# fails rather than skips (a validator test that skips is not a test).

def schema(name: str, definition: str | None = None) -> Draft7Validator:
    path = SCHEMAS / f"{name}.jsonschema.json"
    if not path.is_file():
        pytest.fail(f"no Grafana JSON schema at {path}: copy it in as {SCHEMAS / 'PROVENANCE.md'} says")
    document = json.loads(path.read_text())
    if name == "dashboard":
        # The one gap: the schema generator typed a field matcher's `options` (`any` in Grafana's
        # TypeScript) as an object, but the byFrameRefID matcher takes the query's refId, a string.
        matcher = document["definitions"]["MatcherConfig"]["properties"]
        assert matcher["options"]["type"] == "object"
        matcher["options"] = {"anyOf": [matcher["options"], {"type": "string"}]}
    if definition is not None:
        document = {**document, "$ref": f"#/definitions/{definition}"}
    return Draft7Validator(document)


def errors(validator: Draft7Validator, instance) -> list[str]:
    """Each error at its deepest cause, so a panel that fits neither Panel nor RowPanel says why."""
    found = []
    for error in validator.iter_errors(instance):
        while error.context:
            error = min(error.context, key=lambda e: -len(e.absolute_path))
        found.append(f"{'/'.join(map(str, error.absolute_path))}: {error.message}")
    return found


@pytest.mark.parametrize(("name", "uid"), ALL_BOARDS)
def test_each_dashboard_validates_against_grafanas_dashboard_schema(name, uid):
    assert errors(schema("dashboard"), boards(name)[uid]) == []


@pytest.mark.parametrize(("name", "uid"), ALL_BOARDS)
def test_each_panels_options_and_queries_validate_against_their_plugins_schemas(name, uid):
    query = schema("prometheus")
    for panel in panels(boards(name)[uid]):
        assert errors(schema(panel["type"], "Options"), panel["options"]) == [], panel["title"]
        if panel["type"] == "timeseries":
            custom = panel["fieldConfig"]["defaults"]["custom"]
            assert errors(schema("timeseries", "GraphFieldConfig"), custom) == [], panel["title"]
        for target in panel["targets"]:
            assert errors(query, target) == [], panel["title"]


def test_each_category_dashboard_reads_its_indicators_series_and_scores():
    spec = shipped()
    for category in spec.categories:
        read = queries.series_read(boards()[conventions.category_uid(spec, category.id)])
        expected = {conventions.indicator_series(spec, i) for i in spec.indicators if i.category == category.id}
        assert expected | {conventions.rollup_score_series(spec, "category")} <= read


def test_the_query_checks_catch_a_series_outside_the_conventions_and_an_undefined_variable():
    board = {"panels": [{"type": "stat", "targets": [{"expr": 'raw_metric_total{team=~"$team"}'}]}],
             "annotations": {"list": []}, "templating": {"list": []}}
    with pytest.raises(ValueError, match="does not define"):
        queries.series_read(board)
    board["templating"]["list"].append({"type": "custom", "name": "team", "allValue": ".*"})
    assert queries.series_read(board) == {"raw_metric_total"}
