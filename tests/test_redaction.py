"""Context-preserving redaction (numbered placeholders, surrogates), names carried across a conversation, and PII in
ids, group keys and metadata. Builds read what a real apply published; pattern recognizers unless NER is the point."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from releasebuild import api
from releasebuild.config.models import RecordRules
from releasebuild.privacy.detector import AllowRule, Finding, propagate_names
from releasebuild.privacy.pseudonyms import Pseudonyms, keyed_id, surrogate
from releasebuild.privacy.redact import redact
from releasebuild.records import Rejected, map_record, value_digest
from releasebuild.testing import ReleaseFixture, conversation, make_release, restricted_dir

VERSION = "v2026-11-23"
EMAIL, OTHER_EMAIL = "maya.okafor77@example.org", "j.brandt@example.com"
SSN, PHONE = "572-19-1635", "(415) 555-0134"


def published(fixture: ReleaseFixture) -> Path:
    return fixture.dir / "published" / "releases" / VERSION


def shipped_text(fixture: ReleaseFixture) -> str:
    """Every published file outside restricted/ (the release, its reports, the cache is elsewhere)."""
    root = fixture.dir / "published"
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in sorted(root.rglob("*"))
                     if path.is_file() and "restricted" not in path.relative_to(root).parts and path.suffix != ".png")


def records(fixture: ReleaseFixture, family: str) -> list[dict[str, Any]]:
    return [json.loads(line) for path in sorted((published(fixture) / "data").rglob(f"{family}-*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]


def restricted_rows(fixture: ReleaseFixture, name: str) -> list[dict[str, Any]]:
    path = restricted_dir(fixture.dir / "published", VERSION) / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def with_turns(record_id: str, group: str, *texts: str) -> dict[str, Any]:
    row = conversation(record_id, group, turns=len(texts))
    for turn, text in zip(row["dialog"], texts, strict=True):
        turn["text"] = text
    return row


@pytest.fixture
def chat_release(tmp_path: Path) -> ReleaseFixture:
    """One conversation that mentions the same email in two turns and another email once; clean neighbours."""
    rows = [conversation(f"c{i:02d}", f"g{i}") for i in range(6)]
    rows.append(with_turns("pii", "gp", f"write to {EMAIL} please", f"ok, {EMAIL} it is, or {OTHER_EMAIL}",
                           f"again: {EMAIL}", f"ssn {SSN}"))
    return make_release(tmp_path / "rel", {"alpha": rows})


def test_placeholders_are_numbered_per_conversation(chat_release: ReleaseFixture) -> None:
    report = api.apply(chat_release.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    (record,) = [r for r in records(chat_release, "alpha") if r["id"] == "pii"]
    turns = [message["content"] for message in record["messages"]]
    assert turns == ["write to <EMAIL_ADDRESS_1> please", "ok, <EMAIL_ADDRESS_1> it is, or <EMAIL_ADDRESS_2>",
                     "again: <EMAIL_ADDRESS_1>", "ssn <US_SSN_1>"]
    (mapping,) = restricted_rows(chat_release, "pseudonyms/alpha.jsonl")
    assert {(v["entity"], v["number"], tuple(v["originals"])) for v in mapping["values"]} == {
        ("EMAIL_ADDRESS", 1, (EMAIL,)), ("EMAIL_ADDRESS", 2, (OTHER_EMAIL,)), ("US_SSN", 1, (SSN,))}
    assert EMAIL not in shipped_text(chat_release)


def test_surrogates_are_realistic_deterministic_and_the_mapping_stays_restricted(tmp_path: Path) -> None:
    def build(where: str) -> tuple[list[str], ReleaseFixture]:
        rows = [conversation(f"c{i:02d}", f"g{i}") for i in range(6)]
        rows.append(with_turns("pii", "gp", f"write to {EMAIL} please", f"ok, {EMAIL} it is, or {OTHER_EMAIL}",
                               f"ssn {SSN}, phone {PHONE}"))
        fixture = make_release(tmp_path / where, {"alpha": rows})
        fixture.edit_yaml(fixture.dir / "gates" / "privacy.yaml", mode="patterns_only", redact="surrogate",
                          salt="a-secret-salt-for-tests")
        report = api.apply(fixture.release_yaml, jobs=2)
        assert report.outcome.error is None, report.outcome.error
        (record,) = [r for r in records(fixture, "alpha") if r["id"] == "pii"]
        return [message["content"] for message in record["messages"]], fixture

    first, fixture = build("one")
    again, _ = build("two")  # another root, cold cache: the same surrogates
    assert first == again
    emails = re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", " ".join(first))
    assert len(emails) == 3 and EMAIL not in emails and OTHER_EMAIL not in emails
    assert emails[0] == emails[1] != emails[2]  # one address, one surrogate; two addresses, two
    ssn = re.search(r"ssn (\S+),", first[2])
    assert ssn and re.fullmatch(r"\d{3}-\d{2}-\d{4}", ssn.group(1)) and ssn.group(1) != SSN
    assert "<" not in " ".join(first) and "555-0134" not in first[2]
    shipped = shipped_text(fixture)
    assert EMAIL not in shipped and SSN not in shipped and "a-secret-salt-for-tests" not in shipped
    (mapping,) = restricted_rows(fixture, "pseudonyms/alpha.jsonl")
    assert {v["replacement"] for v in mapping["values"] if v["entity"] == "EMAIL_ADDRESS"} == {emails[0], emails[2]}


def test_surrogates_keep_type_script_case_and_the_mention_form() -> None:
    assert surrogate("PERSON", "Maria Lopez", "s") == surrogate("PERSON", "Maria Lopez", "s")
    assert surrogate("PERSON", "Maria Lopez", "s") != surrogate("PERSON", "Maria Lopez", "t")
    assert surrogate("PERSON", "maria", "s").islower() and surrogate("PERSON", "MARIA", "s").isupper()
    assert re.fullmatch(r"[А-Яа-яЁё .-]+", surrogate("PERSON", "Анна Петрова", "s"))
    assert re.fullmatch(r"[A-Z]\d{7}", surrogate("US_DRIVER_LICENSE", "D1234567", "s"))
    assert re.fullmatch(r"\d+", surrogate("YEAR", "2019", "s"))
    pseudonyms = Pseudonyms("surrogate", "salt", "r1")
    text = "Maria Lopez called. maria said Lopez knows."
    found = [Finding(0, 11, "PERSON", 0.9), Finding(20, 25, "PERSON", 0.9), Finding(31, 36, "PERSON", 0.9)]
    out = pseudonyms.final(redact(text, found, pseudonyms))
    full = out[:out.index(" called")]
    first_name, last_name = full.split()
    assert out == f"{full} called. {first_name.lower()} said {last_name} knows."
    assert "Maria" not in out and "Lopez" not in out


def test_a_name_found_in_one_turn_is_redacted_in_every_turn() -> None:
    texts = ["My sister Wojciechowska called", "wojciechowska never listens", "Rose said the sun rose early"]
    found = [[Finding(10, 23, "PERSON", 0.85)], [], [Finding(0, 4, "PERSON", 0.7)]]
    out = propagate_names(texts, found, [])
    assert [(f.start, f.end) for f in out[1]] == [(0, 13)]  # any case for a word that is no vocabulary
    assert [(f.start, f.end) for f in out[2]] == [(0, 4)]  # "rose" the verb stays: vocabulary matches as written
    allowed = propagate_names(texts, found, [AllowRule("persona", text="wojciechowska never")])
    assert allowed[1] == []


def test_a_name_across_turns_with_ner(tmp_path: Path) -> None:
    """NER finds the name where a cue makes it clear; the later bare mention is redacted as the same person."""
    rows = [conversation(f"c{i:02d}", f"g{i}") for i in range(6)]
    rows.append(with_turns("pii", "gp", "My name is Siobhan Okonkwo and I cannot sleep.",
                           "what keeps you up?", "okonkwo family stuff, my dad mostly"))
    fixture = make_release(tmp_path / "rel", {"alpha": rows})
    fixture.edit_yaml(fixture.dir / "gates" / "privacy.yaml", mode="ner")
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    (record,) = [r for r in records(fixture, "alpha") if r["id"] == "pii"]
    turns = [message["content"] for message in record["messages"]]
    assert turns[0] == "My name is <PERSON_1> and I cannot sleep."
    assert turns[2] == "<PERSON_1> family stuff, my dad mostly"


def test_pii_in_ids_group_keys_and_metadata_never_reaches_the_release(tmp_path: Path) -> None:
    rows = [conversation(f"c{i:02d}", f"g{i}") for i in range(6)]
    planted = conversation(EMAIL, SSN, topic=f"call me on {PHONE}")
    rows.append(planted)
    fixture = make_release(tmp_path / "rel", {"alpha": rows})
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    shipped = shipped_text(fixture)
    for value in (EMAIL, SSN, PHONE, "555-0134"):
        assert value not in shipped, value
    public_id = keyed_id("fixture-salt", EMAIL)
    (record,) = [r for r in records(fixture, "alpha") if r["id"].startswith("pid-")]
    assert record["id"] == record["provenance"]["record_id"] == public_id
    assert record["metadata"]["topic"] == "call me on <PHONE_NUMBER_1>"
    manifest = json.loads((published(fixture) / "manifest.json").read_text())
    assert public_id in json.dumps(manifest) or public_id in shipped
    (mapping,) = restricted_rows(fixture, "pseudonyms/alpha.jsonl")
    assert mapping["id"] == EMAIL and mapping["public_id"] == public_id
    assert mapping["group"] == SSN and mapping["public_group"] == keyed_id("fixture-salt", SSN)


def test_a_rejected_role_is_named_by_digest_never_echoed() -> None:
    """Quarantine rows are published: a role field that holds an address is named by its digest."""
    rules = RecordRules.model_validate({"name": "fam", "format": "jsonl", "mapping": {"messages": {
        "field": "dialog", "role": "speaker", "content": "text", "roles": {"usr": "user", "sys": "assistant"}}}})
    row = {"id": "r1", "dialog": [{"speaker": EMAIL, "text": "hello"}, {"speaker": "sys", "text": "hi"}]}
    with pytest.raises(Rejected) as rejected:
        map_record(row, rules)
    assert rejected.value.code == "unknown_role" and EMAIL not in rejected.value.detail
    assert value_digest(EMAIL) in rejected.value.detail
