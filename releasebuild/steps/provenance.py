"""Provenance index: where each published record came from and where it went (split, shard).

Source locators and source versions live here, not in the shards, so a reordered source changes this index
but no shard.
"""

from __future__ import annotations

from typing import Any

from releasebuild.steps.base import Step, StepContext, read_jsonl


class Provenance(Step):
    kind = "provenance"
    code_version = "1"

    @staticmethod
    def run(ctx: StepContext) -> dict[str, Any]:
        family = ctx.params["family"]
        ingest_id, split_id, export_id = ctx.spec.deps
        shards_by_split: dict[str, list[dict[str, Any]]] = {}
        for shard in ctx.inputs[export_id].meta["shards"]:
            shards_by_split.setdefault(shard["split"], []).append(shard)
        position = {split: (0, 0) for split in shards_by_split}  # (shard index, records used in it)

        def rows() -> Any:
            origins = read_jsonl(ctx.input_path(ingest_id, "provenance.jsonl"))
            assignment = read_jsonl(ctx.input_path(split_id, "assignment.jsonl"))
            for origin, assigned in zip(origins, assignment, strict=True):
                split = assigned["split"]
                index, used = position[split]
                shard = shards_by_split[split][index]
                if used == shard["records"]:
                    index, used = index + 1, 0
                    shard = shards_by_split[split][index]
                position[split] = (index, used + 1)
                yield {"family": family, "id": origin["id"], "split": split, "shard": shard["key"],
                       "source": origin["source"], "locator": origin["locator"],
                       "source_digest": origin["source_digest"], "record_digest": origin["record_digest"]}

        count = ctx.write_lines("provenance.jsonl", rows(), publish=f"provenance/{family}.jsonl", kind="provenance")
        return {"records": count}
