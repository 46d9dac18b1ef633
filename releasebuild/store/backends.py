"""The Store protocol and its three kinds: the local disk, any fsspec filesystem (S3 with its own checks), memory.

A store is addressed by URI and holds objects (no directories of its own: a prefix exists while something is under
it). Everything releasebuild reads or writes outside its scratch space goes through one of these, routed by
`io.Stores`; the engine and the steps are handed a store rather than reaching for a module-level one, so a test
can run a whole walk over memory. Failures of an object store come out as StorageError with what to check, and
never with a credential in the text; local OSErrors stay what they are.
"""

from __future__ import annotations

import base64
import glob
import hashlib
import io as stdio
import os
import re
import shutil
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from releasebuild.errors import AccessDenied, ReleaseBuildError, StorageError
from releasebuild.redaction import redact, redact_uri
from releasebuild.store.s3 import S3Settings

S3_PROTOCOLS = ("s3", "s3a")
# Part size of a multipart upload. s3fs sends one PUT below twice this, read whole into memory: the bound keeps
# an upload's memory small whatever the blob's size.
PART_BYTES = 16 * 2**20
STREAM_BLOCK = 8 * 2**20  # read-ahead of a streaming read: a few requests per shard, little memory per thread
UPLOAD_ATTEMPTS = 3  # a multipart upload that arrives damaged is sent again this often


@dataclass(frozen=True)
class FileInfo:
    uri: str
    size: int
    # What changes whenever the content may have changed: mtime locally, ETag/version id on object stores.
    token: str
    # An object store's own identity of the content (S3's ETag): usable as the content digest, so a source on S3
    # is never downloaded to be fingerprinted.
    etag: str | None = None


class Store(Protocol):
    """What releasebuild asks of a place that holds bytes."""

    def open(self, uri: str, block_size: int | None = None) -> IO[bytes]:
        """For reading. `block_size` bounds an object store's read-ahead (s3fs's default is 50 MiB per open
        object): streaming readers that keep several objects open pass STREAM_BLOCK."""

    def read(self, uri: str) -> bytes | None:
        """A whole (small) object, or None when it does not exist."""

    def write(self, uri: str, data: bytes) -> None: ...

    def write_exclusive(self, uri: str, data: bytes) -> None:
        """Write an object only if it does not exist (S3: a conditional PUT); FileExistsError if it does."""

    def read_tagged(self, uri: str) -> tuple[bytes, str] | None:
        """A whole (small) object and a tag naming this version of it (S3: its ETag, from the same GET), or None
        when it does not exist. The tag is what `replace_if` and `remove_if` compare."""

    def replace_if(self, uri: str, data: bytes, tag: str) -> bool:
        """Overwrite the object only if it is still the version `tag` names (S3: a PUT with `If-Match`, atomic on
        the server); False when it changed or is gone."""

    def remove_if(self, uri: str, tag: str) -> bool:
        """Delete the object only if it is still the version `tag` names (S3: a DELETE with `If-Match`); False
        when it changed or is gone."""

    def exists(self, uri: str) -> bool:
        """Whether an object (not a prefix) exists."""

    def info(self, uri: str) -> dict[str, Any]:
        """An object's metadata (size, ETag where the store has one) without its body; FileNotFoundError when
        it does not exist."""

    def checksum(self, uri: str) -> str | None:
        """The object's SHA-256 (hex) as the store itself vouches for it without this machine reading the body (S3:
        the checksum it keeps, asked for with a HEAD), or None when it keeps none; FileNotFoundError when absent."""

    def compare(self, uri: str, data: bytes) -> str:
        """'absent', 'same' or 'different' for the object at `uri` against `data`."""

    def list_names(self, uri: str) -> list[str]:
        """Names directly under a prefix, sorted ([] when there is none)."""

    def list_files(self, uri: str) -> dict[str, str | None]:
        """Every object under a prefix, as paths relative to it, with its ETag where the store gives one."""

    def expand(self, pattern: str) -> list[FileInfo]:
        """Objects matching a URI or glob, sorted, with the cheap metadata used for fingerprint caching."""

    def upload(self, local: str, uri: str, sha256: str | None = None) -> None:
        """Copy a local file in, verified on arrival where the store can check it."""

    def download(self, uri: str, local: str) -> None: ...

    def copy(self, source: str, target: str) -> None:
        """Copy one object within this store (server-side on S3: no bytes through this machine)."""

    def remove(self, uris: list[str]) -> None:
        """Delete objects; one already gone is not an error."""


