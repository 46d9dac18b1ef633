"""manifest.json: the release's table of contents and its identity (a Merkle root over every field and artifact).

Built from the results of the steps before it, without reading their files. Holds no timestamps, hosts or
absolute paths, so the same inputs give the same bytes on any machine and under any root.
"""

from __future__ import annotations

from typing import Any

from releasebuild.config.models import SPLITS
from releasebuild.gates.base import GateResult
from releasebuild.gates.signoff import SignoffResult
from releasebuild.manifest_proof import FORMAT_VERSION, seal
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams
from releasebuild.steps.definition import published_key
from releasebuild.steps.export import ExportResult
from releasebuild.steps.gate_summary import GateSummaryResult
from releasebuild.steps.ingest import IngestResult
from releasebuild.steps.privacy import PrivacyResult
from releasebuild.steps.rule import RuleResult, rule_step_id
from releasebuild.steps.split import SplitResult

RESTRICTED = "restricted"


class ManifestParams(StepParams):
    version: str
    tool_version: str
    definition: dict[str, Any]  # release.yaml and the digest of every definition file
    families: dict[str, dict[str, Any]]  # family -> what the manifest says of it from the definition
    split_assignment: dict[str, Any]  # method, ratios, salt and per-family overrides
    takedowns: list[dict[str, Any]]
    rules: dict[str, dict[str, Any]]  # rule -> its declaration (command, inputs, outputs, ...)


class ManifestResult(StepMeta):
    root_digest: str
    blocked_by: list[str]
    artifacts: int


class Manifest(Step):
    kind = "manifest"
    code_version = "8"  # 8: signoffs.signers
    predictable = True  # reads metas and reports, not records (Step.predictable)
    opens_inputs = False  # every artifact is listed from its ref: the bytes are checked when publish copies them
    Params = ManifestParams
    Result = ManifestResult

    @staticmethod
    def run(ctx: StepContext) -> ManifestResult:
        params = ctx.typed(ManifestParams)
        exports = {name: ctx.inputs[ids.family_step(name, ids.EXPORT)].typed(ExportResult) for name in params.families}
        shards = {shard.key: {"family": name, "split": shard.split, "records": shard.records}
                  for name, export in exports.items() for shard in export.shards}
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
            counts = exports[name].counts
            ingest = ctx.inputs[ids.family_step(name, ids.INGEST)].typed(IngestResult)
            for split in SPLITS:
                totals[split] += counts[split]
            assigned = ctx.inputs[ids.family_step(name, ids.SPLIT)].typed(SplitResult)
            families[name] = {**static, "records": {**counts, "total": sum(counts.values())},
                              "quarantined": ingest.quarantined, "quarantine_codes": ingest.quarantine_codes,
                              "quarantine_report": f"quarantine/{name}.jsonl",
                              "removed_duplicates": assigned.removed_by_dedup,
                              "split_conflicts": assigned.split_conflicts, "split_index": f"splits/{name}.jsonl"}
        gates = ctx.inputs[ids.GATE_SUMMARY].typed(GateSummaryResult)
        document = seal({
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
            "signoffs": _signoffs(ctx.inputs[ids.SIGNOFF].typed(SignoffResult)),
            "release_notes": "release_notes.md",
            "gates": {"summary": "gates/summary.json", "status": "fail" if gates.blocked_by else "pass",
                      "blocked_by": gates.blocked_by, "results": gates.gates},
            "curriculum": "curriculum.json",
            "artifacts": artifacts,
            # Raw text that may hold PII (dropped records, un-redacted spot-check material): published apart, under
            # <root>/restricted/<version>/<set>/ (store.root.restricted_set), never under the release prefix. Listed
            # so an auditor can verify it.
            "restricted": {"prefix": f"restricted/{params.version}/", "files": restricted},
        })
        ctx.write_json("manifest.json", document, publish="manifest.json", kind="manifest")
        return ManifestResult(root_digest=document["root_digest"], blocked_by=gates.blocked_by,
                              artifacts=len(artifacts))


