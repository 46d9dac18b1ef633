"""The engine on its own, with toy step kinds and hand-made specs: no release, no definition, no NER, and no
store but memory (sources, the release root and the effects' targets are mem:// objects; only the content
store's cache is on disk, as it always is).

What it must do whatever the steps are: run a cold graph, serve an unchanged one from cache, rerun only what an
edit touches and stop there when a rerun step's output did not change (early cutoff), and when a step fails, skip
what depends on it while running everything else.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from releasebuild.engine import ApplyOutcome, Engine, RunEnv
from releasebuild.staleness import StaleReason
from releasebuild.steps import registry
from releasebuild.steps.base import Step, StepContext, StepMeta, StepResult, StepSpec
from releasebuild.store.io import Stores
from releasebuild.store.root import ReleaseRoot

pytestmark = pytest.mark.unit


class Written(StepMeta):
    chars: int


class Emit(Step):
    """Writes its `text` param; `note` is a param that does not reach the output."""

    kind = "toy_emit"
    code_version = "1"
    Result = Written

    @staticmethod
    def run(ctx: StepContext) -> Written:
        ctx.write_json("text.json", ctx.params["text"])
        return Written(chars=len(ctx.params["text"]))


class Shout(Step):
    """Reads its one dependency's text and writes it upper-cased."""

    kind = "toy_shout"
    code_version = "1"
    Result = StepMeta  # nothing to say beyond its output file

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        (dep,) = ctx.spec.deps
        text = json.loads(ctx.input_path(dep, "text.json").read_text(encoding="utf-8"))
        ctx.write_json("text.json", text.upper())
        return StepMeta()


class Foresee(Step):
    """Upper-cases its dependency's text and appends its `suffix`; `note` does not reach the output. Cheap, so plan
    runs it to learn its output (Step.predictable)."""

    kind = "toy_foresee"
    code_version = "1"
    predictable = True
    Result = StepMeta

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        ctx.write_json("text.json", _text_of_dep(ctx).upper() + ctx.params["suffix"])
        return StepMeta()


class Boom(Step):
    kind = "toy_boom"
    code_version = "1"
    Result = StepMeta

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        raise ValueError("the toy step fails on purpose")


class Mark(Step):
    """An effect: puts its dependency's text in the store, outside the cache, and checks for itself whether it is
    there."""

    kind = "toy_mark"
    code_version = "1"
    effect = True
    Result = StepMeta

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        ctx.store.write(ctx.params["target"], _text_of_dep(ctx).encode("utf-8"))
        return StepMeta()

    @staticmethod
    def check(ctx: StepContext) -> tuple[StaleReason, str]:
        if ctx.store.read(ctx.params["target"]) == _text_of_dep(ctx).encode("utf-8"):
            return StaleReason.UP_TO_DATE, "in place"
        return StaleReason.NOT_PUBLISHED, "not in place"


class Lines(StepMeta):
    lines: int


class CountLines(Step):
    """Per source file: its line count (map); the family's total (run, combining the maps)."""

    kind = "toy_count"
    code_version = "1"
    per_source = True
    Result = MapResult = Lines

    @staticmethod
    def map(ctx: StepContext) -> Lines:
        (source,) = ctx.sources
        return Lines(lines=len((ctx.store.read(source.uri) or b"").splitlines()))

    @staticmethod
    def run(ctx: StepContext) -> Lines:
        return Lines(lines=sum(ctx.inputs[f"source:{source.name}"].typed(Lines).lines for source in ctx.sources))


class Tallied(StepMeta):
    zebra: int
    apple: int


class Tally(Step):
    """A result whose fields come in no sorted order."""

    kind = "toy_tally"
    code_version = "1"
    Result = Tallied

    @staticmethod
    def run(ctx: StepContext) -> Tallied:
        return Tallied(zebra=1, apple=2)


class ListMeta(Step):
    """Writes its dependency's result keys in the order it meets them; `note` does not reach the output."""

    kind = "toy_list_meta"
    code_version = "1"
    Result = StepMeta

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        (dep,) = ctx.spec.deps
        ctx.write_json("text.json", " ".join(ctx.inputs[dep].meta))
        return StepMeta()


class Shelf(StepMeta):
    """A result with what results hold: a nested model, a list of them, optional values, ints beside floats."""

    label: str | None
    weights: dict[str, int | float]
    books: list[Written]
    best: Written


class Stock(Step):
    """Returns a Shelf and says how much work it did (stats, which stay out of the result)."""

    kind = "toy_stock"
    code_version = "1"
    Result = Shelf

    @staticmethod
    def run(ctx: StepContext) -> Shelf:
        ctx.stats.update(books_counted=2)
        return Shelf(label=None, weights={"whole": 3, "half": 0.5}, books=[Written(chars=1), Written(chars=2)],
                     best=Written(chars=2))


