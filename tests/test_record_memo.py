"""The record memo of the bias counts and the statistics (issue 28): a step handed its previous run's memo measures
only the records that memo lacks, and writes exactly what a cold run writes, memo included, byte for byte.

The steps run here on their own, outside the engine, on a family drawn by hypothesis and then edited at random
(records added, removed, their messages, labels or split changed): a cold run of the edited family against a run
given the memo of the family before the edit. tests/test_incremental.py holds the same through the engine.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from releasebuild.bias.language import versions as language_versions
from releasebuild.bias.reading_level import versions as reading_versions
from releasebuild.keys import canonical_json, file_digest
from releasebuild.steps.base import SourceFile, Step, StepContext, StepSpec
from releasebuild.steps.bias_counts import BiasCounts
from releasebuild.steps.stats import Stats

LEXICONS = sorted((Path(__file__).resolve().parents[1] / "gates" / "lexicons").glob("*.yaml"))
PRIVACY, SPLIT = "alpha/privacy", "alpha/split"
BIAS_PARAMS = {"family": "alpha", "labels": None, "max_label_values": 3, "sample": {"size": 2, "seed": 7},
               "versions": {"language": language_versions(), "reading_level": reading_versions()}}
STATS_PARAMS = {"family": "alpha", "tokenizer": {"name": "approx", "version": "v1"}, "max_message_tokens": 12}


def _lexicon_words() -> list[str]:
    """The first term of every category of the demo's lexicons, so drawn messages mention identities and patterns."""
    words = []
    for path in LEXICONS:
        words += [category["terms"][0] for category in yaml.safe_load(path.read_text())["categories"].values()]
    return words


WORDS = [*_lexicon_words(), "I", "feel", "so", "tired", "today.", "Thank", "you", "for", "telling", "me", "about",
         "it!", "Why?", "la", "casa", "es", "grande", "und", "nicht", "", "  "]
message = st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant"]),
                                 "content": st.lists(st.sampled_from(WORDS), max_size=14).map(" ".join)})
record = st.fixed_dictionaries({
    "messages": st.lists(message, min_size=1, max_size=5),
    "metadata": st.fixed_dictionaries({"topic": st.sampled_from(["grief", "sleep", "work", "", "anxiety"]),
                                       "urgent": st.booleans(), "turns": st.integers(0, 4)}),
    "split": st.sampled_from(["train", "train", "val", "test", None]),  # None: removed on the way, not shipped
})
edit = st.one_of(st.tuples(st.just("add"), record), st.tuples(st.just("remove"), st.integers(0, 99)),
                 st.tuples(st.just("replace"), st.integers(0, 99), record),
                 st.tuples(st.just("resplit"), st.integers(0, 99), record.map(lambda drawn: drawn["split"])))


@dataclass(frozen=True)
class Run:
    outputs: dict[str, bytes]
    stats: dict[str, int]
    fresh: int | None  # what plan would count as computed afresh (Step.fresh_records)
    memo: dict[str, Path]  # this run's memo files, for a next run


def family_after(records: list[dict[str, Any]], edits: list[tuple[Any, ...]]) -> dict[str, dict[str, Any]]:
    """The family by id, `edits` applied in turn to the records numbered in drawing order."""
    family = {f"r{index:03d}": drawn for index, drawn in enumerate(records)}
    added = len(records)
    for kind, *args in edits:
        ids = sorted(family)
        if kind == "add":
            family[f"r{added:03d}"] = args[0]
            added += 1
        elif ids and kind == "remove":
            del family[ids[args[0] % len(ids)]]
        elif ids and kind == "replace":
            family[ids[args[0] % len(ids)]] = args[1]
        elif ids and kind == "resplit":
            target = ids[args[0] % len(ids)]
            family[target] = {**family[target], "split": args[1]}
    return family


def line(record_id: str, drawn: dict[str, Any]) -> bytes:
    """The record as the privacy step writes it: its published line without the split."""
    return (canonical_json({"id": record_id, "messages": drawn["messages"], "metadata": drawn["metadata"]})
            + "\n").encode("utf-8")


