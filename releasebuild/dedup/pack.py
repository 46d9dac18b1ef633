"""A family's fingerprints, packed: one row per record, binary arrays per kind, an index to find rows.

Files (all outputs of the family's fingerprint step, content-addressed like any other):
- records.tsv             id, takedown flag, exact hash per kind, exact turn-pair hashes (comma-separated)
- rows.* and <kind>.hash/.present  the same as binary columns (`COLUMNS`), which readers load instead of parsing
                          the text (0.2 s a family of 200,000 records, in each release-wide step that reads it)
- <kind>.sig              uint32 (rows x num_perm): MinHash signatures (all 0xFFFFFFFF for a short text)
- <kind>.bands            uint64 (rows x bands): the LSH band keys, i.e. the family's slice of the index
- <kind>.shingles/.offsets the sorted shingle hashes of every row, for exact Jaccard
- pack.json               what the pack was made with (its identity) and its shape

Readers memory-map the arrays: a family's fingerprints are never loaded whole.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar, overload

import numpy as np
import xxhash

from releasebuild.dedup.minhash import places_in_runs
from releasebuild.dedup.text import KINDS
from releasebuild.hexdigits import hex_uint64

RECORDS = "records.tsv"
PACK = "pack.json"
PARTS = ("sig", "bands", "shingles", "offsets")
# records.tsv as columns: the ids run together and where each ends, the takedown flags (uint8), the turn-pair hashes
# run together and where each row's end (uint64, int64), and per kind each row's exact hash (uint64, 0 for none) and
# whether it has one (uint8)
COLUMNS: tuple[str, ...] = ("rows.ids", "rows.id_ends", "rows.takedown", "rows.pairs", "rows.pair_ends",
                            *(f"{kind}.{column}" for kind in KINDS for column in ("hash", "present")))
# a pack made before its columns (an earlier release of the fingerprint step): a next run still copies its rows
TEXT_FILES: tuple[str, ...] = (RECORDS, PACK, *(f"{kind}.{part}" for kind in KINDS for part in PARTS))
FILES: tuple[str, ...] = (*TEXT_FILES, *COLUMNS)


class Row(NamedTuple):
    """One record's exact fingerprints, a line of records.tsv (a pack holds them as columns: `Rows`)."""

    id: str
    takedown: bool
    hashes: dict[str, str]  # kind -> exact hash ("" when the role never speaks)
    turn_pairs: list[str]

    def line(self) -> str:
        return "\t".join([self.id, "1" if self.takedown else "0", *(self.hashes[k] for k in KINDS),
                          ",".join(self.turn_pairs)]) + "\n"


Item = TypeVar("Item")


