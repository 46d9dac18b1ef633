"""A release root: where published releases live (`<root>/releases/<version>/`), local or any fsspec URI.

Publishing is a transaction, and manifest.json is what readers trust: a reader who finds a manifest finds exactly
the objects it lists, and a reader of the previous release keeps it whole until the new one is staged in full.
Everything of a version (restricted files included) is first written under a fresh staging name beside it
(`releases/.staging-<version>-<tx>/`, `restricted/.staging-<version>-<tx>/`); then a journal
(`releases/.publishing-<version>.json`) says the staging is complete; then the switch.

A version's restricted files live in a set named by its manifest (`restricted/<version>/<set>/`, `restricted_set`:
a digest of the restricted files it lists), so the previous release's set and the new one's lie side by side and the
manifest a reader finds names its own. Locally the new set is renamed into place first (no reader's manifest names
it yet), then the staged release is exchanged with the published one (renameat2's atomic exchange): that one step
switches the release and, through its manifest, its restricted files; the previous set is removed last. Before, the
restricted directory and the release were exchanged one after the other, and a kill between the two left the
previous release with the new restricted files (`verify` failed until the next apply). On an object store, where
nothing renames a prefix, the old manifest is deleted (un-committed), the staged objects are copied into place
server-side, stale ones (the previous set among them) deleted and the new manifest written last.

An apply killed anywhere leaves either staging with no journal (removed by the next apply: the previous release
never changed) or a journal, from which the next apply (`recover`, under the apply lock) redoes the switch: each of
its moves is idempotent. `plan` reports either, and a manifest whose objects differ from what it lists (a publish cut
short by an older releasebuild, or a previous set not yet removed).
A protected root never changes a published version; the protection is recorded in the root itself
(`releasebuild-root.json`), so it holds whichever release.yaml publishes there.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import shutil
import sys
import uuid
from pathlib import Path
from stat import S_ISREG
from typing import Any

from releasebuild.config.models import VERSION_PATTERN
from releasebuild.errors import AccessDenied, StorageError
from releasebuild.keys import sha256_files
from releasebuild.store import io
from releasebuild.store.backends import is_local, local_etag, local_path, protocol
from releasebuild.store.cas import ContentStore
from releasebuild.store.file_hashes import FileHashes, Identity, observe

MANIFEST = "manifest.json"
MARKER = "releasebuild-root.json"
RESTRICTED = "restricted"
ATTEMPTS = "attempts"
ATTEMPT = "attempt.json"
# What a publish in progress (or one cut short) holds beside the versions, under releases/ and restricted/:
STAGING = ".staging-"  # <parent>/.staging-<version>-<tx>/: the version being written, in full, before any switch
RETIRED = ".retired-"  # <parent>/.retired-<version>-<tx>/: a replaced version moved aside (no atomic exchange)
JOURNAL = ".publishing-"  # releases/.publishing-<version>.json: staged in full, switching; names its transaction


class ReleaseRoot:
    def __init__(self, uri: str, protected: bool = False, store: io.Stores | None = None):
        self.uri = uri.rstrip("/")
        self.store = store if store is not None else io.default()
        self.declared_protected = protected
        self._marker: dict[str, Any] | None = None

    @property
    def local(self) -> bool:
        return is_local(self.uri)

    def release_uri(self, version: str) -> str:
        return f"{self.uri}/releases/{version}/"

    def _uri(self, *parts: str) -> str:
        return "/".join([self.uri, *parts])

    @property
    def protected(self) -> bool:
        if self._marker is None:
            data = self.store.read(self._uri(MARKER))
            self._marker = json.loads(data) if data else {}
        return self.declared_protected or bool(self._marker.get("protected"))

    def manifest_state(self, version: str, manifest: bytes) -> str:
        """'absent', 'same' or 'different': is this exact manifest published (no body read on S3)?"""
        return self.store.compare(self._uri("releases", version, MANIFEST), manifest)

    def is_published(self, version: str) -> bool:
        return self.store.exists(self._uri("releases", version, MANIFEST))

    def published_versions(self) -> list[str]:
        """Versions whose manifest exists (a prefix without one was never committed)."""
        names = [n for n in self.store.list_names(self._uri("releases")) if VERSION_PATTERN.fullmatch(n)]
        return sorted(n for n in names if self.store.exists(self._uri("releases", n, MANIFEST)))

    def attempt_uri(self, version: str, run_id: str) -> str:
        return f"{self.uri}/{ATTEMPTS}/{version}/{run_id}/"

    def record_attempt(self, version: str, run_id: str, files: list[tuple[str, str]], summary: dict[str, Any],
                       cas: ContentStore) -> str:
        """Upload a blocked apply's reports (key, sha256 in the content store) to attempts/<version>/<run_id>/, and
        its summary (attempt.json) last, so an attempt listed by its summary has all its files. Nothing under
        releases/ is touched: an attempt is a record of what was refused, never a release."""
        prefix = self.attempt_uri(version, run_id)
        for key, sha in files:
            self.store.upload(str(cas.local(sha)), f"{prefix}{key}", sha)
        self.store.write(f"{prefix}{ATTEMPT}", (json.dumps(summary, indent=2, sort_keys=True) + "\n").encode("utf-8"))
        return prefix

    def attempts(self) -> list[dict[str, Any]]:
        """Every recorded attempt's summary, by version then run id (run ids start with their UTC time), each with
        its `uri`. A run whose attempt.json is absent (an upload cut short) is left out."""
        found = []
        for version in sorted(self.store.list_names(self._uri(ATTEMPTS))):
            for run_id in sorted(self.store.list_names(self._uri(ATTEMPTS, version))):
                data = self.store.read(self._uri(ATTEMPTS, version, run_id, ATTEMPT))
                if data is not None:
                    found.append({**json.loads(data), "uri": self.attempt_uri(version, run_id)})
        return found

    def restricted_uri(self, version: str, manifest: bytes) -> str:
        """Where the restricted files `manifest` lists are published: its own set under restricted/<version>/."""
        return f"{self.uri}/{RESTRICTED}/{version}/{restricted_set(json.loads(manifest))}/"

    def publish(self, version: str, artifacts: list[tuple[str, str]], manifest: bytes, cas: ContentStore,
                restricted: list[tuple[str, str]] | None = None) -> str:
        """Publish `artifacts` (key, sha256 in the content store) under releases/<version>/ and `restricted` files
        (raw text that may hold PII) under restricted/<version>/<set>/ (`restricted_set`), outside the release prefix,
        so that access to them can be granted apart (locally: owner-only permissions). Under the root's apply lock
        only.

        A transaction: an interrupted publish is finished first (`recover`); a root that already holds exactly this
        release is left alone; everything else is staged in full before anything published changes (locally: then
        swapped into place; on an object store: then copied into place, manifest last)."""
        self.recover()
        if self.manifest_state(version, manifest) == "same" and self.mismatch(version, manifest) is None:
            return self.release_uri(version)
        if self.local:
            in_place = self._intact_in_place(version, artifacts, cas.hashes)
            cas.check([*(sha for key, sha in artifacts if key not in in_place), *(sha for _, sha in restricted or [])])
            self._publish_local(version, [(key, in_place[key][0] if key in in_place else cas.local(sha))
                                          for key, sha in artifacts],
                                [(key, cas.local(sha)) for key, sha in restricted or []], manifest, in_place,
                                cas.hashes, dict(artifacts))
        else:
            self._publish_remote(version, artifacts, restricted or [], manifest, cas)
        if self.declared_protected and not (self._marker or {}).get("protected"):
            self.store.write(self._uri(MARKER), json.dumps({"protected": True}, sort_keys=True).encode("utf-8"))
            self._marker = {"protected": True}
        return self.release_uri(version)

    # --- what an interrupted publish leaves, and finishing it ---

    def recover(self) -> list[str]:
        """Finish every publish whose journal says it was staged in full (the switch is redone from where it
        stopped: each of its moves is idempotent), then remove what interrupted ones left (staging, retired copies).
        Under the apply lock only: a live apply's staging looks the same. Says what it did, for the log."""
        done = []
        for name in self.store.list_names(self._uri("releases")):
            if name.startswith(JOURNAL) and name.endswith(".json"):
                data = self.store.read(self._uri("releases", name))
                if data is None:
                    continue
                journal = json.loads(data)
                (self._switch_local if self.local else self._switch_remote)(journal)
                done.append(f"finished the interrupted publish of {journal['version']}")
        debris = self.debris()
        for where in debris:
            self._remove_tree(self._uri(where))
        if debris:
            done.append("removed what interrupted publishes left: " + ", ".join(debris))
        return done

    def interrupted(self) -> str | None:
        """What an interrupted publish left on the root (a journal, staging, retired copies), as plan says it, or
        None. Read-only: `recover` (apply, under the lock) acts on it."""
        journals = [name for name in self.store.list_names(self._uri("releases"))
                    if name.startswith(JOURNAL) and name.endswith(".json")]
        if journals:
            versions = ", ".join(name[len(JOURNAL):-len(".json")] for name in journals)
            return f"the publish of {versions} was interrupted after staging: apply finishes it"
        debris = self.debris()
        if debris:
            return f"an interrupted publish left {', '.join(debris)}: apply removes it"
        return None

    def debris(self) -> list[str]:
        """Staging and retired copies under releases/ and restricted/ (paths relative to the root), sorted."""
        found = []
        for parent in ("releases", RESTRICTED):
            try:
                names = self.store.list_names(self._uri(parent))
            except (AccessDenied, PermissionError):  # a reader without access to restricted/: it cannot tell
                continue
            found += [f"{parent}/{name}" for name in names if name.startswith((STAGING, RETIRED))]
        return sorted(found)

    def mismatch(self, version: str, manifest: bytes) -> str | None:
        """How the objects under releases/<version>/ and restricted/<version>/ differ from what `manifest` lists
        (missing, unlisted; locally a size too), or None: from listings only, no object read. What a publish cut
        short by an older releasebuild could leave behind a manifest, or one killed before it removed the previous
        restricted set. Restricted files laid out directly under restricted/<version>/ (by a releasebuild before
        sets) are whole when they match: the next replace moves them into a set."""
        listed = json.loads(manifest)
        restricted = {entry["key"]: entry["bytes"] for entry in listed["restricted"]["files"]}
        in_set = restricted_set(listed) + "/"
        wanted = {f"releases/{version}": {**{art["key"]: art["bytes"] for art in listed["artifacts"]},
                                          MANIFEST: len(manifest)},
                  f"{RESTRICTED}/{version}": {in_set + key: size for key, size in restricted.items()}}
        problems = []
        for where, want in wanted.items():
            try:
                found = self._sizes(self._uri(where))
            except (AccessDenied, PermissionError):
                continue
            if where.startswith(RESTRICTED) and found and not any(key.startswith(in_set) for key in found):
                want = restricted  # the flat layout of a release published before sets
            missing = sorted(set(want) - set(found))
            unlisted = sorted(set(found) - set(want))
            resized = sorted(key for key in set(want) & set(found) if found[key] not in (None, want[key]))
            for what, keys in (("missing", missing), ("not in its manifest", unlisted), ("of another size", resized)):
                if keys:
                    more = ", ..." if keys[1:] else ""
                    problems.append(f"{len(keys)} object(s) under {where}/ {what} ({keys[0]}{more})")
        return "; ".join(problems) or None

    def _sizes(self, uri: str) -> dict[str, int | None]:
        """Every object under a prefix with its size where a listing gives it for free (locally)."""
        if not self.local:
            return dict.fromkeys(self.store.list_files(uri))
        base = local_path(uri)
        return {key: os.path.getsize(os.path.join(base, key)) for key in self.store.list_files(uri)}

    def _journal_uri(self, version: str) -> str:
        return self._uri("releases", f"{JOURNAL}{version}.json")

    def _remove_tree(self, uri: str) -> None:
        if self.local:
            path = Path(local_path(uri))
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
            return
        self.store.remove([f"{uri}/{key}" for key in self.store.list_files(uri)])

    # --- local roots: stage both directories, then swap them in ---

    def _intact_in_place(self, version: str, artifacts: list[tuple[str, str]],
                         hashes: FileHashes) -> dict[str, tuple[Path, Identity]]:
        """Files of the local release in place that the new one publishes unchanged, each with its identity when
        found so: same key, a plain file with no other link (never a symlink, nor a file something else shares),
        and bytes that hash to the digest the new manifest lists (nothing the old manifest says is trusted; a file
        an earlier publish checked and linked, untouched since, `FileHashes`, is not hashed again). A one-record change
        republishes a few shards of hundreds; the rest are linked into the staged copy from here rather than copied
        from the cache, and were checked all the same."""
        current = Path(local_path(self.release_uri(version)))
        if not (current / MANIFEST).is_file():
            return {}
        present = set(self.store.list_files(self.release_uri(version)))
        intact: dict[str, tuple[Path, Identity]] = {}
        todo: list[tuple[str, str, Path, Identity]] = []
        for key, sha in artifacts:
            path = current / key
            if key not in present or not _sole_file(path):
                continue
            try:
                seen = observe(path)[0]
            except OSError:
                continue
            known = hashes.known(path, seen)
            if known is None:
                todo.append((key, sha, path, seen))
            elif known == sha:
                intact[key] = path, seen
        hashed = sha256_files([path for _, _, path, _ in todo])  # None: unreadable, copied from the cache
        for (key, sha, path, seen), found in zip(todo, hashed, strict=True):
            if found == sha:
                intact[key] = path, seen
        return intact

    def _publish_local(self, version: str, files: list[tuple[str, Path]], restricted: list[tuple[str, Path]],
                       manifest: bytes, linked: dict[str, tuple[Path, Identity]], hashes: FileHashes,
                       digests: dict[str, str]) -> None:
        """Copies under releases/.staging-<version>-<tx>/, manifest last, and restricted/.staging-<version>-<tx>/
        (owner-only); then the journal, which names the two staged directories by inode and the restricted set they
        switch to; then the switch. Never a link to the cache (a release shares no inode with it); the keys in
        `linked` are hard links to the release in place, which the switch retires and removes: a staged release
        shares inodes only with the copy it replaces, and only until the switch is done. A linked file still
        holding what was checked (the same inode, size and mtime; linking and retiring the old copy change only its
        ctime) is remembered under its published path with its `digests` entry, so the next publish does not hash it
        again. A hard link and a retired copy change no file's bytes, so this vouches for nothing new."""
        tx = uuid.uuid4().hex[:8]
        releases = Path(local_path(self._uri("releases")))
        staged = releases / f"{STAGING}{version}-{tx}"
        restricted_base = Path(local_path(self._uri(RESTRICTED)))
        staged_restricted = restricted_base / f"{STAGING}{version}-{tx}" if restricted else None
        try:
            _stage_local(staged, files, manifest, set(linked))
            if staged_restricted is not None:
                restricted_base.mkdir(parents=True, exist_ok=True)
                restricted_base.chmod(0o700)
                _stage_restricted(staged_restricted, restricted)
        except BaseException:  # a failure (a kill leaves it for the next apply's `recover`)
            for directory in (staged, staged_restricted):
                if directory is not None:
                    shutil.rmtree(directory, ignore_errors=True)
            raise
        journal = {"format_version": 2, "version": version, "tx": tx, "release": staged.stat().st_ino,
                   "restricted": staged_restricted.stat().st_ino if staged_restricted is not None else None,
                   "set": restricted_set(json.loads(manifest))}
        pending = releases / f"{STAGING}{version}-{tx}.journal"
        pending.write_bytes(json.dumps(journal, sort_keys=True).encode("utf-8"))
        os.replace(pending, local_path(self._journal_uri(version)))  # the commit point of the transaction
        self._switch_local(journal)
        published = releases / version
        for key, (_, checked) in linked.items():
            with contextlib.suppress(OSError):
                seen, settled = observe(published / key)
                if settled and (seen[0], seen[1], seen[3]) == (checked[0], checked[1], checked[3]):
                    hashes.remember(published / key, seen, digests[key])

    def _switch_local(self, journal: dict[str, Any]) -> None:
        """Put the new restricted set in place beside the previous one (no manifest a reader finds names it yet),
        then exchange the staged release with the published one: the one step that switches what readers find,
        restricted files included (the manifest names its set). Then remove what the new manifest does not name
        under restricted/<version>/ (the previous set, files of the flat layout), the journal, and the old copies
        (at the staging or retired names). A directory already holding its staged inode was moved before an
        interruption. A journal of format 1 (written before sets) is finished the old way, restricted/<version>/
        exchanged whole: that release lists its restricted files there."""
        version, tx = journal["version"], journal["tx"]
        restricted, releases = Path(local_path(self._uri(RESTRICTED))), Path(local_path(self._uri("releases")))
        versioned = restricted / version
        current = versioned / journal["set"] if "set" in journal else versioned
        moves = [(current, restricted, journal["restricted"]), (releases / version, releases, journal["release"])]
        for final, parent, inode in moves:
            staged, retired = parent / f"{STAGING}{version}-{tx}", parent / f"{RETIRED}{version}-{tx}"
            if inode is not None and not (final.exists() and final.stat().st_ino == inode) and staged.is_dir():
                final.parent.mkdir(mode=0o700, exist_ok=True)
                _swap_into_place(staged, final, retired)
        if journal["restricted"] is None:
            shutil.rmtree(versioned, ignore_errors=True)
        elif current != versioned and versioned.is_dir():  # else its staging was removed by hand: nothing moved
            for name in os.listdir(versioned):
                if name != journal["set"]:
                    self._remove_tree(self._uri(RESTRICTED, version, name))
        Path(local_path(self._journal_uri(version))).unlink(missing_ok=True)
        for parent in (restricted, releases):
            for leftover in (parent / f"{STAGING}{version}-{tx}", parent / f"{RETIRED}{version}-{tx}"):
                shutil.rmtree(leftover, ignore_errors=True)

    # --- object stores: stage what changed, then copy it into place, manifest last ---

    def _publish_remote(self, version: str, artifacts: list[tuple[str, str]], restricted: list[tuple[str, str]],
                        manifest: bytes, cas: ContentStore) -> None:
        """With no manifest in place there is no release to protect: objects go straight to their keys, stale ones
        are deleted, the manifest is written last. Replacing a committed release stages the objects that change
        under releases/.staging-<version>-<tx>/ (and restricted/...), then writes the journal and switches."""
        final, final_restricted = self._uri("releases", version), self.restricted_uri(version, manifest).rstrip("/")
        in_place = self.store.list_files(final)
        in_place_restricted = self.store.list_files(final_restricted)
        if MANIFEST not in in_place:
            self._put_changed(final_restricted, restricted, in_place_restricted, cas)
            self._put_changed(final, artifacts, in_place, cas)
            self._remove_unlisted(self._uri(RESTRICTED, version), _in_set(manifest, [key for key, _ in restricted]))
            self._remove_unlisted(final, {key for key, _ in artifacts} | {MANIFEST})
            self.store.write(f"{final}/{MANIFEST}", manifest)  # the commit point
            return
        tx = uuid.uuid4().hex[:8]
        staged, staged_restricted = (self._uri("releases", f"{STAGING}{version}-{tx}"),
                                     self._uri(RESTRICTED, f"{STAGING}{version}-{tx}"))
        try:
            self._put_changed(staged_restricted, restricted, in_place_restricted, cas)
            self._put_changed(staged, artifacts, in_place, cas)
            self.store.write(f"{staged}/{MANIFEST}", manifest)
        except (StorageError, OSError):  # the release in place never changed; what was staged is removed if it can be
            with contextlib.suppress(StorageError, OSError):
                self._remove_tree(staged_restricted)
                self._remove_tree(staged)
            raise
        journal = {"format_version": 1, "version": version, "tx": tx}
        self.store.write(self._journal_uri(version), json.dumps(journal, sort_keys=True).encode("utf-8"))
        self._switch_remote(journal)

    def _switch_remote(self, journal: dict[str, Any]) -> None:
        """Un-commit the old release (its manifest first: no reader may pair it with new objects), copy the staged
        objects into place (server-side), delete what the new manifest does not list, commit the new manifest, then
        drop the journal and the staging. Redone whole after an interruption: every step is idempotent."""
        version, tx = journal["version"], journal["tx"]
        staged, staged_restricted = (self._uri("releases", f"{STAGING}{version}-{tx}"),
                                     self._uri(RESTRICTED, f"{STAGING}{version}-{tx}"))
        final = self._uri("releases", version)
        manifest = self.store.read(f"{staged}/{MANIFEST}")
        if manifest is not None:  # else the staging was removed by hand: nothing to switch to
            state = self.store.compare(f"{final}/{MANIFEST}", manifest)
            if state == "different":
                self.store.remove([f"{final}/{MANIFEST}"])
            final_restricted = self.restricted_uri(version, manifest).rstrip("/")
            for source, target in ((staged_restricted, final_restricted), (staged, final)):
                for key in self.store.list_files(source):
                    if key != MANIFEST:
                        self.store.copy(f"{source}/{key}", f"{target}/{key}")
            listed = json.loads(manifest)
            self._remove_unlisted(self._uri(RESTRICTED, version),
                                  _in_set(manifest, [entry["key"] for entry in listed["restricted"]["files"]]))
            self._remove_unlisted(final, {art["key"] for art in listed["artifacts"]} | {MANIFEST})
            if state != "same":
                self.store.write(f"{final}/{MANIFEST}", manifest)
        self.store.remove([self._journal_uri(version)])
        self._remove_tree(staged_restricted)
        self._remove_tree(staged)

    def _put_changed(self, prefix: str, files: list[tuple[str, str]], in_place: dict[str, str | None],
                     cas: ContentStore) -> None:
        """Write each file under `prefix` unless `in_place` (the published objects' ETags) says its key already
        holds this content: a replace moves only what changed."""
        for key, sha in files:
            target = f"{prefix}/{key}"
            blob = cas.shared_uri(sha)  # in either tier: what is published is readable by design
            if blob is not None and protocol(blob) == protocol(self.uri):
                try:
                    if not _same(in_place.get(key), self.store.info(blob).get("ETag")):
                        self.store.copy(blob, target)  # server-side: no bytes through this machine
                    continue
                except FileNotFoundError:
                    pass  # pruned from the shared tier since it was vouched for: upload it (fails if lost)
            local = str(cas.local(sha))
            if not _same(in_place.get(key), local_etag(local)):
                self.store.upload(local, target, sha)

    def _remove_unlisted(self, prefix: str, keys: set[str]) -> None:
        stale = sorted(set(self.store.list_files(prefix)) - keys)
        self.store.remove([f"{prefix}/{key}" for key in stale])


