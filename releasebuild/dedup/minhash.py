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
                    rows_b: np.ndarray | None = None) -> np.ndarray:
    """Row pairs sharing a band key, as an (n, 2) int64 array sorted by row pair, each once: within one set (a < b)
    when `keys_b` is None, else across the two sets (a row of `a`, a row of `b`).

    `rows_*` select the rows that take part (distinct, long-enough texts). Per band, within one set its keys are
    sorted and the rows of each key paired (`_pairs_within`); across two, one side's keys are sorted and the
    other's looked up in them. Every pair of a shared key is made by arrays: texts of one theme share band
    keys by chance at the low thresholds links ask about (a 0.6 threshold bands 42 x 3, so two texts at Jaccard 0.2
    collide with probability 0.29), and made one by one in Python those candidates cost most of a cold dedup."""
    same = keys_b is None
    if same:
        keys_b, rows_b = keys_a, rows_a
    assert keys_b is not None and rows_b is not None
    rows_a, rows_b = np.asarray(rows_a, dtype=np.int64), np.asarray(rows_b, dtype=np.int64)
    if not len(rows_a) or not len(rows_b):
        return np.zeros((0, 2), dtype=np.int64)
    width = np.int64(max(int(rows_a.max()), int(rows_b.max())) + 1)  # a pair (a, b) is coded a * width + b
    if not same and min(len(rows_a), len(rows_b)) <= FEW_ROWS:
        return _few_against_many(keys_a, rows_a, keys_b, rows_b, width)
    # sides of about one size are sorted together (`_pairs_across`); of a side LOOKUP_RATIO times smaller than the
    # other, the smaller is sorted and the larger looked up in it (`_sharing`): a few changed rows against a family
    # cost a lookup per row of the family, not a sort of it per band
    flip = len(rows_a) < len(rows_b)
    found = np.zeros(0, dtype=np.int64)
    pending: list[np.ndarray] = []  # bands' pairs not yet merged: merged when they outgrow what is, so each merge
    waiting = 0  # sorts at most about twice the pairs found (a merge per band sorted them all 42 times)
    lookup = min(len(rows_a), len(rows_b)) * LOOKUP_RATIO < max(len(rows_a), len(rows_b))
    for band in range(keys_a.shape[1]):
        if same:
            coded = _pairs_within(keys_a[rows_a, band], rows_a, width)
        elif not lookup:
            coded = _pairs_across(keys_a[rows_a, band], rows_a, keys_b[rows_b, band], rows_b, width)
        elif flip:
            right, left = _sharing(keys_b[rows_b, band], rows_b, keys_a[rows_a, band], rows_a)
            coded = left * width + right
        else:
            left, right = _sharing(keys_a[rows_a, band], rows_a, keys_b[rows_b, band], rows_b)
            coded = left * width + right
        pending.append(coded)
        waiting += len(coded)
        if waiting > max(len(found), MERGE_AT):
            found, pending, waiting = np.unique(np.concatenate([found, *pending])), [], 0
    found = np.unique(np.concatenate([found, *pending]))
    return decode_pairs(found, width)


