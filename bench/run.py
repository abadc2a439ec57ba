"""`make bench`: what compiling synthetic specs of 100, 1,000 and 10,000 indicators costs, against
an honest floor: the same output, as documents, written by the fastest correct serialiser Python
has for each format (JSON: the standard library's or orjson's; YAML: PyYAML's C
dumper or this compiler's emitter, whichever is faster at that size), after loading the spec with
PyYAML's C loader. Markdown and Python files count as their bytes. Writing to disk is in neither.

Each measurement is a fresh process pinned to one CPU; its CPU time (user + system, from the
kernel's accounting of that child) counts, so other work on the machine does not inflate it; the
best of REPEATS[size] runs counts, from compiled bytecode as an installed command runs. Peak
memory is the child's ru_maxrss. The whole `generate` writes a fresh folder, so it includes what
the file system charges to create each file; that charge is measured apart (as many empty
files) and reported, since it differs a hundredfold between file systems (about 1 ms a file on
some virtual machines' ext4, microseconds on tmpfs).

Goals (issue 19): 10,000 indicators in under 10 s whole process, linear growth, compile within
1.5x of the floor, `validate` a fraction (at most half) of `generate`, startup under 0.15 s. The
report says by how much a goal is missed; it never fails.

    python bench/run.py [SIZE ...]
"""

from __future__ import annotations

import compileall
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (100, 1000, 10000)
REPEATS = {100: 3, 1000: 3, 10000: 1}  # a 10,000-indicator run takes about a minute
STARTUP_REPEATS = 5
WHOLE_GOAL = (10000, 10.0)  # indicators, seconds of the whole `indicators generate` process
FLOOR_RATIO = 1.5
VALIDATE_SHARE = 0.5
STARTUP_GOAL = 0.15
LINEAR = 1.3  # time per indicator at the largest size within this factor of that at 1,000

# Runs in a child: the compile alone, timed inside the process (no startup, no writing), as the
# CLI runs it: with the cyclic collector off until what it compiled is frozen (pipeline.without_cycle_collection(freeze=True)).
COMPILE = r"""
import gc, sys, time
from compiler import pipeline
raw = open(sys.argv[1], "rb").read()
gc.disable()
start = time.process_time()
pipeline.compile_spec([(sys.argv[1], raw)], "indicators.yaml")
print(time.process_time() - start)
"""

# Runs in a child: what the file system alone charges for a fresh output, as many new empty files
# as it has, in a new folder of the same scratch folder. Creating a file is cheap on most systems
# (microseconds) and can cost a millisecond on others; the whole `generate` pays it per file.
CREATE = r"""
import os, sys, tempfile, time
folder = tempfile.mkdtemp(dir=sys.argv[1])
start = time.process_time()
for n in range(int(sys.argv[2])):
    os.close(os.open(os.path.join(folder, str(n)), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
print(time.process_time() - start)
"""

