"""The weekly leading-indicators review (chapter 8.1.8): the executive summary, the
platform-health table, the per-model quality table and the action items."""

from __future__ import annotations

from dataclasses import dataclass

from compiler import conventions, present
from compiler.emit import Prose
from compiler.model import Indicator, Spec
from compiler.reports import silence, status
from compiler.reports.figures import NO_DATA, Figure, Reader, figure, moment
from compiler.reports.period import Period
from compiler.reports.queries import Ask, Sample


@dataclass(frozen=True)
class HealthRow:
    title: str
    this_week: str
    last_week: str
    target: str
    status: str
    where: str  # the team or model the row's value is from: the worst one


@dataclass(frozen=True)
class Cell:
    text: str
    status: str  # "" when the value raises nothing


@dataclass(frozen=True)
class ModelRow:
    name: str
    cells: tuple[Cell, ...]
    status: str


@dataclass(frozen=True)
class ActionItem:
    indicator: str
    where: str
    value: str
    status: str
    action: str
    responders: str
    runbook: str


def build(spec: Spec, period: Period, ask: Ask, where: tuple[tuple[str, str], ...] = (), html: bool = False) -> Prose:
    reader = Reader(ask, where)
    now = {i.id: reader.samples(conventions.indicator_series(spec, i), period.end) for i in spec.indicators}
    gone = {i.id: silence.silent(spec, reader, period, i, now[i.id]) for i in spec.indicators}
    context = {
        "title": spec.title, "period": period.title, "label": period.label, "at": moment(period.end),
        "where": ", ".join(f"{label}={value}" for label, value in where),
        "headline": [_headline(spec, reader, period, name, html) for name in spec.reports.headline]
                    or [_score(spec, reader, period, conventions.CATEGORY_LABEL, c.id, c.title, html) for c in spec.categories],
        "health": _health(spec, reader, period, now, gone),
        "quality": _quality(spec, reader, period, now, gone),
        "actions": _actions(spec, now, gone),
    }
    context["missing"] = reader.missing
    return Prose("weekly.html.j2" if html else "weekly.md.j2", context)


def _headline(spec: Spec, reader: Reader, period: Period, name: str, charts: bool) -> Figure:
    indicator = next((i for i in spec.indicators if i.id == name), None)
    if indicator is not None:
        return figure(reader, indicator.title, conventions.indicator_series(spec, indicator), period, (),
                      lambda v: present.shown(indicator, v), indicator.good, indicator.target, charts)
    entry = next((e for e in spec.scorecard if e.id == name), None)
    by, title = (conventions.SCORECARD_LABEL, entry.title) if entry else (conventions.CATEGORY_LABEL, spec.category(name).title)
    return _score(spec, reader, period, by, name, title, charts)


def _score(spec: Spec, reader: Reader, period: Period, by: str, name: str, title: str, charts: bool) -> Figure:
    """A scorecard entry's or a category's score (`by` names which) as a headline figure."""
    return figure(reader, f"{title} score", conventions.rollup_score_series(spec, by), period, ((by, "=", name),),
                  present.score, "higher", None, charts)


def _where(spec: Spec, indicator: Indicator, sample: Sample | silence.Silent) -> str:
    """The global and tracking labels naming a series: cluster=eu, model=fraud-detector."""
    return ", ".join(f"{label}={sample.label(label)}" for label in (*spec.global_labels, *indicator.track_by) if sample.label(label))


def _health(spec: Spec, reader: Reader, period: Period, now: dict[str, list[Sample]],
            gone: dict[str, list[silence.Silent]]) -> list[HealthRow]:
    if spec.reports.health is None:
        return []
    rows = []
    for indicator in (i for i in spec.indicators if i.category == spec.reports.health):
        current = status.worst(spec, indicator, now[indicator.id])
        before = status.worst(spec, indicator, reader.samples(conventions.indicator_series(spec, indicator), period.previous_end))
        paging = silence.paging(gone[indicator.id])  # the most severe first
        if paging and (current is None or status.severity(spec, paging[0][1]) > status.severity(spec, current[1])):
            rows.append(HealthRow(indicator.title, NO_DATA, present.value(indicator, before[0].value) if before else NO_DATA,
                                  present.met(indicator, indicator.target), paging[0][1].name, _where(spec, indicator, paging[0][0])))
            continue
        rows.append(HealthRow(
            indicator.title,
            present.value(indicator, current[0].value) if current else NO_DATA,
            present.value(indicator, before[0].value) if before else NO_DATA,
            present.met(indicator, indicator.target),
            current[1].name if current else NO_DATA,
            _where(spec, indicator, current[0]) if current else "",
        ))
    return rows


