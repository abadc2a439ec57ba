"""Series that stopped reporting, as both reports see them: an indicator's series that had a
value during the period but none at its end (an exporter that stopped), and every series its
NoData alert is firing for at the end, with that alert's level.

Reading only the series present at the end, a model whose exporter stopped had no row, no "no
data" cell and no action item, and the averages over the models left read "better", while its
NoData alert paged."""

from __future__ import annotations

from dataclasses import dataclass

from compiler import conventions, presence
from compiler.model import Indicator, Level, Spec
from compiler.reports import status
from compiler.reports.figures import Reader
from compiler.reports.period import Period
from compiler.reports.queries import Sample


@dataclass(frozen=True)
class Silent:
    labels: tuple[tuple[str, str], ...]  # the global and tracking labels naming the series; a NoData alert's own (absent()'s: none)
    alert: Level | None  # the level of the indicator's NoData alert firing for it at the period's end; None when none fires

    def label(self, name: str) -> str:
        return dict(self.labels).get(name, "")

    def names(self, labels: dict[str, str]) -> bool:
        """Whether this is (or covers: a label it lacks matches any value) the series `labels` name."""
        return all(self.label(name) in ("", value) for name, value in labels.items())


def silent(spec: Spec, reader: Reader, period: Period, indicator: Indicator, now: list[Sample]) -> list[Silent]:
    """The indicator's series without a value at the period's end that reported during it (its
    last value over the period) or that its NoData alert is firing for, the most severe first.
    Each is listed among the report's series without data."""
    series = conventions.indicator_series(spec, indicator)
    keys = (*spec.global_labels, *indicator.track_by)

    def key(sample: Sample) -> tuple[tuple[str, str], ...]:
        return tuple((label, sample.label(label)) for label in keys if sample.label(label))

    present = {key(sample) for sample in now}
    no_data = spec.escalation.level_for(conventions.NO_DATA_THRESHOLD)
    alerts = [] if no_data is None or not presence.sources(spec, indicator) else [  # else the indicator raises no NoData
        (key(sample), _level(spec, sample, no_data))
        for sample in reader.firing(conventions.alert_name(spec.name, indicator.id, conventions.NO_DATA_SUFFIX), period.end)]
    found: dict[tuple[tuple[str, str], ...], Silent] = {}
    for labels in [key(sample) for sample in reader.over(series, period.previous_end, period.end)] + [labels for labels, _ in alerts]:
        if labels in present or labels in found:
            continue
        raised = [level for alert, level in alerts if Silent(alert, None).names(dict(labels))]
        found[labels] = Silent(labels, max(raised, key=lambda level: status.severity(spec, level)) if raised else None)
        reader.lacks(series, period.end, *((label, "=", value) for label, value in labels))
    return sorted(found.values(), key=lambda gone: (-status.severity(spec, gone.alert) if gone.alert else 0, gone.labels))


def paging(gone: list[Silent]) -> list[tuple[Silent, Level]]:
    """Those whose NoData alert fires, with its level, the most severe first."""
    return [(silent, silent.alert) for silent in gone if silent.alert is not None]


def _level(spec: Spec, alert: Sample, no_data: Level) -> Level:
    """The level the alert's `level` label names (the NoData level when it names none the matrix has)."""
    return next((level for level in spec.escalation.levels if level.name == alert.label(conventions.LEVEL_LABEL)), no_data)
