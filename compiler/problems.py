"""Problems are values, not exceptions: every check returns a list of them."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int
    column: int
    path: str
    message: str
    hint: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        field = f" {self.path}:" if self.path else ""
        text = f"{where}:{field} {self.message}"
        if self.severity != "error":
            text = f"{where}: {self.severity}:{field} {self.message}"
        return _one_line(f"{text} (hint: {self.hint})" if self.hint else text)


def _one_line(text: str) -> str:
    """A newline or tab in a quoted value or key shows as \\n or \\t: each problem is one line."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def counted(count: int, noun: str) -> str:
    """`1 indicator`, `2 indicators`: a count as people write it (a noun ending in s, `series`, stays)."""
    return f"{count} {noun}{'' if count == 1 or noun.endswith('s') else 's'}"


def did_you_mean(word: str, choices) -> str:
    """A hint naming the closest of `choices`, or "" when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean '{close[0]}'?" if close else ""


class SpecError(Exception):
    """Raised once, at a phase boundary, carrying every problem found so far."""

    def __init__(self, problems: list[Finding]):
        super().__init__(f"{len(problems)} problem(s) in the spec")
        self.problems = sorted(problems)
