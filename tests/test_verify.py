"""`releasebuild verify`: a published release checked against its manifest, locally and on S3 (moto's server)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

import pytest
from conftest import S3_BUCKET, S3Server

from releasebuild import api, cli
from releasebuild.errors import EXIT_ERROR, EXIT_GATE_BLOCKED, EXIT_OK
from releasebuild.store.backends import LocalStore
from releasebuild.testing import conversation, make_release, restricted_dir

VERSION = "v2026-11-23"


def _families() -> dict[str, list[Any]]:
    alpha = [conversation(f"a{i:02d}", f"sa{i // 3}", turns=2 + i % 3) for i in range(12)]
    beta = [conversation(f"b{i:02d}", f"sb{i // 2}", topic="grief") for i in range(12)] + ["{not json"]
    return {"alpha": alpha, "beta": beta}


@pytest.fixture(scope="module")
def published_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root holding one published release (built once: tests that tamper with it work on a copy)."""
    fixture = make_release(tmp_path_factory.mktemp("verify") / "rel", _families())
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    return fixture.dir / "published"


@pytest.fixture
def root(published_root: Path, tmp_path: Path) -> Path:
    """A copy of the published root to tamper with (copies, never links: the cache's blobs stay intact)."""
    return Path(shutil.copytree(published_root, tmp_path / "root"))


def prefix_of(root: Path) -> Path:
    return root / "releases" / VERSION


def manifest_of(root: Path) -> dict[str, Any]:
    return json.loads((prefix_of(root) / "manifest.json").read_text())


