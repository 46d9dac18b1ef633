"""validate / graph / plan / apply as functions returning values; the CLI only parses, calls and renders."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from releasebuild import determinism
from releasebuild.changes import Change, diff, snapshot, snapshot_of_published
from releasebuild.config.load import Definition, load_definition
from releasebuild.data_changes import EMPTY, FamilyData, data_changes, from_published, from_results, pending_change
from releasebuild.engine import ApplyOutcome, Engine, Listener, RunEnv
from releasebuild.errors import Refused, ReleaseBuildError, StorageError
from releasebuild.fingerprints import source_files
from releasebuild.gates import GATES
from releasebuild.gates.bias import BIAS_STEP, bound_review
from releasebuild.gates.signoff import SignoffGateConfig, qa_step_id
from releasebuild.graph import build_specs, to_graph
from releasebuild.lock import read_records, read_snapshot, write_records
from releasebuild.plan import Plan, StepPlan
from releasebuild.processes import alive
from releasebuild.review.judge import review_sample, stale_reasons
from releasebuild.review.load import LoadedSignoff, load_signoffs
from releasebuild.review.sampling import METHOD
from releasebuild.steps.base import StepResult, StepSpec
from releasebuild.steps.ingest import SOURCES
from releasebuild.steps.registry import step_kind
from releasebuild.store import s3
from releasebuild.store.cas import SharedCache
from releasebuild.store.io import is_local, read_bytes
from releasebuild.store.previous import PreviousRelease, find_previous
from releasebuild.store.root import RESTRICTED, ReleaseRoot

if TYPE_CHECKING:
    from releasebuild.store.root_lock import Holder

ROOT_ENV = "RELEASEBUILD_ROOT"
STATE_DIR = ".releasebuild"


@dataclass
class Project:
    """A loaded definition bound to a root and a cache: everything a command needs."""

    definition: Definition
    root: ReleaseRoot
    env: RunEnv
    specs: list[StepSpec]
    previous: PreviousRelease | None = None
    signoffs: dict[str, LoadedSignoff] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return self.definition.release.version

    @property
    def state_dir(self) -> Path:
        return self.definition.base_dir / STATE_DIR

    @property
    def lock_path(self) -> Path:
        return self.definition.base_dir / "release.lock"

    @property
    def state_path(self) -> Path:
        return self.state_dir / "state.json"

    def release_uri(self) -> str:
        return self.root.release_uri(self.version)

    def previous_release(self) -> str | None:
        """`previous:` when set, else the highest published version below this one under the same root."""
        return self.previous.version if self.previous else None

    def engine(self) -> Engine:
        return Engine(self.specs, self.env, read_records(self.lock_path, self.state_path))


def resolve_root(definition: Definition, override: str | None) -> str:
    """--root (relative to the working directory), then $RELEASEBUILD_ROOT, then release.yaml's root. URIs pass
    through unchanged; a relative root is under release.yaml's directory, or under s3://$OVH_S3_BUCKET/ when
    DATASET_STORAGE_BACKEND=s3."""
    chosen = override or os.environ.get(ROOT_ENV)
    if chosen:
        return chosen if "://" in chosen else str(Path(chosen).absolute())
    root = definition.release.root.uri
    if "://" in root or os.path.isabs(root):
        return root
    if s3.backend() == "s3":
        bucket = s3.S3Settings.from_env().bucket
        if not bucket:
            raise StorageError(f"{s3.BACKEND_ENV}=s3 needs {s3.BUCKET_ENV} (the bucket that holds root '{root}')")
        return f"s3://{bucket}/{root.strip('/')}"
    return str(definition.base_dir / root)


def shared_cache(definition: Definition, root_uri: str) -> SharedCache | None:
    """The shared cache's tiers. With a remote root: <root>/cache, and <root>/restricted/cache for what restricted
    steps make, beside the releases' restricted files so that one access policy on <root>/restricted/ guards both.
    With `remote_cache:` a URI: that URI, and <uri>/restricted."""
    setting = definition.release.remote_cache
    if isinstance(setting, str):
        uri = setting.rstrip("/")
        return SharedCache(uri, f"{uri}/{RESTRICTED}")
    if not setting or is_local(root_uri):
        return None
    root = root_uri.rstrip("/")
    return SharedCache(f"{root}/cache", f"{root}/{RESTRICTED}/cache")


def open_project(path: Path, root: str | None = None, check_signoffs: bool = True) -> Project:
    """`check_signoffs` False: sign-off files are not read (recording one must work even when the old one is bad)."""
    definition = load_definition(path, GATES)
    signoffs = load_signoffs(definition.base_dir, definition.release.version,
                             required_reviews(definition)) if check_signoffs else {}
    base = definition.base_dir
    cache_dir = base / (definition.release.cache or f"{STATE_DIR}/cache")  # an absolute cache path wins
    root_uri = resolve_root(definition, root)
    release_root = ReleaseRoot(root_uri, protected=definition.release.root.protected)
    env = RunEnv(cache_dir=cache_dir, root=release_root, blocked_dir=base / STATE_DIR / "blocked",
                 shared_cache=shared_cache(definition, root_uri))
    previous = find_previous(release_root, definition.release.version, definition.release.previous)
    specs = build_specs(definition, previous, release_root.protected)
    return Project(definition, release_root, env, specs, previous, signoffs)


def required_reviews(definition: Definition) -> dict[str, dict[str, Any]]:
    """Each review this release requires, as the signoff gate sees it (title, roles, families, size, rubric)."""
    gate = definition.gates["signoff"]
    assert isinstance(gate, SignoffGateConfig)
    stages = {name: family.config.stage for name, family in definition.families.items()}
    required = gate.required(definition.release.signoffs.required)
    bias_review = bound_review(definition.gates.get("bias"), required)
    return {review: gate.review_spec(review, stages, bias_review) for review in required}


def review_samples(definition: Definition, results: dict[str, StepResult]) -> dict[str, dict[str, Any] | None]:
    """Each required review's sample from the QA steps' results at hand; None where one of them is missing."""
    gate = definition.gates["signoff"]
    assert isinstance(gate, SignoffGateConfig)
    sampling = {"seed": gate.seed, "method": METHOD, "stratify_by": list(gate.stratify_by)}
    samples: dict[str, dict[str, Any] | None] = {}
    for review, spec in required_reviews(definition).items():
        steps = [qa_step_id(family) for family in spec["families"]]
        qa = {family: results[step].meta for family, step in zip(spec["families"], steps, strict=True)
              if step in results}
        sections = results[BIAS_STEP].meta["sections"] if BIAS_STEP in results else None
        known = len(qa) == len(steps) and (sections is not None or not spec["bias_report"])
        samples[review] = review_sample(review, spec["families"], qa, sampling,
                                        sections if spec["bias_report"] else None) if known else None
    return samples


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
            rebuilt = [family for family in spec["families"] if f"{family}/privacy" not in results]
            pending = [family for family in spec["families"] if qa_step_id(family) not in results]
            note = (f"the records of {', '.join(rebuilt)} are rebuilt" if rebuilt else
                    f"only if dedup or split decisions change for {', '.join(pending)}")
            found.append(Change("signoff", "~", review, "approved", "may become stale", note))
        elif sample["digest"] != loaded.record.sample.digest:
            found.append(Change("signoff", "~", review, "approved", "stale",
                                "; ".join(stale_reasons(loaded.record, sample))))
    return found


def validate(path: Path) -> Definition:
    definition = load_definition(path, GATES)
    load_signoffs(definition.base_dir, definition.release.version, required_reviews(definition))
    return definition


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
    return {name: {source.name: source.bytes for source in engine.listed[f"{name}/ingest"]}
            for name in sorted(project.definition.families) if f"{name}/ingest" in engine.listed}


def source_records(project: Project, results: dict[str, StepResult],
                   recorded_snapshot: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per family, the records each source file gave (as mapped), where its ingest is built: ingest's small
    per-file list, by digest. The last apply's snapshot already holds it when the digest is the same, so a no-op
    (on a clean machine too) fetches nothing for it."""
    recorded = (recorded_snapshot or {}).get("families", {})
    out = {}
    for name in sorted(project.definition.families):
        ingest = results.get(f"{name}/ingest")
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


