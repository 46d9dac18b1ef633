"""The single I/O seam: every byte releasebuild reads or writes outside its scratch space goes through here.

Local paths use the OS directly (fast, nothing imported); any other URI goes through fsspec (s3fs for s3://),
imported lazily so that a no-op run on local data does not pay for it. Failures of an object store come out of
here as StorageError with what to check, and never with a credential in the text.
"""

from __future__ import annotations

import base64
import glob
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from releasebuild.errors import AccessDenied, ReleaseBuildError, StorageError
from releasebuild.store.s3 import S3Settings, redact

S3_PROTOCOLS = ("s3", "s3a")
# Part size of a multipart upload. s3fs sends one PUT below twice this, read whole into memory: the bound keeps
# an upload's memory small whatever the blob's size.
PART_BYTES = 16 * 2**20
STREAM_BLOCK = 8 * 2**20  # read-ahead of a streaming read: a few requests per shard, little memory per thread
UPLOAD_ATTEMPTS = 3  # a multipart upload that arrives damaged is sent again this often
_FILESYSTEMS: dict[str, Any] = {}  # one s3fs instance per process: connection reuse across calls


_INHERITED: list[Any] = []


def _forget_filesystems() -> None:
    _INHERITED.extend(_FILESYSTEMS.values())
    _FILESYSTEMS.clear()  # an async filesystem's event loop and sockets do not survive fork


os.register_at_fork(after_in_child=_forget_filesystems)


def is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


def local_path(uri: str) -> str:
    return uri[len("file://"):] if uri.startswith("file://") else uri


def protocol(uri: str) -> str:
    return uri.split("://", 1)[0] if "://" in uri else "file"


def filesystem(uri: str) -> tuple[Any, str]:
    """(fsspec filesystem, path within it) for a non-local URI."""
    if protocol(uri) in S3_PROTOCOLS:
        fs = _FILESYSTEMS.get("s3")
        if fs is None:
            import s3fs

            fs = _FILESYSTEMS["s3"] = s3fs.S3FileSystem(**S3Settings.from_env().storage_options())
        return fs, fs._strip_protocol(uri)
    from fsspec.core import url_to_fs

    fs, path = url_to_fs(uri)
    return fs, str(path)


@contextmanager
def storage_errors(uri: str, action: str) -> Iterator[None]:
    """Turn an object store's exception into a StorageError naming the URI, the action and what to check."""
    try:
        yield
    except (ReleaseBuildError, FileNotFoundError, FileExistsError):
        raise
    except Exception as exc:
        if is_local(uri) and isinstance(exc, OSError):
            raise
        raise (AccessDenied if _denied(exc) else StorageError)(_explain(uri, action, exc)) from None


_DENIED_CODES = ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch")


def _denied(exc: Exception) -> bool:
    """The store answered and refused (as opposed to not answering)."""
    return isinstance(exc, PermissionError) or any(code in str(exc) for code in _DENIED_CODES)


def _explain(uri: str, action: str, exc: Exception) -> str:
    name = type(exc).__name__
    settings = S3Settings.from_env()
    text = redact(str(exc))
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        hint = "no S3 credentials found: set OVH_S3_ACCESS_KEY and OVH_S3_SECRET_KEY (or the AWS_* variables)"
    elif name in ("EndpointConnectionError", "ConnectTimeoutError", "ClientConnectorError", "ConnectionError") \
            or "Could not connect" in text or "Cannot connect" in text:
        hint = f"cannot reach the S3 endpoint {settings.describe()}: check OVH_S3_ENDPOINT and the network"
    elif _denied(exc):
        hint = "access denied: check the credentials and that they may use this bucket"
    else:
        hint = f"{name}: {text}"
    return f"cannot {action} {uri}: {hint}"


def open_uri(uri: str, block_size: int | None = None) -> IO[bytes]:
    """Open for reading. `block_size` bounds an object store's read-ahead (s3fs's default is 50 MiB per open
    object): streaming readers that keep several objects open pass STREAM_BLOCK."""
    if is_local(uri):
        return open(local_path(uri), "rb")
    with storage_errors(uri, "read"):
        fs, path = filesystem(uri)
        handle: IO[bytes] = fs.open(path, "rb", **({"block_size": block_size} if block_size else {}))
        return handle