def is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


def local_path(uri: str) -> str:
    return uri[len("file://"):] if uri.startswith("file://") else uri


def protocol(uri: str) -> str:
    return uri.split("://", 1)[0] if "://" in uri else "file"


class CompareThenAct(ABC):
    """`read_tagged`, `replace_if` and `remove_if` for a store with no conditional write of its own (a disk, fsspec,
    memory): compare, then act, which is not atomic. The apply lock does not rely on them there (a local root holds a
    kernel lock: store/root_lock.py); S3Store overrides them with the server's own compare-and-swap. The tag is a
    digest of the content."""

    @abstractmethod
    def read(self, uri: str) -> bytes | None: ...

    @abstractmethod
    def write(self, uri: str, data: bytes) -> None: ...

    @abstractmethod
    def remove(self, uris: list[str]) -> None: ...

    def read_tagged(self, uri: str) -> tuple[bytes, str] | None:
        return _tagged(self.read(uri))

    def replace_if(self, uri: str, data: bytes, tag: str) -> bool:
        if _tag_of(self.read(uri)) != tag:
            return False
        self.write(uri, data)
        return True

    def remove_if(self, uri: str, tag: str) -> bool:
        if _tag_of(self.read(uri)) != tag:
            return False
        self.remove([uri])
        return True


