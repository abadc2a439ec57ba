"""What an expression reads (promql.series_read), which the lint, the cost estimate and the
generated unit tests trust: each series with its labels, whether a range function reads it,
whether it is histogram_quantile's input and the window it is read over. The walk is by type
for speed; the table pins it on hand-written edges and, against the walk it replaced
(isinstance by isinstance, kept below as the reference), on every expression the shipped spec
and the golden specs generate. Each of its rules broken turns the table red. A selector placed in
a template (promql.placed) reads what parsing the text it writes reads, in every context."""

from __future__ import annotations

import dataclasses

import promql_parser
import pytest
from conftest import ROOT

from compiler import pipeline, promql
from compiler.backends import prometheus
from compiler.model import Selector
from compiler.promql import SeriesRead

SPECS = [ROOT / "indicators.yaml", *sorted((ROOT / "tests" / "golden").glob("*/spec.yaml"))]

# (expression, what it reads): each context switched on just inside it and off just outside
EDGES = [
    ("x", (SeriesRead("x", (), False, False),)),
    ('x{a="b", c!="d", e=~"f", g!~"h"}', (SeriesRead("x", ("a", "c", "e", "g"), False, False, ("a",)),)),
    ('{__name__="x", a="b"}', (SeriesRead("x", ("a",), False, False, ("a",)),)),
    ('{__name__=~"x.*"}', ()),
    ("rate(x[5m])", (SeriesRead("x", (), True, False, (), 300.0),)),
    ("x[5m] offset 1h", (SeriesRead("x", (), False, False, (), 300.0),)),
    ("avg_over_time(x[1d])", (SeriesRead("x", (), False, False, (), 86400.0),)),
    ("abs(rate(x[5m]))", (SeriesRead("x", (), True, False, (), 300.0),)),
    ("max_over_time(rate(x[5m])[1h:1m])", (SeriesRead("x", (), True, False, (), 300.0),)),
    ("rate(abs(x)[5m:1m])", (SeriesRead("x", (), True, False, (), 300.0),)),
    ("max_over_time(x[1h:1m])", (SeriesRead("x", (), False, False, (), 3600.0),)),
    ("rate(x[5m]) / y", (SeriesRead("x", (), True, False, (), 300.0), SeriesRead("y", (), False, False))),
    ("-x", (SeriesRead("x", (), False, False),)),
    ("histogram_quantile(0.9, sum by (le) ((x_bucket)))", (SeriesRead("x_bucket", (), False, True),)),
    ("histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))", (SeriesRead("x_bucket", (), True, False, (), 300.0),)),
    ("histogram_quantile(0.9, x_bucket + y)", (SeriesRead("x_bucket", (), False, False), SeriesRead("y", (), False, False))),
    ("histogram_quantile(0.9, abs(x_bucket))", (SeriesRead("x_bucket", (), False, False),)),
    ("topk(3, x) or quantile(0.5, y)", (SeriesRead("x", (), False, False), SeriesRead("y", (), False, False))),
    ("topk(scalar(z), y)", (SeriesRead("y", (), False, False), SeriesRead("z", (), False, False))),
    ("count_values(\"v\", x)", (SeriesRead("x", (), False, False),)),
    ("vector(1) > 0.5", ()),
]


def reference_walk(node, found: list[SeriesRead], in_range: bool, in_quantile: bool, window: float) -> None:
    """promql._visit as it was before it walked by type: the behaviour it must keep."""
    if isinstance(node, promql_parser.VectorSelector):
        named = [m.value for m in node.matchers.matchers if m.name == "__name__" and str(m.op) == "MatchOp.Equal"]
        if name := node.name or (named[0] if named else None):
            operators = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}
            matchers = [(m.name, operators[str(m.op)]) for m in node.matchers.matchers if m.name != "__name__"]
            found.append(SeriesRead(name, tuple(label for label, _ in matchers), in_range, in_quantile,
                                    tuple(label for label, operator in matchers if operator == "="), window))
        return
    if isinstance(node, promql_parser.Call):
        for index, argument in enumerate(node.args):
            quantile_input = node.func.name == "histogram_quantile" and index == 1
            reference_walk(argument, found, in_range or node.func.name in promql.RANGE_FUNCTIONS, quantile_input, window)
        return
    if isinstance(node, (promql_parser.MatrixSelector, promql_parser.SubqueryExpr)) and node.range:
        window = node.range.total_seconds()
    if isinstance(node, promql_parser.BinaryExpr):
        below = [node.lhs, node.rhs]
    elif isinstance(node, promql_parser.AggregateExpr):
        below = [node.expr] + ([node.param] if node.param is not None else [])
    elif isinstance(node, promql_parser.MatrixSelector):
        below = [node.vector_selector]
    elif isinstance(node, (promql_parser.ParenExpr, promql_parser.UnaryExpr, promql_parser.SubqueryExpr)):
        below = [node.expr]
    else:
        below = []
    for child in below:
        passes = in_quantile and isinstance(node, (promql_parser.AggregateExpr, promql_parser.ParenExpr))
        reference_walk(child, found, in_range, passes, window)


def generated() -> list[str]:
    """Every distinct expression the shipped spec and the golden specs generate, and the edges."""
    found = dict.fromkeys(text for text, _ in EDGES)
    for path in SPECS:
        spec, _ = pipeline.load([(path.name, path.read_bytes())], path.name)
        found.update(dict.fromkeys(rule.expr for rule in prometheus.build(spec).rules()))
    return list(found)


