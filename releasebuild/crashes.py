"""Test kit: SIGKILL `apply` at chosen or random points and check what it left (issue 27, crash safety).

A scenario publishes release A to a root, keeps the checkout's cache as A left it, and measures an apply of
release B (A with one family's data changed: shards, provenance and restricted files change, some keys go) run
without interruption: its duration and the exact bytes it publishes. A trial publishes A to a fresh root, restores
that cache, runs `python -m releasebuild apply` for B in a subprocess and SIGKILLs it (the apply only, not its
process group, as an OOM killer or a lost machine does): after a delay, when a test server holds a chosen request,
or at a chosen operation on the root (`die_at`, run through this module's `die-at` command, which kills itself
there). It then checks:

- the root as the kill left it: a manifest found there verifies (restricted files included: `restricted_checked`
  says how many) and is A's or B's; on a local root one of them is always there; on an object store the version
  may be un-committed (no manifest) while a journal names its staging, which the next apply switches to (a plan
  must not call such a root up to date);
- that none of the apply's worker processes outlives it by more than a few seconds;
- that the next apply succeeds and publishes exactly B's bytes (release and restricted files);
- that nothing is left: staging, journals, retired copies, objects the manifest does not list, the lock object of an
  S3 root, step directories in the checkout's cache.

`python -m releasebuild.crashes die-at KIND N UNDER -- ARGS...` runs `releasebuild ARGS` and SIGKILLs itself just
before its Nth operation of KIND (`copy`: a file copied or linked to, `switch`: a directory renamed or exchanged,
`rmtree`: a tree removed) on a path under UNDER.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from releasebuild.store.backends import is_local, local_path
from releasebuild.store.io import Stores
from releasebuild.testing import ReleaseFixture, conversation, make_release, write_jsonl

VERSION = "v2026-11-23"
WORKER_GRACE_SECONDS = 5.0  # how long a killed apply's workers may take to go
HELD_TIMEOUT_SECONDS = 120.0  # how long a trial waits for the request a test server is to hold
PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


@dataclass
class Scenario:
    """A checkout that publishes A then B, what B publishes when nothing interrupts it, and how long that takes."""

    fixture: ReleaseFixture
    roots: str  # trials publish to <roots>/<trial name>
    pristine: Path  # the checkout's .releasebuild and release.lock as A's apply left them
    digests: dict[str, str]  # A's root digest and B's, by "A" and "B"
    expected: dict[str, str]  # B's published objects (releases/<v>/..., restricted/<v>/...) -> sha256
    seconds: float  # an uninterrupted apply of B, subprocess start included


@dataclass
class CrashTrial:
    name: str
    point: str
    killed: bool = True  # False: the apply finished before the kill came
    after_kill: str = ""  # "A", "B", "un-committed (journal)" or what is wrong
    broken: bool = False  # the previous release was lost, or a manifest there did not verify, or plan said up to date
    identical: bool = False  # the next apply published exactly what an uninterrupted apply of B publishes
    debris: list[str] = field(default_factory=list)
    workers_left: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0  # how long the killed apply ran (or took, when it finished first)
    restricted_checked: int = 0  # restricted files the verify after the kill read against the manifest found there

    @property
    def failed(self) -> bool:
        return self.broken or not self.identical or bool(self.debris or self.workers_left or self.errors)


def release_rows(which: str) -> dict[str, list[Any]]:
    """The two releases' sources: B drops half of alpha, edits a reply and adds an address the privacy gate finds."""
    alpha = [conversation(f"a{i:02d}", f"sa{i // 3}", turns=2 + i % 3) for i in range(12)]
    beta = [conversation(f"b{i:02d}", f"sb{i // 2}", topic="grief") for i in range(10)]
    if which == "B":
        alpha = alpha[:6] + [conversation("a90", "sa90", text="Write to me at jordan.rivers@example.org any time.")]
        alpha[2]["dialog"][1]["text"] = "An edited reply."
    return {"alpha": alpha, "beta": beta}


