"""Near-duplicate pairs: LSH candidates from band keys, each confirmed by its exact Jaccard.

Nothing is merged here: a pair is reported only when its own two texts are similar enough. Grouping and
keep decisions (which look at pairs, never at connected components) are made by the callers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from releasebuild.dedup.minhash import band_keys, bands_for, candidate_pairs, decode_pairs, signatures
from releasebuild.dedup.pack import Fingerprints, Row, hex_column
from releasebuild.dedup.text import (
    SHINGLE_HASH,
    TextRules,
    exact_hash,
    normalized_turns,
    shingle_hashes,
    texts_by_kind,
    turn_pairs,
)

Pair = tuple[int, int, float]  # (row in a, row in b, Jaccard)


@dataclass(frozen=True)
class Settings:
    """Everything a fingerprint depends on (its identity) plus the banding per kind."""

    rules: TextRules
    num_perm: int
    seed: int
    kinds: tuple[str, ...]
    thresholds: dict[str, float]  # kind -> the lowest similarity any caller asks about
    turn_pair_min_tokens: int

    @property
    def bands(self) -> dict[str, tuple[int, int]]:
        return {kind: bands_for(self.thresholds[kind], self.num_perm) for kind in self.kinds}

    def identity(self) -> dict[str, Any]:
        """What a cached signature depends on (not the thresholds: bands are recomputed from signatures)."""
        return {"normalize": {"nfkc": self.rules.nfkc, "casefold": self.rules.casefold,
                              "whitespace": self.rules.whitespace},
                "shingle": {"unit": self.rules.unit, "size": self.rules.size},
                "num_perm": self.num_perm, "seed": self.seed, "turn_pair_min_tokens": self.turn_pair_min_tokens,
                "shingle_hash": SHINGLE_HASH}

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Settings:
        return cls(TextRules.from_params(params), params["num_perm"], params["seed"], tuple(params["kinds"]),
                   dict(params["thresholds"]), params["turn_pair_min_tokens"])


def exact_fingerprint(record_id: str, messages: Sequence[dict[str, str]], settings: Settings,
                      takedown: bool = False) -> tuple[Row, dict[str, str]]:
    """A record's exact hashes and turn pairs, and its normalized text per kind (to shingle when needed)."""
    turns = normalized_turns(messages, settings.rules)
    texts = texts_by_kind(turns)
    hashes = {kind: exact_hash(text) if text else "" for kind, text in texts.items()}
    pairs = turn_pairs(turns, settings.turn_pair_min_tokens)
    return Row(record_id, takedown, hashes, pairs), texts


def fingerprint(record_id: str, messages: Sequence[dict[str, str]], settings: Settings,
                takedown: bool = False) -> tuple[Row, dict[str, np.ndarray]]:
    """A record's exact hashes and, per kind, its shingle hashes."""
    row, texts = exact_fingerprint(record_id, messages, settings, takedown)
    return row, {kind: shingle_hashes(texts[kind], settings.rules) for kind in settings.kinds}


