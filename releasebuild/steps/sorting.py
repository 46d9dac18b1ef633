"""External merge sort of (key, line, ...) tuples, so a family is put in canonical order with bounded memory.

The buffer is bounded in bytes, not items, so memory stays flat however long the records are. Spilled runs are
private scratch files of pickled batches: the fastest way to write and re-read tuples of str/int, with no re-encoding
and no type conversion on the way back.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

RUN_BYTES = 8 * 1024 * 1024
BATCH = 256
# (key, line) or (key, line, what else the caller carries along): sorted by key, sized by the line
Item = TypeVar("Item", bound=tuple[Any, ...])


def external_sort(items: Iterable[Item], workdir: Path, run_bytes: int = RUN_BYTES) -> Iterator[Item]:
    """Sort items by key (stable: equal keys keep their input order), spilling sorted runs of about `run_bytes` to
    disk and merging them."""
    runs: list[Path] = []
    buffer: list[Item] = []
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


def _key(item: tuple[Any, ...]) -> Any:
    return item[0]


def _spill(items: list[Item], workdir: Path) -> Path:
    with tempfile.NamedTemporaryFile("wb", dir=workdir, suffix=".run", delete=False) as fh:
        for start in range(0, len(items), BATCH):
            pickle.dump(items[start:start + BATCH], fh, protocol=pickle.HIGHEST_PROTOCOL)
    return Path(fh.name)


def _read_run(path: Path) -> Iterator[Any]:
    with path.open("rb") as fh:
        while True:
            try:
                batch = pickle.load(fh)
            except EOFError:
                return
            yield from batch
