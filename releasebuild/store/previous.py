"""The previous published release as this build sees it: which of its artifacts exist, and where.

Sticky splits and regression checks read files of the previous release. They enter the graph as ordinary step
sources (fingerprinted by ETag or content hash), so publishing a new previous release makes exactly the steps
that read it stale. Only artifacts its manifest lists are offered: a file it never published is not guessed at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from releasebuild.errors import StorageError
from releasebuild.store.root import MANIFEST, ReleaseRoot


@dataclass(frozen=True)
class PreviousRelease:
    version: str
    uri: str  # the release prefix, ending in '/'
    keys: frozenset[str] = field(default_factory=frozenset)

    def artifact(self, key: str) -> str | None:
        """The URI of one published artifact, or None when that release did not publish it."""
        return f"{self.uri}{key}" if key in self.keys else None


def find_previous(root: ReleaseRoot, version: str, declared: str | None) -> PreviousRelease | None:
    """`previous:` when release.yaml names one, else the highest published version below `version`."""
    if declared:
        chosen = declared
    else:
        older = [v for v in root.published_versions() if v < version]
        if not older:
            return None
        chosen = older[-1]
    uri = root.release_uri(chosen)
    data = root.store.read(uri + MANIFEST)
    if data is None:
        if declared:
            raise StorageError(f"previous release {declared} (release.yaml `previous:`) is not published at {uri}")
        return None
    manifest = json.loads(data)
    return PreviousRelease(chosen, uri, frozenset(art["key"] for art in manifest.get("artifacts", [])))
