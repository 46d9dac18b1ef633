"""Leakage by content across releases: the val/test records of every published release form a held-out index
(dedup/heldout.py), and a later record that matches one, re-keyed or lightly edited, never reaches train."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from releasebuild import api
from releasebuild.dedup import heldout
from releasebuild.gates.leakage import read_heldout
from releasebuild.steps.base import SourceFile, StepContext, StepSpec
from releasebuild.testing import ReleaseFixture, make_release

V1, V2, V3 = "v2026-11-23", "v2026-12-01", "v2026-12-02"
_VOCAB = [f"{a}{b}" for a in ("bar", "cen", "dol", "fir", "gou", "hap", "jin", "kov") for b in
          ("ax", "bel", "cu", "dro", "ek", "fa", "gi", "hom", "ip", "jus", "ko", "lun")]


def record(cid: str, seed: int, session: str | None = None) -> dict[str, Any]:
    rng = random.Random(seed)
    text = [rng.choice(_VOCAB) for _ in range(100)]
    return {"cid": cid, "session": session or f"s-{cid}", "topic": "t",
            "dialog": [{"speaker": "usr", "text": " ".join(text[:60])},
                       {"speaker": "sys", "text": " ".join(text[60:])}]}


def rekeyed(source: dict[str, Any], cid: str) -> dict[str, Any]:
    return {**source, "cid": cid, "session": f"s-{cid}"}


def edited(source: dict[str, Any], cid: str, words: int = 2) -> dict[str, Any]:
    """A light edit: the last `words` words of each turn replaced (conversation Jaccard ~0.8, above 0.6)."""
    copy = rekeyed(source, cid)
    copy["dialog"] = [{**turn, "text": " ".join(turn["text"].split()[:-words] + ["changed"] * words)}
                      for turn in source["dialog"]]
    return copy


def published(fixture: ReleaseFixture, version: str) -> Path:
    return fixture.dir / "published" / "releases" / version


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def shipped(fixture: ReleaseFixture, version: str) -> dict[str, str]:
    return {line["id"]: line["split"] for shard in sorted((published(fixture, version) / "data").rglob("*.jsonl"))
            for line in jsonl(shard)}


def set_leakage(fixture: ReleaseFixture, settings: dict[str, Any]) -> None:
    (fixture.dir / "gates" / "leakage.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    document = yaml.safe_load(fixture.release_yaml.read_text())
    fixture.edit_yaml(fixture.release_yaml, gates={**document["gates"], "leakage": "gates/leakage.yaml"})


def apply(fixture: ReleaseFixture) -> api.ApplyReport:
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    return report


@pytest.fixture
def first(tmp_path: Path) -> tuple[ReleaseFixture, list[dict[str, Any]], dict[str, str]]:
    """v1 published: 40 distinct records in train, val and test."""
    rows = [record(f"r{i:03d}", seed=i) for i in range(40)]
    fixture = make_release(tmp_path / "rel", {"alpha": rows})
    apply(fixture)
    splits = shipped(fixture, V1)
    assert {"val", "test"} <= set(splits.values())
    return fixture, rows, splits


def second_release(fixture: ReleaseFixture, rows: list[dict[str, Any]], held: list[str]) -> list[str]:
    """v2's source: the held-out records `held` withdrawn under their old ids and back under new ones (the
    first half unchanged, the rest lightly edited), with ratios that hash almost every new record into train."""
    by_id = {row["cid"]: row for row in rows}
    copies = [rekeyed(by_id[rid], f"n{k}") if k < len(held) // 2 else edited(by_id[rid], f"n{k}")
              for k, rid in enumerate(held)]
    data = [row for row in rows if row["cid"] not in held] + copies
    fixture.data_file("alpha").write_text("".join(json.dumps(row) + "\n" for row in data), encoding="utf-8")
    fixture.edit_yaml(fixture.release_yaml, version=V2,
                      splits={"ratios": {"train": 0.98, "val": 0.01, "test": 0.01}, "salt": V2})
    return [copy["cid"] for copy in copies]


def test_rekeyed_and_edited_held_out_records_follow_their_split(
        first: tuple[ReleaseFixture, list[dict[str, Any]], dict[str, str]]) -> None:
    fixture, rows, splits = first
    held = sorted(rid for rid, split in splits.items() if split != "train")[:4]
    copies = second_release(fixture, rows, held)
    report = apply(fixture)
    second = shipped(fixture, V2)
    assert [second[cid] for cid in copies] == [splits[rid] for rid in held]
    assert report.outcome.results["alpha/split"].meta["sticky"]["by_content"] == 4
    leakage = json.loads((published(fixture, V2) / "gates" / "leakage.json").read_text())
    assert leakage["status"] == "pass"
    cross = leakage["cross_release"]
    assert (cross["policy"], cross["previous"], cross["matched"], cross["followed"], cross["blocked"]) == (
        "follow", V1, 4, 4, 0)
    listed = jsonl(published(fixture, V2) / "gates" / "leakage" / "heldout.jsonl")
    assert [(row["record"], row["matches"]["release"], row["matches"]["record"], row["outcome"]) for row in listed] \
        == [(f"alpha/{cid}", V1, f"alpha/{rid}", "followed") for cid, rid in zip(copies, held, strict=True)]
    # the unchanged copies match exactly, the edited ones as near duplicates (the most similar text compared)
    assert [row["similarity"] == 1.0 for row in listed] == [True, True, False, False]
    assert all(0.6 <= row["similarity"] and row["kind"] in ("conversation", "user") for row in listed)
    assert "matches `alpha/" in (published(fixture, V2) / "gates" / "leakage.md").read_text()
    # v2's index: v1's held-out records, and v2's new held-out ones (the four copies, under their new ids; the
    # v1 records held out again add nothing); no text, only hashes, signatures and shingle hashes
    index = json.loads((published(fixture, V2) / "heldout" / "index.json").read_text())
    assert index["releases"] == {V1: sum(split != "train" for split in splits.values()), V2: 4}
    entries = (published(fixture, V2) / "heldout" / "entries.tsv").read_text()
    assert rows[0]["dialog"][0]["text"].split()[0] not in entries


def test_under_cross_release_block_a_copy_of_held_out_content_blocks_the_release(
        first: tuple[ReleaseFixture, list[dict[str, Any]], dict[str, str]]) -> None:
    fixture, rows, splits = first
    held = sorted(rid for rid, split in splits.items() if split != "train")[:4]
    copies = second_release(fixture, rows, held)
    set_leakage(fixture, {"cross_release": "block"})
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is not None and "leakage" in str(report.outcome.error)
    assert not published(fixture, V2).exists()
    blocked = fixture.dir / ".releasebuild" / "blocked" / V2 / "gates"
    listed = jsonl(blocked / "leakage" / "heldout.jsonl")
    assert [(row["record"], row["matches"]["record"], row["outcome"]) for row in listed] == [
        (f"alpha/{cid}", f"alpha/{rid}", "blocked") for cid, rid in zip(copies, held, strict=True)]
    family = json.loads((blocked / "leakage.json").read_text())["families"][0]
    assert family["status"] == "fail" and "cross_release: block" in family["why"]


def test_a_published_train_record_edited_into_a_held_out_copy_blocks(
        first: tuple[ReleaseFixture, list[dict[str, Any]], dict[str, str]]) -> None:
    """Its split cannot follow (a published train record never moves to val/test): it stays train, and blocks."""
    fixture, rows, splits = first
    held = next(rid for rid, split in sorted(splits.items()) if split == "test")
    train = next(rid for rid, split in sorted(splits.items()) if split == "train")
    by_id = {row["cid"]: row for row in rows}
    data = [row for row in rows if row["cid"] not in (held, train)] + [
        {**edited(by_id[held], train), "session": by_id[train]["session"]}]
    fixture.data_file("alpha").write_text("".join(json.dumps(row) + "\n" for row in data), encoding="utf-8")
    fixture.edit_yaml(fixture.release_yaml, version=V2)
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is not None and "leakage" in str(report.outcome.error)
    listed = jsonl(fixture.dir / ".releasebuild" / "blocked" / V2 / "gates" / "leakage" / "heldout.jsonl")
    assert [(row["record"], row["split"], row["matches"]["record"], row["outcome"]) for row in listed] == [
        (f"alpha/{train}", "train", f"alpha/{held}", "blocked")]


def test_the_index_is_incremental_and_a_noop_apply_after_publishing_reruns_nothing(
        first: tuple[ReleaseFixture, list[dict[str, Any]], dict[str, str]]) -> None:
    fixture, rows, splits = first
    held = sorted(rid for rid, split in splits.items() if split != "train")[:2]
    copies = second_release(fixture, rows, held)
    apply(fixture)
    again = apply(fixture).to_json()
    assert {step["status"] for step in again["steps"]} == {"cached"}
    # v3 reads v2's index alone (by its digest): v1's held-out records are in it, so a copy of one withdrawn in
    # v2 is still caught in v3, whatever its id.
    by_id = {row["cid"]: row for row in rows}
    data = [row for row in jsonl(fixture.data_file("alpha")) if row["cid"] != copies[0]]
    data.append(rekeyed(by_id[held[0]], "late"))
    fixture.data_file("alpha").write_text("".join(json.dumps(row) + "\n" for row in data), encoding="utf-8")
    fixture.edit_yaml(fixture.release_yaml, version=V3)
    report = apply(fixture)
    dedup = next(step for step in report.to_json()["steps"] if step["id"] == "release/dedup")
    # v3's index and alpha both changed since v2's build: its pairs are updated from v2's, the new texts searched
    assert dedup["stats"]["heldout_pairs_updated"] >= 1
    third = shipped(fixture, V3)
    assert third["late"] == splits[held[0]] and copies[0] not in third
    leakage = json.loads((published(fixture, V3) / "gates" / "leakage.json").read_text())
    assert ("alpha/late", V1, f"alpha/{held[0]}") in {
        (row["record"], row["matches"]["release"], row["matches"]["record"])
        for row in leakage["families"][0]["cross_release_listed"]}


def test_a_local_previous_index_is_read_where_it_is_published(
        first: tuple[ReleaseFixture, list[dict[str, Any]], dict[str, str]], tmp_path: Path) -> None:
    """Dedup and leakage read the previous release's index from a local root in place (700 MB at a million
    conversations, copied into each step's workdir before): what they read is the published files, read-only."""
    fixture, _, _ = first
    index_dir = published(fixture, V1)
    sources = [SourceFile(key, str(index_dir / key), "sha256:unused") for key in heldout.FILES]
    spec = StepSpec("release/leakage", "gate_leakage", {}, ())
    workdir = tmp_path / "work"
    workdir.mkdir()
    index = read_heldout(StepContext(spec, workdir, {}, {}, sources))
    assert index is not None and len(index.entries) == index.info["rows"] > 0
    assert list(workdir.iterdir()) == []  # nothing copied