# Runs in a child: the floor. argv: spec, outputs (JSON {path: text}), then `choose` or the
# serialisers chosen. Prints {"seconds": ..., "serialisers": {format: name}}. The cyclic collector
# is off, as in the compile child: with it on, every full collection would scan the documents held
# for writing, and at 10,000 indicators that alone doubles the floor (4.4 s to 4.9 s against 2.3 s).
FLOOR = r"""
import gc, json, sys, time
import orjson, yaml
from compiler import emit
gc.disable()
spec, outputs, mode = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
raw = open(spec, "rb").read()
loader = yaml.CSafeLoader
documents = {"json": [], "yaml": [], "text": []}
for path, text in outputs.items():
    if path.endswith(".json"):
        documents["json"].append(json.loads(text))
    elif path.endswith(".yaml"):
        documents["yaml"].append(yaml.load(text, Loader=loader))
    else:
        documents["text"].append(text)
SERIALISERS = {
    "json": {"json": lambda d: json.dumps(d, indent=2, ensure_ascii=False).encode(),
             "orjson": lambda d: orjson.dumps(d, option=orjson.OPT_INDENT_2)},
    "yaml": {"PyYAML CSafeDumper": lambda d: yaml.dump(d, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True,
                                                         width=1_000_000, default_flow_style=False).encode(),
             "compiler emitter": lambda d: emit.yaml_text(d).encode()},
    "text": {"bytes": lambda t: t.encode()},
}
READ = {"json": json.loads, "yaml": lambda b: yaml.load(b, Loader=loader), "text": bytes.decode}


def timed(function, items):
    start = time.process_time()
    written = [function(item) for item in items]
    return time.process_time() - start, written


if mode == "choose":  # the fastest serialiser per format whose output reads back as the same documents
    chosen = {}
    for form, candidates in SERIALISERS.items():
        results = []
        for name, function in candidates.items():
            seconds, written = timed(function, documents[form])
            if [READ[form](w) for w in written] == documents[form]:
                results.append((seconds, name))
        chosen[form] = min(results)[1]
    print(json.dumps({"serialisers": chosen}))
else:
    chosen = json.loads(mode)
    start = time.process_time()
    yaml.load(raw, Loader=loader)
    for form, name in chosen.items():
        for item in documents[form]:
            SERIALISERS[form][name](item)
    print(json.dumps({"seconds": time.process_time() - start, "serialisers": chosen}))
"""


def _pin() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


