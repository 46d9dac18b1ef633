"""External merge sort of (key, line) pairs, so a family is put in canonical order with bounded memory.

The buffer is bounded in bytes, not items, so memory stays flat however long the records are. Spilled runs hold
one `<key as JSON>\t<line>` per line: the line is already canonical JSON (no raw tab or newline inside), so it is
written and read back verbatim, not re-encoded.
"""

from __future__ import annotations

import heapq
import json
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

RUN_BYTES = 8 * 1024 * 1024


def external_sort(items: Iterable[tuple[Any, str]], workdir: Path,
                  run_bytes: int = RUN_BYTES) -> Iterator[tuple[Any, str]]:
    """Sort (key, line) pairs by key, spilling sorted runs of about `run_bytes` to disk and merging them."""
    runs: list[Path] = []
    buffer: list[tuple[Any, str]] = []
    size = 0
    for item in items:
        buffer.append(item)
        size += len(item[1]) + 64
        if size >= run_bytes:
            runs.append(_spill(sorted(buffer, key=_key), workdir))
            buffer, size = [], 0
    buffer.sort(key=_key)
    if not runs:
        yield from buffer
        return
    if buffer:
        runs.append(_spill(buffer, workdir))
    try:
        yield from heapq.merge(*(_read_run(run) for run in runs), key=_key)
    finally:
        for run in runs:
            run.unlink(missing_ok=True)


def _key(item: tuple[Any, str]) -> Any:
    return item[0]


def _spill(items: list[tuple[Any, str]], workdir: Path) -> Path:
    with tempfile.NamedTemporaryFile("w", dir=workdir, suffix=".run", delete=False, encoding="utf-8") as fh:
        for key, line in items:
            fh.write(json.dumps(key, ensure_ascii=False))
            fh.write("\t")
            fh.write(line)
            fh.write("\n")
    return Path(fh.name)


def _read_run(path: Path) -> Iterator[tuple[Any, str]]:
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            key, line = raw[:-1].split("\t", 1)
            yield _tuple(json.loads(key)), line


def _tuple(key: Any) -> Any:
    return tuple(_tuple(part) for part in key) if isinstance(key, list) else key
