"""`indicators collect`: the indicators no service emits (surveys, HR, ticketing, the model
registry) as dated records a team keeps in files, checked against the metric catalogue and
written as OpenMetrics for `promtool tsdb create-blocks-from openmetrics`, or served (each
series' newest record) for Prometheus to scrape.

A record is one value of one series on one date: `date`, `metric`, `value` and the metric's
labels, as CSV columns (a header row first) or as the keys of a JSON or YAML list of mappings.
A bad record is a located problem and is left out; every other record is still written."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from compiler import loader
from compiler.model import Metric, Spec
from compiler.problems import Finding, did_you_mean

FIELDS = ("date", "metric", "value")
COLLECTED = ("gauge", "counter")  # a histogram's buckets are observations, which a record of one value cannot carry


@dataclass(frozen=True, order=True)
class Sample:
    metric: str
    labels: tuple[tuple[str, str], ...]
    timestamp: float  # seconds since the epoch
    value: float
    where: tuple[str, int] = field(default=("", 0), compare=False)  # the record's file and line


def collect(files: list[tuple[str, bytes]], spec: Spec, now: float) -> tuple[list[Sample], list[Finding]]:
    """The samples of every records file, and a problem for each record left out: a bad one,
    or a second value of a series at a time an earlier record gave it."""
    samples: list[Sample] = []
    problems: list[Finding] = []
    seen: dict[tuple, tuple[str, int]] = {}
    for name, raw in files:
        rows, found = _rows(name, raw)
        problems += found
        for line, row in rows:
            sample, problem = _sample(row, spec, now)
            if problem is None and (first := seen.get((sample.metric, sample.labels, sample.timestamp))):
                problem = ("date", f"a second value of this series on {row['date']}", f"the first is at {first[0]}:{first[1]}")
            if problem:
                problems.append(Finding(name, line, 1, problem[0], problem[1], problem[2] if len(problem) > 2 else ""))
                continue
            seen[(sample.metric, sample.labels, sample.timestamp)] = (name, line)
            samples.append(Sample(sample.metric, sample.labels, sample.timestamp, sample.value, (name, line)))
    return samples, problems


def _rows(name: str, raw: bytes) -> tuple[list[tuple[int, dict]], list[Finding]]:
    """(line, record) of each record; CSV by its extension, JSON and YAML with the spec's loader
    (JSON is YAML), which locates each record."""
    if name.endswith(".csv"):
        try:
            reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
            if (found := _delimiter(name, reader.fieldnames or [])) is not None:
                return [], [found]
            records, wide = [], []
            for row in reader:
                if None in row:  # DictReader files the fields past the header's under None
                    columns = len(reader.fieldnames or ())
                    wide.append(Finding(name, reader.line_num, 1, "", f"a record of {columns + len(row[None])} fields, "
                                        f"more than the header's {columns} columns", "quote a value that holds a comma"))
                    continue
                records.append((reader.line_num, {key: value for key, value in row.items() if value not in (None, "")}))
            return records, wide
        except (UnicodeDecodeError, csv.Error) as err:
            return [], [Finding(name, 1, 1, "", f"not a CSV file: {err}")]
    documents, problems = loader.load_stream(name, raw)
    rows: list[tuple[int, dict]] = []
    for document in documents:
        if not isinstance(document.data, list):
            problems.append(Finding(name, 1, 1, "", "records are a list of mappings (date, metric, value and the labels)"))
            continue
        for index, row in enumerate(document.data):
            if isinstance(row, dict):
                rows.append((document.locate((index,)).line, row))
            else:
                problems.append(Finding(name, document.locate((index,)).line, 1, "", "a record is a mapping of date, metric, value and the labels"))
    return rows, problems


def _delimiter(name: str, header: Sequence[str]) -> Finding | None:
    """A header of one column that another delimiter splits into date, metric and value: a
    spreadsheet's export in a locale whose list separator is `;` (or a tab-separated file). It is
    refused, once, not read: such a locale writes 3,8 for 3.8 and 1.200 for 1200, which read as
    1.2 would be a wrong value backfilled without a word; every record would also have "no date"."""
    if len(header) != 1:
        return None
    for delimiter, shown in ((";", "';'"), ("\t", "a tab"), ("|", "'|'")):
        if set(FIELDS) <= {column.strip() for column in header[0].split(delimiter)}:
            return Finding(name, 1, 1, "", f"the header's columns are separated by {shown}: records in CSV are comma-separated",
                           "export it as comma-separated CSV (values with a decimal point, 3.8), or write the records as YAML")
    return None


def _sample(row: dict, spec: Spec, now: float):
    """The record as a sample, or (field, message[, hint]) of its first problem."""
    missing = [field for field in FIELDS if field not in row]
    if missing:
        # a key close to the missing field is its misspelling: name both, as the spec's schema does
        for key in row:
            if key not in FIELDS and (hint := did_you_mean(str(key), missing)):
                return None, (str(key), f"unknown field '{key}'", hint)
        return None, (missing[0], f"a record needs {', '.join(FIELDS)}; this one has no {missing[0]}")
    name = str(row["metric"])
    metric = next((m for m in spec.metrics if m.name == name), None)
    if metric is None:
        return None, ("metric", f"unknown metric '{name}': not in the metric catalogue",
                      did_you_mean(name, [m.name for m in spec.metrics]) or "add it to the metric catalogue ('metrics')")
    if metric.type not in COLLECTED:
        return None, ("metric", f"'{name}' is a {metric.type}; records carry one value, so only gauges and counters are collected")
    value = _number(row["value"])
    if value is None or (metric.type == "counter" and value < 0):
        kind = "a count of 0 or more" if metric.type == "counter" else "a number"
        return None, ("value", f"'{row['value']}' is not {kind}, as the {metric.type} '{name}' takes")
    when = _timestamp(row["date"])
    if when is None:
        return None, ("date", f"'{row['date']}' is not a date (2026-10-05) or an ISO 8601 time with its offset")
    if when > now:
        return None, ("date", f"{row['date']} is in the future", "records say what has happened")
    labels, problem = _labels(row, metric, spec)
    return (Sample(name, labels, when, value), None) if problem is None else (None, problem)


def _labels(row: dict, metric: Metric, spec: Spec):
    given = {key: str(value) for key, value in row.items() if key not in FIELDS}
    allowed = set(metric.labels) | set(spec.global_labels)
    for label in given:  # before the missing ones: a misspelled label is both, and its name says which
        if label not in allowed:
            return None, (label, f"'{metric.name}' has no label '{label}'",
                          did_you_mean(label, sorted(allowed)) or f"its labels: {', '.join(sorted(allowed))}")
    for label in metric.labels:
        if label not in given:
            return None, (label, f"'{metric.name}' has the label '{label}'; this record has no value for it")
    for label, values in metric.values:
        if given[label] not in values:
            return None, (label, f"'{given[label]}' is not a value of '{label}' the catalogue declares", f"declared: {', '.join(values)}")
    return tuple(sorted(given.items())), None


def _number(raw: object) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _timestamp(raw: object) -> float | None:
    """A date is its midnight UTC; a time must say its offset (a time without one is ambiguous)."""
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, date):
        moment = datetime(raw.year, raw.month, raw.day, tzinfo=UTC)
    else:
        text = str(raw)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text else datetime.combine(
                date.fromisoformat(text), datetime.min.time(), UTC)
        except ValueError:
            return None
    return moment.timestamp() if moment.tzinfo is not None else None


def latest(samples: list[Sample]) -> list[Sample]:
    """Each series' newest record: what a scrape serves now (`collect` refuses the future)."""
    newest: dict[tuple, Sample] = {}
    for sample in samples:
        key = (sample.metric, sample.labels)
        if key not in newest or sample.timestamp > newest[key].timestamp:
            newest[key] = sample
    return list(newest.values())