def read_bytes(uri: str) -> bytes | None:
    """A whole (small) object, or None when it does not exist."""
    if is_local(uri):
        try:
            with open(local_path(uri), "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            return None
    with storage_errors(uri, "read"):
        fs, path = filesystem(uri)
        try:
            data: bytes = fs.cat_file(path)
            return data
        except FileNotFoundError:
            return None


def write_bytes(uri: str, data: bytes) -> None:
    if is_local(uri):
        os.makedirs(os.path.dirname(local_path(uri)) or ".", exist_ok=True)
    with storage_errors(uri, "write"):
        fs, path = filesystem(uri)
        fs.pipe_file(path, data, **_checksum(uri, hashlib.sha256(data).hexdigest()))


def create_exclusive(uri: str, data: bytes) -> None:
    """Write an object only if it does not exist (S3: a conditional PUT); FileExistsError if it does."""
    if is_local(uri):
        path = local_path(uri)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "xb") as fh:
            fh.write(data)
        return
    with storage_errors(uri, "create"):
        fs, path = filesystem(uri)
        fs.pipe_file(path, data, mode="create")


def upload(local: str, uri: str, sha256: str | None = None) -> None:
    """Copy a local file to a remote URI, verified on arrival: a single PUT carries the SHA-256 for S3 to check; a
    multipart upload (large shards) is checked afterwards against its size and multipart ETag."""
    with storage_errors(uri, "upload to"):
        fs, path = filesystem(uri)
        if protocol(uri) not in S3_PROTOCOLS:
            fs.put_file(local, path)
            return
        size = os.path.getsize(local)
        if size < 2 * PART_BYTES:  # s3fs's own bound for a single PUT
            fs.put_file(local, path, chunksize=PART_BYTES, **(_checksum(uri, sha256) if sha256 else {}))
            return
        from s3fs.core import calculate_chunksize

        part_bytes = calculate_chunksize(size, chunksize=PART_BYTES)
        expected = multipart_etag(local, part_bytes)
        for _ in range(UPLOAD_ATTEMPTS):
            fs.put_file(local, path, chunksize=part_bytes)
            stored = info(uri)
            if stored["size"] == size and stored["ETag"] == expected:
                return
            fs.rm_file(path)  # never leave a damaged object where a reader may find it
        raise StorageError(f"upload to {uri} did not arrive intact after {UPLOAD_ATTEMPTS} attempts (last: "
                           f"{stored['size']} bytes, ETag {stored.get('ETag')}; sent {size} bytes, ETag {expected}); "
                           "nothing was left there: check the network path to the endpoint")


def multipart_etag(local: str, part_bytes: int) -> str:
    """The ETag S3 gives a multipart upload of this file in parts of `part_bytes`: MD5 of the parts' MD5s."""
    digests = []
    with open(local, "rb") as fh:
        for chunk in iter(lambda: fh.read(part_bytes), b""):
            digests.append(hashlib.md5(chunk, usedforsecurity=False).digest())
    return f"{hashlib.md5(b''.join(digests), usedforsecurity=False).hexdigest()}-{len(digests)}"


def download(uri: str, local: str) -> None:
    with storage_errors(uri, "download"):
        fs, path = filesystem(uri)
        fs.get_file(path, local)


def copy(source: str, target: str) -> None:
    """Server-side copy of one object within a store (no bytes through this machine on S3)."""
    with storage_errors(target, "copy to"):
        fs, source_path = filesystem(source)
        fs.cp_file(source_path, filesystem(target)[1])


def exists(uri: str) -> bool:
    """Whether an object (not a prefix) exists."""
    if is_local(uri):
        return os.path.exists(local_path(uri))
    try:
        info(uri)
    except FileNotFoundError:
        return False
    return True


