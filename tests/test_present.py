"""How values read to people (compiler/present.py): measured values at their resolution, with
no float residue and no -0; changes only beyond what either value shows; thresholds exactly as
written; the Go template of each unit printing in promtool and in vmalert what the renderer of
the generated tests says it prints; and dashboard decimals that tell the thresholds apart."""

from __future__ import annotations

import dataclasses
import re
import subprocess

import pytest
import servers
import yaml
from servers import binary

from compiler import present
from compiler.backends.prometheus.unit_tests.templates import render
from compiler.measures.baseline import Baseline
from compiler.measures.gauge import Gauge
from compiler.measures.trend import Trend
from compiler.measures.zero import Zero
from compiler.model import Indicator, Override, Selector, Threshold

DAY = 86400


def indicator(unit: str, good: str = "higher", target: float = 0.8, warning: float = 0.5, measure=None,
              overrides: tuple = ()) -> Indicator:
    thresholds = (Threshold("target", target, 0, "yellow"), Threshold("warning", warning, 0, "red"))
    return Indicator("x", "X", "platform_health", "adoption", "X.", "core", "", measure or Gauge(Selector("x"), "max"),
                     unit, good, target, warning, thresholds, (), (), (), overrides, 600, 86400, ("x",))


@pytest.mark.parametrize(("unit", "number", "text"), [
    ("ratio", 0.711111, "71.11%"),
    ("ratio", -0.0684211, "-6.842%"),
    ("ratio", 0.99951, "99.95%"),
    ("ratio", -2.538e-13, "0%"),  # a flat trend, computed: float residue
    ("ratio", -0.0, "0%"),
    ("ratio", 1e-8, "0.000001%"),  # small, but not residue: shown, in fixed point
    ("percent", 12.3456, "12.35%"),
    ("seconds", 18.1 * DAY + 5.74, "18.1 days"),
    ("seconds", DAY, "1 day"),
    ("seconds", 5400, "1.5 hours"),
    ("seconds", 0.25, "250ms"),
    ("seconds", 0.0, "0s"),
    ("days", 1, "1 day"),
    ("days", 2.5, "2.5 days"),
    ("score", 0.45, "0.45"),  # humanize printed 450m
    ("score", 39.99999999, "40"),
    ("count", 12345, "12345"),  # %.4g would print 1.234e+04
    ("count", -1e-12, "0"),
])
def test_a_measured_value_reads_at_its_resolution(unit, number, text):
    assert present.value(indicator(unit), number) == text


@pytest.mark.parametrize(("unit", "good", "now", "before", "change", "direction"), [
    ("ratio", "higher", 0.7333333, 0.7111111, "↑ +2.22 pts (better)", "better"),
    ("ratio", "higher", -2.538e-13, 0.0, "unchanged", "same"),  # a flat trend
    ("ratio", "higher", 0.7111111, 0.7111114, "unchanged", "same"),  # a tiny fall, below 0.01 pts
    ("ratio", "lower", 0.00121, 0.00119, "↑ +0.002 pts (worse)", "worse"),
    ("seconds", "lower", 18.1 * DAY + 5.74, 18.1 * DAY, "unchanged", "same"),  # not "+5.74s (worse)"
    ("seconds", "lower", 34.3 * DAY, 35.3 * DAY, "↓ -1 day (better)", "better"),
    ("seconds", "lower", 18.16 * DAY, 18.14 * DAY, "↑ +0.1 days (worse)", "worse"),  # what the two values read
    ("seconds", "lower", 1.02 * DAY, 23.9 * 3600, "↑ +0.02 days (worse)", "worse"),  # in the unit of this value
    ("count", "higher", 7, 9, "↓ -2 (worse)", "worse"),
    ("ratio", "higher", 0.72, 0.71, "↑ +1 pt (better)", "better"),
])
def test_a_change_is_the_difference_of_what_the_values_read(unit, good, now, before, change, direction):
    assert present.shown(indicator(unit, good), now).change(before, good) == (change, direction)


@pytest.mark.parametrize(("reading", "now", "before", "texts"), [
    (present.score, 27.13, 27.14, ("27.1/100", "unchanged")),  # was "-0 pts (worse)"
    (present.score, 29.94, 40.56, ("29.9/100", "↓ -10.7 pts (worse)")),  # 40.6 - 29.9, not 10.62
    (present.score, 85.0, 85.0, ("85/100", "unchanged")),
    (present.score, 77.0, 76.0, ("77/100", "↑ +1 pt (better)")),
    (present.multiplier, 1.954, 1.951, ("1.95x", "unchanged")),
    (present.multiplier, 2.0, 1.9, ("2.00x", "↑ +0.10x (better)")),
])
def test_scores_and_the_roi_multiplier_read_the_same_way(reading, now, before, texts):
    shown = reading(now)
    assert (shown.text, shown.change(before, "higher")[0]) == texts


