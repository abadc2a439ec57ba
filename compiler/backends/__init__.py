"""The output backends, registered in one place. Each takes the model and returns
{relative path: plain data}; none of them writes files or formats text."""

from __future__ import annotations

from typing import Callable

from compiler.backends import docs
from compiler.model import Spec

Backend = Callable[[Spec], dict[str, object]]

BACKENDS: dict[str, Backend] = {
    "docs": docs.render,
}


def render(spec: Spec) -> dict[str, object]:
    files: dict[str, object] = {}
    for target, backend in BACKENDS.items():
        if target in spec.output.targets:
            files.update(backend(spec))
    return files
