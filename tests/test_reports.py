"""`indicators report weekly|monthly` against a real Prometheus holding nine weeks of history
(tests/report_history.py): every number in both reports equals the one computed here from the
dataset, the rendered Markdown and HTML equal the golden files in tests/reports/expected/, and
failures (no server, HTTP 500, a hang, bad input) are a message and an exit code."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import threading
import time
import urllib.request
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from statistics import mean

import pytest
import report_history as history
import servers
from click.testing import CliRunner
from conftest import ROOT

from compiler import conventions, emit, pipeline, present, promql
from compiler.backends.prometheus.plan import ALERT, RECORD
from compiler.cli import main
from compiler.prometheus_api import Client, PrometheusError
from compiler.reports import monthly, period, weekly
from compiler.reports.queries import Query, Sample

pytestmark = pytest.mark.e2e

EXPECTED = history.SPEC.parent / "expected"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
WEEK, MONTH = "2026-W45", "2026-10"
NOW, LAST_WEEK = history.END, history.END - history.WEEK  # the ends of 2026-W45 and 2026-W44
MONTH_END, LAST_MONTH_END = period.month(MONTH).end, period.month(MONTH).previous_end


@pytest.fixture(scope="module")
def spec():
    return pipeline.compile_spec([(str(history.SPEC), history.SPEC.read_bytes())], history.SPEC.name).spec


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated")
    result = CliRunner().invoke(main, ["generate", str(history.SPEC), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with history.prometheus_with_history(tmp_path_factory.mktemp("prometheus"), sorted((out / "prometheus").glob("*.yaml"))) as server:
        yield server


# The dataset's indicator values, computed from the source series as the spec defines them.
def value(indicator: str, labels: dict[str, str], t: float) -> float | None:
    """None where the series does not exist (an exporter that stopped)."""
    src = history.source
    if history.STOPS.get((labels["cluster"], labels.get("team") or labels.get("model")), history.END + 1) <= t:
        return None
    if indicator == "active_users":
        return src("mlops_active_users", labels, t) / src("mlops_ml_team_size", labels, t)
    if indicator == "time_to_production":
        return src("mlops_days_to_production", labels, t)
    if indicator == "model_accuracy":
        return src("mlops_model_accuracy", labels, t) / src("mlops_model_baseline_accuracy", labels, t) - 1
    if indicator == "drift_score":
        return max(src("mlops_drift_score", {**labels, "feature": f}, t) for f in history.FEATURES[labels["model"]])
    trained = src("mlops_model_last_trained_timestamp_seconds", labels, t)
    return None if trained is None else t - trained


ENTITIES = {"active_users": "team", "time_to_production": "team", "model_accuracy": "model", "drift_score": "model", "model_age": "model"}
# (target, warning, critical) as the spec says; drift has a stricter override for fraud-detector
LIMITS = {"active_users": (0.8, 0.5, None), "time_to_production": (14 * 86400, 60 * 86400, None),
          "model_accuracy": (-0.05, -0.1, -0.2), "drift_score": (0.1, 0.2, 0.3), "model_age": (30 * 86400, 90 * 86400, None)}
HIGHER_IS_GOOD = {"active_users", "model_accuracy"}


def limits(indicator: str, labels: dict[str, str]) -> tuple:
    if indicator == "drift_score" and labels.get("model") == "fraud-detector":
        return 0.05, 0.1, 0.15
    return LIMITS[indicator]


def level(indicator: str, labels: dict[str, str], number: float) -> str:
    worse = (lambda limit: number < limit) if indicator in HIGHER_IS_GOOD else (lambda limit: number > limit)
    found = "green"
    for name, limit in zip(("yellow", "red", "critical"), limits(indicator, labels)):
        if limit is not None and worse(limit):
            found = name
    return found


def score(indicator: str, labels: dict[str, str], number: float) -> float:
    target, warning, _ = limits(indicator, labels)
    return min(100.0, max(0.0, (number - warning) / (target - warning) * 100))


def entities(indicator: str) -> list[dict[str, str]]:
    pairs = history.TEAMS if ENTITIES[indicator] == "team" else history.MODELS
    return [{"cluster": cluster, ENTITIES[indicator]: name} for cluster, name in pairs]


def values(indicator: str, t: float) -> list[tuple[dict[str, str], float]]:
    return [(labels, found) for labels in entities(indicator) if (found := value(indicator, labels, t)) is not None]


def indicator_score(indicator: str, cluster: str, t: float) -> float | None:
    scores = [score(indicator, labels, number) for labels, number in values(indicator, t) if labels["cluster"] == cluster]
    return mean(scores) if scores else None


MEMBERS = {"platform_adoption": ["active_users", "time_to_production"], "model_quality": ["model_accuracy", "drift_score", "model_age"]}


def entry_score(entry: str, cluster: str, t: float) -> float:
    return mean(s for indicator in MEMBERS[entry] if (s := indicator_score(indicator, cluster, t)) is not None)


def composite(t: float) -> float:
    return mean(0.4 * entry_score("platform_adoption", c, t) + 0.6 * entry_score("model_quality", c, t) for c in ("eu", "us"))


def roi(t: float) -> float:
    def per_cluster(cluster):
        adoption = mean(number for labels, number in values("active_users", t) if labels["cluster"] == cluster)
        return max(0.0, -0.5 + 0.5 * adoption + 1.5 * entry_score("model_quality", cluster, t) / 100)
    return mean(per_cluster(c) for c in ("eu", "us"))


def worst(indicator: str, t: float) -> tuple[dict[str, str], float]:
    rank = ("green", "yellow", "red", "critical")
    sign = -1 if indicator in HIGHER_IS_GOOD else 1
    return max(values(indicator, t), key=lambda item: (rank.index(level(indicator, *item)), sign * item[1]))


def stopped(indicator: str, t: float, period: float) -> list[dict[str, str]]:
    """The entities whose exporter stopped during the period ending at `t`: reported in it, not at `t`."""
    return [labels for labels in entities(indicator)
            if t - period < history.STOPS.get((labels["cluster"], labels[ENTITIES[indicator]]), history.END + 1) <= t]


def paging(labels: dict[str, str], t: float) -> bool:
    """Whether the entity's NoData alert (red) fires at `t`: from an hour after its exporter's
    last sample, for a day after that sample (then it is forgotten)."""
    stop = history.STOPS.get((labels["cluster"], labels.get("team") or labels.get("model")))
    return stop is not None and stop + history.HOUR <= t < stop - history.HOUR + history.DAY


def named(labels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in labels.items())


def points(t: float) -> str:
    return f"{round(t, 1):g}/100"


def test_every_number_in_the_weekly_review_is_the_one_computed_from_the_dataset(spec, prometheus):
    context = weekly.build(spec, period.week(WEEK), Client(prometheus.url).ask).context
    indicator = {i.id: i for i in spec.indicators}
    shown = lambda name, number: present.value(indicator[name], number)  # noqa: E731

    headline = {figure.title: (figure.now, figure.before) for figure in context["headline"]}
    assert headline == {
        "Active Users": (shown("active_users", mean(n for _, n in values("active_users", NOW))),
                         shown("active_users", mean(n for _, n in values("active_users", LAST_WEEK)))),
        "Time-to-Production": (shown("time_to_production", mean(n for _, n in values("time_to_production", NOW))),
                               shown("time_to_production", mean(n for _, n in values("time_to_production", LAST_WEEK)))),
        "Model Quality score": (points(mean(entry_score("model_quality", c, NOW) for c in ("eu", "us"))),
                                points(mean(entry_score("model_quality", c, LAST_WEEK) for c in ("eu", "us")))),
    }
    assert [figure.direction for figure in context["headline"]] == ["better", "worse", "worse"]  # the stopped search team was fast

    health = {row.title: (row.this_week, row.last_week, row.status, row.where) for row in context["health"]}
    expected = {}
    rank = ("green", "yellow", "red", "critical").index
    for name in ("active_users", "time_to_production"):
        (labels, now), (_, before) = worst(name, NOW), worst(name, LAST_WEEK)
        silent = [gone for gone in stopped(name, NOW, history.WEEK) if paging(gone, NOW)]
        if silent and rank(level(name, labels, now)) < rank("red"):  # a NoData (red) more severe than every value
            expected[indicator[name].title] = ("no data", shown(name, before), "red", named(silent[0]))
        else:
            expected[indicator[name].title] = (shown(name, now), shown(name, before), level(name, labels, now), named(labels))
    assert health == expected
    assert health["Active Users"] == ("no data", "30%", "red", "cluster=eu, team=search")

    columns = ["model_accuracy", "drift_score", "model_age"]
    assert context["quality"]["columns"] == [indicator[name].title for name in columns]
    rows = {row.name: ([(cell.text, cell.status) for cell in row.cells], row.status) for row in context["quality"]["rows"]}
    expected_rows = {}
    for cluster, model in history.MODELS:
        labels, cells, levels = {"cluster": cluster, "model": model}, [], []
        if labels not in stopped("drift_score", NOW, history.WEEK) and value("drift_score", labels, NOW) is None:
            continue  # gone before the week
        for name in columns:
            number = value(name, labels, NOW)
            if number is None:
                cells.append(("no data", "red" if paging(labels, NOW) else ""))
                levels.append("red" if paging(labels, NOW) else "green")
                continue
            found = level(name, labels, number)
            levels.append(found)
            cells.append((shown(name, number), "" if found == "green" else found))
        expected_rows[f"{model} (cluster={cluster})"] = (cells, max(levels, key=("green", "yellow", "red", "critical").index))
    assert rows == expected_rows
    assert rows["pricing (cluster=eu)"] == ([("no data", "red")] * 3, "red")  # stopped on Sunday, its NoData paging
    assert "legacy (cluster=us)" not in rows  # stopped in October: forgotten

    responders = {"red": "Platform Team, Manager", "critical": "On-call, Leadership"}  # the team's red replaces the level's
    actions = {(item.indicator, item.where, item.value, item.status, item.responders) for item in context["actions"]}
    assert actions == {
        (indicator[name].title, ", ".join(f"{k}={v}" for k, v in labels.items()), shown(name, number), found, responders[found])
        for name in ENTITIES for labels, number in values(name, NOW)
        if (found := level(name, labels, number)) in responders
    } | {(indicator[name].title, named(labels), "no data", "red", responders["red"])
         for name in ENTITIES for labels in stopped(name, NOW, history.WEEK) if paging(labels, NOW)}
    assert {(item.indicator, item.where) for item in context["actions"] if item.value == "no data"} == {
        ("Active Users", "cluster=eu, team=search"), ("Time-to-Production", "cluster=eu, team=search"),
        ("Accuracy / AUC", "cluster=eu, model=pricing"), ("Drift Score", "cluster=eu, model=pricing"), ("Model Age", "cluster=eu, model=pricing")}
    assert [item.status for item in context["actions"]][0] == "critical"  # most severe first
    assert {gap["series"] for gap in context["missing"]} == {'cluster_model:mlops_model_age:age_seconds{cluster="us", model="churn"}'} | {
        f'{conventions.indicator_series(spec, indicator[name])}{{cluster="eu", {ENTITIES[name]}="{labels[ENTITIES[name]]}"}}'
        for name in ENTITIES for labels in stopped(name, NOW, history.WEEK)}


def test_every_number_in_the_monthly_review_is_the_one_computed_from_the_dataset(spec, prometheus):
    context = monthly.build(spec, period.month(MONTH), Client(prometheus.url).ask).context
    titles = {i.id: i.title for i in spec.indicators}
    rows = {row.figure.title: (row.weight, row.figure.now, row.figure.before, row.note) for row in context["rows"]}
    expected = {}
    for entry, title, weight in (("platform_adoption", "Platform Adoption", "40%"), ("model_quality", "Model Quality", "60%")):
        means = {name: mean(s for c in ("eu", "us") if (s := indicator_score(name, c, MONTH_END)) is not None) for name in MEMBERS[entry]}
        weakest = min(means, key=means.get)
        gone: dict[str, tuple[list[str], str]] = {}  # who stopped during the month: its indicators' titles, its NoData level
        for name in MEMBERS[entry]:
            for labels in stopped(name, MONTH_END, MONTH_END - LAST_MONTH_END):
                gone.setdefault(named(labels), ([], " (NoData red)" if paging(labels, MONTH_END) else ""))[0].append(titles[name])
        expected[title] = (weight, points(mean(entry_score(entry, c, MONTH_END) for c in ("eu", "us"))),
                           points(mean(entry_score(entry, c, LAST_MONTH_END) for c in ("eu", "us"))),
                           "; ".join([f"weakest: {titles[weakest]} ({points(means[weakest])})"] +
                                     [f"no data from {where}: {', '.join(names)}{paged}" for where, (names, paged) in gone.items()]))
    assert rows == expected
    assert rows["Model Quality"][3].endswith("; no data from cluster=us, model=legacy: Accuracy / AUC, Drift Score, Model Age (NoData red)")
    assert (context["composite"].now, context["composite"].before) == (points(composite(MONTH_END)), points(composite(LAST_MONTH_END)))
    assert (context["roi"].now, context["roi"].before) == (f"{roi(MONTH_END):.2f}x", f"{roi(LAST_MONTH_END):.2f}x")
    assert {gap["series"] for gap in context["missing"]} == {
        f'{conventions.indicator_series(spec, indicator)}{{cluster="us", model="legacy"}}' for indicator in spec.indicators
        if indicator.id in MEMBERS["model_quality"]}


# (case, report, period, a line of its Markdown): exporters that stopped (report_history.STOPS)
STOPPED = [
    ("a model that stopped on Sunday keeps its row, each cell no data at its NoData alert's level", "weekly", WEEK,
     "| pricing (cluster=eu) | no data (red) | no data (red) | no data (red) | red |"),
    ("a team whose NoData pages is the platform-health row's worst, its value no data", "weekly", WEEK,
     "| Active Users | no data | 30% | ≥ 80% | red | cluster=eu, team=search |"),
    ("a NoData alert firing at the week's end is an action item", "weekly", WEEK,
     "- **red** Drift Score (cluster=eu, model=pricing): no data. Immediate action, status updates. Responders: Platform Team, "
     "Manager. Runbook: https://runbooks.example.com/mlops/drift_score"),
    ("a series that stopped is listed under No Data", "weekly", WEEK,
     '- `cluster_model:mlops_drift_score:max{cluster="eu", model="pricing"}` at 2026-11-09 00:00 UTC'),
    ("the monthly review names who stopped in its scorecard entry's note", "monthly", MONTH,
     "| Model Quality | 60% | 28.3/100 | 60.4/100 | ↓ -32.1 pts (worse) | weakest: Drift Score (8.3/100); no data from cluster=us, "
     "model=legacy: Accuracy / AUC, Drift Score, Model Age (NoData red) |"),
]


@pytest.mark.parametrize(("kind", "chosen", "line"), [case[1:] for case in STOPPED], ids=[case[0] for case in STOPPED])
def test_a_series_that_stopped_reporting_reads_no_data_where_its_nodata_alert_pages(prometheus, kind, chosen, line):
    result = report(kind, f"--{'week' if kind == 'weekly' else 'month'}", chosen, "--prometheus", prometheus.url)
    assert result.exit_code == 0, result.output
    assert line in result.output.splitlines()


def test_a_headline_chart_spans_the_last_weeks_of_daily_values(spec, prometheus):
    chosen = period.week(WEEK)
    figure = weekly.build(spec, chosen, Client(prometheus.url).ask, html=True).context["headline"][0]
    days = [chosen.history[0] + 86400 * day for day in range(8 * 7 + 1)]  # eight weeks of days, both ends drawn
    assert days[-1] == chosen.end
    daily = [mean(n for _, n in values("active_users", t)) for t in days]
    active_users = next(i for i in spec.indicators if i.id == "active_users")
    assert (figure.chart.low, figure.chart.high) == (present.value(active_users, min(daily)), present.value(active_users, max(daily)))
    assert len(figure.chart.lines) == 1 and len(figure.chart.lines[0].split()) == len(days)


@pytest.mark.parametrize("kind, option, value, style, golden", [
    ("weekly", "--week", WEEK, "markdown", "weekly.md"),
    ("weekly", "--week", WEEK, "html", "weekly.html"),
    ("monthly", "--month", MONTH, "markdown", "monthly.md"),
    ("monthly", "--month", MONTH, "html", "monthly.html"),
])
def test_the_rendered_report_equals_its_golden_file(prometheus, tmp_path, kind, option, value, style, golden):
    out = tmp_path / golden
    result = CliRunner().invoke(main, ["report", kind, option, value, "--format", style, "--out", str(out),
                                       "--prometheus", prometheus.url, str(history.SPEC)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    if UPDATE:
        (EXPECTED / golden).write_text(out.read_text())
    assert out.read_text() == (EXPECTED / golden).read_text()


def answers(world: dict[float, list[tuple[str, dict[str, str], float]]]):
    """Instant queries answered from `world` (at -> series, labels, value) as Prometheus would:
    a selector with = and =~ matchers, optionally inside avg()."""
    def ask(query: Query) -> list[Sample]:
        mean = query.promql.startswith("avg(")
        name, _, matchers = (query.promql[4:-1] if mean else query.promql).partition("{")
        wanted = re.findall(r'(\w+)(=~|=)"([^"]*)"', matchers)
        found = [Sample(tuple(sorted(labels.items())), number) for series, labels, number in world.get(query.at, [])
                 if series == name and all(re.fullmatch(value, labels.get(label, "")) if op == "=~" else labels.get(label) == value
                                           for label, op, value in wanted)]
        if mean:
            return [Sample((), sum(sample.value for sample in found) / len(found))] if found else []
        return found
    return ask


def residue_world(spec, at: float, before: float) -> dict:
    """The shipped spec's series where float arithmetic leaves residue: a flat deployment trend
    computed as -2.538e-13, a fall of 3e-7, a median 5.74 s longer on 18.1 days, scores and an ROI
    a hair apart; beside real changes (uptime, two scores) and a drift of 0.45."""
    by_id = {i.id: i for i in spec.indicators}
    team, model = {"cluster": "eu", "team": "nlp"}, {"cluster": "eu", "model": "fraud-detector"}
    values = [("deployment_frequency", team, -2.538e-13, 0.0), ("active_users", team, 0.7111111, 0.7111114),
              ("time_to_production", team, 18.1 * 86400 + 5.74, 18.1 * 86400), ("model_uptime", model, 0.99951, 0.99912),
              ("drift_score", model, 0.45, 0.45)]
    world = {at: [], before: []}
    for name, labels, now, then in values:
        for moment_, number in ((at, now), (before, then)):
            world[moment_].append((conventions.indicator_series(spec, by_id[name]), labels, number))
    entries = zip(spec.scorecard, ((27.13, 27.14), (64.96, 64.94), (29.94, 40.56), (77.0, 76.0)))  # was "-0 pts (worse)", ...
    scores = [(conventions.SCORECARD_LABEL, entry.id, now, then) for entry, (now, then) in entries] + [
        (conventions.INDICATOR_LABEL, i.id, 50.0 + n / 3, 50.0) for n, i in enumerate(spec.indicators)]
    for by, name, now, then in scores:
        for moment_, number in ((at, now), (before, then)):
            world[moment_].append((conventions.rollup_score_series(spec, by), {"cluster": "eu", by: name}, number))
    for series, now, then in ((conventions.composite_score_series(spec), 80.04, 80.01), (conventions.roi_series(spec), 1.954, 1.951)):
        world[at].append((series, {"cluster": "eu"}, now))
        world[before].append((series, {"cluster": "eu"}, then))
    return world


@pytest.mark.parametrize("build, chosen, golden", [
    (weekly.build, period.week(WEEK), "weekly-residue.md"),
    (monthly.build, period.month(MONTH), "monthly-residue.md"),
])
def test_float_residue_and_changes_below_what_a_value_shows_read_unchanged(build, chosen, golden):
    shipped = pipeline.compile_spec([("indicators.yaml", (ROOT / "indicators.yaml").read_bytes())], "indicators.yaml").spec
    headline = ("deployment_frequency", "active_users", "time_to_production", "model_uptime", "model_quality")
    spec = dataclasses.replace(shipped, reports=dataclasses.replace(shipped.reports, headline=headline, quality=None))
    text = emit.render_prose(build(spec, chosen, answers(residue_world(spec, chosen.end, chosen.previous_end))))
    if UPDATE:
        (EXPECTED / golden).write_text(text)
    assert text == (EXPECTED / golden).read_text()


@pytest.mark.parametrize("golden", ["weekly.html", "monthly.html"])
def test_every_chart_in_the_html_is_well_formed_svg(golden):
    text = (EXPECTED / golden).read_text()
    charts = [text[start:text.index("</svg>", start) + len("</svg>")] for start in _all(text, "<svg ")]
    assert charts
    for chart in charts:
        svg = ElementTree.fromstring(chart)
        assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.find("{http://www.w3.org/2000/svg}title") is not None
        for line in svg.iter("{http://www.w3.org/2000/svg}polyline"):
            for pair in line.get("points").split():
                x, y = map(float, pair.split(","))
                assert 0 <= x <= float(svg.get("width")) and 0 <= y <= float(svg.get("height"))
    assert "<script" not in text and "http" not in text.split("<body>")[0]  # no scripts, no external assets


def _all(text: str, needle: str) -> list[int]:
    found, start = [], text.find(needle)
    while start != -1:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


def test_a_where_matcher_reads_only_that_clusters_series(spec, prometheus):
    context = weekly.build(spec, period.week(WEEK), Client(prometheus.url).ask, where=(("cluster", "us"),)).context
    assert [row.name for row in context["quality"]["rows"]] == ["churn"]
    active_users = next(i for i in spec.indicators if i.id == "active_users")
    assert context["headline"][0].now == present.value(active_users, value("active_users", {"cluster": "us", "team": "nlp"}, NOW))


@pytest.mark.parametrize("path", [ROOT / "indicators.yaml", history.SPEC], ids=["shipped", "reports"])
def test_every_series_a_report_reads_is_recorded_by_the_generated_rules(path):
    compiled = pipeline.compile_spec([(str(path), path.read_bytes())], path.name)
    recorded: dict[str, set[str]] = {}
    for rule in (r for r in compiled.outputs.rules.rules() if r.kind == RECORD):
        recorded.setdefault(rule.name, set()).update(label for label, _ in rule.labels)
    asked = []
    for build, chosen in ((weekly.build, period.week(WEEK)), (monthly.build, period.month(MONTH))):
        build(compiled.spec, chosen, lambda query: asked.append(query.promql) or [], html=True)
    read = {(series.name, label) for text in asked for series in promql.series_read(text) for label in series.labels}
    # besides recorded series, ALERTS: for the NoData alerts the rules raise, each asked by its name
    alerts = {rule.name for rule in compiled.outputs.rules.rules() if rule.kind == ALERT}
    asked_alerts = set(re.findall(r'ALERTS\{alertname="(\w+)"', " ".join(asked)))
    assert asked_alerts and asked_alerts <= alerts and all(name.endswith(conventions.NO_DATA_SUFFIX) for name in asked_alerts)
    read = {(name, label) for name, label in read if name != "ALERTS"}
    assert {name for name, _ in read} <= set(recorded) and any(label == "scorecard" for _, label in read)
    # the labels a report selects on are the rules' own (indicator, scorecard, category) or kept by every series
    for name, label in read:
        assert label in recorded[name] or label in compiled.spec.global_labels or label == compiled.spec.reports.by, (name, label)


# Failures: a message and exit code 3 (Prometheus) or 2 (usage), never a traceback.
EMPTY = json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}}).encode()


def reply(status: int = 200, body: bytes = EMPTY, headers: dict | None = None):
    def answer(handler: BaseHTTPRequestHandler, release: threading.Event) -> None:
        handler.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)
    return answer


def hang(handler: BaseHTTPRequestHandler, release: threading.Event) -> None:
    release.wait(30)


def drip(handler: BaseHTTPRequestHandler, release: threading.Event) -> None:
    """Headers at once, then the body one byte every 0.1 s: each read waits less than any timeout."""
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(EMPTY)))
    handler.end_headers()
    for byte in EMPTY:
        if release.wait(0.1):
            return
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()


@contextlib.contextmanager
def http_server(answer=None, seen: list | None = None):
    """A loopback HTTP server answering every GET with `answer` (an empty 200 when None); `seen`
    collects the Authorization header of each request it gets."""
    answer = answer or reply()
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            if seen is not None:
                seen.append(self.headers.get("Authorization"))
            try:
                answer(self, release)
            except OSError:  # the client hung up, as it should when the answer is too slow or too big
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((servers.LOOPBACK, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{servers.LOOPBACK}:{server.server_address[1]}"
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def report(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["report", *args, str(history.SPEC)], env=env)


def test_a_closed_port_is_exit_code_3_with_the_reason():
    result = report("weekly", "--week", WEEK, "--prometheus", f"http://{servers.LOOPBACK}:{servers.free_port()}")
    assert result.exit_code == 3
    assert "cannot query Prometheus" in result.output and "cannot connect" in result.output and "Traceback" not in result.output


def test_an_http_error_is_exit_code_3_with_prometheus_own_explanation():
    with http_server(reply(500, json.dumps({"status": "error", "errorType": "internal", "error": "storage is on fire"}).encode())) as url:
        result = report("monthly", "--month", MONTH, "--prometheus", url)
    assert result.exit_code == 3
    assert "HTTP 500" in result.output and "storage is on fire" in result.output


def test_a_prometheus_that_never_answers_is_a_timeout_not_a_hang():
    with http_server(hang) as url:
        result = report("weekly", "--week", WEEK, "--prometheus", url, "--timeout", "0.5")
    assert result.exit_code == 3 and "no answer within 0.5s" in result.output


@pytest.mark.parametrize("args, message", [
    (["weekly", "--week", "2026-W54"], "2026 has no week 54"),
    (["weekly", "--week", "46"], "expected an ISO week such as 2026-W47"),
    (["monthly", "--month", "2026-13"], "expected a month such as 2026-11"),
    (["weekly", "--where", "team=nlp"], "LABEL one of the global labels: cluster"),
    (["monthly", "--prometheus", "prometheus:9090"], "expected an http:// or https:// URL"),
])
def test_bad_usage_is_exit_code_2_naming_the_option(args, message):
    result = report(*args, *([] if "--prometheus" in args else ["--prometheus", "http://127.0.0.1:9"]))
    assert result.exit_code == 2 and message in result.output


def test_series_without_data_read_no_data_and_are_listed_at_the_end(tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    seen: list = []
    with http_server(seen=seen) as url:
        result = report("weekly", "--week", WEEK, "--prometheus", url, "--bearer-token-file", str(token))
    assert result.exit_code == 0, result.output
    assert "| Active Users | no data | no data | ≥ 80% | no data |" in result.output
    assert "## No Data" in result.output and "`cluster_team:mlops_active_users:ratio_1h` at 2026-11-09 00:00 UTC" in result.output
    assert set(seen) == {"Bearer s3cret"}


def test_basic_auth_comes_from_the_environment():
    seen: list = []
    with http_server(seen=seen) as url:
        result = report("monthly", "--month", MONTH, "--prometheus", url, env={"INDICATORS_PROMETHEUS_BASIC_AUTH": "lead:pa55"})
    assert result.exit_code == 0, result.output
    assert set(seen) == {"Basic bGVhZDpwYTU1"}


# A hostile or broken server: what it sends, and exactly what `report weekly` then says (exit 3).
def answering(data) -> bytes:
    return json.dumps({"status": "success", "data": data}).encode()


HOSTILE_ANSWERS = [
    ("malformed JSON", reply(body=b'{"status": "succ'),
     "not a Prometheus API answer (vector expected): JSONDecodeError Unterminated string starting at: line 1 column 12 (char 11)"),
    ("no data", reply(body=b'{"status": "success"}'), "not a Prometheus API answer (vector expected): KeyError 'data'"),
    ("a matrix where a vector was asked for", reply(body=answering({"resultType": "matrix", "result": []})),
     "a 'matrix' answer, where a vector was expected"),
    ("a sample without a value", reply(body=answering({"resultType": "vector", "result": [{"metric": {}}]})),
     "not a Prometheus API answer (vector expected): KeyError 'value'"),
    ("labels that are not strings", reply(body=answering({"resultType": "vector", "result": [{"metric": {"a": 1}, "value": [0, "1"]}]})),
     "not a Prometheus API answer (vector expected): TypeError a series' labels are not all strings"),
    ("a value that is no number", reply(body=answering({"resultType": "vector", "result": [{"metric": {}, "value": [0, "x"]}]})),
     "not a Prometheus API answer (vector expected): ValueError could not convert string to float: 'x'"),
    ("JSON nested beyond Python's recursion limit", reply(body=b"[" * 100_000),
     "not a Prometheus API answer (vector expected): RecursionError maximum recursion depth exceeded while decoding a JSON array from a unicode string"),
    ("an error that echoes the token and a terminal escape", reply(400, json.dumps({"status": "error", "error": "bad token s3cret\x1b[2J"}).encode()),
     "HTTP 400 Bad Request: bad token *** [2J"),
]


def first_query() -> str:
    asked: list = []
    compiled = pipeline.compile_spec([(str(history.SPEC), history.SPEC.read_bytes())], history.SPEC.name)
    weekly.build(compiled.spec, period.week(WEEK), lambda query: asked.append(query.promql) or [])
    return asked[0]


@pytest.mark.parametrize(("answer", "message"), [case[1:] for case in HOSTILE_ANSWERS], ids=[case[0] for case in HOSTILE_ANSWERS])
def test_a_hostile_answer_is_exit_code_3_with_its_exact_message(tmp_path, answer, message):
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    with http_server(answer) as url:
        result = report("weekly", "--week", WEEK, "--prometheus", url, "--bearer-token-file", str(token))
    assert (result.exit_code, result.output) == (3, f"error: cannot query Prometheus: {url}: query {first_query()!r}: {message}\n")


def test_a_redirect_to_another_host_is_refused_and_the_token_never_reaches_it(tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    elsewhere: list = []
    with http_server(seen=elsewhere) as other, http_server(reply(302, b"", {"Location": f"{other}/api/v1/query"})) as url:
        result = report("weekly", "--week", WEEK, "--prometheus", url, "--bearer-token-file", str(token))
    assert (result.exit_code, result.output) == (3, f"error: cannot query Prometheus: {url}: query {first_query()!r}: redirected to "
                                                    f"{other}, another origin: not followed, so credentials go to {url} only\n")
    assert elsewhere == []


def test_the_redirect_test_can_fail_urllibs_own_handler_sends_the_token_to_the_other_host():
    """The mutation proof of the test above: without the client's handler, the header arrives."""
    elsewhere: list = []
    with http_server(seen=elsewhere) as other, http_server(reply(302, b"", {"Location": f"{other}/x"})) as url:
        urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": "Bearer s3cret"}), timeout=5).read()
    assert elsewhere == ["Bearer s3cret"]