SAVED_PLAN = "releasebuild-plan"


def plan_inputs(project: Project) -> dict[str, Any]:
    """Everything a saved plan was made from: definition files, sign-off records and every step's source files,
    by digest (listings and cached fingerprints: no data read for files already fingerprinted)."""
    sources = {}
    for spec in project.specs:
        if spec.sources:
            found = source_files(spec, project.env.fingerprints)
            sources[spec.id] = {source.name: source.digest for source in found}
    project.env.fingerprints.save()
    return {"code": {spec.kind: step_kind(spec.kind).code_version for spec in project.specs},
            "files": dict(project.definition.files),
            "signoffs": {loaded.file: loaded.record.id for loaded in project.signoffs.values()},
            "sources": sources}


def save_plan(path: Path, root: str | None, against: str | None, out: Path, compute_data: bool = False,
              listener: Listener | None = None) -> Plan:
    """`plan -out FILE`: the plan and the digests of what it was made from, for `apply FILE`."""
    project = open_project(path, root)
    result = plan_project(project, against, compute_data, listener)
    document = {SAVED_PLAN: 1, "definition": str(project.definition.path), "root": project.root.uri,
                "inputs": plan_inputs(project), "plan": result.to_json()}
    out.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return result


def read_saved_plan(path: Path) -> dict[str, Any] | None:
    """The saved plan in `path`, or None when the file is a release definition."""
    try:
        document = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        return None
    return document if isinstance(document, dict) and SAVED_PLAN in document else None


