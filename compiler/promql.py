"""PromQL through promql-parser: parsing, the series an expression reads (parsed, or known from
the parts the compiler writes it with: join, join_by, placed), and the misuses the chapter's own
examples make (a histogram quantile over a bare name, a counter read raw)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import promql_parser

from compiler.model import Selector

# Prometheus reads an instant vector's newest sample up to 5m old (--query.lookback-delta, whose
# default the compiled rules assume)
LOOKBACK_DELTA = 300
RANGE_FUNCTIONS = {"rate", "irate", "increase", "delta", "idelta", "deriv", "resets", "changes"}
_OPERATORS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


class PromQLError(ValueError):
    pass


def parse(text: str):
    try:
        return promql_parser.parse(text)
    except (ValueError, RuntimeError) as err:
        raise PromQLError(f"PromQL does not parse: {err}") from None


@functools.lru_cache(maxsize=65_536)  # a pure function of the text: the queries and label-value checks and the build each parse every selector
def parse_selector(text: str) -> Selector:
    """A plain series selector (`name{label="value"}`): no functions, ranges or operators."""
    node = parse(text)
    if not isinstance(node, promql_parser.VectorSelector) or node.name is None:
        raise PromQLError(f"expected a series selector such as metric_name{{label=\"value\"}}, got '{text}'")
    if node.offset is not None or node.at is not None:
        raise PromQLError("a selector here may not use offset or @")
    return Selector(node.name, tuple(_read(node)[1]))


def one_line(text: str) -> str:
    """The expression on one line, as it means the same: a `#` comment is dropped up to its line's
    end (kept, it would swallow what a rule writes after the expression) and runs of whitespace
    become one space, except inside string literals, which stay exactly as written."""
    out: list[str] = []
    quote = ""
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            out.append(char)
            if char == "\\" and quote != "`" and index + 1 < len(text):  # an escaped character, quote included
                index += 1
                out.append(text[index])
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
            out.append(char)
        elif char == "#":
            while index + 1 < len(text) and text[index + 1] != "\n":
                index += 1
        elif char.isspace():
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(char)
        index += 1
    return "".join(out).strip()


def _read(node) -> tuple[str | None, list[tuple[str, str, str]]]:
    """A vector selector's metric (its name, or the value of its first `__name__="..."` matcher)
    and its other matchers as (label, operator, value), from one read of its matchers: each read
    copies them out of the parse tree."""
    name = node.name
    matchers = []
    for matcher in node.matchers.matchers:
        label, operator = matcher.name, _OPERATORS[str(matcher.op)]
        if label != "__name__":
            matchers.append((label, operator, matcher.value))
        elif not name and operator == "=":
            name = matcher.value
    return name or None, matchers


def unnamed_selectors(text: str) -> list[str]:
    """Selectors with no literal metric name (`{job="a"}`, `{__name__=~"x.*"}`): they read
    metrics the catalogue cannot check."""
    found: list[str] = []

    def visit(node):
        if isinstance(node, promql_parser.VectorSelector) and _read(node)[0] is None:
            found.append(str(node))
        return None

    promql_parser.transform(parse(text), pre_visit=visit)
    return found


@dataclass(frozen=True)
class SeriesRead:
    """One series an expression reads, and how."""

    name: str
    labels: tuple[str, ...]  # label names its matchers use
    in_range_function: bool  # inside rate(), increase(), ...
    quantile_argument: bool  # the direct (possibly aggregated) input of histogram_quantile
    equal_labels: tuple[str, ...] = ()  # label names matched to one value (`label="value"`)
    window: float = 0.0  # seconds of the range or subquery it is read over; 0 for an instant read


@functools.lru_cache(maxsize=65_536)  # a pure function of the text, and rules repeat their inputs: a quarter of the plan's parses
def series_read(text: str) -> tuple[SeriesRead, ...]:
    """Every named series the expression reads, with the context the lint checks need."""
    found: list[SeriesRead] = []
    _visit(parse(text), found, in_range=False, in_quantile=False, window=0.0)
    return tuple(found)


PART = "__part__"  # where placed() stands a selector in a template: a name no catalogue has


@dataclass(frozen=True)
class Joined:
    """PromQL the compiler writes from parts whose reads it knows, with what it reads (what
    series_read(text) finds), so that it is never parsed whole."""

    text: str
    reads: tuple[SeriesRead, ...]


def join(*pieces: str | Joined) -> Joined:
    """The pieces one after another, strings as written (operators, aggregations, parentheses,
    offsets: no series of their own), reading what the parts read, in order. Exact when the
    strings join the parts by binary operators, parentheses, offsets, aggregations without a
    parameter and calls of functions that are neither range functions nor histogram_quantile,
    outside any range or subquery: none of those changes how a series below them is read. Nor
    does histogram_quantile when its argument reads each series inside a call of the argument's
    own (rate(), avg_over_time()): a call decides for its arguments whether they are the
    quantile argument. A part read over a range, or as the quantile argument, is placed()."""
    texts: list[str] = []
    reads: tuple[SeriesRead, ...] = ()
    for piece in pieces:
        if isinstance(piece, Joined):
            texts.append(piece.text)
            reads += piece.reads
        else:
            texts.append(piece)
    return Joined("".join(texts), reads)


def join_by(separator: str, parts: Sequence[Joined]) -> Joined:
    """The parts with `separator` (an operator on lines of its own, `\\nor\\n`) between each
    two, as str.join puts it: join() of them."""
    return join(*[piece for part in parts for piece in (separator, part)][1:])


@functools.lru_cache(maxsize=65_536)  # a pure function of its arguments: each indicator places its selectors in the same few templates
def placed(selector: Selector, template: str = PART) -> Joined:
    """The selector standing at each PART of `template` (`rate(__part__[1h])`,
    `histogram_quantile(0.9, sum by (le) (__part__))`), and what that reads: read at a PART as
    _visit reads a series there (in a range function or not, as the quantile argument or not,
    over which window), the template's other reads as they are. A template is parsed once
    whatever selector stands in it, and a selector alone is not parsed at all."""
    text = selector.text()
    reads = tuple(_series(selector.metric, selector.matchers, read.in_range_function, read.quantile_argument, read.window)
                  if read.name == PART else read for read in series_read(template))
    return Joined(template.replace(PART, text) if template != PART else text, reads)


_RANGED = (promql_parser.MatrixSelector, promql_parser.SubqueryExpr)  # what a series is read over
_PASSING = (promql_parser.AggregateExpr, promql_parser.ParenExpr)


def _visit(node, found: list[SeriesRead], in_range: bool, in_quantile: bool, window: float) -> None:
    # By exact type, not isinstance: the parser returns its classes themselves, and a plan's
    # hundreds of thousands of nodes each paid a chain of isinstance checks.
    kind = type(node)
    if kind is promql_parser.VectorSelector:
        name, matchers = _read(node)
        if name:
            found.append(_series(name, matchers, in_range, in_quantile, window))
        return
    if kind is promql_parser.Call:
        name = node.func.name
        ranged = in_range or name in RANGE_FUNCTIONS
        for index, argument in enumerate(node.args):
            _visit(argument, found, ranged, name == "histogram_quantile" and index == 1, window)
        return
    if kind in _RANGED and node.range:
        window = node.range.total_seconds()  # the innermost range is what the series is read over
    # an aggregation (sum by (le) ...) passes histogram_quantile's input straight through
    passes = in_quantile and kind in _PASSING
    for child in children(node):
        _visit(child, found, in_range, passes, window)


def _series(name: str, matchers: Sequence[tuple[str, str, str]], in_range: bool, in_quantile: bool, window: float) -> SeriesRead:
    """How a selector of `name` with `matchers` (label, operator, value) is read in its context."""
    labels: tuple[str, ...] = ()  # most selectors read a recorded series whole
    equal: tuple[str, ...] = ()
    if matchers:
        labels = tuple(label for label, _, _ in matchers)
        equal = tuple(label for label, operator, _ in matchers if operator == "=")
    return SeriesRead(name, labels, in_range, in_quantile, equal, window)


_CHILDREN = {
    promql_parser.BinaryExpr: lambda node: (node.lhs, node.rhs),
    promql_parser.AggregateExpr: lambda node: (node.expr,) if node.param is None else (node.expr, node.param),
    promql_parser.MatrixSelector: lambda node: (node.vector_selector,),
    promql_parser.ParenExpr: lambda node: (node.expr,),
    promql_parser.UnaryExpr: lambda node: (node.expr,),
    promql_parser.SubqueryExpr: lambda node: (node.expr,),
}


def children(node) -> tuple:
    """The sub-expressions of an expression node (not of calls, whose arguments carry context)."""
    take = _CHILDREN.get(type(node))
    return take(node) if take is not None else ()


@functools.lru_cache(maxsize=16_384)  # a pure function of its arguments: the build widens each user expression, and the lint again to check it
def keep_labels(text: str, labels: tuple[str, ...]) -> str:
    """The expression with `labels` added to every `by` clause and to aggregations without one,
    so that a user's PromQL keeps the global labels (e.g. cluster) like generated PromQL does.
    Returned unchanged when nothing is missing."""
    if not labels:
        return text

    def widen(node):
        if not isinstance(node, promql_parser.AggregateExpr):
            return None
        modifier = node.modifier
        if modifier is not None and modifier.type != promql_parser.AggModifierType.By:
            return None
        kept = list(modifier.labels) if modifier is not None else []
        if all(label in kept for label in labels):
            return None
        grouping = ", ".join([*labels, *(label for label in kept if label not in labels)])
        param = f"{node.param}, " if node.param is not None else ""
        return parse(f"{node.op} by ({grouping}) ({param}{node.expr})")

    tree = parse(text)
    widened = promql_parser.transform(tree, post_visit=widen)
    return text if str(widened) == str(tree) else widened.prettify().lstrip()


def dropped_labels(text: str, labels: tuple[str, ...]) -> list[str]:
    """The labels among `labels` that some aggregation in the expression drops. On the right of
    `and` or `unless` matched `on (...)`, only those labels matter: the result is the left side's."""
    dropped: set[str] = set()

    def visit(node, needed: tuple[str, ...]) -> None:
        if isinstance(node, promql_parser.AggregateExpr):
            modifier = node.modifier
            if modifier is None:
                dropped.update(needed)
            elif modifier.type == promql_parser.AggModifierType.By:
                dropped.update(label for label in needed if label not in modifier.labels)
            else:
                dropped.update(label for label in needed if label in modifier.labels)
        if isinstance(node, promql_parser.BinaryExpr) and str(node.op) in ("and", "unless") and node.modifier is not None \
                and node.modifier.matching is not None and node.modifier.matching.type == promql_parser.LabelModifierType.Include:
            visit(node.lhs, needed)
            visit(node.rhs, tuple(label for label in needed if label in node.modifier.matching.labels))
            return
        for child in (node.args if isinstance(node, promql_parser.Call) else children(node)):
            visit(child, needed)

    visit(parse(text), labels)
    return sorted(dropped)


def selectors(text: str) -> list[Selector]:
    """Every named series selector in the expression, with its label matchers."""
    found: list[Selector] = []

    def visit(node):
        if isinstance(node, promql_parser.VectorSelector):
            name, matchers = _read(node)
            if name:
                found.append(Selector(name, tuple(matchers)))
        return None

    promql_parser.transform(parse(text), pre_visit=visit)
    return found


def lookback(text: str) -> float:
    """Seconds of history before an evaluation that the expression reads: its longest range,
    subquery and offset, nested ones added (`max_over_time(rate(x[5m])[1h:1m])` reads 1h5m)."""
    def reach(node) -> float:
        shift = getattr(node, "offset", None)
        offset = shift.total_seconds() if shift else 0.0
        if isinstance(node, promql_parser.MatrixSelector):
            return node.range.total_seconds() + reach(node.vector_selector)
        if isinstance(node, promql_parser.SubqueryExpr):
            span = node.range.total_seconds() if node.range else 0.0  # always set in PromQL; the stub allows None
            return span + offset + reach(node.expr)
        if isinstance(node, promql_parser.Call):
            return max((reach(argument) for argument in node.args), default=0.0)
        return offset + max((reach(child) for child in children(node)), default=0.0)

    return reach(parse(text))
