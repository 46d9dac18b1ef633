"""One family's dedup fingerprints: exact hashes, shingles, MinHash signatures and LSH band keys, packed.

A memo step, at two levels. A record whose line (as privacy wrote it, with its taken-down flag) is the line of a
row of the previous pack, made with the same settings, gets that row whole: its exact hashes, signatures and
shingles are copied, in runs, without parsing the record (`lines.digest` keeps each row's line digest for this).
Any other record is normalized and hashed, and a text whose exact hash (per kind) is in the previous pack reuses
that pack's shingles and signature instead of shingling and signing it again. The privacy step writes its records
in parts (steps/parts.py): the rows of a part the previous pack was made from (the same blob, so the same lines:
`input_parts.json`) are copied without reading the part, and a changed part's lines are looked up among the rows
of the previous parts no longer there. So an edit to a few records costs their parts, plus writing the pack.
Taken-down records (privacy's taken_down.jsonl) are fingerprinted too, flagged: their near duplicates must go as
well.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from releasebuild.dedup.minhash import band_keys, signatures
from releasebuild.dedup.near import Settings, exact_fingerprint
from releasebuild.dedup.pack import (
    FILES,
    PACK,
    PARTS,
    RECORDS,
    TEXT_FILES,
    ColumnsWriter,
    Pack,
    Row,
    drop_pages,
    map_array,
)
from releasebuild.dedup.text import shingle_hashes
from releasebuild.keys import canonical_json, digest
from releasebuild.steps.base import FileRef, OutputFile, Step, StepContext, StepMeta, StepParams, logical_name

BATCH = 1024
LINES = "lines.digest"  # each row's line key (16 bytes, xxh3-128), in row order: only the next run reads it
INPUT_PARTS = "input_parts.json"  # the privacy step's parts the pack's rows came from, in order (`_Inputs`)
KEY_BYTES = 16


class FingerprintParams(StepParams):
    """The family, and the near-duplicate settings every family of the release shares (dedup.near.Settings)."""

    family: str
    normalize: dict[str, bool]
    shingle: dict[str, Any]
    num_perm: int
    seed: int
    turn_pair_min_tokens: int
    shingle_hash: str
    kinds: list[str]
    thresholds: dict[str, float]


class FingerprintResult(StepMeta):
    family: str
    records: int  # fingerprinted records that ship on (taken-down ones are fingerprinted apart)
    takedowns: int  # taken-down records fingerprinted so that copies of them are found
    short_texts: dict[str, int]  # per kind: texts too short to shingle


class Fingerprint(Step):
    kind = "fingerprint"
    slow_loads = ("scipy.integrate", "datasketch")  # datasketch imports scipy
    # 3: lines.digest, so that an unchanged record's row is copied from the previous pack; 4: the rows as columns;
    # 5: input_parts.json, so that the rows of a part of the privacy step's are copied without reading the part
    code_version = "5"
    Params = FingerprintParams
    Result = FingerprintResult
    memo = (*FILES, LINES, INPUT_PARTS)

    @staticmethod
    def fresh_records(ctx: StepContext) -> int | None:
        """The records (taken-down ones too) with a text of some kind whose signature the previous pack, made with
        the same settings, does not hold: none for a record whose line is a previous row's; for the others,
        normalizing and hashing is the cheap part, shingling and signing the rest."""
        settings = Settings.from_params(ctx.params)
        previous = _previous(ctx.memo, digest(settings.identity()), settings.kinds)
        fresh = 0
        for item in _Inputs(ctx, previous).items():
            if isinstance(item, int):
                continue
            line, takedown = item
            if previous is None:
                fresh += 1
            elif _line_key(line, takedown) not in previous.by_line:
                record = json.loads(line)
                row, _ = exact_fingerprint(record["id"], record["messages"], settings)
                fresh += any(text_hash and previous.lookup(kind, text_hash) is None
                             for kind, text_hash in row.hashes.items())
        return fresh

    @staticmethod
    def run(ctx: StepContext) -> FingerprintResult:
        settings = Settings.from_params(ctx.params)  # checked against FingerprintParams by the engine
        identity = digest(settings.identity())
        previous = _previous(ctx.memo, identity, settings.kinds)
        writer = _PackWriter(ctx, settings, previous)
        inputs = _Inputs(ctx, previous)
        batch: list[_Item] = []
        for item in inputs.items():
            if isinstance(item, int):  # a row of a part the previous pack holds, copied without reading the part
                batch.append((_known(previous).key(item), item))
            else:
                line, takedown = item
                key = _line_key(line, takedown)
                row = None if previous is None else previous.by_line.get(key)
                if row is None:
                    record = json.loads(line)
                    batch.append((key, exact_fingerprint(record["id"], record["messages"], settings, takedown)))
                else:
                    batch.append((key, row))
            if len(batch) >= BATCH:
                writer.add(batch)
                batch = []
        writer.add(batch)
        inputs.finish()
        return writer.finish(identity)


# A batch item: (the line's key, a fresh record's row and normalized texts per kind, or a previous pack's row)
_Item = tuple[bytes, tuple[Row, dict[str, str]] | int]


class _Inputs:
    """Every record line privacy wrote (the shipped ones, then the taken-down ones, each file in its parts) and
    whether it is taken down; or, for a part of the privacy step the previous pack was made from (by its digest:
    its lines are the same), the previous pack's rows for it, without reading the part. Writes this run's list of
    parts (INPUT_PARTS) for the next run."""

    def __init__(self, ctx: StepContext, previous: _Previous | None):
        self.ctx = ctx
        self.privacy = ctx.dep("privacy")
        self.parts: list[list[Any]] = []  # [digest, taken down, rows], in pack order
        self.spans: dict[tuple[str, bool], range] = {}  # a previous part -> its rows in the previous pack
        path = ctx.memo.get(INPUT_PARTS)
        if previous is not None and path is not None:
            first = 0
            for part_digest, takedown, rows in json.loads(path.read_bytes()):
                self.spans[part_digest, takedown] = range(first, first + rows)
                first += rows
            if first != len(previous.pack.rows):
                self.spans = {}
        if previous is not None and self.spans:
            previous.limit_lines(self._not_handed_on())

    def _not_handed_on(self) -> list[range]:
        """The previous pack's rows of the parts this run does not hand on: the only ones a changed part's lines
        can be (record ids are unique, so a line of a part handed on is in no other part)."""
        kept = {(self._ref(name).sha256, takedown) for name, takedown in self._names()}
        return [span for part, span in self.spans.items() if part not in kept]

    def _names(self) -> Iterator[tuple[str, bool]]:
        files = self.ctx.input_paths[self.privacy]
        for logical, takedown in (("records.jsonl", False), ("taken_down.jsonl", True)):
            for name in sorted(name for name in files if logical_name(name) == logical):
                yield name, takedown

    def _ref(self, name: str) -> FileRef:
        return self.ctx.inputs[self.privacy].files[name]

    def items(self) -> Iterator[tuple[bytes, bool] | int]:
        for name, takedown in self._names():
            part_digest = self._ref(name).sha256
            span = self.spans.get((part_digest, takedown))
            if span is not None:
                yield from span
                self.parts.append([part_digest, takedown, len(span)])
                continue
            rows = 0
            with self.ctx.input_paths[self.privacy][name].open("rb") as fh:
                for line in fh:
                    rows += 1
                    yield line, takedown
            self.parts.append([part_digest, takedown, rows])

    def finish(self) -> None:
        with self.ctx.create(INPUT_PARTS) as out:
            out.write(canonical_json(self.parts).encode("utf-8"))
        copied = sum((part_digest, takedown) in self.spans for part_digest, takedown, _ in self.parts)
        self.ctx.stats.update(parts_read=len(self.parts) - copied, parts_copied=copied)


def _line_key(line: bytes, takedown: bool) -> bytes:
    """What a row of the pack is a pure function of, besides the settings: the record's line and its flag."""
    return xxhash.xxh3_128_digest(line + (b"\x01" if takedown else b"\x00"))


