"""The model: defaults applied, shorthand expanded, names and wording derived in one place."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import INDICATOR, spec_text

from compiler import conventions, durations, pipeline, present
from compiler.measures.gauge import Gauge
from compiler.model import Threshold


def model(indicators: str = INDICATOR):
    spec, _ = pipeline.load([("indicators.yaml", spec_text(indicators).encode())], "indicators.yaml")
    return spec


def test_defaults_fill_what_an_indicator_leaves_out():
    indicator = model().indicators[0]
    assert indicator.team == "core"
    assert indicator.runbook_url == "https://runbooks.example.com/queue"
    assert indicator.measure == Gauge(indicator.measure.series, "max")
    assert [(t.name, t.value, t.for_seconds, t.level) for t in indicator.thresholds] == [
        ("target", 10, 86400, "yellow"), ("warning", 100, 21600, "red")]


THRESHOLD_CASES = [
    ("distinct values raise every level", "target: 10\n    warning: 100\n    critical: 500",
     [("target", 10, 86400), ("warning", 100, 21600), ("critical", 500, 3600)]),
    ("a zero-tolerance count goes straight to the more severe level", "target: 0\n    warning: {value: 0, for: 0s}",
     [("warning", 0, 0)]),
    ("an equal value that must hold longer still escalates", "target: 10\n    warning: {value: 100, for: 1h}\n    critical: {value: 100, for: 1d}",
     [("target", 10, 86400), ("warning", 100, 3600), ("critical", 100, 86400)]),
]


@pytest.mark.parametrize(("thresholds", "expected"), [c[1:] for c in THRESHOLD_CASES], ids=[c[0] for c in THRESHOLD_CASES])
def test_only_thresholds_that_can_fire_first_become_levels(thresholds, expected):
    indicator = model(INDICATOR.replace("target: 10\n    warning: 100", thresholds)).indicators[0]
    assert [(t.name, t.value, t.for_seconds) for t in indicator.thresholds] == expected


def availability(good: str, thresholds: str, burn_rates: str = "") -> str:
    measure = "{availability: {errors: http_errors_total, total: http_requests_total" + (f", burn_rates: [{burn_rates}]" if burn_rates else "") + "}}"
    return (INDICATOR.replace("{gauge: {series: queue_depth, aggregation: max}}", measure)
            .replace("unit: count\n    good: lower\n    target: 10\n    warning: 100", f"unit: ratio\n    good: {good}\n    {thresholds}"))


# The chapter: uptime yellow below 99.9%, red below 99%; error rate yellow above 0.1%, red above 1%.
BURN_LEVEL_CASES = [
    ("uptime: only the fastest default burn is past the warning sign", "higher", "target: 0.999\n    warning: 0.99", "",
     [(14.4, "red"), (6, "yellow"), (3, "yellow"), (1, "yellow")]),
    ("error rate, the same objective written the other way round", "lower", "target: 0.001\n    warning: 0.01", "",
     [(14.4, "red"), (6, "yellow"), (3, "yellow"), (1, "yellow")]),
    ("a close warning sign: 6x is past it too", "higher", "target: 0.999\n    warning: 0.995", "",
     [(14.4, "red"), (6, "red"), (3, "yellow"), (1, "yellow")]),
    ("a critical threshold within reach of the fastest burn", "higher", "target: 0.999\n    warning: 0.995\n    critical: 0.99", "",
     [(14.4, "critical"), (6, "red"), (3, "yellow"), (1, "yellow")]),
    ("a burn exactly at a threshold's error ratio is past it", "higher", "target: 0.999\n    warning: 0.99",
     "{long: 1h, short: 5m, factor: 10}", [(10, "red")]),
    ("an explicit less severe level is kept", "higher", "target: 0.999\n    warning: 0.99",
     "{long: 1h, short: 5m, factor: 14.4, threshold: target}", [(14.4, "yellow")]),
]


@pytest.mark.parametrize(("good", "thresholds", "burn_rates", "expected"), [c[1:] for c in BURN_LEVEL_CASES],
                         ids=[c[0] for c in BURN_LEVEL_CASES])
def test_a_burn_rate_raises_the_level_of_the_most_severe_threshold_its_error_ratio_is_past(good, thresholds, burn_rates, expected):
    spec = model(availability(good, thresholds, burn_rates))
    measure = spec.indicators[0].measure
    assert measure.objective == pytest.approx(0.999)
    assert [(burn.factor, spec.escalation.level_for(burn.threshold).name) for burn in measure.burn_rates] == expected


def test_an_override_inherits_the_thresholds_it_does_not_set():
    indicator = model(INDICATOR + "    overrides:\n      - when: {model: checkout}\n        target: 5\n").indicators[0]
    (override,) = indicator.overrides
    assert override.when == (("model", "checkout"),)
    assert [(t.name, t.value) for t in override.thresholds] == [("target", 5), ("warning", 100)]


OVERRIDE_FORS = [  # (case, the indicator's thresholds, the override's, each of the override's thresholds' for in seconds)
    ("a value alone holds for the indicator's for of that threshold", "target: 10\n    warning: {value: 100, for: 30m}\n",
     "target: 5\n        warning: 50\n", {"target": 86400, "warning": 1800}),
    ("its own for is kept", "target: 10\n    warning: {value: 100, for: 30m}\n",
     "warning: {value: 50, for: 5m}\n", {"target": 86400, "warning": 300}),
    ("a threshold the indicator has not holds for the default", "target: 10\n    warning: {value: 100, for: 30m}\n",
     "critical: 500\n", {"target": 86400, "warning": 1800, "critical": 3600}),
]


@pytest.mark.parametrize(("own", "overriding", "fors"), [c[1:] for c in OVERRIDE_FORS], ids=[c[0] for c in OVERRIDE_FORS])
def test_an_overrides_threshold_holds_for_the_indicators_for_unless_it_says_its_own(own, overriding, fors):
    text = INDICATOR.replace("target: 10\n    warning: 100\n", own) + "    overrides:\n      - when: {model: checkout}\n        " + overriding
    (override,) = model(text).indicators[0].overrides
    assert {threshold.name: threshold.for_seconds for threshold in override.thresholds} == fors


DURATIONS = [("5m", 300), ("1h30m", 5400), ("14d", 1209600), ("250ms", 0.25), ("2w", 1209600), ("0s", 0)]


@pytest.mark.parametrize(("text", "seconds"), DURATIONS)
def test_durations_read_as_prometheus_writes_them(text, seconds):
    assert durations.seconds(text) == seconds


def test_durations_read_alike_from_the_cache():
    for _ in range(2):  # the second time from the cache: each text its own value, whole seconds as int
        assert [(durations.seconds(text), type(durations.seconds(text))) for text, _ in DURATIONS] == \
            [(seconds, type(seconds)) for _, seconds in DURATIONS]


@pytest.mark.parametrize(("seconds", "text"), [(300, "5m"), (5400, "1h30m"), (1209600, "14d"), (0.25, "250ms"), (0, "0s")])
def test_durations_are_written_back_canonically(seconds, text):
    assert durations.text(seconds) == text


def test_names_come_from_the_conventions_module():
    spec = model()
    indicator = spec.indicators[0]
    assert conventions.alert_name(spec.name, indicator.id) == "ShopQueue"
    assert conventions.indicator_series(spec, indicator) == "model:shop_queue:max"
    assert conventions.score_series(spec, indicator) == "model:shop_queue:score"
    assert conventions.composite_score_series(spec) == ":shop_scorecard_score:weighted_sum"
    assert conventions.input_series(spec, indicator, "denominator", "rate5m") == "model:shop_queue_denominator:rate5m"
    assert conventions.rule_group(spec, "platform_health_long_windows") == "shop_platform_health_long_windows"
    assert conventions.prometheus_rule_name(spec, "platform_health") == "shop-platform-health"
    assert conventions.dashboard_url(spec, indicator, conventions.panel_ids(spec, indicator.category)[indicator.id]) == \
        "https://grafana.example.com/d/shop-platform-health?viewPanel=1836003"


SECOND = INDICATOR.removeprefix("indicators:\n").replace("id: queue", "id: backlog").replace("Queue Depth", "Backlog")


def _panels(text: str) -> dict[str, int]:
    spec, _ = pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    return conventions.panel_ids(spec, "platform_health")


@pytest.mark.parametrize(("before", "after"), [
    (INDICATOR, INDICATOR + SECOND),  # another indicator added after it
    (INDICATOR, "indicators:\n" + SECOND + INDICATOR.removeprefix("indicators:\n")),  # and before it
    (INDICATOR + SECOND, "indicators:\n" + SECOND + INDICATOR.removeprefix("indicators:\n")),  # the two swapped (another file's order)
    (SECOND.join([INDICATOR, ""]), INDICATOR),  # the other removed
], ids=["an indicator added after", "an indicator added before", "the two swapped", "the other removed"])
def test_an_indicators_panel_id_stays_when_other_indicators_come_go_or_move(before, after):
    kept = set(_panels(spec_text(before))) & set(_panels(spec_text(after)))
    assert kept and all(_panels(spec_text(before))[i] == _panels(spec_text(after))[i] for i in kept)


def test_indicators_whose_panel_ids_collide_get_the_next_free_ones_in_id_order(monkeypatch):
    monkeypatch.setattr(conventions, "INDICATOR_PANEL_IDS", (5, 7))  # two ids for two indicators: they collide or wrap
    ids = _panels(spec_text(INDICATOR + SECOND))
    assert sorted(ids.values()) == [5, 6] and list(ids) == ["queue", "backlog"]  # still in panel order


def test_a_dashboard_uid_never_exceeds_40_characters_and_stays_unique():
    long_a = conventions.uid("a" * 30, "platform_health")
    long_b = conventions.uid("a" * 30, "platform_quality")
    assert len(long_a) == len(long_b) == 40 and long_a != long_b
    assert conventions.uid("mlops", "model_quality") == "mlops-model-quality"


WORDING = [
    ("ratio", "higher", 0.8, "≥ 80%", "< 80%"),
    ("seconds", "lower", 1209600, "≤ 14 days", "> 14 days"),
    ("seconds", "lower", 0.25, "≤ 250ms", "> 250ms"),
    ("count", "lower", 0, "≤ 0", "> 0"),
    ("score", "higher", 4.0, "≥ 4", "< 4"),
]


@pytest.mark.parametrize(("unit", "good", "value", "met", "breached"), WORDING)
def test_thresholds_read_the_same_everywhere(unit, good, value, met, breached):
    indicator = dataclasses.replace(model().indicators[0], unit=unit, good=good)
    assert present.met(indicator, value) == met
    assert present.breached(indicator, value) == breached
    assert present.level_rule(indicator, Threshold("warning", value, 3600, "red")) == f"red when {breached} for 1 hour"
