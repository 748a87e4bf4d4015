"""YAML in, plain Python values out, with the line and column of every node kept.

`load_yaml` composes the YAML node graph (SafeLoader), converts it to dicts, lists and scalars
itself, and records where each value (and each mapping key) started, under its key path such as
("feeds", 1, "interval"). On the way it interpolates ${VAR} and ${VAR:-default} in string
scalars ($${ is a literal ${) and notes duplicate keys. Problems become ConfigIssues, all of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import ConfigIssue

KeyPath = tuple[str | int, ...]
Position = tuple[int, int]  # 1-based line, column

_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
# libyaml's composer when PyYAML was built with it (most wheels are): the pure-Python one takes
# most of the load time of a large rules file. Both keep every node's line and column.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_REFERENCE = re.compile(
    r"\$\$\{"  # escaped: a literal ${
    r"|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}"
    r"|\$\{"  # anything else starting with ${ is malformed
)


def format_key(path: KeyPath) -> str:
    """("feeds", 1, "interval") -> "feeds[1].interval"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _position(mark: yaml.Mark) -> Position:
    return mark.line + 1, mark.column + 1


@dataclass
class Document:
    """One loaded YAML file: its data, where each value came from, and what was wrong with it."""

    file: str
    data: Any = None
    marks: dict[KeyPath, Position] = field(default_factory=dict)  # where each value node starts
    key_marks: dict[KeyPath, Position] = field(default_factory=dict)  # where each mapping key is
    reported: set[KeyPath] = field(default_factory=set)  # bad values already in issues (${VAR} unset...)
    issues: list[ConfigIssue] = field(default_factory=list)
    scalars: dict[KeyPath, tuple[str | None, int, int, int, int]] = field(default_factory=dict)  # string
    # values: (style, 0-based line, 0-based column, start and end in `text`) to map an offset in the
    # value to the file (slicing the source only when asked: most values never are)
    text: str = ""  # the file's text

    def locate(self, path: KeyPath, offset: int) -> Position | None:
        """Where character `offset` of the string value at `path` was written (best effort).

        Exact for one-line values and for block scalars (`>-`, `|`); for quoted values with
        escapes before the offset, or values changed by ${VAR}, it may be a little off.
        """
        found = self.scalars.get(path)
        if found is None:
            return self.position(path)
        style, line, column, start, end = found
        source = self.text[start:end]
        lines = source.split("\n")
        if style in ("|", ">"):
            body = [(line + k, text) for k, text in enumerate(lines) if k > 0]
            indent = min((len(t) - len(t.lstrip()) for _, t in body if t.strip()), default=0)
            segments = [(n, indent, t[indent:].rstrip()) for n, t in body]
        else:
            first = 1 if style in ("'", '"') else 0
            segments = [(line, column + first, lines[0][first:])]
            for k, text in enumerate(lines[1:], 1):
                stripped = text.lstrip()
                segments.append((line + k, len(text) - len(stripped), stripped))
        for n, start, text in segments:
            if not text:
                continue
            if offset < len(text) + 1:
                return n + 1, start + min(offset, len(text)) + 1
            offset -= len(text) + 1
        return self.position(path)

    def position(self, path: KeyPath, *, at_key: bool = False) -> Position | None:
        """Where `path` is, or its nearest recorded ancestor (a missing key: its mapping)."""
        if at_key and path in self.key_marks:
            return self.key_marks[path]
        for end in range(len(path), -1, -1):
            if path[:end] in self.marks:
                return self.marks[path[:end]]
        return None

    def issue(self, path: KeyPath, message: str, context: str = "", *, at_key: bool = False) -> ConfigIssue:
        pos = self.position(path, at_key=at_key)
        line, column = pos if pos else (None, None)
        return ConfigIssue(self.file, line, column, format_key(path), message, context)


def _compose(text: str) -> Node | None:
    """The node graph, by libyaml when present. A syntax error is reported as the pure-Python
    composer words it: its messages are clearer and it shows the line with a caret."""
    try:
        return yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        if _LOADER is yaml.SafeLoader:
            raise
        return yaml.compose(text, Loader=yaml.SafeLoader)


def _in_our_words(exc: yaml.MarkedYAMLError) -> str | None:
    """What PyYAML's commonest complaints mean for a config file, or None for the others."""
    problem = exc.problem or ""
    if "'\\t'" in problem or "\\t" in problem:
        return "a tab: YAML indents with spaces only"
    if "expected <block end>" in problem and exc.context_mark is not None:
        opened = _position(exc.context_mark)
        return (
            "this line is indented differently from the lines above it: the keys of one mapping "
            "(and the items of one list) must start in the same column, as the block that starts "
            f"at line {opened[0]}, column {opened[1]} does"
        )
    if problem == "mapping values are not allowed here":
        return (
            "a ':' here starts a key, but this line is read as the value of the line above it: is it "
            "indented more than the key before it? (a value that holds ': ' must be in quotes)"
        )
    return None


