"""Scan one family for PII and apply its policy: the records that continue to split and export come out of here.

The family is read in parts (steps/parts.py): one pass over ingest's lines cuts them into parts by record id and
finds each part's digest. A part the previous run made from the same lines, under the same code and params, is
handed on as it stands: its files by reference, its share of the whole files (status, findings, quarantine,
samples: published as single files) copied from the previous run's. Only the other parts are made, from a spill of
that pass, in three streaming passes each, memory bounded by a part's records and the texts the previous tables
lack (and, per text, the sixteen bytes of its key, `_TextKeys`):
1. every string of every record (id, group key, message texts with system prompts, metadata values), keyed by its
   content digest and looked up, a batch at a time, in the previous run's scan tables of the parts not handed on
   (the memo) and in what this run scanned already: only texts none holds are scanned, each once. A record whose
   lines are those of a record of those parts is not decoded at all: its keys are the ones that run kept
   (`_PreviousKeys`);
2. the part's table, every distinct key in key order, made from the keys sorted: rows the previous tables hold
   are copied as they stand (runs of their bytes), the others written from pass 1's scan. It covers exactly the
   part's current texts;
3. each record: taken down (removed), clean, redacted, dropped (quarantined; its raw text goes to the restricted
   area only) or, under `block`, flagged for the gate. A record none of whose texts has a finding is clean
   without being decoded again: its lines are written through. A name found in one turn counts in every turn.
   Redaction writes numbered placeholders (`<PERSON_1>` is one person throughout the conversation) and re-scans:
   anything left above threshold is residual and fails the gate; then the placeholders stay or become surrogates.
   An id or group key that holds PII becomes its keyed hash in every artifact; the mapping back goes to
   restricted/ only.

The memo is safe because a scan row is a pure function of (text, detector settings): the table's header names
those settings, and a table made with others is ignored; and a part's output is a pure function of its lines and
of the step's code and params, which the part index names.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from releasebuild.errors import ScanFailed
from releasebuild.hexdigits import hex_uint64
from releasebuild.keys import canonical_json, digest, unit_intervals
from releasebuild.privacy.detector import (
    MAX_TEXT_CHARS,
    AllowRule,
    Detector,
    Mode,
    ModelMismatch,
    ModelMissing,
    decide,
    propagate_names,
)
from releasebuild.privacy.findings import Finding
from releasebuild.privacy.pseudonyms import Pseudonyms, Redaction, keyed_id
from releasebuild.privacy.redact import placeholder_spans, redact
from releasebuild.steps.base import (
    PART_MARK,
    OutputFile,
    Step,
    StepContext,
    StepMeta,
    StepParams,
    logical_name,
    part_file,
)
from releasebuild.steps.parts import INDEX, Input, Part, PartIndex, cut_inputs, spilled, write_index
from releasebuild.steps.record_memo import table_lines

INPUTS = ("records.jsonl", "groups.jsonl", "provenance.jsonl")  # ingest's, read line by line side by side
# Written per part (steps/parts.py), and handed on unchanged with an unchanged part: what the steps after read, line
# for line with records.jsonl (groups, provenance, kept_status), the records that leave (dropped, taken_down), and
# the memo tables:
SCAN = "scan.tsv"
RESCAN = "rescan.tsv"  # the same, for the redacted texts the residual check scans
TEXT_KEYS = "text_keys.bin"  # each record's text keys, by the digest of its lines (`_PreviousKeys`)
TEXT_KEYS_FORMAT = "5"  # bump when `_strings` or the file's layout changes: a file of another format is not read
# Written whole, as they are published: each part's share, made afresh or read from the previous run's file.
WHOLE = (("status.jsonl", "privacy/{family}.jsonl", "privacy_status"),
         ("findings.jsonl", "gates/privacy/{family}.jsonl", "gate_report"),
         ("quarantine.jsonl", "quarantine/privacy/{family}.jsonl", "quarantine"),
         ("sample.jsonl", "qa/{family}.sample.jsonl", "qa_sample"),
         ("restricted_dropped.jsonl", "dropped/{family}.jsonl", "restricted"),
         ("restricted_sample.jsonl", "qa/{family}.sample.raw.jsonl", "restricted"),
         ("restricted_pseudonyms.jsonl", "pseudonyms/{family}.jsonl", "restricted"))
SCAN_BATCH = 2048
PARALLEL_FROM = 4096
REDACT_ROUNDS = 3  # texts to scan before a second process pays for its start-up
SAMPLE_METHOD = "bernoulli(salted-id-hash)/v1"
KEY_CHARS = 32  # a scan table row starts with its key, a text's xxh3_128 in hex (message_digest)


class DetectionParams(StepParams):
    mode: Mode
    model: str
    entities: list[str]
    versions: dict[str, Any]  # the detector's and its model's versions: a run with others fails (fail closed)


class SampleParams(StepParams):
    rate: float  # the share of clean records kept for a reviewer to spot-check
    seed: int


class RedactionParams(StepParams):
    mode: Redaction
    salt: str  # the release's secret for surrogates and keyed hashes
    faker: str | None = None  # surrogate mode only: Faker's version, which the surrogates depend on


class PrivacyParams(StepParams):
    family: str
    mapping: str
    policy: str
    thresholds: dict[str, float]  # entity -> the score a finding needs
    allow: list[dict[str, Any]]  # allow rules (AllowRule)
    sample: SampleParams
    detection: DetectionParams
    takedowns: list[dict[str, Any]]
    redaction: RedactionParams


class MessageCounts(StepMeta):
    """Texts the step reads (every string of every record: ids, group keys, messages, metadata values)."""

    total: int
    scan_rows: int  # the rows of the family's scan tables: distinct texts within each part, summed


class AppliedTakedown(StepMeta):
    entry: int  # the takedown's index in the release's list
    removed: list[str]  # the ids it removed from this family


class SampleProtocol(StepMeta):
    """How the spot-check sample of clean records was drawn (qa/<family>.sample.json, without its ids)."""

    family: str
    method: str
    seed: int
    rate: float
    size: int


class PrivacyResult(StepMeta):
    family: str
    policy: str
    detector: dict[str, Any]  # the detector's and its model's versions
    messages: MessageCounts
    records: int
    status_counts: dict[str, int]  # clean | redacted | dropped | flagged -> records
    entities: dict[str, int]  # entity type -> findings acted on
    allowed: list[dict[str, Any]]  # each allow rule that matched: its declared fields and the findings it allowed
    offending_records: int  # records the gate fails on (residual findings, or findings under `block`)
    blocked_findings: int
    residual_findings: int
    takedowns: list[AppliedTakedown]
    sample: SampleProtocol


class PrivacyScan(Step):
    kind = "privacy"
    # 6: in parts (steps/parts.py), each with its own scan table and text keys; 7: a part ends with its source file
    code_version = "7"
    Params = PrivacyParams
    Result = PrivacyResult
    memo = (INDEX, SCAN, RESCAN, TEXT_KEYS, *(name for name, _, _ in WHOLE))
    restricted = True  # some outputs keep raw originals (taken_down.jsonl, restricted_*.jsonl)
    fresh_unit = "text"  # plan counts the distinct texts the detector would read (fresh_records)
    slow_loads = ("spacy", "presidio_analyzer", "releasebuild.privacy.recognizers")

    @classmethod
    def loads(cls, params: dict[str, Any]) -> tuple[str, ...]:
        """The imports, then the detector's engine as these settings build it (`detector.prepared`)."""
        detection = params["detection"]
        return (*cls.slow_loads, f"releasebuild.privacy.detector:prepared:{detection['mode']}:{detection['model']}")

    @staticmethod
    def fresh_records(ctx: StepContext) -> int | None:
        """The distinct strings (ids, group keys, messages, metadata values) the previous scan tables, made with the
        same detection settings, do not hold: what the detector would have to read, its unit of work (a record
        holds several), so a new family costs its texts, an edited message one. Hashing every string is the cheap
        part of a scan; the tables' keys are held in memory (a digest per distinct text)."""
        ingest_id = ctx.dep("ingest")
        identity = digest(ctx.params["detection"])
        known = {key for name, path in ctx.memo.items() if logical_name(name) == SCAN
                 for key, _ in _memo_rows(path, identity)}
        fresh: set[str] = set()
        for line, group_line in zip(ctx.lines(ingest_id, "records.jsonl"), ctx.lines(ingest_id, "groups.jsonl"),
                                    strict=True):
            record = json.loads(line)
            texts = [record["id"], json.loads(group_line)["group"], *(text for _, text in text_fields(record))]
            fresh.update(key for key in map(message_digest, texts) if key not in known)
        return len(fresh)

    @staticmethod
    def run(ctx: StepContext) -> PrivacyResult:
        params = ctx.typed(PrivacyParams)
        ingest_id = ctx.dep("ingest")
        family = params.family
        detection = params.detection
        detector = Detector(detection.mode, detection.model, detection.entities, expected=detection.versions)
        identity = digest(ctx.params["detection"])  # of the params as the key saw them
        previous = _previous_index(ctx)
        spill = ctx.workdir / "spill"
        parts, reused, inputs = cut_inputs(_inputs(ctx, ingest_id), INPUTS.index("groups.jsonl"), previous, spill)
        pool = sorted(set(_positions(ctx, SCAN)) - set(reused))  # previous parts not handed on: the memo
        scanner = _Scanner(ctx, detector, identity, family, pool)
        judge = _Judge(family, params, detector, _previous_rescans(ctx, identity, pool))
        wholes = {name: ctx.open_output(name, publish.format(family=family), kind) for name, publish, kind in WHOLE}
        previous_wholes = _Spans(ctx, previous)
        made = spilled(spill, len(INPUTS))
        entries = []
        for part in parts:
            if part.previous is None:
                entries.append(_make_part(ctx, part, list(islice(made, part.records)), scanner, judge, wholes,
                                          identity))
                continue
            position, entry = part.previous
            for name in entry["files"]:
                ctx.reuse(part_file(name, part.index), part_file(name, position))
            for name, out in wholes.items():
                out.write(previous_wholes.read(name, position))
            entries.append(entry)
        previous_wholes.close()
        for out in wholes.values():
            out.close()
        write_index(ctx, _identity(ctx), entries, inputs)
        counts = _summed([entry["counts"] for entry in entries])
        protocol = {"family": family, "method": SAMPLE_METHOD, "seed": params.sample.seed,
                    "rate": params.sample.rate, "size": len(counts["sampled"]), "ids": counts["sampled"]}
        ctx.write_json("sample.json", protocol, publish=f"qa/{family}.sample.json", kind="qa_sample")
        ctx.stats.update(records_decoded=scanner.counts["decoded"], messages_scanned=scanner.counts["scanned"],
                         messages_from_cache=scanner.counts["cached"], redacted_rescanned=judge.rescanned,
                         parts_made=len(parts) - len(reused), parts_reused=len(reused))
        return PrivacyResult.model_validate({
            "family": family, "policy": params.policy, "detector": detection.versions,
            "messages": counts["messages"], "records": sum(counts["status_counts"].values()),
            "status_counts": counts["status_counts"], "entities": counts["entities"],
            "allowed": [{**judge.allow_entry(int(index)), "findings": n}
                        for index, n in sorted(counts["allowed"].items(), key=lambda item: int(item[0]))],
            "offending_records": counts["offending"], "blocked_findings": counts["blocked"],
            "residual_findings": counts["residual"],
            "takedowns": [{"entry": int(index), "removed": removed}
                          for index, removed in sorted(counts["taken_down"].items(), key=lambda item: int(item[0]))],
            "sample": {key: value for key, value in protocol.items() if key != "ids"}})


