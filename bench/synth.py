"""Write a synthetic spec of N indicators, every measure form, several teams and models.

    python bench/synth.py 1000 > /tmp/spec-1000.yaml

The metric catalogue and escalation matrix are the shipped spec's; indicators cycle through one
template per measure form with ids, titles and thresholds varied, so the output exercises every
code path at scale. Every PER_CATEGORY indicators start a new copy of each category (its groups
copied with it, as group ids are unique across categories; the scorecard counts every copy), as
an organisation that size splits its categories:
one category's rules and dashboard must fit a Kubernetes object (1 MiB), or the spec is invalid.
Every target is on, `kubernetes` too: the scorecard is cut by category and the overview grows
with the categories, not the indicators, so every object fits at 10,000 indicators.

Every measure form appears: the shipped spec's, plus a `rate` indicator."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PER_CATEGORY = 100
TEAMS = ("platform", "governance", "search", "ads", "risk", "vision", "speech", "growth")
# The shipped spec has no `rate` measure; this one makes the synthetic specs use every form.
RATE = {"id": "inference_traffic", "title": "Inference Traffic", "category": "platform_health", "group": "reliability",
        "definition": "Inference requests per second, per model; a model that stops serving is a leading sign of an outage.",
        "measure": {"rate": {"counter": "mlops_inference_requests_total", "window": "5m", "min_volume": 0.01}},
        "unit": "count", "good": "higher", "target": 1, "warning": 0.1, "track_by": ["model"]}


def spec(count: int) -> dict:
    base = yaml.safe_load((ROOT / "indicators.yaml").read_text())
    templates = base["indicators"] + [RATE]
    base["teams"] = {**base["teams"], **{team: {"title": team.title()} for team in TEAMS if team not in base["teams"]}}
    indicators = []
    for number in range(count):
        template = templates[number % len(templates)]
        indicator = {**template, "id": f"{template['id']}_{number}", "title": f"{template['title']} {number}",
                     "team": TEAMS[number % len(TEAMS)], "category": _copy(template["category"], number // PER_CATEGORY),
                     "group": _copy(template["group"], number // PER_CATEGORY)}
        indicators.append(indicator)
    base["indicators"] = indicators
    copies = range((count + PER_CATEGORY - 1) // PER_CATEGORY)
    base["categories"] = {_copy(category, k): {**body, "title": f"{body['title']} {k}" if k else body["title"],
                                               "groups": {_copy(group, k): title for group, title in body["groups"].items()}}
                          for k in copies for category, body in base["categories"].items()}
    for entry in base["scorecard"].values():
        for field in ("categories", "groups"):
            if field in entry:
                entry[field] = [_copy(name, k) for k in copies for name in entry[field]]
    base.pop("roi", None)  # its terms, and the reports headline, name shipped indicator ids
    base.pop("reports", None)
    base["scorecard"] = {key: value for key, value in base["scorecard"].items()}
    return base


def _copy(name: str, k: int) -> str:
    """A category's or group's id in the k-th copy."""
    return f"{name}_{k}" if k else name


def main() -> None:
    count = int(sys.argv[1])
    yaml.safe_dump(spec(count), sys.stdout, sort_keys=False, width=1000)


if __name__ == "__main__":
    main()
