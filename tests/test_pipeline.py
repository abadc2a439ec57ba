"""The pipeline's promises about the process it runs in: the cyclic collector is paused while
compiling and left as it was found, a library caller's repeated compiles leave no garbage
behind and its frozen objects frozen, and the CLI, which owns its process, freezes what it
compiled so that no collection scans it again."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compiler import pipeline

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "indicators.yaml"


def _compile() -> pipeline.Compilation:
    return pipeline.compile_spec([(SPEC.name, SPEC.read_bytes())], SPEC.name)


@pytest.mark.parametrize("enabled", [True, False], ids=["collector on", "collector off"])
def test_the_collector_is_paused_while_compiling_and_left_as_it_was(monkeypatch, enabled):
    seen = []
    checks = pipeline.checks.run
    monkeypatch.setattr(pipeline.checks, "run", lambda phase, subject: seen.append(gc.isenabled()) or checks(phase, subject))
    (gc.enable if enabled else gc.disable)()
    try:
        _compile()
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
    assert seen and not any(seen)


def test_repeated_compiles_leave_no_garbage_behind_and_the_callers_frozen_objects_frozen():
    gc.collect()
    frozen = gc.get_freeze_count()
    for _ in range(5):
        _compile()
    # the compile makes thousands of cyclic objects each time; moved where only a full collection
    # frees them, five compiles left 20,000 for gc.collect() here
    assert gc.get_freeze_count() == frozen and gc.collect() < 2_000


# Run in a child: the CLI's compile, then how much of the process is young, frozen, collected.
CLI = r"""
import gc, json, sys
from pathlib import Path
from compiler import cli
compilation = cli._compile(Path(sys.argv[1]))
print(json.dumps({"young": len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1)),
                  "frozen": gc.get_freeze_count(), "enabled": gc.isenabled(), "files": len(compilation.files)}))
"""


def test_the_cli_freezes_what_it_compiled_and_collects_again_after():
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    found = json.loads(subprocess.run([sys.executable, "-c", CLI, str(SPEC)], capture_output=True, text=True, check=True,
                                      cwd=ROOT, env=environment).stdout)
    assert found["files"] and found["enabled"] and found["frozen"] > 10_000 and found["young"] < 100, found
