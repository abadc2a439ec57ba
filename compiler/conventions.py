"""Every generated name comes from here, so rules, dashboards, routing and docs agree.

Recorded series follow Prometheus' `level:metric:operations` convention: `level` is the labels
the aggregation keeps (global labels first), `metric` is `<spec name>_<indicator id>`, and
`operations` says how the value was computed, e.g. `cluster_model:mlops_error_rate:ratio_rate5m`.
"""

from __future__ import annotations

import functools
import hashlib
import re
import zlib

from compiler import durations, presence
from compiler.model import Indicator, Spec

MAX_ALERT_NAME = 40
MAX_UID = 40
OVERVIEW = "overview"


@functools.lru_cache(maxsize=65_536)  # alert names are asked for about 20 times per indicator
def camel(snake: str) -> str:
    """deployment_success_rate -> DeploymentSuccessRate."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\-\s]+", snake) if part)


def alert_name(spec_name: str, indicator_id: str, suffix: str = "") -> str:
    """MlopsDeploymentSuccessRate (+ suffix such as NoData). Checked against MAX_ALERT_NAME."""
    return camel(spec_name) + camel(indicator_id) + suffix


def level(*label_sets: tuple[str, ...]) -> str:
    """The `level` part of a recorded series name: the labels an aggregation keeps."""
    return "_".join(label for labels in label_sets for label in labels)


def tracking(spec: Spec, indicator: Indicator) -> tuple[str, ...]:
    """The labels an indicator's series keep: the global labels first, then its tracking labels."""
    return (*spec.global_labels, *indicator.track_by)


def indicator_level(spec: Spec, indicator: Indicator) -> str:
    return level(tracking(spec, indicator))


def indicator_series(spec: Spec, indicator: Indicator) -> str:
    """The recorded series holding the indicator's value at its tracking level, named after how
    its measure form computes it."""
    return f"{indicator_level(spec, indicator)}:{spec.name}_{indicator.id}:{indicator.measure.operation(indicator.good)}"


def score_series(spec: Spec, indicator: Indicator) -> str:
    """The indicator's health score, 0 to 100, at its tracking level."""
    return f"{indicator_level(spec, indicator)}:{spec.name}_{indicator.id}:score"


def error_ratio_series(spec: Spec, indicator: Indicator, window: float) -> str:
    """An availability objective's error ratio over one burn-rate window."""
    return f"{indicator_level(spec, indicator)}:{spec.name}_{indicator.id}:error_ratio_rate{durations.text(window)}"


ROLLUPS = ("indicator", "group", "category", "scorecard")  # the `by` of rollup_score_series


def rollup_score_series(spec: Spec, by: str) -> str:
    """Scores averaged per `indicator`, `group`, `category` or `scorecard` (label of that name)."""
    return f"{level(spec.global_labels, (by,))}:{spec.name}_indicator_score:avg"


def composite_score_series(spec: Spec) -> str:
    """The monthly business review's weighted composite score, 0 to 100."""
    return f"{level(spec.global_labels)}:{spec.name}_scorecard_score:weighted_sum"


def roi_series(spec: Spec) -> str:
    """The ROI multiplier predicted from the leading indicators (chapter 8.1.9)."""
    return f"{level(spec.global_labels)}:{spec.name}_roi_multiplier:predicted"


def recorded_series(spec: Spec) -> set[str]:
    """Every recorded series name the conventions define for this spec: what dashboards may
    read and what the rules must record."""
    names = {composite_score_series(spec)} | {rollup_score_series(spec, by) for by in ROLLUPS}
    if spec.roi is not None:
        names.add(roi_series(spec))
    for indicator in spec.indicators:
        names |= {indicator_series(spec, indicator), score_series(spec, indicator)}
        if (budget := indicator.measure.budget()) is not None:
            names |= {error_ratio_series(spec, indicator, window) for window in budget.windows()}
    return names


_NOT_IN_UID = re.compile(r"[^A-Za-z0-9-]+")  # compiled once: every alert's dashboard link asks for a uid


def uid(spec_name: str, slug: str) -> str:
    """A Grafana dashboard uid: stable, at most 40 characters of [A-Za-z0-9_-]."""
    text = _NOT_IN_UID.sub("-", f"{spec_name}-{slug}").strip("-")
    if len(text) <= MAX_UID:
        return text
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    return f"{text[:MAX_UID - 9]}-{digest}"


def overview_uid(spec: Spec) -> str:
    return uid(spec.name, OVERVIEW)


