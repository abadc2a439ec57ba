"""A healthy world, then bad ones, on real servers (issue 12): tests/healthy/spec.yaml compiled
(every measure form the shipped spec uses, its escalation matrix), a real Prometheus and
Alertmanager, a webhook receiver standing in for every responder, and the services that feed
them in production: each a prometheus_client exporter with its own registry, publishing the way
services do. Labelled counters do not exist until their first event, and none has happened: no
security incident, no regulatory violation, no rollback, no incident to recover from, no failed
probe or request. Gauges are set. One team (vision) has no promoters in its survey and no toil.
Every indicator is at its target.

The healthy world runs until every `for` and `no_data_for` of the spec has elapsed; it must
raise no alert (not even a pending one) and notify no one. Then four bad worlds happen at once,
each to its own team or model, and each must reach exactly the responders the matrix names:

    the first security incident      team search: the counter first appears at 1
    a team at 0% documentation       team vision: its model_card="true" series disappears
    one model's prober goes silent   model m2: its exporter stops, the other models' go on
    a team's survey exporter stops   team speech

The two silent ones are forgotten after the spec's `forget_after`: their NoData resolves by
itself, not before, and their responders hear it.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import servers
import yaml

from compiler import conventions, pipeline, presence, promql
from compiler.measures.availability import Availability
from compiler.measures.expr import Expr
from compiler.measures.trend import Trend
from compiler.measures.zero import Zero
from compiler.model import Indicator, Selector, Spec

pytestmark = pytest.mark.e2e

SPEC = Path(__file__).parent / "healthy" / "spec.yaml"
SPEC_DATA = yaml.safe_load(SPEC.read_text())
CATALOGUE = SPEC_DATA["metrics"]
TEAMS = ("search", "vision", "speech")
MODELS = ("m1", "m2", "m3")
TICK = 0.25  # seconds between two events of a service
HEALTHY = 40  # seconds the healthy world runs, from the first scrape of every service, before it is judged
LONGEST_WINDOW = 20  # seconds: the spec's longest window but a trend's (see the run fixture)
MARGIN = 8  # seconds for a value to be recorded, an alert sent, grouped and delivered
SETTLE = 30  # seconds the bad worlds' notifications may take (and their resolution after forget_after)
QUIET = 4  # seconds to wait after them for anything that should not come
ENTITY_LABELS = ("team", "model")

# Who publishes what, as in production: a service per row; `per` services run once per team or
# model and publish only their own label value.
SERVICES = {
    "platform": (None, (
        "mlops_active_users", "mlops_ml_team_size", "mlops_production_models", "mlops_experiments_created_total",
        "mlops_training_runs_total", "mlops_time_to_production_seconds", "mlops_deployments_total",
        "mlops_incident_recovery_seconds", "mlops_total_hours", "mlops_toil_hours", "mlops_support_tickets_total",
        "mlops_audit_findings_open", "mlops_regulatory_violations_total", "mlops_security_incidents_total")),
    "serving": (None, (
        "mlops_inference_latency_seconds", "mlops_inference_requests_total", "mlops_inference_errors_total",
        "mlops_model_accuracy", "mlops_model_baseline_accuracy", "mlops_drift_score", "mlops_prediction_confidence",
        "mlops_model_last_trained_timestamp_seconds")),
    "prober": ("model", ("mlops_model_probes_total", "mlops_model_probe_failures_total")),
    "survey": ("team", ("mlops_survey_responses", "mlops_survey_csat")),
}
# The label values services know before any event: a metric the catalogue marks
# `initialised: true` is pre-created at 0 for each combination (prometheus_client's
# `metric.labels(...)`), as issue 12 asks exporters to do for the counters it names.
KNOWN = {"team": TEAMS, "model": MODELS, "status": ("success", "rolled_back"), "severity": ("minor", "major", "critical"),
         "kind": ("fine", "warning")}


@dataclass
class Service:
    name: str
    exporter: servers.Exporter
    running: contextlib.ExitStack

    def __getitem__(self, metric: str):
        return self.exporter.metrics[metric]

    def stop(self) -> None:
        """The process goes away: Prometheus' scrapes fail and its series go stale."""
        self.running.close()


