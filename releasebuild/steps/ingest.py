"""Ingest + normalize one family: each source file is mapped on its own, then the files are put in id order.

`map` (one per source file, cached by that file's digest, run in parallel) streams the file's rows through the
mapping, sorts them by record id and writes them as the family's outputs would hold them (records, groups,
provenance), quarantining an id the file uses twice. `run` puts the files together. Files whose ids do not
interleave (each its own range: one file, or files split by id) need no merge: their mapped files, in id order, are
the family's outputs as parts (`base.part_file`), handed on by reference, so an edit to one file costs that file's
map and nothing more. A map of a file read line by line (JSONL) also writes a line memo, which the file's next map
is handed (`Step.map_memo`): that map copies the records of the lines still in their place with the same bytes and
maps only the others, so an edited message costs its line, not its file. Files whose ids interleave are merged, and
ids used in two files quarantined. Outputs of
`run` (records, groups and provenance sorted by record id, so reordering or reformatting a source changes only the
provenance list and the line numbers in the quarantine list):
- records.jsonl   each record as its published ChatML line, minus the split (see Record.shard_body)
- groups.jsonl    (id, group) pairs: all the split step needs, so a text edit does not rerun it
- provenance.jsonl where each record came from (source, locator, record digest)
- quarantine.jsonl rows that could not become records: source, locator and reason, never raw content
- sources.json    per source file, its records (the coverage matrix); source_versions.json, its digest
"""

from __future__ import annotations

import heapq
import itertools
import json
import struct
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from releasebuild.config.models import RecordRules
from releasebuild.keys import canonical_json
from releasebuild.records import Rejected, map_record, value_digest
from releasebuild.sources import BLANK, JsonlLines, Locator, line_by_line, read_rows
from releasebuild.steps.base import SourceFile, Step, StepContext, StepMeta, StepParams, line_count, part_file
from releasebuild.steps.sorting import external_sort
from releasebuild.store.backends import Store, is_local, local_path

# A mapped file's outputs: its records' lines in id order, as the family's outputs hold them (text, not pickles: they
# live in the content store, which may be remote and shared), and its quarantine list.
OUTPUTS = ("records.jsonl", "groups.jsonl", "provenance.jsonl")
# A mapped file's line memo (a file read line by line only): per record, in the outputs' order, the number of the
# source line it came from and the xxh3-128 digest of that line's bytes, so the next map of the file, edited, maps
# only the lines that changed or moved (`_LinesBefore`). Source files are known by the same digest (keys.file_digest).
MEMO = "lines.memo"
MEMO_ENTRY = struct.Struct("<Q16s")
MEMO_DTYPE = np.dtype([("line", "<u8"), ("digest", "V16")])
QUARANTINE = "quarantine.jsonl"
SOURCES = "sources.json"
SOURCE_VERSIONS = "source_versions.json"  # source name -> its digest: the version every record of it was read from
REMOTE_BYTES_PER_RECORD = 256  # plan's estimate of a remote source's rows, from its size (see fresh_records)


class IngestParams(StepParams):
    family: RecordRules  # how a source row becomes a record: everything the map depends on besides the file


class MappedFile(StepMeta):
    """One source file's map: what it gave (records as mapped, ids the file used twice among them), and the first and
    last id it kept, which tell whether the family's files interleave."""

    source: str
    records: int
    quarantine_codes: dict[str, int]  # reason -> rows of this file quarantined for it (ids used twice included)
    first_id: str | None
    last_id: str | None


class IngestResult(StepMeta):
    family: str
    records: int
    quarantined: int  # rows that did not become records, duplicate ids included
    quarantine_codes: dict[str, int]


