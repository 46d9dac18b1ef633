"""Signed sign-offs: OpenSSH signatures verified against allowed_signers, with real ssh-keygen and real keys.

Each forged or misused signature blocks, in `status` and in the gate, with a reason naming the review and the key's
fingerprint; a proper one passes, and a carried approval keeps its signature and is verified again."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from releasebuild import api, cli
from releasebuild.errors import DefinitionError, GateBlocked, Refused, ReleaseBuildError
from releasebuild.manifest_proof import body, seal
from releasebuild.review import commands
from releasebuild.review.record import SignoffRecord, render_record
from releasebuild.review.signature import (
    DEMO_KEY,
    NAMESPACE,
    Trust,
    demo_fingerprint,
    demo_public_key,
    sign,
    verify,
)
from releasebuild.testing import ReleaseFixture, conversation, make_release, signing_key
from releasebuild.verify import verify_release

VERSION = "v2026-11-23"
LATER = "v2026-12-01"
AT = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
REVIEWS = {"clinician_qa": {"roles": ["clinician"], "stages": ["foundation", "edge"], "size": 5},
           "edge_case_review": {"roles": ["clinician"], "families": ["edge"], "size": 4}}


@pytest.fixture
def signed(tmp_path: Path) -> ReleaseFixture:
    """A foundation and an edge family, two reviews, and gates/allowed_signers as the tests' keys fill it."""
    rows = {prefix: [conversation(f"{prefix}{i:02d}", f"{prefix}-s{i}", text=f"{prefix} talk") for i in range(12)]
            for prefix in ("alpha", "edge")}
    fixture = make_release(tmp_path / "rel", rows, signoffs={})
    (fixture.dir / "gates" / "signoff.yaml").write_text(yaml.safe_dump({"reviews": REVIEWS}))
    fixture.edit_yaml(fixture.release_yaml, gates={**yaml.safe_load(fixture.release_yaml.read_text())["gates"],
                                                   "signoff": "gates/signoff.yaml"})
    return fixture


def record(fixture: ReleaseFixture, review: str, reviewer: str = "dr-a", decision: str = "approve",
           key: Path | None = None, **extra: object) -> Path:
    digest = commands.export_samples(fixture.release_yaml)["reviews"][review]
    fields = {"sample": digest, "reviewer": {"id": reviewer, "role": "clinician"}, "decision": decision,
              "rubric": {"*": "pass"}, **extra}
    path, _ = commands.record(fixture.release_yaml, review, fields, at=AT, key=key or signing_key(fixture, reviewer))
    return path


def row(fixture: ReleaseFixture, review: str) -> dict:
    return next(entry for entry in commands.status(fixture.release_yaml)["reviews"] if entry["review"] == review)


def fingerprint(public: Path) -> str:
    """The key's fingerprint as OpenSSH prints it (`ssh-keygen -l`), to check the one the reasons name."""
    return subprocess.run(["ssh-keygen", "-l", "-f", str(public)], capture_output=True, text=True,
                          check=True).stdout.split()[1]


def rewrite(path: Path, change: Callable[[dict], None], new_id: bool = True) -> None:
    """Edit a record as a forger would: change fields, recompute the id (anyone can), keep the signature."""
    data = yaml.safe_load(path.read_text())
    change(data)
    if new_id:
        data["id"] = SignoffRecord.model_validate(data).expected_id()
    path.write_text(render_record(SignoffRecord.model_validate(data)))


def blocked_reason(fixture: ReleaseFixture) -> str:
    outcome = api.apply(fixture.release_yaml).outcome
    assert isinstance(outcome.error, GateBlocked) and outcome.error.failed == ["signoff"]
    return str(outcome.error)


def allowed_signers(fixture: ReleaseFixture) -> Path:
    return fixture.dir / "gates" / "allowed_signers"