def edit_manifest(root: Path, **changes: Any) -> dict[str, Any]:
    manifest = {**manifest_of(root), **changes}
    (prefix_of(root) / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def first_shard(root: Path) -> str:
    return next(art["key"] for art in manifest_of(root)["artifacts"] if art["kind"] == "shard")


def verify(uri: str | Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    """Run `releasebuild verify URI --json`; stdout must be exactly one JSON document."""
    code = cli.main(["verify", str(uri), "--json", *extra])
    out = capsys.readouterr().out
    return code, json.loads(out)


def findings(report: dict[str, Any], check: str | None = None) -> list[tuple[str, str]]:
    return [(f["key"], f["what"]) for f in report["findings"] if check is None or f["check"] == check]


def test_a_fresh_release_is_sound(published_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = verify(prefix_of(published_root), capsys)
    assert code == EXIT_OK, report["findings"]
    assert report["sound"] is True and report["findings"] == [] and report["version"] == VERSION
    checks = {check["check"]: check for check in report["checks"]}
    assert list(checks) == ["manifest", "schema", "artifacts", "root_digest", "unlisted", "records", "gates",
                            "signoffs", "restricted"]
    assert all(check["status"] == "ok" for check in checks.values())
    manifest = manifest_of(published_root)
    assert checks["artifacts"]["checked"] == len(manifest["artifacts"])
    assert checks["unlisted"]["checked"] == len(manifest["artifacts"]) + 1  # and manifest.json
    assert checks["restricted"]["checked"] == len(manifest["restricted"]["files"]) > 0
    assert checks["records"]["checked"] > sum(art["kind"] == "shard" for art in manifest["artifacts"])
    # With a trailing slash, or naming the manifest: the same release.
    assert cli.main(["verify", f"{prefix_of(published_root)}/"]) == EXIT_OK
    text = capsys.readouterr().out
    assert "  artifacts    ok" in text
    assert text.splitlines()[-1] == f"verified {VERSION} at {prefix_of(published_root)}: sound"
    assert verify(prefix_of(published_root) / "manifest.json", capsys)[0] == EXIT_OK


def test_json_stdout_is_one_document_in_a_separate_process(published_root: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "releasebuild", "verify", str(prefix_of(published_root)), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == EXIT_OK, done.stderr
    assert json.loads(done.stdout)["sound"] is True


def test_a_warn_gate_passes_and_is_listed(published_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = json.loads((prefix_of(published_root) / "gates" / "summary.json").read_text())
    privacy = next(gate for gate in summary["gates"] if gate["id"] == "privacy")
    assert (privacy["status"], privacy["blocking"]) == ("warn", True)  # patterns_only mode: pass with warn
    code, report = verify(prefix_of(published_root), capsys)
    assert code == EXIT_OK
    warning = {"check": "gates", "key": "gates/privacy.json", "what": "gate privacy passed with warn"}
    assert warning in report["warnings"]


def test_a_flipped_byte_in_a_shard_is_a_sha256_mismatch(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shard = first_shard(root)
    path = prefix_of(root) / shard
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_GATE_BLOCKED and report["sound"] is False
    ((key, what),) = findings(report, "artifacts")
    assert key == shard and what.startswith("sha256 mismatch")
    assert cli.main(["verify", str(prefix_of(root))]) == EXIT_GATE_BLOCKED
    text = capsys.readouterr().out
    assert f"  {shard}: sha256 mismatch" in text and "  artifacts    FAIL" in text
    assert text.splitlines()[-1] == f"verified {VERSION} at {prefix_of(root)}: 1 mismatch"


def test_a_truncated_object_is_a_size_mismatch(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = prefix_of(root) / "provenance" / "alpha.jsonl"
    path.write_bytes(path.read_bytes()[:-5])
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_GATE_BLOCKED
    ((key, what),) = findings(report)
    assert key == "provenance/alpha.jsonl" and what.startswith("size mismatch")


def test_a_deleted_object_is_missing(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (prefix_of(root) / "release_notes.md").unlink()
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_GATE_BLOCKED
    ((key, what),) = findings(report)
    assert key == "release_notes.md" and what.startswith("missing")


def test_an_extra_object_under_the_prefix_is_unlisted(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (prefix_of(root) / "data" / "train" / "zeta-00000.jsonl").write_text('{"id": "smuggled"}\n')
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_GATE_BLOCKED
    assert findings(report) == [("data/train/zeta-00000.jsonl",
                                 "unlisted object: under the release prefix but not in the manifest")]


def test_a_wrong_family_record_count_is_a_finding(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    families = manifest_of(root)["families"]
    families["alpha"]["records"]["train"] += 1
    edit_manifest(root, families=families)  # manifest.json is no artifact: every hash still matches
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_GATE_BLOCKED
    whats = [what for key, what in findings(report, "records") if key == "manifest.json"]
    assert any(what.startswith("record count mismatch: families.alpha.records.train is") for what in whats)
    assert findings(report, "artifacts") == []


def test_a_shard_whose_lines_differ_from_its_record_count(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = manifest_of(root)
    shard = next(art for art in manifest["artifacts"] if art["kind"] == "shard")
    shard["records"] += 1
    edit_manifest(root, artifacts=manifest["artifacts"])
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_GATE_BLOCKED
    assert (shard["key"], f"record count mismatch: {shard['records'] - 1} lines, the manifest says "
                          f"{shard['records']}") in findings(report, "records")


def test_a_blocking_gate_marked_fail_is_a_finding(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gates = manifest_of(root)["gates"]
    gates["results"]["quarantine"] = "fail"
    edit_manifest(root, gates=gates)
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_GATE_BLOCKED
    assert ("manifest.json", "blocking gate quarantine failed") in findings(report, "gates")
    gates["results"]["quarantine"], gates["status"], gates["blocked_by"] = "pass", "fail", ["quarantine"]
    edit_manifest(root, gates=gates)
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_GATE_BLOCKED
    assert [what for _, what in findings(report, "gates")] == [
        "gates.status is fail: a release that failed its gates was published", "gates.blocked_by names quarantine"]


def test_a_schema_invalid_manifest_names_every_error_by_path(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    families = manifest_of(root)["families"]
    families["alpha"]["stage"] = 9
    edit_manifest(root, families=families, shipped_by="someone")
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_GATE_BLOCKED
    whats = [what for key, what in findings(report, "schema") if key == "manifest.json"]
    assert any(what.startswith("schema: $: ") and "'shipped_by'" in what for what in whats)
    assert any(what.startswith("schema: $.families.alpha.stage: 9 is greater than") for what in whats)


def test_a_manifest_without_artifacts_is_reported_not_crashed_on(root: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    manifest = manifest_of(root)
    del manifest["artifacts"]
    (prefix_of(root) / "manifest.json").write_text(json.dumps(manifest))
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_GATE_BLOCKED
    assert any("'artifacts' is a required property" in what for _, what in findings(report, "schema"))
    assert any(what.startswith("not checked: the manifest does not follow its schema")
               for _, what in findings(report, "artifacts"))


def test_a_missing_or_broken_manifest(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = prefix_of(root) / "manifest.json"
    manifest.write_text("{not json")
    code, report = verify(prefix_of(root), capsys)
    assert (code, findings(report)) == (EXIT_GATE_BLOCKED, [("manifest.json", "not JSON")])
    manifest.write_text("[]")
    code, report = verify(prefix_of(root), capsys)
    assert (code, findings(report)) == (EXIT_GATE_BLOCKED, [("manifest.json", "not a JSON object")])
    manifest.unlink()
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_GATE_BLOCKED
    assert findings(report) == [("manifest.json", "no manifest.json: not published or publish did not finish")]


def test_restricted_files_are_checked_and_access_denied_only_warns(published_root: Path, root: Path,
                                                                   capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    restricted = manifest_of(root)["restricted"]
    in_set = restricted_dir(root, VERSION).relative_to(root)
    first, second = (f"{in_set}/{entry['key']}" for entry in restricted["files"][:2])
    (root / first).write_bytes(b"tampered\n")
    (root / second).unlink()
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_GATE_BLOCKED
    assert [(key, what.split(":")[0]) for key, what in findings(report)] == [(first, "size mismatch"),
                                                                             (second, "missing")]
    shutil.copytree(published_root / "restricted", root / "restricted", dirs_exist_ok=True)
    real_open = LocalStore.open

    def denied(self: LocalStore, uri: str, block_size: int | None = None) -> IO[bytes]:
        if "/restricted/" in uri:
            raise PermissionError(13, "Permission denied", uri)
        return real_open(self, uri, block_size)

    monkeypatch.setattr(LocalStore, "open", denied)
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_OK, report["findings"]
    denials = [w for w in report["warnings"] if w["check"] == "restricted"]
    assert len(denials) == len(restricted["files"])
    assert all(w["what"].startswith("not accessible") for w in denials)


def test_restricted_files_published_before_sets_are_found_directly_under_the_version(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A release published before restricted sets holds its restricted files directly under restricted/<version>/:
    verify reads them there, and finds a tampered one."""
    in_set = restricted_dir(root, VERSION)
    for path in list(in_set.iterdir()):
        path.rename(in_set.parent / path.name)
    in_set.rmdir()
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_OK, report["findings"]
    assert {check["check"]: check["checked"] for check in report["checks"]}["restricted"] > 0
    key = manifest_of(root)["restricted"]["files"][0]["key"]
    (in_set.parent / key).write_bytes(b"tampered\n")
    code, report = verify(prefix_of(root), capsys)
    assert [(found, what.split(":")[0]) for found, what in findings(report)] == [
        (f"restricted/{VERSION}/{key}", "size mismatch")]


def test_withdrawn_records_are_listed_and_verification_still_passes(root: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    entry = {"version": VERSION, "family": "alpha", "id": "a03", "record_digest": "sha256:" + "0" * 64,
             "split": "train", "shard": "data/train/alpha-00000.jsonl", "reason": "consent withdrawn",
             "revoked_by": "v2026-12-01"}
    other = {**entry, "version": "v2026-01-01", "id": "a04"}
    (root / "revocations.json").write_text(json.dumps({"format": 1, "revocations": [other, entry], "searched": {}}))
    code, report = verify(prefix_of(root), capsys)
    assert code == EXIT_OK
    assert report["withdrawn"] == [{name: entry[name] for name in
                                    ("family", "id", "split", "shard", "reason", "revoked_by")}]
    assert cli.main(["verify", str(prefix_of(root))]) == EXIT_OK
    assert "  alpha/a03 (train, data/train/alpha-00000.jsonl): consent withdrawn" in capsys.readouterr().out


def test_usage_errors_exit_1(published_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["verify", str(prefix_of(published_root)), "--jobs", "0"])
    assert exit_info.value.code == EXIT_ERROR
    assert "--jobs" in capsys.readouterr().err


def test_verify_on_s3_fails_on_a_tampered_object(tmp_path: Path, s3_server: S3Server,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    fixture = make_release(tmp_path / "rel", _families(), root=f"s3://{S3_BUCKET}/exports")
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    uri = f"s3://{S3_BUCKET}/exports/releases/{VERSION}"
    code, verified = verify(uri, capsys)
    assert code == EXIT_OK, verified["findings"]
    assert {check["check"]: check["checked"] for check in verified["checks"]}["restricted"] > 0

    manifest = json.loads(s3_server.client().get_object(Bucket=S3_BUCKET,
                                                        Key=f"exports/releases/{VERSION}/manifest.json")["Body"].read())
    shard = next(art for art in manifest["artifacts"] if art["kind"] == "shard")
    body = s3_server.client().get_object(Bucket=S3_BUCKET, Key=f"exports/releases/{VERSION}/{shard['key']}")
    data = body["Body"].read()
    tampered = data.replace(b"turn 0", b"turn 9", 1)
    assert tampered != data and len(tampered) == len(data)
    s3_server.client().put_object(Bucket=S3_BUCKET, Key=f"exports/releases/{VERSION}/{shard['key']}", Body=tampered)
    code, verified = verify(uri + "/", capsys)
    assert code == EXIT_GATE_BLOCKED
    ((key, what),) = findings(verified)
    assert key == shard["key"] and what.startswith("sha256 mismatch")
    # Missing and unlisted objects are found through the store's listing and HEADs as well.
    s3_server.client().delete_object(Bucket=S3_BUCKET, Key=f"exports/releases/{VERSION}/release_notes.md")
    s3_server.client().put_object(Bucket=S3_BUCKET, Key=f"exports/releases/{VERSION}/extra.txt", Body=b"x")
    code, verified = verify(uri, capsys)
    assert code == EXIT_GATE_BLOCKED
    assert [(key, what.split(":")[0]) for key, what in findings(verified)] == [
        (shard["key"], "sha256 mismatch"), ("release_notes.md", "missing"), ("extra.txt", "unlisted object")]

    s3_server.client().delete_object(Bucket=S3_BUCKET, Key=f"exports/releases/{VERSION}/manifest.json")
    code, verified = verify(uri, capsys)
    assert code == EXIT_GATE_BLOCKED
    assert findings(verified) == [("manifest.json", "no manifest.json: not published or publish did not finish")]


def test_an_unreachable_store_is_an_error_not_a_mismatch(s3_server: S3Server, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVH_S3_ENDPOINT", "http://127.0.0.1:9")  # the discard port: nothing listens
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    code = cli.main(["verify", f"s3://{S3_BUCKET}/exports/releases/{VERSION}", "--json"])
    captured = capsys.readouterr()
    assert code == EXIT_ERROR
    assert json.loads(captured.out)["ok"] is False
    assert "cannot reach the S3 endpoint" in captured.err
