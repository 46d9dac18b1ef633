"""Split assignment: a group's split is a pure function of (salt, group key, ratios), so groups never straddle."""

from __future__ import annotations

from typing import Any

from releasebuild.config.models import SPLITS
from releasebuild.keys import unit_interval
from releasebuild.steps.base import Step, StepContext, read_jsonl

METHOD = "salted-group-hash/v1"


def assign(group: str, ratios: dict[str, float], salt: str) -> str:
    position = unit_interval(salt, group)
    cumulative = 0.0
    chosen = ""
    for split in SPLITS:
        ratio = ratios.get(split, 0.0)
        if ratio <= 0:
            continue
        chosen = split
        cumulative += ratio
        if position < cumulative:
            return split
    return chosen  # float rounding at the top end


class Split(Step):
    kind = "split"
    code_version = "1"

    @staticmethod
    def run(ctx: StepContext) -> dict[str, Any]:
        ratios, salt = ctx.params["ratios"], ctx.params["salt"]
        (ingest_id,) = ctx.spec.deps
        counts = {split: 0 for split in SPLITS}

        def rows() -> Any:
            for row in read_jsonl(ctx.input_path(ingest_id, "groups.jsonl")):
                split = assign(row["group"], ratios, salt)
                counts[split] += 1
                yield {"id": row["id"], "split": split}

        ctx.write_lines("assignment.jsonl", rows())
        return {"family": ctx.params["family"], "counts": counts, "method": METHOD}
