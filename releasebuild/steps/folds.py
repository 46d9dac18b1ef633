"""A family's shipped records folded into sums part by part (the statistics, the bias counts), so that a rerun
after an edit costs the parts the edit touched, not the family.

The privacy step writes the family's records in parts (steps/parts.py); the split step writes one assignment row
per record, line for line with them. A folding step makes of each part a *fragment*: its sums over the part's
shipped records, a pure function of the part's record lines, their assignment rows and the step's identity (code
and params). It keeps, as outputs of its own, each part's fragment (FRAGMENT, in parts), the sum of them all
(TOTAL) and an index (INDEX) naming each part by the digest of its record part and assignment rows. Its next run,
handed those as its memo:

- hands on, by reference, the fragment of every part whose digest the index holds (nothing of it is read);
- makes the other parts' fragments again, each record's measure (the costly part) taken from the previous run's
  record memo of the parts not handed on (MEASURED, in parts: steps/record_memo.py) when its line is the same;
- reaches this run's total from the previous one: the fragments of the previous parts not handed on subtracted,
  the new ones added.

Sums of integers subtract exactly, so the total is the one a cold run adds up, and so is everything the step
writes from it, byte for byte. A cold run, or one whose previous run had another identity, adds every fragment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import xxhash

from releasebuild.keys import canonical_json, digest, line_digest
from releasebuild.steps import ids
from releasebuild.steps.base import StepContext, logical_name, parse_lines, part_file
from releasebuild.steps.record_memo import MemoPool, RecordMemo
from releasebuild.steps.shipped import ASSIGNMENT, RECORDS

INDEX = "folds.json"
TOTAL = "total.json"
FRAGMENT = "fragment.json"
MEASURED = "measured.memo"
MEMO = (INDEX, TOTAL, FRAGMENT, MEASURED)  # a folding step's memo (`Step.memo`: parts are matched by prefix)


@dataclass
class FoldPart:
    """One part of this run: where its records are, the digest of its records and assignment rows, and the previous
    run's position of the same part, when there is one to hand on (else its assignment rows, to make it)."""

    index: int
    name: str  # the privacy step's records part
    sha256: str
    records: Path
    digest: str
    lines: int
    previous: int | None
    assigned: list[bytes]  # its assignment rows (none kept for a part handed on)


def fold_identity(ctx: StepContext, kind: str, code_version: str) -> str:
    """What a fragment is a function of besides its part: the step's code, params and sources."""
    return digest({"kind": kind, "code_version": code_version, "params": ctx.params,
                   "sources": {source.name: source.digest for source in ctx.sources}})


