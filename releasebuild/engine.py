"""Walks the target graph: computes each step's key, reuses cached results, runs stale steps in parallel.

The engine knows the step contract and nothing about any step kind. It owns the side effects around steps:
adopting outputs into the content store, writing the action cache (a restricted step's entry, and so its blobs,
in the shared cache's restricted tier: see Step.restricted), and recording what each key was made of.
Early cutoff falls out of the keys: a downstream key is built from upstream *output* digests, so an upstream
rerun that produces identical output leaves downstream keys, and their cache hits, unchanged.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import shutil
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from releasebuild.errors import CorruptCache, GateBlocked, ReleaseBuildError, StepFailed
from releasebuild.fingerprints import FingerprintCache, fetch_rule_outputs, source_files
from releasebuild.graph import execution_order
from releasebuild.keys import canonical_json, digest, step_key
from releasebuild.plan import StepPlan, StepRecord, explain, param_digests
from releasebuild.processes import die_with_parent
from releasebuild.staleness import StaleReason
from releasebuild.steps.base import (
    BuiltStep,
    FileRef,
    Memo,
    ReusedFile,
    SourceFile,
    StepContext,
    StepResult,
    StepSpec,
    logical_name,
)
from releasebuild.steps.registry import step_kind
from releasebuild.store.cas import ActionCache, ContentStore, SharedCache, cache_limit
from releasebuild.store.io import Stores
from releasebuild.store.root import ReleaseRoot


@dataclass
class RunEnv:
    """Everything outside the steps that the engine (and effect steps) touch."""

    cache_dir: Path
    root: ReleaseRoot
    blocked_dir: Path
    shared_cache: SharedCache | None = None  # the shared cache's tiers, if any
    cas: ContentStore = field(init=False)
    actions: ActionCache = field(init=False)
    fingerprints: FingerprintCache = field(init=False)

    def __post_init__(self) -> None:
        self.cas = ContentStore(self.cache_dir, self.shared_cache, self.store)
        self.actions = ActionCache(self.cache_dir, self.cas)
        self.fingerprints = FingerprintCache(self.cache_dir / "fingerprints.json", self.store)

    @property
    def store(self) -> Stores:
        """The run's store: the release root's, where sources, the shared tiers and the root are read and written."""
        return self.root.store


@dataclass
class Computed:
    """What plan ran in scratch beyond the predictable steps: the budget (records computed afresh; None: no bound),
    what it used, the steps run, and why each step that must rerun was not (over the budget, a rule)."""

    budget: int | None
    records: int = 0
    steps: dict[str, int] = field(default_factory=dict)  # step id -> the records it computed afresh, in run order
    held: dict[str, str] = field(default_factory=dict)  # step id -> why plan did not run it
    listener: Listener | None = None

    def fits(self, cost: int) -> bool:
        return self.budget is None or self.records + cost <= self.budget

    def ran(self, step_id: str, cost: int) -> None:
        self.records += cost
        self.steps[step_id] = cost

    def to_json(self) -> dict[str, Any]:
        return {"budget": self.budget, "records": self.records, "steps": dict(self.steps),
                "not_computed": dict(self.held)}


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
    sources: dict[str, int] | None = None  # per-source steps that ran: source files mapped vs. reused
    stats: dict[str, Any] | None = None  # what a step that ran says about its own work (e.g. memo hits)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "status": self.status, "reason": self.reason.value,
                "detail": self.detail, "seconds": round(self.seconds, 3)}
        if self.sources is not None:
            data["sources"] = self.sources
        if self.stats is not None:
            data["stats"] = self.stats
        return data


@dataclass
class ApplyOutcome:
    steps: list[StepOutcome]
    records: dict[str, StepRecord]
    results: dict[str, StepResult]
    error: ReleaseBuildError | None = None


# (step id, event: start|ran|cached|skipped|failed, detail), and ("cache", "set-aside", what the caches set aside)
Listener = Callable[[str, str, str], None]


class Engine:
    def __init__(self, specs: list[StepSpec], env: RunEnv, previous: dict[str, StepRecord]):
        self.specs = {spec.id: spec for spec in specs}
        self.env = env
        self.previous = previous
        self.order = execution_order(specs, env.cache_dir)
        self.listed: dict[str, list[SourceFile]] = {}  # step id -> its source files, as evaluation listed them
        self.evaluated: dict[str, StepRecord] = {}  # step id -> what its key was made of, as last evaluated
        self._hits: dict[str, StepResult] = {}
        self._lost: dict[str, StepResult] = {}  # results whose entry is cached but a blob of it is not
        self.damage_said = 0  # how much of the content store's `damage` a walk or a plan has said

    def spec(self, step_id: str) -> StepSpec:
        return self.specs[step_id]

    def report_damage(self, listener: Listener) -> None:
        """Say what the caches set aside since last said (event "set-aside", on the step id "cache")."""
        damage = self.env.cas.damage
        while self.damage_said < len(damage):
            listener("cache", "set-aside", damage[self.damage_said])
            self.damage_said += 1

    def evaluate(self, spec: StepSpec, results: dict[str, StepResult]) -> Evaluation:
        """The step's key from its current inputs, and whether its output is already in place."""
        kind = step_kind(spec.kind)
        inputs = {dep: spec.view(dep, results[dep]).digest for dep in spec.deps}
        if kind.reads_records:
            inputs.update({f"record:{dep}": digest(built.record) for dep, built in self.built(spec, results).items()})
        sources: list[SourceFile] = []
        if spec.sources:
            sources = source_files(spec, self.env.fingerprints, results, self.env.cas)
            self.listed[spec.id] = sources
            inputs.update({f"source:{source.name}": source.digest for source in sources})
        key = step_key(spec.kind, kind.code_version, spec.params, inputs)
        record = StepRecord(key, kind.code_version, param_digests(spec.params), inputs)
        self.evaluated[spec.id] = record
        if kind.effect:
            ctx = self._context(spec, results, sources, Path(self.env.cache_dir))
            reason, detail = kind.check(ctx)
            if reason is StaleReason.UP_TO_DATE:
                return Evaluation(record, sources, StepResult({}, {"detail": detail}), reason, detail)
            return Evaluation(record, sources, None, reason, detail)
        result = self.cached(key, spec.kind)
        if result is not None:
            return Evaluation(record, sources, result, StaleReason.UP_TO_DATE, "cached")
        reason, detail = explain(record, self.previous.get(spec.id))
        return Evaluation(record, sources, None, reason, detail)

    def built(self, spec: StepSpec, results: dict[str, StepResult]) -> dict[str, BuiltStep]:
        """What a `reads_records` step sees of its dependencies: each one's record, with its output digest, and its
        whole result. Every dependency with a result was evaluated first, in this walk or plan."""
        return {dep: BuiltStep(_with_output(self.evaluated[dep], results[dep]).to_json(), results[dep])
                for dep in spec.deps}

    def cached(self, key: str, kind: str) -> StepResult | None:
        """The action cache's result for a key of a step of this kind, if every file of it is still in the content
        store (a hit is remembered: plan asks again for the last apply's results, which on a no-op are this
        build's). The kind says which shared tier may hold it (Step.restricted)."""
        hit = self._hits.get(key)
        if hit is not None and not any(ref.sha256 in self.env.cas.condemned for ref in hit.files.values()):
            return hit
        entry = self.env.actions.get(key, step_kind(kind).restricted)
        if entry is None:
            return None
        result = StepResult.from_json(entry["result"])
        if not all(self.env.cas.has(ref.sha256) for ref in result.files.values()):
            self._lost[key] = result  # the step reruns and, being deterministic, makes this result again: plan
            return None               # knows its output, and so the keys after it
        self._hits[key] = result
        return result

    def previous_result(self, step_id: str) -> StepResult | None:
        """The result of the step's last recorded run (release.lock or state.json), while still cached: what the
        baseline's own verdicts were."""
        previous = self.previous.get(step_id)
        return None if previous is None else self.cached(previous.key, self.spec(step_id).kind)

    def memo(self, spec: StepSpec) -> Memo:
        """A memo step's files from its last recorded run (release.lock), when that result is still cached: those
        it reads (`Step.memo`, parts included) as local files, and every output's ref, to hand on (`reuse`)."""
        names = step_kind(spec.kind).memo
        result = self.previous_result(spec.id) if names else None
        return Memo({}, {}) if result is None else self._memo_of(result, names)

    def _memo_of(self, result: StepResult, names: tuple[str, ...]) -> Memo:
        """A previous result as a memo: its files named in `names` (parts included) local, and every output's ref."""
        return Memo({name: self.env.cas.local(ref.sha256) for name, ref in result.files.items()
                     if logical_name(name) in names}, dict(result.files))

    def map_memo(self, spec: StepSpec, source: SourceFile) -> Memo:
        """A per-source step's files from the previous map of this source file (`Step.map_memo`): the map its last
        recorded run combined, when the file had other bytes then and that map is still cached."""
        names = step_kind(spec.kind).map_memo
        previous = self.previous.get(spec.id) if names else None
        digest = None if previous is None else previous.inputs.get(f"source:{source.name}")
        if digest is None or digest == source.digest:
            return Memo({}, {})
        result = self.cached(map_key(spec, source.name, digest), spec.kind)
        if result is None:
            return Memo({}, {})
        try:
            return self._memo_of(result, names)
        except ReleaseBuildError:  # a blob gone or damaged since: the map does without (a memo only saves work)
            return Memo({}, {})

    def plan(self, budget: int | None = 0) -> list[StepPlan]:
        """Statuses, running data steps in scratch only within `budget` records (see plan_with_results)."""
        return self.plan_with_results(budget)[0]

    def plan_with_results(self, budget: int | None = 0, computed: Computed | None = None,
                          listener: Listener | None = None) -> tuple[list[StepPlan], dict[str, StepResult]]:
        """The plan, and the results it knows without running anything in the action cache: the cached ones and
        those of the steps it ran in scratch, whose outputs make the keys after them computable: every predictable
        one (Step.predictable), and the others while the records they compute afresh (Step.fresh_records) fit in
        `budget` (None: no bound; 0: none is run). A step is `will_run` when its key is known and not cached, or
        when its key must differ from its last run's whatever its unknown inputs turn out to be; `may_run` when its
        key needs the output of a step that must rerun and that plan did not run (early cutoff may still leave it
        cached). `computed` collects what was run and what did not fit; `listener` hears each data step run
        ("computing", with its cost)."""
        computed = computed if computed is not None else Computed(budget)
        computed.listener = listener
        results: dict[str, StepResult] = {}
        unknown: dict[str, tuple[str, ...]] = {}  # step id -> the reruns whose outputs its key waits for
        why: dict[str, str] = {}  # such a rerun -> why it reruns
        plans = []
        for step_id in self.order:
            spec = self.spec(step_id)
            waiting = [dep for dep in spec.deps if dep in unknown]
            if waiting:
                unknown[step_id] = tuple(sorted({root for dep in waiting for root in unknown[dep]},
                                                key=self.order.index))
                plans.append(self._plan_waiting(spec, unknown[step_id], why, results, computed))
                continue
            evaluation = self.evaluate(spec, results)
            if evaluation.result is not None:
                results[step_id] = evaluation.result
                plans.append(StepPlan(step_id, spec.kind, "cached", evaluation.reason, evaluation.detail))
                continue
            plans.append(StepPlan(step_id, spec.kind, "will_run", evaluation.reason, evaluation.detail))
            predicted = self._lost.get(evaluation.record.key) or self._predict(spec, evaluation, results, computed)
            if predicted is None:
                unknown[step_id] = (step_id,)
                why[step_id] = evaluation.detail
            else:
                results[step_id] = predicted
        self._save_memos()
        if listener is not None:
            self.report_damage(listener)
        return plans, results

    def _predict(self, spec: StepSpec, evaluation: Evaluation, results: dict[str, StepResult],
                 computed: Computed) -> StepResult | None:
        """A rerun's output, computed in scratch: its files go to the content store, nothing to the action cache
        (apply still runs the step, and writes the same bytes). A predictable step always; another one when the
        records it would compute afresh fit in what is left of the budget. None when it is not run, or the run
        fails (apply will run it and say why)."""
        kind = step_kind(spec.kind)
        if kind.effect or (not kind.predictable and computed.budget == 0):
            if not kind.effect:
                computed.held[spec.id] = "plan computes no data step (--compute-budget 0)"
            return None
        scratch = self.env.cache_dir / "tmp"
        scratch.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(dir=scratch, prefix="predict-"))
        try:
            if kind.predictable:
                return self._scratch_run(spec, workdir, evaluation.sources, results)
            fetch_rule_outputs(evaluation.sources, self.env.cas)
            parts = self._mapped(spec, evaluation.sources) if kind.per_source else {}
            to_map = [source for source in evaluation.sources if source.name not in parts]
            context = (StepContext(spec, workdir, {}, {}, to_map, store=self.env.store) if kind.per_source else
                       StepContext(spec, workdir, self.views(spec, results), self.input_paths(spec, results),
                                   evaluation.sources, memo=self.memo(spec).paths, store=self.env.store))
            try:
                cost = kind.fresh_records(context)
            except Exception as exc:  # noqa: BLE001 - an estimate that fails must not fail the plan
                computed.held[spec.id] = f"plan could not tell what it would compute ({type(exc).__name__})"
                return None
            if cost is None:
                computed.held[spec.id] = kind.not_computed
                return None
            if not computed.fits(cost):
                computed.held[spec.id] = (f"computing it would take {_count(cost, kind.fresh_unit)} afresh, over "
                                          f"what is left of plan's --compute-budget of {computed.budget:,}")
                return None
            if computed.listener is not None:
                computed.listener(spec.id, "computing", f"{_count(cost, kind.fresh_unit)} afresh, in scratch")
            if kind.per_source:
                for source in to_map:
                    mapped = run_map(spec, workdir, self.env.store, source, self.map_memo(spec, source))
                    if isinstance(mapped, _WorkerError):
                        computed.held[spec.id] = "its run in plan failed (apply runs it and says why)"
                        return None
                    parts[source.name] = _adopted(self.env.cas, mapped)
                named = {f"source:{name}": part for name, part in parts.items()}
                paths = {dep: {name: self.env.cas.local(ref.sha256) for name, ref in part.files.items()}
                         for dep, part in named.items()}
                returned = run_step(spec, workdir, self.env.store, named, paths, evaluation.sources)
                result = None if isinstance(returned, _WorkerError) else _adopted(self.env.cas, returned)
            else:
                result = self._scratch_run(spec, workdir, evaluation.sources, results)
            if result is None:
                computed.held[spec.id] = "its run in plan failed (apply runs it and says why)"
            else:
                computed.ran(spec.id, cost)
            return result
        except ReleaseBuildError as exc:  # an input's blob is gone or unreadable: only the run will tell
            if not kind.predictable:
                computed.held[spec.id] = f"plan could not read what it needs: {str(exc).splitlines()[0][:200]}"
            return None
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _scratch_run(self, spec: StepSpec, workdir: Path, sources: list[SourceFile],
                     results: dict[str, StepResult]) -> StepResult | None:
        kind = step_kind(spec.kind)
        returned = run_step(spec, workdir, self.env.store, self.views(spec, results), self.input_paths(spec, results),
                            sources, "run", self.memo(spec), self.built(spec, results) if kind.reads_records else None)
        return None if isinstance(returned, _WorkerError) else _adopted(self.env.cas, returned)

    def _mapped(self, spec: StepSpec, sources: list[SourceFile]) -> dict[str, StepResult]:
        """A per-source step's map results already in the action cache, by source name."""
        found = {}
        for source in sources:
            cached = self.cached(map_key(spec, source.name, source.digest), spec.kind)
            if cached is not None:
                found[source.name] = cached
        return found

    def known_results(self, kinds: tuple[str, ...] | None = None) -> dict[str, StepResult]:
        """Results already in place, found without running anything: a step counts when it and every step
        before it are cached (what `status` can say before an apply). `kinds`: only steps of these kinds."""
        results: dict[str, StepResult] = {}
        for step_id in self.order:
            spec = self.spec(step_id)
            if kinds is not None and spec.kind not in kinds:
                continue
            if step_kind(spec.kind).effect or any(dep not in results for dep in spec.deps):
                continue
            found = self.evaluate(spec, results).result
            if found is not None:
                results[step_id] = found
        self._save_memos()
        return results

    def _plan_waiting(self, spec: StepSpec, roots: tuple[str, ...], why: dict[str, str],
                      results: dict[str, StepResult], computed: Computed) -> StepPlan:
        """A step whose key needs the output of reruns only running can tell (`roots`): certain to run if its own
        definition changed or an input already known differs from its last run (its key cannot be that run's;
        only an older build of exactly these inputs, a revert, would still be cached), else it may run."""
        kind = step_kind(spec.kind)
        if kind.effect:
            known = kind.check_waiting(self.env, spec.params)
            if known is not None:
                return StepPlan(spec.id, spec.kind, "may_run", *known, waits_for=roots)
        previous = self.previous.get(spec.id)
        if previous is None:
            return StepPlan(spec.id, spec.kind, "will_run", StaleReason.NEW, "never built")
        own = StepRecord("", kind.code_version, param_digests(spec.params), previous.inputs)
        reason, detail = explain(own, previous)
        if reason in (StaleReason.CODE_CHANGED, StaleReason.PARAMS_CHANGED):
            return StepPlan(spec.id, spec.kind, "will_run", reason, detail)
        changed = [dep for dep in spec.deps if dep in results
                   and spec.view(dep, results[dep]).digest != previous.inputs.get(dep)]
        if changed:
            return StepPlan(spec.id, spec.kind, "will_run", StaleReason.INPUT_CHANGED,
                            "input changed: " + ", ".join(changed))
        first = roots[0]
        more = f" (and {len(roots) - 1} more reruns)" if len(roots) > 1 else ""
        because = why[first] if len(why[first]) <= 120 else why[first][:119] + "…"
        held = computed.held.get(first)
        return StepPlan(spec.id, spec.kind, "may_run", StaleReason.UPSTREAM_PENDING,
                        f"needs the output of {first}{more}, known only once it runs ({because})"
                        + (f"; {held}" if held else ""), roots)

    def apply(self, listener: Listener | None = None, jobs: int | None = None, prune: bool = False) -> ApplyOutcome:
        """Run what is stale, independent steps in parallel; record every outcome, stop nothing early. A walk in
        which a cache blob turned out corrupt (set aside, so the step that made it is no longer cached) is walked
        again: the next walk reruns that step and what failed for want of its output, and finds everything else
        cached. The rerun may read another damaged blob, set aside in turn: walks go on while each sets aside
        something new (blobs are finite, so this ends). `prune`: keep the local cache within its limit afterwards
        (`_prune`), for an apply of the whole graph only: a run of some targets (`app.project.build_targets`) does
        not know every result the next apply reads."""
        notify = listener or (lambda *_: None)
        limit = cache_limit() if prune else None
        started = time.time()
        ran: dict[str, StepOutcome] = {}
        pruning: Future[tuple[int, int]] | None = None  # a prune started beside the publish (`_Walk.before_effects`)

        def prune_beside_publish(results: dict[str, StepResult]) -> None:
            nonlocal pruning
            if limit is not None and pruning is None:
                from concurrent.futures import ThreadPoolExecutor

                pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prune")
                pruning = pool.submit(self._prune, results, limit, started)
                pool.shutdown(wait=False)

        while True:
            found = len(self.env.cas.damage)
            walk = _Walk(self, notify, jobs, prune_beside_publish)
            try:
                walk.run()
            finally:
                walk.close()
                walk.report_damage()
                if pruning is not None:
                    pruning.exception()  # done before the memos are saved: it forgets the hashes of what it removes
                self._save_memos()
            ran.update((step_id, outcome) for step_id, outcome in walk.outcomes.items() if outcome.status == "ran")
            if (not any(isinstance(error, CorruptCache) for error in walk.failed.values())
                    or len(self.env.cas.damage) == found):  # nothing new set aside: another walk would fail alike
                break
        # a step that ran in an earlier walk is cached in the last one: it is reported as run
        steps = [ran[step_id] if walk.outcomes[step_id].status == "cached" and step_id in ran
                 else walk.outcomes[step_id] for step_id in self.order]
        pruned = None
        if pruning is not None:
            pruned = pruning.result()
        elif ran and limit is not None:  # a no-op adds nothing to the cache
            pruned = self._prune(walk.results, limit, started)
        if pruned is not None and limit is not None:
            removed, freed = pruned
            if removed:
                notify("cache", "pruned", f"{removed:,} blobs ({freed / 2**20:,.0f} MiB) removed, oldest first: the "
                                          f"local cache was over its limit of {limit / 2**30:,.1f} GiB "
                                          "(RELEASEBUILD_CACHE_LIMIT)")
            self._save_memos()
        return ApplyOutcome(steps, walk.records, walk.results, _first_error(walk.failed, self.order))

    def _save_memos(self) -> None:
        """Keep what this process learnt about files for the next: source digests, and the digests of the cache
        blobs (and published files) it hashed."""
        self.env.fingerprints.save()
        self.env.cas.hashes.save()

    def _prune(self, results: dict[str, StepResult], limit: int, started: float) -> tuple[int, int]:
        """Keep the local content store within its limit (`ContentStore.prune`, RELEASEBUILD_CACHE_LIMIT). Each run
        of a step over a large family writes that family's outputs anew, so without a limit every edit would add
        them to the disk for good (about 100 MB per one-message edit at 100k conversations). What is kept whatever
        the limit: the blobs of this apply's results and of the last recorded run's (the memos the next apply
        reads are among them), and each per-source step's file maps (an edit of one file remaps that file only).
        Returns (blobs removed, bytes freed).

        It runs on a thread of its own beside the publish, once every other step is decided (`_Walk.before_effects`):
        the publish reads only blobs of this apply's results, which are kept, and at 1M a one-message change's prune
        (0.3 s removing 866 MB of older blobs) was the apply's last wait."""
        keep: set[str] = set()
        for step_id in self.order:
            spec = self.spec(step_id)
            kept = [results.get(step_id), self.previous_result(step_id)]
            if step_kind(spec.kind).per_source and step_id in self.listed:
                kept += self._mapped(spec, self.listed[step_id]).values()
            keep.update(ref.sha256 for result in kept if result is not None for ref in result.files.values())
        return self.env.cas.prune(keep, limit, started)

    def _context(self, spec: StepSpec, results: dict[str, StepResult], sources: list[SourceFile],
                 workdir: Path) -> StepContext:
        return StepContext(spec, workdir, self.views(spec, results), self.input_paths(spec, results),
                           sources, env=self.env, store=self.env.store)

    @staticmethod
    def views(spec: StepSpec, results: dict[str, StepResult]) -> dict[str, StepResult]:
        return {dep: spec.view(dep, results[dep]) for dep in spec.deps}

    def input_paths(self, spec: StepSpec, results: dict[str, StepResult]) -> dict[str, dict[str, Path]]:
        """Every input file the step may open, as a local file checked against its digest (Step.opens_inputs)."""
        if not step_kind(spec.kind).opens_inputs:
            return {}
        views = self.views(spec, results)
        self.env.cas.check(ref.sha256 for view in views.values() for ref in view.files.values())
        return {dep: {name: self.env.cas.local(ref.sha256) for name, ref in view.files.items()}
                for dep, view in views.items()}


