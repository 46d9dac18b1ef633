"""Content-addressed blob store and action cache (DVC's cache / run-cache split), local with an optional shared
cache in two tiers.

Blobs live at cas/sha256/<2>/<62>: the algorithm is in the path so it can change. The action cache maps a step
key to its StepResult (file digests + meta) at ac/<algo>/<2>/<rest>.json. Locally both are plain files written
atomically, one store for every step: local disk is private. When the release root is remote, the same layout is
shared in two tiers: the general tier (`<root>/cache/`) and the restricted tier (`<root>/restricted/cache/`), which
holds what steps handling pre-privacy data make (`Step.restricted`: raw text that may carry PII), under the prefix
whose one access policy also guards the releases' restricted files.

An entry and every blob it names live in one tier: the blobs are uploaded before the entry (the entry is the commit
point), so an entry found in a tier vouches for its blobs there, and a clean machine fetches a blob only when a
step it runs (or a local publish) reads it. A blob the restricted tier holds never goes to the general tier (the
empty file aside): content addressing lets a non-restricted step make the same bytes, and its entry is then
committed to the restricted tier too, which is why a non-restricted step's entry is looked for in the general
tier, then the restricted one. A local entry vouches for a tier only once it was committed there
(`<cache>/shared/<tier>.keys`, one log per tier, lists those keys): an entry made for a local root or another tier
is pushed, blobs first, the first time it is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import xxhash

from releasebuild.errors import StorageError
from releasebuild.keys import sha256_file
from releasebuild.store import io

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()  # the empty file's: zero bytes hold nothing to restrict


class RemoteTier:
    """One tier of the shared cache at a URI (e.g. s3://bucket/exports/cache), in the local store's layout."""

    def __init__(self, uri: str):
        self.uri = uri.rstrip("/")
        self.held: set[str] = set()  # blobs known to be here: uploaded, or named by an entry found here

    def blob_uri(self, sha256: str) -> str:
        return f"{self.uri}/cas/sha256/{sha256[:2]}/{sha256[2:]}"

    def action_uri(self, key: str) -> str:
        algo, hexdigest = key.split(":", 1)
        return f"{self.uri}/ac/{algo}/{hexdigest[:2]}/{hexdigest[2:]}.json"


class SharedCache:
    """The shared cache's two tiers: `restricted` for what restricted steps make, `general` for the rest."""

    def __init__(self, general_uri: str, restricted_uri: str):
        self.general = RemoteTier(general_uri)
        self.restricted = RemoteTier(restricted_uri)
        self.tiers = (self.general, self.restricted)

    def lookup(self, restricted: bool) -> tuple[RemoteTier, ...]:
        """Where a step's entry may be: a restricted step's only in the restricted tier (one committed to the
        general tier by an older release of this tool is not trusted, so it is pushed again), another's in
        either."""
        return (self.restricted,) if restricted else self.tiers


class ContentStore:
    def __init__(self, cache_dir: Path, shared: SharedCache | None = None, store: io.Stores | None = None):
        self.root = cache_dir / "cas" / "sha256"
        self.shared = shared
        self.store = store if store is not None else io.default()  # where the shared tiers are

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:]

    def has(self, sha256: str) -> bool:
        return self.holder(sha256) is not None or self.path(sha256).is_file()

    def holder(self, sha256: str) -> RemoteTier | None:
        """A shared tier known to hold the blob."""
        if self.shared is None:
            return None
        return next((tier for tier in self.shared.tiers if sha256 in tier.held), None)

    def shared_uri(self, sha256: str) -> str | None:
        """The blob's URI in a shared tier known to hold it (the source of a server-side copy), if any."""
        tier = self.holder(sha256)
        return tier.blob_uri(sha256) if tier is not None else None

    def local(self, sha256: str) -> Path:
        """The blob as a local file, fetched (and verified) from the shared tier that holds it when only that tier
        has it; a blob no entry vouched for is looked for in each tier."""
        target = self.path(sha256)
        if target.is_file() or self.shared is None:
            return target
        holder = self.holder(sha256)
        tiers = (holder,) if holder is not None else self.shared.tiers
        if not any(self._fetch(tier, sha256, target) for tier in tiers):
            lost = " or ".join(tier.blob_uri(sha256) for tier in tiers)
            raise StorageError(f"the shared cache lost blob {lost}: delete the action entries naming it, "
                               "or the whole cache prefix, and run again")
        return target

    def _fetch(self, tier: RemoteTier, sha256: str, target: Path) -> bool:
        """Download a blob into the local store; False when the tier does not hold it."""
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".fetch-")
        os.close(fd)
        try:
            self.store.download(tier.blob_uri(sha256), tmp)
            if sha256_file(Path(tmp)) != sha256:
                raise StorageError(f"cached blob {tier.blob_uri(sha256)} does not match its digest; "
                                   "delete it from the shared cache and run again")
            os.replace(tmp, target)
            target.chmod(0o444)
        except FileNotFoundError:
            return False
        finally:
            Path(tmp).unlink(missing_ok=True)
        return True

    def adopt(self, file: Path, sha256: str) -> None:
        """Move a freshly written file into the local store under its digest. It reaches a shared tier with the
        entry that names it (ActionCache.put): which tier depends on that entry."""
        target = self.path(sha256)
        if target.is_file():
            file.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(file, target)
            target.chmod(0o444)

    def share(self, sha256: str, tier: RemoteTier) -> bool:
        """Upload a blob of the local store to `tier` unless it is there already; False when neither holds it."""
        if sha256 not in tier.held:
            uri = tier.blob_uri(sha256)
            if not self.store.exists(uri):
                if not self.path(sha256).is_file():
                    return False
                self.store.upload(str(self.path(sha256)), uri, sha256)
            tier.held.add(sha256)
        return True

    def in_restricted(self, sha256: str) -> bool:
        """Whether the restricted tier holds the blob, i.e. a restricted step made these bytes (asked of the tier,
        not of this machine's history: another machine may have made them)."""
        assert self.shared is not None
        tier = self.shared.restricted
        if sha256 not in tier.held and self.store.exists(tier.blob_uri(sha256)):
            tier.held.add(sha256)
        return sha256 in tier.held


