"""Inhibition on a real Alertmanager running the generated config: alerts are posted as
Prometheus sends them and Alertmanager says which it mutes. One series at one level notifies
once: the threshold alert mutes that level's burn-rate and escalated alerts, the burn-rate
alert the escalated one, and a more severe level mutes every less severe one."""

from __future__ import annotations

import json
import urllib.request

import pytest
import servers
from conftest import UPTIME, spec_text

from compiler import pipeline

pytestmark = pytest.mark.e2e


# (alert name, level, model) firing together -> the ones Alertmanager must mute
CASES = [
    ("a threshold alert mutes the burn-rate alert of its level and series",
     {("ShopUptime", "red", "a"), ("ShopUptimeErrorBudgetBurn", "red", "a")},
     {("ShopUptimeErrorBudgetBurn", "red", "a")}),
    ("a burn-rate alert of another series is not muted",
     {("ShopUptime", "red", "a"), ("ShopUptimeErrorBudgetBurn", "red", "b")},
     set()),
    ("a threshold alert does not mute a more severe burn-rate alert",
     {("ShopUptime", "yellow", "a"), ("ShopUptimeErrorBudgetBurn", "red", "a")},
     {("ShopUptime", "yellow", "a")}),
    ("a burn-rate alert alone notifies",
     {("ShopUptimeErrorBudgetBurn", "yellow", "a")},
     set()),
    ("a red threshold alert mutes the escalation of the series' yellow alert to red",
     {("ShopUptime", "red", "a"), ("ShopUptimeEscalated", "red", "a")},
     {("ShopUptimeEscalated", "red", "a")}),
    ("a red burn-rate alert mutes the escalation to red, and the escalation does not mute it",
     {("ShopUptimeErrorBudgetBurn", "red", "a"), ("ShopUptimeEscalated", "red", "a")},
     {("ShopUptimeEscalated", "red", "a")}),
    ("an escalation alone notifies",
     {("ShopUptimeEscalated", "red", "a")},
     set()),
]


@pytest.fixture(scope="module")
def alertmanager_url(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("inhibition")
    text = spec_text(UPTIME).replace("defaults: {", "defaults: {global_labels: [case], ").replace(
        "      response_time: 1d\n", "      response_time: 1d\n      escalate_after: 2d\n", 1).replace("email: {to: lead@example.com}", "webhook: {url: 'http://127.0.0.1:9/lead'}")
    compiled = pipeline.compile_spec([("indicators.yaml", text.encode())], "indicators.yaml")
    config = workdir / "alertmanager.yaml"
    config.write_text(compiled.files["alertmanager/alertmanager.yaml"])
    with servers.alertmanager(workdir, config) as server:
        yield server.url


def _post(url: str, alerts: set[tuple[str, str, str]], case: str) -> None:
    # the case label keeps each case's alerts apart: it is a global label, so inhibition is equal on it
    body = [{"labels": {"alertname": name, "level": level, "model": model, "indicator": "uptime", "case": case}}
            for name, level, model in alerts]
    request = urllib.request.Request(f"{url}/api/v2/alerts", json.dumps(body).encode(), {"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).close()


def _muted(url: str, case: str) -> dict[tuple[str, str, str], bool]:
    found = servers.get_json(f"{url}/api/v2/alerts?filter=case%3D%22{case}%22")
    return {(a["labels"]["alertname"], a["labels"]["level"], a["labels"]["model"]): bool(a["status"]["inhibitedBy"]) for a in found}


@pytest.mark.parametrize(("firing", "muted"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_alertmanager_mutes_exactly_the_duplicate_and_less_severe_alerts(alertmanager_url, firing, muted, request):
    case = request.node.callspec.id.replace(" ", "-")
    _post(alertmanager_url, firing, case)
    seen = servers.wait_until(lambda: (found := _muted(alertmanager_url, case)).keys() == firing and found, 10,
                              "Alertmanager did not receive the alerts")
    assert {key for key, is_muted in seen.items() if is_muted} == muted