# Children run as an installed command does: from compiled bytecode. An environment that turns the
# cache off (PYTHONDONTWRITEBYTECODE, set on some CI machines) makes every process compile the
# compiler's modules from source again, about 0.1 s; main() compiles them once first.
_ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run(args: list[str]) -> tuple[float, float, str]:
    """(CPU seconds, peak MiB, standard output) of one child process, from the kernel's accounting."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT, preexec_fn=_pin,
                               env=_ENVIRONMENT)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} ... failed with exit code {process.returncode}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output


def best(repeats: int, args: list[str]) -> tuple[float, float, str]:
    return min((run(args) for _ in range(repeats)), key=lambda result: result[0])


def indicators(*args: str) -> list[str]:
    return [sys.executable, "-m", "compiler", *args]


def measure(size: int, scratch: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    import yaml

    from bench import synth

    spec = scratch / f"spec-{size}.yaml"
    spec.write_text(yaml.safe_dump(synth.spec(size), sort_keys=False, width=1000))
    repeats = REPEATS.get(size, 1)
    # each run writes a new folder: a second run into the same one would find every file unchanged
    whole, peak, _ = min((run(indicators("generate", str(spec), "--out", str(scratch / f"out-{size}-{n}"), "--quiet"))
                          for n in range(repeats)), key=lambda result: result[0])
    out = scratch / f"out-{size}-0"
    validate, _, _ = best(repeats, indicators("validate", str(spec), "--quiet"))
    compiled = min(float(best(1, [sys.executable, "-c", COMPILE, str(spec)])[2]) for _ in range(repeats))
    files = {str(path.relative_to(out)): path.read_text() for path in sorted(out.rglob("*")) if path.is_file()
             and not path.name.startswith(".")}
    outputs = scratch / f"outputs-{size}.json"
    outputs.write_text(json.dumps(files))
    floor_args = [sys.executable, "-c", FLOOR, str(spec), str(outputs)]
    chosen = json.loads(run([*floor_args, "choose"])[2])["serialisers"]
    floor = min(json.loads(run([*floor_args, json.dumps(chosen)])[2])["seconds"] for _ in range(repeats))
    written = sum(len(text.encode()) for text in files.values())
    created = min(float(run([sys.executable, "-c", CREATE, str(scratch), str(len(files))])[2]) for _ in range(repeats))
    return {"size": size, "whole": whole, "peak": peak, "compile": compiled, "validate": validate, "floor": floor,
            "serialisers": chosen, "bytes": written, "files": len(files), "created": created}


def startup() -> dict[str, float]:
    return {"indicators --help": best(STARTUP_REPEATS, indicators("--help"))[0],
            "python -c 'import compiler.cli'": best(STARTUP_REPEATS, [sys.executable, "-c", "import compiler.cli"])[0]}


def verdict(met: bool, missed: str) -> str:
    return "met" if met else f"missed ({missed})"


def report(rows: list[dict], starts: dict[str, float]) -> str:
    lines = [f"CPU time of one process pinned to one core ({os.cpu_count()} CPUs here, load average "
             f"{os.getloadavg()[0]:.1f}); best of {REPEATS.get(rows[0]['size'], 1)} runs, of 1 at 10,000. Floor: the spec loaded "
             "(PyYAML C loader) and the same documents written by the fastest serialiser per format, no disk.", "",
             "| indicators | whole generate | compile | validate | peak memory | output per indicator | floor | compile / floor |",
             "|-----------:|---------------:|--------:|---------:|------------:|---------------------:|------:|----------------:|"]
    for row in rows:
        lines.append(f"| {row['size']:,} | {row['whole']:.2f} s | {row['compile']:.2f} s | {row['validate']:.2f} s | {row['peak']:.0f} MiB | "
                     f"{row['bytes'] / row['size'] / 1024:.1f} KiB | {row['floor']:.2f} s | {row['compile'] / row['floor']:.1f}x |")
    lines += ["", "Floor serialisers (fastest that reads back equal): "
              + "; ".join(f"{row['size']:,}: " + ", ".join(f"{k} {v}" for k, v in row["serialisers"].items()) for row in rows), "",
              "Of the whole generate, an estimate of the file system's own charge for creating the output's files (as many "
              "empty files, in one folder of the same scratch folder): " + "; ".join(f"{row['size']:,}: {row['created']:.2f} s for {row['files']:,} files "
                                                          f"({row['created'] / row['files'] * 1e6:.0f} µs each)" for row in rows), ""]
    lines.append("Goals:")
    by_size = {row["size"]: row for row in rows}
    size, goal = WHOLE_GOAL
    if size in by_size:
        whole = by_size[size]["whole"]
        lines.append(f"- {size:,} indicators under {goal:g} s whole process: {whole:.2f} s, "
                     + verdict(whole < goal, f"by {whole - goal:.2f} s, {whole / goal:.1f}x the goal")
                     + f"; {whole - by_size[size]['created']:.2f} s of it besides creating the files")
    for row in rows:
        ratio = row["compile"] / row["floor"]
        lines.append(f"- compile within {FLOOR_RATIO:g}x of the floor at {row['size']:,}: {ratio:.1f}x, "
                     + verdict(ratio <= FLOOR_RATIO, f"by {ratio / FLOOR_RATIO:.1f}x"))
    for row in rows:
        share = row["validate"] / row["whole"]
        lines.append(f"- validate at most {VALIDATE_SHARE:g} of generate at {row['size']:,}: {share:.2f}, "
                     + verdict(share <= VALIDATE_SHARE, f"by {share - VALIDATE_SHARE:.2f}"))
    if len(rows) > 1:
        large = rows[-1]
        small = by_size[1000] if 1000 in by_size and large["size"] != 1000 else rows[0]
        growth = (large["whole"] / large["size"]) / (small["whole"] / small["size"])
        lines.append(f"- linear growth: time per indicator at {large['size']:,} is {growth:.2f}x that at {small['size']:,}, "
                     + verdict(growth <= LINEAR, f"worse than linear by {growth / LINEAR:.2f}x"))
    for what, seconds in starts.items():
        lines.append(f"- startup under {STARTUP_GOAL:g} s, `{what}`: {seconds:.3f} s, "
                     + verdict(seconds < STARTUP_GOAL, f"by {seconds - STARTUP_GOAL:.3f} s"))
    return "\n".join(lines) + "\n"


def main(sizes: tuple[int, ...] = SIZES) -> str:
    compileall.compile_dir(ROOT / "compiler", quiet=1)  # what pip does when it installs a package
    with tempfile.TemporaryDirectory() as scratch:
        rows = [measure(size, Path(scratch)) for size in sizes]
    return report(rows, startup())


if __name__ == "__main__":
    print(main(tuple(int(size) for size in sys.argv[1:]) or SIZES), end="")
