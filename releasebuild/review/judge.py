"""Is a review done? One pure function over the current sample and the recorded sign-off, shared by the gate
and `releasebuild status`, so the two can never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from releasebuild.review.record import SignoffRecord
from releasebuild.review.sampling import review_digest
from releasebuild.steps.qa_sample import QASampleResult

# Statuses that keep a release from shipping. `not_applicable`: no family of the release is in the review's scope.
BLOCKING = ("pending", "stale", "rejected", "demo_refused")


def review_sample(review: str, families: list[str], qa: Mapping[str, QASampleResult],
                  sampling: dict[str, Any], sections: dict[str, str] | None = None) -> dict[str, Any]:
    """The review's sample across its families, from each family's QA step result; `sampling`: seed, method and
    stratify_by, as the QA steps were given them. `sections`: for the bias review, each family's bias report
    section digest, which the review signs with the sample."""
    parts = {}
    for name in families:
        drawn = qa[name].reviews[review]
        parts[name] = {"digest": drawn.digest, "records": qa[name].records, "size": drawn.size,
                       "strata": drawn.strata, "ids": drawn.ids,
                       "page": f"qa/{review}/{name}.md", "file": f"qa/{review}/{name}.jsonl"}
        if sections is not None:
            parts[name]["bias_report"] = sections[name]
    signed: dict[str, Any] = {
        name: {"sample": part["digest"], "bias_report": part["bias_report"]} if sections is not None else part["digest"]
        for name, part in parts.items()}
    digest = review_digest(review, signed) if parts else None
    return {"digest": digest, "seed": sampling["seed"], "method": sampling["method"],
            "stratify_by": list(sampling["stratify_by"]), "families": parts}


def judge(review: str, sample: dict[str, Any] | None, record: SignoffRecord | None,
          protected_root: bool) -> dict[str, Any]:
    """The review's status and why; `sample` None means this build's sample is not known yet (not built)."""
    verdict: dict[str, Any] = {
        "review": review, "sample_digest": sample["digest"] if sample else None,
        "id": record.id if record else None, "reviewer": record.reviewer.id if record else None,
        "role": record.reviewer.role if record else None, "decision": record.decision if record else None,
        "signed_digest": record.sample.digest if record else None, "demo": record.demo if record else False,
        "recorded_at": record.model_dump(mode="json")["recorded_at"] if record else None}
    if sample is not None and not sample["families"]:
        return {**verdict, "status": "not_applicable", "why": "no family of this release is in its scope"}
    if record is None:
        where = f"sample {sample['digest'][:19]}… (qa/{review}/index.md)" if sample else \
            "this build's sample (not built yet)"
        return {**verdict, "status": "pending", "why": f"no sign-off recorded for {where}"}
    if sample is None:
        return {**verdict, "status": "unknown", "why": "a sign-off is recorded; this build's sample is not built yet, "
                "so whether it still matches is not known (run apply, or `releasebuild signoff samples`)"}
    if record.sample.digest != sample["digest"]:
        changes = "; ".join(stale_reasons(record, sample))
        return {**verdict, "status": "stale",
                "why": f"signed for sample {record.sample.digest[:19]}…, this build's is {sample['digest'][:19]}…: "
                       f"{changes}; the review must be redone"}
    if protected_root and record.demo:
        return {**verdict, "status": "demo_refused",
                "why": f"{record.reviewer.id} is a demo sign-off; a protected root ships human reviews only"}
    if record.decision == "reject":
        why = record.notes or "; ".join(entry.note for entry in record.exceptions) or "no reason given"
        return {**verdict, "status": "rejected", "why": f"rejected by {record.reviewer.id} ({record.reviewer.role}): "
                f"{why}"}
    return {**verdict, "status": "approved", "why": f"approved by {record.reviewer.id} ({record.reviewer.role})"}


def stale_reasons(record: SignoffRecord, sample: dict[str, Any]) -> list[str]:
    """What differs between the sample a record was signed for and this build's, family by family."""
    signed = record.sample
    reasons = []
    if signed.seed != sample["seed"]:
        reasons.append(f"the sampling seed changed ({signed.seed} -> {sample['seed']})")
    if signed.stratify_by != sample["stratify_by"]:
        reasons.append(f"the strata changed ({', '.join(signed.stratify_by)} -> {', '.join(sample['stratify_by'])})")
    if signed.method != sample["method"]:
        reasons.append(f"the sampling method changed ({signed.method} -> {sample['method']})")
    resampled = bool(reasons)  # then every family's digest differs: say so once, not per family
    for name in sorted(set(sample["families"]) - set(signed.families)):
        reasons.append(f"{name} is new in its scope")
    for name in sorted(set(signed.families) - set(sample["families"])):
        reasons.append(f"{name} left its scope")
    for name in sorted(set(signed.families) & set(sample["families"])):
        before, now = signed.families[name], sample["families"][name]
        if before.bias_report != now.get("bias_report"):
            reasons.append(f"{name}'s section of the bias report changed" if before.bias_report and
                           now.get("bias_report") else f"{name}'s bias report section is now "
                           f"{'signed with' if now.get('bias_report') else 'not part of'} the review")
        if before.digest == now["digest"] or (resampled and before.records == now["records"]):
            continue
        if before.records != now["records"]:
            reasons.append(f"{name} changed ({before.records} -> {now['records']} records)")
        elif before.size != now["size"]:
            reasons.append(f"{name}'s sample size changed ({before.size} -> {now['size']})")
        else:
            reasons.append(f"{name}'s data changed ({now['records']} records, content differs)")
    return reasons or ["the sample's records changed"]
