"""gates/summary.json: one line per gate; the release is blocked if any blocking gate says fail."""

from __future__ import annotations

from releasebuild.gates.base import GateResult, GateStatus
from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams


class GateSummaryResult(StepMeta):
    blocked_by: list[str]  # the blocking gates that failed: the release ships only when this is empty
    gates: dict[str, GateStatus]  # gate -> its status


class GateSummary(Step):
    kind = "gate_summary"
    code_version = "2"
    predictable = True  # reads metas and reports, not records (Step.predictable)
    Params = StepParams  # none: it reads the gates' verdicts, its dependencies
    Result = GateSummaryResult

    @staticmethod
    def run(ctx: StepContext) -> GateSummaryResult:
        gates = sorted((ctx.inputs[dep].typed(GateResult) for dep in ctx.spec.deps), key=lambda gate: gate.gate)
        entries = [{"id": g.gate, "status": g.status, "blocking": g.blocking, "thresholds": g.thresholds,
                    "report": g.report, **({"why": g.why} if g.status == "fail" and g.why else {})} for g in gates]
        blocked_by = [g.gate for g in gates if g.status == "fail" and g.blocking]
        ctx.write_json("summary.json", {"gates": entries, "blocked": bool(blocked_by), "blocked_by": blocked_by},
                       publish="gates/summary.json", kind="gate_summary")
        return GateSummaryResult(blocked_by=blocked_by, gates={g.gate: g.status for g in gates})
