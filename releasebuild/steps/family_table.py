"""What export and the provenance index know of each record of a family without reading it again: its split, the
length and digest of its line, whether it was redacted (`Table`), and the shards those make (`lay_out`).

The privacy step writes the family in parts (steps/parts.py), each a blob. Each of the two steps keeps the table as
its memo (TABLE_MEMO) with, per part, the part's identity (its records' and statuses' blobs) and a digest of the split
step's rows for its records. A part whose identity the previous table holds is not read: its rows are that table's,
their splits too when its split rows did not change. So a step over the family reads the parts an edit touched,
not the family: at 1M, a one-message change read 400 MB in each of the two to write one shard and one index row.
"""

from __future__ import annotations

import json
import mmap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from releasebuild.config.models import SPLITS
from releasebuild.steps.base import OutputFile, StepContext, logical_name
from releasebuild.steps.shipped import RECORDS, split_tail

STATUS = "kept_status.jsonl"  # the privacy step's, line for line with its records: "clean" or "redacted"
REDACTED = b'"redacted"\n'
# Per record, in order, as four runs of equal length: its split (0: removed, else 1 + its place in SPLITS), the
# length of its line in records.jsonl (4 bytes, little-endian), whether it was redacted (1) or not (0), the xxh3-128
# digest of that line (16 bytes). The step's JSON memo lists the parts the rows came from (`Table.parts`).
TABLE_MEMO = "records.memo"
ROW_BYTES = 22
TABLE_FORMAT = 1  # bump when the table or the parts list changes layout: a memo of another format is not read


def shard_key(split: str, family: str, index: int) -> str:
    return f"data/{split}/{family}-{index:05d}.jsonl"


@dataclass(frozen=True)
class LaidShard:
    """A shard as `lay_out` places it: its key, its split and its records' places in the family (id order)."""

    key: str
    split: str
    rows: np.ndarray  # int64 positions, ascending


def lay_out(splits: np.ndarray, lengths: np.ndarray, family: str, max_records: int, max_bytes: int
            ) -> list[LaidShard]:
    """The shards of a family's records (split codes as in TABLE_MEMO, line lengths), in id order: per split, a shard
    closes at `max_records` records or before the record whose published line would take it past `max_bytes`
    (each record's line in the shard is its records.jsonl line closed with its split), and holds at least one
    record, however long. Laid out with cumulative sums, a search per shard, not a step per record."""
    shards: list[LaidShard] = []
    for code, split in enumerate(SPLITS, start=1):
        rows = np.flatnonzero(splits == code)
        ends = np.cumsum(lengths[rows].astype(np.int64) - 2 + len(split_tail(split)))
        start = index = 0
        while start < len(rows):
            used = int(ends[start - 1]) if start else 0
            fits = int(np.searchsorted(ends, used + max_bytes, side="right"))
            end = max(start + 1, min(start + max_records, fits))
            shards.append(LaidShard(shard_key(split, family, index), split, rows[start:end]))
            start, index = end, index + 1
    return shards


