"""Digests remembered across processes (`store/file_hashes.py`): a blob one process hashed or wrote is not hashed
by the next while it is untouched, and a file whose mtime the clock has not yet passed is never remembered."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

import releasebuild.store.cas
from releasebuild.errors import CorruptCache
from releasebuild.store.cas import HASHES, ContentStore
from releasebuild.store.file_hashes import FileHashes, observe, settle


def _hash_counter(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file the content store hashes from now on."""
    hashed: list[Path] = []
    real = releasebuild.store.cas.sha256_files

    def counting(paths: list[Path], threads: int | None = None) -> list[str | None]:
        hashed.extend(paths)
        return real(paths, threads)

    monkeypatch.setattr(releasebuild.store.cas, "sha256_files", counting)
    return hashed


def _adopted(cas: ContentStore, scratch: Path, data: bytes) -> str:
    """A blob written and adopted as a step's output is (hashed as it was written)."""
    scratch.mkdir(exist_ok=True)
    file = scratch / hashlib.sha256(data).hexdigest()
    file.write_bytes(data)
    cas.adopt(file, file.name)
    return file.name


def test_a_blob_written_by_one_process_is_not_hashed_by_the_next_until_it_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    writer = ContentStore(cache)
    sha = _adopted(writer, tmp_path / "out", b"a blob's bytes\n" * 100)
    writer.hashes.save()
    hashed = _hash_counter(monkeypatch)

    reader = ContentStore(cache)  # a new process: nothing checked in memory
    assert reader.local(sha).read_bytes() == b"a blob's bytes\n" * 100
    assert hashed == []

    blob = reader.path(sha)
    before = blob.stat()
    blob.chmod(0o644)
    blob.write_bytes(b"A blob's bytes\n" + b"a blob's bytes\n" * 99)  # same size, mtime set back: a new ctime
    os.utime(blob, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(CorruptCache):
        ContentStore(cache).local(sha)
    assert hashed == [blob]


def test_a_file_stamped_at_or_after_the_clock_is_hashed_every_time_and_never_remembered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file written in the clock tick it is looked at could be written again in that tick with nothing of its stat
    changed; one stamped in the future (a clock set back) the same. Such a file is hashed, never remembered."""
    cache = tmp_path / "cache"
    data = b"written just now\n"
    sha = hashlib.sha256(data).hexdigest()
    store = ContentStore(cache)
    blob = store.path(sha)
    blob.parent.mkdir(parents=True)
    blob.write_bytes(data)
    later = time.time_ns() + 3600 * 10**9
    os.utime(blob, ns=(later, later))
    assert observe(blob)[1] is False
    hashed = _hash_counter(monkeypatch)

    store.check([sha])
    store.hashes.save()
    assert hashed == [blob]
    assert not (cache / HASHES).exists()
    ContentStore(cache).check([sha])
    assert hashed == [blob, blob]


def test_settling_moves_a_fresh_files_mtime_before_the_clock(tmp_path: Path) -> None:
    file = tmp_path / "fresh"
    file.write_bytes(b"x")
    later = time.time_ns() + 3600 * 10**9
    os.utime(file, ns=(later, later))
    seen = settle(file)
    assert seen is not None and seen == observe(file)[0] and observe(file)[1] is True
    assert seen[1] <= time.time_ns()


def test_two_processes_saving_keep_each_others_entries_and_a_damaged_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / HASHES
    one, other = FileHashes(path), FileHashes(path)
    first, second = tmp_path / "first", tmp_path / "second"
    for file in (first, second):
        file.write_bytes(file.name.encode())
    one.remember(first, observe(first)[0], "1" * 64)
    other.remember(second, observe(second)[0], "2" * 64)
    one.save()
    other.save()
    merged = FileHashes(path)
    assert merged.known(first, observe(first)[0]) == "1" * 64
    assert merged.known(second, observe(second)[0]) == "2" * 64

    merged.forget(first)
    merged.save()
    assert set(json.loads(path.read_bytes())) == {str(second)}

    path.write_bytes(b'{"not": "an entry", ')
    assert FileHashes(path).known(second, observe(second)[0]) is None
    repaired = FileHashes(path)
    repaired.remember(first, observe(first)[0], "1" * 64)
    repaired.save()
    assert set(json.loads(path.read_bytes())) == {str(first)}


def test_a_blob_written_again_leaves_a_copy_known_intact_and_replaces_one_that_is_not(tmp_path: Path) -> None:
    """A step's output whose blob the store holds, known intact, is not moved over it (the kernel would free the old
    copy's blocks in the walk's time): the file stays for its job's directory to go. A copy not known intact (damaged
    behind its recorded state, or never hashed) is replaced by the new one, which was hashed as it was written."""
    data = b"the same output, written by two runs\n" * 1000
    cas = ContentStore(tmp_path / "cache")
    sha256 = _adopted(cas, tmp_path / "one", data)
    held = cas.path(sha256).stat().st_ino
    _adopted(cas, tmp_path / "two", data)
    assert cas.path(sha256).stat().st_ino == held and (tmp_path / "two" / sha256).exists()
    cas.hashes.save()
    later = ContentStore(tmp_path / "cache")  # a later apply: intact by the remembered digest
    _adopted(later, tmp_path / "three", data)
    assert later.path(sha256).stat().st_ino == held and (tmp_path / "three" / sha256).exists()
    blob = later.path(sha256)  # damaged: its state changes, so the digest remembered for it no longer holds
    blob.chmod(0o644)
    blob.write_bytes(b"rot" + data[3:])
    fresh = ContentStore(tmp_path / "cache")
    _adopted(fresh, tmp_path / "four", data)
    assert blob.read_bytes() == data and not (tmp_path / "four" / sha256).exists()
