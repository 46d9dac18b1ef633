"""The single I/O seam: every byte releasebuild reads or writes outside its scratch space goes through here.

Local paths use the OS directly (fast, nothing imported); any other URI goes through fsspec, imported lazily so
that a no-op run on local data does not pay for it.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from typing import IO, Any


def is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


def local_path(uri: str) -> str:
    return uri[len("file://"):] if uri.startswith("file://") else uri


def filesystem(uri: str) -> tuple[Any, str]:
    """(fsspec filesystem, path within it) for a non-local URI."""
    from fsspec.core import url_to_fs

    return url_to_fs(uri)


def open_uri(uri: str) -> IO[bytes]:
    if is_local(uri):
        return open(local_path(uri), "rb")
    fs, path = filesystem(uri)
    return fs.open(path, "rb")


@dataclass(frozen=True)
class FileInfo:
    uri: str
    size: int
    # What changes whenever the content may have changed: mtime locally, ETag/version id on object stores.
    token: str


def expand(pattern: str) -> list[FileInfo]:
    """Files matching a path, glob or URI, sorted, with the cheap metadata used for fingerprint caching."""
    if is_local(pattern):
        path = local_path(pattern)
        matches = sorted(glob.glob(path, recursive=True)) if glob.has_magic(path) else [path]
        infos = []
        for match in matches:
            try:
                stat = os.stat(match)
            except FileNotFoundError:
                continue
            if os.path.isfile(match):
                infos.append(FileInfo(match, stat.st_size, f"mtime:{stat.st_mtime_ns}"))
        return infos
    fs, path = filesystem(pattern)
    found = fs.glob(path, detail=True) if glob.has_magic(path) else _single(fs, path)
    protocol = pattern.split("://", 1)[0]
    infos = []
    for name, info in sorted(found.items()):
        if info.get("type") == "directory":
            continue
        token = (info.get("VersionId") or info.get("ETag") or info.get("etag")
                 or f"mtime:{info.get('mtime', info.get('LastModified', info.get('created', '')))}")
        infos.append(FileInfo(f"{protocol}://{name.lstrip('/')}", int(info.get("size") or 0), str(token)))
    return infos


def _single(fs: Any, path: str) -> dict[str, Any]:
    try:
        return {path: fs.info(path)}
    except FileNotFoundError:
        return {}
