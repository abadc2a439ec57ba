"""Everything generated agrees with everything else, for the shipped spec and every golden case:
panels read only series the rules record, every alert's dashboard_url opens a panel that
exists, and every alert the rules can fire reaches the responders the matrix names."""

from __future__ import annotations

import json
import re
import urllib.parse

import pytest
import yaml
from conftest import ROOT

from compiler import conventions, pipeline
from compiler.backends.alertmanager.walk import route
from compiler.backends.grafana import queries

SPECS = [ROOT / "indicators.yaml"] + sorted((ROOT / "tests" / "golden").glob("*/spec.yaml"))


@pytest.fixture(scope="module", params=SPECS, ids=lambda path: path.parent.name if path.name == "spec.yaml" else path.name)
def compiled(request):
    """The spec compiled with every target on: agreement is a property of the spec."""
    data = yaml.safe_load(request.param.read_text())
    data.get("output", {}).pop("targets", None)
    return pipeline.compile_spec([(str(request.param), yaml.safe_dump(data).encode())], request.param.name)


def rules(files: dict[str, str]) -> list[dict]:
    """Every rule of the emitted rule files (not of the promtool test files)."""
    return [rule for path in sorted(files) if conventions.is_rule_file(path)
            for group in yaml.safe_load(files[path])["groups"] for rule in group.get("rules") or []]


def dashboards(files: dict[str, str]) -> dict[str, dict]:
    boards = [json.loads(text) for path, text in files.items() if path.startswith("grafana/dashboards/")]
    return {board["uid"]: board for board in boards}


def test_every_series_a_panel_reads_is_recorded_by_a_rule(compiled):
    recorded = {rule["record"] for rule in rules(compiled.files) if "record" in rule}
    for uid, board in dashboards(compiled.files).items():
        missing = {name for name in queries.series_read(board) if ":" in name} - recorded
        assert not missing, f"dashboard {uid} reads series no rule records: {sorted(missing)}"


def test_every_alerts_dashboard_url_opens_an_existing_panel(compiled):
    boards = dashboards(compiled.files)
    for rule in (r for r in rules(compiled.files) if "alert" in r):
        url = urllib.parse.urlparse(rule["annotations"]["dashboard_url"])
        uid = url.path.rsplit("/", 1)[-1]
        panel = int(urllib.parse.parse_qs(url.query)["viewPanel"][0])
        assert uid in boards, f"{rule['alert']}: no dashboard {uid}"
        ids = {p["id"] for p in boards[uid]["panels"]}
        assert panel in ids, f"{rule['alert']}: dashboard {uid} has no panel {panel}"
        title = next(p["title"] for p in boards[uid]["panels"] if p["id"] == panel)
        indicator = next(i for i in compiled.spec.indicators if i.id == rule["labels"][conventions.INDICATOR_LABEL])
        assert indicator.title in title


def test_every_alert_the_rules_can_fire_reaches_the_matrix_responders_not_the_fallback(compiled):
    config = yaml.safe_load(compiled.files["alertmanager/alertmanager.yaml"])
    spec = compiled.spec
    for rule in (r for r in rules(compiled.files) if "alert" in r):
        labels = {"alertname": rule["alert"], **rule["labels"]}
        level = spec.escalation.level(labels[conventions.LEVEL_LABEL])
        expected = {conventions.receiver_name(r) for r in spec.team(labels[conventions.OWNER_LABEL]).responders_for(level)}
        assert {r["receiver"] for r in route(config, labels)} == expected, rule["alert"]


def test_the_catalogues_panel_links_and_alert_names_exist(compiled):
    boards = dashboards(compiled.files)
    doc = compiled.files["docs/indicators.md"]
    links = re.findall(r"\[panel\]\(([^)]+)\)", doc)
    assert len(links) == len(compiled.spec.indicators)
    for link in links:
        url = urllib.parse.urlparse(link)
        panel = int(urllib.parse.parse_qs(url.query)["viewPanel"][0])
        assert panel in {p["id"] for p in boards[url.path.rsplit("/", 1)[-1]]["panels"]}, link
    alerts = {rule["alert"] for rule in rules(compiled.files) if "alert" in rule}
    assert set(re.findall(r"`([A-Z][A-Za-z0-9]+)`", doc)) == alerts


def test_every_link_on_a_dashboard_to_another_opens_an_existing_dashboard_and_panel(compiled):
    boards = dashboards(compiled.files)
    grafana = compiled.spec.output.grafana_url + "/d/"
    links = [(uid, link["url"]) for uid, board in boards.items() for panel in board["panels"]
             for link in panel.get("links") or [] if link["url"].startswith(grafana)]
    assert any(uid == conventions.overview_uid(compiled.spec) for uid, _ in links)  # the headlines link to their panels
    for uid, link in links:
        url = urllib.parse.urlparse(link)
        target = url.path.rsplit("/", 1)[-1]
        assert target in boards, f"{uid}: {link} opens no dashboard"
        if "viewPanel" in url.query:
            assert int(urllib.parse.parse_qs(url.query)["viewPanel"][0]) in {p["id"] for p in boards[target]["panels"]}, link
