"""Golden files: the real CLI compiles each tests/golden/<case>/spec.yaml (a file or a folder
named spec) and the whole output tree must equal <case>/expected/. `make update-golden`
rewrites them; review the result as a diff."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from compiler.cli import main
from compiler.writer import MANIFEST

GOLDEN = ROOT / "tests" / "golden"
CASES = sorted(path.name for path in GOLDEN.iterdir() if path.is_dir())
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def tree(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): path.read_text() for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name != MANIFEST}


@pytest.mark.parametrize("case", CASES)
def test_the_compiled_output_equals_the_golden_files(case, tmp_path, monkeypatch):
    folder = GOLDEN / case
    spec = next(p.name for p in folder.iterdir() if p.name.startswith("spec"))
    monkeypatch.chdir(folder)  # so headers and messages name the spec as users see it
    result = CliRunner().invoke(main, ["generate", spec, "--out", str(tmp_path / "out")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    if UPDATE:
        shutil.rmtree(folder / "expected", ignore_errors=True)
        shutil.copytree(tmp_path / "out", folder / "expected", ignore=shutil.ignore_patterns(MANIFEST))
    assert tree(tmp_path / "out") == tree(folder / "expected")


def test_the_committed_generated_folder_is_what_the_shipped_spec_compiles_to(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["check", "indicators.yaml", "--out", "generated"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
