"""Leakage gate: no train record may be an exact or near duplicate of a val/test record, in any family.

Independent of how splits were assigned: it takes the links the dedup step found between surviving records
(same conversation or role text, a shared substantial turn pair, or near duplicates at `threshold`) and the
splits every family's split step chose, and lists every link that crosses from train to val/test, within a
family and across families. Holdout-sensitive families fail on any such pair; others on more than `max_pairs`.
The same `threshold` and `max_group_size` drive the group-aware split assignment, so a clean build has none.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from releasebuild.config.gate import GateConfig
from releasebuild.config.located import Path_
from releasebuild.config.models import Name, Strict
from releasebuild.gates.base import (
    FamilyChain,
    GateBuild,
    GateParams,
    GateResult,
    GateStatus,
    gate_meta,
    listed,
    unknown_families,
)
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepSpec, read_jsonl

Similarity = Annotated[float, Field(gt=0, le=1)]
LINKS = "links.tsv"  # what the dedup step writes for this gate: near-duplicate pairs across records, all families
Compared = Literal["user", "assistant", "turn_pairs"]
HOLDOUT = ("val", "test")
PAIRS = "pairs.jsonl"


class FamilyLeakage(Strict):
    max_pairs: int = Field(ge=0)


class LeakageGateConfig(GateConfig):
    threshold: Similarity = Field(0.6, description="near-duplicate Jaccard that counts as leakage (and joins groups)")
    # The conversation fingerprint is always compared; these are compared as well. Exact turn pairs are off by
    # default: scripted safety responses are shared across templated conversations on purpose.
    compare: list[Compared] = Field(default_factory=lambda: list[Compared](["user"]))
    max_group_size: int = Field(50, ge=1, description="near-duplicate joining stops at groups of this many records")
    max_pairs: int = Field(0, ge=0, description="leaking pairs tolerated per family that is not holdout-sensitive")
    families: dict[Name, FamilyLeakage] = Field(default_factory=dict)

    def limit_for(self, family: str) -> int:
        return self.families[family].max_pairs if family in self.families else self.max_pairs

    def checks(self, families: set[str]) -> list[tuple[Path_, str, str]]:
        return unknown_families(list(self.families), families, "families")


def chain_params(config: LeakageGateConfig, chain: FamilyChain) -> dict[str, dict[str, Any]]:
    """The split step joins near duplicates into groups up to the size this gate allows, so a clean build leaks
    none across splits."""
    return {ids.SPLIT: {"max_group_size": config.max_group_size}}


def build_steps(config: LeakageGateConfig, build: GateBuild) -> list[StepSpec]:
    splits = tuple(ids.family_step(name, ids.SPLIT) for name in build.families)
    params = {"blocking": config.blocking, "thresholds": config.model_dump(mode="json"),
              "limits": {name: 0 if build.holdout.get(name) else config.limit_for(name) for name in build.families},
              "holdout_sensitive": sorted(name for name in build.families if build.holdout.get(name))}
    reads: dict[str, tuple[str, ...]] = {ids.DEDUP: (LINKS,), **{dep: ("assignment.jsonl",) for dep in splits}}
    return [StepSpec(ids.LEAKAGE, LeakageGate.kind, params, (ids.DEDUP, *splits), reads=reads)]


def find_leaks(links: Iterable[tuple[str, str, str, float]], splits: dict[str, str]) -> Iterator[dict[str, Any]]:
    """Every link whose two records sit on opposite sides of the train / val-test line. `splits` maps
    "family/id" to its split; records not in it (removed) cannot leak."""
    for kind, left, right, similarity in links:
        one, other = splits.get(left), splits.get(right)
        if one is None or other is None or (one == "train") == (other == "train"):
            continue
        train, held = (left, right) if one == "train" else (right, left)
        yield {"kind": kind, "train": train, "heldout": held, "heldout_split": splits[held],
               "similarity": similarity}


def read_links(path: Path) -> Iterator[tuple[str, str, str, float]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            kind, left, right, similarity = line.rstrip("\n").split("\t")
            yield kind, left, right, float(similarity)


class LeakageGateParams(GateParams):
    limits: dict[str, int]  # family -> the most leaked records it may have (its threshold)
    holdout_sensitive: list[str]  # families whose holdout records may not appear in train at all


class LeakageGate(Step):
    kind = "gate_leakage"
    code_version = "1"
    Params = LeakageGateParams
    Result = GateResult

    @staticmethod
    def run(ctx: StepContext) -> GateResult:
        params = ctx.typed(LeakageGateParams)
        limits = params.limits
        splits: dict[str, str] = {}
        for name in limits:
            for row in read_jsonl(ctx.input_path(ids.family_step(name, ids.SPLIT), "assignment.jsonl")):
                if row["split"] is not None:
                    splits[f"{name}/{row['id']}"] = row["split"]
        per_family: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        with ctx.create(PAIRS, publish="gates/leakage/pairs.jsonl", kind="gate_report") as out:
            for leak in find_leaks(read_links(ctx.input_path(ids.DEDUP, LINKS)), splits):
                out.write((json.dumps(leak, sort_keys=True) + "\n").encode("utf-8"))
                kinds[leak["kind"]] += 1
                for family in {leak["train"].split("/", 1)[0], leak["heldout"].split("/", 1)[0]}:
                    per_family[family] += 1
        holdout = set(params.holdout_sensitive)
        families = []
        for name, limit in limits.items():
            leaks = per_family[name]
            entry: dict[str, Any] = {"family": name, "holdout_sensitive": name in holdout, "leaking_pairs": leaks,
                                     "max_pairs": limit, "status": "fail" if leaks > limit else "pass"}
            if leaks > limit:
                rule = "holdout-sensitive: none allowed" if name in holdout else f"limit {limit}"
                entry["why"] = f"{leaks} train/heldout duplicate pair(s) ({rule})"
                entry["records_listed"] = [row for row in listed(ctx.outputs[PAIRS].path)
                                           if name in (row["train"].split("/", 1)[0],
                                                       row["heldout"].split("/", 1)[0])]
            families.append(entry)
        failed = [entry["family"] for entry in families if entry["status"] == "fail"]
        status: GateStatus = "fail" if failed else "pass"
        thresholds = params.thresholds
        report = {"gate": "leakage", "status": status, "threshold": thresholds["threshold"],
                  "compared": ["conversation", *thresholds["compare"]], "leaking_pairs": sum(kinds.values()),
                  "by_kind": dict(sorted(kinds.items())), "pairs": "gates/leakage/pairs.jsonl",
                  "failed_families": failed, "families": families}
        ctx.write_json("report.json", report, publish="gates/leakage.json", kind="gate_report")
        with ctx.create("report.md", publish="gates/leakage.md", kind="gate_report") as out:
            out.write(_markdown(report).encode("utf-8"))
        return gate_meta("leakage", status, params, "gates/leakage.json", families)


def _markdown(report: dict[str, Any]) -> str:
    lines = [f"# Leakage gate: {report['status']}", "",
             f"Train vs val/test, compared by: {', '.join(report['compared'])} (near duplicates at Jaccard >= "
             f"{report['threshold']}). Leaking pairs: {report['leaking_pairs']}.", "",
             "| family | holdout-sensitive | leaking pairs | allowed | status |", "|---|---|---|---|---|"]
    for family in report["families"]:
        lines.append(f"| {family['family']} | {'yes' if family['holdout_sensitive'] else 'no'} | "
                     f"{family['leaking_pairs']} | {family['max_pairs']} | {family['status']} |")
    for family in report["families"]:
        for row in family.get("records_listed", [])[:20]:
            lines.append(f"- {row['kind']}: `{row['train']}` (train) ~ `{row['heldout']}` ({row['heldout_split']}), "
                         f"similarity {row['similarity']}")
    return "\n".join(lines) + "\n"
