"""Read a published release for training: by its URI and manifest alone, every shard's SHA-256 verified.

`ReleaseLoader` streams records (a split, a family, a curriculum stage, a weighted mix) for any number of ranks
and dataloader workers; `releasebuild.loader.torch` wraps it as a PyTorch IterableDataset (extra `torch`).
"""

from releasebuild.loader.release import NotAReleaseError, PublishedRelease, Shard, ShardIntegrityError, Stage
from releasebuild.loader.stream import LoaderError, RecordStream, ReleaseLoader

__all__ = ["LoaderError", "NotAReleaseError", "PublishedRelease", "RecordStream", "ReleaseLoader", "Shard",
           "ShardIntegrityError", "Stage"]
