"""The no-op fast path (fastpath.py): an identical no-op is answered from its stamp with the same output, and any
change to what the full command read, wherever it lies, makes the next command run in full."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from releasebuild import api, cli, fastpath
from releasebuild.testing import ReleaseFixture, conversation, write_jsonl

Run = Callable[[list[str]], tuple[int, str, str, bool]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run the CLI in process: (exit code, stdout, stderr, whether the full command ran). The full command is seen
    through the app layer's plan and apply, which a replay never reaches."""
    calls: list[str] = []
    for name in ("plan", "apply"):
        real = getattr(api, name)

        def counted(*args: object, _real: Callable[..., object] = real, _name: str = name, **kwargs: object) -> object:
            calls.append(_name)
            return _real(*args, **kwargs)
        monkeypatch.setattr(api, name, counted)

    def run_cli(argv: list[str]) -> tuple[int, str, str, bool]:
        capsys.readouterr()
        before = len(calls)
        code = cli.main(argv)
        out, err = capsys.readouterr()
        return code, out, err, len(calls) > before
    return run_cli


@pytest.fixture
def stamped(small_release: ReleaseFixture, run: Run) -> ReleaseFixture:
    """An applied release whose plain `plan` and `apply` are stamped no-ops."""
    definition = str(small_release.release_yaml)
    assert run(["apply", definition])[0] == 0
    for argv in (["plan", definition], ["apply", definition]):
        code, _, _, full = run(argv)
        assert code == 0 and full
    return small_release


def test_an_identical_noop_is_answered_from_its_stamp_with_the_same_output(stamped: ReleaseFixture,
                                                                            run: Run) -> None:
    definition = str(stamped.release_yaml)
    for argv in (["plan", definition], ["apply", definition], ["plan", "--json", definition]):
        first = run(argv)  # --json has no stamp yet: its first run is the full command, which stamps it
        replayed = run(argv)
        assert replayed[:3] == first[:3]
        assert not replayed[3]
    code, out, _, full = run(["plan", definition])
    assert (code, full) == (0, False) and "up to date" in out


def test_a_replay_past_the_racy_window_keeps_no_digest_it_just_checked(stamped: ReleaseFixture, run: Run,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A no-op stamped just after an apply holds the content digest of every file that apply wrote (a write in the
    same mtime tick keeps size, mtime and inode); once the files are older than the window, a replay checks them
    one last time and drops the digests, so later replays only stat them. A change is still seen afterwards."""
    definition = str(stamped.release_yaml)
    argv = ["apply", definition]

    def racy() -> list[str]:
        """The paths whose content digest the latest stamp of `argv` holds."""
        files = sorted((stamped.dir / fastpath.STAMP_DIR).glob("*.json"), key=lambda file: file.stat().st_mtime_ns)
        stamp = [stamp for file in files if (stamp := json.loads(file.read_text(encoding="utf-8")))["argv"] == argv][-1]
        return [path for path, state in stamp["files"] if state is not None and len(state) > 3]

    run(argv)  # stamped again after the fixture's plan
    assert not run(argv)[3]
    assert racy()  # the stamp followed closely on writes to what it records (the cache, state.json)
    monkeypatch.setattr(fastpath, "RACY_NS", 0)  # as if the window had passed
    assert not run(argv)[3]
    assert racy() == []
    assert not run(argv)[3]
    _same_size_same_mtime_edit(stamped)  # within the racy window no more: only a new mtime would tell
    _append_record(stamped)
    assert run(argv)[3]


def _edit_definition(fixture: ReleaseFixture) -> None:
    fixture.edit_yaml(fixture.release_yaml, shards={"max_records": 3})


def _append_record(fixture: ReleaseFixture) -> None:
    with fixture.data_file("alpha").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(conversation("a99", "sa99")) + "\n")


def _same_size_same_mtime_edit(fixture: ReleaseFixture) -> None:
    """A same-size rewrite within the file's mtime tick (git's "racy clean"): only the content digest the stamp
    keeps for a file changed just before it can tell."""
    path = fixture.data_file("alpha")
    before = os.stat(path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("a00", "a0Z", 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size and os.stat(path).st_ino == before.st_ino


def _drop_action_cache(fixture: ReleaseFixture) -> None:
    shutil.rmtree(fixture.dir / ".releasebuild" / "cache" / "ac")


def _remove_published_release(fixture: ReleaseFixture) -> None:
    shutil.rmtree(fixture.dir / "published" / "releases")


def _edit_release_lock(fixture: ReleaseFixture) -> None:
    lock = fixture.dir / "release.lock"
    lock.write_text(lock.read_text(encoding="utf-8").replace('"version"', '"version" ', 1), encoding="utf-8")


@pytest.mark.parametrize("change", [_edit_definition, _append_record, _same_size_same_mtime_edit,
                                    _drop_action_cache, _remove_published_release, _edit_release_lock],
                         ids=lambda change: change.__name__.strip("_"))
def test_any_change_to_what_the_command_read_runs_it_in_full(stamped: ReleaseFixture, run: Run,
                                                             change: Callable[[ReleaseFixture], None]) -> None:
    definition = str(stamped.release_yaml)
    change(stamped)
    code, out, _, full = run(["plan", definition])
    assert full, "a changed input was answered from the stamp"
    assert code in (0, 2) and out
    # an apply brings it back to a no-op that stamps itself: the second apply after it at the latest is replayed
    assert run(["apply", definition])[0] == 0
    assert [run(["apply", definition])[3] for _ in range(2)][-1] is False


def test_a_new_file_under_a_family_pattern_runs_the_command_in_full(small_release: ReleaseFixture, run: Run) -> None:
    """A directory the full command listed is compared by its names: a new source file the pattern matches shows."""
    family = small_release.family("alpha")
    family["sources"] = ["../data/alpha*.jsonl"]
    small_release.family_yaml("alpha").write_text(json.dumps(family), encoding="utf-8")
    definition = str(small_release.release_yaml)
    assert run(["apply", definition])[0] == 0
    assert run(["plan", definition])[3]
    assert not run(["plan", definition])[3]
    write_jsonl(small_release.dir / "data" / "alpha-more.jsonl", [conversation("a98", "sa98")])
    code, _, _, full = run(["plan", definition])
    assert full and code == 2


def test_a_source_changed_by_someone_else_while_the_command_ran_is_not_stamped(
        stamped: ReleaseFixture, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan read the old file and said so; a stamp of the new file's state with that output would be wrong. The
    edit is made through libc, as another process would make it: no audit event says this process made it."""
    libc = ctypes.CDLL(None, use_errno=True)
    source = stamped.data_file("alpha")
    real_plan = api.plan

    def plan_then_edited(*args: object, **kwargs: object) -> object:
        result = real_plan(*args, **kwargs)
        assert libc.truncate(str(source).encode(), ctypes.c_long(source.stat().st_size + 1)) == 0
        return result
    definition = str(stamped.release_yaml)
    run(["plan", definition])
    monkeypatch.setattr(api, "plan", plan_then_edited)
    for stamp in (stamped.dir / fastpath.STAMP_DIR).glob("*.json"):
        stamp.unlink()  # the command runs in full, and the edit lands while it runs
    code, out, _, _ = run(["plan", definition])
    assert code == 0 and "up to date" in out  # what the plan read before the edit
    monkeypatch.setattr(api, "plan", real_plan)
    code, _, _, full = run(["plan", definition])
    assert full and code == 2


