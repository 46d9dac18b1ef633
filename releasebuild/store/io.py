"""The single I/O seam: every byte releasebuild reads or writes outside its scratch space goes through a Store
(store/backends.py), and `Stores` is the one that routes a URI to the right kind.

The engine, the release root and the caches are handed a Stores, and hand it to the steps (StepContext.store); code
that runs outside a build (verify, the loader, plan's reads of a published release) uses the process's `default()`.
"""

from __future__ import annotations

import json
import os
from typing import IO, Any

from releasebuild.store.backends import (
    S3_PROTOCOLS,
    FileInfo,
    FsspecStore,
    LocalStore,
    MemoryStore,
    S3Store,
    Store,
    protocol,
)
from releasebuild.store.s3 import S3Settings

# mem://...: the router's own MemoryStore. fsspec's memory:// stays an fsspec URI like any other (one filesystem
# per process, shared by every router), which is what a test of "any fsspec root" wants.
MEMORY = "mem"


class Stores:
    """A Store that routes each URI by scheme: local paths to the disk, mem:// to its MemoryStore, s3:// to S3,
    anything else to fsspec. Unless `s3` is given, S3 settings are read from the environment at each use and one
    S3Store is kept per distinct settings: pointing at another endpoint or account (a test's server, a second
    bucket owner) gets its own connections without anyone clearing a cache."""

    def __init__(self, s3: S3Settings | None = None, memory: MemoryStore | None = None):
        self.s3_settings = s3
        self.local = LocalStore()
        self.memory = memory if memory is not None else MemoryStore()
        self.fsspec = FsspecStore()
        self._s3: dict[str, S3Store] = {}

    def backend(self, uri: str) -> Store:
        scheme = protocol(uri)
        if scheme == "file":
            return self.local
        if scheme == MEMORY:
            return self.memory
        if scheme in S3_PROTOCOLS:
            return self._s3_store()
        return self.fsspec

    def _s3_store(self) -> S3Store:
        settings = self.s3_settings or S3Settings.from_env()
        # botocore reads AWS_* itself (credentials chain, retry mode, config files) when a client is made
        botocore_env = sorted((name, value) for name, value in os.environ.items() if name.startswith("AWS_"))
        identity = json.dumps([settings.storage_options(), botocore_env], sort_keys=True, default=str)
        store = self._s3.get(identity)
        if store is None:
            store = self._s3[identity] = S3Store(settings)
        return store

    def open(self, uri: str, block_size: int | None = None) -> IO[bytes]:
        return self.backend(uri).open(uri, block_size)

    def read(self, uri: str) -> bytes | None:
        return self.backend(uri).read(uri)

    def write(self, uri: str, data: bytes) -> None:
        self.backend(uri).write(uri, data)

    def write_exclusive(self, uri: str, data: bytes) -> None:
        self.backend(uri).write_exclusive(uri, data)

    def read_tagged(self, uri: str) -> tuple[bytes, str] | None:
        return self.backend(uri).read_tagged(uri)

    def replace_if(self, uri: str, data: bytes, tag: str) -> bool:
        return self.backend(uri).replace_if(uri, data, tag)

    def remove_if(self, uri: str, tag: str) -> bool:
        return self.backend(uri).remove_if(uri, tag)

    def exists(self, uri: str) -> bool:
        return self.backend(uri).exists(uri)

    def info(self, uri: str) -> dict[str, Any]:
        return self.backend(uri).info(uri)

    def checksum(self, uri: str) -> str | None:
        return self.backend(uri).checksum(uri)

    def compare(self, uri: str, data: bytes) -> str:
        return self.backend(uri).compare(uri, data)

    def list_names(self, uri: str) -> list[str]:
        return self.backend(uri).list_names(uri)

    def list_files(self, uri: str) -> dict[str, str | None]:
        return self.backend(uri).list_files(uri)

    def expand(self, pattern: str) -> list[FileInfo]:
        return self.backend(pattern).expand(pattern)

    def upload(self, local: str, uri: str, sha256: str | None = None) -> None:
        self.backend(uri).upload(local, uri, sha256)

    def download(self, uri: str, local: str) -> None:
        self.backend(uri).download(uri, local)

    def copy(self, source: str, target: str) -> None:
        """Within one store; the caller checks that both URIs are of one scheme."""
        self.backend(target).copy(source, target)

    def remove(self, uris: list[str]) -> None:
        by_store: dict[int, tuple[Store, list[str]]] = {}
        for uri in uris:
            store = self.backend(uri)
            by_store.setdefault(id(store), (store, []))[1].append(uri)
        for store, group in by_store.values():
            store.remove(group)


_DEFAULT = Stores()


def default() -> Stores:
    """The process's router, for code that runs outside a build: S3 settings from the environment."""
    return _DEFAULT
