"""The spec's shape, against the JSON Schema that ships in the package, in words people read.

Two keywords read as the schema's other readers (editors, ECMA-262) read them, not as
python-jsonschema does: a `pattern`'s `$` is the end of the text (Python's `re.search` also
matches it before a final newline, so `"queue\\n"` would pass as an id), and a `number` is one
that means what it says (NaN, infinity, 10**400 and 5e-324 are no threshold). A duration is
also one Prometheus can hold."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import jsonschema

from compiler import durations
from compiler.loader import Document
from compiler.present import RESIDUE
from compiler.problems import Finding, did_you_mean

SCHEMA_FILE = "indicators-v1.schema.json"
_DURATION_HINT = "durations look like 30s, 5m, 1h30m, 7d: each unit once, largest first"
_TYPES = {"object": "a mapping", "array": "a list", "string": "a string", "number": "a number",
          "integer": "a whole number", "boolean": "true or false"}


def schema_text() -> str:
    return resources.files("compiler.schema").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


LARGEST = 2**53  # past it a float no longer holds every whole number: a threshold would not read as written


def _finite(instance: object) -> bool:
    """A number that means what it says to every consumer: not NaN or infinite, at most 2**53,
    and none below the float residue that values read as 0 (5e-324 is 0 to anything scaling it)."""
    if isinstance(instance, int):  # 10**400 has no float to be compared as
        return abs(instance) <= LARGEST
    if not isinstance(instance, float):  # callers pass numbers only (is_type first): nothing else is judged here
        return True
    return math.isfinite(instance) and abs(instance) <= LARGEST and not 0 < abs(instance) < RESIDUE


def _number(checker, instance: object) -> bool:
    return jsonschema.Draft7Validator.TYPE_CHECKER.is_type(instance, "number") and _finite(instance)


def _integer(checker, instance: object) -> bool:
    return jsonschema.Draft7Validator.TYPE_CHECKER.is_type(instance, "integer") and _finite(instance)


@cache
def _ecma(pattern: str) -> re.Pattern:
    return re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith("\\$") else pattern)


def _pattern(validator, pattern: str, instance: object, schema: dict):
    if not isinstance(instance, str):  # what the validator's "string" type is
        return
    if not _ecma(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")
    elif _out_of_range(instance):
        yield jsonschema.ValidationError("duration out of range", validator="duration")


def _out_of_range(text: str) -> bool:
    """A duration longer than Prometheus and Alertmanager hold."""
    return durations.is_duration(text) and durations.seconds(text) > durations.LONGEST


_TYPE_CHECKER = jsonschema.Draft7Validator.TYPE_CHECKER.redefine_many({"number": _number, "integer": _integer})


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft7Validator:
    kind = jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": _pattern}, type_checker=_TYPE_CHECKER)
    return kind(json.loads(schema_text()))


# The fast path. python-jsonschema builds a validator and an error context per node it descends
# into: a quarter of `validate` at 1,000 indicators for a spec that is valid, as most are. The
# schema compiled once into yes/no tests answers "is it valid?" without them; only a document it
# refuses goes through iter_errors, which explains every problem. A keyword or form the tests do
# not read exactly as the validator above refuses, so anything they cannot judge is explained.
Test = Callable[[object], bool]
_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "default", "examples"})


def _refuse(instance: object) -> bool:
    return False


def _accept(instance: object) -> bool:
    return True


def _test(schema: object) -> Test:
    """One yes/no test of the whole (sub)schema: whether the validator finds no error in an instance."""
    if schema is True or schema is False:
        return _accept if schema else _refuse
    if not isinstance(schema, dict) or "$ref" in schema:
        return _refuse
    tests = tuple(_keyword(key, value, schema) for key, value in schema.items() if key not in _ANNOTATIONS)
    if len(tests) == 1:
        return tests[0]

    def every(instance: object) -> bool:  # a loop, not all() over a generator: this runs once per value in the spec
        for test in tests:
            if not test(instance):
                return False
        return True
    return every


def _texts(values: object) -> frozenset[str] | None:
    """Enum or const values as a set, when all are text (which equals only text); else None."""
    return frozenset(values) if isinstance(values, list) and all(isinstance(value, str) for value in values) else None


# Draft 7's test of these types, as its type checker makes it (tests/test_properties.py holds
# them to it), without the checker's lookup by name: it is asked once per value in the spec
_CLASSES = {"object": dict, "array": list, "string": str}


def _of_type(name: str) -> Test:
    """Whether an instance is of the schema's type `name`, as _TYPE_CHECKER says. Numbers as YAML
    gives them (int, float) are judged by _finite alone, which is what _number and _integer add
    to Draft 7's test for them; anything else asks the checker (thresholds: 68,000 at 10,000 indicators)."""
    if name in _CLASSES:
        kind = _CLASSES[name]
        return lambda instance: isinstance(instance, kind)
    is_type = _TYPE_CHECKER.is_type
    if name == "number":
        return lambda instance: _finite(instance) if type(instance) is int or type(instance) is float else is_type(instance, name)
    if name == "integer":
        return lambda instance: _finite(instance) if type(instance) is int else is_type(instance, name)
    return lambda instance: is_type(instance, name)


