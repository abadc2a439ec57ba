"""`make bench-rules`: what the shipped spec's rules cost a real Prometheus per evaluation, beside
the same indicators written the chapter's way (every alert evaluating its raw long-range
expression, e.g. `increase(x[30d])` or `histogram_quantile(0.9, ...[7d])`, every minute).

1. Synthetic series for 200 models (every catalogued metric; `model` has 200 values, each model
   belongs to one of the catalogue's teams, every other label has one value) are backfilled for
   30 days at one sample every three hours
   (`promtool tsdb create-blocks-from openmetrics`) and served live by a prometheus_client
   exporter.
2. The compiler's recording rules that long windows read (the 5m rates) are backfilled over the
   same 30 days at the same resolution (evaluated by range queries, the rates taken over two
   steps of the sparse history instead of 5m, and written as blocks the same way), so both rule
   sets read histories of equal density. In production the recorded
   series (one sample a minute) are sparser than raw ones (one a scrape), so this favours the
   chapter's way.
3. One Prometheus on loopback (retention raised to keep the history) loads both rule files with
   every group evaluated every 15s (the cost of one evaluation does not depend on the interval);
   its own `prometheus_rule_group_last_duration_seconds` per group is averaged over a minute.

It takes two to four minutes and prints a Markdown table; the README quotes it.
"""

from __future__ import annotations

import random
import shutil
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

from compiler import conventions, durations, pipeline, promql  # noqa: E402
from compiler.backends.prometheus import measures  # noqa: E402
from compiler.model import Availability, Spec  # noqa: E402
from servers import exporter, get_json, prometheus, wait_until  # noqa: E402

MODELS = 200
DAYS = 30
STEP = 3 * 3600  # backfill resolution, seconds
INTERVAL = "15s"  # scrape and evaluation interval of the measuring Prometheus
SETTLE = 60  # seconds of evaluations averaged
KEEP = ("--storage.tsdb.retention.time=60d",)  # the default 15 days would delete half the history
CLUSTER = "bench"


def label_values(spec: Spec, metric) -> dict[str, list[str]]:
    declared = dict(metric.cardinality)
    values: dict[str, list[str]] = {}
    for label in metric.labels:
        count = MODELS if label == "model" else declared.get(label, 1) if label == "team" else 1
        values[label] = [f"{label}-{number:03d}" for number in range(count)]
    return values


def combinations(values: dict[str, list[str]]) -> list[dict[str, str]]:
    """Every combination of label values; a model belongs to one team, not to each of them."""
    teams = values.pop("team", None) if "model" in values else None
    found = [{}]
    for label, options in values.items():
        found = [{**combination, label: option} for combination in found for option in options]
    if teams:
        found = [{**combination, "team": teams[index % len(teams)]} for index, combination in enumerate(found)]
    return found


def backfill(spec: Spec, start: int, end: int, data: Path, scratch: Path) -> int:
    """Write the 30-day history into `data`; returns the number of series. promtool re-reads its
    whole input for every two-hour block it writes, so each sample time gets a file of its own."""
    series = list(_series(spec))
    for at in range(start, end, STEP):
        part = scratch / f"history-{at}.om"
        with part.open("w") as sink:
            for name, kind, text, share, speed in series:
                value = speed * share * (at - start) / 60 if kind == "counter" else _gauge(name, at, speed)
                sink.write(f"{name}{{{text}}} {value:.6g} {at}\n")
            sink.write("# EOF\n")
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(part), str(data)],
                       check=True, capture_output=True)
        part.unlink()
    return len(series)


def _series(spec: Spec):
    """(name, kind, labels text, bucket share, speed) of every synthetic series."""
    randomness = random.Random(9)
    for metric in spec.metrics:
        kinds = {f"{metric.name}_bucket": "counter", f"{metric.name}_count": "counter", f"{metric.name}_sum": "counter"} \
            if metric.type == "histogram" else {metric.name: metric.type}
        for name, kind in kinds.items():
            for labels in combinations(label_values(spec, metric)):
                buckets = [(f"{bound:g}", index + 1) for index, bound in enumerate(metric.buckets)] + [("+Inf", len(metric.buckets) + 1)] \
                    if name.endswith("_bucket") else [(None, 1)]
                speed = randomness.uniform(0.1, 2)
                for le, share in buckets:
                    text = ",".join(f'{key}="{value}"' for key, value in {"cluster": CLUSTER, **labels, **({"le": le} if le else {})}.items())
                    yield name, kind, text, share, speed


