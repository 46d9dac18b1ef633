"""The incremental contract: what reruns after each kind of change, and nothing more."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

import releasebuild.store.root
from releasebuild import api
from releasebuild.keys import file_digest
from releasebuild.steps import privacy
from releasebuild.store.backends import LocalStore
from releasebuild.store.cas import ActionCache, ContentStore
from releasebuild.testing import ReleaseFixture, conversation, restricted_dir, write_jsonl
from releasebuild.verify import verify_release

FAMILY_STEPS = ("ingest", "privacy", "fingerprint", "split", "export", "provenance", "stats", "bias")


def apply(fixture: ReleaseFixture, root: str | None = None) -> dict[str, Any]:
    report = api.apply(fixture.release_yaml, root, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    return report.to_json()


def ran(report: dict[str, Any]) -> set[str]:
    return {step["id"] for step in report["steps"] if step["status"] == "ran"}


def shard_bytes(fixture: ReleaseFixture) -> dict[str, bytes]:
    prefix = fixture.dir / "published" / "releases" / "v2026-11-23"
    return {p.relative_to(prefix).as_posix(): p.read_bytes() for p in sorted((prefix / "data").rglob("*.jsonl"))}


def _unique_texts(fixture: ReleaseFixture, family: str) -> int:
    """Distinct strings the privacy step scans in a family's published records: ids, group keys (the fixture's
    are in the split index), message texts and metadata values (the fixtures hold no PII: nothing is redacted)."""
    release = fixture.dir / "published" / "releases" / "v2026-11-23"
    texts: set[str] = set()
    for shard in (release / "data").rglob(f"{family}-*.jsonl"):
        for line in shard.read_text().splitlines():
            record = json.loads(line)
            texts.add(record["id"])
            texts.update(message["content"] for message in record["messages"])
            texts.update(value for value in record["metadata"].values() if isinstance(value, str))
    texts.update(row["group"] for row in map(json.loads, (release / "splits" / f"{family}.jsonl").read_text()
                                                        .splitlines()))
    return len(texts)


def _shipped(release: Path, family: str) -> int:
    """A family's records in a published release's shards."""
    return sum(len(shard.read_bytes().splitlines()) for shard in (release / "data").rglob(f"{family}-*.jsonl"))


def test_first_apply_runs_everything(small_release: ReleaseFixture) -> None:
    report = apply(small_release)
    expected = {f"{family}/{kind}" for family in ("alpha", "beta") for kind in FAMILY_STEPS}
    expected |= {"release/curriculum", "release/quarantine", "release/coverage", "release/privacy",
                 "release/provenance", "release/dedup", "release/leakage", "release/distribution", "release/bias",
                 "release/gates", "release/signoff", "release/notes", "release/definition", "release/lock",
                 "release/manifest", "release/publish"}
    assert ran(report) == expected
    assert report["published"] and report["release_uri"].endswith("/published/releases/v2026-11-23/")


def test_noop_apply_runs_nothing_and_reads_no_source(small_release: ReleaseFixture,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    apply(small_release)
    opened: list[str] = []

    def refuse(store: LocalStore, uri: str, block_size: int | None = None) -> Any:
        opened.append(uri)
        raise AssertionError(f"object read on a no-op apply: {uri}")

    monkeypatch.setattr(LocalStore, "open", refuse)  # how fingerprints and steps read a source
    monkeypatch.setattr(LocalStore, "download", refuse)  # how a rule stages one
    report = apply(small_release)
    assert ran(report) == set()
    assert {step["status"] for step in report["steps"]} == {"cached"}
    assert opened == []
    assert api.plan(small_release.release_yaml).has_changes is False


def test_changing_one_source_reruns_only_that_family(small_release: ReleaseFixture) -> None:
    apply(small_release)
    rows = [json.loads(line) for line in small_release.data_file("alpha").read_text().splitlines()]
    rows[0]["dialog"][0]["text"] = "an edited first message"
    write_jsonl(small_release.data_file("alpha"), rows)
    report = apply(small_release)
    # The split step reads only (id, group) pairs, which a text edit leaves alone: early cutoff keeps it cached,
    # and so the curriculum (which reads split counts) too.
    # The quarantine gate reads ingest's counts and quarantine list, which did not change either. The coverage
    # matrix reports the file's bytes, which did. Privacy rescans only the edited message (the rest come from the
    # previous run's scan table) and its gate, whose counts did not change, stays cached.
    # Dedup recomputes the signatures of the edited texts only (the record's conversation and user side) and
    # searches near pairs only for the family pairs that involve alpha; its per-family decisions and links are
    # unchanged, so no split reruns. The leakage gate reruns (it reads the fingerprints of the held-out records for
    # the held-out index it publishes) and writes what it wrote. The edited message is longer, so the family's
    # statistics and the distribution gate rerun, and so do its bias counts (a new reading level) and the bias
    # gate, whose section digest for alpha changes (so the gate summary reruns, and writes what it wrote).
    assert ran(report) == {"alpha/ingest", "alpha/privacy", "alpha/fingerprint", "release/dedup", "alpha/export",
                           "alpha/provenance", "alpha/stats", "release/coverage", "release/leakage",
                           "release/distribution", "alpha/bias", "release/bias", "release/gates", "release/lock",
                           "release/manifest", "release/publish"}
    # Ingest maps the edited line only: the file's other lines are where they were, so their records are the
    # previous map's (its line memo).
    assert _step(report, "alpha/ingest")["stats"] == {"lines_kept": 11, "lines_mapped": 1}
    unchanged = _unique_texts(small_release, "alpha") - 1
    # Only the edited record is decoded: the others' lines are the previous run's, so their text keys are too.
    assert _step(report, "alpha/privacy")["stats"] == {"records_decoded": 1, "messages_scanned": 1,
                                                       "messages_from_cache": unchanged, "redacted_rescanned": 0,
                                                       "parts_made": 1, "parts_reused": 0}  # a family of one part
    # The fingerprints copy the rows of the 11 unchanged records whole; of the edited one, the conversation and
    # user texts are signed again, and the assistant text's signature is reused.
    # The user and assistant signatures, band keys and shingles come out as they were (the edited user text is too
    # short to shingle, before and after): their files are handed on, not written.
    assert _step(report, "alpha/fingerprint")["stats"] == {"records_copied": 11, "signatures_computed": 2,
                                                           "signatures_reused": 1, "parts_read": 1,
                                                           "parts_copied": 0,  # a family of one part
                                                           "kinds_handed_on": 2}
    # conversation and user fingerprints: (alpha, alpha) and (alpha, beta) updated from the previous run's pairs
    # (only the edited record's texts are searched), (beta, beta) reused
    assert _step(report, "release/dedup")["stats"] == {"family_pairs_updated": 4, "family_pairs_reused": 2}
    # The bias counts and the statistics measure the edited record only; the rest come from their record memos
    # (the family is one part: it is made again, from the memo).
    shipped = _shipped(Path(report["release_uri"]), "alpha")
    for step_id in ("alpha/bias", "alpha/stats"):
        assert _step(report, step_id)["stats"] == {"records_computed": 1, "records_from_memo": shipped - 1,
                                                   "parts_made": 1, "parts_reused": 0}, step_id
    # The provenance index builds again the rows of the part that changed: the family's one part, here (at scale,
    # the other parts' rows are copied, with the edited file's new digest: tests/test_family_table.py). Every row
    # has its source's new digest.
    assert _step(report, "alpha/provenance")["stats"] == {"rows_built": 12, "rows_reused": 0, "parts_read": 1}
    rows = Path(report["release_uri"], "provenance", "alpha.jsonl").read_text().splitlines()
    with small_release.data_file("alpha").open("rb") as edited:
        assert {json.loads(row)["source_digest"] for row in rows} == {file_digest(edited)}
    # Export reads the family's one part (its blob changed), writes the shard that holds the edited record, and
    # hands the family's other shards on.
    shards = len(list(Path(report["release_uri"]).glob("data/*/alpha-*.jsonl")))
    assert shards > 2 and _step(report, "alpha/export")["stats"] == {"shards_written": 1, "shards_reused": shards - 1,
                                                                     "parts_read": 1}
    # The distribution gate draws alpha's plot (and the overview) again, and takes beta's from its memo.
    assert _step(report, "release/distribution")["stats"] == {"plots_drawn": 1, "plots_reused": 1}


def test_a_replace_links_what_it_republishes_unchanged_and_copies_what_was_damaged_in_place(
        small_release: ReleaseFixture) -> None:
    """A one-record edit changes a few of the release's files. The rest are hard-linked into the new copy from the
    release in place, once their bytes hash to the new manifest's digests, instead of copied from the cache again;
    a file damaged in place is copied from the cache, and so is one replaced by a symlink to its cache blob (the
    right bytes, but a link through it would share the blob's inode). Afterwards no published file shares an inode
    with anything."""
    apply(small_release)
    release = small_release.dir / "published" / "releases" / "v2026-11-23"

    def files() -> dict[str, tuple[int, bytes]]:
        return {path.relative_to(release).as_posix(): (path.stat().st_ino, path.read_bytes())
                for path in release.rglob("*") if path.is_file()}

    before = files()
    damaged = next(key for key in sorted(before) if key.startswith("data/") and "/beta-" in key)
    (release / damaged).chmod(0o644)
    (release / damaged).write_bytes(b"X" + before[damaged][1][1:])
    manifest = json.loads((release / "manifest.json").read_bytes())
    linked_out = next(art for art in manifest["artifacts"] if art["key"] == "provenance/beta.jsonl")
    blob = small_release.dir / ".releasebuild" / "cache" / "cas" / "sha256" / linked_out["sha256"][:2] / \
        linked_out["sha256"][2:]
    (release / linked_out["key"]).unlink()
    (release / linked_out["key"]).symlink_to(blob)
    rows = [json.loads(line) for line in small_release.data_file("alpha").read_text().splitlines()]
    rows[0]["dialog"][0]["text"] = "an edited first message"
    write_jsonl(small_release.data_file("alpha"), rows)
    apply(small_release)

    after = files()
    assert verify_release(str(release)).sound
    assert after[damaged][1] == before[damaged][1] and after[damaged][0] != before[damaged][0]
    changed = {key for key in after if key not in before or after[key][1] != before[key][1]}
    assert any(key.startswith("data/") and "/alpha-" in key for key in changed)
    assert not (release / linked_out["key"]).is_symlink()
    unchanged = set(after) - changed - {damaged, linked_out["key"], "manifest.json"}
    assert len(unchanged) > 10
    assert {key for key in unchanged if after[key][0] != before[key][0]} == set()
    assert {key for key in changed if after[key][0] == before.get(key, (None,))[0]} == set()
    assert [key for key in after if (release / key).stat().st_nlink > 1] == []


def test_a_publish_hashes_only_the_files_in_place_no_publish_checked_before(small_release: ReleaseFixture,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The release in place is checked before its files are linked into the new copy (nothing the old manifest says
    is trusted), but a file an earlier publish checked and linked, untouched since, is not hashed again
    (`<cache>/hashes.json`): after two edits, the third publish hashes only the files the second one copied. A
    linked file changed in place with its size and mtime kept (only its ctime tells) is hashed all the same, found
    damaged, and copied from the cache."""
    release = small_release.dir / "published" / "releases" / "v2026-11-23"

    def inodes() -> dict[str, int]:
        return {path.relative_to(release).as_posix(): path.stat().st_ino for path in release.rglob("*")
                if path.is_file() and path.name != "manifest.json"}

    def edit(text: str) -> None:
        rows = [json.loads(line) for line in small_release.data_file("alpha").read_text().splitlines()]
        rows[0]["dialog"][0]["text"] = text
        write_jsonl(small_release.data_file("alpha"), rows)

    apply(small_release)
    first = inodes()
    edit("a first edited message")
    apply(small_release)
    second = inodes()
    copied = {key for key in second if first.get(key) != second[key]}
    assert copied and len(copied) < len(second) / 2
    damaged = next(key for key in sorted(second) if key.startswith("data/") and "/beta-" in key)
    before = (release / damaged).stat()
    original = (release / damaged).read_bytes()
    (release / damaged).chmod(0o644)
    (release / damaged).write_bytes(b"X" + original[1:])
    os.utime(release / damaged, ns=(before.st_atime_ns, before.st_mtime_ns))
    (release / damaged).chmod(0o444)
    hashed: list[str] = []
    real = releasebuild.store.root.sha256_files

    def counting(paths: list[Path], threads: int | None = None) -> list[str | None]:
        hashed.extend(path.relative_to(release).as_posix() for path in paths)
        return real(paths, threads)

    monkeypatch.setattr(releasebuild.store.root, "sha256_files", counting)
    edit("a second edited message")
    apply(small_release)

    assert sorted(hashed) == sorted(copied | {damaged})
    assert (release / damaged).read_bytes() == original and (release / damaged).stat().st_ino != before.st_ino
    assert verify_release(str(release)).sound


def test_adding_a_record_reruns_split_and_curriculum(small_release: ReleaseFixture) -> None:
    apply(small_release)
    with small_release.data_file("beta").open("a") as fh:
        fh.write(json.dumps(conversation("b99", "sb99")) + "\n")
    report = apply(small_release)
    assert ran(report) == {"beta/ingest", "beta/privacy", "beta/fingerprint", "release/dedup", "beta/split",
                           "beta/export", "beta/provenance", "beta/stats", "release/curriculum", "release/quarantine",
                           "release/coverage", "release/privacy", "release/provenance", "release/leakage",
                           "release/distribution", "beta/bias", "release/bias", "release/gates", "release/notes",
                           "release/lock", "release/manifest", "release/publish"}


def test_reordering_a_source_changes_no_shard(small_release: ReleaseFixture) -> None:
    apply(small_release)
    before = shard_bytes(small_release)
    lines = small_release.data_file("alpha").read_text().splitlines()
    small_release.data_file("alpha").write_text("\n".join(reversed(lines)) + "\n")
    report = apply(small_release)
    # release.lock records the ingest step's new key (its source's digest changed), so release/lock reruns too.
    assert ran(report) == {"alpha/ingest", "alpha/privacy", "alpha/provenance", "release/lock", "release/manifest",
                           "release/publish"}
    assert _step(report, "alpha/privacy")["stats"]["messages_scanned"] == 0
    assert _step(report, "alpha/privacy")["stats"]["records_decoded"] == 0  # the same lines, in another order
    assert shard_bytes(small_release) == before
    provenance = small_release.dir / "published/releases/v2026-11-23/provenance/alpha.jsonl"
    first = json.loads(provenance.read_text().splitlines()[0])
    assert first["id"] == "a00" and first["locator"] == {"line": 12}


def test_changing_a_mapping_reruns_that_familys_chain(small_release: ReleaseFixture) -> None:
    apply(small_release)
    small_release.edit_yaml(small_release.family_yaml("beta"), system_prompt="You are a careful listener.")
    report = apply(small_release)
    # A system prompt is one more message per record to scan: the privacy gate's message counts change, and so
    # do the family's statistics. Dedup leaves system prompts out: the fingerprints come out identical. The bias
    # counts rerun (their input changed) and count no system text: the bias gate's result is what it was.
    assert ran(report) == {"beta/ingest", "beta/privacy", "beta/fingerprint", "beta/export", "beta/provenance",
                           "beta/stats", "release/privacy", "release/distribution", "beta/bias", "release/bias",
                           "release/notes", "release/definition", "release/lock", "release/manifest", "release/publish"}
    step = next(s for s in report["steps"] if s["id"] == "beta/ingest")
    assert step["reason"] == "params_changed" and "family.system_prompt" in step["detail"]


def test_changing_split_ratios_reruns_splits_and_after(small_release: ReleaseFixture) -> None:
    apply(small_release)
    small_release.edit_yaml(small_release.release_yaml,
                            splits={"ratios": {"train": 0.5, "val": 0.25, "test": 0.25}, "salt": "fixture-salt"})
    report = api.apply(small_release.release_yaml, jobs=2).to_json()
    reran = ran(report)
    assert {"alpha/ingest", "beta/ingest", "release/quarantine"}.isdisjoint(reran)
    assert {"alpha/split", "beta/split", "release/curriculum", "release/definition", "release/lock",
            "release/manifest", "release/publish"} <= reran
    # Export reruns only where the assignment actually changed (early cutoff).
    assert reran <= {f"{f}/{k}" for f in ("alpha", "beta")
                     for k in ("split", "export", "provenance", "stats", "bias")} | {
        "release/curriculum", "release/leakage", "release/distribution", "release/bias", "release/gates",
        "release/notes", "release/definition", "release/lock", "release/manifest", "release/publish"}


def test_deleting_a_cached_output_reruns_just_that_step(small_release: ReleaseFixture) -> None:
    apply(small_release)
    lock = json.loads((small_release.dir / "release.lock").read_text())
    export_key = lock["families"]["alpha"]["steps"]["alpha/export"]["key"]
    algo, hexdigest = export_key.split(":")
    entry = small_release.dir / ".releasebuild/cache/ac" / algo / hexdigest[:2] / f"{hexdigest[2:]}.json"
    result = json.loads(entry.read_text())["result"]
    shard = next(ref for ref in result["files"].values())
    blob = small_release.dir / ".releasebuild/cache/cas/sha256" / shard["sha256"][:2] / shard["sha256"][2:]
    blob.unlink()
    plan = api.plan(small_release.release_yaml)
    statuses = {step.id: (step.status, step.reason.value) for step in plan.steps}
    assert statuses["alpha/export"] == ("will_run", "output_missing")
    report = apply(small_release)
    assert ran(report) == {"alpha/export"}
    assert blob.is_file()


def test_version_bump_reruns_only_global_steps(small_release: ReleaseFixture) -> None:
    apply(small_release)
    small_release.edit_yaml(small_release.release_yaml, version="v2026-12-01")
    report = apply(small_release)
    # The splits now read v2026-11-23's split index (sticky splits); it assigns what they assigned, so nothing
    # after them reruns. The distribution and bias gates now compare with the release just published. Dedup
    # matches the records against v2026-11-23's held-out index, and the leakage gate adds to that index.
    assert ran(report) == {"release/dedup", "alpha/split", "beta/split", "release/curriculum", "release/leakage",
                           "release/distribution", "release/bias", "release/signoff", "release/notes",
                           "release/definition",
                           "release/lock", "release/manifest", "release/publish"}
    assert report["previous_release"] == "v2026-11-23"
    assert _step(report, "alpha/split")["detail"] == "parameters changed: previous"


def test_plan_predicts_apply(small_release: ReleaseFixture) -> None:
    """A step apply runs must never have been planned as cached."""
    apply(small_release)
    with small_release.data_file("alpha").open("a") as fh:
        fh.write(json.dumps(conversation("a99", "sa99")) + "\n")
    plan = {step.id: step.status for step in api.plan(small_release.release_yaml).steps}
    report = apply(small_release)
    for step_id in ran(report):
        assert plan[step_id] in ("will_run", "may_run"), step_id
    assert plan["alpha/ingest"] == "will_run" and plan["beta/ingest"] == "cached"


def test_clean_applies_to_two_roots_are_byte_identical(small_release: ReleaseFixture, tmp_path: Path) -> None:
    first = apply(small_release, str(tmp_path / "root-one"))
    shutil.rmtree(small_release.dir / ".releasebuild")
    (small_release.dir / "release.lock").unlink()
    copy = ReleaseFixture(tmp_path / "elsewhere" / "checkout")
    shutil.copytree(small_release.dir, copy.dir)
    second = apply(copy, str(tmp_path / "root-two"))
    assert ran(second) == ran(first)
    one = Path(first["release_uri"])
    two = Path(second["release_uri"])
    files_one = sorted(p.relative_to(one).as_posix() for p in one.rglob("*") if p.is_file())
    files_two = sorted(p.relative_to(two).as_posix() for p in two.rglob("*") if p.is_file())
    assert files_one == files_two
    for name in files_one:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    assert first["root_digest"] == second["root_digest"]


def test_an_apply_after_edits_publishes_what_a_clean_apply_does(small_release: ReleaseFixture,
                                                                 tmp_path: Path) -> None:
    """The record-memo steps (bias counts, statistics) rerun from their previous run's memo after records are
    edited, added and removed; a clean build of the same inputs elsewhere publishes the same bytes."""
    apply(small_release)
    rows = [json.loads(line) for line in small_release.data_file("alpha").read_text().splitlines()]
    rows[3]["dialog"][1]["text"] = "she said her mother is a nurse."
    del rows[7]
    rows.append(conversation("a99", "sa99", turns=3, topic="grief"))
    write_jsonl(small_release.data_file("alpha"), rows)
    incremental = apply(small_release, str(tmp_path / "root-one"))
    # ingest maps the edited line and those the deleted one moved up; the three before it and the three between
    # come from the previous map (its line memo)
    assert _step(incremental, "alpha/ingest")["stats"] == {"lines_kept": 6, "lines_mapped": 6}
    shipped = _shipped(Path(incremental["release_uri"]), "alpha")
    for step_id in ("alpha/bias", "alpha/stats"):
        assert _step(incremental, step_id)["stats"] == {"records_computed": 2, "records_from_memo": shipped - 2,
                                                        "parts_made": 1, "parts_reused": 0}
    copy = ReleaseFixture(tmp_path / "elsewhere" / "checkout")
    shutil.copytree(small_release.dir, copy.dir, ignore=shutil.ignore_patterns(".releasebuild", "release.lock",
                                                                               "published"))
    clean = apply(copy, str(tmp_path / "root-two"))
    assert _step(clean, "alpha/bias")["stats"] == {"records_computed": shipped, "records_from_memo": 0,
                                                   "parts_made": 1, "parts_reused": 0}
    one, two = Path(incremental["release_uri"]), Path(clean["release_uri"])
    files = sorted(p.relative_to(one).as_posix() for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two).as_posix() for p in two.rglob("*") if p.is_file())
    assert [name for name in files if (one / name).read_bytes() != (two / name).read_bytes()] == []
    assert incremental["root_digest"] == clean["root_digest"]
    # the privacy scan too, whose tables are not published: the one made from its memo is the one made afresh
    assert _step(incremental, "alpha/privacy")["stats"]["messages_from_cache"] > 0
    assert _step(incremental, "alpha/privacy")["stats"]["records_decoded"] == 2  # the edited record, the new one
    made_afresh = _cached_outputs(copy.dir, "alpha/privacy")
    assert len(made_afresh) == 1 and made_afresh.items() <= _cached_outputs(small_release.dir, "alpha/privacy").items()


