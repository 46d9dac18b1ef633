"""The privacy and provenance gates in a build: redact / drop / block per family, allow-lists, restricted area,
the spot-check sample, takedowns and revocations. Pattern recognizers only (NER has tests of its own and the demo
build); every check reads what a real apply published."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from releasebuild import api, cli
from releasebuild.errors import DefinitionError, GateBlocked
from releasebuild.keys import unit_interval
from releasebuild.steps import parts
from releasebuild.testing import ReleaseFixture, conversation, make_release, restricted_dir, write_jsonl

VERSION = "v2026-11-23"
SECRET_ID = "maya.okafor77@example.org"
# One of each pattern entity, as a client might type it (Presidio rejects 078-05-1120 and 123-45-6789 on purpose).
PLANTED = {
    "EMAIL_ADDRESS": "you can write to me at maya.okafor77@example.org",
    "PHONE_NUMBER": "my cell is (415) 555-0134 if you need it",
    "US_SSN": "the form wanted my social security number, 572-19-1635",
    "CREDIT_CARD": "I paid with my card 4111 1111 1111 1111",
    "IP_ADDRESS": "my router shows 203.0.113.45 when it drops",
    "URL": "I write about it at https://mayas-notes.example.net/blog",
}
VALUES = ["maya.okafor77@example.org", "555-0134", "572-19-1635", "4111 1111 1111 1111", "203.0.113.45",
          "mayas-notes.example.net"]


def with_pii(record_id: str, group: str, sentence: str) -> dict[str, Any]:
    row = conversation(record_id, group)
    row["dialog"][0]["text"] = f"I have not slept well. {sentence}."
    return row


@pytest.fixture
def pii_release(tmp_path: Path) -> ReleaseFixture:
    """alpha: six records with one planted entity each among clean ones; beta: clean."""
    alpha = [conversation(f"a{i:02d}", f"sa{i}") for i in range(6)]
    alpha += [with_pii(f"p{i:02d}", f"sp{i}", sentence) for i, sentence in enumerate(PLANTED.values())]
    beta = [conversation(f"b{i:02d}", f"sb{i}") for i in range(6)]
    return make_release(tmp_path / "rel", {"alpha": alpha, "beta": beta})


def set_privacy(fixture: ReleaseFixture, **settings: Any) -> None:
    fixture.edit_yaml(fixture.dir / "gates" / "privacy.yaml", **settings)


def privacy_outputs(checkout: Path, step_id: str = "alpha/privacy") -> dict[str, dict[str, Any]]:
    """The output files (name -> ref) of each run of a step the checkout's action cache holds, by the run's key."""
    entries = (checkout / ".releasebuild" / "cache" / "ac").rglob("*.json")
    return {path.stem: entry["result"]["files"] for path in entries
            if (entry := json.loads(path.read_bytes())).get("step") == step_id}


def published(fixture: ReleaseFixture) -> Path:
    return fixture.dir / "published" / "releases" / VERSION


def text_under(directory: Path) -> str:
    """Every text file's content (plots are images of counts and family names, and the held-out index's arrays
    hashes and signatures: none holds record text)."""
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(directory.rglob("*"))
                     if path.is_file() and path.suffix not in (".png", ".sig", ".shingles", ".offsets"))


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def records(fixture: ReleaseFixture, family: str) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for shard in sorted((published(fixture) / "data").rglob(f"{family}-*.jsonl"))
            for row in jsonl(shard)}


def test_redact_replaces_each_planted_entity_and_no_value_reaches_the_release(pii_release: ReleaseFixture) -> None:
    set_privacy(pii_release, sample={"rate": 1.0, "seed": 7})  # every record sampled: raw originals are exported
    report = api.apply(pii_release.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    kept = records(pii_release, "alpha")
    for index, entity in enumerate(PLANTED):
        message = kept[f"p{index:02d}"]["messages"][0]["content"]
        assert f"<{entity}_1>" in message, (entity, message)
    release_text = text_under(published(pii_release))
    assert not [value for value in VALUES if value in release_text]
    # The un-redacted originals of sampled records exist only in the restricted area, outside the release prefix.
    restricted = restricted_dir(pii_release.dir / "published", VERSION)
    assert all(value in text_under(restricted) for value in VALUES)
    assert [(path.stat().st_mode & 0o777) for path in (restricted.parent, restricted)] == [0o700, 0o700]
    statuses = {row["id"]: row for row in jsonl(published(pii_release) / "privacy" / "alpha.jsonl")}
    assert statuses["p00"] == {"id": "p00", "status": "redacted", "entities": {"EMAIL_ADDRESS": 1}}
    assert statuses["a00"] == {"id": "a00", "status": "clean"}
    manifest = json.loads((published(pii_release) / "manifest.json").read_text())
    assert manifest["privacy"]["records"]["redacted"] == len(PLANTED)
    assert manifest["privacy"]["mode"] == "patterns_only" and manifest["privacy"]["status"] == "warn"
    assert "not_scanned" not in json.dumps(manifest)
    assert {f["key"] for f in manifest["restricted"]["files"]} >= {"qa/alpha.sample.raw.jsonl", "dropped/alpha.jsonl"}
    assert sum(shard["redacted"] for shard in manifest["privacy"]["shards"].values()) == len(PLANTED)
    # Each redacted record's provenance carries the redaction in its chain.
    index = {row["id"]: row for row in jsonl(published(pii_release) / "provenance" / "alpha.jsonl")}
    assert [step["step"] for step in index["p00"]["chain"]] == ["mapping", "privacy"]
    assert index["p00"]["chain"][1] == {"step": "privacy", "decision": "redacted", "entities": {"EMAIL_ADDRESS": 1}}


def test_block_policy_fails_the_release_names_records_and_publishes_nothing(pii_release: ReleaseFixture,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    set_privacy(pii_release, families={"alpha": {"policy": "block"}})
    assert cli.main(["apply", str(pii_release.release_yaml), "--json"]) == 3
    out = json.loads(capsys.readouterr().out)
    assert "blocked by gate(s) privacy" in out["error"]
    assert f"privacy: alpha: {len(PLANTED)} PII finding(s) in a family whose policy is block" in out["error"]
    assert not (pii_release.dir / "published" / "releases").exists()
    assert not (pii_release.dir / "published" / "restricted").exists()
    blocked = pii_release.dir / ".releasebuild" / "blocked" / VERSION
    report = json.loads((blocked / "gates" / "privacy.json").read_text())
    (alpha,) = [family for family in report["families"] if family["family"] == "alpha"]
    assert alpha["status"] == "fail" and alpha["offending_records"] == len(PLANTED)
    listed = {(row["id"], row["entity"]) for row in alpha["records_listed"]}
    assert listed == {(f"p{i:02d}", entity) for i, entity in enumerate(PLANTED)}
    row = alpha["records_listed"][0]
    assert set(row) == {"family", "id", "source", "locator", "field", "message", "entity", "start", "end", "score",
                        "why"}
    assert row["source"] == "../data/alpha.jsonl" and row["locator"]["line"] >= 7
    assert not [value for value in VALUES if value in text_under(blocked)]  # spans, never the text


def test_drop_policy_quarantines_records_and_keeps_their_text_out_of_the_release(pii_release: ReleaseFixture) -> None:
    set_privacy(pii_release, families={"alpha": {"policy": "drop"}})
    report = api.apply(pii_release.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    assert set(records(pii_release, "alpha")) == {f"a{i:02d}" for i in range(6)}
    quarantine = jsonl(published(pii_release) / "quarantine" / "privacy" / "alpha.jsonl")
    assert {row["id"] for row in quarantine} == {f"p{i:02d}" for i in range(len(PLANTED))}
    assert {row["code"] for row in quarantine} == {"pii_dropped"}
    assert not [value for value in VALUES if value in text_under(published(pii_release))]
    dropped = jsonl(restricted_dir(pii_release.dir / "published", VERSION) / "dropped" / "alpha.jsonl")
    assert {row["id"] for row in dropped} == {row["id"] for row in quarantine}
    # Provenance survives the drop: the index lists the record, with the decision and no split.
    index = {row["id"]: row for row in jsonl(published(pii_release) / "provenance" / "alpha.jsonl")}
    assert index["p01"]["split"] is None and index["p01"]["chain"][-1]["decision"] == "dropped"
    assert len(index) == 6 + len(PLANTED)


def test_allow_listed_text_passes_and_the_reason_is_recorded(pii_release: ReleaseFixture) -> None:
    reason = "the family's public support inbox"
    set_privacy(pii_release, families={"alpha": {"allow": [
        {"text": "maya.okafor77@example.org", "entity": "EMAIL_ADDRESS", "reason": reason}]}})
    report = api.apply(pii_release.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    assert "maya.okafor77@example.org" in records(pii_release, "alpha")["p00"]["messages"][0]["content"]
    gate = json.loads((published(pii_release) / "gates" / "privacy.json").read_text())
    (alpha,) = [family for family in gate["families"] if family["family"] == "alpha"]
    assert alpha["allowed"] == [{"reason": reason, "text": "maya.okafor77@example.org", "entity": "EMAIL_ADDRESS",
                                 "findings": 1}]
    assert alpha["status_counts"] == {"clean": 7, "redacted": len(PLANTED) - 1}


def test_public_helplines_are_content_not_pii(tmp_path: Path) -> None:
    row = conversation("h00", "sh0")
    row["dialog"][1]["text"] = "Please call or text 988, or the Samaritans on 116 123, any time."
    fixture = make_release(tmp_path / "rel", {"alpha": [row, conversation("h01", "sh1")]})
    assert api.apply(fixture.release_yaml, jobs=1).outcome.error is None
    assert records(fixture, "alpha")["h00"]["messages"][1]["content"] == row["dialog"][1]["text"]


def test_sample_is_recorded_with_its_seed_and_reproducible(pii_release: ReleaseFixture, tmp_path: Path) -> None:
    set_privacy(pii_release, sample={"rate": 0.5, "seed": 11})
    assert api.apply(pii_release.release_yaml, jobs=2).outcome.error is None
    protocol = json.loads((published(pii_release) / "qa" / "alpha.sample.json").read_text())
    ids = [f"a{i:02d}" for i in range(6)] + [f"p{i:02d}" for i in range(len(PLANTED))]
    expected = sorted(i for i in ids if unit_interval("privacy-sample:11", i) < 0.5)
    assert protocol["ids"] == expected and protocol["size"] == len(expected) and 0 < len(expected) < len(ids)
    assert protocol["seed"] == 11 and protocol["rate"] == 0.5 and protocol["method"].startswith("bernoulli")
    exported = jsonl(published(pii_release) / "qa" / "alpha.sample.jsonl")
    assert [row["id"] for row in exported] == expected
    assert not [value for value in VALUES if value in json.dumps(exported)]  # redacted text only
    set_privacy(pii_release, sample={"rate": 0.5, "seed": 12})
    assert api.apply(pii_release.release_yaml, jobs=2).outcome.error is None
    other = json.loads((published(pii_release) / "qa" / "alpha.sample.json").read_text())
    assert other["ids"] != expected


def test_a_threshold_change_rejudges_without_rescanning(pii_release: ReleaseFixture) -> None:
    assert api.apply(pii_release.release_yaml, jobs=2).outcome.error is None
    set_privacy(pii_release, entities={"EMAIL_ADDRESS": 0.5, "US_SSN": 0.5})  # stop redacting the others
    report = api.apply(pii_release.release_yaml, jobs=2).to_json()
    step = next(step for step in report["steps"] if step["id"] == "alpha/privacy")
    assert step["status"] == "ran" and step["stats"]["messages_scanned"] == 0
    assert "555-0134" in records(pii_release, "alpha")["p01"]["messages"][0]["content"]
    assert "<US_SSN_1>" in records(pii_release, "alpha")["p02"]["messages"][0]["content"]


def test_ner_mode_without_its_model_is_a_definition_error(pii_release: ReleaseFixture) -> None:
    set_privacy(pii_release, mode="ner", model="en_core_web_not_installed")
    with pytest.raises(DefinitionError) as caught:
        api.plan(pii_release.release_yaml)
    (message,) = [str(d) for d in caught.value.diagnostics]
    assert message.startswith("gates/privacy.yaml:1:7: privacy mode 'ner' needs the spaCy model")
    assert "patterns_only" in message


def test_a_record_missing_required_provenance_fails_the_gate(tmp_path: Path) -> None:
    rows = [conversation(f"a{i:02d}", f"sa{i}") for i in range(4)]
    del rows[2]["topic"]  # the family maps `topic` into metadata; this row has none
    fixture = make_release(tmp_path / "rel", {"alpha": rows},
                           gates={"quarantine": "gates/quarantine.yaml", "privacy": "gates/privacy.yaml",
                                  "provenance": {"require_metadata": ["topic"]}})
    report = api.apply(fixture.release_yaml, jobs=1)
    assert isinstance(report.outcome.error, GateBlocked) and report.outcome.error.failed == ["provenance"]
    blocked = json.loads((fixture.dir / ".releasebuild/blocked" / VERSION / "gates/provenance.json").read_text())
    (alpha,) = blocked["families"]
    assert alpha["records_listed"] == [{"family": "alpha", "id": "a02", "source": "../data/alpha.jsonl",
                                        "locator": {"line": 3}, "missing": ["metadata.topic"]}]
    assert not (fixture.dir / "published" / "releases").exists()  # only the attempt's reports, under attempts/


def test_takedowns_remove_records_here_and_revoke_earlier_copies(pii_release: ReleaseFixture) -> None:
    assert api.apply(pii_release.release_yaml, jobs=2).outcome.error is None
    earlier = {row["id"]: row for row in jsonl(published(pii_release) / "provenance" / "alpha.jsonl")}
    pii_release.edit_yaml(pii_release.release_yaml, version="v2026-12-01",
                          takedowns=[{"id": "a03", "family": "alpha", "reason": "consent withdrawn"}])
    report = api.apply(pii_release.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    later = pii_release.dir / "published" / "releases" / "v2026-12-01"
    manifest = json.loads((later / "manifest.json").read_text())
    assert manifest["takedowns"] == [{"id": "a03", "family": "alpha", "reason": "consent withdrawn", "applied": True,
                                      "removed": ["alpha/a03"]}]
    assert "a03" not in {row["id"] for row in jsonl(later / "provenance" / "alpha.jsonl")}
    revocations = json.loads((pii_release.dir / "published" / "revocations.json").read_text())
    assert revocations["revocations"] == [{
        "version": VERSION, "family": "alpha", "id": "a03", "record_digest": earlier["a03"]["record_digest"],
        "split": earlier["a03"]["split"], "shard": earlier["a03"]["shard"], "reason": "consent withdrawn",
        "revoked_by": "v2026-12-01"}]


@pytest.mark.parametrize("settings, expected", [
    ({"blocking": False}, "gates/privacy.yaml:3:11: the privacy gate must block on a protected root"),
    ({"mode": "patterns_only"}, "gates/privacy.yaml:1:7: a protected root needs privacy mode 'ner'"),
    ({"salt": None}, "gates/privacy.yaml:1:1: a protected root needs the privacy gate's own `salt`"),
])
def test_a_protected_root_refuses_the_fail_open_privacy_settings(pii_release: ReleaseFixture, settings: dict[str, Any],
                                                                 expected: str) -> None:
    pii_release.edit_yaml(pii_release.release_yaml, root={"uri": "prod", "protected": True},
                          signoffs={"required": ["clinician_qa"]})
    (pii_release.dir / "gates" / "privacy.yaml").write_text(
        "\n".join(f"{key}: {str(value).lower()}" for key, value in
                  {"mode": "ner", "salt": "protected-salt", **settings}.items() if value is not None) + "\n")
    with pytest.raises(DefinitionError) as caught:
        api.validate(pii_release.release_yaml)
    (diagnostic,) = caught.value.diagnostics
    assert str(diagnostic).startswith(expected), diagnostic


def test_a_root_marked_protected_refuses_patterns_only_and_blocks_whatever_release_yaml_says(
        pii_release: ReleaseFixture, capsys: pytest.CaptureFixture[str]) -> None:
    # The protection is the root's own (its marker), not this release.yaml's: a definition pointed at it still
    # fails closed.
    root = pii_release.dir / "published"
    root.mkdir()
    (root / "releasebuild-root.json").write_text('{"protected": true}')
    assert cli.main(["plan", str(pii_release.release_yaml), "--json"]) == 4
    assert "patterns_only" in json.loads(capsys.readouterr().out)["error"]
    set_privacy(pii_release, mode="ner", blocking=False, families={"alpha": {"policy": "block"}})
    assert cli.main(["plan", str(pii_release.release_yaml), "--json"]) == 4  # the published split salt would key it
    assert "own `salt`" in json.loads(capsys.readouterr().out)["error"]
    set_privacy(pii_release, salt="this-root-only-salt")
    assert cli.main(["apply", str(pii_release.release_yaml), "--json"]) == 3
    assert "blocked by gate(s) privacy" in json.loads(capsys.readouterr().out)["error"]
    assert not (root / "releases").exists()


@pytest.mark.parametrize(("policy", "part_records"), [("redact", parts.PART_RECORDS), ("drop", parts.PART_RECORDS),
                                                     ("redact", 2), ("drop", 2)])
def test_a_rerun_from_the_scan_memo_publishes_what_a_clean_build_does(tmp_path: Path, policy: str,
                                                                       part_records: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A rerun copies the rows its previous scan table holds and writes the records none of whose texts is flagged
    straight through: after edits that put PII into a clean record, take it out of a flagged one and add a record
    whose flagged text the table holds, with flagged records (one by its id) and clean ones left alone, it
    publishes the bytes of a clean build of the same sources, restricted files included. In parts of about two
    records (the workers fork with the patched size), it hands the parts no edit touched on as they were and makes
    the others: every file it keeps, parts and memo tables included, is the clean build's."""
    monkeypatch.setattr(parts, "PART_RECORDS", part_records)
    alpha = [conversation(f"a{i:02d}", f"sa{i}") for i in range(6)]
    alpha += [with_pii(f"p{i:02d}", f"sp{i}", sentence) for i, sentence in enumerate(PLANTED.values())]
    alpha.append(conversation(SECRET_ID, "sx"))  # an id that is PII: its keyed hash everywhere, its text cached
    fixture = make_release(tmp_path / "rel", {"alpha": alpha, "beta": [conversation("b00", "sb0")]})
    set_privacy(fixture, families={"alpha": {"policy": policy}}, sample={"rate": 0.5, "seed": 3})
    assert api.apply(fixture.release_yaml, jobs=2).outcome.error is None  # the scan table the rerun starts from
    alpha[1]["dialog"][0]["text"] = "call me on (415) 555-0199 after six"  # clean -> PII
    alpha[6]["dialog"][0]["text"] = "I have not slept well."  # PII -> clean
    alpha.append(with_pii("p99", "sp99", PLANTED["EMAIL_ADDRESS"]))  # its flagged text is p00's old one
    write_jsonl(fixture.data_file("alpha"), alpha)
    rerun = api.apply(fixture.release_yaml, str(tmp_path / "root-one"), jobs=2)
    assert rerun.outcome.error is None, rerun.outcome.error
    (step,) = [step for step in rerun.to_json()["steps"] if step["id"] == "alpha/privacy"]
    # the two edited messages, and p99's id, group and second message: the rest come from the table
    assert step["stats"]["messages_scanned"] == 5 and step["stats"]["messages_from_cache"] > 5
    if part_records == 2:
        assert step["stats"]["parts_reused"] >= 2 and 1 <= step["stats"]["parts_made"] <= 4
        for folding in ("alpha/bias", "alpha/stats"):  # the folds over those parts (steps/folds.py) follow them
            (made,) = [step["stats"] for step in rerun.to_json()["steps"] if step["id"] == folding]
            assert made["parts_reused"] >= 1 and made["parts_made"] >= 1, (folding, made)
        (prints,) = [step["stats"] for step in rerun.to_json()["steps"] if step["id"] == "alpha/fingerprint"]
        assert prints["parts_copied"] >= 1 and prints["parts_read"] >= 1, prints  # unchanged parts are not read
    copy = tmp_path / "elsewhere"
    shutil.copytree(fixture.dir, copy, ignore=shutil.ignore_patterns(".releasebuild", "release.lock", "published"))
    clean = api.apply(copy / "release.yaml", str(tmp_path / "root-two"), jobs=2)
    assert clean.outcome.error is None, clean.outcome.error
    (made_afresh,) = privacy_outputs(copy).values()
    assert made_afresh in privacy_outputs(fixture.dir).values()
    assert len(made_afresh) > (20 if part_records == 2 else 10)
    one, two = tmp_path / "root-one", tmp_path / "root-two"
    files = sorted(p.relative_to(one).as_posix() for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two).as_posix() for p in two.rglob("*") if p.is_file())
    assert any(name.startswith("restricted/") for name in files)
    assert [name for name in files if (one / name).read_bytes() != (two / name).read_bytes()] == []
    status = {row["id"]: row["status"] for row in jsonl(one / "releases" / VERSION / "privacy" / "alpha.jsonl")}
    changed = "dropped" if policy == "drop" else "redacted"
    assert status["a01"] == changed and status["p00"] == "clean" and status["p99"] == changed
    assert SECRET_ID not in status and "clean" in status.values()
