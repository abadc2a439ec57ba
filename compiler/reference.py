"""The spec reference for people, generated from the JSON Schema that validates specs: every
field with its type, whether it is required, its default, the values it allows and its
description. `indicators schema --format markdown` prints it; docs/spec-reference.md is its
output, kept in sync by tests/test_reference.py."""

from __future__ import annotations

import json
from dataclasses import dataclass

from compiler.checks.schema import pattern_words, schema_text
from compiler.emit import Prose


@dataclass(frozen=True)
class Field:
    path: str  # `indicators[].measure.ratio.window`; `<name>` stands for a key you choose
    type: str
    required: bool
    default: str
    allowed: str
    description: str


@dataclass(frozen=True)
class Section:
    name: str
    description: str
    fields: tuple[Field, ...]


def _kind(node: dict) -> str:
    if "const" in node:
        return "string"
    if "enum" in node:
        return "string" if all(isinstance(value, str) for value in node["enum"]) else "one of the values"
    if "oneOf" in node:
        return " or ".join(dict.fromkeys(_kind(branch) for branch in node["oneOf"]))
    kind = node.get("type", "")
    if isinstance(kind, list):
        return " or ".join(_kind({**node, "type": one}) for one in kind)
    if kind == "array":
        return f"list of {_kind(node.get('items', {}))}" if node.get("items") else "list"
    if kind == "object":
        return "mapping" if "properties" in node or not isinstance(node.get("additionalProperties"), dict) else (
            f"mapping of name to {_kind(node['additionalProperties'])}")
    if kind == "string" and node.get("pattern") and pattern_words(node["pattern"])[0] == "a duration":
        return "duration"
    return {"string": "string", "number": "number", "integer": "whole number", "boolean": "true or false"}.get(kind, kind or "any")


def _allowed(node: dict) -> str:
    """The values a field allows beyond its type, in words."""
    found = []
    if "const" in node:
        found.append(f"`{node['const']}`")
    if "enum" in node:
        found.append(", ".join(f"`{value}`" for value in node["enum"]))
    for branch in node.get("oneOf", []):
        if branch.get("type") != "object" and _allowed(branch):
            found.append(_allowed(branch))
    if node.get("pattern"):
        words = pattern_words(node["pattern"])[0]
        if words != "a duration":
            found.append(words or f"matches `{node['pattern']}`")
    bounds = [("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<")]
    found += [f"{sign} {node[key]:g}" for key, sign in bounds if key in node]
    if "maxLength" in node:
        found.append(f"at most {node['maxLength']} characters")
    if node.get("minLength"):
        found.append("not empty")
    if node.get("minItems"):
        found.append(f"at least {node['minItems']} item{'s' if node['minItems'] != 1 else ''}")
    if node.get("minProperties") and node.get("minProperties") == node.get("maxProperties"):
        found.append(f"exactly {node['minProperties']} key")
    elif node.get("minProperties"):
        found.append(f"at least {node['minProperties']} key{'s' if node['minProperties'] != 1 else ''}")
    if node.get("uniqueItems"):
        found.append("no repeats")
    names = node.get("propertyNames", {}).get("pattern")
    if names:
        found.append(f"keys: {pattern_words(names)[0] or names}")
    if isinstance(node.get("items"), dict) and _allowed(node["items"]):
        found.append(f"items: {_allowed(node['items'])}")
    return "; ".join(dict.fromkeys(found))


def _fields(node: dict, path: str, required: bool) -> list[Field]:
    found = [Field(path, _kind(node), required, json.dumps(node["default"]) if "default" in node else "",
                   _allowed(node), node.get("description", ""))] if path else []
    for key, child in node.get("properties", {}).items():
        found += _fields(child, f"{path}.{key}" if path else key, key in node.get("required", ()))
    if isinstance(node.get("items"), dict) and ("properties" in node["items"] or "oneOf" in node["items"]):
        found += [field for field in _fields(node["items"], f"{path}[]", True) if field.path != f"{path}[]"]
    if isinstance(node.get("additionalProperties"), dict) and "properties" in node["additionalProperties"]:
        found += _fields(node["additionalProperties"], f"{path}.<name>", True)[1:]
    for branch in node.get("oneOf", []):  # a mapping branch: a threshold's {value, for}, a channel's kinds
        if "properties" in branch:
            found += [field for field in _fields(branch, path, required) if field.path != path]
    return found


def sections(schema: dict) -> tuple[Section, ...]:
    fields = _fields(schema, "", True)
    return tuple(Section(name, body.get("description", ""),
                         tuple(f for f in fields if f.path == name or f.path.startswith((f"{name}.", f"{name}["))))
                 for name, body in schema["properties"].items())


def reference() -> Prose:
    schema = json.loads(schema_text())
    return Prose("spec-reference.md.j2", {"title": schema["title"], "sections": sections(schema), "required": schema["required"]})
