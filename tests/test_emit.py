"""The YAML emitter writes exactly what PyYAML writes (emit._pyyaml_text), byte for byte: on
random trees built from the characters that decide YAML's quoting, on each boundary of its
plain-scalar rules, and with every one of those rules broken the boundary table goes red. The
JSON writer likewise writes what json.dumps writes."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler import backends, emit, pipeline

# Characters and words that decide between plain, single-quoted, double-quoted and block style.
PIECES = st.sampled_from([" ", ":", ": ", "#", " #", "-", "- ", "?", "? ", "'", '"', "\n", "\n\n", "\t", "!", "&", "*", "|", ">", "%",
                          "@", "`", ",", "[", "]", "{", "}", "---", "...", "~", "=", "<<", "0", "1", "0x1F", "1e3", ".5", "+1", "yes",
                          "No", "on", "null", "true", ".inf", "2026-12-01", "é", "\u2028", "\x85", "\ufeff", "a", "rate(x[5m])", "{{ $value }}"])
TEXT = st.lists(PIECES, max_size=6).map("".join)
SCALARS = st.one_of(TEXT, st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8))
TREES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                                                     st.dictionaries(st.one_of(TEXT, st.text(max_size=4)), inner, max_size=4)),
                     max_leaves=12)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(TEXT, TREES, min_size=1, max_size=4))
def test_any_tree_is_written_as_pyyaml_writes_it(data):
    assert emit.yaml_text(data) == emit._pyyaml_text(data)


# (text, as written in a mapping's value): each rule of the plain scalar just inside and just beyond it
BOUNDARIES = [
    ("queue", "queue"), ("", "''"), ("a:b", "a:b"), ("a: b", "'a: b'"), ("a:", "'a:'"), (":a", ":a"), (":", "':'"),
    ("a#b", "a#b"), ("a #b", "'a #b'"), ("#a", "'#a'"), ("-a", "-a"), ("- a", "'- a'"), ("-", "'-'"), ("?a", "?a"), ("? a", "'? a'"),
    ("a b", "a b"), (" a", "' a'"), ("a ", "'a '"), ("--a", "--a"), ("---a", "'---a'"), ("..a", "..a"), ("...a", "'...a'"),
    ("it's", "it's"), ("'a", "'''a'"), ('"a', "'\"a'"), ("[a]", "'[a]'"), ("a[5m]", "a[5m]"), ("{{ $value }}", "'{{ $value }}'"),
    ("yes", "'yes'"), ("yesterday", "yesterday"), ("5", "'5'"), ("5m", "5m"), ("0.5", "'0.5'"), ("null", "'null'"), ("~", "'~'"),
    ("<<", "'<<'"), ("=", "'='"), ("2026-12-01", "'2026-12-01'"), ("é", "é"), ("a\tb", '"a\\tb"'),
    ("a\nb", "|-\n  a\n  b"), ("a\n", "|\n  a"), ("a\n\nb", "|-\n  a\n\n  b"), ("a \nb", '"a \\nb"'), (" a\nb", "|2-\n   a\n  b"),
    ("a\n\n", "|+\n  a\n\n..."), ("\xa0a", "\xa0a"), ("é: b", "'é: b'"), ("\ud7ff", "\ud7ff"), ("\ue000", "\ue000"), ("\ufffd", "\ufffd"),
    ("\ufffe", '"\\uFFFE"'), ("\ufeffa", '"\\uFEFFa"'), ("a\U0001F600", '"a\\U0001F600"'), ("\x85a", '"\\Na"'), ("\x9fa", '"\\x9Fa"'),
    ("a\u2028b", "'a\u2028  b'"), ("ü\n\nb\n", "|\n  ü\n\n  b"),
    (5, "5"), (True, "true"), (None, "null"), (0.5, "0.5"), (1e17, "1.0e+17"), (-0.0, "-0.0"), (0.0, "0.0"),
]


@pytest.mark.parametrize(("text", "written"), BOUNDARIES, ids=[repr(text) for text, _ in BOUNDARIES])
def test_each_quoting_rule_holds_just_inside_and_just_beyond_its_boundary(text, written):
    assert emit.yaml_text({"k": text}) == emit._pyyaml_text({"k": text}) == f"k: {written}\n"


# (rule broken, attribute of compiler.emit, its broken value)
MUTANTS = [
    ("a leading '#' may start a plain scalar", "_LEADING", emit._LEADING - {"#"}),
    ("'- ' may start a plain scalar", "_BREAKING", emit._BREAKING - {"-"}),
    ("only characters libyaml writes as they are go unescaped", "_WRITTEN_AS_IS", re.compile(".*", re.DOTALL)),
    ("what the resolver reads as a number stays plain", "_resolves_to_text", lambda text: True),
    ("a literal block keeps its final newline unmarked", "_literal",
     lambda text, indent, out, lead: out.extend([lead + "|-", *(indent + line for line in text.split("\n"))])),
]


@pytest.mark.parametrize(("attribute", "broken"), [m[1:] for m in MUTANTS], ids=[m[0] for m in MUTANTS])
def test_each_rule_broken_fails_the_boundary_table(monkeypatch, attribute, broken):
    monkeypatch.setattr(emit, attribute, broken)
    monkeypatch.setattr(emit, "_written", {})
    assert any(emit.yaml_text({"k": text}) != f"k: {written}\n" for text, written in BOUNDARIES)



def test_the_texts_and_keys_remembered_stay_bounded_and_are_written_alike_once_forgotten(monkeypatch):
    monkeypatch.setattr(emit, "_REMEMBERED", 3)
    monkeypatch.setattr(emit, "_written", {})
    monkeypatch.setattr(emit, "_keys", {})
    data = {f"key{n}": f"value: {n}" for n in range(10)}
    expected = "".join(f"key{n}: 'value: {n}'\n" for n in range(10))
    assert emit.yaml_text(data) == emit.yaml_text(data) == expected
    assert 0 < len(emit._written) <= 3 and 0 < len(emit._keys) <= 3


def test_every_yaml_file_of_the_shipped_spec_is_written_without_pyyaml():
    spec, _ = pipeline.load([("indicators.yaml", (ROOT / "indicators.yaml").read_bytes())], "indicators.yaml")
    files = {path: data for path, data in backends.render(backends.outputs(spec)).items() if path.endswith(".yaml")}
    slow = []
    for path, data in files.items():
        try:
            emit._fast_yaml(data)
        except emit._Unusual:
            slow.append(path)
    assert len(files) > 20 and slow == []


# The JSON writer: what json.dumps(indent=2, ensure_ascii=False) writes, on the same trees (with
# non-text keys, big integers and numbers json.dumps writes with an exponent among them) and at
# each edge; but NaN and infinities, which JSON cannot hold: null.
JSON_SCALARS = st.one_of(TEXT, st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8))
JSON_EDGE_SCALARS = st.sampled_from([5e-324, 1209600.0000000002, -0.0, 10**30, 1e-7, 1.5e-5, -2e-5, 1e-4, 1e16, "1e-7 is 0.00001", "\x00", "\u2028", "é\"\\"])
JSON_TREES = st.recursive(st.one_of(JSON_SCALARS, JSON_EDGE_SCALARS),
                          lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                                                  st.dictionaries(st.one_of(TEXT, st.integers(), st.none()), inner, max_size=4)),
                          max_leaves=12)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON_TREES)
def test_any_tree_is_written_as_json_dumps_writes_it(data):
    assert emit.json_text(data) == json.dumps(data, indent=2, ensure_ascii=False) + "\n"


JSON_EDGES = [
    ({}, "{}"), ([], "[]"), ({"a": []}, '{\n  "a": []\n}'), ([{}], "[\n  {}\n]"), ({"a": {"b": 1}}, '{\n  "a": {\n    "b": 1\n  }\n}'),
    ([1, 2.5, True, None], "[\n  1,\n  2.5,\n  true,\n  null\n]"), ("é\n\"", '"é\\n\\""'), (1e17, "1e+17"), (-0.0, "-0.0"),
    ({1: "a"}, '{\n  "1": "a"\n}'), ((1,), "[\n  1\n]"), (2**64, "18446744073709551616"), (1e-05, "1e-05"),
    ([0.0001, 1e-7, 1e-10], "[\n  0.0001,\n  1e-07,\n  1e-10\n]"),
]


@pytest.mark.parametrize(("data", "written"), JSON_EDGES, ids=[repr(data) for data, _ in JSON_EDGES])
def test_each_json_form_is_written_as_json_dumps_writes_it(data, written):
    assert emit.json_text(data) == json.dumps(data, indent=2, ensure_ascii=False) + "\n" == written + "\n"


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_a_number_json_cannot_hold_is_written_as_null(number):
    assert emit.json_text({"a": [number]}) == '{\n  "a": [\n    null\n  ]\n}\n'


def test_every_dashboard_of_the_shipped_spec_is_written_without_json_dumps(monkeypatch):
    spec, _ = pipeline.load([("indicators.yaml", (ROOT / "indicators.yaml").read_bytes())], "indicators.yaml")
    files = {path: data for path, data in backends.render(backends.outputs(spec)).items() if path.endswith(".json")}
    monkeypatch.setattr(emit.json, "dumps", None)  # the fallback, were it reached, would fail
    assert len(files) >= 5 and all(emit.json_text(data).startswith("{\n") for data in files.values())


# Text that reads like a number json.dumps writes otherwise is not a number: orjson writes it.
ORJSON_TEXTS = [
    {"uid": "mlops-governance-1", "title": "Governance 1"},  # a copied category's id: e-1 after a letter
    {"title": "stage-2 e-3", "expr": "rate(x[5m]) > 0.5"},
    {"value": 5e-324, "uid": "mlops-risk-7"},  # json.dumps writes 5e-324 too
]


@pytest.mark.parametrize("data", ORJSON_TEXTS, ids=[repr(data) for data in ORJSON_TEXTS])
def test_text_that_reads_like_an_exponent_is_written_without_json_dumps(data, monkeypatch):
    written = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    monkeypatch.setattr(emit.json, "dumps", None)  # the fallback, were it reached, would fail
    assert emit.json_text(data) == written


GROUPS = [{"name": "g", "rules": [{"record": "a:b", "expr": "sum(x)\n\nor\n  vector(0)\n", "labels": {"k": "yes"}}, {"alert": "A", "expr": "a:b > 1"}]}]
# (case, files emitted together): one list held by two documents at different depths, either first
SHARED = [
    ("the deeper one first", {"a/rule.yaml": {"spec": {"groups": GROUPS}, "kind": "K"}, "b/rules.yaml": {"groups": GROUPS}}),
    ("the shallower one first", {"a/rules.yaml": {"groups": GROUPS}, "b/rule.yaml": {"kind": "K", "spec": {"groups": GROUPS}}}),
    ("at the same depth", {"a.yaml": {"groups": GROUPS}, "b.yaml": {"other": GROUPS}}),
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TREES, min_size=1, max_size=3))
def test_a_list_two_files_hold_is_written_in_each_as_pyyaml_writes_it(shared):
    files = {"a.yaml": {"spec": {"groups": shared}}, "b.yaml": {"groups": shared}, "c.yaml": {"x": {"y": shared}}}
    texts = emit.emit(files, ("s",))
    assert all(texts[path] == f"# {emit.header(('s',))}\n" + emit._pyyaml_text(data) for path, data in files.items())


@pytest.mark.parametrize("files", [files for _, files in SHARED], ids=[case for case, _ in SHARED])
def test_a_list_two_files_hold_is_written_in_each_at_its_own_indent(files):
    texts = emit.emit(files, ("s",))
    assert all(texts[path].partition("\n")[2] == emit._pyyaml_text(data) for path, data in files.items())


def test_lines_reused_without_reindenting_fail_the_shared_table(monkeypatch):
    monkeypatch.setattr(emit, "_reindented", lambda lines, before, indent: lines)
    assert any(emit.emit(files, ("s",))[path].partition("\n")[2] != emit._pyyaml_text(data)
               for _, files in SHARED[:2] for path, data in files.items())
