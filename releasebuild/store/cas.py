"""Content-addressed blob store and action cache (DVC's cache / run-cache split), local with an optional shared tier.

Blobs live at cas/sha256/<2>/<62>: the algorithm is in the path so it can change. The action cache maps a step
key to its StepResult (file digests + meta) at ac/<algo>/<2>/<rest>.json. Locally both are plain files written
atomically. When the release root is remote, the same layout under `<root>/cache/` is the shared tier: every
blob is uploaded before the action entry that names it (the entry is the commit point), so an entry found there
vouches for its blobs, and a clean machine fetches a blob only when a step it runs (or a local publish) reads it.
A local entry vouches for the shared tier only once it was committed there (`<cache>/shared/<tier>.keys` lists
those keys): an entry made for a local root or another tier is pushed, blobs first, the first time it is used.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import xxhash

from releasebuild.errors import StorageError
from releasebuild.keys import sha256_file
from releasebuild.store import io


class RemoteTier:
    """The shared cache at a URI (e.g. s3://bucket/exports/cache)."""

    def __init__(self, uri: str):
        self.uri = uri.rstrip("/")

    def blob_uri(self, sha256: str) -> str:
        return f"{self.uri}/cas/sha256/{sha256[:2]}/{sha256[2:]}"

    def action_uri(self, key: str) -> str:
        algo, hexdigest = key.split(":", 1)
        return f"{self.uri}/ac/{algo}/{hexdigest[:2]}/{hexdigest[2:]}.json"


class ContentStore:
    def __init__(self, cache_dir: Path, remote: RemoteTier | None = None):
        self.root = cache_dir / "cas" / "sha256"
        self.remote = remote
        self._remote_has: set[str] = set()  # blobs known to be in the shared tier (uploaded or vouched for)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:]

    def has(self, sha256: str) -> bool:
        return sha256 in self._remote_has or self.path(sha256).is_file()

    def in_remote(self, sha256: str) -> bool:
        return sha256 in self._remote_has

    def vouch(self, digests: list[str]) -> None:
        """The shared tier holds these (an action entry found there names them)."""
        self._remote_has.update(digests)

    def local(self, sha256: str) -> Path:
        """The blob as a local file, fetched from the shared tier (and verified) when only it has it."""
        target = self.path(sha256)
        if target.is_file() or self.remote is None:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".fetch-")
        os.close(fd)
        try:
            io.download(self.remote.blob_uri(sha256), tmp)
            if sha256_file(Path(tmp)) != sha256:
                raise StorageError(f"cached blob {self.remote.blob_uri(sha256)} does not match its digest; "
                                   "delete it from the shared cache and run again")
            os.replace(tmp, target)
            target.chmod(0o444)
        except FileNotFoundError:
            lost = self.remote.blob_uri(sha256)
            raise StorageError(f"the shared cache lost blob {lost}: delete the action entries naming it, "
                               "or the whole cache prefix, and run again") from None
        finally:
            Path(tmp).unlink(missing_ok=True)
        return target

    def adopt(self, file: Path, sha256: str) -> None:
        """Move a freshly written file into the store under its digest (and into the shared tier)."""
        target = self.path(sha256)
        if target.is_file():
            file.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(file, target)
            target.chmod(0o444)
        self.adopt_cached(sha256)

    def adopt_cached(self, sha256: str) -> bool:
        """Upload a blob of the local store to the shared tier unless it is there already; False when neither
        holds it."""
        if self.remote is not None and sha256 not in self._remote_has:
            uri = self.remote.blob_uri(sha256)
            if not io.exists(uri):
                if not self.path(sha256).is_file():
                    return False
                io.upload(str(self.path(sha256)), uri, sha256)
            self._remote_has.add(sha256)
        return True


class ActionCache:
    def __init__(self, cache_dir: Path, cas: ContentStore):
        self.root = cache_dir / "ac"
        self.cas = cas
        self._shared_log: Path | None = None
        self._shared: set[str] | None = None  # keys whose entries (and blobs) the shared tier holds
        if cas.remote is not None:
            tier = xxhash.xxh3_64_hexdigest(cas.remote.uri.encode("utf-8"))
            self._shared_log = cache_dir / "shared" / f"{tier}.keys"

    def _path(self, key: str) -> Path:
        algo, hexdigest = key.split(":", 1)
        return self.root / algo / hexdigest[:2] / f"{hexdigest[2:]}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            entry: dict[str, Any] = json.loads(self._path(key).read_bytes())
        except FileNotFoundError:
            pass
        else:
            if self.cas.remote is not None and not self._share(key, entry):
                return None  # made for another tier, whose blobs this machine never fetched: run the step again
            return entry
        remote = self.cas.remote
        if remote is None:
            return None
        data = io.read_bytes(remote.action_uri(key))
        if data is None:
            return None
        entry = json.loads(data)
        self.cas.vouch([ref["sha256"] for ref in entry["result"]["files"].values()])
        write_atomic(self._path(key), data)
        return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        data = json.dumps(entry, sort_keys=True).encode("utf-8")
        write_atomic(self._path(key), data)
        if self.cas.remote is not None:  # after the blobs (adopt uploaded them): the entry commits them
            io.write_bytes(self.cas.remote.action_uri(key), data)
            self._record_shared(key)

    def _share(self, key: str, entry: dict[str, Any]) -> bool:
        """Make sure the shared tier holds a locally found entry and its blobs (then vouch for them); False when
        it cannot, because a blob is in neither place."""
        digests = [ref["sha256"] for ref in entry["result"]["files"].values()]
        if key not in self._shared_keys():
            assert self.cas.remote is not None
            if not all(self.cas.adopt_cached(sha) for sha in digests):
                return False
            io.write_bytes(self.cas.remote.action_uri(key), json.dumps(entry, sort_keys=True).encode("utf-8"))
            self._record_shared(key)
        self.cas.vouch(digests)
        return True

    def _shared_keys(self) -> set[str]:
        if self._shared is None:
            assert self._shared_log is not None
            try:
                self._shared = set(self._shared_log.read_text(encoding="utf-8").split())
            except FileNotFoundError:
                self._shared = set()
        return self._shared

    def _record_shared(self, key: str) -> None:
        assert self._shared_log is not None
        self._shared_keys().add(key)
        self._shared_log.parent.mkdir(parents=True, exist_ok=True)
        with self._shared_log.open("a", encoding="utf-8") as log:  # one short line: an append is atomic enough
            log.write(key + "\n")


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
