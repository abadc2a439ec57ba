"""The generated unit tests are sized by distinct cases, not by indicators: an indicator alike
another but for its names shares the other's tests (unit_tests/distinct.py). These prove both
halves of that: any difference but a name is a case of its own, and an alike indicator's tests,
were they generated, would be the first one's renamed, on every grid, for every shipped indicator."""

from __future__ import annotations

import copy
import json
import subprocess

import pytest
import yaml
from conftest import ROOT
from servers import binary

from compiler import conventions, pipeline
from compiler.backends.outputs import Outputs
from compiler.backends.prometheus import build, unit_tests
from compiler.backends.prometheus.unit_tests import distinct
from compiler.model import Indicator, Spec

SHIPPED = yaml.safe_load((ROOT / "indicators.yaml").read_text())


def _load(document: dict) -> Spec:
    spec, findings = pipeline.load([("spec.yaml", yaml.safe_dump(document, sort_keys=False).encode())], "spec.yaml")
    assert not [finding for finding in findings if finding.severity == "error"], findings
    return spec


def _alike(indicator: dict) -> dict:
    """The indicator under other names: id, title, team, definition and runbook."""
    other = {key: value for key, value in copy.deepcopy(indicator).items() if key != "tests"}
    return other | {"id": f"{indicator['id']}_alike", "title": f"{indicator['title']} Alike",
                    "team": "governance" if indicator.get("team", "platform") == "platform" else "platform",
                    "definition": "The same measure, another team's.", "runbook_url": f"https://wiki.example.com/{indicator['id']}"}


def _with(edit) -> dict:
    """The shipped spec with a copy of error_rate changed by `edit`."""
    document = copy.deepcopy(SHIPPED)
    original = next(indicator for indicator in document["indicators"] if indicator["id"] == "error_rate")
    document["indicators"].append(edit(_alike(original)))
    return document


CASES = [
    ("other names share the first one's tests", lambda i: i, False),
    ("another category and group share them too", lambda i: i | {"category": "governance", "group": "compliance"}, False),
    ("another target is a case of its own", lambda i: i | {"target": 0.002, "measure": {"availability": {**i["measure"]["availability"],
                                                                                                  "objective": 0.998}}}, True),
    ("another warning sign is a case of its own", lambda i: i | {"warning": 0.02}, True),
    ("another `for` is a case of its own", lambda i: i | {"warning": {"value": 0.01, "for": "2h"}}, True),
    ("other tracking labels are a case of their own", lambda i: i | {"track_by": []}, True),
    ("another metric read is a case of its own", lambda i: i | {"measure": {"availability": {**i["measure"]["availability"],
                                                                          "errors": 'mlops_inference_errors_total{model="fraud"}'}}}, True),
    ("an extra label is a case of its own", lambda i: i | {"labels": {"tier": "gold"}}, True),
    ("another no-data wait is a case of its own", lambda i: i | {"no_data_for": "3h"}, True),
]


@pytest.mark.parametrize(("edit", "own"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_an_indicator_alike_another_but_for_its_names_shares_its_tests_and_any_other_difference_is_its_own_case(edit, own):
    spec = _load(_with(edit))
    assert ("error_rate_alike" in distinct.carriers(spec)) is own
    assert "error_rate" in distinct.carriers(spec)


@pytest.mark.parametrize("field", ["thresholds", "track_by", "measure", "labels", "no_data_for"])
def test_a_case_that_took_more_than_names_for_names_would_fail_the_table(field, monkeypatch):
    monkeypatch.setattr(distinct, "NAMES", distinct.NAMES | {field})
    merged = [name for name, edit, own in CASES if own and "error_rate_alike" not in distinct.carriers(_load(_with(edit)))]
    assert merged  # some case the table holds to be its own is merged


def _doubled() -> tuple[Spec, list[tuple[Indicator, Indicator]]]:
    document = copy.deepcopy(SHIPPED)
    document["indicators"] += [_alike(indicator) for indicator in SHIPPED["indicators"]]
    spec = _load(document)
    by_id = {indicator.id: indicator for indicator in spec.indicators}
    return spec, [(by_id[indicator["id"]], by_id[f"{indicator['id']}_alike"]) for indicator in SHIPPED["indicators"]]


def _renamed(spec: Spec, panels: dict[str, int], alike: Indicator, original: Indicator, text: str) -> str:
    """The alike indicator's tests, as JSON text, under the original's names (longest first)."""
    names = [(conventions.dashboard_url(spec, alike, panels[alike.id]), conventions.dashboard_url(spec, original, panels[original.id])),
             (alike.definition, original.definition), (alike.runbook_url, original.runbook_url), (alike.title, original.title),
             (conventions.alert_name(spec.name, alike.id), conventions.alert_name(spec.name, original.id)), (alike.id, original.id),
             (json.dumps({conventions.OWNER_LABEL: alike.team})[1:-1], json.dumps({conventions.OWNER_LABEL: original.team})[1:-1])]
    for old, new in names:
        text = text.replace(old, new)
    return text


def test_only_the_first_of_each_case_carries_tests_and_an_alike_ones_would_be_the_firsts_renamed_on_every_grid():
    spec, pairs = _doubled()
    assert distinct.carriers(spec) == {original.id for original, _ in pairs}
    plan = build(spec)
    panels = {i: panel for c in spec.categories for i, panel in conventions.panel_ids(spec, c.id).items()}
    for grid in unit_tests.GRIDS:
        for original, alike in pairs:
            first = json.dumps(unit_tests.indicator_groups(spec, plan, original, grid), ensure_ascii=False)
            other = json.dumps(unit_tests.indicator_groups(spec, plan, alike, grid), ensure_ascii=False)
            assert first != other  # the names differ...
            assert _renamed(spec, panels, alike, original, other) == first, (original.id, grid)  # ...and only they


def test_a_spec_of_alike_indicators_generates_the_tests_of_its_distinct_cases_only():
    spec, pairs = _doubled()
    files = unit_tests.render(Outputs(spec, build(spec), {}, {}, {}))
    named = {group["name"].partition(":")[0].split(" ")[0] for data in files.values() for group in data["tests"]}
    assert {original.id for original, _ in pairs} <= named | {"scorecard"}
    assert not {alike.id for _, alike in pairs} & named


def test_the_scorecard_test_feeds_one_indicator_of_each_case_and_promtool_passes_it(cli, tmp_path):
    document = copy.deepcopy(SHIPPED)
    document["indicators"] += [_alike(indicator) for indicator in SHIPPED["indicators"]]
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    result = cli("generate", "spec.yaml", "--out", "out", "--quiet")
    assert result.exit_code == 0, result.output
    path = tmp_path / "out" / "prometheus" / "tests" / "scorecard.promtest.yaml"
    (group,) = yaml.safe_load(path.read_text())["tests"]
    fed = {item["series"] for item in group["input_series"]}
    assert fed and not [series for series in fed if "_alike" in series]
    run = subprocess.run([binary("promtool"), "test", "rules", path.name], cwd=path.parent, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
