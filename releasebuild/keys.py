"""Every digest releasebuild computes, from one explicit canonical encoding.

Step keys, record digests, output digests and split positions are all derived here and nowhere else
(DVC broke caches for years by hashing ad-hoc dumps). `encode` is allow-listed (JSON-like values only),
type-tagged and length-delimited, so no two different values share an encoding.

Two algorithms, named in every digest string so they can change later:
- xxh3_128 for keys and record digests (fast; collisions are a cache-miss risk, not a trust risk);
- sha256 for artifact bytes, because the manifest promises SHA-256 to consumers.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import xxhash

KEY_ALGO = "xxh3_128"
FILE_CHUNK = 1 << 20


def encode(value: Any) -> bytes:
    """Canonical, type-tagged, length-delimited bytes of a JSON-like value."""
    out = bytearray()
    _encode_into(value, out)
    return bytes(out)


def _encode_into(value: Any, out: bytearray) -> None:
    if value is None:
        out += b"n"
    elif value is True or value is False:
        out += b"t" if value else b"f"
    elif isinstance(value, int):
        _tagged(b"i", str(value).encode(), out)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot encode non-finite float {value!r}")
        _tagged(b"d", repr(value).encode(), out)
    elif isinstance(value, str):
        _tagged(b"s", value.encode("utf-8"), out)
    elif isinstance(value, (list, tuple)):
        out += b"l%d:" % len(value)
        for item in value:
            _encode_into(item, out)
    elif isinstance(value, dict):
        out += b"m%d:" % len(value)
        for key in sorted(value):
            if not isinstance(key, str):
                raise TypeError(f"mapping keys must be str, got {type(key).__name__}")
            _encode_into(key, out)
            _encode_into(value[key], out)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} in a key")


def _tagged(tag: bytes, payload: bytes, out: bytearray) -> None:
    out += tag + b"%d:" % len(payload) + payload


def digest(value: Any) -> str:
    """Digest of a JSON-like value (params, results, record content)."""
    return f"{KEY_ALGO}:{xxhash.xxh3_128_hexdigest(encode(value))}"


def step_key(kind: str, code_version: str, params: Any, inputs: dict[str, str]) -> str:
    """Bazel-style action key: everything that can change a step's output, and nothing else."""
    return digest({"kind": kind, "code_version": code_version, "params": params, "inputs": inputs})


def record_content(record_id: str, messages: list[dict[str, str]], metadata: dict[str, Any]) -> tuple[str, str]:
    """A record's canonical content as JSON, and its digest: never its position or its source bytes.

    Records are plain JSON values, for which canonical JSON is itself an unambiguous encoding; it runs in C,
    which matters on the per-record hot path (the recursive `encode` was a third of ingest's time)."""
    content = _STRICT.encode({"id": record_id, "messages": messages, "metadata": metadata})
    return content, f"{KEY_ALGO}:{xxhash.xxh3_128_hexdigest(content.encode('utf-8'))}"


def line_digest(line: bytes) -> str:
    """Digest of a record's line as a step read it (id, messages, metadata): what a per-record memo is keyed by, so
    any edit to the record, and nothing else, makes its memoized result unusable."""
    return xxhash.xxh3_128_hexdigest(line)


def file_digest(fh: IO[bytes]) -> str:
    """Content digest of a source file, streamed."""
    hasher = xxhash.xxh3_128()
    for chunk in iter(lambda: fh.read(FILE_CHUNK), b""):
        hasher.update(chunk)
    return f"{KEY_ALGO}:{hasher.hexdigest()}"


def sha256_file(path: Path) -> str:
    """SHA-256 of a local file's bytes, streamed (artifact and blob identity)."""
    hasher = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(FILE_CHUNK), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def sha256_files(paths: Sequence[Path], threads: int | None = None) -> list[str | None]:
    """Each file's SHA-256, or None where it cannot be read, hashed on `threads` threads (default: one per core):
    file reads and hashlib release the GIL, so checking a release's worth of blobs takes every core rather than
    one."""
    def one(path: Path) -> str | None:
        try:
            return sha256_file(path)
        except OSError:
            return None

    if len(paths) < 2 or threads == 1:
        return [one(path) for path in paths]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(paths), threads or os.cpu_count() or 1)) as pool:
        return list(pool.map(one, paths))


def unit_interval(salt: str, group: str) -> float:
    """A group's stable position in [0, 1): the basis of split assignment."""
    value = xxhash.xxh3_64_intdigest(encode([salt, group]))
    return value / 2.0**64


