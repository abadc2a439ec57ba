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

import glob
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
    wanted = config.getoption("promtool")
    if wanted:
        return shutil.which(wanted)
    from compiler import validators  # here: the plugin loads in every pytest run, the compiler only when a test needs promtool
    return validators.find("promtool")


class PromtoolFailure(Exception):
    """promtool rejected the test group; its output explains why."""


class PromtoolFile(pytest.File):
    def collect(self):
        try:
            document = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as err:
            raise self.CollectError(f"{self.path}: not a readable promtool test file: {err}") from None
        if not isinstance(document, dict) or not isinstance(document.get("tests"), list):
            raise self.CollectError(f"{self.path}: a promtool test file is a mapping with a 'tests' list")
        rule_files = document.get("rule_files") or []
        if not isinstance(rule_files, list) or not all(isinstance(pattern, str) for pattern in rule_files):
            raise self.CollectError(f"{self.path}: 'rule_files' is a list of file names or patterns")
        for pattern in rule_files:
            self._inside_rootdir(pattern)
        for index, group in enumerate(document["tests"]):
            if not isinstance(group, dict):
                raise self.CollectError(f"{self.path}: tests[{index}] is a mapping (a test group), not {type(group).__name__}")
        seen: set[str] = set()
        for index, group in enumerate(document["tests"]):
            name = str(group.get("name") or f"test-{index}")
            if name in seen:
                name = f"{name}-{index}"
            seen.add(name)
            yield PromtoolItem.from_parent(self, name=name, document=document, index=index)


    def _inside_rootdir(self, pattern: str) -> None:
        """promtool reads, and on a parse error prints, every rule file a test names: a test
        file in a pull request must not make CI read one outside the repository (pytest's rootdir)."""
        root = self.config.rootpath.resolve()
        pattern_path = Path(os.path.normpath(self.path.parent.resolve() / pattern))
        matches = [Path(match).resolve() for match in glob.glob(str(pattern_path))]
        outside = next((str(path) for path in [pattern_path, *matches] if not path.is_relative_to(root)), None)
        if outside is not None:
            raise self.CollectError(f"{self.path}: rule_files {pattern!r} leads outside {root} (to {outside}); "
                                    "rule files must be in the repository")


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
            assert self.promtool is not None  # setup() skipped the item otherwise
            result = subprocess.run([self.promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PromtoolFailure((result.stdout + result.stderr).replace(str(path), str(self.path)).strip())

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, PromtoolFailure):
            return f"promtool test rules {self.path.name} (group '{self.name}') failed:\n{excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"promtool test group {self.name}"
