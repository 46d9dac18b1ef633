"""A PyTorch IterableDataset over a published release (install the `torch` extra).

Each dataloader worker opens the release itself (after the fork) and reads its share of the rank's positions in
blocks of `batch_size`; a DataLoader with the same `batch_size` takes the workers' batches round-robin, which is
the rank's order, so "samples consumed" is an exact resume point whatever the number of workers:

    dataset = TorchReleaseDataset(uri, splits="train", stage="foundation", batch_size=8, seed=7)
    loader = torch.utils.data.DataLoader(dataset, batch_size=8, num_workers=2, collate_fn=list)
    dataset.set_epoch(epoch)
    ...
    saved = dataset.state_dict(consumed=steps * 8)        # later: dataset.load_state_dict(saved)

Rank and world size come from torch.distributed when it is initialized, else from RANK and WORLD_SIZE.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch.distributed
import torch.utils.data

from releasebuild.loader.stream import RecordStream, ReleaseLoader


class TorchReleaseDataset(torch.utils.data.IterableDataset):
    def __init__(self, uri: str, *, batch_size: int = 1, transform: Callable[[dict[str, Any]], Any] | None = None,
                 cache_dir: str | Path | None = None, root_digest: str | None = None, rank: int | None = None,
                 world_size: int | None = None, **stream_options: Any):
        """`root_digest` pins the release (see ReleaseLoader); `stream_options` are ReleaseLoader.stream's: splits,
        stage, families, weights, seed, shuffle, upsample, num_samples."""
        super().__init__()
        self.uri = uri
        self.batch_size = batch_size
        self.transform = transform
        self.cache_dir = cache_dir
        self.root_digest = root_digest
        self.rank, self.world_size = _distributed(rank, world_size)
        self.stream_options = stream_options
        self.epoch = 0
        self._state: dict[str, Any] | None = None
        self._loader: ReleaseLoader | None = None
        self._loader_pid = -1

    def set_epoch(self, epoch: int) -> None:
        """Start a new epoch: a new order (and forget any resume point of the previous one)."""
        self.epoch = epoch
        self._state = None

    def state_dict(self, consumed: int) -> dict[str, Any]:
        """The resume point after the training loop has taken `consumed` samples of this epoch on this rank."""
        state = self._stream(0, 1).state_dict()
        return {**state, "position": (self._state or state)["position"] + consumed}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch = state["epoch"]
        self._stream(0, 1, state)  # checks that the state belongs to this dataset
        self._state = state

    def __len__(self) -> int:
        """Positions left on this rank this epoch (records withdrawn since publishing are skipped)."""
        return len(self._stream(0, 1, self._state))

    def __iter__(self) -> Iterator[Any]:
        info = torch.utils.data.get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        for record in self._stream(worker, workers, self._state):
            yield self.transform(record) if self.transform else record

    def _stream(self, worker: int, workers: int, state: dict[str, Any] | None = None) -> RecordStream:
        if self._loader is None or self._loader_pid != os.getpid():
            self._loader = ReleaseLoader(self.uri, self.cache_dir, self.root_digest)
            self._loader_pid = os.getpid()
        return self._loader.stream(epoch=self.epoch, rank=self.rank, world_size=self.world_size, worker=worker,
                                   num_workers=workers, block=self.batch_size, state=state, **self.stream_options)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_loader": None}  # each worker process opens the release itself


def _distributed(rank: int | None, world_size: int | None) -> tuple[int, int]:
    if rank is not None and world_size is not None:
        return rank, world_size
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
