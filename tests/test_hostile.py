"""The hostile corpus: tests/hostile/<case>.yaml is a spec a pull request could carry, and
<case>.expected is exactly what `indicators validate <case>.yaml` must print for it. Two cases are
generated here instead of committed: a 50 MB file and a spec over the indicator limit.

A new case: write tests/hostile/<case>.yaml (a first comment line says what is hostile about it),
then `cd tests/hostile && indicators validate <case>.yaml > <case>.expected 2>&1` and review it."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import yaml
from conftest import HEADER
from servers import binary

from compiler import loader
from compiler.checks.limits import MAX_INDICATORS

CORPUS = Path(__file__).parent / "hostile"
CASES = sorted(path.stem for path in CORPUS.glob("*.yaml"))


def test_the_corpus_has_every_case_with_its_message():
    assert sorted(path.stem for path in CORPUS.glob("*.expected")) == CASES
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_spec_gets_exactly_its_message(cli, monkeypatch, case):
    monkeypatch.chdir(CORPUS)
    result = cli("validate", f"{case}.yaml")
    expected = (CORPUS / f"{case}.expected").read_text()
    assert result.output == expected
    assert result.exit_code == (1 if "error:" in expected else 0)
    assert "SECRET" not in result.output  # the corpus writes every inline credential as SECRET<n>


GENERATED = [
    ("a 50 MB file is refused before it is parsed",
     lambda: b"apiVersion: indicators/v1\n" + b"# padding\n" * (5 * 1024 * 1024),
     [f"huge.yaml:1:1: file is over the limit of {loader.MAX_FILE_BYTES} bytes "
      "(hint: split the spec into several files in one folder)"]),
    ("more indicators than the limit is one message, not one per indicator",
     lambda: (HEADER + "indicators:\n" + "".join(f"  - {{id: i{n}}}\n" for n in range(MAX_INDICATORS + 1))).encode(),
     [f"huge.yaml:40:1: indicators: {MAX_INDICATORS + 1} indicators, over the limit of {MAX_INDICATORS} (hint: split the "
      "spec into several specs, each compiled into its own output folder and loaded by its own Prometheus or rule group shard)"]),
]


@pytest.mark.parametrize(("make", "expected"), [case[1:] for case in GENERATED], ids=[case[0] for case in GENERATED])
def test_a_spec_past_a_documented_limit_gets_one_clear_message(cli, make, expected):
    Path("huge.yaml").write_bytes(make())
    result = cli("generate", "huge.yaml")
    assert result.exit_code == 1
    assert result.output.splitlines() == expected + ["error: huge.yaml: 1 error; nothing was written"]
    assert not Path("generated").exists()


def test_a_huge_spec_is_refused_after_reading_no_more_than_the_limit(cli):
    """An 8 GiB sparse file (no disk used): read whole, it would take minutes and all memory."""
    with open("huge.yaml", "wb") as file:
        file.truncate(8 * 1024 ** 3)
    started = time.monotonic()
    result = cli("validate", "huge.yaml")
    assert result.output.splitlines() == [f"huge.yaml:1:1: file is over the limit of {loader.MAX_FILE_BYTES} bytes (hint: split the "
                                          "spec into several files in one folder)", "error: huge.yaml: 1 error"]
    assert time.monotonic() - started < 5


def test_go_template_text_in_the_spec_reaches_the_responder_as_written(cli, tmp_path):
    """promtool evaluates the generated alert: the annotations print the spec's `{{ ... }}` and
    `%{...}` text literally, next to the value the compiler's own template fills in."""
    assert cli("generate", str(CORPUS / "go-template-in-text.yaml")).exit_code == 0
    title, definition = 'Queue {{ .Depth }}', 'Jobs waiting {{ $value }}; see {{ template "x" }} and %{HOME}.'
    unit_test = {
        "rule_files": [str(Path("generated/prometheus/platform_health.yaml").resolve())],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [{"series": 'queue_depth{model="a"}', "values": "50x1600"}],
            "alert_rule_test": [{"eval_time": "25h", "alertname": "ShopQueue", "exp_alerts": [{
                "exp_labels": {"severity": "warning", "level": "yellow", "indicator": "queue", "category": "platform_health",
                               "group": "reliability", "owner": "core", "model": "a"},
                "exp_annotations": {
                    "summary": f"{title}: yellow when > 10 for 1 day",
                    "description": f"{title} is 50 for model a; target ≤ 10, warning sign > 100. {definition}",
                    "runbook_url": "https://runbooks.example.com/queue",
                    "dashboard_url": "https://grafana.example.com/d/shop-platform-health?viewPanel=1836003&var-model=a",
                },
            }]}],
        }],
    }
    Path("unit.yaml").write_text(yaml.safe_dump(unit_test, allow_unicode=True))
    result = subprocess.run([binary("promtool"), "test", "rules", "unit.yaml"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
