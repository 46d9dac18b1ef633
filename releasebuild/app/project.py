"""A project: a release definition opened against its root, with its state, specs and sign-offs; and the
jobs that need no more than that (validate, build some targets, the graph)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from releasebuild.config.load import Definition, load_definition
from releasebuild.engine import Engine, Listener, RunEnv
from releasebuild.errors import Refused, StorageError
from releasebuild.gates import GATES, signed_parts, signings
from releasebuild.gates.signoff import SignoffGateConfig, review_sample_of
from releasebuild.graph import build_specs, to_graph
from releasebuild.lock import read_records
from releasebuild.review.load import LoadedSignoff, load_earlier, load_signoffs
from releasebuild.review.spec import ReviewSpec
from releasebuild.steps.base import StepResult, StepSpec
from releasebuild.store import s3
from releasebuild.store.backends import is_local
from releasebuild.store.cas import SharedCache
from releasebuild.store.io import default as default_stores
from releasebuild.store.previous import PreviousRelease, find_previous
from releasebuild.store.root import RESTRICTED, ReleaseRoot

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
    # per review without a record of this version: earlier versions' records it may carry, newest first
    earlier: dict[str, list[LoadedSignoff]] = field(default_factory=dict)

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
    reviews, parts = required_reviews(definition), signings(definition.gates)
    signoffs = load_signoffs(definition.base_dir, definition.release.version, reviews, parts) \
        if check_signoffs else {}
    earlier = load_earlier(definition.base_dir, definition.release.version,
                           {review: spec for review, spec in reviews.items() if review not in signoffs}, parts) \
        if check_signoffs else {}
    base = definition.base_dir
    cache_dir = base / (definition.release.cache or f"{STATE_DIR}/cache")  # an absolute cache path wins
    root_uri = resolve_root(definition, root)
    release_root = ReleaseRoot(root_uri, protected=definition.release.root.protected, store=default_stores())
    env = RunEnv(cache_dir=cache_dir, root=release_root, blocked_dir=base / STATE_DIR / "blocked",
                 shared_cache=shared_cache(definition, root_uri))
    previous = find_previous(release_root, definition.release.version, definition.release.previous)
    specs = build_specs(definition, previous, release_root.protected)
    return Project(definition, release_root, env, specs, previous, signoffs, earlier)


def required_reviews(definition: Definition) -> dict[str, ReviewSpec]:
    """Each review this release requires, as the signoff gate sees it (title, roles, families, size, rubric, and
    which parts of the gates' reports it signs)."""
    gate = definition.gates["signoff"]
    assert isinstance(gate, SignoffGateConfig)
    stages = {name: family.config.stage for name, family in definition.families.items()}
    return gate.review_specs(definition.release.signoffs.required, stages, signings(definition.gates))


def signer_files(definition: Definition) -> dict[str, str]:
    """The signoff gate's allowed_signers and revoked_signers, relative to release.yaml."""
    gate = definition.gates["signoff"]
    assert isinstance(gate, SignoffGateConfig)
    return gate.signer_files()


def review_samples(definition: Definition, results: dict[str, StepResult]) -> dict[str, dict[str, Any] | None]:
    """Each required review's sample from the results at hand; None where one it needs is missing."""
    gate = definition.gates["signoff"]
    assert isinstance(gate, SignoffGateConfig)
    parts = signed_parts()
    return {review: review_sample_of(review, spec, results, gate.sampling(), parts)
            for review, spec in required_reviews(definition).items()}


def validate(path: Path) -> Definition:
    definition = load_definition(path, GATES)
    load_signoffs(definition.base_dir, definition.release.version, required_reviews(definition),
                  signings(definition.gates))
    return definition


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
    with apply_lock(project.state_dir):
        engine = Engine(with_ancestors(project.specs, targets), project.env,
                        read_records(project.lock_path, project.state_path))
        outcome = engine.apply(listener)
    if outcome.error is not None:
        raise outcome.error
    return outcome.results


def graph(path: Path) -> Any:
    """The networkx DiGraph of the release's steps (node attribute `spec`)."""
    return to_graph(build_specs(load_definition(path, GATES)))


@contextmanager
def apply_lock(state_dir: Path) -> Iterator[None]:
    """One apply per checkout at a time: a kernel lock (flock) on .releasebuild/apply.lock, dropped by the kernel
    when its holder exits, so a dead holder's lock is never taken over, and never by two (store/root_lock.py)."""
    from releasebuild.store import root_lock

    lock = state_dir / "apply.lock"
    fd = root_lock.take_file_lock(str(lock))
    if fd is None:
        holder = lock_holder(lock)
        raise Refused(f"another apply (pid {holder if holder is not None else 'unknown'}) holds {lock}; wait for "
                      "it: the lock is released when that process exits")
    try:
        root_lock.write_file_lock_note(fd, str(os.getpid()).encode())
        yield
    finally:
        root_lock.release_file_lock(fd)


def lock_holder(lock: Path) -> int | None:
    """The pid holding the checkout's apply lock, None when nobody does."""
    from releasebuild.store import root_lock

    try:
        return int((root_lock.file_lock_note(str(lock)) or b"").strip())
    except ValueError:
        return None
