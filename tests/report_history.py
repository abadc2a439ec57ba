"""Nine weeks of history for the reports' test spec (tests/reports/spec.yaml), written into a
real Prometheus: the source series with `promtool tsdb create-blocks-from openmetrics`, then the
generated recording rules, evaluated by that Prometheus over the whole history (one range query
per rule, a step of one hour) and written back the same way, one dependency level at a time.
(`promtool tsdb create-blocks-from rules` does the same but asks one range query per rule and
two hours, minutes per level here; and it cannot read what it records in the same run either.)

The alerts' firing instances are written too, as the `ALERTS` series Prometheus records: each alert
rule's expression over the same hours, firing where it has held for the rule's `for`.

`source(name, labels, t)` is the dataset; the tests compute every expected number from it."""

from __future__ import annotations

import contextlib
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import servers
import yaml

from compiler import durations, promql

HOUR, DAY, WEEK = 3600, 86400, 7 * 86400
START = datetime(2026, 9, 7, tzinfo=UTC).timestamp()  # a Monday
END = datetime(2026, 11, 9, tzinfo=UTC).timestamp()  # the end of 2026-W45
SPEC = Path(__file__).parent / "reports" / "spec.yaml"

TEAMS = [("eu", "nlp"), ("eu", "vision"), ("us", "nlp"), ("eu", "search")]
MODELS = [("eu", "fraud-detector"), ("eu", "recommender"), ("us", "churn"), ("eu", "pricing"), ("us", "legacy")]
FEATURES = {"fraud-detector": ["amount", "country"], "recommender": ["item"], "churn": ["tenure"], "pricing": ["margin"],
            "legacy": ["region"]}
# Exporters that stop: search and pricing (red on adoption and drift) on the last Sunday of
# 2026-W45 at noon, 12 hours before the weekly review reads them; legacy (red on accuracy) on
# the last evening of October, 6 hours before the monthly review. Each one's NoData alert fires
# an hour after it stops and is forgotten a day after.
STOPS = {("eu", "search"): datetime(2026, 11, 8, 12, tzinfo=UTC).timestamp(),
         ("eu", "pricing"): datetime(2026, 11, 8, 12, tzinfo=UTC).timestamp(),
         ("us", "legacy"): datetime(2026, 10, 31, 18, tzinfo=UTC).timestamp()}


