"""Walks the target graph: computes each step's key, reuses cached results, runs stale steps in parallel.

The engine knows the step contract and nothing about any step kind. It owns the side effects around steps:
adopting outputs into the content store, writing the action cache, and recording what each key was made of.
Early cutoff falls out of the keys: a downstream key is built from upstream *output* digests, so an upstream
rerun that produces identical output leaves downstream keys, and their cache hits, unchanged.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from releasebuild.errors import GateBlocked, ReleaseBuildError, StepFailed
from releasebuild.fingerprints import FingerprintCache, source_files
from releasebuild.graph import execution_order
from releasebuild.keys import step_key
from releasebuild.plan import StaleReason, StepPlan, StepRecord, explain, param_digests
from releasebuild.steps.base import FileRef, SourceFile, StepContext, StepResult, StepSpec
from releasebuild.steps.registry import STEP_KINDS
from releasebuild.store.cas import ActionCache, ContentStore
from releasebuild.store.root import ReleaseRoot


@dataclass
class RunEnv:
    """Everything outside the steps that the engine (and effect steps) touch."""

    cache_dir: Path
    root: ReleaseRoot
    blocked_dir: Path
    cas: ContentStore = field(init=False)
    actions: ActionCache = field(init=False)
    fingerprints: FingerprintCache = field(init=False)

    def __post_init__(self) -> None:
        self.cas = ContentStore(self.cache_dir)
        self.actions = ActionCache(self.cache_dir)
        self.fingerprints = FingerprintCache(self.cache_dir / "fingerprints.json")


@dataclass
class Evaluation:
    record: StepRecord
    sources: list[SourceFile]
    result: StepResult | None  # set when the step's output is already in place
    reason: StaleReason
    detail: str


@dataclass(frozen=True)
class StepOutcome:
    id: str
    kind: str
    status: str  # ran | cached | skipped | failed
    reason: StaleReason
    detail: str
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "status": self.status, "reason": self.reason.value,
                "detail": self.detail, "seconds": round(self.seconds, 3)}


@dataclass
class ApplyOutcome:
    steps: list[StepOutcome]
    records: dict[str, StepRecord]
    results: dict[str, StepResult]
    error: ReleaseBuildError | None = None


Listener = Callable[[str, str, str], None]  # (step id, event: start|ran|cached|skipped|failed, detail)


class Engine:
    def __init__(self, specs: list[StepSpec], env: RunEnv, previous: dict[str, StepRecord]):
        self.specs = {spec.id: spec for spec in specs}
        self.env = env
        self.previous = previous
        self.order = execution_order(specs, env.cache_dir)

    def spec(self, step_id: str) -> StepSpec:
        return self.specs[step_id]

    def evaluate(self, spec: StepSpec, results: dict[str, StepResult]) -> Evaluation:
        """The step's key from its current inputs, and whether its output is already in place."""
        kind = STEP_KINDS[spec.kind]
        inputs = {dep: spec.view(dep, results[dep]).digest for dep in spec.deps}
        sources: list[SourceFile] = []
        if spec.sources:
            sources = source_files(spec, self.env.fingerprints)
            inputs.update({f"source:{source.name}": source.digest for source in sources})
        key = step_key(spec.kind, kind.code_version, spec.params, inputs)
        record = StepRecord(key, kind.code_version, param_digests(spec.params), inputs)
        if kind.effect:
            ctx = self._context(spec, results, sources, Path(self.env.cache_dir))
            done, detail = kind.is_done(ctx)
            if done:
                return Evaluation(record, sources, StepResult({}, {"detail": detail}), StaleReason.UP_TO_DATE, detail)
            return Evaluation(record, sources, None, StaleReason.NOT_PUBLISHED, detail)
        entry = self.env.actions.get(key)
        if entry is not None:
            result = StepResult.from_json(entry["result"])
            if all(self.env.cas.has(ref.sha256) for ref in result.files.values()):
                return Evaluation(record, sources, result, StaleReason.UP_TO_DATE, "cached")
        reason, detail = explain(record, self.previous.get(spec.id))
        return Evaluation(record, sources, None, reason, detail)

    def plan(self) -> list[StepPlan]:
        """Statuses without running anything: a step after one that will run may run (early cutoff may skip it)."""
        results: dict[str, StepResult] = {}
        pending: set[str] = set()
        plans = []
        for step_id in self.order:
            spec = self.spec(step_id)
            waiting = [dep for dep in spec.deps if dep in pending]
            if waiting:
                pending.add(step_id)
                plans.append(self._plan_waiting(spec, waiting))
                continue
            evaluation = self.evaluate(spec, results)
            if evaluation.result is not None:
                results[step_id] = evaluation.result
                plans.append(StepPlan(step_id, spec.kind, "cached", evaluation.reason, evaluation.detail))
            else:
                pending.add(step_id)
                plans.append(StepPlan(step_id, spec.kind, "will_run", evaluation.reason, evaluation.detail))
        self.env.fingerprints.save()
        return plans

    def _plan_waiting(self, spec: StepSpec, waiting: list[str]) -> StepPlan:
        """A step after one that will run: certain to run if its own definition changed, else it may run."""
        code_version = STEP_KINDS[spec.kind].code_version
        previous = self.previous.get(spec.id)
        if previous is None:
            return StepPlan(spec.id, spec.kind, "will_run", StaleReason.NEW, "never built")
        own = StepRecord("", code_version, param_digests(spec.params), previous.inputs)
        reason, detail = explain(own, previous)
        if reason in (StaleReason.CODE_CHANGED, StaleReason.PARAMS_CHANGED):
            return StepPlan(spec.id, spec.kind, "will_run", reason, detail)
        shown = ", ".join(waiting[:3]) + (f" and {len(waiting) - 3} more" if len(waiting) > 3 else "")
        return StepPlan(spec.id, spec.kind, "may_run", StaleReason.UPSTREAM_PENDING, f"after {shown} rerun")

    def apply(self, listener: Listener | None = None, jobs: int | None = None) -> ApplyOutcome:
        """Run what is stale, independent steps in parallel; record every outcome, stop nothing early."""
        notify = listener or (lambda *_: None)
        results: dict[str, StepResult] = {}
        records: dict[str, StepRecord] = {}
        outcomes: dict[str, StepOutcome] = {}
        failed: dict[str, ReleaseBuildError] = {}
        running: dict[Future[Any], tuple[str, Evaluation, Path, float]] = {}
        pool: Any = None  # a ProcessPoolExecutor, started (and its machinery imported) only when a step runs
        remaining = list(self.order)
        tmp_root = self.env.cache_dir / "tmp"
        tmp_root.mkdir(parents=True, exist_ok=True)
        try:
            while remaining or running:
                for step_id in [s for s in remaining if all(d in outcomes for d in self.spec(s).deps)]:
                    remaining.remove(step_id)
                    spec = self.spec(step_id)
                    broken = [d for d in spec.deps if outcomes[d].status in ("failed", "skipped")]
                    if broken:
                        outcomes[step_id] = StepOutcome(step_id, spec.kind, "skipped", StaleReason.UPSTREAM_FAILED,
                                                        "because " + ", ".join(broken) + " did not complete")
                        notify(step_id, "skipped", outcomes[step_id].detail)
                        continue
                    try:
                        evaluation = self.evaluate(spec, results)
                    except ReleaseBuildError as exc:
                        failed[step_id] = exc
                        outcomes[step_id] = StepOutcome(step_id, spec.kind, "failed", StaleReason.INPUT_CHANGED,
                                                        str(exc))
                        notify(step_id, "failed", str(exc))
                        continue
                    if evaluation.result is not None:
                        results[step_id] = evaluation.result
                        records[step_id] = _with_output(evaluation.record, evaluation.result)
                        outcomes[step_id] = StepOutcome(step_id, spec.kind, "cached", evaluation.reason,
                                                        evaluation.detail)
                        notify(step_id, "cached", evaluation.detail)
                        continue
                    notify(step_id, "start", evaluation.detail)
                    workdir = Path(tempfile.mkdtemp(dir=tmp_root, prefix="step-"))
                    job = (spec, workdir, self._views(spec, results), self._input_paths(spec, results),
                           evaluation.sources)
                    started = time.monotonic()
                    if STEP_KINDS[spec.kind].effect:
                        self._finish(step_id, evaluation, workdir, started, _run_effect(*job, env=self.env),
                                     results, records, outcomes, failed, notify)
                        continue
                    if pool is None:
                        from concurrent.futures import ProcessPoolExecutor

                        pool = ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1)
                    running[pool.submit(run_step, *job)] = (step_id, evaluation, workdir, started)
                if running:
                    done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                    for future in done:
                        step_id, evaluation, workdir, started = running.pop(future)
                        self._finish(step_id, evaluation, workdir, started, future.result(),
                                     results, records, outcomes, failed, notify)
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
            self.env.fingerprints.save()
        steps = [outcomes[step_id] for step_id in self.order]
        return ApplyOutcome(steps, records, results, _first_error(failed, self.order))

    def _finish(self, step_id: str, evaluation: Evaluation, workdir: Path, started: float, returned: Any,
                results: dict[str, StepResult], records: dict[str, StepRecord],
                outcomes: dict[str, StepOutcome], failed: dict[str, ReleaseBuildError], notify: Listener) -> None:
        spec = self.spec(step_id)
        seconds = time.monotonic() - started
        try:
            if isinstance(returned, BaseException):
                raise returned
            if isinstance(returned, _WorkerError):
                raise StepFailed(step_id, returned.message)
            outputs, meta, seconds = returned  # the step's own run time, not its wait in the pool queue
            result = StepResult({name: ref for name, (_, ref) in outputs.items()}, meta)
            for path, ref in outputs.values():
                self.env.cas.adopt(Path(path), ref.sha256)
            if not STEP_KINDS[spec.kind].effect:
                self.env.actions.put(evaluation.record.key, {"step": step_id, "result": result.to_json()})
            results[step_id] = result
            records[step_id] = _with_output(evaluation.record, result)
            outcomes[step_id] = StepOutcome(step_id, spec.kind, "ran", evaluation.reason, evaluation.detail, seconds)
            notify(step_id, "ran", f"{seconds:.2f}s")
        except ReleaseBuildError as exc:
            failed[step_id] = exc
            outcomes[step_id] = StepOutcome(step_id, spec.kind, "failed", evaluation.reason, str(exc), seconds)
            notify(step_id, "failed", str(exc))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _context(self, spec: StepSpec, results: dict[str, StepResult], sources: list[SourceFile],
                 workdir: Path) -> StepContext:
        return StepContext(spec, workdir, self._views(spec, results), self._input_paths(spec, results),
                           sources, env=self.env)

    @staticmethod
    def _views(spec: StepSpec, results: dict[str, StepResult]) -> dict[str, StepResult]:
        return {dep: spec.view(dep, results[dep]) for dep in spec.deps}

    def _input_paths(self, spec: StepSpec, results: dict[str, StepResult]) -> dict[str, dict[str, Path]]:
        return {dep: {name: self.env.cas.path(ref.sha256) for name, ref in view.files.items()}
                for dep, view in self._views(spec, results).items()}