class _KeysLog:
    """The keys of the entries this machine knows to be committed to one shared tier (an append-only file)."""

    def __init__(self, path: Path):
        self.path = path
        self._keys: set[str] | None = None

    def __contains__(self, key: str) -> bool:
        return key in self._read()

    def _read(self) -> set[str]:
        if self._keys is None:
            try:
                self._keys = set(self.path.read_text(encoding="utf-8").split())
            except FileNotFoundError:
                self._keys = set()
        return self._keys

    def add(self, key: str) -> None:
        self._read().add(key)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as log:  # one short line: an append is atomic enough
            log.write(key + "\n")


class ActionCache:
    """Step key -> entry ({"step", "result"}). `restricted`: the entry is a restricted step's (Step.restricted)."""

    def __init__(self, cache_dir: Path, cas: ContentStore):
        self.root = cache_dir / "ac"
        self.cas = cas
        self._logs: dict[str, _KeysLog] = {}
        for tier in cas.shared.tiers if cas.shared is not None else ():
            name = xxhash.xxh3_64_hexdigest(tier.uri.encode("utf-8"))
            self._logs[tier.uri] = _KeysLog(cache_dir / "shared" / f"{name}.keys")

    def _path(self, key: str) -> Path:
        algo, hexdigest = key.split(":", 1)
        return self.root / algo / hexdigest[:2] / f"{hexdigest[2:]}.json"

    def get(self, key: str, restricted: bool) -> dict[str, Any] | None:
        try:
            entry: dict[str, Any] = json.loads(self._path(key).read_bytes())
        except FileNotFoundError:
            pass
        else:
            if self.cas.shared is not None and not self._share(key, entry, restricted):
                return None  # made for another tier, whose blobs this machine never fetched: run the step again
            return entry
        if self.cas.shared is None:
            return None
        for tier in self.cas.shared.lookup(restricted):
            data = self.cas.store.read(tier.action_uri(key))
            if data is not None:
                entry = json.loads(data)
                tier.held.update(_digests(entry))
                write_atomic(self._path(key), data)
                return entry
        return None

    def put(self, key: str, entry: dict[str, Any], restricted: bool) -> None:
        """Record an entry whose blobs were just adopted into the local store (and commit both to a shared tier)."""
        write_atomic(self._path(key), _encode(entry))
        if self.cas.shared is not None and not self._commit(key, entry, self._tier(entry, restricted)):
            raise StorageError(f"a blob of action entry {key} left the local cache before it was shared: "
                               "run again")

    def _share(self, key: str, entry: dict[str, Any], restricted: bool) -> bool:
        """Make sure a shared tier holds a locally found entry and its blobs (then vouch for them there); False
        when it cannot, because a blob is in neither place."""
        assert self.cas.shared is not None
        for tier in self.cas.shared.lookup(restricted):
            if key in self._logs[tier.uri]:
                tier.held.update(_digests(entry))
                return True
        return self._commit(key, entry, self._tier(entry, restricted))

    def _tier(self, entry: dict[str, Any], restricted: bool) -> RemoteTier:
        """Where an entry is committed: a restricted step's to the restricted tier, and so is one naming a blob
        that tier holds (bytes a restricted step made: never copied to the general tier, whoever makes them
        again). The empty file is the exception: steps of both kinds write empty lists all the time, and zero
        bytes hold nothing to restrict."""
        assert self.cas.shared is not None
        if restricted or any(sha != EMPTY_SHA256 and self.cas.in_restricted(sha) for sha in _digests(entry)):
            return self.cas.shared.restricted
        return self.cas.shared.general

    def _commit(self, key: str, entry: dict[str, Any], tier: RemoteTier) -> bool:
        """The entry's blobs, then the entry that vouches for them; False (nothing committed) when a blob is in
        neither the local store nor the tier."""
        if not all(self.cas.share(sha, tier) for sha in _digests(entry)):
            return False
        self.cas.store.write(tier.action_uri(key), _encode(entry))
        self._logs[tier.uri].add(key)
        return True


def _digests(entry: dict[str, Any]) -> list[str]:
    return [ref["sha256"] for ref in entry["result"]["files"].values()]


def _encode(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True).encode("utf-8")


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
