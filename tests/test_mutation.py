"""The generated unit tests must catch a wrong rule, so this suite breaks every alert rule of the
shipped output (generated/prometheus/*.yaml) one way at a time and runs the generated tests of
that rule's indicator against it: each number a rule compares with times 10 plus 1 and divided
by 10 less 1, each comparison reversed, `for` set to 100d and (where it has one) removed. A
mutant is killed when promtool fails; the suite fails unless every mutant is killed, and prints
the score.

Affordable in `make test` (README "Generated rule unit tests" quotes the cost): the rule and test
files are parsed once; each mutant runs its indicator's own rules only, against the groups that
check the mutated alert one at a time, cheapest first, until one kills it; many mutants to a
promtool process, two processes at a time; files are written as JSON, which promtool reads as
YAML and Python writes fast. Each indicator's trimmed rule file must pass its tests unbroken, once, so a
trimming mistake fails here rather than count as a kill."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from servers import binary

GENERATED = ROOT / "generated" / "prometheus"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
COMPARISON = re.compile(r"(?P<operator>[<>]=?) (?P<number>\(-[0-9.e+-]+\)|[0-9][0-9.e+-]*)")
OVERRIDE = re.compile(r'\w+="[^"]*"')  # an override's rules select its label values
REVERSED = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}
WORKERS = 2  # the cores `make test` may use


@dataclass(frozen=True)
class Suite:
    """The groups of one generated test file that belong to one indicator."""

    evaluation_interval: str
    groups: tuple[dict, ...]


@dataclass(frozen=True)
class Subject:
    """One indicator: its own rules (trimmed from its category's rule file) and test groups."""

    indicator: str
    rules: dict
    suites: tuple[Suite, ...]

    def stages(self, alert: str) -> tuple[Suite, ...]:
        """Each group that checks `alert`, alone, cheapest first (a mutant stops at the first that
        kills it): those fed recorded series only (the boundary and burn-bound groups), then the
        other groups that check alerts only (no-data, burns), then those that also check recorded
        values (the threshold cases, fed source series for days)."""
        found = [Suite(suite.evaluation_interval, (group,)) for suite in self.suites for group in suite.groups
                 if any(check["alertname"] == alert for check in group.get("alert_rule_test", []))]
        return tuple(sorted(found, key=lambda suite: _cost(suite.groups[0])))


def _cost(group: dict) -> tuple[bool, bool]:
    """What makes a group dear: values to check, and source series (names without a colon) to record."""
    return "promql_expr_test" in group, any(":" not in item["series"].partition("{")[0] for item in group["input_series"])


@dataclass(frozen=True)
class Mutant:
    subject: Subject
    alertname: str
    told: str  # what tells the rule apart from the others of its name: its level, an override's values
    change: str
    rules: dict  # the subject's rules with this one change
    stages: tuple[Suite, ...]  # the subject's groups that check the alert, cheapest first

    @property
    def name(self) -> str:
        return f"{self.alertname} ({self.told}): {self.change}"


def _number(value: float) -> str:
    text = f"{value:.12g}"
    return f"({text})" if value < 0 else text


def _changed_exprs(expr: str) -> list[tuple[str, str]]:
    """(what changed, expression) for each number the expression compares with."""
    found = []
    for number in sorted({match["number"] for match in COMPARISON.finditer(expr)}):
        value = float(number.strip("()"))
        for name, changed in (("x10+1", value * 10 + 1), ("/10-1", value / 10 - 1)):
            # the lambdas run inside sub(), before the loop moves on: binding the values says so
            text = COMPARISON.sub(lambda m, number=number, changed=changed: f"{m['operator']} {_number(changed)}"
                                  if m["number"] == number else m[0], expr)
            found.append((f"{number} -> {_number(changed)} ({name})", text))
        text = COMPARISON.sub(lambda m, number=number: f"{REVERSED[m['operator']]} {number}" if m["number"] == number else m[0], expr)
        found.append((f"comparison with {number} reversed", text))
    return found


def _changes(rule: dict) -> list[tuple[str, Callable[[dict], None]]]:
    found = [(what, lambda rule, expr=expr: rule.update(expr=expr)) for what, expr in _changed_exprs(rule["expr"])]
    found.append(("for 100d", lambda rule: rule.update({"for": "100d"})))
    if "for" in rule:
        found.append((f"for {rule['for']} removed", lambda rule: rule.pop("for")))
    return found


def _owner(record: str, ids: list[str], namespace: str) -> str | None:
    """The indicator a recorded series belongs to: `level:<namespace>_<id>[_<role>]:operations`."""
    metric = record.split(":")[1] if record.count(":") == 2 else ""
    owners = [i for i in ids if metric == f"{namespace}_{i}" or metric.startswith(f"{namespace}_{i}_")]
    return max(owners, key=len) if owners else None


def _trimmed(document: dict, indicator: str, ids: list[str], namespace: str) -> dict:
    groups = []
    for group in document["groups"]:
        rules = [rule for rule in group["rules"]
                 if (rule["labels"]["indicator"] == indicator if "alert" in rule else _owner(rule["record"], ids, namespace) == indicator)]
        if rules:
            groups.append(group | {"rules": rules})
    return {"groups": groups}


def _suites(tests: dict[str, dict], category: str, indicator: str) -> tuple[Suite, ...]:
    """The indicator's groups (named after it) in the test files of its category."""
    own = re.compile(rf"^{re.escape(indicator)}[ :]")
    found = []
    for name, document in tests.items():
        groups = tuple(group for group in document["tests"] if own.match(group["name"]))
        if name.startswith(f"{category}.") and groups:
            found.append(Suite(document["evaluation_interval"], groups))
    return tuple(found)


def _world() -> tuple[list[Subject], list[Mutant]]:
    """Every indicator with an alert rule, and every mutant of every alert rule."""
    documents = {path.stem: yaml.load(path.read_text(), Loader=LOADER) for path in sorted(GENERATED.glob("*.yaml"))}
    tests = {path.name: yaml.load(path.read_text(), Loader=LOADER) for path in sorted((GENERATED / "tests").glob("*.promtest.yaml"))}
    alerts = [rule for document in documents.values() for group in document["groups"] for rule in group["rules"] if "alert" in rule]
    ids = sorted({rule["labels"]["indicator"] for rule in alerts})
    namespace = next(rule["record"] for document in documents.values() for group in document["groups"]
                     for rule in group["rules"] if "record" in rule).split(":")[1].split("_")[0]
    subjects, mutants = [], []
    for category, document in documents.items():
        for indicator in ids:
            rules = _trimmed(document, indicator, ids, namespace)
            places = [(g, r) for g, group in enumerate(rules["groups"]) for r, rule in enumerate(group["rules"]) if "alert" in rule]
            if not places:
                continue
            subject = Subject(indicator, rules, _suites(tests, category, indicator))
            subjects.append(subject)
            for g, r in places:
                rule = rules["groups"][g]["rules"][r]
                told = ", ".join([rule["labels"]["level"], *OVERRIDE.findall(rule["expr"])])
                stages = subject.stages(rule["alert"])
                for change, apply in _changes(rule):
                    mutated = copy.deepcopy(rules)
                    apply(mutated["groups"][g]["rules"][r])
                    mutants.append(Mutant(subject, rule["alert"], told, change, mutated, stages))
    return subjects, mutants


def _verdicts(workdir: Path, runs: list[tuple[dict, tuple[Suite, ...]]]) -> list[tuple[bool, str]]:
    """promtool's verdict and report on each run (rules, suites), all in one process: each run's
    files in a folder of their own, as JSON (which promtool reads as YAML). promtool reports on
    every test file in turn, 'Unit Testing:  <file>' then SUCCESS or FAILED (stdout and stderr
    unbuffered, so one pipe keeps their order)."""
    owner = {}
    for index, (rules, suites) in enumerate(runs):
        (workdir / str(index)).mkdir(parents=True)
        (workdir / str(index) / "rules.yaml").write_text(json.dumps(rules))
        for number, suite in enumerate(suites):
            name = f"{index}/{number}.promtest.yaml"
            owner[name] = index
            document = {"rule_files": ["rules.yaml"], "evaluation_interval": suite.evaluation_interval, "tests": list(suite.groups)}
            (workdir / name).write_text(json.dumps(document))
    if not owner:
        return [(True, "")] * len(runs)
    result = subprocess.run([binary("promtool"), "test", "rules", *owner], cwd=workdir, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, check=False)
    reports = re.split(r"^Unit Testing:  ", result.stdout, flags=re.MULTILINE)[1:]
    assert sorted(report.partition("\n")[0] for report in reports) == sorted(owner), result.stdout
    verdicts = [(True, "")] * len(runs)
    for report in reports:
        name, _, rest = report.partition("\n")
        passed, text = verdicts[owner[name]]
        verdicts[owner[name]] = (passed and rest.startswith("  SUCCESS"), text + report)
    return verdicts


def _in_parallel(workdir: Path, runs: list[tuple[dict, tuple[Suite, ...]]]) -> list[tuple[bool, str]]:
    """The runs in batches, WORKERS promtool processes at a time: one process per run would cost
    more than most runs (a mutant's alert-only groups take milliseconds)."""
    size = max(1, -(-len(runs) // (4 * WORKERS)))  # a few batches per worker, so none waits long on the last
    batches = [runs[start:start + size] for start in range(0, len(runs), size)]
    with ThreadPoolExecutor(WORKERS) as pool:
        found = pool.map(lambda item: _verdicts(workdir / str(item[0]), item[1]), enumerate(batches))
        return [verdict for batch in found for verdict in batch]


def _survivors(workdir: Path, mutants: list[Mutant]) -> list[Mutant]:
    """The mutants that pass every group that checks their alert, run a group at a time."""
    alive, survived, depth = mutants, [], 0
    while alive:
        survived += [mutant for mutant in alive if len(mutant.stages) == depth]
        alive = [mutant for mutant in alive if len(mutant.stages) > depth]
        verdicts = _in_parallel(workdir / f"stage-{depth}", [(mutant.rules, (mutant.stages[depth],)) for mutant in alive])
        alive = [mutant for mutant, (passed, _) in zip(alive, verdicts) if passed]
        depth += 1
    return survived


@pytest.mark.parametrize(("expr", "mutated"), [
    ("x:ratio > 0.3 + 1e-09", ["x:ratio > 4 + 1e-09", "x:ratio > (-0.97) + 1e-09", "x:ratio < 0.3 + 1e-09"]),
    ("x:change < (-0.1) - 1e-09", ["x:change < 0 - 1e-09", "x:change < (-1.01) - 1e-09", "x:change > (-0.1) - 1e-09"]),
    ("(a > 0.0144 and b > 0.0144) or c > 0.006",  # a number both windows compare with changes in both
     ["(a > 1.144 and b > 1.144) or c > 0.006", "(a > (-0.99856) and b > (-0.99856)) or c > 0.006",
      "(a < 0.0144 and b < 0.0144) or c > 0.006",
      "(a > 0.0144 and b > 0.0144) or c > 1.06", "(a > 0.0144 and b > 0.0144) or c > (-0.9994)",
      "(a > 0.0144 and b > 0.0144) or c < 0.006"]),
    ("absent(x)", []),
], ids=lambda item: item if isinstance(item, str) else None)
def test_each_number_a_rule_compares_with_is_moved_up_down_and_reversed_but_not_its_tolerance(expr, mutated):
    assert sorted(text for _, text in _changed_exprs(expr)) == sorted(mutated)


@pytest.fixture(scope="module")
def world():
    return _world()


def test_each_indicators_own_rules_pass_its_generated_tests_unbroken(world, tmp_path):
    subjects, _ = world
    verdicts = _in_parallel(tmp_path, [(subject.rules, subject.suites) for subject in subjects])
    failing = {subject.indicator: report for subject, (passed, report) in zip(subjects, verdicts) if not passed}
    assert [subject.indicator for subject in subjects if not subject.suites] == []
    assert len(subjects) == 37
    assert not failing, failing


def test_a_mutant_the_threshold_cases_alone_miss_survives_them(world, tmp_path):
    """The harness can tell a survivor: without its boundary groups, the issue's NPS yellow `< 40` ->
    `< 3` passes (the value the threshold cases hold, 20, is below both)."""
    _, mutants = world
    mutant = next(m for m in mutants if m.name == "MlopsNps (yellow): 40 -> 3 (/10-1)")
    without = tuple(suite for suite in mutant.stages if "resolution past" not in suite.groups[0]["name"])
    assert [passed for passed, _ in _verdicts(tmp_path / "without", [(mutant.rules, without)])] == [True]
    assert _survivors(tmp_path / "with", [mutant]) == []


def test_every_mutant_of_every_shipped_alert_rule_is_killed_by_the_generated_tests(world, tmp_path, capsys):
    _, mutants = world
    survived = _survivors(tmp_path, mutants)
    with capsys.disabled():
        print(f"\nmutation score: {len(mutants) - len(survived)}/{len(mutants)} killed")
    assert len(mutants) > 400
    assert [mutant.name for mutant in survived] == []
