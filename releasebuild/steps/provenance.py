"""Provenance index: where each record came from, what was done to it, and where it went (split, shard).

Source locators and source versions live here, not in the shards, so a reordered source changes this index
but no shard. The shard of each record comes from the same layout export makes (`family_table.lay_out`), so this
step does not wait for export. Records dropped on the way (PII under a `drop` policy, duplicates, split conflicts)
stay in the index with the decision and no split, and every record is checked against the fields provenance
requires; the provenance gate judges them.
"""

from __future__ import annotations

import heapq
import json
import mmap
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from releasebuild.keys import canonical_json, digest
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams, logical_name, parse_lines
from releasebuild.steps.family_table import (
    TABLE_FORMAT,
    TABLE_MEMO,
    Assignment,
    Table,
    TableBefore,
    file_lines,
    lay_out,
)
from releasebuild.steps.ingest import SOURCE_VERSIONS
from releasebuild.steps.shipped import ASSIGNMENT, RECORDS

REQUIRED = ("family", "id", "source", "source_digest", "locator", "record_digest", "chain")
VIOLATIONS = "violations.jsonl"
INDEX_FILE = "provenance.jsonl"
ORIGINS = "provenance.jsonl"  # the privacy step's, line for line with its records: where each came from
DROPPED = "dropped.jsonl"  # the privacy step's rows of the records it dropped
# What the previous index was made under (the step's identity, the sources' digests), the family table's parts, and
# the index's segments (`Provenance`)
SEGMENTS_MEMO = "segments.memo.json"


class ProvenanceParams(StepParams):
    family: str
    max_records: int  # export's shard bounds: the index names each record's shard without waiting for export
    max_bytes: int
    require_metadata: list[str]  # metadata fields every record must carry (the provenance gate's settings)


class ProvenanceResult(StepMeta):
    family: str
    records: int  # index rows: every record that reached privacy, shipped or not
    violations: int  # rows lacking required provenance


class Provenance(Step):
    """A memo step whose cost follows the change. The index is written a part of the privacy step at a time
    (steps/parts.py): a part holds a range of ids, so its rows (its kept records' and its dropped ones', merged by
    id) are a segment of the index. A segment is a pure function of the part's provenance and dropped lines, the
    split step's rows for its records, the shards they land in (`lay_out` over the family table, which reads only
    the parts that changed), its records' lines where metadata is required, and its sources' digests. The previous
    run's segments are kept by an identity over all of those but the digests (SEGMENTS_MEMO); a segment found
    there is copied from the previous index, its sources' digests mended (an edited file changes the digest in
    every row read from it: `_SegmentsBefore.take`). Only the other parts are read and their rows built: at 1M, a
    one-message change read the family's 400 MB of records and keyed 200,000 rows to build one."""

    kind = "provenance"
    code_version = "7"  # 6: the row memo; 7: segments per part, over the family table

    Params = ProvenanceParams
    Result = ProvenanceResult
    memo = (INDEX_FILE, SEGMENTS_MEMO, TABLE_MEMO)

    @staticmethod
    def run(ctx: StepContext) -> ProvenanceResult:
        params = ctx.typed(ProvenanceParams)
        privacy_id, split_id = ctx.dep(ids.PRIVACY), ctx.dep(ids.SPLIT)
        # each source's digest, by name: the source version every record of it was read from
        versions = json.loads(ctx.input_path(ctx.dep(ids.INGEST), SOURCE_VERSIONS).read_bytes())
        identity = digest({"code_version": Provenance.code_version, "params": ctx.params})
        memo = json.loads(ctx.memo[SEGMENTS_MEMO].read_bytes()) if SEGMENTS_MEMO in ctx.memo else {}
        if not isinstance(memo, dict) or memo.get("format") != TABLE_FORMAT or memo.get("identity") != identity:
            memo = {}
        assignment = Assignment(ctx.input_path(split_id, ASSIGNMENT))
        table = Table(ctx, privacy_id, assignment, TableBefore.of(memo.get("parts"), ctx.memo))
        shards = lay_out(table.splits, table.lengths, params.family, params.max_records, params.max_bytes)
        shard_of = np.full(len(table.splits), -1, dtype=np.int64)
        for number, shard in enumerate(shards):
            shard_of[shard.rows] = number
        keys = [shard.key for shard in shards]
        before = _SegmentsBefore.read(ctx.memo, memo)
        builder = _Rows(ctx, params, privacy_id, assignment, table, versions)
        files = ctx.inputs[privacy_id].files
        segments: list[list[Any]] = []
        kept_parts = {suffix: number for number, suffix in enumerate(table.suffixes)}
        written = reused = 0
        with ctx.create(VIOLATIONS) as bad, ctx.create(INDEX_FILE, publish=f"provenance/{params.family}.jsonl",
                                                       kind="provenance") as out:
            for suffix in sorted({name[len(logical_name(name)):] for name in files
                                  if logical_name(name) in (RECORDS, ORIGINS, DROPPED)}):
                part = kept_parts.get(suffix)
                first, end = (0, 0) if part is None else (int(table.firsts[part]), int(table.firsts[part + 1]))
                numbers = shard_of[first:end]
                segment_identity = _segment_identity(
                    [files[name].sha256 if name in files else "" for name in (ORIGINS + suffix, DROPPED + suffix)]
                    + [files[RECORDS + suffix].sha256 if params.require_metadata and part is not None else "",
                       "" if part is None else table.parts[part][2]], keys, numbers)
                taken = None if before is None else before.take(segment_identity, versions)
                if taken is not None:
                    segment, sources = taken
                    out.write(segment)
                    reused += segment.count(b"\n")
                    segments.append([segment_identity, written, len(segment), sources, 0])
                else:
                    segment, sources, violations = builder.segment(suffix, part, first, end, keys, numbers, bad)
                    out.write(segment)
                    segments.append([segment_identity, written, len(segment), sources, violations])
                written += len(segment)
        if before is not None:
            before.close()
        ctx.write_json(SEGMENTS_MEMO, {"format": TABLE_FORMAT, "identity": identity, "versions": versions,
                                       "parts": table.parts, "segments": segments})
        with ctx.create(TABLE_MEMO) as out:
            out.write(table.to_bytes())
        ctx.stats.update(rows_built=builder.rows, rows_reused=reused, parts_read=len(table.read | builder.read))
        return ProvenanceResult(family=params.family, records=builder.rows + reused,
                                violations=sum(segment[4] for segment in segments))