class Untyped(Step):
    """Returns a dict, as steps did before they had result models."""

    kind = "toy_untyped"
    code_version = "1"
    Result = Written

    @staticmethod
    def run(ctx: StepContext) -> Written:
        return {"chars": 1}  # type: ignore[return-value]  # the mistake under test


class Ledger(Step):
    """Reads what its dependencies' keys were made of (as release/lock does): writes each one's key and output."""

    kind = "toy_ledger"
    code_version = "1"
    reads_records = True
    Result = StepMeta

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        ctx.write_json("ledger.json", {dep: {"key": built.record["key"], "output": built.record["output"],
                                             "files": sorted(built.result.files)} for dep, built in ctx.built.items()})
        return StepMeta()


def _text_of_dep(ctx: StepContext) -> str:
    (dep,) = ctx.spec.deps
    return str(json.loads(ctx.input_path(dep, "text.json").read_text(encoding="utf-8")))


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunEnv:
    for kind in (Emit, Shout, Foresee, Boom, Mark, CountLines, Tally, ListMeta, Stock, Untyped, Ledger):
        monkeypatch.setitem(registry.FIXED_KINDS, kind.kind, kind)
    return RunEnv(cache_dir=tmp_path / "cache", root=ReleaseRoot("mem://root", store=Stores()),
                  blocked_dir=tmp_path / "blocked")


def chain(text: str, note: str = "") -> list[StepSpec]:
    return [StepSpec("a/emit", Emit.kind, {"text": text, "note": note}, ()),
            StepSpec("a/shout", Shout.kind, {}, ("a/emit",), reads={"a/emit": ("text.json",)})]


def run(specs: list[StepSpec], env: RunEnv, before: ApplyOutcome | None = None) -> ApplyOutcome:
    return Engine(specs, env, dict(before.records) if before else {}).apply(jobs=1)


def statuses(outcome: ApplyOutcome) -> dict[str, str]:
    return {step.id: step.status for step in outcome.steps}


def test_a_cold_graph_runs_and_an_unchanged_one_is_served_from_cache(env: RunEnv) -> None:
    cold = run(chain("hello"), env)
    assert cold.error is None and statuses(cold) == {"a/emit": "ran", "a/shout": "ran"}
    shouted = cold.results["a/shout"].files["text.json"]
    assert json.loads(env.cas.local(shouted.sha256).read_text(encoding="utf-8")) == "HELLO"
    warm = run(chain("hello"), env, cold)
    assert statuses(warm) == {"a/emit": "cached", "a/shout": "cached"}
    assert warm.results["a/shout"].files == cold.results["a/shout"].files


def test_an_edit_reruns_what_it_reaches(env: RunEnv) -> None:
    cold = run(chain("hello"), env)
    edited = run(chain("world"), env, cold)
    assert statuses(edited) == {"a/emit": "ran", "a/shout": "ran"}
    reasons = {step.id: step.reason for step in edited.steps}
    assert reasons["a/emit"] is StaleReason.PARAMS_CHANGED and reasons["a/shout"] is StaleReason.INPUT_CHANGED


def test_a_rerun_whose_output_is_unchanged_stops_there(env: RunEnv) -> None:
    """Early cutoff: `note` changes the first step's key but not its output, so the second step's key (made of
    its inputs' digests) is the one already in the cache."""
    cold = run(chain("hello", note="v1"), env)
    edited = run(chain("hello", note="v2"), env, cold)
    assert statuses(edited) == {"a/emit": "ran", "a/shout": "cached"}
    # the rerun's output, a blob the store held intact already, stayed in its job's directory, which is gone too
    assert not list((env.cache_dir / "tmp").glob("step-*"))


def test_a_step_that_reads_records_reruns_when_a_dependencys_key_changes_though_its_output_did_not(env: RunEnv) -> None:
    """`reads_records` (release/lock): the step sees each dependency's record and whole result, even what its view
    leaves out, and each record's digest is in its key. So where early cutoff keeps an output reader cached, it
    reruns, and records the new key; with nothing changed it is cached like any step."""
    def specs(note: str) -> list[StepSpec]:
        return [*chain("hello", note), StepSpec("r/ledger", Ledger.kind, {}, ("a/emit", "a/shout"),
                                                reads={"a/emit": (), "a/shout": ()})]

    def ledger(outcome: ApplyOutcome) -> dict[str, dict[str, str]]:
        ref = outcome.results["r/ledger"].files["ledger.json"]
        return dict(json.loads(env.cas.local(ref.sha256).read_text(encoding="utf-8")))

    cold = run(specs("v1"), env)
    assert ledger(cold) == {step: {"key": cold.records[step].key, "output": cold.results[step].digest,
                                   "files": ["text.json"]} for step in ("a/emit", "a/shout")}
    assert statuses(run(specs("v1"), env, cold))["r/ledger"] == "cached"
    edited = run(specs("v2"), env, cold)
    assert statuses(edited) == {"a/emit": "ran", "a/shout": "cached", "r/ledger": "ran"}
    assert ledger(edited)["a/emit"]["key"] == edited.records["a/emit"].key != cold.records["a/emit"].key
    assert edited.records["r/ledger"].inputs["record:a/emit"] != cold.records["r/ledger"].inputs["record:a/emit"]