def category_uid(spec: Spec, category_id: str, part: int = 1) -> str:
    """The uid of a category's dashboard, or of part `part` of one too big for one ConfigMap."""
    return uid(spec.name, category_part(category_id, part))


# An indicator's panel id is a hash of its id into this range (Grafana's ids are 32-bit); rows
# and the other panels are numbered below it.
INDICATOR_PANEL_IDS = (1_000_000, 2**31)


def panel_ids(spec: Spec, category_id: str) -> dict[str, int]:
    """The panel id of each indicator of the category in its dashboard, from the indicator's id
    alone (CRC-32 into INDICATOR_PANEL_IDS; on the rare collision the next free id, in id order):
    adding, removing or moving another indicator, or moving this one to another file or group,
    changes neither its panel's id nor the dashboard_url its alerts and bookmarks open. In panel
    order: group order, then spec order."""
    low, high = INDICATOR_PANEL_IDS
    taken: dict[str, int] = {}
    used: set[int] = set()
    for indicator_id in sorted(indicator.id for indicator in spec.members[category_id]):
        panel = low + zlib.crc32(indicator_id.encode()) % (high - low)
        while panel in used:
            panel = low if panel + 1 == high else panel + 1
        taken[indicator_id] = panel
        used.add(panel)
    order = {group.id: position for position, group in enumerate(spec.category(category_id).groups)}
    members = sorted(spec.members[category_id], key=lambda indicator: order[indicator.group])
    return {indicator.id: taken[indicator.id] for indicator in members}


def dashboard_url(spec: Spec, indicator: Indicator, panel: int, part: int = 1) -> str:
    """Opens the indicator's panel alone: /d/<uid>?viewPanel=<id>; `panel` from panel_ids(), on
    part `part` of its category's dashboard (Outputs.dashboard_parts)."""
    return f"{spec.output.grafana_url}/d/{category_uid(spec, indicator.category, part)}?viewPanel={panel}"


def receiver_name(responder_id: str) -> str:
    return responder_id


# The labels every generated alert carries. Alertmanager routes and inhibits on them, so the
# Prometheus and Alertmanager backends both take them from here.
SEVERITY_LABEL = "severity"
LEVEL_LABEL = "level"  # the escalation level: yellow, red, critical, ...
INDICATOR_LABEL = "indicator"
CATEGORY_LABEL = "category"
GROUP_LABEL = "group"
OWNER_LABEL = "owner"  # the owning team; not "team", which indicators are often tracked by

NO_DATA_SUFFIX = "NoData"
BURN_RATE_SUFFIX = "ErrorBudgetBurn"
ESCALATED_SUFFIX = "Escalated"
DERIVED_SUFFIXES = (NO_DATA_SUFFIX, BURN_RATE_SUFFIX, ESCALATED_SUFFIX)  # no indicator's own alert name may end so
NO_DATA_THRESHOLD = "warning"  # a silent indicator raises its warning sign's level


def alert_labels(spec: Spec, indicator: Indicator, level_name: str) -> dict[str, str]:
    """The static labels of an alert an indicator raises at `level_name`; the tracking labels
    come with the data. The indicator's own extra labels cannot override these."""
    level = spec.escalation.level(level_name)
    return {
        **dict(indicator.labels),
        SEVERITY_LABEL: level.severity,
        LEVEL_LABEL: level.name,
        INDICATOR_LABEL: indicator.id,
        CATEGORY_LABEL: indicator.category,
        GROUP_LABEL: indicator.group,
        OWNER_LABEL: indicator.team,
    }


def raised_levels(spec: Spec, indicator: Indicator) -> list[tuple[str, str]]:
    """Every (alert name, level) the indicator's rules can raise: its thresholds (overrides
    included), its no-data alert when it has presence sources, burn-rate alerts for availability objectives, and
    escalations of levels that have `escalate_after`. Routing is proven against this list."""
    name = alert_name(spec.name, indicator.id)
    raised = {(name, t.level) for t in indicator.thresholds}
    raised |= {(name, t.level) for override in indicator.overrides for t in override.thresholds}
    no_data = spec.escalation.level_for(NO_DATA_THRESHOLD)
    if no_data is not None and presence.sources(spec, indicator):
        raised.add((alert_name(spec.name, indicator.id, NO_DATA_SUFFIX), no_data.name))
    if (measure := indicator.measure.budget()) is not None:
        for _, budget in measure.budgets(indicator.overrides):  # an override's series burn against its own objective
            for burn in budget.burn_rates:
                raised.add((alert_name(spec.name, indicator.id, BURN_RATE_SUFFIX), spec.escalation.raising(burn.threshold).name))
    for step in spec.escalation.escalating:
        if any(level == step.lower.name for _, level in raised):
            raised.add((alert_name(spec.name, indicator.id, ESCALATED_SUFFIX), step.higher.name))
    return sorted(raised)


