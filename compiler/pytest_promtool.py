"""pytest plugin: promtool rule unit-test files as pytest items.

Installed with indicator-compiler and registered through the `pytest11` entry point, so it works
in any repository: files matching the `promtool_test_files` patterns (default `*.promtest.yaml`)
are collected, and each entry of their `tests:` list becomes one item that runs
`promtool test rules` on that group alone. A failure shows promtool's own explanation.

promtool is found through `--promtool PATH`, then the PROMTOOL environment variable, then PATH.
When it is missing, items are skipped with an install hint, except in CI (the CI environment
variable is set) or with `--promtool-required`, where they fail: a validator that silently
skips in CI is a validator that does not exist.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

DEFAULT_PATTERNS = ["*.promtest.yaml"]
INSTALL_HINT = ("promtool not found: install it (Debian/Ubuntu: apt-get install prometheus; or a Prometheus "
                "release archive), or point --promtool / PROMTOOL at the binary")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("promtool", "promtool rule unit tests")
    group.addoption("--promtool", default=None, metavar="PATH", help="the promtool binary (default: $PROMTOOL, then PATH)")
    group.addoption("--promtool-required", action="store_true",
                    help="fail, rather than skip, promtool tests when promtool is missing (the default when CI is set)")
    parser.addini("promtool_test_files", type="args", default=DEFAULT_PATTERNS,
                  help="glob patterns of promtool unit-test files (default: *.promtest.yaml)")


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if any(file_path.match(pattern) for pattern in parent.config.getini("promtool_test_files")):
        return PromtoolFile.from_parent(parent, path=file_path)
    return None


def find_promtool(config: pytest.Config) -> str | None:
    wanted = config.getoption("promtool") or os.environ.get("PROMTOOL") or "promtool"
    return shutil.which(wanted)


class PromtoolFailure(Exception):
    """promtool rejected the test group; its output explains why."""


class PromtoolFile(pytest.File):
    def collect(self):
        try:
            document = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            raise self.CollectError(f"{self.path}: not a readable promtool test file: {err}") from None
        if not isinstance(document, dict) or not isinstance(document.get("tests"), list):
            raise self.CollectError(f"{self.path}: a promtool test file is a mapping with a 'tests' list")
        seen: set[str] = set()
        for index, group in enumerate(document["tests"]):
            name = str((group or {}).get("name") or f"test-{index}")
            if name in seen:
                name = f"{name}-{index}"
            seen.add(name)
            yield PromtoolItem.from_parent(self, name=name, document=document, index=index)


class PromtoolItem(pytest.Item):
    def __init__(self, *, document: dict, index: int, **kwargs):
        super().__init__(**kwargs)
        self.document = document
        self.index = index
        self.promtool: str | None = None

    def setup(self) -> None:
        self.promtool = find_promtool(self.config)
        if self.promtool is None:
            if self.config.getoption("promtool_required") or os.environ.get("CI"):
                pytest.fail(INSTALL_HINT, pytrace=False)
            pytest.skip(INSTALL_HINT)

    def runtest(self) -> None:
        # promtool resolves rule_files against the test file's folder; the single-group copy
        # lives elsewhere, so the patterns are made absolute.
        folder = self.path.parent
        rule_files = [str(folder / pattern) for pattern in self.document.get("rule_files") or []]
        single = {**self.document, "rule_files": rule_files, "tests": [self.document["tests"][self.index]]}
        with tempfile.TemporaryDirectory(prefix="promtool-") as scratch:
            path = Path(scratch) / self.path.name
            path.write_text(yaml.safe_dump(single, sort_keys=False), encoding="utf-8")
            result = subprocess.run([self.promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PromtoolFailure((result.stdout + result.stderr).replace(str(path), str(self.path)).strip())

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, PromtoolFailure):
            return f"promtool test rules {self.path.name} (group '{self.name}') failed:\n{excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"promtool test group {self.name}"
