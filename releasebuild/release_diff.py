"""`releasebuild diff A B`: what changed between two published releases, from their manifests and indexes alone.

The report is data (JSON's shape); render.py shows it as text or markdown. `data.stat` holds the same per family
and split --stat entries as a plan's (data_changes.SplitStat), eval-breaking ones (val, test) named apart.

Records are compared by id and record digest through the provenance indexes, which both list in id order, so the
comparison is one merge pass per family in constant memory.
"""

from __future__ import annotations

import json
from typing import Any

from releasebuild.changes import diff, snapshot_of_published
from releasebuild.config.models import SPLITS
from releasebuild.data_changes import EMPTY, SplitStat, compare, from_published, split_stats
from releasebuild.errors import StorageError
from releasebuild.store import io
from releasebuild.store.backends import Store


def _document(store: Store, prefix: str, key: str) -> dict[str, Any]:
    data = store.read(prefix + key)
    if data is None:
        raise StorageError(f"{prefix} has no {key}: not a published release")
    document: dict[str, Any] = json.loads(data)
    return document


def _optional(store: Store, prefix: str, key: str) -> dict[str, Any] | None:
    data = store.read(prefix + key)
    return json.loads(data) if data is not None else None


def _moved(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The metrics (tokens, turns, lengths, role shares) whose value differs: name -> [a, b]."""
    return {name: [before.get(name), after.get(name)] for name in sorted(set(before) | set(after))
            if before.get(name) != after.get(name)}


def diff_releases(a: str, b: str, store: Store | None = None) -> dict[str, Any]:
    store = store if store is not None else io.default()
    a, b = (uri if uri.endswith("/") else uri + "/" for uri in (a, b))
    manifests = [_document(store, prefix, "manifest.json") for prefix in (a, b)]
    snapshots = [snapshot_of_published(manifest, _document(store, prefix, "curriculum.json"),
                                       _document(store, prefix, "gates/summary.json"))
                 for prefix, manifest in zip((a, b), manifests, strict=True)]
    data = [from_published(prefix, manifest, _optional(store, prefix, "gates/distribution.json"), store)
            for prefix, manifest in zip((a, b), manifests, strict=True)]
    families: dict[str, Any] = {}
    stats: dict[str, Any] = {}
    stat: list[SplitStat] = []
    for name in sorted(set(data[0]) | set(data[1])):
        old, new = data[0].get(name, EMPTY), data[1].get(name, EMPTY)
        families[name] = compare(old, new)
        if families[name] is not None:
            stat += split_stats(name, old.counts, new.counts, families[name])
        moved = {split: _moved(old.stats.get(split, {}), new.stats.get(split, {})) for split in SPLITS}
        if any(moved.values()):
            stats[name] = {split: metrics for split, metrics in moved.items() if metrics}
    shards = [{art["key"]: art["sha256"] for art in manifest["artifacts"] if art["kind"] == "shard"}
              for manifest in manifests]
    results = [manifest["gates"]["results"] for manifest in manifests]
    signoffs = [manifest["signoffs"]["ids"] for manifest in manifests]
    reviews = manifests[1]["signoffs"].get("reviews", {})
    carried = sorted({review["carried_from"] for review in reviews.values() if review.get("carried_from")})
    # b is published, so every review it required is approved: by a record of its own, or carried over
    version_note = f"approvals carried over from {', '.join(carried)}" if carried else \
        "reviews signed again for this version" if reviews else ""
    return {
        "format_version": 1, "a": {"uri": a, "version": manifests[0]["version"], "root": manifests[0]["root_digest"]},
        "b": {"uri": b, "version": manifests[1]["version"], "root": manifests[1]["root_digest"]},
        "identical": manifests[0]["root_digest"] == manifests[1]["root_digest"],
        "definition": [change.to_json() for change in diff(snapshots[0], snapshots[1], version_note)],
        "records": families,
        "shards": {"added": sorted(set(shards[1]) - set(shards[0])), "removed": sorted(set(shards[0]) - set(shards[1])),
                   "changed": sorted(key for key in set(shards[0]) & set(shards[1])
                                     if shards[0][key] != shards[1][key])},
        "stats": stats,
        "data": {"stat": [entry.to_json() for entry in stat],
                 "eval_breaking": [f"{entry.family}/{entry.split}" for entry in stat if entry.eval_breaking],
                 "train_only": [f"{entry.family}/{entry.split}" for entry in stat
                                if entry.touched and not entry.eval_breaking]},
        "gates": {gate: {"a": results[0].get(gate), "b": results[1].get(gate)}
                  for gate in sorted(set(results[0]) | set(results[1]))
                  if results[0].get(gate) != results[1].get(gate)},
        "signoffs": {"a": signoffs[0], "b": signoffs[1], "added": sorted(set(signoffs[1]) - set(signoffs[0])),
                     "removed": sorted(set(signoffs[0]) - set(signoffs[1])),
                     "carried": {name: review["carried_from"] for name, review in sorted(reviews.items())
                                 if review.get("carried_from")}},
    }
