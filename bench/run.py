"""`make bench`: compile time and peak memory for synthetic specs of 100, 1,000 and 10,000
indicators, on one core, against the floor: loading the same spec and serialising the same
output with PyYAML's C loader and dumper and nothing else.

Each measurement runs in a fresh process pinned to one CPU and counts the CPU time that process
spends (other work on the machine does not inflate it); the best of REPEATS[size] runs counts.
Goals (issue 9): 1,000 indicators under 1 s, 10,000 under 10 s, linear growth, and compile
time within 3x of the floor. The report says by how much a goal is missed; it never fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (100, 1000, 10000)
REPEATS = {100: 3, 1000: 3, 10000: 1}  # a 10,000-indicator run takes about a minute
GOALS = {1000: 1.0, 10000: 10.0}
FLOOR_RATIO = 3.0

# Runs in a child process: prints {"seconds": ..., "peak_mib": ...} for one measurement.
CHILD = r"""
import json, os, resource, sys, time
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
mode, path = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
if mode == "compile":
    from compiler import pipeline
    start = time.process_time()
    pipeline.compile_spec([(path, raw)], "indicators.yaml")
    seconds = time.process_time() - start
else:
    import yaml
    outputs = json.load(open(sys.argv[3]))
    data = {p: (json.loads(t) if p.endswith(".json") else yaml.load(t, Loader=yaml.CSafeLoader) if p.endswith(".yaml") else t)
            for p, t in outputs.items()}
    start = time.process_time()
    yaml.load(raw, Loader=yaml.CSafeLoader)
    for p, d in data.items():
        json.dumps(d, indent=2) if p.endswith(".json") else yaml.dump(d, Dumper=yaml.CSafeDumper) if p.endswith(".yaml") else d.encode()
    seconds = time.process_time() - start
print(json.dumps({"seconds": seconds, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(repeats: int, mode: str, *args: str) -> dict:
    runs = []
    for _ in range(repeats):
        result = subprocess.run([sys.executable, "-c", CHILD, mode, *args], capture_output=True, text=True, check=True, cwd=ROOT)
        runs.append(json.loads(result.stdout))
    return min(runs, key=lambda run: run["seconds"])


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench import synth
    from compiler import pipeline

    import yaml

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in SIZES:
            spec = Path(scratch) / f"spec-{size}.yaml"
            spec.write_text(yaml.safe_dump(synth.spec(size), sort_keys=False, width=1000))
            outputs = Path(scratch) / f"out-{size}.json"
            files = pipeline.compile_spec([(str(spec), spec.read_bytes())], "indicators.yaml").files
            outputs.write_text(json.dumps(files))
            written = sum(len(text.encode()) for text in files.values()) / 2**20
            compiled = measure(REPEATS[size], "compile", str(spec))
            floor = measure(REPEATS[size], "floor", str(spec), str(outputs))
            rows.append((size, compiled["seconds"], compiled["peak_mib"], floor["seconds"], written))
    print(f"CPU time on one core ({os.cpu_count()} CPUs here, best of {REPEATS[SIZES[0]]}, of 1 at {SIZES[-1]:,}); "
          "floor = PyYAML C load + dump of the same data\n")
    print("| indicators | output | compile | per 1,000 | peak memory | floor | compile / floor | goal |")
    print("|-----------:|-------:|--------:|----------:|------------:|------:|----------------:|:-----|")
    for size, seconds, peak, floor, written in rows:
        goal = GOALS.get(size)
        verdicts = []
        if goal is not None:
            verdicts.append(f"< {goal:g} s: {'met' if seconds < goal else f'missed by {seconds - goal:.2f} s'}")
        ratio = seconds / floor
        verdicts.append(f"<= {FLOOR_RATIO:g}x floor: {'met' if ratio <= FLOOR_RATIO else f'missed ({ratio:.1f}x)'}")
        print(f"| {size:,} | {written:.0f} MiB | {seconds:.3f} s | {seconds / size * 1000:.3f} s | {peak:.0f} MiB | {floor:.3f} s | {ratio:.1f}x | {'; '.join(verdicts)} |")
    (small, small_time), (large, large_time) = (rows[1][0], rows[1][1]), (rows[-1][0], rows[-1][1])
    growth = (large_time / large) / (small_time / small)
    print(f"\nGrowth: time per indicator at {large:,} is {growth:.2f}x that at {small:,} "
          f"({'linear' if growth <= 1.3 else 'worse than linear'}).")


if __name__ == "__main__":
    main()
