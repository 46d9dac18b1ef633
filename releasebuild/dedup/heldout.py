"""The held-out index: the val/test records of every published release, by content, for matching new records.

Split stickiness follows record ids and group keys; this follows content, so a held-out record re-keyed or lightly
edited upstream is still recognised. Each release publishes the index under `heldout/`: the previous release's
index plus its own val/test records (incremental), so the next build reads one index, by its files' digests, not
every release. It holds what near-duplicate search needs and no text:

- entries.tsv           release, "family/id", split, and the exact hash per fingerprint kind (xxh3 of the
                        normalized post-privacy text, as the dedup packs hold it)
- <kind>.sig            uint32 (rows x num_perm): the MinHash signatures (datasketch) of the same texts
- <kind>.shingles/.offsets the sorted shingle hashes of every row, so a candidate is confirmed by exact Jaccard,
                        as within a release
- index.json            the digest of the fingerprint settings it was made with (its identity), its shape
                        and how many entries each release added

Band keys are not stored: they depend on the threshold a build asks about and are recomputed from the signatures.
An index made with other fingerprint settings cannot be compared (its hashes and signatures mean something else).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import xxhash

from releasebuild.dedup.minhash import band_keys
from releasebuild.dedup.near import Settings
from releasebuild.dedup.pack import ColumnTable, Fingerprints, Pack, ShingleArrays, hex_column, map_array
from releasebuild.dedup.text import KINDS

PREFIX = "heldout/"
INDEX = f"{PREFIX}index.json"
ENTRIES = f"{PREFIX}entries.tsv"
PARTS = ("sig", "shingles", "offsets")
FILES: tuple[str, ...] = (INDEX, ENTRIES, *(f"{PREFIX}{kind}.{part}" for kind in KINDS for part in PARTS))
FORMAT_VERSION = 1
HELD_OUT_FIRST = ("test", "val")  # a record matching entries of both splits follows the more held-out one


def matches_file(family: str) -> str:
    """What the dedup step writes per family and the split step and the leakage gate read: the family's records
    matching the held-out index, one row each (`Match.row`)."""
    return f"{family}.heldout.jsonl"


@dataclass(frozen=True)
class Entry:
    """One held-out record of a published release, by content."""

    release: str
    record: str  # "family/id" as that release published it
    split: str
    hashes: dict[str, str]  # kind -> exact hash ("" when the role never speaks)

    def line(self) -> str:
        return "\t".join([self.release, self.record, self.split, *(self.hashes[kind] for kind in KINDS)]) + "\n"

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes an entry new: the same record, text and split published again adds nothing."""
        return self.record, self.hashes["conversation"], self.split


