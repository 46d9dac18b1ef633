"""The memos of export and the provenance index over the family table (steps/family_table.py): parts the privacy
step did not change are not read, shards and index segments that did not change are handed on (a segment with its
sources' digests mended), and what a run from the memo writes is, byte for byte, what a run from scratch writes,
whatever the edit (messages edited, records added, removed and dropped, statuses, splits and source files changed,
parts cut again)."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from releasebuild.config.models import SPLITS
from releasebuild.engine import run_step
from releasebuild.keys import canonical_json
from releasebuild.steps.base import FileRef, Memo, StepResult, StepSpec, part_file
from releasebuild.steps.export import SHARDS_MEMO
from releasebuild.steps.family_table import REDACTED, STATUS, lay_out
from releasebuild.steps.ingest import SOURCE_VERSIONS
from releasebuild.steps.provenance import DROPPED, INDEX_FILE, ORIGINS, VIOLATIONS
from releasebuild.steps.shipped import ASSIGNMENT, RECORDS
from releasebuild.store.io import default

pytestmark = pytest.mark.unit

PRIVACY, SPLIT, INGEST = "alpha/privacy", "alpha/split", "alpha/ingest"
SOURCES = ("one.jsonl", "two.jsonl", "three.jsonl")
# "id", "text", "split" (None: removed), "redacted", "dropped", "source", "topic" (None: the metadata lacks it)
Record = dict[str, object]
Family = tuple[list[Record], list[int], dict[str, str]]  # records, cuts (record positions), source digests
Ran = tuple[dict[str, bytes], dict[str, FileRef], dict[str, object], dict[str, int]]  # bytes, refs, meta, stats


def _export(max_records: int, max_bytes: int) -> StepSpec:
    return StepSpec("alpha/export", "export", {"family": "alpha", "max_records": max_records, "max_bytes": max_bytes},
                    (PRIVACY, SPLIT), "alpha", reads={PRIVACY: (RECORDS, STATUS), SPLIT: (ASSIGNMENT,)})


def _provenance(max_records: int, max_bytes: int, require_metadata: list[str]) -> StepSpec:
    return StepSpec("alpha/provenance", "provenance",
                    {"family": "alpha", "max_records": max_records, "max_bytes": max_bytes,
                     "require_metadata": require_metadata},
                    (PRIVACY, SPLIT, INGEST), "alpha",
                    reads={PRIVACY: (RECORDS, ORIGINS, DROPPED, STATUS), SPLIT: (ASSIGNMENT,),
                           INGEST: (SOURCE_VERSIONS,)})


def _file(directory: Path, data: bytes) -> tuple[Path, FileRef]:
    sha = hashlib.sha256(data).hexdigest()
    path = directory / sha
    path.write_bytes(data)
    return path, FileRef(sha, len(data))


def _origin(record: Record) -> dict[str, object]:
    return {"chain": [{"step": "ingest"}], "id": record["id"], "locator": f"line {record['id']}",
            "record_digest": f"digest of {record['id']}", "source": record["source"]}


def _inputs(directory: Path, family: Family) -> tuple[dict[str, StepResult], dict[str, dict[str, Path]]]:
    """The privacy step's files cut into parts at the family's cuts (records, statuses and provenance lines of the
    kept records, rows of the dropped ones; a part has the files of what it holds), the split step's rows, and
    ingest's source digests, as files of a store."""
    records, cuts, versions = family
    privacy: dict[str, FileRef] = {}
    privacy_paths: dict[str, Path] = {}
    bounds = [0, *cuts, len(records)]
    for index, (first, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
        kept = [r for r in records[first:end] if not r["dropped"]]
        gone = [r for r in records[first:end] if r["dropped"]]
        metadata = [{"topic": r["topic"]} if r["topic"] else {} for r in kept]
        files = {RECORDS: [canonical_json({"id": r["id"], "metadata": m, "text": r["text"]}) + "\n"
                           for r, m in zip(kept, metadata, strict=True)],
                 STATUS: [REDACTED.decode() if r["redacted"] else '"clean"\n' for r in kept],
                 ORIGINS: [canonical_json(_origin(r)) + "\n" for r in kept],
                 DROPPED: [canonical_json({**_origin(r), "chain": [{"decision": "dropped"}]}) + "\n" for r in gone]}
        for name, lines in files.items():
            if lines:
                path, ref = _file(directory, "".join(lines).encode())
                privacy_paths[part_file(name, index)], privacy[part_file(name, index)] = path, ref
    rows = "".join(canonical_json({"id": r["id"], "split": r["split"],
                                   **({} if r["split"] else {"removed": {"reason": "duplicate", "step": "dedup"}})})
                   + "\n" for r in records if not r["dropped"])
    assignment_path, assignment = _file(directory, rows.encode())
    versions_path, versions_ref = _file(directory, canonical_json(versions).encode())
    return ({PRIVACY: StepResult(privacy, {}), SPLIT: StepResult({ASSIGNMENT: assignment}, {}),
             INGEST: StepResult({SOURCE_VERSIONS: versions_ref}, {})},
            {PRIVACY: privacy_paths, SPLIT: {ASSIGNMENT: assignment_path}, INGEST: {SOURCE_VERSIONS: versions_path}})


def _run(spec: StepSpec, work: Path, family: Family, before: Ran | None = None) -> Ran:
    """One run of the step over this family, handed `before`'s outputs as its memo; reused outputs read back."""
    work.mkdir(parents=True)
    (work / "store").mkdir()
    inputs, paths = _inputs(work / "store", family)
    memo = Memo({}, {})
    if before is not None:
        memo = Memo({name: _file(work / "store", data)[0] for name, data in before[0].items()}, before[1])
    (work / "run").mkdir()
    executed = run_step(spec, work / "run", default(), inputs, paths, [], memo=memo)
    assert isinstance(executed, tuple), executed
    outputs, meta, stats, _ = executed
    data = {name: Path(where).read_bytes() if where else before[0][name]  # type: ignore[index]
            for name, (where, _) in outputs.items()}
    return data, {name: ref for name, (_, ref) in outputs.items()}, meta, stats


def _record(generator: random.Random, number: int) -> Record:
    return {"id": f"r{number:06d}", "text": "x" * generator.randint(1, 60),
            "split": generator.choice([*SPLITS, SPLITS[0], None]), "redacted": generator.random() < 0.2,
            "dropped": generator.random() < 0.1, "source": generator.choice(SOURCES),
            "topic": None if generator.random() < 0.05 else generator.choice(["grief", "sleep"])}


def _cuts(generator: random.Random, records: int) -> list[int]:
    return sorted(generator.sample(range(1, records), min(records - 1, generator.randint(2, 8)))) if records > 1 else []


def _family(generator: random.Random, size: int) -> Family:
    records = [_record(generator, number) for number in range(size)]
    return records, _cuts(generator, len(records)), {source: f"d-{source}" for source in SOURCES}


def _edited(generator: random.Random, family: Family, fresh: list[int]) -> Family:
    """One or two random edits of the kinds a family sees between two applies."""
    records, cuts, versions = [dict(record) for record in family[0]], family[1], dict(family[2])
    for _ in range(generator.randint(1, 2)):
        at = generator.randrange(len(records))
        edit = generator.choice(["text", "same length", "status", "split", "add", "remove", "cut", "drop", "topic",
                                 "source file", "source files alike", "none"])
        if edit == "text":
            records[at]["text"] = "y" * generator.randint(1, 60)
        elif edit == "same length":
            records[at]["text"] = "z" * len(str(records[at]["text"]))
        elif edit == "status":
            records[at]["redacted"] = not records[at]["redacted"]
        elif edit == "split":
            records[at]["split"] = generator.choice([*SPLITS, None])
        elif edit == "drop":
            records[at]["dropped"] = not records[at]["dropped"]
        elif edit == "topic":  # a record without the metadata a gate requires: its row is a violation
            records[at]["topic"] = None if records[at]["topic"] else "grief"
        elif edit == "source file":  # a source file edited: every row read from it has its new digest
            source = generator.choice(SOURCES)
            versions[source] = f"{versions[source]}+"
        elif edit == "source files alike":  # two files with one digest, which the next edit may part
            one, two = generator.sample(SOURCES, 2)
            versions[one] = versions[two]
        elif edit == "add":
            fresh[0] += 1
            records.insert(at, {**_record(generator, 0), "id": f"{records[at]['id']}-{fresh[0]}"})
            cuts = [cut + 1 if cut > at else cut for cut in cuts]
        elif edit == "remove" and len(records) > 1:
            del records[at]
            cuts = sorted({cut - 1 if cut > at else cut for cut in cuts} - {0, len(records)})
        elif edit == "cut":
            cuts = _cuts(generator, len(records))
    return records, cuts, versions


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("step", ["export", "provenance"])
def test_a_run_from_the_memo_is_a_run_from_scratch(tmp_path: Path, seed: int, step: str) -> None:
    generator = random.Random(seed)
    bounds = generator.choice([3, 5, 50]), generator.choice([60, 200, 10_000])
    spec = _export(*bounds) if step == "export" else _provenance(*bounds, generator.choice([[], ["topic"]]))
    family = _family(generator, generator.randint(1 if seed == 0 else 20, 60))
    before = _run(spec, tmp_path / "cold-0", family)
    fresh = [0]
    saved = 0  # parts not read, shards and rows handed on, by the runs from the memo
    for edit in range(1, 7):
        family = _edited(generator, family, fresh)
        incremental = _run(spec, tmp_path / f"memo-{edit}", family, before)
        cold = _run(spec, tmp_path / f"cold-{edit}", family)
        assert incremental[0] == cold[0], (seed, edit)  # every output, published and memo, byte for byte
        assert incremental[2] == cold[2], (seed, edit)
        assert cold[3]["parts_read"] == len({*family[1], 0} - {len(family[0])}) - _parts_of_dropped_only(family)
        saved += cold[3]["parts_read"] - incremental[3]["parts_read"]
        saved += incremental[3].get("shards_reused", 0) + incremental[3].get("rows_reused", 0)
        before = incremental
    assert saved > 0 or seed == 0  # the memo was used (seed 0 may be a family of one record)


def _parts_of_dropped_only(family: Family) -> int:
    records, cuts, _ = family
    bounds = [0, *cuts, len(records)]
    return sum(all(r["dropped"] for r in records[first:end]) for first, end in zip(bounds, bounds[1:], strict=False))


def _plain(count: int) -> Family:
    generator = random.Random(7)
    records = [{**_record(generator, number), "split": "train", "text": "same", "dropped": False, "topic": "grief"}
               for number in range(count)]
    return records, [8, 16, 24, 32], {source: f"d-{source}" for source in SOURCES}  # parts of eight records


def test_only_the_part_edited_is_read_and_only_its_shard_written(tmp_path: Path) -> None:
    spec = _export(max_records=4, max_bytes=10_000)
    family = _plain(40)  # two shards a part
    records = family[0]
    before = _run(spec, tmp_path / "first", family)
    assert before[3] == {"shards_written": 10, "shards_reused": 0, "parts_read": 5}
    again = _run(spec, tmp_path / "again", family, before)
    assert again[3] == {"shards_written": 0, "shards_reused": 10, "parts_read": 0}
    records[13]["text"] = "edit"  # part 1, shard 3 (records 12 to 15)
    edited = _run(spec, tmp_path / "edited", family, again)
    assert edited[3] == {"shards_written": 1, "shards_reused": 9, "parts_read": 1}
    assert b'"edit"' in edited[0]["data/train/alpha-00003.jsonl"]
    # The split rows of part 1 change: its table takes the splits from them, not from the part. The train shards
    # from record 12 on hold other records now: written again, from parts 1 to 4; part 0 is not read.
    records[13]["split"] = "val"
    moved = _run(spec, tmp_path / "moved", family, edited)
    assert moved[3] == {"shards_written": 8, "shards_reused": 3, "parts_read": 4}
    assert moved[0] == _run(spec, tmp_path / "cold", family)[0]


def test_a_memo_of_another_format_is_not_read(tmp_path: Path) -> None:
    spec = _export(max_records=5, max_bytes=10_000)
    family = _plain(20)
    first = _run(spec, tmp_path / "first", family)
    older = ({**first[0], SHARDS_MEMO: b'{"data/train/alpha-00000.jsonl": "0"}'}, first[1], first[2], first[3])
    again = _run(spec, tmp_path / "again", family, older)
    assert again[3]["parts_read"] == 3 and again[3]["shards_reused"] == 0
    assert again[0] == first[0]


def _shards_record_by_record(records: list[tuple[int, int]], max_records: int, max_bytes: int) -> dict[int, str]:
    """The shard bounds as the docs state them, a record at a time: a split's shard takes a record while it holds
    fewer than `max_records` and the record's published line (its records.jsonl line, `}\\n` closed with
    `,"split":"<split>"}\\n`) still fits in `max_bytes`; a record that opens a shard is taken whatever its size."""
    open_shards: dict[int, tuple[int, int, int]] = {}  # split code -> shard index, records, bytes
    placed = {}
    for row, (code, length) in enumerate(records):
        if not code:
            continue
        size = length - 2 + len(f',"split":"{SPLITS[code - 1]}"}}\n')
        index, count, used = open_shards.get(code, (-1, 0, 0))
        if index < 0 or count >= max_records or used + size > max_bytes:
            index, count, used = index + 1, 0, 0
        open_shards[code] = (index, count + 1, used + size)
        placed[row] = f"data/{SPLITS[code - 1]}/alpha-{index:05d}.jsonl"
    return placed


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0, 1, 2, 3]), st.integers(3, 120)), max_size=80),
       st.integers(0, 6), st.integers(1, 400))
