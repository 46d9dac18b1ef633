"""A family's records in parts, so that a step over them costs the parts an edit touched, not the family.

A step that writes one output line per record of its input (the privacy step) cuts the family, in id order, into
parts and writes each part's lines as a file of its own (`base.part_file`). The cut is content-defined: a record
opens a part when the hash of its id falls on a multiple of PART_RECORDS (Rabin-style chunking, as rsync and
restic cut files), so it moves with the ids, never with positions. An edited message changes one part; a record
added or removed changes the part around it, and only one more when its id is a boundary.

The step keeps, as an output of its own, an index of its parts (INDEX): per part, the digest of its input lines
and what the step made of it (the names of its files, the counts its result sums, the lengths of its share of the
outputs that stay whole files). Its next run, handed that index as its memo, passes once over its input to find
the parts and their digests (`cut`); a part whose digest the index holds, under the same step identity (code and
params), is handed on as it stands (`StepContext.reuse`: the blob, by reference); only the others are read again,
from a spill of this pass, and made. The result is the one a cold run makes, byte for byte: a part's output is a
pure function of its input lines and the step's identity.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xxhash

from releasebuild.keys import canonical_json
from releasebuild.steps.base import StepContext

PART_RECORDS = 1024  # a part's expected records: a boundary is an id whose hash is a multiple of this
MAX_PART_RECORDS = 8 * PART_RECORDS  # a part is cut here whatever the ids (a run of ids that open none)
INDEX = "parts.json"


def starts_part(group_line: bytes) -> bool:
    """Whether the record of this groups line (`{"group": ..., "id": ...}` in canonical JSON, as ingest and the
    privacy step write it) opens a part: by its id's JSON alone, the line's tail, so a changed group key moves no
    boundary. (`,"id":` cannot occur inside a JSON string: its quotes would be escaped.)"""
    id_json = group_line[group_line.rindex(b',"id":') + 6:]
    return xxhash.xxh3_64_intdigest(id_json) % PART_RECORDS == 0


@dataclass
class Part:
    """One part of this run's input: its position, its lines' digest and records, and the previous run's position
    and entry for the same lines under the same identity, when there is one to hand on."""

    index: int
    digest: str
    records: int
    previous: tuple[int, dict[str, Any]] | None


class PartIndex:
    """The previous run's index (INDEX, as `write_index` wrote it): its entries by input digest, when it was made
    under `identity`; else none, and every part is made again."""

    def __init__(self, path: Path | None, identity: str):
        self.entries: list[dict[str, Any]] = []
        if path is not None:
            data = json.loads(path.read_bytes())
            if data.get("identity") == identity:
                self.entries = data["parts"]
        self.by_digest = {entry["digest"]: (index, entry) for index, entry in enumerate(self.entries)}

    def find(self, part_digest: str) -> tuple[int, dict[str, Any]] | None:
        return self.by_digest.get(part_digest)


def cut(rows: Iterator[tuple[bytes, ...]], group_at: int, previous: PartIndex,
        spill: Path) -> tuple[list[Part], list[int]]:
    """Pass over the input rows (one line per input file, record by record; `group_at`: which is the groups
    line), cutting parts. A part the previous index holds is only counted; the lines of the others are spilled to
    `spill`, one file per input file, for `spilled` to read back. Returns the parts in order, and the previous
    positions handed on (so the caller knows which previous parts are not: the memo of the ones it makes)."""
    parts: list[Part] = []
    reused: list[int] = []
    lines: list[tuple[bytes, ...]] = []
    hasher = xxhash.xxh3_128()
    files: list[Any] = []

    def finish() -> None:
        part_digest = hasher.hexdigest()
        found = previous.find(part_digest)
        if found is None:
            if not files:
                files.extend(spill.with_suffix(f".{n}").open("wb") for n in range(len(lines[0])))
            for column, out in enumerate(files):
                out.write(b"".join(row[column] for row in lines))
        else:
            reused.append(found[0])
        parts.append(Part(len(parts), part_digest, len(lines), found))
        lines.clear()
        hasher.reset()

    for row in rows:
        if lines and (len(lines) >= MAX_PART_RECORDS or starts_part(row[group_at])):
            finish()
        lines.append(row)
        hasher.update(b"".join(row))  # each line ends at its only newline: the joined lines are unambiguous
    if lines:
        finish()
    for out in files:
        out.close()
    return parts, reused


def spilled(spill: Path, width: int) -> Iterator[tuple[bytes, ...]]:
    """The rows `cut` spilled, in order."""
    if not spill.with_suffix(".0").exists():
        return
    handles = [spill.with_suffix(f".{n}").open("rb") for n in range(width)]
    try:
        yield from zip(*handles, strict=True)
    finally:
        for handle in handles:
            handle.close()


def write_index(ctx: StepContext, identity: str, entries: list[dict[str, Any]]) -> None:
    """This run's index, for the next run (INDEX)."""
    with ctx.create(INDEX) as out:
        out.write(canonical_json({"identity": identity, "parts": entries}).encode("utf-8"))
