"""`plan`: what an apply would change against a baseline (the lock, the published release, a git revision), as
data the renderer shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from releasebuild.app.baseline import Baseline, load_baseline
from releasebuild.app.project import Project, build_targets, open_project, required_reviews, review_samples
from releasebuild.changes import SIGN_AGAIN, Change, diff, snapshot
from releasebuild.data_changes import (
    EMPTY,
    FamilyData,
    SplitStat,
    compare,
    data_changes,
    from_results,
    pending_change,
    split_stats,
)
from releasebuild.engine import Computed, Engine, Listener
from releasebuild.gates import signed_parts
from releasebuild.gates.signoff import ReviewVerdict, SignoffResult, qa_step_id
from releasebuild.lock import read_snapshot
from releasebuild.plan import DEFAULT_COMPUTE_BUDGET, Plan, StepPlan
from releasebuild.review.judge import carried, stale_reasons
from releasebuild.review.record import SignoffRecord
from releasebuild.steps import ids
from releasebuild.steps.base import StepResult
from releasebuild.steps.export import ExportResult
from releasebuild.steps.ingest import SOURCES
from releasebuild.steps.registry import step_kind


def signoff_changes(project: Project, engine: Engine, results: dict[str, StepResult]) -> list[Change]:
    """Approvals this change makes stale: the reviews the last apply's sign-off gate judged approved (an own record or
    one carried from an earlier version) that this build's would not. Certain where this build's samples are known
    (cached), or its sign-off verdict (predicted, Step.predictable); else `may`, naming what is rebuilt first (early
    cutoff may leave the samples as they were). A carried approval of a sample that does not change stays
    approved, and a review that was not approved cannot go stale."""
    found = []
    samples = review_samples(project.definition, results)
    before = _verdicts(engine.previous_result(ids.SIGNOFF))
    now = _verdicts(results.get(ids.SIGNOFF))
    for review, spec in required_reviews(project.definition).items():
        record = _approval(project, review, before)
        if record is None:
            continue
        sample, verdict = samples[review], now.get(review)
        if verdict is not None and verdict.status == "approved":
            continue
        if sample is not None and record.sample.digest != sample["digest"]:
            found.append(Change("signoff", "~", review, "approved", "stale",
                                "; ".join(stale_reasons(record, sample, signed_parts()))))
        elif verdict is not None:
            found.append(Change("signoff", "~", review, "approved", verdict.status,
                                f"the sign-off gate judges it {verdict.status}"))
        elif sample is None:
            found.append(Change("signoff", "~", review, "approved", "may become stale",
                                _pending_note(engine, spec.families, results)))
    return found


def _verdicts(result: StepResult | None) -> dict[str, ReviewVerdict]:
    """The sign-off gate's verdict per review, from its result when known."""
    return {} if result is None else result.typed(SignoffResult).reviews


def _approval(project: Project, review: str, before: dict[str, ReviewVerdict]) -> SignoffRecord | None:
    """The approval a review stood on at the last apply: the record its verdict was `approved` with (this
    version's own, or the earlier version's it carried); without that verdict (not cached), this version's own
    approving record."""
    own = project.signoffs.get(review)
    verdict = before.get(review)
    if verdict is not None:
        if verdict.status != "approved":
            return None
        if verdict.carried_from is not None:
            return next((loaded.record for loaded in project.earlier.get(review, [])
                         if loaded.record.version == verdict.carried_from), None)
    return own.record if own is not None and own.record.decision == "approve" else None


def _pending_note(engine: Engine, families: list[str], results: dict[str, StepResult]) -> str:
    """What a review's sample waits for while it is not known: never an empty list."""
    rebuilt = [family for family in families if ids.family_step(family, ids.PRIVACY) not in results]
    if rebuilt:
        return f"the records of {', '.join(rebuilt)} are rebuilt"
    pending = [family for family in families if qa_step_id(family) not in results]
    if pending:
        return f"only if dedup or split decisions change for {', '.join(pending)}"
    waiting = [dep for dep in engine.spec(ids.SIGNOFF).deps if dep not in results]
    return f"known once {', '.join(waiting)} {'is' if len(waiting) == 1 else 'are'} rebuilt" if waiting else \
        "known once the sign-off gate runs"