def week(t: float) -> int:
    return int((t - START) // WEEK)


def source(name: str, labels: dict[str, str], t: float) -> float | None:
    """The value of a source series at hour `t`; None where the series does not exist."""
    w, where = week(t), (labels["cluster"], labels.get("team") or labels.get("model"))
    if t >= STOPS.get(where, END + 1):
        return None
    values = {
        "mlops_active_users": {("eu", "nlp"): 5 + w, ("eu", "vision"): 10 - w // 2, ("us", "nlp"): 6, ("eu", "search"): 3},
        "mlops_ml_team_size": {("eu", "nlp"): 15, ("eu", "vision"): 10, ("us", "nlp"): 10, ("eu", "search"): 10},
        "mlops_days_to_production": {("eu", "nlp"): (40 - 3 * w) * DAY, ("eu", "vision"): 20 * DAY, ("us", "nlp"): 70 * DAY,
                                     ("eu", "search"): 10 * DAY},
        "mlops_model_accuracy": {("eu", "fraud-detector"): 0.93 - 0.005 * w, ("eu", "recommender"): 0.8, ("us", "churn"): 0.8 - 0.02 * w,
                                 ("eu", "pricing"): 0.84, ("us", "legacy"): 0.7},
        "mlops_model_baseline_accuracy": {("eu", "fraud-detector"): 0.95, ("eu", "recommender"): 0.82, ("us", "churn"): 0.85,
                                          ("eu", "pricing"): 0.85, ("us", "legacy"): 0.8},
        "mlops_model_last_trained_timestamp_seconds": {("eu", "fraud-detector"): START + w * WEEK - 2 * DAY, ("eu", "recommender"): START - 20 * DAY,
                                                       ("eu", "pricing"): START - 5 * DAY, ("us", "legacy"): START - 10 * DAY},
    }
    if name == "mlops_drift_score":
        drift = {"amount": 0.04 + 0.01 * w, "country": 0.03, "item": 0.15, "tenure": 0.22 + 0.005 * w, "margin": 0.25, "region": 0.12}
        return round(drift[labels["feature"]], 6)
    found = values[name].get(where)
    return None if found is None else round(found, 6)


def series() -> list[tuple[str, dict[str, str]]]:
    found = []
    for cluster, team in TEAMS:
        found += [(name, {"cluster": cluster, "team": team})
                  for name in ("mlops_active_users", "mlops_ml_team_size", "mlops_days_to_production")]
    for cluster, model in MODELS:
        found += [(name, {"cluster": cluster, "model": model}) for name in
                  ("mlops_model_accuracy", "mlops_model_baseline_accuracy", "mlops_model_last_trained_timestamp_seconds")]
        found += [("mlops_drift_score", {"cluster": cluster, "model": model, "feature": f}) for f in FEATURES[model]]
    return [(name, labels) for name, labels in found if source(name, labels, START) is not None]


def openmetrics() -> str:
    lines = []
    for name in sorted({name for name, _ in series()}):
        lines.append(f"# TYPE {name} gauge")
        for _, labels in (s for s in series() if s[0] == name):
            text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
            lines += [f"{name}{{{text}}} {found} {int(t)}" for t in range(int(START), int(END) + 1, HOUR)
                      if (found := source(name, labels, t)) is not None]
    return "\n".join(lines) + "\n# EOF\n"


def rule_levels(rule_files: list[Path]) -> list[list[dict]]:
    """The recording rules in runs: a rule runs after every recorded series it reads."""
    rules = [rule for path in rule_files for group in yaml.safe_load(path.read_text())["groups"]
             for rule in group["rules"] if "record" in rule]
    recorded = {rule["record"] for rule in rules}
    level: dict[str, int] = {}
    while len(level) < len(recorded):
        for rule in rules:
            reads = {read.name for read in promql.series_read(rule["expr"])} & recorded
            if all(name in level for name in reads):
                level[rule["record"]] = max(level.get(rule["record"], 0), 1 + max((level[n] for n in reads), default=0))
    return [[rule for rule in rules if level[rule["record"]] == number] for number in range(1, max(level.values()) + 1)]


def recorded(rules: list[dict], prometheus_url: str) -> str:
    """The rules evaluated every hour from START to END, as OpenMetrics."""
    lines = []
    for name in sorted({rule["record"] for rule in rules}):
        lines.append(f"# TYPE {name} gauge")
        for rule in (r for r in rules if r["record"] == name):
            answer = servers.get_json(f"{prometheus_url}/api/v1/query_range?" + urllib.parse.urlencode(
                {"query": rule["expr"], "start": int(START), "end": int(END), "step": HOUR}), timeout=60)
            for item in answer["data"]["result"]:
                labels = {**{k: v for k, v in item["metric"].items() if k != "__name__"}, **rule.get("labels", {})}
                text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
                lines += [f"{name}{{{text}}} {value} {int(t)}" for t, value in item["values"]]
    return "\n".join(lines) + "\n# EOF\n"


def alerts(rule_files: list[Path], prometheus_url: str) -> str:
    """Each alert rule's firing instances every hour from START to END, as the ALERTS series
    Prometheus records: the expression held at every hour since at least `for` ago."""
    rules = [rule for path in rule_files for group in yaml.safe_load(path.read_text())["groups"]
             for rule in group["rules"] if "alert" in rule]
    lines = ["# TYPE ALERTS gauge"]
    for rule in rules:
        answer = servers.get_json(f"{prometheus_url}/api/v1/query_range?" + urllib.parse.urlencode(
            {"query": rule["expr"], "start": int(START), "end": int(END), "step": HOUR}), timeout=60)
        held = durations.seconds(rule["for"]) if "for" in rule else 0
        for item in answer["data"]["result"]:
            labels = {**{k: v for k, v in item["metric"].items() if k != "__name__"}, **rule.get("labels", {}),
                      "alertname": rule["alert"], "alertstate": "firing"}
            text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
            since = None
            for n, (t, _) in enumerate(item["values"]):
                since = t if n == 0 or t - item["values"][n - 1][0] > HOUR else since
                if t - since >= held:
                    lines.append(f"ALERTS{{{text}}} 1 {int(t)}")
    return "\n".join(lines) + "\n# EOF\n"


@contextlib.contextmanager
def prometheus_with_history(workdir: Path, rule_files: list[Path]):
    """A Prometheus serving the source series and every recorded series from START to END."""
    data = workdir / "data"
    data.mkdir(parents=True)
    servers.backfill_openmetrics(openmetrics(), data, workdir)
    for number, rules in enumerate(rule_levels(rule_files), start=1):
        with servers.prometheus_on_tsdb(workdir / f"level-{number}", data) as prometheus:
            text = recorded(rules, prometheus.url)
        servers.backfill_openmetrics(text, data, workdir)
    with servers.prometheus_on_tsdb(workdir / "alerts", data) as prometheus:
        text = alerts(rule_files, prometheus.url)
    servers.backfill_openmetrics(text, data, workdir)
    with servers.prometheus_on_tsdb(workdir / "serve", data) as prometheus:
        yield prometheus
