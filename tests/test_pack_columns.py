"""A fingerprint pack and the held-out index held as columns (dedup/pack.py `Rows`, dedup/heldout.py `Entries`) read
back every row exactly as their files hold it, the index writer adds a new entry unless a previous one has its key,
and a release-wide step lets go of the mapped pages it has read (`drop_pages`)."""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from releasebuild.dedup.heldout import FILES, Entries, Entry, HeldoutIndex, IndexWriter
from releasebuild.dedup.near import MemoryFingerprints, Settings
from releasebuild.dedup.pack import COLUMNS, ColumnsWriter, Row, Rows, drop_pages, map_array
from releasebuild.dedup.text import KINDS, TextRules

hashes = st.one_of(st.just(""), st.binary(min_size=1, max_size=8).map(xxhash.xxh3_64_hexdigest))
rows = st.builds(Row, st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12),
                 st.booleans(), st.fixed_dictionaries({kind: hashes for kind in KINDS}),
                 st.lists(st.binary(max_size=6).map(xxhash.xxh3_64_hexdigest), max_size=4))


@settings(max_examples=60, deadline=None)
@given(st.lists(rows, max_size=30))
def test_columns_give_back_every_row_as_records_tsv_spells_it(written: list[Row]) -> None:
    table = Rows(row.line().encode("utf-8") for row in written)
    assert len(table) == len(written)
    assert [row.line() for row in table] == [row.line() for row in written]
    assert [table[index] for index in range(-len(written), 0)] == written
    with pytest.raises(IndexError):
        table[len(written)]
    with pytest.raises(IndexError):
        table[-len(written) - 1]
    assert table.ids() == [row.id for row in written]
    assert table.takedown.tolist() == [row.takedown for row in written]
    for kind in KINDS:
        keys, present = table.keys(kind)
        assert present.tolist() == [bool(row.hashes[kind]) for row in written]
        # the uint64 keys order texts as their fixed-width hex spellings do (the keep-policy sorts by them)
        spelled = [row.hashes[kind] for row in written if row.hashes[kind]]
        assert sorted(spelled) == [f"{key:016x}" for key in sorted(keys[present].tolist())]


@settings(max_examples=60, deadline=None)
@given(st.lists(rows, max_size=20), st.lists(st.tuples(st.booleans(), st.integers(0, 19), st.integers(1, 6)),
                                             max_size=8))
def test_rows_written_as_columns_fresh_or_copied_in_runs_read_back_as_their_lines_do(
        source_rows: list[Row], steps: list[tuple[bool, int, int]]) -> None:
    """What the fingerprint step writes (`ColumnsWriter`: fresh rows, and runs of the previous pack's rows copied)
    is read back (`Rows.from_columns`) as the same rows as records.tsv's lines for them."""
    source = Rows(row.line().encode("utf-8") for row in source_rows)
    expected: list[Row] = []
    with tempfile.TemporaryDirectory() as directory:
        files = {name: Path(directory) / name for name in COLUMNS}
        handles = {name: path.open("wb") for name, path in files.items()}
        writer = ColumnsWriter(handles.__getitem__)
        for copied, first, length in steps:
            if copied and source_rows:
                first %= len(source_rows)
                last = min(len(source_rows), first + length)
                writer.copy(source, first, last)
                expected += source_rows[first:last]
            else:
                fresh = [Row(f"fresh-{len(expected)}-{n}", n % 2 == 0, {kind: "" if n % 3 == k else
                                                                       xxhash.xxh3_64_hexdigest(bytes([n, k]))
                                                                       for k, kind in enumerate(KINDS)},
                             [xxhash.xxh3_64_hexdigest(bytes([n]))] * (n % 3)) for n in range(length)]
                writer.fresh(fresh)
                expected += fresh
        writer.close()
        read = Rows.from_columns(files)
        assert [row.line() for row in read] == [row.line() for row in expected]
        assert read.ids() == [row.id for row in expected]
        for kind in KINDS:
            text = Rows(row.line().encode("utf-8") for row in expected)
            assert all(np.array_equal(a, b) for a, b in zip(read.keys(kind), text.keys(kind), strict=True))


def test_columns_that_disagree_on_their_rows_are_an_error(tmp_path: Path) -> None:
    files = {name: tmp_path / name for name in COLUMNS}
    handles = {name: path.open("wb") for name, path in files.items()}
    writer = ColumnsWriter(handles.__getitem__)
    writer.fresh([Row("a", False, dict.fromkeys(KINDS, ""), []), Row("b", True, dict.fromkeys(KINDS, ""), [])])
    writer.close()
    assert Rows.from_columns(files).ids() == ["a", "b"]
    files["rows.takedown"].write_bytes(b"\x00")
    with pytest.raises(ValueError, match="disagree"):
        Rows.from_columns(files)


def test_a_hash_of_another_width_is_an_error_not_a_shifted_column() -> None:
    good = Row("a", False, dict.fromkeys(KINDS, "0123456789abcdef"), []).line()
    with pytest.raises(ValueError, match="not 16 hex digits"):
        Rows([good.encode(), good.replace("0123456789abcdef", "0123", 1).encode()])


