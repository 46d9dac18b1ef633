"""Split assignment that cannot leak: group-aware, near-duplicate-aware and sticky across releases.

A record's group is its `group_by` key, joined with the groups of its surviving near duplicates and records
sharing a text with it (the dedup step's links, at the leakage threshold). Joining is pair by pair, most similar
first, and stops where a group would exceed `max_group_size`: templated phrasing cannot chain a family into one
group. A group lands in one split as a whole.

Sticky: a group (or record) published in an earlier release keeps the split it had there, read from the previous
release's split index (`splits/<family>.jsonl`, which carries forward the entries of records no longer in the
release, so the history survives a record's absence); only new groups are placed by hashing (salt, group key) into
the ratios. Changing ratios or salt therefore moves no published record unless release.yaml declares a `resplit`,
and even then a group published in val or test stays there: a held-out record never moves into train. A record
removed as a near duplicate passes its held-out split on to the record it duplicates (within the family). A new
group that would join groups published in different splits is quarantined with that reason. Records the dedup
step removed get no split and carry its reason.

Sticky by content, too: a record whose text matches a val/test record of any earlier release (the dedup step's
match against the published held-out index, whatever the ids and families) takes that held-out split with its
group, unless its group was published in train: a published train record is never moved into val/test (models
trained on it would be evaluated on it), so that record stays where it is and the leakage gate blocks it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from releasebuild.config.models import SPLITS
from releasebuild.dedup.heldout import matches_file
from releasebuild.keys import unit_interval
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams, read_jsonl

METHOD = "sticky-group-hash/v4"  # v4: held-out records of every earlier release are followed by content
HELD_OUT_FIRST = ("test", "val", "train")  # a group whose records were published apart takes the most held-out
HELD_OUT = frozenset(("val", "test"))


def assign(group: str, ratios: dict[str, float], salt: str) -> str:
    position = unit_interval(salt, group)
    cumulative = 0.0
    chosen = ""
    for split in SPLITS:
        ratio = ratios.get(split, 0.0)
        if ratio <= 0:
            continue
        chosen = split
        cumulative += ratio
        if position < cumulative:
            return split
    return chosen  # float rounding at the top end


class Groups:
    """Union-find over group keys with a size cap (in records)."""

    def __init__(self, sizes: Counter[str], cap: int):
        self.parent = {group: group for group in sizes}
        self.size = dict(sizes)
        self.cap = cap
        self.joined = self.refused = 0

    def find(self, group: str) -> str:
        root = group
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[group] != root:
            self.parent[group], group = root, self.parent[group]
        return root

    def join(self, one: str, other: str) -> None:
        a, b = self.find(one), self.find(other)
        if a == b:
            return
        if self.size[a] + self.size[b] > self.cap:
            self.refused += 1
            return
        a, b = min(a, b), max(a, b)  # the smaller key names the group: deterministic whatever the link order
        self.parent[b] = a
        self.size[a] += self.size[b]
        self.joined += 1


def previous_index(ctx: StepContext) -> dict[str, tuple[str, str]]:
    """Record id -> (group key, split) in the previous release's index, or an empty map."""
    previous: dict[str, tuple[str, str]] = {}
    if ctx.sources:
        with ctx.store.open(ctx.sources[0].uri) as fh:
            for line in fh:
                row = json.loads(line)
                previous[row["id"]] = (row["group"], row["split"])
    return previous


