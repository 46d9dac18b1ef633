"""The local cache stays within RELEASEBUILD_CACHE_LIMIT: each run of a step over a family writes that family's
outputs anew, so without a bound every edit would add them to the disk for good. Pruning removes the oldest blobs
no apply needs next; what it keeps makes the next edit cost what it cost before, and the release the same bytes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from releasebuild import api
from releasebuild.errors import CacheLimitInvalid
from releasebuild.store.cas import DEFAULT_LIMIT, LIMIT_VARIABLE, ContentStore, cache_limit
from releasebuild.testing import ReleaseFixture, write_jsonl

VERSION = "v2026-11-23"


@pytest.mark.parametrize(("value", "size"), [
    ("20G", 20 * 2**30), ("1.5M", int(1.5 * 2**20)), ("512", 512), ("2 GiB", 2 * 2**30), ("3kb", 3 * 2**10),
    ("0", 0), ("none", None), ("", DEFAULT_LIMIT),
])
def test_the_limit_is_read_as_a_size(value: str, size: int | None) -> None:
    assert cache_limit(value) == size


@pytest.mark.parametrize("value", ["lots", "-1G", "nan", "G", "12Q", "B", "inf", "1e400"])
def test_a_limit_that_is_not_a_size_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(CacheLimitInvalid, match=LIMIT_VARIABLE):
        cache_limit(value)


def _blob(store: ContentStore, content: bytes, age_seconds: float, now: float) -> str:
    sha256 = hashlib.sha256(content).hexdigest()
    path = store.path(sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    os.utime(path, (now - age_seconds, now - age_seconds))
    return sha256


def test_prune_removes_the_oldest_blobs_not_kept_until_under_the_limit(tmp_path: Path) -> None:
    store = ContentStore(tmp_path / "cache")
    now = 1_800_000_000.0
    oldest = _blob(store, b"a" * 100, 400, now)
    kept = _blob(store, b"b" * 100, 300, now)  # older than the next, but kept
    older = _blob(store, b"c" * 100, 200, now)
    newer = _blob(store, b"d" * 100, 100, now)
    fresh = _blob(store, b"e" * 100, -10, now)  # written after the apply started: a plan beside it may need it

    # 500 bytes over a limit of 350: blobs go until at most 90% of it is held (315), so the next applies find room
    assert store.prune({kept}, limit=350, older_than=now) == (2, 200)
    assert {digest: store.path(digest).is_file() for digest in (oldest, kept, older, newer, fresh)} == {
        oldest: False, kept: True, older: False, newer: True, fresh: True}
    # within the limit, though above that mark: nothing goes
    assert store.prune(set(), limit=300, older_than=now) == (0, 0)
    # a limit of 0 removes every blob that may go, and never the others
    assert store.prune({kept}, limit=0, older_than=now) == (1, 100)
    assert [digest for digest in (kept, newer, fresh) if store.path(digest).is_file()] == [kept, fresh]


def _apply(fixture: ReleaseFixture, events: list[tuple[str, str, str]] | None = None) -> dict[str, Any]:
    report = api.apply(fixture.release_yaml, None, (lambda *event: events.append(event)) if events is not None
                       else None, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    return report.to_json()


def _step(report: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(step for step in report["steps"] if step["id"] == step_id)


def _blobs(fixture: ReleaseFixture) -> set[str]:
    root = fixture.dir / ".releasebuild" / "cache" / "cas" / "sha256"
    return {path.parent.name + path.name for path in root.glob("*/*")}


def _edit(path: Path, text: str) -> None:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[0]["dialog"][0]["text"] = text
    write_jsonl(path, rows)


def test_an_apply_past_the_limit_prunes_what_no_apply_needs_and_the_next_edit_costs_what_it_did(
        small_release: ReleaseFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [json.loads(line) for line in small_release.data_file("alpha").read_text().splitlines()]
    small_release.data_file("alpha").unlink()
    parts = [write_jsonl(small_release.dir / "data" / "alpha" / f"part-{index}.jsonl", rows[index::3])
             for index in range(3)]
    small_release.edit_yaml(small_release.family_yaml("alpha"), sources=["../data/alpha/part-*.jsonl"])
    monkeypatch.setenv(LIMIT_VARIABLE, "none")
    _apply(small_release)
    _edit(parts[1], "A first edit.")
    _apply(small_release)
    before = _blobs(small_release)

    monkeypatch.setenv(LIMIT_VARIABLE, "0")
    events: list[tuple[str, str, str]] = []
    _edit(parts[1], "A second edit.")
    threads: list[str] = []  # where the prune ran: on a thread of its own, beside the publish
    prune = ContentStore.prune
    monkeypatch.setattr(ContentStore, "prune", lambda *args: threads.append(threading.current_thread().name)
                        or prune(*args))
    _apply(small_release, events)
    assert [name.partition("_")[0] for name in threads] == ["prune"]
    pruned = [detail for step_id, event, detail in events if (step_id, event) == ("cache", "pruned")]
    assert len(pruned) == 1 and "RELEASEBUILD_CACHE_LIMIT" in pruned[0]
    after = _blobs(small_release)
    assert before - after, "the earlier applies' stale outputs are removed"

    # a no-op finds every result's blobs (a step whose blob is gone would run), adds nothing and prunes nothing
    events.clear()
    noop = _apply(small_release, events)
    assert {step["status"] for step in noop["steps"]} == {"cached"}
    assert _blobs(small_release) == after and not [event for _, event, _ in events if event == "pruned"]

    # the next edit finds what it needs: one file mapped, the others' maps cached, the memos read
    _edit(parts[1], "A third edit.")
    report = _apply(small_release)
    assert _step(report, "alpha/ingest")["sources"] == {"mapped": 1, "cached": 2}
    assert _step(report, "alpha/privacy")["stats"]["messages_scanned"] == 1
    assert _step(report, "alpha/bias")["stats"]["records_computed"] == 1
    assert _step(report, "alpha/fingerprint")["stats"]["signatures_reused"] >= 1
    assert _step(report, "beta/privacy")["status"] == "cached"

    # an edit undone: the steps are cached from two applies ago, blobs older than this apply, and they are kept
    _edit(parts[1], "A second edit.")
    undone = _apply(small_release)
    assert _step(undone, "alpha/privacy")["status"] == "cached"
    noop = _apply(small_release)
    assert {step["status"] for step in noop["steps"]} == {"cached"}

    # and the release is the bytes a clean build of the same data publishes
    published = small_release.dir / "published" / "releases" / VERSION / "manifest.json"
    shutil.rmtree(small_release.dir / ".releasebuild")
    clean = api.apply(small_release.release_yaml, str(tmp_path / "clean"), jobs=2)
    assert clean.outcome.error is None
    assert (Path(clean.release_uri) / "manifest.json").read_bytes() == published.read_bytes()


def test_a_limit_that_is_not_a_size_fails_the_apply_before_anything_runs(
        small_release: ReleaseFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LIMIT_VARIABLE, "plenty")
    with pytest.raises(CacheLimitInvalid, match="plenty"):
        api.apply(small_release.release_yaml, None, jobs=2)
    assert not (small_release.dir / "published" / "releases" / VERSION).exists()


def test_a_plan_that_builds_data_prunes_nothing(small_release: ReleaseFixture,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """`plan --compute-data` (and `signoff samples`) build some targets only: they do not know every result the next
    apply reads, so they leave the cache as it is whatever its limit."""
    monkeypatch.setenv(LIMIT_VARIABLE, "none")
    _apply(small_release)
    _edit(small_release.data_file("alpha"), "A first edit.")
    _apply(small_release)
    _edit(small_release.data_file("alpha"), "A second edit.")
    before = _blobs(small_release)
    monkeypatch.setenv(LIMIT_VARIABLE, "0")
    api.plan(small_release.release_yaml, compute_data=True)
    after = _blobs(small_release)
    assert before <= after, "nothing was removed"
    assert after - before, "the plan built the edited family's data steps into the cache"
    # the apply that follows finds them built, and prunes
    report = _apply(small_release)
    assert _step(report, "alpha/privacy")["status"] == "cached"
    assert _blobs(small_release) < after