def use_release(fixture: ReleaseFixture, which: str) -> None:
    for family, rows in release_rows(which).items():
        write_jsonl(fixture.data_file(family), rows)


def prepare(directory: Path, roots: str, shared_cache: str | None = None) -> Scenario:
    """Build A into a checkout under `directory` (published to <roots>/a), keep its cache, then time an apply of B
    (a subprocess, against a root holding A) and record what it published. `shared_cache`: one shared cache tier
    for every trial's root (else each remote root has its own, filled afresh): B's steps then come from it, so a
    trial's kill lands in fetching and publishing."""
    from releasebuild import api

    extra: dict[str, Any] = {"remote_cache": shared_cache} if shared_cache is not None else {}
    fixture = make_release(directory / "checkout", release_rows("A"), **extra)
    report = api.apply(fixture.release_yaml, f"{roots}/a", jobs=2)
    if report.outcome.error is not None:
        raise RuntimeError(f"A did not publish: {report.outcome.error}")
    digest_a = str(report.to_json()["root_digest"])
    pristine = directory / "pristine"
    shutil.copytree(fixture.dir / ".releasebuild", pristine / ".releasebuild")
    shutil.copy2(fixture.dir / "release.lock", pristine / "release.lock")
    scenario = Scenario(fixture, roots, pristine, {"A": digest_a}, {}, 0.0)
    root = publish_a(scenario, "clean")
    scenario.seconds, scenario.digests["B"] = _timed_apply(fixture, root)
    scenario.expected = published_objects(root)
    if shared_cache is not None:  # B's steps are in the shared tier now, as every trial finds them
        scenario.seconds, _ = _timed_apply(fixture, publish_a(scenario, "timed"))
    return scenario


def _timed_apply(fixture: ReleaseFixture, root: str) -> tuple[float, str]:
    """An uninterrupted apply in a subprocess: how long it took, and the root digest it published."""
    started = time.monotonic()
    done = subprocess.run(_apply_command(fixture, root), env=_child_env({}), capture_output=True, text=True,
                          timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"B did not publish (exit {done.returncode}): {done.stderr[-2000:]}")
    return time.monotonic() - started, str(json.loads(done.stdout)["root_digest"])


