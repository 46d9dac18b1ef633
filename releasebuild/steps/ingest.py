"""Ingest + normalize one family: each source file is mapped on its own, then the files are put in id order.

`map` (one per source file, cached by that file's digest, run in parallel) streams the file's rows through the
mapping, sorts them by record id and writes them as the family's outputs would hold them (records, groups,
provenance), quarantining an id the file uses twice. `run` puts the files together. Files whose ids do not
interleave (each its own range: one file, or files split by id) need no merge: their mapped files, in id order, are
the family's outputs as parts (`base.part_file`), handed on by reference, so an edit to one file costs that file's
map and nothing more. Files whose ids interleave are merged, and ids used in two files quarantined. Outputs of
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
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from releasebuild.config.models import RecordRules
from releasebuild.keys import canonical_json
from releasebuild.records import Rejected, map_record, value_digest
from releasebuild.sources import read_rows
from releasebuild.steps.base import SourceFile, Step, StepContext, StepMeta, StepParams, line_count, part_file
from releasebuild.steps.sorting import external_sort
from releasebuild.store.backends import Store, is_local, local_path

# A mapped file's outputs: its records' lines in id order, as the family's outputs hold them (text, not pickles: they
# live in the content store, which may be remote and shared), and its quarantine list.
OUTPUTS = ("records.jsonl", "groups.jsonl", "provenance.jsonl")
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
    code_version = "9"  # 9: files that do not interleave are the family's outputs as parts, merged no more
    per_source = True
    restricted = True  # every output but sources.json holds raw record text (or raw ids)

    Params = IngestParams
    Result = IngestResult
    MapResult = MappedFile

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

        records = 0
        kept: dict[str, Any] | None = None
        first_id = None
        with ctx.create("records.jsonl") as rec_out, ctx.create("groups.jsonl") as grp_out, \
                ctx.create("provenance.jsonl") as prov_out:
            for _, line in external_sort(_mapped_rows(source, ctx.store, family, quarantined), ctx.workdir):
                records += 1
                prov_json, group_json, body = line.split("\t", 2)
                origin = json.loads(prov_json)
                if kept is not None and kept["id"] == origin["id"]:
                    quarantined(origin["locator"], "duplicate_id", _duplicate(origin, kept))
                    continue
                kept = origin
                first_id = origin["id"] if first_id is None else first_id
                rec_out.write((body + "\n").encode("utf-8"))
                grp_out.write((group_json + "\n").encode("utf-8"))
                prov_out.write((prov_json + "\n").encode("utf-8"))
        spill.close()
        with ctx.create(QUARANTINE) as out:
            for _, line in external_sort(_quarantine_run(spill_path), ctx.workdir):
                out.write((line + "\n").encode("utf-8"))
        return MappedFile(source=source.name, records=records, quarantine_codes=dict(sorted(codes.items())),
                          first_id=first_id, last_id=None if kept is None else kept["id"])

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


def _mapped_rows(source: SourceFile, store: Store, family: RecordRules, quarantined: Any) -> Iterator[tuple[Any, str]]:
    """(sort key, sorted-run line) per record of one file; rejected rows go to `quarantined`."""
    with store.open(source.uri) as fh:
        for locator, row in read_rows(fh, family.format, family.options, source.name):
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
            yield (record.id, record.digest, tuple(sorted(locator.items()))), line


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

