"""The real validators, as `indicators verify` runs them on a user's generated files and this
repository's tests run them on its own: where each tool is found, the Debian package that ships
it, and the command line each check is. It finds and names commands; the CLI and the tests run them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from compiler import conventions
from compiler.backends.alertmanager import CONFIG, routing
from compiler.backends.prometheus import unit_tests
from compiler.model import Spec


@dataclass(frozen=True)
class Tool:
    name: str
    package: str  # the Debian package that ships it
    variable: str | None  # an environment variable naming the binary, read before PATH


TOOLS = {tool.name: tool for tool in (
    Tool("promtool", "prometheus", "PROMTOOL"),
    Tool("amtool", "prometheus-alertmanager", "AMTOOL"),
    Tool("vmalert", "victoria-metrics", "VMALERT"),
    # the servers and kubectl only the tests use: on PATH
    Tool("prometheus", "prometheus", None),
    Tool("prometheus-alertmanager", "prometheus-alertmanager", None),
    Tool("kubectl", "kubernetes-client", None),
)}


def find(name: str) -> str | None:
    """The binary: $VARIABLE (a path or a name on PATH), else `name` on PATH; None when missing."""
    tool = TOOLS[name]
    return shutil.which((tool.variable and os.environ.get(tool.variable)) or name)


def missing(name: str) -> str:
    tool = TOOLS[name]
    where = f"{tool.variable} does not name a program" if tool.variable and os.environ.get(tool.variable) else "not found on PATH"
    also = f", or set {tool.variable} to its path" if tool.variable else ""
    return f"{name} is not installed ({where}): install the Debian package {tool.package} (apt-get install {tool.package}){also}"


@dataclass(frozen=True)
class Run:
    """One run of a validator's tool: the file it checks (relative to the output folder), what
    it checks in it when that is not the whole file, and the arguments after the binary."""

    file: str
    case: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class Validator:
    title: str
    tool: str
    unit: str  # what one run checks, for the counts: "rule file", "routing case"
    runs: tuple[Run, ...]


def check_rules(path: Path) -> tuple[str, ...]:
    """promtool's parse and lint; lint findings fail too (exit 3)."""
    return ("check", "rules", "--lint=all", "--lint-fatal", str(path))


def test_rules(*paths: Path) -> tuple[str, ...]:
    return ("test", "rules", *map(str, paths))


def check_config(path: Path) -> tuple[str, ...]:
    return ("check-config", str(path))


def route_test(path: Path, row: routing.Row) -> tuple[str, ...]:
    """amtool exits 1 unless the alert with the row's labels reaches exactly the row's receivers."""
    return ("config", "routes", "test", f"--config.file={path}", f"--verify.receivers={','.join(row.receivers)}",
            *(f"{label}={value}" for label, value in row.labels))


def dry_run(path: Path) -> tuple[str, ...]:
    """vmalert's load of the file; only its errors are printed (its start-up log is noise here)."""
    return ("-dryRun", "-loggerLevel=ERROR", f"-rule={path}")


def describe(row: routing.Row) -> str:
    return (f"{row.label('alertname')} at {row.label(conventions.LEVEL_LABEL) or 'no level'} for "
            f"{row.label(conventions.OWNER_LABEL) or 'no owner'} reaches {', '.join(row.receivers)}")


def validators(spec: Spec, files: Iterable[str], out: Path) -> tuple[Validator, ...]:
    """Every check of the files `spec` compiles to (`files`, relative paths) as they are in `out`,
    leaving out those with nothing to check; the route tests are the spec's routing table."""
    files = set(files)
    rules = sorted(path for path in files if conventions.is_rule_file(path))
    tests = sorted(path for path in files if path.startswith(f"{unit_tests.FOLDER}/"))
    config = CONFIG in files  # output.targets may leave Alertmanager out
    return tuple(validator for validator in (
        Validator("promtool check rules", "promtool", "rule file", tuple(Run(path, "", check_rules(out / path)) for path in rules)),
        Validator("promtool test rules", "promtool", "test file", tuple(Run(path, "", test_rules(out / path)) for path in tests)),
        Validator("amtool check-config", "amtool", "config", (Run(CONFIG, "", check_config(out / CONFIG)),) if config else ()),
        Validator("amtool config routes test", "amtool", "routing case",
                  tuple(Run(CONFIG, describe(row), route_test(out / CONFIG, row)) for row in routing.routing_table(spec)) if config else ()),
        Validator("vmalert -dryRun", "vmalert", "rule file", tuple(Run(path, "", dry_run(out / path)) for path in rules)),
    ) if validator.runs)