@dataclass
class _Mapping:
    """A per-source step whose files are being mapped; the combining run starts when the last one is in."""

    evaluation: Evaluation
    parts: dict[str, StepResult] = field(default_factory=dict)
    pending: int = 0
    mapped: int = 0  # files mapped in this run; the others came from the action cache
    seconds: float = 0.0
    error: ReleaseBuildError | None = None


@dataclass(frozen=True)
class _Job:
    step_id: str
    workdir: Path
    source: SourceFile | None = None  # set for one file's map job
    map_key: str = ""
    guess: bool = False  # started on a steady dependency's last result, before that dependency is decided


@dataclass
class _Guess:
    """A step started ahead on its steady dependencies' last results (`_Walk._guess`): the key it was started
    under, and its job while it runs; once done, what it made (None: it failed, and runs again if it must)."""

    key: str
    job: _Job
    future: Future[Any]
    started: float
    done: bool = False
    made: tuple[StepResult, float, dict[str, Any] | None] | None = None  # result, run seconds, stats


class _Walk:
    """One apply: the state of the walk over the graph, and the pool its jobs run in."""

    def __init__(self, engine: Engine, notify: Listener, jobs: int | None,
                 before_effects: Callable[[dict[str, StepResult]], None] | None = None):
        self.engine = engine
        self.env = engine.env
        self.notify = notify
        self.jobs = jobs
        # called once, with every result, when an effect step (the publish) starts and every other step is decided
        self.before_effects = before_effects
        self.results: dict[str, StepResult] = {}
        self.records: dict[str, StepRecord] = {}
        self.outcomes: dict[str, StepOutcome] = {}
        self.failed: dict[str, ReleaseBuildError] = {}
        self.evaluations: dict[str, tuple[Evaluation, float]] = {}
        self.mappings: dict[str, _Mapping] = {}
        self.running: dict[Future[Any], tuple[_Job, int]] = {}  # a job, and the lane it runs in
        self.queued: list[tuple[_Job, Callable[..., Any], tuple[Any, ...]]] = []  # ready, waiting for a lane
        self.stats: dict[str, dict[str, Any]] = {}
        # one single-process pool per worker (a lane), started (and its machinery imported) only when a step runs,
        # so that a job goes to the worker that made its loads ahead (`_dispatch`)
        self.lanes: list[Any] = []
        self.lane_loads: list[tuple[str, ...]] = []  # the slow loads each lane makes while it has no job
        self.busy: set[int] = set()  # lanes running a job
        self.guesses: dict[str, _Guess | None] = {}  # step id -> its guess; None: looked at, not started
        # step id -> the result it will have if the guesses it rests on hold: a guess's, or the cached one a step
        # looked at for a guess turned out to have (`_guess`)
        self.bets: dict[str, StepResult] = {}
        self.ahead: Any = None  # a thread checking blobs ahead (`_check_ahead`), started with the first step to run
        self.ahead_sent: set[str] = set()  # blobs handed to that thread
        self.ahead_memos: set[str] = set()  # steps whose memos were looked up for it
        self.janitor: Any = None  # a thread removing job directories (`_tidy`)
        self.dependents: dict[str, list[str]] = {step_id: [] for step_id in engine.order}
        for step_id in engine.order:
            for dep in engine.spec(step_id).deps:
                self.dependents[dep].append(step_id)
        self.tmp_root = self.env.cache_dir / "tmp"
        self.tmp_root.mkdir(parents=True, exist_ok=True)
        # A walk runs under the checkout's apply lock: step directories already here are a killed walk's
        for leftover in self.tmp_root.glob("step-*"):
            shutil.rmtree(leftover, ignore_errors=True)

    def run(self) -> None:
        remaining = list(self.engine.order)
        while remaining or self.running:
            # until none is left ready: a step found cached makes the steps after it ready at once, and they must
            # not wait for a running job to end first
            while ready := [s for s in remaining if all(d in self.outcomes for d in self.engine.spec(s).deps)]:
                for step_id in ready:
                    remaining.remove(step_id)
                    self._start(step_id)
            self._guess(remaining)
            if self.running:
                done, _ = wait(list(self.running), return_when=FIRST_COMPLETED)
                for future in done:
                    job, lane = self.running.pop(future)
                    self.busy.discard(lane)
                    self._dispatch()
                    if job.guess:
                        self._guessed(job, future.result())
                    elif job.source is None:
                        self._finish(job, future.result())
                    else:
                        self._finish_map(job, future.result())

    def close(self) -> None:
        for lane in self.lanes:
            lane.shutdown(wait=True)
        if self.ahead is not None:
            self.ahead.shutdown(wait=True, cancel_futures=True)
        if self.janitor is not None:
            self.janitor.shutdown(wait=True)

    def _tidy(self, workdir: Path) -> None:
        """Remove a job's directory, on a thread of its own: the files left in it (scratch, and outputs the store
        already held: `ContentStore.adopt`) are freed by the kernel block by block, and at 1M a one-message
        change's fingerprint left 300 MB the walk waited on."""
        if self.janitor is None:
            from concurrent.futures import ThreadPoolExecutor

            self.janitor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tidy")
        self.janitor.submit(shutil.rmtree, workdir, ignore_errors=True)

    def report_damage(self) -> None:
        self.engine.report_damage(self.notify)

    def _start(self, step_id: str) -> None:
        spec = self.engine.spec(step_id)
        broken = [d for d in spec.deps if self.outcomes[d].status in ("failed", "skipped")]
        if broken:
            self._outcome(StepOutcome(step_id, spec.kind, "skipped", StaleReason.UPSTREAM_FAILED,
                                      "because " + ", ".join(broken) + " did not complete"))
            return
        try:
            evaluation = self.engine.evaluate(spec, self.results)
        except ReleaseBuildError as exc:
            self.failed[step_id] = exc
            self._outcome(StepOutcome(step_id, spec.kind, "failed", StaleReason.INPUT_CHANGED, str(exc)))
            return
        guess = self.guesses.pop(step_id, None)
        if guess is not None and guess.key == evaluation.record.key and self._guess_holds(guess, evaluation):
            return
        if evaluation.result is not None:
            self.results[step_id] = evaluation.result
            self.records[step_id] = _with_output(evaluation.record, evaluation.result)
            self._outcome(StepOutcome(step_id, spec.kind, "cached", evaluation.reason, evaluation.detail))
            return
        self.notify(step_id, "start", evaluation.detail)
        self.evaluations[step_id] = (evaluation, time.monotonic())
        kind = step_kind(spec.kind)
        if not kind.effect:
            self._check_ahead(step_id)
        if kind.effect:
            if self.before_effects is not None and self._only_effects_left():
                self.before_effects(dict(self.results))
                self.before_effects = None
            workdir = self._workdir()
            inputs = self.engine.views(spec, self.results)
            paths = self.engine.input_paths(spec, self.results)
            self._finish(_Job(step_id, workdir), _run_effect(spec, workdir, inputs, paths, evaluation.sources,
                                                             env=self.env))
        elif kind.per_source:
            self._start_maps(spec, evaluation)
        elif self._localized(spec, evaluation, evaluation.sources):
            try:
                paths, memo = self.engine.input_paths(spec, self.results), self.engine.memo(spec)
            except ReleaseBuildError as exc:  # an input's blob is corrupt (set aside) or lost
                self.failed[step_id] = exc
                self._outcome(StepOutcome(step_id, spec.kind, "failed", evaluation.reason, str(exc)))
                return
            self._submit(_Job(step_id, self._workdir()), run_step, self.engine.views(spec, self.results), paths,
                         evaluation.sources, "run", memo,
                         self.engine.built(spec, self.results) if kind.reads_records else {})

    def _only_effects_left(self) -> bool:
        """Every step but the effect steps decided, and no job running (a guess not kept may still be)."""
        return not self.running and not self.queued and all(
            step in self.outcomes for step in self.engine.order if not step_kind(self.engine.spec(step).kind).effect)

    def _guess(self, remaining: list[str]) -> None:
        """Start, on workers that have nothing to do, steps that wait only for dependencies with a bet (`_bet`):
        steady ones (`Step.steady`) on their last results, and steps started on guesses themselves on what those
        made (a guess after a guess), when the key that makes is not cached; a key that is cached is a bet for the
        steps after it. A one-message change's bias counts, stats, export and provenance wait for the family's split,
        which waits for the whole release's dedup and then turns out cached: at 1M, one of two workers sat idle
        through fingerprint and dedup (6 s), and guesses took the change from 29.5 to 26.4 s. The leakage gate
        (after dedup and the splits) and the distribution gate (after the stats) waited for dedup too, and ran after
        it on both workers.

        A guess is the step's run for a key: its result is right for that key whatever the dependency turns out to
        be, so it goes to the action cache either way. The walk keeps it when the step's real key is the same
        (`_guess_holds`); otherwise the step runs as it would have, and the guess has cost a worker's idle time,
        and, if it is still running when a real step needs that worker, a wait of up to its run time."""
        idle = len(self.lanes) - len(self.busy)
        if not self.lanes or self.queued or idle <= 0:
            return
        for step_id in remaining:
            if idle <= 0:
                return
            spec = self.engine.spec(step_id)
            pending = [dep for dep in spec.deps if dep not in self.outcomes]
            if step_id in self.guesses or not pending or not self._may_guess(spec, pending):
                continue
            self.guesses[step_id] = None  # looked at once, when each dependency left to decide has a bet
            last = {dep: result for dep in pending if (result := self._bet(dep)) is not None}
            if len(last) < len(pending):
                continue
            results = {**{dep: self.results[dep] for dep in spec.deps if dep not in last}, **last}
            try:
                evaluation = self.engine.evaluate(spec, results)
                if evaluation.result is not None:
                    self.bets[step_id] = evaluation.result
                    continue
                paths, memo = self.engine.input_paths(spec, results), self.engine.memo(spec)
            except ReleaseBuildError:  # a blob the guess needs is damaged: the step runs when it is its turn
                continue
            job = _Job(step_id, self._workdir(), guess=True)
            self._submit(job, run_step, self.engine.views(spec, results), paths, evaluation.sources, "run", memo, {})
            future = next(future for future, (running, _) in self.running.items() if running is job)  # a lane was free
            self.guesses[step_id] = _Guess(evaluation.record.key, job, future, time.monotonic())
            idle -= 1

    def _may_guess(self, spec: StepSpec, pending: list[str]) -> bool:
        """Whether the step may be started on a guess: it runs in the pool on its dependencies' results alone (no
        sources, no dependency's record in its key), every dependency decided has a result, and every one left is
        steady."""
        kind = step_kind(spec.kind)
        if kind.effect or kind.per_source or kind.reads_records or spec.sources:
            return False
        if any(dep not in self.results for dep in spec.deps if dep not in pending):
            return False
        return all(dep in self.bets or step_kind(self.engine.spec(dep).kind).steady for dep in pending)

    def _bet(self, dep: str) -> StepResult | None:
        """What a guess takes a dependency still to decide to be: a result resting on guesses of its own (a guess
        after a guess), else, for a steady one, its last result."""
        if dep in self.bets:
            return self.bets[dep]
        return self.engine.previous_result(dep) if step_kind(self.engine.spec(dep).kind).steady else None

    def _guessed(self, job: _Job, returned: Any) -> None:
        """A guess done before its step's turn: its result adopted and cached under the key it ran for."""
        guess = self.guesses.get(job.step_id)
        try:
            if guess is None or isinstance(returned, BaseException | _WorkerError):
                return
            _, _, stats, seconds = returned
            result = _adopted(self.env.cas, returned)
            self.env.actions.put(guess.key, {"step": job.step_id, "result": result.to_json()},
                                 step_kind(self.engine.spec(job.step_id).kind).restricted)
            guess.made = result, seconds, stats or None
            self.bets[job.step_id] = result
        except ReleaseBuildError:  # an output could not be adopted: the step runs again if it must
            pass
        finally:
            if guess is not None:
                guess.done = True
            self._tidy(job.workdir)

    def _guess_holds(self, guess: _Guess, evaluation: Evaluation) -> bool:
        """The step's key is the one its guess ran for: the guess is its run (still running: the walk waits for it
        as for any job; done: it ran). False when the guess failed: the step runs now."""
        step_id = guess.job.step_id
        if not guess.done:
            self.notify(step_id, "start", evaluation.detail)
            self.evaluations[step_id] = (evaluation, guess.started)
            self.running[guess.future] = (replace(guess.job, guess=False), self.running[guess.future][1])
            return True
        if guess.made is None:
            return False
        result, seconds, stats = guess.made
        reason, detail = explain(evaluation.record, self.engine.previous.get(step_id))  # not "cached": it ran now
        self.notify(step_id, "start", detail)
        self._ran(step_id, evaluation.record, result, seconds, stats, reason, detail)
        return True

    def _start_maps(self, spec: StepSpec, evaluation: Evaluation) -> None:
        """Map each source file whose map result is not cached; combine when all are in."""
        mapping = _Mapping(evaluation)
        to_map = []
        for source in evaluation.sources:
            key = map_key(spec, source.name, source.digest)
            cached = self.engine.cached(key, spec.kind)
            if cached is not None:
                mapping.parts[source.name] = cached
            else:
                to_map.append((source, key))
        if not self._localized(spec, evaluation, [source for source, _ in to_map]):
            return
        self.mappings[spec.id] = mapping
        for source, key in to_map:
            mapping.pending += 1
            self._submit(_Job(spec.id, self._workdir(), source, key), run_map, source,
                         self.engine.map_memo(spec, source))
        if mapping.pending == 0:
            self._combine(spec, mapping)

    def _finish_map(self, job: _Job, returned: Any) -> None:
        assert job.source is not None
        mapping = self.mappings[job.step_id]
        mapping.pending -= 1
        try:
            result, seconds = self._adopt(job, returned)
            restricted = step_kind(self.engine.spec(job.step_id).kind).restricted
            self.env.actions.put(job.map_key, {"step": f"{job.step_id}:{job.source.name}",
                                               "result": result.to_json()}, restricted)
            mapping.parts[job.source.name] = result
            mapping.mapped += 1
            mapping.seconds += seconds
        except ReleaseBuildError as exc:
            mapping.error = mapping.error or exc  # the first file's failure names the step
        finally:
            self._tidy(job.workdir)
        if mapping.pending:
            return
        if mapping.error is not None:
            spec = self.engine.spec(job.step_id)
            self.failed[job.step_id] = mapping.error
            self._outcome(StepOutcome(job.step_id, spec.kind, "failed", mapping.evaluation.reason,
                                      str(mapping.error), mapping.seconds))
            return
        self._combine(self.engine.spec(job.step_id), mapping)

    def _combine(self, spec: StepSpec, mapping: _Mapping) -> None:
        parts = {f"source:{name}": result for name, result in mapping.parts.items()}
        try:
            paths = {dep: {name: self.env.cas.local(ref.sha256) for name, ref in result.files.items()}
                     for dep, result in parts.items()}
        except ReleaseBuildError as exc:  # a map result's blob is corrupt (set aside) or lost
            self.failed[spec.id] = exc
            self._outcome(StepOutcome(spec.id, spec.kind, "failed", mapping.evaluation.reason, str(exc),
                                      mapping.seconds))
            return
        self._submit(_Job(spec.id, self._workdir()), run_step, parts, paths, mapping.evaluation.sources)

    def _localized(self, spec: StepSpec, evaluation: Evaluation, sources: list[SourceFile]) -> bool:
        """The rule outputs the step reads, fetched; False (the step failed) when one cannot be."""
        try:
            fetch_rule_outputs(sources, self.env.cas)
        except ReleaseBuildError as exc:
            self.failed[spec.id] = exc
            self._outcome(StepOutcome(spec.id, spec.kind, "failed", evaluation.reason, str(exc)))
            return False
        return True

    def _submit(self, job: _Job, fn: Callable[..., Any], *args: Any) -> None:
        """Queue a job for the next lane free (`_dispatch`); the lanes start with the first job."""
        if not self.lanes:
            from concurrent.futures import ProcessPoolExecutor

            self.lane_loads = self._lane_loads(self.jobs or os.cpu_count() or 1)
            # workers die with this process: a killed apply leaves none running (or holding its root lock)
            self.lanes = [ProcessPoolExecutor(max_workers=1, initializer=_start_worker, initargs=(os.getpid(), loads))
                          for loads in self.lane_loads]
            for lane in self.lanes:  # a pool starts its worker with the first job: a no-op starts every lane's now
                lane.submit(int)
        self.queued.append((job, fn, args))
        self._dispatch()

    def _dispatch(self) -> None:
        """Hand queued jobs, first come first served, to free lanes: a job whose kind has slow loads to the lane
        that makes them (`_lane_loads`) when it is free, any other job to the free lane whose loads are needed
        last (the highest), so the lane making the loads needed next is left to make them. One pool of workers
        sends each job to whichever worker asks first: at 100k, a one-message change's privacy scan went to the
        worker that had just mapped the edited file and loaded Presidio itself (0.6 s), while the other worker had
        loaded it for nothing."""
        while self.queued and len(self.busy) < len(self.lanes):
            job, fn, args = self.queued.pop(0)
            spec = self.engine.spec(job.step_id)
            free = [lane for lane in range(len(self.lanes)) if lane not in self.busy]
            wanted = set(step_kind(spec.kind).loads(spec.params))
            lane = next((lane for lane in free if wanted & set(self.lane_loads[lane])), free[-1])
            self.busy.add(lane)
            future = self.lanes[lane].submit(_in_worker, fn, spec, job.workdir, self.env.store, *args)
            self.running[future] = (job, lane)

    def _lane_loads(self, lanes: int) -> list[tuple[str, ...]]:
        """The slow loads (`Step.slow_loads`) each lane makes while it has no job: those of the steps not decided
        yet, each kind's in one lane, dealt in turn in the order the steps come, so that the loads needed first are
        made first, and by one worker only (made in every worker, they cost a one-message change at 100k about 0.7 s
        of CPU for loads most workers never used). A step decided later may turn out cached and its loads unused:
        they cost a worker's idle time and memory."""
        groups: dict[tuple[str, ...], None] = {}
        for step_id in self.engine.order:
            if step_id not in self.outcomes:
                spec = self.engine.spec(step_id)
                loads = step_kind(spec.kind).loads(spec.params)
                if loads:
                    groups[loads] = None
        dealt: list[dict[str, None]] = [{} for _ in range(lanes)]
        for index, loads in enumerate(groups):
            dealt[index % lanes].update(dict.fromkeys(loads))
        return [tuple(loads) for loads in dealt]

    def _check_ahead(self, step_id: str) -> None:
        """Hash, on a thread of their own, the blobs the steps after this one (it runs, so they may too) will read
        and that are known now: the results of their dependencies decided so far (a changed family's dedup reads
        every other family's pack) and their memos. A step's inputs are hashed before it runs (`input_paths`, in
        this process); done here while the steps before it run, on a core they leave idle, they are found checked
        (`ContentStore.check` waits for a blob in flight instead of hashing it twice). At 100k, a one-message
        change's fingerprint and dedup each waited 0.15 and 0.25 s for theirs. A step that turns out cached leaves
        its inputs hashed for nothing: a core's idle time."""
        from concurrent.futures import ThreadPoolExecutor

        later: set[str] = set()
        todo = list(self.dependents[step_id])
        while todo:
            next_id = todo.pop()
            if next_id not in self.outcomes and next_id not in later:
                later.add(next_id)
                todo.extend(self.dependents[next_id])
        for next_id in (step for step in self.engine.order if step in later):
            spec = self.engine.spec(next_id)
            kind = step_kind(spec.kind)
            digests = [ref.sha256 for dep in spec.deps if dep in self.results and kind.opens_inputs
                       for ref in spec.view(dep, self.results[dep]).files.values()]
            # a memo's entry is read where the cache is local only (a shared tier's would cost a request per step),
            # and once per step
            previous = None
            if kind.memo and self.env.cas.shared is None and next_id not in self.ahead_memos:
                self.ahead_memos.add(next_id)
                previous = self.engine.previous_result(next_id)
            if previous is not None:
                digests += [ref.sha256 for name, ref in previous.files.items() if logical_name(name) in kind.memo]
            fresh = [sha256 for sha256 in dict.fromkeys(digests) if sha256 not in self.ahead_sent]
            if fresh:
                self.ahead_sent.update(fresh)
                if self.ahead is None:
                    self.ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="check-ahead")
                self.ahead.submit(self.env.cas.check, fresh, 1)

    def _workdir(self) -> Path:
        return Path(tempfile.mkdtemp(dir=self.tmp_root, prefix="step-"))

    def _adopt(self, job: _Job, returned: Any) -> tuple[StepResult, float]:
        """A job's outputs moved into the content store; raises the job's error."""
        if isinstance(returned, BaseException):
            raise returned
        if isinstance(returned, _WorkerError):
            where = f"{job.source.name}: " if job.source is not None else ""
            raise StepFailed(job.step_id, where + returned.message)
        _, _, stats, seconds = returned  # the job's own run time, not its wait in the pool queue
        if stats:  # a per-source step's maps say what each did, summed
            said = self.stats.setdefault(job.step_id, {}) if job.source is not None else {}
            self.stats[job.step_id] = {name: said.get(name, 0) + stats.get(name, 0) for name in {**said, **stats}}
        return _adopted(self.env.cas, returned), seconds

    def _finish(self, job: _Job, returned: Any) -> None:
        step_id = job.step_id
        spec = self.engine.spec(step_id)
        evaluation, started = self.evaluations[step_id]
        mapping = self.mappings.get(step_id)
        seconds = time.monotonic() - started
        try:
            result, seconds = self._adopt(job, returned)
            kind = step_kind(spec.kind)
            if not kind.effect:
                self.env.actions.put(evaluation.record.key, {"step": step_id, "result": result.to_json()},
                                     kind.restricted)
            sources = None
            if mapping is not None:
                seconds += mapping.seconds
                sources = {"mapped": mapping.mapped, "cached": len(mapping.parts) - mapping.mapped}
            self._ran(step_id, evaluation.record, result, seconds, self.stats.pop(step_id, None), evaluation.reason,
                      evaluation.detail, sources)
        except ReleaseBuildError as exc:
            self.failed[step_id] = exc
            self._outcome(StepOutcome(step_id, spec.kind, "failed", evaluation.reason, str(exc), seconds))
        finally:
            self._tidy(job.workdir)

    def _ran(self, step_id: str, record: StepRecord, result: StepResult, seconds: float,
             stats: dict[str, Any] | None, reason: StaleReason, detail: str,
             sources: dict[str, int] | None = None) -> None:
        """A step that ran in this walk: its result, its record, and its outcome said."""
        self.results[step_id] = result
        self.records[step_id] = _with_output(record, result)
        shown = f"{seconds:.2f}s" + (f" ({_stats_text(stats)})" if stats else "")
        self._outcome(StepOutcome(step_id, self.engine.spec(step_id).kind, "ran", reason, detail, seconds, sources,
                                  stats), shown)

    def _outcome(self, outcome: StepOutcome, shown: str | None = None) -> None:
        self.report_damage()
        self.outcomes[outcome.id] = outcome
        self.notify(outcome.id, outcome.status, shown if shown is not None else outcome.detail)


