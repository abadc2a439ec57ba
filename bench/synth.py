"""Write a synthetic spec of N indicators, every measure form, several teams and models.

    python bench/synth.py 1000 > /tmp/spec-1000.yaml

The metric catalogue and escalation matrix are the shipped spec's; indicators cycle through one
template per measure form with ids, titles and thresholds varied, so the output exercises every
code path at scale."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEAMS = ("platform", "governance", "search", "ads", "risk", "vision", "speech", "growth")


def spec(count: int) -> dict:
    base = yaml.safe_load((ROOT / "indicators.yaml").read_text())
    templates = base["indicators"]
    base["teams"] = {**base["teams"], **{team: {"title": team.title()} for team in TEAMS if team not in base["teams"]}}
    indicators = []
    for number in range(count):
        template = templates[number % len(templates)]
        indicator = {**template, "id": f"{template['id']}_{number}", "title": f"{template['title']} {number}",
                     "team": TEAMS[number % len(TEAMS)]}
        indicators.append(indicator)
    base["indicators"] = indicators
    base.pop("roi", None)  # its terms name shipped indicator ids
    base["scorecard"] = {key: value for key, value in base["scorecard"].items()}
    return base


def main() -> None:
    count = int(sys.argv[1])
    yaml.safe_dump(spec(count), sys.stdout, sort_keys=False, width=1000)


if __name__ == "__main__":
    main()
