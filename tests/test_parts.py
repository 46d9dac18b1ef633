"""A family cut into parts (steps/parts.py): boundaries follow record ids only, so an edit changes the parts it
touches and no other, and what `cut` spills is exactly the lines of the parts the previous index does not hold."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from releasebuild.keys import canonical_json
from releasebuild.steps import parts
from releasebuild.steps.parts import Input, PartIndex, cut_inputs, spilled, starts_part

pytestmark = pytest.mark.unit

Row = tuple[bytes, bytes, bytes]


def row(record_id: str, text: str, group: str = "g") -> Row:
    """A record's lines as ingest writes them: its body, its groups line and its provenance line."""
    return tuple((canonical_json(value) + "\n").encode() for value in (
        {"id": record_id, "messages": [{"role": "user", "content": text}]}, {"group": group, "id": record_id},
        {"id": record_id, "locator": {"line": 1}, "source": "a.jsonl"}))  # type: ignore[return-value]


class Held(PartIndex):
    """An index holding the parts of an earlier cut, by digest."""

    def __init__(self, earlier: list[parts.Part]):
        self.inputs = {}
        self.entries = [{"digest": part.digest} for part in earlier]
        self.by_digest = {part.digest: (index, entry) for index, (part, entry) in enumerate(zip(earlier, self.entries,
                                                                                                strict=True))}


def cut(rows: Iterator[Row], group_at: int, previous: PartIndex, spill: Path) -> tuple[list[parts.Part], list[int]]:
    """One input file's cut."""
    found, reused, _ = cut_inputs([Input(("one file",), lambda: rows)], group_at, previous, spill)
    return found, reused


def test_a_boundary_follows_the_id_alone() -> None:
    """The group key (the line's head, which may hold anything, `,"id":` spelled inside a string too) moves none."""
    ids = [f"r{n:05d}" for n in range(5000)]
    opening = [record_id for record_id in ids if starts_part(row(record_id, "")[1])]
    assert 0 < len(opening) < len(ids) / 100  # about one id in PART_RECORDS
    tricky = 'x ,"id":"r00001"} {'
    assert [i for i in ids if starts_part(row(i, "", group=tricky)[1])] == opening


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), size=st.integers(1, 120), edit=st.sampled_from(["text", "insert", "delete"]))
def test_an_edit_changes_the_parts_it_touches_and_spills_only_those(tmp_path_factory: pytest.TempPathFactory,
                                                                    seed: int, size: int, edit: str) -> None:
    generator = random.Random(seed)
    ids = sorted(generator.sample(range(10_000), size))
    rows = [row(f"r{n:05d}", f"text {n}") for n in ids]
    directory = tmp_path_factory.mktemp("cut")
    with mock.patch.object(parts, "PART_RECORDS", 4), mock.patch.object(parts, "MAX_PART_RECORDS", 12):
        before, _ = cut(iter(rows), 1, PartIndex(None, ""), directory / "before")
        assert list(spilled(directory / "before", 3)) == rows  # nothing held: everything spilled, in order
        edited = list(rows)
        where = generator.randrange(len(rows))
        if edit == "text":
            edited[where] = row(f"r{ids[where]:05d}", "an edited message")
        elif edit == "insert":
            new_id = next(n for n in range(ids[where] + 1, 20_000) if n not in ids)
            edited.insert(where + 1, row(f"r{new_id:05d}", "a new record"))
            edited.sort(key=lambda lines: lines[1])
        else:
            del edited[where]
        after, reused = cut(iter(edited), 1, Held(before), directory / "after")
        cold, _ = cut(iter(edited), 1, PartIndex(None, ""), directory / "cold")
    assert [(p.digest, p.records) for p in after] == [(p.digest, p.records) for p in cold]  # a function of the rows
    made = [part.index for part in after if part.previous is None]
    assert len(made) == len(after) - len(reused)
    # An edited message changes its part and no other. A record added or removed changes the parts from its own to
    # the next boundary by id: one, or two when it is a boundary itself (more only where parts were cut at
    # MAX_PART_RECORDS, whose cuts shift up to that boundary). Always one run of parts, around the edit.
    if edit == "text":
        assert len(made) == 1 and len(reused) == len(before) - 1
    assert made == list(range(made[0], made[-1] + 1)) if made else edit == "delete"
    starts = [sum(p.records for p in after[:index]) for index in range(len(after))]
    expected = [line for part, start in zip(after, starts, strict=True) if part.previous is None
                for line in edited[start:start + part.records]]
    assert list(spilled(directory / "after", 3)) == expected
    for part, start in zip(after, starts, strict=True):  # a part handed on holds the very lines it held before
        if part.previous is not None:
            position, _ = part.previous
            old_start = sum(p.records for p in before[:position])
            assert rows[old_start:old_start + before[position].records] == edited[start:start + part.records]


