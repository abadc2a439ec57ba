"""Four days of one-minute history for the backtest's spec (tests/backtest/spec.yaml), as
`prometheus_client` exporters publish it and `promtool tsdb create-blocks-from openmetrics`
writes it into a real Prometheus. The backtest judges Monday and Tuesday; the weekend is the
history its longest rules (NoData's one-day memory) need before.

The world, in UTC:
- the fraud model's drift score is 0.05, but 0.35 from Monday 10:00 to 13:00;
- the recommender's drift score is 0.05, but 0.15 from Monday 18:00 to Tuesday 10:00; its
  exporter stops at Tuesday 12:00 (the last sample 11:59), while the fraud model's goes on;
- the churn model serves 60 requests a minute; its error counter is absent until its first
  error, Monday 14:00, then counts 6 a minute until 14:40 and stays at 246;
- team vision has 8 of 10 users active until Tuesday 09:00, then 0; team platform 9 of 10.

The slow world (tests/backtest/slow.yaml, `slow_openmetrics`): from Tuesday, six days before
Monday, two models' labelled and correct predictions count up evenly, evaluated through 1h
rollups that a 5m group sums over 1d against a min_volume of 100:
- model a: 2 labelled an hour, 1 correct (48 a day: under min_volume, so never judged);
- model b: 10 labelled an hour, 3 correct (240 a day at 30%: red and yellow, and its yellow,
  firing since Tuesday, escalated after 3d);
- the fraud model's drift score is 0.05 throughout (its group runs every minute).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

import servers

MINUTE, HOUR, DAY = 60, 3600, 86400
HISTORY = datetime(2026, 10, 31, tzinfo=UTC).timestamp()  # Saturday
START = HISTORY + 2 * DAY  # Monday 2026-11-02 00:00
END = START + 2 * DAY  # Wednesday 00:00
SPEC = Path(__file__).parent / "backtest" / "spec.yaml"


def at(day: int, hour: int, minute: int = 0) -> float:
    """Monday is day 0."""
    return START + day * DAY + hour * HOUR + minute * MINUTE


def _between(t: float, first: float, last: float) -> bool:
    return first <= t < last


def source(name: str, labels: dict[str, str], t: float) -> float | None:
    """A source series' value at minute `t`; None while the exporter does not publish it."""
    if name == "mlops_drift_score":
        if labels["model"] == "recommender" and t >= at(1, 12):
            return None
        high = {"fraud": (at(0, 10), at(0, 13), 0.35), "recommender": (at(0, 18), at(1, 10), 0.15)}[labels["model"]]
        return high[2] if _between(t, high[0], high[1]) else 0.05
    if name == "mlops_inference_requests_total":
        return 60 * (t - HISTORY) / MINUTE
    if name == "mlops_inference_errors_total":
        return None if t < at(0, 14) else 6 * (min(t, at(0, 14, 40)) - at(0, 14) + MINUTE) / MINUTE
    if name == "mlops_active_users":
        return {"vision": 8 if t < at(1, 9) else 0, "platform": 9}[labels["team"]]
    return 10  # mlops_ml_team_size


SERIES = [("mlops_drift_score", {"model": "fraud"}), ("mlops_drift_score", {"model": "recommender"}),
          ("mlops_inference_requests_total", {"model": "churn"}), ("mlops_inference_errors_total", {"model": "churn"}),
          ("mlops_active_users", {"team": "vision"}), ("mlops_active_users", {"team": "platform"}),
          ("mlops_ml_team_size", {"team": "vision"}), ("mlops_ml_team_size", {"team": "platform"})]


SLOW_SPEC = Path(__file__).parent / "backtest" / "slow.yaml"
SLOW_HISTORY = START - 6 * DAY  # Tuesday
SLOW_RATES = {"a": (2, 1), "b": (10, 3)}  # per model: labelled and correct predictions an hour


def slow_openmetrics() -> str:
    lines = []
    for index, name in enumerate(("mlops_predictions_labeled", "mlops_predictions_correct")):
        lines.append(f"# TYPE {name} counter")
        for model, rates in SLOW_RATES.items():
            lines += [f'{name}_total{{model="{model}"}} {rates[index] * (t - SLOW_HISTORY) / HOUR:g} {t}'
                      for t in range(int(SLOW_HISTORY), int(END) + 1, MINUTE)]
    lines.append("# TYPE mlops_drift_score gauge")
    lines += [f'mlops_drift_score{{model="fraud"}} 0.05 {t}' for t in range(int(SLOW_HISTORY), int(END) + 1, MINUTE)]
    return "\n".join(lines) + "\n# EOF\n"


def openmetrics() -> str:
    lines = []
    for name in dict.fromkeys(name for name, _ in SERIES):
        kind = "counter" if name.endswith("_total") else "gauge"
        lines.append(f"# TYPE {name.removesuffix('_total') if kind == 'counter' else name} {kind}")
        for _, labels in (s for s in SERIES if s[0] == name):
            text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
            for t in range(int(HISTORY), int(END) + 1, MINUTE):
                value = source(name, labels, t)
                if value is not None:
                    lines.append(f"{name}{{{text}}} {value:g} {t}")
    return "\n".join(lines) + "\n# EOF\n"


@contextlib.contextmanager
def prometheus_with_history(workdir: Path, text: str | None = None):
    """A Prometheus serving the world's history (or the OpenMetrics `text` of another world)."""
    data = workdir / "data"
    data.mkdir(parents=True)
    servers.backfill_openmetrics(openmetrics() if text is None else text, data, workdir)
    with servers.prometheus_on_tsdb(workdir / "serve", data) as prometheus:
        yield prometheus
