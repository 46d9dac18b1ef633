"""A per-record memo for the steps that walk a family's shipped records (bias counts, statistics): what the step
computed of each record, kept as one of its own outputs, so that its next run (handed that file as `ctx.memo`,
see `Step.memo`) computes only the records it has not seen and reuses the rest.

A row is a record's id, the digest of its line as the privacy step wrote it (id, messages and metadata: all of the
record such a step reads) and the step's contribution for that record, as JSON. The header names what the
contributions were computed with (the step's kind and code version, and whatever else they follow: lexicons,
tokenizer, library versions); a table made with anything else is ignored. Rows are written in the order the step
reads records (the privacy step's, by id) and the previous table is read in step with this run's records, one
pass each, so memory holds one row, not the table. A record whose id is not where it was, or whose line changed, is
computed again.

Whether a memo was given never changes what the step writes, this table included: a reused contribution is the
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
from releasebuild.steps.base import Step, StepContext

HEADER = "#record-memo"


def memo_identity(step: type[Step], **depends_on: Any) -> str:
    """What a step's contributions are a function of, besides the record: its kind, its code version and
    `depends_on` (the params, sources and versions they follow). A table whose header names another is not used."""
    return digest({"kind": step.kind, "code_version": step.code_version, "depends_on": depends_on})


class RecordMemo:
    """This run's table, written as the step asks for contributions, and the previous run's, read alongside."""

    def __init__(self, ctx: StepContext, name: str, identity: str):
        self._previous = _Previous(ctx.memo.get(name), identity)
        self._out = ctx.open_output(name)
        self._out.write(f"{HEADER}\t{identity}\n".encode())
        self.reused = self.computed = 0

    def contribution(self, record_id: str, line: bytes, compute: Callable[[bytes], Any]) -> Any:
        """The record's contribution: the previous run's when it holds this record's line, else `compute(line)`
        (JSON-like; the step uses what it returns as JSON would give it back, lists not tuples)."""
        key = line_digest(line)
        cached = self._previous.find(record_id, key)
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

    def close(self) -> dict[str, int]:
        """Finish the table; what the step reports of its work (ctx.stats)."""
        self._out.close()
        return {"records_computed": self.computed, "records_from_memo": self.reused}


def fresh_records(ctx: StepContext, name: str, identity: str, records: Iterator[tuple[str, bytes]]) -> int:
    """Plan only: how many of `records` ((id, line), in the step's order) the previous table does not hold."""
    previous = _Previous(ctx.memo.get(name), identity)
    return sum(previous.find(record_id, line_digest(line)) is None for record_id, line in records)


class _Previous:
    """The previous run's table, read forward in step with this run's records."""

    def __init__(self, path: Path | None, identity: str):
        self._rows = _rows(path, identity)
        self._row = next(self._rows, None)

    def find(self, record_id: str, key: str) -> str | None:
        """The contribution JSON for (record_id, line digest key), if the table holds it. Both tables are in the
        same record order, so the cursor only moves forward: past rows of records that are gone, and past a row
        once looked up. (A record out of id order, e.g. one whose id privacy replaced by its keyed hash, may make
        the cursor skip rows: those records are computed again, never mismatched.)"""
        while self._row is not None and self._row[0] < record_id:
            self._row = next(self._rows, None)
        if self._row is None or self._row[0] != record_id:
            return None
        _, previous_key, encoded = self._row
        self._row = next(self._rows, None)
        return encoded if previous_key == key else None


def _rows(path: Path | None, identity: str) -> Iterator[tuple[str, str, str]]:
    """The previous table's rows as (id, line digest, contribution JSON), when made with the same identity."""
    for line in table_lines(path, f"{HEADER}\t{identity}"):
        key, record_id, encoded = line.split("\t", 2)
        yield json.loads(record_id), key, encoded


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
