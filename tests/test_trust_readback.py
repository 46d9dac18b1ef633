"""Nothing read back is trusted (issue 27): corrupt cache blobs and action entries, locally and in the shared S3
cache, are named, set aside and rebuilt, never republished and never a traceback; an upload damaged on the way is
sent again, whatever the endpoint checks. Each test runs the production path (api.apply, moto over HTTP)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import S3_BUCKET, S3Server

from releasebuild import api
from releasebuild.errors import CorruptCache, StorageError
from releasebuild.store.cas import ContentStore
from releasebuild.store.io import Stores
from releasebuild.testing import ReleaseFixture, conversation, make_release, parse_access_line, ran
from releasebuild.verify import verify_release

VERSION = "v2026-11-23"
ROOT = f"s3://{S3_BUCKET}/exports"
PREFIX = f"exports/releases/{VERSION}/"


def _apply(fixture: ReleaseFixture, root: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """Apply (two jobs), as a test expects it to succeed: the report as JSON, and what the caches set aside."""
    set_aside: list[str] = []
    report = api.apply(fixture.release_yaml, root, lambda _, event, detail: set_aside.append(detail)
                       if event == "set-aside" else None, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    return report.to_json(), set_aside


def _blob(fixture: ReleaseFixture, sha256: str) -> Path:
    return fixture.dir / ".releasebuild" / "cache" / "cas" / "sha256" / sha256[:2] / sha256[2:]


def _flip(data: bytes) -> bytes:
    return bytes([data[0] ^ 0x01]) + data[1:]


def _shards(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [art for art in manifest["artifacts"] if art["key"].startswith("data/")]


def _local_manifest(root: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((root / "releases" / VERSION / "manifest.json").read_bytes())
    return manifest


def test_a_flipped_byte_in_a_local_blob_is_set_aside_and_rebuilt_never_published(small_release: ReleaseFixture,
                                                                                 tmp_path: Path) -> None:
    first, _ = _apply(small_release)
    manifest = _local_manifest(small_release.dir / "published")
    shard = _shards(manifest)[0]
    blob = _blob(small_release, shard["sha256"])
    damaged = _flip(blob.read_bytes())
    blob.unlink()  # a new file, not the one a hard link of the release may share
    blob.write_bytes(damaged)

    other = tmp_path / "other-root"
    report, set_aside = _apply(small_release, str(other))  # publishing reads the blob back
    assert [line for line in set_aside if str(blob) in line and "does not match its digest" in line], set_aside
    assert report["root_digest"] == first["root_digest"]
    assert verify_release(str(other / "releases" / VERSION)).sound
    published = (other / "releases" / VERSION / shard["key"]).read_bytes()
    assert hashlib.sha256(published).hexdigest() == shard["sha256"]
    assert (small_release.dir / ".releasebuild" / "cache" / "corrupt").is_dir()  # kept for whoever looks into it
    assert hashlib.sha256(blob.read_bytes()).hexdigest() == shard["sha256"]  # rebuilt in place

    # Every blob damaged at once: each rerun finds the next damaged input only when it reads it, so the walks go on
    # as long as each one sets aside something new.
    blobs = [path for path in (small_release.dir / ".releasebuild" / "cache" / "cas").rglob("*")
             if path.is_file() and path.stat().st_size]
    for path in blobs:
        damaged = _flip(path.read_bytes())
        path.unlink()
        path.write_bytes(damaged)
    report, set_aside = _apply(small_release, str(tmp_path / "third-root"))
    assert report["root_digest"] == first["root_digest"] and len(set_aside) > 1
    assert verify_release(str(tmp_path / "third-root" / "releases" / VERSION)).sound


def test_checking_many_blobs_at_once_vouches_for_no_damaged_one(tmp_path: Path) -> None:
    """Before a step starts, the engine hashes its inputs all at once on threads (`ContentStore.check`). That pass
    vouches only for blobs that hold their digest: `local` still finds a damaged one, sets it aside and, with no
    other copy, says it is corrupt; a missing one does not stop the pass."""
    cas = ContentStore(tmp_path / "cache")
    blobs = {}
    for number in range(6):
        data = f"blob {number}\n".encode() * 5000
        digest = hashlib.sha256(data).hexdigest()
        cas.path(digest).parent.mkdir(parents=True, exist_ok=True)
        cas.path(digest).write_bytes(data)
        blobs[digest] = data
    damaged = sorted(blobs)[2]
    cas.path(damaged).write_bytes(b"X" + blobs[damaged][1:])
    missing = hashlib.sha256(b"never stored").hexdigest()
    cas.check([*blobs, missing])
    assert [cas.local(digest) for digest in sorted(blobs) if digest != damaged] == \
        [cas.path(digest) for digest in sorted(blobs) if digest != damaged]
    with pytest.raises(CorruptCache):
        cas.local(damaged)
    assert [line for line in cas.damage if damaged in line and "does not match its digest" in line]


def test_a_blob_changed_behind_the_remembered_hashes_is_still_set_aside(small_release: ReleaseFixture,
                                                                         tmp_path: Path) -> None:
    """The first apply remembers what it hashed and wrote (`<cache>/hashes.json`), so the next does not hash it again.
    A blob then damaged in place, its size kept and its mtime set back (what an editor and `touch -r` leave), has a
    new ctime: it is hashed, set aside and rebuilt all the same."""
    first, _ = _apply(small_release)
    manifest = _local_manifest(small_release.dir / "published")
    shard = _shards(manifest)[0]
    blob = _blob(small_release, shard["sha256"])
    remembered = json.loads((small_release.dir / ".releasebuild" / "cache" / "hashes.json").read_bytes())
    assert remembered[str(blob)][4] == shard["sha256"]
    before = blob.stat()
    blob.chmod(0o644)
    blob.write_bytes(_flip(blob.read_bytes()))
    os.utime(blob, ns=(before.st_atime_ns, before.st_mtime_ns))
    blob.chmod(0o444)
    assert (blob.stat().st_ino, blob.stat().st_size, blob.stat().st_mtime_ns) == \
        (before.st_ino, before.st_size, before.st_mtime_ns)

    report, set_aside = _apply(small_release, str(tmp_path / "other-root"))  # publishing reads the blob back
    assert [line for line in set_aside if str(blob) in line and "does not match its digest" in line], set_aside
    assert report["root_digest"] == first["root_digest"]
    assert verify_release(str(tmp_path / "other-root" / "releases" / VERSION)).sound


def test_corrupt_local_action_entries_are_set_aside_and_their_steps_rebuilt(small_release: ReleaseFixture,
                                                                          tmp_path: Path) -> None:
    first, _ = _apply(small_release)
    entries = sorted((small_release.dir / ".releasebuild" / "cache" / "ac").rglob("*.json"))
    for number, path in enumerate(entries):
        if number % 2:
            path.write_bytes(b"\x00{not an entry" + path.read_bytes()[:40])
        else:  # valid JSON of the right shape, one value changed: only the seal tells
            entry = json.loads(path.read_bytes())
            entry["step"] = entry["step"] + "x"
            path.write_text(json.dumps(entry, sort_keys=True))

    named: list[str] = []  # plan reads the entries of the steps it can evaluate, and names the damaged ones
    api.plan(small_release.release_yaml, listener=lambda _, event, detail: named.append(detail)
             if event == "set-aside" else None)
    report, set_aside = _apply(small_release, str(tmp_path / "other-root"))  # apply names the others
    assert named and all("action cache entry" in line and "is corrupt" in line for line in named + set_aside)
    assert len(named) + len(set_aside) == len(entries)
    assert report["root_digest"] == first["root_digest"]
    assert ran(report) == {step["id"] for step in first["steps"]}  # every step ran again, none trusted
    assert len(list((small_release.dir / ".releasebuild" / "cache" / "corrupt").glob("ac-*"))) == len(entries)
    again, set_aside = _apply(small_release, str(tmp_path / "other-root"))
    assert ran(again) == set() and set_aside == []  # the rebuilt entries are whole


@pytest.fixture
def s3_release(tmp_path: Path, s3_server: S3Server) -> ReleaseFixture:
    """Two small families publishing to s3://pixel-data/exports, whose shared cache is exports/cache/."""
    alpha = [conversation(f"a{i:02d}", f"sa{i // 3}", turns=2 + i % 3) for i in range(12)]
    beta = [conversation(f"b{i:02d}", f"sb{i // 2}", topic="grief") for i in range(10)]
    return make_release(tmp_path / "rel", {"alpha": alpha, "beta": beta}, root=ROOT)