def load_yaml(path: Path, env: Mapping[str, str], display: str | None = None) -> Document:
    """Load one YAML file; raises OSError (or UnicodeDecodeError) when it cannot be read."""
    text = path.read_text(encoding="utf-8")
    doc = Document(display if display is not None else str(path), text=text)
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = _position(mark) if mark else (None, None)
        message = _in_our_words(exc)
        if message is None:
            message = f"invalid YAML: {exc.problem or exc.context}"
            if exc.problem and exc.context and exc.context_mark:
                context_line, context_column = _position(exc.context_mark)
                message += f" ({exc.context} at line {context_line}, column {context_column})"
        snippet = mark.get_snippet() if mark else None
        doc.issues.append(ConfigIssue(doc.file, line, column, "", message, snippet or ""))
        return doc
    except yaml.YAMLError as exc:
        doc.issues.append(ConfigIssue(doc.file, None, None, "", f"invalid YAML: {exc}"))
        return doc
    if root is not None:
        doc.data = _Converter(doc, env).convert(root, ())
    return doc


class _Converter:
    def __init__(self, doc: Document, env: Mapping[str, str]) -> None:
        self.doc = doc
        self.env = env
        self.constructor = SafeConstructor()
        self.active: set[int] = set()  # nodes being converted, to catch recursive aliases

    def convert(self, node: Node, path: KeyPath) -> Any:
        self.doc.marks[path] = _position(node.start_mark)
        if isinstance(node, ScalarNode):  # a scalar holds nothing: it cannot recurse
            return self._scalar(node, path)
        if id(node) in self.active:
            self._issue(path, "recursive YAML alias")
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: ScalarNode, path: KeyPath) -> Any:
        if node.tag == _STR_TAG:  # what the constructor would make of it, without its detour
            value: Any = node.value
        else:
            try:
                value = self.constructor.construct_object(node, deep=True)
            except yaml.MarkedYAMLError as exc:
                self._issue(path, f"invalid YAML value: {exc.problem}")
                return None
        if not isinstance(value, str):
            return value
        start, end = node.start_mark, node.end_mark
        self.doc.scalars[path] = (node.style, start.line, start.column, start.index, end.index)
        return self._interpolate(value, path)

    def _mapping(self, node: MappingNode, path: KeyPath) -> dict[str, Any]:
        # `<<: *anchor` merges first, so the mapping's own keys win wherever they are written.
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    value = self.convert(source, path)
                    if isinstance(value, dict):
                        merged.update({k: v for k, v in value.items() if k not in merged})
                    else:
                        self._issue_at(source, path, "a merge (<<) needs a mapping")
        own: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            if not isinstance(key_node, ScalarNode):
                self._issue_at(key_node, path, "a key must be a plain name, not a list or mapping")
                continue
            key: str = key_node.value  # keys stay text as written: `1984:` is "1984"
            key_path = (*path, key)
            if key in own:
                first_line = self.doc.key_marks[key_path][0]
                self._issue_at(key_node, key_path, f"duplicate key {key!r} (first on line {first_line})")
                continue
            self.doc.key_marks[key_path] = _position(key_node.start_mark)
            own[key] = self.convert(value_node, key_path)
        self.doc.marks[path] = _position(node.start_mark)
        return {**merged, **own}

    def _issue(self, path: KeyPath, message: str) -> None:
        self.doc.reported.add(path)
        self.doc.issues.append(self.doc.issue(path, message))

    def _issue_at(self, node: Node, path: KeyPath, message: str) -> None:
        line, column = _position(node.start_mark)
        self.doc.issues.append(ConfigIssue(self.doc.file, line, column, format_key(path), message))

    def _interpolate(self, text: str, path: KeyPath) -> str:
        def replace(match: re.Match[str]) -> str:
            name, default = match.group("name"), match.group("default")
            if match.group() == "$${":
                return "${"
            if name is None:
                self._issue(path, "bad ${...}: write ${VAR} or ${VAR:-default}, or $${ for a literal ${")
                return match.group()
            value = self.env.get(name)
            if default is not None:
                return value if value else default  # like the shell: unset or empty
            if value is None:
                self._issue(path, f"environment variable {name} is not set (${{{name}:-}} makes it optional)")
                return ""
            return value

        return _REFERENCE.sub(replace, text) if "$" in text else text
