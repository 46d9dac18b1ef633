"""One family's records as the split step placed them: the loop export, provenance, the distribution statistics, the
bias counts and the QA samples share, so that "the records that ship" means one thing everywhere.

The privacy step writes each record as its published line minus the split (records.jsonl) and, line for line, what
else it knows of it (kept_status.jsonl, provenance.jsonl); the split step writes one assignment row per record in
the same order. They are read side by side, with a strict zip that fails on any drift between them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from releasebuild.records import with_split
from releasebuild.steps import ids
from releasebuild.steps.base import StepContext, parse_lines

RECORDS = "records.jsonl"
ASSIGNMENT = "assignment.jsonl"


@functools.lru_cache(maxsize=8)
def split_tail(split: str) -> bytes:
    """What replaces the closing `}\\n` of a records.jsonl line to make it the published shard line."""
    return (with_split("{}", split)[1:] + "\n").encode("utf-8")


@dataclass(frozen=True)
class Placed:
    """A record and where the split step put it."""

    body: bytes  # the published line without its split, as the privacy step wrote it
    assigned: dict[str, Any]  # the split step's row: "id", "split" (None: removed by dedup or a split conflict), why
    aligned: tuple[bytes, ...]  # the record's line in each further privacy-step file asked for, in that order

    @property
    def split(self) -> str | None:
        split: str | None = self.assigned["split"]
        return split

    @property
    def line(self) -> bytes:
        """The line as published in its split's shard."""
        assert self.split is not None, "a removed record is published nowhere"
        return self.body[:-2] + split_tail(self.split)


def shipped_inputs(family: str, *more: str) -> tuple[tuple[str, str], dict[str, tuple[str, ...]]]:
    """The dependencies (the family's privacy and split steps) and reads of a step that iterates `placed` or
    `shipped`, for its StepSpec; `more`: further files of the privacy step it reads (line-aligned ones it asks
    `placed` for, or others it opens itself)."""
    privacy, split = ids.family_step(family, ids.PRIVACY), ids.family_step(family, ids.SPLIT)
    return (privacy, split), {privacy: (RECORDS, *more), split: (ASSIGNMENT,)}


def placed(ctx: StepContext, *aligned: str) -> Iterator[Placed]:
    """Every record of the family, shipped or removed, in the privacy step's order (id order), with the lines of
    the privacy step's files named in `aligned`. The step depends on its family's privacy and split steps."""
    privacy_id, split_id = ctx.dep(ids.PRIVACY), ctx.dep(ids.SPLIT)
    extra = [ctx.lines(privacy_id, name) for name in aligned]
    for body, assigned, *lines in zip(ctx.lines(privacy_id, RECORDS), parse_lines(ctx.lines(split_id, ASSIGNMENT)),
                                      *extra, strict=True):
        yield Placed(body, assigned, tuple(lines))


def shipped(ctx: StepContext, *aligned: str) -> Iterator[Placed]:
    """The records that ship: those the split step gave a split."""
    return (record for record in placed(ctx, *aligned) if record.split is not None)
