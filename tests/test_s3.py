"""S3 as the canonical store: sources, root and shared cache on a real S3-compatible server (moto, over HTTP)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY, S3Server

from releasebuild import api, cli
from releasebuild.errors import Refused
from releasebuild.review import commands
from releasebuild.store.root import ReleaseRoot
from releasebuild.testing import (
    ReleaseFixture,
    applied,
    conversation,
    make_release,
    parse_access_line,
    plan_against_apply,
    ran,
    signing_key,
)

ROOT = f"s3://{S3_BUCKET}/exports"
PREFIX = "exports/releases/v2026-11-23/"
APPLY_LOCK = f"/{S3_BUCKET}/exports/locks/apply.json"


@pytest.fixture
def s3_release(tmp_path: Path, s3_server: S3Server) -> ReleaseFixture:
    """Two families whose sources live in the bucket (alpha in two objects), publishing to s3://pixel-data/exports."""
    alpha = [conversation(f"a{i:02d}", f"sa{i // 3}", turns=2 + i % 3) for i in range(12)]
    beta = [conversation(f"b{i:02d}", f"sb{i // 2}", topic="grief") for i in range(10)] + ["{not json"]
    fixture = make_release(tmp_path / "rel", {"alpha": alpha, "beta": beta}, root=ROOT)
    client = s3_server.client()
    client.put_object(Bucket=S3_BUCKET, Key="raw/alpha/part-0.jsonl", Body=_jsonl(alpha[:6]))
    client.put_object(Bucket=S3_BUCKET, Key="raw/alpha/part-1.jsonl", Body=_jsonl(alpha[6:]))
    client.put_object(Bucket=S3_BUCKET, Key="raw/beta.jsonl", Body=fixture.data_file("beta").read_bytes())
    fixture.edit_yaml(fixture.family_yaml("alpha"), sources=[f"s3://{S3_BUCKET}/raw/alpha/*.jsonl"])
    fixture.edit_yaml(fixture.family_yaml("beta"), sources=[f"s3://{S3_BUCKET}/raw/beta.jsonl"])
    shutil.rmtree(fixture.dir / "data")  # nothing local: every byte comes from the bucket
    s3_server.requests.clear()
    return fixture


def _jsonl(rows: list[Any]) -> bytes:
    return b"".join((row if isinstance(row, str) else json.dumps(row)).encode() + b"\n" for row in rows)


def published_manifest(server: S3Server) -> dict[str, Any]:
    body = server.client().get_object(Bucket=S3_BUCKET, Key=PREFIX + "manifest.json")["Body"].read()
    return json.loads(body)


def test_apply_publishes_to_s3_and_every_object_matches_the_manifest(s3_release: ReleaseFixture,
                                                                      s3_server: S3Server) -> None:
    report = applied(s3_release)
    assert report["release_uri"] == f"{ROOT}/releases/v2026-11-23/"
    manifest = published_manifest(s3_server)
    assert manifest["families"]["alpha"]["records"]["total"] == 12
    assert manifest["families"]["beta"]["quarantined"] == 1
    client = s3_server.client()
    for art in manifest["artifacts"]:
        body = client.get_object(Bucket=S3_BUCKET, Key=PREFIX + art["key"])["Body"].read()
        assert (len(body), hashlib.sha256(body).hexdigest()) == (art["bytes"], art["sha256"])
    assert sorted(s3_server.keys(PREFIX)) == sorted([PREFIX + "manifest.json"] + [PREFIX + a["key"]
                                                                                  for a in manifest["artifacts"]])
    # S3 sources are fingerprinted by ETag, and provenance names the object.
    lock = json.loads((s3_release.dir / "release.lock").read_text())
    inputs = lock["families"]["alpha"]["steps"]["alpha/ingest"]["inputs"]
    assert set(inputs) == {f"source:s3://{S3_BUCKET}/raw/alpha/part-0.jsonl",
                           f"source:s3://{S3_BUCKET}/raw/alpha/part-1.jsonl"}
    assert all(value.startswith("etag:") for value in inputs.values())
    # The shared cache tier lives at <root>/cache/.
    assert any(key.startswith("exports/cache/ac/") for key in s3_server.keys("exports/cache/"))


def test_noop_plan_and_apply_against_s3_download_no_object_body(s3_release: ReleaseFixture,
                                                                s3_server: S3Server) -> None:
    applied(s3_release)
    s3_server.requests.clear()
    plan = api.plan(s3_release.release_yaml)
    assert plan.has_changes is False
    report = applied(s3_release)
    assert ran(report) == set()
    assert s3_server.requests, "the server saw no request at all: the test would prove nothing"
    # The apply lock is read once, at its release, to delete only our version of it (a DELETE with If-Match on the
    # ETag of that GET): a lock's few bytes, no data object
    assert [path for path in s3_server.object_gets() if path != APPLY_LOCK] == []
    assert s3_server.object_gets().count(APPLY_LOCK) <= 1


