"""MinHash signatures (datasketch) and the LSH banding that turns them into candidate pairs.

Signatures come from datasketch's `MinHash.generator` over each text's shingle hashes (its default affine32
scheme, seeded), so they are datasketch's signatures. The LSH index is ours, for one reason: it must be packed
per family and reused. A family's band keys are computed once with its signatures and stored beside them; a
candidate pair is two rows that share a band key. datasketch's `MinHashLSH` holds its index in process memory
only, so every run would rebuild it from every family.

Banding is chosen for recall: the fewest candidates such that a pair exactly at the threshold becomes a
candidate with probability >= RECALL_AT_THRESHOLD. Candidates are then confirmed by exact Jaccard, so the
banding decides cost and recall, never precision.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import numpy as np

RECALL_AT_THRESHOLD = 0.995
EMPTY = np.uint32(0xFFFFFFFF)  # a signature slot no shingle reached (datasketch's initial value)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def signatures(shingle_sets: Iterable[Iterable[int]], num_perm: int, seed: int) -> np.ndarray:
    """One row of `num_perm` uint32 per shingle set; all EMPTY for an empty set."""
    rows = [minhash.hashvalues for minhash in
            _minhash().generator((list(s) for s in shingle_sets), num_perm=num_perm, seed=seed, hashfunc=int)]
    if not rows:
        return np.empty((0, num_perm), dtype=np.uint32)
    return np.vstack(rows).astype(np.uint32, copy=False)


@functools.lru_cache(maxsize=64)
def bands_for(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) with P(candidate | J = threshold) >= RECALL_AT_THRESHOLD and the least
    false-positive mass below the threshold."""
    grid = np.linspace(0.0, threshold, 200)
    best: tuple[float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1 - (1 - threshold ** rows) ** bands < RECALL_AT_THRESHOLD:
            continue
        false_positives = float(np.trapezoid(1 - (1 - grid ** rows) ** bands, grid))
        if best is None or false_positives < best[0]:
            best = (false_positives, bands, rows)
    if best is None:  # too few permutations for the recall asked: one row per band is the most recall there is
        return num_perm, 1
    return best[1], best[2]


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n, bands) uint64 keys: a polynomial hash of each band's slots (mod 2^64)."""
    keys = np.zeros((sigs.shape[0], bands), dtype=np.uint64)
    wide = sigs.astype(np.uint64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            key = np.full(sigs.shape[0], np.uint64(band + 1), dtype=np.uint64)
            for slot in range(band * rows, (band + 1) * rows):
                key = key * _MIX + wide[:, slot]
            keys[:, band] = key
    return keys


def candidate_pairs(keys_a: np.ndarray, rows_a: np.ndarray, keys_b: np.ndarray | None = None,
                    rows_b: np.ndarray | None = None) -> set[tuple[int, int]]:
    """Row pairs sharing a band key: within one set (a < b) when `keys_b` is None, else across the two sets.

    `rows_*` select the rows that take part (distinct, long-enough texts)."""
    found: set[tuple[int, int]] = set()
    same = keys_b is None
    if same:
        keys_b, rows_b = keys_a, rows_a
    assert keys_b is not None and rows_b is not None
    if not len(rows_a) or not len(rows_b):
        return found
    # Sort the smaller side and look the larger one up in it: a few changed rows against a family cost a lookup
    # per row of the family, not a sort of it per band.
    flip = len(rows_a) < len(rows_b)
    small, large = (rows_a, rows_b) if flip else (rows_b, rows_a)
    small_keys, large_keys = (keys_a, keys_b) if flip else (keys_b, keys_a)
    for band in range(keys_a.shape[1]):
        probe, sorted_side = large_keys[large, band], small_keys[small, band]
        order = np.argsort(sorted_side, kind="stable")
        ordered = sorted_side[order]
        starts = np.searchsorted(ordered, probe, side="left")
        ends = np.searchsorted(ordered, probe, side="right")
        for i in np.nonzero(ends > starts)[0]:
            one = int(large[i])
            for j in order[starts[i]:ends[i]]:
                a, b = (int(small[j]), one) if flip else (one, int(small[j]))
                if not same or a < b:
                    found.add((a, b))
    return found


def _minhash() -> Any:
    """datasketch's MinHash, imported on first use: datasketch imports scipy (~0.6 s), which a plan or a no-op
    apply never needs."""
    from datasketch import MinHash

    return MinHash
