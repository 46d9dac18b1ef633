"""The warm server (releasebuild/server.py): a command it serves does what the same command does unserved, only a
command of its own user, code and environment is served, a client's death or Ctrl-C reaches the command, and
`server stop` ends it. Real processes throughout: the server is started as a user starts it, commands run as
`python -m releasebuild`, and every process a test starts is stopped."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from releasebuild import server
from releasebuild.processes import alive
from releasebuild.testing import ReleaseFixture, conversation, family_definition, make_release

# A rule that holds while the file "hold" beside the release exists: a command that is still running when a test
# kills or interrupts its client. It gives up after a minute, so nothing outlives a failed test for long.
HOLDING_RULE_SCRIPT = '''\
import json, os, sys, time

hold = os.path.join(sys.argv[1], "hold")
if os.path.exists(hold):
    open(os.path.join(sys.argv[1], "rule-started"), "w").close()
    deadline = time.monotonic() + 60
    while os.path.exists(hold) and time.monotonic() < deadline:
        time.sleep(0.05)
os.makedirs("out", exist_ok=True)
with open("out/held.jsonl", "w") as fh:
    fh.write(json.dumps({"cid": "h0", "session": "h0", "topic": "sleep",
                         "dialog": [{"speaker": "usr", "text": "a question"}, {"speaker": "sys", "text": "a reply"}]}))
    fh.write("\\n")
'''


class Launcher:
    """Commands run as a user runs them, from one working directory and in one environment, so that they and the
    server share an identity (a test that wants another changes the environment on purpose)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.cwd = Path(tempfile.mkdtemp(prefix="rbs-cwd-"))
        # the pytest variable changes between a fixture's setup and a test's call: it would make another identity
        self.env = {key: value for key, value in os.environ.items() if key != "PYTEST_CURRENT_TEST"}
        self.env[server.DIRECTORY_VARIABLE] = str(directory)
        self.env.pop(server.SWITCH, None)

    def argv(self, *args: str | Path) -> list[str]:
        return [sys.executable, "-m", "releasebuild", *map(str, args)]

    def run(self, *args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(*args), cwd=self.cwd, env=env or self.env, capture_output=True, text=True,
                              timeout=180)

    def popen(self, *args: str | Path) -> subprocess.Popen[str]:
        return subprocess.Popen(self.argv(*args), cwd=self.cwd, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def status(self) -> dict[str, Any] | None:
        result = self.run("server", "status", "--json")
        assert result.returncode == 0, result.stderr
        reply: dict[str, Any] | None = json.loads(result.stdout)["server"]
        return reply


def _server_directory() -> Path:
    # short: a Unix socket's path holds about 100 bytes, and pytest's tmp_path can be longer
    return Path(tempfile.mkdtemp(prefix="rbs-"))


def _start(launcher: Launcher, definition: Path) -> dict[str, Any]:
    started = launcher.run("server", "start", definition, "--json")
    assert started.returncode == 0, started.stderr
    document: dict[str, Any] = json.loads(started.stdout)
    assert document["ok"] and not document["already_running"] and alive(document["pid"])
    return document


def _stop(launcher: Launcher, pid: int) -> None:
    """The server stopped (killed if it will not stop), and the launcher's directories removed."""
    if launcher.cwd.exists():
        launcher.run("server", "stop")
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
    for directory in (launcher.directory, launcher.cwd):
        if directory.exists():
            directory.chmod(0o700)
            shutil.rmtree(directory)


def _wait_for(condition: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _served_pids(log: Path) -> list[int]:
    """The children the server's log says it forked, in order ("command N in PID: ...")."""
    return [int(line.split(" in ")[1].split(":")[0]) for line in log.read_text().splitlines()
            if "] command " in line]


def _with_holding_rule(fixture: ReleaseFixture) -> ReleaseFixture:
    (fixture.dir / "scripts").mkdir()
    (fixture.dir / "scripts" / "hold.py").write_text(HOLDING_RULE_SCRIPT)
    rule = {"name": "held", "cmd": ["{python}", "../scripts/hold.py", str(fixture.dir)],
            "inputs": ["../scripts/hold.py"], "outputs": ["out/held.jsonl"]}
    fixture.family_yaml("held").write_text(yaml.safe_dump(
        {**family_definition("held", sources=["rule:held"]), "rules": [rule]}, sort_keys=False))
    release = yaml.safe_load(fixture.release_yaml.read_text())
    release["families"].append("families/held.yaml")
    release["curriculum"][0]["families"]["held"] = 1
    fixture.release_yaml.write_text(yaml.safe_dump(release, sort_keys=False))
    return fixture


def _release(directory: Path, holding: bool = True) -> ReleaseFixture:
    alpha = [conversation(f"a{i:02d}", f"sa{i // 3}", turns=2 + i % 3) for i in range(12)]
    beta = [conversation(f"b{i:02d}", f"sb{i // 2}", topic="grief") for i in range(12)] + ["{not json"]
    fixture = make_release(directory, {"alpha": alpha, "beta": beta})
    return _with_holding_rule(fixture) if holding else fixture


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Launcher, dict[str, Any]]]:
    """A server started for a small release (its loads made), shared by this module's tests that keep it."""
    launcher = Launcher(_server_directory())
    release = _release(tmp_path_factory.mktemp("warm") / "rel")
    started = _start(launcher, release.release_yaml)
    yield launcher, started
    _stop(launcher, started["pid"])