def unit_intervals(salt: str) -> Callable[[str], float]:
    """`unit_interval(salt, ·)` for one salt and many groups (a per-record draw): the salt encoded once, each group
    as `encode` spells a string, without its walk over the value's type."""
    head = encode([salt, ""])[:-len(encode(""))]  # the list's and the salt's encoding, as in encode([salt, group])

    def position(group: str) -> float:
        payload = group.encode("utf-8")
        return xxhash.xxh3_64_intdigest(head + b"s%d:" % len(payload) + payload) / 2.0**64

    return position


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# The same spelling, refusing NaN and infinities (ValueError): what a record's content is encoded with.
_STRICT = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> str:
    """The one JSON spelling of a value: sorted keys, no spaces, UTF-8 kept."""
    return _CANONICAL.encode(value)


def pretty_json(value: Any) -> str:
    """Stable human-readable JSON for published documents (manifest, reports)."""
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


class Sha256Writer:
    """Writes bytes to a file while computing their SHA-256 and size (one pass, no re-read)."""

    def __init__(self, fh: IO[bytes]):
        self._fh = fh
        self._hasher = hashlib.sha256()
        self.bytes = 0

    def write(self, data: bytes | memoryview) -> None:
        self._fh.write(data)
        self._hasher.update(data)
        self.bytes += len(data)

    @property
    def sha256(self) -> str:
        return self._hasher.hexdigest()


def merkle_root(artifacts: list[dict[str, Any]]) -> str:
    """Format 1's root digest, kept to verify releases published before format 2: SHA-256 over the sorted
    (key, sha256, bytes) artifact leaves. It covers the artifact list only, not the rest of the manifest."""
    hasher = hashlib.sha256()
    for art in sorted(artifacts, key=lambda a: a["key"]):
        leaf = hashlib.sha256(encode([art["key"], art["sha256"], art["bytes"]])).digest()
        hasher.update(leaf)
    return f"sha256:{hasher.hexdigest()}"


# Node tags: a leaf, an object and a list never share an encoding, whatever their contents.
_LEAF, _OBJECT, _LIST = b"\x00", b"\x01", b"\x02"
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def merkle_tree(document: dict[str, Any], depth: int) -> dict[str, str]:
    """A Merkle tree over a JSON document: field path -> SHA-256 (hex) of every node down to `depth` levels.

    The root's path is "". An object's node hashes its fields' names and nodes, a list's its items' names and nodes
    in order; below `depth`, or for a scalar, a node hashes the value's canonical encoding (`encode`). A path names
    the field as a reader writes it (`signoffs.ids[0]`, `definition.files_sha256["release.yaml"]`); a list of
    objects that each carry a distinct string `key` (the artifacts) names its items by that key rather than by
    position, so an edited artifact is named by what it is. Because every node's digest is kept, an edit is traced
    to the deepest node whose digest changed: the field."""
    nodes: dict[str, str] = {}

    def node(value: Any, path: str, level: int) -> str:
        children = _children(value, path) if level < depth else None
        if children is None:
            hashed = hashlib.sha256(_LEAF + encode(value)).hexdigest()
        else:
            tag = _OBJECT if isinstance(value, dict) else _LIST
            hashed = hashlib.sha256(tag + encode([[name, node(child, child_path, level + 1)]
                                                  for name, child_path, child in children])).hexdigest()
        nodes[path] = hashed
        return hashed

    node(document, "", 0)
    return nodes


def _children(value: Any, path: str) -> list[tuple[str | int, str, Any]] | None:
    """(name, path, value) of each child of an object or a list; None for a scalar."""
    if isinstance(value, dict):
        return [(name, _field_path(path, name), value[name]) for name in sorted(value)]
    if isinstance(value, list):
        keys = [str(item["key"]) for item in value if isinstance(item, dict) and isinstance(item.get("key"), str)]
        if value and len(set(keys)) == len(value):
            return [(key, _item_path(path, key), item) for key, item in zip(keys, value, strict=True)]
        return [(index, f"{path}[{index}]", item) for index, item in enumerate(value)]
    return None


def _field_path(path: str, name: str) -> str:
    if not _PLAIN_NAME.match(name):
        return _item_path(path, name)
    return f"{path}.{name}" if path else name


def _item_path(path: str, name: str) -> str:
    """A name that is not an identifier (a file path, an artifact key), quoted as JSON so a path stays unambiguous."""
    return f"{path}[{json.dumps(name, ensure_ascii=False)}]"