class Assignment:
    """The split step's rows (one per record, in the privacy step's order, `{"id": ..., "split": ...}`), mapped,
    with where each ends: export parses only the rows of the parts it reads, and each shard's first and last."""

    def __init__(self, path: Path):
        self.size = path.stat().st_size
        self.data: mmap.mmap | bytes = b""
        if self.size:
            with path.open("rb") as fh:
                self.data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        ends = np.flatnonzero(np.frombuffer(self.data, dtype=np.uint8) == ord("\n")) + 1
        if self.size and (not len(ends) or ends[-1] != self.size):
            ends = np.append(ends, self.size)  # a last row without its newline
        self.starts = np.concatenate(([0], ends))
        self.rows = len(ends)

    def digest(self, first: int, end: int) -> str:
        return xxhash.xxh3_128_hexdigest(self.data[int(self.starts[first]):int(self.starts[end])])

    def row(self, at: int) -> dict[str, Any]:
        row: dict[str, Any] = json.loads(self.data[int(self.starts[at]):int(self.starts[at + 1])])
        return row

    def id(self, at: int) -> str:
        return str(self.row(at)["id"])

    def parsed(self, first: int, end: int) -> list[dict[str, Any]]:
        """These rows, parsed as one JSON array."""
        rows = bytes(self.data[int(self.starts[first]):int(self.starts[end])]).split(b"\n")
        parsed: list[dict[str, Any]] = json.loads(b"[" + b",".join(row for row in rows if row) + b"]")
        if len(parsed) != end - first:
            raise ValueError(f"blank rows among the split step's rows {first} to {end}")
        return parsed

    def splits(self, first: int, end: int) -> np.ndarray:
        """The split codes (TABLE_MEMO's) of these rows."""
        return np.array([split_code(row["split"]) for row in self.parsed(first, end)], dtype=np.uint8)


def split_code(split: str | None) -> int:
    return 0 if split is None else SPLITS.index(split) + 1


def file_lines(data: bytes) -> list[bytes]:
    """A file's lines as iterating it in binary yields them: each with its newline, the last perhaps without."""
    lines = data.split(b"\n")
    tail = lines.pop()
    return [line + b"\n" for line in lines] + ([tail] if tail else [])


@dataclass
class TableBefore:
    """The previous run's table (TABLE_MEMO) and the parts it lists (`Table.parts`, kept in the step's JSON memo):
    its parts by identity (records and statuses blobs) with where their rows start and the digest of their split
    rows."""

    parts: dict[tuple[str, str], tuple[int, int, str]]  # (records, statuses) -> (first row, rows, split rows digest)
    splits: np.ndarray
    lengths: np.ndarray
    redacted: np.ndarray
    digests: np.ndarray  # (records, 16) uint8

    @staticmethod
    def of(listed: Any, memo: dict[str, Path]) -> TableBefore:
        """The previous table: `listed`, the parts as the step's JSON memo kept them (None: no memo of this
        format), and the table itself among the step's memo files. None of it (nothing read) when either is
        missing or they disagree."""
        parts: dict[tuple[str, str], tuple[int, int, str]] = {}
        first = 0
        for records, statuses, split_rows, rows in listed or []:
            parts.setdefault((records, statuses), (first, rows, split_rows))
            first += rows
        data = memo[TABLE_MEMO].read_bytes() if listed is not None and TABLE_MEMO in memo else b""
        if len(data) != ROW_BYTES * first or not data:
            parts, first, data = {}, 0, b""
        return TableBefore(parts, np.frombuffer(data, np.uint8, first), np.frombuffer(data, "<u4", first, first),
                           np.frombuffer(data, np.uint8, first, 5 * first),
                           np.frombuffer(data, np.uint8, 16 * first, 6 * first).reshape(first, 16))


