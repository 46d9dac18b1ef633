"""Ingest + normalize one family: each source file is mapped on its own, then the files are merged in id order.

`map` (one per source file, cached by that file's digest, run in parallel) streams the file's rows through the
mapping and sorts them by record id. `run` merges the per-file runs, so an edit to one file of a family re-parses
that file only. Outputs of `run` (records, groups and provenance sorted by record id, so reordering or
reformatting a source changes only the provenance list and the line numbers in the quarantine list):
- records.jsonl   each record as its published ChatML line, minus the split (see Record.shard_body)
- groups.jsonl    (id, group) pairs: all the split step needs, so a text edit does not rerun it
- provenance.jsonl where each record came from (source, locator, source digest)
- quarantine.jsonl rows that could not become records: source, locator and reason, never raw content
- sources.json    per source file, its records (the coverage matrix); source_versions.json, its digest
"""

from __future__ import annotations

import heapq
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from releasebuild.config.models import RecordRules
from releasebuild.keys import canonical_json
from releasebuild.records import Rejected, map_record, value_digest
from releasebuild.sources import read_rows
from releasebuild.steps.base import SourceFile, Step, StepContext, StepMeta, StepParams, line_count
from releasebuild.steps.sorting import external_sort
from releasebuild.store.backends import Store, is_local, local_path

# A mapped file's sorted run holds one line per record: provenance JSON, group JSON and the record's shard body,
# tab-separated (canonical JSON never contains a raw tab), so the merge copies text and parses only the small
# provenance part. Text, not pickles: the run lives in the content store, which may be remote and shared.
SORTED = "sorted.tsv"
QUARANTINE = "quarantine.jsonl"
SOURCES = "sources.json"
SOURCE_VERSIONS = "source_versions.json"  # source name -> its digest: the version every record of it was read from
REMOTE_BYTES_PER_RECORD = 256  # plan's estimate of a remote source's rows, from its size (see fresh_records)


class IngestParams(StepParams):
    family: RecordRules  # how a source row becomes a record: everything the map depends on besides the file


class MappedFile(StepMeta):
    """One source file's map: what it gave, before the merge finds ids used twice."""

    source: str
    records: int
    quarantine_codes: dict[str, int]  # reason -> rows of this file quarantined for it


class IngestResult(StepMeta):
    family: str
    records: int
    quarantined: int  # rows that did not become records, duplicate ids included
    quarantine_codes: dict[str, int]


class Ingest(Step):
    kind = "ingest"
    code_version = "8"  # 8: a record's provenance without its source's digest (SOURCE_VERSIONS has it)
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
        with ctx.create(SORTED) as out:
            for _, line in external_sort(_mapped_rows(source, ctx.store, family, quarantined), ctx.workdir):
                out.write((line + "\n").encode("utf-8"))
                records += 1
        spill.close()
        with ctx.create(QUARANTINE) as out:
            for _, line in external_sort(_quarantine_run(spill_path), ctx.workdir):
                out.write((line + "\n").encode("utf-8"))
        return MappedFile(source=source.name, records=records, quarantine_codes=dict(sorted(codes.items())))

    @staticmethod
    def run(ctx: StepContext) -> IngestResult:
        family = ctx.typed(IngestParams).family.name
        parts = [ctx.inputs[f"source:{source.name}"].typed(MappedFile) for source in ctx.sources]
        paths = [ctx.input_paths[f"source:{source.name}"] for source in ctx.sources]
        codes: Counter[str] = Counter()
        for part in parts:
            codes.update(part.quarantine_codes)
        duplicates: list[tuple[Any, str]] = []
        records = 0
        with ctx.create("records.jsonl") as rec_out, ctx.create("groups.jsonl") as grp_out, \
                ctx.create("provenance.jsonl") as prov_out:
            kept: dict[str, Any] | None = None
            for origin, line in heapq.merge(*(_sorted_run(p[SORTED]) for p in paths), key=_merge_key):
                prov_json, group_json, body = line.split(b"\t", 2)
                if kept is not None and kept["id"] == origin["id"]:
                    where = f"{kept['source']}:{_locator_text(kept['locator'])}"
                    entry = {"family": family, "source": origin["source"], "locator": origin["locator"],
                             "code": "duplicate_id", "detail": f"id {value_digest(origin['id'])} already used by the "
                                                                f"record at {where}"}
                    duplicates.append((_quarantine_key(entry), canonical_json(entry)))
                    codes["duplicate_id"] += 1
                    continue
                kept = origin
                rec_out.write(body)
                grp_out.write(group_json + b"\n")
                prov_out.write(prov_json + b"\n")
                records += 1
        with ctx.create("quarantine.jsonl", publish=f"quarantine/{family}.jsonl", kind="quarantine") as q_out:
            # Per-file lists are already in (source, position) order; duplicates found here are merged in.
            lists = [_quarantine_run(p[QUARANTINE]) for p in paths] + [iter(sorted(duplicates))]
            for _, entry_line in heapq.merge(*lists):
                q_out.write((entry_line + "\n").encode("utf-8"))
        # Per file, for the coverage matrix: what was found where (records as mapped, before duplicate ids). A file,
        # not meta, so the steps that read the meta (quarantine) stay cached when only bytes change. And for the
        # provenance index, each file's digest, which a record's provenance line leaves out.
        ctx.write_json(SOURCES, [{"name": source.name, "bytes": source.bytes, "records": part.records}
                                 for source, part in zip(ctx.sources, parts, strict=True)])
        ctx.write_json(SOURCE_VERSIONS, {source.name: source.digest for source in ctx.sources})
        return IngestResult(family=family, records=records, quarantined=sum(codes.values()),
                            quarantine_codes=dict(sorted(codes.items())))


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


def _sorted_run(path: Path) -> Iterator[tuple[dict[str, Any], bytes]]:
    """A mapped file's run: each line's provenance (parsed: the merge orders by it) and the line as bytes, copied
    to the outputs as it stands (canonical JSON holds no raw newline or tab)."""
    with path.open("rb") as fh:
        for line in fh:
            yield json.loads(line[:line.index(b"\t")]), line


def _merge_key(item: tuple[dict[str, Any], bytes]) -> tuple[Any, ...]:
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

