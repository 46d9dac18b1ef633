"""Provenance index: where each published record came from and where it went (split, shard).

Source locators and source versions live here, not in the shards, so a reordered source changes this index
but no shard. The shard of each record comes from the same ShardLayout export walks, so this step does not
wait for export.
"""

from __future__ import annotations

import json
from typing import Any

from releasebuild.steps.base import Step, StepContext
from releasebuild.steps.export import ShardLayout


class Provenance(Step):
    kind = "provenance"
    code_version = "2"

    @staticmethod
    def run(ctx: StepContext) -> dict[str, Any]:
        family = ctx.params["family"]
        layout = ShardLayout(family, ctx.params["max_records"], ctx.params["max_bytes"])
        ingest_id, split_id = ctx.spec.deps

        def rows() -> Any:
            with ctx.input_path(ingest_id, "records.jsonl").open("rb") as records, \
                    ctx.input_path(ingest_id, "provenance.jsonl").open("rb") as origins, \
                    ctx.input_path(split_id, "assignment.jsonl").open("rb") as assignment:
                for body, origin_line, assigned_line in zip(records, origins, assignment, strict=True):
                    origin, split = json.loads(origin_line), json.loads(assigned_line)["split"]
                    shard, _ = layout.place(split, len(body))
                    yield {"family": family, "id": origin["id"], "split": split, "shard": shard,
                           "source": origin["source"], "locator": origin["locator"],
                           "source_digest": origin["source_digest"], "record_digest": origin["record_digest"]}

        count = ctx.write_lines("provenance.jsonl", rows(), publish=f"provenance/{family}.jsonl", kind="provenance")
        return {"records": count}
