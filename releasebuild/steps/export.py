"""Export one family's records as ChatML JSONL shards per split, in id order, bounded by records and bytes.

Ingest (and privacy, for redacted records) already wrote each record as its published line minus the split, so
export parses no record: it closes each line with its split and writes it to its shard.
"""

from __future__ import annotations

import json

import xxhash

from releasebuild.config.models import SPLITS
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams
from releasebuild.steps.family_table import (
    TABLE_FORMAT,
    TABLE_MEMO,
    Assignment,
    LaidShard,
    Table,
    TableBefore,
    lay_out,
)
from releasebuild.steps.shipped import ASSIGNMENT

# The previous run's table parts (`Table.parts`) and, per shard key, its identity (`shard_identity`)
SHARDS_MEMO = "shards.memo.json"


class ExportParams(StepParams):
    family: str
    max_records: int  # a shard closes at this many records ...
    max_bytes: int  # ... or this many bytes, whichever comes first


class ShardPrivacy(StepMeta):
    clean: int
    redacted: int


class Shard(StepMeta):
    """One shard as the manifest lists it: its key, split, record count and id range, and how many were redacted."""

    key: str
    split: str
    records: int
    first_id: str
    last_id: str
    privacy: ShardPrivacy


class ExportResult(StepMeta):
    shards: list[Shard]  # in key order
    counts: dict[str, int]  # split -> records shipped (every split, 0 included)


class Export(Step):
    """A memo step whose cost follows the change: the privacy step writes the family in parts (steps/parts.py), each a
    blob, and export keeps, per part, what it needs of each record (its split, the length and digest of its line,
    whether it was redacted: the family table, `TABLE_MEMO`) under the part's identity (its records' and statuses'
    blobs, and a digest of the split step's rows for its records). A part whose identity is the previous run's is
    not read: its facts come from the table. The shards are then laid out from the table alone (`lay_out`), and a
    shard is identified by its key and its records' line digests, which make its bytes (`shard_identity`). A shard
    whose identity is the previous run's is that run's shard, handed on unchanged; only the others are written,
    reading the parts that hold their records. At 1M, a one-message change read and hashed the family's 400 MB to
    write one shard."""

    kind = "export"
    code_version = "6"  # 5: shards whose lines did not change are handed on; 6: parts not changed are not read

    Params = ExportParams
    Result = ExportResult
    memo = (SHARDS_MEMO, TABLE_MEMO)

    @staticmethod
    def run(ctx: StepContext) -> ExportResult:
        params = ctx.typed(ExportParams)
        privacy_id, split_id = ctx.dep(ids.PRIVACY), ctx.dep(ids.SPLIT)
        memo = json.loads(ctx.memo[SHARDS_MEMO].read_bytes()) if SHARDS_MEMO in ctx.memo else {}
        if not isinstance(memo, dict) or memo.get("format") != TABLE_FORMAT:
            memo = {}  # another format (before parts: shard key -> digest): every part is read
        assignment = Assignment(ctx.input_path(split_id, ASSIGNMENT))
        table = Table(ctx, privacy_id, assignment, TableBefore.of(memo.get("parts"), ctx.memo))
        shards = lay_out(table.splits, table.lengths, params.family, params.max_records, params.max_bytes)
        identities = {shard.key: shard_identity(table, shard) for shard in shards}
        before = memo.get("shards", {})
        kept = {key for key, identity in identities.items() if before.get(key) == identity and key in ctx.memo_refs}
        for key in sorted(kept):
            ctx.reuse(key, key, publish=key, kind="shard")
        table.write_shards(ctx, [shard for shard in shards if shard.key not in kept])
        ctx.write_json(SHARDS_MEMO, {"format": TABLE_FORMAT, "parts": table.parts, "shards": identities})
        with ctx.create(TABLE_MEMO) as out:
            out.write(table.to_bytes())
        ctx.stats.update(shards_written=len(shards) - len(kept), shards_reused=len(kept), parts_read=len(table.read))
        listed = []
        for shard in sorted(shards, key=lambda shard: shard.key):
            redacted = table.redacted_in(shard)
            listed.append(Shard(key=shard.key, split=shard.split, records=len(shard.rows),
                                first_id=assignment.id(int(shard.rows[0])), last_id=assignment.id(int(shard.rows[-1])),
                                privacy=ShardPrivacy(clean=len(shard.rows) - redacted, redacted=redacted)))
        return ExportResult(shards=listed, counts={split: table.shipped(split) for split in SPLITS})


def shard_identity(table: Table, shard: LaidShard) -> str:
    """What makes a shard's bytes: its key and its records' lines in records.jsonl, by their digests."""
    return xxhash.xxh3_128_hexdigest(shard.key.encode("utf-8") + b"\n" + table.digests[shard.rows].tobytes())
