"""A family's records in parts, so that a step over them costs the parts an edit touched, not the family.

A step that writes one output line per record of its input (the privacy step) cuts the family, in id order, into
parts and writes each part's lines as a file of its own (`base.part_file`). The cut is content-defined: a record
opens a part when the hash of its id falls on a multiple of PART_RECORDS (Rabin-style chunking, as rsync and
restic cut files), so it moves with the ids, never with positions. An edited message changes one part; a record
added or removed changes the part around it, and only one more when its id is a boundary. A part also ends where an
input file ends (ingest's output of one source file, `cut_inputs`), so that a file whose blobs did not change is
not read at all: its parts are the ones the index lists for it.

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
from collections.abc import Callable, Iterator
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
    """The previous run's index (INDEX, as `write_index` wrote it): its entries by input digest, and the parts cut
    from each input file, when it was made under `identity`; else none, and every part is made again."""

    def __init__(self, path: Path | None, identity: str):
        self.entries: list[dict[str, Any]] = []
        self.inputs: dict[tuple[str, ...], list[tuple[str, int]]] = {}
        if path is not None:
            data = json.loads(path.read_bytes())
            if data.get("identity") == identity:
                self.entries = data["parts"]
                self.inputs = {tuple(entry["files"]): [(digest, records) for digest, records in entry["parts"]]
                               for entry in data.get("inputs", [])}
        self.by_digest = {entry["digest"]: (index, entry) for index, entry in enumerate(self.entries)}

    def find(self, part_digest: str) -> tuple[int, dict[str, Any]] | None:
        return self.by_digest.get(part_digest)


@dataclass(frozen=True)
class Input:
    """One input file of the step, as the parts of its logical files that go together (ingest's records, groups and
    provenance of one source file): their blob digests, and its rows, read only if needed."""

    files: tuple[str, ...]
    rows: Callable[[], Iterator[tuple[bytes, ...]]]


def cut_inputs(inputs: list[Input], group_at: int, previous: PartIndex,
               spill: Path) -> tuple[list[Part], list[int], list[dict[str, Any]]]:
    """`cut` over several input files, a part ending with its file: the parts of a file the previous run cut the
    same (its blobs, so its lines, unchanged) are its parts again, and the file is not read. At 1M, a one-message
    change's privacy scan read the family's four files (400 MB) to find the one part it had to make. Also returns
    what the index keeps of each file: its blobs and its parts' digests and records."""
    cutter = _Cutter(group_at, previous, spill)
    kept: list[dict[str, Any]] = []
    for source in inputs:
        first = len(cutter.parts)
        held = previous.inputs.get(source.files)
        if held is not None and all(previous.find(part_digest) is not None for part_digest, _ in held):
            for part_digest, records in held:
                cutter.hand_on(part_digest, records)
        else:
            cutter.add(source.rows())
            cutter.finish_part()
        kept.append({"files": list(source.files),
                     "parts": [[part.digest, part.records] for part in cutter.parts[first:]]})
    parts, reused = cutter.close()
    return parts, reused, kept


class _Cutter:
    """Parts cut as rows come (`cut`); a part the previous index holds is counted, the others' lines spilled."""

    def __init__(self, group_at: int, previous: PartIndex, spill: Path):
        self.group_at = group_at
        self.previous = previous
        self.spill = spill
        self.parts: list[Part] = []
        self.reused: list[int] = []
        self.lines: list[tuple[bytes, ...]] = []
        self.hasher = xxhash.xxh3_128()
        self.files: list[Any] = []

    def add(self, rows: Iterator[tuple[bytes, ...]]) -> None:
        lines, hasher = self.lines, self.hasher
        for row in rows:
            if lines and (len(lines) >= MAX_PART_RECORDS or starts_part(row[self.group_at])):
                self.finish_part()
            lines.append(row)
            hasher.update(b"".join(row))  # each line ends at its only newline: the joined lines are unambiguous

    def finish_part(self) -> None:
        if not self.lines:
            return
        part_digest = self.hasher.hexdigest()
        found = self.previous.find(part_digest)
        if found is None:
            if not self.files:
                self.files.extend(self.spill.with_suffix(f".{n}").open("wb") for n in range(len(self.lines[0])))
            for column, out in enumerate(self.files):
                out.write(b"".join(row[column] for row in self.lines))
        else:
            self.reused.append(found[0])
        self.parts.append(Part(len(self.parts), part_digest, len(self.lines), found))
        self.lines.clear()
        self.hasher.reset()

    def hand_on(self, part_digest: str, records: int) -> None:
        """A part of the previous run's, known to be in its index, counted without its lines."""
        found = self.previous.find(part_digest)
        assert found is not None
        self.reused.append(found[0])
        self.parts.append(Part(len(self.parts), part_digest, records, found))

    def close(self) -> tuple[list[Part], list[int]]:
        self.finish_part()
        for out in self.files:
            out.close()
        return self.parts, self.reused


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


def write_index(ctx: StepContext, identity: str, entries: list[dict[str, Any]],
                inputs: list[dict[str, Any]] | None = None) -> None:
    """This run's index, for the next run (INDEX): its parts' entries, and, for a step that cut its input file by
    file (`cut_inputs`), what it cut from each."""
    index: dict[str, Any] = {"identity": identity, "parts": entries}
    if inputs is not None:
        index["inputs"] = inputs
    with ctx.create(INDEX) as out:
        out.write(canonical_json(index).encode("utf-8"))