def _tree(directory: Path) -> dict[str, bytes]:
    return {str(path.relative_to(directory)): path.read_bytes() for path in sorted(directory.rglob("*"))
            if path.is_file()}


def test_a_served_apply_publishes_what_an_unserved_one_does(served: tuple[Launcher, dict[str, Any]],
                                                           tmp_path: Path) -> None:
    launcher, started = served
    by_server, by_itself = _release(tmp_path / "a", holding=False), _release(tmp_path / "b", holding=False)
    before = launcher.status()
    assert before is not None

    applied = launcher.run("apply", by_server.release_yaml, "--json")
    alone = launcher.run("apply", by_itself.release_yaml, "--json", env={**launcher.env, server.SWITCH: "0"})

    after = launcher.status()
    assert after is not None and after["served"] == before["served"] + 1  # the first was served, the second not
    assert applied.returncode == alone.returncode == 0, (applied.stderr, alone.stderr)
    served_steps, own_steps = (sorted((step["id"], step["status"]) for step in json.loads(result.stdout)["steps"])
                               for result in (applied, alone))
    assert served_steps == own_steps
    published = _tree(by_server.dir / "published" / "releases")
    assert published and published == _tree(by_itself.dir / "published" / "releases")
    assert len(_served_pids(Path(started["log"]))) == after["served"]


def test_a_command_of_another_environment_runs_unserved(served: tuple[Launcher, dict[str, Any]],
                                                        tmp_path: Path) -> None:
    launcher, _ = served
    release = _release(tmp_path / "rel")
    before = launcher.status()
    assert before is not None
    result = launcher.run("validate", release.release_yaml, env={**launcher.env, "SOME_SETTING": "another"})
    assert result.returncode == 0, result.stderr
    after = launcher.status()
    assert after is not None and after["served"] == before["served"]
    launcher.run("validate", release.release_yaml)  # the same command in the server's environment is served
    again = launcher.status()
    assert again is not None and again["served"] == before["served"] + 1


def _held_apply(launcher: Launcher, release: ReleaseFixture, log: Path) -> tuple[subprocess.Popen[str], int]:
    """An apply left running inside the holding rule, and the server's child that runs it."""
    (release.dir / "hold").touch()
    known = set(_served_pids(log))
    client = launcher.popen("apply", release.release_yaml)
    _wait_for(lambda: (release.dir / "rule-started").exists())
    [child] = [pid for pid in _served_pids(log) if pid not in known]
    assert alive(child)
    return client, child


