"""The benchmark's synthetic specs stay valid as the spec grows (make bench is not run in CI)."""

from __future__ import annotations

import yaml

from bench import synth
from compiler import pipeline


def test_a_synthetic_spec_compiles_with_every_measure_form():
    text = yaml.safe_dump(synth.spec(60), sort_keys=False).encode()
    compilation = pipeline.compile_spec([("synthetic.yaml", text)], "synthetic.yaml")
    forms = {type(indicator.measure).__name__ for indicator in compilation.spec.indicators}
    assert forms == {"Expr", "Ratio", "Quantile", "Rate", "Trend", "Baseline", "Age", "Zero", "Availability", "Gauge"}
    assert len(compilation.spec.indicators) == 60