def test_a_changed_s3_source_plans_exactly_what_apply_runs(s3_release: ReleaseFixture, s3_server: S3Server) -> None:
    """A new object under alpha's prefix: a plan that computes nothing shows it with its size (from the listing: no
    body read), its family "known after apply"; a plain plan reads that object alone (its budget covers mapping it)
    and gives the exact delta; apply runs only what plan said."""
    applied(s3_release)
    extra = _jsonl([conversation("a99", "sa99")])
    s3_server.client().put_object(Bucket=S3_BUCKET, Key="raw/alpha/part-2.jsonl", Body=extra)
    s3_server.requests.clear()
    plan = api.plan(s3_release.release_yaml, compute_budget=0)
    assert [(c.op, c.kind, c.subject, c.new) for c in plan.changes] == [
        ("+", "source", f"alpha: s3://{S3_BUCKET}/raw/alpha/part-2.jsonl", len(extra)),
        ("~", "records", "alpha", None)]
    assert s3_server.object_gets() == []  # sizes and ETags come from the listing
    plain = api.plan(s3_release.release_yaml)
    assert [path for path in s3_server.object_gets() if "/raw/" in path] == [f"/{S3_BUCKET}/raw/alpha/part-2.jsonl"]
    assert "alpha/ingest" in plain.computed["steps"] and not [s for s in plain.steps if s.status == "may_run"]
    (exact,) = [change for change in plain.changes if change.kind == "records"]
    assert exact.subject.startswith("alpha/") and exact.new["added"] == 1
    planned = {step.id: step.status for step in plan.steps}
    assert not any(status == "will_run" for step, status in planned.items() if step.startswith("beta/"))
    computed = api.plan(s3_release.release_yaml, against="published", compute_data=True)
    (delta,) = [change for change in computed.changes if change.kind == "records"]
    assert delta.subject.startswith("alpha/") and delta.new["added"] == 1
    report = applied(s3_release)
    assert {step for step in ran(report) if planned[step] == "cached"} == set()
    assert {step for step, status in planned.items() if status == "will_run"} <= ran(report) | {
        step.id for step in computed.steps if step.status == "cached"}  # built by --compute-data already
    assert api.plan(s3_release.release_yaml).has_changes is False


def test_an_s3_object_replaced_is_planned_as_exactly_as_apply_runs(s3_release: ReleaseFixture,
                                                                     s3_server: S3Server) -> None:
    """The plan-versus-apply contract of tests/test_plan_changes.py for a source object replaced in place (a new
    ETag, same key): plan names alpha/ingest (from the listing), reads that object to map it in scratch (cheap: its
    budget covers it) and so is exact, as it is with --compute-data; bounded to nothing, it lists what follows
    alpha/ingest as may_run, waiting for its output, which only reading the object tells."""
    applied(s3_release)
    rows = [conversation(f"a{i:02d}", f"sa{i // 3}", turns=2 + i % 3, text="replaced") for i in range(6, 12)]
    s3_server.client().put_object(Bucket=S3_BUCKET, Key="raw/alpha/part-1.jsonl", Body=_jsonl(rows))
    s3_server.requests.clear()
    bounded = {step.id: step for step in api.plan(s3_release.release_yaml, compute_budget=0).steps}
    assert {step_id for step in bounded.values() for step_id in step.waits_for} == {"alpha/ingest"}
    assert s3_server.object_gets() == []
    seen = plan_against_apply(s3_release)
    assert seen.error is None, seen.error
    assert "alpha/ingest" in seen.will_run and "alpha/ingest" in seen.computed
    assert (seen.will_run, seen.may_run) == (seen.run_in_all, set())
    assert (seen.computed_will_run, seen.computed_may_run) == (seen.ran, set())
    assert api.plan(s3_release.release_yaml).has_changes is False


def test_a_clean_machine_reuses_the_shared_cache(s3_release: ReleaseFixture, s3_server: S3Server) -> None:
    first = applied(s3_release)
    client = s3_server.client()
    manifest = client.get_object(Bucket=S3_BUCKET, Key=PREFIX + "manifest.json")["Body"].read()
    shutil.rmtree(s3_release.dir / ".releasebuild")  # local disk is only a cache
    s3_server.requests.clear()
    report = applied(s3_release)
    assert ran(report) == set()
    # It fetched action entries (of both tiers: ingest and privacy are restricted) and the manifest it compares with
    # the published one: no source, no data blob, no release object.
    manifest_sha = hashlib.sha256(manifest).hexdigest()
    manifest_blob = f"/{S3_BUCKET}/exports/cache/cas/sha256/{manifest_sha[:2]}/{manifest_sha[2:]}"
    gets = s3_server.object_gets()
    assert manifest_blob in gets
    entries = (f"/{S3_BUCKET}/exports/cache/ac/", f"/{S3_BUCKET}/exports/restricted/cache/ac/")
    assert any(path.startswith(entries[1]) for path in gets)
    assert [path for path in gets if path not in (manifest_blob, APPLY_LOCK) and not path.startswith(entries)] == []

    # Another clean machine, the release gone: every artifact comes out of the shared tiers (privacy's reports from
    # the restricted one, shards from the general one), byte for byte what the cold build published.
    client.delete_objects(Bucket=S3_BUCKET, Delete={"Objects": [{"Key": key} for key in s3_server.keys(PREFIX)]})
    shutil.rmtree(s3_release.dir / ".releasebuild")
    again = applied(s3_release)
    assert ran(again) == {"release/publish"}
    assert again["root_digest"] == first["root_digest"]
    assert client.get_object(Bucket=S3_BUCKET, Key=PREFIX + "manifest.json")["Body"].read() == manifest
    for art in json.loads(manifest)["artifacts"]:
        body = client.get_object(Bucket=S3_BUCKET, Key=PREFIX + art["key"])["Body"].read()
        assert (len(body), hashlib.sha256(body).hexdigest()) == (art["bytes"], art["sha256"])