class Table:
    """Each record of the family, in order (TABLE_MEMO's runs), with the parts they came from: made from the
    previous run's table for the parts it had, reading only the others."""

    def __init__(self, ctx: StepContext, privacy_id: str, assignment: Assignment, before: TableBefore):
        files = ctx.inputs[privacy_id].files
        records = sorted(name for name in files if logical_name(name) == RECORDS)
        statuses = sorted(name for name in files if logical_name(name) == STATUS)
        if [name[len(RECORDS):] for name in records] != [name[len(STATUS):] for name in statuses]:
            raise ValueError(f"{ctx.spec.id}: {privacy_id}'s {RECORDS} and {STATUS} are not cut into the same parts")
        self.paths = [ctx.input_path(privacy_id, name) for name in records]
        self.suffixes = [name[len(RECORDS):] for name in records]  # each part's, as `part_file` names it
        self.parts: list[list[Any]] = []  # per part: [records blob, statuses blob, split rows digest, records]
        self.read: set[int] = set()  # parts whose records this run read
        splits: list[np.ndarray] = []
        lengths: list[np.ndarray] = []
        redacted: list[np.ndarray] = []
        digests: list[np.ndarray] = []
        first = 0
        for number, (name, status) in enumerate(zip(records, statuses, strict=True)):
            identity = (files[name].sha256, files[status].sha256)
            previous = before.parts.get(identity)
            if previous is None:
                lines = file_lines(self.paths[number].read_bytes())
                flags = file_lines(ctx.input_path(privacy_id, status).read_bytes())
                if len(lines) != len(flags):
                    raise ValueError(f"{ctx.spec.id}: {privacy_id}'s {name} has {len(lines)} lines and {status} "
                                     f"{len(flags)}")
                self.read.add(number)
                rows = len(lines)
                lengths.append(np.array([len(line) for line in lines], dtype=np.uint32))
                redacted.append(np.array([flag == REDACTED for flag in flags], dtype=np.uint8))
                digests.append(np.frombuffer(b"".join(xxhash.xxh3_128_digest(line) for line in lines),
                                             dtype=np.uint8).reshape(rows, 16))
            else:
                at, rows, _ = previous
                lengths.append(before.lengths[at:at + rows])
                redacted.append(before.redacted[at:at + rows])
                digests.append(before.digests[at:at + rows])
            if first + rows > assignment.rows:
                raise ValueError(f"{ctx.spec.id}: {privacy_id} has more records than the split step has rows "
                                 f"({assignment.rows})")
            split_rows = assignment.digest(first, first + rows)
            if previous is not None and previous[2] == split_rows:
                splits.append(before.splits[previous[0]:previous[0] + rows])
            else:
                splits.append(assignment.splits(first, first + rows))
            self.parts.append([*identity, split_rows, rows])
            first += rows
        if first != assignment.rows:
            raise ValueError(f"{ctx.spec.id}: {privacy_id} has {first} records and the split step "
                             f"{assignment.rows} rows")
        counts = [part[3] for part in self.parts]
        self.splits = np.concatenate(splits) if splits else np.zeros(0, np.uint8)
        self.lengths = np.concatenate(lengths) if lengths else np.zeros(0, np.uint32)
        self.redacted = np.concatenate(redacted) if redacted else np.zeros(0, np.uint8)
        self.digests = np.concatenate(digests) if digests else np.zeros((0, 16), np.uint8)
        self.firsts = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))

    def redacted_in(self, shard: LaidShard) -> int:
        return int(self.redacted[shard.rows].sum())

    def shipped(self, split: str) -> int:
        return int(np.count_nonzero(self.splits == split_code(split)))

    def to_bytes(self) -> bytes:
        return (self.splits.tobytes() + self.lengths.astype("<u4").tobytes() + self.redacted.tobytes()
                + self.digests.tobytes())

    def write_shards(self, ctx: StepContext, shards: list[LaidShard]) -> None:
        """Write these shards, reading only the parts that hold their records, each once, in order."""
        shard_of = np.full(len(self.splits), -1, dtype=np.int64)
        for number, shard in enumerate(shards):
            shard_of[shard.rows] = number
        left = [len(shard.rows) for shard in shards]
        outputs: dict[int, OutputFile] = {}
        for part, path in enumerate(self.paths):
            first = int(self.firsts[part])
            wanted = np.flatnonzero(shard_of[first:int(self.firsts[part + 1])] >= 0)
            if not len(wanted):
                continue
            self.read.add(part)
            lines = file_lines(path.read_bytes())
            for place in wanted.tolist():
                number = int(shard_of[first + place])
                shard = shards[number]
                output = outputs.get(number)
                if output is None:
                    output = outputs[number] = ctx.open_output(shard.key, publish=shard.key, kind="shard")
                output.write(lines[place][:-2] + split_tail(shard.split))
                left[number] -= 1
                if not left[number]:
                    outputs.pop(number).close()