def openmetrics(samples: list[Sample], spec: Spec, timestamps: bool = True) -> str:
    """The samples as OpenMetrics text, one family per metric, each series in time order.
    Without timestamps for a scrape: Prometheus stamps it, and refuses samples older than its head."""
    lines: list[str] = []
    for metric in spec.metrics:
        family = [sample for sample in samples if sample.metric == metric.name]
        if not family:
            continue
        name = metric.name.removesuffix("_total") if metric.type == "counter" else metric.name
        lines += [f"# TYPE {name} {metric.type}", f"# HELP {name} {_escape(metric.help, help_text=True)}"]
        for sample in sorted(family, key=lambda s: (s.labels, s.timestamp)):
            labels = ",".join(f'{label}="{_escape(value)}"' for label, value in sample.labels)
            stamp = f" {sample.timestamp:.3f}" if timestamps else ""
            lines.append(f"{metric.name}{{{labels}}} {sample.value!r}{stamp}" if labels else f"{metric.name} {sample.value!r}{stamp}")
    return "\n".join(lines + ["# EOF"]) + "\n"


def _escape(text: str, help_text: bool = False) -> str:
    escaped = text.replace("\\", "\\\\").replace("\n", "\\n")
    return escaped if help_text else escaped.replace('"', '\\"')