def message_digest(text: str) -> str:
    return xxhash.xxh3_128_hexdigest(text.encode("utf-8"))


def _identity(ctx: StepContext) -> str:
    """What a part's output is a function of, besides its input lines: the step's code and params."""
    return digest({"kind": PrivacyScan.kind, "code_version": PrivacyScan.code_version, "params": ctx.params})


def _inputs(ctx: StepContext, ingest_id: str) -> list[Input]:
    """Ingest's files (INPUTS) source file by source file: their parts, which line up (or each file whole, when
    ingest merged the source files)."""
    refs = ctx.inputs[ingest_id].files
    names = [sorted(name for name in refs if logical_name(name) == logical) for logical in INPUTS]
    return [Input(tuple(refs[name].sha256 for name in files),
                  functools.partial(_side_by_side, [ctx.input_paths[ingest_id][name] for name in files]))
            for files in zip(*names, strict=True)]


def _side_by_side(paths: list[Path]) -> Iterator[tuple[bytes, ...]]:
    """The lines of these files, row by row."""
    handles = [path.open("rb") for path in paths]
    try:
        yield from zip(*handles, strict=True)
    finally:
        for handle in handles:
            handle.close()


def _positions(ctx: StepContext, name: str) -> list[int]:
    """The positions of the previous run's parts of the file `name` (whatever params made them)."""
    return [int(memo_name.rpartition(PART_MARK)[2]) for memo_name in ctx.memo if logical_name(memo_name) == name
            and memo_name != name]


