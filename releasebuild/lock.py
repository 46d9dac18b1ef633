"""release.lock: what each family's steps were last built from (DVC's dvc.lock, grouped per family).

Committed and reviewed in PRs. Each family has its own section, so PRs touching different families do not
conflict. Each rule (a user's command step) has its own entry under `rules`. Global steps change with any family,
so their records live in local state instead (`.releasebuild/state.json`), not in the lock.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from releasebuild.plan import StepRecord
from releasebuild.steps import ids
from releasebuild.steps.rule import rule_step_id
from releasebuild.store.cas import write_atomic

LOCK_FORMAT = 1


def read_records(lock_path: Path, state_path: Path) -> dict[str, StepRecord]:
    records: dict[str, StepRecord] = {}
    lock = _read_json(lock_path)
    for family in lock.get("families", {}).values():
        for step_id, data in family.get("steps", {}).items():
            records[step_id] = StepRecord.from_json(data)
    for name, data in lock.get("rules", {}).items():
        records[rule_step_id(name)] = StepRecord.from_json(data)
    for step_id, data in _read_json(state_path).get("steps", {}).items():
        records[step_id] = StepRecord.from_json(data)
    return records


def read_snapshot(lock_path: Path) -> dict[str, Any] | None:
    """The definition snapshot of the last apply (`plan`'s default baseline), if the lock has one."""
    return _read_json(lock_path).get("definition")


def write_records(lock_path: Path, state_path: Path, version: str, families: list[str], rules: list[str],
                  records: dict[str, StepRecord], previous: dict[str, StepRecord],
                  snapshot: dict[str, Any] | None = None) -> None:
    """Merge this run's records over the previous ones; drop families and rules no longer declared. `snapshot`:
    what the definition asked for in this apply (changes.snapshot), the baseline of the next plan."""
    merged = {**previous, **records}
    lock: dict[str, Any] = {"lock_format": LOCK_FORMAT, "release": version, "families": {}}
    if snapshot is not None:
        lock["definition"] = snapshot
    for family in sorted(families):
        steps = {step_id: merged[step_id].to_json() for step_id in sorted(merged)
                 if ids.family_of(step_id) == family}
        lock["families"][family] = {"steps": steps}
    if rules:
        lock["rules"] = {name: merged[rule_step_id(name)].to_json() for name in sorted(rules)
                         if rule_step_id(name) in merged}
    state = {"steps": {step_id: record.to_json() for step_id, record in sorted(merged.items())
                       if step_id.startswith(ids.RELEASE_PREFIX)}}
    _write_json(lock_path, lock)
    _write_json(state_path, state)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document: dict[str, Any] = json.loads(path.read_bytes())
        return document
    except FileNotFoundError:
        return {}


def _write_json(path: Path, value: Any) -> None:
    data = (json.dumps(value, indent=2, sort_keys=True) + "\n").encode("utf-8")
    try:
        if path.read_bytes() == data:
            return
    except FileNotFoundError:
        pass
    write_atomic(path, data)
