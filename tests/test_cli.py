"""The contracts every command keeps: --json stdout, --root / RELEASEBUILD_ROOT, the exit-code table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from releasebuild.testing import ReleaseFixture, conversation, make_release


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "releasebuild", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_apply_json_then_plan_exit_codes(small_release: ReleaseFixture) -> None:
    plan = run("plan", "--json", cwd=small_release.dir)
    assert plan.returncode == 2, plan.stderr
    document = json.loads(plan.stdout)
    # Never built: every step certainly runs (a plain plan computes the small release in scratch, so the publish
    # step knows its manifest and says why it runs: nothing is published yet).
    assert {(step["status"], step["reason"]) for step in document["steps"] if step["id"] != "release/publish"} == {
        ("will_run", "new")}
    assert [(step["status"], step["reason"]) for step in document["steps"] if step["id"] == "release/publish"] == [
        ("will_run", "not_published")]
    assert all({"id", "status", "reason"} <= set(step) for step in document["steps"])

    applied = run("apply", "--json", cwd=small_release.dir)
    assert applied.returncode == 0, applied.stderr
    report = json.loads(applied.stdout)  # stdout is exactly one JSON document
    assert report["release_uri"] == str(small_release.dir / "published/releases/v2026-11-23") + "/"
    assert {step["status"] for step in report["steps"]} == {"ran"}
    assert "[ran]" in applied.stderr  # progress goes to stderr

    again = run("plan", cwd=small_release.dir)
    assert again.returncode == 0 and "No changes" in again.stdout


def test_root_flag_and_environment_override_release_yaml(small_release: ReleaseFixture, tmp_path: Path) -> None:
    flagged = run("apply", "--json", "--root", str(tmp_path / "flag-root"), cwd=small_release.dir)
    assert json.loads(flagged.stdout)["release_uri"] == f"{tmp_path}/flag-root/releases/v2026-11-23/"
    from_env = run("apply", "--json", cwd=small_release.dir, env={"RELEASEBUILD_ROOT": str(tmp_path / "env-root")})
    assert json.loads(from_env.stdout)["release_uri"] == f"{tmp_path}/env-root/releases/v2026-11-23/"
    assert (tmp_path / "env-root/releases/v2026-11-23/manifest.json").is_file()
    # Only the publish step differs between roots: everything else is reused from the cache.
    steps = {s["id"]: s["status"] for s in json.loads(from_env.stdout)["steps"]}
    assert [i for i, status in steps.items() if status == "ran"] == ["release/publish"]


def test_definition_error_exit_1_with_location(small_release: ReleaseFixture) -> None:
    small_release.family_yaml("alpha").write_text("name: alpha\nstage: 9\n")
    result = run("validate", cwd=small_release.dir)
    assert result.returncode == 1
    assert "families/alpha.yaml:2:8: stage must be one of" in result.stderr
    as_json = run("validate", "--json", cwd=small_release.dir)
    assert as_json.returncode == 1
    errors = json.loads(as_json.stdout)["errors"]
    stage = next(e for e in errors if "stage" in e["message"])
    assert {"file": "families/alpha.yaml", "line": 2, "col": 8} == {k: stage[k] for k in ("file", "line", "col")}
    assert any(e["message"] == "missing required key 'sources' in the document" for e in errors)


def test_usage_error_exits_1_not_2(small_release: ReleaseFixture) -> None:
    result = run("apply", "--no-such-flag", cwd=small_release.dir)
    assert result.returncode == 1
    assert "unrecognized arguments" in result.stderr


def test_blocking_gate_publishes_nothing_and_exits_3(tmp_path: Path) -> None:
    rows = [conversation(f"r{i}", f"g{i}") for i in range(4)] + ["{broken", "[1, 2]", '{"cid": "x"}']
    fixture = make_release(tmp_path / "rel", {"alpha": rows}, max_ratio=0.2)
    result = run("apply", "--json", cwd=fixture.dir)
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert report["published"] is False
    assert not (fixture.dir / "published/releases/v2026-11-23").exists()
    assert "blocked by gate(s) quarantine" in result.stderr
    blocked = fixture.dir / ".releasebuild/blocked/v2026-11-23"
    gate = json.loads((blocked / "gates/quarantine.json").read_text())
    (family,) = gate["families"]
    assert family["status"] == "fail" and family["quarantined"] == 3 and family["rows"] == 7
    reasons = {(r["locator"]["line"], r["code"]) for r in family["records_listed"]}
    assert reasons == {(5, "invalid_json"), (6, "not_an_object"), (7, "missing_field")}
    # Loosening the threshold (a definition change) lets the same build publish, reusing every cached step (but
    # release/lock, whose definition snapshot records the threshold).
    fixture.edit_yaml(fixture.dir / "gates/quarantine.yaml", max_ratio=0.5)
    second = run("apply", "--json", cwd=fixture.dir)
    assert second.returncode == 0, second.stderr
    ran = {s["id"] for s in json.loads(second.stdout)["steps"] if s["status"] == "ran"}
    assert ran == {"release/quarantine", "release/gates", "release/notes", "release/definition", "release/lock",
                   "release/manifest", "release/publish"}
    assert not blocked.exists()  # the blocked build's reports are gone once the release is published


def test_concurrent_apply_is_refused_with_exit_4(small_release: ReleaseFixture) -> None:
    state = small_release.dir / ".releasebuild"
    state.mkdir()
    # A holder of the checkout's kernel lock (as an apply takes it), alive until killed.
    hold = ("import sys, time\nfrom releasebuild.store import root_lock\nfd = root_lock.take_file_lock(sys.argv[1])\n"
            "root_lock.write_file_lock_note(fd, str(__import__('os').getpid()).encode())\nprint('held', flush=True)\n"
            "time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", hold, str(state / "apply.lock")], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        result = run("apply", cwd=small_release.dir)
        assert result.returncode == 4
        assert f"another apply (pid {holder.pid})" in result.stderr
    finally:
        holder.kill()
        holder.wait()
    # The killed holder's lock is gone with it (its note is left in the file, and ignored).
    assert (state / "apply.lock").read_text() == str(holder.pid)
    assert run("apply", cwd=small_release.dir).returncode == 0
    assert (state / "apply.lock").read_text() == ""


def test_failed_step_reports_dependents_as_skipped(small_release: ReleaseFixture) -> None:
    small_release.data_file("alpha").unlink()
    result = run("apply", "--json", cwd=small_release.dir)
    assert result.returncode == 1
    steps = {s["id"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["alpha/ingest"]["status"] == "failed"
    assert "source '../data/alpha.jsonl' matches no file" in steps["alpha/ingest"]["detail"]
    assert steps["alpha/privacy"]["status"] == "skipped" and "alpha/ingest" in steps["alpha/privacy"]["detail"]
    assert steps["alpha/split"]["status"] == "skipped" and "alpha/privacy" in steps["alpha/split"]["detail"]
    # beta's own steps run; dedup compares every family, so nothing after it can run without alpha
    assert steps["beta/fingerprint"]["status"] == "ran"
    assert steps["release/dedup"]["status"] == "skipped" and "alpha/fingerprint" in steps["release/dedup"]["detail"]
    assert steps["beta/export"]["status"] == "skipped"
    assert steps["release/publish"]["status"] == "skipped"


def test_graph_text_and_dot(small_release: ReleaseFixture) -> None:
    text = run("graph", cwd=small_release.dir)
    assert "alpha/privacy  [privacy]  <- alpha/ingest" in text.stdout
    assert "alpha/split  [split]  <- alpha/privacy, release/dedup" in text.stdout
    dot = run("graph", "--format", "dot", cwd=small_release.dir)
    assert '"alpha/ingest" -> "alpha/privacy";' in dot.stdout and '"alpha/privacy" -> "alpha/split";' in dot.stdout
    as_json = json.loads(run("graph", "--json", cwd=small_release.dir).stdout)
    assert {"id": "release/publish", "kind": "publish", "deps": ["release/manifest"]} in as_json["nodes"]


@pytest.mark.parametrize("command", ["validate", "plan", "apply", "graph"])
def test_json_stdout_is_one_document(small_release: ReleaseFixture, command: str) -> None:
    result = run(command, "--json", cwd=small_release.dir)
    assert result.returncode in (0, 2), result.stderr
    json.loads(result.stdout)


def test_missing_definition_file_is_a_located_error(tmp_path: Path) -> None:
    result = run("plan", "nope.yaml", "--json", cwd=tmp_path)
    assert result.returncode == 1
    assert json.loads(result.stdout)["errors"][0]["message"] == "file not found"