EXPRESSIONS = generated()
REFERENCE = {text: [] for text in EXPRESSIONS}
for text, reads in REFERENCE.items():
    reference_walk(promql.parse(text), reads, False, False, 0.0)


def read(text: str) -> tuple[SeriesRead, ...]:
    return promql.series_read.__wrapped__(text)  # uncached: a mutant must be walked afresh


@pytest.mark.parametrize(("text", "reads"), EDGES, ids=[text for text, _ in EDGES])
def test_an_expression_reads_each_series_in_its_context(text, reads):
    assert read(text) == reads == tuple(REFERENCE[text])


def test_every_generated_expression_reads_what_the_reference_walk_reads():
    assert len(EXPRESSIONS) > 300
    assert [text for text in EXPRESSIONS if list(read(text)) != REFERENCE[text]] == []


# (rule broken, attribute of compiler.promql, its broken value)
MUTANTS = [
    ("rate() is no range function: in_range_function wrong", "RANGE_FUNCTIONS", promql.RANGE_FUNCTIONS - {"rate"}),
    ("a subquery's range is not the window: window wrong", "_RANGED", (promql_parser.MatrixSelector,)),
    ("no range is a window: window wrong", "_RANGED", ()),
    ("an aggregation hides histogram_quantile's input", "_PASSING", (promql_parser.ParenExpr,)),
    ("parentheses hide histogram_quantile's input", "_PASSING", (promql_parser.AggregateExpr,)),
    ("a matcher on __name__ is not the name", "_read", lambda node: (node.name, [])),
]


@pytest.mark.parametrize(("attribute", "broken"), [m[1:] for m in MUTANTS], ids=[m[0] for m in MUTANTS])
def test_each_rule_of_the_walk_broken_fails_the_table(monkeypatch, attribute, broken):
    monkeypatch.setattr(promql, attribute, broken)
    assert any(list(read(text)) != REFERENCE[text] for text in EXPRESSIONS)


# (selector, template): what placed() reads there must be what parsing the text it writes reads,
# in each context a template gives (the plan's templates never make a quantile argument: this does)
PLACED = [
    (Selector("x"), promql.PART),
    (Selector("x", (("a", "=", "b"), ("c", "!~", "d"))), promql.PART),
    (Selector("x", (("a", "=", "b"),)), "rate(__part__[5m])"),
    (Selector("x"), "last_over_time(__part__[1h] offset 2h)"),
    (Selector("x"), "max_over_time(rate(__part__[5m])[1h:1m])"),
    (Selector("x"), "avg_over_time((__part__ > 0)[1d:5m])"),
    (Selector("x_bucket", (("le", "=", "1"),)), "histogram_quantile(0.9, sum by (le) (__part__))"),
    (Selector("x_bucket"), "histogram_quantile(0.9, sum by (le) (rate(__part__[5m])))"),
    (Selector("x"), "rate(__part__[5m]) / __part__ + y"),
]


def placed_unlike_parsing() -> list[str]:
    unlike = []
    for selector, template in PLACED:
        found = promql.placed(selector, template)
        if found.text != template.replace(promql.PART, selector.text()) or found.reads != read(found.text):
            unlike.append(template)
    return unlike


def test_a_selector_placed_in_a_template_reads_what_parsing_the_text_reads():
    assert placed_unlike_parsing() == []


def test_joined_parts_read_what_parsing_the_joined_text_reads():
    x, y = promql.placed(Selector("x", (("a", "=", "b"),))), promql.placed(Selector("y"), "increase(__part__[1h])")
    joined = promql.join("sum by (a) (", x, " offset 1d) / ", y, " and ", x)
    assert joined.text == 'sum by (a) (x{a="b"} offset 1d) / increase(y[1h]) and x{a="b"}'
    assert joined.reads == read(joined.text) == (*x.reads, *y.reads, *x.reads)


def test_parts_joined_by_an_operator_read_what_parsing_the_joined_text_reads():
    x, y = promql.placed(Selector("x", (("a", "=", "b"),))), promql.placed(Selector("y"), "increase(__part__[1h])")
    joined = promql.join_by("\nor\n", [x, y, x])
    assert joined.text == 'x{a="b"}\nor\nincrease(y[1h])\nor\nx{a="b"}'
    assert joined.reads == read(joined.text) == (*x.reads, *y.reads, *x.reads)
    assert promql.join_by(" or ", [x]) == x


_PLACED = promql.placed.__wrapped__  # uncached: a mutant must place afresh


def placing(change):
    """promql.placed with each read it places changed by `change`."""
    def placed(selector, template=promql.PART):
        found = _PLACED(selector, template)
        return promql.Joined(found.text, tuple(change(read) if read.name == selector.metric else read for read in found.reads))
    return placed


# (how placing is broken, its broken placed)
PLACED_MUTANTS = [
    ("the stand-in's context lost: read as if alone", placing(lambda r: SeriesRead(r.name, r.labels, False, False, r.equal_labels))),
    ("the quantile flag lost", placing(lambda r: dataclasses.replace(r, quantile_argument=False))),
    ("the range's window lost", placing(lambda r: dataclasses.replace(r, window=0.0))),
    ("not in a range function", placing(lambda r: dataclasses.replace(r, in_range_function=False))),
    ("the matchers dropped", placing(lambda r: dataclasses.replace(r, labels=(), equal_labels=()))),
]


@pytest.mark.parametrize("broken", [m[1] for m in PLACED_MUTANTS], ids=[m[0] for m in PLACED_MUTANTS])
def test_each_rule_of_placing_broken_fails_the_table(monkeypatch, broken):
    monkeypatch.setattr(promql, "placed", broken)
    assert placed_unlike_parsing()