def info(uri: str) -> dict[str, Any]:
    """An object's metadata (size, ETag, ...) without its body; FileNotFoundError when it does not exist.
    On S3 one HEAD: fsspec's info would also list the key as a prefix when the HEAD finds nothing."""
    with storage_errors(uri, "check"):
        fs, path = filesystem(uri)
        if protocol(uri) not in S3_PROTOCOLS:
            return dict(fs.info(path))
        bucket, key, _ = fs.split_path(path)
        head = fs.call_s3("head_object", Bucket=bucket, Key=key)
        return {"size": head["ContentLength"], "ETag": _etag(head), "VersionId": head.get("VersionId")}


def compare(uri: str, data: bytes) -> str:
    """'absent', 'same' or 'different' for the object at `uri` against `data`. On S3 a single-part object's ETag
    is its MD5, so a HEAD answers and no body is read."""
    if not is_local(uri):
        try:
            meta = info(uri)
        except FileNotFoundError:
            return "absent"
        etag = _etag(meta)
        if etag and "-" not in etag:
            return "same" if etag == hashlib.md5(data, usedforsecurity=False).hexdigest() else "different"
    stored = read_bytes(uri)
    if stored is None:
        return "absent"
    return "same" if stored == data else "different"


def list_names(uri: str) -> list[str]:
    """Names directly under a prefix ([] when there is none)."""
    if is_local(uri):
        path = local_path(uri)
        return sorted(os.listdir(path)) if os.path.isdir(path) else []
    with storage_errors(uri, "list"):
        fs, path = filesystem(uri)
        try:
            return sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(path, detail=False))
        except FileNotFoundError:
            return []


def list_files(uri: str) -> dict[str, str | None]:
    """Every object under a prefix, as paths relative to it, with its ETag where the store gives one."""
    with storage_errors(uri, "list"):
        fs, path = filesystem(uri)
        base = path.rstrip("/") + "/"
        found = fs.find(base, detail=True)
        return {name[len(base):]: _etag(meta) for name, meta in sorted(found.items()) if name.startswith(base)}


def local_etag(local: str) -> str:
    """The ETag S3 gives this file when `upload` sends it: its MD5, or the multipart ETag above one PUT."""
    size = os.path.getsize(local)
    if size >= 2 * PART_BYTES:
        from s3fs.core import calculate_chunksize

        return multipart_etag(local, calculate_chunksize(size, chunksize=PART_BYTES))
    hasher = hashlib.md5(usedforsecurity=False)
    with open(local, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def _etag(meta: dict[str, Any]) -> str | None:
    etag = meta.get("ETag") or meta.get("etag")
    return str(etag).strip('"') if etag else None


def remove(uris: list[str]) -> None:
    if not uris:
        return
    with storage_errors(uris[0], "delete"):
        fs, _ = filesystem(uris[0])
        fs.rm([filesystem(uri)[1] for uri in uris])


def _checksum(uri: str, sha256: str) -> dict[str, str]:
    if protocol(uri) not in S3_PROTOCOLS:
        return {}
    return {"ChecksumSHA256": base64.b64encode(bytes.fromhex(sha256)).decode("ascii")}


@dataclass(frozen=True)
class FileInfo:
    uri: str
    size: int
    # What changes whenever the content may have changed: mtime locally, ETag/version id on object stores.
    token: str
    # An object store's own identity of the content (S3's ETag): usable as the content digest, so a source on S3
    # is never downloaded to be fingerprinted.
    etag: str | None = None


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
    with storage_errors(pattern, "list"):
        fs, path = filesystem(pattern)
        found = fs.glob(path, detail=True) if glob.has_magic(path) else _single(fs, path)
    scheme = protocol(pattern)
    infos = []
    for name, info in sorted(found.items()):
        if info.get("type") == "directory":
            continue
        etag = _etag(info)
        token = (info.get("VersionId") or etag
                 or f"mtime:{info.get('mtime', info.get('LastModified', info.get('created', '')))}")
        infos.append(FileInfo(f"{scheme}://{name.lstrip('/')}", int(info.get("size") or 0), str(token), etag))
    return infos


def _single(fs: Any, path: str) -> dict[str, Any]:
    try:
        return {path: fs.info(path)}
    except FileNotFoundError:
        return {}