class LocalStore(CompareThenAct):
    """Local paths (or file:// URIs) through the OS: fast, nothing imported."""

    def open(self, uri: str, block_size: int | None = None) -> IO[bytes]:
        return open(local_path(uri), "rb")

    def read(self, uri: str) -> bytes | None:
        try:
            with open(local_path(uri), "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            return None

    def write(self, uri: str, data: bytes) -> None:
        path = _parent_made(uri)
        with open(path, "wb") as fh:
            fh.write(data)

    def write_exclusive(self, uri: str, data: bytes) -> None:
        path = _parent_made(uri)
        with open(path, "xb") as fh:
            fh.write(data)

    def exists(self, uri: str) -> bool:
        return os.path.exists(local_path(uri))

    def info(self, uri: str) -> dict[str, Any]:
        stat = os.stat(local_path(uri))
        return {"size": stat.st_size, "mtime": stat.st_mtime_ns}

    def checksum(self, uri: str) -> str | None:
        """A local file keeps no checksum of its own: hashing it costs a read of a disk, not a download."""
        return _file_sha256(local_path(uri))

    def compare(self, uri: str, data: bytes) -> str:
        return _compare_bytes(self.read(uri), data)

    def list_names(self, uri: str) -> list[str]:
        path = local_path(uri)
        return sorted(os.listdir(path)) if os.path.isdir(path) else []

    def list_files(self, uri: str) -> dict[str, str | None]:
        base = local_path(uri).rstrip("/")
        found: dict[str, str | None] = {}
        for directory, _, names in os.walk(base):
            for name in names:
                found[os.path.relpath(os.path.join(directory, name), base)] = None
        return dict(sorted(found.items()))

    def expand(self, pattern: str) -> list[FileInfo]:
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

    def upload(self, local: str, uri: str, sha256: str | None = None) -> None:
        shutil.copyfile(local, _parent_made(uri))

    def download(self, uri: str, local: str) -> None:
        shutil.copyfile(local_path(uri), local)

    def copy(self, source: str, target: str) -> None:
        shutil.copyfile(local_path(source), _parent_made(target))

    def remove(self, uris: list[str]) -> None:
        for uri in uris:
            try:
                os.remove(local_path(uri))
            except FileNotFoundError:
                pass


def _parent_made(uri: str) -> str:
    path = local_path(uri)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    return path


class FsspecStore(CompareThenAct):
    """Any fsspec filesystem by URI (gcs://, az://, memory:// of fsspec, ...): fsspec caches the instances."""

    def filesystem(self, uri: str) -> tuple[Any, str]:
        """(fsspec filesystem, path within it)."""
        from fsspec.core import url_to_fs

        fs, path = url_to_fs(uri)
        return fs, str(path)

    def open(self, uri: str, block_size: int | None = None) -> IO[bytes]:
        with storage_errors(uri, "read"):
            fs, path = self.filesystem(uri)
            handle: IO[bytes] = fs.open(path, "rb", **({"block_size": block_size} if block_size else {}))
            return handle

    def read(self, uri: str) -> bytes | None:
        with storage_errors(uri, "read"):
            fs, path = self.filesystem(uri)
            try:
                data: bytes = fs.cat_file(path)
                return data
            except FileNotFoundError:
                return None

    def write(self, uri: str, data: bytes) -> None:
        with storage_errors(uri, "write"):
            fs, path = self._placed(uri)
            fs.pipe_file(path, data, **self._checksum(hashlib.sha256(data).hexdigest()))

    def write_exclusive(self, uri: str, data: bytes) -> None:
        with storage_errors(uri, "create"):
            fs, path = self._placed(uri)
            fs.pipe_file(path, data, mode="create")

    def exists(self, uri: str) -> bool:
        try:
            self.info(uri)
        except FileNotFoundError:
            return False
        return True

    def info(self, uri: str) -> dict[str, Any]:
        with storage_errors(uri, "check"):
            fs, path = self.filesystem(uri)
            return dict(fs.info(path))

    def checksum(self, uri: str) -> str | None:
        self.info(uri)  # FileNotFoundError when absent
        return None  # fsspec has no common way to ask: whoever needs the digest reads the body

    def compare(self, uri: str, data: bytes) -> str:
        """On S3 a single-part object's ETag is its MD5, so a HEAD answers and no body is read."""
        try:
            etag = etag_of(self.info(uri))
        except FileNotFoundError:
            return "absent"
        if etag and "-" not in etag:
            return "same" if etag == hashlib.md5(data, usedforsecurity=False).hexdigest() else "different"
        return _compare_bytes(self.read(uri), data)

    def list_names(self, uri: str) -> list[str]:
        with storage_errors(uri, "list"):
            fs, path = self.filesystem(uri)
            try:
                return sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(path, detail=False))
            except FileNotFoundError:
                return []

    def list_files(self, uri: str) -> dict[str, str | None]:
        with storage_errors(uri, "list"):
            fs, path = self.filesystem(uri)
            base = path.rstrip("/") + "/"
            found = fs.find(base, detail=True)
            return {name[len(base):]: etag_of(meta) for name, meta in sorted(found.items()) if name.startswith(base)}

    def expand(self, pattern: str) -> list[FileInfo]:
        with storage_errors(pattern, "list"):
            fs, path = self.filesystem(pattern)
            found = fs.glob(path, detail=True) if glob.has_magic(path) else _single(fs, path)
        scheme = protocol(pattern)
        infos = []
        for name, meta in sorted(found.items()):
            if meta.get("type") == "directory":
                continue
            etag = etag_of(meta)
            token = (meta.get("VersionId") or etag
                     or f"mtime:{meta.get('mtime', meta.get('LastModified', meta.get('created', '')))}")
            infos.append(FileInfo(f"{scheme}://{name.lstrip('/')}", int(meta.get("size") or 0), str(token), etag))
        return infos

    def upload(self, local: str, uri: str, sha256: str | None = None) -> None:
        with storage_errors(uri, "upload to"):
            fs, path = self._placed(uri)
            fs.put_file(local, path)

    def download(self, uri: str, local: str) -> None:
        with storage_errors(uri, "download"):
            fs, path = self.filesystem(uri)
            fs.get_file(path, local)

    def copy(self, source: str, target: str) -> None:
        with storage_errors(target, "copy to"):
            fs, source_path = self.filesystem(source)
            fs.cp_file(source_path, self._placed(target)[1])

    def remove(self, uris: list[str]) -> None:
        if not uris:
            return
        with storage_errors(uris[0], "delete"):
            fs, _ = self.filesystem(uris[0])
            present = [path for path in (self.filesystem(uri)[1] for uri in uris) if fs.exists(path)]
            if present:  # fsspec refuses an empty list, as it refuses a missing file
                fs.rm(present)

    def _placed(self, uri: str) -> tuple[Any, str]:
        """(filesystem, path) with the path's parent made, for filesystems that have directories."""
        fs, path = self.filesystem(uri)
        fs.makedirs(fs._parent(path), exist_ok=True)
        return fs, path

    def _checksum(self, sha256: str) -> dict[str, str]:
        """Keyword arguments that make the store check a PUT's body against its SHA-256 (none by default)."""
        return {}


