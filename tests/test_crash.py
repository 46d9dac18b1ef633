"""Crash safety (issue 27): `apply` SIGKILLed at chosen and random points, on a local root and on S3 (moto over HTTP,
the production code path), replacing a published release. After each kill the previous release still verifies (or,
on S3 inside the switch, a journal names the staged release the next apply finishes), plan does not call a root up
to date that is not, the apply's pool workers are gone, the next apply publishes exactly what an uninterrupted one
publishes, and nothing is left behind. And a local release is made of copies, never hard links into the cache.
The harness is `releasebuild.crashes`; `bench/stress_crash.py` runs it at volume.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import S3_BUCKET, S3Server

from releasebuild import crashes

SEED = 27


@pytest.fixture(scope="module")
def local_scenario(tmp_path_factory: pytest.TempPathFactory) -> crashes.Scenario:
    directory = tmp_path_factory.mktemp("crash-local")
    return crashes.prepare(directory, str(directory / "roots"))


def _assert_survived(trial: crashes.CrashTrial) -> None:
    assert trial.killed, trial
    assert not trial.broken, f"{trial.point}: after the kill the root held {trial.after_kill}"
    assert trial.workers_left == [], f"{trial.point}: pool workers outlived the apply: {trial.workers_left}"
    assert trial.errors == [], f"{trial.point}: {trial.errors}"
    assert trial.identical, f"{trial.point}: the next apply's release differs from an uninterrupted one"
    assert trial.debris == [], f"{trial.point}: left behind: {trial.debris}"


@pytest.mark.parametrize(("name", "die_at", "left"), [
    ("staging", ("copy", 3), "A"),  # mid-copy of the new release's files: the old one is untouched
    ("journaled", ("switch", 1), "A"),  # staged in full and journaled, nothing switched yet: the next apply switches
    ("switched", ("rmtree", 1), "B"),  # switched, the old copy not yet removed: the next apply removes it
])
def test_a_local_publish_killed_at_a_chosen_point_loses_nothing(local_scenario: crashes.Scenario, name: str,
                                                                die_at: tuple[str, int], left: str) -> None:
    trial = crashes.trial(local_scenario, name, die_at=die_at)
    _assert_survived(trial)
    assert trial.after_kill == left


def test_a_local_publish_killed_between_the_restricted_files_and_the_release_switch_keeps_the_previous_release(
        local_scenario: crashes.Scenario) -> None:
    """The instant between what were two exchanges (restricted/<version>/, then releases/<version>/): B's restricted
    files are in place, the release is not yet switched. Before, A's manifest was left beside B's restricted files
    and verify failed until the next apply; now B's files lie in their own set beside A's, the release's exchange is
    the one switch, and A verifies whole, its restricted files read and matched."""
    trial = crashes.trial(local_scenario, "between", die_at=("switch", 2))
    _assert_survived(trial)
    assert trial.after_kill == "A"
    assert trial.restricted_checked > 0


def test_a_local_apply_killed_at_a_random_moment_loses_nothing(local_scenario: crashes.Scenario) -> None:
    delay = random.Random(SEED).uniform(0.5, 0.6 * local_scenario.seconds)
    trial = crashes.trial(local_scenario, "random", delay=delay)
    _assert_survived(trial)
    assert trial.after_kill in ("A", "B")


def test_a_local_release_shares_no_file_with_the_cache(local_scenario: crashes.Scenario) -> None:
    """Published files are copies: before, hard links to the cache's blobs, so a byte flipped in one was flipped in
    the other, and the next apply republished it."""
    import hashlib

    root = Path(crashes.publish_a(local_scenario, "copies"))
    cas = local_scenario.fixture.dir / ".releasebuild" / "cache" / "cas"
    blobs = {path.stat().st_ino: path for path in cas.rglob("*") if path.is_file()}
    published = [path for where in ("releases", "restricted") for path in (root / where / crashes.VERSION).rglob("*")
                 if path.is_file()]
    assert len(published) > 10 and blobs
    assert [path for path in published if path.stat().st_nlink > 1 or path.stat().st_ino in blobs] == []
    shard = next(path for path in published if path.suffix == ".jsonl" and path.stat().st_size > 0)
    digest = hashlib.sha256(shard.read_bytes()).hexdigest()
    blob = cas / "sha256" / digest[:2] / digest[2:]
    shard.chmod(0o644)
    shard.write_bytes(b"X" + shard.read_bytes()[1:])
    assert hashlib.sha256(blob.read_bytes()).hexdigest() == digest  # the cache's copy is intact


@pytest.fixture
def s3_scenario(tmp_path: Path, s3_server: S3Server) -> crashes.Scenario:
    return crashes.prepare(tmp_path, f"s3://{S3_BUCKET}/crash", shared_cache=f"s3://{S3_BUCKET}/crash-cache")


def test_s3_publishes_killed_at_chosen_and_random_points_lose_nothing(s3_scenario: crashes.Scenario,
                                                                      s3_server: S3Server) -> None:
    from faulty_proxy import FaultyProxy

    def first_release_write(method: str, path: str) -> bool:
        """Restricted files are written first: before, in place, so the previous release lost its own."""
        return method == "PUT" and "/releases/" in path

    committed = {"manifest": False}

    def first_delete_after_the_manifest(method: str, path: str) -> bool:
        """The issue's kill: the new manifest written, what it does not list not yet deleted."""
        if method == "PUT" and path.partition("?")[0].endswith(f"/releases/{crashes.VERSION}/manifest.json"):
            committed["manifest"] = True
            return False
        return committed["manifest"] and method in ("POST", "DELETE") and "/locks/" not in path

    expected = {"staged": "A", "committed": "B"}
    for name, hold in (("staged", first_release_write), ("committed", first_delete_after_the_manifest)):
        with FaultyProxy(s3_server.endpoint, every=0, hold=hold) as proxy:
            trial = crashes.trial(s3_scenario, name, held=proxy.held, env={"OVH_S3_ENDPOINT": proxy.endpoint})
        _assert_survived(trial)
        assert trial.after_kill == expected[name]

    delay = random.Random(SEED).uniform(0.5, 0.6 * s3_scenario.seconds)
    trial = crashes.trial(s3_scenario, "random", delay=delay)
    _assert_survived(trial)
    assert trial.after_kill in ("A", "B", "un-committed (journal)")