def _s3_manifest(server: S3Server) -> dict[str, Any]:
    body = server.client().get_object(Bucket=S3_BUCKET, Key=PREFIX + "manifest.json")["Body"].read()
    manifest: dict[str, Any] = json.loads(body)
    return manifest


def _s3_put(server: S3Server, key: str, data: bytes) -> None:
    server.client().put_object(Bucket=S3_BUCKET, Key=key, Body=data)


def _s3_get(server: S3Server, key: str) -> bytes:
    body: bytes = server.client().get_object(Bucket=S3_BUCKET, Key=key)["Body"].read()
    return body


def _unpublish(server: S3Server) -> None:
    keys = server.keys(PREFIX)
    server.client().delete_objects(Bucket=S3_BUCKET, Delete={"Objects": [{"Key": key} for key in keys]})


def test_entries_a_clean_machine_read_from_the_shared_cache_are_not_committed_again(s3_release: ReleaseFixture,
                                                                                    s3_server: S3Server) -> None:
    """A machine that took its entries from the shared tier vouches for them on its next apply as they stand. It
    used to commit each one again with the ETags of only the blobs it held (none, after a publish by server-side
    copies), so a clean machine after it had to download every shard to check it."""
    _apply(s3_release)
    entries = {key: _s3_get(s3_server, key) for prefix in ("exports/cache/ac/", "exports/restricted/cache/ac/")
               for key in s3_server.keys(prefix)}
    shutil.rmtree(s3_release.dir / ".releasebuild")
    _unpublish(s3_server)
    assert ran(_apply(s3_release)[0]) == {"release/publish"}  # the shards copied server-side, none downloaded
    s3_server.requests.clear()
    assert ran(_apply(s3_release)[0]) == set()
    written = [r.key for r in map(parse_access_line, s3_server.requests) if r and r.method == "PUT"]
    assert not [key for key in written if "/ac/" in key], written
    assert {key: _s3_get(s3_server, key) for key in entries} == entries