def run_step(step: type[Step], params: dict[str, Any], family: dict[str, dict[str, Any]], directory: Path,
             memo: dict[str, Path] | None = None) -> Run:
    """The step over `family` (in id order, as the privacy step writes records), given `memo` or none."""
    directory.mkdir(parents=True)
    records, assignment = directory / "records.jsonl", directory / "assignment.jsonl"
    records.write_bytes(b"".join(line(record_id, family[record_id]) for record_id in sorted(family)))
    assignment.write_text("".join(canonical_json({"id": record_id, "split": family[record_id]["split"]}) + "\n"
                                  for record_id in sorted(family)))
    sources = []
    for path in LEXICONS if step is BiasCounts else []:
        with path.open("rb") as fh:
            sources.append(SourceFile(f"lexicons/{path.name}", str(path), file_digest(fh)))
    spec = StepSpec(f"alpha/{step.kind}", step.kind, params, (PRIVACY, SPLIT), "alpha")

    def context() -> StepContext:
        workdir = directory / f"work-{len(list(directory.glob('work-*')))}"
        workdir.mkdir()
        return StepContext(spec, workdir, {}, {PRIVACY: {"records.jsonl": records}, SPLIT: {"assignment.jsonl":
                                                                                             assignment}},
                           sources, memo=memo or {})

    fresh = step.fresh_records(context())
    ctx = context()
    step.run(ctx)
    for output in ctx.outputs.values():
        output.close()
    return Run({name: output.path.read_bytes() for name, output in ctx.outputs.items()}, ctx.stats, fresh,
               {name: ctx.outputs[name].path for name in step.memo})


@contextmanager
def scratch() -> Iterator[Path]:
    """A directory per hypothesis example (pytest's tmp_path is one per test)."""
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def without_memo(step: type[Step], outputs: dict[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in outputs.items() if name not in step.memo}


def shipped_lines(family: dict[str, dict[str, Any]]) -> set[bytes]:
    return {line(record_id, drawn) for record_id, drawn in family.items() if drawn["split"] is not None}


@pytest.mark.parametrize("step, params", [(BiasCounts, BIAS_PARAMS), (Stats, STATS_PARAMS)], ids=["bias", "stats"])
@settings(max_examples=20, deadline=None)
@given(records=st.lists(record, max_size=12), edits=st.lists(edit, max_size=6))
def test_a_run_given_the_memo_writes_what_a_cold_run_writes_and_measures_only_new_records(
        step: type[Step], params: dict[str, Any], records: list[dict[str, Any]],
        edits: list[tuple[Any, ...]]) -> None:
    before = family_after(records, [])
    after = family_after(records, edits)
    with scratch() as directory:
        previous = run_step(step, params, before, directory / "before")
        cold = run_step(step, params, after, directory / "cold")
        warm = run_step(step, params, after, directory / "warm", previous.memo)
    assert without_memo(step, warm.outputs) == without_memo(step, cold.outputs)  # counts.json + samples, stats.json
    assert warm.outputs == cold.outputs  # the memo too: it is the next run's
    shipped = len(shipped_lines(after))
    unseen = len(shipped_lines(after) - shipped_lines(before))
    assert cold.stats == {"records_computed": shipped, "records_from_memo": 0}
    assert warm.stats == {"records_computed": unseen, "records_from_memo": shipped - unseen}
    assert (cold.fresh, warm.fresh) == (shipped, unseen)  # plan counts what the run computes


@pytest.mark.parametrize("step, params", [(BiasCounts, BIAS_PARAMS), (Stats, STATS_PARAMS)], ids=["bias", "stats"])
def test_one_edited_message_is_the_one_record_measured_again(step: type[Step], params: dict[str, Any],
                                                             tmp_path: Path) -> None:
    drawn = [{"messages": [{"role": "user", "content": f"I feel tired today, my mother said so {index}"},
                           {"role": "assistant", "content": "Thank you for telling me about it."}],
              "metadata": {"topic": "sleep"}, "split": "train"} for index in range(30)]
    before = family_after(drawn, [])
    edited = {**before["r017"], "messages": [{"role": "user", "content": "she feels tired"}]}
    previous = run_step(step, params, before, tmp_path / "before")
    warm = run_step(step, params, {**before, "r017": edited}, tmp_path / "warm", previous.memo)
    assert warm.stats == {"records_computed": 1, "records_from_memo": 29}
    assert warm.outputs != previous.outputs


@pytest.mark.parametrize("step, params, changed", [
    (BiasCounts, BIAS_PARAMS, {"versions": {"language": {"py3langid": "other"}, "reading_level": {}}}),
    (Stats, STATS_PARAMS, {"tokenizer": {"name": "approx", "version": "v2"}}),
], ids=["bias", "stats"])
def test_a_memo_made_with_other_versions_or_tokenizer_is_not_used(step: type[Step], params: dict[str, Any],
                                                                   changed: dict[str, Any], tmp_path: Path) -> None:
    drawn = [{"messages": [{"role": "user", "content": "my mother feels tired"}], "metadata": {}, "split": "train"}]
    family = family_after(drawn * 3, [])
    previous = run_step(step, params, family, tmp_path / "before")
    rerun = run_step(step, {**params, **changed}, family, tmp_path / "rerun", previous.memo)
    assert rerun.stats == {"records_computed": 3, "records_from_memo": 0}