def _runs(batch: list[_Item]) -> Iterator[tuple[int, int, int | None]]:
    """The batch as (start, stop, first previous row): a run of previous rows in order, or one fresh item (None)."""
    start = 0
    while start < len(batch):
        first = batch[start][1]
        stop = start + 1
        if isinstance(first, int):
            while stop < len(batch) and batch[stop][1] == first + stop - start:
                stop += 1
            yield start, stop, first
        else:
            yield start, stop, None
        start = stop


class _PackWriter:
    def __init__(self, ctx: StepContext, settings: Settings, previous: _Previous | None):
        self.ctx = ctx
        self.settings = settings
        self.previous = previous
        self.records = ctx.open_output(RECORDS)
        self.columns = ColumnsWriter(ctx.open_output)
        self.lines = ctx.open_output(LINES)
        self.parts: dict[str, dict[str, OutputFile]] = {}
        self.offsets = dict.fromkeys(settings.kinds, 0)
        # kind -> the rows written so far that are, row for row, the previous pack's: a kind's files are opened only
        # when a row differs (`_open`), and handed on as they stand when none does (`finish`)
        self.unchanged: dict[str, int] = {}
        for kind in settings.kinds:
            if previous is not None and kind in previous.sigs and all(f"{kind}.{part}" in ctx.memo_refs
                                                                      for part in PARTS):
                self.unchanged[kind] = 0
            else:
                self._open(kind)
        self.rows = 0
        self.takedowns = 0
        self.short = dict.fromkeys(settings.kinds, 0)
        self.computed = self.reused = self.copied = 0

    def add(self, batch: list[_Item]) -> None:
        if not batch:
            return
        previous = self.previous
        fresh_rows: list[Row] = []  # written as columns together: a cold run's rows are all fresh
        for start, stop, first in _runs(batch):  # a previous pack's rows as its records.tsv holds them
            if first is None:
                row = batch[start][1][0]  # type: ignore[index]
                self.records.write(row.line().encode("utf-8"))
                self.takedowns += row.takedown
                fresh_rows.append(row)
            else:
                known = _known(previous)
                self.records.write(known.lines(first, first + stop - start))
                self.takedowns += int(known.pack.rows.takedown[first:first + stop - start].sum())
                self.copied += stop - start
                if fresh_rows:
                    self.columns.fresh(fresh_rows)
                    fresh_rows = []
                self.columns.copy(known.pack.rows, first, first + stop - start)
        if fresh_rows:
            self.columns.fresh(fresh_rows)
        self.lines.write(b"".join(key for key, _ in batch))
        self.rows += len(batch)
        for kind in self.settings.kinds:
            self._add_kind(kind, batch, self.rows - len(batch))
        if previous is not None:  # the previous pack's pages copied so far, let go (`drop_pages`)
            previous.pack.drop_pages()
            drop_pages(*previous.sigs.values())

    def _add_kind(self, kind: str, batch: list[_Item], base: int) -> None:
        """The batch's signatures, band keys and shingles of `kind` (its first row is row `base`). A run of previous
        rows is written from the previous pack's maps as it stands (at 1M, a family's pack is 900 MB, and each copy
        of it into arrays of this batch cost about 0.3 s); band keys are computed for the other rows only. While
        every row so far is the previous pack's row of the same number, nothing is written (`unchanged`)."""
        previous = self.previous
        counts = np.empty(len(batch), dtype=np.int64)
        present = np.empty(len(batch), dtype=bool)  # whether the row has a text of the kind
        # per run of previous rows or fresh row, in row order: signatures, band keys, shingles (None: to compute)
        sigs: list[np.ndarray | None] = []
        bands: list[np.ndarray | None] = []
        shingles: list[np.ndarray] = []
        fresh: list[tuple[int, np.ndarray]] = []  # (piece, shingles) of the rows to sign
        for start, stop, first in _runs(batch):
            if first is not None:
                known = _known(previous)
                last = first + stop - start
                sigs.append(known.sigs[kind][first:last])
                bands.append(known.pack.bands[kind][first:last])
                counts[start:stop] = known.counts[kind][first:last]
                present[start:stop] = known.pack.keys(kind)[1][first:last]
                shingles.append(known.pack.shingle_rows(kind, first, last))
                continue
            row, texts = batch[start][1]  # type: ignore[misc]
            present[start] = bool(row.hashes[kind])
            cached = previous.lookup(kind, row.hashes[kind]) if previous and row.hashes[kind] else None
            if cached is not None:
                sig, values = cached
                sigs.append(sig[np.newaxis])
                self.reused += 1
            else:
                values = shingle_hashes(texts[kind], self.settings.rules)
                fresh.append((len(sigs), values))
                sigs.append(None)
            bands.append(None)
            shingles.append(values)
            counts[start] = len(values)
        if fresh:
            signed = signatures((values for _, values in fresh), self.settings.num_perm, self.settings.seed)
            for (piece, _), sig in zip(fresh, signed, strict=True):
                sigs[piece] = sig[np.newaxis]
            self.computed += len(fresh)
        unbanded = [piece for piece, keys in enumerate(bands) if keys is None]
        if unbanded:
            keys = band_keys(np.concatenate([_filled(sigs[piece]) for piece in unbanded]),
                             *self.settings.bands[kind])
            for index, piece in enumerate(unbanded):
                bands[piece] = keys[index:index + 1]
        self.short[kind] += int((present & (counts == 0)).sum())
        if kind in self.unchanged:
            if self._as_before(kind, batch, base, sigs, shingles, present):
                self.unchanged[kind] += len(batch)
                self.offsets[kind] += int(counts.sum())
                return
            self._open(kind)
        out = self.parts[kind]
        for column in sigs:
            out["sig"].write(_raw(_filled(column)))
        for column in bands:
            out["bands"].write(_raw(_filled(column)))
        for values in shingles:
            out["shingles"].write(_raw(values))
        ends = self.offsets[kind] + np.cumsum(counts)
        out["offsets"].write(ends.tobytes())
        self.offsets[kind] = int(ends[-1])

    def _as_before(self, kind: str, batch: list[_Item], base: int, sigs: list[np.ndarray | None],
                   shingles: list[np.ndarray], present: np.ndarray) -> bool:
        """Whether the batch's rows of `kind` are the previous pack's rows base, base + 1, ...: runs of previous rows
        at their own numbers, and fresh rows equal to the previous row of their number."""
        known = _known(self.previous)
        if base + len(batch) > len(known.pack.rows):
            return False
        piece = 0
        for start, _, first in _runs(batch):
            if first is not None:
                if first != base + start:
                    return False
            else:
                row = base + start
                if (bool(present[start]) != bool(known.pack.keys(kind)[1][row])
                        or not np.array_equal(_filled(sigs[piece]), known.sigs[kind][row:row + 1])
                        or not np.array_equal(shingles[piece], known.pack.shingle_rows(kind, row, row + 1))):
                    return False
            piece += 1
        return True

    def _open(self, kind: str) -> None:
        """Open the files of `kind`, and write them up to where they first differ from the previous pack's: its rows
        so far, as they stand in its maps."""
        out = self.parts[kind] = {part: self.ctx.open_output(f"{kind}.{part}") for part in PARTS}
        rows = self.unchanged.pop(kind, 0)
        ends = np.zeros(1, dtype=np.int64)
        if rows:
            known = _known(self.previous)
            out["sig"].write(_raw(known.sigs[kind][:rows]))
            out["bands"].write(_raw(known.pack.bands[kind][:rows]))
            out["shingles"].write(_raw(known.pack.shingle_rows(kind, 0, rows)))
            ends = np.concatenate([ends, np.cumsum(known.counts[kind][:rows])])
        out["offsets"].write(ends.tobytes())

    def finish(self, identity: str) -> FingerprintResult:
        self.records.close()
        self.lines.close()
        self.columns.close()
        for kind, rows in list(self.unchanged.items()):
            if rows == len(_known(self.previous).pack.rows) == self.rows:  # every row the previous pack's
                for part in PARTS:
                    self.ctx.reuse(f"{kind}.{part}", f"{kind}.{part}")
            else:  # the previous pack's first rows, and no more
                self._open(kind)
        for parts in self.parts.values():
            for out in parts.values():
                out.close()
        info = {"identity": identity, **self.settings.identity(), "kinds": list(self.settings.kinds),
                "num_perm": self.settings.num_perm, "rows": self.rows,
                "bands": {kind: list(value) for kind, value in self.settings.bands.items()}}
        self.ctx.write_json(PACK, info)
        self.ctx.stats.update(records_copied=self.copied, signatures_computed=self.computed,
                              signatures_reused=self.reused, kinds_handed_on=len(self.unchanged))
        return FingerprintResult(family=self.ctx.typed(FingerprintParams).family, records=self.rows - self.takedowns,
                                 takedowns=self.takedowns, short_texts=self.short)


