"""Load spec files into plain data plus the source location of every value.

YAML is read with the YAML 1.2 core schema (what kubectl, Helm and Argo CD use): `17:00` stays
a string and `on`/`off`/`yes`/`no` are strings, not PyYAML's YAML 1.1 sexagesimal numbers and
booleans. Duplicate keys, alias bombs, deep nesting and oversized files are problems, never
silently accepted or left to exhaust memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from compiler.problems import Finding

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_NODES = 200_000
MAX_TEXT = 4 * MAX_FILE_BYTES  # characters of text a file expands to: an alias of a long string counts each time
MAX_DEPTH = 40
# YAML's printable characters (YAML 1.2, 5.1); PyYAML reports any other one unlocated
_NOT_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
# the tags a plain value resolves to; any other (!!set, !!binary, !!timestamp, !custom) is refused
_PLAIN_TAGS = {"tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null")}
_COLLECTION_TAGS = {yaml.MappingNode: "tag:yaml.org,2002:map", yaml.SequenceNode: "tag:yaml.org,2002:seq"}
_STR = "tag:yaml.org,2002:str"

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SpecLoader(_BaseLoader):  # type: ignore[misc, valid-type]  # a base chosen at run time (C loader when built)
    """PyYAML's safe loader with YAML 1.2 core-schema scalar resolution."""

    # The parser asks these once per node (230,000 times at 10,000 indicators). Without path
    # resolvers PyYAML's own descend and ascend do nothing, and its resolve copies two lists per
    # scalar: the same answers, a sixth of the composing time saved.
    def descend_resolver(self, current_node, current_index) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode and implicit[0]:
            for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                if regexp.match(value):
                    return tag
            return _STR
        return super().resolve(kind, value, implicit)


_SpecLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
]:
    _SpecLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


Path = tuple  # ("indicators", 3, "target") addresses one value in the spec
Where = tuple[str, int, int]  # a Location's file, line and column


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int


@dataclass
class Document:
    """Plain data (dicts, lists, scalars) and where each value and key came from."""

    data: Any  # what YAML holds; the schema, not the type, says its shape
    # (file, line, column) of each value and key, made a Location when asked for: a spec of 10,000
    # indicators has 300,000 of them, and a frozen dataclass costs 30 times a tuple to make
    values: dict[Path, Where] = field(default_factory=dict)
    keys: dict[Path, Where] = field(default_factory=dict)
    # a merged split spec's list items, (section, merged index) -> index in their own file: a
    # problem names the file, so its path counts from that file's first indicator
    local: dict[tuple[str, int], int] = field(default_factory=dict)

    def locate(self, path: Path, *, key: bool = False) -> Location:
        """The location of `path`, or of its nearest located ancestor."""
        table = self.keys if key else self.values
        while path not in table and path:
            path = path[:-1]
            table = self.values
        return Location(*table.get(path, ("<spec>", 1, 1)))

    def problem(self, path: Path, message: str, hint: str = "", *, key: bool = False) -> Finding:
        where = self.locate(path, key=key)
        shown = (path[0], self.local[path[:2]], *path[2:]) if path[:2] in self.local else path
        return Finding(where.file, where.line, where.column, dotted(shown), message, hint)


def dotted(path: Path) -> str:
    """indicators[3].target.value: how a path is shown to people."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Limit(Exception):
    def __init__(self, where: tuple[int, int], message: str, hint: str = ""):
        super().__init__(message)
        self.where, self.message, self.hint = where, message, hint


def _at(mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _decode(name: str, raw: bytes) -> tuple[str | None, list[Finding]]:
    """A file's bytes as YAML text, or the problem that stops it: size, encoding, characters."""
    if len(raw) > MAX_FILE_BYTES:  # the CLI reads at most one byte more than the limit
        return None, [Finding(name, 1, 1, "", f"file is over the limit of {MAX_FILE_BYTES} bytes",
                              "split the spec into several files in one folder")]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Finding(name, 1, 1, "", "the file is UTF-16 (it starts with a UTF-16 byte order mark)", "save the file as UTF-8")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        return None, [Finding(name, line, column, "", f"not valid UTF-8: byte 0x{raw[err.start]:02x} cannot be decoded",
                              "save the file as UTF-8")]
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        hint = ("save the file as UTF-8 (NUL bytes between the letters mean UTF-16)" if bad.group() == "\x00"
                else 'remove it, or write it as an escape in a double-quoted string ("\\x07")')
        return None, [Finding(name, line, column, "", f"character U+{ord(bad.group()):04X} is not allowed in YAML", hint)]
    return text, []


