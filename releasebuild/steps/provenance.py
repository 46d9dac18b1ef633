"""Provenance index: where each record came from, what was done to it, and where it went (split, shard).

Source locators and source versions live here, not in the shards, so a reordered source changes this index
but no shard. The shard of each record comes from the same ShardLayout export walks, so this step does not
wait for export. Records dropped on the way (PII under a `drop` policy, duplicates, split conflicts) stay in
the index with the decision and
no split, and every record is checked against the fields provenance requires; the provenance gate judges them.
"""

from __future__ import annotations

import heapq
import json
import mmap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from releasebuild.keys import canonical_json, digest
from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams, parse_lines
from releasebuild.steps.export import ShardLayout
from releasebuild.steps.ingest import SOURCE_VERSIONS
from releasebuild.steps.shipped import Placed, placed

REQUIRED = ("family", "id", "source", "source_digest", "locator", "record_digest", "chain")
VIOLATIONS = "violations.jsonl"
INDEX_FILE = "provenance.jsonl"
ROWS_MEMO = "rows.memo"  # per row of INDEX_FILE, in order: its key (`_row_key`, 16 bytes; NO_KEY: not to reuse)
ROWS_INFO = "rows.memo.json"  # what the rows were made under: the step's identity, the sources' digests


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
    """A memo step: a kept record's row is a pure function of its privacy provenance line, its split (or why it was
    removed), its shard, its source's digest and, where metadata is required, its body. The previous run's rows are
    kept by a key over all of those but the source's digest (`ROWS_MEMO`), and a row whose key is there is the
    previous row, its source digest updated when its source changed (an edited file changes the digest of every
    record read from it). Only the other rows are built and encoded again: at 1M, a one-message change built
    200,000 rows for one."""

    kind = "provenance"
    code_version = "6"  # 5: a source's digest from ingest's source_versions.json; 6: the row memo

    Params = ProvenanceParams
    Result = ProvenanceResult
    memo = (INDEX_FILE, ROWS_MEMO, ROWS_INFO)

    @staticmethod
    def run(ctx: StepContext) -> ProvenanceResult:
        params = ctx.typed(ProvenanceParams)
        family = params.family
        layout = ShardLayout(family, params.max_records, params.max_bytes)
        required_metadata = params.require_metadata
        privacy_id = ctx.dep("privacy")
        # each source's digest, by name: the source version every record of it was read from
        versions = json.loads(ctx.input_path(ctx.dep("ingest"), SOURCE_VERSIONS).read_bytes())
        identity = digest({"code_version": Provenance.code_version, "params": ctx.params})
        before = _RowsBefore.read(ctx.memo, identity, versions)

        def row_of(origin: dict[str, Any], record: Placed, shard: str | None) -> dict[str, Any]:
            split = record.split
            origin["source_digest"] = versions.get(origin["source"])
            if split is None:  # removed after privacy (a duplicate, a split conflict): why, and no shard
                origin["chain"] = [*origin["chain"], {**record.assigned["removed"], "decision": "removed"}]
            row = {**origin, "family": family, "split": split, "shard": shard}
            missing = _missing(row) + _missing_metadata(record.body, required_metadata)
            return {**row, "missing": missing} if missing else row

        def kept() -> Iterator[tuple[str, bytes | dict[str, Any], bytes]]:
            origins = ctx.lines(privacy_id, "provenance.jsonl")  # line for line with the records
            for record, origin_line in zip(placed(ctx), origins, strict=True):
                split = record.split
                shard = None if split is None else layout.place(split, len(record.body))[0]
                key = _row_key(origin_line, record, shard, required_metadata)
                line = before.line(key) if before is not None else None
                if line is not None:
                    yield record.assigned["id"], line, key
                else:
                    yield record.assigned["id"], row_of(json.loads(origin_line), record, shard), key

        def dropped() -> Iterator[tuple[str, bytes | dict[str, Any], bytes]]:
            for origin in parse_lines(ctx.lines(privacy_id, "dropped.jsonl")):
                row = {**origin, "source_digest": versions.get(origin["source"]), "family": family, "split": None,
                       "shard": None}
                missing = _missing(row)
                yield origin["id"], {**row, "missing": missing} if missing else row, NO_KEY

        violations = rows = reused = 0
        with ctx.create(VIOLATIONS) as bad, ctx.create(INDEX_FILE, publish=f"provenance/{family}.jsonl",
                                                       kind="provenance") as out, ctx.create(ROWS_MEMO) as keys:
            for _, row, key in heapq.merge(kept(), dropped(), key=lambda item: item[0]):
                rows += 1
                if isinstance(row, bytes):
                    out.write(row)
                    keys.write(key)
                    reused += 1
                    continue
                missing = row.pop("missing", None)
                if missing:  # a row whose key the next run will not find
                    violations += 1
                    key = NO_KEY
                    bad.write((json.dumps({"family": family, "id": row.get("id"), "source": row.get("source"),
                                           "locator": row.get("locator"), "missing": missing},
                                          sort_keys=True) + "\n").encode("utf-8"))
                out.write((canonical_json(row) + "\n").encode("utf-8"))
                keys.write(key)
        if before is not None:
            before.close()
        ctx.write_json(ROWS_INFO, {"identity": identity, "versions": versions})
        ctx.stats.update(rows_built=rows - reused, rows_reused=reused)
        return ProvenanceResult(family=family, records=rows, violations=violations)


