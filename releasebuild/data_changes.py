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


DELTAS = ("unchanged", "added", "removed", "changed", "moved_out", "moved_in")


def no_deltas() -> dict[str, int]:
    return dict.fromkeys(DELTAS, 0)


def record_deltas(before: Iterator[tuple[str, str, str]], after: Iterator[tuple[str, str, str]]
                  ) -> dict[str, dict[str, int]]:
    """Per split: records unchanged (same id, split and content), added, removed, changed (same id, other content
    or redaction), and moved between splits (counted under the split they left, `moved_out`, and the split they
    joined, `moved_in`)."""
    counts = {split: no_deltas() for split in SPLITS}
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
                counts[new[1]]["moved_in"] += 1
            if old[2] != new[2]:
                counts[new[1]]["changed"] += 1
            elif old[1] == new[1]:
                counts[new[1]]["unchanged"] += 1
            old, new = next(before, None), next(after, None)
    return counts


def compare(old: FamilyData, new: FamilyData) -> dict[str, dict[str, int]] | None:
    """Record deltas per split, or None when either index is gone (only the counts can be compared then)."""
    if old is EMPTY or new is EMPTY:
        side = new if old is EMPTY else old
        key = "added" if old is EMPTY else "removed"
        return {split: {**no_deltas(), key: side.counts.get(split, 0)} for split in SPLITS}
    if old.index_digest is not None and old.index_digest == new.index_digest:
        return {split: {**no_deltas(), "unchanged": old.counts.get(split, 0)} for split in SPLITS}
    if old.index is None or new.index is None:
        return None
    with old.index() as before, new.index() as after:
        return record_deltas(shipped(before, "the baseline's provenance index"),
                             shipped(after, "this build's provenance index"))


def data_changes(family: str, old: FamilyData, new: FamilyData,
                 deltas: dict[str, dict[str, int]] | None) -> list[Change]:
    """One change per split whose records or stats moved; `deltas` as `compare(old, new)` gave them."""
    out = []
    for split in SPLITS:
        before, after = _side(old, split), _side(new, split)
        delta = deltas[split] if deltas is not None else None
        if before == after and (delta is None or not any(delta[key] for key in DELTAS if key != "unchanged")):
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


def source_digests(data: FamilyData) -> dict[str, str]:
    """Each source file's content digest as a family's provenance index names it (one pass over the index): how a
    published release, which does not list its source files, tells which of them changed."""
    assert data.index is not None
    found: dict[str, str] = {}
    with data.index() as fh:
        for line in fh:
            row = json.loads(line)
            found.setdefault(row["source"], row["source_digest"])
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class SplitStat:
    """One family's split as `git diff --stat` (Dolt's data diff) shows it: of the baseline's `before` records,
    how many are unchanged, and what was added, removed, modified and moved in or out. Eval-breaking when it
    touches val or test records: scores on the new release are not comparable with the baseline's."""

    family: str
    split: str
    before: int
    after: int
    unchanged: int
    added: int
    removed: int
    modified: int
    moved_out: int
    moved_in: int

    @property
    def eval_breaking(self) -> bool:
        return self.split in EVAL_SPLITS and self.touched > 0

    @property
    def touched(self) -> int:
        return self.added + self.removed + self.modified + self.moved_out + self.moved_in

    def percent(self, count: int) -> float | None:
        """`count` as a share of the baseline's records in this split (None when the baseline had none)."""
        return round(100 * count / self.before, 1) if self.before else None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SplitStat:
        return cls(**{key: data[key] for key in ("family", "split", "before", "after", "unchanged", "added",
                                                 "removed", "modified", "moved_out", "moved_in")})

    def to_json(self) -> dict[str, Any]:
        counts = {"unchanged": self.unchanged, "added": self.added, "removed": self.removed,
                  "modified": self.modified, "moved_out": self.moved_out, "moved_in": self.moved_in}
        return {"family": self.family, "split": self.split, "before": self.before, "after": self.after, **counts,
                "percent": {name: self.percent(count) for name, count in counts.items()},
                "eval_breaking": self.eval_breaking}


EVAL_SPLITS = ("val", "test")


def split_stats(family: str, before: dict[str, int], after: dict[str, int], deltas: dict[str, dict[str, int]]
                ) -> list[SplitStat]:
    """A family's --stat line per split that has records on either side, from its split counts and deltas."""
    return [SplitStat(family, split, before.get(split, 0), after.get(split, 0), deltas[split]["unchanged"],
                      deltas[split]["added"], deltas[split]["removed"], deltas[split]["changed"],
                      deltas[split]["moved_out"], deltas[split]["moved_in"])
            for split in SPLITS if before.get(split, 0) or after.get(split, 0)]


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