def _rules(ctx: StepContext, declared: dict[str, Any]) -> dict[str, Any]:
    """How generated data was made: each rule's command, and the digests of what went in and came out."""
    rules = {}
    for name, static in declared.items():
        result = ctx.inputs[rule_step_id(name)]
        rules[name] = {**static, "inputs": result.typed(RuleResult).inputs,
                       "outputs": {output: {"sha256": ref.sha256, "bytes": ref.bytes}
                                   for output, ref in sorted(result.files.items())}}
    return rules


def _signoffs(gate: SignoffResult) -> dict[str, Any]:
    """The reviews this release required, each one's verdict, the ids of the approvals it ships with, and what their
    signatures were checked against (the published allowed_signers and revoked_signers: `verify` checks again)."""
    reviews = {review: {**verdict.model_dump(mode="json"), "file": f"signoffs/{review}.yaml" if verdict.id else None,
                        "sample": f"qa/{review}/sample.json"} for review, verdict in gate.reviews.items()}
    signers = gate.signers
    return {"required": gate.thresholds["required"], "ids": gate.ids, "report": gate.report, "reviews": reviews,
            "signers": {"allowed_signers": published_key(signers.allowed_signers) if signers.allowed_signers else None,
                        "revoked_signers": published_key(signers.revoked_signers) if signers.revoked_signers else None,
                        "demo_key_trusted": signers.demo_key_trusted}}


def _sticky(ctx: StepContext, families: list[str]) -> dict[str, Any]:
    """Where each family's splits came from: the previous release's split index, hashing, or a declared resplit."""
    splits = {name: ctx.inputs[ids.family_step(name, ids.SPLIT)].typed(SplitResult) for name in families}
    previous = sorted({split.sticky.previous for split in splits.values() if split.sticky.previous})
    return {"previous": previous[0] if previous else None,
            "families": {name: {**split.sticky.model_dump(mode="json"), "groups": split.groups.model_dump(mode="json")}
                         for name, split in splits.items()}}


def _privacy(ctx: StepContext, families: list[str]) -> dict[str, Any]:
    """Per family and per shard: what the scan found and did. Per-record status is in the listed sidecars."""
    gate = ctx.inputs[ids.PRIVACY_GATE].typed(GateResult)
    per_family: dict[str, dict[str, Any]] = {}
    totals = {"clean": 0, "redacted": 0, "dropped": 0, "flagged": 0}
    detector: dict[str, Any] = {}
    for name in families:
        scan = ctx.inputs[ids.family_step(name, ids.PRIVACY)].typed(PrivacyResult)
        detector = scan.detector
        for status, count in scan.status_counts.items():
            totals[status] += count
        per_family[name] = {"policy": scan.policy, "records": scan.status_counts, "entities": scan.entities,
                            "allowed": scan.allowed, "status_file": f"privacy/{name}.jsonl",
                            "sample": {**scan.sample.model_dump(mode="json"), "file": f"qa/{name}.sample.jsonl",
                                       "protocol": f"qa/{name}.sample.json"}}
    shards = {}
    for name in families:
        for shard in ctx.inputs[ids.family_step(name, ids.EXPORT)].typed(ExportResult).shards:
            shards[shard.key] = shard.privacy.model_dump(mode="json")
    return {"status": gate.status, "report": gate.report, "mode": detector.get("mode"), "detector": detector,
            "records": totals, "families": per_family, "shards": dict(sorted(shards.items()))}


def _takedowns(ctx: StepContext, declared: list[dict[str, Any]], families: list[str]) -> list[dict[str, Any]]:
    """Each takedown with how many records it removed here (ids only: the removed text is never recorded)."""
    removed: dict[int, list[str]] = {}
    for name in families:
        for applied in ctx.inputs[ids.family_step(name, ids.PRIVACY)].typed(PrivacyResult).takedowns:
            removed.setdefault(applied.entry, []).extend(f"{name}/{rid}" for rid in applied.removed)
    return [{**entry, "applied": True, "removed": sorted(removed.get(index, []))}
            for index, entry in enumerate(declared)]
