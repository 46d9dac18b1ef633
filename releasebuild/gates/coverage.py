"""Coverage gate: every family the release requires is there, with at least its minimum number of records.

The matrix lists each declared family and each required one against its storage evidence (prefixes, objects,
bytes, records) as present / partial / missing. `releasebuild coverage` shows it before anything runs (records
known when the family's ingest is cached); every build computes it exactly, publishes it as coverage.json and
blocks the release when a required family is missing or partial.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from releasebuild.config.gate import GateConfig
from releasebuild.config.models import Release
from releasebuild.gates.base import GateBuild, GateResult
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepParams, StepSpec
from releasebuild.steps.ingest import IngestResult

PRESENT, PARTIAL, MISSING = "present", "partial", "missing"
PENDING = "pending"  # `releasebuild coverage` only: made by a rule that has not run yet (every build knows)
REPORT = "coverage.json"


class CoverageGateConfig(GateConfig):
    """release.yaml's `coverage:` section as the gate sees it: family -> the records it needs at least. Always on,
    always blocking (a release missing a required family is not that release)."""

    required: dict[str, int] = Field(default_factory=dict)


def settings(release: Release) -> CoverageGateConfig:
    required = release.coverage.required
    return CoverageGateConfig(required={name: spec.min_records for name, spec in sorted(required.items())})


def direction(path: str, was: Any, now: Any) -> str:
    """A family newly required, or a higher minimum, is stricter; one no longer required, or a lower minimum,
    looser."""
    if isinstance(was, bool) or isinstance(now, bool):
        return ""
    if was is None and isinstance(now, (int, float)):
        return "stricter"
    if now is None:
        return "looser"
    if isinstance(was, (int, float)) and isinstance(now, (int, float)):
        return "stricter" if now > was else "looser"
    return ""


def build_steps(config: CoverageGateConfig, build: GateBuild) -> list[StepSpec]:
    ingests = tuple(ids.family_step(name, ids.INGEST) for name in build.families)
    return [StepSpec(ids.COVERAGE, CoverageGate.kind, {"required": config.required}, ingests,
                     reads={dep: ("meta", "sources.json") for dep in ingests})]


def family_row(name: str, min_records: int | None, sources: list[dict[str, Any]] | None,
               records: int | None, unmatched: list[str] | None = None,
               pending: list[str] | None = None) -> dict[str, Any]:
    """One family's row. `sources` is None when the family is not declared; `records` None when not yet known;
    `pending`: its `rule:` sources whose rule has not run yet."""
    row: dict[str, Any] = {"family": name, "declared": sources is not None, "required": min_records is not None,
                           "min_records": min_records}
    if sources is None:
        return {**row, "prefixes": [], "objects": 0, "bytes": 0, "records": None, "status": MISSING,
                "why": "required, but no family of this name is declared in release.yaml"}
    row.update(prefixes=sorted({_prefix(source["name"]) for source in sources}), objects=len(sources),
               bytes=sum(source["bytes"] for source in sources), records=records)
    if unmatched:
        row["unmatched_sources"] = unmatched
    if not sources and not pending:
        return {**row, "status": MISSING, "why": "no object matches its sources"}
    if unmatched:
        return {**row, "status": PARTIAL, "why": f"source {', '.join(unmatched)} matches no object"}
    if pending:
        row["pending_sources"] = pending
        return {**row, "status": PENDING, "why": f"{', '.join(pending)} will be made by apply (the rule has not "
                                                 "run yet, or its inputs changed)"}
    if records is None:
        return {**row, "status": PRESENT, "why": f"{len(sources)} object(s); records are counted when it is ingested"}
    if records == 0:
        return {**row, "status": MISSING, "why": "its objects hold no valid record"}
    if min_records is not None and records < min_records:
        return {**row, "status": PARTIAL, "why": f"{records} records, fewer than the {min_records} required"}
    return {**row, "status": PRESENT, "why": f"{records} records in {len(sources)} object(s)"}


def matrix(required: dict[str, int], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole matrix: declared rows plus a missing row for each required family nobody declared."""
    declared = {row["family"] for row in rows}
    everything = rows + [family_row(name, minimum, None, None) for name, minimum in required.items()
                         if name not in declared]
    everything.sort(key=lambda row: row["family"])
    failing = [row["family"] for row in everything if row["required"] and row["status"] not in (PRESENT, PENDING)]
    return {"gate": "coverage", "status": "fail" if failing else "pass", "required": dict(sorted(required.items())),
            "failed_families": failing, "families": everything}


def _prefix(name: str) -> str:
    return name.rsplit("/", 1)[0] + "/" if "/" in name else "./"


class CoverageParams(StepParams):
    required: dict[str, int]  # release.yaml's required families and their minimum records


class CoverageGate(Step):
    kind = "gate_coverage"
    code_version = "2"
    predictable = True  # reads metas and reports, not records (Step.predictable)

    Params = CoverageParams
    Result = GateResult

    @staticmethod
    def run(ctx: StepContext) -> GateResult:
        required = ctx.typed(CoverageParams).required
        rows = []
        for dep in ctx.spec.deps:
            ingest = ctx.inputs[dep].typed(IngestResult)
            sources = json.loads(ctx.input_path(dep, "sources.json").read_bytes())
            rows.append(family_row(ingest.family, required.get(ingest.family), sources, ingest.records))
        report = matrix(required, rows)
        ctx.write_json("coverage.json", report, publish=REPORT, kind="coverage")
        why = "; ".join(f"{row['family']}: {row['why']}" for row in report["families"]
                        if row["family"] in report["failed_families"])
        return GateResult(gate="coverage", status=report["status"], blocking=True,
                          thresholds={"required": report["required"]}, report=REPORT, why=why)
