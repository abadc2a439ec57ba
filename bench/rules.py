"""`make bench-rules`: what the shipped spec's rules cost a real Prometheus per evaluation and per
hour, beside the same indicators written the chapter's way (every alert evaluating its raw
long-range expression, e.g. `increase(x[30d])` or `histogram_quantile(0.9, ...[7d])`, every
minute), both sides with the same no-data alerts.

1. History of production density: synthetic series for MODELS models (every catalogued metric;
   each model belongs to one of the catalogue's teams, every other label has one value), one
   sample a minute for 30 days and on for the minutes the measurement takes, written as blocks
   with `promtool tsdb create-blocks-from openmetrics` (no live scrape: appending is not rule
   cost, and the history running ahead of the clock keeps the last minutes dense).
2. Each rule set gets its own copy of that history and its own Prometheus. The recorded series
   its rules read over a range of an hour or more (the inputs of the compiled rules' long
   windows, the gauge averages of trends on both sides) are backfilled as Prometheus would have
   recorded them, at their groups' own intervals, in dependency order (a record after the records
   it reads). The synthetic history is steady, so each recorded series held its current value
   all along: its rule is evaluated once and the value written at every step (`promtool tsdb
   create-blocks-from rules` evaluates the same with a range query per rule and two-hour block:
   over half an hour for 30 days).
3. The rule set is loaded with its real group intervals (global 1m; 5m and 1h groups as
   generated). A group slower than the measurement (the hourly rollups) is run every
   SLOW_MEASURED for the measurement, so that it evaluates at all; its per-hour cost still counts
   one evaluation an hour. Per group: the median of its own
   `prometheus_rule_group_last_duration_seconds` over its evaluations (per evaluation); that times
   its evaluations per hour (per hour); and the samples one evaluation reads, the sum of
   `totalQueryableSamples` of its rules evaluated as instant queries with `stats=all` once timing
   is over (Prometheus 2.42 has no per-group or engine-wide samples counter), times its
   evaluations per hour.

It takes about fifteen minutes and prints a Markdown table; the README quotes it.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from servers import get_json, prometheus, wait_until  # noqa: E402

from compiler import conventions, durations, pipeline, promql  # noqa: E402
from compiler.backends.prometheus import alerts, measures  # noqa: E402
from compiler.backends.prometheus.overrides import selections  # noqa: E402
from compiler.model import Spec  # noqa: E402

MODELS = 8
DAYS = 30
STEP = 60  # seconds between samples: a 1m scrape
AHEAD = 3600  # history past the start of the measurement, so that its last minutes stay dense
BLOCK = 7200  # promtool writes two-hour blocks and re-reads its whole input for each: one file per block
GLOBAL = "1m"  # Prometheus' evaluation_interval, for the groups that set none
SLOW_MEASURED = "2m"  # groups slower than the measurement run this often while it is measured
RUNS = 2  # evaluations averaged per group (the slowest groups: at least one)
RANGED = 3600  # a recorded series read over a range this long or longer is backfilled
KEEP = ("--storage.tsdb.retention.time=60d",)  # the default 15 days would delete half the history
CLUSTER = "bench"


def label_values(metric) -> dict[str, list[str]]:
    declared = dict(metric.cardinality)
    values: dict[str, list[str]] = {}
    for label in metric.labels:
        count = MODELS if label == "model" else declared.get(label, 1) if label == "team" else 1
        values[label] = [f"{label}-{number:03d}" for number in range(count)]
    return values


def combinations(values: dict[str, list[str]]) -> list[dict[str, str]]:
    """Every combination of label values; a model belongs to one team, not to each of them."""
    teams = values.pop("team", None) if "model" in values else None
    found: list[dict[str, str]] = [{}]
    for label, options in values.items():
        found = [{**combination, label: option} for combination in found for option in options]
    if teams:
        found = [{**combination, "team": teams[index % len(teams)]} for index, combination in enumerate(found)]
    return found


def synthetic_series(spec: Spec) -> list[tuple[str, str, float, float]]:
    """(name, labels text, value at the start, growth per sample) of every series, sorted by name
    (OpenMetrics wants a metric's series together). Counters grow steadily, a histogram's buckets
    cumulatively; gauges hold, a timestamp ages by a day and keeps up with the clock."""
    found = []
    for index, metric in enumerate(spec.metrics):
        speed = 0.1 + (index % 7) / 3
        names = [f"{metric.name}_bucket", f"{metric.name}_count", f"{metric.name}_sum"] if metric.type == "histogram" else [metric.name]
        for name in names:
            for labels in combinations(label_values(metric)):
                buckets = [*(f"{bound:g}" for bound in metric.buckets), "+Inf"] if name.endswith("_bucket") else [None]
                for share, le in enumerate(buckets, start=1):
                    text = ",".join(f'{key}="{value}"' for key, value in {"cluster": CLUSTER, **labels, **({"le": le} if le else {})}.items())
                    if metric.type in ("counter", "histogram"):
                        found.append((name, text, 0.0, speed * share))
                    elif "timestamp" in name:
                        found.append((name, text, -86400.0, float(STEP)))  # added to the sample time below
                    else:
                        found.append((name, text, speed / 2, 0.0))
    return sorted(found)


def backfill(spec: Spec, start: int, end: int, data: Path, scratch: Path) -> int:
    """Write the history into `data`, a file and a promtool run per two-hour block; returns the
    number of series."""
    series = synthetic_series(spec)
    data.mkdir(parents=True)
    for block in range(start - start % BLOCK, end, BLOCK):
        times = range(max(block, start), min(block + BLOCK, end), STEP)
        part = scratch / "history.om"
        with part.open("w") as sink:
            for name, text, first, growth in series:
                clock = "timestamp" in name
                sink.writelines(f"{name}{{{text}}} {at + first if clock else first + growth * ((at - start) // STEP):.10g} {at}\n"
                                for at in times)
            sink.write("# EOF\n")
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(part), str(data)],
                       check=True, capture_output=True)
    part.unlink()
    return len(series)


def chapter_rules(spec: Spec) -> dict:
    """The same indicators written the chapter's way: the raw expression over its whole window
    inlined in every alert (one per threshold, burn-rate windows for availability), plus the
    compiled rules' own no-data alerts and the presence records they read, so that both sides
    do the same alerting work."""
    groups = []
    for category in spec.categories:
        panels = conventions.panel_ids(spec, category.id)
        rules = []
        for indicator in (i for i in spec.indicators if i.category == category.id):
            expression, state = measures.value(spec, indicator, long_window=float("inf"))
            rules += [{"record": name, "expr": joined.text} for name, joined in state.inputs.items()]  # gauge averages for trends
            name = conventions.alert_name(spec.name, indicator.id, "Chapter")
            for threshold in indicator.thresholds:
                rules.append({"alert": name, "expr": f"(\n{expression.text}\n) {indicator.breach_operator} {measures.number(threshold.value)}",
                              "for": durations.text(threshold.for_seconds)})
            if (objective := indicator.measure.budget()) is not None:
                budget = 1 - objective.objective
                for burn in objective.burn_rates:
                    ratio = [objective.error_ratio(state, window).text for window in (burn.long, burn.short)]
                    bound = measures.number(burn.factor * budget)
                    rules.append({"alert": f"{name}Burn", "expr": f"(\n{ratio[0]}\n) > {bound}\nand\n(\n{ratio[1]}\n) > {bound}"})
            chosen = selections(indicator, conventions.indicator_series(spec, indicator))
            panel_url = conventions.dashboard_url(spec, indicator, panels[indicator.id])
            rules += [rule.data() for rule in alerts.rules(spec, indicator, panel_url, chosen)[1]  # burn rates: above
                      if rule.name.endswith((":present", conventions.NO_DATA_SUFFIX))]
        groups.append({"name": f"chapter_{category.id}", "rules": rules})
    return {"groups": groups}


def groups_of(paths: list[Path]) -> list[dict]:
    return [group for path in paths for group in yaml.safe_load(path.read_text())["groups"]]


def interval(group: dict) -> float:
    return durations.seconds(group.get("interval", GLOBAL))


def ranged_layers(paths: list[Path]) -> list[list[dict]]:
    """The groups of recording rules to backfill, layer by layer: the rules whose series some rule
    reads over a range of RANGED or more, each layer reading only raw series and earlier layers."""
    groups = groups_of(paths)
    ranged = {series.name for group in groups for rule in group["rules"] if promql.lookback(rule["expr"]) >= RANGED
              for series in promql.series_read(rule["expr"])}
    wanted = {rule["record"]: (group, rule) for group in groups for rule in group["rules"] if rule.get("record") in ranged}
    needed = set(wanted)
    while grown := {series.name for name in needed for series in promql.series_read(wanted[name][1]["expr"])
                    if series.name in wanted} - needed:
        needed |= grown  # what the backfilled rules read must be backfilled first
    layers, done = [], set()
    while pending := [name for name in wanted if name in needed and name not in done]:
        # a record that reads its own earlier values (a zero count's dropped children) waits for no other
        ready = [name for name in pending if not ({s.name for s in promql.series_read(wanted[name][1]["expr"])} - {name}) & (needed - done)]
        if not ready:
            raise ValueError(f"recording rules that read each other in a cycle: {sorted(pending)}")
        layer: dict[str, dict] = {}
        for name in ready:
            group, rule = wanted[name]
            layer.setdefault(group["name"], {key: value for key, value in group.items() if key != "rules"} | {"rules": []})["rules"].append(rule)
        layers.append(list(layer.values()))
        done |= set(ready)
    return layers


def backfill_recorded(paths: list[Path], data: Path, start: int, end: int) -> None:
    """Backfill the ranged recorded series of a rule set into `data`, a layer at a time. The
    synthetic counters grow steadily and the gauges hold, so every recorded series has held its
    current value all along: each rule is evaluated once (an instant query against a server over
    the data so far) and its result written at every step of its group's interval."""
    for index, layer in enumerate(ranged_layers(paths)):
        with prometheus(data.parent, [], [], interval=GLOBAL, flags=KEEP) as server:
            found = [(rule["record"], interval(group), answer) for group in layer for rule in group["rules"]
                     for answer in get_json(f"{server.url}/api/v1/query?" + urllib.parse.urlencode(
                         {"query": rule["expr"], "time": end}), timeout=300)["data"]["result"]]
        out = data.parent / f"layer-{index}"
        out.mkdir()
        part = data.parent / "recorded.om"
        for block in range(start - start % BLOCK, end, BLOCK):
            with part.open("w") as sink:
                for name, every, answer in sorted(found, key=lambda item: item[0]):
                    text = ",".join(f'{key}="{value}"' for key, value in sorted(answer["metric"].items()) if key != "__name__")
                    first = max(block, start + (-start) % int(every))
                    sink.writelines(f"{name}{{{text}}} {answer['value'][1]} {at}\n"
                                    for at in range(first, min(block + BLOCK, end), int(every)))
                sink.write("# EOF\n")
            subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(part), str(out)],
                           check=True, capture_output=True)
        part.unlink()
        for block_dir in out.iterdir():
            shutil.move(str(block_dir), data / block_dir.name)


