"""Source fingerprints: cheap metadata first (size + mtime / ETag / version id), content hash only on change.

An object on S3 is fingerprinted by its ETag from the listing, so it is never downloaded to be fingerprinted
(on a clean machine too). Other files get a content hash, cached in `<cache>/fingerprints.json` by size and
mtime; deleting that file costs one re-hash of every such source.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from releasebuild.errors import SourceError
from releasebuild.keys import file_digest
from releasebuild.steps.base import SourceFile, StepSpec
from releasebuild.store.cas import write_atomic
from releasebuild.store.io import FileInfo, expand, is_local, open_uri


class FingerprintCache:
    def __init__(self, path: Path):
        self._path = path
        try:
            self._entries: dict[str, Any] = json.loads(path.read_bytes())
        except (FileNotFoundError, ValueError):
            self._entries = {}
        self._dirty = False
        self.hashed: list[str] = []  # URIs whose content was read this run (tests assert on it)

    def digest(self, info: FileInfo) -> str:
        if info.etag is not None:  # the object store's own content identity: nothing to read, nothing to cache
            return f"etag:{info.etag}"
        entry = self._entries.get(info.uri)
        if entry and entry["size"] == info.size and entry["token"] == info.token:
            return entry["digest"]
        with open_uri(info.uri) as fh:
            value = file_digest(fh)
        self.hashed.append(info.uri)
        self._entries[info.uri] = {"size": info.size, "token": info.token, "digest": value}
        self._dirty = True
        return value

    def save(self) -> None:
        if self._dirty:
            write_atomic(self._path, json.dumps(self._entries, sort_keys=True).encode("utf-8"))
            self._dirty = False


def source_files(spec: StepSpec, cache: FingerprintCache) -> list[SourceFile]:
    """Expand a step's source patterns into named, fingerprinted files; a pattern matching nothing is an error."""
    files: dict[str, SourceFile] = {}
    for declared, infos in source_matches(spec):
        if not infos:
            raise SourceError(f"family '{spec.family}': source '{declared}' matches no file")
        for info in infos:
            name = _stable_name(info.uri, Path(spec.source_dir))
            files[name] = SourceFile(name, info.uri, cache.digest(info), info.size)
    return [files[name] for name in sorted(files)]


def source_matches(spec: StepSpec) -> list[tuple[str, list[FileInfo]]]:
    """Each declared source pattern with the files it matches (listing metadata only, no content read)."""
    base_dir = Path(spec.source_dir)
    return [(declared, expand(declared if not is_local(declared) or os.path.isabs(declared)
                              else str(base_dir / declared)))
            for declared in spec.sources]


def source_evidence(spec: StepSpec) -> tuple[list[dict[str, Any]], list[str]]:
    """What a family's sources match now: ([{name, bytes}], patterns matching nothing), for the coverage matrix."""
    found: dict[str, int] = {}
    unmatched = []
    for declared, infos in source_matches(spec):
        if not infos:
            unmatched.append(declared)
        for info in infos:
            found[_stable_name(info.uri, Path(spec.source_dir))] = info.size
    return [{"name": name, "bytes": size} for name, size in sorted(found.items())], unmatched


def _stable_name(uri: str, base_dir: Path) -> str:
    """Relative to the family YAML for local files, so keys and provenance do not depend on the checkout path."""
    if "://" in uri and not uri.startswith("file://"):
        return uri
    # abspath, not resolve(): a symlinked data directory must keep the name it was declared under.
    return Path(os.path.relpath(os.path.abspath(uri.removeprefix("file://")), os.path.abspath(base_dir))).as_posix()