@dataclass(frozen=True)
class _WorkerError:
    message: str


# A pool worker's collector thresholds (the defaults are 700, 10, 10). Steps build hundreds of thousands of small
# objects that live for the whole step (a pack's rows, a split's assignments, a scan table's keys): with the
# defaults a collection starts every 700 allocations and the full ones rescan them all. Measured on a one-message
# change at 100k, with each step freezing what it found: release/dedup 1.8 s -> 0.95 s, release/leakage 0.9 s ->
# 0.7 s. Cycles a step makes are still collected.
WORKER_GC_THRESHOLDS = (50_000, 20, 20)


def _start_worker(parent: int, slow_loads: tuple[str, ...]) -> None:
    """A pool worker's initializer: it dies with the apply that forked it (`die_with_parent`), what it inherited is
    frozen out of the collector's view unscanned (the apply's imports, and whatever else the forking process holds:
    in a long-lived process calling `api.apply`, its whole heap), its collector runs less often (`_in_worker`), and
    while it has no job it tidies up after the last one and makes the apply's slow loads (`_IdleWork`)."""
    global _IDLE_WORK
    die_with_parent(parent)
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLDS)
    _IDLE_WORK = _IdleWork(slow_loads)
    os.register_at_fork(before=_IDLE_WORK.hold_for_fork, after_in_parent=_IDLE_WORK.forked,
                        after_in_child=_IDLE_WORK.forked)


