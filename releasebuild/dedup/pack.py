"""A family's fingerprints, packed: one row per record, binary arrays per kind, an index to find rows.

Files (all outputs of the family's fingerprint step, content-addressed like any other):
- records.tsv             id, takedown flag, exact hash per kind, exact turn-pair hashes (comma-separated)
- <kind>.sig              uint32 (rows x num_perm): MinHash signatures (all 0xFFFFFFFF for a short text)
- <kind>.bands            uint64 (rows x bands): the LSH band keys, i.e. the family's slice of the index
- <kind>.shingles/.offsets the sorted shingle hashes of every row, for exact Jaccard
- pack.json               what the pack was made with (its identity) and its shape

Readers memory-map the arrays: a family's fingerprints are never loaded whole.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from releasebuild.dedup.text import KINDS

RECORDS = "records.tsv"
PACK = "pack.json"
PARTS = ("sig", "bands", "shingles", "offsets")
FILES: tuple[str, ...] = (RECORDS, PACK, *(f"{kind}.{part}" for kind in KINDS for part in PARTS))


class Row(NamedTuple):
    """One record's exact fingerprints (a tuple: a release-wide step reads one per record of every family)."""

    id: str
    takedown: bool
    hashes: dict[str, str]  # kind -> exact hash ("" when the role never speaks)
    turn_pairs: list[str]

    def line(self) -> str:
        return "\t".join([self.id, "1" if self.takedown else "0", *(self.hashes[k] for k in KINDS),
                          ",".join(self.turn_pairs)]) + "\n"

    @classmethod
    def parse(cls, line: str) -> Row:
        # KINDS spelled out: release-wide steps parse every record's row, and a dict literal is twice as fast
        # (and the tuple made directly: a NamedTuple's own constructor adds a call per row)
        record_id, takedown, conversation, user, assistant, pairs = line.rstrip("\n").split("\t")
        return tuple.__new__(cls, (record_id, takedown == "1",
                                   {"conversation": conversation, "user": user, "assistant": assistant},
                                   pairs.split(",") if pairs else []))


class Fingerprints:
    """What near-pair search needs of a set of texts, in memory or memory-mapped from a pack."""

    rows: list[Row]
    bands: dict[str, np.ndarray]
    num_perm: int

    def shingles(self, kind: str, row: int) -> np.ndarray:
        raise NotImplementedError

    def searchable(self, kind: str) -> np.ndarray:
        """Rows that take part in near-pair search: long enough to shingle, and the first row of their text
        (an exact copy adds no near pair of its own: exact matches are found by hash). Computed once per kind: a
        release-wide search asks for it once per pair of families."""
        found: dict[str, np.ndarray] = self.__dict__.setdefault("_searchable", {})
        if kind not in found:
            seen: set[str] = set()
            chosen = []
            for index, (row, count) in enumerate(zip(self.rows, self.shingle_counts(kind).tolist(), strict=True)):
                text_hash = row.hashes[kind]
                if text_hash and text_hash not in seen and count:
                    chosen.append(index)
                seen.add(text_hash)
            found[kind] = np.array(chosen, dtype=np.int64)
        return found[kind]

    def shingle_counts(self, kind: str) -> np.ndarray:
        """Every row's shingle count, in row order."""
        raise NotImplementedError


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


class Pack(ShingleArrays):
    """A fingerprint pack read from its files (by output name)."""

    def __init__(self, files: dict[str, Path]):
        self.info: dict[str, Any] = json.loads(files[PACK].read_bytes())
        self.num_perm = self.info["num_perm"]
        with files[RECORDS].open(encoding="utf-8") as fh:
            self.rows = [Row.parse(line) for line in fh]
        count = len(self.rows)
        self.bands = {}
        self._shingles = {}
        self._offsets = {}
        for kind in self.info["kinds"]:
            bands = self.info["bands"][kind][0]
            self.bands[kind] = map_array(files[f"{kind}.bands"], np.uint64, (count, bands))
            self._offsets[kind] = map_array(files[f"{kind}.offsets"], np.int64, (count + 1,))
            self._shingles[kind] = map_array(files[f"{kind}.shingles"], np.uint32, (int(self._offsets[kind][-1]),))


def map_array(path: Path, dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
    """The file memory-mapped, as a plain ndarray view of the map: a slice of an np.memmap costs ten times a
    slice of an ndarray (the subclass's hooks), and release-wide steps take a slice per record and kind."""
    if not all(shape) or path.stat().st_size == 0:
        return np.zeros(shape, dtype=dtype)
    return np.asarray(np.memmap(path, dtype=dtype, mode="r", shape=shape))
