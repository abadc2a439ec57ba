"""`indicators verify --prometheus URL`: does a live Prometheus hold the series the compiled
rules read? pint's online series checks (promql/series), per indicator.

For every catalogued series a rule of an indicator reads (`x`, a histogram's `x_bucket` and
`x_count`), with each positive matcher (`=`, `=~`) the rule's selector has:
- missing metric: `count(x)` is empty now, as the rules would see it (a series its exporter
  dropped is stale at once, not after 5 minutes); then, as pint does, a range query of
  `count(x)` over the lookback (at a minute's steps for 7d) says when it was last seen, or never;
- missing label value: the metric has series, but none matches `label="value"` (or the
  regex); the values it has now are quoted, and the lookback is searched the same way;
- missing label combination: each positive matcher alone matches series, but no series matches
  them all together (team a only ever succeeded, team b only ever rolled back): the rule reads
  nothing all the same, and the lookback is searched for the whole selector;
- cardinality: per label the catalogue estimates (`cardinality: {label: n}`), the distinct
  values the metric's series carry now (`count by (label)`), a warning when more than `factor`
  times the estimate. Per label rather than their product: it names the label that grew, and
  labels Prometheus adds (job, instance) do not distort it. Catalogue metrics no indicator
  reads are checked for cardinality only.
Every answer is an aggregate, small whatever the metric's size. Missing series are failures,
cardinality is a warning.

And the server's own settings (its flags), which no series shows: a retention shorter than the
furthest the rules read back (below it every counter looks new at the far end of its window, so
a long violation count never ages out), and a query look-back shorter than the 5m the rules
assume (a series recorded every 5m would vanish between evaluations). The retention is what the
server resolved (/api/v1/status/runtimeinfo: flags or, in Prometheus 3, its configuration file),
else its flags say. A server that reports no flags (Mimir, VictoriaMetrics) is said to be
unchecked, a warning."""

from __future__ import annotations

from dataclasses import dataclass

from compiler import durations, presence, promql
from compiler.backends.prometheus.plan import Plan
from compiler.model import Metric, Selector, Spec
from compiler.problems import counted
from compiler.reports.queries import Ask, Query, RangeQuery, Series

LOOKBACK = 7 * 86400  # pint's default lookbackRange
MAX_POINTS = 10_000  # under Prometheus' 11,000 points per series and query
FACTOR = 2.0  # live distinct values over the catalogue's estimate before a warning
MISSING_METRIC, MISSING_VALUE, CARDINALITY = "missing metric", "missing label value", "cardinality warning"
MISSING_COMBINATION = "missing label combination"
SHORT_RETENTION, SHORT_LOOKBACK = "retention too short", "look-back too short"
BY_SIZE, UNCHECKED = "retention size warning", "unchecked settings warning"
DEFAULT_RETENTION = 15 * 86400  # Prometheus' when neither retention.time nor retention.size is set


@dataclass(frozen=True)
class Finding:
    kind: str  # MISSING_METRIC | MISSING_VALUE | MISSING_COMBINATION | CARDINALITY
    subject: str  # the metric, or the selector with the matcher no series satisfies
    detail: str

    @property
    def failure(self) -> bool:
        return self.kind not in (CARDINALITY, BY_SIZE, UNCHECKED)


@dataclass(frozen=True)
class Section:
    """One indicator's findings (or, with `indicator` empty, those of metrics no indicator reads)."""

    indicator: str
    title: str
    metrics: tuple[str, ...]  # the catalogued series it reads
    findings: tuple[Finding, ...]

    def count(self, kind: str) -> int:
        return sum(1 for finding in self.findings if finding.kind == kind)


def check(spec: Spec, plan: Plan, ask: Ask, now: float, lookback: float = LOOKBACK, factor: float = FACTOR) -> tuple[Section, ...]:
    """Every indicator's section, in spec order, then the unread metrics' if any has a finding;
    `plan` is the spec's rule plan (prometheus.build), which settings() reads too."""
    live = _Live(ask, now, lookback)
    sections = []
    read: set[str] = set()
    for indicator in spec.indicators:
        selectors = _read(spec, plan, indicator.id)
        names = tuple(dict.fromkeys(selector.metric for selector in selectors))
        metrics = tuple(dict.fromkeys(metric.name for name in names if (metric := presence.catalogued(spec, name))))
        read.update(metrics)
        findings = [finding for selector in selectors for finding in _missing(spec, live, selector)]
        findings += [finding for metric in metrics for finding in _cardinality(spec.metric(metric), live, factor)]
        sections.append(Section(indicator.id, indicator.title, names, tuple(dict.fromkeys(findings))))
    unread = [metric for metric in spec.metrics if metric.name not in read]
    if extra := tuple(finding for metric in unread for finding in _cardinality(metric, live, factor)):
        sections.append(Section("", "metrics no indicator reads", tuple(metric.name for metric in unread), extra))
    return tuple(sections)


