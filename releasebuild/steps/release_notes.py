"""release_notes.md: what a person approving or consuming the release reads first.

Version, families and counts, what was left out and why, every gate's result, the sign-offs, and the change
from the previous release (its manifest is a source of the step, so publishing a new previous release reruns it).
"""

from __future__ import annotations

import json
from typing import Any

from releasebuild.config.models import SPLITS
from releasebuild.gates.signoff import SignoffResult
from releasebuild.review.pages import STATUS_MARK, findings_markdown
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams
from releasebuild.steps.export import ExportResult
from releasebuild.steps.ingest import IngestResult
from releasebuild.steps.privacy import PrivacyResult
from releasebuild.steps.split import SplitResult, Sticky


class ReleaseNotesParams(StepParams):
    version: str
    families: dict[str, str]  # family -> its stage's name


class ReleaseNotesResult(StepMeta):
    previous: str | None  # the version the notes compare with


class ReleaseNotes(Step):
    kind = "release_notes"
    # 3: sign-offs in the sorted order a cached result gives (engine: results are canonical); 4: failed rubric items
    # and exceptions; 5: approvals carried from an earlier version
    code_version = "5"
    predictable = True  # reads metas and reports, not records (Step.predictable)

    Params = ReleaseNotesParams
    Result = ReleaseNotesResult

    @staticmethod
    def run(ctx: StepContext) -> ReleaseNotesResult:
        params = ctx.typed(ReleaseNotesParams)
        families = {name: _family(ctx, name) for name in params.families}
        with ctx.input_path(ids.GATE_SUMMARY, "summary.json").open("rb") as fh:
            gates = json.load(fh)
        signoff = ctx.inputs[ids.SIGNOFF].typed(SignoffResult)
        previous = None
        if ctx.sources:
            with ctx.store.open(ctx.sources[0].uri) as fh:
                previous = json.load(fh)
        text = render_notes(params.version, families, gates, signoff, previous)
        with ctx.create("release_notes.md", publish="release_notes.md", kind="release_notes") as out:
            out.write(text.encode("utf-8"))
        return ReleaseNotesResult(previous=previous["version"] if previous else None)


def _family(ctx: StepContext, name: str) -> dict[str, Any]:
    counts = ctx.inputs[ids.family_step(name, ids.EXPORT)].typed(ExportResult).counts
    ingest = ctx.inputs[ids.family_step(name, ids.INGEST)].typed(IngestResult)
    privacy = ctx.inputs[ids.family_step(name, ids.PRIVACY)].typed(PrivacyResult)
    split = ctx.inputs[ids.family_step(name, ids.SPLIT)].typed(SplitResult)
    return {"stage": ctx.params["families"][name], "records": {**counts, "total": sum(counts.values())},
            "quarantined": ingest.quarantined, "quarantine_codes": ingest.quarantine_codes,
            "dropped": privacy.status_counts.get("dropped", 0),
            "taken_down": sum(len(entry.removed) for entry in privacy.takedowns),
            "duplicates": split.removed_by_dedup, "split_conflicts": split.split_conflicts,
            "sticky": split.sticky}


