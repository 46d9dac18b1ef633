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

Nothing read back is trusted. A local blob is hashed before a step reads it or it is published (once while the
file's size, mtime, ctime and inode stay the same: `<cache>/hashes.json` remembers it for the next apply,
`file_hashes.FileHashes`); a fetched blob is hashed on arrival; an entry carries
the SHA-256 of its own encoding (its seal). What fails is set aside under `<cache>/corrupt/` (a shared tier's
under `<tier>/corrupt/`), named in `damage`, and forgotten: a bad entry is a miss, a bad blob makes every entry
naming it a miss (`has` says no), so the step that made it runs again and writes it anew. An entry committed to a
shared tier also records each blob's ETag there (sealed with it), so that a machine without the blob checks a
server-side copy from the tier by one HEAD instead of a download.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xxhash

from releasebuild.errors import CacheLimitInvalid, CorruptCache, StorageError
from releasebuild.keys import sha256_file, sha256_files
from releasebuild.store import io
from releasebuild.store.backends import local_etag, write_atomic
from releasebuild.store.file_hashes import FileHashes, Identity, observe, settle

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()  # the empty file's: zero bytes hold nothing to restrict
SEAL = "sha256"  # an entry's key holding the SHA-256 of its encoding without it
ETAGS = "etags"  # a shared entry's key: each blob's ETag in its tier when the entry was committed
ASIDE = "corrupt"  # where what failed its check is set aside, in the local cache and in each shared tier
HASHES = "hashes.json"  # in the cache directory: `file_hashes.FileHashes`
LIMIT_VARIABLE = "RELEASEBUILD_CACHE_LIMIT"  # how large the local content store may grow (`cache_limit`)
DEFAULT_LIMIT = 10 * 2**30
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


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
        self.aside = cache_dir / ASIDE
        self.shared = shared
        self.store = store if store is not None else io.default()  # where the shared tiers are
        self.damage: list[str] = []  # what was set aside, in the order it was found, one sentence each
        self.etags: dict[str, str] = {}  # digest -> its ETag in a shared tier, as a sealed entry recorded it
        self.condemned: set[str] = set()  # blobs found corrupt with no intact copy: until made again, not held
        self._verified: dict[str, Identity] = {}  # digest -> the local file as it was hashed (or found remembered)
        self.hashes = FileHashes(cache_dir / HASHES)  # digests of settled files, remembered across processes
        self._checking = threading.Lock()  # guards _in_flight
        self._in_flight: dict[str, threading.Event] = {}  # digest -> set when the thread hashing it is done

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:]

    def has(self, sha256: str) -> bool:
        if sha256 in self.condemned:
            return False
        return self.holder(sha256) is not None or self.path(sha256).is_file()

    def holder(self, sha256: str) -> RemoteTier | None:
        """A shared tier known to hold the blob."""
        if self.shared is None or sha256 in self.condemned:
            return None
        return next((tier for tier in self.shared.tiers if sha256 in tier.held), None)

    def shared_uri(self, sha256: str) -> str | None:
        """The blob's URI in a shared tier known to hold it intact (the source of a server-side copy), if any.
        Intact means: the object's ETag is the MD5 of the local blob (checked itself), or, with no local blob, the
        ETag the sealed entry naming it recorded, or the SHA-256 checksum the server keeps for it is the digest.
        Otherwise None: the caller publishes from `local`, which fetches and hashes the blob."""
        tier = self.holder(sha256)
        if tier is None:
            return None
        uri = tier.blob_uri(sha256)
        try:
            if not self.path(sha256).is_file():
                recorded = self.etags.get(sha256)
                if recorded is not None and self.store.info(uri).get("ETag") == recorded:
                    return uri
                return uri if self.store.checksum(uri) == sha256 else None
            local = str(self.local(sha256))
            if self.store.info(uri).get("ETag") == local_etag(local):
                return uri
        except FileNotFoundError:
            return None
        self._set_aside_shared(tier, sha256)  # not the bytes of the (checked) local blob: damaged
        self.store.upload(local, uri, sha256)  # the tier's entries name it: whole again
        tier.held.add(sha256)
        return uri

    def local(self, sha256: str) -> Path:
        """The blob as a local file, checked against its digest: a damaged local copy is set aside and the blob
        fetched (and checked) from a shared tier that holds it. CorruptCache when no intact copy is left, the blob
        damaged or gone from a tier that vouched for it: the walk runs the step that made it again."""
        target = self.path(sha256)
        if target.is_file():
            if self._intact(sha256):
                return target
            self._set_aside(target, sha256)
        if self.shared is None:
            if sha256 in self.condemned:
                raise self._corrupt(sha256)
            return target
        holder = self.holder(sha256)
        tiers = (holder,) if holder is not None else self.shared.tiers
        if not any(self._fetch(tier, sha256, target) for tier in tiers):
            if sha256 not in self.condemned:  # gone from a tier that vouched for it (pruned): the same remedy
                self.condemned.add(sha256)
                self.damage.append("shared cache lost blob " + " or ".join(tier.blob_uri(sha256) for tier in tiers))
            raise self._corrupt(sha256)
        return target

    def check(self, digests: Iterable[str], threads: int | None = None) -> None:
        """Hash the local copies of these blobs not yet checked, all at once on `threads` threads (default: one per
        core, `sha256_files`), and remember those that hold their digest: `local` then finds them checked. A blob
        hashed by an earlier apply and untouched since (`FileHashes`) is not hashed again. Anything else is left to
        `local`, which sets it aside and fetches it, one blob at a time. A blob another thread is hashing (the walk
        checks blobs ahead, `engine._Walk._check_ahead`) is waited for, not hashed twice."""
        todo: list[tuple[str, Path, Identity, bool]] = []
        waits = []
        with self._checking:
            for sha256 in dict.fromkeys(digests):
                if sha256 in self._in_flight:
                    waits.append(self._in_flight[sha256])
                    continue
                path = self.path(sha256)
                with contextlib.suppress(OSError):
                    seen, settled = observe(path)
                    if self._verified.get(sha256) == seen:
                        continue
                    if self.hashes.known(path, seen) == sha256:
                        self._verified[sha256] = seen
                        continue
                    todo.append((sha256, path, seen, settled))
            done = threading.Event()
            for sha256, *_ in todo:
                self._in_flight[sha256] = done
        try:
            found = sha256_files([path for _, path, _, _ in todo], threads)
            for (sha256, path, seen, settled), digest_found in zip(todo, found, strict=True):
                if digest_found == sha256:
                    self._verified[sha256] = seen
                    if settled:
                        self.hashes.remember(path, seen, sha256)
        finally:
            with self._checking:
                for sha256, *_ in todo:
                    del self._in_flight[sha256]
            done.set()
        for event in waits:
            event.wait()

    def prune(self, keep: set[str], limit: int, older_than: float) -> tuple[int, int]:
        """When the content store holds more than `limit` bytes, remove blobs, oldest first, until it holds at most
        PRUNED_TO of it (a low mark, as ccache cleans: the next few applies then find room and remove nothing, where
        the blobs kept leave that much room): never one in `keep`
        (what the last apply used and what the next one reads: results, their memos, per-source maps), nor one
        written at or after `older_than` (a plan running beside the apply may have just made it). An entry whose
        blob is gone is a miss (`has`), so its step runs again if it must: pruning costs time, never correctness.
        Returns (blobs removed, bytes freed)."""
        found: list[tuple[float, int, Path, str]] = []
        total = 0
        for folder in sorted(self.root.iterdir()) if self.root.is_dir() else ():
            for path in folder.iterdir():
                try:
                    stat = path.stat()
                except OSError:  # removed meanwhile
                    continue
                total += stat.st_size
                sha256 = folder.name + path.name
                if len(sha256) == 64 and sha256 not in keep and stat.st_mtime < older_than:
                    found.append((stat.st_mtime, stat.st_size, path, sha256))
        removed = freed = 0
        if total <= limit:
            return removed, freed
        for _, size, path, sha256 in sorted(found):
            if total - freed <= limit * PRUNED_TO:
                break
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            self._verified.pop(sha256, None)
            self.hashes.forget(path)
            removed += 1
            freed += size
        return removed, freed

    def _intact(self, sha256: str) -> bool:
        """Whether the local file holds the blob: hashed (`check`) unless this very file, unchanged, was hashed by
        this process or remembered."""
        self.check([sha256])
        try:
            return self._verified.get(sha256) == observe(self.path(sha256))[0]
        except OSError:
            return False

    def _set_aside(self, path: Path, sha256: str) -> None:
        """Move a damaged local blob out of the store, keeping it for whoever looks into why."""
        aside = self._aside_path(f"cas-{sha256}")
        os.replace(path, aside)
        self._verified.pop(sha256, None)
        self.hashes.forget(path)
        self.condemned.add(sha256)
        self.damage.append(f"cache blob {path} does not match its digest: set aside as {aside}")

    def _aside_path(self, name: str) -> Path:
        self.aside.mkdir(parents=True, exist_ok=True)
        fd, aside = tempfile.mkstemp(dir=self.aside, prefix=f"{name}-")
        os.close(fd)
        return Path(aside)

    def _corrupt(self, sha256: str) -> CorruptCache:
        return CorruptCache(sha256, f"cache blob {sha256} was corrupt or lost and no intact copy is left: the step "
                                    "that made it runs again")

    def _fetch(self, tier: RemoteTier, sha256: str, target: Path) -> bool:
        """Download a blob into the local store, checked; False when the tier does not hold it, or held it damaged
        (then it is set aside in the tier, under corrupt/, and the tier no longer holds it)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".fetch-")
        os.close(fd)
        uri = tier.blob_uri(sha256)
        try:
            self.store.download(uri, tmp)
            if sha256_file(Path(tmp)) != sha256:
                self._set_aside_shared(tier, sha256)
                self.condemned.add(sha256)
                return False
            os.replace(tmp, target)
            target.chmod(0o444)
            self._written(target, sha256)
        except FileNotFoundError:
            return False
        finally:
            Path(tmp).unlink(missing_ok=True)
        self.condemned.discard(sha256)
        return True

    def _set_aside_shared(self, tier: RemoteTier, sha256: str) -> None:
        """Move a damaged blob of a shared tier under its corrupt/ (a server-side copy), so that no machine reads it
        again: the tier no longer holds it, and the next entry naming it uploads it anew."""
        uri = tier.blob_uri(sha256)
        aside = f"{tier.uri}/{ASIDE}/cas-{sha256}-{os.urandom(4).hex()}"
        self.store.copy(uri, aside)
        self.store.remove([uri])
        tier.held.discard(sha256)
        self.damage.append(f"shared cache blob {uri} does not match its digest: set aside as {aside}")

    def adopt(self, file: Path, sha256: str) -> None:
        """Move a freshly written file (hashed as it was written) into the local store under its digest, in place
        of any copy there that is not known intact (hashed by this process, or remembered and unchanged since): that
        one may be damaged, this one is known good. A copy known intact stays, and the file is left where it is, for
        whoever removes its directory: replacing a large file makes the kernel free the old one's blocks then and
        there. It reaches a shared tier with the entry that names it (ActionCache.put): which tier depends on that
        entry."""
        target = self.path(sha256)
        if self._known_intact(sha256, target):
            self.condemned.discard(sha256)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        file.chmod(0o444)
        os.replace(file, target)
        self._written(target, sha256)
        self.condemned.discard(sha256)

    def _known_intact(self, sha256: str, path: Path) -> bool:
        """Whether the local copy holds its digest, known without reading it."""
        try:
            seen, _ = observe(path)
        except OSError:
            return False
        if self._verified.get(sha256) == seen:
            return True
        if self.hashes.known(path, seen) == sha256:
            self._verified[sha256] = seen
            return True
        return False

    def _written(self, target: Path, sha256: str) -> None:
        """A blob this process wrote (hashed as it was written): checked for this process, and remembered settled
        for the next (`file_hashes.settle`)."""
        seen = settle(target)
        if seen is None:
            self._verified[sha256] = observe(target)[0]
        else:
            self._verified[sha256] = seen
            self.hashes.remember(target, seen, sha256)

    def share(self, sha256: str, tier: RemoteTier) -> bool:
        """Upload a blob of the local store to `tier` unless it is there already; False when neither holds it."""
        if sha256 not in tier.held:
            uri = tier.blob_uri(sha256)
            if not self.store.exists(uri):
                if not self.path(sha256).is_file():
                    return False
                self.store.upload(str(self.local(sha256)), uri, sha256)
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


PRUNED_TO = 0.9  # of the limit: what a prune leaves the store at (`ContentStore.prune`)


def cache_limit(value: str | None = None) -> int | None:
    """How many bytes the local content store may hold after an apply (`ContentStore.prune`), from
    RELEASEBUILD_CACHE_LIMIT: a number of bytes, or with K, M, G or T (binary units: "20G"); "none" for no limit.
    Default 10 GiB. A machine's disk, not the release's business: it is not declared in release.yaml."""
    value = os.environ.get(LIMIT_VARIABLE) if value is None else value
    if value is None or not value.strip():
        return DEFAULT_LIMIT
    text = value.strip().upper().removesuffix("IB").removesuffix("B")
    if text == "NONE":
        return None
    number, unit = (text[:-1], text[-1]) if text and text[-1] in "KMGT" else (text, "")
    try:
        size = float(number) * _UNITS[unit]
    except ValueError:
        size = -1.0
    if not 0 <= size < 2**63:  # negative, not a number at all (NaN), or past any disk (inf)
        raise CacheLimitInvalid(f"{LIMIT_VARIABLE}={value!r} is not a size: give bytes, or a number with K, M, G "
                                "or T (\"20G\"), or \"none\" for no limit")
    return int(size)


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
        """The entry for `key`, checked against its seal: one that fails is set aside (named in the content store's
        `damage`) and counts as absent, so the step runs again and its new entry replaces it."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            pass
        else:
            entry, damaged = _opened(data)
            if damaged:
                self._set_aside_local(key, path)
            elif entry is not None:
                if self.cas.shared is not None and not self._share(key, entry, restricted):
                    return None  # made for another tier, whose blobs this machine never fetched: run the step again
                return entry
        if self.cas.shared is None:
            return None
        for tier in self.cas.shared.lookup(restricted):
            shared = self.cas.store.read(tier.action_uri(key))
            if shared is None:
                continue
            entry, damaged = _opened(shared)
            if damaged:
                self._set_aside_remote(tier, key, shared)
            if entry is None:
                continue
            self._vouched(tier, entry)
            write_atomic(path, shared)
            # committed there: the next apply on this machine vouches for it as it stands, rather than committing
            # it again with the ETags of only the blobs this machine holds (a clean machine after it would have to
            # download the others to check them)
            self._logs[tier.uri].add(key)
            return entry
        return None

    def _set_aside_local(self, key: str, path: Path) -> None:
        aside = self.cas._aside_path("ac-" + key.replace(":", "-"))
        os.replace(path, aside)
        self.cas.damage.append(f"action cache entry {path} is corrupt: set aside as {aside}; its step runs again")

    def _set_aside_remote(self, tier: RemoteTier, key: str, data: bytes) -> None:
        """Keep a damaged shared entry under the tier's corrupt/ and delete it, unless a good one replaced it
        since it was read."""
        uri = tier.action_uri(key)
        aside = f"{tier.uri}/{ASIDE}/ac-{key.replace(':', '-')}-{os.urandom(4).hex()}.json"
        if self.cas.store.read(uri) == data:
            self.cas.store.write(aside, data)
            self.cas.store.remove([uri])
        self.cas.damage.append(f"shared cache entry {uri} is corrupt: set aside as {aside}; its step runs again")

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
                self._vouched(tier, entry)
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
        etags = {sha: local_etag(str(self.cas.local(sha))) for sha in _digests(entry) if self.cas.path(sha).is_file()}
        self.cas.store.write(tier.action_uri(key), _encode({**entry, ETAGS: dict(sorted(etags.items()))}))
        self._logs[tier.uri].add(key)
        return True

    def _vouched(self, tier: RemoteTier, entry: dict[str, Any]) -> None:
        """A sealed entry found in (or committed to) `tier`: the tier holds its blobs, with the ETags it recorded; but
        not a blob this machine found damaged there and set aside (`condemned` until made again), which the next
        entry naming it uploads anew."""
        tier.held.update(sha for sha in _digests(entry) if sha not in self.cas.condemned)
        self.cas.etags.update(entry.get(ETAGS) or {})