class _IdleWork:
    """A pool worker's thread for what it can do while it has no job: collect what the last job left and freeze
    the rest out of the collector's view (`_in_worker` otherwise does it as the next job starts, 0.05 s and more
    after a step that imported a library), then make, one at a time, the slow imports and loads the apply's steps
    will need (`Step.slow_loads`, dealt by `_Walk._lane_loads`). On a one-message change at 100k the chain
    ingest -> privacy -> fingerprint -> dedup -> bias counts waited about 1.5 s for those (Presidio with spaCy,
    datasketch with scipy, the language identifier's model), while one of the two workers had nothing to do.

    Only an idle worker works here: a job that arrives stops the thread after the piece in flight, so a running step
    shares its interpreter with at most one load. Making the loads in both workers at once, jobs or no jobs, was
    slower than not making them ahead at all (on two cores it slowed the first step from 0.36 to 0.83 s). The
    thread waits a moment before it starts, so the apply's first job, already queued when the worker starts, finds
    it idle.

    A job waits for the piece in flight only when it is one of its own kind's loads: at 1M, the privacy scan, its
    own loads made, waited 0.5 s for the language identifier's, which it does not use. One of its own it must wait
    for: two threads building Presidio's analyzer at once fail (spaCy's registries are not made for it). A fork
    waits for any piece in flight (`hold_for_fork`): the privacy scan forks processes of its own, and a process
    forked during an import could not finish that import."""

    FIRST_JOB_SECONDS = 0.05

    def __init__(self, loads: tuple[str, ...]):
        self.loads = list(loads)
        self.idle = threading.Event()
        self.idle.set()
        self.untidy = threading.Event()  # a job ended whose leftovers are not collected yet
        self.working = threading.RLock()  # held while a piece is made, and by a thread forking (`hold_for_fork`)
        self.in_flight: str | None = None  # the load being made
        threading.Thread(target=self._run, name="idle-work", daemon=True).start()

    def _run(self) -> None:
        time.sleep(self.FIRST_JOB_SECONDS)
        while True:
            self.idle.wait()
            if not self.loads and not self.untidy.is_set():
                self.untidy.wait()  # nothing to do until a job ends
                continue
            with self.working:
                # named before the job check: a job that starts after this either sees it or is seen
                self.in_flight = None if self.untidy.is_set() else self.loads[0]
                if not self.idle.is_set():
                    self.in_flight = None
                    continue  # a job came in between: wait until it is done
                if self.untidy.is_set():
                    self.untidy.clear()
                else:
                    try:
                        make_load(self.loads.pop(0))
                    except Exception:  # noqa: BLE001 - the step that needs it loads it again and reports why
                        self.loads.clear()
                    self.in_flight = None
                gc.collect()
                gc.freeze()

    def job_starts(self, loads: tuple[str, ...]) -> None:
        """A job whose kind makes these loads starts: no piece starts after this, and the piece in flight, if it is
        one of them, is waited for."""
        self.idle.clear()
        if self.in_flight is not None and self.in_flight in loads:
            with self.working:
                pass

    def job_ends(self) -> None:
        self.untidy.set()
        self.idle.set()

    def hold_for_fork(self) -> None:
        """Before this process forks (os.register_at_fork): wait for the piece in flight, and start no other until
        the fork is done (`forked`)."""
        self.working.acquire()

    def forked(self) -> None:
        """After a fork, in the parent and in the child (the same thread, which holds `working`)."""
        self.working.release()


