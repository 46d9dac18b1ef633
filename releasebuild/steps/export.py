"""Export one family's records as ChatML JSONL shards per split, in id order, bounded by records and bytes.

Ingest already wrote each record as its published line minus the split, so export parses no record: it closes
each line with its split and routes it to the split's current shard.
"""

from __future__ import annotations

import json
from typing import Any

from releasebuild.config.models import SPLITS
from releasebuild.records import with_split
from releasebuild.steps.base import OutputFile, Step, StepContext


def shard_key(split: str, family: str, index: int) -> str:
    return f"data/{split}/{family}-{index:05d}.jsonl"


class Export(Step):
    kind = "export"
    code_version = "2"

    @staticmethod
    def run(ctx: StepContext) -> dict[str, Any]:
        family = ctx.params["family"]
        max_records, max_bytes = ctx.params["max_records"], ctx.params["max_bytes"]
        ingest_id, split_id = ctx.spec.deps
        open_shards: dict[str, tuple[OutputFile, dict[str, Any]]] = {}
        shards: list[dict[str, Any]] = []

        def finish(split: str) -> None:
            output, info = open_shards.pop(split)
            output.close()
            shards.append(info)

        with ctx.input_path(ingest_id, "records.jsonl").open(encoding="utf-8") as records, \
                ctx.input_path(split_id, "assignment.jsonl").open(encoding="utf-8") as assignment:
            # Both files come from one ingest run, in the same id order; strict zip catches any drift.
            for body, assigned_line in zip(records, assignment, strict=True):
                assigned = json.loads(assigned_line)
                split = assigned["split"]
                line = (with_split(body.rstrip("\n"), split) + "\n").encode("utf-8")
                current = open_shards.get(split)
                if current and (current[1]["records"] >= max_records or current[0].bytes + len(line) > max_bytes):
                    finish(split)
                    current = None
                if current is None:
                    index = sum(1 for info in shards if info["split"] == split)
                    key = shard_key(split, family, index)
                    current = (ctx.open_output(key, publish=key, kind="shard"),
                               {"key": key, "split": split, "records": 0, "first_id": assigned["id"]})
                    open_shards[split] = current
                current[0].write(line)
                current[1]["records"] += 1
                current[1]["last_id"] = assigned["id"]
        for split in list(open_shards):
            finish(split)
        shards.sort(key=lambda info: info["key"])
        counts = {split: sum(info["records"] for info in shards if info["split"] == split) for split in SPLITS}
        return {"shards": shards, "counts": counts}