def test_a_signed_record_passes_and_every_view_names_its_key(signed: ReleaseFixture,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = record(signed, "clinician_qa")
    record(signed, "edge_case_review")
    key = fingerprint(signed.dir / "keys" / "dr-a.pub")
    assert "-----BEGIN SSH SIGNATURE-----" in path.read_text()
    shown = row(signed, "clinician_qa")
    assert (shown["status"], shown["signature"], shown["key"]) == ("approved", "verified", key)
    assert cli.main(["status", str(signed.release_yaml)]) == 0
    assert f"signature verified, key {key}" in capsys.readouterr().out
    assert api.apply(signed.release_yaml).outcome.error is None
    release = signed.dir / "published" / "releases" / VERSION
    manifest = json.loads((release / "manifest.json").read_text())
    assert manifest["signoffs"]["reviews"]["clinician_qa"]["key"] == key
    assert f"verified ({key})" in (release / "gates" / "signoff.md").read_text()
    assert (release / "signoffs" / "clinician_qa.yaml").read_bytes() == path.read_bytes()  # signature included
    # who was allowed to sign is in the audit trail: allowed_signers is published with the definition, and listed
    allowed = signed.dir / "gates" / "allowed_signers"
    assert (release / "definition" / "gates" / "allowed_signers").read_bytes() == allowed.read_bytes()
    assert "definition/gates/allowed_signers" in {art["key"] for art in manifest["artifacts"]}


def test_an_unsigned_record_blocks(signed: ReleaseFixture) -> None:
    path = record(signed, "clinician_qa")
    record(signed, "edge_case_review")
    rewrite(path, lambda data: data.pop("signature"), new_id=False)
    shown = row(signed, "clinician_qa")
    assert (shown["status"], shown["signature"], shown["key"]) == ("unsigned", "unsigned", None)
    assert "clinician_qa: unsigned: " in blocked_reason(signed) and "the record is not signed" in shown["why"]


def _forge_digest(fixture: ReleaseFixture, path: Path) -> None:
    """The data changed after the review; the forger pastes this build's digests into the old approval."""
    rows = fixture.data_file("alpha").read_text().splitlines()
    fixture.data_file("alpha").write_text("\n".join(rows[:-1]) + "\n")
    sample = json.loads((Path(commands.export_samples(fixture.release_yaml)["out"]) / "qa" / "clinician_qa" /
                         "sample.json").read_text())
    assert row(fixture, "clinician_qa")["status"] == "stale"

    def paste(data: dict) -> None:
        data["sample"]["digest"] = sample["digest"]
        for name, family in data["sample"]["families"].items():
            family.update({key: sample["families"][name][key] for key in ("digest", "records", "size")})
    rewrite(path, paste)


def _copy_the_id(fixture: ReleaseFixture, path: Path) -> None:
    """A reject turned into an approval, with the id the error message suggests pasted in."""
    record(fixture, "clinician_qa", decision="reject", notes="a01 gives medication advice")
    path.write_text(path.read_text().replace("decision: reject", "decision: approve"))
    with pytest.raises(DefinitionError) as caught:
        api.validate(fixture.release_yaml)
    suggested = re.search(r"\((clinician_qa-[0-9a-f]{12})\)", str(caught.value))
    assert suggested is not None
    path.write_text(re.sub(r"^id: .*$", f"id: {suggested.group(1)}", path.read_text(), flags=re.M))


def _wrong_namespace(fixture: ReleaseFixture, path: Path) -> None:
    """A signature by the right key over the right bytes, made for git commits instead."""
    loaded = SignoffRecord.model_validate(yaml.safe_load(path.read_text()))
    git = subprocess.run(["ssh-keygen", "-Y", "sign", "-f", str(fixture.dir / "keys" / "dr-a"), "-n", "git"],
                         input=loaded.signed_payload(), capture_output=True, check=True).stdout.decode()
    rewrite(path, lambda data: data.update(signature=git), new_id=False)


def _expire(fixture: ReleaseFixture, path: Path) -> None:
    """The key's validity ended before the record's recorded_at (2026-11-23)."""
    text = allowed_signers(fixture).read_text()
    allowed_signers(fixture).write_text(text.replace(f'dr-a/* namespaces="{NAMESPACE}"',
                                                     f'dr-a/* namespaces="{NAMESPACE}",valid-before="20261101"'))


def _narrow(fixture: ReleaseFixture, path: Path) -> None:
    """The key may sign the edge-case review only, not clinician QA."""
    allowed_signers(fixture).write_text(allowed_signers(fixture).read_text().replace("dr-a/*", "dr-a/edge_case_*"))


def _revoke(fixture: ReleaseFixture, path: Path) -> None:
    (fixture.dir / "gates" / "revoked_signers").write_text((fixture.dir / "keys" / "dr-a.pub").read_text())


MISUSES = [(_forge_digest, "forged"), (_copy_the_id, "forged"), (_wrong_namespace, "wrong_namespace"),
           (_expire, "expired"), (_narrow, "not_allowed"), (_revoke, "revoked")]


@pytest.mark.parametrize("misuse, state", MISUSES, ids=[misuse.__name__.strip("_") for misuse, _ in MISUSES])
def test_each_forged_or_misused_signature_blocks_naming_the_review_and_the_key(
        signed: ReleaseFixture, misuse: Callable[[ReleaseFixture, Path], None], state: str) -> None:
    path = record(signed, "clinician_qa")
    record(signed, "edge_case_review", reviewer="dr-e")
    misuse(signed, path)
    key = fingerprint(signed.dir / "keys" / "dr-a.pub")
    shown = row(signed, "clinician_qa")
    assert (shown["status"], shown["signature"], shown["key"]) == ("bad_signature", state, key)
    assert key in shown["why"] and "dr-a/clinician_qa" in shown["why"]
    reason = blocked_reason(signed)
    assert re.search(rf"clinician_qa: bad_signature: [^;]*\(dr-a/clinician_qa\): [^;]*{re.escape(key)}", reason)
    assert "edge_case_review" not in reason  # another reviewer's key, untouched


def test_a_key_not_allowed_for_the_review_cannot_record_it(signed: ReleaseFixture) -> None:
    key = signing_key(signed, "dr-e", reviews="edge_case_review")
    record(signed, "edge_case_review", reviewer="dr-e")
    with pytest.raises(Refused) as caught:
        record(signed, "clinician_qa", reviewer="dr-e")
    text = str(caught.value)
    assert f"key {fingerprint(key.with_name('dr-e.pub'))} may not sign as dr-e/clinician_qa" in text
    assert f'add to gates/allowed_signers: dr-e/clinician_qa namespaces="{NAMESPACE}" ssh-ed25519 ' in text
    assert not (signed.dir / "signoffs" / VERSION / "clinician_qa.yaml").exists()


def test_a_signature_over_another_versions_sample_blocks(signed: ReleaseFixture) -> None:
    earlier = record(signed, "clinician_qa")
    signed.edit_yaml(signed.release_yaml, version=LATER)
    signed.data_file("edge").write_text("\n".join(signed.data_file("edge").read_text().splitlines()[:-1]) + "\n")
    current = commands.export_samples(signed.release_yaml)["reviews"]["clinician_qa"]
    assert row(signed, "clinician_qa")["status"] == "pending"  # another sample: nothing is carried
    out = Path(commands.export_samples(signed.release_yaml)["out"]) / "qa" / "clinician_qa" / "sample.json"
    sample = json.loads(out.read_text())
    copy = signed.dir / "signoffs" / LATER / "clinician_qa.yaml"
    copy.parent.mkdir(parents=True)
    copy.write_text(earlier.read_text())

    def claim_this_version(data: dict) -> None:
        data["version"] = LATER
        data["sample"]["digest"] = current
        for name, family in data["sample"]["families"].items():
            family.update({key: sample["families"][name][key] for key in ("digest", "records", "size")})
    rewrite(copy, claim_this_version)
    shown = row(signed, "clinician_qa")
    assert (shown["status"], shown["signature"]) == ("bad_signature", "forged")
    assert fingerprint(signed.dir / "keys" / "dr-a.pub") in shown["why"]


def test_a_carried_approval_keeps_its_signature_and_is_verified_again(signed: ReleaseFixture) -> None:
    record(signed, "clinician_qa")
    record(signed, "edge_case_review")
    signed.edit_yaml(signed.release_yaml, version=LATER)  # the same samples
    commands.export_samples(signed.release_yaml)
    key = fingerprint(signed.dir / "keys" / "dr-a.pub")
    shown = row(signed, "clinician_qa")
    assert (shown["status"], shown["carried_from"], shown["signature"], shown["key"]) == \
        ("approved", VERSION, "verified", key)
    _revoke(signed, signed.dir / "signoffs" / VERSION / "clinician_qa.yaml")
    shown = row(signed, "clinician_qa")
    assert (shown["status"], shown["carried_from"], shown["signature"]) == ("bad_signature", VERSION, "revoked")
    assert f"key {key} is revoked" in shown["why"]


def test_a_protected_root_refuses_the_demo_key_wherever_it_is_listed(signed: ReleaseFixture,
                                                                    tmp_path: Path) -> None:
    demo_key = tmp_path / "demo_key"
    shutil.copyfile(DEMO_KEY, demo_key)
    demo_key.chmod(0o600)
    with allowed_signers(signed).open("a") as fh:  # someone lists the public demo key for a person
        fh.write(f'dr-d/* namespaces="{NAMESPACE}" {demo_public_key()}\n')
    record(signed, "clinician_qa", reviewer="dr-d", key=demo_key)
    assert row(signed, "clinician_qa")["status"] == "approved"  # an unprotected root takes it
    signed.edit_yaml(signed.release_yaml, root={"uri": "prod", "protected": True})
    signed.edit_yaml(signed.dir / "gates" / "privacy.yaml", mode="ner", salt="protected-root-salt")
    commands.export_samples(signed.release_yaml)  # the same records, scanned as a protected root needs
    shown = row(signed, "clinician_qa")
    assert shown["status"] == "demo_refused" and f"signed with the demo key {demo_fingerprint()}" in shown["why"]


def test_without_ssh_keygen_nothing_verifies(signed: ReleaseFixture, monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    path = record(signed, "clinician_qa")
    loaded = SignoffRecord.model_validate(yaml.safe_load(path.read_text()))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ReleaseBuildError, match="ssh-keygen .* is not on PATH"):
        verify(loaded.signed_payload(), loaded.signature, "dr-a/clinician_qa", AT, Trust("", "", demo=False))


def _rewrite_release(prefix: Path, files: dict[str, bytes], change: Callable[[dict], None] = lambda _: None) -> None:
    """Rewrite a published release as whoever can write its prefix could: files, their artifact entries and the
    manifest, sealed again, so sizes, SHA-256s and the root digest all agree (only a signature can tell)."""
    manifest = json.loads((prefix / "manifest.json").read_text())
    for key, data in files.items():
        (prefix / key).write_bytes(data)
        entry = next(art for art in manifest["artifacts"] if art["key"] == key)
        entry.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    change(manifest)
    (prefix / "manifest.json").write_text(json.dumps(seal(body(manifest)), indent=2, sort_keys=True) + "\n")


def test_verify_checks_each_published_signature_again_against_the_published_signers(
        signed: ReleaseFixture, capsys: pytest.CaptureFixture[str]) -> None:
    record(signed, "clinician_qa")
    record(signed, "edge_case_review", reviewer="dr-e")
    assert api.apply(signed.release_yaml).outcome.error is None
    prefix = signed.dir / "published" / "releases" / VERSION
    manifest = json.loads((prefix / "manifest.json").read_text())
    assert manifest["signoffs"]["signers"] == {"allowed_signers": "definition/gates/allowed_signers",
                                               "revoked_signers": None, "demo_key_trusted": True}
    report = verify_release(str(prefix))
    assert report.sound and report.checked["signoffs"] == 2
    key = fingerprint(signed.dir / "keys" / "dr-a.pub")
    pristine = {path: path.read_bytes() for path in prefix.rglob("*") if path.is_file()}

    def restore() -> None:
        for path, data in pristine.items():
            path.write_bytes(data)

    # dr-a's line taken out of the published allowed_signers: the approval no longer verifies
    allowed = (prefix / "definition/gates/allowed_signers").read_text()
    _rewrite_release(prefix, {"definition/gates/allowed_signers": "".join(
        line + "\n" for line in allowed.splitlines() if not line.startswith("dr-a/")).encode()})
    report = verify_release(str(prefix))
    assert [(finding.check, finding.key) for finding in report.findings] == [
        ("signoffs", "signoffs/clinician_qa.yaml")] * 2
    assert all(finding.what.startswith("review clinician_qa: ") and key in finding.what
               for finding in report.findings)
    assert f"not_allowed: key {key} is not in allowed_signers" in report.findings[0].what
    assert cli.main(["verify", str(prefix)]) == 3
    assert f"key {key}" in capsys.readouterr().out
    restore()

    # the published record edited (another sample's digest pasted, the id recomputed): a forged signature
    path = prefix / "signoffs" / "clinician_qa.yaml"
    rewrite(path, lambda data: data["sample"].update(digest="sha256:" + "0" * 64))
    forged = SignoffRecord.model_validate(yaml.safe_load(path.read_text()))
    _rewrite_release(prefix, {"signoffs/clinician_qa.yaml": path.read_bytes()}, lambda manifest: manifest[
        "signoffs"]["reviews"]["clinician_qa"].update(id=forged.id))
    whats = [finding.what for finding in verify_release(str(prefix)).findings]
    assert whats and all(what.startswith("review clinician_qa: ") for what in whats)
    assert any(f"forged: the signature by key {key} does not match the record's content" in what for what in whats)
    restore()

    # a manifest from before the signers were named: not checked again, and said so
    _rewrite_release(prefix, {}, lambda manifest: manifest["signoffs"].pop("signers"))
    report = verify_release(str(prefix))
    assert report.sound and [warning.check for warning in report.warnings if warning.check == "signoffs"] == [
        "signoffs"]


def test_a_record_dated_in_the_future_is_refused_naming_the_review(signed: ReleaseFixture) -> None:
    now = dt.datetime.now(dt.UTC)
    path = record(signed, "clinician_qa")
    ahead = SignoffRecord.model_validate(yaml.safe_load(path.read_text()))
    for offset, refused in ((dt.timedelta(minutes=2), False), (dt.timedelta(hours=1), True)):
        when = (now + offset).replace(microsecond=0)
        key = signed.dir / "keys" / "dr-a"
        unsigned = ahead.model_copy(update={"recorded_at": when, "signature": None})
        dated = unsigned.model_copy(update={"id": unsigned.expected_id()})
        path.write_text(render_record(dated.model_copy(update={"signature": sign(dated.signed_payload(), key)})))
        if not refused:  # within the clock skew allowed
            assert row(signed, "clinician_qa")["status"] == "approved"
            continue
        with pytest.raises(DefinitionError) as caught:
            api.validate(signed.release_yaml)
        (message,) = [str(diagnostic) for diagnostic in caught.value.diagnostics]
        assert message.startswith(f"signoffs/{VERSION}/clinician_qa.yaml:") and "review clinician_qa" in message
        assert "in the future" in message
        with pytest.raises(DefinitionError, match="review clinician_qa"):
            api.apply(signed.release_yaml)  # before any step runs: no verdict that depends on the clock is cached
    # an earlier version's record, which the next version would carry, is refused the same way
    signed.edit_yaml(signed.release_yaml, version=LATER)
    with pytest.raises(DefinitionError, match=rf"signoffs/{VERSION}/clinician_qa.yaml:.*review clinician_qa"):
        row(signed, "clinician_qa")
