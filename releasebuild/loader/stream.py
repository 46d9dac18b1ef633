"""ReleaseLoader: what training code holds. Open a release by URI, pick splits, families or a curriculum stage, and
stream ChatML records shard by shard, every shard verified, deterministic given (seed, epoch), resumable.

    loader = ReleaseLoader("s3://pixel-data/exports/releases/v2026-11-23")
    for record in loader.stream("train", stage="foundation", seed=7, epoch=0):
        ...

A stream's `state_dict()` is small (the position reached, and what identifies the selection); passing it back
as `state=` yields exactly the records that were still to come. Records withdrawn in `<root>/revocations.json`
after the release was published are skipped and counted, never yielded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from releasebuild.errors import ReleaseBuildError
from releasebuild.keys import digest
from releasebuild.loader import order
from releasebuild.loader.order import FamilyOrder, Mix
from releasebuild.loader.release import PublishedRelease, Shard, Stage
from releasebuild.loader.shards import ShardFetcher, VerifiedShard
from releasebuild.manifest_proof import edits, format_problem

STATE_FORMAT = 1


class LoaderError(ReleaseBuildError):
    """A selection the release cannot serve (unknown split, family or stage), or a state from another stream."""


@dataclass(frozen=True)
class Selection:
    """What a stream reads and in which order; its digest identifies the stream in a saved state."""

    splits: tuple[str, ...]
    families: tuple[str, ...]
    weights: tuple[float, ...]
    mix: str
    shuffle: bool
    seed: int
    length: int  # positions in one epoch (the records selected, or the draws asked for when upsampling)


@dataclass(frozen=True)
class Partition:
    """Which part of the epoch this reader takes: a rank of `world_size`, a dataloader worker of that rank."""

    rank: int = 0
    world_size: int = 1
    worker: int = 0
    num_workers: int = 1
    block: int = 1  # positions dealt to a worker at a time: the batch size, so batches arrive in order

    def __post_init__(self) -> None:
        if not (0 <= self.rank < self.world_size and 0 <= self.worker < self.num_workers and self.block >= 1):
            raise LoaderError(f"bad partition: rank {self.rank} of {self.world_size}, "
                              f"worker {self.worker} of {self.num_workers}, block {self.block}")


@dataclass
class StreamCounts:
    records: int = 0  # yielded
    revoked: int = 0  # skipped: withdrawn in <root>/revocations.json
    shards_opened: int = 0
    revoked_ids: list[str] = field(default_factory=list)


class ReleaseLoader:
    """A published release, read through its manifest. Cheap to make: reads the manifest and revocations only."""

    def __init__(self, uri: str, cache_dir: str | Path | None = None, root_digest: str | None = None):
        """`root_digest`, when given, pins the release's content: a version republished with other bytes (on an
        unprotected root), or a manifest rewritten whole with a root digest to match, is refused instead of
        trained on. Without it, an edit to any field (format 2; format 1: to the artifact list) is refused."""
        self.release = PublishedRelease(uri)
        unreadable = format_problem(self.release.manifest)
        if unreadable is not None:
            raise LoaderError(f"{self.release.prefix}: {unreadable}")
        edited = edits(self.release.manifest)
        if edited:
            raise LoaderError(f"{self.release.prefix}: the manifest was edited after publishing, refusing it: "
                              + "; ".join(edited))
        if root_digest is not None and root_digest != self.release.root_digest:
            raise LoaderError(f"{self.release.prefix} is {self.release.root_digest}, not the pinned {root_digest}: "
                              "this version was published again with other content")
        gates = self.release.manifest.get("gates", {})
        if gates.get("status") != "pass":
            raise LoaderError(f"{self.release.prefix}: the manifest says its gates did not pass "
                              f"(status {gates.get('status')!r}, blocked by {gates.get('blocked_by')}); "
                              "a release that failed a gate is never trained on (run `releasebuild verify`)")
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.shards: list[Shard] = self.release.shards()
        self.revoked: frozenset[tuple[str, str]] = frozenset(
            (entry["family"], entry["id"]) for entry in self.release.revocations())
        self._stages: list[Stage] | None = None

    @property
    def version(self) -> str:
        return self.release.version

    @property
    def splits(self) -> list[str]:
        """Every split the release counts (train, val, test), empty ones included."""
        return sorted(split for split in self.release.manifest.get("records", {}) if split != "total")

    @property
    def families(self) -> list[str]:
        return self.release.families()

    @property
    def stages(self) -> list[Stage]:
        if self._stages is None:
            self._stages = self.release.stages()
        return self._stages

    def count(self, splits: str | Sequence[str] | None = None, families: Sequence[str] | None = None) -> int:
        """Records the manifest lists for these splits and families (withdrawn ones included)."""
        return sum(shard.records for shard in self._select(_names(splits, self.splits), families or self.families))

    def records(self, splits: str | Sequence[str] | None = None, families: Sequence[str] | None = None
                ) -> RecordStream:
        """Every record of these splits and families, family after family, in shard order."""
        chosen = list(families or self.families)
        return self._stream(_names(splits, self.splits), chosen, [1.0] * len(chosen), Mix.SEQUENTIAL, False, 0, None,
                            0, Partition(), None)

    def stream(self, splits: str | Sequence[str] = "train", *, stage: str | None = None,
               families: Sequence[str] | None = None, weights: dict[str, float] | None = None, seed: int = 0,
               epoch: int = 0, shuffle: bool = True, upsample: bool = False, num_samples: int | None = None,
               rank: int = 0, world_size: int = 1, worker: int = 0, num_workers: int = 1, block: int = 1,
               state: dict[str, Any] | None = None) -> RecordStream:
        """A weighted mix of families for one epoch.

        The weights are `weights` if given, else the curriculum's for `stage`, else each family's record count
        (a uniform shuffle of everything selected). Without `upsample`, an epoch is one pass over every selected
        record and a family that runs out leaves the mix; with it, `num_samples` draws (default: the selected
        records) by the weights alone. `shuffle` permutes each family's shards and the records within each shard.
        """
        split_names = _names(splits, self.splits)
        chosen, chosen_weights = self._weights(split_names, stage, families, weights)
        mix = Mix.UPSAMPLE if upsample else Mix.INTERLEAVE
        if num_samples is not None and not upsample:
            raise LoaderError("num_samples needs upsample=True: without replacement an epoch is every record once")
        partition = Partition(rank, world_size, worker, num_workers, block)
        return self._stream(split_names, chosen, chosen_weights, mix, shuffle, seed, num_samples, epoch, partition,
                            state)

    def _stream(self, splits: list[str], families: list[str], weights: list[float], mix: Mix, shuffle: bool,
                seed: int, num_samples: int | None, epoch: int, partition: Partition,
                state: dict[str, Any] | None) -> RecordStream:
        orders = [FamilyOrder.of(name, self._select(splits, [name]), seed, epoch, shuffle) for name in families]
        kept = [(o, w) for o, w in zip(orders, weights, strict=True) if o.records > 0]
        total = sum(o.records for o, _ in kept)
        if mix is Mix.UPSAMPLE and not total:
            raise LoaderError(f"nothing to upsample: no records of {', '.join(families)} in {', '.join(splits)}")
        length = num_samples if num_samples is not None else total
        selection = Selection(tuple(splits), tuple(o.family for o, _ in kept), tuple(w for _, w in kept), mix.value,
                              shuffle, seed, length)
        position = _resume_position(state, self.release.root_digest, selection, epoch, partition)
        return RecordStream(self, selection, [o for o, _ in kept], epoch, partition, position)

    def _select(self, splits: list[str], families: Sequence[str]) -> list[Shard]:
        unknown = sorted(set(families) - set(self.families))
        if unknown:
            raise LoaderError(f"{self.version} has no famil{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}"
                              f" (it has {', '.join(self.families)})")
        wanted = set(families)
        return [shard for shard in self.shards if shard.split in splits and shard.family in wanted]

    def _weights(self, splits: list[str], stage: str | None, families: Sequence[str] | None,
                 weights: dict[str, float] | None) -> tuple[list[str], list[float]]:
        if stage is not None:
            found = next((s for s in self.stages if s.name == stage), None)
            if found is None:
                raise LoaderError(f"{self.version} has no curriculum stage {stage!r} "
                                  f"(stages: {', '.join(s.name for s in self.stages)})")
            weights = {**found.weights, **(weights or {})}
            families = families or sorted(found.weights)
        chosen = sorted(families or (weights.keys() if weights else self.families))
        if weights is None:
            counted = [float(sum(s.records for s in self._select(splits, [name]))) for name in chosen]
            return chosen, counted
        missing = [name for name in chosen if name not in weights]
        if missing:
            raise LoaderError(f"no weight for {', '.join(missing)}")
        bad = [name for name in chosen if not weights[name] > 0]
        if bad:
            raise LoaderError(f"weights must be positive: {', '.join(f'{n}={weights[n]}' for n in bad)}")
        return chosen, [float(weights[name]) for name in chosen]


class RecordStream:
    """One epoch of one partition. Iterate it once; `state_dict()` says where it stands."""

    def __init__(self, loader: ReleaseLoader, selection: Selection, orders: list[FamilyOrder], epoch: int,
                 partition: Partition, position: int):
        self.loader = loader
        self.selection = selection
        self.epoch = epoch
        self.partition = partition
        self._orders = orders
        self.start, self.end = order.rank_range(selection.length, partition.rank, partition.world_size)
        self.position = position  # positions of the rank's range consumed, in order
        self.counts = StreamCounts()

    def __len__(self) -> int:
        """Positions left for this partition (withdrawn records among them are skipped, not yielded)."""
        return sum(1 for _ in self._positions())

    def state_dict(self) -> dict[str, Any]:
        """Where this stream stands, to resume from: valid for a reader of the rank's positions in order (one
        worker, or a dataloader whose batches are the blocks; see TorchReleaseDataset)."""
        return {"format": STATE_FORMAT, "release": self.loader.release.root_digest, "selection": _key(self.selection),
                "epoch": self.epoch, "world_size": self.partition.world_size, "rank": self.partition.rank,
                "position": self.position}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        selection = self.selection
        generator = order.rng(selection.seed, self.epoch, "interleave")
        sequence, offsets = order.family_sequence([o.records for o in self._orders], list(selection.weights),
                                                  Mix(selection.mix), selection.length, generator)
        fetcher = ShardFetcher(self.loader.release, self.loader.cache_dir)
        cursors = [_Cursor(family_order, fetcher, self.counts) for family_order in self._orders]
        revoked = self.loader.revoked
        try:
            for position in self._positions():
                cursor = cursors[sequence[position]]
                line = cursor.read(int(offsets[position]) % cursor.order.records)
                self.position = position - self.start + 1
                record = json.loads(line)
                if revoked and (record["family"], record["id"]) in revoked:
                    self.counts.revoked += 1
                    self.counts.revoked_ids.append(f"{record['family']}/{record['id']}")
                    continue
                self.counts.records += 1
                yield record
        finally:
            for cursor in cursors:
                cursor.close()
            fetcher.close()

    def _positions(self) -> Iterator[int]:
        p = self.partition
        return order.worker_positions(self.start, self.end, p.worker, p.num_workers, p.block, self.position)


class _Cursor:
    """Reads one family's records in epoch order, holding its current shard open and the next one prefetched."""

    def __init__(self, family_order: FamilyOrder, fetcher: ShardFetcher, counts: StreamCounts):
        self.order = family_order
        self._fetcher = fetcher
        self._counts = counts
        self._index = -1
        self._shard: VerifiedShard | None = None
        self._lines: np.ndarray | None = None

    def read(self, offset: int) -> bytes:
        index, within = self.order.locate(offset)
        if index != self._index:
            self.close()
            self._shard = self._fetcher.open(self.order.shards[index])
            self._counts.shards_opened += 1
            self._lines = self.order.record_order(index)
            self._index = index
            if index + 1 < len(self.order.shards):
                self._fetcher.prefetch(self.order.shards[index + 1])
        assert self._shard is not None
        return self._shard.line(int(self._lines[within]) if self._lines is not None else within)

    def close(self) -> None:
        if self._shard is not None:
            self._shard.close()
            self._shard = None


def _names(splits: str | Sequence[str] | None, known: list[str]) -> list[str]:
    names = [splits] if isinstance(splits, str) else list(splits or known)
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise LoaderError(f"no split {', '.join(unknown)} in this release (it has {', '.join(known)})")
    return names


def _key(selection: Selection) -> str:
    return digest(asdict(selection))


def _resume_position(state: dict[str, Any] | None, release: str, selection: Selection, epoch: int,
                     partition: Partition) -> int:
    """The position a saved state resumes from, after checking it belongs to this very stream."""
    if state is None:
        return 0
    if state.get("format") != STATE_FORMAT:
        raise LoaderError(f"cannot resume from a state of format {state.get('format')!r}")
    if state.get("release") != release:
        raise LoaderError("the saved state belongs to another release (its root_digest differs)")
    if state.get("selection") != _key(selection) or state.get("epoch") != epoch:
        raise LoaderError("the saved state belongs to another selection or epoch (splits, families, weights, "
                          "mix, shuffle, seed or length differ)")
    if state.get("world_size") != partition.world_size:
        raise LoaderError(f"the saved state was taken with world_size {state.get('world_size')}, "
                          f"not {partition.world_size}: resume with the same number of ranks")
    return int(state["position"])
