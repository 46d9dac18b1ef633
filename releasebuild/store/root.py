"""A release root: where published releases live (`<root>/releases/<version>/`), local or any fsspec URI.

Publishing writes every object first and manifest.json last: the manifest is the commit point, so a reader who
finds a manifest finds everything it lists. Locally the whole prefix is staged and renamed into place.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from releasebuild.config.models import VERSION_PATTERN
from releasebuild.store.io import filesystem, is_local, local_path

MANIFEST = "manifest.json"


class ReleaseRoot:
    def __init__(self, uri: str):
        self.uri = uri.rstrip("/")

    @property
    def local(self) -> bool:
        return is_local(self.uri)

    def release_uri(self, version: str) -> str:
        return f"{self.uri}/releases/{version}/"

    def _path(self, *parts: str) -> str:
        return "/".join([local_path(self.uri) if self.local else filesystem(self.uri)[1], *parts])

    def read(self, version: str, key: str) -> bytes | None:
        path = self._path("releases", version, key)
        try:
            if self.local:
                return Path(path).read_bytes()
            fs, _ = filesystem(self.uri)
            return fs.cat_file(path)
        except FileNotFoundError:
            return None

    def published_versions(self) -> list[str]:
        """Versions whose manifest exists (a prefix without one was never committed)."""
        base = self._path("releases")
        if self.local:
            names = os.listdir(base) if os.path.isdir(base) else []
            found = [n for n in names if os.path.isfile(os.path.join(base, n, MANIFEST))]
        else:
            fs, _ = filesystem(self.uri)
            try:
                names = [p.rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(base, detail=False)]
            except FileNotFoundError:
                names = []
            found = [n for n in names if fs.exists(f"{base}/{n}/{MANIFEST}")]
        return sorted(n for n in found if VERSION_PATTERN.match(n))

    def publish(self, version: str, files: list[tuple[str, Path]], manifest: bytes) -> str:
        """Write `files` (key, local path) and then the manifest under releases/<version>/."""
        if self.local:
            self._publish_local(version, files, manifest)
        else:
            self._publish_remote(version, files, manifest)
        return self.release_uri(version)

    def _publish_local(self, version: str, files: list[tuple[str, Path]], manifest: bytes) -> None:
        releases = Path(self._path("releases"))
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

    def _publish_remote(self, version: str, files: list[tuple[str, Path]], manifest: bytes) -> None:
        fs, _ = filesystem(self.uri)
        prefix = self._path("releases", version)
        for key, source in files:
            fs.put_file(str(source), f"{prefix}/{key}")
        fs.pipe_file(f"{prefix}/{MANIFEST}", manifest)


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link the read-only cached blob (cost independent of size); copy across filesystems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