def load_text(name: str, raw: bytes) -> tuple[Document | None, list[Finding]]:
    """Parse one spec file's bytes. Returns the document, or None with the problems that stop it;
    an empty file is an empty document and its problem: it holds nothing the other files of a
    folder could need, so they can still be checked."""
    text, problems = _decode(name, raw)
    if text is None:
        return None, problems
    loader = _SpecLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document({}), [Finding(name, 1, 1, "", "the file is empty", "start it with 'apiVersion: indicators/v1'")]
        if not isinstance(node, yaml.MappingNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
            return None, [Finding(name, node.start_mark.line + 1, node.start_mark.column + 1, "",
                                  f"expected a mapping at the top level, found {kind}",
                                  "a spec file is a mapping that starts with 'apiVersion: indicators/v1'")]
        return _document(loader, node, name, [MAX_NODES, MAX_TEXT]), []
    except _FAILURES as err:
        return None, [_failure(name, err, text)]
    finally:
        loader.dispose()


def load_stream(name: str, raw: bytes) -> tuple[list[Document], list[Finding]]:
    """Parse a file of one or more YAML documents (`---`) of any shape, as other tools write
    them (Sloth, OpenSLO), under the same limits as a spec file; the budget covers the file."""
    text, problems = _decode(name, raw)
    if text is None:
        return [], problems
    loader = _SpecLoader(text)
    budget = [MAX_NODES, MAX_TEXT]
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                documents.append(_document(loader, node, name, budget))
        return documents, []
    except _FAILURES as err:
        return [], [_failure(name, err, text)]
    finally:
        loader.dispose()


def _document(loader, node, name: str, budget: list[int]) -> Document:
    document = Document(None)
    document.data = _converter(loader, name, document, budget)(node, (), 0)
    return document


_FAILURES = (_Limit, yaml.YAMLError, RecursionError)


def _failure(name: str, err: Exception, text: str) -> Finding:
    """The located problem for a limit or a YAML error that stops reading `text`."""
    if isinstance(err, _Limit):
        return Finding(name, *err.where, "", err.message, err.hint)
    if not isinstance(err, yaml.MarkedYAMLError):
        return Finding(name, 1, 1, "", f"invalid YAML: {err or 'nesting too deep'}")
    mark = err.problem_mark or err.context_mark
    message = err.problem or str(err)
    if err.context:
        message = f"{err.context}, {message}"
    where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if "tab character" in message or _tab_at(text, *where):
        # libyaml names no character ("found character that cannot start any token"): say what it is
        return Finding(name, *where, "", "invalid YAML: YAML does not allow tabs for indentation", "indent with spaces")
    return Finding(name, *where, "", f"invalid YAML: {message}")


def _tab_at(text: str, line: int, column: int) -> bool:
    """Whether the character at 1-based `line`:`column` is a tab."""
    lines = text.split("\n", line)
    return line <= len(lines) and lines[line - 1][column - 1:column] == "\t"


def _converter(loader, name: str, document: Document, budget: list[int]):
    """The walk that turns one document's nodes into plain data, recording where each came from.

    A closure over what every node shares: 193,000 nodes at 10,000 indicators, and passing seven
    arguments to each call cost about 0.08 s of load_text's 1.15 s."""
    values, keys = document.values, document.keys

    def convert(node, path: Path, depth: int):
        kind = type(node)
        budget[0] -= 1
        budget[1] -= len(node.value) if kind is yaml.ScalarNode else 0
        if budget[0] < 0 or budget[1] < 0:  # located at the top-level key whose value expands, not inside the anchor
            top = keys.get(path[:1])  # none for a list at the top (OpenSLO files)
            expands = f"{MAX_NODES} values" if budget[0] < 0 else f"{MAX_TEXT} characters of text"
            raise _Limit(top[1:] if top else _at(node.start_mark), f"the document expands to more than {expands}",
                         "aliases that reference aliases multiply; write the values out")
        if depth > MAX_DEPTH:
            raise _Limit(_at(node.start_mark), f"values are nested more than {MAX_DEPTH} levels deep")
        collection = _COLLECTION_TAGS.get(kind)
        if (node.tag != collection) if collection else (node.tag not in _PLAIN_TAGS):
            raise _Limit(_at(node.start_mark), f"the YAML tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}' is not supported",
                         "write the value without a tag")
        mark = node.start_mark
        values[path] = (name, mark.line + 1, mark.column + 1)
        if kind is yaml.MappingNode:
            result: dict = {}
            for key_node, value_node in node.value:
                if key_node.value == "<<" and not key_node.style:  # plain <<, not a quoted key
                    raise _Limit(_at(key_node.start_mark), "merge keys ('<<') are not supported", "use the spec's 'defaults'")
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _Limit(_at(key_node.start_mark), "mapping keys must be plain strings")
                key = key_node.value if key_node.tag == _STR else loader.construct_object(key_node)
                key = key if isinstance(key, str) else str(key)
                budget[1] -= len(key)
                key_path = path + (key,)
                mark = key_node.start_mark
                if key in result:
                    raise _Limit(_at(mark), f"duplicate key '{key}' (first defined at line {keys[key_path][1]})",
                                 "YAML keeps only the last value of a repeated key; remove one")
                keys[key_path] = (name, mark.line + 1, mark.column + 1)
                result[key] = convert(value_node, key_path, depth + 1)
            return result
        if kind is yaml.SequenceNode:
            return [convert(item, path + (index,), depth + 1) for index, item in enumerate(node.value)]
        # a string is the scalar's text: what construct_object returns for it, without its bookkeeping
        return node.value if node.tag == _STR else loader.construct_object(node)

    return convert


# Sections that several files may each contribute to; every other top-level key belongs to one file.
MERGED_MAPPINGS = ("metrics", "teams", "responders", "categories")
MERGED_LISTS = ("indicators",)


def merge(documents: list[Document]) -> tuple[Document, list[Finding]]:
    """Merge one spec split over several files: mappings by key, indicator lists end to end."""
    if len(documents) == 1:
        return documents[0], []
    merged = Document({})
    problems: list[Finding] = []
    owner: dict[Path, Document] = {}
    for document in documents:
        offsets = {section: len(merged.data.get(section, [])) for section in MERGED_LISTS}
        for key, value in document.data.items():
            if key in MERGED_MAPPINGS and isinstance(value, dict):
                target = merged.data.setdefault(key, {})
                for name, item in value.items():
                    if name in target:
                        first = owner[(key, name)].locate((key, name), key=True)
                        problems.append(document.problem((key, name), f"'{name}' is also defined in {first.file}:{first.line}",
                                                         "each entry belongs to one file", key=True))
                    else:
                        target[name] = item
                        owner[(key, name)] = document
            elif key in MERGED_LISTS and isinstance(value, list):
                merged.local.update({(key, offsets[key] + index): index for index in range(len(value))})
                merged.data.setdefault(key, []).extend(value)
            elif key in merged.data and key != "apiVersion":
                first = owner[(key,)].locate((key,), key=True)
                problems.append(document.problem((key,), f"'{key}' is also set in {first.file}:{first.line}",
                                                 "only one file of a split spec may hold this section", key=True))
            else:
                merged.data.setdefault(key, value)
                owner.setdefault((key,), document)
        for source, target in ((document.values, merged.values), (document.keys, merged.keys)):
            for path, where in source.items():
                if len(path) > 1 and path[0] in offsets and isinstance(path[1], int):
                    path = (path[0], path[1] + offsets[path[0]]) + path[2:]
                target.setdefault(path, where)
    return merged, problems
