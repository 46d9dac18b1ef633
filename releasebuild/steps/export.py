"""Export one family's records as ChatML JSONL shards per split, in id order, bounded by records and bytes.

Ingest (and privacy, for redacted records) already wrote each record as its published line minus the split, so
export parses no record: it closes
each line with its split and routes it to the split's current shard.
"""

from __future__ import annotations

from typing import Any

from releasebuild.config.models import SPLITS
from releasebuild.steps.base import OutputFile, Step, StepContext, StepMeta, StepParams
from releasebuild.steps.shipped import shipped, split_tail

REDACTED = b'"redacted"\n'


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
    kind = "export"
    code_version = "4"

    Params = ExportParams
    Result = ExportResult

    @staticmethod
    def run(ctx: StepContext) -> ExportResult:
        params = ctx.typed(ExportParams)
        family = params.family
        layout = ShardLayout(family, params.max_records, params.max_bytes)
        open_shards: dict[str, tuple[OutputFile, dict[str, Any]]] = {}
        shards: list[dict[str, Any]] = []

        def finish(split: str) -> None:
            output, info = open_shards.pop(split)
            output.close()
            shards.append(info)

        for record in shipped(ctx, "kept_status.jsonl"):  # removed records are in the provenance index only
            split, (status,) = record.split, record.aligned
            assert split is not None
            key, started = layout.place(split, len(record.body))
            if started:
                if split in open_shards:
                    finish(split)
                open_shards[split] = (ctx.open_output(key, publish=key, kind="shard"),
                                      {"key": key, "split": split, "records": 0, "first_id": record.assigned["id"],
                                       "privacy": {"clean": 0, "redacted": 0}})
            current = open_shards[split]
            current[1]["privacy"]["redacted" if status == REDACTED else "clean"] += 1
            current[0].write(record.line)
            current[1]["records"] += 1
            current[1]["last_id"] = record.assigned["id"]
        for split in list(open_shards):
            finish(split)
        shards.sort(key=lambda info: info["key"])
        counts = {split: sum(info["records"] for info in shards if info["split"] == split) for split in SPLITS}
        return ExportResult(shards=[Shard.model_validate(info) for info in shards], counts=counts)
