"""The audit trail (issue 25, item 6): every release publishes the definition it was built from, with the git
commit and whether the definition differed from it, and the release.lock it was built by, listed in the manifest
like every other artifact. (A blocked
apply's reports under <root>/attempts/ are tested on S3, in tests/test_s3.py.)"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from releasebuild import api
from releasebuild.config.load import load_definition
from releasebuild.gates import GATES
from releasebuild.testing import ReleaseFixture, applied, conversation, make_release, ran
from releasebuild.verify import verify_release

VERSION = "v2026-11-23"


def release(tmp_path: Path) -> ReleaseFixture:
    alpha = [conversation(f"a{i:02d}", f"sa{i // 3}") for i in range(10)]
    return make_release(tmp_path / "rel", {"alpha": alpha}, takedowns=[{"id": "a03", "reason": "withdrawn consent"}])


def published(fixture: ReleaseFixture) -> Path:
    return fixture.dir / "published" / "releases" / VERSION


def git(directory: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(directory), "-c", "user.name=t", "-c", "user.email=t@example.org",
                           "-c", "commit.gpgsign=false", *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_definition_is_published_byte_for_byte_and_listed(tmp_path: Path) -> None:
    fixture = release(tmp_path)
    applied(fixture)
    prefix = published(fixture)
    manifest = json.loads((prefix / "manifest.json").read_text())
    listed = {art["key"]: art for art in manifest["artifacts"] if art["kind"] == "definition"}
    files = load_definition(fixture.release_yaml, GATES).files
    assert set(files) == set(manifest["definition"]["files_sha256"]) >= {"release.yaml", "families/alpha.yaml",
                                                                          "gates/privacy.yaml"}
    assert set(listed) == {f"definition/{name}" for name in files} | {"definition/git.json", "definition/release.lock"}
    for name in files:
        assert (prefix / "definition" / name).read_bytes() == (fixture.dir / name).read_bytes()
        assert listed[f"definition/{name}"]["sha256"] == files[name]
    assert json.loads((prefix / "definition" / "git.json").read_text()) == {
        "checkout": "not a git checkout (or git is not installed)", "commit": None, "dirty": None,
        "files_differing_from_commit": [], "secrets_withheld_in": []}


def test_git_commit_and_dirtiness_are_recorded_and_a_commit_alone_rebuilds_nothing(tmp_path: Path) -> None:
    fixture = release(tmp_path)
    git(fixture.dir, "init", "-q")
    (fixture.dir / ".gitignore").write_text("published/\n.releasebuild/\n")
    git(fixture.dir, "add", "-A")
    git(fixture.dir, "commit", "-q", "-m", "definition")
    first = applied(fixture)
    recorded = json.loads((published(fixture) / "definition" / "git.json").read_text())
    assert recorded == {"checkout": "git", "commit": git(fixture.dir, "rev-parse", "HEAD"), "dirty": False,
                        "files_differing_from_commit": [], "secrets_withheld_in": []}

    # A commit that does not touch the definition (nor release.lock, which apply wrote) rebuilds nothing.
    (fixture.dir / "README.md").write_text("notes\n")
    git(fixture.dir, "add", "-A")
    git(fixture.dir, "commit", "-q", "-m", "docs")
    again = applied(fixture)
    assert ran(again) == set() and again["root_digest"] == first["root_digest"]

    # An uncommitted edit of a definition file is published as such.
    with (fixture.dir / "gates" / "quarantine.yaml").open("a") as fh:
        fh.write("# reviewed\n")
    edited = applied(fixture)
    assert "release/definition" in ran(edited) and edited["root_digest"] != first["root_digest"]
    recorded = json.loads((published(fixture) / "definition" / "git.json").read_text())
    assert recorded["dirty"] is True and recorded["files_differing_from_commit"] == ["gates/quarantine.yaml"]
    assert recorded["commit"] == git(fixture.dir, "rev-parse", "HEAD")


def test_a_secret_in_a_definition_file_is_withheld(tmp_path: Path) -> None:
    fixture = release(tmp_path)
    fixture.edit_yaml(fixture.dir / "gates" / "privacy.yaml", salt="a-secret-salt-for-tests")
    applied(fixture)
    prefix = published(fixture)
    published_file = (prefix / "definition" / "gates" / "privacy.yaml").read_text()
    assert "a-secret-salt-for-tests" not in published_file and "salt: WITHHELD-SECRET" in published_file
    leaking = [path for path in prefix.rglob("*") if path.is_file() and b"a-secret-salt-for-tests" in path.read_bytes()]
    assert leaking == []
    assert json.loads((prefix / "definition" / "git.json").read_text())["secrets_withheld_in"] == ["gates/privacy.yaml"]


def test_release_lock_is_published_as_the_checkout_keeps_it(tmp_path: Path) -> None:
    """release/lock makes release.lock before the manifest, which lists it: the published definition/release.lock
    and the checkout's are the same bytes, saying this version was published, and `plan` finds nothing to do."""
    fixture = release(tmp_path)
    applied(fixture)
    prefix = published(fixture)
    local = (fixture.dir / "release.lock").read_bytes()
    assert (prefix / "definition" / "release.lock").read_bytes() == local
    manifest = json.loads((prefix / "manifest.json").read_text())
    (entry,) = [art for art in manifest["artifacts"] if art["key"] == "definition/release.lock"]
    assert entry["sha256"] == hashlib.sha256(local).hexdigest() and entry["kind"] == "definition"
    lock = json.loads(local)
    assert lock["release"] == VERSION and lock["last_attempt"] == {"version": VERSION, "outcome": "published",
                                                                   "why": None}
    assert {"alpha/ingest", "alpha/export", "alpha/provenance"} <= set(lock["families"]["alpha"]["steps"])
    assert lock["definition"]["families"]["alpha"]["index"] == next(
        art["sha256"] for art in manifest["artifacts"] if art["key"] == "provenance/alpha.jsonl")
    assert verify_release(str(prefix)).sound
    plan = api.plan(fixture.release_yaml)
    assert not plan.has_changes and plan.changes == []


def test_a_blocked_apply_moves_only_last_attempt_and_leaves_the_published_lock(tmp_path: Path) -> None:
    fixture = release(tmp_path)
    applied(fixture)
    lock_path = fixture.dir / "release.lock"
    before = json.loads(lock_path.read_text())
    published_lock = (published(fixture) / "definition" / "release.lock").read_bytes()
    fixture.edit_yaml(fixture.release_yaml, coverage={"required": {"alpha": {"min_records": 1000}}})
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is not None and report.outcome.error.exit_code == 3
    after = json.loads(lock_path.read_text())
    assert after["last_attempt"] == {"version": VERSION, "outcome": "blocked", "why": "blocked by coverage"}
    assert {key: value for key, value in after.items() if key != "last_attempt"} == {
        key: value for key, value in before.items() if key != "last_attempt"}
    assert (published(fixture) / "definition" / "release.lock").read_bytes() == published_lock

    fixture.edit_yaml(fixture.release_yaml, coverage={"required": {}})
    applied(fixture)
    assert lock_path.read_bytes() == (published(fixture) / "definition" / "release.lock").read_bytes()
    assert json.loads(lock_path.read_text())["last_attempt"]["outcome"] == "published"