def test_a_killed_client_takes_its_command_with_it(served: tuple[Launcher, dict[str, Any]], tmp_path: Path) -> None:
    launcher, started = served
    release = _release(tmp_path / "rel")
    client, child = _held_apply(launcher, release, Path(started["log"]))
    client.kill()
    client.communicate()
    _wait_for(lambda: not alive(child), seconds=10)
    (release.dir / "hold").unlink()
    # nothing of the killed command holds the release: the next apply (unserved) runs and publishes
    result = launcher.run("apply", release.release_yaml, "--json", env={**launcher.env, server.SWITCH: "0"})
    assert result.returncode == 0, result.stderr


def test_ctrl_c_at_the_client_interrupts_the_command(served: tuple[Launcher, dict[str, Any]], tmp_path: Path) -> None:
    launcher, started = served
    release = _release(tmp_path / "rel")
    client, child = _held_apply(launcher, release, Path(started["log"]))
    client.send_signal(signal.SIGINT)
    try:
        _, stderr = client.communicate(timeout=30)
    finally:
        (release.dir / "hold").unlink(missing_ok=True)
    assert client.returncode == 1 and "interrupted" in stderr, stderr
    _wait_for(lambda: not alive(child), seconds=10)


def test_stop_ends_the_server_and_a_directory_others_may_enter_is_never_used(tmp_path: Path) -> None:
    directory = _server_directory()
    launcher = Launcher(directory)
    release = _release(tmp_path / "rel")
    started = _start(launcher, release.release_yaml)
    try:
        again = launcher.run("server", "start", release.release_yaml, "--json")
        assert json.loads(again.stdout)["already_running"] and json.loads(again.stdout)["pid"] == started["pid"]

        directory.chmod(0o755)  # another user could have put a socket here: neither the client nor start trust it
        result = launcher.run("validate", release.release_yaml)
        assert result.returncode == 0 and _served_pids(Path(started["log"])) == []
        refused = launcher.run("server", "start", release.release_yaml)
        assert refused.returncode == 1 and "mode 700" in refused.stderr
        directory.chmod(0o700)

        stopped = launcher.run("server", "stop", "--json")
        assert json.loads(stopped.stdout)["stopped"] == started["pid"]
        _wait_for(lambda: not alive(started["pid"]), seconds=10)
        assert not Path(started["socket"]).exists() and launcher.status() is None
        assert launcher.run("validate", release.release_yaml).returncode == 0  # unserved, as before any server
    finally:
        directory.chmod(0o700)
        _stop(launcher, started["pid"])


def test_stop_all_ends_the_servers_no_command_reaches_any_more(tmp_path: Path) -> None:
    launcher = Launcher(_server_directory())
    release = _release(tmp_path / "rel", holding=False)
    first = _start(launcher, release.release_yaml)
    launcher.env["SOME_SETTING"] = "changed since"  # the first server's commands now have another identity
    second = _start(launcher, release.release_yaml)
    try:
        status = launcher.status()
        assert status is not None and status["pid"] == second["pid"]  # a command now reaches the second only
        stopped = launcher.run("server", "stop", "--all", "--json")
        assert sorted(json.loads(stopped.stdout)["stopped"]) == sorted([first["pid"], second["pid"]])
        _wait_for(lambda: not alive(first["pid"]) and not alive(second["pid"]), seconds=10)
        assert list(Path(launcher.env[server.DIRECTORY_VARIABLE]).glob("*.sock")) == []
    finally:
        for started in (first, second):
            _stop(launcher, started["pid"])


def test_the_identity_follows_the_environment_and_the_installed_code(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLDPWD", "/somewhere")
    first = server.identity()
    monkeypatch.setenv("OLDPWD", "/elsewhere")  # what a shell changes between two identical commands
    assert server.identity() == first
    monkeypatch.setenv("RELEASEBUILD_ROOT", "s3://another/root")
    assert server.identity() != first
    monkeypatch.delenv("RELEASEBUILD_ROOT")
    assert server.identity() == first

    installed = tmp_path / "site-packages"
    installed.mkdir()
    monkeypatch.syspath_prepend(str(installed))
    with_path = server.identity()
    assert with_path != first
    (installed / "another_package").mkdir()  # an install changes its directory's listing
    os.utime(installed, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert server.identity() != with_path