def test_a_step_reads_the_same_result_whether_its_dependency_ran_now_or_came_from_the_cache(env: RunEnv) -> None:
    """A result is handed on in the form the cache gives it back (the demo's release notes listed sign-offs in
    one order when built cold and another when built incrementally)."""
    def specs(note: str) -> list[StepSpec]:
        return [StepSpec("t/tally", Tally.kind, {}, ()),
                StepSpec("t/list", ListMeta.kind, {"note": note}, ("t/tally",))]

    cold = run(specs("v1"), env)
    rerun = run(specs("v2"), env, cold)
    assert statuses(rerun) == {"t/tally": "cached", "t/list": "ran"}
    written = [json.loads(env.cas.local(outcome.results["t/list"].files["text.json"].sha256).read_text("utf-8"))
               for outcome in (cold, rerun)]
    assert written[0] == written[1] == "apple zebra"


def foreseen(text: str, suffix: str = "", note: str = "") -> list[StepSpec]:
    """emit -> foresee (predictable) -> shout."""
    return [StepSpec("a/emit", Emit.kind, {"text": text}, ()),
            StepSpec("a/foresee", Foresee.kind, {"suffix": suffix, "note": note}, ("a/emit",),
                     reads={"a/emit": ("text.json",)}),
            StepSpec("a/shout", Shout.kind, {}, ("a/foresee",), reads={"a/foresee": ("text.json",)})]


def planned(specs: list[StepSpec], env: RunEnv, before: ApplyOutcome) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {step.id: (step.status, step.waits_for) for step in Engine(specs, env, dict(before.records)).plan()}


def test_plan_runs_a_predictable_step_to_know_what_follows_it(env: RunEnv) -> None:
    """A predictable step that must rerun is run by plan in scratch, so the keys after it are known: an output that
    does not change leaves the next step cached, one that does makes it will_run. Nothing reaches the action cache,
    so apply runs the step as planned."""
    cold = run(foreseen("hello"), env)
    for specs, shout in ((foreseen("hello", note="v2"), "cached"), (foreseen("hello", suffix="!"), "will_run")):
        plan = planned(specs, env, cold)
        assert plan == {"a/emit": ("cached", ()), "a/foresee": ("will_run", ()), "a/shout": (shout, ())}
        assert planned(specs, env, cold) == plan  # planning again: the prediction was not cached
        ran = {step.id for step in run(specs, env, cold).steps if step.status == "ran"}
        assert ran == {step_id for step_id, (status, _) in plan.items() if status == "will_run"}


def test_after_a_step_only_a_run_can_tell_plan_says_what_it_waits_for(env: RunEnv) -> None:
    """An unpredictable rerun (a new text) leaves what follows may_run, waiting for it; a step whose output blob was
    deleted reruns, but its result is in the action cache, so what follows is known (cached)."""
    cold = run(foreseen("hello"), env)
    assert planned(foreseen("world"), env, cold) == {
        "a/emit": ("will_run", ()), "a/foresee": ("may_run", ("a/emit",)), "a/shout": ("may_run", ("a/emit",))}
    env.cas.path(cold.results["a/emit"].files["text.json"].sha256).unlink()
    assert planned(foreseen("hello"), env, cold) == {
        "a/emit": ("will_run", ()), "a/foresee": ("cached", ()), "a/shout": ("cached", ())}
    assert statuses(run(foreseen("hello"), env, cold)) == {"a/emit": "ran", "a/foresee": "cached",
                                                           "a/shout": "cached"}


def test_a_failed_step_skips_its_dependents_and_nothing_else(env: RunEnv) -> None:
    specs = [*chain("hello"),
             StepSpec("b/boom", Boom.kind, {}, ()),
             StepSpec("b/shout", Shout.kind, {}, ("b/boom",), reads={"b/boom": ("text.json",)})]
    outcome = run(specs, env)
    assert statuses(outcome) == {"a/emit": "ran", "a/shout": "ran", "b/boom": "failed", "b/shout": "skipped"}
    assert outcome.error is not None and "the toy step fails on purpose" in str(outcome.error)
    again = run(specs, env, outcome)  # the failure is not cached: the step runs (and fails) again
    assert statuses(again)["b/boom"] == "failed" and statuses(again)["a/emit"] == "cached"


