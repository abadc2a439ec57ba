"""The pipeline's promises about the process it runs in: the cyclic collector is paused while
compiling and left as it was found, and what the compile keeps is not left young, where the
first collection after it would scan all of it."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from compiler import pipeline

SPEC = Path(__file__).resolve().parent.parent / "indicators.yaml"


@pytest.mark.parametrize("enabled", [True, False], ids=["collector on", "collector off"])
def test_the_collector_is_paused_while_compiling_and_left_as_it_was(monkeypatch, enabled):
    seen = []
    checks = pipeline.checks.run
    monkeypatch.setattr(pipeline.checks, "run", lambda phase, subject: seen.append(gc.isenabled()) or checks(phase, subject))
    (gc.enable if enabled else gc.disable)()
    try:
        pipeline.compile_spec([(SPEC.name, SPEC.read_bytes())], SPEC.name)
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
    assert seen and not any(seen)


def test_what_a_compile_keeps_is_moved_out_of_the_young_generations():
    gc.collect()
    before = len(gc.get_objects())
    compilation = pipeline.compile_spec([(SPEC.name, SPEC.read_bytes())], SPEC.name)
    kept = len(gc.get_objects()) - before
    young = len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1))
    # a thousand times what is left young (none: unfreezing puts every object in the oldest)
    assert compilation.files and kept > 1_000 and young * 1_000 < kept, (kept, young)
