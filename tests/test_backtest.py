"""`indicators backtest` on real servers: the world of tests/backtest_history.py, backfilled with
promtool into a Prometheus, replayed by vmalert; each alert fires at the minute its crossing
and `for` say, and the notifications per receiver are the ones counted by hand below. Then the
notification walk at its boundaries (group_wait, repeat_interval, business hours, inhibition),
and the noise budget at its bound."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import xml.etree.ElementTree as ElementTree

import backtest_history as world
import pytest
import servers
import yaml
from click.testing import CliRunner

from compiler import conventions, durations, emit, pipeline
from compiler.backends import alertmanager
from compiler.backtest import engine, history, notifications, report
from compiler.backtest.history import Firing
from compiler.cli import main
from compiler.prometheus_api import Client
from compiler.reports.queries import Query

MINUTE = 60
# how much later than promtool a replayed alert on a recorded series that stops fires: vmalert's
# recorded series hold no staleness markers (promtool's do; its input series, like copied history,
# have none either, so a live Prometheus, whose scraped series do, fires another 5m earlier)
STALE_LAG = 5 * MINUTE
at = world.at


@pytest.fixture(scope="module")
def compilation():
    return pipeline.compile_spec([(str(world.SPEC), world.SPEC.read_bytes())], world.SPEC.name)


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    with world.prometheus_with_history(tmp_path_factory.mktemp("history")) as server:
        yield server


@pytest.fixture(scope="module")
def outcome(compilation, prometheus):
    return report.judge(compilation, Client(prometheus.url).ask, world.START, world.END, lambda line: None)


# (alert, level, series, the first minute beyond the threshold, `for`, the first minute back within it; None: still firing)
EXPECTED_FIRING = [
    ("BtDriftScore", "critical", ("model", "fraud"), at(0, 10), 10 * MINUTE, at(0, 13)),
    ("BtDriftScore", "red", ("model", "fraud"), at(0, 10), 15 * MINUTE, at(0, 13)),
    ("BtDriftScore", "yellow", ("model", "fraud"), at(0, 10), 30 * MINUTE, at(0, 13)),
    # the error counter appears at 14:00 (6 errors a minute against 60 requests): the ratio over
    # 5m counts its first value as new errors, so it reads 0.02, 0.04, 0.06 at 14:00, 14:01,
    # 14:02, 0.1 during the burst, then falls by 0.02 a minute from 14:41 (0.04 at 14:43, 0 at 14:45)
    ("BtErrorRatio", "red", ("model", "churn"), at(0, 14, 2), 15 * MINUTE, at(0, 14, 43)),
    ("BtErrorRatio", "yellow", ("model", "churn"), at(0, 14), 30 * MINUTE, at(0, 14, 45)),
    ("BtDriftScore", "yellow", ("model", "recommender"), at(0, 18), 30 * MINUTE, at(1, 10)),
    ("BtActiveUsers", "red", ("team", "vision"), at(1, 9), 15 * MINUTE, None),
    ("BtActiveUsers", "yellow", ("team", "vision"), at(1, 9), 30 * MINUTE, None),
    # the recommender's last sample is at 11:59: from 12:05 its drift score is older than the 5m
    # lookback. vmalert's replay writes no staleness markers, so the recorded presence series
    # reads 5m longer than Prometheus' own rule would (its stale marker ends it at 12:05)
    ("BtDriftScoreNoData", "red", ("model", "recommender"), at(1, 12, 5) + STALE_LAG, 60 * MINUTE, None),
]


def _found(outcome, alert: str, level: str, series: tuple[str, str]) -> list[Firing]:
    return [f for f in outcome.firing if f.alertname == alert and f.label("level") == level and f.label(series[0]) == series[1]]


@pytest.mark.e2e
@pytest.mark.parametrize(("alert", "level", "series", "crossed", "wait", "back"), EXPECTED_FIRING,
                         ids=[f"{a} {lvl} {s[1]}" for a, lvl, s, *_ in EXPECTED_FIRING])
def test_each_alert_of_the_world_fires_at_its_crossing_plus_its_for_within_one_evaluation(outcome, alert, level, series, crossed, wait, back):
    found = _found(outcome, alert, level, series)
    assert len(found) == 1, found
    assert abs(found[0].start - (crossed + wait)) <= MINUTE
    assert found[0].ongoing is (back is None)
    assert abs(found[0].end - (back or world.END)) <= MINUTE


def test_prometheus_itself_fires_the_stopped_entitys_nodata_stale_lag_earlier(compilation, tmp_path):
    """What STALE_LAG says, measured: promtool, whose rule evaluation writes staleness markers,
    fires the recommender's NoData at 12:05 + its 1h `for` on the same samples (the last at 11:59)."""
    (tmp_path / "rules.yaml").write_text(compilation.files["prometheus/model_quality.yaml"])
    rule = next(r for group in yaml.safe_load(compilation.files["prometheus/model_quality.yaml"])["groups"]
                for r in group["rules"] if r.get("alert") == "BtDriftScoreNoData")
    alert = {"exp_labels": {**rule["labels"], "model": "recommender"}, "exp_annotations": rule["annotations"]}
    cases = [{"eval_time": f"{minute}m", "alertname": "BtDriftScoreNoData", "exp_alerts": [alert] if fires else []}
             for minute, fires in ((13 * 60 + 4, False), (13 * 60 + 5, True))]  # 13:04 pending, 13:05 firing
    (tmp_path / "test.yaml").write_text(yaml.safe_dump({"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": [{"series": 'mlops_drift_score{model="recommender"}', "values": "0.05x719"},
                                           {"series": 'mlops_drift_score{model="fraud"}', "values": "0.05x1500"}],
        "alert_rule_test": cases}]}))
    result = subprocess.run([servers.binary("promtool"), "test", "rules", "test.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.e2e
def test_no_other_alert_fires(outcome):
    assert len(outcome.firing) == len(EXPECTED_FIRING)


# --- the slow world: groups at 1h and 5m, a min_volume counted from 1h rollups, an escalation ---

@pytest.fixture(scope="module")
def slow_compilation():
    return pipeline.compile_spec([(str(world.SLOW_SPEC), world.SLOW_SPEC.read_bytes())], world.SLOW_SPEC.name)


@pytest.fixture(scope="module")
def slow_prometheus(tmp_path_factory):
    with world.prometheus_with_history(tmp_path_factory.mktemp("slow"), world.slow_openmetrics()) as server:
        yield server


@pytest.fixture(scope="module")
def slow_outcome(slow_compilation, slow_prometheus):
    return report.judge(slow_compilation, Client(slow_prometheus.url).ask, world.START, world.END, lambda line: None)


# (alert, level, model, firing from; None: never fires). Model a's 48 labelled a day stay under
# min_volume 100, so its ratio is never recorded; b's 240 at 30% are red and yellow all along.
SLOW_EXPECTED = [
    ("SlGroundTruth", "yellow", "a", None),
    ("SlGroundTruth", "red", "a", None),
    ("SlGroundTruth", "yellow", "b", world.START),
    ("SlGroundTruth", "red", "b", world.START),
    # b's yellow fires on Tuesday, its 2h `for` after b's volume reaches 100: escalated 3d later, on
    # Friday; from a history copied only as far back as the escalation's own 3d `for`, on Monday
    ("SlGroundTruthEscalated", "red", "b", world.START),
]


@pytest.mark.e2e
@pytest.mark.parametrize(("alert", "level", "model", "since"), SLOW_EXPECTED,
                         ids=[f"{a} {lvl} {m}" for a, lvl, m, _ in SLOW_EXPECTED])
def test_each_alert_of_the_slow_world_fires_as_prometheus_evaluating_each_group_at_its_interval_would(slow_outcome, alert, level,
                                                                                                      model, since):
    """Within one evaluation of the 5m group: an alert firing at --from counts from its first evaluation."""
    found = _found(slow_outcome, alert, level, ("model", model))
    assert [(f.end, f.ongoing) for f in found] == ([] if since is None else [(world.END, True)])
    assert all(0 <= f.start - since < 5 * MINUTE for f in found), [f.start - since for f in found]


@pytest.mark.e2e
def test_every_alert_of_the_slow_world_is_judged_and_only_the_expected_ones_fire(slow_outcome):
    assert slow_outcome.unjudged == ()
    assert len(slow_outcome.firing) == len([row for row in SLOW_EXPECTED if row[3] is not None])


@pytest.mark.e2e
def test_a_range_past_the_newest_sample_is_judged_up_to_it_and_the_rest_listed_as_not_judged(slow_compilation, slow_prometheus,
                                                                                             slow_outcome):
    """The slow world's samples end at Wednesday 00:00: to Thursday, the replay would read every
    series absent for a day (its alerts resolved, NoData fired). It stops at the newest sample:
    the same firing as to Wednesday, and the day after it named as not judged."""
    later = report.judge(slow_compilation, Client(slow_prometheus.url).ask, world.START, world.END + world.DAY, lambda line: None)
    assert later.firing == slow_outcome.firing
    assert later.history_ends == world.END and slow_outcome.history_ends is None
    text = emit.render_prose(report.build(slow_compilation.spec, later, world.START, world.END + world.DAY, "http://prometheus"))
    assert ("History ends at 2026-11-04 00:00 UTC: from there to 2026-11-05 00:00 UTC nothing is judged."
            in " ".join(text.split("## Not judged")[1].split()))
    assert [v.per_week for v in later.verdicts] == [v.per_week for v in slow_outcome.verdicts]  # over the two days judged


def _slow_rules(compilation) -> list[history.Rule]:
    return history.rules({path: text for path, text in compilation.files.items() if conventions.is_rule_file(path)})


# (evaluations per chunk, the alerts of each later pass, those not judged): the slow world's
# replay runs from 5d4h20m before Monday (its escalation's need and one 1h evaluation) to Wednesday
SLOW_PLANS = [
    (10_000, [], []),  # two chunks of 6d22h40m at 1m, starting 3d11h20m early: both escalations' 3d `for` fit
    # 36h chunks at 1m start 18h early: the drift escalation (1m) cannot be judged; at 5m one
    # chunk of 7d12h holds the ground truth escalation
    (36 * 60, [["SlDriftScoreEscalated"], ["SlGroundTruthEscalated"]], ["SlDriftScoreEscalated"]),
    (12 * 60, [["SlDriftScoreEscalated"], ["SlGroundTruthEscalated"]],  # 60h chunks at 5m start 30h early: under 3d5m
     ["SlDriftScoreEscalated", "SlGroundTruthEscalated"]),
]


@pytest.mark.parametrize(("steps", "later", "forgotten"), SLOW_PLANS, ids=[f"{row[0]} evaluations a chunk" for row in SLOW_PLANS])
def test_an_alert_whose_for_outlasts_half_a_chunk_is_replayed_at_its_groups_pace_or_not_judged(slow_compilation, monkeypatch,
                                                                                               steps, later, forgotten):
    monkeypatch.setattr(engine, "CHUNK_STEPS", steps)
    passes, left = engine.plan(_slow_rules(slow_compilation), world.START - (5 * world.DAY + 4 * world.HOUR + 20 * MINUTE), world.END)
    assert [[rule.name for rule in replayed.rules] for replayed in passes[1:]] == later
    assert [rule.name for rule in left] == forgotten


def test_the_shipped_specs_week_long_fors_are_replayed_at_their_5m_groups_pace_over_30_days():
    """MlopsActiveUsers red (7d), MlopsToilRatio red (14d), MlopsDocumentationRate yellow (7d):
    longer than half a 1m chunk (3d11h20m), within half a 5m one (17d8h40m)."""
    generated = world.SPEC.parents[2] / "generated" / "prometheus"
    rules = history.rules({path.name: path.read_text() for path in generated.glob("*.yaml")})
    passes, left = engine.plan(rules, 0, 30 * world.DAY)
    assert [sorted((rule.name, dict(rule.labels)["level"]) for rule in replayed.rules) for replayed in passes[1:]] == [[
        ("MlopsActiveUsers", "red"), ("MlopsDocumentationRate", "yellow"), ("MlopsToilRatio", "red")]]
    assert (passes[1].step, left) == (300, ())


@pytest.mark.e2e
def test_a_replay_in_chunks_shorter_than_the_escalations_for_fires_as_one_replay(slow_compilation, slow_prometheus, slow_outcome,
                                                                                   monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_STEPS", 36 * 60)
    chunked = report.judge(slow_compilation, Client(slow_prometheus.url).ask, world.START, world.END, lambda line: None)
    assert chunked.firing == slow_outcome.firing
    assert chunked.forgotten == (("SlDriftScoreEscalated red", "3d"),)  # in the 1m group: 36h chunks cannot hold its 3d


def test_an_alert_no_chunk_can_judge_is_listed_as_not_judged_never_silent(slow_compilation):
    replay = engine.Replay((), world.SLOW_HISTORY, 1, world.END, (("SlGroundTruthEscalated red", "3d"),))
    result = report.outcome(slow_compilation.spec, replay, [], {}, world.START, world.END)
    text = " ".join(emit.render_prose(report.build(slow_compilation.spec, result, world.START, world.END, "http://p")).split())
    assert "## Not judged" in text and "- SlGroundTruthEscalated red: `for` 3d" in text


# (alert, the history it needs before --from, why)
SLOW_NEEDS = [
    ("SlGroundTruth", "2d3h15m1s",
     "its 5m lookback and 2h `for`, the 1d ratio (its volume read a second early), the rollups' 1d of creation and 1h rate, two lookbacks"),
    ("SlGroundTruthEscalated", "5d3h20m1s", "its 3d `for` and 5m lookback of ALERTS, after all the yellow's"),
]


@pytest.mark.parametrize(("alert", "need", "why"), SLOW_NEEDS, ids=[row[0] for row in SLOW_NEEDS])
def test_an_escalation_needs_the_history_of_the_alerts_it_reads_too(slow_compilation, alert, need, why):
    rule_files = {path: text for path, text in slow_compilation.files.items() if conventions.is_rule_file(path)}
    assert durations.text(history.needs(history.rules(rule_files))[alert]) == need


def test_prometheus_itself_counts_model_a_under_min_volume_at_the_rollups_own_interval(slow_compilation, slow_prometheus,
                                                                                       tmp_path):
    """What SLOW_EXPECTED says of model a, measured: promtool records the 1h rollups as a
    Prometheus evaluating their group every hour would, and their sum over the 1d before
    Monday, times 3600, is about 48 labelled predictions for a (under 100), 240 for b."""
    groups = yaml.safe_load(slow_compilation.files["prometheus/model_quality.yaml"])["groups"]
    (tmp_path / "rollups.yaml").write_text(yaml.safe_dump({"groups": [g for g in groups if g.get("interval") == "1h"]}))
    blocks = tmp_path / "blocks"
    result = subprocess.run([servers.binary("promtool"), "tsdb", "create-blocks-from", "rules", f"--url={slow_prometheus.url}",
                             f"--start={int(world.SLOW_HISTORY)}", f"--end={int(world.START)}", f"--output-dir={blocks}",
                             "rollups.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    with servers.prometheus_on_tsdb(tmp_path / "serve", blocks) as oracle:
        answer = Client(oracle.url).ask(Query("sum_over_time(model:sl_ground_truth_denominator:rate1h[1d]) * 3600", world.START))
    volumes = {sample.label("model"): sample.value for sample in answer}
    assert 40 < volumes["a"] < 100 < 200 < volumes["b"] < 300, volumes


# Counted by hand: group_wait 1m, a look every 5m, repeat 1h (critical), 4h (red), 1d (yellow);
# yellow waits for business hours (Mon-Fri 09:00-17:00 UTC); a more severe level of the same
# series mutes the less severe ones.
EXPECTED_NOTIFICATIONS = {
    "oncall": [at(0, 10, 11), at(0, 11, 11), at(0, 12, 11)],  # critical 10:10-13:00
    "leadership": [at(0, 10, 11), at(0, 11, 11), at(0, 12, 11)],
    # the drift red is muted by critical throughout; error ratio red at 14:17; vision red from 09:15 every 4h
    # and the recommender's NoData from 13:10 every 4h
    "team_channel": [at(0, 14, 18), at(1, 9, 16), at(1, 13, 11), at(1, 13, 16), at(1, 17, 11), at(1, 17, 16), at(1, 21, 11),
                     at(1, 21, 16)],
    # recommender yellow fires at 18:30, outside business hours: sent at the first look inside them,
    # Tuesday 09:01; fraud, churn and vision yellow are muted by their red or critical throughout
    "lead": [at(1, 9, 1)],
}


@pytest.mark.e2e
def test_the_notifications_per_receiver_are_the_hand_computed_ones(outcome):
    sent = {receiver: [n.at for n in outcome.notifications if n.receiver == receiver] for receiver in EXPECTED_NOTIFICATIONS}
    assert sent == EXPECTED_NOTIFICATIONS
    assert {n.receiver for n in outcome.notifications} == set(EXPECTED_NOTIFICATIONS)


@pytest.mark.e2e
def test_the_hand_count_can_fail_without_inhibition_the_muted_levels_would_notify(compilation, outcome):
    """The mutation proof of the count above: the same firing through a config without
    inhibition rules notifies lead and team_channel for the muted yellow and red alerts too."""
    config = {**alertmanager.config(compilation.spec), "inhibit_rules": []}
    sent = notifications.notifications(config, list(outcome.firing))
    assert len([n for n in sent if n.receiver == "lead"]) > 1
    assert len([n for n in sent if n.receiver == "team_channel"]) > len(EXPECTED_NOTIFICATIONS["team_channel"])


@pytest.mark.e2e
def test_every_alert_of_the_world_is_judged_its_history_reaches_back_far_enough(outcome):
    assert outcome.unjudged == ()


# (the oldest sample copied, relative to the start less the alert's need; judged?)
HISTORY_STARTS = [(-1, True), (0, True), (1, False)]


@pytest.mark.parametrize(("oldest", "judged"), HISTORY_STARTS, ids=[f"history from {o:+}s of the need" for o, _ in HISTORY_STARTS])
def test_an_alert_whose_windows_reach_before_the_history_is_listed_as_not_judged(compilation, oldest, judged):
    need = 25 * 3600 + 10 * MINUTE  # NoData: its 1d memory, 1h for, the 5m lookback of it and of its input
    replay = engine.Replay((), world.START - need + oldest, 1)
    result = report.outcome(compilation.spec, replay, [], {"BtDriftScoreNoData": need}, world.START, world.END)
    assert result.unjudged == (() if judged else (("BtDriftScoreNoData", "1d1h10m"),))


@pytest.mark.e2e
def test_a_replay_in_chunks_fires_as_one_replay(compilation, prometheus, outcome, monkeypatch):
    # the copy starts Saturday 22:50: 36h chunks put borders inside the critical drift (Monday 10:50)
    # and inside the vision red and the recommender's NoData (Tuesday 21:45)
    monkeypatch.setattr(engine, "CHUNK_STEPS", 36 * 60)
    chunked = report.judge(compilation, Client(prometheus.url).ask, world.START, world.END, lambda line: None)
    assert chunked.firing == outcome.firing


@pytest.mark.e2e
def test_backtest_exits_1_naming_the_receiver_over_its_noise_budget_and_the_alerts_that_blow_it(prometheus):
    result = CliRunner().invoke(main, ["backtest", "--prometheus", prometheus.url, "--from", "2026-11-02", "--to", "2026-11-04",
                                       str(world.SPEC)])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[-1] == "over the noise budget: oncall 10.5/week (budget 10/week): BtDriftScore critical 3"
    assert "| oncall | 3 | 10.5/week | **10/week: over** | BtDriftScore critical 3 |" in result.stdout
    assert "| BtErrorRatio red | model=churn | 2026-11-02 14:17 UTC | 2026-11-02 14:43 UTC | 26m |" in result.stdout
    # copied from one evaluation (the scorecard's 5m) before the longest need, NoData's 1d1h10m
    begin = world.START - (25 * 3600 + 10 * MINUTE) - 5 * MINUTE
    copied = sum(1 for name, labels in world.SERIES for t in range(int(begin) + MINUTE, int(world.END) + 1, MINUTE)
                 if world.source(name, labels, t) is not None)
    assert f"({copied:,} source samples," in result.stdout
    # progress counts the rules vmalert replays, a tenth at a time, and never prints its own lines
    rules = len(list(pipeline.compile_spec([(str(world.SPEC), world.SPEC.read_bytes())], world.SPEC.name).outputs.rules.rules()))
    replayed = [line for line in result.stderr.splitlines() if line.endswith("rules replayed")]
    assert replayed[-1] == f"  {rules} of {rules} rules replayed" and 1 < len(replayed) <= 11, replayed
    assert "(ID:" not in result.stderr


@pytest.mark.e2e
@pytest.mark.parametrize(("arguments", "code", "message"), [
    (["--from", "2026-10-01", "--to", "2026-10-02"], 3, "no samples of mlops_active_users, mlops_drift_score"),
    (["--from", "2026-11-05", "--to", "2026-11-06"], 3, "ends at 2026-11-04 00:00 UTC, before 2026-11-05 00:00 UTC: nothing to judge"),
    (["--from", "2026-11-03", "--to", "2026-11-02"], 2, "the range is empty"),
    (["--from", "yesterday"], 2, "--from 'yesterday': expected a time such as 2026-11-02T00:00Z"),
    (["--from", "2026-11-02", "--last", "1d"], 2, "give --from or --last, not both"),
])
def test_a_range_without_data_or_a_bad_range_is_a_message_and_an_exit_code(prometheus, arguments, code, message):
    result = CliRunner().invoke(main, ["backtest", "--prometheus", prometheus.url, *arguments, str(world.SPEC)])
    assert result.exit_code == code and message in result.output and "Traceback" not in result.output, result.output


def test_an_unreachable_prometheus_is_exit_code_3():
    result = CliRunner().invoke(main, ["backtest", "--prometheus", "http://127.0.0.1:9", "--last", "1d", str(world.SPEC)])
    assert result.exit_code == 3 and "cannot query Prometheus: http://127.0.0.1:9: cannot connect" in result.output, result.output


def test_a_missing_engine_is_exit_code_3_naming_its_package(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    result = CliRunner().invoke(main, ["backtest", "--prometheus", "http://127.0.0.1:9", "--last", "1d", str(world.SPEC)])
    assert (result.exit_code, result.output.splitlines()[-1]) == (
        3, "error: promtool is not installed: the backtest needs it (Debian package prometheus)")


SVG = "{http://www.w3.org/2000/svg}"


def _x(t: float) -> float:
    """Where the timeline draws `t`: 6 pixels of padding each side of 720."""
    return round(6 + (t - world.START) / (world.END - world.START) * 708, 1)


@pytest.mark.e2e
def test_the_html_draws_a_timeline_per_receiver_with_a_mark_at_each_notification(compilation, outcome):
    text = emit.render_prose(report.build(compilation.spec, outcome, world.START, world.END, "http://prometheus", html=True))
    rows = re.findall(r"<tr><td>(\w+)</td>.*?(<svg .*?</svg>)", text, re.S)
    assert [receiver for receiver, _ in rows] == ["lead", "leadership", "oncall", "team_channel"]
    for receiver, drawn in rows:
        svg = ElementTree.fromstring(drawn)
        assert svg.find(f"{SVG}title") is not None
        marks = [float(line.get("x1")) for line in svg.iter(f"{SVG}line") if line.get("y1") == "4"]
        assert marks == [_x(t) for t in EXPECTED_NOTIFICATIONS[receiver]]
        assert all(0 <= float(bar.get("x")) <= 720 for bar in svg.iter(f"{SVG}rect"))
    oncall = ElementTree.fromstring(dict(rows)["oncall"])
    bars = [(float(bar.get("x")), float(bar.get("width"))) for bar in oncall.iter(f"{SVG}rect")][1:]  # after the background
    assert bars == [(_x(at(0, 10, 10)), round(_x(at(0, 13)) - _x(at(0, 10, 10)), 1))]  # the critical drift, 10:10 to 13:00
    assert "<script" not in text and "http" not in text.split("<body>")[0]


# --- the notification walk at its boundaries (no servers: the generated config and intervals) ---

def _firing(level: str, start: float, end: float, alert: str = "BtDriftScore", model: str = "fraud") -> Firing:
    labels = {"level": level, "indicator": "drift_score", "model": model, "owner": "platform"}
    return Firing(alert, tuple(sorted(labels.items())), start, end, False)


# (what, the firing, the receiver's expected notification times)
WALK = [
    ("resolved just before group_wait: nothing", [_firing("critical", at(0, 10), at(0, 10, 1) - 1)], "oncall", []),
    ("resolved just after group_wait: one", [_firing("critical", at(0, 10), at(0, 10, 1) + 1)], "oncall", [at(0, 10, 1)]),
    ("firing just under repeat_interval after the first: one", [_firing("critical", at(0, 10), at(0, 11, 1))], "oncall", [at(0, 10, 1)]),
    ("firing past repeat_interval after the first: two", [_firing("critical", at(0, 10), at(0, 11, 1) + 1)], "oncall",
     [at(0, 10, 1), at(0, 11, 1)]),
    ("yellow firing at 16:58: sent at 16:59, inside business hours", [_firing("yellow", at(0, 16, 58), at(0, 17, 30))], "lead",
     [at(0, 16, 59)]),
    ("yellow firing at 16:59: its look at 17:00 is outside, the next at 09:00 Tuesday", [_firing("yellow", at(0, 16, 59), at(1, 9, 1))],
     "lead", [at(1, 9)]),
    ("yellow firing Friday evening waits for Monday", [_firing("yellow", at(4, 18), at(7, 9, 2))], "lead", [at(7, 9, 1)]),
    ("red muted by critical of the same model", [_firing("critical", at(0, 10), at(0, 11)), _firing("red", at(0, 10), at(0, 11))],
     "team_channel", []),
    ("red not muted by critical of another model",
     [_firing("critical", at(0, 10), at(0, 11)), _firing("red", at(0, 10), at(0, 11), model="recommender")], "team_channel",
     [at(0, 10, 1)]),
    ("red sent once the critical resolves", [_firing("critical", at(0, 10), at(0, 10, 3)), _firing("red", at(0, 10), at(0, 11))],
     "team_channel", [at(0, 10, 6)]),
]


@pytest.mark.parametrize(("firing", "receiver", "expected"), [case[1:] for case in WALK], ids=[case[0] for case in WALK])
def test_the_notification_walk_at_its_boundaries(compilation, firing, receiver, expected):
    sent = notifications.notifications(alertmanager.config(compilation.spec), firing)
    assert [n.at for n in sent if n.receiver == receiver] == expected


# (noise_budget, notifications to oncall over the two days, over the budget?)
BUDGETS = [(10, 3, True), (11, 3, False), (None, 3, False), (7, 2, False), (6, 2, True), (0, 0, False)]


@pytest.mark.parametrize(("budget", "count", "over"), BUDGETS, ids=[f"{b} a week, {c} in 2 days" for b, c, _ in BUDGETS])
def test_a_budget_is_blown_only_beyond_its_weekly_rate(compilation, budget, count, over):
    spec = dataclasses.replace(compilation.spec, responders=tuple(
        dataclasses.replace(r, noise_budget=budget) if r.id == "oncall" else r for r in compilation.spec.responders))
    firing = _firing("critical", at(0, 10), at(0, 12))
    sent = [notifications.Notification("oncall", at(0, 10) + n, firing) for n in range(count)]
    replay = engine.Replay((firing,), world.HISTORY, 1)
    result = report.outcome(spec, replay, sent, {}, world.START, world.END)
    assert [v.receiver for v in result.over_budget] == (["oncall"] if over else [])


def test_the_history_copied_is_the_sources_never_the_alerts_the_replay_writes_itself():
    """An Escalated alert reads ALERTS: copying production's would mix the old rules' alerts into the replay's."""
    spec = world.SPEC.parents[1] / "golden" / "overrides" / "spec.yaml"  # escalate_after: 3d
    files = pipeline.compile_spec([(str(spec), spec.read_bytes())], spec.name).files
    rules = history.rules({path: text for path, text in files.items() if conventions.is_rule_file(path)})
    assert any("ALERTS{" in rule.expr for rule in rules)
    assert not {"ALERTS", "ALERTS_FOR_STATE"} & set(history.sources(rules))


def test_noise_budget_is_in_the_schema_as_a_weekly_count():
    schema = yaml.safe_load((world.SPEC.parents[2] / "compiler" / "schema" / "indicators-v1.schema.json").read_text())
    budget = schema["properties"]["responders"]["additionalProperties"]["properties"]["noise_budget"]
    assert (budget["type"], budget["minimum"]) == ("integer", 0)


@pytest.mark.e2e
def test_base_ref_replays_the_base_spec_too_and_shows_what_a_threshold_change_does(prometheus, tmp_path):
    """Head raises the drift score's critical threshold from 0.3 to 0.4: the fraud model's 0.35
    no longer pages; its red alert, no longer muted, notifies the team channel once."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(world.SPEC.read_text())
    for command in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"]):
        subprocess.run(["git", *command], cwd=tmp_path, check=True)
    spec.write_text(world.SPEC.read_text().replace("    critical: 0.3\n", "    critical: 0.4\n", 1))
    result = CliRunner().invoke(main, ["backtest", "--prometheus", prometheus.url, "--from", "2026-11-02", "--to", "2026-11-04",
                                       "--base-ref", "HEAD", "--quiet", str(spec)])
    assert (result.exit_code, result.stderr) == (0, ""), result.output  # --quiet: no progress
    section = result.stdout.split("## Against HEAD:")[1].split("## Notifications per receiver")[0]
    assert section.splitlines()[4:] == [
        "- BtDriftScore critical: 3 → 0 notifications to leadership, oncall",
        "- BtDriftScore red: 0 → 1 notification to team_channel",
        "- Alerts that would have gone silent: BtDriftScore critical",
        "",
    ]


def test_the_estimate_is_an_upper_bound_a_flap_within_a_group_interval_counts_twice_repeats_come_on_time():
    """What the README says the walk counts: each firing interval on its own (a flap that
    Alertmanager, measured, notifies once, is two notifications here) and every repeat at the
    first look once `repeat_interval` has passed (Alertmanager's may come a look later)."""
    leaf = {"receiver": "hook", "group_by": ["alertname"], "group_wait": "1s", "group_interval": "6s", "repeat_interval": "1h"}
    config = {"route": leaf, "receivers": [{"name": "hook"}]}
    flap = [Firing("X", (), 0.0, 3.0, False), Firing("X", (), 4.0, 20.0, False)]
    assert [n.at for n in notifications.notifications(config, flap)] == [1.0, 5.0]
    config["route"] = {**leaf, "group_interval": "2s", "repeat_interval": "10s"}
    assert [n.at for n in notifications.notifications(config, [Firing("X", (), 0.0, 50.0, False)])] == [1.0, 11.0, 21.0, 31.0, 41.0]