def decode_pairs(coded: np.ndarray, width: np.int64) -> np.ndarray:
    """Row pairs coded as one int64 each (a * width + b) as an (n, 2) array."""
    return np.stack([coded // width, coded % width], axis=1)


MERGE_AT = 1 << 20  # candidate pairs of several bands kept apart before they are merged with those found
# Sorting both sides together beat looking the larger up in the smaller down to sides 1:45 in size, and lost 2-3x at
# 1:18,000 (50 rows against 900k)
LOOKUP_RATIO = 256


# A side of at most this many rows (a one-message change's new texts) is compared with the other side's band keys
# whole, row by row, instead of band by band: one pass over the family's keys per row, where per band the other
# side's column was gathered and looked up (42 bands at a 0.6 threshold)
FEW_ROWS = 8


def _few_against_many(keys_a: np.ndarray, rows_a: np.ndarray, keys_b: np.ndarray, rows_b: np.ndarray,
                      width: np.int64) -> np.ndarray:
    """`candidate_pairs` across two sets, one of them of FEW_ROWS rows or fewer."""
    few_is_a = len(rows_a) <= len(rows_b)
    few_keys, few_rows, many_keys, many_rows = (keys_a, rows_a, keys_b, rows_b) if few_is_a else \
        (keys_b, rows_b, keys_a, rows_a)
    # the many side's keys compared where they lie (gathering its rows first copied 67 MB a family and kind at 1M),
    # and the hits kept to its rows
    taking = np.zeros(len(many_keys), dtype=bool)
    taking[many_rows] = True
    found = []
    for row in few_rows.tolist():
        hits = np.flatnonzero((many_keys == few_keys[row]).any(axis=1))
        hits = hits[taking[hits]]
        found.append(row * width + hits if few_is_a else hits * width + row)
    coded = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    return decode_pairs(coded, width)


def places_in_runs(counts: np.ndarray) -> np.ndarray:
    """For runs of these lengths laid end to end, each element's place within its run: [2, 0, 3] -> [0, 1, 0, 1, 2].
    With `np.repeat` of each run's start it gathers runs of an array by index, without a loop."""
    places: np.ndarray = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return places


def _pairs_within(keys: np.ndarray, rows: np.ndarray, width: np.int64) -> np.ndarray:
    """Every pair of `rows` with the same key, coded `low * width + high`, each once: the keys are sorted, so a
    key's rows stand side by side, and each row is paired with those after it in its run. (Looking every key up
    in the sorted keys, as `_sharing` does across two sets, cost two binary searches per row and made each pair
    twice.)"""
    order = np.argsort(keys)
    ordered, rows = keys[order], rows[order]
    count = len(ordered)
    run_starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    run_ends = np.append(run_starts[1:], count)
    after = np.repeat(run_ends, run_ends - run_starts) - np.arange(count) - 1  # rows after each in its run
    first = np.repeat(np.arange(count), after)
    second = first + 1 + places_in_runs(after)
    left, right = rows[first], rows[second]
    coded: np.ndarray = np.minimum(left, right) * width + np.maximum(left, right)
    return coded


def _pairs_across(keys_a: np.ndarray, rows_a: np.ndarray, keys_b: np.ndarray, rows_b: np.ndarray,
                  width: np.int64) -> np.ndarray:
    """Every (row of a, row of b) with the same key, coded `a * width + b`: both sides' keys sorted together
    (stably, so in a run of one key a's rows come first), and each of a's rows paired with b's rows of its run."""
    keys = np.concatenate([keys_a, keys_b])
    order = np.argsort(keys, kind="stable")
    ordered, rows, from_a = keys[order], np.concatenate([rows_a, rows_b])[order], order < len(keys_a)
    count = len(ordered)
    run_starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    run_of = np.repeat(np.arange(len(run_starts)), np.diff(np.append(run_starts, count)))
    firsts_b = run_starts + np.add.reduceat(from_a, run_starts)  # where each run's rows of b start
    run_ends = np.append(run_starts[1:], count)
    partners = np.where(from_a, (run_ends - firsts_b)[run_of], 0)
    first = np.repeat(np.arange(count), partners)
    second = np.repeat(firsts_b[run_of], partners) + places_in_runs(partners)
    coded: np.ndarray = rows[first] * width + rows[second]
    return coded


def _sharing(probe_keys: np.ndarray, probe_rows: np.ndarray, sorted_keys: np.ndarray,
             sorted_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (probe row, row of the other side) with the same key, as two aligned arrays: each probe row repeated
    once per match, beside the other side's rows with its key."""
    order = np.argsort(sorted_keys, kind="stable")
    ordered = sorted_keys[order]
    starts = np.searchsorted(ordered, probe_keys, side="left")
    counts = np.searchsorted(ordered, probe_keys, side="right") - starts
    return np.repeat(probe_rows, counts), sorted_rows[order[np.repeat(starts, counts) + places_in_runs(counts)]]


def _minhash() -> Any:
    """datasketch's MinHash, imported on first use: datasketch imports scipy (~0.6 s), which a plan or a no-op
    apply never needs."""
    from datasketch import MinHash

    return MinHash