def _previous_index(ctx: StepContext) -> PartIndex:
    """The previous run's part index, unless its whole files are not the lengths it lists (then nothing is
    handed on: every part is made again)."""
    index = PartIndex(ctx.memo.get(INDEX), _identity(ctx))
    for name, _, _ in WHOLE:
        listed = sum(entry["spans"].get(name, 0) for entry in index.entries)
        path = ctx.memo.get(name)
        if index.entries and (path is None or path.stat().st_size != listed):
            return PartIndex(None, "")
    return index


class _Spans:
    """The previous run's whole files (WHOLE), read a part's share at a time."""

    def __init__(self, ctx: StepContext, previous: PartIndex):
        self.ctx = ctx
        self.offsets: dict[str, list[int]] = {}
        for name, _, _ in WHOLE:
            offsets = [0]
            for entry in previous.entries:
                offsets.append(offsets[-1] + entry["spans"].get(name, 0))
            self.offsets[name] = offsets
        self.files: dict[str, Any] = {}

    def read(self, name: str, position: int) -> bytes:
        start, end = self.offsets[name][position], self.offsets[name][position + 1]
        if start == end:
            return b""
        if name not in self.files:
            self.files[name] = self.ctx.memo[name].open("rb")
        fh = self.files[name]
        fh.seek(start)
        return bytes(fh.read(end - start))

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()


def _pool(ctx: StepContext, name: str, pool: list[int]) -> list[Path]:
    """The previous run's memo file `name` of each part in `pool`; and the file whole, when the previous run was
    made by code that wrote it whole (before the step was in parts: an upgrade scans nothing again)."""
    names = [part_file(name, position) for position in pool] + [name]
    return [path for memo_name in names if (path := ctx.memo.get(memo_name)) is not None]


def _previous_rescans(ctx: StepContext, identity: str, pool: list[int]) -> dict[str, str]:
    """The findings of redacted texts in the previous parts not handed on (small: redacted texts only)."""
    rescans: dict[str, str] = {}
    for path in _pool(ctx, RESCAN, pool):
        rescans.update(_memo_rows(path, identity))
    return rescans


def _make_part(ctx: StepContext, part: Part, rows: list[tuple[bytes, ...]], scanner: _Scanner, judge: _Judge,
               wholes: dict[str, OutputFile], identity: str) -> dict[str, Any]:
    """One part made afresh: scanned (pass 1 and 2), judged (pass 3); its files written as parts, its share of the
    whole files appended to them. Returns its index entry."""
    before = {name: out.bytes for name, out in wholes.items()}
    outs = _PartOutputs(ctx, part.index)
    flagged, keys, messages = scanner.part(rows, outs)
    counts = judge.part(rows, flagged, keys, outs, wholes)
    with outs.open(RESCAN) as out:
        out.write(f"#scan\t{identity}\n".encode())
        for key, found in sorted(judge.rescans.items()):
            out.write(f"{key}\t{found}\n".encode())
    outs.close()
    return {"digest": part.digest, "files": sorted(outs.names), "counts": {**counts, "messages": messages},
            "spans": {name: out.bytes - before[name] for name, out in wholes.items() if out.bytes > before[name]}}


class _PartOutputs:
    """A part's files, each opened when first written, so a part writes no empty file."""

    def __init__(self, ctx: StepContext, index: int):
        self.ctx = ctx
        self.index = index
        self.opened: dict[str, OutputFile] = {}

    @property
    def names(self) -> list[str]:
        return list(self.opened)

    def __getitem__(self, name: str) -> OutputFile:
        out = self.opened.get(name)
        if out is None:
            out = self.opened[name] = self.ctx.open_output(part_file(name, self.index))
        return out

    @contextmanager
    def open(self, name: str) -> Iterator[OutputFile]:
        yield self[name]

    def close(self) -> None:
        for out in self.opened.values():
            out.close()


def _summed(counts: list[dict[str, Any]]) -> dict[str, Any]:
    """The parts' counts as the family's: numbers added, per-key tallies added key by key, lists joined in part
    order (which is id order)."""
    total: dict[str, Any] = {"status_counts": Counter(), "entities": Counter(), "allowed": Counter(), "offending": 0,
                             "blocked": 0, "residual": 0, "taken_down": {}, "sampled": [],
                             "messages": {"total": 0, "scan_rows": 0}}
    for part in counts:
        for name in ("status_counts", "entities", "allowed"):
            total[name].update(part[name])
        for name in ("offending", "blocked", "residual"):
            total[name] += part[name]
        for entry, removed in part["taken_down"].items():
            total["taken_down"].setdefault(entry, []).extend(removed)
        total["sampled"].extend(part["sampled"])
        for name in ("total", "scan_rows"):
            total["messages"][name] += part["messages"][name]
    for name in ("status_counts", "entities"):
        total[name] = dict(sorted(total[name].items()))
    return total


