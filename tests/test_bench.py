"""`make bench` runs (it is not run in CI; this proves it still works, at a small size, timing
nothing) and its synthetic specs stay valid as the spec grows."""

from __future__ import annotations

import re

import yaml

from bench import run, synth
from compiler import pipeline


def test_a_synthetic_spec_compiles_with_every_measure_form():
    text = yaml.safe_dump(synth.spec(60), sort_keys=False).encode()
    compilation = pipeline.compile_spec([("synthetic.yaml", text)], "synthetic.yaml")
    forms = {type(indicator.measure).__name__ for indicator in compilation.spec.indicators}
    assert forms == {"Expr", "Ratio", "Quantile", "Rate", "Trend", "Baseline", "Age", "Zero", "Availability", "Gauge"}
    assert len(compilation.spec.indicators) == 60


def test_the_bench_reports_every_figure_and_goal_at_a_small_size():
    report = run.main((20,))
    (row,) = [line for line in report.splitlines() if line.startswith("| 20 |")]
    assert len(row.split("|")) == 10 and row.count(" s |") == 4 and "MiB" in row and "KiB" in row, row
    assert "yaml PyYAML CSafeDumper" in report or "yaml compiler emitter" in report
    assert re.search(r"creating the output's files .*: 20: \d+\.\d\d s for \d+ files \(\d+ µs each\)", report), report
    goals = [line for line in report.splitlines() if line.startswith("- ")]
    assert [goal.split(":")[0] for goal in goals] == [
        "- compile within 1.5x of the floor at 20", "- validate at most 0.5 of generate at 20",
        "- startup under 0.15 s, `indicators --help`", "- startup under 0.15 s, `python -c 'import compiler.cli'`"]
    assert all(goal.endswith("met") or "missed (" in goal for goal in goals)


def test_make_bench_rules_writes_the_chapters_rules_for_every_category_and_they_parse():
    from bench import rules
    from compiler import promql

    spec = pipeline.compile_spec([("indicators.yaml", (rules.ROOT / "indicators.yaml").read_bytes())], "indicators.yaml").spec
    groups = rules.chapter_rules(spec)["groups"]
    assert len(groups) == len(spec.categories) and sum(len(group["rules"]) for group in groups) > len(spec.indicators)
    assert all(promql.series_read(rule["expr"]) for group in groups for rule in group["rules"])