def restricted_set(manifest: dict[str, Any]) -> str:
    """The name of the directory under restricted/<version>/ that holds the restricted files `manifest` lists: the
    first 16 hex digits of the SHA-256 of their `<sha256> <key>` lines, sorted by key. Derived from the manifest, not
    written in it (a manifest stays byte-identical wherever it is built), so the manifest a reader finds always names
    its own set, and one switch of the release (the exchange of releases/<version>/ on a local root) switches both.
    Named by those files alone: a release whose restricted files did not change keeps its set's name (the new copy
    holds the same bytes), and an edit elsewhere in a manifest leaves its restricted files where they are."""
    files = sorted((entry["key"], entry["sha256"]) for entry in manifest["restricted"]["files"])
    lines = "".join(f"{sha256} {key}\n" for key, sha256 in files)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()[:16]


def _in_set(manifest: bytes, keys: list[str]) -> set[str]:
    """Restricted keys relative to restricted/<version>/: inside the manifest's set."""
    name = restricted_set(json.loads(manifest))
    return {f"{name}/{key}" for key in keys}


def _same(stored_etag: str | None, etag: str | None) -> bool:
    """Whether an object in place holds this content (stores without ETags never say so)."""
    return stored_etag is not None and stored_etag == etag


def _stage_local(staged: Path, files: list[tuple[str, Path]], manifest: bytes, linked: set[str]) -> None:
    """Copies of cache blobs (never links: a release shares no inode with the cache), read-only, and the manifest
    last. The keys in `linked` come from the release in place: hard-linked where the filesystem allows, else copied."""
    staged.mkdir(parents=True)
    for key, source in files:
        target = staged / key
        target.parent.mkdir(parents=True, exist_ok=True)
        if key not in linked or not _hard_link(source, target):
            _copy_blob(source, target)
        target.chmod(0o444)  # what the release holds is not edited in place
    (staged / MANIFEST).write_bytes(manifest)