def test_a_privacy_scan_made_before_parts_is_the_memo_of_the_first_run_in_parts(
        small_release: ReleaseFixture) -> None:
    """An upgrade from a privacy step that wrote its scan table and text keys whole: the first run in parts takes
    them as its memo, so it scans only the edited message (not the family again: hours, with NER)."""
    apply(small_release)
    lock = json.loads((small_release.dir / "release.lock").read_text())
    key = lock["families"]["alpha"]["steps"]["alpha/privacy"]["key"]
    cache = small_release.dir / ".releasebuild" / "cache"
    actions = ActionCache(cache, ContentStore(cache))
    entry = actions.get(key, restricted=True)
    assert entry is not None
    files = entry["result"]["files"]
    # as the code before parts left it: one table, one keys file (a family of one part: the very bytes), no index
    files["scan.tsv"], files["text_keys.bin"] = files.pop("scan.tsv#00000"), files.pop("text_keys.bin#00000")
    del files["parts.json"]
    actions.put(key, entry, restricted=True)
    rows = [json.loads(line) for line in small_release.data_file("alpha").read_text().splitlines()]
    rows[0]["dialog"][0]["text"] = "an edited first message"
    write_jsonl(small_release.data_file("alpha"), rows)
    stats = _step(apply(small_release), "alpha/privacy")["stats"]
    assert stats["messages_scanned"] == 1 and stats["records_decoded"] == 1 and stats["parts_reused"] == 0


