"""The semantic diff: a reviewer can tell from it alone that a pull request lowers a
threshold, moves an alert to another responder, or silently removes a no-data alert."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from compiler import loader
from compiler.diff import Change, comparisons, route, semantic_diff
from conftest import HEADER, INDICATOR, spec_text

RULES = textwrap.dedent("""\
    groups:
      - name: shop-alerts
        rules:
          - alert: ShopQueue
            expr: model:shop_queue:max > 100
            for: 6h
            labels: {severity: error, level: red, indicator: queue, owner: core}
          - alert: ShopQueue
            expr: model:shop_queue:max{model="checkout"} > 50
            for: 6h
            labels: {severity: error, level: red, indicator: queue, owner: core}
          - alert: ShopQueueNoData
            expr: absent_over_time(queue_depth[2h])
            labels: {severity: error, level: red, indicator: queue, owner: core}
      - name: shop-records
        rules:
          - record: model:shop_queue:max
            expr: max by (model) (queue_depth)
    """)
ROUTING = textwrap.dedent("""\
    route:
      receiver: fallback
      group_wait: 30s
      routes:
        - matchers: ['level="red"']
          receiver: lead
          repeat_interval: 4h
    receivers:
      - name: fallback
      - name: lead
        email_configs: [{to: lead@example.com}]
      - name: pager
        pagerduty_configs: [{routing_key_file: /etc/am/pd-key}]
    """)
DASHBOARD = '{"uid": "shop", "title": "Shop", "panels": [{"id": 1, "type": "stat", "title": "Queue Depth", "targets": [{"expr": "model:shop_queue:max"}]}]}'
BASE = {"prometheus/shop-rules.yaml": RULES, "alertmanager/alertmanager.yaml": ROUTING, "grafana/dashboards/shop.json": DASHBOARD}


def edit(path: str, old: str, new: str) -> dict[str, str]:
    assert old in BASE[path], old
    return {**BASE, path: BASE[path].replace(old, new)}


RED = "alert ShopQueue (red)"
CASES = [
    ("an unchanged compilation reports nothing", BASE, []),
    ("lowering a threshold shows it before and after", edit("prometheus/shop-rules.yaml", "max > 100", "max > 80"),
     [Change("queue", RED, "threshold", "> 100", "> 80")]),
    ("an override's threshold is told apart from the default rule's",
     edit("prometheus/shop-rules.yaml", '{model="checkout"} > 50', '{model="checkout"} > 40'),
     [Change("queue", "alert ShopQueue (red, model=checkout)", "threshold", "> 50", "> 40")]),
    ("a longer for is shown", edit("prometheus/shop-rules.yaml", "max > 100\n        for: 6h", "max > 100\n        for: 1d"),
     [Change("queue", RED, "for", "6h", "1d")]),
    ("a silently removed no-data alert is reported as removed",
     edit("prometheus/shop-rules.yaml", "      - alert: ShopQueueNoData\n        expr: absent_over_time(queue_depth[2h])\n        labels: {severity: error, level: red, indicator: queue, owner: core}\n", ""),
     [Change("queue", "alert ShopQueueNoData (red)", "removed", "absent_over_time(queue_depth[2h])", "-")]),
    ("moving an alert to another responder shows who it reaches now", edit("alertmanager/alertmanager.yaml", "receiver: lead\n", "receiver: pager\n"),
     [Change("queue", RED, "reaches", "lead", "pager"), Change("queue", "alert ShopQueueNoData (red)", "reaches", "lead", "pager")]),
    ("a slower repeat interval is shown as a timer change", edit("alertmanager/alertmanager.yaml", "repeat_interval: 4h", "repeat_interval: 1d"),
     [Change("queue", RED, "notification timers", "group_wait 30s, repeat_interval 4h", "group_wait 30s, repeat_interval 1d"),
      Change("queue", "alert ShopQueueNoData (red)", "notification timers", "group_wait 30s, repeat_interval 4h", "group_wait 30s, repeat_interval 1d")]),
    ("a changed severity label is shown", edit("prometheus/shop-rules.yaml", "expr: model:shop_queue:max > 100\n        for: 6h\n        labels: {severity: error",
                                              "expr: model:shop_queue:max > 100\n        for: 6h\n        labels: {severity: critical"),
     [Change("queue", RED, "severity", "error", "critical")]),
    ("a receiver's new address is shown", edit("alertmanager/alertmanager.yaml", "to: lead@example.com", "to: boss@example.com"),
     [Change("", "receiver lead", "channels", "email lead@example.com", "email boss@example.com")]),
    ("a renamed panel keeps its identity", edit("grafana/dashboards/shop.json", '"title": "Queue Depth"', '"title": "Queue Size"'),
     [Change("", "panel 'Queue Size' on Shop", "title", "Queue Depth", "Queue Size")]),
    ("a removed panel is shown", edit("grafana/dashboards/shop.json", '"id": 1', '"id": 2'),
     [Change("", "panel 'Queue Depth' on Shop", "removed", "stat", "-"), Change("", "panel 'Queue Depth' on Shop", "added", "-", "stat")]),
    ("any other changed file is listed", {**BASE, "docs/indicators.md": "new"}, [Change("", "file docs/indicators.md", "added", "", "")]),
]


@pytest.mark.parametrize(("head", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_pull_request_edit_is_reported_as_what_it_does(head, expected):
    assert sorted(semantic_diff(BASE, head)) == sorted(expected)


def test_what_fires_and_who_is_told_come_before_wording():
    head = edit("prometheus/shop-rules.yaml", "max > 100\n        for: 6h\n        labels: {severity: error",
                "max > 80\n        for: 6h\n        labels: {severity: critical")
    assert [change.aspect for change in semantic_diff(BASE, head)] == ["threshold", "severity"]


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
        write("head.yaml", HEADER.replace("response_time: 4h, responders: [lead]}", "response_time: 4h, responders: [pager]}") + INDICATOR)
    else:
        write("head.yaml", spec_text(head))
    result = cli("diff", "base.yaml", "head.yaml")
    assert result.exit_code == 1 and line in result.output, result.output


def test_thresholds_are_the_comparisons_against_numbers():
    assert comparisons("(sum by (team) (a) / sum by (team) (b)) < 0.5 and on (team) sum by (team) (b) >= 5") == ["< 0.5", ">= 5"]
    assert comparisons("histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m]))) > 2592000") == ["> 2592000"]


def test_routing_follows_continue_and_inherits_settings():
    config = {"route": {"receiver": "root", "repeat_interval": "4h", "routes": [
        {"matchers": ['level="critical"'], "receiver": "pager", "continue": True},
        {"matchers": ['level=~"critical|red"'], "receiver": "lead"},
        {"matchers": ['level="critical"'], "receiver": "never"}]}}
    assert [(r["receiver"], r["repeat_interval"]) for r in route(config, {"level": "critical"})] == [("pager", "4h"), ("lead", "4h")]
    assert [r["receiver"] for r in route(config, {"level": "yellow"})] == ["root"]


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