def start_services(exits: contextlib.ExitStack, catalogue: dict = CATALOGUE) -> dict[str, Service]:
    services = {}
    for kind, (per, metrics) in SERVICES.items():
        for own in [{}] if per is None else [{per: value} for value in KNOWN[per]]:
            name = "-".join([kind, *own.values()])
            running = exits.enter_context(contextlib.ExitStack())
            exporter = running.enter_context(servers.exporter({m: catalogue[m] for m in metrics}))
            for metric in metrics:
                if catalogue[metric].get("initialised"):
                    labels = catalogue[metric]["labels"]
                    for values in itertools.product(*([own[label]] if label in own else KNOWN[label] for label in labels)):
                        exporter.metrics[metric].labels(*values)
            services[name] = Service(name, exporter, running)
    return services


def healthy_gauges(s: dict[str, Service]) -> None:
    platform, serving = s["platform"], s["serving"]
    for team in TEAMS:
        platform["mlops_active_users"].labels(team).set(9)
        platform["mlops_ml_team_size"].labels(team).set(10)
        platform["mlops_production_models"].labels(team, "true", "true").set(4)
        platform["mlops_total_hours"].labels(team).set(40)
        for severity in KNOWN["severity"]:
            platform["mlops_audit_findings_open"].labels(team, severity).set(0)
    platform["mlops_toil_hours"].labels("search", "oncall").set(2)  # vision has no toil: no series
    platform["mlops_toil_hours"].labels("speech", "releases").set(1)
    for model in MODELS:
        serving["mlops_model_accuracy"].labels(model).set(0.90)
        serving["mlops_model_baseline_accuracy"].labels(model).set(0.91)
        serving["mlops_drift_score"].labels(model, "age").set(0.05)
        serving["mlops_drift_score"].labels(model, "income").set(0.08)
        serving["mlops_prediction_confidence"].labels(model).set(0.8)
        serving["mlops_model_last_trained_timestamp_seconds"].labels(model).set(time.time() - 2 * 86400)
    surveys = {"search": {"promoter": 50, "passive": 40, "detractor": 10},
               "vision": {"passive": 20},  # no promoters (and no detractors): NPS 0, the target
               "speech": {"promoter": 30, "passive": 60, "detractor": 10}}
    for team, answers in surveys.items():
        for category, count in answers.items():
            s[f"survey-{team}"]["mlops_survey_responses"].labels(team, category).set(count)
        s[f"survey-{team}"]["mlops_survey_csat"].labels(team).set(4.3)


def events(s: dict[str, Service]) -> None:
    """One tick of a healthy world's traffic: only successes, so failure counters stay absent."""
    platform, serving = s["platform"], s["serving"]
    for team in TEAMS:
        platform["mlops_experiments_created_total"].labels(team).inc(10)  # 40 per person per window: the target is 10
        platform["mlops_training_runs_total"].labels(team).inc(10)
        platform["mlops_deployments_total"].labels(team, "success").inc()
        platform["mlops_support_tickets_total"].labels(team).inc()
        platform["mlops_time_to_production_seconds"].labels(team).observe(5 * 86400)
    for model in MODELS:
        serving["mlops_inference_requests_total"].labels(model).inc(10)
        serving["mlops_inference_latency_seconds"].labels(model).observe(0.03)
        s[f"prober-{model}"]["mlops_model_probes_total"].labels(model).inc()


def first_security_incident(s: dict[str, Service]) -> None:
    s["platform"]["mlops_security_incidents_total"].labels("search", "major").inc()


def undocumented_team(s: dict[str, Service]) -> None:
    # the inventory exporter publishes the combinations it has models for: the documented ones are gone
    models = s["platform"]["mlops_production_models"]
    models.labels("vision", "true", "false").set(4)
    models.remove("vision", "true", "true")


def silent_prober(s: dict[str, Service]) -> None:
    s["prober-m2"].stop()


def stopped_survey(s: dict[str, Service]) -> None:
    s["survey-speech"].stop()


def _feed(services: dict[str, Service], stop: threading.Event) -> None:
    while not stop.wait(TICK):
        events(services)


@dataclass(frozen=True)
class BadWorld:
    name: str
    happen: Callable[[dict[str, Service]], None]
    entity: tuple[str, str]  # the label every alert of this world carries
    firing: frozenset  # (alertname, level)
    notified: dict  # receiver -> {(alertname, level)}
    silent: bool = False  # the entity stops reporting: forgotten after forget_after, its alerts resolve