def test_a_clean_machine_fetches_only_the_blobs_a_rerun_step_reads(s3_release: ReleaseFixture,
                                                                   s3_server: S3Server, tmp_path: Path) -> None:
    applied(s3_release)
    shutil.rmtree(s3_release.dir / ".releasebuild")
    rows = [conversation(f"b{i:02d}", f"sb{i // 2}", topic="grief") for i in range(10)]
    rows[0]["dialog"][0]["text"] = "An edited opening line."
    s3_server.client().put_object(Bucket=S3_BUCKET, Key="raw/beta.jsonl", Body=_jsonl(rows) + b"{not json\n")
    s3_server.requests.clear()
    report = applied(s3_release)
    # (the leakage gate reruns too: it reads the fingerprints, for the held-out index it publishes)
    assert ran(report) == {"beta/ingest", "beta/privacy", "beta/fingerprint", "release/dedup", "beta/export",
                           "beta/provenance", "beta/stats", "release/coverage", "release/leakage",
                           "release/distribution", "beta/bias", "release/bias", "release/gates", "release/lock",
                           "release/manifest", "release/publish"}
    # The previous privacy scan table comes from the shared tier: only the edited message is scanned again.
    privacy = next(step for step in report["steps"] if step["id"] == "beta/privacy")
    assert privacy["stats"]["messages_scanned"] == 1 and privacy["stats"]["messages_from_cache"] > 0
    # So does the signature pack: only the edited record's two changed texts get new signatures.
    fingerprint = next(step for step in report["steps"] if step["id"] == "beta/fingerprint")
    assert fingerprint["stats"]["signatures_computed"] == 2 and fingerprint["stats"]["signatures_reused"] > 0
    sources = {path for path in s3_server.object_gets() if path.startswith(f"/{S3_BUCKET}/raw/")}
    assert sources == {f"/{S3_BUCKET}/raw/beta.jsonl"}  # alpha's objects were not read
    assert published_manifest(s3_server)["root_digest"] == report["root_digest"]
    # What the rerun steps read of restricted steps' results (beta's previous scan table, alpha's sources.json for
    # the coverage gate) came from the restricted tier.
    assert any(path.startswith(f"/{S3_BUCKET}/exports/restricted/cache/cas/") for path in s3_server.object_gets())
    # The same release as a cold build of the same sources, with no cache and no shared tier.
    shutil.rmtree(s3_release.dir / ".releasebuild")
    cold = api.apply(s3_release.release_yaml, str(tmp_path / "cold-root"), jobs=2)
    assert cold.outcome.error is None, cold.outcome.error
    assert cold.to_json()["root_digest"] == report["root_digest"]


def _in_message(sentence: str) -> Callable[[dict[str, Any]], None]:
    def plant(row: dict[str, Any]) -> None:
        row["dialog"][0]["text"] = f"I have not slept well. {sentence}."

    return plant


def _as(field: str, value: str) -> Callable[[dict[str, Any]], None]:
    """The fixture family maps `cid` to the record's id, `session` to its group key, `topic` to a metadata value."""
    def plant(row: dict[str, Any]) -> None:
        row[field] = value

    return plant


# Raw identifiers, each with how a source row carries it (one planted record per entry): the build must store none
# of them under the root outside <root>/restricted/. A new kind of plant is one more entry.
PLANTS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("rowan.bexley.4417@example.org", _in_message("you can write to me at rowan.bexley.4417@example.org")),
    ("581-26-3947", _in_message("the form wanted my social security number, 581-26-3947")),
    ("(415) 555-0187", _in_message("my cell is (415) 555-0187 if you need it")),
    ("maya.okafor77@example.net", _as("cid", "maya.okafor77@example.net")),  # an id
    ("572-19-1635", _as("session", "572-19-1635")),  # a group key
    ("(312) 555-0143", _as("topic", "call me on (312) 555-0143")),  # a metadata value
]


def _planted_rows() -> list[dict[str, Any]]:
    rows = []
    for index, (_, plant) in enumerate(PLANTS):
        row = conversation(f"p{index:02d}", f"sp{index}")
        plant(row)
        rows.append(row)
    return rows


def _outside_restricted(s3_server: S3Server) -> tuple[dict[str, list[bytes]], list[bytes]]:
    """(the objects under the root but <root>/restricted/ that hold a planted value, with the values; the bodies of
    the restricted cache tier's objects)."""
    client = s3_server.client()
    values = [value.encode() for value, _ in PLANTS]
    found: dict[str, list[bytes]] = {}
    restricted_cache: list[bytes] = []
    for key in s3_server.keys("exports/"):
        body = client.get_object(Bucket=S3_BUCKET, Key=key)["Body"].read()
        hits = [value for value in values if value in body]
        if hits and not key.startswith("exports/restricted/"):
            found[key] = hits
        if key.startswith("exports/restricted/cache/"):
            restricted_cache.append(body)
    return found, restricted_cache


