"""Near-duplicate pairs: LSH candidates from band keys, each confirmed by its exact Jaccard.

Nothing is merged here: a pair is reported only when its own two texts are similar enough. Grouping and
keep decisions (which look at pairs, never at connected components) are made by the callers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from releasebuild.dedup.minhash import band_keys, bands_for, candidate_pairs, signatures
from releasebuild.dedup.pack import Fingerprints, Row
from releasebuild.dedup.text import (
    SHINGLE_HASH,
    TextRules,
    exact_hash,
    jaccard,
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
        self.rows = []
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

    def shingle_count(self, kind: str, row: int) -> int:
        return len(self._shingles[kind][row])


def near_pairs(a: Fingerprints, b: Fingerprints | None, kind: str, threshold: float) -> list[Pair]:
    """Confirmed pairs (Jaccard >= threshold) within `a` (row_a < row_b) or between `a` and `b`."""
    rows_a = a.searchable(kind)
    if b is None:
        candidates = candidate_pairs(a.bands[kind], rows_a)
        other = a
    else:
        candidates = candidate_pairs(a.bands[kind], rows_a, b.bands[kind], b.searchable(kind))
        other = b
    found = []
    for left, right in sorted(candidates):
        if a.rows[left].hashes[kind] == other.rows[right].hashes[kind]:
            continue  # the same text: an exact match, found by hash
        similarity = jaccard(a.shingles(kind, left), other.shingles(kind, right))
        if similarity >= threshold:
            found.append((left, right, round(similarity, 6)))
    return found


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