@pytest.mark.parametrize(("unit", "number", "text"), [
    ("ratio", 0.999, "99.9%"),
    ("ratio", 0.99995, "99.995%"),  # four figures would read 100%
    ("ratio", 0.07, "7%"),  # 0.07 * 100 is 7.000000000000001
    ("seconds", 14 * DAY, "14 days"),
    ("seconds", 5400, "90 minutes"),
    ("seconds", 90.5, "1m30s500ms"),
    ("seconds", 0.25, "250ms"),
    ("count", 0, "0"),
    ("score", 0.05, "0.05"),
    ("days", 1, "1 day"),
])
def test_a_threshold_reads_exactly_as_the_spec_wrote_it(unit, number, text):
    assert present.limit(indicator(unit), number) == text


@pytest.mark.parametrize(("fraction", "text"), [(0.25, "25%"), (0.07, "7%"), (1 / 3, "33.33333333%")])
def test_a_scorecard_weight_reads_as_written(fraction, text):
    assert present.weight(fraction) == text


# What Prometheus prints for the value of each unit's template: rendered by promtool itself.
RENDERED = [
    ("score", 0.45, "0.45"),
    ("score", 4.25, "4.25"),
    ("score", -12.5, "-12.5"),
    ("count", 3, "3"),
    ("count", 12345, "1.234e+04"),  # Go's %.4g; the reports print 12345
    ("percent", 97.5, "97.5%"),
    ("days", 2.5, "2.5 days"),
    ("ratio", 0.7111, "71.11%"),
    ("seconds", 5400, "1h 30m 0s"),
    ("seconds", 0.25, "250ms"),
]


def _unit_rules() -> dict:
    """An alert per case, always firing with the case's value, described by its unit's template."""
    return {"groups": [{"name": "units", "rules": [
        {"alert": f"Unit{number}", "expr": f"vector({value})", "annotations": {"description": present.template(indicator(unit))}}
        for number, (unit, value, _) in enumerate(RENDERED)]}]}