def _keyword(key: str, value: Any, schema: dict) -> Test:  # one branch per keyword the schema uses
    is_type = _TYPE_CHECKER.is_type
    if key == "type" and isinstance(value, str):
        return _of_type(value)
    if key == "type":
        types = tuple(_of_type(name) for name in value)
        return lambda instance: any(test(instance) for test in types)
    if key == "properties":
        tests = {name: _test(sub) for name, sub in value.items()}

        def properties(instance: object) -> bool:  # by the instance's keys: a mapping writes few of the fields it may have
            if isinstance(instance, dict):
                for name, item in instance.items():
                    test = tests.get(name)
                    if test is not None and not test(item):
                        return False
            return True
        return properties
    if key == "additionalProperties" and "patternProperties" not in schema:
        known = frozenset(schema.get("properties", {}))
        extra = _test(value)
        return lambda instance: not isinstance(instance, dict) or all(extra(instance[name]) for name in instance.keys() - known)
    if key == "propertyNames":
        named = _test(value)
        return lambda instance: not isinstance(instance, dict) or all(named(name) for name in instance)
    if key == "required":
        needed = frozenset(value)
        return lambda instance: not isinstance(instance, dict) or needed <= instance.keys()
    if key == "minProperties":
        return lambda instance: not isinstance(instance, dict) or len(instance) >= value
    if key == "maxProperties":
        return lambda instance: not isinstance(instance, dict) or len(instance) <= value
    if key == "items" and isinstance(value, dict):
        item = _test(value)
        return lambda instance: not isinstance(instance, list) or all(item(element) for element in instance)
    if key == "minItems":
        return lambda instance: not isinstance(instance, list) or len(instance) >= value
    if key == "uniqueItems" and value is True:  # text only: other items' equality is the validator's to judge
        return lambda instance: not isinstance(instance, list) or (all(type(e) is str for e in instance) and len(set(instance)) == len(instance))
    if key == "minLength":
        return lambda instance: not isinstance(instance, str) or len(instance) >= value
    if key == "maxLength":
        return lambda instance: not isinstance(instance, str) or len(instance) <= value
    if key == "pattern":
        compiled = _ecma(value)
        return lambda instance: not isinstance(instance, str) or (compiled.search(instance) is not None and not _out_of_range(instance))
    if key in ("enum", "const") and (texts := _texts(value if key == "enum" else [value])) is not None:
        return lambda instance: isinstance(instance, str) and instance in texts
    if key == "oneOf":
        branches = tuple(_test(sub) for sub in value)
        return lambda instance: sum(branch(instance) for branch in branches) == 1
    bounds = {"minimum": lambda x: x >= value, "maximum": lambda x: x <= value,
              "exclusiveMinimum": lambda x: x > value, "exclusiveMaximum": lambda x: x < value}
    if key in bounds and is_type(value, "number"):
        within = bounds[key]
        return lambda instance: not is_type(instance, "number") or within(instance)
    return _refuse


@lru_cache(maxsize=1)
def _valid() -> Test:
    return _test(json.loads(schema_text()))


# Sections whose entries stand alone: the checks after the schema skip an entry it rejects and
# still check every other one. Elsewhere an entry feeds a total or names others use (scorecard
# weights, a category's groups, a team's levels), so one rejected there stops those checks.
STANDALONE = ("indicators", "metrics", "responders")