def plan(path: Path, root: str | None = None, against: str | None = None, compute_data: bool = False,
         listener: Listener | None = None, compute_budget: int | None = DEFAULT_COMPUTE_BUDGET) -> Plan:
    """What apply would do, and what the definition changes against a baseline (app/baseline.py): the last
    successful apply (release.lock), or `against`: a published release (URI or local prefix, or `published`),
    another release.yaml, or `git:<rev>`."""
    return plan_project(open_project(path, root), against, compute_data, listener, compute_budget)


def plan_project(project: Project, against: str | None = None, compute_data: bool = False,
                 listener: Listener | None = None, compute_budget: int | None = DEFAULT_COMPUTE_BUDGET) -> Plan:
    """`compute_budget`: how many records plan may compute afresh, in scratch (the content store only: nothing in
    the action cache, nothing published, release.lock untouched), to learn the output of the data steps that must
    rerun (Engine.plan_with_results; None: no bound, 0: none is run). `compute_data`: first build into the cache
    every step the plan cannot predict (not Step.predictable: the data steps, rules, QA samples, the release-wide
    steps that read records), publishing nothing and leaving release.lock untouched as `signoff samples` does, so
    the record, token and turn deltas, the sign-offs and the step list are exact, not "known after apply"; the
    apply that follows finds them cached."""
    if compute_data:
        build_targets(project, [spec.id for spec in project.specs if not step_kind(spec.kind).predictable
                                and not step_kind(spec.kind).effect], listener)
        compute_budget = None
    engine = project.engine()
    computed = Computed(compute_budget)
    steps, results = engine.plan_with_results(compute_budget, computed, listener)
    baseline = load_baseline(project, against, engine)
    desired = desired_snapshot(project, engine, results)
    changes = signoff_changes(project, engine, results)
    if baseline is None:  # nothing recorded to compare with (no successful apply since the lock kept snapshots)
        return Plan(project.version, project.release_uri(), project.previous_release(), steps, "", changes,
                    computed=computed.to_json())
    data, stats = data_section(project, steps, results, baseline)
    reviews = version_reviews(project, results) if baseline.snapshot.get("version") != project.version else ""
    changes = diff(baseline.snapshot, desired, reviews) + data + changes
    return Plan(project.version, project.release_uri(), project.previous_release(), steps, baseline.label, changes,
                baseline.data_from, stats, computed.to_json())


def desired_snapshot(project: Project, engine: Engine, results: dict[str, StepResult]) -> dict[str, Any]:
    """What this definition asks for, with what is known of its data: what `plan` compares and `apply` records."""
    return snapshot(project.definition, project.specs, known_records(project, results), source_sizes(project, engine),
                    source_records(project, results, read_snapshot(project.lock_path)),
                    index_digests(project, results))


def version_reviews(project: Project, results: dict[str, StepResult]) -> str:
    """What a new version means for its required reviews: each needs this version's own record, or carries an
    earlier version's approval of the very same sample (known once the sample is built)."""
    required = required_reviews(project.definition)
    if not required:
        return "no review is required"
    samples = review_samples(project.definition, results)
    unsettled = [review for review in required if review not in project.signoffs
                 and carried(samples[review], project.earlier.get(review, [])) is None]
    if not unsettled:
        return "every review has its own record or carries an earlier approval of the same sample"
    maybe = [review for review in unsettled if samples[review] is None and project.earlier.get(review)]
    if maybe:
        return (f"{', '.join(maybe)} carry an earlier approval only if the sample is unchanged (known once built: "
                f"`signoff samples`); {SIGN_AGAIN} otherwise")
    return SIGN_AGAIN if len(unsettled) == len(required) else f"{', '.join(unsettled)} will need sign-off again"