class _Scanner:
    """Pass 1 and 2 of the parts made afresh: each part's scan table (written as an output), the findings of its
    flagged texts, and each record's text keys for pass 3. Every string of a record is scanned: its id, group key,
    messages (system prompts too) and metadata values.

    What it may copy instead of scanning: the rows of the previous run's tables of the parts not handed on (the
    parts an edit touched: `_PreviousScan` over them), and the keys of their records by their lines
    (`_PreviousKeys`); and what it scanned for an earlier part of this run (a text repeated across parts is
    scanned once). Records are read in batches; a batch's keys are looked up at once, and only the texts none of
    those hold, each once, are scanned. A text already held costs its digest, nothing more: its row is copied
    through as the table holds it, and its place in the source (`_where`) is worked out only for a text that is too
    long or that the detector fails on, the texts an error names.

    A part's table is every distinct key of the part in key order, so it is made from the sorted keys: runs of rows
    the previous tables hold are copied as runs of their bytes, the others written from this run's scan."""

    def __init__(self, ctx: StepContext, detector: Detector, identity: str, family: str, pool: list[int]):
        self.detector = detector
        self.identity = identity
        self.family = family
        self.previous = _PreviousScan(_pool(ctx, SCAN, pool), f"#scan\t{identity}")
        self.records_before = _PreviousKeys(_pool(ctx, TEXT_KEYS, pool) if len(self.previous.keys) else [])
        self.scanned: list[np.ndarray] = []  # the keys this run scanned, a sorted array per batch
        self.scanned_found: dict[bytes, str] = {}  # of those, each with findings -> their JSON
        self.counts: Counter[str] = Counter()

    def part(self, rows: list[tuple[bytes, ...]], outs: _PartOutputs,
             known_records: bool = True) -> tuple[dict[str, list[Finding]], _TextKeys, dict[str, int]]:
        """The part's tables written, its flagged texts' findings, its records' text keys and its message counts."""
        keys = _TextKeys()
        total = 0
        batch: list[tuple[bytes, str, tuple[int, int]]] = []
        lines_digests = bytearray()  # each record's `_PreviousKeys.lines_digest`, for the next run
        records_before = self.records_before if known_records else _PreviousKeys([])
        decoded = 0

        def where(place: tuple[int, int]) -> str:
            line, _, origin_line = rows[place[0]]
            return _where(json.loads(origin_line), _field_paths(json.loads(line))[place[1]])

        for index, (line, group_line, _) in enumerate(rows):
            lines_digest = _PreviousKeys.lines_digest(line, group_line)
            lines_digests += lines_digest
            record_keys = records_before.get(lines_digest)
            if record_keys is None:  # else the same record as before: its texts are the ones the table holds
                decoded += 1
                record = json.loads(line)
                fields = [record["id"], json.loads(group_line)["group"], *_strings(record)]
                digests = []
                for field, text in enumerate(fields):
                    if len(text) > MAX_TEXT_CHARS:
                        raise ScanFailed(f"{self.family}: {where((index, field))} holds {len(text):,} characters, "
                                         f"more than the PII detector accepts ({MAX_TEXT_CHARS:,}): split the text "
                                         "at the source; nothing longer is scanned, so nothing longer ships")
                    digest_ = xxhash.xxh3_128_digest(text.encode("utf-8"))
                    digests.append(digest_)
                    batch.append((digest_, text, (index, field)))
                record_keys = b"".join(digests)
            total += len(record_keys) // KEY_BYTES
            keys.add(record_keys)
            if len(batch) >= LOOKUP_BATCH:
                self._scan_batch(batch, where)
        self._scan_batch(batch, where)
        unique = _unique(keys.digests())
        held = self.previous.holds(unique)
        unscanned = ~held
        for earlier in self.scanned:
            unscanned[unscanned] &= ~_lookup(earlier, unique[unscanned])[1]
        if unscanned.any():  # a key from `records_before` the previous tables lack: they were not written together
            return self.part(rows, outs, known_records=False)
        self.counts.update(decoded=decoded)
        with outs.open(TEXT_KEYS) as out:
            _PreviousKeys.write(out, bytes(lines_digests), keys)
        flagged = self.previous.flagged(unique[held])
        with outs.open(SCAN) as out:
            out.write(f"#scan\t{self.identity}\n".encode())
            bounds = [0, *(np.flatnonzero(held[1:] != held[:-1]) + 1).tolist(), len(unique)]
            for start, end in itertools.pairwise(bounds):  # runs of rows the previous tables hold, or this run scanned
                if held[start]:
                    out.write(self.previous.rows(unique[start:end]))
                    continue
                for first in range(start, end, WRITE_BATCH):  # a batch at a time: a cold part's table is every row
                    written = []
                    for digest_ in _as_bytes(unique[first:min(first + WRITE_BATCH, end)]):
                        key, found_json = digest_.hex(), self.scanned_found.get(digest_, "[]")
                        if found_json != "[]":  # as a later run reads it back from the table (scores rounded)
                            flagged[key] = [Finding.from_json(item) for item in json.loads(found_json)]
                        written.append(f"{key}\t{found_json}\n")
                    out.write("".join(written).encode())
        self.counts.update(cached=int(held.sum()))
        return flagged, keys, {"total": total, "scan_rows": len(unique)}

    def _scan_batch(self, batch: list[tuple[bytes, str, tuple[int, int]]],
                    where: Callable[[tuple[int, int]], str]) -> None:
        """Scan the texts of `batch` that nothing holds yet, each once; the batch is emptied."""
        digests = np.array([digest_ for digest_, _, _ in batch], dtype=_KEY)
        known = self.previous.holds(digests)
        for earlier in self.scanned:
            known |= _lookup(earlier, digests)[1]
        to_scan = {batch[index][0]: batch[index][1:] for index in np.flatnonzero(~known).tolist()}
        items = list(to_scan.items())
        for start in range(0, len(items), SCAN_BATCH):
            chunk = items[start:start + SCAN_BATCH]
            for (digest_, _), found in zip(chunk, _scan(self.detector, [item for _, item in chunk], self.family,
                                                        where), strict=True):
                if found:
                    self.scanned_found[digest_] = canonical_json([f.to_json() for f in found])
        if to_scan:
            self.scanned.append(np.sort(np.array(list(to_scan), dtype=_KEY)))
        self.counts.update(scanned=len(to_scan))
        batch.clear()


# A text's key as numpy holds it: its xxh3_128 digest, 16 bytes, which sort as the hex keys of the table do
KEY_BYTES = 16
_KEY = np.dtype(f"S{KEY_BYTES}")


def _as_bytes(digests: np.ndarray) -> list[bytes]:
    """Keys held as `_KEY` as 16 bytes each (`tolist()` would drop trailing zero bytes)."""
    raw = digests.tobytes()
    return [raw[start:start + KEY_BYTES] for start in range(0, len(raw), KEY_BYTES)]


LOOKUP_BATCH = 32_768  # texts whose keys are looked up in the previous table at once
WRITE_BATCH = 65_536  # rows (or records) written at once: what a cold run writes is every text's