@dataclass(frozen=True)
class Accepted:
    """What the schema accepts: the document without the standalone entries it rejects for
    anything but an unknown field (a rejected indicator becomes None, so the others keep their
    index) and without those unknown fields, and the rejected entries' names."""
    document: Document
    rejected: frozenset[str]


def check(document: Document) -> tuple[list[Finding], Accepted | None]:
    """The schema's problems, and what it accepts; None when it rejects something outside a
    standalone entry, which the other checks cannot be run without."""
    if _valid()(document.data):
        return [], Accepted(document, frozenset())
    problems: list[Finding] = []
    unknown: list[tuple] = []
    rejected: dict[str | None, set] = {}  # section -> rejected entries; None: outside a standalone one
    for error in _validator().iter_errors(document.data):
        problems.extend(_explain(document, error))
        path = tuple(error.absolute_path)
        standalone = len(path) > 1 and path[0] in STANDALONE
        # nothing reads an unknown field, so the rest of the entry is checked; unless dropping it
        # leaves a mapping that needs one (`measure: {gauge_x: ...}` would become a measure of no form)
        if error.validator == "additionalProperties" and standalone and "minProperties" not in error.schema:
            unknown += [path + (key,) for key in error.instance if key not in error.schema["properties"]]
        else:
            rejected.setdefault(path[0] if standalone else None, set()).update(path[1:2])
    if None in rejected:
        return problems, None
    return problems, _without(document, unknown, rejected)


def _without(document: Document, unknown: list[tuple], rejected: dict[str | None, set]) -> Accepted:
    data, names = document.data, set()
    for path in unknown:
        data = _drop(data, path)
    for section, entries in rejected.items():
        if section == "indicators":
            ids = (data[section][index].get("id") for index in entries if isinstance(data[section][index], dict))
            names |= {name for name in ids if isinstance(name, str)}
            data = {**data, section: [None if index in entries else indicator for index, indicator in enumerate(data[section])]}
        else:
            names |= entries
            data = {**data, section: {name: entry for name, entry in data[section].items() if name not in entries}}
    return Accepted(dataclasses.replace(document, data=data), frozenset(names))


def _drop(node, path: tuple):
    """`node` without the key at `path`, copying only what lies on the way (the document is shared)."""
    head, *rest = path
    if not rest:
        return {key: value for key, value in node.items() if key != head}
    inner = _drop(node[head], tuple(rest))
    return [inner if index == head else item for index, item in enumerate(node)] if isinstance(node, list) else {**node, head: inner}


