"""The published release itself: manifest schema, hashes, shard format, splits, quarantine hygiene."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from releasebuild import api, schemas
from releasebuild.keys import canonical_json
from releasebuild.manifest_proof import edits
from releasebuild.records import value_digest
from releasebuild.testing import ReleaseFixture, conversation, make_release, write_jsonl

SCHEMA = schemas.load("manifest")
SECRET = "call me at 212-555-0199 zq-raw-marker"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReleaseFixture, Path, dict[str, Any]]:
    rows: list[Any] = [conversation(f"r{i:03d}", f"g{i // 5}", turns=2 + i % 4) for i in range(200)]
    rows.insert(17, '{"cid": "bad", "dialog": "' + SECRET + '"}')
    rows.insert(40, "not json " + SECRET)
    edge = [conversation(f"e{i:02d}", f"e{i}") for i in range(30)]
    fixture = make_release(tmp_path_factory.mktemp("art") / "rel", {"alpha": rows, "edge_cases": edge},
                           max_records=25)
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    prefix = Path(report.release_uri)
    return fixture, prefix, json.loads((prefix / "manifest.json").read_text())


def test_manifest_matches_schema(published: tuple[ReleaseFixture, Path, dict[str, Any]]) -> None:
    _, _, manifest = published
    jsonschema.validate(manifest, SCHEMA)
    assert manifest["families"]["alpha"]["records"]["total"] == 200
    assert manifest["families"]["alpha"]["quarantined"] == 2
    assert manifest["records"]["total"] == 230


def test_artifacts_list_every_file_with_true_hashes(published: tuple[ReleaseFixture, Path, dict[str, Any]]) -> None:
    _, prefix, manifest = published
    on_disk = sorted(p.relative_to(prefix).as_posix() for p in prefix.rglob("*") if p.is_file())
    listed = [art["key"] for art in manifest["artifacts"]]
    assert sorted(listed + ["manifest.json"]) == on_disk
    for art in manifest["artifacts"]:
        data = (prefix / art["key"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == art["sha256"] and len(data) == art["bytes"]
    assert edits(manifest) == []  # the root digest is the one its fields and artifacts give


def test_manifest_holds_no_absolute_paths_or_hosts(published: tuple[ReleaseFixture, Path, dict[str, Any]]) -> None:
    fixture, prefix, _ = published
    text = (prefix / "manifest.json").read_text()
    assert str(fixture.dir) not in text and "/tmp" not in text


def test_shards_are_chatml_in_id_order_within_bounds(published: tuple[ReleaseFixture, Path, dict[str, Any]]) -> None:
    _, prefix, manifest = published
    shards = [a for a in manifest["artifacts"] if a["kind"] == "shard"]
    assert "data/train/alpha-00000.jsonl" in [a["key"] for a in shards]
    for shard in shards:
        key = shard["key"]
        lines = (prefix / key).read_text().splitlines()
        assert 0 < len(lines) <= 25
        # The manifest alone says what each shard holds, so a loader can plan an epoch without opening any.
        assert len(lines) == shard["records"]
        assert key == f"data/{shard['split']}/{shard['family']}-{key[-11:-6]}.jsonl"
        records = [json.loads(line) for line in lines]
        assert [canonical_json(r) for r in records] == lines  # canonical: sorted keys, no spaces
        ids = [r["id"] for r in records]
        assert ids == sorted(ids)
        for record in records:
            assert set(record) == {"id", "family", "split", "messages", "metadata", "provenance"}
            assert key == f"data/{record['split']}/{record['family']}-{key[-11:-6]}.jsonl"
            assert {m["role"] for m in record["messages"]} <= {"system", "user", "assistant"}
            assert record["provenance"]["record_id"] == record["id"]
            assert "locator" not in record["provenance"]


def test_groups_never_straddle_splits(published: tuple[ReleaseFixture, Path, dict[str, Any]]) -> None:
    _, prefix, _ = published
    split_of_group: dict[str, set[str]] = {}
    for path in (prefix / "data").rglob("alpha-*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            group = f"g{int(record['id'][1:]) // 5}"
            split_of_group.setdefault(group, set()).add(record["split"])
    assert len(split_of_group) == 40
    assert all(len(splits) == 1 for splits in split_of_group.values())
    assert {next(iter(s)) for s in split_of_group.values()} == {"train", "val", "test"}


def test_quarantine_report_locates_without_raw_content(published: tuple[ReleaseFixture, Path, dict[str, Any]]) -> None:
    _, prefix, _ = published
    entries = [json.loads(line) for line in (prefix / "quarantine/alpha.jsonl").read_text().splitlines()]
    assert [(e["source"], e["locator"]["line"], e["code"]) for e in entries] == [
        ("../data/alpha.jsonl", 18, "wrong_type"), ("../data/alpha.jsonl", 41, "invalid_json")]
    for path in prefix.rglob("*"):  # as bytes: plots and the held-out index's arrays are binary
        if path.is_file():
            assert b"zq-raw-marker" not in path.read_bytes(), path


def test_provenance_index_points_at_real_shards(published: tuple[ReleaseFixture, Path, dict[str, Any]]) -> None:
    _, prefix, _ = published
    shard_ids: dict[str, set[str]] = {}
    for path in (prefix / "data").rglob("alpha-*.jsonl"):
        key = path.relative_to(prefix).as_posix()
        shard_ids[key] = {json.loads(line)["id"] for line in path.read_text().splitlines()}
    entries = [json.loads(line) for line in (prefix / "provenance/alpha.jsonl").read_text().splitlines()]
    assert len(entries) == 200
    for entry in entries:
        assert entry["id"] in shard_ids[entry["shard"]]
        assert entry["source_digest"].startswith("xxh3_128:") and entry["locator"]["line"] >= 1


def test_curriculum_normalizes_weights_with_counts(published: tuple[ReleaseFixture, Path, dict[str, Any]]) -> None:
    _, prefix, manifest = published
    curriculum = json.loads((prefix / "curriculum.json").read_text())
    (stage,) = curriculum["stages"]
    weights = {f["family"]: f["weight"] for f in stage["families"]}
    assert weights == pytest.approx({"alpha": 1 / 3, "edge_cases": 2 / 3})
    alpha = next(f for f in stage["families"] if f["family"] == "alpha")
    assert alpha["records"] == manifest["families"]["alpha"]["records"]
    assert curriculum["families"]["edge_cases"]["stages"] == ["foundation"]


def test_duplicate_ids_keep_one_record_and_quarantine_the_rest(tmp_path: Path) -> None:
    rows = [conversation("same", "g1", text="first"), conversation("other", "g2"),
            conversation("same", "g3", text="second")]
    fixture = make_release(tmp_path / "rel", {"alpha": rows}, max_ratio=0.5)
    report = api.apply(fixture.release_yaml, jobs=1)
    assert report.outcome.error is None, report.outcome.error
    prefix = Path(report.release_uri)
    (entry,) = [json.loads(line) for line in (prefix / "quarantine/alpha.jsonl").read_text().splitlines()]
    assert entry["code"] == "duplicate_id" and entry["detail"].startswith(f"id {value_digest('same')} already used by")
    assert "'same'" not in entry["detail"]  # a published row never echoes the raw id
    kept_line = 1 if entry["locator"]["line"] == 3 else 3
    assert entry["detail"].endswith(f"../data/alpha.jsonl:line {kept_line}")
    manifest = json.loads((prefix / "manifest.json").read_text())
    assert manifest["families"]["alpha"]["records"]["total"] == 2
    assert manifest["families"]["alpha"]["quarantine_codes"] == {"duplicate_id": 1}


def test_duplicate_ids_across_source_files_are_found_by_the_merge(tmp_path: Path) -> None:
    fixture = make_release(tmp_path / "rel", {"alpha": [conversation("a", "g1")]}, max_ratio=0.9)
    data = fixture.dir / "data"
    write_jsonl(data / "alpha-2.jsonl", [conversation("b", "g2"), conversation("a", "g3", text="second copy")])
    write_jsonl(data / "alpha-3.jsonl", ["{broken", conversation("a", "g4", text="third copy")])
    fixture.edit_yaml(fixture.family_yaml("alpha"), sources=["../data/alpha*.jsonl"])
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    prefix = Path(report.release_uri)
    entries = [json.loads(line) for line in (prefix / "quarantine/alpha.jsonl").read_text().splitlines()]
    # One list in (source, position) order: per-file rejects and the merge's duplicates interleaved.
    assert [(e["source"], e["locator"]["line"], e["code"]) for e in entries] == [
        (s, line, code) for s, line, code in sorted((e["source"], e["locator"]["line"], e["code"]) for e in entries)]
    assert sorted(e["code"] for e in entries) == ["duplicate_id", "duplicate_id", "invalid_json"]
    shard_ids = [json.loads(line)["id"] for path in sorted((prefix / "data").rglob("*.jsonl"))
                 for line in path.read_text().splitlines()]
    assert sorted(shard_ids) == ["a", "b"]
    kept = {e["detail"].rsplit(" at ", 1)[1] for e in entries if e["code"] == "duplicate_id"}
    (kept_at,) = kept
    quarantined_at = {f"{e['source']}:line {e['locator']['line']}" for e in entries if e["code"] == "duplicate_id"}
    assert kept_at not in quarantined_at and len(quarantined_at) == 2