def check_drift(saved: dict[str, Any]) -> Path:
    """Refuse (naming what moved) when a definition file, a sign-off or a source changed since the plan."""
    definition = Path(saved["definition"])
    project = open_project(definition, saved["root"])
    now, then = plan_inputs(project), saved["inputs"]
    drift = [f"{name} (definition)" for name in sorted(set(now["files"]) | set(then["files"]))
             if now["files"].get(name) != then["files"].get(name)]
    drift += [f"step kind {kind} (code version {then['code'].get(kind)} -> {now['code'].get(kind)})"
              for kind in sorted(set(now["code"]) | set(then["code"]))
              if now["code"].get(kind) != then["code"].get(kind)]
    drift += [f"{name} (sign-off)" for name in sorted(set(now["signoffs"]) | set(then["signoffs"]))
              if now["signoffs"].get(name) != then["signoffs"].get(name)]
    for step in sorted(set(now["sources"]) | set(then["sources"])):
        before, after = then["sources"].get(step, {}), now["sources"].get(step, {})
        drift += [f"{name} (source of {step})" for name in sorted(set(before) | set(after))
                  if before.get(name) != after.get(name)]
    if drift:
        shown = ", ".join(drift[:10]) + (f" and {len(drift) - 10} more" if len(drift) > 10 else "")
        raise Refused(f"the saved plan no longer describes this tree: changed since it was made: {shown}; "
                      "make a new plan")
    return definition


def known_records(project: Project, results: dict[str, StepResult]) -> dict[str, dict[str, int]]:
    """Per family, its split counts where this build's export is already known (cached)."""
    return {name: results[f"{name}/export"].meta["counts"] for name in project.definition.families
            if f"{name}/export" in results}


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
    documents = {name: read_bytes(prefix + name) for name in ("manifest.json", "curriculum.json",
                                                              "gates/summary.json")}
    missing = [name for name, data in documents.items() if data is None]
    if missing:
        raise StorageError(f"--against {against}: not a release.yaml, a git:<rev>, or a published release "
                           f"(missing {', '.join(missing)})")
    manifest, curriculum, summary = (json.loads(data or b"") for data in documents.values())
    distribution = read_bytes(prefix + "gates/distribution.json")
    data = from_published(prefix, manifest, json.loads(distribution) if distribution is not None else None)
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


def coverage(path: Path, root: str | None = None) -> dict[str, Any]:
    """The coverage matrix now, without running anything: objects and bytes from listings, records from the
    family's cached ingest when its sources are unchanged (else null until it is ingested)."""
    from releasebuild.fingerprints import source_evidence
    from releasebuild.gates.coverage import family_row, matrix

    project = open_project(path, root)
    engine = project.engine()
    required = {name: spec.min_records for name, spec in project.definition.release.coverage.required.items()}
    rules = engine.known_results(("rule",))  # rules already built: their outputs are a family's objects
    rows = []
    for name in sorted(project.definition.families):
        spec = engine.spec(f"{name}/ingest")
        sources, unmatched, pending = source_evidence(spec, rules)
        records = None
        if sources and not unmatched and not pending:
            cached = engine.evaluate(spec, rules).result
            if cached is not None:  # the sources are unchanged since the family was ingested: counts are exact
                records = cached.meta["records"]
        rows.append(family_row(name, required.get(name), sources, records, unmatched, pending))
    project.env.fingerprints.save()
    report = matrix(required, rows)
    return {"version": project.version, "release_uri": project.release_uri(), **report}