def published_splits(group_of: dict[str, str], removed: dict[str, dict[str, Any]], family: str,
                     previous: dict[str, tuple[str, str]], resplit: bool) -> dict[str, str]:
    """Group key -> the split it must keep: the most held-out split its key or records were published in, and the
    held-out split of any record removed as its near duplicate. Under a resplit only held-out splits bind."""
    by_group: dict[str, set[str]] = {}
    for group, split in previous.values():
        by_group.setdefault(group, set()).add(split)
    published: dict[str, set[str]] = {}
    for record_id, group in group_of.items():
        splits = by_group.get(group, set()) | ({previous[record_id][1]} if record_id in previous else set())
        if splits:
            published.setdefault(group, set()).update(splits)
    prefix = f"{family}/"
    for record_id, row in removed.items():
        survivor = str(row.get("duplicate_of", ""))
        split = previous.get(record_id, ("", ""))[1]
        if split in HELD_OUT and survivor.startswith(prefix) and survivor[len(prefix):] in group_of:
            published.setdefault(group_of[survivor[len(prefix):]], set()).add(split)
    if resplit:
        published = {group: splits & HELD_OUT for group, splits in published.items() if splits & HELD_OUT}
    return {group: next(s for s in HELD_OUT_FIRST if s in splits) for group, splits in published.items()}


def heldout_pins(group_split: dict[str, str], group_of: dict[str, str], matched: dict[str, str]) -> dict[str, str]:
    """Group key -> the held-out split its records' content asks for: for each surviving record in `matched`
    (record id -> the split of the earlier release's held-out record it matches), the most held-out such split of
    its group. Groups published before keep their own split and get no pin: held out already, or published in
    train, which a record never leaves for val/test (the leakage gate blocks the matched record instead)."""
    pins: dict[str, str] = {}
    for record_id, split in matched.items():
        group = group_of.get(record_id)
        if group is None or group in group_split:
            continue
        pins[group] = next(s for s in HELD_OUT_FIRST if s in {split, pins.get(group)})
    return pins


def index_rows(records: list[tuple[str, str]], removed: dict[str, Any], chosen: dict[str, str | None],
               previous: dict[str, tuple[str, str]]) -> Iterator[dict[str, Any]]:
    """This release's assignments, then the previous index's entries for records not in them (`in_release`
    false), so a record that was held out and comes back later is still held out."""
    assigned = set()
    for record_id, group in records:
        if record_id not in removed and chosen[group] is not None:
            assigned.add(record_id)
            yield {"id": record_id, "group": group, "split": chosen[group], "in_release": True}
    for record_id in sorted(set(previous) - assigned):
        group, split = previous[record_id]
        yield {"id": record_id, "group": group, "split": split, "in_release": False}


class SplitParams(StepParams):
    family: str
    ratios: dict[str, float]
    salt: str
    method: str
    max_group_size: int  # near-duplicate joining stops at groups of this many records (the leakage gate's)
    resplit: str | None  # why splits are drawn afresh (release.yaml's `resplit`), or None: published splits stick
    previous: str | None  # the version whose split index pins held-out records, or None


class GroupCounts(StepMeta):
    keys: int  # group keys among the records that stay
    assigned: int  # groups placed after near-duplicate links joined keys
    links: int
    joined: int
    not_joined_over_cap: int  # links not followed: the joined group would exceed max_group_size


class Sticky(StepMeta):
    """Where the family's splits came from: the previous release's split index, or hashing (new groups)."""

    previous: str | None
    resplit: str | None
    kept: int
    moved: int
    new: int
    by_content: int  # records placed in the held-out split of another earlier release's record their text matches


class SplitResult(StepMeta):
    family: str
    counts: dict[str, int]  # split -> records placed in it
    method: str
    groups: GroupCounts
    sticky: Sticky
    removed_by_dedup: int
    split_conflicts: int  # records quarantined for joining groups published in different splits


