"""A pool worker works while it has no job (engine._IdleWork): it collects and freezes what the last job left,
and makes the slow imports and loads of the steps to come, in order, never beside a running job past the piece in
flight, finished before a job that needs them starts, quiet when one fails; and an apply's workers really make
them."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from releasebuild import engine
from releasebuild.engine import Engine, RunEnv, _IdleWork, _Walk, make_load
from releasebuild.privacy import detector
from releasebuild.steps import registry
from releasebuild.steps.base import Step, StepContext, StepMeta, StepSpec
from releasebuild.steps.privacy import PrivacyScan
from releasebuild.store.io import Stores
from releasebuild.store.root import ReleaseRoot

pytestmark = pytest.mark.unit

WAIT = 10.0  # seconds a test waits for a thread before it fails


class Probe:
    """What the loads of `slow_probe` do: each records its name when done; `first` waits until released."""

    def __init__(self) -> None:
        self.done: list[str] = []
        self.release_first = threading.Event()
        self.first_started = threading.Event()
        self.marker: Path | None = None

    def first(self) -> None:
        self.first_started.set()
        assert self.release_first.wait(WAIT)
        self.done.append("first")

    def second(self) -> None:
        self.done.append("second")

    def broken(self) -> None:
        raise RuntimeError("a load that fails")

    def with_args(self, *args: str) -> None:
        self.done.append("+".join(args))

    def mark(self) -> None:
        """Leaves a file per process that made the load (for the apply below, across the fork)."""
        assert self.marker is not None
        (self.marker / f"loaded-{__import__('os').getpid()}").touch()


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """The idle work freezes what this process holds: let the collector see it again after each test."""
    yield
    gc.unfreeze()


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> Iterator[Probe]:
    state = Probe()
    module = types.ModuleType("slow_probe")
    for name in ("first", "second", "broken", "mark", "with_args"):
        setattr(module, name, getattr(state, name))
    monkeypatch.setitem(sys.modules, "slow_probe", module)
    yield state
    state.release_first.set()  # no thread of a failed test is left waiting


class Loading(Step):
    kind = "toy_loading"
    code_version = "1"
    slow_loads = ("slow_probe:first",)
    Result = StepMeta


class Plain(Step):
    kind = "toy_plain"
    code_version = "1"
    Result = StepMeta


def wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_a_load_is_a_module_imported_or_a_function_of_it_called(probe: Probe) -> None:
    make_load("slow_probe:second")
    make_load("json")
    assert probe.done == ["second"]
    with pytest.raises(ModuleNotFoundError):
        make_load("no_such_module_anywhere")


def test_a_load_may_call_its_function_with_arguments(probe: Probe) -> None:
    make_load("slow_probe:with_args:patterns_only:en_core_web_lg")
    assert probe.done == ["patterns_only+en_core_web_lg"]


def test_the_privacy_scan_loads_the_engine_its_settings_build_and_its_detectors_share_it() -> None:
    loads = PrivacyScan.loads({"detection": {"mode": "patterns_only", "model": "en_core_web_lg"}})
    assert loads[:-1] == PrivacyScan.slow_loads
    assert loads[-1] == "releasebuild.privacy.detector:prepared:patterns_only:en_core_web_lg"
    detector.prepared.cache_clear()
    make_load(loads[-1])
    built = detector.prepared("patterns_only", "en_core_web_lg")
    assert detector.prepared.cache_info().hits == 1  # made by the load, found by the step
    assert detector.Detector("patterns_only", "en_core_web_lg")._engine() is built


def test_an_idle_worker_makes_the_loads_in_order(probe: Probe) -> None:
    probe.release_first.set()
    _IdleWork(("slow_probe:first", "slow_probe:second"))
    wait_for(lambda: len(probe.done) == 2, "both loads")
    assert probe.done == ["first", "second"]


def test_a_job_stops_the_loads_after_the_one_in_flight_until_it_ends(probe: Probe) -> None:
    loads = _IdleWork(("slow_probe:first", "slow_probe:second"))
    assert probe.first_started.wait(WAIT)
    loads.job_starts(())  # a job that does not make this load does not wait for it
    probe.release_first.set()
    wait_for(lambda: probe.done == ["first"], "the load in flight")
    time.sleep(0.3)
    assert probe.done == ["first"], "a load started while a job ran"
    loads.job_ends()
    wait_for(lambda: probe.done == ["first", "second"], "the next load once the job ended")


def test_a_job_that_makes_the_load_in_flight_starts_after_it(probe: Probe) -> None:
    """Two threads must not make one load at once (two of Presidio's analyzers built at once fail)."""
    loads = _IdleWork(("slow_probe:first", "slow_probe:second"))
    assert probe.first_started.wait(WAIT)
    threading.Timer(0.3, probe.release_first.set).start()
    loads.job_starts(("slow_probe:first",))
    assert probe.done == ["first"]  # finished before the job was let in, and nothing after it started
    loads.job_ends()
    wait_for(lambda: probe.done == ["first", "second"], "the next load")


def test_a_fork_waits_for_the_load_in_flight_and_no_load_starts_until_it_is_done(probe: Probe) -> None:
    """A job forks (the privacy scan's processes) only between two loads: a process forked halfway through an
    import could not finish it."""
    loads = _IdleWork(("slow_probe:first", "slow_probe:second"))
    assert probe.first_started.wait(WAIT)
    loads.job_starts(())
    threading.Timer(0.3, probe.release_first.set).start()
    loads.hold_for_fork()
    assert probe.done == ["first"]  # finished before the fork was let through
    loads.job_ends()
    time.sleep(0.3)
    assert probe.done == ["first"], "a load started during the fork"
    loads.forked()
    wait_for(lambda: probe.done == ["first", "second"], "the next load, once the fork is done")


def test_a_pool_worker_forks_between_loads() -> None:
    """The worker's initializer hooks `hold_for_fork` to every fork of the process (os.register_at_fork), in a
    process of its own here (the hook stays for the life of the process)."""
    script = (
        "import os, threading, time\n"
        "from releasebuild import engine\n"
        "engine._start_worker(os.getppid(), ())\n"
        "work = engine._IDLE_WORK\n"
        "held = threading.Event()\n"
        "def load():  # a load in flight, on the idle work's thread\n"
        "    with work.working:\n"
        "        held.set()\n"
        "        time.sleep(0.3)\n"
        "threading.Thread(target=load).start()\n"
        "held.wait()\n"
        "started = time.monotonic()\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    os._exit(0)\n"
        "os.waitpid(child, 0)\n"
        "waited = round(time.monotonic() - started, 1)\n"
        "free = []\n"
        "probe = threading.Thread(target=lambda: free.append(work.working.acquire(blocking=False)))\n"
        "probe.start()\n"
        "probe.join()\n"
        "print(waited, free[0])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    waited, free = done.stdout.split()
    assert float(waited) >= 0.2 and free == "True"  # the fork waited for the load, and let go after


def test_an_idle_worker_collects_and_freezes_what_a_job_left() -> None:
    work = _IdleWork(())
    time.sleep(0.1)
    work.job_starts(())
    left = [[index] for index in range(1000)]  # what the job made and keeps
    frozen = gc.get_freeze_count()
    work.job_ends()
    wait_for(lambda: gc.get_freeze_count() >= frozen + len(left), "the idle work's freeze")


def test_a_load_that_fails_ends_the_loads_quietly(probe: Probe, capsys: pytest.CaptureFixture[str]) -> None:
    loads = _IdleWork(("slow_probe:broken", "slow_probe:second"))
    time.sleep(0.5)
    loads.job_starts(("slow_probe:broken",))  # not held up by a thread that stopped
    loads.job_ends()
    assert probe.done == [] and capsys.readouterr().err == ""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunEnv:
    for kind in (Loading, Plain, Marked, Waiting, Quick, Touching):
        monkeypatch.setitem(registry.FIXED_KINDS, kind.kind, kind)
    return RunEnv(cache_dir=tmp_path / "cache", root=ReleaseRoot("mem://root", store=Stores()),
                  blocked_dir=tmp_path / "blocked")


class Marked(Step):
    """Writes whether the process it runs in made its load ahead."""

    kind = "toy_marked"
    code_version = "1"
    slow_loads = ("slow_probe:mark",)
    Result = StepMeta

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        ctx.write_json("loaded.json", (Path(ctx.params["marker"]) / f"loaded-{os.getpid()}").exists())
        return StepMeta()


class Waiting(Step):
    """A step with no loads that runs until some worker made the marked load."""

    kind = "toy_waiting"
    code_version = "1"
    Result = StepMeta

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        marker = Path(ctx.params["marker"])
        wait_for(lambda: any(marker.glob("loaded-*")), "a worker's load")
        ctx.write_json("waited.json", os.getpid())
        return StepMeta()


class Quick(Step):
    """Done at once: writes its round."""

    kind = "toy_quick"
    code_version = "1"
    Result = StepMeta

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        ctx.write_json("quick.json", ctx.params.get("round", 0))
        return StepMeta()


class Touching(Step):
    """Leaves the marker a Waiting step waits for."""

    kind = "toy_touching"
    code_version = "1"
    Result = StepMeta

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        (Path(ctx.params["marker"]) / "loaded-touched").touch()
        ctx.write_json("touched.json", ctx.params["round"])
        return StepMeta()


def test_a_step_after_a_cached_one_starts_while_another_job_runs(env: RunEnv, tmp_path: Path) -> None:
    """b is cached in the second apply, so c is ready at once: it must start then, not when a's job ends (a waits
    for what c makes, so the walk would stall until a timed out)."""
    marker = tmp_path / "markers"
    marker.mkdir()

    def specs(round_: int) -> list[StepSpec]:
        return [StepSpec("x/a", Waiting.kind, {"marker": str(marker), "round": round_}, ()),
                StepSpec("x/b", Quick.kind, {}, ()),
                StepSpec("x/c", Touching.kind, {"marker": str(marker), "round": round_}, ("x/b",))]

    assert Engine(specs(1), env, {}).apply(jobs=2).error is None
    (marker / "loaded-touched").unlink()
    outcome = Engine(specs(2), env, {}).apply(jobs=2)
    assert outcome.error is None, outcome.error
    assert {step.id: step.status for step in outcome.steps} == {"x/a": "ran", "x/b": "cached", "x/c": "ran"}


def test_each_kinds_loads_go_to_one_lane_dealt_in_the_order_the_steps_come(env: RunEnv) -> None:
    specs = [StepSpec("a/marked", Marked.kind, {"marker": "-"}, ()), StepSpec("a/plain", Plain.kind, {}, ()),
             StepSpec("a/loading", Loading.kind, {}, ("a/plain",)),
             StepSpec("b/marked", Marked.kind, {"marker": "-"}, ("a/loading",))]
    walk = _Walk(Engine(specs, env, {}), lambda *_: None, jobs=2)
    assert walk._lane_loads(2) == [("slow_probe:mark",), ("slow_probe:first",)]
    assert walk._lane_loads(1) == [("slow_probe:mark", "slow_probe:first")]
    walk.outcomes["a/marked"] = walk.outcomes["b/marked"] = None  # type: ignore[assignment]  # decided: cached
    assert walk._lane_loads(2) == [("slow_probe:first",), ()]


def test_a_job_goes_to_the_worker_that_made_its_loads_while_another_runs_a_job_without_any(
        env: RunEnv, probe: Probe, tmp_path: Path) -> None:
    probe.marker = tmp_path / "markers"
    probe.marker.mkdir()
    specs = [StepSpec("a/waiting", Waiting.kind, {"marker": str(probe.marker)}, ()),
             StepSpec("b/marked", Marked.kind, {"marker": str(probe.marker)}, ("a/waiting",))]
    for _ in range(3):  # one pool of workers sent the marked job to either worker: half the time, the wrong one
        for entry in env.cache_dir.glob("ac/*"):
            shutil.rmtree(entry)
        for made in probe.marker.iterdir():
            made.unlink()
        outcome = Engine(specs, env, {}).apply(jobs=2)
        assert outcome.error is None, outcome.error
        loaded = outcome.results["b/marked"].files["loaded.json"]
        assert json.loads(env.cas.local(loaded.sha256).read_text(encoding="utf-8")) is True
        waited = outcome.results["a/waiting"].files["waited.json"]
        assert not (probe.marker / f"loaded-{json.loads(env.cas.local(waited.sha256).read_text())}").exists()
    assert engine._IDLE_WORK is None  # the thread runs in the workers, not in the process that applies


class Settling(Step):
    """A steady step (Step.steady): its output is its `value`; with `wait` it runs until the marker is there."""

    kind = "toy_settling"
    code_version = "1"
    steady = True
    Result = StepMeta

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        if ctx.params["wait"]:
            marker = Path(ctx.params["marker"])
            until = ctx.params.get("until", "loaded-after")
            wait_for(lambda: (marker / until).exists(), f"a step after this one ({until}), started on a guess")
        ctx.write_json("value.json", ctx.params["value"])
        return StepMeta()


class After(Step):
    """Reads both dependencies' outputs, leaves the marker, and writes what it read and which run it was."""

    kind = "toy_after"
    code_version = "1"
    Result = StepMeta

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        _leave_marker(Path(ctx.params["marker"]), "loaded-after", "runs")
        read = [json.loads(ctx.input_path(dep, name).read_text()) for dep, name in (("x/settling", "value.json"),
                                                                                      ("x/first", "quick.json"))]
        ctx.write_json("read.json", read)
        return StepMeta()


def _leave_marker(marker: Path, loaded: str, runs: str) -> None:
    """A toy step's run, seen from outside: the marker `loaded` it leaves, and one more "x" in `runs`."""
    (marker / loaded).touch()
    count = marker / runs
    count.write_text(count.read_text() + "x" if count.exists() else "x")


def _guessing_specs(marker: Path, value: int, wait: bool, round_: int) -> list[StepSpec]:
    return [StepSpec("x/first", Quick.kind, {"round": round_}, ()),
            StepSpec("x/settling", Settling.kind, {"marker": str(marker), "value": value, "wait": wait}, ()),
            StepSpec("x/after", After.kind, {"marker": str(marker)}, ("x/first", "x/settling"))]


@pytest.fixture
def guessing(env: RunEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for kind in (Settling, After):
        monkeypatch.setitem(registry.FIXED_KINDS, kind.kind, kind)
    marker = tmp_path / "guess-markers"
    marker.mkdir()
    return marker


def test_a_step_after_a_steady_one_starts_on_its_last_result_and_that_run_is_kept(
        env: RunEnv, guessing: Path) -> None:
    """The steady step runs again (its params changed) and makes what it made before; the step after it must start
    before it ends (it waits for what that step leaves), on its last result, and that run is the step's run."""
    first = Engine(_guessing_specs(guessing, 7, False, 1), env, {}).apply(jobs=2)
    assert first.error is None, first.error
    (guessing / "loaded-after").unlink()
    (guessing / "runs").unlink()
    outcome = Engine(_guessing_specs(guessing, 7, True, 2), env, first.records).apply(jobs=2)
    assert outcome.error is None, outcome.error
    assert {step.id: step.status for step in outcome.steps} == {"x/first": "ran", "x/settling": "ran",
                                                                 "x/after": "ran"}
    assert (guessing / "runs").read_text() == "x"  # run once: the guess was kept
    read = outcome.results["x/after"].files["read.json"]
    assert json.loads(env.cas.local(read.sha256).read_text()) == [7, 2]


def test_a_wrong_guess_is_run_again_on_the_real_result(env: RunEnv, guessing: Path) -> None:
    """The steady step makes something else this time: the run on the guess (which it waits for) is not kept."""
    first = Engine(_guessing_specs(guessing, 7, False, 1), env, {}).apply(jobs=2)
    assert first.error is None, first.error
    (guessing / "loaded-after").unlink()
    (guessing / "runs").unlink()
    outcome = Engine(_guessing_specs(guessing, 8, True, 2), env, first.records).apply(jobs=2)
    assert outcome.error is None, outcome.error
    read = outcome.results["x/after"].files["read.json"]
    assert json.loads(env.cas.local(read.sha256).read_text()) == [8, 2]
    assert {step.id: step.status for step in outcome.steps}["x/after"] == "ran"
    assert (guessing / "runs").read_text() == "xx"  # on the guess, then on the real result


class Later(Step):
    """After `After` alone: leaves its marker, counts its runs, and writes what After read."""

    kind = "toy_later"
    code_version = "1"
    Result = StepMeta

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        _leave_marker(Path(ctx.params["marker"]), "loaded-later", "later-runs")
        ctx.write_json("read.json", json.loads(ctx.input_path("x/after", "read.json").read_text()))
        return StepMeta()


def test_a_step_after_a_guess_starts_on_what_the_guess_made(env: RunEnv, guessing: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """x/later waits for x/after, which is no steady step but runs on a guess: x/later must start on what that guess
    made before the steady step ends (it waits for what x/later leaves), and both runs are kept."""
    monkeypatch.setitem(registry.FIXED_KINDS, Later.kind, Later)

    def specs(wait: bool, round_: int) -> list[StepSpec]:
        first, settling, after = _guessing_specs(guessing, 7, wait, round_)
        settling = replace(settling, params={**settling.params, "until": "loaded-later"})
        return [first, settling, after, StepSpec("x/later", Later.kind, {"marker": str(guessing)}, ("x/after",))]

    first = Engine(specs(False, 1), env, {}).apply(jobs=2)
    assert first.error is None, first.error
    for name in ("loaded-after", "runs", "loaded-later", "later-runs"):
        (guessing / name).unlink()
    outcome = Engine(specs(True, 2), env, first.records).apply(jobs=2)
    assert outcome.error is None, outcome.error
    assert {step.id: step.status for step in outcome.steps} == {"x/first": "ran", "x/settling": "ran",
                                                                 "x/after": "ran", "x/later": "ran"}
    assert (guessing / "runs").read_text() == "x" and (guessing / "later-runs").read_text() == "x"
    read = outcome.results["x/later"].files["read.json"]
    assert json.loads(env.cas.local(read.sha256).read_text()) == [7, 2]
