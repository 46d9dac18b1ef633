"""A published release as a reader sees it: its manifest, its shards, its curriculum and what was withdrawn since.

Everything here comes from small JSON objects (the manifest, curriculum.json, <root>/revocations.json); no shard
is opened. The release is named by its prefix, `<root>/releases/<version>` (s3://, any fsspec URI or a path).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from releasebuild.errors import ReleaseBuildError
from releasebuild.store import io
from releasebuild.store.revocations import REVOCATIONS

MANIFEST = "manifest.json"
NO_MANIFEST = f"no {MANIFEST}: not published or publish did not finish"


class NotAReleaseError(ReleaseBuildError):
    """The URI holds no readable release: no manifest.json (never published, or a publish that did not finish), or
    one that is not a JSON object, or one this reader cannot use."""

    def __init__(self, where: str, reason: str):
        self.reason = reason
        super().__init__(f"{where}: {reason}")


class ShardIntegrityError(ReleaseBuildError):
    """An object's bytes are not the bytes the manifest names: tampered, truncated or damaged in transit."""

    def __init__(self, uri: str, problem: str):
        self.uri = uri
        super().__init__(f"{uri}: {problem}: refusing to read it")


@dataclass(frozen=True)
class Shard:
    key: str  # relative to the release prefix, e.g. data/train/alpha-00000.jsonl
    family: str
    split: str
    records: int
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Stage:
    name: str
    weights: dict[str, float]  # family -> normalized weight within the stage


def release_prefix(uri: str) -> str:
    """The release prefix a user may name in several ways: the prefix, with a trailing slash, or its manifest."""
    uri = uri.rstrip("/")
    return uri[: -len(MANIFEST) - 1] if uri.endswith(f"/{MANIFEST}") else uri


def root_of(prefix: str) -> str | None:
    """`<root>` for `<root>/releases/<version>`, where revocations.json lives; None for a prefix laid out otherwise."""
    parent, _, _version = prefix.rpartition("/")
    root, _, releases = parent.rpartition("/")
    return root if releases == "releases" and root else None


class PublishedRelease:
    """The manifest of one release and what it says, read once."""

    def __init__(self, uri: str, store: io.Stores | None = None):
        self.prefix = release_prefix(uri)
        self.store = store if store is not None else io.default()
        data = self.store.read(f"{self.prefix}/{MANIFEST}")
        if data is None:
            raise NotAReleaseError(self.prefix, NO_MANIFEST)
        try:
            self.manifest: dict[str, Any] = json.loads(data)
        except ValueError:
            raise NotAReleaseError(f"{self.prefix}/{MANIFEST}", "not JSON") from None
        if not isinstance(self.manifest, dict):
            raise NotAReleaseError(f"{self.prefix}/{MANIFEST}", "not a JSON object")
        self.manifest_bytes = data
        self.version: str = self.manifest.get("version", "")
        self.root = root_of(self.prefix)

    def uri(self, key: str) -> str:
        return f"{self.prefix}/{key}"

    @property
    def root_digest(self) -> str:
        return str(self.manifest.get("root_digest", ""))

    def shards(self) -> list[Shard]:
        """Every shard, in key order (split, then family, then index)."""
        found = []
        for art in self.manifest.get("artifacts", []):
            if art.get("kind") != "shard":
                continue
            if "records" not in art:
                raise NotAReleaseError(f"{self.prefix}/{MANIFEST}", f"shard {art.get('key')} has no record count "
                                       "(published before shards listed them); rebuild the release to load it")
            found.append(Shard(art["key"], art["family"], art["split"], art["records"], art["sha256"], art["bytes"]))
        return sorted(found, key=lambda shard: shard.key)

    def families(self) -> list[str]:
        return sorted(self.manifest.get("families", {}))

    def stages(self) -> list[Stage]:
        """The curriculum's stages in order, from curriculum.json (read and checked against the manifest)."""
        entry = next((a for a in self.manifest.get("artifacts", []) if a.get("kind") == "curriculum"), None)
        if entry is None:
            return []
        data = self.store.read(self.uri(entry["key"]))
        if data is None:
            raise NotAReleaseError(self.uri(entry["key"]), "listed in the manifest but missing")
        actual = hashlib.sha256(data).hexdigest()
        if actual != entry["sha256"]:
            raise ShardIntegrityError(self.uri(entry["key"]),
                                      f"SHA-256 {actual} is not the manifest's {entry['sha256']}")
        document = json.loads(data)
        stages = sorted(document.get("stages", []), key=lambda stage: stage["order"])
        return [Stage(stage["stage"], {f["family"]: float(f["weight"]) for f in stage["families"]})
                for stage in stages]

    def revocations(self) -> list[dict[str, Any]]:
        """Entries of `<root>/revocations.json` for this version: records withdrawn after it was published."""
        if self.root is None:
            return []
        data = self.store.read(f"{self.root}/{REVOCATIONS}")
        if data is None:
            return []
        return [entry for entry in json.loads(data).get("revocations", []) if entry.get("version") == self.version]