def _digests(entry: dict[str, Any]) -> list[str]:
    return [ref["sha256"] for ref in entry["result"]["files"].values()]


def _opened(data: bytes) -> tuple[dict[str, Any] | None, bool]:
    """An entry's bytes as (the entry, False); (None, True) when they are not one whole sealed entry. One written
    before entries were sealed, by an older releasebuild, is (None, False): a plain miss, rebuilt once."""
    try:
        entry = json.loads(data)
        seal = entry.pop(SEAL, None)
        if seal is None and set(entry) == {"step", "result"}:
            return None, False
        if seal == _seal(entry) and all(isinstance(sha, str) and len(sha) == 64 for sha in _digests(entry)):
            return entry, False
    except (ValueError, TypeError, KeyError, AttributeError):  # not JSON (or not UTF-8), or not an entry's shape
        pass
    return None, True


def _seal(entry: dict[str, Any]) -> str:
    """The SHA-256 of an entry's encoding (without its seal): what tells a whole entry from a damaged one."""
    return hashlib.sha256(json.dumps(entry, sort_keys=True).encode("utf-8")).hexdigest()


def _encode(entry: dict[str, Any]) -> bytes:
    """An entry as stored: sealed, so that no byte of it can change unnoticed."""
    return json.dumps({**entry, SEAL: _seal(entry)}, sort_keys=True).encode("utf-8")
