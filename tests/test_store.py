"""The Store contract, held by every kind of store: the local disk, memory, any fsspec filesystem, and S3 (moto's
server over HTTP, through the production code path).

One set of behaviours, checked the same way on each, so that code written against a Store (the engine, the steps,
the release root) can be tested over memory and trusted on S3.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import S3_BUCKET, S3Server

from releasebuild.store.backends import FsspecStore, LocalStore, MemoryStore, S3Store, Store
from releasebuild.store.io import Stores
from releasebuild.store.s3 import S3Settings

Maker = Callable[[Path], tuple[Store, str]]  # (store, a prefix under which the test may write)

MAKERS: dict[str, Maker] = {
    "local": lambda tmp: (LocalStore(), str(tmp / "store")),
    "memory": lambda tmp: (MemoryStore(), "mem://bucket/store"),
    "fsspec-file": lambda tmp: (FsspecStore(), f"file://{tmp}/store"),
    "fsspec-memory": lambda tmp: (FsspecStore(), f"memory://{tmp.name}/store"),
}


def check_contract(store: Store, base: str, tmp: Path) -> None:
    assert store.read(f"{base}/absent.json") is None
    assert not store.exists(f"{base}/absent.json")
    assert store.compare(f"{base}/absent.json", b"x") == "absent"
    with pytest.raises(FileNotFoundError):
        store.info(f"{base}/absent.json")
    assert store.list_names(f"{base}/nothing") == [] and store.list_files(f"{base}/nothing") == {}

    store.write(f"{base}/a/one.json", b'{"n": 1}')
    store.write(f"{base}/a/deep/two.json", b"22")
    store.write(f"{base}/b.txt", b"bee")
    assert store.read(f"{base}/a/one.json") == b'{"n": 1}'
    with store.open(f"{base}/b.txt") as fh:
        assert fh.read() == b"bee"
    assert store.exists(f"{base}/b.txt") and store.info(f"{base}/b.txt")["size"] == 3
    assert store.compare(f"{base}/b.txt", b"bee") == "same"
    assert store.compare(f"{base}/b.txt", b"bees") == "different"
    store.write(f"{base}/b.txt", b"bees")  # a plain write replaces
    assert store.read(f"{base}/b.txt") == b"bees"

    store.write_exclusive(f"{base}/lock", b"mine")
    with pytest.raises(FileExistsError):
        store.write_exclusive(f"{base}/lock", b"theirs")
    assert store.read(f"{base}/lock") == b"mine"

    assert store.list_names(base) == ["a", "b.txt", "lock"]
    assert sorted(store.list_files(f"{base}/a")) == ["deep/two.json", "one.json"]
    matched = store.expand(f"{base}/a/*.json")
    assert [info.uri.rsplit("/", 2)[-2:] for info in matched] == [["a", "one.json"]]  # `*` stays in its part
    assert matched[0].size == len(b'{"n": 1}') and matched[0].token
    assert [info.uri.rsplit("/", 1)[-1] for info in store.expand(f"{base}/a/**/*.json")] == ["two.json", "one.json"]
    assert store.expand(f"{base}/a/none-*.json") == []

    local = tmp / "upload.bin"
    local.write_bytes(b"payload" * 100)
    store.upload(str(local), f"{base}/up/blob", hashlib.sha256(local.read_bytes()).hexdigest())
    store.copy(f"{base}/up/blob", f"{base}/up/copy")
    store.download(f"{base}/up/copy", str(tmp / "down.bin"))
    assert (tmp / "down.bin").read_bytes() == local.read_bytes()

    store.remove([f"{base}/up/blob", f"{base}/up/never-there"])  # one already gone is not an error
    assert not store.exists(f"{base}/up/blob") and store.exists(f"{base}/up/copy")
    store.remove([f"{base}/up/never-there"])  # nor is a call that finds nothing to remove
    store.remove([])


@pytest.mark.unit
@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_every_store_keeps_the_contract(kind: str, tmp_path: Path) -> None:
    store, base = MAKERS[kind](tmp_path)
    check_contract(store, base, tmp_path)


def test_s3_keeps_the_contract(s3_server: S3Server, tmp_path: Path) -> None:
    check_contract(S3Store(S3Settings.from_env()), f"s3://{S3_BUCKET}/contract", tmp_path)


@pytest.mark.unit
def test_the_router_sends_each_uri_to_its_store_and_its_memory_travels_with_a_job(tmp_path: Path) -> None:
    stores = Stores(S3Settings(endpoint_url="http://127.0.0.1:9"))
    assert isinstance(stores.backend(str(tmp_path / "x")), LocalStore)
    assert isinstance(stores.backend(f"file://{tmp_path}/x"), LocalStore)
    assert stores.backend("mem://a/b") is stores.memory
    assert isinstance(stores.backend("memory://a/b"), FsspecStore)  # fsspec's own, shared per process
    assert isinstance(stores.backend("s3://bucket/key"), S3Store)
    assert isinstance(stores.backend("gcs://bucket/key"), FsspecStore)

    stores.write("mem://a/b", b"snapshot")
    stores.write(str(tmp_path / "x"), b"disk")
    stores.remove(["mem://a/b", str(tmp_path / "x")])  # one call, two stores
    assert not stores.exists("mem://a/b") and not (tmp_path / "x").exists()

    stores.write("mem://a/c", b"sent")
    copy = pickle.loads(pickle.dumps(stores))  # what a worker process receives with a job
    assert copy.read("mem://a/c") == b"sent"
    assert copy.backend("s3://bucket/key").settings == stores.backend("s3://bucket/key").settings  # type: ignore[attr-defined]


@pytest.mark.unit
def test_s3_connections_follow_the_settings_without_anyone_clearing_a_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings are read from the environment at each use: a new endpoint gets a store of its own; the same
    settings get the same store (and so its connections)."""
    monkeypatch.setenv("OVH_S3_ENDPOINT", "http://127.0.0.1:9")
    stores = Stores()
    first = stores.backend("s3://bucket/key")
    assert stores.backend("s3://bucket/other") is first
    monkeypatch.setenv("OVH_S3_ENDPOINT", "http://127.0.0.1:10")
    moved = stores.backend("s3://bucket/key")
    assert moved is not first and moved.settings.endpoint_url == "http://127.0.0.1:10"  # type: ignore[attr-defined]
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")  # read by botocore itself: a new client too
    assert stores.backend("s3://bucket/key") is not moved