BAD_WORLDS = [
    BadWorld("the first security incident pages on-call and leadership", first_security_incident, ("team", "search"),
             frozenset({("MlopsSecurityIncidents", "critical")}),
             {"oncall": {("MlopsSecurityIncidents", "critical")}, "leadership": {("MlopsSecurityIncidents", "critical")}}),
    BadWorld("a team at 0% documentation reaches governance's red responders", undocumented_team, ("team", "vision"),
             frozenset({("MlopsDocumentationRate", "yellow"), ("MlopsDocumentationRate", "red")}),
             {"governance_lead": {("MlopsDocumentationRate", "red")}, "engineering_manager": {("MlopsDocumentationRate", "red")}}),
    BadWorld("one model's silent prober raises its no-data alert", silent_prober, ("model", "m2"),
             frozenset({("MlopsModelUptimeNoData", "red")}),
             {"platform_team": {("MlopsModelUptimeNoData", "red")}, "engineering_manager": {("MlopsModelUptimeNoData", "red")}},
             silent=True),
    BadWorld("a team's stopped survey exporter raises no-data for its indicators", stopped_survey, ("team", "speech"),
             frozenset({("MlopsNpsNoData", "red"), ("MlopsCsatNoData", "red")}),
             {"platform_team": {("MlopsNpsNoData", "red"), ("MlopsCsatNoData", "red")},
              "engineering_manager": {("MlopsNpsNoData", "red"), ("MlopsCsatNoData", "red")}}, silent=True),
]


def entity(labels: dict) -> tuple[str, str] | None:
    return next(((k, labels[k]) for k in ENTITY_LABELS if k in labels), None)


@dataclass(frozen=True)
class Phase:
    """When a phase of the run began: monotonic, and wall clock as Alertmanager's timestamps."""

    since: float
    began_at: float
    notes_from: int  # the phase's first notification

    @classmethod
    def now(cls, receiver: servers.WebhookReceiver) -> Phase:
        return cls(time.monotonic(), time.time(), len(receiver.notifications))


@dataclass(frozen=True)
class Snapshot:
    phase: Phase
    alerts: frozenset  # (alertname, alertstate, level, entity): every ALERTS series of the phase
    notified: frozenset  # (receiver, alertname, level, entity) of firing notifications
    resolved: dict  # (receiver, alertname, level, entity) -> wall clock when it resolved, of resolved notifications
    scores: dict  # indicator id -> {entity: score}


def _wall_clock(stamp: str) -> float:
    """Alertmanager's RFC 3339 time, nanoseconds and all, as seconds since the epoch."""
    seconds, _, fraction = stamp.removesuffix("Z").partition(".")
    return datetime.datetime.fromisoformat(seconds).replace(tzinfo=datetime.UTC).timestamp() + float(f"0.{fraction or 0}")


@dataclass
class Run:
    prometheus: str
    receiver: servers.WebhookReceiver
    compiled: pipeline.Compilation
    services: dict[str, Service]
    started: Phase

    @property
    def forget_after(self) -> float:
        return max(i.forget_after for i in self.compiled.spec.indicators)

    def snapshot(self, phase: Phase) -> Snapshot:
        seconds = int(time.monotonic() - phase.since)
        alerts = frozenset((a["metric"]["alertname"], a["metric"]["alertstate"], a["metric"].get("level"), entity(a["metric"]))
                           for a in servers.query(self.prometheus, f"last_over_time(ALERTS[{seconds}s])"))
        notified = frozenset((note["body"]["receiver"], a["labels"]["alertname"], a["labels"].get("level"), entity(a["labels"]))
                             for note in self.receiver.notifications[phase.notes_from:] for a in note["body"]["alerts"]
                             if a["status"] == "firing")
        resolved = {(note["body"]["receiver"], a["labels"]["alertname"], a["labels"].get("level"), entity(a["labels"])): _wall_clock(a["endsAt"])
                    for note in self.receiver.notifications[phase.notes_from:] for a in note["body"]["alerts"] if a["status"] == "resolved"}
        spec = self.compiled.spec
        scores = {i.id: {entity(s["metric"]): float(s["value"][1])
                         for s in servers.query(self.prometheus, conventions.score_series(spec, i))}
                  for i in spec.indicators}
        return Snapshot(phase, alerts, notified, resolved, scores)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("healthy")
    stop = threading.Event()
    with servers.webhook_receiver() as receiver, contextlib.ExitStack() as exits:
        text = SPEC.read_text().replace("WEBHOOK", receiver.url)
        compiled = pipeline.compile_spec([(str(SPEC), text.encode())], SPEC.name)
        for path, content in compiled.files.items():
            (workdir / path).parent.mkdir(parents=True, exist_ok=True)
            (workdir / path).write_text(content)
        services = start_services(exits)
        healthy_gauges(services)
        feeder = threading.Thread(target=_feed, args=(services, stop), daemon=True)
        feeder.start()
        exits.callback(feeder.join)
        exits.callback(stop.set)
        rules = sorted((workdir / "prometheus").glob("*.yaml"))
        am = exits.enter_context(servers.alertmanager(workdir, workdir / "alertmanager" / "alertmanager.yaml"))
        prom = exits.enter_context(servers.prometheus(workdir, rules, [s.exporter.target for s in services.values()], am.url))
        # Prometheus applies discovered targets after up to 5s while its rules already run: the
        # world starts when every service has been scraped for the longest window (pending
        # no-data alerts of the seconds before are Prometheus starting, not the world; and the
        # counts it first finds on a target are not a window's events, so a window reads only
        # what it has scraped since: an increase under its target until a window has passed)
        servers.wait_until(lambda: len(servers.query(prom.url, "up == 1")) == len(services), 30, "not every service is scraped")
        time.sleep(1 + LONGEST_WINDOW)
        yield Run(prom.url, receiver, compiled, services, Phase.now(receiver))


