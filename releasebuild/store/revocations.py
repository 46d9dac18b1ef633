"""<root>/revocations.json: records withdrawn from releases that were already published.

Published releases are immutable, so a takedown cannot edit them; instead every copy of a withdrawn record in an
earlier release is listed here (version, family, id, record digest, split, shard, reason), for the loader and
`verify` to skip and for dedup to keep out near copies. Entries are only ever added. Which versions were searched
for which takedown list is recorded too, so an apply with an unchanged list reads no earlier release again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from releasebuild.keys import digest, pretty_json
from releasebuild.store.root import ReleaseRoot

REVOCATIONS = "revocations.json"
FORMAT = 1


def record_revocations(root: ReleaseRoot, version: str, earlier: list[str], takedowns: list[dict[str, Any]]) -> int:
    """Search `earlier` releases for the takedowns' records and add what is found; returns entries added."""
    if not takedowns:
        return 0
    uri = f"{root.uri}/{REVOCATIONS}"
    data = root.store.read(uri)
    state: dict[str, Any] = json.loads(data) if data else {"format": FORMAT, "revocations": [], "searched": {}}
    list_digest = digest(takedowns)
    known = {(entry["version"], entry["family"], entry["id"]) for entry in state["revocations"]}
    added = 0
    for other in earlier:
        if state["searched"].get(other) == list_digest:
            continue
        for entry in _copies(root, other, takedowns):
            key = (entry["version"], entry["family"], entry["id"])
            if key not in known:
                known.add(key)
                state["revocations"].append({**entry, "revoked_by": version})
                added += 1
        state["searched"][other] = list_digest
    state["revocations"].sort(key=lambda entry: (entry["version"], entry["family"], entry["id"]))
    new = pretty_json(state).encode("utf-8")
    if new != data:
        root.store.write(uri, new)
    return added


def _copies(root: ReleaseRoot, version: str, takedowns: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Rows of `version`'s provenance index that a takedown names (read family by family, streamed)."""
    prefix = f"{root.uri}/releases/{version}"
    manifest = json.loads(root.store.read(f"{prefix}/manifest.json") or b"{}")
    for family in sorted(manifest.get("families", {})):
        wanted = [entry for entry in takedowns if entry.get("family") in (None, family)]
        if not wanted:
            continue
        key = f"{prefix}/provenance/{family}.jsonl"
        if not root.store.exists(key):
            continue
        with root.store.open(key) as fh:
            for line in fh:
                row = json.loads(line)
                for entry in wanted:
                    if entry.get("id") == row["id"] or entry.get("digest") == row["record_digest"]:
                        yield {"version": version, "family": family, "id": row["id"],
                               "record_digest": row["record_digest"], "split": row.get("split"),
                               "shard": row.get("shard"), "reason": entry["reason"]}
                        break
