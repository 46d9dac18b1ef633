"""Secrets never shown (issue 27): credentials inside URIs and the values of a rule's pass-through variables are
redacted from errors, the CLI's output (text, --json, progress) and what an apply records (release.lock)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import S3_BUCKET, S3Server

from releasebuild import api, cli
from releasebuild.redaction import redact
from releasebuild.testing import ReleaseFixture

TOKEN = "tok-5e3c1d9a-never-shown"
URI_KEY = "AKIAURICREDENTIAL001"
URI_SECRET = "uri/Secret+Value0123456"  # S3 secret keys hold "/" and "+"

LEAKY_SCRIPT = ("import os, sys\n"
                "print('auth failed with ' + os.environ['RB_SECRET_TOKEN'], file=sys.stderr)\n"
                "sys.exit(3)\n")


@pytest.mark.unit
def test_redact_scrubs_uri_credentials_and_leaves_paths_alone() -> None:
    text = (f"cannot list s3://{URI_KEY}:{URI_SECRET}@bucket/raw/a.jsonl nor https://user:{TOKEN}@host/x "
            f"nor https://{TOKEN}@github.com/org/repo; s3://bucket/key@v2 and user@example.org are no secrets")
    assert redact(text) == ("cannot list s3://***@bucket/raw/a.jsonl nor https://***@host/x nor "
                            "https://***@github.com/org/repo; s3://bucket/key@v2 and user@example.org are no secrets")


def test_a_failing_rules_pass_through_token_is_never_shown_or_recorded(
        small_release: ReleaseFixture, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (small_release.dir / "scripts").mkdir()
    (small_release.dir / "scripts" / "leak.py").write_text(LEAKY_SCRIPT)
    small_release.edit_yaml(small_release.release_yaml, rules=[
        {"name": "leaky", "cmd": ["{python}", "scripts/leak.py"], "inputs": ["scripts/leak.py"],
         "env": ["RB_SECRET_TOKEN"], "outputs": ["out.jsonl"]}])
    monkeypatch.setenv("RB_SECRET_TOKEN", TOKEN)

    for argv in (["apply", str(small_release.release_yaml), "--jobs", "2"],
                 ["apply", str(small_release.release_yaml), "--jobs", "2", "--json"]):
        code = cli.main(argv)
        out, err = capsys.readouterr()
        assert code == 1
        assert "rule 'leaky' exited with status 3" in out + err and "auth failed with ***" in out + err
        assert TOKEN not in out + err
    lock = (small_release.dir / "release.lock").read_text()
    assert "rule 'leaky' exited with status 3" in lock and TOKEN not in lock  # last_attempt says why, not the token

    report = api.apply(small_release.release_yaml, jobs=2)  # the library's caller sees the same
    assert report.outcome.error is not None and TOKEN not in str(report.outcome.error)
    assert TOKEN not in str(report.to_json())


def test_credentials_inside_a_uri_are_never_shown(small_release: ReleaseFixture, s3_server: S3Server,
                                                  capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = f"s3://{URI_KEY}:{URI_SECRET}@{S3_BUCKET}/raw/alpha.jsonl"
    small_release.edit_yaml(small_release.family_yaml("alpha"), sources=[source])
    for argv in (["plan", str(small_release.release_yaml)], ["apply", str(small_release.release_yaml), "--json"],
                 ["plan", str(small_release.release_yaml), "--json", "--root",
                  f"s3://{URI_KEY}:{URI_SECRET}@{S3_BUCKET}/exports"]):
        code = cli.main(argv)
        out, err = capsys.readouterr()
        assert code == 1 and "s3://***@" in out + err, (argv, out, err)
        assert URI_KEY not in out + err and URI_SECRET not in out + err, (argv, out, err)
    lock = small_release.dir / "release.lock"
    assert not lock.exists() or URI_SECRET not in lock.read_text()