def _gauge(name: str, at: float, speed: float) -> float:
    if "timestamp" in name:
        return at - speed * 86400
    return speed / 2


def chapter_rules(spec: Spec) -> dict:
    """The same indicators written the chapter's way: the raw expression over its whole window
    inlined in every alert (one per threshold, burn-rate windows for availability)."""
    groups = []
    for category in spec.categories:
        rules = []
        for indicator in (i for i in spec.indicators if i.category == category.id):
            expression, state = measures.value(spec, indicator, long_window=float("inf"))
            rules += [{"record": name, "expr": text} for name, text in state.inputs.items()]  # gauge averages for trends
            name = conventions.alert_name(spec.name, indicator.id, "Chapter")
            for threshold in indicator.thresholds:
                rules.append({"alert": name, "expr": f"(\n{expression}\n) {indicator.breach_operator} {measures.number(threshold.value)}",
                              "for": durations.text(threshold.for_seconds)})
            if isinstance(indicator.measure, Availability):
                budget = 1 - indicator.measure.objective
                for burn in indicator.measure.burn_rates:
                    ratio = [state.error_ratio(indicator.measure, window) for window in (burn.long, burn.short)]
                    bound = measures.number(burn.factor * budget)
                    rules.append({"alert": f"{name}Burn", "expr": f"(\n{ratio[0]}\n) > {bound}\nand\n(\n{ratio[1]}\n) > {bound}"})
        groups.append({"name": f"chapter_{category.id}", "rules": rules})
    return {"groups": groups}


def long_window_inputs(rule_files: list[Path]) -> list[dict]:
    """The recording rules whose series the long-window groups read (5m rates, gauge averages)."""
    groups = [group for path in rule_files for group in yaml.safe_load(path.read_text())["groups"]]
    read = {series.name for group in groups if group["name"].endswith("_long_windows")
            for rule in group["rules"] for series in promql.series_read(rule["expr"])}
    return [rule for group in groups if not group["name"].endswith("_long_windows")
            for rule in group["rules"] if rule.get("record") in read]


def serve_live(spec: Spec, served) -> None:
    randomness = random.Random(4)
    for metric in spec.metrics:
        for labels in combinations(label_values(spec, metric)):
            child = served.metrics[metric.name].labels(cluster=CLUSTER, **labels)
            if metric.type == "counter":
                child.inc(randomness.uniform(1, 100))
            elif metric.type == "histogram":
                for _ in range(5):
                    child.observe(randomness.uniform(0, 2 * (metric.buckets[-1] if metric.buckets else 1)))
            else:
                child.set(_gauge(metric.name, time.time(), randomness.uniform(0.1, 2)))


