"""One family's records as the split step placed them, and what every step over them shares: their dependencies
(`shipped_inputs`), the line a record is published as (`split_tail`), and the records that ship (`shipped`, which
the QA samples walk; export and the provenance index read the same files through the family table,
steps/family_table.py, and the statistics and bias counts in parts, steps/folds.py).

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
    """The dependencies (the family's privacy and split steps) and reads of a step that iterates `shipped` or reads
    the family table (steps/family_table.py), for its StepSpec; `more`: further files of the privacy step it
    reads."""
    privacy, split = ids.family_step(family, ids.PRIVACY), ids.family_step(family, ids.SPLIT)
    return (privacy, split), {privacy: (RECORDS, *more), split: (ASSIGNMENT,)}


def shipped(ctx: StepContext) -> Iterator[Placed]:
    """The records that ship (those the split step gave a split), in the privacy step's order (id order). The step
    depends on its family's privacy and split steps."""
    privacy_id, split_id = ctx.dep(ids.PRIVACY), ctx.dep(ids.SPLIT)
    for body, assigned in zip(ctx.lines(privacy_id, RECORDS), parse_lines(ctx.lines(split_id, ASSIGNMENT)),
                              strict=True):
        if assigned["split"] is not None:
            yield Placed(body, assigned)