class _PreviousScan:
    """The previous run's scan tables of some parts, those made with the same detector settings: their bytes, and
    their keys as one sorted array (a key in two tables once), to look keys up all at once and copy runs of their
    rows as they stand."""

    def __init__(self, paths: list[Path], header: str):
        tables = [table for table in (self._read(path, header) for path in paths) if table is not None]
        self.blob = b"".join(blob for blob, _, _, _ in tables)
        self.keys = np.zeros(0, dtype=_KEY)
        self.starts = self.ends = np.zeros(0, dtype=np.int64)
        if not tables:
            return
        shifts = np.cumsum([0] + [len(blob) for blob, _, _, _ in tables[:-1]])
        keys = np.concatenate([keys for _, keys, _, _ in tables])
        starts = np.concatenate([table[2] + shift for table, shift in zip(tables, shifts, strict=True)])
        ends = np.concatenate([table[3] + shift for table, shift in zip(tables, shifts, strict=True)])
        if len(tables) > 1:
            halves = keys.view(">u8").reshape(-1, 2)
            order = np.lexsort((halves[:, 1], halves[:, 0]))
            keys, starts, ends = keys[order], starts[order], ends[order]
            first = np.ones(len(keys), dtype=bool)
            first[1:] = keys[1:] != keys[:-1]
            keys, starts, ends = keys[first], starts[first], ends[first]
        self.keys, self.starts, self.ends = keys, starts, ends

    @staticmethod
    def _read(path: Path, header: str) -> tuple[bytes, np.ndarray, np.ndarray, np.ndarray] | None:
        """A table's bytes, keys and rows' bounds; None when it was made with other settings, or not by this code."""
        blob = path.read_bytes()
        first = blob.find(b"\n") + 1
        if blob[:first] != f"{header}\n".encode() or not blob.endswith(b"\n"):
            return None
        data = np.frombuffer(blob, dtype=np.uint8)
        ends = np.flatnonzero(data == ord("\n")).astype(np.int64) + 1
        ends = ends[ends > first]  # the rows', after the header
        starts = np.concatenate([np.array([first], dtype=np.int64), ends[:-1]])[:len(ends)]  # none: no rows
        keys = _from_hex(data, starts) if bool(np.all(ends - starts > KEY_CHARS)) else None
        if keys is None or (len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1]))):
            return None  # not a table this code wrote: everything is scanned again
        return blob, keys, starts, ends

    def _positions(self, digests: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _lookup(self.keys, digests)

    def holds(self, digests: np.ndarray) -> np.ndarray:
        """Which of these keys the tables have a row for."""
        return self._positions(digests)[1]

    def rows(self, digests: np.ndarray) -> bytes:
        """The rows of these keys (all held, sorted), as the tables hold them: rows that follow one another in a
        table in one slice."""
        positions = self._positions(digests)[0]
        starts, ends = self.starts[positions], self.ends[positions]
        breaks = np.flatnonzero(starts[1:] != ends[:-1]) + 1
        firsts = np.concatenate([starts[:1], starts[breaks]]).tolist()
        lasts = np.concatenate([ends[breaks - 1], ends[-1:]]).tolist()
        return b"".join(self.blob[a:b] for a, b in zip(firsts, lasts, strict=True))

    def flagged(self, digests: np.ndarray) -> dict[str, list[Finding]]:
        """The findings of these keys (all held) whose rows have any, by hex key."""
        positions = self._positions(digests)[0]
        lengths = self.ends[positions] - self.starts[positions]
        out = {}
        for position in positions[lengths != KEY_CHARS + len("\t[]\n")].tolist():
            key, found_json = self.blob[self.starts[position]:self.ends[position]].decode("utf-8").split("\t", 1)
            out[key] = [Finding.from_json(item) for item in json.loads(found_json)]
        return out


def _from_hex(data: np.ndarray, starts: np.ndarray) -> np.ndarray | None:
    """The keys that the rows starting at `starts` begin with (32 hex digits), as `_KEY`; None when one is not
    hex."""
    high, low = hex_uint64(data, starts), hex_uint64(data, starts + 16)
    if high is None or low is None:
        return None
    digests: np.ndarray = np.column_stack([high, low]).astype(">u8").view(_KEY).reshape(-1)
    return digests


def _unique(digests: np.ndarray) -> np.ndarray:
    """`np.unique` of `_KEY` digests, sorted by their two big-endian 64-bit halves, which is the same order as the
    bytes': numpy sorts 16-byte strings about three times slower than pairs of integers (a family of 200,000
    conversations, 1.8 million keys: 0.9 -> 0.3 s, a quarter of the privacy step of a one-message change)."""
    if not len(digests):
        return digests
    halves = np.ascontiguousarray(digests).view(">u8").reshape(-1, 2)
    ordered = digests[np.lexsort((halves[:, 1], halves[:, 0]))]
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    unique: np.ndarray = ordered[first]
    return unique


def _lookup(sorted_keys: np.ndarray, digests: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `digests` is or would go in `sorted_keys`, and whether it is there."""
    positions = np.searchsorted(sorted_keys, digests)
    inside = positions < len(sorted_keys)
    held = np.zeros(len(digests), dtype=bool)
    held[inside] = sorted_keys[positions[inside]] == digests[inside]
    return positions, held


class _PreviousKeys:
    """The previous run's text keys of each record (of the parts read), by the digest of the record's lines
    (`lines_digest`): a record whose lines are the same has the same strings (`_strings`, its id, its group key), so
    the same keys, and is neither decoded nor hashed again. A file (TEXT_KEYS, one per part): a header naming the
    code that wrote it, then per record its lines' digest (16 bytes), its keys' count (4 bytes, little-endian) and
    its keys (16 bytes each)."""

    def __init__(self, paths: list[Path]):
        self.records: dict[bytes, bytes] = {}
        for path in paths:
            self.records.update(self._read(path))

    @classmethod
    def _read(cls, path: Path) -> dict[bytes, bytes]:
        blob = path.read_bytes()
        header = cls.header()
        if not blob.startswith(header):
            return {}
        offset = len(header)
        records = {}
        while offset < len(blob):
            lines_digest, count = blob[offset:offset + KEY_BYTES], blob[offset + KEY_BYTES:offset + KEY_BYTES + 4]
            start = offset + KEY_BYTES + 4
            offset = start + int.from_bytes(count, "little") * KEY_BYTES
            if len(lines_digest) < KEY_BYTES or len(count) < 4 or offset > len(blob):
                return {}  # cut short: not a file this code wrote whole
            records[lines_digest] = blob[start:offset]
        return records

    @staticmethod
    def header() -> bytes:
        """Names the code that wrote the file: the keys of a record follow `_strings` (TEXT_KEYS_FORMAT)."""
        return f"#text-keys\tprivacy/{TEXT_KEYS_FORMAT}\n".encode()

    @staticmethod
    def lines_digest(line: bytes, group_line: bytes) -> bytes:
        return xxhash.xxh3_128_digest(len(line).to_bytes(8, "little") + line + group_line)

    def get(self, lines_digest: bytes) -> bytes | None:
        """The keys, joined, of the record whose lines had this digest."""
        return self.records.get(lines_digest)

    @classmethod
    def write(cls, out: OutputFile, lines_digests: bytes, keys: _TextKeys) -> None:
        """The file, written WRITE_BATCH records at a time."""
        digests, ends = keys.raw()
        out.write(cls.header())
        parts: list[bytes] = []
        start = 0
        for index, end in enumerate(ends):
            parts += [lines_digests[index * KEY_BYTES:(index + 1) * KEY_BYTES], (end - start).to_bytes(4, "little"),
                      bytes(digests[start * KEY_BYTES:end * KEY_BYTES])]
            start = end
            if len(parts) >= 3 * WRITE_BATCH:
                out.write(b"".join(parts))
                parts.clear()
        out.write(b"".join(parts))


class _TextKeys:
    """Each text's key (its 16-byte digest), by record in ingest order: pass 2 makes the table from them sorted, and
    pass 3 takes a record none of whose texts is flagged as clean without decoding it again, by the keys' first 64
    bits (a flagged text whose 64 bits another shares only costs that record the full judgement). Sixteen bytes per
    text; the texts themselves are not kept."""

    def __init__(self) -> None:
        self._digests = bytearray()
        self.ends = array("Q")

    @staticmethod
    def prefix(key: str) -> int:
        """A hex key's first 64 bits."""
        return int(key[:16], 16)

    def add(self, digests: bytes) -> None:
        """The next record's keys, joined."""
        self._digests += digests
        self.ends.append(len(self._digests) // KEY_BYTES)

    def raw(self) -> tuple[memoryview, array[int]]:
        """Every key joined (a view, not a copy), and where each record's end (in keys)."""
        return memoryview(self._digests), self.ends

    def digests(self) -> np.ndarray:
        """Every text's key, in record order (repeats included): a view of the keys, not a copy (no key is added
        once they are read)."""
        return np.frombuffer(self._digests, dtype=_KEY)

    def records(self) -> Iterator[list[int]]:
        """Each record's keys' first 64 bits, in ingest order."""
        prefixes = np.frombuffer(self._digests, dtype=">u8")[0::2]
        start = 0
        for end in self.ends:
            yield prefixes[start:end].tolist()
            start = end


def _where(origin: dict[str, Any], path: FieldPath) -> str:
    """A text's place by source file, position and field: an error names it so, never by id or content."""
    locator = ", ".join(f"{key} {value}" for key, value in sorted(origin["locator"].items()))
    return f"{origin['source']} ({locator}), field {'.'.join(map(str, path))}"


def _scan(detector: Detector, items: list[tuple[str, tuple[int, int]]], family: str,
          where: Callable[[tuple[int, int]], str]) -> list[list[Finding]]:
    """Findings for each (text, its place). Any detector failure fails the step closed and names the first text it
    fails on (each text alone, in this process, to find it) by `where` its place is."""
    if not items:
        return []
    texts = [text for text, _ in items]
    processes = (os.cpu_count() or 1) if len(texts) >= PARALLEL_FROM else 1
    try:
        return detector.scan(texts, processes=processes)
    except (ModelMismatch, ModelMissing) as exc:
        raise ScanFailed(f"{family}: {exc}") from None
    except Exception as batch_error:  # noqa: BLE001 - any failure must stop the release, named
        for text, place in items:
            try:
                detector.scan([text])
            except Exception as exc:  # noqa: BLE001
                raise ScanFailed(f"{family}: the PII detector failed on {where(place)} ({type(exc).__name__}); "
                                 "nothing is published unscanned") from None
        raise ScanFailed(f"{family}: the PII detector failed on a batch ({type(batch_error).__name__}) but on no "
                         "text alone; nothing is published unscanned") from None


FieldPath = tuple[str | int, ...]


def text_fields(record: dict[str, Any]) -> list[tuple[FieldPath, str]]:
    """Every free-text string of a record but its id: message contents, then metadata values (nested too)."""
    fields: list[tuple[FieldPath, str]] = [(("messages", index, "content"), message["content"])
                                           for index, message in enumerate(record["messages"])]

    def walk(value: Any, path: FieldPath) -> None:
        if isinstance(value, str):
            fields.append((path, value))
        elif isinstance(value, dict):
            for key in sorted(value):
                walk(value[key], (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(record.get("metadata") or {}, ("metadata",))
    return fields


def _strings(record: dict[str, Any]) -> list[str]:
    """The strings of `text_fields(record)`, in its order, without their paths: pass 1 reads every record, and
    making the paths took a fifth of its time."""
    strings = [message["content"] for message in record["messages"]]

    def walk(value: Any) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for key in sorted(value):
                walk(value[key])
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(record.get("metadata") or {})
    return strings


def _field_paths(record: dict[str, Any]) -> list[FieldPath]:
    """The paths of every string the scan reads of a record, in its order: id, group key, then `text_fields`."""
    return [("id",), ("group",), *(path for path, _ in text_fields(record))]


def set_field(record: dict[str, Any], path: FieldPath, value: str) -> None:
    target: Any = record
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def _memo_rows(memo: Path | None, identity: str) -> Iterator[tuple[str, str]]:
    """The previous scan table's rows, when it was made with the same detector settings."""
    for line in table_lines(memo, f"#scan\t{identity}"):
        key, found = line.split("\t", 1)
        yield key, found


class _Judge:
    """Pass 3: each record's fate under the family's policy, written to the step's outputs as it goes, a part at a
    time: its lines to the part's files, its share of the whole files appended to them."""

    def __init__(self, family: str, params: PrivacyParams, detector: Detector, rescans: dict[str, str]):
        self.family = family
        self.policy = params.policy
        self.thresholds = params.thresholds
        self.allow = [AllowRule(**entry) for entry in params.allow]
        self.sample = params.sample
        self.draw = unit_intervals(f"privacy-sample:{self.sample.seed}")  # a record's place in the sample's draw
        self.detector = detector
        self.takedowns = params.takedowns
        self.mapping = params.mapping
        self.redaction = params.redaction.mode
        self.salt = params.redaction.salt
        self.known_rescans = rescans  # the previous run's, and this run's as they come
        self._clean_chain: bytes | None = None  # the provenance chain of a clean record, as JSON (`_keep_clean`)
        self.rescanned = 0
        self._start_part({})

    def _start_part(self, flagged: dict[str, list[Finding]]) -> None:
        """What one part's judgement counts, from zero."""
        self.flagged = flagged
        self.status_counts: Counter[str] = Counter()
        self.entities: Counter[str] = Counter()
        self.allowed: Counter[int] = Counter()
        self.offending: set[str] = set()
        self.findings = {"blocked": 0, "residual": 0}
        self.taken_down: dict[int, list[str]] = {}
        self.sampled: list[str] = []
        self.rescans: dict[str, str] = {}  # the part's: its redacted texts' findings

    def part(self, rows: list[tuple[bytes, ...]], flagged: dict[str, list[Finding]], keys: _TextKeys,
             outs: _PartOutputs, wholes: dict[str, OutputFile]) -> dict[str, Any]:
        """Judge one part's records; returns what the part adds to the family's result."""
        self._start_part(flagged)
        files = _Files(outs, wholes)
        prefixes = {keys.prefix(key) for key in flagged}
        for (body, group, origin_line), record_prefixes in zip(rows, keys.records(), strict=True):
            self._record(body, group, origin_line, files, suspect=not prefixes.isdisjoint(record_prefixes))
        return {"status_counts": dict(sorted(self.status_counts.items())),
                "entities": dict(sorted(self.entities.items())),
                "allowed": {str(index): n for index, n in sorted(self.allowed.items())},
                "offending": len(self.offending), "blocked": self.findings["blocked"],
                "residual": self.findings["residual"],
                "taken_down": {str(index): ids for index, ids in sorted(self.taken_down.items())},
                "sampled": self.sampled}

    def allow_entry(self, index: int) -> dict[str, Any]:
        rule = self.allow[index]
        return {key: value for key, value in (("reason", rule.reason), ("text", rule.text),
                                              ("pattern", rule.pattern), ("entity", rule.entity)) if value}

    def _decide(self, text: str) -> list[Finding]:
        """The findings of one text that count (threshold, allow-list), from the scan table."""
        found = self.flagged.get(message_digest(text))
        if not found:
            return []
        redact_these, allowed = decide(text, found, self.thresholds, self.allow)
        self.allowed.update(rule for _, rule in allowed)
        return redact_these

    def _record(self, body: bytes, group_line: bytes, origin_line: bytes, outs: _Files,
                suspect: bool) -> None:
        """One record's fate. `suspect`: some text of it may be flagged (`_TextKeys`); one that is not has no
        finding to act on, so it is clean as it stands and its lines are written through, as the full judgement
        would write them (`_keep_clean`)."""
        origin = json.loads(origin_line)
        record_id = origin["id"]
        takedown = self._takedown(record_id, origin["record_digest"])
        if takedown is not None:
            self.taken_down.setdefault(takedown, []).append(record_id)
            # kept (in the cache only) so dedup can remove this record's near duplicates too
            _line(outs["taken_down.jsonl"], {"id": record_id, "messages": json.loads(body)["messages"]})
            return
        if not suspect:
            self._keep_clean(outs, body, group_line, origin_line, origin)
            return
        record = json.loads(body)
        group = json.loads(group_line)["group"]
        fields = text_fields(record)
        found = propagate_names([text for _, text in fields], [self._decide(text) for _, text in fields],
                                self.allow)
        # An id or group key that holds PII is replaced by its keyed hash in every artifact (the gate's report too).
        id_found, group_found = self._decide(record_id), self._decide(group)
        public_id = keyed_id(self.salt, record_id) if id_found else record_id
        public_group = keyed_id(self.salt, group) if group_found else group
        public_origin = {**origin, "id": public_id}
        entities: Counter[str] = Counter(f.entity for findings in found for f in findings)
        entities.update(f.entity for f in id_found + group_found)
        if self.policy == "block":
            for (path, _), findings in zip(fields, found, strict=True):
                for finding in findings:
                    self._offend(outs, public_origin, path, finding, "the family's policy is block")
            for path, findings in ((("id",), id_found), (("group",), group_found)):
                for finding in findings:
                    self._offend(outs, public_origin, path, finding, "the family's policy is block")
            self.findings["blocked"] += sum(entities.values())
        self.entities.update(entities)
        sampled = self._sampled(record_id, public_id)
        status: dict[str, Any] = {"id": public_id, "status": "clean"}
        chain: list[dict[str, Any]] = [{"step": "mapping", "rules": self.mapping}]
        if not entities:
            kept = body
        elif self.policy == "drop":
            status = {"id": public_id, "status": "dropped", "entities": dict(sorted(entities.items()))}
            detail = ", ".join(f"{name} {n}" for name, n in sorted(entities.items()))
            row = {"family": self.family, "id": public_id, "source": origin["source"], "locator": origin["locator"],
                   "code": "pii_dropped", "detail": f"PII found: {detail}"}
            _line(outs["quarantine.jsonl"], row)
            _line(outs["dropped.jsonl"], {**public_origin, "chain": [*chain, {
                "step": "privacy", "decision": "dropped", "entities": status["entities"]}]})
            _line(outs["restricted_dropped.jsonl"], {"id": record_id, "reason": row["detail"], "record": record})
            if sampled:
                _line(outs["restricted_sample.jsonl"], {"id": record_id, "status": "dropped", "record": record})
            self._status(outs, status)
            return
        else:
            if sampled:  # the original, before redaction rewrites the record
                _line(outs["restricted_sample.jsonl"], {"id": record_id, "status": "redacted", "record": record})
            pseudonyms = Pseudonyms(self.redaction, self.salt, record_id)
            if self.policy == "redact":
                first_round = Counter(entities)
                self._redacted(record, fields, found, pseudonyms, public_origin, outs, entities)
                self.entities.update(entities - first_round)  # what later rounds found
            else:  # block: the gate fails, but what follows this step (and its shared cache tier) gets no raw text
                for (path, text), findings in zip(fields, found, strict=True):
                    if findings:
                        set_field(record, path, pseudonyms.final(redact(text, findings, pseudonyms)))
            record["id"] = public_id
            record["provenance"]["record_id"] = public_id
            kept = (canonical_json(record) + "\n").encode("utf-8")
            if self.policy == "redact":
                status = {"id": public_id, "status": "redacted", "entities": dict(sorted(entities.items()))}
                chain.append({"step": "privacy", "decision": "redacted", "entities": status["entities"]})
            else:
                status = {"id": public_id, "status": "flagged", "entities": dict(sorted(entities.items()))}
                chain.append({"step": "privacy", "decision": "flagged", "entities": status["entities"]})
            replaced = pseudonyms.mapping()
            if replaced or public_id != record_id or public_group != group:
                _line(outs["restricted_pseudonyms.jsonl"], {"id": record_id, "public_id": public_id,
                                                            "group": group, "public_group": public_group,
                                                            "values": replaced})
        if status["status"] == "clean":
            chain.append({"step": "privacy", "decision": "clean"})
        self._keep(outs, kept,
                   group_line if public_group == group and public_id == record_id
                   else (canonical_json({"group": public_group, "id": public_id}) + "\n").encode(),
                   public_origin, status, chain, sampled)

    def _sampled(self, record_id: str, public_id: str) -> bool:
        """Whether the record is in the spot-check sample (by its own id), which then lists it by its public one."""
        sampled = self.draw(record_id) < self.sample.rate
        if sampled:
            self.sampled.append(public_id)
        return sampled

    def _keep_clean(self, outs: _Files, body: bytes, group_line: bytes, origin_line: bytes,
                    origin: dict[str, Any]) -> None:
        """`_keep` of a record with nothing to act on, its lines spelled without encoding a dict per record: the
        provenance line is ingest's (canonical JSON) with the chain first, where canonical JSON's sorted keys put
        it, and the status line is made of the id's JSON. (Encoding both took a fifth of a rerun of the step.)
        An origin with a key that sorts before "chain" is kept the long way."""
        record_id = origin["id"]
        chain = [{"step": "mapping", "rules": self.mapping}, {"step": "privacy", "decision": "clean"}]
        sampled = self._sampled(record_id, record_id)
        if min(origin, default="") <= "chain" or not origin_line.endswith(b"}\n"):
            self._keep(outs, body, group_line, origin, {"id": record_id, "status": "clean"}, chain, sampled)
            return
        if self._clean_chain is None:
            self._clean_chain = canonical_json(chain).encode("utf-8")
        outs["records.jsonl"].write(body)
        outs["groups.jsonl"].write(group_line)
        outs["kept_status.jsonl"].write(b'"clean"\n')
        outs["provenance.jsonl"].write(b'{"chain":' + self._clean_chain + b"," + origin_line[1:])
        if sampled:
            _line(outs["sample.jsonl"], {"id": record_id, "status": "clean", "record": json.loads(body)})
        self.status_counts["clean"] += 1
        outs["status.jsonl"].write(b'{"id":' + canonical_json(record_id).encode("utf-8") + b',"status":"clean"}\n')

    def _keep(self, outs: _Files, kept: bytes, group_line: bytes, origin: dict[str, Any],
              status: dict[str, Any], chain: list[dict[str, Any]], sampled: bool) -> None:
        """A record that continues (clean, redacted or flagged): its lines, as written for the steps after."""
        outs["records.jsonl"].write(kept)
        outs["groups.jsonl"].write(group_line)
        outs["kept_status.jsonl"].write(b'"redacted"\n' if status["status"] == "redacted" else b'"clean"\n')
        _line(outs["provenance.jsonl"], {**origin, "chain": chain})
        if sampled:
            _line(outs["sample.jsonl"], {"id": status["id"], "status": status["status"], "record": json.loads(kept)})
        self._status(outs, status)

    def _redacted(self, record: dict[str, Any], fields: list[tuple[FieldPath, str]], found: list[list[Finding]],
                  pseudonyms: Pseudonyms, origin: dict[str, Any], outs: _Files,
                  entities: Counter[str]) -> None:
        """Rewrite the record's fields with placeholders, re-scanned until nothing new is found (at most
        REDACT_ROUNDS times): redaction changes the context recognizers see, which can reveal a span they missed.
        Findings left after the last round are residual PII. Then each placeholder becomes what is published."""
        texts = {index: text for index, (_, text) in enumerate(fields)}
        todo = {index: findings for index, findings in enumerate(found) if findings}
        for round_number in range(1, REDACT_ROUNDS + 1):
            redacted = {index: redact(texts[index], findings, pseudonyms) for index, findings in todo.items()}
            rescans = self._rescan(list(redacted.values()))
            todo = {}
            for (index, text), rescanned in zip(redacted.items(), rescans, strict=True):
                texts[index] = text
                holders = placeholder_spans(text)
                left, _ = decide(text, rescanned, self.thresholds, self.allow)
                left = [f for f in left if not any(start <= f.start and f.end <= end for start, end in holders)]
                if not left:
                    continue
                if round_number == REDACT_ROUNDS:
                    for finding in left:
                        self._offend(outs, origin, fields[index][0], finding, "still found after redaction")
                        self.findings["residual"] += 1
                else:
                    entities.update(f.entity for f in left)
                    todo[index] = left
            if not todo:
                break
        for index, (path, original) in enumerate(fields):
            if texts[index] != original:
                set_field(record, path, pseudonyms.final(texts[index]))

    def _rescan(self, texts: list[str]) -> list[list[Finding]]:
        """Findings in redacted texts, from the previous run's table where it has them (no engine start-up)."""
        keys = [message_digest(text) for text in texts]
        missing = [text for key, text in zip(keys, texts, strict=True) if key not in self.known_rescans]
        fresh = iter(self.detector.scan(missing) if missing else [])
        self.rescanned += len(missing)
        out = []
        for key in keys:
            found_json = self.known_rescans.get(key)
            if found_json is None:
                found_json = self.known_rescans[key] = canonical_json([f.to_json() for f in next(fresh)])
            self.rescans[key] = found_json
            out.append([Finding.from_json(row) for row in json.loads(found_json)])
        return out

    def _offend(self, outs: _Files, origin: dict[str, Any], path: FieldPath, finding: Finding,
                why: str) -> None:
        """A finding the gate fails on, named by record, field and span: never the text."""
        self.offending.add(origin["id"])
        _line(outs["findings.jsonl"], {"family": self.family, "id": origin["id"], "source": origin["source"],
                                       "locator": origin["locator"], "field": ".".join(map(str, path)),
                                       "message": path[1] if path[0] == "messages" else None,
                                       "entity": finding.entity, "start": finding.start, "end": finding.end,
                                       "score": round(finding.score, 4), "why": why})

    def _status(self, outs: _Files, status: dict[str, Any]) -> None:
        self.status_counts[status["status"]] += 1
        _line(outs["status.jsonl"], status)

    def _takedown(self, record_id: str, record_digest: str) -> int | None:
        for entry in self.takedowns:
            if entry.get("id") == record_id or entry.get("digest") == record_digest:
                index: int = entry["index"]
                return index
        return None


class _Files:
    """The outputs pass 3 writes a record's lines to, by name: the whole files, else the part's own."""

    def __init__(self, part: _PartOutputs, wholes: dict[str, OutputFile]):
        self.part = part
        self.wholes = wholes

    def __getitem__(self, name: str) -> OutputFile:
        whole = self.wholes.get(name)
        return whole if whole is not None else self.part[name]


def _line(out: OutputFile, row: dict[str, Any]) -> None:
    out.write((canonical_json(row) + "\n").encode("utf-8"))