@dataclass(frozen=True)
class _WorkerError:
    message: str


def run_step(spec: StepSpec, workdir: Path, inputs: dict[str, StepResult], input_paths: dict[str, dict[str, Path]],
             sources: list[SourceFile]) -> Executed | _WorkerError:
    """Runs in a worker process. Errors come back as values: custom exceptions do not always survive pickling."""
    try:
        return _execute(StepContext(spec, workdir, inputs, input_paths, sources))
    except ReleaseBuildError as exc:
        return _WorkerError(str(exc))
    except Exception as exc:  # a bug or bad data inside a step: report it with its origin
        tail = "".join(traceback.format_exception(exc)[-3:]).strip()
        return _WorkerError(f"{type(exc).__name__}: {exc}\n{tail}")


def _run_effect(spec: StepSpec, workdir: Path, inputs: dict[str, StepResult],
                input_paths: dict[str, dict[str, Path]], sources: list[SourceFile], env: RunEnv) -> Any:
    try:
        return _execute(StepContext(spec, workdir, inputs, input_paths, sources, env=env))
    except ReleaseBuildError as exc:
        return exc
    except Exception as exc:  # I/O failing mid-publish, typically: the step fails, the walk goes on
        return StepFailed(spec.id, f"{type(exc).__name__}: {exc}")


Executed = tuple[dict[str, tuple[str, FileRef]], dict[str, Any], float]


def _execute(ctx: StepContext) -> Executed:
    started = time.monotonic()
    try:
        meta = STEP_KINDS[ctx.spec.kind].run(ctx)
    finally:
        for output in ctx.outputs.values():
            output.close()
    outputs = {name: (str(output.path), output.ref()) for name, output in ctx.outputs.items()}
    return outputs, meta, time.monotonic() - started


def _with_output(record: StepRecord, result: StepResult) -> StepRecord:
    return StepRecord(record.key, record.code_version, record.params, record.inputs, result.digest)


def _first_error(failed: dict[str, ReleaseBuildError], order: list[str]) -> ReleaseBuildError | None:
    """Gate blocks outrank other failures (exit 3); otherwise the first failure in graph order."""
    for error in failed.values():
        if isinstance(error, GateBlocked):
            return error
    for step_id in order:
        if step_id in failed:
            return failed[step_id]
    return None
