"""Malformed files yield one located message each, never a traceback or a silent guess. The
hostile corpus (tests/hostile/, test_hostile.py) holds the cases a user is most likely to meet."""

from __future__ import annotations

import pytest
from conftest import spec_text

from compiler import loader, pipeline
from compiler.problems import SpecError

CASES = [
    ("a single value", b"hello\n",
     "x.yaml:1:1: expected a mapping at the top level, found a single value (hint: a spec file is a mapping that starts with 'apiVersion: indicators/v1')"),
    ("a duplicate key", b"apiVersion: indicators/v1\nmetadata: {name: a}\nmetadata: {name: b}\n",
     "x.yaml:3:1: duplicate key 'metadata' (first defined at line 2) (hint: YAML keeps only the last value of a repeated key; remove one)"),
    ("an unclosed bracket", b"a: [1, 2\n",
     "x.yaml:2:1: invalid YAML: while parsing a flow sequence, did not find expected ',' or ']'"),
    ("two documents in one file", b"a: 1\n---\nb: 2\n",
     "x.yaml:2:1: invalid YAML: expected a single document in the stream, but found another document"),
    ("a merge key", b"a: &x {b: 1}\nc:\n  <<: *x\n",
     "x.yaml:3:3: merge keys ('<<') are not supported (hint: use the spec's 'defaults')"),
    ("a key with a tag", b"!custom k: 1\n", "x.yaml:1:1: invalid YAML: could not determine a constructor for the tag '!custom'"),
    ("a line indented with a tab", b"a:\n  b: 1\n\tc: 2\n",
     "x.yaml:3:1: invalid YAML: YAML does not allow tabs for indentation (hint: indent with spaces)"),
    ("a key indented with a tab, where libyaml names no character", b"a:\n\tb: 1\n",
     "x.yaml:2:1: invalid YAML: YAML does not allow tabs for indentation (hint: indent with spaces)"),
    ("a tab after spaces, at the tab", b"a:\n  \tb: 1\n",
     "x.yaml:2:3: invalid YAML: YAML does not allow tabs for indentation (hint: indent with spaces)"),
]


@pytest.mark.parametrize(("raw", "message"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_malformed_file_is_one_located_problem(raw, message):
    document, problems = loader.load_text("x.yaml", raw)
    assert document is None
    assert [str(problem) for problem in problems] == [message]


EMPTY = [("a file of nothing", b""), ("a file of comments only", b"# nothing\n"), ("a file of blank lines", b"\n\n")]


@pytest.mark.parametrize("raw", [case[1] for case in EMPTY], ids=[case[0] for case in EMPTY])
def test_an_empty_file_is_one_located_problem_and_a_document_holding_nothing(raw):
    document, problems = loader.load_text("x.yaml", raw)
    assert document is not None and document.data == {}
    assert [str(problem) for problem in problems] == ["x.yaml:1:1: the file is empty (hint: start it with 'apiVersion: indicators/v1')"]


SCALARS = [
    ("17:00 stays a string (YAML 1.2), not 1020 minutes", "t: 17:00", "17:00"),
    ("yes stays a string", "t: yes", "yes"),
    ("off stays a string", "t: off", "off"),
    ("a date stays a string", "t: 2026-12-25", "2026-12-25"),
    ("true is a boolean", "t: true", True),
    ("a float is a float", "t: 0.25", 0.25),
    ("an exponent is a float", "t: 1e-3", 0.001),
    ("an integer is an integer", "t: 42", 42),
    ("null is None", "t: null", None),
]


@pytest.mark.parametrize(("text", "value"), [case[1:] for case in SCALARS], ids=[case[0] for case in SCALARS])
def test_scalars_follow_the_yaml_1_2_core_schema(text, value):
    document, problems = loader.load_text("x.yaml", text.encode())
    assert problems == []
    assert document.data["t"] == value and type(document.data["t"]) is type(value)


KEYS = [
    ("a key YAML reads as a number is that number's text", "0x10: a", "16"),
    ("a key YAML reads as a boolean is its text", "true: a", "True"),
    ("a key YAML reads as null is its text", "~: a", "None"),
    ("a quoted key is the text as written", "'0x10': a", "0x10"),
]


@pytest.mark.parametrize(("text", "key"), [case[1:] for case in KEYS], ids=[case[0] for case in KEYS])
def test_a_key_is_text(text, key):
    document, problems = loader.load_text("x.yaml", text.encode())
    assert problems == []
    assert list(document.data) == [key]


def test_every_value_and_key_knows_its_line_and_column():
    document, _ = loader.load_text("x.yaml", b"a:\n  b: [1, {c: 2}]\n")
    assert document.locate(("a", "b", 1, "c")) == loader.Location("x.yaml", 2, 14)
    assert document.locate(("a", "b", 1, "c"), key=True) == loader.Location("x.yaml", 2, 11)
    assert document.locate(("a", "missing")) == loader.Location("x.yaml", 2, 3)


def test_split_files_merge_and_conflicts_name_both_files():
    one, _ = loader.load_text("a.yaml", b"apiVersion: indicators/v1\nmetrics:\n  m: {type: gauge}\nindicators:\n  - id: x\n")
    two, _ = loader.load_text("b.yaml", b"apiVersion: indicators/v1\nmetrics:\n  m: {type: counter}\nindicators:\n  - id: y\n")
    merged, problems = loader.merge([one, two])
    assert [i["id"] for i in merged.data["indicators"]] == ["x", "y"]
    assert merged.locate(("indicators", 1, "id")) == loader.Location("b.yaml", 5, 9)
    assert [str(p) for p in problems] == ["b.yaml:3:3: metrics.m: 'm' is also defined in a.yaml:3 (hint: each entry belongs to one file)"]



# (case, a spec folder's files besides a valid spec.yaml, every problem one run reports)
FOLDERS = [
  ("an empty file is reported with every other file's problems: it holds nothing they could need",
   {"spec/empty.yml": "", "spec/notes.yaml": "foo: bar\n"},
   ["spec/empty.yml:1:1: the file is empty (hint: start it with 'apiVersion: indicators/v1')",
    "spec/notes.yaml:1:1: foo: unknown field 'foo' (hint: allowed: apiVersion, categories, defaults, escalation, indicators, "
    "metadata, metrics, notifications, output, reports, responders, roi, scorecard, teams)"]),
  ("an empty file beside a valid spec is its one problem", {"spec/empty.yml": "# notes to come\n"},
   ["spec/empty.yml:1:1: the file is empty (hint: start it with 'apiVersion: indicators/v1')"]),
  ("a file that does not parse is the only problem reported: the others may name what it holds",
   {"spec/broken.yaml": "teams: [\n", "spec/notes.yaml": "foo: bar\n"},
   ["spec/broken.yaml:2:1: invalid YAML: while parsing a flow node, did not find expected node content"]),
]


@pytest.mark.parametrize(("files", "expected"), [case[1:] for case in FOLDERS], ids=[case[0] for case in FOLDERS])
def test_a_spec_folder_reports_every_problem_its_files_let_it_check(files, expected):
    sources = [(name, text.encode()) for name, text in sorted({"spec/spec.yaml": spec_text(), **files}.items())]
    with pytest.raises(SpecError) as raised:
        pipeline.load(sources, "spec")
    assert [str(problem) for problem in raised.value.problems] == expected