class Entries(ColumnTable[Entry]):
    """entries.tsv held as columns, as a pack holds its records (`pack.Rows`): the index holds every held-out record
    of every release before, so as Entry objects it grew past a family's pack. `entries[i]` makes the Entry."""

    def __init__(self, lines: Iterable[bytes]):
        self._names: dict[str, list[str]] = {"release": [], "split": []}  # each distinct value, by its code
        codes: dict[str, dict[bytes, int]] = {"release": {}, "split": {}}
        releases: list[int] = []
        splits: list[int] = []
        records: list[bytes] = []
        hashes: dict[str, list[bytes]] = {kind: [] for kind in KINDS}
        for line in lines:
            release, record, split, *texts = line.rstrip(b"\n").split(b"\t")
            if len(texts) != len(KINDS):
                raise ValueError(f"entries.tsv: a line has {len(texts)} hashes, not {len(KINDS)}")
            releases.append(self._code(codes, "release", release))
            splits.append(self._code(codes, "split", split))
            records.append(record)
            for kind, text in zip(KINDS, texts, strict=True):
                hashes[kind].append(text)
        self._release = np.array(releases, dtype=np.int32)
        self._split = np.array(splits, dtype=np.int32)
        self._records = b"".join(records)
        self._record_ends = np.cumsum(np.fromiter(map(len, records), dtype=np.int64, count=len(records)))
        self._present = {kind: np.fromiter(map(bool, values), dtype=bool, count=len(values))
                         for kind, values in hashes.items()}
        self._hashes = {kind: hex_column(values) for kind, values in hashes.items()}

    def _code(self, codes: dict[str, dict[bytes, int]], column: str, value: bytes) -> int:
        known = codes[column]
        if value not in known:
            known[value] = len(known)
            self._names[column].append(value.decode("utf-8"))
        return known[value]

    def __len__(self) -> int:
        return len(self._release)

    def item(self, index: int) -> Entry:
        start = int(self._record_ends[index - 1]) if index else 0
        return Entry(self._names["release"][self._release[index]],
                     self._records[start:int(self._record_ends[index])].decode("utf-8"),
                     self._names["split"][self._split[index]],
                     {kind: f"{int(self._hashes[kind][index]):016x}" if self._present[kind][index] else ""
                      for kind in KINDS})

    def keys(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Every entry's exact hash of `kind` as uint64, and whether it has one."""
        return self._hashes[kind], self._present[kind]

    def releases(self) -> dict[str, int]:
        """Release -> how many entries it added."""
        counts = np.bincount(self._release, minlength=len(self._names["release"])).tolist()
        return dict(sorted(zip(self._names["release"], counts, strict=True)))


class HeldoutIndex(ShingleArrays):
    """An index read from its files (by published key); with band keys for `settings` when given, to be searched."""

    def __init__(self, files: dict[str, Path], settings: Settings | None = None):
        self.info: dict[str, Any] = json.loads(files[INDEX].read_bytes())
        self.num_perm = self.info["num_perm"]
        with files[ENTRIES].open("rb") as fh:
            self.entries = Entries(fh)
        count = len(self.entries)
        self.sigs: dict[str, np.ndarray] = {}
        self._shingles = {}
        self._offsets = {}
        self.bands = {}
        for kind in KINDS:
            self.sigs[kind] = map_array(files[f"{PREFIX}{kind}.sig"], np.uint32, (count, self.num_perm))
            self._offsets[kind] = map_array(files[f"{PREFIX}{kind}.offsets"], np.int64, (count + 1,))
            self._shingles[kind] = map_array(files[f"{PREFIX}{kind}.shingles"], np.uint32,
                                             (int(self._offsets[kind][-1]),))
            if settings is not None and kind in settings.kinds and self.num_perm == settings.num_perm:
                self.bands[kind] = band_keys(self.sigs[kind], *settings.bands[kind])

    @property
    def identity(self) -> str:
        return str(self.info["identity"])

    def keys(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        return self.entries.keys(kind)

    def by_text(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows with a text of `kind`, ordered by it (each text's rows in index order), and their texts: what a
        family's exact matches are looked up in. Made once per kind: every family is matched against the index."""
        found: dict[str, tuple[np.ndarray, np.ndarray]] = self.__dict__.setdefault("_by_text", {})
        if kind not in found:
            keys, present = self.keys(kind)
            held = np.nonzero(present)[0]
            rows = held[np.argsort(keys[held], kind="stable")]
            found[kind] = rows, keys[rows]
        return found[kind]

    def releases(self) -> dict[str, int]:
        """Release -> how many entries it added."""
        return self.entries.releases()


@dataclass(frozen=True)
class Match:
    """A record of this build whose content matches a held-out entry: the split it must follow, and why."""

    entry: Entry
    kind: str  # the fingerprint kind that matched ("conversation", "user", "assistant")
    similarity: float  # 1.0 for the same normalized text, else the exact Jaccard of the shingles

    def rank(self, record: str) -> tuple[int, float, bool, str, str]:
        """Best first: the most held-out split, the most similar, the record itself, the earliest release."""
        return (HELD_OUT_FIRST.index(self.entry.split), -self.similarity, self.entry.record != record,
                self.entry.release, self.entry.record)

    def row(self, record_id: str) -> dict[str, Any]:
        return {"id": record_id, "split": self.entry.split, "release": self.entry.release,
                "record": self.entry.record, "kind": self.kind, "similarity": self.similarity}


def matches(family: str, pack: Pack, index: HeldoutIndex, kinds: Iterable[str],
            near: dict[str, list[tuple[int, int, float]]]) -> Iterator[dict[str, Any]]:
    """The best match of each of the family's records (taken-down ones aside) among the index's entries, by exact
    hash per kind and by the confirmed near pairs `near` (kind -> (pack row, index row, Jaccard)), sorted by id."""
    best: dict[int, Match] = {}

    rows = pack.rows

    def offer(row: int, match: Match) -> None:
        record = f"{family}/{rows.id(row)}"
        if row not in best or match.rank(record) < best[row].rank(record):
            best[row] = match

    live = np.nonzero(~rows.takedown)[0]
    for kind in kinds:
        by_text, texts = index.by_text(kind)
        pack_keys, pack_present = pack.keys(kind)
        mine = live[pack_present[live]]
        starts = np.searchsorted(texts, pack_keys[mine], side="left")
        ends = np.searchsorted(texts, pack_keys[mine], side="right")
        found = ends > starts
        for row, start, end in zip(mine[found].tolist(), starts[found].tolist(), ends[found].tolist(), strict=True):
            for index_row in by_text[start:end].tolist():
                offer(row, Match(index.entries[index_row], kind, 1.0))
        for row, index_row, similarity in near.get(kind, ()):
            if not rows.takedown[row]:
                offer(row, Match(index.entries[index_row], kind, similarity))
    for row in sorted(best, key=rows.id):
        yield best[row].row(rows.id(row))


class Output(Protocol):
    """An output file being written (a step's `OutputFile`)."""

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class IndexWriter:
    """Writes an index: the previous index's entries first (copied row by row, `add_previous`), then new ones
    (`add`), each once by `Entry.key`. `open_output` starts an output file by its published key.

    The previous entries' keys are distinct already (they were written through this class), and this release's are
    distinct among themselves (one per record), so only a new entry is looked up, among the previous ones: by a
    64-bit digest of its key in a sorted array, confirmed on the entry itself. No set of every key is held."""

    def __init__(self, open_output: Callable[[str], Output], identity: str, num_perm: int):
        self.open_output = open_output
        self.identity = identity
        self.num_perm = num_perm
        self.entries = open_output(ENTRIES)
        self.parts = {kind: {part: open_output(f"{PREFIX}{kind}.{part}") for part in PARTS} for kind in KINDS}
        self.ends = dict.fromkeys(KINDS, 0)
        for kind in KINDS:
            self.parts[kind]["offsets"].write(np.zeros(1, dtype=np.int64).tobytes())
        self.rows = 0
        self.added: dict[str, int] = {}
        self._previous: HeldoutIndex | None = None
        self._previous_digests: list[np.ndarray] = []  # per `add_previous`
        self._lookup: tuple[np.ndarray, np.ndarray] | None = None  # the digests sorted, and the row of each

    def add_previous(self, previous: HeldoutIndex, rows: range) -> None:
        """Copy these rows of the previous index."""
        entries = [previous.entries[row] for row in rows]
        self._previous = previous
        self._previous_digests.append(np.fromiter(map(_key_digest, entries), dtype=np.uint64, count=len(entries)))
        self._lookup = None  # made again from every previous digest at the next `add`
        self._write(entries, previous, np.array(rows, dtype=np.int64), previous.sigs)

    def add(self, entries: list[Entry], source: Fingerprints, rows: np.ndarray, sigs: dict[str, np.ndarray]) -> int:
        """Add these entries, whose signatures are rows `rows` of `sigs` and shingles rows `rows` of `source`,
        but those an entry of the previous index has the key of; how many were added."""
        new = np.flatnonzero(~self._in_previous(entries))
        self._write([entries[index] for index in new.tolist()], source, rows[new], sigs)
        return len(new)

    def _in_previous(self, entries: list[Entry]) -> np.ndarray:
        """Which entries an entry of the previous index has the key of: their key digests looked up at once, each
        one found confirmed on the entries themselves."""
        found = np.zeros(len(entries), dtype=bool)
        if self._previous is None or not entries:
            return found
        if self._lookup is None:
            digests = np.concatenate(self._previous_digests)
            order = np.argsort(digests, kind="stable")
            self._lookup = digests[order], order
        digests, order = self._lookup
        wanted = np.fromiter(map(_key_digest, entries), dtype=np.uint64, count=len(entries))
        starts, stops = (np.searchsorted(digests, wanted, side=side) for side in ("left", "right"))
        for index in np.flatnonzero(stops > starts).tolist():
            found[index] = any(self._previous.entries[row].key == entries[index].key
                               for row in order[starts[index]:stops[index]].tolist())
        return found

    def _write(self, entries: list[Entry], source: Fingerprints, rows: np.ndarray, sigs: dict[str, np.ndarray]) -> None:
        """The entries' lines, and per kind their signatures, shingles and shingle ends, each in one write."""
        if not entries:
            return
        self.entries.write("".join(entry.line() for entry in entries).encode("utf-8"))
        for kind in KINDS:
            shingles, counts = source.shingle_runs(kind, rows)
            out = self.parts[kind]
            out["sig"].write(np.asarray(sigs[kind][rows], dtype=np.uint32).tobytes())
            out["shingles"].write(np.asarray(shingles, dtype=np.uint32).tobytes())
            ends = self.ends[kind] + np.cumsum(counts, dtype=np.int64)
            out["offsets"].write(ends.tobytes())
            self.ends[kind] = int(ends[-1])
        self.rows += len(entries)
        for entry in entries:
            self.added[entry.release] = self.added.get(entry.release, 0) + 1

    def finish(self) -> dict[str, Any]:
        """Close the files and write index.json; returns it."""
        self.entries.close()
        for parts in self.parts.values():
            for out in parts.values():
                out.close()
        info = {"format_version": FORMAT_VERSION, "identity": self.identity, "kinds": list(KINDS),
                "num_perm": self.num_perm, "rows": self.rows,
                "releases": dict(sorted(self.added.items()))}
        out = self.open_output(INDEX)
        out.write((json.dumps(info, indent=2, sort_keys=True) + "\n").encode("utf-8"))
        out.close()
        return info


def _key_digest(entry: Entry) -> int:
    return xxhash.xxh3_64_intdigest("\x00".join(entry.key).encode("utf-8"))


def pack_signatures(pack: Pack, files: dict[str, Path]) -> dict[str, np.ndarray]:
    """A family pack's MinHash signatures per kind (its `<kind>.sig` files)."""
    count = len(pack.rows)
    return {kind: map_array(files[f"{kind}.sig"], np.uint32, (count, pack.num_perm)) for kind in pack.info["kinds"]}