def _explain(document: Document, error: jsonschema.ValidationError) -> list[Finding]:
    path = tuple(error.absolute_path)
    kind = error.validator
    # the stubs allow these to be unset; iter_errors sets them on every error it yields
    schema: Any = error.schema
    value: Any = error.instance
    validator_value: Any = error.validator_value
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = [key for key in value if key not in allowed] if allowed else []
        return [document.problem(path + (key,), f"unknown field '{key}'", did_you_mean(key, allowed) or f"allowed: {', '.join(allowed)}",
                                 key=True) for key in extra] or [document.problem(path, error.message)]
    if kind == "required":
        missing = error.message.split("'")[1]
        return [document.problem(path, f"missing required field '{missing}'")]
    if kind == "type" and schema.get("pattern") == durations.PATTERN and _bare_number(value):
        # `window: 7`: YAML reads a bare number, a duration needs its unit (7d is a string unquoted)
        units = f"{value}s, {value}m, {value}h or {value}d" if isinstance(value, int) and value >= 0 else ""
        return [document.problem(path, f"expected a duration such as 7d, got {_describe(value)}",
                                 f"give the number its unit: {units}" if units else _DURATION_HINT)]
    if kind == "type":
        wanted = validator_value if isinstance(validator_value, str) else validator_value[0]
        finite = "a finite number" if wanted in ("number", "integer") and isinstance(value, (int, float)) else _TYPES.get(wanted, wanted)
        return [document.problem(path, f"expected {finite}, got {_describe(value)}")]
    if kind == "enum":
        choices = ", ".join(str(choice) for choice in validator_value)
        return [document.problem(path, f"{_describe(value)} is not one of: {choices}",
                                 did_you_mean(str(value), [str(c) for c in validator_value]))]
    if kind == "const":
        return [document.problem(path, f"expected '{validator_value}', got {_describe(value)}")]
    if kind == "pattern" and "propertyNames" in error.schema_path:  # the key itself, at the key
        return [document.problem(path + (value,), *_pattern_message(validator_value, value), key=True)]
    if kind == "pattern":
        return [document.problem(path, *_pattern_message(validator_value, value))]
    if kind == "duration":
        return [document.problem(path, f"'{value}' is longer than the longest duration Prometheus and Alertmanager hold (292y)",
                                 _DURATION_HINT)]
    if kind == "oneOf" and isinstance(value, dict):
        # report what is wrong inside the mapping branch, not that no branch matched
        branches = validator_value
        inner = [sub for sub in error.context if branches[sub.relative_schema_path[0]].get("type") == "object"]
        if inner:
            return [problem for sub in inner for problem in _explain(document, sub)]
    if kind == "oneOf" and "value" in json.dumps(schema):
        return [document.problem(path, f"a threshold must be a number, a duration such as 14d, or {{value, for}}; got {_describe(value)}")]
    if kind == "oneOf" and isinstance(value, (int, float)) and not _finite(value):
        return [document.problem(path, f"expected a finite number, got {_describe(value)}")]
    if kind in ("minProperties", "maxProperties") and "expr" in schema.get("properties", {}):
        forms = ", ".join(schema["properties"])
        return [document.problem(path, f"a measure has exactly one form, got {len(value)}", f"one of: {forms}")]
    if kind in ("minProperties", "maxProperties") and "slack" in schema.get("properties", {}):
        return [document.problem(path, "a channel has exactly one kind", "one of: slack, pagerduty, email, webhook")]
    if kind == "uniqueItems":
        return [_repeat(document, path, value)]
    return [document.problem(path, error.message)]


def _repeat(document: Document, path: tuple, items: list) -> Finding:
    """At the first item that repeats an earlier one: the one to drop."""
    for number, item in enumerate(items):
        if item in items[:number]:
            return document.problem(path + (number,), f"{_describe(item)} is already item [{items.index(item)}] of the list",
                                    "drop the repeat")
    return document.problem(path, "the list repeats an item")  # items the schema, not Python, calls equal


def _pattern_message(pattern: str, value: object) -> tuple[str, str]:
    words, hint = pattern_words(pattern)
    return (f"'{value}' is not {words}" if words else f"'{value}' does not match {pattern}"), hint


def pattern_words(pattern: str) -> tuple[str, str]:
    """What a value matching `pattern` is, in words ("" when there are none), and a hint;
    messages and the spec reference both say it so."""
    if pattern == durations.PATTERN:
        return "a duration", _DURATION_HINT
    if pattern.startswith("^[a-z][a-z0-9_]*$"):
        return "a valid id", "use lowercase letters, digits and _, starting with a letter"
    if "a-zA-Z_" in pattern:
        return "a valid Prometheus label or metric name", "letters, digits and _, not starting with a digit; names starting with __ are Prometheus' own"
    if "[-A-Za-z0-9_.]" in pattern:
        return ("a valid Kubernetes label key or value",
                "at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit; a key may start with a DNS prefix and /")
    if pattern == "^/":
        return "an absolute path", "point at a file mounted into Alertmanager, e.g. /etc/alertmanager/secrets/<secret>/<key>"
    if pattern.startswith("^https?"):
        return "an http(s) URL", ""
    return "", ""


def _bare_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"string '{value}'"
    if isinstance(value, (int, float)) and not _finite(value):
        if isinstance(value, int):
            return f"a whole number of {len(str(abs(value)))} digits, past 2**53"
        if math.isnan(value):
            return "not-a-number (.nan)"
        if math.isinf(value):
            return f"{'minus ' if value < 0 else ''}infinity ({'-' if value < 0 else ''}.inf)"
        if abs(value) > LARGEST:
            return f"number {value:g}, past 2**53"
        return f"number {value:g}, below {RESIDUE:g}"
    if isinstance(value, (int, float)):
        return f"number {value}"
    if value is None:
        return "nothing (null)"
    kinds: dict[type, str] = {dict: "object", list: "array"}
    return _TYPES.get(kinds.get(type(value), ""), type(value).__name__)


