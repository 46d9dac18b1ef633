"""Shards as verified local files: nothing is read from a shard before its SHA-256 matched the manifest.

A shard of a remote release is downloaded in one streaming pass (hashed as it is written) into a cache
directory, under its SHA-256, and renamed into place only when it matches; a shard of a local release is hashed
where it lies. Either way the same pass finds where each line starts, so records can be read in any order
without holding a shard in memory. A cached copy is hashed again on every open: a cache is not a trusted store.
The next shard a reader will want can be fetched on a background thread while the current one is read.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np

from releasebuild.loader.release import PublishedRelease, Shard, ShardIntegrityError
from releasebuild.store.backends import STREAM_BLOCK, is_local, local_path

CHUNK = 1 << 20
NEWLINE = 10


def default_cache_dir() -> Path:
    """$RELEASEBUILD_LOADER_CACHE, else the user's cache directory (XDG), under releasebuild/shards."""
    configured = os.environ.get("RELEASEBUILD_LOADER_CACHE")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "releasebuild" / "shards"


class VerifiedShard:
    """A shard whose bytes matched the manifest, read line by line from a local file."""

    def __init__(self, shard: Shard, path: str, starts: np.ndarray):
        self.shard = shard
        self.path = path
        self._starts = starts  # offset of each line's start, plus the file's size
        self._file: BinaryIO | None = None

    def line(self, index: int) -> bytes:
        if self._file is None:
            self._file = open(self.path, "rb")  # kept open while the shard is being read
        start, end = int(self._starts[index]), int(self._starts[index + 1])
        self._file.seek(start)
        return self._file.read(end - start)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class ShardFetcher:
    """Opens shards of one release as VerifiedShards, prefetching on a thread; one per reading process."""

    def __init__(self, release: PublishedRelease, cache_dir: Path | None = None, prefetch: int = 2):
        self.release = release
        self.remote = not is_local(release.prefix)
        self.cache_dir = cache_dir or default_cache_dir()
        self._pool = ThreadPoolExecutor(max_workers=prefetch, thread_name_prefix="shard") if self.remote else None
        self._pending: dict[str, Future[VerifiedShard]] = {}
        self.fetched = 0  # shards downloaded (not found in the cache)
        self.bytes_fetched = 0

    def prefetch(self, shard: Shard) -> None:
        if self._pool is not None and shard.key not in self._pending:
            self._pending[shard.key] = self._pool.submit(self._verified, shard)

    def open(self, shard: Shard) -> VerifiedShard:
        pending = self._pending.pop(shard.key, None)
        return pending.result() if pending is not None else self._verified(shard)

    def close(self) -> None:
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def _verified(self, shard: Shard) -> VerifiedShard:
        uri = self.release.uri(shard.key)
        if not self.remote:
            path = local_path(uri)
            with open(path, "rb") as fh:
                starts = _check(fh, shard, uri)
            return VerifiedShard(shard, path, starts)
        cached = self.cache_dir / f"{shard.sha256}.jsonl"
        if cached.exists():
            with cached.open("rb") as fh:
                try:
                    return VerifiedShard(shard, str(cached), _check(fh, shard, str(cached)))
                except ShardIntegrityError:
                    cached.unlink(missing_ok=True)  # a damaged cache entry: fetch it again
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=self.cache_dir, prefix=f".{shard.sha256[:16]}.", suffix=".partial")
        try:
            with os.fdopen(handle, "wb") as sink, self.release.store.open(uri, STREAM_BLOCK) as source:
                starts = _check(source, shard, uri, sink)
            os.replace(partial, cached)
        except BaseException:
            os.unlink(partial)
            raise
        self.fetched += 1
        self.bytes_fetched += shard.bytes
        return VerifiedShard(shard, str(cached), starts)


@dataclass(frozen=True)
class Scan:
    """What one streaming pass over an object found."""

    sha256: str
    bytes: int
    starts: np.ndarray  # offset of each line's start, then the offset after the last newline

    @property
    def lines(self) -> int:
        """Lines, an unterminated last one included."""
        return len(self.starts) - 1 + (int(self.starts[-1]) != self.bytes)


def scan(source: IO[bytes], sink: IO[bytes] | None = None) -> Scan:
    """SHA-256, size and line starts of `source` in one pass of CHUNK reads (copying it to `sink`)."""
    hasher = hashlib.sha256()
    ends: list[np.ndarray] = []
    size = 0
    for chunk in iter(lambda: source.read(CHUNK), b""):
        hasher.update(chunk)
        if sink is not None:
            sink.write(chunk)
        ends.append(np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == NEWLINE) + (size + 1))
        size += len(chunk)
    return Scan(hasher.hexdigest(), size, np.concatenate([np.zeros(1, dtype=np.int64), *ends]))


def _check(source: IO[bytes], shard: Shard, uri: str, sink: IO[bytes] | None = None) -> np.ndarray:
    """Scan `source` (copying it to `sink`), check it against the manifest, and return its line starts."""
    found = scan(source, sink)
    if found.sha256 != shard.sha256 or found.bytes != shard.bytes:
        raise ShardIntegrityError(uri, f"SHA-256 {found.sha256} ({found.bytes} bytes) is not the manifest's "
                                       f"{shard.sha256} ({shard.bytes} bytes)")
    if found.lines != shard.records or found.starts[-1] != found.bytes:
        raise ShardIntegrityError(uri, f"{found.lines} lines, but the manifest says {shard.records} records")
    return found.starts