def test_corrupt_shared_entries_and_blobs_on_s3_are_set_aside_and_rebuilt(s3_release: ReleaseFixture,
                                                                         s3_server: S3Server) -> None:
    first, _ = _apply(s3_release)
    manifest = _s3_manifest(s3_server)
    shard = _shards(manifest)[0]
    blob_key = f"exports/cache/cas/sha256/{shard['sha256'][:2]}/{shard['sha256'][2:]}"
    _s3_put(s3_server, blob_key, _flip(_s3_get(s3_server, blob_key)))
    entries = s3_server.keys("exports/cache/ac/")
    for key in entries[:3]:
        _s3_put(s3_server, key, b"<html>502 Bad Gateway</html>")

    # The machine that built it: its own blob is whole, the shared one is not, and publishing must not copy it.
    _unpublish(s3_server)
    report, set_aside = _apply(s3_release)
    assert report["root_digest"] == first["root_digest"]
    assert verify_release(f"{ROOT}/releases/{VERSION}").sound
    assert [line for line in set_aside if blob_key in line], set_aside

    # A clean machine: every entry and blob comes from the shared cache, three entries are garbage and a blob
    # is damaged again.
    _s3_put(s3_server, blob_key, _flip(_s3_get(s3_server, blob_key)))
    for key in entries[:3]:
        _s3_put(s3_server, key, b"<html>502 Bad Gateway</html>")
    shutil.rmtree(s3_release.dir / ".releasebuild")
    _unpublish(s3_server)
    report, set_aside = _apply(s3_release)
    assert report["root_digest"] == first["root_digest"]
    assert verify_release(f"{ROOT}/releases/{VERSION}").sound
    assert len([line for line in set_aside if "shared cache entry" in line]) == 3, set_aside
    assert [line for line in set_aside if blob_key in line], set_aside
    assert hashlib.sha256(_s3_get(s3_server, blob_key)).hexdigest() == shard["sha256"]  # rebuilt and shared
    assert all(json.loads(_s3_get(s3_server, key))["step"] for key in entries[:3])  # rebuilt entries
    assert s3_server.keys("exports/cache/corrupt/")  # set aside in the tier, for whoever looks into it
    again, set_aside = _apply(s3_release)
    assert ran(again) == set() and set_aside == []

    # Checked, yet still cheap: a clean machine publishing from the shared tier copies the shards server-side (their
    # ETags are those the sealed entries recorded), downloading none.
    shutil.rmtree(s3_release.dir / ".releasebuild")
    _unpublish(s3_server)
    s3_server.requests.clear()
    report, set_aside = _apply(s3_release)
    assert ran(report) == {"release/publish"} and set_aside == []
    shard_blobs = {f"/{S3_BUCKET}/exports/cache/cas/sha256/{art['sha256'][:2]}/{art['sha256'][2:]}"
                   for art in _shards(manifest)}
    assert shard_blobs and not shard_blobs & set(s3_server.object_gets())
    assert verify_release(f"{ROOT}/releases/{VERSION}").sound