@dataclass
class ApplyReport:
    version: str
    release_uri: str
    previous_release: str | None
    outcome: ApplyOutcome

    def to_json(self) -> dict[str, Any]:
        manifest = self.outcome.results.get("release/manifest")
        published = self.outcome.error is None
        return {
            "format_version": 1,
            "version": self.version,
            "release_uri": self.release_uri,
            "published": published,
            "previous_release": self.previous_release,
            "root_digest": manifest.meta["root_digest"] if manifest else None,
            "error": str(self.outcome.error) if self.outcome.error else None,
            "summary": {status: sum(1 for s in self.outcome.steps if s.status == status)
                        for status in ("ran", "cached", "skipped", "failed")},
            "steps": [step.to_json() for step in self.outcome.steps],
        }


def apply(path: Path, root: str | None = None, listener: Listener | None = None,
          jobs: int | None = None, wait_seconds: float = 0.0) -> ApplyReport:
    """Run what is stale and publish. Errors are in the report (`outcome.error`), not raised, so callers can render.

    One apply per checkout (a local lock file) and, for a remote root, one per root (a lock object there);
    `wait_seconds` bounds how long to wait for another holder of the root before refusing."""
    project = open_project(path, root)
    with _apply_lock(project.state_dir), _root_lock(project.root, wait_seconds):
        engine = project.engine()
        outcome = engine.apply(listener, jobs)
        desired = snapshot(project.definition, project.specs, known_records(project, outcome.results),
                           source_sizes(project, engine),
                           source_records(project, outcome.results, read_snapshot(project.lock_path)))
        write_records(project.lock_path, project.state_path, project.version, list(project.definition.families),
                      list(project.definition.rules), outcome.records, engine.previous, desired)
    return ApplyReport(project.version, project.release_uri(), project.previous_release(), outcome)


def check_determinism(path: Path, root: str | None = None,
                      sample: int = determinism.DEFAULT_SAMPLE) -> determinism.DeterminismReport:
    """`apply --check-determinism`: rerun a sample of cached rules and compare their outputs (publishes nothing)."""
    project = open_project(path, root)
    with _apply_lock(project.state_dir):
        return determinism.check_determinism(project.engine(), project.version, sample)


def with_ancestors(specs: list[StepSpec], targets: list[str]) -> list[StepSpec]:
    """The steps `targets` need, in their original order: a partial build runs only these."""
    by_id = {spec.id: spec for spec in specs}
    needed: set[str] = set()
    stack = list(targets)
    while stack:
        step_id = stack.pop()
        if step_id not in needed:
            needed.add(step_id)
            stack.extend(by_id[step_id].deps)
    return [spec for spec in specs if spec.id in needed]


def build_targets(project: Project, targets: list[str],
                  listener: Listener | None = None) -> dict[str, StepResult]:
    """Run only what `targets` need (e.g. the QA samples, for reviewers) and return every result; publishes
    nothing and leaves release.lock alone (the action cache remembers the work for the next apply)."""
    with _apply_lock(project.state_dir):
        engine = Engine(with_ancestors(project.specs, targets), project.env,
                        read_records(project.lock_path, project.state_path))
        outcome = engine.apply(listener)
    if outcome.error is not None:
        raise outcome.error
    return outcome.results


def unlock(path: Path, root: str | None = None) -> tuple[str, Holder | None]:
    """Break the root's apply lock; returns the root and who held it (None when nobody did)."""
    from releasebuild.store import root_lock

    project = open_project(path, root)
    return project.root.uri, root_lock.unlock(project.root.uri)


def graph(path: Path) -> Any:
    """The networkx DiGraph of the release's steps (node attribute `spec`)."""
    return to_graph(build_specs(load_definition(path, GATES)))


@contextmanager
def _root_lock(root: ReleaseRoot, wait_seconds: float) -> Iterator[None]:
    """Local roots belong to one machine, which the checkout lock serializes; remote roots are shared."""
    if root.local:
        yield
        return
    from releasebuild.store import root_lock  # only remote roots pay for its imports

    with root_lock.holding(root.uri, wait_seconds):
        yield


@contextmanager
def _apply_lock(state_dir: Path) -> Iterator[None]:
    """One apply per checkout at a time; a lock left by a dead process is taken over."""
    state_dir.mkdir(parents=True, exist_ok=True)
    lock = state_dir / "apply.lock"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            holder = _lock_holder(lock)
            if holder is not None and alive(holder):
                raise Refused(f"another apply (pid {holder}) holds {lock}; wait for it or remove the file "
                              "if that process is gone") from None
            lock.unlink(missing_ok=True)
    else:
        raise Refused(f"could not take {lock}")
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


def _lock_holder(lock: Path) -> int | None:
    try:
        return int(lock.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