def test_a_redirect_within_the_server_is_followed_with_the_token(tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    seen: list = []

    def moved(handler, release):
        if handler.path.startswith("/api/"):
            return reply(307, b"", {"Location": f"/prometheus{handler.path}"})(handler, release)
        return reply()(handler, release)

    with http_server(moved, seen=seen) as url:
        result = report("weekly", "--week", WEEK, "--prometheus", url, "--bearer-token-file", str(token))
    assert result.exit_code == 0, result.output
    assert set(seen) == {"Bearer s3cret"} and len(seen) % 2 == 0


def test_a_server_dripping_its_answer_is_stopped_at_the_timeout():
    started = time.monotonic()
    with http_server(drip) as url:
        result = report("weekly", "--week", WEEK, "--prometheus", url, "--timeout", "0.5")
    assert (result.exit_code, result.output) == (3, f"error: cannot query Prometheus: {url}: no answer within 0.5s\n")
    assert time.monotonic() - started < 3  # the drip alone takes 7 s


@pytest.mark.parametrize(("size", "fits"), [(1000, True), (1001, False)])
def test_the_answers_of_a_report_are_bounded_in_bytes_while_they_are_read(size, fits):
    body = EMPTY[:-2] + b" " * (size - len(EMPTY)) + EMPTY[-2:]
    with http_server(reply(body=body)) as url:
        client = Client(url, max_answer_bytes=1000)
        if fits:
            assert client.ask(Query("up", 0)) == [] and client.left == 0
        else:
            with pytest.raises(PrometheusError, match="^" + re.escape(f"{url}: query 'up': the answers are over 1000 bytes in all; "
                                                                      "read fewer series (--where)") + "$"):
                client.ask(Query("up", 0))


# Bad usage (exit 2): the message names the setting, never the credential in it.
BAD_SETTINGS = [
    ("a password in the URL", ["--prometheus", "http://lead:pa55@127.0.0.1:9"], {},
     "--prometheus 'http://***@127.0.0.1:9': credentials do not belong in the URL; use --bearer-token-file or --basic-auth-file"),
    ("a token as the URL's user", ["--prometheus", "https://pa55@127.0.0.1:9/prom"], {},
     "--prometheus 'https://***@127.0.0.1:9/prom': credentials do not belong in the URL; use --bearer-token-file or --basic-auth-file"),
    ("a password with a slash", ["--prometheus", "http://lead:pa/55@127.0.0.1:9"], {},
     "--prometheus 'http://***@127.0.0.1:9': credentials do not belong in the URL; use --bearer-token-file or --basic-auth-file"),
    ("a token in the query", ["--prometheus", "http://127.0.0.1:9/?access_token=pa55"], {},
     "--prometheus http://127.0.0.1:9/: expected a base URL, without ?query or #fragment (which would also be printed in messages)"),
    ("a bad IPv6 literal", ["--prometheus", "http://[::1"], {}, "--prometheus 'http://[::1': not a URL: Invalid IPv6 URL"),
    ("a port out of range", ["--prometheus", "http://127.0.0.1:99999"], {},
     "--prometheus 'http://127.0.0.1:99999': not a URL: Port out of range 0-65535"),
    ("a token with CR/LF", ["--prometheus", "http://127.0.0.1:9"], {"INDICATORS_PROMETHEUS_TOKEN": "pa55\r\nX-Injected: 1"},
     "$INDICATORS_PROMETHEUS_TOKEN: the bearer token holds a line break, a control or a non-ASCII character; "
     "write it on one line of printable ASCII"),
    ("user:password with a line break", ["--prometheus", "http://127.0.0.1:9"], {"INDICATORS_PROMETHEUS_BASIC_AUTH": "lead:pa55\nx"},
     "$INDICATORS_PROMETHEUS_BASIC_AUTH: the user:password holds a line break, a control or a non-ASCII character; "
     "write it on one line of printable ASCII"),
    ("month 0000-01", ["--prometheus", "http://127.0.0.1:9", "--month", "0000-01"], {},
     "--month '0000-01': expected a month from 1970-01 to 9998-12"),
    ("month 9999-12", ["--prometheus", "http://127.0.0.1:9", "--month", "9999-12"], {},
     "--month '9999-12': expected a month from 1970-01 to 9998-12"),
]


@pytest.mark.parametrize(("args", "env", "message"), [case[1:] for case in BAD_SETTINGS], ids=[case[0] for case in BAD_SETTINGS])
def test_a_bad_setting_is_exit_code_2_and_never_shows_the_credential(args, env, message):
    result = report("monthly", *args, env=env)
    assert (result.exit_code, result.output.splitlines()[-1]) == (2, f"Error: {message}")
    assert "pa55" not in result.output


@pytest.mark.parametrize(("content", "message"), [
    (b"\xff\xfes3cret", "the bearer token is not UTF-8 text"),
    (b"s3cret\nX-Injected: 1\n", "the bearer token holds a line break, a control or a non-ASCII character; write it on one line of printable ASCII"),
])
def test_a_bad_token_file_is_exit_code_2_named_by_its_path(tmp_path, content, message):
    token = tmp_path / "token"
    token.write_bytes(content)
    result = report("weekly", "--prometheus", "http://127.0.0.1:9", "--bearer-token-file", str(token))
    assert (result.exit_code, result.output.splitlines()[-1]) == (2, f"Error: {token}: {message}")
    assert "s3cret" not in result.output


@pytest.mark.parametrize("now, week, month", [
    ("2026-11-26", "2026-W47", "2026-10"),
    ("2027-01-03", "2026-W52", "2026-12"),  # a Sunday: its own week is not complete
    ("2026-01-05", "2026-W01", "2025-12"),  # ISO 2026-W01 starts on 29 Dec 2025
])
def test_without_week_or_month_a_report_covers_the_last_complete_one(now, week, month):
    moment = datetime.fromisoformat(now).replace(tzinfo=UTC)
    assert (period.last_week(moment), period.last_month(moment)) == (week, month)


def test_a_week_is_read_at_the_monday_after_it_and_compared_with_the_monday_before():
    chosen = period.week("2026-W01")
    assert (chosen.previous_end, chosen.end) == (datetime(2025, 12, 29, tzinfo=UTC).timestamp(),
                                                 datetime(2026, 1, 5, tzinfo=UTC).timestamp())
    assert chosen.history[-1] == chosen.end


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


# (case, the period, where its trend charts start): eight whole weeks or six whole months, this one last
CHART_SPANS = [
    ("a week's charts start at the Monday seven weeks before its own", period.week("2026-W45"), "2026-09-14"),
    ("a first week's charts reach into the year before", period.week("2026-W01"), "2025-11-10"),
    ("an ISO week 53 counts back over its own year", period.week("2026-W53"), "2026-11-09"),
    ("a month's charts start on the first of the fifth month before it", period.month("2026-10"), "2026-05-01"),
    ("a January's charts start in August of the year before", period.month("2027-01"), "2026-08-01"),
    ("a June's charts start with January", period.month("2026-06"), "2026-01-01"),
]


@pytest.mark.parametrize(("chosen", "start"), [case[1:] for case in CHART_SPANS], ids=[case[0] for case in CHART_SPANS])
def test_a_trend_chart_covers_the_last_eight_weeks_or_six_months_this_one_included(chosen, start):
    shown = 8 if "W" in chosen.label else 6
    assert (chosen.history[0], chosen.history[-1], len(chosen.history)) == (utc(start), chosen.end, shown + 1)
    assert chosen.history[-2] == chosen.previous_end  # each bound is a period's end: the one before this one's is its start


def test_spec_text_in_the_html_is_escaped(spec):
    titled = dataclasses.replace(spec, title='R&D <script>alert("x")</script>')
    text = emit.render_prose(weekly.build(titled, period.week(WEEK), lambda query: [], html=True))
    assert "<script>" not in text and "R&amp;D &lt;script&gt;" in text


def test_label_values_from_prometheus_read_as_written_in_the_markdown_review():
    """A label value is whatever an exporter sent: markup, a pipe, a newline or a control
    character in it stays text, and every table row keeps its header's cells."""
    shipped = pipeline.compile_spec([("indicators.yaml", (ROOT / "indicators.yaml").read_bytes())], "indicators.yaml").spec
    headline = ("deployment_frequency", "active_users", "time_to_production", "model_uptime", "model_quality")
    spec = dataclasses.replace(shipped, reports=dataclasses.replace(shipped.reports, headline=headline, quality=None))
    chosen = period.week(WEEK)
    hostile = "<script>alert(1)</script> | x\n\x1b[2J"
    world = {at: [(series, {name: hostile if name in ("team", "model") else value for name, value in labels.items()}, number)
                  for series, labels, number in found] for at, found in residue_world(spec, chosen.end, chosen.previous_end).items()}
    text = emit.render_prose(weekly.build(spec, chosen, answers(world)))
    assert "&lt;script>alert(1)&lt;/script> \\| x \\\\x1b\\[2J" in text
    assert "<script" not in text and all(char.isprintable() for line in text.splitlines() for char in line)
    for table in re.findall(r"(?m)(?:^\|.*\|\n)+", text):
        assert len({len(re.findall(r"(?<!\\)\|", row)) for row in table.splitlines()}) == 1, table


def test_without_a_headline_the_weekly_review_shows_every_categorys_score_even_one_named_like_a_scorecard_entry():
    # model_quality and team_productivity are both categories and scorecard entries of the shipped
    # spec; the world gives each its own score, a scorecard entry's far from its category's
    shipped = pipeline.compile_spec([("indicators.yaml", (ROOT / "indicators.yaml").read_bytes())], "indicators.yaml").spec
    spec = dataclasses.replace(shipped, reports=dataclasses.replace(shipped.reports, headline=()))
    chosen = period.week(WEEK)
    scores = {conventions.CATEGORY_LABEL: {c.id: 10.0 + n for n, c in enumerate(spec.categories)},
              conventions.SCORECARD_LABEL: {e.id: 90.0 + n for n, e in enumerate(spec.scorecard)}}
    world = {moment_: [(conventions.rollup_score_series(spec, by), {"cluster": "eu", by: name}, value)
                       for by, values in scores.items() for name, value in values.items()]
             for moment_ in (chosen.end, chosen.previous_end)}
    headline = weekly.build(spec, chosen, answers(world)).context["headline"]
    assert [(figure.title, figure.now) for figure in headline] == [
        (f"{category.title} score", present.score(10.0 + n).text) for n, category in enumerate(spec.categories)]


def test_a_scorecard_entry_whose_indicators_all_score_100_names_none_the_weakest():
    shipped = pipeline.compile_spec([("indicators.yaml", (ROOT / "indicators.yaml").read_bytes())], "indicators.yaml").spec
    chosen = period.month(MONTH)
    series = conventions.rollup_score_series(shipped, conventions.INDICATOR_LABEL)
    world = {chosen.end: [(series, {"cluster": "eu", conventions.INDICATOR_LABEL: i.id}, 100.0) for i in shipped.indicators]}
    rows = monthly.build(shipped, chosen, answers(world)).context["rows"]
    assert [row.note for row in rows] == ["none below target"] * len(shipped.scorecard)


# (case, the levels' action, the drift score's action item in the weekly review)
ACTIONS = [
  ("a level's action is a sentence of the item", "War room, incident management",
   "- **critical** Drift Score (cluster=eu, model=fraud-detector): 0.45. War room, incident management. Responders: On-call, "
   "Leadership. Runbook: https://runbooks.example.com/mlops/drift_score"),
  ("a level without an action leaves no empty sentence", "",
   "- **critical** Drift Score (cluster=eu, model=fraud-detector): 0.45. Responders: On-call, Leadership. "
   "Runbook: https://runbooks.example.com/mlops/drift_score"),
  ("an action written with its full stop ends with one", "Open the war room.",
   "- **critical** Drift Score (cluster=eu, model=fraud-detector): 0.45. Open the war room. Responders: On-call, Leadership. "
   "Runbook: https://runbooks.example.com/mlops/drift_score"),
]


@pytest.mark.parametrize(("action", "item"), [case[1:] for case in ACTIONS], ids=[case[0] for case in ACTIONS])
def test_an_action_item_in_the_markdown_review_reads_as_sentences(action, item):
    shipped = pipeline.compile_spec([("indicators.yaml", (ROOT / "indicators.yaml").read_bytes())], "indicators.yaml").spec
    levels = tuple(dataclasses.replace(level, action=action) for level in shipped.escalation.levels)
    spec = dataclasses.replace(shipped, escalation=dataclasses.replace(shipped.escalation, levels=levels))
    drift = next(indicator for indicator in spec.indicators if indicator.id == "drift_score")
    chosen = period.week(WEEK)
    world = {chosen.end: [(conventions.indicator_series(spec, drift), {"cluster": "eu", "model": "fraud-detector"}, 0.45)]}
    text = emit.render_prose(weekly.build(spec, chosen, answers(world)))
    assert text.split("## Action Items\n\n", 1)[1].splitlines()[0] == item
