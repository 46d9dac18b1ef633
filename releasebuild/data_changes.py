"""The data half of a plan or a diff: per family and split, records added, removed, changed and moved between
splits, with token and turn totals, old -> new.

Exact where both sides are built: each side's provenance index (id order) is merged by record id in one pass,
in constant memory, and an index whose digest is unchanged is not read at all. A side is the last apply's results
(still in the cache), a published release, or this build's cached results; where this build's steps have not
run yet the family's data is "known after apply", as Terraform says of values only apply can know.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO, Any

from releasebuild.changes import Change
from releasebuild.config.models import SPLITS
from releasebuild.errors import ReleaseBuildError
from releasebuild.steps import ids
from releasebuild.steps.base import StepResult
from releasebuild.steps.export import ExportResult
from releasebuild.steps.stats import StatsResult
from releasebuild.store.backends import Store
from releasebuild.store.cas import ContentStore

SHOWN_STATS = ("tokens", "turns.mean")  # beside the record count, per family and split


@dataclass(frozen=True)
class FamilyData:
    """One family's shipped records on one side of a comparison. `index` opens its provenance index (None: gone,
    e.g. evicted from the cache); `stats` holds per split metrics as the stats step computes them."""

    counts: dict[str, int]
    stats: dict[str, dict[str, Any]]
    index_digest: str | None = None
    index: Callable[[], AbstractContextManager[IO[bytes]]] | None = None


EMPTY = FamilyData({split: 0 for split in SPLITS}, {})


def shipped(fh: IO[bytes], name: str) -> Iterator[tuple[str, str, str]]:
    """(id, split, content identity) of each record that ships, in id order; the identity covers the record's
    digest and its privacy decision, so a new redaction counts as a change."""
    previous = ""
    for line in fh:
        row = json.loads(line)
        if row["id"] < previous:
            raise ReleaseBuildError(f"{name} is not in id order at {row['id']}")
        previous = row["id"]
        if row["split"] is not None:
            decision = next((step.get("decision") for step in row["chain"] if step["step"] == "privacy"), None)
            yield row["id"], row["split"], f"{row['record_digest']}|{decision}"


def record_deltas(before: Iterator[tuple[str, str, str]], after: Iterator[tuple[str, str, str]]
                  ) -> dict[str, dict[str, int]]:
    """Per split: records added, removed, changed (same id, other content or redaction), and moved between
    splits (counted under the split they left)."""
    counts = {split: {"added": 0, "removed": 0, "changed": 0, "moved_out": 0} for split in SPLITS}
    old, new = next(before, None), next(after, None)
    while old is not None or new is not None:
        if new is None or (old is not None and old[0] < new[0]):
            assert old is not None  # the loop runs while one of the two is left
            counts[old[1]]["removed"] += 1
            old = next(before, None)
        elif old is None or new[0] < old[0]:
            counts[new[1]]["added"] += 1
            new = next(after, None)
        else:
            if old[1] != new[1]:
                counts[old[1]]["moved_out"] += 1
            if old[2] != new[2]:
                counts[new[1]]["changed"] += 1
            old, new = next(before, None), next(after, None)
    return counts


def compare(old: FamilyData, new: FamilyData) -> dict[str, dict[str, int]] | None:
    """Record deltas per split, or None when either index is gone (only the counts can be compared then)."""
    if old is EMPTY or new is EMPTY:
        side = new if old is EMPTY else old
        key = "added" if old is EMPTY else "removed"
        return {split: {"added": 0, "removed": 0, "changed": 0, "moved_out": 0, key: side.counts.get(split, 0)}
                for split in SPLITS}
    if old.index_digest is not None and old.index_digest == new.index_digest:
        return {split: {"added": 0, "removed": 0, "changed": 0, "moved_out": 0} for split in SPLITS}
    if old.index is None or new.index is None:
        return None
    with old.index() as before, new.index() as after:
        return record_deltas(shipped(before, "the baseline's provenance index"),
                             shipped(after, "this build's provenance index"))


def data_changes(family: str, old: FamilyData, new: FamilyData) -> list[Change]:
    """One change per split whose records or stats moved."""
    deltas = compare(old, new)
    out = []
    for split in SPLITS:
        before, after = _side(old, split), _side(new, split)
        delta = deltas[split] if deltas is not None else None
        if before == after and (delta is None or not any(delta.values())):
            continue
        note = _note(before, after, delta)
        out.append(Change("records", "~", f"{family}/{split}", before, {**after, **(delta or {})}, note))
    return out


def pending_change(family: str, step: str) -> Change:
    """A family whose records this build has not computed yet."""
    return Change("records", "~", family, note=f"known after apply: {step} will run")


def _side(data: FamilyData, split: str) -> dict[str, Any]:
    if data is EMPTY:
        return {"records": 0, "tokens": 0, "turns.mean": None}
    stats = data.stats.get(split, {})
    return {"records": data.counts.get(split, 0), **{name: stats.get(name) for name in SHOWN_STATS}}


def from_results(family: str, results: dict[str, StepResult], cas: ContentStore) -> FamilyData | None:
    """A family as this build's (or the last apply's) cached step results hold it; None until they are built."""
    provenance, export, stats = (results.get(ids.family_step(family, step))
                                 for step in (ids.PROVENANCE, ids.EXPORT, ids.STATS))
    if provenance is None or export is None:
        return None
    ref = provenance.files["provenance.jsonl"]
    return FamilyData(export.typed(ExportResult).counts, stats.typed(StatsResult).splits if stats else {}, ref.sha256,
                      lambda: cas.local(ref.sha256).open("rb"))


def from_published(prefix: str, manifest: dict[str, Any], distribution: dict[str, Any] | None, store: Store
                   ) -> dict[str, FamilyData]:
    """Every family of a published release, read through its manifest (indexes are opened only if compared)."""
    digests = {art["key"]: art["sha256"] for art in manifest["artifacts"] if art["kind"] == "provenance"}
    stats = {entry["family"]: entry["splits"] for entry in (distribution or {}).get("families", [])}
    out = {}
    for name, info in manifest["families"].items():
        key = f"provenance/{name}.jsonl"
        out[name] = FamilyData({split: info["records"][split] for split in SPLITS}, stats.get(name, {}),
                               digests.get(key), functools.partial(store.open, prefix + key))
    return out


def _note(before: dict[str, Any], after: dict[str, Any], delta: dict[str, int] | None) -> str:
    parts = []
    if delta is not None:
        parts.append(f"+{delta['added']} added, -{delta['removed']} removed, {delta['changed']} changed, "
                     f"{delta['moved_out']} moved to another split")
    else:
        parts.append(f"{after['records'] - before['records']:+d} records (the baseline's index is gone: "
                     "counts only)")
    if isinstance(before["tokens"], int) and isinstance(after["tokens"], int) and before["tokens"] != after["tokens"]:
        parts.append(f"{after['tokens'] - before['tokens']:+d} tokens")
    if before["turns.mean"] is not None and after["turns.mean"] is not None \
            and before["turns.mean"] != after["turns.mean"]:
        parts.append(f"turns/conversation {before['turns.mean']:g} -> {after['turns.mean']:g}")
    return "; ".join(parts)
