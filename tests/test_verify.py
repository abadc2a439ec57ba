"""`indicators verify`: the real validators on a user's generated files. The example spec a
newcomer copies (examples/minimal/indicators.yaml) compiles and passes every check; each break
below, made by hand in a copy of its output, fails exactly the validators that must catch it,
naming the file; a missing validator names its Debian package."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from compiler import pipeline
from compiler.cli import main

EXAMPLE = ROOT / "examples" / "minimal" / "indicators.yaml"
CLEAN = ["promtool check rules: 3 rule files, 0 failed", "promtool test rules: 4 test files, 0 failed",
         "amtool config routes test: 14 routing cases, 0 failed", "amtool check-config: 1 config, 0 failed",
         "vmalert -dryRun: 3 rule files, 0 failed"]


def verify(out: Path, env: dict | None = None):
    return CliRunner().invoke(main, ["verify", str(EXAMPLE), "--out", str(out)], env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("example") / "generated"
    result = CliRunner().invoke(main, ["generate", str(EXAMPLE), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0 and result.stderr == "", result.output  # the example warns about nothing
    return out


def test_the_example_spec_compiles_and_passes_every_validator(generated):
    result = verify(generated)
    assert result.exit_code == 0, result.output
    assert sorted(result.stdout.splitlines()) == sorted(CLEAN)
    assert result.stderr == ""


RULES = "prometheus/service_health.yaml"
CONFIG = "alertmanager/alertmanager.yaml"
# (case, file, text replaced, by, the summary lines that change, the failed runs' headings below --out)
BREAKS = [
    ("a rule that does not parse fails both rule engines and the tests that load it", RULES,
     "expr: max by (service) (payments_queue_depth)", "expr: max by (service) (payments_queue_depth",
     ["promtool check rules: 3 rule files, 1 failed", "promtool test rules: 4 test files, 3 failed", "vmalert -dryRun: 3 rule files, 1 failed"],
     [f"{RULES}: promtool check rules failed", f"{RULES}: vmalert -dryRun failed",
      "prometheus/tests/service_health.promtest.yaml: promtool test rules failed"]),
    ("a threshold edited by hand fails only the generated unit tests", RULES,
     "service:payments_settlement_backlog:max > 1000", "service:payments_settlement_backlog:max > 2000",
     ["promtool test rules: 4 test files, 2 failed"], ["prometheus/tests/service_health.every-1h.promtest.yaml: promtool test rules failed",
                                                        "prometheus/tests/service_health.every-6h.promtest.yaml: promtool test rules failed"]),
    ("a critical route that no longer pages fails the critical routing case", CONFIG,
     "- receiver: oncall", "- receiver: team_channel",
     ["amtool config routes test: 14 routing cases, 1 failed"],
     [f"{CONFIG}: amtool config routes test failed (PaymentsApiLatency at critical for checkout reaches oncall, team_channel)"]),
    ("a route to an undefined receiver fails the config check", CONFIG,
     "- receiver: oncall", "- receiver: nobody",
     ["amtool check-config: 1 config, 1 failed", "amtool config routes test: 14 routing cases, 14 failed"],
     [f"{CONFIG}: amtool check-config failed", f"{CONFIG}: amtool config routes test failed (PaymentsApiLatency at critical"]),
]


@pytest.mark.parametrize(("name", "old", "new", "changed", "named"), [c[1:] for c in BREAKS], ids=[c[0] for c in BREAKS])
def test_a_broken_output_fails_the_validators_that_catch_it_naming_the_file(generated, tmp_path, name, old, new, changed, named):
    out = tmp_path / "generated"
    shutil.copytree(generated, out)
    text = (out / name).read_text()
    assert text.count(old) == 1
    (out / name).write_text(text.replace(old, new))
    result = verify(out)
    assert result.exit_code == 1, result.output
    titles = {line.partition(":")[0] for line in changed}
    assert sorted(result.stdout.splitlines()) == sorted(changed + [line for line in CLEAN if line.partition(":")[0] not in titles])
    assert [heading for heading in named if f"{out}/{heading}" not in result.stderr] == [], result.stderr
    failed = sum(int(line.rsplit(", ", 1)[1].split()[0]) for line in changed)
    assert result.stderr.endswith(f"error: {out}: {failed} check{'s' if failed != 1 else ''} failed\n")


UNSET = {"PROMTOOL": None, "AMTOOL": None, "VMALERT": None}
# (case, environment, broken, exit code, stdout lines, stderr ending)
MISSING = [
    ("a variable naming no program is a missing validator, named with its package", {"VMALERT": "/nonexistent/vmalert"}, False, 4,
     CLEAN[:4], ["error: vmalert -dryRun: not run: vmalert is not installed (VMALERT does not name a program): install the Debian "
                 "package victoria-metrics (apt-get install victoria-metrics), or set VMALERT to its path",
                 "error: {out}: not verified by vmalert"]),
    ("nothing on PATH: every validator is named, each once", {"PATH": "{empty}"}, False, 4, [],
     ["error: promtool check rules: not run: promtool is not installed (not found on PATH): install the Debian package "
      "prometheus (apt-get install prometheus), or set PROMTOOL to its path",
      "error: {out}: not verified by promtool, amtool, vmalert"]),
    ("a failure outranks a missing validator", {"VMALERT": "/nonexistent/vmalert"}, True, 1,
     ["promtool check rules: 3 rule files, 0 failed", "promtool test rules: 4 test files, 2 failed", *CLEAN[2:4]],
     ["error: {out}: 2 checks failed"]),
]


@pytest.mark.parametrize(("env", "broken", "code", "printed", "errors"), [c[1:] for c in MISSING], ids=[c[0] for c in MISSING])
def test_a_missing_validator_exits_4_naming_its_debian_package(generated, tmp_path, env, broken, code, printed, errors):
    out = tmp_path / "generated"
    shutil.copytree(generated, out)
    if broken:
        (out / RULES).write_text((out / RULES).read_text().replace("max > 1000", "max > 2000"))
    (tmp_path / "empty").mkdir()
    result = verify(out, {**UNSET, **{key: value.format(empty=tmp_path / "empty") for key, value in env.items()}})
    assert result.exit_code == code, result.output
    assert sorted(result.stdout.splitlines()) == sorted(printed)
    lines = result.stderr.splitlines()
    assert [line.format(out=out) for line in errors if line.format(out=out) not in lines] == [], result.stderr


def test_verify_of_a_folder_never_generated_names_the_command(tmp_path):
    result = verify(tmp_path / "nowhere")
    assert result.exit_code == 1
    assert result.stderr == f"error: {tmp_path / 'nowhere'} does not exist: run `indicators generate {EXAMPLE} --out {tmp_path / 'nowhere'}`\n"


TARGETS = [
    ("a spec without Alertmanager verifies its rules alone", "[prometheus]", [CLEAN[0], CLEAN[1], CLEAN[4]]),
    ("a spec of docs alone has nothing to verify", "[docs]",
     ["{spec} generates no rule files and no Alertmanager config (output.targets): nothing to verify"]),
]


@pytest.mark.parametrize(("targets", "printed"), [c[1:] for c in TARGETS], ids=[c[0] for c in TARGETS])
def test_verify_checks_only_what_output_targets_generates(tmp_path, targets, printed):
    spec = tmp_path / "indicators.yaml"
    text = EXAMPLE.read_text()
    assert text.count("\n  grafana_url:") == 1
    spec.write_text(text.replace("\n  grafana_url:", f"\n  targets: {targets}\n  grafana_url:"))
    out = tmp_path / "generated"
    assert CliRunner().invoke(main, ["generate", str(spec), "--out", str(out)], catch_exceptions=False).exit_code == 0
    result = CliRunner().invoke(main, ["verify", str(spec), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [line.format(spec=spec) for line in printed]


def test_the_split_example_of_two_teams_in_two_files_compiles_and_passes_every_validator(tmp_path):
    """Every measure form, two teams with their own responders, Slack and PagerDuty by secret file."""
    example, out = ROOT / "examples" / "split", tmp_path / "generated"
    generated = CliRunner().invoke(main, ["generate", str(example), "--out", str(out)], catch_exceptions=False)
    assert generated.exit_code == 0 and generated.stderr == "", generated.output
    spec, _ = pipeline.load([(str(path), path.read_bytes()) for path in sorted(example.glob("*.yaml"))], "split")
    forms = {type(indicator.measure).__name__ for indicator in spec.indicators}
    assert forms == {"Expr", "Ratio", "Quantile", "Rate", "Trend", "Baseline", "Age", "Zero", "Availability", "Gauge"}
    result = CliRunner().invoke(main, ["verify", str(example), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["promtool check rules: 5 rule files, 0 failed", "promtool test rules: 7 test files, 0 failed",
                                          "amtool check-config: 1 config, 0 failed", "amtool config routes test: 30 routing cases, 0 failed",
                                          "vmalert -dryRun: 5 rule files, 0 failed"]
