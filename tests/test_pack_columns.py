"""A fingerprint pack held as columns (dedup/pack.py `Rows`) reads back every row exactly as records.tsv holds it,
and a release-wide step lets go of the mapped pages it has read (`drop_pages`)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from releasebuild.dedup.near import MemoryFingerprints, Settings
from releasebuild.dedup.pack import Row, Rows, drop_pages, map_array
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
    assert table.ids() == [row.id for row in written]
    assert table.takedown.tolist() == [row.takedown for row in written]
    for kind in KINDS:
        keys, present = table.keys(kind)
        assert present.tolist() == [bool(row.hashes[kind]) for row in written]
        # the uint64 keys order texts as their fixed-width hex spellings do (the keep-policy sorts by them)
        spelled = [row.hashes[kind] for row in written if row.hashes[kind]]
        assert sorted(spelled) == [f"{key:016x}" for key in sorted(keys[present].tolist())]


def test_a_hash_of_another_width_is_an_error_not_a_shifted_column() -> None:
    good = Row("a", False, dict.fromkeys(KINDS, "0123456789abcdef"), []).line()
    with pytest.raises(ValueError, match="16 hex digits"):
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