def test_the_environment_is_part_of_the_command(stamped: ReleaseFixture, run: Run,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """$RELEASEBUILD_ROOT (or any variable) may change what a command does: another environment, another stamp."""
    definition = str(stamped.release_yaml)
    monkeypatch.setenv("RELEASEBUILD_FASTPATH_TEST", "1")
    assert run(["plan", definition])[3]
    assert not run(["plan", definition])[3]


def test_the_stamp_records_the_code_that_ran(stamped: ReleaseFixture) -> None:
    """Upgrading releasebuild or a library it imported changes a recorded module file: the stamp misses."""
    stamps = list((stamped.dir / fastpath.STAMP_DIR).glob("*.json"))
    assert stamps
    for stamp in stamps:
        files = {path for path, _ in json.loads(stamp.read_text())["files"]}
        assert {str(Path(module.__file__).resolve()) for module in (api, fastpath, json)} <= files


@pytest.mark.parametrize("argv", [["plan", "--root", "/tmp/elsewhere"], ["plan", "--out", "plan.json"],
                                  ["plan", "--against", "published"], ["apply", "--jobs", "2"], ["validate"],
                                  ["plan", "--compute-data"], ["apply", "a.yaml", "b.yaml"], ["apply", "saved.json"]])
def test_only_a_plain_plan_or_apply_takes_the_fast_path(argv: list[str]) -> None:
    assert fastpath.definition_of(argv) is None


def test_a_command_that_reached_the_network_or_another_process_is_never_stamped(stamped: ReleaseFixture,
                                                                                 run: Run) -> None:
    argv = ["plan", str(stamped.release_yaml)]
    run(argv)
    assert not run(argv)[3]  # stamped
    with fastpath.recording(argv) as recorder:
        assert recorder is not None
        recorder.audit("socket.connect", (None, ("127.0.0.1", 9000)))
    assert recorder.tainted == "socket.connect"
    fastpath.save(argv, recorder, "out", "", 0, noop=True)
    assert run(argv)[3]  # the old stamp of this command is gone with it


def test_a_process_forked_while_recording_records_nothing_and_stats_as_usual(stamped: ReleaseFixture) -> None:
    """A pool worker is forked from a recording apply: what it reads is not the command's (the fork makes the run
    ineligible), and recording its every open and stat only slowed it. The apply that forked it records nothing
    more either."""
    argv = ["plan", str(stamped.release_yaml)]
    with fastpath.recording(argv) as recorder:
        assert recorder is not None and os.stat is not fastpath._real_stat  # os.stat is wrapped while recording
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports through the pipe and exits at once
            os.close(read)
            os.write(write, json.dumps([fastpath.Recorder.active is None, os.stat is fastpath._real_stat,
                                        os.lstat is fastpath._real_lstat]).encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as fh:
            seen = json.loads(fh.read())
        os.waitpid(child, 0)
        assert recorder.tainted == "os.fork"  # the parent's run is not stamped
        # nor does it record any more: an apply that forked its workers stats thousands of blobs it adopts
        assert fastpath.Recorder.active is None and os.stat is fastpath._real_stat
        touched = set(recorder.touched)
        os.stat(stamped.data_file("alpha"))
        assert recorder.touched == touched
    assert seen == [True, True, True]
