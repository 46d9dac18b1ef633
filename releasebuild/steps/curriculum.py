"""Curriculum/routing config: ordered stages, each routing families with weights normalized within the stage."""

from __future__ import annotations

from typing import Any

from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams
from releasebuild.steps.split import SplitResult


def normalized(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {name: round(weight / total, 12) for name, weight in sorted(weights.items())}


class CurriculumParams(StepParams):
    version: str
    stages: list[dict[str, Any]]  # release.yaml's curriculum stages, in order: {"stage", "families": {name: weight}}
    families: dict[str, dict[str, Any]]  # each family's stage number and name


class CurriculumResult(StepMeta):
    stages: int


class Curriculum(Step):
    kind = "curriculum"
    code_version = "1"
    predictable = True  # reads metas and reports, not records (Step.predictable)

    Params = CurriculumParams
    Result = CurriculumResult

    @staticmethod
    def run(ctx: StepContext) -> CurriculumResult:
        params = ctx.typed(CurriculumParams)
        counts = {name: ctx.inputs[ids.family_step(name, ids.SPLIT)].typed(SplitResult).counts
                  for name in params.families}
        stages = []
        routes: dict[str, list[str]] = {}
        for order, stage in enumerate(params.stages, start=1):
            weights = normalized(stage["families"])
            families = []
            for name, weight in weights.items():
                family_counts = counts[name]
                families.append({"family": name, "weight": weight, "declared_weight": stage["families"][name],
                                 "records": {**family_counts, "total": sum(family_counts.values())}})
                routes.setdefault(name, []).append(stage["stage"])
            stages.append({"stage": stage["stage"], "order": order, "families": families})
        document = {
            "format_version": 1,
            "version": params.version,
            "stages": stages,
            "families": {name: {"stages": routes[name], **params.families[name]} for name in sorted(routes)},
        }
        ctx.write_json("curriculum.json", document, publish="curriculum.json", kind="curriculum")
        return CurriculumResult(stages=len(stages))
