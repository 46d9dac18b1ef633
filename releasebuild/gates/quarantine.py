"""Quarantine gate: too many malformed records means the mapping or the source is wrong, so block.

Per family: quarantined rows / rows read, against `max_ratio` (overridable per family). A family where no
record survives fails regardless of the limit.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from releasebuild.config.gate import GateConfig
from releasebuild.config.models import Strict
from releasebuild.gates.base import GateBuild, GateParams, GateResult, GateStatus, gate_meta, listed
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepSpec
from releasebuild.steps.ingest import IngestResult

Ratio = Annotated[float, Field(ge=0, le=1)]


class FamilyQuarantineLimit(Strict):
    max_ratio: Ratio


class QuarantineGateConfig(GateConfig):
    max_ratio: Ratio = 0.05
    families: dict[str, FamilyQuarantineLimit] = Field(default_factory=dict)

    def limit_for(self, family: str) -> float:
        override = self.families.get(family)
        return override.max_ratio if override else self.max_ratio


def build_steps(config: QuarantineGateConfig, build: GateBuild) -> list[StepSpec]:
    families = build.families
    limits = {name: config.limit_for(name) for name in families}
    params = {"blocking": config.blocking, "limits": limits, "thresholds": config.model_dump(mode="json")}
    ingests = tuple(ids.family_step(name, ids.INGEST) for name in families)
    return [StepSpec(ids.QUARANTINE, QuarantineGate.kind, params, ingests,
                     reads={dep: ("meta", "quarantine.jsonl") for dep in ingests})]


class QuarantineParams(GateParams):
    limits: dict[str, float]  # family -> the largest share of its rows that may be quarantined


class QuarantineGate(Step):
    kind = "gate_quarantine"
    code_version = "2"
    predictable = True  # reads metas and reports, not records (Step.predictable)

    Params = QuarantineParams
    Result = GateResult

    @staticmethod
    def run(ctx: StepContext) -> GateResult:
        limits = ctx.typed(QuarantineParams).limits
        families = []
        failed = []
        for dep in ctx.spec.deps:
            ingest = ctx.inputs[dep].typed(IngestResult)
            name = ingest.family
            read = ingest.records + ingest.quarantined
            ratio = ingest.quarantined / read if read else 0.0
            family_status = "fail" if ratio > limits[name] or ingest.records == 0 else "pass"
            entry: dict[str, Any] = {"family": name, "rows": read, "records": ingest.records,
                                     "quarantined": ingest.quarantined, "ratio": round(ratio, 6),
                                     "max_ratio": limits[name], "codes": ingest.quarantine_codes,
                                     "status": family_status}
            if family_status == "fail":
                failed.append(name)
                entry["why"] = ("no record survived ingest" if ingest.records == 0 else
                                f"{ratio:.2%} of rows quarantined, limit {limits[name]:.2%}")
                entry["records_listed"] = listed(ctx.input_path(dep, "quarantine.jsonl"))
                entry["report"] = f"quarantine/{name}.jsonl"
            families.append(entry)
        status: GateStatus = "fail" if failed else "pass"
        report = {"gate": "quarantine", "status": status, "failed_families": failed, "families": families}
        ctx.write_json("report.json", report, publish="gates/quarantine.json", kind="gate_report")
        return gate_meta("quarantine", status, ctx.typed(QuarantineParams), "gates/quarantine.json", families)