def trial(scenario: Scenario, name: str, *, delay: float | None = None, die_at: tuple[str, int] | None = None,
          held: threading.Event | None = None, env: dict[str, str] | None = None) -> CrashTrial:
    """Kill an apply of B against a fresh root holding A (after `delay` seconds, at `die_at`, or once `held` is
    set: a test server holding the request the test chose, reached through `env`), then check it all (see above)."""
    root = publish_a(scenario, name)
    point = (f"after {delay:.2f}s" if delay is not None else f"at {die_at[0]} #{die_at[1]}" if die_at is not None
             else "at a held request")
    result = CrashTrial(name, point)
    command = _apply_command(scenario.fixture, root)
    if die_at is not None:
        command = [sys.executable, "-m", "releasebuild.crashes", "die-at", die_at[0], str(die_at[1]),
                   local_path(root), "--", *command[3:]]
    started = time.monotonic()
    child = subprocess.Popen(command, env=_child_env(env or {}), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    workers = _kill(child, delay, held, result)
    child.wait(timeout=60)
    result.seconds = time.monotonic() - started
    result.workers_left = _outlived(workers)  # before reading its pipes: a live worker holds them open
    _, err = child.communicate(timeout=60)
    if not result.killed:
        if child.returncode != 0:
            result.errors.append(f"the apply ended with exit {child.returncode} before it was killed: {err[-500:]!r}")
    elif die_at is not None and child.returncode != -signal.SIGKILL:
        result.killed = False  # it never reached the operation
        result.errors.append(f"never reached {die_at} (exit {child.returncode}): {err[-500:]!r}")
    _check_after_kill(scenario, root, result)
    _recover(scenario, root, result)
    return result


def _kill(child: subprocess.Popen[bytes], delay: float | None, held: threading.Event | None,
          result: CrashTrial) -> set[int]:
    """Wait for the moment, collecting the apply's descendants meanwhile, then SIGKILL the apply alone."""
    workers: set[int] = set()
    deadline = time.monotonic() + (delay if delay is not None else HELD_TIMEOUT_SECONDS)
    while child.poll() is None:
        workers |= _descendants(child.pid)
        if held is not None and held.is_set():
            child.kill()
            return workers
        if (delay is not None or held is not None) and time.monotonic() >= deadline:
            if held is not None:
                result.errors.append("the held request never came")
            child.kill()
            return workers
        time.sleep(0.02)
    if delay is not None or held is not None:
        result.killed = False
    return workers


def _descendants(pid: int) -> set[int]:
    """Every live process below `pid` (from /proc: parent pids)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rpartition(")")[2].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (a dead process not yet reaped holds no descriptor and runs nothing)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def _outlived(workers: set[int]) -> list[int]:
    """The workers still running WORKER_GRACE_SECONDS after the kill; they are killed then, so none lingers."""
    deadline = time.monotonic() + WORKER_GRACE_SECONDS
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = sorted(pid for pid in workers if _running(pid))
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


def _check_after_kill(scenario: Scenario, root: str, result: CrashTrial) -> None:
    from releasebuild import api
    from releasebuild.verify import verify_release

    store = Stores()
    prefix = f"{root}/releases/{VERSION}"
    manifest = store.read(f"{prefix}/manifest.json")
    if manifest is None:
        journal = store.exists(f"{root}/releases/.publishing-{VERSION}.json")
        result.after_kill = "un-committed (journal)" if journal and not is_local(root) else "no release"
        result.broken = result.after_kill == "no release"
        return
    digest = json.loads(manifest)["root_digest"]
    named = [name for name, known in scenario.digests.items() if known == digest]
    report = verify_release(prefix, store=store)
    result.restricted_checked = report.checked.get("restricted", 0)
    result.after_kill = named[0] if named else f"unknown release {digest}"
    if not named or not report.sound:
        result.broken = True
        result.after_kill += " (verify: " + "; ".join(f"{f.check} {f.key}: {f.what}" for f in report.findings[:3]) + ")"
        return
    if named == ["B"] and (published_objects(root) != scenario.expected or _root_debris(root)):
        plan = api.plan(scenario.fixture.release_yaml, root, compute_budget=0)  # B's manifest, B's definition
        publish = next(step for step in plan.steps if step.id == "release/publish")
        if publish.status == "cached":
            result.broken = True
            result.after_kill += f" (plan says up to date: {publish.detail})"


def _recover(scenario: Scenario, root: str, result: CrashTrial) -> None:
    from releasebuild import api
    from releasebuild.verify import verify_release

    report = api.apply(scenario.fixture.release_yaml, root, jobs=2)
    if report.outcome.error is not None:
        result.errors.append(f"the next apply failed: {report.outcome.error}")
        return
    found = published_objects(root)
    result.identical = found == scenario.expected
    if not result.identical:
        differ = sorted(set(found.items()) ^ set(scenario.expected.items()))
        result.errors.append(f"rebuild differs from an uninterrupted one: {differ[:3]}")
    verified = verify_release(f"{root}/releases/{VERSION}", store=Stores())
    if not verified.sound:
        result.errors.append("the next apply's release does not verify: "
                             + "; ".join(f"{f.check} {f.key}: {f.what}" for f in verified.findings[:3]))
    result.debris = _debris(scenario, root)


def published_objects(root: str) -> dict[str, str]:
    """SHA-256 of every object under releases/<version>/ and restricted/<version>/ (keys relative to the root; a
    restricted file's key names its set, so a previous set left behind is a difference)."""
    store = Stores()
    found = {}
    for where in (f"releases/{VERSION}", f"restricted/{VERSION}"):
        for key in store.list_files(f"{root}/{where}"):
            data = store.read(f"{root}/{where}/{key}")
            found[f"{where}/{key}"] = hashlib.sha256(data or b"").hexdigest()
    return found


def _debris(scenario: Scenario, root: str) -> list[str]:
    """What an interrupted apply may leave that a finished one must not: dot-names beside the versions (staging,
    journals, retired copies), the lock object of a remote root, step directories in the checkout's cache."""
    store = Stores()
    left = _root_debris(root)
    if not is_local(root) and store.exists(f"{root}/locks/apply.json"):
        left.append("locks/apply.json")
    tmp = scenario.fixture.dir / ".releasebuild" / "cache" / "tmp"
    left += [f"cache/tmp/{path.name}" for path in sorted(tmp.glob("step-*"))]
    return left


def _root_debris(root: str) -> list[str]:
    """Dot-names beside the versions: what a publish in progress (or cut short) holds, and a finished one never."""
    store = Stores()
    return [f"{parent}/{name}" for parent in ("releases", "restricted")
            for name in store.list_names(f"{root}/{parent}") if name.startswith(".")]


def publish_a(scenario: Scenario, name: str) -> str:
    """A fresh root <roots>/<name> holding A, and the checkout as A's apply left it, sources switched to B."""
    from releasebuild import api

    fixture = scenario.fixture
    shutil.rmtree(fixture.dir / ".releasebuild", ignore_errors=True)
    shutil.copytree(scenario.pristine / ".releasebuild", fixture.dir / ".releasebuild")
    shutil.copy2(scenario.pristine / "release.lock", fixture.dir / "release.lock")
    use_release(fixture, "A")
    root = f"{scenario.roots}/{name}"
    report = api.apply(fixture.release_yaml, root, jobs=2)
    if report.outcome.error is not None or report.to_json()["root_digest"] != scenario.digests["A"]:
        raise RuntimeError(f"A did not publish to {root}: {report.outcome.error}")
    use_release(fixture, "B")
    return root


def _apply_command(fixture: ReleaseFixture, root: str) -> list[str]:
    return [sys.executable, "-m", "releasebuild", "apply", "--json", "--root", root, "--jobs", "2",
            str(fixture.release_yaml)]


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment (S3 settings included), importing this releasebuild."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": PACKAGE_PARENT + (os.pathsep + path if path else ""), **extra}


# --- die-at: a releasebuild that kills itself at a chosen operation on the root ---

def _die_at(kind: str, number: int, under: str, argv: list[str]) -> int:
    import releasebuild.store.root as root_module
    from releasebuild.cli import main

    under = os.path.abspath(under)
    seen = 0

    def reached(path: Any) -> None:
        nonlocal seen
        if os.path.abspath(os.fspath(path)).startswith(under):
            seen += 1
            if seen == number:
                os.kill(os.getpid(), signal.SIGKILL)

    def wrap(module: Any, name: str, path_of: Callable[..., Any]) -> None:
        real = getattr(module, name, None)
        if real is None:
            return

        def counted(*args: Any, **kwargs: Any) -> Any:
            path = path_of(*args)
            if path is not None:
                reached(path)
            return real(*args, **kwargs)

        setattr(module, name, counted)

    if kind == "copy":
        wrap(shutil, "copyfile", lambda source, target, *_: target)
        wrap(os, "link", lambda source, target, *_: target)  # a file the release in place already holds
    elif kind == "switch":
        for name in ("replace", "rename"):
            wrap(os, name, lambda source, *_: source if os.path.isdir(source) else None)
        wrap(root_module, "_exchange", lambda first, *_: first)
    elif kind == "rmtree":
        wrap(shutil, "rmtree", lambda path, *_: path)
    else:
        raise SystemExit(f"unknown operation {kind}")
    return main(argv)


if __name__ == "__main__":
    if len(sys.argv) < 6 or sys.argv[1] != "die-at" or sys.argv[5] != "--":
        raise SystemExit("usage: python -m releasebuild.crashes die-at KIND N UNDER -- ARGS...")
    sys.exit(_die_at(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[6:]))