def make_load(load: str) -> None:
    """One of `Step.loads`: "module" imports it, "module:function[:arg...]" calls the function too."""
    module, *call = load.split(":")
    imported = importlib.import_module(module)
    if call:
        getattr(imported, call[0])(*call[1:])


_IDLE_WORK: _IdleWork | None = None  # in a pool worker


def _in_worker(job: Callable[..., Any], spec: StepSpec, *args: Any) -> Any:
    """A job in a pool worker (`run_step`, `run_map`), with the worker's idle work paused while it runs.

    What the worker's earlier jobs left is collected (a full collection scans only what is not frozen yet: what
    the jobs since the last freeze made, little when the idle work got to it first), then frozen out of the
    collector's view, so a model or an index an earlier step cached is not rescanned by every collection of this
    one, and no garbage of theirs is frozen with it."""
    if _IDLE_WORK is not None:
        _IDLE_WORK.job_starts(step_kind(spec.kind).loads(spec.params))
    try:
        gc.collect()
        gc.freeze()
        return job(spec, *args)
    finally:
        if _IDLE_WORK is not None:
            _IDLE_WORK.job_ends()


def run_step(spec: StepSpec, workdir: Path, store: Stores, inputs: dict[str, StepResult],
             input_paths: dict[str, dict[str, Path]], sources: list[SourceFile], phase: str = "run",
             memo: Memo | None = None, built: dict[str, BuiltStep] | None = None
             ) -> Executed | _WorkerError:
    """Runs in a worker process, with the run's store (pickled: its settings, not its connections). Errors come
    back as values: custom exceptions do not always survive pickling."""
    memo = memo or Memo({}, {})
    try:
        return _execute(StepContext(spec, workdir, inputs, input_paths, sources, memo=memo.paths,
                                    memo_refs=memo.refs, built=built or {}, store=store), phase)
    except ReleaseBuildError as exc:
        return _WorkerError(str(exc))
    except Exception as exc:  # a bug or bad data inside a step: report it with its origin
        tail = "".join(traceback.format_exception(exc)[-3:]).strip()
        return _WorkerError(f"{type(exc).__name__}: {exc}\n{tail}")


