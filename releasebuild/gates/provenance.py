"""Provenance gate: a record whose origin is not fully known does not ship (denied by default).

Every record of the provenance index needs its family, id, source, source version (content digest), locator,
record digest and its chain of transformations; a family may also require metadata fields that carry origin
(a consent id, a generator run). The per-family provenance steps find the violations; this gate names them.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import Field

from releasebuild.config.gate import GateConfig
from releasebuild.config.located import Path_
from releasebuild.config.models import Name, Strict
from releasebuild.gates.base import FamilyChain, GateBuild, GateParams, GateResult, GateStatus, gate_meta, listed
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepSpec
from releasebuild.steps.provenance import REQUIRED, VIOLATIONS, ProvenanceResult


class FamilyProvenance(Strict):
    require_metadata: list[str] = Field(default_factory=list)


class ProvenanceGateConfig(GateConfig):
    require_metadata: list[str] = Field(default_factory=list, description="metadata fields every record needs")
    families: dict[Name, FamilyProvenance] = Field(default_factory=dict)

    def required_metadata(self, family: str) -> list[str]:
        extra = self.families[family].require_metadata if family in self.families else []
        return sorted(set(self.require_metadata) | set(extra))

    def checks(self, families: set[str]) -> list[tuple[Path_, str, str]]:
        found: list[tuple[Path_, str, str]] = []
        for name in self.families:
            if name not in families:
                close = difflib.get_close_matches(name, sorted(families), n=1)
                found.append((("families", name), f"provenance settings for unknown family '{name}'",
                              f"did you mean '{close[0]}'?" if close else f"families: {', '.join(sorted(families))}"))
        return found


def chain_params(config: ProvenanceGateConfig, chain: FamilyChain) -> dict[str, dict[str, Any]]:
    """The family's provenance index finds the records that lack the metadata this gate requires of the family."""
    return {ids.PROVENANCE: {"require_metadata": config.required_metadata(chain.family)}}


def build_steps(config: ProvenanceGateConfig, build: GateBuild) -> list[StepSpec]:
    families = build.families
    indexes = tuple(ids.family_step(name, ids.PROVENANCE) for name in families)
    params = {"blocking": config.blocking, "thresholds": {"required": list(REQUIRED), **config.model_dump(mode="json")}}
    return [StepSpec(ids.PROVENANCE_GATE, ProvenanceGate.kind, params, indexes,
                     reads={dep: ("meta", VIOLATIONS) for dep in indexes})]


class ProvenanceGate(Step):
    kind = "gate_provenance"
    code_version = "2"
    predictable = True  # reads metas and reports, not records (Step.predictable)
    Params = GateParams  # nothing beyond what every gate is given
    Result = GateResult

    @staticmethod
    def run(ctx: StepContext) -> GateResult:
        families = []
        failed = []
        for dep in ctx.spec.deps:
            index = ctx.inputs[dep].typed(ProvenanceResult)
            entry: dict[str, Any] = {"family": index.family, "records": index.records,
                                     "violations": index.violations, "status": "pass"}
            if index.violations:
                failed.append(index.family)
                entry.update(status="fail", why=f"{index.violations} record(s) lack required provenance",
                             records_listed=listed(ctx.input_path(dep, VIOLATIONS)))
            families.append(entry)
        status: GateStatus = "fail" if failed else "pass"
        report = {"gate": "provenance", "status": status, "required": ctx.typed(GateParams).thresholds["required"],
                  "failed_families": failed, "families": families}
        ctx.write_json("report.json", report, publish="gates/provenance.json", kind="gate_report")
        with ctx.create("report.md", publish="gates/provenance.md", kind="gate_report") as out:
            out.write(_markdown(report).encode("utf-8"))
        return gate_meta("provenance", status, ctx.typed(GateParams), "gates/provenance.json", families)


def _markdown(report: dict[str, Any]) -> str:
    lines = [f"# Provenance gate: {report['status']}", "", "Required per record: " + ", ".join(report["required"]),
             "", "| family | records | violations | status |", "|---|---|---|---|"]
    for family in report["families"]:
        lines.append(f"| {family['family']} | {family['records']} | {family['violations']} | {family['status']} |")
    for family in report["families"]:
        for row in family.get("records_listed", [])[:20]:
            lines.append(f"- `{row['id']}` ({row['source']}): missing {', '.join(row['missing'])}")
    return "\n".join(lines) + "\n"
