"""Export one family's records as ChatML JSONL shards per split, in id order, bounded by records and bytes."""

from __future__ import annotations

from typing import Any

from releasebuild.config.models import SPLITS
from releasebuild.keys import canonical_json
from releasebuild.steps.base import OutputFile, Step, StepContext, read_jsonl


def shard_key(split: str, family: str, index: int) -> str:
    return f"data/{split}/{family}-{index:05d}.jsonl"


class Export(Step):
    kind = "export"
    code_version = "1"

    @staticmethod
    def run(ctx: StepContext) -> dict[str, Any]:
        family = ctx.params["family"]
        max_records, max_bytes = ctx.params["max_records"], ctx.params["max_bytes"]
        ingest_id, split_id = ctx.spec.deps
        records = read_jsonl(ctx.input_path(ingest_id, "records.jsonl"))
        assignment = read_jsonl(ctx.input_path(split_id, "assignment.jsonl"))
        open_shards: dict[str, tuple[OutputFile, dict[str, Any]]] = {}
        shards: list[dict[str, Any]] = []

        def finish(split: str) -> None:
            output, info = open_shards.pop(split)
            output.close()
            shards.append(info)

        for record, assigned in zip(records, assignment, strict=True):
            if record["id"] != assigned["id"]:
                raise ValueError(f"records and split assignment disagree at id {record['id']!r}")
            split = assigned["split"]
            line = (canonical_json({
                "id": record["id"], "family": family, "split": split,
                "messages": record["messages"], "metadata": record["metadata"],
                "provenance": {"family": family, "source": record["source"], "record_id": record["id"],
                               "record_digest": record["digest"]},
            }) + "\n").encode("utf-8")
            current = open_shards.get(split)
            if current and (current[1]["records"] >= max_records or current[0].bytes + len(line) > max_bytes):
                finish(split)
                current = None
            if current is None:
                index = sum(1 for info in shards if info["split"] == split)
                key = shard_key(split, family, index)
                current = (ctx.open_output(key, publish=key, kind="shard"),
                           {"key": key, "split": split, "records": 0, "first_id": record["id"]})
                open_shards[split] = current
            current[0].write(line)
            current[1]["records"] += 1
            current[1]["last_id"] = record["id"]
        for split in list(open_shards):
            finish(split)
        shards.sort(key=lambda info: info["key"])
        counts = {split: sum(info["records"] for info in shards if info["split"] == split) for split in SPLITS}
        return {"shards": shards, "counts": counts}
