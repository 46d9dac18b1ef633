"""Export one family's records as ChatML JSONL shards per split, in id order, bounded by records and bytes.

Ingest (and privacy, for redacted records) already wrote each record as its published line minus the split, so
export parses no record: it closes
each line with its split and routes it to the split's current shard.
"""

from __future__ import annotations

import json
from typing import Any

import xxhash

from releasebuild.config.models import SPLITS
from releasebuild.steps.base import OutputFile, Step, StepContext, StepMeta, StepParams
from releasebuild.steps.shipped import shipped, split_tail

REDACTED = b'"redacted"\n'
# shard key -> the xxh3-128 digest of its key and its records' lines as the privacy step wrote them, which make its
# bytes: the next run hands on a shard whose digest did not change (`Export`)
SHARDS_MEMO = "shards.memo.json"


def shard_key(split: str, family: str, index: int) -> str:
    return f"data/{split}/{family}-{index:05d}.jsonl"


class ShardLayout:
    """Which shard each record lands in: a pure function of the records' splits and sizes, in id order.

    Export and the provenance index both walk it, so the provenance index needs no output of export and the
    two run side by side."""

    def __init__(self, family: str, max_records: int, max_bytes: int):
        self.family = family
        self.max_records = max_records
        self.max_bytes = max_bytes
        self._open: dict[str, tuple[int, int, int]] = {}  # split -> (shard index, records, bytes)

    def place(self, split: str, body_bytes: int) -> tuple[str, bool]:
        """The shard key of the next record of `split`, and whether it starts a new shard.

        `body_bytes` is the record's line in records.jsonl (shard body and newline); the published line is
        longer by the split it is closed with."""
        size = body_bytes - 2 + len(split_tail(split))
        index, records, used = self._open.get(split, (-1, 0, 0))
        started = index < 0 or records >= self.max_records or used + size > self.max_bytes
        if started:
            index, records, used = index + 1, 0, 0
        self._open[split] = (index, records + 1, used + size)
        return shard_key(split, self.family, index), started


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
    """A memo step: each shard's bytes are a pure function of its key and its records' lines (as the privacy step
    wrote them), so a first pass over the records lays the shards out and digests each one's lines, and a shard whose
    digest is the previous run's (`SHARDS_MEMO`) is that run's shard, handed on unchanged. Only the other shards are
    written, in a second pass: a one-message change writes one shard, not the family's (at 1M, 400 MB written and
    hashed for one message)."""

    kind = "export"
    code_version = "5"  # 5: shards whose lines did not change are handed on (shards.memo.json)

    Params = ExportParams
    Result = ExportResult
    memo = (SHARDS_MEMO,)

    @staticmethod
    def run(ctx: StepContext) -> ExportResult:
        params = ctx.typed(ExportParams)
        layout = ShardLayout(params.family, params.max_records, params.max_bytes)
        shards: list[dict[str, Any]] = []  # in the order they start, each with the records it holds
        open_shards: dict[str, tuple[dict[str, Any], Any]] = {}  # split -> (its shard, the digest of its lines)
        digests: dict[str, str] = {}

        def finish(split: str) -> None:
            info, hasher = open_shards.pop(split)
            digests[info["key"]] = hasher.hexdigest()

        for record in shipped(ctx, "kept_status.jsonl"):  # removed ones: in the provenance index only
            split, (status,) = record.split, record.aligned
            assert split is not None
            key, started = layout.place(split, len(record.body))
            if started:
                if split in open_shards:
                    finish(split)
                info = {"key": key, "split": split, "records": 0, "first_id": record.assigned["id"],
                        "privacy": {"clean": 0, "redacted": 0}}
                shards.append(info)
                open_shards[split] = (info, xxhash.xxh3_128(key.encode("utf-8")))
            info, hasher = open_shards[split]
            hasher.update(record.body)
            info["privacy"]["redacted" if status == REDACTED else "clean"] += 1
            info["records"] += 1
            info["last_id"] = record.assigned["id"]
        for split in list(open_shards):
            finish(split)
        before = json.loads(ctx.memo[SHARDS_MEMO].read_bytes()) if SHARDS_MEMO in ctx.memo else {}
        kept = {key for key, lines in digests.items() if before.get(key) == lines and key in ctx.memo_refs}
        for key in sorted(kept):
            ctx.reuse(key, key, publish=key, kind="shard")
        _write_shards(ctx, params, {info["key"]: info["records"] for info in shards if info["key"] not in kept})
        ctx.write_json(SHARDS_MEMO, digests)
        ctx.stats.update(shards_written=len(shards) - len(kept), shards_reused=len(kept))
        shards.sort(key=lambda info: info["key"])
        counts = {split: sum(info["records"] for info in shards if info["split"] == split) for split in SPLITS}
        return ExportResult(shards=[Shard.model_validate(info) for info in shards], counts=counts)


def _write_shards(ctx: StepContext, params: ExportParams, records: dict[str, int]) -> None:
    """Write these shards (key -> the records it holds) in a second walk of the same layout, which stops once the
    last of them is written."""
    layout = ShardLayout(params.family, params.max_records, params.max_bytes)
    outputs: dict[str, tuple[OutputFile, int]] = {}  # shard key -> the file, the records still to write
    left = len(records)
    for record in shipped(ctx):
        if not left:
            break
        assert record.split is not None
        key, _ = layout.place(record.split, len(record.body))
        if key not in records:
            continue
        output, missing = outputs.get(key) or (ctx.open_output(key, publish=key, kind="shard"), records[key])
        output.write(record.line)
        if missing == 1:
            output.close()
            left -= 1
        outputs[key] = (output, missing - 1)
