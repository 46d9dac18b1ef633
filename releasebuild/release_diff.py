"""`releasebuild diff A B`: what changed between two published releases, from their manifests and indexes alone.

Records are compared by id and record digest through the provenance indexes, which both list in id order, so the
comparison is one merge pass per family in constant memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from releasebuild.changes import diff, snapshot_of_published
from releasebuild.config.models import SPLITS
from releasebuild.errors import ReleaseBuildError, StorageError
from releasebuild.store import io


def _document(prefix: str, key: str) -> dict[str, Any]:
    data = io.read_bytes(prefix + key)
    if data is None:
        raise StorageError(f"{prefix} has no {key}: not a published release")
    return json.loads(data)


def _shipped(prefix: str, family: str) -> Iterator[tuple[str, str, str]]:
    """(id, split, content identity) of each record that ships, in id order."""
    previous = ""
    with io.open_uri(f"{prefix}provenance/{family}.jsonl") as fh:
        for line in fh:
            row = json.loads(line)
            if row["id"] < previous:
                raise ReleaseBuildError(f"{prefix}provenance/{family}.jsonl is not in id order at {row['id']}")
            previous = row["id"]
            if row["split"] is not None:
                decision = next((step.get("decision") for step in row["chain"] if step["step"] == "privacy"), None)
                yield row["id"], row["split"], f"{row['record_digest']}|{decision}"


def _records(before: Iterator[tuple[str, str, str]], after: Iterator[tuple[str, str, str]]) -> dict[str, Any]:
    """Per split: records added, removed, changed (same id, other content or redaction), and moved between
    splits (counted under the split they left)."""
    counts = {split: {"added": 0, "removed": 0, "changed": 0, "moved_out": 0} for split in SPLITS}
    old, new = next(before, None), next(after, None)
    while old is not None or new is not None:
        if new is None or (old is not None and old[0] < new[0]):
            counts[old[1]]["removed"] += 1
            old = next(before, None)
        elif old is None or new[0] < old[0]:
            counts[new[1]]["added"] += 1
            new = next(after, None)
        else:
            if old[1] != new[1]:
                counts[old[1]]["moved_out"] += 1
            if old[2] != new[2]:
                counts[new[1]]["changed"] += 1
            old, new = next(before, None), next(after, None)
    return counts


def diff_releases(a: str, b: str) -> dict[str, Any]:
    a, b = (uri if uri.endswith("/") else uri + "/" for uri in (a, b))
    manifests = [_document(prefix, "manifest.json") for prefix in (a, b)]
    snapshots = [snapshot_of_published(manifest, _document(prefix, "curriculum.json"),
                                       _document(prefix, "gates/summary.json"))
                 for prefix, manifest in zip((a, b), manifests, strict=True)]
    families: dict[str, Any] = {}
    for name in sorted(set(manifests[0]["families"]) | set(manifests[1]["families"])):
        sides = [_shipped(prefix, name) if name in manifest["families"] else iter(())
                 for prefix, manifest in zip((a, b), manifests, strict=True)]
        families[name] = _records(*sides)
    shards = [{art["key"]: art["sha256"] for art in manifest["artifacts"] if art["kind"] == "shard"}
              for manifest in manifests]
    results = [manifest["gates"]["results"] for manifest in manifests]
    return {
        "format_version": 1, "a": {"uri": a, "version": manifests[0]["version"], "root": manifests[0]["root_digest"]},
        "b": {"uri": b, "version": manifests[1]["version"], "root": manifests[1]["root_digest"]},
        "identical": manifests[0]["root_digest"] == manifests[1]["root_digest"],
        "definition": [change.to_json() for change in diff(*snapshots)],
        "records": families,
        "shards": {"added": sorted(set(shards[1]) - set(shards[0])), "removed": sorted(set(shards[0]) - set(shards[1])),
                   "changed": sorted(key for key in set(shards[0]) & set(shards[1])
                                     if shards[0][key] != shards[1][key])},
        "gates": {gate: {"a": results[0].get(gate), "b": results[1].get(gate)}
                  for gate in sorted(set(results[0]) | set(results[1]))
                  if results[0].get(gate) != results[1].get(gate)},
        "signoffs": {"a": manifests[0]["signoffs"]["ids"], "b": manifests[1]["signoffs"]["ids"]},
    }