def test_the_layout_laid_out_at_once_is_the_layout_record_by_record(records: list[tuple[int, int]], max_records: int,
                                                                     max_bytes: int) -> None:
    """`lay_out` (cumulative sums, a search per shard) against the rule applied a record at a time, records longer
    than a shard's bytes and shards bound by no record included."""
    splits = np.array([code for code, _ in records], dtype=np.uint8)
    lengths = np.array([length for _, length in records], dtype=np.uint32)
    laid = {int(row): shard.key for shard in lay_out(splits, lengths, "alpha", max_records, max_bytes)
            for row in shard.rows}
    assert laid == _shards_record_by_record(records, max_records, max_bytes)


def test_an_index_segment_is_copied_with_its_sources_digests_as_they_are_now(tmp_path: Path) -> None:
    spec = _provenance(max_records=4, max_bytes=10_000, require_metadata=["topic"])
    records, cuts, versions = _plain(40)
    for number, record in enumerate(records):
        record["source"] = SOURCES[0] if number < 16 else SOURCES[1] if number < 32 else SOURCES[2]
    first = _run(spec, tmp_path / "first", (records, cuts, versions))
    assert first[3] == {"rows_built": 40, "rows_reused": 0, "parts_read": 5}
    records[13]["text"] = "edit"  # part 1
    versions[SOURCES[0]] = "d-one-edited"  # the edited file: parts 0 and 1
    edited = _run(spec, tmp_path / "edited", (records, cuts, versions), first)
    assert edited[3] == {"rows_built": 8, "rows_reused": 32, "parts_read": 1}
    rows = [json.loads(line) for line in edited[0][INDEX_FILE].splitlines()]
    assert {row["source_digest"] for row in rows if row["source"] == SOURCES[0]} == {"d-one-edited"}
    assert edited[0] == _run(spec, tmp_path / "cold", (records, cuts, versions))[0]
    # Two files had one digest and now have two: the segments that name both are built again, the others mended.
    records[15]["source"] = SOURCES[1]  # part 1 names one.jsonl and two.jsonl
    versions[SOURCES[1]] = versions[SOURCES[0]]
    alike = _run(spec, tmp_path / "alike", (records, cuts, versions), edited)
    versions[SOURCES[1]] = "d-two-edited"
    parted = _run(spec, tmp_path / "parted", (records, cuts, versions), alike)
    assert parted[3] == {"rows_built": 8, "rows_reused": 32, "parts_read": 1}
    assert parted[0] == _run(spec, tmp_path / "cold-parted", (records, cuts, versions))[0]
    # A record without the metadata the gate requires: its segment is listed as a violation, and built every time.
    records[35]["topic"] = None
    lacking = _run(spec, tmp_path / "lacking", (records, cuts, versions), parted)
    again = _run(spec, tmp_path / "lacking-again", (records, cuts, versions), lacking)
    assert again[3] == {"rows_built": 8, "rows_reused": 32, "parts_read": 1}
    assert [json.loads(line)["id"] for line in again[0][VIOLATIONS].splitlines()] == [records[35]["id"]]
    assert again[2] == {"family": "alpha", "records": 40, "violations": 1}