def render_notes(version: str, families: dict[str, dict[str, Any]], gates: dict[str, Any],
                 signoff: SignoffResult, previous: dict[str, Any] | None) -> str:
    totals = {split: sum(family["records"][split] for family in families.values()) for split in SPLITS}
    status = f"blocked by {', '.join(gates['blocked_by'])}" if gates["blocked"] else "every blocking gate passed"
    out = [f"# Release {version}", "",
           f"{len(families)} families, {sum(totals.values())} records (" +
           ", ".join(f"{split} {totals[split]}" for split in SPLITS) + f"); {status}.  ",
           f"Previous release: {previous['version'] if previous else 'none (this is the first)'}.", "",
           "## Families", "", "| family | stage | " + " | ".join(SPLITS) + " | total |",
           "|---|---|" + "---|" * (len(SPLITS) + 1)]
    for name, family in families.items():
        out.append(f"| {name} | {family['stage']} | " + " | ".join(str(family["records"][s]) for s in SPLITS) +
                   f" | {family['records']['total']} |")
    out += ["", "## Known exclusions", "", "Records that did not ship, by reason (each is listed in the report named).",
            "", "| family | quarantined | dropped for privacy | taken down | duplicates removed | split conflicts |",
            "|---|---|---|---|---|---|"]
    for name, family in families.items():
        codes = ", ".join(f"{code} {n}" for code, n in family["quarantine_codes"].items())
        out.append(f"| {name} | {family['quarantined']}{f' ({codes})' if codes else ''} | {family['dropped']} | "
                   f"{family['taken_down']} | {family['duplicates']} | {family['split_conflicts']} |")
    out += ["", "Reports: `quarantine/<family>.jsonl`, `privacy/<family>.jsonl`, `gates/dedup.json`, "
            "manifest `takedowns`.", "", "## Gates", "", "| gate | result | blocking | why |", "|---|---|---|---|"]
    for gate in gates["gates"]:
        out.append(f"| {gate['id']} | {gate['status']} | {'yes' if gate['blocking'] else 'no'} | "
                   f"{_cell(gate.get('why') or '')} |")
    out += ["", "## Sign-offs", ""]
    if not signoff.reviews:
        out.append("No human review is required for this release.")
    else:
        out += ["| review | status | reviewer | decision | sign-off id |", "|---|---|---|---|---|"]
        for review, verdict in signoff.reviews.items():
            reviewer = f"{verdict.reviewer} ({verdict.role})" if verdict.reviewer else "-"
            demo = " (demo)" if verdict.demo else ""
            carried = f" (carried from {verdict.carried_from})" if verdict.carried_from else ""
            out.append(f"| {review} | {STATUS_MARK.get(verdict.status, '')} {verdict.status}{carried} | "
                       f"{reviewer}{demo} | {verdict.decision or '-'} | {verdict.id or '-'} |")
        out += findings_markdown([{"review": review, **verdict.model_dump(mode="json")}
                                  for review, verdict in signoff.reviews.items()])
    out += ["", *_changes(families, gates, signoff, previous)]
    return "\n".join(out) + "\n"


def _changes(families: dict[str, dict[str, Any]], gates: dict[str, Any], signoff: SignoffResult,
             previous: dict[str, Any] | None) -> list[str]:
    if previous is None:
        return ["## Changes", "", "First release: nothing to compare with."]
    out = [f"## Changes since {previous['version']}", ""]
    before = previous.get("families", {})
    added, removed = sorted(set(families) - set(before)), sorted(set(before) - set(families))
    if added:
        out.append(f"- families added: {', '.join(added)}")
    if removed:
        out.append(f"- families removed: {', '.join(removed)}")
    out += ["", "| family | " + " | ".join(SPLITS) + " | total | new records | gone | moved split |",
            "|---|" + "---|" * (len(SPLITS) + 4)]
    for name in sorted(set(families) | set(before)):
        now = families.get(name, {}).get("records", {})
        then = before.get(name, {}).get("records", {})
        cells = [_delta(then.get(split, 0), now.get(split, 0)) for split in [*SPLITS, "total"]]
        sticky: Sticky | None = families[name]["sticky"] if name in families else None
        if sticky and sticky.previous == previous["version"]:
            gone = then.get("total", 0) - sticky.kept - sticky.moved
            cells += [str(sticky.new), str(gone), str(sticky.moved)]
        else:
            cells += ["-", "-", "-"]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    results = previous.get("gates", {}).get("results", {})
    moved = [f"{gate['id']} {results.get(gate['id'], 'absent')} -> {gate['status']}" for gate in gates["gates"]
             if results.get(gate["id"]) != gate["status"]]
    out += ["", f"Gate results changed: {', '.join(moved)}." if moved else "Gate results: unchanged."]
    old_ids = set(previous.get("signoffs", {}).get("ids", []))
    new_ids = set(signoff.ids)
    if old_ids != new_ids:
        out.append(f"Sign-offs: {len(new_ids - old_ids)} new, {len(old_ids - new_ids)} no longer apply.")
    return out


def _cell(text: str) -> str:
    """Free text inside a markdown table cell: one line, no column breaks."""
    return " ".join(text.split()).replace("|", "\\|")


def _delta(before: int, now: int) -> str:
    return f"{now}" if before == now else f"{now} ({now - before:+d})"