def run_map(spec: StepSpec, workdir: Path, store: Stores, source: SourceFile, memo: Memo | None = None
            ) -> Executed | _WorkerError:
    """Runs in a worker process: one source file of a per-source step, with its previous map's memo files."""
    return run_step(spec, workdir, store, {}, {}, [source], phase="map", memo=memo)


def map_key(spec: StepSpec, source_name: str, source_digest: str) -> str:
    """The key of a per-source step's map of one source file: the step's code and params, the file's name and
    digest."""
    return step_key(f"{spec.kind}:map", step_kind(spec.kind).code_version, spec.params,
                    {f"source:{source_name}": source_digest})


def _run_effect(spec: StepSpec, workdir: Path, inputs: dict[str, StepResult],
                input_paths: dict[str, dict[str, Path]], sources: list[SourceFile], env: RunEnv) -> Any:
    try:
        return _execute(StepContext(spec, workdir, inputs, input_paths, sources, env=env, store=env.store))
    except ReleaseBuildError as exc:
        return exc
    except Exception as exc:  # I/O failing mid-publish, typically: the step fails, the walk goes on
        return StepFailed(spec.id, f"{type(exc).__name__}: {exc}")


# A step's outputs (name -> where it wrote the file, its ref), its meta, what it said of its own work, its run time.
Executed = tuple[dict[str, tuple[str, FileRef]], dict[str, Any], dict[str, int], float]