class PartFold:
    """This run's parts, and the previous run's fold to start from."""

    def __init__(self, ctx: StepContext, identity: str, measure_identity: str):
        self.ctx = ctx
        self.identity = identity
        entries = _previous_entries(ctx, identity)
        by_digest = {entry["digest"]: position for position, entry in enumerate(entries)}
        lines_of = {entry["records"]: entry["lines"] for entry in entries}
        privacy, split = ctx.dep(ids.PRIVACY), ctx.dep(ids.SPLIT)
        files = ctx.input_paths[privacy]
        refs = ctx.inputs[privacy].files
        assignment = ctx.lines(split, ASSIGNMENT)
        self.parts: list[FoldPart] = []
        for name in sorted(name for name in files if logical_name(name) == RECORDS):
            sha256 = refs[name].sha256
            lines = lines_of.get(sha256)
            if lines is None:
                with files[name].open("rb") as fh:
                    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
            rows = list(islice(assignment, lines))
            if len(rows) != lines:
                raise ValueError(f"{ctx.spec.id}: the split assignment lacks rows of the privacy step's records")
            part_digest = xxhash.xxh3_128_hexdigest(sha256.encode() + b"".join(rows))
            previous = by_digest.get(part_digest)
            self.parts.append(FoldPart(len(self.parts), name, sha256, files[name], part_digest, lines, previous,
                                       [] if previous is not None else rows))
        if next(assignment, None) is not None:
            raise ValueError(f"{ctx.spec.id}: the split assignment has rows the privacy step's records lack")
        handed_on = {part.previous for part in self.parts}
        self.dropped = [position for position in range(len(entries)) if position not in handed_on]
        self.total: Any = json.loads(ctx.memo[TOTAL].read_bytes()) if entries else None  # None: start from nothing
        self.pool = MemoPool(_memo_files(ctx, MEASURED, self.dropped), measure_identity)
        self.made = 0

    def dropped_fragments(self) -> Iterator[Any]:
        """The fragments of the previous parts not handed on: what the previous total holds and this one must not."""
        for position in self.dropped:
            yield json.loads(self.ctx.memo[part_file(FRAGMENT, position)].read_bytes())

    def records(self, part: FoldPart) -> Iterator[tuple[bytes, dict[str, Any]]]:
        """A part to make: each record's line (as the privacy step wrote it) and assignment row."""
        with part.records.open("rb") as fh:
            yield from zip(fh, parse_lines(part.assigned), strict=True)

    def previous_fragment(self, part: FoldPart) -> Any:
        """The fragment of a part handed on, as the previous run wrote it."""
        assert part.previous is not None
        return json.loads(self.ctx.memo[part_file(FRAGMENT, part.previous)].read_bytes())

    @contextmanager
    def memo(self, part: FoldPart) -> Iterator[RecordMemo]:
        """The record memo of a part to make, for the time it is made; its counts go to ctx.stats."""
        memo = RecordMemo(self.ctx.open_output(part_file(MEASURED, part.index)), self.pool)
        yield memo
        memo.close()
        for name, count in (("records_computed", memo.computed), ("records_from_memo", memo.reused)):
            self.ctx.stats[name] = self.ctx.stats.get(name, 0) + count

    def hand_on(self, part: FoldPart) -> None:
        """A part whose fragment and record memo are the previous run's, by reference."""
        assert part.previous is not None
        for name in (FRAGMENT, MEASURED):
            self.ctx.reuse(part_file(name, part.index), part_file(name, part.previous))

    def write_fragment(self, part: FoldPart, fragment: Any) -> None:
        self.made += 1
        with self.ctx.create(part_file(FRAGMENT, part.index)) as out:
            out.write(canonical_json(fragment).encode("utf-8"))

    def finish(self, total: Any) -> None:
        """Write this run's total and index; say how many parts were made and handed on (ctx.stats)."""
        with self.ctx.create(TOTAL) as out:
            out.write(canonical_json(total).encode("utf-8"))
        entries = [{"digest": part.digest, "records": part.sha256, "lines": part.lines} for part in self.parts]
        with self.ctx.create(INDEX) as out:
            out.write(canonical_json({"identity": self.identity, "parts": entries}).encode("utf-8"))
        self.ctx.stats.update(parts_made=self.made, parts_reused=len(self.parts) - self.made)


def fresh_records(fold: PartFold) -> int:
    """Plan only: the shipped records of the parts to make that the pool of previous measures lacks."""
    return sum(assigned["split"] is not None and fold.pool.find(assigned["id"], line_digest(line)) is None
               for part in fold.parts if part.previous is None for line, assigned in fold.records(part))


def _previous_entries(ctx: StepContext, identity: str) -> list[dict[str, Any]]:
    """The previous run's index entries when it was made under `identity`, with its total and every fragment it
    lists kept; else none (every part is made, and added up)."""
    path = ctx.memo.get(INDEX)
    if path is None or TOTAL not in ctx.memo:
        return []
    data = json.loads(path.read_bytes())
    entries: list[dict[str, Any]] = data["parts"] if data.get("identity") == identity else []
    if any(part_file(FRAGMENT, position) not in ctx.memo for position in range(len(entries))):
        return []
    return entries


def _memo_files(ctx: StepContext, name: str, positions: list[int]) -> list[Path]:
    """The previous run's record memo of each part in `positions`; and the memo whole, as code before parts wrote
    it (an upgrade measures nothing again)."""
    names = [part_file(name, position) for position in positions] + [name]
    return [path for memo_name in names if (path := ctx.memo.get(memo_name)) is not None]
