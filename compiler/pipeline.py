"""load -> validate -> model -> render -> emit: pure functions from spec bytes to file texts."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import cast

from compiler import backends, checks, emit, loader
from compiler.backends.outputs import Outputs
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
    outputs: Outputs  # the rule plan, dashboards and routing the files were rendered from


def load(sources: list[tuple[str, bytes]], label: str) -> tuple[Spec, tuple[Problem, ...]]:
    """Spec files (name, bytes) -> the model and its warnings. Raises SpecError with every problem.

    `label` names the spec in generated headers: the file or folder name, the same on every machine."""
    built, warnings, _, _ = _load(sources, label)
    return built.spec, warnings


def _load(sources: list[tuple[str, bytes]], label: str) -> tuple[Outputs, tuple[Problem, ...], loader.Document, tuple[cost.GroupCost, ...]]:
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
    spec = build(cast(dict, document.data), (label,))  # the schema has made it a mapping
    problems += checks.validate_model(document, spec)
    if any(problem.severity == "error" for problem in problems):
        raise SpecError(problems)
    built = backends.outputs(spec)  # what a valid spec generates, built once: linted, costed, rendered
    problems += [document.problem(path, message) for path, message in backends.lint(built)]
    if any(problem.severity == "error" for problem in problems):
        raise SpecError(problems)
    costs = cost.group_costs(spec, built.rules)
    problems += [replace(document.problem(path, message, hint), severity="warning") for path, message, hint in cost.over_budget(spec, costs)]
    return built, tuple(sorted(problems)), document, costs


def compile_spec(sources: list[tuple[str, bytes]], label: str, checks_only: bool = False) -> Compilation:
    """`checks_only` (validate): every problem is found, but only the files the size check reads
    are rendered and emitted (a fraction of the work; no docs, no unit tests, no Jinja2)."""
    with _without_cycle_collection():
        built, warnings, document, costs = _load(sources, label)
        files = backends.sized(built) if checks_only else backends.render(built)
        texts = emit.emit(files, built.spec.sources)
        # sizes are known only once emitted: an object too big to apply is an error like any other
        if oversized := [document.problem(path, message) for path, message in backends.oversized(built, files, texts)]:
            raise SpecError(oversized + list(warnings))
        return Compilation(built.spec, texts, warnings, costs, built)


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