def _execute(ctx: StepContext, phase: str = "run") -> Executed:
    started = time.monotonic()
    kind = step_kind(ctx.spec.kind)
    if kind.Params is not None:  # the graph and the step agree on the params, or the step does not start
        kind.Params.model_validate(ctx.spec.params)
    try:
        returned = kind.map(ctx) if phase == "map" else kind.run(ctx)
    finally:
        for output in ctx.outputs.values():
            output.close()
    declared = kind.MapResult if phase == "map" else kind.Result
    if not isinstance(returned, declared):  # what downstream steps read as the model must have been made as one
        raise TypeError(f"step {ctx.spec.id} ({kind.kind}) returned {type(returned).__name__}, not its "
                        f"{'MapResult' if phase == 'map' else 'Result'} {declared.__name__}")
    outputs = {name: ("" if isinstance(output, ReusedFile) else str(output.path), output.ref())
               for name, output in ctx.outputs.items()}
    return outputs, returned.model_dump(mode="json"), ctx.stats, time.monotonic() - started


def _adopted(cas: ContentStore, executed: Executed) -> StepResult:
    """A run's outputs moved into the content store (a reused one, with no path, is there already), and its
    result."""
    outputs, meta, _, _ = executed
    for path, ref in outputs.values():
        if path:
            cas.adopt(Path(path), ref.sha256)
        elif not cas.has(ref.sha256):
            raise CorruptCache(ref.sha256, f"a step handed on a blob it did not write, {ref.sha256[:12]}, which the "
                                           "cache no longer holds")
    # in the form a cached result is read back in (sorted keys, JSON types), so a step downstream sees the same
    # result whether this one ran now or came from the cache: a dict's order is data to whoever iterates it
    return StepResult({name: ref for name, (_, ref) in outputs.items()}, json.loads(canonical_json(meta)))


def _count(count: int, unit: str) -> str:
    return f"{count:,} {unit}{'' if count == 1 else 's'}"


def _stats_text(stats: dict[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in stats.items())


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
