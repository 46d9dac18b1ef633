"""release.lock: what each family's steps were last built from (DVC's dvc.lock, grouped per family).

Committed and reviewed in PRs. Each family has its own section, so PRs touching different families do not
conflict. Each rule (a user's command step) has its own entry under `rules`. Global steps change with any family,
so their records live in local state instead (`.releasebuild/state.json`), not in the lock.

Everything in the lock but `last_attempt` describes the last apply that succeeded (published, or found the release
already published): its step records and its definition snapshot are `plan`'s default baseline. An apply that a
gate blocked or a step failed publishes nothing, so it moves none of that: it only rewrites `last_attempt`
(version, outcome, why), and the next plan still shows every change against what was published. Format 1 had no
`last_attempt` and was written by blocked applies too; it is read as it stands (its baseline may be a blocked
attempt's), and the next successful apply writes format 2.

The build makes the lock itself: `release/lock` (steps/release_lock.py) builds `lock_document` from every family's
and rule's step record before the manifest, and publishes it as definition/release.lock; a successful apply writes
those bytes here (`write_published`), so the checkout's lock and the release's are one file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from releasebuild.errors import ReleaseBuildError
from releasebuild.keys import sha256_file
from releasebuild.plan import StepRecord
from releasebuild.steps import ids
from releasebuild.steps.rule import rule_step_id
from releasebuild.store.backends import write_atomic

LOCK_FORMAT = 2
READABLE_FORMATS = (1, 2)


def read_records(lock_path: Path, state_path: Path) -> dict[str, StepRecord]:
    """The step records of the last successful apply: the lock's (per family and rule) and local state's (global
    steps)."""
    records = records_of(read_lock(lock_path))
    for step_id, data in _read_json(state_path).get("steps", {}).items():
        records[step_id] = StepRecord.from_json(data)
    return records


def records_of(lock: dict[str, Any]) -> dict[str, StepRecord]:
    """A lock document's family and rule step records (a committed lock at a git revision has no local state)."""
    records: dict[str, StepRecord] = {}
    for family in lock.get("families", {}).values():
        for step_id, data in family.get("steps", {}).items():
            records[step_id] = StepRecord.from_json(data)
    for name, data in lock.get("rules", {}).items():
        records[rule_step_id(name)] = StepRecord.from_json(data)
    return records


def read_lock(lock_path: Path) -> dict[str, Any]:
    """The lock document ({} when there is none); a format this version does not read is refused, not guessed."""
    return parse_lock(_read_json(lock_path), str(lock_path))


def parse_lock(lock: dict[str, Any], where: str) -> dict[str, Any]:
    found = lock.get("lock_format", 1)
    if lock and found not in READABLE_FORMATS:
        raise ReleaseBuildError(f"{where}: lock_format {found} is not one this releasebuild reads "
                                     f"({', '.join(map(str, READABLE_FORMATS))}); upgrade releasebuild")
    return lock


def read_snapshot(lock_path: Path) -> dict[str, Any] | None:
    """The definition snapshot of the last successful apply (`plan`'s default baseline), if the lock has one."""
    snapshot: dict[str, Any] | None = read_lock(lock_path).get("definition")
    return snapshot


def read_last_attempt(lock_path: Path) -> dict[str, Any] | None:
    """The last apply's outcome ({version, outcome: published | blocked | failed, why}); None before format 2."""
    attempt: dict[str, Any] | None = read_lock(lock_path).get("last_attempt")
    return attempt


def record_attempt(lock_path: Path, attempt: dict[str, Any]) -> None:
    """A blocked or failed apply: rewrite only `last_attempt`, leaving the published baseline as it was."""
    lock = read_lock(lock_path)
    if not lock:
        lock = {"lock_format": LOCK_FORMAT, "families": {}}
    _write_json(lock_path, {**lock, "lock_format": LOCK_FORMAT, "last_attempt": attempt})


def lock_document(version: str, families: list[str], rules: list[str], records: dict[str, dict[str, Any]],
                  snapshot: dict[str, Any]) -> dict[str, Any]:
    """The lock a successful apply of `version` leaves: every declared family's and rule's step records (`records`:
    step id -> StepRecord.to_json(), each with its output digest), the definition snapshot (changes.snapshot: the
    next plan's baseline) and `last_attempt` saying this version was published. release/lock makes it during the
    build and publishes it as definition/release.lock, so that claim is true exactly where the file is read: in the
    published release, and in the checkout once apply has succeeded."""
    lock: dict[str, Any] = {"lock_format": LOCK_FORMAT, "release": version, "families": {}, "definition": snapshot,
                            "last_attempt": {"version": version, "outcome": "published", "why": None}}
    for family in sorted(families):
        lock["families"][family] = {"steps": {step_id: records[step_id] for step_id in sorted(records)
                                              if ids.family_of(step_id) == family}}
    if rules:
        lock["rules"] = {name: records[rule_step_id(name)] for name in sorted(rules) if rule_step_id(name) in records}
    return lock


def lock_bytes(lock: dict[str, Any]) -> bytes:
    """A lock document as release.lock holds it (and as the release publishes it)."""
    return _json_bytes(lock)


def write_published(lock_path: Path, state_path: Path, lock_sha256: str, read_lock_bytes: Callable[[], bytes],
                    records: dict[str, StepRecord], previous: dict[str, StepRecord]) -> None:
    """After a successful apply: release.lock becomes, byte for byte, the lock the release published
    (definition/release.lock, made by release/lock, whose SHA-256 is `lock_sha256`); the global steps' records,
    merged over the previous ones, go to local state. The lock's bytes are read (from the content store, on a clean
    machine maybe from the shared tier) only when the checkout's lock is another file: a no-op apply with the
    committed lock current fetches nothing."""
    merged = {**previous, **records}
    state = {"steps": {step_id: record.to_json() for step_id, record in sorted(merged.items())
                       if step_id.startswith(ids.RELEASE_PREFIX)}}
    if not lock_path.is_file() or sha256_file(lock_path) != lock_sha256:
        _write_bytes(lock_path, read_lock_bytes())
    _write_json(state_path, state)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document: dict[str, Any] = json.loads(path.read_bytes())
        return document
    except FileNotFoundError:
        return {}


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _write_json(path: Path, value: Any) -> None:
    _write_bytes(path, _json_bytes(value))


def _write_bytes(path: Path, data: bytes) -> None:
    """Write unless the file already holds exactly `data` (a no-op apply leaves the checkout's mtime alone)."""
    try:
        if path.read_bytes() == data:
            return
    except FileNotFoundError:
        pass
    write_atomic(path, data)
