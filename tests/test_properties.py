"""Properties: whatever bytes or mutated spec arrives, the compiler answers with the model or
with located problems, never with another exception."""

from __future__ import annotations

import copy

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler import loader, pipeline
from compiler.problems import SpecError
from conftest import spec_text

VALID = yaml.safe_load(spec_text())
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
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
    assert (document is None) == bool(problems)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#%@ \n\t,?0")), max_size=80))
def test_yaml_punctuation_soup_never_raises(text):
    compiles_or_reports_located_problems(text.encode())