class Ingest(Step):
    kind = "ingest"
    # 9: files that do not interleave are the family's outputs as parts, merged no more; 10: a line memo
    code_version = "10"
    per_source = True
    restricted = True  # every output but sources.json holds raw record text (or raw ids)

    Params = IngestParams
    Result = IngestResult
    MapResult = MappedFile
    map_memo = (MEMO, *OUTPUTS)

    @staticmethod
    def fresh_records(ctx: StepContext) -> int | None:
        """The rows of the files still to map (ctx.sources): a local file's lines, unread remote objects one per
        REMOTE_BYTES_PER_RECORD bytes of their listed size (plan reads no object to decide whether to read it)."""
        return sum(line_count(Path(local_path(source.uri))) if is_local(source.uri)
                   else -(-source.bytes // REMOTE_BYTES_PER_RECORD) for source in ctx.sources)

    @staticmethod
    def map(ctx: StepContext) -> MappedFile:
        (source,) = ctx.sources
        family = ctx.typed(IngestParams).family
        codes: Counter[str] = Counter()
        # Rejects are spilled to disk as they come and sorted at the end: memory stays flat even when a
        # broken mapping rejects every row.
        spill_path = ctx.workdir / "quarantine.unsorted"
        spill = spill_path.open("w", encoding="utf-8")

        def quarantined(locator: dict[str, Any], code: str, detail: str) -> None:
            entry = {"family": family.name, "source": source.name, "locator": locator, "code": code, "detail": detail}
            spill.write(canonical_json(entry) + "\n")
            codes[code] += 1

        by_line = line_by_line(family.format, family.options)
        before = _LinesBefore(ctx.memo) if by_line and _LinesBefore.usable(ctx.memo) else None
        rows = _rows(source, ctx.store, family, before)
        fresh = external_sort(_mapped_rows(rows, source, family, quarantined), ctx.workdir)
        first = next(fresh, None)  # the sort has read the whole file: `before` knows every line it keeps
        records = 0
        kept: _Mapped | None = None
        first_id = None
        with ExitStack() as stack:
            rec_out, grp_out, prov_out = (stack.enter_context(ctx.create(name)) for name in OUTPUTS)
            memo_out = stack.enter_context(ctx.create(MEMO)) if by_line else None
            for mapped in _merged(_fresh(first, fresh), before.kept() if before is not None else iter(())):
                records += 1
                # two lines kept from before are two records that had different ids
                if kept is not None and (mapped.fresh or kept.fresh) and kept.origin["id"] == mapped.origin["id"]:
                    quarantined(mapped.origin["locator"], "duplicate_id", _duplicate(mapped.origin, kept.origin))
                    continue
                kept = mapped
                first_id = mapped.origin["id"] if first_id is None else first_id
                rec_out.write(mapped.body)
                grp_out.write(mapped.group)
                prov_out.write(mapped.provenance)
                if memo_out is not None:
                    memo_out.write(MEMO_ENTRY.pack(mapped.number, mapped.digest))
        spill.close()
        with ctx.create(QUARANTINE) as out:
            for _, line in external_sort(_quarantine_run(spill_path), ctx.workdir):
                out.write((line + "\n").encode("utf-8"))
        if before is not None:
            ctx.stats.update({"lines_kept": before.kept_count, "lines_mapped": records - before.kept_count})
        return MappedFile(source=source.name, records=records, quarantine_codes=dict(sorted(codes.items())),
                          first_id=first_id, last_id=None if kept is None else kept.origin["id"])

    @staticmethod
    def run(ctx: StepContext) -> IngestResult:
        family = ctx.typed(IngestParams).family.name
        names = [f"source:{source.name}" for source in ctx.sources]
        parts = [ctx.inputs[name].typed(MappedFile) for name in names]
        codes: Counter[str] = Counter()
        for part in parts:
            codes.update(part.quarantine_codes)
        order = _in_id_order(parts)
        duplicates: list[tuple[Any, str]] = []
        if order is not None:  # the files' ids do not interleave: their outputs are the family's, in this order
            for index, position in enumerate(order):
                for output in OUTPUTS:
                    if ctx.inputs[names[position]].files[output].bytes:
                        ctx.reuse_input(part_file(output, index), names[position], output)
        else:
            duplicates = _merge(ctx, names, family)
            if duplicates:
                codes["duplicate_id"] += len(duplicates)
        with ctx.create("quarantine.jsonl", publish=f"quarantine/{family}.jsonl", kind="quarantine") as q_out:
            # Per-file lists are already in (source, position) order; duplicates across files are merged in.
            lists = [_quarantine_run(ctx.input_paths[name][QUARANTINE]) for name in names] + [iter(sorted(duplicates))]
            for _, entry_line in heapq.merge(*lists):
                q_out.write((entry_line + "\n").encode("utf-8"))
        # Per file, for the coverage matrix: what was found where (records as mapped, before duplicate ids). A file,
        # not meta, so the steps that read the meta (quarantine) stay cached when only bytes change. And for the
        # provenance index, each file's digest, which a record's provenance line leaves out.
        ctx.write_json(SOURCES, [{"name": source.name, "bytes": source.bytes, "records": part.records}
                                 for source, part in zip(ctx.sources, parts, strict=True)])
        ctx.write_json(SOURCE_VERSIONS, {source.name: source.digest for source in ctx.sources})
        records = sum(part.records for part in parts) - codes.get("duplicate_id", 0)
        return IngestResult(family=family, records=records, quarantined=sum(codes.values()),
                            quarantine_codes=dict(sorted(codes.items())))


def _in_id_order(parts: list[MappedFile]) -> list[int] | None:
    """The positions of the files that kept records, by their first id, when each file's ids come after the ones
    before it (no id shared, none interleaved: the merge would lay the files end to end); else None."""
    kept = sorted((part.first_id, part.last_id, position) for position, part in enumerate(parts)
                  if part.first_id is not None and part.last_id is not None)
    if any(last >= first for (_, last, _), (first, _, _) in itertools.pairwise(kept)):
        return None
    return [position for _, _, position in kept]


def _merge(ctx: StepContext, names: list[str], family: str) -> list[tuple[Any, str]]:
    """Merge the files' outputs in id order into the family's, quarantining ids used in two files (the record that
    sorts first by content, then place, is kept); returns the quarantine entries of those."""
    duplicates: list[tuple[Any, str]] = []
    with ctx.create("records.jsonl") as rec_out, ctx.create("groups.jsonl") as grp_out, \
            ctx.create("provenance.jsonl") as prov_out:
        kept: dict[str, Any] | None = None
        for origin, prov_json, group_json, body in heapq.merge(*(_mapped_lines(ctx, name) for name in names),
                                                               key=_merge_key):
            if kept is not None and kept["id"] == origin["id"]:
                entry = {"family": family, "source": origin["source"], "locator": origin["locator"],
                         "code": "duplicate_id", "detail": _duplicate(origin, kept)}
                duplicates.append((_quarantine_key(entry), canonical_json(entry)))
                continue
            kept = origin
            rec_out.write(body)
            grp_out.write(group_json)
            prov_out.write(prov_json)
    return duplicates


def _duplicate(origin: dict[str, Any], kept: dict[str, Any]) -> str:
    where = f"{kept['source']}:{_locator_text(kept['locator'])}"
    return f"id {value_digest(origin['id'])} already used by the record at {where}"


def _rows(source: SourceFile, store: Store, family: RecordRules, before: _LinesBefore | None
          ) -> Iterator[tuple[Locator, Any, int, bytes]]:
    """(locator, row, line number, line digest) per row of the file, but for the lines `before` holds a record of.
    Line numbers and digests where the file is read line by line only (0 and b"" elsewhere)."""
    with store.open(source.uri) as fh:
        if not line_by_line(family.format, family.options):
            for locator, row in read_rows(fh, family.format, family.options, source.name):
                yield locator, row, 0, b""
            return
        lines = JsonlLines(family.options)
        for number, offset, raw, length in lines.split(fh):
            digest = b"" if raw is None else xxhash.xxh3_128_digest(raw)
            if before is not None and raw is not None and before.holds(number, digest):
                continue
            row = lines.row(number, offset, raw, length)
            if row is not BLANK:
                yield {"line": number}, row, number, digest


def _mapped_rows(rows: Iterator[tuple[Locator, Any, int, bytes]], source: SourceFile, family: RecordRules,
                 quarantined: Any) -> Iterator[tuple[Any, str, int, bytes]]:
    """(sort key, sorted-run line, line number, line digest) per record; rejected rows go to `quarantined`."""
    for locator, row, number, line_digest in rows:
        try:
            if isinstance(row, Rejected):
                raise row
            record = map_record(row, family)
        except Rejected as rejected:
            quarantined(locator, rejected.code, rejected.detail)
            continue
        # The source's digest is in SOURCE_VERSIONS, not on every record: an edit to one record of a file changes
        # that record's lines only, so the steps after ingest that work in parts (steps/parts.py) redo its part.
        prov = canonical_json({"id": record.id, "source": source.name, "locator": locator,
                               "record_digest": record.digest})
        group = canonical_json({"id": record.id, "group": record.group})
        line = f"{prov}\t{group}\t{record.shard_body(family.name, source.name)}"
        yield (record.id, record.digest, tuple(sorted(locator.items()))), line, number, line_digest


class _Mapped:
    """One record on its way to a mapped file's outputs: its three lines, the source line it came from and that
    line's digest (for the line memo), and its provenance, parsed when asked for (a record kept from before is
    parsed only next to a fresh one)."""

    __slots__ = ("body", "group", "provenance", "number", "digest", "fresh", "_key", "_origin")

    def __init__(self, lines: tuple[bytes, bytes, bytes], number: int, digest: bytes, fresh: bool,
                 key: tuple[Any, ...] | None = None):
        self.body, self.group, self.provenance = lines
        self.number = number
        self.digest = digest
        self.fresh = fresh
        self._key = key
        self._origin: dict[str, Any] | None = None

    @property
    def origin(self) -> dict[str, Any]:
        if self._origin is None:
            self._origin = json.loads(self.provenance)
        return self._origin

    @property
    def key(self) -> tuple[Any, ...]:
        """The order of a mapped file (as `_mapped_rows` sorts): id, then content, then place."""
        if self._key is None:
            origin = self.origin
            self._key = (origin["id"], origin["record_digest"], tuple(sorted(origin["locator"].items())))
        return self._key


def _fresh(first: tuple[Any, str, int, bytes] | None, rest: Iterator[tuple[Any, str, int, bytes]]
           ) -> Iterator[_Mapped]:
    """The records mapped now, in key order, from the sorted `_mapped_rows`."""
    for key, line, number, digest in itertools.chain([first] if first is not None else [], rest):
        provenance, group, body = line.split("\t", 2)
        yield _Mapped(((body + "\n").encode("utf-8"), (group + "\n").encode("utf-8"),
                       (provenance + "\n").encode("utf-8")), number, digest, True, key)


def _merged(fresh: Iterator[_Mapped], kept: Iterator[_Mapped]) -> Iterator[_Mapped]:
    """The records mapped now and those kept from before, in key order (each comes in it; no two share a key, their
    lines differ): a kept record's key is read only while a fresh one is still to be placed."""
    head = next(fresh, None)
    for old in kept:
        while head is not None and head.key < old.key:
            yield head
            head = next(fresh, None)
        yield old
    if head is not None:
        yield head
        yield from fresh


class _LinesBefore:
    """The previous map of this source file (the same name, mapping and code; other bytes): its outputs and its line
    memo, which gives, per record, the source line it came from and that line's digest. A line read in the same
    place with the same digest gives the same row, so the same record: its lines are copied from the previous
    outputs instead of decoded, parsed and mapped again. Only per-file state is held: the memo's line numbers, and a
    byte per previous record."""

    def __init__(self, memo: dict[str, Path]):
        self.paths = memo
        self.entries = np.fromfile(memo[MEMO], dtype=MEMO_DTYPE)
        self.by_line = np.argsort(self.entries["line"], kind="stable")
        self.lines = self.entries["line"][self.by_line].tolist()  # in line order
        self.held = bytearray(len(self.entries))  # 1 where the record is kept
        self.kept_count = 0
        self._at = 0

    @staticmethod
    def usable(memo: dict[str, Path]) -> bool:
        return all(name in memo for name in (MEMO, *OUTPUTS))

    def holds(self, number: int, digest: bytes) -> bool:
        """Whether the line at `number` with this digest made a record before, which is then kept (lines are asked
        in order)."""
        lines = self.lines
        while self._at < len(lines) and lines[self._at] < number:
            self._at += 1
        if self._at == len(lines) or lines[self._at] != number:
            return False
        index = int(self.by_line[self._at])
        if self.entries["digest"][index].tobytes() != digest:
            return False
        self.held[index] = 1
        self.kept_count += 1
        return True

    def kept(self) -> Iterator[_Mapped]:
        """The records kept, in the previous outputs' order (key order)."""
        numbers = self.entries["line"].tolist()
        digests = self.entries["digest"]
        with self.paths["records.jsonl"].open("rb") as bodies, self.paths["groups.jsonl"].open("rb") as groups, \
                self.paths["provenance.jsonl"].open("rb") as origins:
            for index, lines in enumerate(zip(bodies, groups, origins, strict=True)):
                if self.held[index]:
                    yield _Mapped(lines, numbers[index], digests[index].tobytes(), False)


def _mapped_lines(ctx: StepContext, name: str) -> Iterator[tuple[dict[str, Any], bytes, bytes, bytes]]:
    """A mapped file's records, side by side: each one's provenance (parsed: the merge orders by it) and its lines
    as bytes, copied to the outputs as they stand."""
    paths = ctx.input_paths[name]
    with paths["provenance.jsonl"].open("rb") as origins, paths["groups.jsonl"].open("rb") as groups, \
            paths["records.jsonl"].open("rb") as records:
        for prov_json, group_json, body in zip(origins, groups, records, strict=True):
            yield json.loads(prov_json), prov_json, group_json, body


def _merge_key(item: tuple[dict[str, Any], bytes, bytes, bytes]) -> tuple[Any, ...]:
    """Id first; equal ids (quarantined as duplicates) keep the record that sorts first by content, then place."""
    origin = item[0]
    return origin["id"], origin["record_digest"], origin["source"], sorted(origin["locator"].items())


def _quarantine_key(entry: dict[str, Any]) -> tuple[Any, ...]:
    """By source, then position, then reason."""
    return entry["source"], tuple(sorted(entry["locator"].items())), entry["code"], entry["detail"]


def _quarantine_run(path: Path) -> Iterator[tuple[Any, str]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            yield _quarantine_key(json.loads(line)), line[:-1]


def _locator_text(locator: dict[str, Any]) -> str:
    return ",".join(f"{key} {value}" for key, value in sorted(locator.items()))

