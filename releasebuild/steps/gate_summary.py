"""gates/summary.json: one line per gate; the release is blocked if any blocking gate says fail."""

from __future__ import annotations

from typing import Any

from releasebuild.steps.base import Step, StepContext, StepParams


class GateSummary(Step):
    kind = "gate_summary"
    code_version = "2"
    Params = StepParams  # none: it reads the gates' verdicts, its dependencies

    @staticmethod
    def run(ctx: StepContext) -> dict[str, Any]:
        gates = sorted((ctx.inputs[dep].meta for dep in ctx.spec.deps), key=lambda gate: gate["gate"])
        entries = [{"id": g["gate"], "status": g["status"], "blocking": g["blocking"],
                    "thresholds": g["thresholds"], "report": g["report"],
                    **({"why": g["why"]} if g["status"] == "fail" and g.get("why") else {})} for g in gates]
        blocked_by = [g["id"] for g in entries if g["status"] == "fail" and g["blocking"]]
        ctx.write_json("summary.json", {"gates": entries, "blocked": bool(blocked_by), "blocked_by": blocked_by},
                       publish="gates/summary.json", kind="gate_summary")
        return {"blocked_by": blocked_by, "gates": {g["id"]: g["status"] for g in entries}}
