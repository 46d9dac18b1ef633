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
from collections.abc import Iterator
from typing import Any

from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams, parse_lines
from releasebuild.steps.export import ShardLayout
from releasebuild.steps.ingest import SOURCE_VERSIONS
from releasebuild.steps.shipped import placed

REQUIRED = ("family", "id", "source", "source_digest", "locator", "record_digest", "chain")
VIOLATIONS = "violations.jsonl"


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
    kind = "provenance"
    code_version = "5"  # 5: a source's digest from ingest's source_versions.json

    Params = ProvenanceParams
    Result = ProvenanceResult

    @staticmethod
    def run(ctx: StepContext) -> ProvenanceResult:
        params = ctx.typed(ProvenanceParams)
        family = params.family
        layout = ShardLayout(family, params.max_records, params.max_bytes)
        required_metadata = params.require_metadata
        privacy_id = ctx.dep("privacy")
        # each source's digest, by name: the source version every record of it was read from
        versions = json.loads(ctx.input_path(ctx.dep("ingest"), SOURCE_VERSIONS).read_bytes())

        def kept() -> Iterator[tuple[str, dict[str, Any]]]:
            origins = parse_lines(ctx.lines(privacy_id, "provenance.jsonl"))  # line for line with the records
            for record, origin in zip(placed(ctx), origins, strict=True):
                split = record.split
                origin["source_digest"] = versions.get(origin["source"])
                if split is None:  # removed after privacy (a duplicate, a split conflict): why, and no shard
                    origin["chain"] = [*origin["chain"], {**record.assigned["removed"], "decision": "removed"}]
                    row = {**origin, "family": family, "split": None, "shard": None}
                else:
                    shard, _ = layout.place(split, len(record.body))
                    row = {**origin, "family": family, "split": split, "shard": shard}
                missing = _missing(row) + _missing_metadata(record.body, required_metadata)
                yield origin["id"], {**row, "missing": missing} if missing else row

        def dropped() -> Iterator[tuple[str, dict[str, Any]]]:
            for origin in parse_lines(ctx.lines(privacy_id, "dropped.jsonl")):
                row = {**origin, "source_digest": versions.get(origin["source"]), "family": family, "split": None,
                       "shard": None}
                missing = _missing(row)
                yield origin["id"], {**row, "missing": missing} if missing else row

        violations = 0
        with ctx.create(VIOLATIONS) as bad:
            def rows() -> Iterator[dict[str, Any]]:
                nonlocal violations
                for _, row in heapq.merge(kept(), dropped(), key=lambda item: item[0]):
                    missing = row.pop("missing", None)
                    if missing:
                        violations += 1
                        bad.write((json.dumps({"family": family, "id": row.get("id"), "source": row.get("source"),
                                               "locator": row.get("locator"), "missing": missing},
                                              sort_keys=True) + "\n").encode("utf-8"))
                    yield row

            count = ctx.write_lines("provenance.jsonl", rows(), publish=f"provenance/{family}.jsonl",
                                    kind="provenance")
        return ProvenanceResult(family=family, records=count, violations=violations)


def _missing(row: dict[str, Any]) -> list[str]:
    return [name for name in REQUIRED if row.get(name) in (None, "", {}, [])]


def _missing_metadata(body: bytes, required: list[str]) -> list[str]:
    if not required:
        return []
    metadata = json.loads(body)["metadata"]
    return [f"metadata.{name}" for name in required if metadata.get(name) in (None, "")]

