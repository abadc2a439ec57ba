"""load -> validate -> model -> render -> emit: pure functions from spec bytes to file texts."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, replace

from compiler import backends, checks, emit, loader
from compiler.backends.prometheus import cost
from compiler.build import build
from compiler.model import Spec
from compiler.problems import Problem, SpecError


@dataclass(frozen=True)
class Compilation:
    spec: Spec
    files: dict[str, str]  # relative path -> text
    warnings: tuple[Problem, ...]
    costs: tuple[cost.GroupCost, ...]  # what each rule group reads per evaluation


def load(sources: list[tuple[str, bytes]], label: str) -> tuple[Spec, tuple[Problem, ...]]:
    """Spec files (name, bytes) -> the model and its warnings. Raises SpecError with every problem.

    `label` names the spec in generated headers: the file or folder name, the same on every machine."""
    spec, warnings, _ = _load(sources, label)
    return spec, warnings


def _load(sources: list[tuple[str, bytes]], label: str) -> tuple[Spec, tuple[Problem, ...], loader.Document]:
    documents, problems = [], []
    for name, raw in sources:
        document, found = loader.load_text(name, raw)
        problems += found
        if document is not None:
            documents.append(document)
    if problems:
        raise SpecError(problems)
    document, problems = loader.merge(documents)
    problems += checks.validate(document)
    if any(problem.severity == "error" for problem in problems):
        raise SpecError(problems)
    spec = build(document.data, (label,))
    problems += checks.validate_model(document, spec)
    if not any(problem.severity == "error" for problem in problems):  # lint what a valid spec generates
        problems += [document.problem(path, message) for path, message in backends.lint(spec)]
    if any(problem.severity == "error" for problem in problems):
        raise SpecError(problems)
    problems += [replace(document.problem(path, message, hint), severity="warning") for path, message, hint in cost.over_budget(spec)]
    return spec, tuple(sorted(problems)), document


def compile_spec(sources: list[tuple[str, bytes]], label: str) -> Compilation:
    with _without_cycle_collection():
        spec, warnings, document = _load(sources, label)
        files = backends.render(spec)
        texts = emit.emit(files, spec.sources)
        # sizes are known only once emitted: an object too big to apply is an error like any other
        if oversized := [document.problem(path, message) for path, message in backends.oversized(spec, files, texts)]:
            raise SpecError(oversized + list(warnings))
        return Compilation(spec, texts, warnings, cost.group_costs(spec))


@contextmanager
def _without_cycle_collection():
    """Compiling allocates millions of small objects that reference counting frees; the cyclic
    collector would scan them again and again and find nothing (a third of the compile time at
    3,000 indicators), so it is paused while compiling."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
