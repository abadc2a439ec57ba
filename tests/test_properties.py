"""Properties: whatever bytes or mutated spec arrives, the compiler answers with the model or
with located problems, never with another exception."""

from __future__ import annotations

import copy
import json
import subprocess

import jsonschema
import pytest
import yaml
from conftest import spec_text
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from servers import binary

from compiler import conventions, durations, loader, pipeline
from compiler.checks import schema
from compiler.problems import SpecError

VALID = yaml.safe_load(spec_text())
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The edges a hostile spec reaches for: NaN, infinities, integers past any float, the smallest
# floats; text with a final newline, template syntax, quotes, Grafana variables and Markdown.
EDGE_NUMBERS = st.one_of(st.floats(), st.sampled_from([10**400, -10**400, 2**53 + 1, 5e-324, float("nan"), float("inf")]))
EDGE_TEXT = st.sampled_from(["queue\n", "a\nb", "{{", "}}", "{{ $value }}", '{{ template "x" }}', "%{HOME}", '"', "'", "\\", "$model",
                             "[[model]]", "<script>alert(1)</script>", "a | b", "`x`", "\t"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), EDGE_NUMBERS, EDGE_TEXT,
                    st.text(max_size=20), st.sampled_from(["5m", "1d", "0s", "{{ $value }}", "17:00", "../x", "a/b",
                                                           "sum(rate(x[5m]))", "queue_depth", "-1", "1e309"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


def paths(data, prefix=()):
    """Every path to a value in nested dicts and lists."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths(value, prefix + (index,))


ALL_PATHS = [path for path in paths(VALID) if path]


def mutate(data, path, action, value):
    data = copy.deepcopy(data)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif action == "rename" and isinstance(parent, dict):
        parent[f"{last}_x"] = parent.pop(last)
    elif action == "duplicate" and isinstance(parent, list):
        parent.append(parent[last])
    return data


def compiles_or_reports_located_problems(text: bytes) -> None:
    try:
        pipeline.compile_spec([("indicators.yaml", text)], "indicators.yaml")
    except SpecError as err:
        assert err.problems
        for problem in err.problems:
            assert problem.file == "indicators.yaml" and problem.line >= 1 and problem.column >= 1 and problem.message


@SETTINGS
@given(st.sampled_from(ALL_PATHS), st.sampled_from(["replace", "delete", "rename", "duplicate"]), values)
def test_a_mutated_valid_spec_compiles_or_yields_located_problems(path, action, value):
    mutated = mutate(VALID, path, action, value)
    compiles_or_reports_located_problems(yaml.safe_dump(mutated, allow_unicode=True).encode())


@SETTINGS
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise_anything_but_problems(raw):
    document, problems = loader.load_text("x.yaml", raw)
    # a document, or the problems that stop it; an empty file is both (an empty document, so the
    # other files of a folder are still checked, and its problem)
    empty = [problem.message for problem in problems] == ["the file is empty"]
    assert (document is None) == (bool(problems) and not empty)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#%@ \n\t,?0")), max_size=80))
def test_yaml_punctuation_soup_never_raises(text):
    compiles_or_reports_located_problems(text.encode())


# Specs the schema accepts, built field by field: every measure form over the conftest catalogue,
# any text where the spec takes text, thresholds in either order, windows short and long.
WINDOWS = st.sampled_from(["1m", "5m", "1h", "6h", "1d", "7d", "30d"])
MEASURES = st.one_of(
    st.builds(lambda aggregation: {"gauge": {"series": "queue_depth", "aggregation": aggregation}},
              st.sampled_from(["max", "min", "avg", "sum"])),
    st.builds(lambda window, volume: {"ratio": {"numerator": "http_errors_total", "denominator": "http_requests_total",
                                                "window": window, **volume}},
              WINDOWS, st.sampled_from([{}, {"min_volume": 5}])),
    st.builds(lambda q, window: {"quantile": {"histogram": "latency_seconds", "q": q, "window": window}},
              st.floats(0.01, 0.999), WINDOWS),
    st.builds(lambda function, window: {"rate": {"counter": "http_requests_total", "function": function, "window": window}},
              st.sampled_from(["rate", "increase"]), WINDOWS),
    st.builds(lambda series, window: {"zero": {"series": series, "window": window}},
              st.sampled_from(["http_errors_total", "queue_depth"]), WINDOWS),
    st.builds(lambda series, window: {"trend": {"series": series, "window": window}},
              st.sampled_from(["http_requests_total", "queue_depth"]), WINDOWS),
    st.just({"age": {"timestamp": "trained_timestamp_seconds"}}),
    st.just({"baseline": {"series": "queue_depth", "baseline": "trained_timestamp_seconds"}}),
    st.builds(lambda objective: {"availability": {"errors": "http_errors_total", "total": "http_requests_total",
                                                  "objective": objective}}, st.floats(0.5, 0.9999)),
    st.just({"expr": "max by (model) (queue_depth)"}),
)
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=30)
LABEL_NAMES = st.from_regex(r"\A[a-z][a-z0-9_]{0,8}\Z").filter(lambda name: name not in {"model", "severity", "level", "indicator",
                                                                                     "category", "group", "owner"})
INDICATORS = st.fixed_dictionaries(
    {"id": st.just("queue"), "title": TEXT, "category": st.just("platform_health"), "group": st.just("reliability"),
     "definition": TEXT, "measure": MEASURES, "unit": st.sampled_from(["count", "ratio", "score"]),
     "good": st.sampled_from(["higher", "lower"]), "target": st.integers(0, 100), "warning": st.integers(0, 100)},
    optional={"critical": st.integers(0, 100), "track_by": st.just(["model"]),
              "labels": st.dictionaries(LABEL_NAMES, TEXT, max_size=2), "annotations": st.dictionaries(LABEL_NAMES, TEXT, max_size=2)},
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(INDICATORS)
def test_a_spec_the_schema_accepts_compiles_to_rules_promtool_accepts_or_is_rejected_with_located_problems(tmp_path_factory, indicator):
    spec = {**VALID, "indicators": [indicator]}
    try:
        compilation = pipeline.compile_spec([("indicators.yaml", yaml.safe_dump(spec, allow_unicode=True).encode())], "indicators.yaml")
    except SpecError as err:
        event("rejected")
        assert err.problems and all(p.line >= 1 and p.column >= 1 and p.path for p in err.problems), err.problems
        return
    event("compiled")
    folder = tmp_path_factory.mktemp("rules")
    rule_files = []
    for path, text in compilation.files.items():
        if conventions.is_rule_file(path):
            rule_files.append(folder / path.split("/")[-1])
            rule_files[-1].write_text(text)
    result = subprocess.run([binary("promtool"), "check", "rules", *map(str, rule_files)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


HOSTILE_TEXT = st.one_of(TEXT, EDGE_TEXT)


def _refuse_constant(name: str):
    raise AssertionError(f"bare {name} in generated JSON")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.one_of(st.integers(0, 100), EDGE_NUMBERS), st.one_of(st.integers(0, 100), EDGE_NUMBERS), HOSTILE_TEXT, HOSTILE_TEXT,
       HOSTILE_TEXT, HOSTILE_TEXT, HOSTILE_TEXT)
def test_edge_numbers_and_hostile_text_compile_to_files_every_consumer_accepts_or_are_located_problems(
        tmp_path_factory, target, warning, title, definition, channel, to, sender):
    spec = copy.deepcopy(VALID)
    spec["indicators"] = [{"id": "queue", "title": title, "category": "platform_health", "group": "reliability", "definition": definition,
                           "measure": {"gauge": {"series": "queue_depth", "aggregation": "max"}}, "unit": "count", "good": "lower",
                           "target": target, "warning": warning, "track_by": ["model"]}]
    spec["responders"]["lead"]["channels"] = [{"email": {"to": to}}, {"slack": {"channel": channel, "api_url_file": "/etc/am/slack"}}]
    spec["notifications"]["email"]["from"] = sender
    try:
        compilation = pipeline.compile_spec([("indicators.yaml", yaml.safe_dump(spec, allow_unicode=True).encode())], "indicators.yaml")
    except SpecError as err:
        event("rejected")
        assert err.problems and all(p.line >= 1 and p.column >= 1 and p.path and "\n" not in str(p) for p in err.problems), err.problems
        return
    event("compiled")
    folder = tmp_path_factory.mktemp("out")
    rule_files = []
    for path, text in compilation.files.items():
        if path.endswith(".json"):
            json.loads(text, parse_constant=_refuse_constant)
        if conventions.is_rule_file(path) or path == "alertmanager/alertmanager.yaml":
            (folder / path.split("/")[-1]).write_text(text)
            rule_files += [folder / path.split("/")[-1]] if conventions.is_rule_file(path) else []
    checks = [[binary("promtool"), "check", "rules", *map(str, rule_files)], [binary("amtool"), "check-config", str(folder / "alertmanager.yaml")]]
    for command in checks:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


# Why the spec's schema is read with its own `pattern` and `number` (a mutation proof kept in the
# suite): python-jsonschema alone accepts each of these, the compiler's reading refuses it.
PLAIN_JSONSCHEMA_ACCEPTS = [
    ("a trailing newline passes a ^...$ pattern under re.search", ("indicators", 0, "id"), "queue\n"),
    ("NaN is a number", ("indicators", 0, "target"), float("nan")),
    ("infinity is a number", ("metrics", "latency_seconds", "buckets", 1), float("inf")),
    ("10**400 is an integer", ("indicators", 0, "warning"), 10**400),
    ("a duration of 300 years matches the duration pattern", ("indicators", 0, "no_data_for"), "300y"),
]


@pytest.mark.parametrize(("path", "value"), [case[1:] for case in PLAIN_JSONSCHEMA_ACCEPTS], ids=[c[0] for c in PLAIN_JSONSCHEMA_ACCEPTS])
def test_python_jsonschema_alone_accepts_what_the_compiler_refuses(path, value):
    data = mutate(VALID, path, "replace", value)
    plain = jsonschema.Draft7Validator(json.loads(schema.schema_text()))
    assert list(plain.iter_errors(data)) == []
    assert list(schema._validator().iter_errors(data)) != []


@SETTINGS
@given(st.sampled_from(ALL_PATHS), st.sampled_from(["replace", "delete", "rename", "duplicate"]), values)
def test_the_schemas_fast_yes_or_no_agrees_with_the_validator_that_explains_every_error(path, action, value):
    mutated = mutate(VALID, path, action, value)
    valid = list(schema._validator().iter_errors(mutated)) == []
    event("valid" if valid else "invalid")
    assert schema._valid()(mutated) == valid


@pytest.mark.parametrize(("path", "value"), [case[1:] for case in PLAIN_JSONSCHEMA_ACCEPTS], ids=[c[0] for c in PLAIN_JSONSCHEMA_ACCEPTS])
def test_the_schemas_fast_yes_or_no_refuses_what_plain_jsonschema_would_accept(path, value):
    assert not schema._valid()(mutate(VALID, path, "replace", value))


def test_the_schemas_fast_yes_or_no_accepts_the_shipped_spec_so_a_valid_spec_never_pays_for_explanations():
    assert schema._valid()(VALID)


# Each keyword's fast test at its edges, judged against the validator that explains errors.
KEYWORD_EDGES = [
    ({"oneOf": [{"type": "number"}, {"type": "integer"}]}, [1, 1.5, "x"]),  # exactly one, not at least one
    ({"required": ["a"]}, [{"a": 1}, {}, []]),
    ({"properties": {"a": {"type": "string"}}, "additionalProperties": False}, [{"a": "x"}, {"a": 1}, {"b": 1}, {}]),
    ({"additionalProperties": {"type": "integer"}}, [{"a": 1}, {"a": 1.0}, {"a": 1.5}, {"a": True}]),
    ({"propertyNames": {"pattern": "^[a-z]+$"}}, [{"ab": 1}, {"ab\n": 1}, {"A": 1}]),
    ({"minProperties": 1, "maxProperties": 1}, [{}, {"a": 1}, {"a": 1, "b": 2}]),
    ({"items": {"type": "string"}, "minItems": 1, "uniqueItems": True}, [[], ["a"], ["a", "a"], ["a", 1], "a"]),
    ({"minLength": 1, "maxLength": 2}, ["", "a", "ab", "abc", 3]),
    ({"enum": ["a", "b"]}, ["a", "c", 1, None]),
    ({"const": "v1"}, ["v1", "v2"]),
    ({"minimum": 1, "exclusiveMaximum": 3}, [0.999, 1, 2.999, 3, "2", float("nan")]),
    ({"exclusiveMinimum": 0, "maximum": 5}, [0, 5e-324, 5, 5.001]),
    ({"type": ["string", "number"]}, ["x", 1, float("inf"), 10**400, None, True]),
    ({"type": "number"}, [1, 2**53, 2**53 + 1, -(2**53) - 1, 1.5, 5e-324, float("nan"), True, "1", None]),
    ({"type": "integer"}, [1, 2**53, 2**53 + 1, -(2**53) - 1, 1.0, 1.5, 2.0**60, True, "1", None]),
    ({"type": "boolean"}, [True, False, 0, 1, "true", None]),
    ({"type": "object"}, [{}, {"a": 1}, [], "x", None]),
    ({"type": "array"}, [[], ["a"], (), {}, "x"]),
    ({"type": "string"}, ["", "x", 1, None, ["x"]]),
    ({"properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}, [{}, {"a": "x", "b": 1}, {"b": "x"}, {"c": 1}, "x"]),
    ({"pattern": durations.PATTERN}, ["5m", "300y", "5m\n", 5]),
]
# Forms the fast tests do not read (the shipped schema has none): refused, so the validator explains.
UNREAD = [({"$ref": "#/definitions/a", "definitions": {"a": {}}}, 1), ({"enum": [1, True]}, 1), ({"uniqueItems": True}, [1, True]),
          ({"items": [{"type": "string"}]}, ["a"])]


@pytest.mark.parametrize(("sub", "instance"), [(sub, instance) for sub, instances in KEYWORD_EDGES for instance in instances],
                         ids=[f"{json.dumps(sub)[:40]}-{instance!r}" for sub, instances in KEYWORD_EDGES for instance in instances])
def test_each_keywords_fast_test_agrees_with_the_validator_at_its_edges(sub, instance):
    assert schema._test(sub)(instance) == (list(type(schema._validator())(sub).iter_errors(instance)) == [])


@pytest.mark.parametrize(("sub", "instance"), UNREAD, ids=[json.dumps(sub) for sub, _ in UNREAD])
def test_a_form_the_fast_tests_do_not_read_is_refused_so_the_validator_explains_it(sub, instance):
    assert list(type(schema._validator())(sub).iter_errors(instance)) == []
    assert not schema._test(sub)(instance)
