"""YAML loading that remembers where every node came from, so errors can say file:line:col."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from releasebuild.errors import DefinitionError, Diagnostic

Path_ = tuple[str | int | float, ...]  # keys and indices; YAML allows a float as a key
# libyaml's parser when PyYAML has it (its wheels do): same nodes and marks, several times faster.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class LocatedDocument:
    """Plain data plus the (line, col) of each value and of each mapping key, by path."""

    file: str
    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Position of the deepest known node on `path` (a missing field points at its parent)."""
        table = self.keys if key else self.values
        for end in range(len(path), -1, -1):
            prefix = tuple(path[:end])
            if prefix in table:
                return table[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return (1, 1)

    def diagnostic(self, path: Path_, message: str, hint: str = "", *, key: bool = False) -> Diagnostic:
        line, col = self.locate(path, key=key)
        return Diagnostic(self.file, line, col, message, hint)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


# Limits on a definition file, checked before (size, bytes, characters) and while (depth, aliases) YAML is parsed,
# so that no file can make the loader recurse, hang or run out of memory (docs/reliability.md: Definitions).
MAX_FILE_BYTES = 16 << 20
MAX_DEPTH = 64          # nested mappings and sequences, aliases expanded
MAX_ALIAS_NODES = 100_000  # nodes that aliases add when expanded (an "alias bomb" adds billions)
_MAX_INT_BITS = 4096  # well inside what Python converts to decimal (int_max_str_digits, 4,300 digits)
# YAML's printable set (YAML 1.1, 5.1); everything else is refused before the parser sees it.
_NOT_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def parse_located_bytes(raw: bytes, display_name: str) -> LocatedDocument:
    """A definition file's bytes, checked (size, UTF-8, characters) and parsed; every refusal a located
    DefinitionError that names the file and position, never quoting the text."""
    if len(raw) > MAX_FILE_BYTES:
        raise DefinitionError([Diagnostic(display_name, 1, 1, f"file is {len(raw)} bytes, over the "
                                          f"{MAX_FILE_BYTES}-byte limit for a definition file")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(raw, exc.start)
        raise DefinitionError([Diagnostic(display_name, line, col, f"not valid UTF-8 (byte {exc.start}: "
                                          f"{exc.reason})", "definition files are UTF-8 text")]) from None
    return parse_located(text, display_name)


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    return raw.count(b"\n", 0, offset) + 1, len(raw[line_start:offset].decode("utf-8", "replace")) + 1


def parse_located(text: str, display_name: str) -> LocatedDocument:
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise DefinitionError([Diagnostic(display_name, line, col, f"character U+{ord(bad.group()):04X} is not "
                                          "allowed in YAML", "remove it, or write it as an escape in a "
                                          "double-quoted string")])
    try:
        _check_shape(text, display_name)
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            doc = LocatedDocument(display_name, None)
            if node is not None:
                doc.data = _build(node, (), doc, loader)
            return doc
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"invalid YAML: {exc.problem or exc.context}"
        raise DefinitionError([Diagnostic(display_name, line, col, message)]) from None
    except yaml.YAMLError as exc:  # a reader error: no mark, but a position
        raise DefinitionError([Diagnostic(display_name, 1, 1, f"invalid YAML ({type(exc).__name__})")]) from None


def _check_shape(text: str, display_name: str) -> None:
    """Walk the parser's events (no recursion, no nodes built) and refuse a document nested deeper than MAX_DEPTH
    or whose aliases would expand to more than MAX_ALIAS_NODES nodes, aliases to an enclosing node included."""
    loader = _LOADER(text)
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (nodes, depth) of its node, aliases expanded
    open_: list[list[Any]] = []  # [anchor, nodes, depth below] per open collection
    added = 0

    def refuse(event: Any, message: str, hint: str) -> DefinitionError:
        mark = event.start_mark
        return DefinitionError([Diagnostic(display_name, mark.line + 1, mark.column + 1, message, hint)])

    def close(nodes: int, depth: int) -> None:
        if open_:
            open_[-1][1] += nodes
            open_[-1][2] = max(open_[-1][2], depth)

    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                if len(open_) >= MAX_DEPTH:
                    raise refuse(event, f"nested more than {MAX_DEPTH} deep", "a definition is a few levels deep")
                open_.append([event.anchor, 1, 0])
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, nodes, below = open_.pop()
                if anchor is not None:
                    sizes[anchor] = (nodes, below + 1)
                close(nodes, below + 1)
            elif isinstance(event, yaml.AliasEvent):
                if any(entry[0] == event.anchor for entry in open_):
                    raise refuse(event, f"alias '*{event.anchor}' refers to a node that contains it",
                                 "a definition cannot be recursive")
                nodes, depth = sizes.get(event.anchor or "", (1, 0))  # undefined: the composer names it
                added += nodes
                if added > MAX_ALIAS_NODES:
                    raise refuse(event, f"aliases expand to more than {MAX_ALIAS_NODES} nodes",
                                 "write the values out, or use fewer nested aliases")
                if len(open_) + depth > MAX_DEPTH:
                    raise refuse(event, f"nested more than {MAX_DEPTH} deep (aliases expanded)",
                                 "a definition is a few levels deep")
                close(nodes, depth)
            elif isinstance(event, yaml.ScalarEvent):
                if event.anchor is not None:
                    sizes[event.anchor] = (1, 0)
                close(1, 0)
    finally:
        loader.dispose()


def _build(node: yaml.Node, path: Path_, doc: LocatedDocument, loader: Any) -> Any:
    doc.values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key: Any = _construct(key_node, doc, loader)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise DefinitionError([Diagnostic(doc.file, *_mark(key_node), "mapping keys must be scalars")])
            if key in result:
                message = f"duplicate key '{key}'"
                raise DefinitionError([Diagnostic(doc.file, *_mark(key_node), message, "each key may appear once")])
            doc.keys[path + (key,)] = _mark(key_node)
            result[key] = _build(value_node, path + (key,), doc, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), doc, loader) for i, item in enumerate(node.value)]
    return _construct(node, doc, loader)


def _construct(node: yaml.Node, doc: LocatedDocument, loader: Any) -> Any:
    """A node's value; a scalar Python refuses to convert (an integer of 5,000 digits, a date past 9999) is a
    located error."""
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:
        raise DefinitionError([Diagnostic(doc.file, *_mark(node), f"value cannot be read ({type(exc).__name__})")]) \
            from None
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:  # 0x... parses, then cannot be printed
        raise DefinitionError([Diagnostic(doc.file, *_mark(node), "integer too large", "no setting needs one")])
    return value
