"""What `plan` compares with: one model for every `--against` form.

A baseline is a definition snapshot (changes.snapshot: the definition, and where known each family's listed source
files, the records each gave and its split counts) plus each family's provenance index where one can be read. The
plan's data section is computed from it the same way whatever the baseline is; only where its data comes from
differs, and the baseline says which (`data_from`):

- the last successful apply (default): release.lock's snapshot and, through its step records, the provenance
  indexes still in the cache;
- a published release (a prefix, or `published`): its manifest, curriculum and gate summary, and its provenance
  indexes; the source files as release.lock lists them when the lock describes that very release (each family's
  provenance index digest agrees), else each file's content digest as the index names it (sizes unknown);
- `git:<rev>`: that revision's committed release.lock where its snapshot matches that revision's definition (then
  the same as the default at that revision), else that revision's sources, listed;
- another release.yaml: its definition and its sources, listed.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from releasebuild.app.project import Project
from releasebuild.changes import diff, snapshot, snapshot_of_published
from releasebuild.config.load import Definition, load_definition
from releasebuild.data_changes import FamilyData, from_published, from_results, source_digests
from releasebuild.engine import Engine
from releasebuild.errors import ReleaseBuildError, StorageError
from releasebuild.fingerprints import FingerprintCache, source_files
from releasebuild.gates import GATES
from releasebuild.graph import build_specs
from releasebuild.lock import parse_lock, read_snapshot, records_of
from releasebuild.plan import StepRecord
from releasebuild.steps import ids

DATA_KINDS = ("provenance", "export", "stats")  # what the data section reads of a family's results
PUBLISHED = "published"  # --against published: the release at the root this one replaces or follows
LAST_APPLY = "the last publish (release.lock)"


@dataclass(frozen=True)
class Baseline:
    """What a plan compares with: `label` names it, `snapshot` is its definition and data as changes.snapshot
    makes them, `data` each family's shipped records where its provenance index is known (else {}), and
    `data_from` says where the source files, counts and indexes came from."""

    label: str
    snapshot: dict[str, Any]
    data: dict[str, FamilyData]
    data_from: str


def load_baseline(project: Project, against: str | None, engine: Engine) -> Baseline | None:
    """The baseline `against` names (None: the last successful apply; None back when release.lock has no
    snapshot yet, and then there is nothing to compare with)."""
    if against is None:
        recorded = read_snapshot(project.lock_path)
        if recorded is None:
            return None
        return Baseline(LAST_APPLY, recorded, indexes_of(project, engine, engine.previous),
                        "release.lock's snapshot; record deltas from the provenance indexes it names, while cached")
    if against.startswith("git:"):
        return _at_revision(project, engine, against.removeprefix("git:"))
    if against.endswith((".yaml", ".yml")) and Path(against).is_file():
        definition = load_definition(Path(against), GATES)
        return Baseline(against, snapshot(definition, build_specs(definition), files=listed_sources(definition)),
                        {}, "its definition and its sources, listed (no record counts: it was not built)")
    return _published(project, _published_prefix(project) if against == PUBLISHED else against)


def indexes_of(project: Project, engine: Engine, records: dict[str, StepRecord]) -> dict[str, FamilyData]:
    """Each family's data as the step records name it (the last apply's, or a revision's lock), where those
    results are still in the cache."""
    found: dict[str, Any] = {}
    for step_id, record in records.items():
        if step_id.endswith(tuple(f"/{kind}" for kind in DATA_KINDS)):
            result = engine.cached(record.key, step_id.rsplit("/", 1)[1])  # a data step's id ends with its kind
            if result is not None:
                found[step_id] = result
    families = {step_id.split("/", 1)[0] for step_id in found}
    data = {family: from_results(family, found, project.env.cas) for family in families}
    return {family: value for family, value in data.items() if value is not None}


def listed_sources(definition: Definition) -> dict[str, dict[str, dict[str, Any]]]:
    """Per family, its source files as a listing finds them now: {name: {bytes, digest}} (content digests, hashed
    afresh in a throwaway fingerprint cache; a rule's outputs are known only once it runs, so they are left out)."""
    from releasebuild.store.io import default

    out: dict[str, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="releasebuild-listing-") as tmp:
        cache = FingerprintCache(Path(tmp) / "fingerprints.json", default())
        for spec in build_specs(definition):
            if spec.kind == ids.INGEST and spec.family is not None:
                out[spec.family] = {source.name: {"bytes": source.bytes, "digest": source.digest}
                                    for source in source_files(spec, cache)}
    return out


def _published_prefix(project: Project) -> str:
    """This version as the root holds it when published already, else the previous release."""
    if project.root.is_published(project.version):
        return project.release_uri()
    if project.previous is None:
        raise StorageError(f"--against {PUBLISHED}: nothing is published at {project.root.uri} below "
                           f"{project.version}")
    return project.previous.uri


def _published(project: Project, against: str) -> Baseline:
    prefix = against if against.endswith("/") else against + "/"
    store = project.env.store
    documents = {name: store.read(prefix + name) for name in ("manifest.json", "curriculum.json",
                                                                "gates/summary.json")}
    missing = [name for name, data in documents.items() if data is None]
    if missing:
        raise StorageError(f"--against {against}: not a release.yaml, a git:<rev>, or a published release "
                           f"(missing {', '.join(missing)})")
    manifest, curriculum, summary = (json.loads(data or b"") for data in documents.values())
    distribution = store.read(prefix + "gates/distribution.json")
    data = from_published(prefix, manifest, json.loads(distribution) if distribution is not None else None, store)
    published = snapshot_of_published(manifest, curriculum, summary)
    recorded = (read_snapshot(project.lock_path) or {}).get("families", {})
    from_lock, from_index = [], []
    for name, family in published["families"].items():
        known = recorded.get(name, {})
        if known.get("index") is not None and known.get("index") == data[name].index_digest:
            family.update({key: known[key] for key in ("files", "file_records") if key in known})
            from_lock.append(name)
        elif data[name].index is not None:
            family["files"] = {source: {"bytes": None, "digest": value}
                               for source, value in source_digests(data[name]).items()}
            from_index.append(name)
    which = "" if not from_index else f" of {', '.join(from_lock)}"
    parts = [f"source files{which} from release.lock (it records this very release)"] if from_lock else []
    if from_index:
        parts.append(f"source files of {', '.join(from_index)} by content digest from the provenance indexes "
                     "(sizes not recorded)")
    return Baseline(f"{manifest['version']} at {prefix}", published, data,
                    "; ".join(["the published manifest and provenance indexes", *parts]))


def _at_revision(project: Project, engine: Engine, revision: str) -> Baseline:
    """release.yaml and its includes as they were at a git revision, with that revision's committed release.lock
    where it describes that definition, else with that revision's sources listed."""
    label = f"git:{revision}"
    with _checkout(project, revision) as (definition, lock_path):
        desired = snapshot(definition, build_specs(definition))
        try:
            lock = parse_lock(json.loads(lock_path.read_bytes()), f"{label}:release.lock")
        except FileNotFoundError:
            lock = {}
        recorded = lock.get("definition")
        if recorded is not None and not diff(recorded, desired):
            return Baseline(label, recorded, indexes_of(project, engine, records_of(lock)),
                            f"the release.lock committed at {revision} (it matches that revision's definition)")
        why = "it has no release.lock" if recorded is None else "its release.lock does not match its definition"
        return Baseline(label, snapshot(definition, build_specs(definition), files=listed_sources(definition)), {},
                        f"{revision}'s sources, listed ({why}: no record counts)")


@contextmanager
def _checkout(project: Project, revision: str) -> Iterator[tuple[Definition, Path]]:
    """The tree at `revision` (`git archive`, in a temporary directory): its release definition, loaded, and
    where its release.lock would be."""
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
        path = Path(tmp) / relative
        yield load_definition(path, GATES), path.parent / project.lock_path.name