@dataclass(frozen=True)
class Settings:
    """What the server's flags say of the history and the look-back the rules need."""

    summary: str
    findings: tuple[Finding, ...]


def settings(plan: Plan, flags: dict[str, str] | None, runtime: dict[str, str] | None, unasked: str = "") -> Settings:
    """The server's flags and runtime information (None when it would not say, `unasked` saying
    why) against the rules of `plan`."""
    reach, furthest = max(((promql.lookback(rule.expr), rule.name) for rule in plan.rules()), default=(0.0, "no rule"))
    needed = f"{durations.text(reach)} the rules read back ({furthest})"
    if flags is None or "storage.tsdb.retention.time" not in flags:
        why = unasked or "it reports no storage.tsdb.retention.time: not a Prometheus server?"
        return Settings(f"not checked; {needed}", (Finding(UNCHECKED, "server", f"{why}; make sure it keeps "
                                                                                 f"{durations.text(reach)} of history"),))
    retention, size, defaulted = _retention(flags, runtime)
    look_back = _seconds(flags.get("query.lookback-delta", "5m"))
    findings = []
    if retention and retention < reach:
        findings.append(Finding(SHORT_RETENTION, "storage.tsdb.retention.time", f"{durations.text(retention)}, less than the "
                                f"{needed}: a counter older than the retention looks new, so a count over the longest windows "
                                f"never ages out and its alert keeps firing; set it to at least {durations.text(reach)}"))
    if size:
        findings.append(Finding(BY_SIZE, "storage.tsdb.retention.size", f"{size}: the history "
                                f"may be cut shorter than {durations.text(reach)} when the data outgrows it"))
    if look_back < promql.LOOKBACK_DELTA:
        lookback_default = durations.text(promql.LOOKBACK_DELTA)
        findings.append(Finding(SHORT_LOOKBACK, "--query.lookback-delta", f"{durations.text(look_back)}, less than the {lookback_default} "
                                f"the rules assume: a series recorded every {lookback_default} vanishes from instant reads between "
                                "its evaluations"))
    kept_text = (durations.text(retention) if retention else "no time limit") + (" (the default)" if defaulted else "")
    return Settings(f"retention {kept_text}, look-back {durations.text(look_back)}; {needed}", tuple(findings))


def _retention(flags: dict[str, str], runtime: dict[str, str] | None) -> tuple[float, str, bool]:
    """(seconds kept, 0 for no time limit; the size limit, "" for none; whether that is
    Prometheus' default). The runtime information says what the server resolved ("13w or 1GiB"),
    which a retention set in the configuration file (Prometheus 3) is part of and its flags are
    not; without it the flags say, the deprecated one counting when the new one is unset."""
    flag_kept = _seconds(flags["storage.tsdb.retention.time"]) or _seconds(flags.get("storage.tsdb.retention", "0s"))
    flag_size = "" if flags.get("storage.tsdb.retention.size", "0B") in ("0B", "0") else flags["storage.tsdb.retention.size"]
    if runtime is not None and runtime.get("storageRetention"):
        parts = runtime["storageRetention"].split(" or ")
        kept = next((_seconds(part) for part in parts if durations.is_duration(part)), 0.0)
        size = next((part for part in parts if not durations.is_duration(part)), "")
    else:
        kept, size = flag_kept or (0.0 if flag_size else DEFAULT_RETENTION), flag_size
    return kept, size, not (flag_kept or flag_size or size) and kept == DEFAULT_RETENTION


def _seconds(flag: str) -> float:
    """A duration flag's seconds, as Prometheus prints it (`15d`, `0s`); 0 for what is no duration."""
    return durations.seconds(flag) if durations.is_duration(flag) else 0.0


def _read(spec: Spec, plan: Plan, indicator: str) -> list[Selector]:
    """The catalogued selectors the indicator's rules read, each once, in rule order."""
    found = [selector for rule in plan.of(indicator)
             for selector in promql.selectors(rule.expr) if presence.catalogued(spec, selector.metric) is not None]
    return list(dict.fromkeys(found))


