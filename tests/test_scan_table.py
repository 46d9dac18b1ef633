"""The privacy step's memos as it reads them: the previous scan table (`_PreviousScan`), its keys looked up at once and
runs of its rows copied as they stand, and each record's text keys by its lines (`_PreviousKeys`); a file it did not
write (other settings or code, out of order, not hex, cut short) is not used at all."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import xxhash
from hypothesis import example, given, settings
from hypothesis import strategies as st

from releasebuild.steps.base import OutputFile
from releasebuild.steps.privacy import _KEY, _as_bytes, _PreviousKeys, _PreviousScan, _TextKeys, _unique

pytestmark = pytest.mark.unit

HEADER = "#scan\tsettings"
# keys with zero bytes at their end, which numpy's bytes would drop, and at their start
EDGES = [b"\x00" * 15 + b"\x01", b"\x01" + b"\x00" * 15, b"\x00" * 16, b"\xff" * 16]


def table(path: Path, rows: dict[bytes, str], header: str = HEADER) -> Path:
    path.write_text(header + "\n" + "".join(f"{key.hex()}\t{found}\n" for key, found in sorted(rows.items())))
    return path


def keys(seed: int, count: int) -> list[bytes]:
    generator = random.Random(seed)
    return EDGES + [xxhash.xxh3_128_digest(generator.randbytes(8)) for _ in range(count)]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), count=st.integers(0, 80), share=st.floats(0, 1), tables=st.integers(1, 3))
@example(seed=387, count=0, share=0.0, tables=3)  # tables of a header and no row: read as holding nothing
def test_rows_of_any_subset_are_those_rows_as_written(tmp_path_factory: pytest.TempPathFactory, seed: int,
                                                       count: int, share: float, tables: int) -> None:
    """Read from one table or from several (the parts of a family an edit touched), a key in two of them once."""
    every = keys(seed, count)
    rows = {key: ('[[0,4,"PERSON",0.85]]' if index % 7 == 0 else "[]") for index, key in enumerate(every)}
    generator = random.Random(seed)
    homes = [{generator.randrange(tables) for _ in range(2)} for _ in every]  # one table or two
    directory = tmp_path_factory.mktemp("t")
    held = [{key: rows[key] for key, home in zip(every, homes, strict=True) if n in home} for n in range(tables)]
    previous = _PreviousScan([table(directory / f"scan{n}.tsv", part) for n, part in enumerate(held)], HEADER)
    subset = sorted(key for key in every if generator.random() < share)
    others = [xxhash.xxh3_128_digest(generator.randbytes(9)) for _ in range(5)]
    asked = np.array(sorted(subset + others), dtype=_KEY)
    held = previous.holds(asked)
    assert [key for key, is_held in zip(_as_bytes(asked), held.tolist(), strict=True) if is_held] == subset
    expected = "".join(f"{key.hex()}\t{rows[key]}\n" for key in subset).encode()
    assert previous.rows(np.array(subset, dtype=_KEY)) == expected
    flagged = previous.flagged(np.array(subset, dtype=_KEY))
    assert sorted(flagged) == sorted(key.hex() for key in subset if rows[key] != "[]")


def test_a_table_made_otherwise_is_not_used(tmp_path: Path) -> None:
    every = keys(1, 20)
    rows = dict.fromkeys(every, "[]")
    asked = np.array(sorted(every), dtype=_KEY)
    assert _PreviousScan([table(tmp_path / "same.tsv", rows)], HEADER).holds(asked).all()
    assert not _PreviousScan([table(tmp_path / "other.tsv", rows, "#scan\tother")], HEADER).holds(asked).any()
    out_of_order = tmp_path / "order.tsv"
    out_of_order.write_text(HEADER + "\n" + "".join(f"{key.hex()}\t[]\n" for key in reversed(sorted(every))))
    assert not _PreviousScan([out_of_order], HEADER).holds(asked).any()
    not_hex = tmp_path / "hex.tsv"
    not_hex.write_text(HEADER + "\n" + "".join(f"{key.hex().upper()}\t[]\n" for key in sorted(every)))
    assert not _PreviousScan([not_hex], HEADER).holds(asked).any()
    short = tmp_path / "short.tsv"
    short.write_text(HEADER + "\nabc\n")
    assert not _PreviousScan([short], HEADER).holds(asked).any()
    assert not _PreviousScan([], HEADER).holds(asked).any()


def test_the_text_keys_kept_are_read_back_by_record_and_a_file_cut_short_is_not_used(tmp_path: Path) -> None:
    keys = _TextKeys()
    lines = [(b'{"id": "a"}\n', b'{"group": "g"}\n'), (b'{"id": "b"}\n', b'{"group": "g"}\n'), (b"{}\n", b"{}\n")]
    per_record = [b"".join(keys_of(seed, count)) for seed, count in ((1, 3), (2, 1), (3, 0))]
    for record_keys in per_record:
        keys.add(record_keys)
    digests = b"".join(_PreviousKeys.lines_digest(*pair) for pair in lines)
    output = OutputFile(tmp_path / "out", None, None)
    _PreviousKeys.write(output, digests, keys)
    output.close()
    path = tmp_path / "out"
    read = _PreviousKeys([path])
    assert [read.get(_PreviousKeys.lines_digest(*pair)) for pair in lines] == per_record
    assert read.get(_PreviousKeys.lines_digest(b'{"id": "c"}\n', b'{"group": "g"}\n')) is None
    # the digest of a record's lines tells the line from the group line
    assert _PreviousKeys.lines_digest(b"ab", b"c") != _PreviousKeys.lines_digest(b"a", b"bc")
    whole = path.read_bytes()
    path.write_bytes(whole[:-5])
    assert _PreviousKeys([path]).records == {}
    path.write_bytes(whole.replace(b"privacy/", b"privacy/x", 1))  # written by other code
    assert _PreviousKeys([path]).records == {}


def keys_of(seed: int, count: int) -> list[bytes]:
    generator = random.Random(seed)
    return [generator.randbytes(16) for _ in range(count)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(min_size=16, max_size=16), max_size=60), st.integers(0, 3))
def test_unique_keys_are_numpys_unique_in_the_bytes_order(keys: list[bytes], repeats: int) -> None:
    """Sorted by integer halves, the keys come out as np.unique sorts them, and as sorted bytes (the scan table's
    key order), zero bytes at either end included."""
    keys += [b"\x00" * 16, b"\x00" * 15 + b"\x01", b"\x01" + b"\x00" * 15, b"\xff" * 16][:repeats]
    digests = np.array(keys * 2, dtype=_KEY)
    found = _unique(digests)
    assert np.array_equal(found, np.unique(digests))
    assert _as_bytes(found) == sorted(set(keys))