def test_an_effect_decides_for_itself_whether_it_is_in_place(env: RunEnv) -> None:
    target = "mem://published/text.txt"
    specs = [*chain("hello"), StepSpec("a/mark", Mark.kind, {"target": target}, ("a/shout",),
                                       reads={"a/shout": ("text.json",)})]
    cold = run(specs, env)
    assert statuses(cold)["a/mark"] == "ran" and env.store.read(target) == b"HELLO"
    warm = run(specs, env, cold)
    assert statuses(warm) == {"a/emit": "cached", "a/shout": "cached", "a/mark": "cached"}
    env.store.remove([target])  # the world changed outside the cache: only the effect runs again
    repaired = run(specs, env, warm)
    assert statuses(repaired) == {"a/emit": "cached", "a/shout": "cached", "a/mark": "ran"}
    assert env.store.read(target) == b"HELLO"


def test_a_per_source_step_maps_only_the_files_that_changed_and_combines_them_all(env: RunEnv) -> None:
    """The sources are objects of the memory store, fingerprinted by their ETags and read in worker processes
    (which get the store with the job)."""
    for name, lines in (("a.txt", 3), ("b.txt", 5), ("c.txt", 7)):
        env.store.write(f"mem://data/{name}", b"row\n" * lines)
    env.store.write("mem://data/other.csv", b"not matched\n")
    specs = [StepSpec("f/count", CountLines.kind, {}, (), sources=("mem://data/*.txt",))]
    cold = run(specs, env)
    assert cold.error is None and cold.results["f/count"].typed(Lines).lines == 15
    assert {step.id: step.sources for step in cold.steps}["f/count"] == {"mapped": 3, "cached": 0}
    env.store.write("mem://data/b.txt", b"row\n" * 6)
    edited = run(specs, env, cold)
    assert edited.results["f/count"].typed(Lines).lines == 16
    assert {step.id: step.sources for step in edited.steps}["f/count"] == {"mapped": 1, "cached": 2}


def test_a_step_names_its_dependencies_instead_of_counting_them(tmp_path: Path) -> None:
    spec = StepSpec("alpha/split", "split", {}, ("alpha/privacy", "release/dedup"))
    ctx = StepContext(spec, tmp_path, {}, {}, [])
    assert ctx.dep("privacy") == "alpha/privacy" and ctx.dep("release/dedup") == "release/dedup"
    with pytest.raises(KeyError, match="0 dependencies named 'ingest'"):
        ctx.dep("ingest")
    twice = StepContext(StepSpec("release/x", "x", {}, ("alpha/privacy", "beta/privacy")), tmp_path, {}, {}, [])
    with pytest.raises(KeyError, match="2 dependencies named 'privacy'"):
        twice.dep("privacy")


def test_a_result_model_round_trips_through_the_meta_the_cache_keeps(env: RunEnv) -> None:
    """What a step returns is its Result model; the engine keeps its JSON dump as the meta, and a reader gets the
    same model back, whether the step ran now or came from the cache."""
    specs = [StepSpec("s/stock", Stock.kind, {}, ())]
    cold = run(specs, env)
    expected = Stock.run(StepContext(specs[0], Path(), {}, {}, []))
    assert cold.results["s/stock"].meta == expected.model_dump(mode="json")
    assert cold.results["s/stock"].typed(Shelf) == expected
    assert cold.results["s/stock"].meta["weights"] == {"half": 0.5, "whole": 3}  # an int stays an int
    warm = run(specs, env, cold)
    assert statuses(warm) == {"s/stock": "cached"} and warm.results["s/stock"].typed(Shelf) == expected


def test_what_a_step_says_of_its_work_is_shown_and_kept_out_of_its_result(env: RunEnv) -> None:
    outcome = run([StepSpec("s/stock", Stock.kind, {}, ())], env)
    (step,) = outcome.steps
    assert step.stats == {"books_counted": 2} and "books_counted" not in outcome.results["s/stock"].meta


def test_a_step_that_returns_no_result_model_fails(env: RunEnv) -> None:
    outcome = run([StepSpec("u/untyped", Untyped.kind, {}, ())], env)
    assert statuses(outcome) == {"u/untyped": "failed"}
    assert "returned dict, not its Result Written" in str(outcome.error)


class Labelled(StepMeta):
    """Part of a Shelf: what a reader interested in the label alone names."""

    label: str | None


def test_a_reader_names_the_fields_it_reads_and_gets_an_error_for_a_missing_one() -> None:
    """A reader's model may be part of the result (every gate's verdict read as the GateResult they share), but
    not more: a step that does not read its dependency's meta sees none, and reading it typed says so."""
    shelf = Shelf(label="fiction", weights={}, books=[], best=Written(chars=5))
    assert StepResult({}, shelf.model_dump(mode="json")).typed(Labelled).label == "fiction"
    with pytest.raises(ValidationError, match="label"):
        StepResult({}, {}).typed(Labelled)