@pytest.mark.parametrize("pushed", [False, True], ids=["built", "pushed-from-a-local-cache"])
def test_no_planted_identifier_is_stored_outside_the_restricted_prefix(s3_release: ReleaseFixture,
                                                                       s3_server: S3Server, tmp_path: Path,
                                                                       pushed: bool) -> None:
    """Every object under the root but <root>/restricted/ (the release, the general cache tier, the root's marker) is
    free of the planted values; their raw text is in the restricted cache tier. `pushed`: the cache was filled for a
    local root first, so the entries reach the shared tiers the other way (pushed when found locally)."""
    s3_server.client().put_object(Bucket=S3_BUCKET, Key="raw/alpha/part-2.jsonl", Body=_jsonl(_planted_rows()))
    # Redacted, and every record's raw original sampled into the restricted area.
    s3_release.edit_yaml(s3_release.dir / "gates" / "privacy.yaml", policy="redact", sample={"rate": 1.0, "seed": 7})
    if pushed:
        local = api.apply(s3_release.release_yaml, str(tmp_path / "local-root"), jobs=2)
        assert local.outcome.error is None, local.outcome.error
    applied(s3_release)
    client = s3_server.client()
    values = [value.encode() for value, _ in PLANTS]
    found, restricted_cache = _outside_restricted(s3_server)
    assert found == {}
    assert s3_server.keys("exports/restricted/cache/ac/") and s3_server.keys("exports/restricted/cache/cas/")
    # Not vacuous: each value entered the build, and the pre-privacy blobs holding it are in the restricted tier.
    assert all(any(value in body for body in restricted_cache) for value in values)
    # The restricted steps' entries (a family's ingest, its per-file maps, its privacy scan) are all in the restricted
    # tier, and only theirs: the other steps share no bytes with them but empty files.
    restricted_steps = {f"{family}/{kind}" for family in ("alpha", "beta") for kind in ("ingest", "privacy")}
    steps = {prefix: {json.loads(client.get_object(Bucket=S3_BUCKET, Key=key)["Body"].read())["step"].split(":")[0]
                      for key in s3_server.keys(prefix + "ac/")}
             for prefix in ("exports/cache/", "exports/restricted/cache/")}
    assert steps["exports/restricted/cache/"] == restricted_steps
    assert steps["exports/cache/"] and not restricted_steps & steps["exports/cache/"]
    # The planted records were redacted and published, not dropped.
    assert published_manifest(s3_server)["families"]["alpha"]["records"]["total"] == 12 + len(PLANTS)


def test_a_blocked_family_leaves_no_planted_identifier_outside_the_restricted_prefix(s3_release: ReleaseFixture,
                                                                                    s3_server: S3Server) -> None:
    """Under `block` the gate fails and nothing is published, yet the steps after privacy ran and cached their
    results in the general tier: they were given the records with placeholders, never the raw text."""
    s3_server.client().put_object(Bucket=S3_BUCKET, Key="raw/alpha/part-2.jsonl", Body=_jsonl(_planted_rows()))
    s3_release.edit_yaml(s3_release.dir / "gates" / "privacy.yaml", policy="block")
    report = api.apply(s3_release.release_yaml, jobs=2)
    assert report.outcome.error is not None and "blocked by gate(s) privacy" in str(report.outcome.error)
    found, restricted_cache = _outside_restricted(s3_server)
    assert found == {} and s3_server.keys("exports/cache/ac/")  # the general tier was written, without them
    assert all(any(value.encode() in body for body in restricted_cache) for value, _ in PLANTS)


