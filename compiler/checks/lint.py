"""What the enabled backends find wrong in what a valid spec would generate, located in the spec."""

from __future__ import annotations

from compiler import backends
from compiler.backends.outputs import Outputs
from compiler.loader import Document
from compiler.problems import Finding


def check(document: Document, outputs: Outputs) -> list[Finding]:
    return [document.problem(path, message) for path, message in backends.lint(outputs)]