def _quality(spec: Spec, reader: Reader, period: Period, now: dict[str, list[Sample]],
             gone: dict[str, list[silence.Silent]]) -> dict:
    """One row per value of the `by` label across the quality category's indicators tracked by it,
    for every model at the week's end and every one that stopped reporting during it; a cell
    shows the worst series of that model (e.g. the worst endpoint) with its status, or "no data"
    with the level of the NoData alert firing for it."""
    by = spec.reports.by
    columns = [i for i in spec.indicators if i.category == spec.reports.quality and by in i.track_by]
    keys = sorted({_row_key(spec, sample, by) for i in columns for sample in now[i.id]}
                  | {_row_key(spec, silent, by) for i in columns for silent in gone[i.id] if silent.label(by)})
    show_global = len({key[:-1] for key in keys}) > 1
    rows = []
    for key in keys:
        cells, worst = [], None
        for indicator in columns:
            found = status.worst(spec, indicator, [s for s in now[indicator.id] if _row_key(spec, s, by) == key])
            if found is None:
                labels = dict(zip((*spec.global_labels, by), key))
                paging = next((level for silent, level in silence.paging(gone[indicator.id]) if silent.names(labels)), None)
                cells.append(Cell(NO_DATA, paging.name if paging else ""))
                reader.lacks(conventions.indicator_series(spec, indicator), period.end, *((label, "=", value) for label, value in labels.items()))
                if paging and (worst is None or status.severity(spec, paging) > status.severity(spec, worst)):
                    worst = paging
                continue
            cells.append(Cell(present.value(indicator, found[0].value), found[1].name if status.severity(spec, found[1]) else ""))
            if worst is None or status.severity(spec, found[1]) > status.severity(spec, worst):
                worst = found[1]
        name = key[-1] + (" (" + ", ".join(f"{label}={value}" for label, value in zip(spec.global_labels, key)) + ")" if show_global else "")
        rows.append(ModelRow(name, tuple(cells), worst.name if worst else NO_DATA))
    return {"label": by, "columns": [i.title for i in columns], "rows": rows}


def _row_key(spec: Spec, sample: Sample | silence.Silent, by: str) -> tuple[str, ...]:
    return (*(sample.label(label) for label in spec.global_labels), sample.label(by))


def _actions(spec: Spec, now: dict[str, list[Sample]], gone: dict[str, list[silence.Silent]]) -> list[ActionItem]:
    """Every series at a level the warning sign or worse raises (red, critical), and every one
    whose NoData alert fires at such a level, most severe first."""
    warning = spec.escalation.level_for("warning")
    floor = status.severity(spec, warning) if warning else 1
    items = []
    for indicator in spec.indicators:
        team = spec.team(indicator.team)
        for sample in now[indicator.id]:
            found = status.level(spec, indicator, sample)
            if status.severity(spec, found) < floor:
                continue
            responders = ", ".join(spec.responder(r).title for r in team.responders_for(found))
            items.append((-status.severity(spec, found), indicator.id, _where(spec, indicator, sample), ActionItem(
                indicator.title, _where(spec, indicator, sample), present.value(indicator, sample.value), found.name,
                found.action, responders, indicator.runbook_url)))
        for silent, alert in silence.paging(gone[indicator.id]):
            if status.severity(spec, alert) < floor:
                continue
            responders = ", ".join(spec.responder(r).title for r in team.responders_for(alert))
            items.append((-status.severity(spec, alert), indicator.id, _where(spec, indicator, silent), ActionItem(
                indicator.title, _where(spec, indicator, silent), NO_DATA, alert.name, alert.action, responders, indicator.runbook_url)))
    return [item for *_, item in sorted(items, key=lambda entry: entry[:3])]