def test_each_units_template_prints_in_promtool_what_the_generated_tests_expect(tmp_path):
    rules = _unit_rules()
    tests = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": [{"interval": "1m", "input_series": [], "alert_rule_test": [
        {"eval_time": "1m", "alertname": f"Unit{number}", "exp_alerts": [{"exp_labels": {}, "exp_annotations": {"description": text}}]}
        for number, (_, _, text) in enumerate(RENDERED)]}]}
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules))
    (tmp_path / "units.promtest.yaml").write_text(yaml.safe_dump(tests, allow_unicode=True))
    result = subprocess.run([binary("promtool"), "test", "rules", "units.promtest.yaml"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [render(present.template(indicator(unit)), value, {}) for unit, value, _ in RENDERED] == [text for *_, text in RENDERED]


@pytest.mark.e2e
def test_vmalert_prints_each_units_template_as_prometheus_does(tmp_path):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(_unit_rules()))
    with servers.prometheus(tmp_path / "prometheus", [], []) as prometheus, servers.webhook_receiver() as sink, \
            servers.vmalert(tmp_path / "vmalert", [tmp_path / "rules.yaml"], prometheus.url, sink.url) as vmalert:
        def described() -> dict[str, str]:
            alerts = servers.get_json(f"{vmalert.url}/api/v1/alerts")["data"]["alerts"] or []  # null before the first
            return {alert["name"]: alert["annotations"]["description"] for alert in alerts}
        servers.wait_until(lambda: len(described()) == len(RENDERED), 30, "vmalert raised not every alert")
        assert described() == {f"Unit{number}": text for number, (*_, text) in enumerate(RENDERED)}


@pytest.mark.parametrize(("unit", "number"), [("score", 0.45), ("score", 40), ("count", 3), ("percent", 97.5), ("ratio", 0.7111)])
def test_an_alert_reads_its_value_as_the_reports_do(unit, number):
    assert render(present.template(indicator(unit)), number, {}) == present.value(indicator(unit), number)


def _stricter(indicator_: Indicator, *values: float) -> Indicator:
    thresholds = tuple(Threshold(name, value, 0, level) for name, value, level in zip(("target", "warning"), values, ("yellow", "red")))
    return dataclasses.replace(indicator_, overrides=(Override((("model", "a"),), thresholds),))


@pytest.mark.parametrize(("measured", "places"), [
    (indicator("ratio", target=0.999, warning=0.99), 2),  # 99.95% is not 100%
    (indicator("ratio", target=0.8, warning=0.5), 1),
    (indicator("ratio", target=0, warning=-0.2, measure=Trend(Selector("x"), 86400, None)), 1),
    (indicator("ratio", target=-0.05, warning=-0.1, measure=Baseline(Selector("x"), Selector("y"))), 1),
    (indicator("score", "lower", 0.1, 0.2), 2),  # a drift of 0.45, not 0.450 or 0
    (_stricter(indicator("score", "lower", 0.1, 0.2), 0.05, 0.1), 3),  # an override's thresholds count too
    (indicator("score", target=40, warning=0), 1),
    (indicator("count", target=10, warning=3), 1),
    (indicator("count", "lower", 0, 0, measure=Zero(Selector("x"), 86400)), 0),  # whole events
    (indicator("ratio", target=0.12345678, warning=0.1), 4),  # never more than four
    (indicator("seconds", "lower", 300, 3600), None),  # Grafana scales seconds itself
])
def test_a_dashboard_shows_enough_decimals_to_tell_the_thresholds_apart(measured, places):
    assert present.decimals(measured) == places


# Text from the spec or from Prometheus, as Markdown must carry it: shown as written, never markup.
MARKDOWN = [
    ("an HTML tag reads as written", "<script>alert(1)</script>", "&lt;script>alert(1)&lt;/script>"),
    ("a comparison is not a tag", "< 50% and > 10", "< 50% and > 10"),
    ("a pipe stays in its table cell", "a | b", "a \\| b"),
    ("a link or image is not made", "![x](javascript:alert(1))", "!\\[x\\](javascript:alert(1))"),
    ("a backslash cannot undo an escape", "\\| and \\<b>", "\\\\\\| and \\\\&lt;b>"),
    ("a backtick opens no code span", "`rm -rf`", "\\`rm -rf\\`"),
    ("an entity reads as written", "R&D &amp; more", "R&amp;D &amp;amp; more"),
    ("a newline or tab keeps the row on one line", "two\nlines\tand a tab", "two lines and a tab"),
    ("a control character shows as its escape", "bell\x07 and \x1b[31m", "bell\\\\x07 and \\\\x1b\\[31m"),
    ("plain text is unchanged", "Queue Depth (p99, 5m) — ≤ 10", "Queue Depth (p99, 5m) — ≤ 10"),
]


@pytest.mark.parametrize(("text", "shown"), [case[1:] for case in MARKDOWN], ids=[case[0] for case in MARKDOWN])
def test_text_reads_in_markdown_as_written(text, shown):
    assert present.markdown(text) == shown


LINKS = [
    ("a plain URL is unchanged", "https://runbooks.example.com/queue?x=1&y=%20#top", "https://runbooks.example.com/queue?x=1&y=%20#top"),
    ("a parenthesis, space or pipe cannot end the link or the cell", "https://r.example.com/a b)(c|d",
     "https://r.example.com/a%20b%29%28c%7Cd"),
    ("angle brackets and quotes are encoded", 'https://r.example.com/<x>"\'', "https://r.example.com/%3Cx%3E%22%27"),
]


@pytest.mark.parametrize(("url", "shown"), [case[1:] for case in LINKS], ids=[case[0] for case in LINKS])
def test_a_url_is_a_link_destination_that_ends_where_it_should(url, shown):
    assert present.link(url) == shown


def test_a_hostile_spec_gives_docs_whose_tables_and_links_keep_their_shape():
    from conftest import INDICATOR, spec_text

    from compiler import pipeline
    hostile = (INDICATOR.replace("title: Queue Depth", 'title: "<script>alert(1)</script> | extra | cells"')
               .replace("definition: Jobs waiting.", 'definition: "line one\\nline two\\x07 [x](javascript:alert(1))"')
               + '    runbook_url: "https://r.example.com/a b)(c|d"\n'
               + "    overrides: [{when: {model: 'a|b<i>'}, warning: 50}]\n")
    text = spec_text(hostile).replace("title: Team Lead", 'title: "Lead | <b>boss</b>"')
    docs = pipeline.compile_spec([("indicators.yaml", text.encode())], "indicators.yaml").files["docs/indicators.md"]
    assert "<script" not in docs and "<b>" not in docs and "<i>" not in docs
    assert all(char.isprintable() for line in docs.splitlines() for char in line)
    for table in re.findall(r"(?m)(?:^\|.*\|\n)+", docs):
        rows = table.splitlines()
        cells = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(cells) == 1, rows  # every row has the header's cells: no pipe from the spec opened one
    destinations = re.findall(r"\]\(([^)]*)\)", docs)
    assert "https://r.example.com/a%20b%29%28c%7Cd" in destinations and all(" " not in url for url in destinations)
