"""The order of one epoch: which family's which record comes at each position, and who reads which position.

Pure functions of the manifest's shard table and (seed, epoch); no shard is read. Every rank computes the same
global order and takes its own contiguous range of it, so ranks never share a record and together cover the
epoch, and each rank opens only the shards its range reaches. Within a rank, positions are dealt to dataloader
workers in blocks of a batch, so the batches a round-robin dataloader hands out are the rank's order, in order.

Weighted interleaving without replacement is the merge of one Poisson process per family (rate = its weight,
one event per record): at every position the next family is drawn with probability proportional to the
weights of the families that still have records. With replacement (upsampling), each position draws its family
from the weights alone and a family that runs out starts over.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import xxhash

from releasebuild.loader.release import Shard


class Mix(enum.Enum):
    SEQUENTIAL = "sequential"  # family after family, each in shard order: what `records()` reads
    INTERLEAVE = "interleave"  # weighted, without replacement: one pass over every selected record
    UPSAMPLE = "upsample"  # weighted, with replacement: `length` draws; small families repeat


def rng(seed: int, epoch: int, *names: str) -> np.random.Generator:
    """A generator for one purpose within one epoch (the family interleave, one family's shard order, ...)."""
    seed %= 2**64
    words = [seed & 0xFFFFFFFF, seed >> 32, epoch] + [xxhash.xxh32_intdigest(name.encode("utf-8")) for name in names]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))


@dataclass(frozen=True)
class FamilyOrder:
    """One family's records in this epoch's order: its shards (shuffled or not), then each shard's records."""

    family: str
    shards: tuple[Shard, ...]
    starts: np.ndarray  # offset of each shard's first record within the family order
    seed: int
    epoch: int
    shuffle: bool

    @classmethod
    def of(cls, family: str, shards: list[Shard], seed: int, epoch: int, shuffle: bool) -> FamilyOrder:
        ordered = list(shards)
        if shuffle:
            ordered = [ordered[i] for i in rng(seed, epoch, "shards", family).permutation(len(ordered))]
        starts = np.cumsum([0] + [shard.records for shard in ordered[:-1]], dtype=np.int64)
        return cls(family, tuple(ordered), starts, seed, epoch, shuffle)

    @property
    def records(self) -> int:
        return sum(shard.records for shard in self.shards)

    def locate(self, offset: int) -> tuple[int, int]:
        """(index into `shards`, record index within that shard's order) of the family's `offset`-th record."""
        index = int(np.searchsorted(self.starts, offset, side="right")) - 1
        return index, offset - int(self.starts[index])

    def record_order(self, index: int) -> np.ndarray | None:
        """The order in which shard `index`'s lines are read (None: as stored)."""
        if not self.shuffle:
            return None
        return rng(self.seed, self.epoch, "records", self.shards[index].key).permutation(self.shards[index].records)


def family_sequence(counts: list[int], weights: list[float], mix: Mix, length: int, generator: np.random.Generator
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(family index, offset within that family) for every position of the epoch.

    Offsets count from 0 per family; with UPSAMPLE they run past the family's size and wrap when read."""
    families = np.arange(len(counts))
    if not counts:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
    if mix is Mix.SEQUENTIAL:
        sequence = np.repeat(families, counts)
    elif mix is Mix.INTERLEAVE:
        times = np.concatenate([np.cumsum(generator.exponential(1.0 / weight, size=count))
                                for count, weight in zip(counts, weights, strict=True)])
        labels = np.repeat(families, counts)
        sequence = labels[np.argsort(times, kind="stable")]
    else:
        probabilities = np.asarray(weights, dtype=np.float64) / sum(weights)
        sequence = generator.choice(families, size=length, p=probabilities)
    offsets = np.empty(len(sequence), dtype=np.int64)
    for family in families:
        where = sequence == family
        offsets[where] = np.arange(int(where.sum()))
    return sequence.astype(np.int32), offsets


def rank_range(length: int, rank: int, world_size: int) -> tuple[int, int]:
    """The contiguous positions [start, end) of the epoch that `rank` reads; sizes differ by at most one."""
    return length * rank // world_size, length * (rank + 1) // world_size


def worker_positions(start: int, end: int, worker: int, num_workers: int, block: int, resume: int = 0
                     ) -> Iterator[int]:
    """The positions of [start, end) that `worker` reads, in order: blocks of `block` dealt round-robin.

    `resume` counts positions of the rank's range already consumed (in order). Dealing starts afresh there, with
    worker 0, as a dataloader's round-robin does when it starts again."""
    index = worker
    while True:
        low = start + resume + index * block
        if low >= end:
            return
        yield from range(low, min(low + block, end))
        index += num_workers
