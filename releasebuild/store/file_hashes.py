"""Digests of local files, remembered across processes while each file stays untouched (git's index, DVC's state
database): a cache blob or a published file hashed by one apply is not hashed again by the next while its size,
mtime, ctime and inode are what they were.

Hashing what every step reads was most of the CPU time of a one-record change at a million conversations (12 s of
the driver's, on two cores): the other families' dedup packs, the release in place that publish links from. The
file is `<cache>/hashes.json`; deleting it costs one hash of each file again.

A digest is remembered only for a *settled* file: one whose mtime is older than the clock when it was looked at.
Any later write to it then sets an mtime no earlier than that clock, so a different one. A file written in the
same clock tick as it is looked at (the kernel stamps files with a clock of a few milliseconds' resolution) could
be written again in that tick unseen; `settle` moves such a file's mtime one nanosecond before the tick, which only
this process's writer could have done. What is not covered: a change that keeps a file's size, mtime, ctime and
inode (bit rot, or someone who sets the clock back), and anyone who can write the cache directory, who could as well
rewrite this file. `releasebuild verify` hashes a published release whatever this file says.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from releasebuild.store.backends import write_atomic

Identity = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
CLOCK_REALTIME_COARSE = 5  # <linux/time.h>
SLACK_NS = 2_000_000_000  # without a coarse clock to read: the coarsest file timestamps (FAT's two seconds)


def _clock_ns() -> int:
    """The clock files are stamped with, as a lower bound on any timestamp a write from now on can get."""
    if sys.platform.startswith("linux"):  # what the kernel stamps files with (the time module does not name it)
        return time.clock_gettime_ns(CLOCK_REALTIME_COARSE)
    return time.time_ns() - SLACK_NS


def observe(path: Path) -> tuple[Identity, bool]:
    """The file's identity, and whether it is settled (its mtime before the clock read just before the stat)."""
    now = _clock_ns()
    stat = path.stat()
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino), stat.st_mtime_ns < now


def settle(path: Path) -> Identity | None:
    """The identity of a file this process just wrote, made settled if it is not (its mtime set back to just before
    the current tick); None when that is not allowed (a file someone else owns)."""
    seen, settled = observe(path)
    if settled:
        return seen
    try:
        os.utime(path, ns=(seen[1], _clock_ns() - 1))
        seen, settled = observe(path)
    except OSError:
        return None
    return seen if settled else None


class FileHashes:
    """Path -> (identity, SHA-256), loaded on first use and saved by whoever made changes (`save`): read, merged
    with what another process saved meanwhile, written atomically. Thread-safe (the walk checks blobs on threads)."""

    def __init__(self, path: Path):
        self.path = path
        self._entries: dict[str, list[Any]] | None = None
        self._changed: dict[str, list[Any] | None] = {}  # what this process remembered (None: forgot)
        self._lock = threading.Lock()

    def known(self, path: Path, identity: Identity) -> str | None:
        """The digest remembered for the file as it is now, if any."""
        with self._lock:
            entry = self._loaded().get(str(path))
        if entry is None or tuple(entry[:4]) != identity:
            return None
        digest: str = entry[4]
        return digest

    def remember(self, path: Path, identity: Identity, digest: str) -> None:
        """Remember a settled file's digest (hashed, or written and hashed as it was)."""
        self._set(str(path), [*identity, digest])

    def forget(self, path: Path) -> None:
        if str(path) in self._loaded():
            self._set(str(path), None)

    def save(self) -> None:
        """Write what this process changed over what the file holds now (another apply on this cache may have saved
        since it was read). A file that cannot be read is started again: it only saves work."""
        with self._lock:
            if not self._changed:
                return
            entries = _read(self.path)
            for key, entry in self._changed.items():
                if entry is None:
                    entries.pop(key, None)
                else:
                    entries[key] = entry
            write_atomic(self.path, json.dumps(entries, sort_keys=True, separators=(",", ":")).encode("utf-8"))
            self._entries = entries
            self._changed = {}

    def _set(self, key: str, entry: list[Any] | None) -> None:
        with self._lock:
            entries = self._loaded()
            if entry is None:
                entries.pop(key, None)
            else:
                entries[key] = entry
            self._changed[key] = entry

    def _loaded(self) -> dict[str, list[Any]]:
        if self._entries is None:
            self._entries = _read(self.path)
        return self._entries


def _read(path: Path) -> dict[str, list[Any]]:
    """The entries a file holds; none when it is missing or not this file's shape (a damaged file is ignored)."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: entry for key, entry in data.items()
            if isinstance(entry, list) and len(entry) == 5 and all(isinstance(value, int) for value in entry[:4])
            and isinstance(entry[4], str)}
