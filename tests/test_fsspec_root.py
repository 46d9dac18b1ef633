"""Non-local roots and sources go through fsspec (here its in-memory filesystem; S3 has its own tests)."""

from __future__ import annotations

import json
from pathlib import Path

import fsspec
import pytest

from releasebuild import api
from releasebuild.errors import StorageError
from releasebuild.testing import ReleaseFixture, conversation, make_release


@pytest.fixture
def memory_release(tmp_path: Path) -> ReleaseFixture:
    fixture = make_release(tmp_path / "rel", {"alpha": [conversation(f"a{i}", f"g{i}") for i in range(8)]})
    fs = fsspec.filesystem("memory")
    fs.pipe_file("/src/alpha/part-1.jsonl", fixture.data_file("alpha").read_bytes())
    fs.pipe_file("/src/alpha/part-2.jsonl", json.dumps(conversation("a99", "g99")).encode() + b"\n")
    fixture.edit_yaml(fixture.family_yaml("alpha"), sources=["memory://src/alpha/*.jsonl"])
    yield fixture
    fs.rm("/src", recursive=True)
    if fs.exists("/root"):
        fs.rm("/root", recursive=True)


def test_apply_reads_fsspec_sources_and_publishes_to_an_fsspec_root(memory_release: ReleaseFixture) -> None:
    report = api.apply(memory_release.release_yaml, "memory://root", jobs=1)
    assert report.outcome.error is None, report.outcome.error
    assert report.release_uri == "memory://root/releases/v2026-11-23/"
    fs = fsspec.filesystem("memory")
    manifest = json.loads(fs.cat_file("/root/releases/v2026-11-23/manifest.json"))
    assert manifest["families"]["alpha"]["records"]["total"] == 9
    for art in manifest["artifacts"]:
        assert fs.size(f"/root/releases/v2026-11-23/{art['key']}") == art["bytes"]
    lock = json.loads((memory_release.dir / "release.lock").read_text())
    inputs = lock["families"]["alpha"]["steps"]["alpha/ingest"]["inputs"]
    assert sorted(inputs) == ["source:memory://src/alpha/part-1.jsonl", "source:memory://src/alpha/part-2.jsonl"]

    again = api.apply(memory_release.release_yaml, "memory://root", jobs=1)
    assert {step.status for step in again.outcome.steps} == {"cached"}

    fs.pipe_file("/src/alpha/part-2.jsonl", json.dumps(conversation("a98", "g98")).encode() + b"\n")
    plan = {step.id: step for step in api.plan(memory_release.release_yaml, "memory://root").steps}
    assert plan["alpha/ingest"].status == "will_run"
    assert plan["alpha/ingest"].detail == "sources changed: memory://src/alpha/part-2.jsonl"


def test_previous_release_is_the_highest_published_below(memory_release: ReleaseFixture) -> None:
    api.apply(memory_release.release_yaml, "memory://root", jobs=1)
    memory_release.edit_yaml(memory_release.release_yaml, version="v2026-12-01")
    assert api.plan(memory_release.release_yaml, "memory://root").previous_release == "v2026-11-23"
    memory_release.edit_yaml(memory_release.release_yaml, version="v2026-11-01")
    assert api.plan(memory_release.release_yaml, "memory://root").previous_release is None
    memory_release.edit_yaml(memory_release.release_yaml, version="v2026-12-01", previous="v2026-11-23")
    assert api.plan(memory_release.release_yaml, "memory://root").previous_release == "v2026-11-23"
    # A declared previous release must exist: sticky splits and regressions are read from it.
    memory_release.edit_yaml(memory_release.release_yaml, previous="v2026-10-01")
    with pytest.raises(StorageError, match="previous release v2026-10-01 .* is not published"):
        api.plan(memory_release.release_yaml, "memory://root")
