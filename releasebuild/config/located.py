"""YAML loading that remembers where every node came from, so errors can say file:line:col."""

from __future__ import annotations

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


def parse_located(text: str, display_name: str) -> LocatedDocument:
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        doc = LocatedDocument(display_name, None)
        if node is not None:
            doc.data = _build(node, (), doc, loader)
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"invalid YAML: {exc.problem or exc.context}"
        raise DefinitionError([Diagnostic(display_name, line, col, message)]) from None
    finally:
        loader.dispose()


def _build(node: yaml.Node, path: Path_, doc: LocatedDocument, loader: Any) -> Any:
    doc.values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key: Any = loader.construct_object(key_node, deep=True)
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
    return loader.construct_object(node, deep=True)
