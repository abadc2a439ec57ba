"""The shipped indicators.yaml encodes the chapter's whole catalogue (sections 8.1.2 to 8.1.5),
its scorecard (8.1.8), ROI model (8.1.9) and escalation matrix (8.1.7)."""

from __future__ import annotations

import pytest
from conftest import ROOT

from compiler import pipeline

# The chapter's tables: category, group, and the metric names as its titles, in its order.
CHAPTER = {
    ("platform_health", "adoption"): ["Active Users", "Models on Platform", "Feature Store Usage", "Experiment Tracking"],
    ("platform_health", "velocity"): ["Time-to-Production", "Deployment Frequency", "Deployment Success Rate", "Time to Rollback"],
    ("platform_health", "reliability"): ["Model Uptime", "P50/P99 Latency", "Error Rate", "MTTR"],
    ("model_quality", "accuracy"): ["Accuracy / AUC", "Drift Score", "Prediction Confidence", "Ground Truth Alignment"],
    ("model_quality", "freshness"): ["Model Age", "Data Freshness", "Feature Freshness"],
    ("model_quality", "fairness"): ["Disparate Impact", "Equal Opportunity", "Demographic Parity"],
    ("team_productivity", "efficiency"): ["Value-Added Time", "Experiments per Week", "Toil Ratio", "Support Ticket Volume"],
    ("team_productivity", "satisfaction"): ["NPS", "CSAT", "Effort Score", "Attrition Rate"],
    ("governance", "compliance"): ["Documentation Rate", "Approval Compliance", "Audit Findings", "Regulatory Violations"],
    ("governance", "risk"): ["High-Risk Coverage", "Security Incidents", "Data Lineage"],
}


@pytest.fixture(scope="module")
def spec():
    model, warnings = pipeline.load([("indicators.yaml", (ROOT / "indicators.yaml").read_bytes())], "indicators.yaml")
    assert warnings == ()
    return model


def test_the_spec_holds_all_37_indicators_of_the_chapter_under_their_titles(spec):
    found = {}
    for indicator in spec.indicators:
        found.setdefault((indicator.category, indicator.group), []).append(indicator.title)
    assert found == CHAPTER
    assert len(spec.indicators) == 37


# (id, target, warning sign) as the chapter states them, in the spec's units
TARGETS = [
    ("active_users", 0.8, 0.5), ("time_to_production", 14 * 86400, 60 * 86400), ("deployment_success_rate", 0.95, 0.8),
    ("time_to_rollback", 300, 3600), ("model_uptime", 0.999, 0.99), ("error_rate", 0.001, 0.01), ("mttr", 3600, 86400),
    ("model_accuracy", -0.05, -0.1), ("model_age", 30 * 86400, 90 * 86400), ("data_freshness", 86400, 7 * 86400),
    ("feature_freshness", 3600, 86400), ("disparate_impact", 0.8, 0.7), ("equal_opportunity", 0.1, 0.2),
    ("experiments_per_week", 10, 3), ("toil_ratio", 0.1, 0.4), ("nps", 40, 0), ("csat", 4.0, 3.0),
    ("attrition_rate", 0.1, 0.2), ("documentation_rate", 1, 0.8), ("approval_compliance", 1, 0.9),
    ("high_risk_coverage", 1, 0.8), ("data_lineage", 1, 0.7),
]


@pytest.mark.parametrize(("indicator_id", "target", "warning"), TARGETS, ids=[t[0] for t in TARGETS])
def test_targets_and_warning_signs_are_the_chapters(spec, indicator_id, target, warning):
    indicator = next(i for i in spec.indicators if i.id == indicator_id)
    assert (indicator.target, indicator.warning) == (target, warning)


def test_the_chapters_critical_alerts_are_encoded(spec):
    drift, accuracy = (next(t for i in spec.indicators if i.id == name for t in i.thresholds_for({}) if t.name == "critical")
                       for name in ("drift_score", "model_accuracy"))
    assert (drift.value, drift.for_seconds) == (0.3, 6 * 3600)
    assert (accuracy.value, accuracy.for_seconds) == (-0.1, 24 * 3600)


def test_the_scorecard_and_roi_model_are_the_chapters(spec):
    assert [(e.title, e.weight) for e in spec.scorecard] == [
        ("Platform Adoption", 0.25), ("Deployment Velocity", 0.25), ("Model Quality", 0.30), ("Team Productivity", 0.20)]
    assert spec.roi.intercept == -0.5
    assert {t.name: t.coefficient for t in spec.roi.terms} == {"adoption": 0.15, "velocity": 0.25, "quality": 0.35, "productivity": 0.25}
    velocity = next(t for t in spec.roi.terms if t.name == "velocity")
    assert (velocity.scale, velocity.max) == (0.1, 1)  # min(velocity / 10, 1.0)


def test_the_escalation_matrix_is_the_chapters(spec):
    levels = {level.name: level for level in spec.escalation.levels}
    assert [level.name for level in spec.escalation.levels] == ["green", "yellow", "red", "critical"]
    assert (levels["yellow"].response_time, levels["yellow"].business_hours) == (86400, True)
    assert levels["red"].response_time == 4 * 3600 and levels["critical"].response_time == 3600
    assert levels["critical"].responders == ("oncall", "leadership")