@pytest.fixture(scope="module")
def healthy(run) -> Snapshot:
    time.sleep(max(0.0, run.started.since + HEALTHY - time.monotonic()))
    return run.snapshot(run.started)


def _notifications(worlds: list[BadWorld]) -> set:
    """(receiver, alertname, level, entity) of every notification the worlds must deliver."""
    return {(receiver, *alert, world.entity) for world in worlds for receiver, alerts in world.notified.items() for alert in alerts}


@pytest.fixture(scope="module")
def bad(run, healthy) -> Snapshot:
    phase = Phase.now(run.receiver)
    for world in BAD_WORLDS:
        world.happen(run.services)

    def arrived():
        return _notifications(BAD_WORLDS) <= run.snapshot(phase).notified

    with contextlib.suppress(AssertionError):  # what did not arrive is reported by the tests below
        servers.wait_until(arrived, SETTLE, "the bad worlds' notifications did not all arrive", interval=1)
    time.sleep(QUIET)
    return run.snapshot(phase)


SILENT = [world for world in BAD_WORLDS if world.silent]


@pytest.fixture(scope="module")
def forgotten(run, bad) -> Snapshot:
    """The bad worlds once the silent entities have been gone longer than forget_after."""
    def resolved():
        return _notifications(SILENT) <= set(run.snapshot(bad.phase).resolved)

    with contextlib.suppress(AssertionError):  # what did not resolve is reported by the tests below
        servers.wait_until(resolved, bad.phase.since + run.forget_after + SETTLE - time.monotonic(), "the silent entities were not forgotten",
                           interval=1)
    return run.snapshot(bad.phase)


def test_the_services_publish_the_whole_metric_catalogue():
    published = [metric for _, metrics in SERVICES.values() for metric in metrics]
    assert sorted(published) == sorted(CATALOGUE)


def test_a_counter_the_catalogue_marks_initialised_is_published_at_0_for_every_known_label_value():
    catalogue = {**CATALOGUE, "mlops_security_incidents_total": {**CATALOGUE["mlops_security_incidents_total"], "initialised": True}}
    with contextlib.ExitStack() as exits:
        platform = start_services(exits, catalogue)["platform"]
        with urllib.request.urlopen(f"http://{platform.exporter.target}/metrics", timeout=5) as response:
            published = [line for line in response.read().decode().splitlines()
                         if line.startswith("mlops_security_incidents_total{")]
    assert sorted(published) == sorted(f'mlops_security_incidents_total{{severity="{severity}",team="{team}"}} 0.0'
                                       for team in TEAMS for severity in KNOWN["severity"])


