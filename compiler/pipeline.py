"""load -> validate -> model -> render -> emit: pure functions from spec bytes to file texts."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass

from compiler import backends, checks, emit, loader
from compiler.backends.outputs import Outputs
from compiler.backends.prometheus import cost
from compiler.model import Spec
from compiler.problems import Finding, SpecError


@dataclass(frozen=True)
class Compilation:
    spec: Spec
    files: dict[str, str]  # relative path -> text
    warnings: tuple[Finding, ...]
    costs: tuple[cost.GroupCost, ...]  # what each rule group reads per evaluation
    outputs: Outputs  # the rule plan, dashboards and routing the files were rendered from


def load(sources: list[tuple[str, bytes]], label: str) -> tuple[Spec, tuple[Finding, ...]]:
    """Spec files (name, bytes) -> the model and its warnings. Raises SpecError with every problem.

    `label` names the spec in generated headers: the file or folder name, the same on every machine."""
    built, warnings, _, _ = _load(sources, label)
    return built.spec, warnings


def _load(sources: list[tuple[str, bytes]], label: str) -> tuple[Outputs, tuple[Finding, ...], loader.Document, tuple[cost.GroupCost, ...]]:
    documents, loaded, unread = [], [], False
    for name, raw in sources:
        document, problems = loader.load_text(name, raw)
        loaded += problems
        unread |= document is None
        if document is not None:
            documents.append(document)
    # a file that does not load may hold what the others name, so their checks would only echo
    # its problem; an empty one holds nothing, so the others are checked without it
    if loaded and (unread or not any(document.data for document in documents)):
        raise SpecError(loaded)
    merged, found = loader.merge(documents)
    subject = checks.Subject(merged, label)
    for phase in checks.PHASES:
        found += checks.run(phase, subject)
        if phase.stops(found):  # on the merged files' findings alone: an empty file stops no phase
            raise SpecError(loaded + found)
    if loaded:
        raise SpecError(loaded + found)
    return subject.outputs, tuple(sorted(found)), merged, subject.costs


def compile_spec(sources: list[tuple[str, bytes]], label: str, checks_only: bool = False) -> Compilation:
    """`checks_only` (validate): every problem is found, but only the files the size check reads
    are rendered and emitted (a fraction of the work; no docs, no unit tests, no Jinja2)."""
    with without_cycle_collection():
        built, warnings, document, costs = _load(sources, label)
        files = backends.sized(built) if checks_only else backends.render(built)
        texts = emit.emit(files, built.spec.sources)
        # sizes are known only once emitted: an object too big to apply is an error like any other
        if oversized := [document.problem(path, message) for path, message in backends.oversized(built, files, texts)]:
            raise SpecError(oversized + list(warnings))
        return Compilation(built.spec, texts, warnings, costs, built)


@contextmanager
def without_cycle_collection(freeze: bool = False):
    """Compiling allocates millions of small objects that reference counting frees; the cyclic
    collector would scan them again and again and find nothing (a third of the compile time at
    3,000 indicators), so it is paused while compiling.

    `freeze` is for a caller that owns its process and keeps what it compiled until it ends (the
    CLI): the collector's first collection after would scan all of it to free nothing (0.7 s at
    10,000 indicators), so it is frozen first and no collection scans it again. compile_spec
    itself leaves the collector's generations alone, for library callers and test runs that
    compile many times in one process."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if freeze:
                gc.freeze()
            gc.enable()