def _segment_identity(inputs: list[str], keys: list[str], shards: np.ndarray) -> str:
    """A segment's identity: its part's inputs (blob digests, split rows digest; "" for none) and the shard each of
    its records lands in (`keys[number]`, -1: removed), as the distinct shards and each record's place among them."""
    distinct, inverse = np.unique(shards, return_inverse=True)
    hasher = xxhash.xxh3_128("\n".join([*inputs, *(keys[number] if number >= 0 else "" for number in
                                                    distinct.tolist())]).encode("utf-8"))
    hasher.update(inverse.astype("<u4").tobytes())
    return hasher.hexdigest()


class _Rows:
    """Builds a part's segment of the index from its files: the rows of its kept records (their provenance lines,
    split rows, shards and, where metadata is required, their records' lines) and of its dropped ones."""

    def __init__(self, ctx: StepContext, params: ProvenanceParams, privacy_id: str, assignment: Assignment,
                 table: Table, versions: dict[str, str | None]):
        self.ctx = ctx
        self.params = params
        self.privacy_id = privacy_id
        self.assignment = assignment
        self.table = table
        self.versions = versions
        self.rows = 0  # rows built
        self.read: set[int] = set()  # the table's parts whose files were read

    def _lines(self, name: str) -> list[bytes]:
        files = self.ctx.input_paths[self.privacy_id]
        return file_lines(files[name].read_bytes()) if name in files else []

    def segment(self, suffix: str, part: int | None, first: int, end: int, keys: list[str], shards: np.ndarray,
                bad: Any) -> tuple[bytes, list[str], int]:
        """The part's rows as index lines, the sources they name, and how many lack required provenance (written
        to `bad` too)."""
        family = self.params.family
        origins = self._lines(ORIGINS + suffix)
        if part is not None:
            self.read.add(part)
        if len(origins) != end - first:
            raise ValueError(f"{self.ctx.spec.id}: {self.privacy_id}'s {ORIGINS + suffix} has {len(origins)} lines "
                             f"for {end - first} records")
        bodies = self._lines(RECORDS + suffix) if self.params.require_metadata else []

        def kept() -> Iterator[tuple[str, dict[str, Any]]]:
            assigned_rows = self.assignment.parsed(first, end)
            for place, (origin_line, assigned) in enumerate(zip(origins, assigned_rows, strict=True)):
                origin = json.loads(origin_line)
                split = assigned["split"]
                origin["source_digest"] = self.versions.get(origin["source"])
                if split is None:  # removed after privacy (a duplicate, a split conflict): why, and no shard
                    origin["chain"] = [*origin["chain"], {**assigned["removed"], "decision": "removed"}]
                number = int(shards[place])
                row = {**origin, "family": family, "split": split, "shard": keys[number] if number >= 0 else None}
                missing = _missing(row) + (_missing_metadata(bodies[place], self.params.require_metadata)
                                           if bodies else [])
                yield assigned["id"], {**row, "missing": missing} if missing else row

        def dropped() -> Iterator[tuple[str, dict[str, Any]]]:
            for origin in parse_lines(self._lines(DROPPED + suffix)):
                row = {**origin, "source_digest": self.versions.get(origin["source"]), "family": family,
                       "split": None, "shard": None}
                missing = _missing(row)
                yield origin["id"], {**row, "missing": missing} if missing else row

        lines: list[bytes] = []
        sources: set[Any] = set()
        violations = 0
        for _, row in heapq.merge(kept(), dropped(), key=lambda item: item[0]):
            sources.add(row.get("source"))
            missing = row.pop("missing", None)
            if missing:
                violations += 1
                bad.write((json.dumps({"family": family, "id": row.get("id"), "source": row.get("source"),
                                       "locator": row.get("locator"), "missing": missing},
                                      sort_keys=True) + "\n").encode("utf-8"))
            lines.append((canonical_json(row) + "\n").encode("utf-8"))
        self.rows += len(lines)
        return b"".join(lines), sorted(source for source in sources if isinstance(source, str)), violations