def test_lock_file_groups_steps_by_family(small_release: ReleaseFixture) -> None:
    apply(small_release)
    lock = json.loads((small_release.dir / "release.lock").read_text())
    assert set(lock["families"]) == {"alpha", "beta"}
    assert set(lock["families"]["alpha"]["steps"]) == {f"alpha/{kind}" for kind in FAMILY_STEPS}
    assert "release/manifest" not in json.dumps(lock)
    ingest = lock["families"]["alpha"]["steps"]["alpha/ingest"]
    assert list(ingest["inputs"]) == ["source:../data/alpha.jsonl"]


def test_failed_publish_leaves_no_half_published_release(small_release: ReleaseFixture,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    first = apply(small_release)
    releases = small_release.dir / "published" / "releases"
    before = (releases / "v2026-11-23" / "manifest.json").read_bytes()
    with small_release.data_file("alpha").open("a") as fh:
        fh.write(json.dumps(conversation("a77", "sa77")) + "\n")
    copies: list[str] = []
    real_copy = releasebuild.store.root._copy_blob

    def failing_copy(src: Any, dst: Any) -> Any:
        copies.append(str(dst))
        if len(copies) == 3:
            raise OSError(28, "No space left on device")
        return real_copy(src, dst)

    monkeypatch.setattr("releasebuild.store.root._copy_blob", failing_copy)
    report = api.apply(small_release.release_yaml, jobs=2)
    assert report.outcome.error is not None and "No space left on device" in str(report.outcome.error)
    assert len(copies) == 3
    # The published version is still the previous, complete one; no staging directory is left behind.
    assert (releases / "v2026-11-23" / "manifest.json").read_bytes() == before
    assert verify_release(str(releases / "v2026-11-23")).sound
    assert sorted(p.name for p in releases.iterdir()) == ["v2026-11-23"]
    assert first["root_digest"] == json.loads(before)["root_digest"]


def test_restricted_files_laid_out_before_sets_are_up_to_date_and_a_replace_moves_them_into_one(
        small_release: ReleaseFixture) -> None:
    """A root published before restricted sets (files directly under restricted/<version>/) stays up to date; the
    next replace publishes the new release's set and removes the flat files once the release has switched."""
    apply(small_release)
    published = small_release.dir / "published"
    in_set = restricted_dir(published)
    assert [path for path in in_set.rglob("*") if path.is_file()]
    for path in list(in_set.iterdir()):
        path.rename(in_set.parent / path.name)
    in_set.rmdir()
    plan = {step.id: step for step in api.plan(small_release.release_yaml, compute_budget=0).steps}
    assert plan["release/publish"].status == "cached", plan["release/publish"].detail
    with small_release.data_file("alpha").open("a") as fh:
        fh.write(json.dumps(conversation("a77", "sa77")) + "\n")
    apply(small_release)
    assert [path.name for path in in_set.parent.iterdir()] == [restricted_dir(published).name]
    assert verify_release(str(published / "releases" / "v2026-11-23")).sound


def test_plan_says_will_run_for_a_step_whose_own_parameters_changed_downstream(small_release: ReleaseFixture) -> None:
    apply(small_release)
    small_release.edit_yaml(small_release.release_yaml, shards={"max_records": 2},
                            splits={"ratios": {"train": 0.5, "val": 0.25, "test": 0.25}, "salt": "fixture-salt"})
    # A plan that computes no data step (a plain plan computes the splits in scratch, and knows all of it)
    plan = {step.id: step for step in api.plan(small_release.release_yaml, compute_budget=0).steps}
    assert (plan["alpha/split"].status, plan["alpha/split"].detail) == (
        "will_run", "parameters changed: ratios.test, ratios.train, ratios.val")
    # export and provenance wait on split, but their own max_records changed: they run whatever split produces.
    for step_id in ("alpha/export", "alpha/provenance"):
        assert (plan[step_id].status, plan[step_id].detail) == ("will_run", "parameters changed: max_records")
    # The curriculum's own parameters did not change: whether it runs depends on what the splits produce.
    assert plan["release/curriculum"].status == "may_run"
    report = apply(small_release)
    for step in report["steps"]:
        if step["status"] == "ran":
            assert plan[step["id"]].status != "cached"


def _split_family_into_files(fixture: ReleaseFixture, family: str, files: int) -> list[Path]:
    """Spread a family's rows over `files` source files matched by one glob."""
    rows = [json.loads(line) for line in fixture.data_file(family).read_text().splitlines()]
    fixture.data_file(family).unlink()
    paths = [write_jsonl(fixture.dir / "data" / family / f"part-{index}.jsonl", rows[index::files])
             for index in range(files)]
    fixture.edit_yaml(fixture.family_yaml(family), sources=[f"../data/{family}/part-*.jsonl"])
    return paths


def _without_sources(shards: dict[str, bytes]) -> dict[str, list[dict[str, Any]]]:
    """Shards' records without the source file each names (`provenance.source`)."""
    records = {name: [json.loads(line) for line in data.splitlines()] for name, data in shards.items()}
    for rows in records.values():
        for row in rows:
            del row["provenance"]["source"]
    return records


def _cached_outputs(checkout: Path, step_id: str) -> dict[str, dict[str, Any]]:
    """The output files of each run of a step the checkout's action cache holds, by the run's key."""
    entries = (path for path in (checkout / ".releasebuild" / "cache" / "ac").rglob("*.json"))
    return {path.stem: entry["result"]["files"] for path in entries
            if (entry := json.loads(path.read_bytes())).get("step") == step_id}


def _step(report: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(step for step in report["steps"] if step["id"] == step_id)


def test_editing_one_source_file_remaps_only_that_file(small_release: ReleaseFixture, tmp_path: Path) -> None:
    paths = _split_family_into_files(small_release, "alpha", 3)
    first = apply(small_release)
    assert _step(first, "alpha/ingest")["sources"] == {"mapped": 3, "cached": 0}
    rows = [json.loads(line) for line in paths[1].read_text().splitlines()]
    rows[0]["dialog"][0]["text"] = "An edited opening line."
    write_jsonl(paths[1], rows)
    report = apply(small_release)
    assert _step(report, "alpha/ingest")["sources"] == {"mapped": 1, "cached": 2}
    assert ran(report) == {"alpha/ingest", "alpha/privacy", "alpha/fingerprint", "release/dedup", "alpha/export",
                           "alpha/provenance", "alpha/stats", "release/coverage", "release/leakage",
                           "release/distribution", "alpha/bias", "release/bias", "release/gates", "release/lock",
                           "release/manifest", "release/publish"}
    # Merging two cached maps with one fresh one gives exactly what a clean build of the same data gives.
    incremental = (small_release.dir / "published/releases/v2026-11-23/manifest.json").read_bytes()
    shutil.rmtree(small_release.dir / ".releasebuild")
    clean = api.apply(small_release.release_yaml, str(tmp_path / "clean"), jobs=2)
    assert clean.outcome.error is None
    assert (Path(clean.release_uri) / "manifest.json").read_bytes() == incremental


def test_files_that_do_not_interleave_are_the_familys_parts_and_ship_what_a_merge_ships(
        small_release: ReleaseFixture, tmp_path: Path) -> None:
    """A family split by id into files (each its own range) is not merged: ingest hands each mapped file on as a
    part of its output, by reference, in id order whatever the files' names. The shards are the ones the merge of
    the same rows spread over interleaving files gives, and an edit in one file remaps that file only."""
    rows = [json.loads(line) for line in small_release.data_file("alpha").read_text().splitlines()]
    small_release.data_file("alpha").unlink()
    ranges = {"part-b": rows[:5], "part-a": rows[5:9], "part-c": rows[9:]}  # part-a holds the middle ids
    paths = {name: write_jsonl(small_release.dir / "data" / "alpha" / f"{name}.jsonl", chunk)
             for name, chunk in ranges.items()}
    small_release.edit_yaml(small_release.family_yaml("alpha"), sources=["../data/alpha/part-*.jsonl"])
    first = apply(small_release)
    (ingest,) = _cached_outputs(small_release.dir, "alpha/ingest").values()
    maps = {files["records.jsonl"]["sha256"]: step.split(":", 1)[1]  # each file's map, by its records' digest
            for step, files in ((step, files) for step in (f"alpha/ingest:../data/alpha/{name}.jsonl"
                                                           for name in ranges)
                                for files in _cached_outputs(small_release.dir, step).values())}
    parts = sorted(name for name in ingest if name.startswith("records.jsonl#"))
    assert [maps[ingest[name]["sha256"]] for name in parts] == [f"../data/alpha/{name}.jsonl"
                                                                for name in ("part-b", "part-a", "part-c")]
    assert "records.jsonl" not in ingest
    disjoint = shard_bytes(small_release)

    interleaved = ReleaseFixture(tmp_path / "interleaved")
    shutil.copytree(small_release.dir, interleaved.dir, ignore=shutil.ignore_patterns(".releasebuild", "published",
                                                                                      "release.lock"))
    for index, name in enumerate(sorted(ranges)):
        write_jsonl(interleaved.dir / "data" / "alpha" / f"{name}.jsonl", rows[index::3])
    apply(interleaved)
    (merged,) = _cached_outputs(interleaved.dir, "alpha/ingest").values()
    assert "records.jsonl" in merged and not any("#" in name for name in merged)
    assert _without_sources(shard_bytes(interleaved)) == _without_sources(disjoint)  # a shard names its file
    manifest = json.loads((interleaved.dir / "published/releases/v2026-11-23/manifest.json").read_bytes())
    assert manifest["families"]["alpha"]["quarantine_codes"] == {}  # no id used twice: no count of them either

    edited = [json.loads(line) for line in paths["part-a"].read_text().splitlines()]
    edited[0]["dialog"][0]["text"] = "An edited opening line."
    write_jsonl(paths["part-a"], edited)
    report = apply(small_release)
    assert _step(report, "alpha/ingest")["sources"] == {"mapped": 1, "cached": 2}
    assert first["root_digest"] != report["root_digest"]


def test_removing_a_source_file_merges_the_cached_rest(small_release: ReleaseFixture) -> None:
    paths = _split_family_into_files(small_release, "alpha", 3)
    apply(small_release)
    removed = {json.loads(line)["cid"] for line in paths[2].read_text().splitlines()}
    paths[2].unlink()
    report = apply(small_release)
    assert _step(report, "alpha/ingest")["sources"] == {"mapped": 0, "cached": 2}
    prefix = small_release.dir / "published/releases/v2026-11-23"
    provenance = [json.loads(line) for line in (prefix / "provenance/alpha.jsonl").read_text().splitlines()]
    assert {entry["source"] for entry in provenance} == {"../data/alpha/part-0.jsonl", "../data/alpha/part-1.jsonl"}
    assert removed and removed.isdisjoint(entry["id"] for entry in provenance)
    assert len(provenance) == sum(len(path.read_text().splitlines()) for path in paths[:2])


def test_bad_bytes_in_a_source_file_quarantine_their_line_only(small_release: ReleaseFixture) -> None:
    paths = _split_family_into_files(small_release, "alpha", 2)
    offset = paths[1].stat().st_size
    lines = len(paths[1].read_text().splitlines())
    with paths[1].open("ab") as fh:
        fh.write(b'{"cid": "x\xff\xfe"}\n')  # not UTF-8: that line is a quarantined row, the file goes on
    report = api.apply(small_release.release_yaml, jobs=2)
    assert report.outcome.error is None
    prefix = small_release.dir / "published/releases/v2026-11-23"
    (entry,) = [json.loads(line) for line in (prefix / "quarantine/alpha.jsonl").read_text().splitlines()]
    assert (entry["source"], entry["locator"], entry["code"]) == ("../data/alpha/part-1.jsonl", {"line": lines + 1},
                                                                  "invalid_encoding")
    assert f"at byte {offset + 10} " in entry["detail"]


def test_an_unreadable_source_file_fails_its_family_naming_the_file(small_release: ReleaseFixture) -> None:
    paths = _split_family_into_files(small_release, "alpha", 2)
    for path in paths:  # as JSON arrays: one broken mid-element cannot be read past, so the file fails whole
        path.with_suffix(".json").write_text(json.dumps([json.loads(line) for line in path.read_text().splitlines()]))
        path.unlink()
    paths[1].with_suffix(".json").write_bytes(b'[{"cid": "x", ')
    small_release.edit_yaml(small_release.family_yaml("alpha"), sources=["../data/alpha/part-*.json"], format="json")
    report = api.apply(small_release.release_yaml, jobs=2)
    steps = {step.id: step for step in report.outcome.steps}
    assert steps["alpha/ingest"].status == "failed"
    assert "step alpha/ingest failed: ../data/alpha/part-1.json: " in steps["alpha/ingest"].detail
    assert "part-1.json:1: invalid JSON in element 0" in steps["alpha/ingest"].detail
    assert {steps[f"alpha/{kind}"].status for kind in ("split", "export", "provenance")} == {"skipped"}
    assert steps["beta/fingerprint"].status == "ran" and report.outcome.error is not None
    assert steps["release/dedup"].status == "skipped"  # dedup compares every family: it needs alpha too


def test_privacy_tables_written_a_few_rows_at_a_time_are_the_bytes_written_at_once(
        small_release: ReleaseFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold scan writes every text's row and every record's text keys, WRITE_BATCH at a time (the forked workers
    see the patched size): the same bytes as written at once."""
    copy = ReleaseFixture(tmp_path / "copy" / "checkout")
    shutil.copytree(small_release.dir, copy.dir)
    apply(small_release)
    monkeypatch.setattr(privacy, "WRITE_BATCH", 2)
    apply(copy)
    steps = ["alpha/privacy", "beta/privacy"]
    whole = {step: _cached_outputs(small_release.dir, step) for step in steps}
    batched = {step: _cached_outputs(copy.dir, step) for step in steps}
    assert whole == batched
    assert all({"scan.tsv#00000", "text_keys.bin#00000"} <= set(next(iter(runs.values())))  # one part each
               for runs in whole.values())


def test_the_held_out_index_is_handed_on_while_no_held_out_record_changes(small_release: ReleaseFixture,
                                                                          tmp_path: Path) -> None:
    """The leakage gate writes the held-out index (every release's val/test records) only when what it holds
    changed: after an edit to a train record it hands the previous one on, by reference; after an edit to a
    held-out record it writes it again. Either way, a clean build of the same sources publishes the same index."""
    first = apply(small_release)
    release = Path(first["release_uri"])
    split_of = {row["id"]: row["split"] for shard in (release / "data").rglob("alpha-*.jsonl")
                for row in map(json.loads, shard.read_text().splitlines())}
    train = next(record_id for record_id, split in sorted(split_of.items()) if split == "train")
    held = next(record_id for record_id, split in sorted(split_of.items()) if split in ("val", "test"))
    index = {path.name: path.read_bytes() for path in (release / "heldout").iterdir()}

    def edit(record_id: str, text: str) -> dict[str, Any]:
        rows = [json.loads(line) for line in small_release.data_file("alpha").read_text().splitlines()]
        next(row for row in rows if row["cid"] == record_id)["dialog"][0]["text"] = text
        write_jsonl(small_release.data_file("alpha"), rows)
        report = apply(small_release)
        assert {row["id"]: row["split"] for shard in (release / "data").rglob("alpha-*.jsonl")
                for row in map(json.loads, shard.read_text().splitlines())} == split_of
        return _step(report, "release/leakage")

    leakage = edit(train, "an edited message of a train record")
    # alpha's held-out records are read again (its pack changed), beta's taken from the previous run
    assert leakage.get("stats") == {"index_reused": 1, "families_read": 1}, leakage
    assert {path.name: path.read_bytes() for path in (release / "heldout").iterdir()} == index
    assert "index_reused" not in (edit(held, "an edited message of a held-out record").get("stats") or {})
    rewritten = {path.name: path.read_bytes() for path in (release / "heldout").iterdir()}
    assert rewritten["entries.tsv"] != index["entries.tsv"]
    copy = ReleaseFixture(tmp_path / "elsewhere" / "checkout")
    shutil.copytree(small_release.dir, copy.dir, ignore=shutil.ignore_patterns(".releasebuild", "release.lock",
                                                                               "published"))
    clean = Path(apply(copy, str(tmp_path / "root-two"))["release_uri"])
    assert {path.name: path.read_bytes() for path in (clean / "heldout").iterdir()} == rewritten