class MemoryFingerprints(Fingerprints):
    """Fingerprints of documents held in memory (the public `find_near_duplicates`, tests)."""

    def __init__(self, docs: Sequence[dict[str, Any]], settings: Settings):
        self.num_perm = settings.num_perm
        self.rows: list[Row] = []
        self._shingles: dict[str, list[np.ndarray]] = {kind: [] for kind in settings.kinds}
        for doc in docs:
            row, shingles = fingerprint(str(doc["id"]), doc["messages"], settings)
            self.rows.append(row)
            for kind in settings.kinds:
                self._shingles[kind].append(shingles[kind])
        self.bands = {}
        for kind, (bands, rows) in settings.bands.items():
            sigs = signatures(self._shingles[kind], settings.num_perm, settings.seed)
            self.bands[kind] = band_keys(sigs, bands, rows)

    def shingles(self, kind: str, row: int) -> np.ndarray:
        return self._shingles[kind][row]

    def keys(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        found: dict[str, tuple[np.ndarray, np.ndarray]] = self.__dict__.setdefault("_keys", {})
        if kind not in found:
            values = [row.hashes[kind].encode("ascii") for row in self.rows]
            found[kind] = hex_column(values), np.fromiter(map(bool, values), dtype=bool, count=len(values))
        return found[kind]

    def shingle_counts(self, kind: str) -> np.ndarray:
        return np.array([len(values) for values in self._shingles[kind]], dtype=np.int64)


@dataclass(frozen=True)
class Searched:
    """A finished search between two sides, in terms of texts rather than rows: the texts (exact hashes, as uint64)
    each side searched with, and the confirmed pairs as (text in a, text in b, Jaccard), as aligned columns.

    Whether two texts pair is a function of the two texts alone (their band keys, their shingles), so after some
    texts of a side changed, the pairs of two unchanged texts still hold, and only pairs with a new text need a
    search: that is what makes a one-record edit cost one record's candidates, not a family's."""

    left: np.ndarray
    right: np.ndarray
    pairs_left: np.ndarray
    pairs_right: np.ndarray
    similarities: list[float]

    @classmethod
    def from_pairs(cls, left: np.ndarray, right: np.ndarray, pairs: list[tuple[str, str, float]]) -> Searched:
        """From each side's texts (uint64) and the pairs' texts as records.tsv spells them (16 hex digits)."""
        def keys(texts: Iterable[str]) -> np.ndarray:
            return hex_column([text.encode("ascii") for text in texts])

        return cls(left, right, keys(text for text, _, _ in pairs), keys(text for _, text, _ in pairs),
                   [similarity for _, _, similarity in pairs])


def near_pairs(a: Fingerprints, b: Fingerprints | None, kind: str, threshold: float,
               before: Searched | None = None) -> list[Pair]:
    """Confirmed pairs (Jaccard >= threshold) within `a` (row_a < row_b) or between `a` and `b`, sorted.

    With `before` (the same search over earlier versions of the two sides, at the same threshold), only pairs with
    a text `before` did not search are searched; the result is the same as searching everything. The sides' texts
    are matched by their uint64 hashes in arrays: a searchable row's text is its own (`Fingerprints.searchable`)."""
    other = a if b is None else b
    rows_a = a.searchable(kind)
    rows_b = rows_a if b is None else b.searchable(kind)
    if before is None:
        if b is None:
            return _confirmed(a, other, kind, threshold, candidate_pairs(a.bands[kind], rows_a))
        return _confirmed(a, other, kind, threshold,
                          candidate_pairs(a.bands[kind], rows_a, other.bands[kind], rows_b))
    keys_a = a.keys(kind)[0][rows_a]
    keys_b = other.keys(kind)[0][rows_b]
    known_a = _searched_before(keys_a, before.left)
    fresh_a = rows_a[~known_a]
    if b is None:  # pairs with a new text on either side: new texts against every text, each pair once
        found = candidate_pairs(a.bands[kind], fresh_a, a.bands[kind], rows_a)
        found = np.sort(found[found[:, 0] != found[:, 1]], axis=1)
    else:
        fresh_b = rows_b[~_searched_before(keys_b, before.right)]
        found = np.concatenate([candidate_pairs(a.bands[kind], fresh_a, other.bands[kind], rows_b),
                                candidate_pairs(a.bands[kind], rows_a[known_a], other.bands[kind], fresh_b)])
    candidates = _unique_pairs(found)
    rows_i, held_i = _rows_of(before.pairs_left, keys_a, rows_a)
    rows_j, held_j = _rows_of(before.pairs_right, keys_b, rows_b)
    held = np.flatnonzero(held_i & held_j).tolist()
    i, j = rows_i.tolist(), rows_j.tolist()
    if b is None:
        kept = [(min(i[n], j[n]), max(i[n], j[n]), before.similarities[n]) for n in held]
    else:
        kept = [(i[n], j[n], before.similarities[n]) for n in held]
    return sorted(kept + _confirmed(a, other, kind, threshold, candidates))


def _searched_before(keys: np.ndarray, before: np.ndarray) -> np.ndarray:
    """Which of a side's texts the previous search searched with. Both are in row order, so where a side kept its
    rows (an edit, not a record added or removed) a text at its old place was searched, and only the others are
    looked up (a side unchanged, the other family of a cross-family search, costs one comparison)."""
    if len(keys) != len(before):
        return among(keys, before)
    found: np.ndarray = keys == before
    moved = np.flatnonzero(~found)
    if len(moved):
        found[moved] = among(keys[moved], before)
    return found


def among(values: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """np.isin(values, pool), by one sort of the pool and a binary search per value (np.isin sorts both together,
    stably: at 1M, a one-message change's dedup spent 0.3 s in it)."""
    if not len(pool) or not len(values):
        return np.zeros(len(values), dtype=bool)
    ordered = np.sort(pool)
    at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    found: np.ndarray = ordered[at] == values
    return found


def _unique_pairs(found: np.ndarray) -> np.ndarray:
    """The distinct rows of an (n, 2) array of row pairs, sorted: coded as one int64 each (np.unique over axis 0
    sorts a structured view, several times slower)."""
    if not len(found):
        return found.reshape(0, 2).astype(np.int64)
    width = np.int64(int(found.max()) + 1)
    coded = np.unique(found[:, 0].astype(np.int64) * width + found[:, 1])
    return decode_pairs(coded, width)


def _rows_of(texts: np.ndarray, keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each text, the row of `rows` (whose texts are `keys`, distinct) that has it, and whether one does."""
    if not len(texts):  # no pair to place: nothing to sort
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    positions = np.minimum(np.searchsorted(ordered, texts), max(len(ordered) - 1, 0))
    held = ordered[positions] == texts if len(ordered) else np.zeros(len(texts), dtype=bool)
    return (rows[order[positions]] if len(ordered) else np.zeros(len(texts), dtype=np.int64)), held


def _rows(rows: Iterable[int]) -> np.ndarray:
    return np.fromiter(rows, dtype=np.int64)


def _confirmed(a: Fingerprints, other: Fingerprints, kind: str, threshold: float,
               candidates: np.ndarray) -> list[Pair]:
    """The candidates whose exact Jaccard reaches the threshold, in row order, CONFIRMED_PAGES at a time
    (`_jaccards`). The shingle pages read are let go after each batch (`drop_pages`): the right-hand rows are read in
    no order, so without it a search keeps most of both sides' shingles resident."""
    keys_a, present_a = a.keys(kind)
    keys_b, present_b = other.keys(kind)
    found: list[Pair] = []
    for start in range(0, len(candidates), CONFIRMED_PAGES):  # (n, 2), sorted by pair
        left, right = candidates[start:start + CONFIRMED_PAGES, 0], candidates[start:start + CONFIRMED_PAGES, 1]
        # the same text is an exact match, found by hash
        differ = ~(present_a[left] & present_b[right] & (keys_a[left] == keys_b[right]))
        left, right = left[differ], right[differ]
        similarity = _jaccards(a, other, kind, left, right)
        hits = np.flatnonzero(similarity >= threshold)
        found += [(i, j, round(value, 6)) for i, j, value in zip(left[hits].tolist(), right[hits].tolist(),
                                                                 similarity[hits].tolist(), strict=True)]
        a.drop_pages()
        other.drop_pages()
    return found


def _jaccards(a: Fingerprints, other: Fingerprints, kind: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """`jaccard` of each pair (a row of `a`, a row of `other`), by arrays: every shingle tagged with its pair's place
    in the upper 32 bits, both sides sorted together, and a pair's shared shingles counted as equal neighbours, as
    `np.intersect1d(assume_unique=True)` counts them for one pair (a call of it per pair cost most of a cold dedup
    of a million conversations). 0.0 where either side has no shingle."""
    shingles_a, counts_a = a.shingle_runs(kind, left)
    shingles_b, counts_b = other.shingle_runs(kind, right)
    tagged = np.concatenate([
        (np.repeat(np.arange(len(left), dtype=np.uint64), counts_a) << np.uint64(32)) | shingles_a.astype(np.uint64),
        (np.repeat(np.arange(len(right), dtype=np.uint64), counts_b) << np.uint64(32)) | shingles_b.astype(np.uint64)])
    tagged.sort()
    equal = tagged[1:] == tagged[:-1]
    shared = np.bincount((tagged[1:][equal] >> np.uint64(32)).astype(np.int64), minlength=len(left))
    similarity = np.zeros(len(left), dtype=np.float64)
    both = (counts_a > 0) & (counts_b > 0)
    similarity[both] = shared[both] / (counts_a[both] + counts_b[both] - shared[both])
    return similarity


CONFIRMED_PAGES = 1024


def find_near_duplicates(docs: Sequence[dict[str, Any]], threshold: float,
                         base: Settings) -> set[tuple[int, int]]:
    """Every index pair (i < j) whose conversations are at least `threshold` similar (exact Jaccard of their
    shingles under the dedup settings `base`); identical normalized texts count as similarity 1, including texts
    too short to shingle."""
    settings = Settings(base.rules, base.num_perm, base.seed, ("conversation",), {"conversation": threshold},
                        base.turn_pair_min_tokens)
    prints = MemoryFingerprints(docs, settings)
    by_hash: dict[str, list[int]] = {}
    for index, row in enumerate(prints.rows):
        by_hash.setdefault(row.hashes["conversation"], []).append(index)
    found: set[tuple[int, int]] = set()
    for text_hash, members in by_hash.items():
        if text_hash:
            found.update((i, j) for n, i in enumerate(members) for j in members[n + 1:])
    for left, right, _ in near_pairs(prints, None, "conversation", threshold):
        for i in by_hash[prints.rows[left].hashes["conversation"]]:
            for j in by_hash[prints.rows[right].hashes["conversation"]]:
                found.add((min(i, j), max(i, j)))
    return found


