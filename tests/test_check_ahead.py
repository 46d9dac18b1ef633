"""Blobs checked ahead (engine._Walk._check_ahead): while a step runs, a thread of the walk hashes the inputs known
so far of the steps after it, and their memos; a blob one thread is hashing is waited for by another, never hashed
twice, and a damaged one is still found and set aside when a step reads it."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from releasebuild.engine import Engine, RunEnv, _Walk
from releasebuild.steps import registry
from releasebuild.steps.base import Step, StepContext, StepMeta, StepSpec
from releasebuild.store import cas as cas_module
from releasebuild.store.cas import ContentStore
from releasebuild.store.io import Stores
from releasebuild.store.root import ReleaseRoot

pytestmark = pytest.mark.unit


class Emit(Step):
    kind = "toy_ahead_emit"
    code_version = "1"
    Result = StepMeta

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        ctx.write_json("text.json", ctx.params["text"])
        return StepMeta()


class Join(Step):
    """Joins its dependencies' texts; keeps its previous output as a memo."""

    kind = "toy_ahead_join"
    code_version = "1"
    memo = ("text.json",)
    Result = StepMeta

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        ctx.write_json("text.json", " ".join(json.loads(ctx.input_path(dep, "text.json").read_text())
                                             for dep in ctx.spec.deps))
        return StepMeta()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunEnv:
    for kind in (Emit, Join):
        monkeypatch.setitem(registry.FIXED_KINDS, kind.kind, kind)
    return RunEnv(cache_dir=tmp_path / "cache", root=ReleaseRoot("mem://root", store=Stores()),
                  blocked_dir=tmp_path / "blocked")


def specs(first: str, second: str) -> list[StepSpec]:
    return [StepSpec("a/emit", Emit.kind, {"text": first}, ()), StepSpec("b/emit", Emit.kind, {"text": second}, ()),
            StepSpec("c/join", Join.kind, {}, ("a/emit", "b/emit")),
            StepSpec("d/join", Join.kind, {}, ("c/join",))]


def test_the_inputs_known_of_the_steps_after_a_running_one_and_their_memos_are_hashed_ahead(env: RunEnv) -> None:
    first = Engine(specs("one", "two"), env, {}).apply(jobs=1)
    assert first.error is None
    fresh = RunEnv(cache_dir=env.cache_dir, root=env.root, blocked_dir=env.blocked_dir)  # a new process's store
    walk = _Walk(Engine(specs("uno", "two"), fresh, dict(first.records)), lambda *_: None, jobs=1)
    walk.results["b/emit"] = first.results["b/emit"]  # decided: cached
    walk.outcomes["b/emit"] = None  # type: ignore[assignment]
    walk._check_ahead("a/emit")  # a/emit runs: c/join and d/join may run after it
    walk.close()
    b_text = first.results["b/emit"].files["text.json"].sha256
    memos = [first.results[step].files["text.json"].sha256 for step in ("c/join", "d/join")]
    assert walk.ahead_sent == {b_text, *memos}  # a/emit's own output is not known yet: it is not sent
    assert all(fresh.cas._verified.get(sha256) for sha256 in walk.ahead_sent)


def test_a_blob_another_thread_is_hashing_is_waited_for_not_hashed_again(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    store = ContentStore(tmp_path / "cache")
    blob = tmp_path / "blob"
    blob.write_bytes(b"some bytes")
    from releasebuild.keys import sha256_file

    digest = sha256_file(blob)
    store.adopt(blob, digest)
    store = ContentStore(tmp_path / "cache")  # a new process: nothing checked yet
    hashed: list[Path] = []
    real = cas_module.sha256_files

    def slow(paths: list[Path], threads: int | None = None) -> list[str | None]:
        hashed.extend(paths)
        time.sleep(0.3)
        return real(paths, threads)

    monkeypatch.setattr(cas_module, "sha256_files", slow)
    ahead = threading.Thread(target=store.check, args=([digest], 1))
    ahead.start()
    time.sleep(0.05)
    started = time.monotonic()
    assert store.local(digest) == store.path(digest)  # waits for the thread's hash, then finds it checked
    assert time.monotonic() - started > 0.1 and len(hashed) == 1
    ahead.join()


def test_a_damaged_blob_checked_ahead_is_still_set_aside_when_read(tmp_path: Path) -> None:
    store = ContentStore(tmp_path / "cache")
    blob = tmp_path / "blob"
    blob.write_bytes(b"some bytes")
    from releasebuild.keys import sha256_file

    digest = sha256_file(blob)
    store.adopt(blob, digest)
    path = store.path(digest)
    path.chmod(0o644)
    path.write_bytes(b"other bytes")
    store = ContentStore(tmp_path / "cache")
    store.check([digest], 1)  # ahead: found not to hold its digest, so not remembered as checked
    with pytest.raises(Exception, match="corrupt or lost"):
        store.local(digest)
    assert store.damage and not path.exists()
