"""Stratified, seeded QA samples drawn in one streaming pass (bottom-k by a seeded hash of the record id).

Bottom-k keeps a record's chance of being drawn independent of every other record: editing one record leaves the
rest of the sample where it was, so a reviewer who re-reviews sees what changed, not a reshuffle.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import math
from json.encoder import encode_basestring
from typing import Any

import xxhash

from releasebuild.keys import canonical_json

METHOD = "stratified-bottom-k/v1"
NO_VALUE = "(none)"


def rank(seed: int, review: str, record_id: str) -> int:
    """A record's draw order in one review's sample: reviews draw independently, so each sees other records. The
    hash of `canonical_json([seed, review, record_id])`, spelled from the pair's JSON and the id's: the bias counts
    rank every record in every cell it falls in."""
    return xxhash.xxh3_64_intdigest((_ranked(seed, review) + encode_basestring(record_id) + "]").encode("utf-8"))


@functools.lru_cache(maxsize=4096)
def _ranked(seed: int, review: str) -> str:
    """`canonical_json([seed, review, ...])` up to the id."""
    return canonical_json([seed, review])[:-1] + ","


def stratum(split: str, metadata: dict[str, Any], stratify_by: list[str]) -> str:
    """The stratum a record falls in, e.g. 'train' or 'train|topic=grief'."""
    parts = []
    for key in stratify_by:
        if key == "split":
            parts.append(split)
        else:
            name = key.removeprefix("metadata.")
            value = metadata.get(name)
            parts.append(f"{name}={NO_VALUE if value is None or value == '' else value}")
    return "|".join(parts) or "all"


def allocate(counts: dict[str, int], size: int) -> dict[str, int]:
    """How many records each stratum gives: proportional (largest remainder), at least one per stratum when the
    size allows, never more than the stratum holds; everything when the population is no larger than the size."""
    strata = sorted(counts)
    total = sum(counts.values())
    if total <= size:
        return {name: counts[name] for name in strata}
    quotas = {name: size * counts[name] / total for name in strata}
    taken = {name: math.floor(quotas[name]) for name in strata}
    if size >= len(strata):  # a small stratum (a rare split) is still seen by the reviewer
        taken = {name: max(1, count) for name, count in taken.items()}
    while sum(taken.values()) > size:  # the minimum overshot: take back from the largest
        largest = max(strata, key=lambda name: (taken[name], name))
        taken[largest] -= 1
    by_remainder = sorted(strata, key=lambda name: (-(quotas[name] - math.floor(quotas[name])), name))
    while sum(taken.values()) < size:
        for name in by_remainder:
            if sum(taken.values()) < size and taken[name] < counts[name]:
                taken[name] += 1
    return taken


class BottomK:
    """The `size` lowest-ranked records of each stratum seen so far (the most any allocation can take)."""

    def __init__(self, size: int):
        self.size = size
        self.heaps: dict[str, list[tuple[int, str, bytes]]] = {}

    def offer(self, stratum_name: str, record_rank: int, record_id: str, line: bytes) -> None:
        heap = self.heaps.setdefault(stratum_name, [])
        entry = (-record_rank, record_id, line)
        if len(heap) < self.size:
            heapq.heappush(heap, entry)
        elif -heap[0][0] > record_rank:
            heapq.heapreplace(heap, entry)

    def take(self, allocation: dict[str, int]) -> list[tuple[str, str, bytes]]:
        """(stratum, id, line) of the drawn records, in stratum then id order."""
        drawn: list[tuple[str, str, bytes]] = []
        for name, count in sorted(allocation.items()):
            lowest = sorted(self.heaps.get(name, []), key=lambda entry: -entry[0])[:count]
            drawn.extend((name, record_id, line) for _, record_id, line in sorted(lowest, key=lambda e: e[1]))
        return drawn


def family_digest(**identity: Any) -> str:
    """What a sign-off is bound to for one family: the method, seed and size, the whole population it was drawn
    from (so a change to any record, drawn or not, counts), and the drawn records themselves."""
    return "sha256:" + hashlib.sha256(canonical_json(identity).encode("utf-8")).hexdigest()


def review_digest(review: str, families: dict[str, Any]) -> str:
    """A review's sample digest: its name and each family's digest (so it is never valid for another review)."""
    return "sha256:" + hashlib.sha256(canonical_json({"review": review, "families": families})
                                      .encode("utf-8")).hexdigest()