class _Live:
    """What Prometheus answers, each query asked once: indicators share metrics."""

    def __init__(self, ask: Ask, now: float, lookback: float):
        self.ask, self.now, self.lookback = ask, now, lookback
        self.answers: dict[Query | RangeQuery, list] = {}

    def asked(self, query: Query | RangeQuery) -> list:
        if query not in self.answers:
            self.answers[query] = self.ask(query)
        return self.answers[query]

    def instant(self, promql_text: str) -> list:
        return self.asked(Query(promql_text, self.now))

    def values(self, metric: str, label: str) -> list[str]:
        """The values of `label` the metric's series carry now, sorted."""
        return sorted(sample.label(label) for sample in self.instant(f"count by ({label}) ({metric})"))

    def last_seen(self, selector: str) -> str:
        """When within the lookback the selector last matched a series, as pint says it."""
        # the finest step Prometheus answers (pint's is 5m): a series is seen if it outlived one
        step = max(1, round(self.lookback / MAX_POINTS))
        answer = self.asked(RangeQuery(f"count({selector})", self.now - self.lookback, self.now, step))
        within = f"the last {durations.text(self.lookback)}"
        last = max((t for series in answer if isinstance(series, Series) for t, _ in series.points), default=None)
        if last is None:
            return f"never seen in {within}"
        if self.now - last <= step:  # the range query sees no finer than its step
            return f"last seen less than {durations.text(step)} ago"
        return f"last seen about {durations.text(round((self.now - last) / step) * step)} ago (within {within})"


def _missing(spec: Spec, live: _Live, selector: Selector) -> list[Finding]:
    metric = presence.catalogued(spec, selector.metric)
    assert metric is not None  # _read keeps catalogued selectors only
    if not live.instant(f"count({selector.metric})"):
        return [Finding(MISSING_METRIC, selector.metric, f"no series now; {live.last_seen(selector.metric)}{_absent_hint(metric)}")]
    found = []
    positive = [(label, operator, value) for label, operator, value in selector.matchers
                if operator in ("=", "=~")]  # a negative matcher matches whatever is left, even nothing
    for matcher in positive:
        label = matcher[0]
        one = Selector(selector.metric, (matcher,)).text()
        if live.instant(f"count({one})"):
            continue
        carried = [value for value in live.values(selector.metric, label) if value]
        carried_text = f"its series carry {label}={', '.join(carried)}" if carried else f"its series have no label {label}"
        found.append(Finding(MISSING_VALUE, one, f"no series carries it now ({carried_text}); {live.last_seen(one)}{_absent_hint(metric)}"))
    if not found and len(positive) > 1:
        together = Selector(selector.metric, tuple(positive)).text()
        if not live.instant(f"count({together})"):
            found.append(Finding(MISSING_COMBINATION, together, "each matcher alone matches series now, but no series matches "
                                 f"them together; {live.last_seen(together)}{_absent_hint(metric)}"))
    return found


def _absent_hint(metric: Metric) -> str:
    if metric.always_exported or not metric.labels:  # prometheus_client exports a metric without labels at 0
        return ""
    return (f"; a {metric.type} with labels has no series until its first event: that may be calm, or mark it "
            "`initialised: true` so the instrumentation module creates its series at 0")


def _cardinality(metric: Metric, live: _Live, factor: float) -> list[Finding]:
    name = f"{metric.name}_count" if metric.type in ("histogram", "summary") else metric.name
    found = []
    for label, estimate in metric.cardinality:
        count = len(live.values(name, label))
        if count > factor * estimate:
            found.append(Finding(CARDINALITY, metric.name, f"label {label} has {count} values now, {count / estimate:.3g}x the "
                                 f"catalogue's estimate of {estimate} (warned beyond {factor:g}x): raise "
                                 f"metrics.{metric.name}.cardinality.{label} or find what adds values"))
    return found


def report(sections: tuple[Section, ...], server: Settings, url: str, quiet: bool) -> list[str]:
    """The lines `verify --prometheus` prints: per indicator its counts and findings (with
    --quiet only the indicators with findings), the server's settings (with --quiet only if
    something is wrong with them), then the totals."""
    lines = []
    for section in sections:
        if quiet and not section.findings:
            continue
        counts = ", ".join(counted(section.count(kind), kind) for kind in (MISSING_METRIC, MISSING_VALUE, MISSING_COMBINATION, CARDINALITY)
                           if section.count(kind)) or "every series present"
        name = f"{section.indicator} ({section.title})" if section.indicator else section.title
        lines.append(f"{name}: {counted(len(section.metrics), 'series' if section.indicator else 'metric')} "
                     f"{'read' if section.indicator else 'checked'}: {counts}")
        lines += [f"  {finding.kind} {finding.subject}: {finding.detail}" for finding in section.findings]
    if server.findings or not quiet:
        lines.append(f"server settings: {server.summary}")
        lines += [f"  {finding.kind} {finding.subject}: {finding.detail}" for finding in server.findings]
    indicators = [section for section in sections if section.indicator]
    failing = sum(1 for section in indicators if any(finding.failure for finding in section.findings))
    warnings = len({finding for section in sections for finding in section.findings if not finding.failure})
    lines.append(f"{url}: {counted(len(indicators), 'indicator')}, {len(indicators) - failing} with every series they read, "
                 f"{failing} missing some; {counted(warnings, CARDINALITY)}")
    return lines
