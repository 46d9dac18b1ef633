"""A release root: where published releases live (`<root>/releases/<version>/`), local or any fsspec URI.

Publishing writes every object first and manifest.json last: the manifest is the commit point, so a reader who
finds a manifest finds everything it lists. Locally the whole prefix is staged and renamed into place. On an
object store a changed version is first un-committed (its manifest deleted), then rewritten, then committed:
a reader sees the old release, no release, or the new one, never a manifest naming a different object.
A protected root never changes a published version; the protection is recorded in the root itself
(`releasebuild-root.json`), so it holds whichever release.yaml publishes there.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from releasebuild.config.models import VERSION_PATTERN
from releasebuild.store import io
from releasebuild.store.backends import is_local, local_etag, local_path, protocol
from releasebuild.store.cas import ContentStore

MANIFEST = "manifest.json"
MARKER = "releasebuild-root.json"
RESTRICTED = "restricted"
ATTEMPTS = "attempts"
ATTEMPT = "attempt.json"


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

    def restricted_uri(self, version: str) -> str:
        return f"{self.uri}/{RESTRICTED}/{version}/"

    def publish(self, version: str, artifacts: list[tuple[str, str]], manifest: bytes, cas: ContentStore,
                restricted: list[tuple[str, str]] | None = None) -> str:
        """Write `artifacts` (key, sha256 in the content store) and then the manifest under releases/<version>/.

        `restricted` files (raw text that may hold PII) go to restricted/<version>/ first, outside the release
        prefix, so that access to them can be granted apart (locally: owner-only permissions)."""
        self._publish_restricted(version, restricted or [], cas)
        if self.local:
            self._publish_local(version, [(key, cas.local(sha)) for key, sha in artifacts], manifest)
        else:
            self._publish_remote(version, artifacts, manifest, cas)
        if self.declared_protected and not (self._marker or {}).get("protected"):
            self.store.write(self._uri(MARKER), json.dumps({"protected": True}, sort_keys=True).encode("utf-8"))
            self._marker = {"protected": True}
        return self.release_uri(version)

    def _publish_restricted(self, version: str, files: list[tuple[str, str]], cas: ContentStore) -> None:
        prefix = self._uri(RESTRICTED, version)
        if not self.local:
            for key, sha in files:
                self.store.upload(str(cas.local(sha)), f"{prefix}/{key}", sha)
            return
        base = Path(local_path(prefix))
        shutil.rmtree(base, ignore_errors=True)
        for key, sha in files:
            target = base / key
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cas.local(sha), target)  # a copy, not a link: the cache blob keeps its own mode
            target.chmod(0o600)
        for directory in [base.parent, base, *{(base / key).parent for key, _ in files}]:
            if directory.is_dir():
                directory.chmod(0o700)

    def _publish_local(self, version: str, files: list[tuple[str, Path]], manifest: bytes) -> None:
        releases = Path(local_path(self._uri("releases")))
        releases.mkdir(parents=True, exist_ok=True)
        staging = releases / f".staging-{version}-{uuid.uuid4().hex[:8]}"
        try:
            for key, source in files:
                target = staging / key
                target.parent.mkdir(parents=True, exist_ok=True)
                _link_or_copy(source, target)
            (staging / MANIFEST).write_bytes(manifest)
            final = releases / version
            if final.exists():
                retired = releases / f".retired-{version}-{uuid.uuid4().hex[:8]}"
                os.replace(final, retired)
                os.replace(staging, final)
                shutil.rmtree(retired, ignore_errors=True)
            else:
                os.replace(staging, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _publish_remote(self, version: str, artifacts: list[tuple[str, str]], manifest: bytes,
                        cas: ContentStore) -> None:
        prefix = self._uri("releases", version)
        previous = self.store.list_files(prefix)
        if MANIFEST in previous:
            self.store.remove([f"{prefix}/{MANIFEST}"])  # un-commit first: no reader may pair it with new objects
        for key, sha in artifacts:  # an object already there with the same content stays: a replace moves changes
            target = f"{prefix}/{key}"
            blob = cas.shared_uri(sha)  # in either tier: what is published is readable by design
            if blob is not None and protocol(blob) == protocol(self.uri):
                try:
                    if not _same(previous.get(key), self.store.info(blob).get("ETag")):
                        self.store.copy(blob, target)  # server-side: no bytes through this machine
                    continue
                except FileNotFoundError:
                    pass  # pruned from the shared tier since it was vouched for: upload it (fails if lost)
            local = str(cas.local(sha))
            if not _same(previous.get(key), local_etag(local)):
                self.store.upload(local, target, sha)
        self.store.write(f"{prefix}/{MANIFEST}", manifest)
        stale = sorted(set(previous) - {key for key, _ in artifacts} - {MANIFEST})
        self.store.remove([f"{prefix}/{key}" for key in stale])


def _same(stored_etag: str | None, etag: str | None) -> bool:
    """Whether an object in place holds this content (stores without ETags never say so)."""
    return stored_etag is not None and stored_etag == etag


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link the read-only cached blob (cost independent of size); copy across filesystems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