def measure(paths: list[Path], data: Path, work: Path) -> dict[str, tuple[float, int, float, float]]:
    """{group: (interval, rules, seconds per evaluation, samples per evaluation)} in a Prometheus of its own."""
    groups = groups_of(paths)
    measured = []
    for path in paths:
        loaded = yaml.safe_load(path.read_text())
        for group in loaded["groups"]:
            if interval(group) > durations.seconds("5m"):
                group["interval"] = SLOW_MEASURED
        measured.append(work / f"measured-{path.name}")
        measured[-1].write_text(yaml.safe_dump(loaded, sort_keys=False))
    with prometheus(data.parent, measured, [], interval=GLOBAL, flags=KEEP) as server:
        readings: dict[str, dict[float, float]] = {group["name"]: {} for group in groups}

        def enough() -> bool:
            for group, seconds in own_metric(server.url, "prometheus_rule_group_last_duration_seconds").items():
                when = own_metric(server.url, "prometheus_rule_group_last_evaluation_timestamp_seconds")[group]
                if when > 0:
                    readings[group][when] = seconds
            wanted = {group["name"]: RUNS if interval(group) <= durations.seconds(GLOBAL) else 1 for group in groups}
            return all(len(readings[name]) >= count for name, count in wanted.items())

        wait_until(enough, 900, "rule groups did not evaluate", interval=5)
        at = time.time()
        samples = {group["name"]: sum(queried_samples(server.url, rule["expr"], at) for rule in group["rules"]) for group in groups}
    return {group["name"]: (interval(group), len(group["rules"]), statistics.median(readings[group["name"]].values()), samples[group["name"]])
            for group in groups}