def test_no_spill_when_every_part_is_held(tmp_path: Path) -> None:
    rows = [row(f"r{n:05d}", "same") for n in range(3000)]
    first, _ = cut(iter(rows), 1, PartIndex(None, ""), tmp_path / "first")
    again, reused = cut(iter(rows), 1, Held(first), tmp_path / "again")
    assert len(first) > 1 and reused == list(range(len(first)))
    assert list(spilled(tmp_path / "again", 3)) == []


def test_a_part_ends_with_its_file_and_a_file_whose_blobs_did_not_change_is_not_read(tmp_path: Path) -> None:
    """Cut file by file, the parts of an unchanged file are the index's for it, and its rows are never asked for;
    the parts of the files around an edited one come out as a cut from scratch makes them."""
    files = [[row(f"r{n:05d}", f"text {n}") for n in range(start, start + 40)] for start in (0, 100, 200)]
    read: list[int] = []

    def inputs(contents: list[list[Row]]) -> list[Input]:
        def rows(index: int, content: list[Row]) -> Iterator[Row]:
            read.append(index)
            return iter(content)
        return [Input((hashlib.sha256(b"".join(b"".join(r) for r in content)).hexdigest(),),
                      lambda i=index, c=content: rows(i, c))
                for index, content in enumerate(contents)]

    class Indexed(PartIndex):
        def __init__(self, found: list[parts.Part], kept: list[dict[str, object]]):
            super().__init__(None, "")
            self.entries = [{"digest": part.digest} for part in found]
            self.by_digest = {entry["digest"]: (index, entry) for index, entry in enumerate(self.entries)}
            self.inputs = {tuple(entry["files"]): [tuple(p) for p in entry["parts"]]  # type: ignore[misc]
                           for entry in kept}

    with mock.patch.object(parts, "PART_RECORDS", 4), mock.patch.object(parts, "MAX_PART_RECORDS", 12):
        before, _, kept = cut_inputs(inputs(files), 1, PartIndex(None, ""), tmp_path / "before")
        assert read == [0, 1, 2] and sum(part.records for part in before) == 120
        assert [sum(p[1] for p in entry["parts"]) for entry in kept] == [40, 40, 40]  # no part spans two files
        edited = [files[0], [*files[1][:7], row("r00107", "edited"), *files[1][8:]], files[2]]
        read.clear()
        after, reused, _ = cut_inputs(inputs(edited), 1, Indexed(before, kept), tmp_path / "after")
        assert read == [1]  # the edited file only
        cold, _, _ = cut_inputs(inputs(edited), 1, PartIndex(None, ""), tmp_path / "cold")
        assert [(p.digest, p.records) for p in after] == [(p.digest, p.records) for p in cold]
        made = [part for part in after if part.previous is None]
        assert len(made) == 1 and len(reused) == len(after) - 1  # the edited file's part holding the edit
        first = sum(part.records for part in after[:made[0].index])
        rows = [r for content in edited for r in content]
        assert list(spilled(tmp_path / "after", 3)) == rows[first:first + made[0].records]
