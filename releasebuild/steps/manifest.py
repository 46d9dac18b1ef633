"""manifest.json: the release's table of contents and its identity (a Merkle root over every artifact).

Built from the results of the steps before it, without reading their files. Holds no timestamps, hosts or
absolute paths, so the same inputs give the same bytes on any machine and under any root.
"""

from __future__ import annotations

from typing import Any

from releasebuild.config.models import SPLITS
from releasebuild.keys import merkle_root
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepParams
from releasebuild.steps.rule import rule_step_id

FORMAT_VERSION = 1
RESTRICTED = "restricted"


class ManifestParams(StepParams):
    version: str
    tool_version: str
    definition: dict[str, Any]  # release.yaml and the digest of every definition file
    families: dict[str, dict[str, Any]]  # family -> what the manifest says of it from the definition
    split_assignment: dict[str, Any]  # method, ratios, salt and per-family overrides
    takedowns: list[dict[str, Any]]
    rules: dict[str, dict[str, Any]]  # rule -> its declaration (command, inputs, outputs, ...)


class Manifest(Step):
    kind = "manifest"
    code_version = "6"
    Params = ManifestParams

    @staticmethod
    def run(ctx: StepContext) -> dict[str, Any]:
        params = ctx.typed(ManifestParams)
        exports = {name: ctx.inputs[ids.family_step(name, ids.EXPORT)].meta for name in params.families}
        shards = {info["key"]: {"family": name, "split": info["split"], "records": info["records"]}
                  for name, export in exports.items() for info in export["shards"]}
        artifacts: list[dict[str, Any]] = []
        restricted: list[dict[str, Any]] = []
        for dep in ctx.spec.deps:
            for key, ref in ctx.inputs[dep].published():
                entry = {"key": key, "sha256": ref.sha256, "bytes": ref.bytes, "kind": ref.kind, **shards.get(key, {})}
                (restricted if ref.kind == RESTRICTED else artifacts).append(entry)
        artifacts.sort(key=lambda art: art["key"])
        restricted.sort(key=lambda art: art["key"])
        keys = [a["key"] for a in artifacts] + [f"restricted:{a['key']}" for a in restricted]
        duplicates = {key for key in keys if keys.count(key) > 1}
        if duplicates:
            raise ValueError(f"two steps publish the same keys: {sorted(duplicates)}")

        families = {}
        totals = {split: 0 for split in SPLITS}
        for name, static in params.families.items():
            counts = ctx.inputs[ids.family_step(name, ids.EXPORT)].meta["counts"]
            ingest = ctx.inputs[ids.family_step(name, ids.INGEST)].meta
            for split in SPLITS:
                totals[split] += counts[split]
            assigned = ctx.inputs[ids.family_step(name, ids.SPLIT)].meta
            families[name] = {**static, "records": {**counts, "total": sum(counts.values())},
                              "quarantined": ingest["quarantined"], "quarantine_codes": ingest["quarantine_codes"],
                              "quarantine_report": f"quarantine/{name}.jsonl",
                              "removed_duplicates": assigned["removed_by_dedup"],
                              "split_conflicts": assigned["split_conflicts"], "split_index": f"splits/{name}.jsonl"}
        gates = ctx.inputs[ids.GATE_SUMMARY].meta
        document = {
            "format_version": FORMAT_VERSION,
            "version": params.version,
            "tool": {"name": "releasebuild", "version": params.tool_version},
            "definition": params.definition,
            "families": families,
            "records": {**totals, "total": sum(totals.values())},
            "split_assignment": {**params.split_assignment, **_sticky(ctx, list(params.families))},
            "privacy": _privacy(ctx, list(params.families)),
            "takedowns": _takedowns(ctx, params.takedowns, list(params.families)),
            "rules": _rules(ctx, params.rules),
            "signoffs": _signoffs(ctx.inputs[ids.SIGNOFF].meta),
            "release_notes": "release_notes.md",
            "gates": {"summary": "gates/summary.json", "status": "fail" if gates["blocked_by"] else "pass",
                      "blocked_by": gates["blocked_by"], "results": gates["gates"]},
            "curriculum": "curriculum.json",
            "artifacts": artifacts,
            # Raw text that may hold PII (dropped records, un-redacted spot-check material): published apart, under
            # <root>/restricted/<version>/, never under the release prefix. Listed so an auditor can verify it.
            "restricted": {"prefix": f"restricted/{params.version}/", "files": restricted},
            "root_digest": merkle_root(artifacts),
        }
        ctx.write_json("manifest.json", document, publish="manifest.json", kind="manifest")
        return {"root_digest": document["root_digest"], "blocked_by": gates["blocked_by"],
                "artifacts": len(artifacts)}


