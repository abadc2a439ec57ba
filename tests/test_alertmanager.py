"""The Alertmanager config: amtool accepts it, every alert the indicators can raise reaches
exactly the receivers the escalation matrix names (proven with `amtool config routes test`
for every row of the routing table), and the parts amtool cannot test (business hours,
holidays, inhibition) have exactly the structure intended."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

import pytest
import servers
import yaml
from conftest import HEADER, INDICATOR, ROOT, schema_nodes, spec_text
from servers import binary

from compiler import conventions, pipeline, validators
from compiler.backends import alertmanager
from compiler.backends.alertmanager import receivers, routing, walk

GOLDEN = ROOT / "tests" / "golden"
SPECS = {"the shipped spec": ROOT / "indicators.yaml", "the routing golden case": GOLDEN / "alertmanager" / "spec.yaml",
         "the minimal golden case": GOLDEN / "minimal" / "spec.yaml"}
CONFIGS = {"the shipped spec": ROOT / "generated", "the routing golden case": GOLDEN / "alertmanager" / "expected",
           "the minimal golden case": GOLDEN / "minimal" / "expected"}


def amtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary("amtool"), *args], capture_output=True, text=True, check=False)


def load(path: Path):
    spec, _ = pipeline.load([(path.name, path.read_bytes())], path.name)
    return spec


def model(text: str):
    spec, _ = pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    return spec


@pytest.mark.parametrize("case", list(CONFIGS))
def test_amtool_accepts_the_generated_config(case):
    result = amtool(*validators.check_config(CONFIGS[case] / alertmanager.CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", ["the shipped spec", "the routing golden case"])
def test_the_kubernetes_secret_holds_the_same_config_under_alertmanager_yaml(case):
    spec = load(SPECS[case])
    secret_path = CONFIGS[case] / "kubernetes" / f"{conventions.alertmanager_secret(spec)}-secret.yaml"
    secret = yaml.safe_load(secret_path.read_text())
    assert (secret["kind"], secret["metadata"]["name"], secret["metadata"]["namespace"]) == (
        "Secret", f"alertmanager-{spec.output.kubernetes.alertmanager}", spec.output.kubernetes.namespace)
    assert secret["stringData"]["alertmanager.yaml"] == (CONFIGS[case] / alertmanager.CONFIG).read_text()


def routing_cases():
    for case, path in SPECS.items():
        for row in routing.routing_table(load(path)):
            yield pytest.param(case, row, id=f"{case}: {validators.describe(row)}")


@pytest.mark.parametrize(("case", "row"), list(routing_cases()))
def test_every_alert_reaches_exactly_the_receivers_the_matrix_names(case, row):
    """amtool says so, and the routing walk diff and the backtest use says the same."""
    result = amtool(*validators.route_test(CONFIGS[case] / alertmanager.CONFIG, row))
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load((CONFIGS[case] / alertmanager.CONFIG).read_text())
    assert tuple(leaf["receiver"] for leaf in walk.route(config, dict(row.labels))) == row.receivers


TEAMS = HEADER.replace("  core: {title: Core}\n", "  core: {title: Core}\n  data:\n    title: Data\n"
                                                  "    responders: {critical: [lead, pager]}\n")
DATA_INDICATOR = INDICATOR + INDICATOR.replace("indicators:\n", "").replace("id: queue", "id: backlog").replace(
    "track_by: [model]", "track_by: [model]\n    team: data\n    critical: 1000")

TABLE_CASES = [
    ("the warning sign's level is raised by the threshold and by missing data", HEADER + INDICATOR,
     [("ShopQueue", "red", "core", ("lead",)), ("ShopQueue", "yellow", "core", ("lead",)),
      ("ShopQueueNoData", "red", "core", ("lead",))]),
    ("a team's own responders replace the level's, in the order given", TEAMS + DATA_INDICATOR.replace("indicators:\n", "", 0),
     [("ShopQueue", "red", "core", ("lead",)), ("ShopQueue", "yellow", "core", ("lead",)),
      ("ShopQueueNoData", "red", "core", ("lead",)), ("ShopBacklog", "critical", "data", ("lead", "pager")),
      ("ShopBacklog", "red", "data", ("lead",)), ("ShopBacklog", "yellow", "data", ("lead",)),
      ("ShopBacklogNoData", "red", "data", ("lead",))]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in TABLE_CASES], ids=[c[0] for c in TABLE_CASES])
def test_the_routing_table_lists_every_raised_level_per_owner_with_its_receivers(text, expected):
    rows = routing.routing_table(model(text))
    found = [(row.label("alertname"), row.label("level"), row.label("owner"), row.receivers) for row in rows[:-4]]
    assert found == expected
    assert [(dict(row.labels), row.receivers) for row in rows[-4:]] == [
        ({"alertname": "Watchdog"}, ("silent",)), ({"alertname": "InfoInhibitor"}, ("silent",)),
        ({"alertname": "ShopHandWritten"}, ("unrouted-alerts",)),
        ({"alertname": "ShopHandWritten", "level": "no-such-level"}, ("unrouted-alerts",))]


def test_routing_table_rows_carry_the_full_alert_label_contract():
    spec = model(spec_text())
    row = routing.routing_table(spec)[0]
    assert dict(row.labels) == {"alertname": "ShopQueue", **conventions.alert_labels(spec, spec.indicators[0], "red")}


def level_routes(config: dict) -> list[dict]:
    """The root's routes after the first, which sends the stacks' always-firing alerts to no one."""
    first, *levels = config["route"]["routes"]
    assert first == {"receiver": "silent", "matchers": ['alertname=~"Watchdog|InfoInhibitor"']}
    return levels


def test_the_stacks_always_firing_alerts_reach_no_one_and_nothing_else_does():
    # kube-prometheus' Watchdog fires for ever on purpose: on the fallback it would repeat every 4h
    config = alertmanager.config(model(spec_text()))
    level_routes(config)
    silent = [receiver for receiver in config["receivers"] if receiver["name"] == "silent"]
    assert silent == [{"name": "silent"}]
    assert all(route["receiver"] != "silent" for level in level_routes(config) for route in level["routes"])


def test_business_hours_are_active_only_on_the_business_hours_level_and_holidays_mute_them():
    config = alertmanager.config(load(SPECS["the routing golden case"]))
    leaves = {route["matchers"][0]: route["routes"] for route in level_routes(config)}
    assert all(leaf["active_time_intervals"] == ["business-hours"] and leaf["mute_time_intervals"] == ["holidays"]
               for leaf in leaves['level="yellow"'])
    assert not any("active_time_intervals" in leaf or "mute_time_intervals" in leaf
                   for level in ('level="red"', 'level="critical"') for leaf in leaves[level])
    assert config["time_intervals"] == [
        {"name": "business-hours", "time_intervals": [{
            "weekdays": ["monday:friday"],
            "times": [{"start_time": "08:30", "end_time": "12:00"}, {"start_time": "13:00", "end_time": "18:00"}],
            "location": "America/New_York"}]},
        {"name": "holidays", "time_intervals": [
            {"years": ["2026"], "months": ["july"], "days_of_month": ["3"], "location": "America/New_York"},
            {"years": ["2026"], "months": ["november"], "days_of_month": ["26"], "location": "America/New_York"}]},
    ]


def test_without_holidays_there_is_no_holiday_interval_to_mute():
    config = alertmanager.config(model(spec_text()))
    assert [interval["name"] for interval in config["time_intervals"]] == ["business-hours"]
    yellow = level_routes(config)[0]
    assert yellow["routes"] == [{"receiver": "lead", "active_time_intervals": ["business-hours"]}]


def test_each_level_mutes_the_less_severe_ones_for_the_same_indicator_and_series():
    config = alertmanager.config(load(SPECS["the routing golden case"]))
    identity = ["indicator", "cluster", "model"]
    assert config["inhibit_rules"] == [
        {"source_matchers": ['level="critical"'], "target_matchers": ['level=~"yellow|red"'], "equal": identity},
        {"source_matchers": ['level="red"'], "target_matchers": ['level="yellow"'], "equal": identity},
        {"source_matchers": ['level="yellow"', 'alertname!~".+(ErrorBudgetBurn|Escalated)"'],
         "target_matchers": ['level="yellow"', 'alertname=~".+ErrorBudgetBurn"'], "equal": identity},
        {"source_matchers": ['level="red"', 'alertname!~".+(ErrorBudgetBurn|Escalated)"'],
         "target_matchers": ['level="red"', 'alertname=~".+ErrorBudgetBurn"'], "equal": identity},
        {"source_matchers": ['level="critical"', 'alertname!~".+(Escalated)"'],
         "target_matchers": ['level="critical"', 'alertname=~".+Escalated"'], "equal": identity},
    ]


def test_without_an_availability_objective_or_an_escalation_no_alert_is_muted_by_one_of_its_level():
    assert routing.same_level_inhibit_rules(model(spec_text())) == []


def test_timers_follow_the_response_time_and_urgency():
    config = alertmanager.config(load(SPECS["the routing golden case"]))
    timers = [(r["matchers"], r["group_wait"], r["group_interval"], r["repeat_interval"]) for r in level_routes(config)]
    assert timers == [(['level="yellow"'], "5m", "1h", "1d"), (['level="red"'], "2m", "20m", "4h"),
                      (['level="critical"'], "30s", "5m", "30m")]
    assert config["route"]["group_by"] == ["alertname", "indicator", "cluster", "model"]
    assert "matchers" not in config["route"] and config["route"]["receiver"] == "unrouted-alerts"


def test_a_level_may_set_its_own_grouping_timers():
    text = spec_text().replace("red: {threshold: warning, severity: error, response_time: 4h,",
                               "red: {threshold: warning, severity: error, response_time: 4h, group_wait: 5s, group_interval: 1m,")
    red = next(r for r in alertmanager.config(model(text))["route"]["routes"] if r["matchers"] == ['level="red"'])
    assert (red["group_wait"], red["group_interval"], red["repeat_interval"]) == ("5s", "1m", "4h")


def test_receivers_read_every_secret_from_a_file():
    config = alertmanager.config(load(SPECS["the routing golden case"]))
    receivers = {receiver["name"]: receiver for receiver in config["receivers"]}
    assert receivers["incidents"]["webhook_configs"][0]["http_config"] == {
        "authorization": {"credentials_file": "/etc/alertmanager/secrets/alertmanager-receiver-keys/incident-token"}}
    assert receivers["pager"]["pagerduty_configs"][0]["routing_key_file"] == "/etc/alertmanager/secrets/alertmanager-receiver-keys/pd-key"
    assert receivers["chat"]["slack_configs"][0]["api_url_file"] == "/etc/alertmanager/secrets/alertmanager-receiver-keys/slack-url"
    assert config["global"]["smtp_auth_password_file"] == "/etc/alertmanager/secrets/alertmanager-receiver-keys/smtp-password"
    assert list(receivers) == ["unrouted-alerts", "silent", "lead", "chat", "pager", "incidents", "payments_lead", "payments_pager"]
    assert receivers["unrouted-alerts"]["email_configs"][0]["to"] == "lead@example.com"


FIRING = {
    "receiver": "oncall", "status": "firing", "externalURL": "http://alertmanager.example.com",
    "groupLabels": {"alertname": "MlopsDriftScore"},
    "commonLabels": {"alertname": "MlopsDriftScore", "level": "critical", "indicator": "drift_score", "owner": "platform"},
    "commonAnnotations": {"summary": "Drift Score is critical", "description": "fraud: drift 0.31 against a target of at most 0.1",
                          "runbook_url": "https://runbooks.example.com/drift_score", "dashboard_url": "https://grafana.example.com/d/q?viewPanel=2"},
}
FIRING["alerts"] = [{"status": "firing", "labels": {**FIRING["commonLabels"], "model": "fraud"}, "annotations": FIRING["commonAnnotations"],
                     "startsAt": "2026-01-05T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": "1"}]


def render(template: str, tmp_path: Path) -> str:
    (tmp_path / "data.json").write_text(json.dumps(FIRING))
    (tmp_path / "none.tmpl").write_text("")
    result = amtool("template", "render", f"--template.glob={tmp_path / 'none.tmpl'}", f"--template.text={template}",
                    f"--template.data={tmp_path / 'data.json'}")
    assert result.returncode == 0, result.stderr
    return result.stdout


def templates(value) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in templates(item)]
    if isinstance(value, list):
        return [text for item in value for text in templates(item)]
    return [value] if isinstance(value, str) and "{{" in value else []


def test_every_message_template_in_the_config_renders_with_amtool(tmp_path):
    config = yaml.safe_load((CONFIGS["the routing golden case"] / alertmanager.CONFIG).read_text())
    found = sorted(set(templates(config["receivers"])))
    assert len(found) >= 10
    for template in found:
        render(template, tmp_path)


MESSAGE_CASES = [
    ("the title names the status, level, alert and owner", receivers.TITLE, ["[FIRING:1] Critical: MlopsDriftScore (platform)"]),
    ("the e-mail body shows level, indicator, value and target, runbook and dashboard", receivers.BODY,
     ["Critical | drift_score | owner platform", "Drift Score is critical", "fraud: drift 0.31 against a target of at most 0.1",
      "Runbook: https://runbooks.example.com/drift_score", "Dashboard: https://grafana.example.com/d/q?viewPanel=2"]),
    ("the Slack body links the runbook and the dashboard panel", receivers.SLACK_BODY,
     ["*Critical* `drift_score` owner platform", "fraud: drift 0.31 against a target of at most 0.1",
      "<https://runbooks.example.com/drift_score|Runbook> | <https://grafana.example.com/d/q?viewPanel=2|Dashboard>"]),
]


@pytest.mark.parametrize(("template", "expected"), [c[1:] for c in MESSAGE_CASES], ids=[c[0] for c in MESSAGE_CASES])
def test_messages_show_what_the_responder_needs(template, expected, tmp_path):
    text = render(template, tmp_path)
    assert [line for line in expected if line not in text] == []


@pytest.mark.e2e
def test_template_syntax_in_receiver_fields_reaches_the_responder_as_written(tmp_path):
    """A real Alertmanager sends a red alert to a Slack channel and an e-mail address whose spec
    values hold `{{ ... }}`: unescaped, each fails its notification at send time."""
    channel, to, sender = "#ops-{{ nope }}", "ops+{{x}}@example.com", "am+{{.Status}}@example.com"
    with servers.webhook_receiver() as slack, servers.smtp_sink() as mail:
        (tmp_path / "slack-url").write_text(f"{slack.url}/slack")
        text = (spec_text()
                .replace("red: {threshold: warning,", "red: {group_wait: 1s, threshold: warning,")
                .replace("channels: [{email: {to: lead@example.com}}]",
                         f"channels: [{{email: {{to: '{to}'}}}}, {{slack: {{channel: '{channel}', api_url_file: {tmp_path / 'slack-url'}}}}}]")
                .replace('email: {from: am@example.com, smarthost: "smtp.example.com:587"}',
                         f"email: {{from: '{sender}', smarthost: '{mail.host}:{mail.port}', require_tls: false}}"))
        compiled = pipeline.compile_spec([("indicators.yaml", text.encode())], "indicators.yaml")
        config = tmp_path / "alertmanager.yaml"
        config.write_text(compiled.files["alertmanager/alertmanager.yaml"])
        with servers.alertmanager(tmp_path / "am", config) as am:
            alert = {"labels": {"alertname": "ShopQueue", "level": "red", "severity": "error", "indicator": "queue", "owner": "core"},
                     "annotations": {"summary": "Queue Depth: red when > 100"}}
            request = urllib.request.Request(f"{am.url}/api/v2/alerts", json.dumps([alert]).encode(), {"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=5).close()
            servers.wait_until(lambda: slack.notifications and mail.messages, 20, "Alertmanager sent no notification:\n" + am.logs())
    assert [note["body"]["channel"] for note in slack.notifications] == [channel]
    assert [(message["from"], message["to"]) for message in mail.messages] == [(sender, [to])]
    # the body the README promises, alone: Alertmanager's default HTML part, which mail clients show first, is off
    (message,) = mail.messages
    assert "text/plain" in message["data"] and "text/html" not in message["data"], message["data"]


PAGERDUTY_SEVERITY_CASES = [
    ("a PagerDuty severity label is sent as PagerDuty's severity", {"severity": "critical"}, "critical"),
    ("each of PagerDuty's severities is sent as written", {"severity": "info"}, "info"),
    ("a severity label PagerDuty refuses is sent as Alertmanager's default, error", {"severity": "page"}, "error"),
    ("an alert without a severity label, on the fallback receiver, is sent as error", {}, "error"),
]


@pytest.mark.parametrize(("labels", "expected"), [c[1:] for c in PAGERDUTY_SEVERITY_CASES], ids=[c[0] for c in PAGERDUTY_SEVERITY_CASES])
def test_pagerduty_is_sent_the_alerts_severity_label_when_pagerduty_accepts_it(labels, expected, tmp_path):
    (pager,) = [receiver for receiver in alertmanager.config(model(spec_text()))["receivers"] if receiver["name"] == "pager"]
    (pagerduty,) = pager["pagerduty_configs"]
    (tmp_path / "data.json").write_text(json.dumps({**FIRING, "commonLabels": {**FIRING["commonLabels"], **labels}}))
    (tmp_path / "none.tmpl").write_text("")
    result = amtool("template", "render", f"--template.glob={tmp_path / 'none.tmpl'}", f"--template.text={pagerduty['severity']}",
                    f"--template.data={tmp_path / 'data.json'}")
    assert (result.returncode, result.stdout.strip()) == (0, expected), result.stderr


@pytest.mark.e2e
def test_a_critical_page_reaches_pagerduty_as_critical(tmp_path):
    """A real Alertmanager pages PagerDuty (its events API stood in by a webhook receiver) for a
    critical alert: without a severity in the config Alertmanager sends every page as "error"."""
    with servers.webhook_receiver() as events:
        compiled = pipeline.compile_spec([("indicators.yaml", spec_text().encode())], "indicators.yaml")
        config = yaml.safe_load(compiled.files["alertmanager/alertmanager.yaml"])
        config["global"]["pagerduty_url"] = f"{events.url}/v2/enqueue"
        (tmp_path / "pd-key").write_text("fake-routing-key")
        for receiver in config["receivers"]:
            for channel in receiver.get("pagerduty_configs", ()):
                channel["routing_key_file"] = str(tmp_path / "pd-key")
        (tmp_path / "alertmanager.yaml").write_text(yaml.safe_dump(config))
        with servers.alertmanager(tmp_path / "am", tmp_path / "alertmanager.yaml") as am:
            alert = {"labels": {"alertname": "ShopQueue", "level": "critical", "severity": "critical", "indicator": "queue", "owner": "core"},
                     "annotations": {"summary": "Queue Depth: critical when > 1000"}}
            request = urllib.request.Request(f"{am.url}/api/v2/alerts", json.dumps([alert]).encode(), {"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=5).close()
            servers.wait_until(lambda: events.notifications, 60, "Alertmanager sent no page:\n" + am.logs())
    assert [(note["path"], note["body"]["payload"]["severity"]) for note in events.notifications] == [("/v2/enqueue", "critical")]


def test_the_severities_sent_to_pagerduty_are_the_ones_a_channel_may_set():
    found = [node["properties"]["severity"]["enum"] for node in schema_nodes() if "routing_key_file" in node.get("properties", {})]
    assert found == [list(receivers.PAGERDUTY_SEVERITIES)]

