"""External merge sort of JSON lines, so a family is put in canonical order with bounded memory."""

from __future__ import annotations

import heapq
import json
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

RUN_SIZE = 20_000


def external_sort(items: Iterable[tuple[Any, str]], workdir: Path, run_size: int = RUN_SIZE) -> Iterator[tuple[Any, str]]:
    """Sort (key, line) pairs by key, spilling sorted runs of `run_size` to disk and merging them."""
    runs: list[Path] = []
    buffer: list[tuple[Any, str]] = []
    for item in items:
        buffer.append(item)
        if len(buffer) >= run_size:
            runs.append(_spill(sorted(buffer, key=_key), workdir))
            buffer = []
    buffer.sort(key=_key)
    if not runs:
        yield from buffer
        return
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
            fh.write(json.dumps([key, line], ensure_ascii=False))
            fh.write("\n")
    return Path(fh.name)


def _read_run(path: Path) -> Iterator[tuple[Any, str]]:
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            key, line = json.loads(raw)
            yield _tuple(key), line


def _tuple(key: Any) -> Any:
    return tuple(_tuple(part) for part in key) if isinstance(key, list) else key
