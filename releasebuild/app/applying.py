"""`apply`: run what is stale and publish, one apply per checkout and per root; and what guards it (locks,
the determinism check)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from releasebuild import determinism
from releasebuild.app.project import apply_lock, open_project
from releasebuild.engine import ApplyOutcome, Listener
from releasebuild.errors import GateBlocked, ReleaseBuildError
from releasebuild.lock import record_attempt, write_published
from releasebuild.steps import ids
from releasebuild.steps.manifest import ManifestResult
from releasebuild.steps.release_lock import FILE as LOCK_FILE
from releasebuild.store.root import ReleaseRoot

if TYPE_CHECKING:
    from releasebuild.store.root_lock import Holder


@dataclass
class ApplyReport:
    version: str
    release_uri: str
    previous_release: str | None
    outcome: ApplyOutcome

    def to_json(self) -> dict[str, Any]:
        manifest = self.outcome.results.get(ids.MANIFEST)
        published = self.outcome.error is None
        return {
            "format_version": 1,
            "version": self.version,
            "release_uri": self.release_uri,
            "published": published,
            "previous_release": self.previous_release,
            "root_digest": manifest.typed(ManifestResult).root_digest if manifest else None,
            "error": str(self.outcome.error) if self.outcome.error else None,
            "summary": {status: sum(1 for s in self.outcome.steps if s.status == status)
                        for status in ("ran", "cached", "skipped", "failed")},
            "steps": [step.to_json() for step in self.outcome.steps],
        }


def apply(path: Path, root: str | None = None, listener: Listener | None = None,
          jobs: int | None = None, wait_seconds: float = 0.0) -> ApplyReport:
    """Run what is stale and publish. Errors are in the report (`outcome.error`), not raised, so callers can render.

    One apply per checkout (a local lock file) and, for a remote root, one per root (a lock object there);
    `wait_seconds` bounds how long to wait for another holder of the root before refusing. Holding both, it first
    finishes a publish an earlier apply was killed in, or removes what that left (ReleaseRoot.recover), whatever
    this apply then does: a blocked or failing apply cleans up too.

    Only an apply that succeeds moves release.lock's baseline (its step records and definition snapshot): it
    becomes, byte for byte, the lock the release published (definition/release.lock, made by release/lock before the
    manifest). One that a gate blocked or a step failed published nothing, so it records itself as the lock's
    `last_attempt` only."""
    project = open_project(path, root)
    with apply_lock(project.state_dir), _root_lock(project.root, wait_seconds):
        for done in project.root.recover():  # a publish a killed apply left: finished, or its staging removed
            if listener is not None:
                listener(ids.PUBLISH, "recovered", done)
        engine = project.engine()
        outcome = engine.apply(listener, jobs, prune=True)
        if outcome.error is not None:
            record_attempt(project.lock_path, {"version": project.version, **_attempt_outcome(outcome.error)})
            return ApplyReport(project.version, project.release_uri(), project.previous_release(), outcome)
        published = outcome.results[ids.LOCK].files[LOCK_FILE].sha256
        write_published(project.lock_path, project.state_path, published,
                        lambda: project.env.cas.local(published).read_bytes(), outcome.records, engine.previous)
    return ApplyReport(project.version, project.release_uri(), project.previous_release(), outcome)


def _attempt_outcome(error: ReleaseBuildError) -> dict[str, str]:
    """How an apply that published nothing ended, as the committed lock keeps it: the blocking gates by name (the
    message names a report directory on this machine), else the error's message."""
    if isinstance(error, GateBlocked):
        return {"outcome": "blocked", "why": "blocked by " + ", ".join(error.failed)}
    return {"outcome": "failed", "why": str(error)}


def check_determinism(path: Path, root: str | None = None,
                      sample: int = determinism.DEFAULT_SAMPLE) -> determinism.DeterminismReport:
    """`apply --check-determinism`: rerun a sample of cached rules and compare their outputs (publishes nothing)."""
    project = open_project(path, root)
    with apply_lock(project.state_dir):
        return determinism.check_determinism(project.engine(), project.version, sample)


def attempts(path: Path, root: str | None = None) -> dict[str, Any]:
    """`status --attempts`: the blocked applies recorded on the root (<root>/attempts/<version>/<run-id>/), every
    version's, oldest first within a version."""
    project = open_project(path, root)
    return {"format_version": 1, "root": project.root.uri, "attempts": project.root.attempts()}


def unlock(path: Path, root: str | None = None) -> tuple[str, Holder | None]:
    """Break the root's apply lock; returns the root and who held it (None when nobody did)."""
    from releasebuild.store import root_lock

    project = open_project(path, root)
    return project.root.uri, root_lock.unlock(project.root)


@contextmanager
def _root_lock(root: ReleaseRoot, wait_seconds: float) -> Iterator[None]:
    """One apply per root, local or remote: two checkouts (or machines) publishing to one root take turns."""
    from releasebuild.store import root_lock

    with root_lock.holding(root, wait_seconds):
        yield