def _stage_restricted(staged: Path, files: list[tuple[str, Path]]) -> None:
    """Owner-only copies: files 0600, directories 0700."""
    staged.mkdir(parents=True)
    for key, source in files:
        target = staged / key
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_blob(source, target)
        target.chmod(0o600)
    for directory in {staged, *{(staged / key).parent for key, _ in files}}:
        directory.chmod(0o700)


def _hard_link(source: Path, target: Path) -> bool:
    """Whether `target` now links `source`; False where the filesystem has no hard links (or too many): a copy is as
    good there, only slower."""
    try:
        os.link(source, target)
    except OSError:
        return False
    return True


def _sole_file(path: Path) -> bool:
    """A regular file (not a symlink) with no other hard link: linking it shares an inode with nothing else."""
    try:
        stat = path.lstat()
    except OSError:
        return False
    return S_ISREG(stat.st_mode) and stat.st_nlink == 1


def _copy_blob(source: Path, target: Path) -> None:
    """A cached blob copied into a release (a hard link would make the two one file: corrupting either would
    corrupt both)."""
    shutil.copyfile(source, target)


# renameat2(2): swap two paths in one step, Linux 3.15 and later (glibc 2.28 names it)
AT_FDCWD = -100
RENAME_EXCHANGE = 2


def _swap_into_place(staged: Path, final: Path, retired: Path) -> None:
    """Put the staged directory at `final`. The previous one, if any, ends up at `staged` (an atomic exchange: at
    no instant is `final` absent) or, where the filesystem cannot exchange, at `retired` (two renames: a reader may
    find `final` absent for that instant)."""
    if not final.exists():
        os.rename(staged, final)
    elif not _exchange(staged, final):
        os.replace(final, retired)
        os.replace(staged, final)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two directories atomically; False where the system or the filesystem cannot (then nothing moved)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))