def _rules(ctx: StepContext, declared: dict[str, Any]) -> dict[str, Any]:
    """How generated data was made: each rule's command, and the digests of what went in and came out."""
    rules = {}
    for name, static in declared.items():
        result = ctx.inputs[rule_step_id(name)]
        rules[name] = {**static, "inputs": result.meta["inputs"],
                       "outputs": {output: {"sha256": ref.sha256, "bytes": ref.bytes}
                                   for output, ref in sorted(result.files.items())}}
    return rules


def _signoffs(gate: dict[str, Any]) -> dict[str, Any]:
    """The reviews this release required, each one's verdict, and the ids of the approvals it ships with."""
    reviews = {review: {**verdict, "file": f"signoffs/{review}.yaml" if verdict["id"] else None,
                        "sample": f"qa/{review}/sample.json"} for review, verdict in gate["reviews"].items()}
    return {"required": gate["thresholds"]["required"], "ids": gate["ids"], "report": gate["report"],
            "reviews": reviews}


def _sticky(ctx: StepContext, families: list[str]) -> dict[str, Any]:
    """Where each family's splits came from: the previous release's split index, hashing, or a declared resplit."""
    metas = {name: ctx.inputs[ids.family_step(name, ids.SPLIT)].meta for name in families}
    previous = sorted({meta["sticky"]["previous"] for meta in metas.values() if meta["sticky"]["previous"]})
    return {"previous": previous[0] if previous else None,
            "families": {name: {**meta["sticky"], "groups": meta["groups"]} for name, meta in metas.items()}}


def _privacy(ctx: StepContext, families: list[str]) -> dict[str, Any]:
    """Per family and per shard: what the scan found and did. Per-record status is in the listed sidecars."""
    gate = ctx.inputs[ids.PRIVACY_GATE].meta
    per_family = {}
    totals = {"clean": 0, "redacted": 0, "dropped": 0, "flagged": 0}
    detector: dict[str, Any] = {}
    for name in families:
        meta = ctx.inputs[ids.family_step(name, ids.PRIVACY)].meta
        detector = meta["detector"]
        for status, count in meta["status_counts"].items():
            totals[status] += count
        per_family[name] = {"policy": meta["policy"], "records": meta["status_counts"], "entities": meta["entities"],
                            "allowed": meta["allowed"], "status_file": f"privacy/{name}.jsonl",
                            "sample": {**meta["sample"], "file": f"qa/{name}.sample.jsonl",
                                       "protocol": f"qa/{name}.sample.json"}}
    shards = {}
    for name in families:
        for shard in ctx.inputs[ids.family_step(name, ids.EXPORT)].meta["shards"]:
            shards[shard["key"]] = shard["privacy"]
    return {"status": gate["status"], "report": gate["report"], "mode": detector.get("mode"), "detector": detector,
            "records": totals, "families": per_family, "shards": dict(sorted(shards.items()))}


def _takedowns(ctx: StepContext, declared: list[dict[str, Any]], families: list[str]) -> list[dict[str, Any]]:
    """Each takedown with how many records it removed here (ids only: the removed text is never recorded)."""
    removed: dict[int, list[str]] = {}
    for name in families:
        for applied in ctx.inputs[ids.family_step(name, ids.PRIVACY)].meta["takedowns"]:
            removed.setdefault(applied["entry"], []).extend(f"{name}/{rid}" for rid in applied["removed"])
    return [{**entry, "applied": True, "removed": sorted(removed.get(index, []))}
            for index, entry in enumerate(declared)]