def test_a_blocked_apply_uploads_its_gate_reports_without_raw_text_to_attempts(
        s3_release: ReleaseFixture, s3_server: S3Server, capsys: pytest.CaptureFixture[str]) -> None:
    """The audit trail of a refused release is on the root, where the team looks, not on one machine's disk: its gate
    reports and the definition tried, under attempts/<version>/<run-id>/, and none of the planted values."""
    s3_server.client().put_object(Bucket=S3_BUCKET, Key="raw/alpha/part-2.jsonl", Body=_jsonl(_planted_rows()))
    s3_release.edit_yaml(s3_release.dir / "gates" / "privacy.yaml", policy="block")
    report = api.apply(s3_release.release_yaml, jobs=2)
    assert report.outcome.error is not None and "uploaded to s3://pixel-data/exports/attempts/v2026-11-23/" in str(
        report.outcome.error)
    assert s3_server.keys("exports/releases/") == []  # nothing published
    keys = s3_server.keys("exports/attempts/")
    (run_id,) = {key.split("/")[3] for key in keys}
    prefix = f"exports/attempts/v2026-11-23/{run_id}/"
    assert {prefix + name for name in ("attempt.json", "gates/summary.json", "gates/privacy.json",
                                       "definition/release.yaml", "definition/git.json")} <= set(keys)
    assert not [key for key in keys if "/qa/" in key or key.endswith("release_notes.md")]  # no samples, no notes
    assert prefix + "definition/release.lock" not in keys  # its last_attempt would say "published"
    found, _ = _outside_restricted(s3_server)
    assert found == {}  # attempts/ included: the reports name findings by type and span, never by text
    attempt = json.loads(s3_server.client().get_object(Bucket=S3_BUCKET, Key=prefix + "attempt.json")["Body"].read())
    assert attempt["blocked_by"] == ["privacy"] and attempt["run_id"] == run_id
    assert {entry["key"] for entry in attempt["files"]} == {key.removeprefix(prefix) for key in keys} - {"attempt.json"}

    assert cli.main(["status", str(s3_release.release_yaml), "--attempts", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)  # stdout is exactly one JSON document
    assert [(entry["version"], entry["run_id"], entry["uri"]) for entry in listed["attempts"]] == [
        ("v2026-11-23", run_id, f"{ROOT}/attempts/v2026-11-23/{run_id}/")]
    assert cli.main(["status", str(s3_release.release_yaml), "--attempts"]) == 0
    assert f"v2026-11-23  {run_id}  blocked by privacy" in capsys.readouterr().out


def test_a_changed_release_replaces_the_version_on_an_unprotected_root(s3_release: ReleaseFixture,
                                                                       s3_server: S3Server) -> None:
    first = applied(s3_release)
    s3_release.edit_yaml(s3_release.release_yaml, shards={"max_records": 2})
    second = applied(s3_release)
    assert second["root_digest"] != first["root_digest"]
    manifest = published_manifest(s3_server)
    assert manifest["root_digest"] == second["root_digest"]
    # Objects of the old layout that the new manifest does not list are gone.
    assert sorted(s3_server.keys(PREFIX)) == sorted([PREFIX + "manifest.json"] + [PREFIX + a["key"]
                                                                                  for a in manifest["artifacts"]])


def test_a_protected_root_never_changes_a_published_version(s3_release: ReleaseFixture, s3_server: S3Server,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    # A protected root ships only reviewed releases: a person (not the demo command) signs this build's sample.
    s3_release.edit_yaml(s3_release.release_yaml, root={"uri": ROOT, "protected": True},
                         signoffs={"required": ["clinician_qa"]})
    s3_release.edit_yaml(s3_release.dir / "gates" / "privacy.yaml", mode="ner",  # a protected root refuses less
                         salt="protected-root-salt")
    with pytest.raises(Refused):
        commands.demo(s3_release.release_yaml)
    digest = commands.export_samples(s3_release.release_yaml)["reviews"]["clinician_qa"]
    commands.record(s3_release.release_yaml, "clinician_qa", {
        "sample": digest, "reviewer": {"id": "dr-okafor", "role": "clinician"}, "decision": "approve",
        "rubric": {"*": "pass"}}, key=signing_key(s3_release, "dr-okafor"))
    applied(s3_release)
    assert s3_server.keys(PREFIX + "signoffs/") == [PREFIX + "signoffs/clinician_qa.yaml"]
    assert published_manifest(s3_server)["signoffs"]["reviews"]["clinician_qa"]["reviewer"] == "dr-okafor"
    assert applied(s3_release)["summary"]["ran"] == 0  # the identical release again: a no-op
    before = published_manifest(s3_server)
    s3_release.edit_yaml(s3_release.release_yaml, shards={"max_records": 2})
    plan = {step.id: step for step in api.plan(s3_release.release_yaml).steps}
    assert plan["release/publish"].reason.value == "version_immutable"
    assert "bump `version`" in plan["release/publish"].detail
    assert cli.main(["plan", str(s3_release.release_yaml)]) == 2  # said first, before the details
    shown = capsys.readouterr().out.splitlines()
    assert shown[3].startswith("! v2026-11-23 is already published at") and "bump `version`" in shown[3]
    assert cli.main(["apply", str(s3_release.release_yaml), "--json"]) == 4
    out = json.loads(capsys.readouterr().out)
    assert "protected" in out["error"] and "bump `version`" in out["error"]
    assert published_manifest(s3_server) == before
    # The protection lives in the root: a release.yaml that does not declare it cannot lift it.
    s3_release.edit_yaml(s3_release.release_yaml, root=ROOT)
    assert cli.main(["apply", str(s3_release.release_yaml), "--json"]) == 4
    capsys.readouterr()
    assert published_manifest(s3_server) == before
    with pytest.raises(Refused):  # nor demo sign-offs, nor a release that requires no review
        commands.demo(s3_release.release_yaml)
    s3_release.edit_yaml(s3_release.release_yaml, signoffs={"required": []})
    (s3_release.dir / "signoffs" / "v2026-11-23" / "clinician_qa.yaml").unlink()  # else: "not required", an error
    code = cli.main(["apply", str(s3_release.release_yaml), "--json"])
    out = capsys.readouterr()
    assert code == 3, out
    assert "no review is required" in json.loads(out.out)["error"]


def test_the_storage_backend_variables_put_a_relative_root_in_the_bucket(tmp_path: Path, s3_server: S3Server,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    fixture = make_release(tmp_path / "rel", {"alpha": [conversation(f"a{i}", f"g{i}") for i in range(5)]})
    monkeypatch.setenv("DATASET_STORAGE_BACKEND", "s3")
    monkeypatch.setenv("OVH_S3_BUCKET", S3_BUCKET)
    report = api.apply(fixture.release_yaml, jobs=1)
    assert report.outcome.error is None, report.outcome.error
    assert report.release_uri == f"s3://{S3_BUCKET}/published/releases/v2026-11-23/"
    assert "published/releases/v2026-11-23/manifest.json" in s3_server.keys("published/")
    monkeypatch.delenv("OVH_S3_BUCKET")
    with pytest.raises(Exception, match="DATASET_STORAGE_BACKEND=s3 needs OVH_S3_BUCKET"):
        api.plan(fixture.release_yaml)


def _everything_written(fixture: ReleaseFixture, server: S3Server) -> str:
    local = "".join(p.read_text(errors="replace") for p in fixture.dir.rglob("*") if p.is_file())
    client = server.client()
    remote = "".join(client.get_object(Bucket=S3_BUCKET, Key=key)["Body"].read().decode(errors="replace")
                     for key in server.keys())
    return local + remote


def test_secrets_never_appear_in_output_files_or_errors(s3_release: ReleaseFixture, s3_server: S3Server,
                                                        capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.main(["apply", str(s3_release.release_yaml), "--json"]) == 0
    assert cli.main(["plan", str(s3_release.release_yaml)]) == 0
    shown = capsys.readouterr()
    # An error path that carries the endpoint's own words: a bucket these credentials cannot see.
    s3_release.edit_yaml(s3_release.family_yaml("beta"), sources=["s3://no-such-bucket-here/raw.jsonl"])
    assert cli.main(["apply", str(s3_release.release_yaml), "--json"]) == 1
    failed = capsys.readouterr()
    everything = shown.out + shown.err + failed.out + failed.err + _everything_written(s3_release, s3_server)
    assert "no-such-bucket-here" in failed.out  # the error names what failed...
    for secret in (S3_SECRET_KEY, S3_ACCESS_KEY):
        assert secret not in everything  # ...and never the credentials


def test_missing_credentials_and_a_wrong_endpoint_give_clear_errors(s3_release: ReleaseFixture,
                                                                    capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # fail fast: retries are for transient errors
    monkeypatch.delenv("OVH_S3_ACCESS_KEY")
    monkeypatch.delenv("OVH_S3_SECRET_KEY")
    assert cli.main(["plan", str(s3_release.release_yaml)]) == 1
    assert "no S3 credentials found: set OVH_S3_ACCESS_KEY and OVH_S3_SECRET_KEY" in capsys.readouterr().err
    monkeypatch.setenv("OVH_S3_ACCESS_KEY", S3_ACCESS_KEY)
    monkeypatch.setenv("OVH_S3_SECRET_KEY", S3_SECRET_KEY)
    monkeypatch.setenv("OVH_S3_ENDPOINT", "http://127.0.0.1:9")  # the discard port: nothing listens
    assert cli.main(["plan", str(s3_release.release_yaml)]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the S3 endpoint http://127.0.0.1:9: check OVH_S3_ENDPOINT" in err
    assert S3_SECRET_KEY not in err


def test_s3_sources_with_a_local_root_publish_locally(s3_release: ReleaseFixture, s3_server: S3Server) -> None:
    report = api.apply(s3_release.release_yaml, str(s3_release.dir / "local-root"), jobs=2)
    assert report.outcome.error is None, report.outcome.error
    manifest = json.loads((Path(report.release_uri) / "manifest.json").read_text())
    assert manifest["families"]["alpha"]["records"]["total"] == 12
    assert not any(key.startswith("exports/") for key in s3_server.keys())  # no shared tier for a local root


def test_sources_missing_from_the_bucket_fail_the_family(s3_release: ReleaseFixture) -> None:
    s3_release.edit_yaml(s3_release.family_yaml("beta"), sources=[f"s3://{S3_BUCKET}/raw/missing-*.jsonl"])
    report = api.apply(s3_release.release_yaml, jobs=1)
    steps = {step.id: step for step in report.outcome.steps}
    assert steps["beta/ingest"].status == "failed"
    assert "matches no file" in steps["beta/ingest"].detail


def test_the_cli_scrubs_a_credential_from_anything_it_prints(s3_release: ReleaseFixture,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    # A user pasting the secret into a URI by mistake: the error names the URI, with the secret scrubbed.
    root = f"s3://{S3_BUCKET}/{S3_SECRET_KEY}/exports"
    assert cli.main(["apply", str(s3_release.release_yaml), "--root", root, "--json"]) == 0
    shown = capsys.readouterr()
    assert f"s3://{S3_BUCKET}/***/exports/releases/v2026-11-23/" == json.loads(shown.out)["release_uri"]
    assert S3_SECRET_KEY not in shown.out + shown.err


def test_a_held_root_refuses_a_second_apply_until_unlocked(s3_release: ReleaseFixture, s3_server: S3Server,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from releasebuild.store import root_lock

    with root_lock.holding(ReleaseRoot(ROOT), ttl_seconds=-1):  # held, and already past its expiry: stale
        assert cli.main(["apply", str(s3_release.release_yaml), "--json"]) == 4
        error = json.loads(capsys.readouterr().out)["error"]
        assert f"another apply holds {ROOT}" in error and "stale" in error and "releasebuild unlock" in error
        assert PREFIX + "manifest.json" not in s3_server.keys(PREFIX)
        assert cli.main(["unlock", str(s3_release.release_yaml)]) == 0
        assert "broke the apply lock of" in capsys.readouterr().out
        assert cli.main(["apply", str(s3_release.release_yaml), "--json"]) == 0
        capsys.readouterr()
    # The broken holder's exit does not delete the lock of whoever holds the root now; none is left behind.
    assert root_lock.read_holder(ReleaseRoot(ROOT)) is None
    assert PREFIX + "manifest.json" in s3_server.keys(PREFIX)


def test_two_concurrent_applies_are_serialized_and_publish_one_correct_release(
        s3_release: ReleaseFixture, s3_server: S3Server, tmp_path: Path) -> None:
    second = tmp_path / "second-checkout"
    shutil.copytree(s3_release.dir, second)  # another machine: its own checkout and local cache
    command = [sys.executable, "-m", "releasebuild", "apply", "--json", "--wait", "120"]
    runs = [subprocess.Popen([*command, str(directory / "release.yaml")], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for directory in (s3_release.dir, second)]
    results = [(run.wait(timeout=300), run.stdout.read(), run.stderr.read()) for run in runs if run.stdout]
    for code, _, err in results:
        assert code == 0, err
    reports = [json.loads(out) for _, out, _ in results]
    assert reports[0]["root_digest"] == reports[1]["root_digest"] == published_manifest(s3_server)["root_digest"]
    # One of them built the release; the other found it built (by the shared cache) and published.
    assert sorted(report["summary"]["ran"] for report in reports)[0] <= 1
    client = s3_server.client()
    for art in published_manifest(s3_server)["artifacts"]:
        body = client.get_object(Bucket=S3_BUCKET, Key=PREFIX + art["key"])["Body"].read()
        assert hashlib.sha256(body).hexdigest() == art["sha256"]
    assert not any(key.startswith("exports/locks/") for key in s3_server.keys())


def test_injected_s3_faults_are_retried_and_give_identical_artifacts(s3_release: ReleaseFixture, s3_server: S3Server,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from faulty_proxy import FaultyProxy

    clean = applied(s3_release)
    shutil.rmtree(s3_release.dir / ".releasebuild")
    faulty_root = f"s3://{S3_BUCKET}/faulty"
    # botocore's standard mode (jittered exponential backoff) rather than the adaptive default, whose client-side
    # rate limiter slows a throttled client down on purpose: right in production, minutes in a test.
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "10")
    # Every 50th request fails: about 17 faults in this apply, at least five of each kind. Each costs a backoff
    # of up to a few seconds, so a denser rate buys minutes of sleeping, not more kinds of fault.
    with FaultyProxy(s3_server.endpoint, every=50) as proxy:
        monkeypatch.setenv("OVH_S3_ENDPOINT", proxy.endpoint)
        report = api.apply(s3_release.release_yaml, faulty_root, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    assert all(count > 0 for count in proxy.faults.values()), proxy.faults  # every kind of fault happened
    assert report.to_json()["root_digest"] == clean["root_digest"]
    client = s3_server.client()
    manifest = json.loads(client.get_object(Bucket=S3_BUCKET, Key="faulty/releases/v2026-11-23/manifest.json")
                          ["Body"].read())
    for art in manifest["artifacts"]:
        body = client.get_object(Bucket=S3_BUCKET, Key=f"faulty/releases/v2026-11-23/{art['key']}")["Body"].read()
        assert hashlib.sha256(body).hexdigest() == art["sha256"]


def test_an_apply_killed_while_publishing_leaves_no_manifest_and_the_next_apply_finishes_from_the_cache(
        s3_release: ReleaseFixture, s3_server: S3Server) -> None:
    from faulty_proxy import FaultyProxy

    from releasebuild.store import root_lock

    release_puts = iter(range(1, 1000))

    def third_release_object(method: str, path: str) -> bool:
        return method == "PUT" and path.startswith(f"/{S3_BUCKET}/{PREFIX}") and next(release_puts) == 3

    with FaultyProxy(s3_server.endpoint, every=0, hold=third_release_object) as proxy:
        child = subprocess.Popen([sys.executable, "-m", "releasebuild", "apply", "--json",
                                  str(s3_release.release_yaml)], env={**os.environ, "OVH_S3_ENDPOINT": proxy.endpoint},
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        held = proxy.held.wait(timeout=40)  # seconds in a sound build; a stalled connection would hang here
        os.killpg(child.pid, signal.SIGKILL)  # the apply and its workers, mid-publish
        child.communicate(timeout=60)
    assert held, "the apply never reached publishing"
    written = s3_server.keys(PREFIX)
    assert len(written) == 2 and PREFIX + "manifest.json" not in written  # objects, but nothing committed
    assert root_lock.read_holder(ReleaseRoot(ROOT)) is not None  # the killed apply's lock is left behind

    report = applied(s3_release)  # its holder is gone from this host: the lock is taken over
    assert ran(report) == {"release/publish"}  # every finished step came from the cache
    manifest = published_manifest(s3_server)
    assert manifest["root_digest"] == report["root_digest"]
    client = s3_server.client()
    for art in manifest["artifacts"]:
        body = client.get_object(Bucket=S3_BUCKET, Key=PREFIX + art["key"])["Body"].read()
        assert hashlib.sha256(body).hexdigest() == art["sha256"]
    assert sorted(s3_server.keys(PREFIX)) == sorted([PREFIX + "manifest.json"] + [PREFIX + a["key"]
                                                                                  for a in manifest["artifacts"]])
    assert root_lock.read_holder(ReleaseRoot(ROOT)) is None


def test_a_cache_filled_for_another_root_is_pushed_to_the_shared_tier(s3_release: ReleaseFixture,
                                                                      tmp_path: Path) -> None:
    api.apply(s3_release.release_yaml, str(tmp_path / "local-root"), jobs=2)  # no shared tier: all local
    report = applied(s3_release)  # now the S3 root: nothing is rebuilt, the entries and blobs are pushed
    assert ran(report) == {"release/publish"}
    other = api.apply(s3_release.release_yaml, f"s3://{S3_BUCKET}/elsewhere", jobs=2)  # a third root, own tier
    assert other.outcome.error is None, other.outcome.error
    assert ran(other.to_json()) == {"release/publish"}
    shutil.rmtree(s3_release.dir / ".releasebuild")  # a clean machine finds everything in either shared tier
    assert ran(applied(s3_release)) == set()
    clean = api.apply(s3_release.release_yaml, f"s3://{S3_BUCKET}/elsewhere", jobs=2)
    assert ran(clean.to_json()) == set()


def test_a_large_upload_goes_in_parts_and_is_verified_on_arrival(s3_server: S3Server, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from faulty_proxy import FaultyProxy

    from releasebuild.errors import StorageError
    from releasebuild.store import backends
    from releasebuild.store.io import Stores

    monkeypatch.setattr(backends, "PART_BYTES", 5 * 2**20)  # S3's smallest part, so the test moves 11 MiB, not 110
    store = Stores()  # S3 settings from the environment at each use: the proxy below gets its own connections
    big = tmp_path / "shard.jsonl"
    big.write_bytes(os.urandom(11 * 2**20))
    store.upload(str(big), f"s3://{S3_BUCKET}/big")
    head = s3_server.client().head_object(Bucket=S3_BUCKET, Key="big")
    assert head["ETag"].strip('"').endswith("-3")  # three parts
    body = s3_server.client().get_object(Bucket=S3_BUCKET, Key="big")["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(big.read_bytes()).digest()

    # A network path that damages the second part (and strips the checksums that would tell the server).
    with FaultyProxy(s3_server.endpoint, every=0, corrupt=lambda method, path: "partNumber=2" in path) as proxy:
        monkeypatch.setenv("OVH_S3_ENDPOINT", proxy.endpoint)
        with pytest.raises(StorageError, match="did not arrive intact after 3 attempts"):
            store.upload(str(big), f"s3://{S3_BUCKET}/damaged")
    assert proxy.corrupted == 3
    assert "damaged" not in s3_server.keys()  # no damaged object is left for a reader


def test_coverage_of_families_in_the_bucket_reads_listings_only(s3_release: ReleaseFixture,
                                                                 s3_server: S3Server) -> None:
    s3_release.edit_yaml(s3_release.release_yaml, coverage={"required": {"alpha": {"min_records": 12},
                                                                         "beta": {"min_records": 11}}})
    report = api.coverage(s3_release.release_yaml)
    alpha = next(row for row in report["families"] if row["family"] == "alpha")
    sizes = [s3_server.client().head_object(Bucket=S3_BUCKET, Key=f"raw/alpha/part-{i}.jsonl")["ContentLength"]
             for i in (0, 1)]
    assert (alpha["prefixes"], alpha["objects"], alpha["bytes"]) == ([f"s3://{S3_BUCKET}/raw/alpha/"], 2, sum(sizes))
    assert s3_server.object_gets() == []  # evidence from listings: no object body read

    blocked = api.apply(s3_release.release_yaml, jobs=2)  # beta holds 10 valid records, 11 are required
    assert blocked.outcome.error is not None and blocked.outcome.error.exit_code == 3
    assert PREFIX + "manifest.json" not in s3_server.keys(PREFIX)
    beta = next(row for row in api.coverage(s3_release.release_yaml)["families"] if row["family"] == "beta")
    assert (beta["status"], beta["records"]) == ("partial", 10)


def test_replacing_a_version_rewrites_only_the_objects_that_changed(s3_release: ReleaseFixture,
                                                                    s3_server: S3Server) -> None:
    applied(s3_release)
    rows = [conversation(f"b{i:02d}", f"sb{i // 2}", topic="grief") for i in range(10)]
    rows[3]["dialog"][1]["text"] = "An edited reply."
    s3_server.client().put_object(Bucket=S3_BUCKET, Key="raw/beta.jsonl", Body=_jsonl(rows) + b"{not json\n")
    s3_server.requests.clear()
    report = applied(s3_release)
    logged = [parse_access_line(line) for line in s3_server.requests]
    written = {r.key.removeprefix(PREFIX) for r in logged if r and r.method == "PUT" and r.key.startswith(PREFIX)}
    manifest = published_manifest(s3_server)
    assert manifest["root_digest"] == report["root_digest"]
    assert "manifest.json" in written and any(key.startswith("data/") and "beta" in key for key in written)
    assert not any("alpha" in key for key in written)  # alpha's shards and provenance stayed in place
    client = s3_server.client()
    for art in manifest["artifacts"]:
        body = client.get_object(Bucket=S3_BUCKET, Key=PREFIX + art["key"])["Body"].read()
        assert hashlib.sha256(body).hexdigest() == art["sha256"]
