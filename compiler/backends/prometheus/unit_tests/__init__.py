"""promtool unit tests for the generated rules, under prometheus/tests/, collected by the pytest
plugin (compiler.pytest_promtool) or run with `promtool test rules`. Every alert an indicator
can raise is tested firing and quiet, with the exact labels and annotations; the recorded
values, scores and scorecard are checked against plain arithmetic; the spec's own `tests:`
are compiled into the same files.

promtool evaluates every rule of a file at every step, so the cost of a group is its steps
times the rules: each group goes to the file of the finest grid on which it takes at most
MAX_STEPS steps (`<rule file>.promtest.yaml` every 5m, then `<rule file>.every-1h.promtest.yaml`,
`.every-6h` and `.every-1d`), all loading the same rule file. The spec's own cases run every 5m."""

from __future__ import annotations

import math

from compiler import durations
from compiler.backends.outputs import Outputs
from compiler.backends.prometheus.plan import Plan
from compiler.backends.prometheus.unit_tests import distinct, user, watch
from compiler.backends.prometheus.unit_tests.boundaries import boundary_groups
from compiler.backends.prometheus.unit_tests.common import GRIDS, Grid
from compiler.backends.prometheus.unit_tests.scorecard import GRID as SCORECARD_GRID
from compiler.backends.prometheus.unit_tests.scorecard import scorecard_group
from compiler.backends.prometheus.unit_tests.thresholds import threshold_groups
from compiler.model import Indicator, Spec

FOLDER = "prometheus/tests"
MAX_STEPS = 20
HOURLY = GRIDS[1]  # the rollup group's interval: a value counting its rollups is tested on this grid alone


def indicator_groups(spec: Spec, plan: Plan, indicator: Indicator, grid: Grid) -> list[dict]:
    found = threshold_groups(spec, plan, indicator, grid) + boundary_groups(spec, plan, indicator, grid)
    found += watch.no_data(spec, plan, indicator, grid) + watch.burn_rates(spec, plan, indicator, grid)
    found += watch.escalations(spec, plan, indicator, grid)
    return [group for group in found if group is not None]


def _steps(group: dict, grid: Grid) -> int:
    checks = group.get("alert_rule_test", []) + group.get("promql_expr_test", [])
    return math.ceil(max(durations.seconds(check["eval_time"]) for check in checks) / grid.step)


def _file_name(rule_file: str, grid: Grid) -> str:
    every = "" if grid == GRIDS[0] else f".every-{durations.text(grid.step)}"
    return f"{FOLDER}/{rule_file}{every}.promtest.yaml"


def _file(rule_files: list[str], grid: Grid, tests: list[dict]) -> dict:
    return {"rule_files": [f"../{name}.yaml" for name in rule_files], "evaluation_interval": durations.text(grid.step), "tests": tests}


def _placed(spec: Spec, plan: Plan, indicators: list[Indicator]) -> dict[Grid, list[dict]]:
    """The indicators' groups, each on the finest grid that holds it: a coarser grid builds only
    the indicators the finer one could not hold whole."""
    placed: dict[Grid, list[dict]] = {}
    names: set[str] = set()
    for grid in GRIDS:
        longer: list[Indicator] = []
        for indicator in indicators:
            hourly = indicator.measure.counts_rollups(spec)  # then all of its groups on HOURLY, however long
            if hourly and grid != HOURLY:
                longer.append(indicator)
                continue
            for group in indicator_groups(spec, plan, indicator, grid):
                key = f"{indicator.id}/{group['name']}"
                if key in names:
                    continue
                if _steps(group, grid) <= MAX_STEPS or grid == GRIDS[-1] or hourly:
                    names.add(key)
                    placed.setdefault(grid, []).append(group)
                elif not longer or longer[-1] is not indicator:
                    longer.append(indicator)
        indicators = longer
    return placed


def render(built: Outputs) -> dict[str, object]:
    spec, plan = built.spec, built.rules
    files: dict[str, object] = {}
    generated = spec.output.unit_tests  # off: only the spec's own tests: cases (large specs)
    carriers = distinct.carriers(spec) if generated else frozenset()
    for category in spec.categories:
        indicators = list(spec.members[category.id])
        placed = _placed(spec, plan, [indicator for indicator in indicators if indicator.id in carriers])
        for grid in GRIDS:
            tests = placed.get(grid, [])
            if grid == GRIDS[0]:  # the spec's own cases run on the finest grid, whatever their length
                tests += [group for indicator in indicators for group in user.groups(spec, plan, indicator, grid)]
            if tests:
                files[_file_name(category.id, grid)] = _file(list(plan.parts(category.id)), grid, tests)
    scorecard = scorecard_group(spec, carriers) if generated else None
    if scorecard is not None:
        files[f"{FOLDER}/scorecard.promtest.yaml"] = _file(list(plan.scorecard_files()), SCORECARD_GRID, [scorecard])
    return files
