"""A per-record memo for the steps that fold a family's shipped records (bias counts, statistics: steps/folds.py):
what the step computed of each record, kept as one of its own outputs, one table per part, so that its next run
computes only the records it has not seen.

A row is a record's id, the digest of its line as the privacy step wrote it (id, messages and metadata: all of the
record such a step reads) and the step's contribution for that record, as JSON. The header names what the
contributions were computed with (the step's kind, the version of its measure, and whatever else they follow:
lexicons, tokenizer, library versions); a table made with anything else is ignored. A part handed on keeps its
table by reference; a part made again looks its records up in the tables of the previous parts not handed on
(`MemoPool`). A record whose line changed is computed again.

Whether a memo was given never changes what the step writes, these tables included: a reused contribution is the
very JSON a fresh computation makes, so a contribution must be a pure function of the record's line and of what
the header names.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from releasebuild.keys import canonical_json, digest, line_digest
from releasebuild.steps.base import OutputFile, StepContext

HEADER = "#record-memo"


def memo_identity(kind: str, measure_version: str, **depends_on: Any) -> str:
    """What a step's contributions are a function of, besides the record: its kind, the version of its measure
    (the step's code version when the measure last changed) and `depends_on` (the params, sources and versions they
    follow). A table whose header names another is not used."""
    return digest({"kind": kind, "code_version": measure_version, "depends_on": depends_on})


class MemoPool:
    """The previous run's rows of the parts made again (`steps/folds.py`), by record id: a few thousand rows after
    an edit, the family's only on the first run after an upgrade (the memo was one table before parts)."""

    def __init__(self, paths: list[Path], identity: str):
        self.identity = identity
        self._rows: dict[str, tuple[str, str]] = {}
        for path in paths:
            for line in table_lines(path, f"{HEADER}\t{identity}"):
                key, record_id, encoded = line.split("\t", 2)
                self._rows[json.loads(record_id)] = (key, encoded)

    def find(self, record_id: str, key: str) -> str | None:
        """The contribution JSON for (record_id, line digest key), if the pool holds it."""
        found = self._rows.get(record_id)
        return found[1] if found is not None and found[0] == key else None


class RecordMemo:
    """One part's table, written as the step asks for contributions, the previous ones looked up in `pool`."""

    def __init__(self, out: OutputFile, pool: MemoPool):
        self._pool = pool
        self._out = out
        self._out.write(f"{HEADER}\t{pool.identity}\n".encode())
        self.reused = self.computed = 0

    def contribution(self, record_id: str, line: bytes, compute: Callable[[bytes], Any]) -> Any:
        """The record's contribution: the previous run's when it holds this record's line, else `compute(line)`
        (JSON-like; the step uses what it returns as JSON would give it back, lists not tuples)."""
        key = line_digest(line)
        cached = self._pool.find(record_id, key)
        if cached is None:
            value = compute(line)
            encoded = canonical_json(value)
            self.computed += 1
        else:
            encoded = cached
            value = json.loads(encoded)
            self.reused += 1
        self._out.write(f"{key}\t{canonical_json(record_id)}\t{encoded}\n".encode())
        return value

    def close(self) -> None:
        self._out.close()


def table_lines(path: Path | None, header: str) -> Iterator[str]:
    """The rows of a memo table a step's previous run wrote (without their newline), or none when there is no
    table or its first line is not `header`: a table made with other settings, which must not be reused."""
    if path is None:
        return
    with path.open(encoding="utf-8") as fh:
        if fh.readline().rstrip("\n") != header:
            return
        for line in fh:
            yield line.rstrip("\n")


def read_drawings(path: Path | None, header: str) -> dict[str, bytes]:
    """A drawings memo (a gate's charts by what each was drawn from: `write_drawings`), when its header is `header`
    (the code and libraries that drew them); else none."""
    return {key: base64.b64decode(png) for key, png in (row.split("\t") for row in table_lines(path, header))}


def write_drawings(ctx: StepContext, name: str, header: str, drawn: list[tuple[str, bytes]],
                   previous: dict[str, bytes], counted: str) -> None:
    """Write the memo of this run's drawings (key -> PNG) and say how many came from the previous run's
    (`<counted>_drawn`, `<counted>_reused` in ctx.stats)."""
    with ctx.create(name) as out:
        out.write(f"{header}\n".encode())
        for key, png in drawn:
            out.write(f"{key}\t".encode() + base64.b64encode(png) + b"\n")
    reused = sum(key in previous for key, _ in drawn)
    ctx.stats.update({f"{counted}_drawn": len(drawn) - reused, f"{counted}_reused": reused})
