"""The monthly business review (chapter 8.1.8): each scorecard entry's weight, score and its
weakest indicator, the weighted composite score and the predicted ROI multiplier (8.1.9), each
against the month before."""

from __future__ import annotations

from dataclasses import dataclass

from compiler import conventions, present
from compiler.emit import Prose
from compiler.model import ScorecardEntry, Spec
from compiler.reports import silence
from compiler.reports.figures import Figure, Reader, figure, moment
from compiler.reports.period import Period
from compiler.reports.queries import Ask


@dataclass(frozen=True)
class EntryRow:
    weight: str
    figure: Figure
    note: str  # "weakest: Toil Ratio (35/100)", or "none below target" when all score 100; then the series that stopped


def build(spec: Spec, period: Period, ask: Ask, where: tuple[tuple[str, str], ...] = (), html: bool = False) -> Prose:
    reader = Reader(ask, where)
    per_entry = conventions.rollup_score_series(spec, conventions.SCORECARD_LABEL)
    rows = [EntryRow(present.weight(entry.weight),
                     figure(reader, entry.title, per_entry, period, ((conventions.SCORECARD_LABEL, "=", entry.id),),
                            present.score, "higher", None, html),
                     "; ".join((_weakest(spec, reader, period, entry), *_stopped(spec, reader, period, entry))))
            for entry in spec.scorecard]
    composite = figure(reader, "Composite score", conventions.composite_score_series(spec), period, (),
                       present.score, "higher", None, html) if spec.scorecard else None
    roi = figure(reader, "Predicted ROI multiplier", conventions.roi_series(spec), period, (),
                 present.multiplier, "higher", None, html) if spec.roi else None
    context: dict[str, object] = {
        "title": spec.title, "period": period.title, "label": period.label, "at": moment(period.end),
        "where": ", ".join(f"{label}={value}" for label, value in where),
        "rows": rows, "composite": composite, "roi": roi,
    }
    context["missing"] = reader.missing
    return Prose("monthly.html.j2" if html else "monthly.md.j2", context)


def _weakest(spec: Spec, reader: Reader, period: Period, entry: ScorecardEntry) -> str:
    """The entry's indicator with the lowest score (averaged over clusters) at the month's end."""
    if not entry.indicators:
        return "no indicators"
    scores: dict[str, list[float]] = {}
    members = (conventions.INDICATOR_LABEL, "=~", "|".join(entry.indicators))
    for sample in reader.samples(conventions.rollup_score_series(spec, conventions.INDICATOR_LABEL), period.end, members):
        scores.setdefault(sample.label(conventions.INDICATOR_LABEL), []).append(sample.value)
    if not scores:
        return "no indicator scores"
    means = {name: sum(values) / len(values) for name, values in scores.items()}
    weakest = min(sorted(means), key=lambda name: means[name])
    score = present.score(means[weakest])
    if score.number >= 100:  # every indicator at or beyond its target: none is weak
        return "none below target"
    title = next(i.title for i in spec.indicators if i.id == weakest)
    return f"weakest: {title} ({score.text})"


def _stopped(spec: Spec, reader: Reader, period: Period, entry: ScorecardEntry) -> list[str]:
    """The series of the entry's indicators that stopped reporting, per series: "no data from
    cluster=us, model=legacy: Accuracy / AUC, Drift Score (NoData red)". Its score, averaged over
    the series left, no longer counts them."""
    found: dict[str, tuple[list[str], list[str]]] = {}
    for indicator in (i for i in spec.indicators if i.id in entry.indicators):
        now = reader.samples(conventions.indicator_series(spec, indicator), period.end, listed=False)  # the table shows scores
        for gone in silence.silent(spec, reader, period, indicator, now):
            titles, levels = found.setdefault(", ".join(f"{label}={value}" for label, value in gone.labels), ([], []))
            titles.append(indicator.title)
            levels += [gone.alert.name] if gone.alert and gone.alert.name not in levels else []
    return [f"no data{' from ' + where if where else ''}: {', '.join(titles)}{' (NoData ' + ', '.join(levels) + ')' if levels else ''}"
            for where, (titles, levels) in sorted(found.items())]
