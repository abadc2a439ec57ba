"""The semantic diff: a reviewer can tell from it alone that a pull request lowers a
threshold, moves an alert to another responder, or silently removes a no-data alert."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import HEADER, INDICATOR, UPTIME, spec_text, with_output

from compiler import loader, pipeline
from compiler.backends.alertmanager.walk import route
from compiler.diff import Change, _muted, semantic_diff


def compiled(text: str) -> pipeline.Compilation:
    return pipeline.compile_spec([("indicators.yaml", text.encode())], "indicators.yaml")


BASE = spec_text()
OVERRIDE = INDICATOR + "    overrides:\n      - when: {model: checkout}\n        target: 5\n        warning: 50\n"
# a second team with its own red responders, and an indicator of its own
BACKLOG = INDICATOR.removeprefix("indicators:\n").replace("id: queue", "id: backlog").replace("Queue Depth", "Backlog").replace(
    "    group: reliability\n", "    group: reliability\n    team: search\n", 1)
TEAMS = HEADER.replace("  core: {title: Core}\n", "  core: {title: Core}\n  search: {title: Search, responders: {red: [pager]}}\n")
LEAD_TO_PAGER = ("response_time: 4h, responders: [lead]}", "response_time: 4h, responders: [pager]}")
WORDING = ("summary", "description")  # the annotations every threshold edit rewords; pinned by the golden files

# a latency in seconds, and a share of requests: units whose thresholds read in their own form
LATENCY = INDICATOR.replace("{gauge: {series: queue_depth, aggregation: max}}", "{quantile: {histogram: latency_seconds, q: 0.9}}").replace(
    "unit: count", "unit: seconds").replace("target: 10", "target: 100ms").replace("warning: 100", "warning: 250ms")
SHARE = INDICATOR.replace("{gauge: {series: queue_depth, aggregation: max}}",
                          "{ratio: {numerator: http_errors_total, denominator: http_requests_total}}").replace(
    "unit: count", "unit: ratio").replace("target: 10", "target: 0.01").replace("warning: 100", "warning: 0.05")
# an availability override's target is its series' objective: its burn-rate bounds follow it
RANKER = UPTIME + "    overrides:\n      - when: {model: ranker}\n        target: 0.9995\n"
RANKER_BURN = "alert ShopUptimeErrorBudgetBurn (yellow, model=ranker)"
RED = "alert ShopQueue (red)"
NO_DATA = "alert ShopQueueNoData (red)"
PANEL = "panel 'Queue Depth' on Shop: Platform Health"
HOURS = "yellow notified only within it"
HOLIDAYS = ('    times: [{start: "09:00", end: "17:00"}]\n',
            '    times: [{start: "09:00", end: "17:00"}]\n    holidays: [2026-12-25, 2026-12-26]\n')
NO_CRITICAL = ("    critical: {threshold: critical, severity: critical, response_time: 1h, responders: [pager]}\n", "")
ESCALATED = ("      responders: [lead]\n", "      responders: [lead]\n      escalate_after: 3d\n")
REGION = ("defaults: {team: core,", "defaults: {team: core, global_labels: [region],")
# an indicator tracking a label the queue's alerts do not carry: both sides of an inhibition have it empty
BY_CODE = INDICATOR.removeprefix("indicators:\n").replace("id: queue", "id: codes").replace("Queue Depth", "Codes").replace(
    "{gauge: {series: queue_depth, aggregation: max}}", "{rate: {counter: http_requests_total, window: 1h}}").replace(
    "track_by: [model]", "track_by: [model, code]")
MUTED_BY_CRITICAL = "while a critical alert fires for the same indicator and model"
HOOK = ("channels: [{email: {to: lead@example.com}}]", 'channels: [{webhook: {url: "https://hooks.example.com/lead", credentials_file: /etc/am/hook-a}}]')
MAILERS = "e-mail (receivers unrouted-alerts, lead)"
K8S = "Kubernetes objects"
TIMERS_BEFORE, TIMERS_AFTER = "group_wait 2m, group_interval 20m, repeat_interval 4h", "group_wait 5m, group_interval 1h, repeat_interval 1d"
# (case, base spec, head spec, the changes to the subjects they name: exactly these, wording aside)
CASES = [
    ("an unchanged compilation reports nothing", BASE, BASE, []),
    ("lowering a threshold shows it before and after", BASE, spec_text(INDICATOR.replace("warning: 100", "warning: 80")),
     [Change("queue", RED, "threshold", "> 100", "> 80")]),
    ("a threshold in seconds reads as a duration, as the alert's summary does", spec_text(LATENCY),
     spec_text(LATENCY.replace("warning: 250ms", "warning: 300ms")), [Change("queue", RED, "threshold", "> 250ms", "> 300ms")]),
    ("a ratio's threshold reads as a percentage", spec_text(SHARE),
     spec_text(SHARE.replace("warning: 0.05", "warning: 0.1")), [Change("queue", RED, "threshold", "> 5%", "> 10%")]),
    ("an override's threshold is told apart from the default rule's", spec_text(OVERRIDE),
     spec_text(OVERRIDE.replace("warning: 50", "warning: 40")),
     [Change("queue", "alert ShopQueue (red, model=checkout)", "threshold", "> 50", "> 40")]),
    ("an availability override's stricter target shows its own burn-rate alert's bounds before and after", spec_text(RANKER),
     spec_text(RANKER.replace("target: 0.9995", "target: 0.9999")),
     [Change("uptime", RANKER_BURN, "threshold", "> 0.0072, > 0.0072, > 0.003, > 0.003, > 0.0015, > 0.0015, > 0.0005, > 0.0005",
             "> 0.00144, > 0.00144, > 0.0006, > 0.0006, > 0.0003, > 0.0003, > 0.0001, > 0.0001")]),
    ("the default rule's threshold is told apart from an override's", spec_text(OVERRIDE),
     spec_text(OVERRIDE.replace("warning: 100", "warning: 80")), [Change("queue", RED, "threshold", "> 100", "> 80")]),
    ("a longer for is shown", BASE, spec_text(INDICATOR.replace("warning: 100", "warning: {value: 100, for: 1d}")),
     [Change("queue", RED, "for", "6h", "1d")]),
    ("a shorter for that brings the indicator back to every minute moves all its alerts to another group, "
     "which restarts their for", BASE, spec_text(INDICATOR.replace("target: 10", "target: {value: 10, for: 30m}")),
     [Change("queue", "alert ShopQueue (yellow)", "for", "1d", "30m"),
      *[Change("queue", subject, "group", "shop_platform_health_long_windows", f"shop_platform_health (a pending alert starts its for {hold} again)")
        for subject, hold in (("alert ShopQueue (yellow)", "30m"), (RED, "6h"), (NO_DATA, "1h"))]]),
    ("a silently removed no-data alert is reported as removed", BASE,
     spec_text(INDICATOR.replace("{gauge: {series: queue_depth, aggregation: max}}", "{rate: {counter: http_errors_total, window: 1h}}")),
     [Change("queue", NO_DATA, "removed", "absent(queue_depth) or ( last_over_time(model:shop_queue_sources:present[1d]) unless "
                                          "model:shop_queue_sources:present ) for 1h", "-")]),
    ("moving an alert to another responder shows who it reaches now", BASE, HEADER.replace(*LEAD_TO_PAGER) + INDICATOR,
     [Change("queue", RED, "reaches", "lead", "pager"), Change("queue", NO_DATA, "reaches", "lead", "pager")]),
    ("giving an indicator to a team with its own responders shows who its alerts reach now",
     TEAMS + INDICATOR + BACKLOG, TEAMS + INDICATOR.replace("    group: reliability\n", "    group: reliability\n    team: search\n", 1) + BACKLOG,
     [Change("queue", RED, "reaches", "lead", "pager"), Change("queue", NO_DATA, "reaches", "lead", "pager"),
      *[Change("queue", subject, "owner", "core", "search") for subject in (RED, "alert ShopQueue (yellow)", NO_DATA)]]),
    ("a slower repeat interval is shown as a timer change", BASE,
     HEADER.replace("response_time: 4h, responders: [lead]}", "response_time: 1d, responders: [lead]}") + INDICATOR,
     [Change("queue", RED, "notification timers", TIMERS_BEFORE, TIMERS_AFTER),
      Change("queue", NO_DATA, "notification timers", TIMERS_BEFORE, TIMERS_AFTER)]),
    ("a new business-hours time zone is shown as the interval's times before and after", BASE,
     HEADER.replace("location: Europe/London", "location: America/New_York") + INDICATOR,
     [Change("", f"time interval business-hours ({HOURS})", "times", "monday:friday 09:00-17:00 (Europe/London)",
             "monday:friday 09:00-17:00 (America/New_York)")]),
    ("shorter business days and hours are shown as the interval's times before and after", BASE,
     HEADER.replace("weekdays: [monday:friday]", "weekdays: [monday:thursday]").replace('end: "17:00"', 'end: "12:00"') + INDICATOR,
     [Change("", f"time interval business-hours ({HOURS})", "times", "monday:friday 09:00-17:00 (Europe/London)",
             "monday:thursday 09:00-12:00 (Europe/London)")]),
    ("a removed holiday is shown as the holidays before and after", HEADER.replace(*HOLIDAYS) + INDICATOR,
     HEADER.replace(*HOLIDAYS).replace("2026-12-25, 2026-12-26", "2026-12-25") + INDICATOR,
     [Change("", "time interval holidays (yellow muted within it)", "times", "2026-12-25; 2026-12-26 (Europe/London)",
             "2026-12-25 (Europe/London)")]),
    ("the first holidays are shown as a new interval, and the alerts they mute as a timer change", BASE,
     HEADER.replace(*HOLIDAYS) + INDICATOR,
     [Change("", "time interval holidays (yellow muted within it)", "times", "-", "2026-12-25; 2026-12-26 (Europe/London)"),
      Change("queue", "alert ShopQueue (yellow)", "notification timers",
             "group_wait 5m, group_interval 1h, repeat_interval 1d, active_time_intervals business-hours",
             "group_wait 5m, group_interval 1h, repeat_interval 1d, active_time_intervals business-hours, mute_time_intervals holidays")]),
    ("a removed level no longer mutes the less severe levels' alerts", BASE, HEADER.replace(*NO_CRITICAL) + INDICATOR,
     [Change("queue", RED, "muted", MUTED_BY_CRITICAL, "never"), Change("queue", NO_DATA, "muted", MUTED_BY_CRITICAL, "never"),
      Change("queue", "alert ShopQueue (yellow)", "muted", "while a critical alert or a red alert fires for the same indicator and model",
             "while a red alert fires for the same indicator and model")]),
    ("a new escalation is shown with who it reaches, muted while its own level's other alerts fire", BASE, HEADER.replace(*ESCALATED) + INDICATOR,
     [Change("queue", "alert ShopQueueEscalated (red)", "added", "-",
             'max without (alertname, alertstate) (ALERTS{alertstate="firing", indicator="queue", level="yellow"}) for 3d'),
      Change("queue", "alert ShopQueueEscalated (red)", "reaches", "-", "lead"),
      Change("queue", "alert ShopQueueEscalated (red)", "muted", "-",
             "while a critical alert or a red alert other than Escalated fires for the same indicator and model")]),
    ("a new global label is one more label the muting alert must share, and one more that splits notifications", BASE,
     HEADER.replace(*REGION) + INDICATOR,
     [Change("queue", NO_DATA, "muted", MUTED_BY_CRITICAL, "while a critical alert fires for the same indicator, region and model"),
      Change("queue", NO_DATA, "grouped by", "alertname, indicator and model", "alertname, indicator, region and model"),
      Change("queue", NO_DATA, "expression", *(f"absent(queue_depth) or ( last_over_time({by}:shop_queue_sources:present[1d]) unless "
                                                f"{by}:shop_queue_sources:present )" for by in ("model", "region_model")))]),
    ("a new indicator's alerts say who they reach and when they are muted", spec_text(), spec_text() + BY_CODE,
     [Change("codes", "alert ShopCodes (red)", "added", "-", "model_code:shop_codes:rate1h > 100 + 1e-07 for 6h"),
      Change("codes", "alert ShopCodes (red)", "reaches", "-", "lead"),
      Change("codes", "alert ShopCodes (red)", "muted", "-", "while a critical alert fires for the same indicator, code and model")]),
    ("a changed severity label is shown", BASE,
     HEADER.replace("{threshold: warning, severity: error", "{threshold: warning, severity: critical") + INDICATOR,
     [Change("queue", RED, "severity", "error", "critical"), Change("queue", NO_DATA, "severity", "error", "critical")]),
    ("a receiver's new address is shown", BASE, HEADER.replace("to: lead@example.com", "to: boss@example.com") + INDICATOR,
     [Change("", "receiver lead", "channels", "email lead@example.com", "email boss@example.com")]),
    ("a new evaluation interval of a rule group is shown with how many alerts it judges", BASE,
     with_output(BASE, "prometheus: {slow_group_interval: 2m}"),
     [Change("", "rule group shop_platform_health_long_windows (3 alerts)", "evaluated every", "5m", "2m"),
      Change("", "rule group shop_scorecard (no alerts)", "evaluated every", "5m", "2m")]),
    ("a PagerDuty channel's own severity is shown as what pages carry before and after", BASE,
     HEADER.replace("{routing_key_file: /etc/am/pd-key}", "{routing_key_file: /etc/am/pd-key, severity: info}") + INDICATOR,
     [Change("", "receiver pager", "pagerduty severity", "the alerts' severity label (else error)", "info")]),
    ("a webhook's new secret file is shown as that setting, not as the same channel twice", HEADER.replace(*HOOK) + INDICATOR,
     HEADER.replace(*HOOK).replace("hook-a", "hook-b") + INDICATOR,
     [Change("", "receiver lead", "webhook http_config.authorization.credentials_file", "/etc/am/hook-a", "/etc/am/hook-b")]),
    ("a new SMTP relay is shown with the receivers that send e-mail through it", BASE,
     HEADER.replace("smtp.example.com:587", "smtp.example.org:25") + INDICATOR,
     [Change("", MAILERS, "smarthost", "smtp.example.com:587", "smtp.example.org:25")]),
    ("e-mail without TLS reads as the spec writes it", BASE, HEADER.replace("smtp.example.com:587\"", "smtp.example.com:587\", require_tls: false") + INDICATOR,
     [Change("", MAILERS, "require_tls", "true", "false")]),
    ("a renamed panel keeps its identity", BASE, spec_text(INDICATOR.replace("Queue Depth", "Queue Size")),
     [Change("", "panel 'Queue Size' on Shop: Platform Health", "title", "Queue Depth", "Queue Size")]),
    ("a removed panel is shown", BASE, spec_text("indicators: []\n"), [Change("", PANEL, "removed", "stat", "-")]),
    ("PrometheusRules with other labels are shown, as Prometheus' ruleSelector picks rules by them", BASE,
     BASE.replace("rule_labels: {}", "rule_labels: {prometheus: k8s}"), [Change("", K8S, "PrometheusRule labels", "none", "prometheus=k8s")]),
    ("another Alertmanager's Secret is shown, as an Alertmanager reads only its own", BASE,
     BASE.replace("alertmanager: shop}", "alertmanager: main}"), [Change("", K8S, "Alertmanager Secret", "alertmanager-shop", "alertmanager-main")]),
    ("a new namespace is shown", BASE, BASE.replace("kubernetes: {", "kubernetes: {namespace: ops, "),
     [Change("", K8S, "namespace", "monitoring", "ops")]),
    ("a config Alertmanager no longer gets is listed, not compared", BASE,
     with_output(BASE, "targets: [docs, prometheus, grafana, kubernetes, instrumentation]"),
     [Change("", "file alertmanager/alertmanager.yaml", "removed", "", "")]),
    ("any other changed file is listed", BASE, BASE.replace("title: Team Lead", "title: Team Leader"),
     [Change("", "file docs/indicators.md", "changed", "", "")]),
    ("an overridden indicator's score rule is its own, not labelled with the override's values", spec_text(OVERRIDE),
     spec_text(OVERRIDE.replace("warning: 50", "warning: 40")),
     [Change("queue", "recording rule model:shop_queue:score", "expression",
             'clamp_max(clamp_min( (model:shop_queue:max{model!="checkout"} - 100) / (-90) * 100, 0), 100) or '
             'clamp_max(clamp_min( (model:shop_queue:max{model="checkout"} - 50) / (-45) * 100, 0), 100)',
             'clamp_max(clamp_min( (model:shop_queue:max{model!="checkout"} - 100) / (-90) * 100, 0), 100) or '
             'clamp_max(clamp_min( (model:shop_queue:max{model="checkout"} - 40) / (-35) * 100, 0), 100)')]),
]


@pytest.mark.parametrize(("base", "head", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_pull_request_edit_is_reported_as_what_it_does(base, head, expected):
    subjects = {change.subject for change in expected}
    found = [change for change in semantic_diff(compiled(base), compiled(head)) if change.aspect not in WORDING]
    assert sorted(change for change in found if change.subject in subjects or not expected) == sorted(expected)


# (case, base spec, head spec): edits to the inhibit rules and grouping that change when no queue alert is muted or how it is grouped
SAME_MUTING = [
    ("another indicator's new tracking label, which the queue's alerts lack", spec_text(), spec_text() + BY_CODE),
    ("another indicator's first burn-rate alerts, which only burn-rate alerts' new rules mute", spec_text(),
     spec_text() + UPTIME.removeprefix("indicators:\n")),
]


@pytest.mark.parametrize(("base", "head"), [c[1:] for c in SAME_MUTING], ids=[c[0] for c in SAME_MUTING])
def test_an_edit_that_mutes_or_groups_an_alert_no_differently_reports_no_such_change(base, head):
    changes = semantic_diff(compiled(base), compiled(head))
    assert [change for change in changes if change.aspect in ("muted", "grouped by") and change.indicator == "queue"] == []


def test_what_fires_and_who_is_told_come_before_wording():
    head = HEADER.replace("{threshold: warning, severity: error", "{threshold: warning, severity: critical") + INDICATOR
    head = head.replace("warning: 100", "warning: 80")
    assert [change.aspect for change in semantic_diff(compiled(BASE), compiled(head)) if change.subject == RED] == [
        "threshold", "severity", "description", "summary"]


SPEC_EDITS = [
    ("a lowered threshold", INDICATOR.replace("warning: 100", "warning: 80"), "alert ShopQueue (red): threshold: > 100 -> > 80"),
    ("an alert moved to another responder", None, "alert ShopQueue (red): reaches: lead -> pager"),
    ("a removed indicator takes its no-data alert with it", INDICATOR.replace("id: queue", "id: queue_depth").split("indicators:")[0]
     + "indicators: []\n", "alert ShopQueueNoData (red): removed: "),
]


@pytest.mark.parametrize(("head", "line"), [c[1:] for c in SPEC_EDITS], ids=[c[0] for c in SPEC_EDITS])
def test_a_reviewer_can_tell_what_a_spec_edit_does_from_the_diff_alone(cli, head, line):
    write("base.yaml", spec_text())
    if head is None:
        write("head.yaml", HEADER.replace(*LEAD_TO_PAGER) + INDICATOR)
    else:
        write("head.yaml", spec_text(head))
    result = cli("diff", "base.yaml", "head.yaml")
    assert result.exit_code == 1 and line in result.output, result.output


def test_routing_follows_continue_and_inherits_settings():
    config = {"route": {"receiver": "root", "repeat_interval": "4h", "routes": [
        {"matchers": ['level="critical"'], "receiver": "pager", "continue": True},
        {"matchers": ['level=~"critical|red"'], "receiver": "lead"},
        {"matchers": ['level="critical"'], "receiver": "never"}]}}
    assert [(r["receiver"], r["repeat_interval"]) for r in route(config, {"level": "critical"})] == [("pager", "4h"), ("lead", "4h")]
    assert [r["receiver"] for r in route(config, {"level": "yellow"})] == ["root"]


# (case, inhibit rules, how the muting of a red alert of team core reads)
MUTING = [
    ("no rule that targets the alert: never muted", [{"source_matchers": ['level="critical"'], "target_matchers": ['level="yellow"']}], "never"),
    ("a rule without source matchers: muted by any alert", [{"source_matchers": [], "target_matchers": ['level="red"'], "equal": ["team"]}],
     "while any alert fires for the same team"),
    ("a source matcher the compiler does not write reads as written", [{"source_matchers": ['team="core"'], "target_matchers": []}],
     'while any alert with team="core" fires'),
]


@pytest.mark.parametrize(("rules", "muted"), [c[1:] for c in MUTING], ids=[c[0] for c in MUTING])
def test_hand_written_inhibit_rules_read_as_the_alerts_they_take(rules, muted):
    assert _muted({"inhibit_rules": rules}, {"level": "red", "team": "core"}, None) == muted


def write(path: str, text: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text)


EXIT_CASES = [
    ("no change exits 0", INDICATOR, 0, "No change"),
    ("a change exits 1", INDICATOR.replace("Queue Depth", "Queue Size"), 1, "panel 'Queue Size' on Shop: Platform Health: title: Queue Depth -> Queue Size"),
    ("an invalid spec exits 2", INDICATOR.replace("warning: 100", "warning: 1"), 2, "the warning threshold 1 is below the target 10"),
]


@pytest.mark.parametrize(("head", "code", "message"), [c[1:] for c in EXIT_CASES], ids=[c[0] for c in EXIT_CASES])
def test_exit_codes_say_no_change_changes_or_error(cli, head, code, message):
    write("base.yaml", spec_text())
    write("head.yaml", spec_text(head))
    result = cli("diff", "base.yaml", "head.yaml")
    assert result.exit_code == code and message in result.output


def commit_all() -> None:
    for command in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"]):
        subprocess.run(["git", *command], check=True, capture_output=True)


def test_base_ref_reads_the_base_spec_from_git(cli):
    write("indicators.yaml", spec_text())
    commit_all()
    write("indicators.yaml", spec_text(INDICATOR.replace("Queue Depth", "Queue Size")))
    result = cli("diff", "--base-ref", "HEAD", "--format", "markdown")
    assert result.exit_code == 1
    assert "changes from `HEAD:indicators.yaml` to `indicators.yaml`." in result.output
    assert "| panel 'Queue Size' on Shop: Platform Health | title | Queue Depth | Queue Size |" in result.output
    assert cli("diff", "--base-ref", "no-such-ref").exit_code == 2


SPLIT = {"00-base.yaml": HEADER, "shop.yaml": INDICATOR}
# (layout, the spec's files in the repository, the folder the command runs in, the SPEC argument)
LAYOUTS = [
    ("a file in a subfolder, run from the root", {"config/indicators.yaml": spec_text()}, ".", "config/indicators.yaml"),
    ("a file in a subfolder, run from another subfolder", {"config/indicators.yaml": spec_text()}, "docs", "../config/indicators.yaml"),
    ("a file, run from its own folder", {"config/indicators.yaml": spec_text()}, "config", "indicators.yaml"),
    ("a folder of team files, run from the root", {f"spec/{n}": t for n, t in SPLIT.items()}, ".", "spec"),
    ("a folder of team files, run from inside it", {f"spec/{n}": t for n, t in SPLIT.items()}, "spec", "."),
    ("a nested folder, run from a sibling", {f"ops/spec/{n}": t for n, t in SPLIT.items()}, "docs", "../ops/spec"),
]


@pytest.mark.parametrize(("files", "cwd", "spec"), [c[1:] for c in LAYOUTS], ids=[c[0] for c in LAYOUTS])
def test_base_ref_finds_the_spec_for_any_spec_path_from_any_folder(cli, monkeypatch, files, cwd, spec):
    for path, text in files.items():
        write(path, text)
    Path("docs").mkdir(exist_ok=True)
    commit_all()
    edited = next(path for path, text in files.items() if "Queue Depth" in text)
    write(edited, Path(edited).read_text().replace("Queue Depth", "Queue Size"))
    monkeypatch.chdir(cwd)
    result = cli("diff", "--base-ref", "HEAD", spec)
    assert result.exit_code == 1, result.output
    assert "panel 'Queue Size' on Shop: Platform Health: title: Queue Depth -> Queue Size" in result.output


def test_base_ref_names_the_repository_path_when_the_spec_is_new(cli):
    write("docs/README.md", "docs\n")
    commit_all()
    write("config/indicators.yaml", spec_text())
    result = cli("diff", "--base-ref", "HEAD", "config/indicators.yaml")
    assert result.exit_code == 2
    assert "config/indicators.yaml does not exist at HEAD (looked for config/indicators.yaml from the repository's root)" in result.output


def test_a_base_spec_in_git_over_the_size_limit_is_refused_without_reading_it(cli):
    write("indicators.yaml", "apiVersion: indicators/v1\n" + "# padding\n" * (loader.MAX_FILE_BYTES // 10))
    commit_all()
    write("indicators.yaml", spec_text())
    result = cli("diff", "--base-ref", "HEAD")
    assert (result.exit_code, result.output.splitlines()[0]) == (2, f"HEAD:indicators.yaml:1:1: file is over the limit of "
                                                                    f"{loader.MAX_FILE_BYTES} bytes (hint: split the spec into several files in one folder)")


def test_diff_needs_two_specs_or_a_base_ref(cli):
    write("indicators.yaml", spec_text())
    assert cli("diff", "indicators.yaml").exit_code == 2