NO_KEY = bytes(16)  # a row's key in ROWS_MEMO when it is not to be reused: a dropped record's, a violation's


def _row_key(origin_line: bytes, record: Placed, shard: str | None, required_metadata: list[str]) -> bytes:
    """What a kept record's row is a function of, but its source's digest (`_RowsBefore.line` mends that)."""
    split = record.split
    placed_as = (split if split is not None else "removed:" + canonical_json(record.assigned["removed"])).encode()
    hasher = xxhash.xxh3_128(origin_line)
    for part in (placed_as, (shard or "").encode(), record.body if required_metadata else b""):
        hasher.update(b"\x00")
        hasher.update(part)
    key = hasher.digest()
    return key if key != NO_KEY else bytes([1]) + key[1:]


class _RowsBefore:
    """The previous run's rows (provenance.jsonl) by key (ROWS_MEMO), when made with the same code and params."""

    def __init__(self, index: mmap.mmap, keys: bytes, versions: dict[str, str | None], now: dict[str, str | None]):
        self.index = index
        starts = np.flatnonzero(np.frombuffer(index, dtype=np.uint8) == ord("\n")) + 1
        self.starts = [0, *starts.tolist()]
        self.by_key = {keys[row * 16:(row + 1) * 16]: row for row in range(len(keys) // 16)}
        self.by_key.pop(NO_KEY, None)
        # a source digest of the previous rows -> the one its source has now (None: no single one)
        moved: dict[str, set[str | None]] = {}
        for name, old in versions.items():
            if old is not None:
                moved.setdefault(old, set()).add(now.get(name))
        self.moved = {old: (next(iter(new)) if len(new) == 1 else None) for old, new in moved.items()
                      if new != {old}}

    @staticmethod
    def read(memo: dict[str, Path], identity: str, now: dict[str, str | None]) -> _RowsBefore | None:
        if not all(name in memo for name in (INDEX_FILE, ROWS_MEMO, ROWS_INFO)):
            return None
        info = json.loads(memo[ROWS_INFO].read_bytes())
        keys = memo[ROWS_MEMO].read_bytes()
        if info.get("identity") != identity or not keys:
            return None
        if memo[INDEX_FILE].stat().st_size == 0:
            return None
        with memo[INDEX_FILE].open("rb") as fh:  # mapped: the family's index is not copied into memory
            index = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        before = _RowsBefore(index, keys, info["versions"], now)
        if len(keys) != 16 * (len(before.starts) - 1):
            before.close()
            return None
        return before

    def close(self) -> None:
        self.index.close()

    def line(self, key: bytes) -> bytes | None:
        """The previous row of this key, with its source's digest as it is now; None when there is none (or its
        source's digest cannot be told: two sources had its old one)."""
        row = self.by_key.get(key)
        if row is None:
            return None
        line = self.index[self.starts[row]:self.starts[row + 1]]
        if not self.moved:
            return line
        at = line.find(SOURCE_DIGEST)
        if at < 0 or line[at + len(SOURCE_DIGEST):at + len(SOURCE_DIGEST) + 1] != b'"':
            return None  # no digest (null): such a row is a violation, never kept, so this is a line of another key
        start = at + len(SOURCE_DIGEST) + 1
        end = line.index(b'"', start)
        old = line[start:end].decode()
        if old not in self.moved:
            return line
        new = self.moved[old]
        return None if new is None else line[:start] + new.encode() + line[end:]


# How a row spells its source's digest: `"source_digest":` cannot occur inside a JSON string (its quotes would be
# escaped), so the first one in a row is the key's.
SOURCE_DIGEST = b'"source_digest":'


def _missing(row: dict[str, Any]) -> list[str]:
    return [name for name in REQUIRED if row.get(name) in (None, "", {}, [])]


def _missing_metadata(body: bytes, required: list[str]) -> list[str]:
    if not required:
        return []
    metadata = json.loads(body)["metadata"]
    return [f"metadata.{name}" for name in required if metadata.get(name) in (None, "")]