class _SegmentsBefore:
    """The previous run's index (mapped) and its segments without violations, by identity (SEGMENTS_MEMO)."""

    def __init__(self, index: mmap.mmap, segments: list[list[Any]], versions: dict[str, str | None]):
        self.index = index
        self.versions = versions
        self.segments = {segment[0]: segment for segment in segments if not segment[4]}

    @staticmethod
    def read(memo_files: dict[str, Path], memo: dict[str, Any]) -> _SegmentsBefore | None:
        if not memo or INDEX_FILE not in memo_files or memo_files[INDEX_FILE].stat().st_size == 0:
            return None
        with memo_files[INDEX_FILE].open("rb") as fh:  # mapped: the family's index is not copied into memory
            index = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        if sum(segment[2] for segment in memo["segments"]) != len(index):
            index.close()
            return None
        return _SegmentsBefore(index, memo["segments"], memo["versions"])

    def close(self) -> None:
        self.index.close()

    def take(self, identity: str, now: dict[str, str | None]) -> tuple[bytes, list[str]] | None:
        """The previous segment of this identity, with its sources' digests as they are now, and the sources its
        rows name; None when there is
        none, or when its rows' digests cannot be mended: a source with no digest now (its rows would lack one),
        or two of its sources that had one digest and now have two (which row is whose cannot be told)."""
        segment = self.segments.get(identity)
        if segment is None:
            return None
        _, offset, length, sources, _ = segment
        moved: dict[str, str] = {}
        for source in sources:
            old, new = self.versions.get(source), now.get(source)
            if old is None or new is None or moved.setdefault(old, new) != new:
                return None
        lines = self.index[offset:offset + length]
        mended = {old.encode(): new.encode() for old, new in moved.items() if old != new}
        if mended:
            lines = _DIGEST_FIELD.sub(lambda found: b'"source_digest":"' + mended.get(found[1], found[1]) + b'"', lines)
        return lines, sources


# How a row spells its source's digest: `"source_digest":` cannot occur inside a JSON string (its quotes would be
# escaped), so each match is a row's own field. Every digest of a segment is mended in one pass: one at a time, a
# source mended to a digest another had before would be mended twice.
_DIGEST_FIELD = re.compile(rb'"source_digest":"([^"]*)"')


def _missing(row: dict[str, Any]) -> list[str]:
    return [name for name in REQUIRED if row.get(name) in (None, "", {}, [])]


def _missing_metadata(body: bytes, required: list[str]) -> list[str]:
    if not required:
        return []
    metadata = json.loads(body)["metadata"]
    return [f"metadata.{name}" for name in required if metadata.get(name) in (None, "")]
