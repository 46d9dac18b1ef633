"""Export one family's records as ChatML JSONL shards per split, in id order, bounded by records and bytes.

Ingest (and privacy, for redacted records) already wrote each record as its published line minus the split, so
export parses no record: it closes
each line with its split and routes it to the split's current shard.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from releasebuild.config.models import SPLITS
from releasebuild.records import with_split
from releasebuild.steps.base import OutputFile, Step, StepContext

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


@functools.lru_cache(maxsize=8)
def split_tail(split: str) -> bytes:
    """What replaces the closing `}\\n` of a records.jsonl line to make it the published shard line."""
    return (with_split("{}", split)[1:] + "\n").encode("utf-8")


class Export(Step):
    kind = "export"
    code_version = "4"

    @staticmethod
    def run(ctx: StepContext) -> dict[str, Any]:
        family = ctx.params["family"]
        max_records, max_bytes = ctx.params["max_records"], ctx.params["max_bytes"]
        privacy_id, split_id = ctx.spec.deps
        layout = ShardLayout(family, max_records, max_bytes)
        open_shards: dict[str, tuple[OutputFile, dict[str, Any]]] = {}
        shards: list[dict[str, Any]] = []

        def finish(split: str) -> None:
            output, info = open_shards.pop(split)
            output.close()
            shards.append(info)

        with ctx.input_path(privacy_id, "records.jsonl").open("rb") as records, \
                ctx.input_path(privacy_id, "kept_status.jsonl").open("rb") as statuses, \
                ctx.input_path(split_id, "assignment.jsonl").open(encoding="utf-8") as assignment:
            # All three files follow one privacy run's record order; strict zip catches any drift.
            for body, status, assigned_line in zip(records, statuses, assignment, strict=True):
                assigned = json.loads(assigned_line)
                split = assigned["split"]
                if split is None:  # removed by dedup or a split conflict: in the provenance index, not shipped
                    continue
                key, started = layout.place(split, len(body))
                if started:
                    if split in open_shards:
                        finish(split)
                    open_shards[split] = (ctx.open_output(key, publish=key, kind="shard"),
                                          {"key": key, "split": split, "records": 0, "first_id": assigned["id"],
                                           "privacy": {"clean": 0, "redacted": 0}})
                current = open_shards[split]
                current[1]["privacy"]["redacted" if status == REDACTED else "clean"] += 1
                line = body[:-2] + split_tail(split)
                current[0].write(line)
                current[1]["records"] += 1
                current[1]["last_id"] = assigned["id"]
        for split in list(open_shards):
            finish(split)
        shards.sort(key=lambda info: info["key"])
        counts = {split: sum(info["records"] for info in shards if info["split"] == split) for split in SPLITS}
        return {"shards": shards, "counts": counts}