def _single(fs: Any, path: str) -> dict[str, Any]:
    try:
        return {path: fs.info(path)}
    except FileNotFoundError:
        return {}


# Filesystems a forked child inherited: an async filesystem's event loop and sockets belong to the parent, so the
# child makes its own, and keeps these referenced so that their finalizers never run in the child.
_INHERITED: list[Any] = []


class S3Store(FsspecStore):
    """S3 through s3fs, with one filesystem (connection pool) per store and process, made from `settings`."""

    def __init__(self, settings: S3Settings):
        self.settings = settings
        self._fs: Any = None
        self._pid = 0
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"settings": self.settings}  # a worker process makes its own connections

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["settings"])  # type: ignore[misc]

    def filesystem(self, uri: str) -> tuple[Any, str]:
        """Refuses a URI carrying credentials (`s3://KEY:SECRET@bucket/…`): s3fs would take them for the bucket's
        name and botocore quote them, in pieces no redaction can find, in its errors."""
        if redact_uri(uri) != uri:
            raise StorageError(f"{redact_uri(uri)}: credentials inside an s3:// URI are not used: set "
                               "OVH_S3_ACCESS_KEY and OVH_S3_SECRET_KEY (or the AWS_* variables) instead")
        with self._lock:
            if self._fs is not None and self._pid != os.getpid():
                _INHERITED.append(self._fs)
                self._fs = None
            if self._fs is None:
                import s3fs

                self._fs, self._pid = s3fs.S3FileSystem(**self.settings.storage_options()), os.getpid()
        return self._fs, self._fs._strip_protocol(uri)

    def info(self, uri: str) -> dict[str, Any]:
        """One HEAD: fsspec's info would also list the key as a prefix when the HEAD finds nothing."""
        with storage_errors(uri, "check"):
            fs, path = self.filesystem(uri)
            bucket, key, _ = fs.split_path(path)
            head = fs.call_s3("head_object", Bucket=bucket, Key=key)
            return {"size": head["ContentLength"], "ETag": etag_of(head), "VersionId": head.get("VersionId")}

    def read_tagged(self, uri: str) -> tuple[bytes, str] | None:
        """One GET: the body and the ETag of that very version (a HEAD then a GET could name two versions)."""
        from fsspec.asyn import sync

        fs, path = self.filesystem(uri)
        bucket, key, _ = fs.split_path(path)

        async def get() -> tuple[bytes, str]:
            response = await fs._call_s3("get_object", Bucket=bucket, Key=key)
            try:
                body: bytes = await response["Body"].read()
            finally:
                response["Body"].close()
            return body, str(etag_of(response))

        with storage_errors(uri, "read"):
            try:
                tagged: tuple[bytes, str] = sync(fs.loop, get)
                return tagged
            except FileNotFoundError:
                return None

    def replace_if(self, uri: str, data: bytes, tag: str) -> bool:
        """A PUT with `If-Match: <ETag>`: S3 swaps the object only if it is still that version, atomically."""
        return self._conditional(uri, "replace", "put_object", Body=data, IfMatch=f'"{tag}"')

    def remove_if(self, uri: str, tag: str) -> bool:
        """A DELETE with `If-Match: <ETag>` (an endpoint that ignores the header deletes unconditionally)."""
        return self._conditional(uri, "delete", "delete_object", IfMatch=f'"{tag}"')

    def _conditional(self, uri: str, action: str, method: str, **kwargs: Any) -> bool:
        with storage_errors(uri, action):
            fs, path = self.filesystem(uri)
            bucket, key, _ = fs.split_path(path)
            try:
                fs.call_s3(method, Bucket=bucket, Key=key, **kwargs)
            except FileNotFoundError:
                return False  # gone meanwhile
            except OSError as exc:
                if _condition_failed(exc):
                    return False
                raise
            return True

    def checksum(self, uri: str) -> str | None:
        """One HEAD asking for the checksum S3 keeps: the SHA-256 of an object put whole with one (a multipart
        object's is a checksum of its parts' checksums, which is not the digest: None)."""
        with storage_errors(uri, "check"):
            fs, path = self.filesystem(uri)
            bucket, key, _ = fs.split_path(path)
            head = fs.call_s3("head_object", Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        kept = head.get("ChecksumSHA256")
        if not kept or head.get("ChecksumType", "FULL_OBJECT") != "FULL_OBJECT" or "-" in kept:
            return None
        return base64.b64decode(kept).hex()

    def write(self, uri: str, data: bytes) -> None:
        """One PUT, confirmed (see `_put`): a manifest or an entry damaged on the way is sent again, never left."""
        with storage_errors(uri, "write"):
            self._put(uri, data)

    def write_exclusive(self, uri: str, data: bytes) -> None:
        """A PUT with `If-None-Match: *`, confirmed (see `_put`); FileExistsError when the object exists."""
        with storage_errors(uri, "create"):
            self._put(uri, data, IfNoneMatch="*")

    def upload(self, local: str, uri: str, sha256: str | None = None) -> None:
        """A single PUT (see `_put`) below twice PART_BYTES, as s3fs would send it; above, a multipart upload, checked
        afterwards against its size and multipart ETag. Either way its arrival is confirmed whatever the endpoint
        checked: a damaged object is deleted and sent again, and after UPLOAD_ATTEMPTS the upload fails with
        nothing left there."""
        with storage_errors(uri, "upload to"):
            size = os.path.getsize(local)
            if size < 2 * PART_BYTES:
                with open(local, "rb") as fh:
                    self._put(uri, fh.read())
                return
            from s3fs.core import calculate_chunksize

            fs, path = self.filesystem(uri)
            part_bytes = calculate_chunksize(size, chunksize=PART_BYTES)
            expected = multipart_etag(local, part_bytes)
            for _ in range(UPLOAD_ATTEMPTS):
                fs.put_file(local, path, chunksize=part_bytes)
                stored = self.info(uri)
                if stored["size"] == size and (stored["ETag"] == expected
                                               or self._holds(uri, sha256 or _file_sha256(local))):
                    return
                fs.rm_file(path)  # never leave a damaged object where a reader may find it
            raise StorageError(f"upload to {uri} did not arrive intact after {UPLOAD_ATTEMPTS} attempts (last: "
                               f"{stored['size']} bytes, ETag {stored.get('ETag')}; sent {size} bytes, ETag "
                               f"{expected}); nothing was left there: check the network path to the endpoint")

    def _put(self, uri: str, data: bytes, **condition: str) -> None:
        """Put `data` whole with single PUTs carrying its SHA-256 (for an endpoint that checks it), each confirmed
        by its reply's ETag, the MD5 of the bytes the server received, whatever the endpoint checked (one whose
        ETags are not MD5s, SSE-KMS, is answered by reading the object back). A damaged object is deleted, that
        version only (`If-Match` on the reply's ETag: never another writer's), and sent again; after
        UPLOAD_ATTEMPTS a StorageError, nothing left there. FileExistsError when `condition` fails."""
        sha256 = hashlib.sha256(data).hexdigest()
        etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
        fs, path = self.filesystem(uri)
        bucket, key, _ = fs.split_path(path)
        received = None
        for _ in range(UPLOAD_ATTEMPTS):
            try:
                reply = fs.call_s3("put_object", Bucket=bucket, Key=key, Body=data, **self._checksum(sha256),
                                   **condition)
            except OSError as exc:
                if condition and _condition_failed(exc):
                    raise FileExistsError(uri) from None
                raise
            received = etag_of(reply)
            if received == etag or self._holds(uri, sha256):
                return
            self.remove_if(uri, str(received))
        raise StorageError(f"upload to {uri} did not arrive intact after {UPLOAD_ATTEMPTS} attempts (last ETag "
                           f"{received}, sent {etag}); nothing was left there: check the network path to the endpoint")

    def _holds(self, uri: str, sha256: str) -> bool:
        """Whether the object's bytes, read back, have this SHA-256."""
        fs, path = self.filesystem(uri)
        hasher = hashlib.sha256()
        with fs.open(path, "rb", block_size=STREAM_BLOCK) as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                hasher.update(chunk)
        return hasher.hexdigest() == sha256

    def remove(self, uris: list[str]) -> None:
        if not uris:
            return
        with storage_errors(uris[0], "delete"):
            fs, _ = self.filesystem(uris[0])
            fs.rm([self.filesystem(uri)[1] for uri in uris])  # a DELETE of a missing key succeeds

    def _placed(self, uri: str) -> tuple[Any, str]:
        return self.filesystem(uri)  # keys, not directories: nothing to make (s3fs would make a bucket)

    def _checksum(self, sha256: str) -> dict[str, str]:
        return {"ChecksumSHA256": base64.b64encode(bytes.fromhex(sha256)).decode("ascii")}


class MemoryStore(CompareThenAct):
    """Objects in a dict, for tests of the engine and steps that should not touch a disk or a server. A worker
    process gets a copy (pickled with the job): writes made there are not seen by the parent."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def open(self, uri: str, block_size: int | None = None) -> IO[bytes]:
        return stdio.BytesIO(self._get(uri))

    def read(self, uri: str) -> bytes | None:
        return self.objects.get(uri)

    def write(self, uri: str, data: bytes) -> None:
        self.objects[uri] = bytes(data)

    def write_exclusive(self, uri: str, data: bytes) -> None:
        if uri in self.objects:
            raise FileExistsError(uri)
        self.write(uri, data)

    def exists(self, uri: str) -> bool:
        return uri in self.objects

    def info(self, uri: str) -> dict[str, Any]:
        data = self._get(uri)
        return {"size": len(data), "ETag": hashlib.md5(data, usedforsecurity=False).hexdigest()}

    def checksum(self, uri: str) -> str | None:
        return hashlib.sha256(self._get(uri)).hexdigest()

    def compare(self, uri: str, data: bytes) -> str:
        return _compare_bytes(self.read(uri), data)

    def list_names(self, uri: str) -> list[str]:
        base = uri.rstrip("/") + "/"
        return sorted({key[len(base):].split("/", 1)[0] for key in self.objects if key.startswith(base)})

    def list_files(self, uri: str) -> dict[str, str | None]:
        base = uri.rstrip("/") + "/"
        return {key[len(base):]: self.info(key)["ETag"] for key in sorted(self.objects) if key.startswith(base)}

    def expand(self, pattern: str) -> list[FileInfo]:
        if glob.has_magic(pattern):
            matcher = _glob_regex(pattern)
            keys = [key for key in self.objects if matcher.fullmatch(key)]
        else:
            keys = [pattern]
        infos = []
        for key in sorted(keys):
            if key in self.objects:
                meta = self.info(key)
                infos.append(FileInfo(key, meta["size"], meta["ETag"], meta["ETag"]))
        return infos

    def upload(self, local: str, uri: str, sha256: str | None = None) -> None:
        with open(local, "rb") as fh:
            self.write(uri, fh.read())

    def download(self, uri: str, local: str) -> None:
        with open(local, "wb") as fh:
            fh.write(self._get(uri))

    def copy(self, source: str, target: str) -> None:
        self.write(target, self._get(source))

    def remove(self, uris: list[str]) -> None:
        for uri in uris:
            self.objects.pop(uri, None)

    def _get(self, uri: str) -> bytes:
        try:
            return self.objects[uri]
        except KeyError:
            raise FileNotFoundError(uri) from None


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regex, matching keys as glob matches paths: `*` and `?` stay within a path part, `**/` spans
    parts (character classes are not supported: a memory store is for tests)."""
    parts = re.split(r"(\*\*/|\*|\?)", pattern)
    wild = {"**/": "(?:.*/)?", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(wild.get(part, re.escape(part)) for part in parts))


def _tag_of(data: bytes | None) -> str | None:
    """The tag of a version where the store has none of its own: the MD5 of its bytes (as S3's single-PUT ETag)."""
    return None if data is None else hashlib.md5(data, usedforsecurity=False).hexdigest()


def _tagged(data: bytes | None) -> tuple[bytes, str] | None:
    return None if data is None else (data, hashlib.md5(data, usedforsecurity=False).hexdigest())


# What S3 answers when a conditional request's condition does not hold (412), or when another conditional write
# to the key is in flight (409): either way, the object is not the version the caller named.
_CONDITION_CODES = ("PreconditionFailed", "ConditionalRequestConflict")


def _condition_failed(exc: BaseException) -> bool:
    cause = exc.__cause__
    response = getattr(cause, "response", None) or getattr(exc, "response", None)
    code = str(((response or {}).get("Error") or {}).get("Code", ""))
    return code in _CONDITION_CODES or code in ("412", "409")


def _compare_bytes(stored: bytes | None, data: bytes) -> str:
    if stored is None:
        return "absent"
    return "same" if stored == data else "different"


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


def _file_sha256(local: str) -> str:
    with open(local, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def multipart_etag(local: str, part_bytes: int) -> str:
    """The ETag S3 gives a multipart upload of this file in parts of `part_bytes`: MD5 of the parts' MD5s."""
    digests = []
    with open(local, "rb") as fh:
        for chunk in iter(lambda: fh.read(part_bytes), b""):
            digests.append(hashlib.md5(chunk, usedforsecurity=False).digest())
    return f"{hashlib.md5(b''.join(digests), usedforsecurity=False).hexdigest()}-{len(digests)}"


def local_etag(local: str) -> str:
    """The ETag S3 gives this file when S3Store.upload sends it: its MD5, or the multipart ETag above one PUT."""
    size = os.path.getsize(local)
    if size >= 2 * PART_BYTES:
        from s3fs.core import calculate_chunksize

        return multipart_etag(local, calculate_chunksize(size, chunksize=PART_BYTES))
    hasher = hashlib.md5(usedforsecurity=False)
    with open(local, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def etag_of(meta: dict[str, Any]) -> str | None:
    etag = meta.get("ETag") or meta.get("etag")
    return str(etag).strip('"') if etag else None


def write_atomic(path: Path, data: bytes) -> None:
    """A local file written whole or not at all (a temporary file beside it, renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
