"""`expr`: the spec author's own PromQL, kept at the global and tracking labels. Its value
cannot be set from outside: the spec's own `tests:` cover it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from compiler import promql
from compiler.backends.prometheus.measures import Value
from compiler.measures import Measure
from compiler.promql import Joined
from compiler.spec_types import Indicator as TypedIndicator


@dataclass(frozen=True)
class Expr(Measure):
    name: ClassVar[str] = "expr"
    schema: ClassVar[dict[str, object]] = {"type": "string", "minLength": 1, "description": "A plain PromQL expression; it must keep the tracking labels."}
    expr: str

    @classmethod
    def from_spec(cls, body: str, window: float, indicator: TypedIndicator) -> Expr:
        return cls(promql.one_line(body))

    def operation(self, good: str) -> str:
        return "value"

    def value(self, state: Value) -> Joined:
        """The author's expression, widened: parsed whole, as no part of it is the compiler's."""
        text = promql.keep_labels(self.expr, state.spec.global_labels)
        return Joined(text, promql.series_read(text))

    def sources(self) -> list[str]:
        return [read.name for read in promql.series_read(self.expr)]

    def user_expr(self) -> str | None:
        return self.expr