class Split(Step):
    kind = "split"
    code_version = "4"
    steady = True  # an edited message moves no record between splits

    Params = SplitParams
    Result = SplitResult

    @staticmethod
    def run(ctx: StepContext) -> SplitResult:
        params = ctx.typed(SplitParams)
        family = params.family
        privacy_id, dedup_id = ctx.dep("privacy"), ctx.dep(ids.DEDUP)
        removed = {row["id"]: row for row in read_jsonl(ctx.input_path(dedup_id, f"{family}.removed.jsonl"))}
        records = [(row["id"], row["group"]) for row in map(json.loads, ctx.lines(privacy_id, "groups.jsonl"))]
        group_of = {record_id: group for record_id, group in records if record_id not in removed}
        groups = Groups(Counter(group_of.values()), params.max_group_size)
        links = []
        with ctx.input_path(dedup_id, f"{family}.links.tsv").open(encoding="utf-8") as fh:
            for line in fh:
                left, right, kind, similarity = line.rstrip("\n").split("\t")
                links.append((-float(similarity), kind, left, right))
        for _, _, left, right in sorted(links):
            groups.join(group_of[left], group_of[right])

        previous = previous_index(ctx)
        group_split = published_splits(group_of, removed, family, previous, bool(params.resplit))
        matches = list(read_jsonl(ctx.input_path(dedup_id, matches_file(family))))
        matched = {row["id"]: row["split"] for row in matches}
        copies = {row["id"] for row in matches if row["record"] != f"{family}/{row['id']}"}  # not the record itself
        pins = heldout_pins(group_split, group_of, matched)
        members: dict[str, list[str]] = {}
        for group in sorted(set(group_of.values())):
            members.setdefault(groups.find(group), []).append(group)
        chosen: dict[str, str | None] = {}
        conflicts: dict[str, str] = {}
        for root, keys in members.items():
            # A group's content pin counts like a published split of its own, except that it does not win a
            # conflict: a group pulled both ways is quarantined, as a new group joining published ones is.
            bound = {key: group_split.get(key) or pins[key] for key in keys if key in group_split or key in pins}
            known = set(bound.values())
            for key in keys:
                if key in group_split:
                    chosen[key] = group_split[key]
                elif len(known) == 1:
                    chosen[key] = next(iter(known))
                elif not known:
                    chosen[key] = assign(root, params.ratios, params.salt)
                else:
                    chosen[key] = None
                    conflicts[key] = ", ".join(f"{split} ({k})" for k, split in bound.items())
        counts = dict.fromkeys(SPLITS, 0)
        tally: Counter[str] = Counter()

        def rows() -> Iterator[dict[str, Any]]:
            for record_id, group in records:
                if record_id in removed:
                    tally["removed"] += 1
                    why = {key: value for key, value in removed[record_id].items() if key != "id"}
                    yield {"id": record_id, "split": None, "removed": {"step": "dedup", **why}}
                    continue
                split = chosen[group]
                if split is None:
                    tally["conflicts"] += 1
                    yield {"id": record_id, "split": None, "removed": {
                        "step": "split", "code": "split_conflict",
                        "detail": f"joins groups published in different splits: {conflicts[group]}"}}
                    continue
                counts[split] += 1
                if record_id in copies and split == matched[record_id]:
                    tally["by_content"] += 1
                if record_id in previous:
                    tally["kept" if previous[record_id][1] == split else "moved"] += 1
                else:
                    tally["new"] += 1
                yield {"id": record_id, "split": split}

        ctx.write_lines("assignment.jsonl", rows())
        ctx.write_lines("index.jsonl", index_rows(records, removed, chosen, previous), publish=f"splits/{family}.jsonl",
                        kind="split_index")
        ctx.write_lines("quarantine.jsonl", (
            {"family": family, "id": record_id, "code": "split_conflict",
             "detail": f"joins groups published in different splits: {conflicts[group]}"}
            for record_id, group in records if record_id not in removed and chosen[group] is None),
            publish=f"quarantine/split/{family}.jsonl", kind="quarantine")
        return SplitResult(
            family=family, counts=counts, method=METHOD,
            groups=GroupCounts(keys=len(set(group_of.values())), assigned=len(members), links=len(links),
                               joined=groups.joined, not_joined_over_cap=groups.refused),
            sticky=Sticky(previous=params.previous, resplit=params.resplit, kept=tally["kept"], moved=tally["moved"],
                          new=tally["new"], by_content=tally["by_content"]),
            removed_by_dedup=tally["removed"], split_conflicts=tally["conflicts"])