class _Previous:
    """The previous pack (only when made with the same settings): its rows by line key, its signatures and shingles
    by exact text hash."""

    def __init__(self, pack: Pack, sigs: dict[str, np.ndarray], line_keys: bytes, records: bytes):
        self.pack = pack
        self.line_keys = line_keys
        self._lookup_rows: list[range] = [range(len(pack.rows))]
        self._by_line: dict[bytes, int] | None = None
        self.sigs = sigs
        self.counts = {kind: pack.shingle_counts(kind) for kind in sigs}
        self.records = records
        ends = np.flatnonzero(np.frombuffer(records, dtype=np.uint8) == ord("\n")) + 1
        self.line_starts = np.concatenate([np.zeros(1, dtype=np.int64), ends]).tolist()
        self._by_text: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # kind -> its texts sorted, and their rows

    def key(self, row: int) -> bytes:
        """The line key of a row (`_line_key`)."""
        return self.line_keys[row * KEY_BYTES:(row + 1) * KEY_BYTES]

    def limit_lines(self, rows: list[range]) -> None:
        """Look lines up only among these rows (`by_line`): those of the previous parts not handed on."""
        self._lookup_rows = rows
        self._by_line = None

    @property
    def by_line(self) -> dict[bytes, int]:
        """The rows looked up by line key, made the first time a line is looked up."""
        if self._by_line is None:
            self._by_line = {self.key(row): row for span in self._lookup_rows for row in span}
        return self._by_line

    def lines(self, first: int, last: int) -> bytes:
        """Rows first..last-1 of records.tsv, as it holds them."""
        return self.records[self.line_starts[first]:self.line_starts[last]]

    def lookup(self, kind: str, text_hash: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The signature and shingles of the first row with this exact text of `kind`, if any. The texts are put in
        order the first time a kind is asked for: a one-message change asks for one or two."""
        if kind not in self.sigs:
            return None
        if kind not in self._by_text:
            keys, present = self.pack.keys(kind)
            rows = np.flatnonzero(present)
            order = np.argsort(keys[rows], kind="stable")
            self._by_text[kind] = keys[rows][order], rows[order]
        values, rows = self._by_text[kind]
        wanted = np.uint64(int(text_hash, 16))
        position = int(np.searchsorted(values, wanted))
        if position == len(values) or values[position] != wanted:
            return None
        index = int(rows[position])
        return self.sigs[kind][index], np.asarray(self.pack.shingles(kind, index))


def _raw(array: np.ndarray) -> memoryview:
    """An array's bytes as they lie in memory (a map's pages), without a copy when it is contiguous."""
    return np.ascontiguousarray(array).data.cast("B")


def _filled(piece: np.ndarray | None) -> np.ndarray:
    """A piece of a batch's column, filled in by now (`_PackWriter._add_kind`)."""
    assert piece is not None
    return piece


def _known(previous: _Previous | None) -> _Previous:
    """The previous pack, where a batch item refers to one of its rows (there is one then)."""
    assert previous is not None
    return previous


def _previous(memo: dict[str, Path], identity: str, kinds: tuple[str, ...]) -> _Previous | None:
    """The previous pack when it was made with the same settings and holds every kind asked for now."""
    if not {*TEXT_FILES, LINES} <= set(memo) or json.loads(memo[PACK].read_bytes()).get("identity") != identity:
        return None
    records = memo[RECORDS].read_bytes()
    pack = Pack(memo, records)
    if not set(kinds) <= set(pack.info["kinds"]):
        return None
    count = len(pack.rows)
    line_keys = memo[LINES].read_bytes()
    if len(line_keys) != count * KEY_BYTES:
        return None
    sigs = {kind: map_array(memo[f"{kind}.sig"], np.uint32, (count, pack.num_perm)) for kind in pack.info["kinds"]}
    return _Previous(pack, sigs, line_keys, records)