def input_series(spec: Spec, indicator: Indicator, role: str, operations: str, keeps: tuple[str, ...] = ()) -> str:
    """A recorded input of an indicator's value, e.g. its denominator's 5m rate or the hourly
    rate long windows are derived from: `cluster_team:mlops_mttr_denominator:rate1h`; at the
    level of `keeps` when it keeps more than the tracking labels (each series it reads)."""
    return f"{level(keeps) if keeps else indicator_level(spec, indicator)}:{spec.name}_{indicator.id}_{role}:{operations}"


def presence_series(spec: Spec, indicator: Indicator) -> str:
    """Which entities report the sources an indicator cannot be evaluated without (value 1):
    `cluster_team:mlops_active_users_sources:present`."""
    return input_series(spec, indicator, "sources", "present")


def rule_file(name: str) -> str:
    """A plain Prometheus rule file: `prometheus/<name>.yaml` (promtool tests live below it)."""
    return f"prometheus/{name}.yaml"


def is_rule_file(path: str) -> bool:
    return path.startswith("prometheus/") and path.count("/") == 1 and path.endswith(".yaml")


SCORECARD_GROUP = "scorecard"  # the part of the scorecard's rule group and file name
LONG_WINDOWS_SUFFIX = "_long_windows"  # a category's rules over long windows, in a slower group
ROLLUPS_SUFFIX = "_rollups"  # a category's hourly rollups, which its long windows read
SCORECARD_SUFFIX = "_scorecard"  # a category's per-indicator score averages, which the scorecard rolls up
PART_SUFFIX = "_part_"  # the second and later parts of a category's rules or dashboard, when they outgrow one object
RESERVED_PART = re.compile(re.escape(PART_SUFFIX) + r"[0-9]+(_|$)")  # what a category id may not hold: a part's name


def category_part(category_id: str, number: int) -> str:
    """The rule file (and its groups' stem) of part `number` of a category's rules, or the slug of
    its dashboard's uid: the category's own name for the first (all of them, in a category of a
    size one object holds), then `platform_health_part_2`, `platform_health_part_3`..."""
    return category_id if number == 1 else f"{category_id}{PART_SUFFIX}{number}"


def rule_group(spec: Spec, part: str) -> str:
    """A Prometheus rule group: `mlops_platform_health`, `mlops_platform_health_long_windows`."""
    return f"{spec.name}_{part}"


def prometheus_rule_name(spec: Spec, rule_file: str) -> str:
    """The PrometheusRule holding one rule file's groups (a DNS-1123 name): <spec>-<file>."""
    return f"{spec.name}-{rule_file}".replace("_", "-")


# Argo CD's option for objects that grow with the indicators (PrometheusRules, dashboard
# ConfigMaps): server-side apply writes no last-applied annotation, whose 256 KiB they outgrow.
SERVER_SIDE_APPLY = {"argocd.argoproj.io/sync-options": "ServerSideApply=true"}


SCORECARD_LABEL = "scorecard"  # holds the scorecard entry's id on rollup_score_series(spec, "scorecard")


# Alertmanager names. The fallback receiver takes alerts no level route matches; responder
# receivers are named after responder ids ([a-z0-9_]), so a hyphenated name cannot clash.
FALLBACK_RECEIVER = "unrouted-alerts"
# Alerts kube-prometheus and kube-prometheus-stack fire on purpose all the time (a heartbeat, and
# the helper that mutes their info alerts): their own configs send them nowhere, and so does this
# receiver, with no channels; without it the fallback would repeat them every 4h for ever.
SILENT_RECEIVER = "silent"
ALWAYS_FIRING = ("Watchdog", "InfoInhibitor")
BUSINESS_HOURS_INTERVAL = "business-hours"
HOLIDAYS_INTERVAL = "holidays"


def alertmanager_secret(spec: Spec) -> str:
    """The Secret prometheus-operator reads an Alertmanager's config from: alertmanager-<name>."""
    return f"alertmanager-{spec.output.kubernetes.alertmanager}"