def main() -> None:
    spec_path = ROOT / "indicators.yaml"
    compilation = pipeline.compile_spec([(str(spec_path), spec_path.read_bytes())], spec_path.name)
    spec = compilation.spec
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        rule_files = []
        for path, text in sorted(compilation.files.items()):
            if path.startswith("prometheus/") and not path.startswith("prometheus/tests/"):  # rule files only
                data = yaml.safe_load(text)
                for group in data["groups"]:
                    group["interval"] = INTERVAL
                rule_files.append(work / path.replace("/", "-"))
                rule_files[-1].write_text(yaml.safe_dump(data, sort_keys=False))
        chapter = work / "chapter.yaml"
        chapter.write_text(yaml.safe_dump(chapter_rules(spec), sort_keys=False, width=1000))
        subprocess.run(["promtool", "check", "rules", str(chapter)], check=True, capture_output=True)

        now = int(time.time())
        start, end = (now - DAYS * 86400) // STEP * STEP, now - 3 * 3600  # the last hours stay with the live exporter
        data = work / "prometheus" / "data"
        data.mkdir(parents=True)
        print(f"backfilling {DAYS} days at one sample every {STEP // 3600} hours ...", file=sys.stderr)
        count = backfill(spec, start, end, data, work)

        catalogue = {metric.name: {"type": metric.type, "help": metric.help, "labels": ["cluster", *metric.labels],
                                   "buckets": list(metric.buckets)} for metric in spec.metrics}
        with exporter(catalogue) as served:
            serve_live(spec, served)
            # recorded inputs of the long windows, backfilled from the raw history
            recorded = work / "recorded"
            with prometheus(work / "prometheus", [], [served.target], interval=INTERVAL, flags=KEEP) as server:
                # the history has one sample per STEP: a 5m rate over it is empty, so the backfill takes
                # the rate over two steps (other values, the same series and samples)
                inputs = [{**rule, "expr": rule["expr"].replace(f"[{durations.text(measures.SHORT_WINDOW)}]", f"[{durations.text(2 * STEP)}]")}
                          for rule in long_window_inputs(rule_files) if "[" in rule["expr"]]  # gauge averages: no history
                print("backfilling the recorded inputs of long windows ...", file=sys.stderr)
                backfill_recorded(server.url, inputs, start, end, recorded, work)
            for block in recorded.iterdir():
                if block.is_dir():
                    shutil.move(str(block), data / block.name)
            with prometheus(work / "prometheus", [*rule_files, chapter], [served.target], interval=INTERVAL, flags=KEEP) as server:
                expected = {group["name"] for path in [*rule_files, chapter] for group in yaml.safe_load(path.read_text())["groups"]}
                wait_until(lambda: expected <= {group for group, runs in own_metric(server.url, "prometheus_rule_group_iterations_total").items()
                                                if runs >= 2}, 300, "rule groups did not evaluate twice", interval=5)
                readings: dict[str, list[float]] = {}
                for _ in range(SETTLE // 5):
                    for group, seconds in own_metric(server.url, "prometheus_rule_group_last_duration_seconds").items():
                        readings.setdefault(group, []).append(seconds)
                    time.sleep(5)
                report({group: sum(values) / len(values) for group, values in readings.items()}, spec, count)


def backfill_recorded(url: str, rules: list[dict], start: int, end: int, out: Path, scratch: Path) -> None:
    """Evaluate the recording rules over the history (a range query per rule) and write what they
    would have recorded as blocks into `out`, one file per sample time as for the raw history."""
    by_time: dict[int, list[str]] = {}
    for rule in rules:
        answer = get_json(f"{url}/api/v1/query_range?" + urllib.parse.urlencode(
            {"query": rule["expr"], "start": start, "end": end, "step": STEP}), timeout=120)
        for found in answer["data"]["result"]:
            text = ",".join(f'{key}="{value}"' for key, value in sorted(found["metric"].items()))
            for at, value in found["values"]:
                by_time.setdefault(int(at), []).append(f"{rule['record']}{{{text}}} {value} {int(at)}\n")
    out.mkdir()
    for at, lines in sorted(by_time.items()):
        part = scratch / f"recorded-{at}.om"
        part.write_text("".join(lines) + "# EOF\n")
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(part), str(out)],
                       check=True, capture_output=True)
        part.unlink()


def own_metric(url: str, name: str) -> dict[str, float]:
    """{rule group: value} of one of Prometheus' own metrics, read from its /metrics page."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        families = text_string_to_metric_families(response.read().decode())
    return {sample.labels["rule_group"].split(";")[-1]: sample.value
            for family in families for sample in family.samples if sample.name == name}


def report(by_group: dict[str, float], spec: Spec, series: int) -> None:
    generated = conventions.rule_group(spec, "")
    print(f"Rule evaluation cost: shipped spec, {MODELS} models ({series:,} source series, {DAYS} days of history), "
          f"Prometheus {subprocess.run(['prometheus', '--version'], capture_output=True, text=True).stdout.split()[2]}\n")
    print("| category | compiled rules: groups | per evaluation | the chapter's way | per evaluation | chapter / compiled |")
    print("|:---------|:-----------------------|---------------:|:------------------|---------------:|------:|")
    totals = [0.0, 0.0]
    for category in spec.categories:
        ours = {name: value for name, value in by_group.items() if name in (f"{generated}{category.id}", f"{generated}{category.id}_long_windows")}
        chapter = by_group.get(f"chapter_{category.id}", 0.0)
        cost = sum(ours.values())
        totals[0] += cost
        totals[1] += chapter
        print(f"| {category.id} | {', '.join(sorted(ours))} | {cost * 1000:.1f} ms | chapter_{category.id} | {chapter * 1000:.1f} ms | "
              f"{chapter / cost if cost else float('nan'):.2g}x |")
    scorecard = by_group.get(conventions.rule_group(spec, "scorecard"), 0.0)
    print(f"| scorecard | {conventions.rule_group(spec, 'scorecard')} | {scorecard * 1000:.1f} ms | (none) | | |")
    print(f"| **total** | | **{(totals[0] + scorecard) * 1000:.1f} ms** | | **{totals[1] * 1000:.1f} ms** | "
          f"**{totals[1] / (totals[0] + scorecard):.2g}x** |")


if __name__ == "__main__":
    main()
