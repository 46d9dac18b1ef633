"""manifest.json: the release's table of contents and its identity (a Merkle root over every artifact).

Built from the results of the steps before it, without reading their files. Holds no timestamps, hosts or
absolute paths, so the same inputs give the same bytes on any machine and under any root.
"""

from __future__ import annotations

from typing import Any

from releasebuild.config.models import SPLITS
from releasebuild.keys import merkle_root
from releasebuild.steps.base import Step, StepContext

FORMAT_VERSION = 1


class Manifest(Step):
    kind = "manifest"
    code_version = "1"

    @staticmethod
    def run(ctx: StepContext) -> dict[str, Any]:
        params = ctx.params
        artifacts = []
        for dep in ctx.spec.deps:
            for key, ref in ctx.inputs[dep].published():
                artifacts.append({"key": key, "sha256": ref.sha256, "bytes": ref.bytes, "kind": ref.kind})
        artifacts.sort(key=lambda art: art["key"])
        duplicates = {a["key"] for a in artifacts if sum(1 for b in artifacts if b["key"] == a["key"]) > 1}
        if duplicates:
            raise ValueError(f"two steps publish the same keys: {sorted(duplicates)}")

        families = {}
        totals = {split: 0 for split in SPLITS}
        for name, static in params["families"].items():
            counts = ctx.inputs[f"{name}/export"].meta["counts"]
            ingest = ctx.inputs[f"{name}/ingest"].meta
            for split in SPLITS:
                totals[split] += counts[split]
            families[name] = {**static, "records": {**counts, "total": sum(counts.values())},
                              "quarantined": ingest["quarantined"], "quarantine_codes": ingest["quarantine_codes"],
                              "quarantine_report": f"quarantine/{name}.jsonl"}
        gates = ctx.inputs["release/gates"].meta
        document = {
            "format_version": FORMAT_VERSION,
            "version": params["version"],
            "tool": {"name": "releasebuild", "version": params["tool_version"]},
            "definition": params["definition"],
            "families": families,
            "records": {**totals, "total": sum(totals.values())},
            "split_assignment": params["split_assignment"],
            "privacy": {"status": "not_scanned",
                        "detail": "no privacy gate is configured for this release; records are not PII-checked",
                        "redacted_records": 0, "per_record_status": None},
            "signoffs": {"required": params["signoffs_required"], "ids": []},
            "gates": {"summary": "gates/summary.json", "status": "fail" if gates["blocked_by"] else "pass",
                      "blocked_by": gates["blocked_by"], "results": gates["gates"]},
            "curriculum": "curriculum.json",
            "artifacts": artifacts,
            "root_digest": merkle_root(artifacts),
        }
        ctx.write_json("manifest.json", document, publish="manifest.json", kind="manifest")
        return {"root_digest": document["root_digest"], "blocked_by": gates["blocked_by"],
                "artifacts": len(artifacts)}
