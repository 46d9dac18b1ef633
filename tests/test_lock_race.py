"""Locks (issue 27): one apply per root, local or S3, and never two holders, a dead holder's lock taken over included.

The races fork 2-4 contenders released at one instant against a lock whose holder was SIGKILLed while holding it,
and fail when two of them held the root at the same moment. Small round counts here; `python bench/stress_locks.py`
runs hundreds (docs/reliability.md: Locks).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import S3_BUCKET, S3Server

from releasebuild import cli
from releasebuild.errors import Refused
from releasebuild.store import root_lock
from releasebuild.store.io import Stores
from releasebuild.store.root import ReleaseRoot
from releasebuild.testing import ReleaseFixture, lock_race, parse_access_line

S3_ROOT = f"s3://{S3_BUCKET}/exports"


@pytest.mark.parametrize("contenders", [2, 4])
def test_local_lock_race_never_has_two_holders(tmp_path: Path, contenders: int) -> None:
    race = lock_race(str(tmp_path / "root"), tmp_path / "evidence", rounds=12, contenders=contenders)
    assert race.errors == []
    assert race.double_holders == 0
    assert race.holds >= race.rounds == 12  # the killed holder's lock never keeps the root from everyone
    assert race.holds + race.refused == 12 * contenders


def test_a_checkouts_lock_race_never_has_two_holders(tmp_path: Path) -> None:
    """The checkout's own apply lock, which every apply takes first (its pid-file takeover had two holders in 36 of
    60 rounds of bench/stress_locks.py)."""
    race = lock_race(str(tmp_path / "checkout" / ".releasebuild"), tmp_path / "evidence", rounds=10, contenders=3,
                     checkout=True)
    assert race.errors == []
    assert race.double_holders == 0
    assert race.holds >= race.rounds == 10


def test_s3_lock_race_never_has_two_holders(s3_server: S3Server, tmp_path: Path) -> None:
    race = lock_race(S3_ROOT, tmp_path / "evidence", rounds=4, contenders=3)
    assert race.errors == []
    assert race.double_holders == 0
    assert race.holds >= race.rounds == 4
    assert not any(key.startswith("exports/locks/") for key in s3_server.keys())


@pytest.mark.parametrize("store", ["memory", "local", "s3"])
def test_a_conditional_swap_loses_to_whoever_swapped_first(store: str, tmp_path: Path, request: pytest.FixtureRequest
                                                           ) -> None:
    """The takeover's primitive: two processes read one version; the first swap wins, the second is refused."""
    if store == "s3":
        request.getfixturevalue("s3_server")
    uri = {"memory": "mem://locks/apply.json", "local": str(tmp_path / "apply.json"), "s3": f"{S3_ROOT}/x.json"}[store]
    stores = Stores()
    assert stores.read_tagged(uri) is None
    stores.write_exclusive(uri, b"dead holder")
    tagged = stores.read_tagged(uri)
    assert tagged is not None and tagged[0] == b"dead holder"
    assert stores.replace_if(uri, b"first", tagged[1])
    assert not stores.replace_if(uri, b"second", tagged[1])  # the version it read is gone
    assert stores.read(uri) == b"first"
    assert not stores.remove_if(uri, tagged[1])  # a release by the stale tag deletes nobody's lock
    now = stores.read_tagged(uri)
    assert now is not None and stores.remove_if(uri, now[1])
    assert stores.read(uri) is None
    assert not stores.replace_if(uri, b"third", tagged[1]) and not stores.remove_if(uri, tagged[1])


def test_an_s3_takeover_is_one_conditional_put(s3_server: S3Server) -> None:
    """A dead holder's lock is replaced by a PUT with If-Match, never deleted first (the old race's window)."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = root_lock.Holder("someone", __import__("socket").gethostname(), int(dead.stdout), "t0", 0.0, 1.0)
    root = ReleaseRoot(S3_ROOT)
    root.store.write(root_lock.lock_uri(root), json.dumps(stale.__dict__).encode())
    s3_server.requests.clear()
    with root_lock.holding(root) as mine:
        held = root_lock.read_holder(root)
        assert held is not None and held.token == mine.token
    methods = [r.method for r in map(parse_access_line, s3_server.requests) if r and r.key.startswith("exports/locks/")]
    assert methods[:3] == ["PUT", "GET", "PUT"]  # create (412: held), read body and ETag, swap (If-Match)
    assert methods.count("DELETE") == 1 and methods[-1] == "DELETE"  # only the release deletes
    assert root_lock.read_holder(root) is None


def test_a_local_root_is_held_by_one_apply_at_a_time(small_release: ReleaseFixture, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Two checkouts publishing to one local root: the second is refused (exit 4) while the first holds it."""
    shared = str(tmp_path / "shared-root")
    with root_lock.holding(ReleaseRoot(shared)) as holder:  # another checkout's apply, mid-run
        assert cli.main(["apply", str(small_release.release_yaml), "--root", shared, "--json"]) == 4
        error = json.loads(capsys.readouterr().out)["error"]
        assert f"another apply holds {shared}" in error and f"pid {holder.pid}" in error
        assert not (Path(shared) / "releases").exists()
        assert cli.main(["unlock", str(small_release.release_yaml), "--root", shared]) == 4  # a kernel lock
        capsys.readouterr()
    assert cli.main(["unlock", str(small_release.release_yaml), "--root", shared]) == 0
    assert "no apply lock held" in capsys.readouterr().out
    assert cli.main(["apply", str(small_release.release_yaml), "--root", shared, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["published"]
    assert root_lock.read_holder(ReleaseRoot(shared)) is None


def test_a_killed_local_holder_leaves_nothing_to_take_over(tmp_path: Path) -> None:
    root = ReleaseRoot(str(tmp_path / "root"))
    hold = ("import os, signal, sys\nfrom releasebuild.store import root_lock\n"
            "from releasebuild.store.root import ReleaseRoot\n"
            "with root_lock.holding(ReleaseRoot(sys.argv[1])):\n    os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = subprocess.run([sys.executable, "-c", hold, root.uri], env={**os.environ}, timeout=60)
    assert killed.returncode == -9
    assert (tmp_path / "root" / "locks" / "apply.lock").read_bytes()  # its note is left behind...
    assert root_lock.read_holder(root) is None  # ...and means nothing: the kernel dropped its lock
    with root_lock.holding(root) as mine:
        held = root_lock.read_holder(root)
        assert held is not None and held.token == mine.token
        with pytest.raises(Refused, match="another apply holds"):
            with root_lock.holding(root):  # one process, two opens: excluded too
                pass
    assert root_lock.read_holder(root) is None
