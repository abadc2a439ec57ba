"""Derived tables computed once per compile.

Backends and their lint ask for the same table of the model (panel ids, the rule groups) once
per alert or per file; recomputing it each time made compiling quadratic in the number of
indicators. The model is frozen, so a table derived from it holds as long as the model does.
The cache is by identity and holds only the last model: hashing a frozen spec of 10,000
indicators costs as much as recomputing the table."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

Model = TypeVar("Model")
Result = TypeVar("Result")


def per_model(function: Callable[[Model], Result]) -> Callable[[Model], Result]:
    """Cache `function(model)` for the last model it was called with. Callers must not mutate
    the result: every caller gets the same object."""
    last: list = [None, None]

    @functools.wraps(function)
    def cached(model: Model) -> Result:
        if last[0] is not model:
            last[:] = [model, function(model)]
        return last[1]

    return cached