def test_searchable_rows_are_the_first_row_of_each_text_long_enough_to_shingle() -> None:
    base = Settings(TextRules(), 32, 1, KINDS, dict.fromkeys(KINDS, 0.8), 8)
    long = "one two three four five six seven eight nine ten"
    docs = [{"id": str(n), "messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "ok"}]}
            for n, text in enumerate([long, "hi", long, long + " eleven", "hi", long + " eleven"])]
    prints = MemoryFingerprints(docs, base)
    assert prints.searchable("conversation").tolist() == [0, 3]
    assert prints.searchable("user").tolist() == [0, 3]  # "hi" is too short to shingle
    assert prints.same_text("conversation", 0, prints, 2) and not prints.same_text("conversation", 0, prints, 3)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the mapped-file RSS from /proc")
def test_dropping_pages_gives_back_what_reading_a_mapped_array_made_resident(tmp_path: Path) -> None:
    path = tmp_path / "keys.bin"
    np.arange(8_000_000, dtype=np.uint64).tofile(path)  # 64 MB
    array = map_array(path, np.uint64, (8_000_000,))
    before = _mapped_kb()
    assert int(array.sum()) == 8_000_000 * 7_999_999 // 2
    read = _mapped_kb()
    assert read - before > 48_000
    drop_pages(array, np.zeros(3))  # an array not mapped from a file is left alone
    assert _mapped_kb() - before < 8_000
    assert int(array[-1]) == 7_999_999  # still readable: the pages come back from the page cache


def _mapped_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("RssFile:"))


entries = st.builds(Entry, st.sampled_from(["v2026-01-01", "v2026-02-01", "v2026-03-01"]),
                    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=10)
                    .map(lambda record_id: f"family/{record_id}"),
                    st.sampled_from(["val", "test"]), st.fixed_dictionaries({kind: hashes for kind in KINDS}))


@settings(max_examples=60, deadline=None)
@given(st.lists(entries, max_size=30))
def test_index_entries_as_columns_give_back_every_entry(written: list[Entry]) -> None:
    table = Entries(entry.line().encode("utf-8") for entry in written)
    assert list(table) == written
    assert [table[index] for index in range(-len(written), 0)] == written
    assert table.releases() == dict(sorted(Counter(entry.release for entry in written).items()))


def test_the_index_writer_skips_a_new_entry_only_when_a_previous_one_has_its_key(tmp_path: Path) -> None:
    base = Settings(TextRules(), 32, 1, KINDS, dict.fromkeys(KINDS, 0.8), 8)
    docs = [{"id": str(n), "messages": [{"role": "user", "content": f"text number {n} of the held out set"}]}
            for n in range(4)]
    prints = MemoryFingerprints(docs, base)
    sigs = {kind: np.zeros((len(docs), base.num_perm), dtype=np.uint32) for kind in KINDS}
    first = [Entry("v1", f"family/{n}", "test" if n % 2 else "val", prints.rows[n].hashes) for n in range(4)]
    previous = _index(tmp_path / "v1", lambda writer: writer.add(first, prints, np.arange(4), sigs))
    again = Entry("v2", "family/1", "test", prints.rows[1].hashes)  # the same record, text and split: nothing new
    moved = Entry("v2", "family/2", "test", prints.rows[2].hashes)  # the same record and text, another split
    added: list[int] = []

    def second(writer: IndexWriter) -> None:
        writer.add_previous(previous, range(0, 3))
        writer.add_previous(previous, range(3, 4))
        added.append(writer.add([again, moved], prints, np.array([1, 2]), sigs))

    index = _index(tmp_path / "v2", second)
    assert added == [1]
    assert list(index.entries) == [*first, moved]
    assert index.releases() == {"v1": 4, "v2": 1}
    for row, (source, source_row) in enumerate([(previous, 0), (previous, 1), (previous, 2), (previous, 3),
                                                (prints, 2)]):
        assert index.shingles("user", row).tolist() == source.shingles("user", source_row).tolist()
        assert index.shingle_runs("user", np.array([row]))[0].tolist() == index.shingles("user", row).tolist()


def _index(directory: Path, fill: Callable[[IndexWriter], object]) -> HeldoutIndex:
    directory.mkdir()
    paths = {key: directory / key.replace("/", "_") for key in FILES}

    def open_output(key: str) -> BinaryIO:
        return paths[key].open("wb")

    writer = IndexWriter(open_output, "identity", 32)
    fill(writer)
    writer.finish()
    return HeldoutIndex(paths)


def test_a_line_without_its_six_fields_or_with_a_bad_turn_pair_is_an_error() -> None:
    good = Row("a", False, dict.fromkeys(KINDS, "0123456789abcdef"), ["0123456789abcdef", "fedcba9876543210"]).line()
    assert len(Rows([good.encode()])) == 1
    with pytest.raises(ValueError, match="six tab-separated fields"):
        Rows([good.encode(), good.replace("\t", "", 1).encode()])
    with pytest.raises(ValueError, match="not 16 hex digits"):
        Rows([good.replace(",", ";").encode()])
    with pytest.raises(ValueError, match="not 16 hex digits"):
        Rows([good.replace("fedcba9876543210", "fedcba987654321g").encode()])