def data_section(project: Project, steps: list[StepPlan], results: dict[str, StepResult], baseline: Baseline
                 ) -> tuple[list[Change], list[SplitStat]]:
    """Per family and split, what the records, tokens and turns do against the baseline, and the --stat lines:
    exact for families this build has computed where the baseline's index is known, counts only where just its
    counts are, "known after apply" for families with a step that will run (a family whose steps only may run,
    after a release-wide step, is most likely unchanged: the step list says so)."""
    old = baseline.snapshot
    out: list[Change] = []
    stats: list[SplitStat] = []
    for family in sorted(set(old["families"]) | set(project.definition.families)):
        new = from_results(family, results, project.env.cas) if family in project.definition.families else EMPTY
        if new is None:
            first = next((step for step in steps if step.id.startswith(f"{family}/") and step.status == "will_run"),
                         None)
            if first is not None and family in old["families"]:  # an added family: its `+` line says it
                out.append(pending_change(family, first.id))
            continue
        if family not in old["families"]:
            before = EMPTY
        elif family in baseline.data:
            before = baseline.data[family]
        elif "records" in old["families"][family]:  # the baseline's index is not at hand: counts only
            before = FamilyData(old["families"][family]["records"], {})
        else:
            continue
        deltas = compare(before, new)
        out += data_changes(family, before, new, deltas)
        if deltas is not None:
            stats += split_stats(family, before.counts, new.counts, deltas)
    return out, stats


def source_sizes(project: Project, engine: Engine) -> dict[str, dict[str, dict[str, Any]]]:
    """Per family, its source files with their sizes and content digests ({bytes, digest}: a same-size edit
    shows), as the engine listed them evaluating the ingest steps (a family whose ingest was not evaluated, e.g.
    after a failed listing, is left out)."""
    return {name: {source.name: {"bytes": source.bytes, "digest": source.digest}
                   for source in engine.listed[ids.family_step(name, ids.INGEST)]}
            for name in sorted(project.definition.families) if ids.family_step(name, ids.INGEST) in engine.listed}


def index_digests(project: Project, results: dict[str, StepResult]) -> dict[str, str]:
    """Per family, the SHA-256 of its provenance index where built: how a published release is recognised as the
    one release.lock describes (app/baseline.py)."""
    return {name: results[ids.family_step(name, ids.PROVENANCE)].files["provenance.jsonl"].sha256
            for name in sorted(project.definition.families) if ids.family_step(name, ids.PROVENANCE) in results}


def source_records(project: Project, results: dict[str, StepResult],
                   recorded_snapshot: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per family, the records each source file gave (as mapped), where its ingest is built: ingest's small
    per-file list, by digest. The last apply's snapshot already holds it when the digest is the same, so a no-op
    (on a clean machine too) fetches nothing for it."""
    recorded = (recorded_snapshot or {}).get("families", {})
    out = {}
    for name in sorted(project.definition.families):
        ingest = results.get(ids.family_step(name, ids.INGEST))
        if ingest is None or SOURCES not in ingest.files:
            continue
        sha256 = ingest.files[SOURCES].sha256
        known = recorded.get(name, {}).get("file_records")
        if known is not None and known.get("digest") == sha256:
            out[name] = known
            continue
        listed = json.loads(project.env.cas.local(sha256).read_bytes())
        out[name] = {"digest": sha256, "records": {entry["name"]: entry["records"] for entry in listed}}
    return out


def known_records(project: Project, results: dict[str, StepResult]) -> dict[str, dict[str, int]]:
    """Per family, its split counts where this build's export is already known (cached)."""
    return {name: results[ids.family_step(name, ids.EXPORT)].typed(ExportResult).counts
            for name in project.definition.families if ids.family_step(name, ids.EXPORT) in results}