def test_an_upload_damaged_on_the_way_is_sent_again_and_never_left(s3_server: S3Server, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from faulty_proxy import FaultyProxy

    store = Stores()  # S3 settings from the environment at each use: the proxy below gets its own connections
    local = tmp_path / "shard.jsonl"
    local.write_bytes(b'{"messages": []}\n' * 1000)
    sha256 = hashlib.sha256(local.read_bytes()).hexdigest()
    damaged_once: set[str] = set()

    def first_put_of_each_key(method: str, path: str) -> bool:
        if method != "PUT" or path in damaged_once:
            return False
        damaged_once.add(path)
        return True

    with FaultyProxy(s3_server.endpoint, every=0, corrupt=first_put_of_each_key) as proxy:
        monkeypatch.setenv("OVH_S3_ENDPOINT", proxy.endpoint)
        store.upload(str(local), f"s3://{S3_BUCKET}/shard", sha256)
        store.write(f"s3://{S3_BUCKET}/manifest.json", b'{"artifacts": []}\n')
        store.write_exclusive(f"s3://{S3_BUCKET}/locks/apply.json", b'{"owner": "me"}')  # a lock's create
        with pytest.raises(FileExistsError):
            store.write_exclusive(f"s3://{S3_BUCKET}/locks/apply.json", b'{"owner": "someone else"}')
    assert proxy.corrupted == 3  # the first PUT of each key
    assert _s3_get(s3_server, "shard") == local.read_bytes()
    assert _s3_get(s3_server, "manifest.json") == b'{"artifacts": []}\n'
    assert _s3_get(s3_server, "locks/apply.json") == b'{"owner": "me"}'

    with FaultyProxy(s3_server.endpoint, every=0, corrupt=lambda method, _: method == "PUT") as proxy:
        monkeypatch.setenv("OVH_S3_ENDPOINT", proxy.endpoint)
        with pytest.raises(StorageError, match="did not arrive intact after 3 attempts"):
            store.upload(str(local), f"s3://{S3_BUCKET}/damaged", sha256)
    assert "damaged" not in s3_server.keys()  # no damaged object is left for a reader


def test_an_apply_through_a_damaging_network_path_publishes_only_whole_objects(
        s3_release: ReleaseFixture, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from faulty_proxy import FaultyProxy

    damaged_once: set[str] = set()

    def first_put_of_each_release_object(method: str, path: str) -> bool:
        if method != "PUT" or "/exports/re" not in path or path in damaged_once:  # releases/, restricted/
            return False
        damaged_once.add(path)
        return True

    with FaultyProxy(s3_server.endpoint, every=0, corrupt=first_put_of_each_release_object) as proxy:
        monkeypatch.setenv("OVH_S3_ENDPOINT", proxy.endpoint)
        report, _ = _apply(s3_release)
    assert proxy.corrupted >= 2  # the manifest and the restricted files (uploaded: the shards are copied)
    monkeypatch.setenv("OVH_S3_ENDPOINT", s3_server.endpoint)
    assert verify_release(f"{ROOT}/releases/{VERSION}").sound
    assert _s3_manifest(s3_server)["root_digest"] == report["root_digest"]


def _release_files(root: Path) -> dict[str, bytes]:
    base = root / "releases" / VERSION
    return {path.relative_to(base).as_posix(): path.read_bytes() for path in sorted(base.rglob("*")) if path.is_file()}


def test_a_rebuild_is_byte_identical_whatever_is_cached_and_however_it_runs(tmp_path: Path) -> None:
    """Every file of the release (reports, whose rows come from parallel work and cache hits, included) is the
    same built cold with one worker as built with four from a cache holding part of it and a memo of other inputs:
    rows are ordered by content, never by arrival."""
    families = {"alpha": [conversation(f"a{i:02d}", f"sa{i // 3}", turns=2 + i % 3) for i in range(16)] + ["{bad"],
                "beta": [conversation(f"b{i:02d}", f"sb{i // 2}", topic="grief") for i in range(12)],
                "gamma": [conversation(f"c{i:02d}", f"sc{i}", topic="work") for i in range(10)]}
    cold = make_release(tmp_path / "cold", families)
    assert api.apply(cold.release_yaml, jobs=1).outcome.error is None

    warm = make_release(tmp_path / "warm", families)
    original = warm.data_file("alpha").read_bytes()
    lines = original.splitlines(keepends=True)
    warm.data_file("alpha").write_bytes(b"".join(lines[8:] + lines[:8]) + lines[0].replace(b"a00", b"a99"))
    _apply(warm)  # an earlier build of other inputs: memos for privacy and fingerprints, cached steps
    warm.data_file("alpha").write_bytes(original)
    entries = sorted((warm.dir / ".releasebuild" / "cache" / "ac").rglob("*.json"))
    for path in entries[::2]:
        path.unlink()
    report = api.apply(warm.release_yaml, jobs=4)
    assert report.outcome.error is None, report.outcome.error
    assert {step.status for step in report.outcome.steps} == {"ran", "cached"}  # a mixed build, not a cold one
    assert _release_files(warm.dir / "published") == _release_files(cold.dir / "published")