def queried_samples(url: str, expression: str, at: float) -> int:
    answer = get_json(f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": expression, "time": at, "stats": "all"}), timeout=300)
    return answer["data"]["stats"]["samples"]["totalQueryableSamples"]


def own_metric(url: str, name: str) -> dict[str, float]:
    """{rule group: value} of one of Prometheus' own metrics, read from its /metrics page."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        families = text_string_to_metric_families(response.read().decode())
    return {sample.labels["rule_group"].split(";")[-1]: sample.value
            for family in families for sample in family.samples if sample.name == name}


def main() -> None:
    spec_path = ROOT / "indicators.yaml"
    compilation = pipeline.compile_spec([(str(spec_path), spec_path.read_bytes())], spec_path.name)
    spec = compilation.spec
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        compiled = []
        for path, text in sorted(compilation.files.items()):
            if path.startswith("prometheus/") and not path.startswith("prometheus/tests/"):  # rule files only
                compiled.append(work / path.replace("/", "-"))
                compiled[-1].write_text(text)
        chapter = work / "chapter.yaml"
        chapter.write_text(yaml.safe_dump(chapter_rules(spec), sort_keys=False, width=1000))
        subprocess.run(["promtool", "check", "rules", str(chapter)], check=True, capture_output=True)

        now = int(time.time()) // STEP * STEP
        start, end = now - DAYS * 86400, now + AHEAD
        clock = time.monotonic()
        print(f"backfilling {DAYS} days at one sample a minute for {MODELS} models ...", file=sys.stderr)
        count = backfill(spec, start, end, work / "history", work)
        print(f"  {count:,} series in {time.monotonic() - clock:.0f} s", file=sys.stderr)
        results = {}
        for side, paths in (("compiled", compiled), ("chapter", [chapter])):
            data = work / side / "data"
            shutil.copytree(work / "history", data, copy_function=os.link)  # blocks are never written again
            clock = time.monotonic()
            print(f"{side}: backfilling the recorded series its rules read over long ranges ...", file=sys.stderr)
            backfill_recorded(paths, data, start, now)
            print(f"  done in {time.monotonic() - clock:.0f} s; measuring ...", file=sys.stderr)
            results[side] = measure(paths, data, work / side)
            shutil.rmtree(data)
        report(results, count)


def report(results: dict[str, dict[str, tuple[float, int, float, float]]], series: int) -> None:
    version = subprocess.run(["prometheus", "--version"], capture_output=True, text=True).stdout.split()[2]
    print(f"Rule evaluation cost: shipped spec, {MODELS} models ({series:,} source series, {DAYS} days at one sample a minute), "
          f"Prometheus {version}\n")
    print("| rule set | group | interval | rules | per evaluation | per hour | samples per evaluation | samples per hour |")
    print("|:---------|:------|---------:|------:|---------------:|---------:|-----------------------:|-----------------:|")
    totals = {}
    for side, found in results.items():
        hour = [0.0, 0.0, 0.0, 0.0]
        for group, (every, rules, seconds, samples) in found.items():
            runs = 3600 / every
            hour = [hour[0] + seconds, hour[1] + seconds * runs, hour[2] + samples, hour[3] + samples * runs]
            print(f"| {side} | {group} | {durations.text(every)} | {rules} | {seconds * 1000:.1f} ms | {seconds * runs:.2f} s | "
                  f"{samples:,.0f} | {samples * runs:,.0f} |")
        totals[side] = hour
        print(f"| **{side}** | **total** | | | **{hour[0] * 1000:.0f} ms** | **{hour[1]:.1f} s** | **{hour[2]:,.0f}** | **{hour[3]:,.0f}** |")
    ours, theirs = totals["compiled"], totals["chapter"]
    print(f"\nchapter / compiled: {theirs[0] / ours[0]:.2g}x per evaluation of every group, {theirs[1] / ours[1]:.2g}x per hour, "
          f"{theirs[3] / ours[3]:.2g}x samples read per hour ({theirs[2] / ours[2]:.2g}x per evaluation of every group)")


if __name__ == "__main__":
    main()
