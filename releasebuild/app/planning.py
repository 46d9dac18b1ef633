"""`plan`: what an apply would change against a baseline (the lock, the published release, a git revision), as
data the renderer shows."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from releasebuild.app.project import Project, build_targets, open_project, required_reviews, review_samples
from releasebuild.changes import Change, diff, snapshot, snapshot_of_published
from releasebuild.config.load import load_definition
from releasebuild.data_changes import EMPTY, FamilyData, data_changes, from_published, from_results, pending_change
from releasebuild.engine import Engine, Listener
from releasebuild.errors import ReleaseBuildError, StorageError
from releasebuild.gates import GATES, signed_parts
from releasebuild.gates.signoff import qa_step_id
from releasebuild.graph import build_specs
from releasebuild.lock import read_snapshot
from releasebuild.plan import Plan, StepPlan
from releasebuild.review.judge import stale_reasons
from releasebuild.steps import ids
from releasebuild.steps.base import StepResult
from releasebuild.steps.export import ExportResult
from releasebuild.steps.ingest import SOURCES


def signoff_changes(project: Project, results: dict[str, StepResult]) -> list[Change]:
    """Approvals this change would make stale: for certain when the new samples are known (cached), else `may`
    (the families' samples are rebuilt first; early cutoff may leave them as they were)."""
    found = []
    samples = review_samples(project.definition, results)
    for review, spec in required_reviews(project.definition).items():
        loaded = project.signoffs.get(review)
        if loaded is None or loaded.record.decision != "approve":
            continue
        sample = samples[review]
        if sample is None:
            rebuilt = [family for family in spec.families if ids.family_step(family, ids.PRIVACY) not in results]
            pending = [family for family in spec.families if qa_step_id(family) not in results]
            note = (f"the records of {', '.join(rebuilt)} are rebuilt" if rebuilt else
                    f"only if dedup or split decisions change for {', '.join(pending)}")
            found.append(Change("signoff", "~", review, "approved", "may become stale", note))
        elif sample["digest"] != loaded.record.sample.digest:
            found.append(Change("signoff", "~", review, "approved", "stale",
                                "; ".join(stale_reasons(loaded.record, sample, signed_parts()))))
    return found


def plan(path: Path, root: str | None = None, against: str | None = None, compute_data: bool = False,
         listener: Listener | None = None) -> Plan:
    """What apply would do, and what the definition changes against a baseline: the last apply (release.lock),
    or `against`: a published release (URI or local prefix), another release.yaml, or `git:<rev>`."""
    return plan_project(open_project(path, root), against, compute_data, listener)


def plan_project(project: Project, against: str | None = None, compute_data: bool = False,
                 listener: Listener | None = None) -> Plan:
    """`compute_data`: first build every family's data steps into the cache (nothing published, release.lock
    untouched, as `signoff samples` does) so the record, token and turn deltas are exact, not "known after
    apply"; the apply that follows finds them cached."""
    if compute_data:
        build_targets(project, [spec.id for spec in project.specs if spec.kind in DATA_KINDS], listener)
    engine = project.engine()
    steps, results = engine.plan_with_results()
    recorded = read_snapshot(project.lock_path)
    baseline, old, old_data = load_baseline(project, against, engine, recorded)
    desired = snapshot(project.definition, project.specs, known_records(project, results),
                       source_sizes(project, engine), source_records(project, results, recorded))
    changes = signoff_changes(project, results)
    if old is not None:
        changes = diff(old, desired) + data_section(project, steps, results, old, old_data) + changes
    else:
        baseline = ""  # nothing recorded to compare with (no apply since release.lock began keeping snapshots)
    return Plan(project.version, project.release_uri(), project.previous_release(), steps, baseline, changes)


DATA_KINDS = ("provenance", "export", "stats")  # what the data section reads of a family's results


def data_section(project: Project, steps: list[StepPlan], results: dict[str, StepResult], old: dict[str, Any],
                 old_data: dict[str, FamilyData] | None) -> list[Change]:
    """Per family and split, what the records, tokens and turns do against the baseline: exact for families this
    build has computed, "known after apply" for those with a step that will run (a family whose steps only may
    run, after a release-wide step, is most likely unchanged: the step list says so). A baseline without data (a
    definition) has none."""
    if old_data is None:
        return []
    out = []
    for family in sorted(set(old["families"]) | set(project.definition.families)):
        new = from_results(family, results, project.env.cas) if family in project.definition.families else EMPTY
        if new is None:
            first = next((step for step in steps if step.id.startswith(f"{family}/") and step.status == "will_run"),
                         None)
            if first is not None and family in old["families"]:  # an added family: its `+` line says it
                out.append(pending_change(family, first.id))
            continue
        if family not in old["families"]:
            out += data_changes(family, EMPTY, new)
        elif family in old_data:
            out += data_changes(family, old_data[family], new)
        elif "records" in old["families"][family]:  # the baseline's results left the cache: counts only
            out += data_changes(family, FamilyData(old["families"][family]["records"], {}), new)
    return out


def source_sizes(project: Project, engine: Engine) -> dict[str, dict[str, int]]:
    """Per family, its source files and their sizes, as the engine listed them evaluating the ingest steps
    (a family whose ingest was not evaluated, e.g. after a failed listing, is left out)."""
    return {name: {source.name: source.bytes for source in engine.listed[ids.family_step(name, ids.INGEST)]}
            for name in sorted(project.definition.families) if ids.family_step(name, ids.INGEST) in engine.listed}


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


def load_baseline(project: Project, against: str | None, engine: Engine, recorded: dict[str, Any] | None
                  ) -> tuple[str, dict[str, Any] | None, dict[str, FamilyData] | None]:
    """(what the plan compares with, its snapshot, its families' data where the baseline has data); `recorded`
    is release.lock's snapshot, None when the lock has none yet (and then there is nothing to compare with)."""
    if against is None:
        return ("the last apply (release.lock)", recorded,
                last_applied_data(project, engine) if recorded is not None else None)
    if against.startswith("git:"):
        return against, _snapshot_at_revision(project, against.removeprefix("git:")), None
    if against.endswith((".yaml", ".yml")) and Path(against).is_file():
        definition = load_definition(Path(against), GATES)
        return against, snapshot(definition, build_specs(definition)), None
    if against == PUBLISHED:
        against = _published_baseline(project)
    prefix = against if against.endswith("/") else against + "/"
    documents = {name: project.env.store.read(prefix + name) for name in ("manifest.json", "curriculum.json",
                                                              "gates/summary.json")}
    missing = [name for name, data in documents.items() if data is None]
    if missing:
        raise StorageError(f"--against {against}: not a release.yaml, a git:<rev>, or a published release "
                           f"(missing {', '.join(missing)})")
    manifest, curriculum, summary = (json.loads(data or b"") for data in documents.values())
    distribution = project.env.store.read(prefix + "gates/distribution.json")
    data = from_published(prefix, manifest, json.loads(distribution) if distribution is not None else None,
                          project.env.store)
    return f"{manifest['version']} at {prefix}", snapshot_of_published(manifest, curriculum, summary), data


PUBLISHED = "published"  # --against published: the release at the root this one replaces or follows


def _published_baseline(project: Project) -> str:
    """This version as the root holds it when published already, else the previous release."""
    if project.root.is_published(project.version):
        return project.release_uri()
    if project.previous is None:
        raise StorageError(f"--against {PUBLISHED}: nothing is published at {project.root.uri} below "
                           f"{project.version}")
    return project.previous.uri


def last_applied_data(project: Project, engine: Engine) -> dict[str, FamilyData]:
    """Each family's data as the last apply built it, where those results are still in the cache."""
    previous = {}
    for step_id, record in engine.previous.items():
        if step_id.endswith(tuple(f"/{kind}" for kind in DATA_KINDS)):
            result = engine.cached(record.key, step_id.rsplit("/", 1)[1])  # a data step's id ends with its kind
            if result is not None:
                previous[step_id] = result
    families = {step_id.split("/", 1)[0] for step_id in previous}
    found = {family: from_results(family, previous, project.env.cas) for family in families}
    return {family: data for family, data in found.items() if data is not None}


def _snapshot_at_revision(project: Project, revision: str) -> dict[str, Any]:
    """release.yaml and its includes as they were at a git revision (the data is not needed: only definitions)."""
    base = project.definition.base_dir

    def git(*args: str) -> bytes:
        done = subprocess.run(["git", "-C", str(base), *args], capture_output=True)
        if done.returncode != 0:
            raise ReleaseBuildError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout

    top = Path(git("rev-parse", "--show-toplevel").decode().strip())
    relative = project.definition.path.resolve().relative_to(top.resolve())
    archive = git("archive", "--format=tar", revision)
    with tempfile.TemporaryDirectory(prefix="releasebuild-git-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        definition = load_definition(Path(tmp) / relative, GATES)
        return snapshot(definition, build_specs(definition))
