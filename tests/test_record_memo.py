"""The record memo of the bias counts and the statistics (issue 28): a step handed its previous run's memo measures
only the records that memo lacks, and writes exactly what a cold run writes, memo included, byte for byte.

The steps run here on their own, outside the engine, on a family drawn by hypothesis and then edited at random
(records added, removed, their messages, labels or split changed): a cold run of the edited family against a run
given the memo of the family before the edit. tests/test_incremental.py holds the same through the engine.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import xxhash
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from releasebuild.bias.language import versions as language_versions
from releasebuild.bias.reading_level import versions as reading_versions
from releasebuild.keys import canonical_json, file_digest, sha256_file
from releasebuild.steps.base import (
    FileRef,
    ReusedFile,
    SourceFile,
    Step,
    StepContext,
    StepResult,
    StepSpec,
    logical_name,
    part_file,
)
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
    outputs: dict[str, bytes]  # every output, parts included (one handed on: the bytes it refers to)
    stats: dict[str, int]
    fresh: int | None  # what plan would count as computed afresh (Step.fresh_records)
    memo: dict[str, Path]  # this run's memo files, for a next run
    refs: dict[str, FileRef]  # every output's ref, for a next run to hand on
    parts: list[bytes]  # each part's record lines and assignment rows, as the step was given them


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


def opens_part(record_id: str) -> bool:
    """Whether the record opens a part of the privacy step's records: by its id alone, as `steps.parts` cuts them
    (here about one record in four, so that a small family has several parts)."""
    return xxhash.xxh3_64_intdigest(record_id.encode()) % 4 == 0


def parts_of(family: dict[str, dict[str, Any]], record_id: str) -> list[str]:
    """The ids of the part `record_id` falls in."""
    ids = sorted(family)
    start = max(index for index in range(ids.index(record_id) + 1) if index == 0 or opens_part(ids[index]))
    stop = next((index for index in range(start + 1, len(ids)) if opens_part(ids[index])), len(ids))
    return ids[start:stop]


def run_step(step: type[Step], params: dict[str, Any], family: dict[str, dict[str, Any]], directory: Path,
             previous: Run | None = None,
             assignment_rows: Callable[[list[bytes]], list[bytes]] = lambda rows: rows) -> Run:
    """The step over `family` (in id order and in parts, as the privacy step writes records), given the previous
    run's memo or none; `assignment_rows` makes the split assignment's rows of the right ones."""
    directory.mkdir(parents=True)
    parts: list[list[bytes]] = []
    for record_id in sorted(family):
        if not parts or opens_part(record_id):
            parts.append([])
        parts[-1].append(line(record_id, family[record_id]))
    records = {}
    for index, lines in enumerate(parts):
        records[part_file("records.jsonl", index)] = path = directory / f"records.jsonl.{index}"
        path.write_bytes(b"".join(lines))
    assignment = directory / "assignment.jsonl"
    rows = [(canonical_json({"id": record_id, "split": family[record_id]["split"]}) + "\n").encode()
            for record_id in sorted(family)]
    assignment.write_bytes(b"".join(assignment_rows(rows)))
    given = []
    for lines in parts:
        given.append(b"".join(lines) + b"\0" + b"".join(rows[:len(lines)]))
        rows = rows[len(lines):]
    inputs = {PRIVACY: records, SPLIT: {"assignment.jsonl": assignment}}
    views = {dep: StepResult({name: FileRef(sha256_file(path), path.stat().st_size) for name, path in files.items()},
                             {}) for dep, files in inputs.items()}
    sources = []
    for path in LEXICONS if step is BiasCounts else []:
        with path.open("rb") as fh:
            sources.append(SourceFile(f"lexicons/{path.name}", str(path), file_digest(fh)))
    spec = StepSpec(f"alpha/{step.kind}", step.kind, params, (PRIVACY, SPLIT), "alpha")

    def context() -> StepContext:
        workdir = directory / f"work-{len(list(directory.glob('work-*')))}"
        workdir.mkdir()
        return StepContext(spec, workdir, views, inputs, sources, memo=previous.memo if previous else {},
                           memo_refs=previous.refs if previous else {})

    fresh = step.fresh_records(context())
    ctx = context()
    step.run(ctx)
    for output in ctx.outputs.values():
        output.close()
    by_digest = {ref.sha256: data for ref, data in zip(previous.refs.values(), previous.outputs.values(),
                                                         strict=True)} if previous else {}
    outputs = {name: by_digest[output.ref().sha256] if isinstance(output, ReusedFile) else output.path.read_bytes()
               for name, output in ctx.outputs.items()}
    kept = directory / "kept"
    kept.mkdir()
    memo = {}
    for name, data in outputs.items():
        if logical_name(name) in step.memo:
            memo[name] = kept / name.replace("#", "-")
            memo[name].write_bytes(data)
    return Run(outputs, ctx.stats, fresh, memo, {name: output.ref() for name, output in ctx.outputs.items()}, given)


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
        warm = run_step(step, params, after, directory / "warm", previous)
    assert without_memo(step, warm.outputs) == without_memo(step, cold.outputs)  # counts.json + samples, stats.json
    assert warm.outputs == cold.outputs  # the memo too: it is the next run's
    shipped = len(shipped_lines(after))
    unseen = len(shipped_lines(after) - shipped_lines(before))
    unchanged = len(set(previous.parts) & set(cold.parts))  # the same records and assignment rows
    assert (cold.stats.get("records_computed", 0), cold.stats.get("records_from_memo", 0)) == (shipped, 0)
    assert (cold.stats["parts_made"], cold.stats["parts_reused"]) == (len(cold.parts), 0)
    assert warm.stats.get("records_computed", 0) == unseen
    assert (warm.stats["parts_made"], warm.stats["parts_reused"]) == (len(cold.parts) - unchanged, unchanged)
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
    warm = run_step(step, params, {**before, "r017": edited}, tmp_path / "warm", previous)
    assert warm.stats["records_computed"] == 1 and warm.stats["parts_made"] == 1
    assert warm.stats["records_computed"] + warm.stats["records_from_memo"] == len(parts_of(before, "r017"))
    assert warm.stats["parts_reused"] == len(previous.parts) - 1
    assert warm.outputs != previous.outputs


@pytest.mark.parametrize("step, params", [(BiasCounts, BIAS_PARAMS), (Stats, STATS_PARAMS)], ids=["bias", "stats"])
def test_taking_out_the_only_records_of_a_value_and_of_a_split_leaves_what_a_cold_run_makes(
        step: type[Step], params: dict[str, Any], tmp_path: Path) -> None:
    """A rerun subtracts the parts it makes again from the previous total: a value, a label, a cell or a split whose
    last record goes must be gone, not left at 0 (the random edits above rarely take out a value's only record)."""
    drawn = [{"messages": [{"role": "user", "content": "my mother feels " + "so " * index + "tired"},
                           {"role": "assistant", "content": "Thank you" + "!" * index}],
              "metadata": {"topic": f"topic{index}" if index in (5, 9) else "sleep"},
              "split": "val" if index == 5 else "train"} for index in range(16)]
    before = family_after(drawn, [])
    after = {record_id: drawn for record_id, drawn in before.items() if record_id not in ("r005", "r009")}
    previous = run_step(step, params, before, tmp_path / "before")
    cold = run_step(step, params, after, tmp_path / "cold")
    warm = run_step(step, params, after, tmp_path / "warm", previous)
    assert warm.stats["parts_reused"] > 0 and warm.stats.get("records_computed", 0) == 0
    assert warm.outputs == cold.outputs


@pytest.mark.parametrize("step, params, changed", [
    (BiasCounts, BIAS_PARAMS, {"versions": {"language": {"py3langid": "other"}, "reading_level": {}}}),
    (Stats, STATS_PARAMS, {"tokenizer": {"name": "approx", "version": "v2"}}),
], ids=["bias", "stats"])
def test_a_memo_made_with_other_versions_or_tokenizer_is_not_used(step: type[Step], params: dict[str, Any],
                                                                   changed: dict[str, Any], tmp_path: Path) -> None:
    drawn = [{"messages": [{"role": "user", "content": "my mother feels tired"}], "metadata": {}, "split": "train"}]
    family = family_after(drawn * 3, [])
    previous = run_step(step, params, family, tmp_path / "before")
    rerun = run_step(step, {**params, **changed}, family, tmp_path / "rerun", previous)
    assert (rerun.stats["records_computed"], rerun.stats["records_from_memo"]) == (3, 0)
    assert rerun.stats["parts_reused"] == 0


@pytest.mark.parametrize("step, params", [(BiasCounts, BIAS_PARAMS), (Stats, STATS_PARAMS)], ids=["bias", "stats"])
def test_an_assignment_out_of_step_with_the_records_is_an_error_not_a_fold(step: type[Step], params: dict[str, Any],
                                                                            tmp_path: Path) -> None:
    """The split assignment and the privacy step's records go line for line: a row too few or too many fails the
    step, naming it, rather than folding a record with another's split."""
    drawn = [{"messages": [{"role": "user", "content": "tired"}], "metadata": {}, "split": "train"}] * 6
    family = family_after(drawn, [])
    for rows in (lambda lines: lines[:-1], lambda lines: [*lines, lines[0]]):
        with pytest.raises(ValueError, match="split assignment"):
            run_step(step, params, family, tmp_path / str(len(list(tmp_path.iterdir()))), assignment_rows=rows)