class ColumnTable(Sequence[Item]):
    """A table held as columns (arrays, strings run together), whose items are made on demand (`item`)."""

    def item(self, index: int) -> Item:
        """Item `index`, 0 <= index < len(self)."""
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> Item: ...

    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...

    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        if isinstance(index, slice):
            return [self.item(i) for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self.item(index % len(self))

    def __iter__(self) -> Iterator[Item]:
        return (self.item(index) for index in range(len(self)))


class Rows(ColumnTable[Row]):
    """records.tsv held as columns: ids run together, each exact hash as a uint64, the turn-pair hashes run
    together. A release-wide step holds every family's rows at once; as Row objects (a tuple, a dict, four strings
    and a list per record) they took about 1 KB a record, as columns they take about 60 bytes. `rows[i]` is the
    Row, made on demand; bulk readers use the columns (`keys`, `ids`)."""

    def __init__(self, data: Iterable[bytes]):
        """From records.tsv's bytes, in pieces (its lines, or the whole file at once). Parsed by arrays: the tabs
        and newlines located at once, each column gathered from them (a loop over lines took 0.2 s of a 20,000-row
        family, 2 s at 200,000). A line without its six fields, or a hash that is not 16 hex digits, is an
        error."""
        blob = b"".join(data)
        if blob and not blob.endswith(b"\n"):
            blob += b"\n"
        raw = np.frombuffer(blob, dtype=np.uint8) if blob else np.zeros(0, dtype=np.uint8)
        ends = np.flatnonzero(raw == ord("\n"))
        tabs = np.flatnonzero(raw == ord("\t"))
        count = len(ends)
        if len(tabs) != 5 * count or not np.array_equal(np.searchsorted(ends, tabs), np.repeat(np.arange(count), 5)):
            raise ValueError("records.tsv: a line without its six tab-separated fields")
        fields = tabs.reshape(count, 5)
        line_starts = np.concatenate([[0], ends[:-1] + 1])[:count].astype(np.int64)
        starts = np.column_stack([line_starts, fields + 1])
        stops = np.column_stack([fields, ends])
        lengths = stops - starts
        self._ids = _gather(raw, starts[:, 0], lengths[:, 0]).tobytes()
        self._id_ends = np.cumsum(lengths[:, 0])
        self.takedown = (lengths[:, 1] == 1) & (raw[starts[:, 1]] == ord("1"))
        self._present, self._hashes = {}, {}
        for column, kind in enumerate(("conversation", "user", "assistant"), start=2):
            present = lengths[:, column] > 0
            if np.any(lengths[present, column] != _HEX_BYTES):
                raise ValueError(f"a hash that is not {_HEX_BYTES} hex digits")
            values = np.zeros(count, dtype=np.uint64)
            values[present] = _hex_values(raw, starts[present, column])
            self._present[kind], self._hashes[kind] = present, values
        # turn pairs: 16 hex digits each, comma-separated
        pair_counts = (lengths[:, 5] + 1) // (_HEX_BYTES + 1)
        if np.any(lengths[:, 5] != np.where(pair_counts > 0, pair_counts * (_HEX_BYTES + 1) - 1, 0)):
            raise ValueError(f"a hash that is not {_HEX_BYTES} hex digits")
        firsts = np.repeat(starts[:, 5], pair_counts)
        within = places_in_runs(pair_counts)
        pair_starts = firsts + within * (_HEX_BYTES + 1)
        if np.any(raw[pair_starts[within > 0] - 1] != ord(",")):
            raise ValueError(f"a hash that is not {_HEX_BYTES} hex digits")
        self._pairs = _hex_values(raw, pair_starts)
        self._pair_ends = np.cumsum(pair_counts).astype(np.int64)

    @classmethod
    def from_columns(cls, files: dict[str, Path]) -> Rows:
        """From the column files (`COLUMNS`, by name), as `ColumnsWriter` wrote them: nothing to parse."""
        rows = cls.__new__(cls)
        rows._ids = files["rows.ids"].read_bytes()
        rows._id_ends = np.fromfile(files["rows.id_ends"], dtype=np.int64)
        rows.takedown = np.fromfile(files["rows.takedown"], dtype=np.uint8).astype(bool)
        rows._pairs = np.fromfile(files["rows.pairs"], dtype=np.uint64)
        rows._pair_ends = np.fromfile(files["rows.pair_ends"], dtype=np.int64)
        rows._hashes = {kind: np.fromfile(files[f"{kind}.hash"], dtype=np.uint64) for kind in KINDS}
        rows._present = {kind: np.fromfile(files[f"{kind}.present"], dtype=np.uint8).astype(bool) for kind in KINDS}
        count = len(rows._id_ends)
        lengths = [len(rows.takedown), len(rows._pair_ends), *map(len, rows._hashes.values()),
                   *map(len, rows._present.values())]
        if any(length != count for length in lengths) or int(rows._id_ends[-1] if count else 0) != len(rows._ids) \
                or int(rows._pair_ends[-1] if count else 0) != len(rows._pairs):
            raise ValueError("a fingerprint pack's row columns disagree on its rows")
        return rows

    def __len__(self) -> int:
        return len(self.takedown)

    def item(self, index: int) -> Row:
        return tuple.__new__(Row, (self.id(index), bool(self.takedown[index]),
                                   {kind: self.hex(kind, index) for kind in KINDS}, self.turn_pairs(index)))

    def id(self, index: int) -> str:
        start = int(self._id_ends[index - 1]) if index else 0
        return self._ids[start:int(self._id_ends[index])].decode("utf-8")

    def ids(self) -> list[str]:
        """Every id, in row order."""
        ends = self._id_ends.tolist()
        return [self._ids[start:end].decode("utf-8") for start, end in zip([0, *ends], ends, strict=False)]

    def ids_digest(self) -> str:
        """A digest of every id in row order (of the columns, so no id is decoded)."""
        hasher = xxhash.xxh3_128(self._ids)
        hasher.update(np.ascontiguousarray(self._id_ends, dtype="<i8").tobytes())
        return hasher.hexdigest()

    def hex(self, kind: str, index: int) -> str:
        """The exact hash as records.tsv spells it ("" when the role never speaks)."""
        return f"{int(self._hashes[kind][index]):016x}" if self._present[kind][index] else ""

    def keys(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Every row's exact hash of `kind` as uint64, and whether the row has one."""
        return self._hashes[kind], self._present[kind]

    def turn_pairs(self, index: int) -> list[str]:
        return [f"{value:016x}" for value in self.pair_keys(index)]

    def pair_columns(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The turn-pair hashes of these rows run together (uint64), and the row each belongs to."""
        ends = self._pair_ends[rows]
        starts = ends - np.diff(self._pair_ends, prepend=0)[rows]
        counts = ends - starts
        holders = np.repeat(rows, counts)
        # each pair's index in the run: its row's start, plus its place among the row's pairs
        within = places_in_runs(counts)
        return self._pairs[np.repeat(starts, counts) + within], holders

    def pair_keys(self, index: int) -> list[int]:
        """The row's turn-pair hashes as ints."""
        start = int(self._pair_ends[index - 1]) if index else 0
        keys: list[int] = self._pairs[start:int(self._pair_ends[index])].tolist()
        return keys


_HEX_BYTES = 16  # exact hashes are xxh3-64 hex digests (dedup.text.exact_hash)
def _gather(raw: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The bytes of each (start, length) run together."""
    gathered: np.ndarray = raw[np.repeat(starts, lengths) + places_in_runs(lengths)]
    return gathered


def _hex_values(raw: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The 16 hex digits at each start as a uint64."""
    values = hex_uint64(raw, starts)
    if values is None:
        raise ValueError(f"a hash that is not {_HEX_BYTES} hex digits")
    return values


def hex_column(values: list[bytes]) -> np.ndarray:
    """Fixed-width hex digests as uint64 (an empty one as 0: the caller keeps which are present)."""
    if not values:
        return np.zeros(0, dtype=np.uint64)  # frombuffer refuses an empty buffer
    joined = b"".join(value or b"0" * _HEX_BYTES for value in values)
    if len(joined) != _HEX_BYTES * len(values):
        raise ValueError(f"a hash that is not {_HEX_BYTES} hex digits")
    return _hex_values(np.frombuffer(joined, dtype=np.uint8), np.arange(len(values), dtype=np.int64) * _HEX_BYTES)


class Writable(Protocol):
    def write(self, data: bytes, /) -> Any: ...

    def close(self) -> Any: ...


class ColumnsWriter:
    """Writes a pack's rows as its column files (`COLUMNS`, opened by `open_output`), row by row in order: fresh
    rows, or runs of an earlier pack's rows copied as they are."""

    def __init__(self, open_output: Callable[[str], Writable]):
        self.files = {name: open_output(name) for name in COLUMNS}
        self.id_end = 0
        self.pair_end = 0

    def fresh(self, rows: list[Row]) -> None:
        ids = [row.id.encode("utf-8") for row in rows]
        pairs = [[int(value, 16) for value in row.turn_pairs] for row in rows]
        self._write(b"".join(ids), np.cumsum([len(one) for one in ids], dtype=np.int64),
                    np.array([row.takedown for row in rows], dtype=np.uint8),
                    np.array([value for row in pairs for value in row], dtype=np.uint64),
                    np.cumsum([len(row) for row in pairs], dtype=np.int64),
                    {kind: np.array([int(row.hashes[kind] or "0", 16) for row in rows], dtype=np.uint64)
                     for kind in KINDS},
                    {kind: np.array([bool(row.hashes[kind]) for row in rows], dtype=np.uint8) for kind in KINDS})

    def copy(self, source: Rows, first: int, last: int) -> None:
        """Rows first..last-1 of an earlier pack."""
        id_start = int(source._id_ends[first - 1]) if first else 0
        pair_start = int(source._pair_ends[first - 1]) if first else 0
        pair_stop = int(source._pair_ends[last - 1]) if last else 0
        self._write(source._ids[id_start:int(source._id_ends[last - 1]) if last else 0],
                    source._id_ends[first:last] - id_start, source.takedown[first:last].astype(np.uint8),
                    source._pairs[pair_start:pair_stop], source._pair_ends[first:last] - pair_start,
                    {kind: source._hashes[kind][first:last] for kind in KINDS},
                    {kind: source._present[kind][first:last].astype(np.uint8) for kind in KINDS})

    def _write(self, ids: bytes, id_ends: np.ndarray, takedown: np.ndarray, pairs: np.ndarray, pair_ends: np.ndarray,
               hashes: dict[str, np.ndarray], present: dict[str, np.ndarray]) -> None:
        """Rows whose ends count from their own first row: written counting from the pack's."""
        self.files["rows.ids"].write(ids)
        self.files["rows.id_ends"].write((id_ends + self.id_end).astype(np.int64).tobytes())
        self.files["rows.takedown"].write(takedown.tobytes())
        self.files["rows.pairs"].write(pairs.astype(np.uint64).tobytes())
        self.files["rows.pair_ends"].write((pair_ends + self.pair_end).astype(np.int64).tobytes())
        for kind in KINDS:
            self.files[f"{kind}.hash"].write(hashes[kind].astype(np.uint64).tobytes())
            self.files[f"{kind}.present"].write(present[kind].tobytes())
        self.id_end += len(ids)
        self.pair_end += len(pairs)

    def close(self) -> None:
        for file in self.files.values():
            file.close()


class Fingerprints:
    """What near-pair search needs of a set of texts, in memory or memory-mapped from a pack."""

    bands: dict[str, np.ndarray]
    num_perm: int

    def shingles(self, kind: str, row: int) -> np.ndarray:
        raise NotImplementedError

    def keys(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Every row's exact hash of `kind` as uint64, and whether the row has one (`Rows.keys`)."""
        raise NotImplementedError

    def searchable(self, kind: str) -> np.ndarray:
        """Rows that take part in near-pair search: long enough to shingle, and the first row of their text
        (an exact copy adds no near pair of its own: exact matches are found by hash). Computed once per kind: a
        release-wide search asks for it once per pair of families."""
        found: dict[str, np.ndarray] = self.__dict__.setdefault("_searchable", {})
        if kind not in found:
            keys, present = self.keys(kind)
            with_text = np.nonzero(present)[0]
            firsts = np.sort(with_text[first_of_each(keys[with_text])])
            found[kind] = firsts[self.shingle_counts(kind)[firsts] > 0].astype(np.int64)
        return found[kind]

    def texts(self, kind: str, rows: np.ndarray) -> list[str]:
        """The exact hashes of `kind` of these rows, as records.tsv spells them ("" for a row without one)."""
        keys, present = self.keys(kind)
        return [f"{value:016x}" if has else "" for value, has in zip(keys[rows].tolist(), present[rows].tolist(),
                                                                    strict=True)]

    def text(self, kind: str, row: int) -> str:
        keys, present = self.keys(kind)
        return f"{int(keys[row]):016x}" if present[row] else ""

    def same_text(self, kind: str, row: int, other: Fingerprints, other_row: int) -> bool:
        """Whether the two rows have the same text of `kind` (both with one)."""
        keys, present = self.keys(kind)
        other_keys, other_present = other.keys(kind)
        return bool(present[row] and other_present[other_row] and keys[row] == other_keys[other_row])

    def shingle_counts(self, kind: str) -> np.ndarray:
        """Every row's shingle count, in row order."""
        raise NotImplementedError

    def shingle_runs(self, kind: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The shingles of these rows run together, in their order, and each row's count."""
        parts = [np.asarray(self.shingles(kind, row), dtype=np.uint32) for row in rows.tolist()]
        counts = np.array([len(part) for part in parts], dtype=np.int64)
        return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)), counts

    def drop_pages(self) -> None:
        """Let go of the file pages read through memory maps, if any (`drop_pages`)."""


class ShingleArrays(Fingerprints):
    """Fingerprints whose shingles are stored as files are: every row's sorted shingle hashes run together in one
    array per kind, and each row's start in another (a pack, the held-out index)."""

    _shingles: dict[str, np.ndarray]
    _offsets: dict[str, np.ndarray]

    def shingles(self, kind: str, row: int) -> np.ndarray:
        return self.shingle_rows(kind, row, row + 1)

    def shingle_rows(self, kind: str, start: int, stop: int) -> np.ndarray:
        """The shingle hashes of rows start..stop-1, run together (as stored)."""
        offsets = self._offsets[kind]
        return self._shingles[kind][offsets[start]:offsets[stop]]

    def shingle_counts(self, kind: str) -> np.ndarray:
        return np.diff(np.asarray(self._offsets[kind]))

    def shingle_runs(self, kind: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        offsets = self._offsets[kind]
        starts, counts = offsets[rows], offsets[rows + 1] - offsets[rows]
        return self._shingles[kind][np.repeat(starts, counts) + places_in_runs(counts)], counts

    def drop_pages(self) -> None:
        """Let go of the file pages this process has read through its maps (`drop_pages`)."""
        drop_pages(*self.bands.values(), *self._shingles.values(), *self._offsets.values())


class Pack(ShingleArrays):
    """A fingerprint pack read from its files (by output name)."""

    rows: Rows

    def __init__(self, files: dict[str, Path], records: bytes | None = None):
        """From its files by name: its rows from their columns, or from records.tsv (`records`: its bytes, when the
        caller has read them already) in a pack made before them."""
        self.info: dict[str, Any] = json.loads(files[PACK].read_bytes())
        self.num_perm = self.info["num_perm"]
        if all(name in files for name in COLUMNS):
            self.rows = Rows.from_columns(files)
        else:  # a pack made before its columns
            self.rows = Rows([files[RECORDS].read_bytes() if records is None else records])
        count = len(self.rows)
        self.bands = {}
        self._shingles = {}
        self._offsets = {}
        for kind in self.info["kinds"]:
            bands = self.info["bands"][kind][0]
            self.bands[kind] = map_array(files[f"{kind}.bands"], np.uint64, (count, bands))
            self._offsets[kind] = map_array(files[f"{kind}.offsets"], np.int64, (count + 1,))
            self._shingles[kind] = map_array(files[f"{kind}.shingles"], np.uint32, (int(self._offsets[kind][-1]),))

    def keys(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        return self.rows.keys(kind)


def first_of_each(values: np.ndarray) -> np.ndarray:
    """The index of each distinct value's first occurrence, in value order: np.unique(values, return_index=True)[1],
    by an unstable sort and the least index of each run of equal values (np.unique sorts stably, several times
    slower: a release-wide search asks this of every family and kind)."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(values)
    ordered = values[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    firsts: np.ndarray = np.minimum.reduceat(order, starts)
    return firsts


def map_array(path: Path, dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
    """The file memory-mapped, as a plain ndarray view of the map: a slice of an np.memmap costs ten times a
    slice of an ndarray (the subclass's hooks), and release-wide steps take a slice per record and kind."""
    if not all(shape) or path.stat().st_size == 0:
        return np.zeros(shape, dtype=dtype)
    return np.asarray(np.memmap(path, dtype=dtype, mode="r", shape=shape))


def drop_pages(*arrays: np.ndarray) -> None:
    """Unmap the pages read so far of these memory-mapped arrays from this process (madvise MADV_DONTNEED; arrays
    not mapped from a file are left alone). They stay in the page cache, so reading them again costs a minor fault,
    not a read. Without this, a release-wide step that reads every family's maps in turn keeps every page it ever
    touched resident: its RSS grows with the release though it needs one pair of families at a time."""
    for array in arrays:
        base = array.base
        while base is not None and not isinstance(base, mmap.mmap):
            base = getattr(base, "base", None)
        if isinstance(base, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
            base.madvise(mmap.MADV_DONTNEED)
