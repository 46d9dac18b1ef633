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

from releasebuild.dedup.minhash import band_keys
from releasebuild.dedup.near import Settings
from releasebuild.dedup.pack import Fingerprints, Pack, Row, ShingleArrays, map_array
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

    @classmethod
    def parse(cls, line: str) -> Entry:
        release, record, split, *hashes = line.rstrip("\n").split("\t")
        return cls(release, record, split, dict(zip(KINDS, hashes, strict=True)))

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes an entry new: the same record, text and split published again adds nothing."""
        return self.record, self.hashes["conversation"], self.split


class HeldoutIndex(ShingleArrays):
    """An index read from its files (by published key); with band keys for `settings` when given, to be searched."""

    def __init__(self, files: dict[str, Path], settings: Settings | None = None):
        self.info: dict[str, Any] = json.loads(files[INDEX].read_bytes())
        self.num_perm = self.info["num_perm"]
        with files[ENTRIES].open(encoding="utf-8") as fh:
            self.entries = [Entry.parse(line) for line in fh]
        self.rows = [Row(entry.record, False, entry.hashes, []) for entry in self.entries]
        count = len(self.rows)
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

    def releases(self) -> dict[str, int]:
        """Release -> how many entries it added."""
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry.release] = counts.get(entry.release, 0) + 1
        return dict(sorted(counts.items()))


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
    by_hash: dict[str, dict[str, list[int]]] = {kind: {} for kind in kinds}
    for index_row, entry in enumerate(index.entries):
        for kind in by_hash:
            if entry.hashes[kind]:
                by_hash[kind].setdefault(entry.hashes[kind], []).append(index_row)
    best: dict[int, Match] = {}

    rows = pack.rows

    def offer(row: int, match: Match) -> None:
        record = f"{family}/{rows.id(row)}"
        if row not in best or match.rank(record) < best[row].rank(record):
            best[row] = match

    live = np.nonzero(~rows.takedown)[0]
    for kind in by_hash:
        for row, text in zip(live.tolist(), pack.texts(kind, live), strict=True):
            if text:
                for index_row in by_hash[kind].get(text, ()):
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
    """Writes an index: earlier entries first (copied row by row), then new ones, each once by `Entry.key`.
    `open_output` starts an output file by its published key."""

    def __init__(self, open_output: Callable[[str], Output], identity: str, num_perm: int):
        self.open_output = open_output
        self.identity = identity
        self.num_perm = num_perm
        self.entries = open_output(ENTRIES)
        self.parts = {kind: {part: open_output(f"{PREFIX}{kind}.{part}") for part in PARTS} for kind in KINDS}
        self.ends = dict.fromkeys(KINDS, 0)
        for kind in KINDS:
            self.parts[kind]["offsets"].write(np.zeros(1, dtype=np.int64).tobytes())
        self.seen: set[tuple[str, str, str]] = set()
        self.added: dict[str, int] = {}

    def add(self, entry: Entry, source: Fingerprints, row: int, sigs: dict[str, np.ndarray]) -> bool:
        """Add `entry`, whose signatures are row `row` of `sigs` and shingles row `row` of `source`, unless an
        entry with its key is in already."""
        if entry.key in self.seen:
            return False
        self.seen.add(entry.key)
        self.entries.write(entry.line().encode("utf-8"))
        for kind in KINDS:
            shingles = np.asarray(source.shingles(kind, row), dtype=np.uint32)
            out = self.parts[kind]
            out["sig"].write(np.asarray(sigs[kind][row], dtype=np.uint32).tobytes())
            out["shingles"].write(shingles.tobytes())
            self.ends[kind] += len(shingles)
            out["offsets"].write(np.int64(self.ends[kind]).tobytes())
        self.added[entry.release] = self.added.get(entry.release, 0) + 1
        return True

    def finish(self) -> dict[str, Any]:
        """Close the files and write index.json; returns it."""
        self.entries.close()
        for parts in self.parts.values():
            for out in parts.values():
                out.close()
        info = {"format_version": FORMAT_VERSION, "identity": self.identity, "kinds": list(KINDS),
                "num_perm": self.num_perm, "rows": len(self.seen),
                "releases": dict(sorted(self.added.items()))}
        out = self.open_output(INDEX)
        out.write((json.dumps(info, indent=2, sort_keys=True) + "\n").encode("utf-8"))
        out.close()
        return info


def pack_signatures(pack: Pack, files: dict[str, Path]) -> dict[str, np.ndarray]:
    """A family pack's MinHash signatures per kind (its `<kind>.sig` files)."""
    count = len(pack.rows)
    return {kind: map_array(files[f"{kind}.sig"], np.uint32, (count, pack.num_perm)) for kind in pack.info["kinds"]}
