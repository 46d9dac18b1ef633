"""Is a review done? One pure function over the current sample and the recorded sign-off, shared by the gate
and `releasebuild status`, so the two can never disagree."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from releasebuild.review.load import LoadedSignoff
from releasebuild.review.record import ReviewException, SignedPart, SignoffRecord
from releasebuild.review.sampling import review_digest
from releasebuild.review.signature import SignatureCheck, demo_fingerprint
from releasebuild.steps.qa_sample import QASampleResult

# Statuses that keep a release from shipping. `not_applicable`: no family of the release is in the review's scope.
BLOCKING = ("pending", "stale", "rejected", "demo_refused", "invalid", "unsigned", "bad_signature")
# How a record's signature is checked: against the allowed signers, in the gate and in `status` alike.
Verifier = Callable[[SignoffRecord], SignatureCheck]


def review_sample(review: str, families: list[str], qa: Mapping[str, QASampleResult], sampling: dict[str, Any],
                  signed: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """The review's sample across its families, from each family's QA step result; `sampling`: seed, method and
    stratify_by, as the QA steps were given them. `signed`: what else the review signs of its families, by part
    (a SignedPart's name: family -> digest), which the review's digest covers with the sample."""
    entries: dict[str, dict[str, Any]] = {}
    for name in families:
        drawn = qa[name].reviews[review]
        entries[name] = {"digest": drawn.digest, "records": qa[name].records, "size": drawn.size,
                         "strata": drawn.strata, "ids": drawn.ids,
                         "page": f"qa/{review}/{name}.md", "file": f"qa/{review}/{name}.jsonl",
                         **{part: digests[name] for part, digests in signed.items()}}
    covered: dict[str, Any] = {
        name: {"sample": entry["digest"], **{part: entry[part] for part in signed}} if signed else entry["digest"]
        for name, entry in entries.items()}
    digest = review_digest(review, covered) if entries else None
    return {"digest": digest, "seed": sampling["seed"], "method": sampling["method"],
            "stratify_by": list(sampling["stratify_by"]), "families": entries}


def outside_sample(exceptions: Sequence[ReviewException], sample: dict[str, Any]) -> list[tuple[int, str]]:
    """The exceptions (index, `<family>/<id>`) naming a record the review's sample did not draw: a reviewer can only
    vouch for what they read, and an id that is not there (a typo, a record of another sample) vouches for nothing."""
    drawn = {f"{family}/{record_id}" for family, entry in sample["families"].items() for record_id in entry["ids"]}
    return [(index, entry.record) for index, entry in enumerate(exceptions)
            if entry.record is not None and entry.record not in drawn]


def carried(sample: dict[str, Any] | None, earlier: Sequence[LoadedSignoff]) -> LoadedSignoff | None:
    """The approval an earlier version gave this exact sample (`earlier`: that version's records, newest first),
    which a release without a record of its own carries: reviewing identical records again would add nothing. Only
    the newest decision on the sample counts, so a later reject of it is never bypassed by an older approval."""
    if sample is None or sample["digest"] is None:
        return None
    same = next((loaded for loaded in earlier if loaded.record.sample.digest == sample["digest"]), None)
    return same if same is not None and same.record.decision == "approve" else None


def judge(review: str, sample: dict[str, Any] | None, own: LoadedSignoff | None, earlier: Sequence[LoadedSignoff],
          protected_root: bool, parts: Mapping[str, SignedPart], verify: Verifier) -> dict[str, Any]:
    """The review's status and why; `sample` None means this build's sample is not known yet (not built). `own`:
    this version's record, else an approval of the same sample from `earlier` (see `carried`) is judged, and the
    verdict says which version it is `carried_from`. `parts`: what reviews may sign of the gates, by name, which a
    stale review's reasons are worded with. The verdict names the record's `file`, as a record that may not count
    is named.

    `verify` checks the judged record's signature (a carried record's too, over its own content): a record counts
    only when a key allowed to sign that review as that reviewer signed exactly it, and the verdict names the key.

    The verdict carries the record's failed rubric items and its exceptions, so an approval given despite a failure
    (crisis handling, say) is as visible in the gate report, the manifest and the notes as the approval itself."""
    loaded = own or carried(sample, earlier)
    record = loaded.record if loaded else None
    carried_from = record.version if record is not None and own is None else None
    signature = verify(record) if record is not None else None
    verdict: dict[str, Any] = {
        "signature": signature.state if signature else None, "key": signature.key if signature else None,
        "review": review, "sample_digest": sample["digest"] if sample else None,
        "id": record.id if record else None, "reviewer": record.reviewer.id if record else None,
        "role": record.reviewer.role if record else None, "decision": record.decision if record else None,
        "signed_digest": record.sample.digest if record else None, "demo": record.demo if record else False,
        "recorded_at": record.model_dump(mode="json")["recorded_at"] if record else None,
        "failed_items": sorted(item for item, result in record.rubric.items() if result == "fail") if record else [],
        "exceptions": [entry.model_dump(mode="json") for entry in record.exceptions]
        if record else [], "carried_from": carried_from, "file": loaded.file if loaded else None}
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
        changes = "; ".join(stale_reasons(record, sample, parts))
        return {**verdict, "status": "stale",
                "why": f"signed for sample {record.sample.digest[:19]}…, this build's is {sample['digest'][:19]}…: "
                       f"{changes}; the review must be redone"}
    foreign = outside_sample(record.exceptions, sample)
    if loaded is not None and foreign:
        return {**verdict, "status": "invalid",
                "why": f"{loaded.file}: exception(s) name {', '.join(ref for _, ref in foreign)}, which "
                       f"the reviewed sample does not hold (qa/{review}/index.md lists its records); record the "
                       f"decision again naming sampled records"}
    assert signature is not None, "a record's signature is checked with the record"
    if protected_root and record.demo:
        return {**verdict, "status": "demo_refused",
                "why": f"{record.reviewer.id} is a demo sign-off; a protected root ships human reviews only"}
    if protected_root and signature.key == demo_fingerprint():
        return {**verdict, "status": "demo_refused",
                "why": f"{loaded.file if loaded else review}: signed with the demo key {signature.key}, whose private "
                       "half is public; a protected root ships human reviews only"}
    if not signature.verified:
        status = "unsigned" if signature.state == "unsigned" else "bad_signature"
        return {**verdict, "status": status, "why": f"{loaded.file if loaded else review} ({signature.principal}): "
                f"{signature.why}; sign it with `releasebuild signoff record --key`"}
    if record.decision == "reject":
        why = record.notes or "; ".join(entry.note for entry in record.exceptions) or "no reason given"
        return {**verdict, "status": "rejected", "why": f"rejected by {record.reviewer.id} ({record.reviewer.role}): "
                f"{why}"}
    carry = f", carried from {carried_from} (the same sample)" if carried_from else ""
    return {**verdict, "status": "approved",
            "why": f"approved by {record.reviewer.id} ({record.reviewer.role}), signed by key {signature.key}{carry}"}


def stale_reasons(record: SignoffRecord, sample: dict[str, Any], parts: Mapping[str, SignedPart]) -> list[str]:
    """What differs between the sample a record was signed for and this build's, family by family (`parts`: what
    reviews may sign of the gates, by name)."""
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
        reasons += _signed_part_changes(name, before.signed, {key: now[key] for key in now if key in parts}, parts)
        if before.digest == now["digest"] or (resampled and before.records == now["records"]):
            continue
        if before.records != now["records"]:
            reasons.append(f"{name} changed ({before.records} -> {now['records']} records)")
        elif before.size != now["size"]:
            reasons.append(f"{name}'s sample size changed ({before.size} -> {now['size']})")
        else:
            reasons.append(f"{name}'s data changed ({now['records']} records, content differs)")
    return reasons or ["the sample's records changed"]


def _signed_part_changes(family: str, before: dict[str, str], now: dict[str, str],
                         parts: Mapping[str, SignedPart]) -> list[str]:
    """The parts signed with the sample (a gate's sections of its report) that changed for one family, or that the
    review signs now and did not then, or no longer does."""
    reasons = []
    for name in sorted(set(before) | set(now)):
        if before.get(name) == now.get(name):
            continue
        part = parts.get(name)
        if name in before and name in now:
            reasons.append(f"{family}'s {part.what if part else name} changed")
        else:
            reasons.append(f"{family}'s {part.column if part else name} is now "
                           f"{'signed with' if name in now else 'not part of'} the review")
    return reasons