def test_the_healthy_run_outlasts_every_for_and_no_data_for_of_its_spec(run):
    spec = run.compiled.spec
    # a trend compares two windows; every other windowed value is whole after one (a zero
    # count's window never has to fill: its first event is counted at once)
    history = max(2 * m.window if isinstance(m, Trend) else m.period if isinstance(m, Availability) else m.window
                  for m in (i.measure for i in spec.indicators) if hasattr(m, "window") or hasattr(m, "period")
                  if not isinstance(m, Zero))
    waits = [t.for_seconds for i in spec.indicators for t in i.thresholds] + [i.no_data_for for i in spec.indicators]
    assert HEALTHY >= history + max(waits) + MARGIN
    windows = [m.window for m in (i.measure for i in spec.indicators) if hasattr(m, "window") and not isinstance(m, (Trend, Zero))]
    assert LONGEST_WINDOW >= max(windows)


def test_the_healthy_world_raises_no_alert_not_even_a_pending_one(healthy):
    assert sorted(healthy.alerts, key=str) == []


def test_the_healthy_world_notifies_no_one(healthy):
    assert sorted(healthy.notified, key=str) == []


# Counted only when something goes wrong, so in the healthy world no series of theirs exists.
NEVER_COUNTED = {"mlops_incident_recovery_seconds", "mlops_regulatory_violations_total", "mlops_security_incidents_total",
                 "mlops_inference_errors_total", "mlops_model_probe_failures_total"}


def _source_metrics(spec: Spec, indicator: Indicator) -> set[str]:
    """The catalogued metrics the indicator's measure reads (a histogram's for its x_bucket)."""
    measure = indicator.measure
    names = ([read.name for read in promql.series_read(measure.expr)] if isinstance(measure, Expr)
             else [value.metric for value in vars(measure).values() if isinstance(value, Selector)])
    return {metric.name for name in names if (metric := presence.catalogued(spec, name)) is not None}


def _healthy_scores(run: Run, indicator_id: str) -> dict:
    """100 for every team or model; none where the only source is a metric nothing has counted
    yet and no exporter pre-creates: no team has a series to score (a missing numerator is 0)."""
    indicator = next(i for i in run.compiled.spec.indicators if i.id == indicator_id)
    if all(m in NEVER_COUNTED and not CATALOGUE[m].get("initialised") for m in _source_metrics(run.compiled.spec, indicator)):
        return {}
    label = indicator.track_by[0]
    return {(label, value): pytest.approx(100.0) for value in KNOWN[label]}


@pytest.mark.parametrize("indicator", [i["id"] for i in SPEC_DATA["indicators"]])
def test_every_indicator_of_the_healthy_world_scores_100_for_every_team_or_model(run, healthy, indicator):
    assert healthy.scores[indicator] == _healthy_scores(run, indicator)


@pytest.mark.parametrize("world", BAD_WORLDS, ids=[w.name for w in BAD_WORLDS])
def test_each_bad_world_fires_exactly_its_alerts(bad, world):
    firing = {(name, level) for name, state, level, where in bad.alerts if state == "firing" and where == world.entity}
    assert firing == world.firing


@pytest.mark.parametrize("world", BAD_WORLDS, ids=[w.name for w in BAD_WORLDS])
def test_each_bad_world_reaches_exactly_the_responders_the_matrix_names(bad, world):
    got = {}
    for receiver, name, level, where in bad.notified:
        if where == world.entity:
            got.setdefault(receiver, set()).add((name, level))
    assert got == world.notified


def test_the_bad_worlds_leave_every_other_series_quiet(bad):
    disturbed = {world.entity for world in BAD_WORLDS}
    assert sorted({a for a in bad.alerts if a[3] not in disturbed}, key=str) == []
    assert sorted({n for n in bad.notified if n[3] not in disturbed}, key=str) == []


@pytest.mark.parametrize("world", SILENT, ids=[w.name for w in SILENT])
def test_a_silent_entity_is_forgotten_after_forget_after_and_its_responders_hear_its_alerts_resolve(run, forgotten, world):
    got = {}
    for (receiver, name, level, where), at in forgotten.resolved.items():
        if where == world.entity:
            got.setdefault(receiver, set()).add((name, level))
            # its last report was at most one scrape and one evaluation before it stopped
            assert at - forgotten.phase.began_at >= run.forget_after - 2, (name, at - forgotten.phase.began_at)
    assert got == world.notified
    label, value = world.entity
    assert servers.query(run.prometheus, f'ALERTS{{{label}="{value}"}}') == []
