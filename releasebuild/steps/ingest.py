"""Ingest + normalize one family: stream every source row through the mapping into canonical order.

Outputs (records, groups and provenance sorted by record id, so reordering or reformatting a source changes
only the provenance list and the line numbers in the quarantine list):
- records.jsonl   each record as its published ChatML line, minus the split (see Record.shard_body)
- groups.jsonl    (id, group) pairs: all the split step needs, so a text edit does not rerun it
- provenance.jsonl where each record came from (source, locator, source digest)
- quarantine.jsonl rows that could not become records: source, locator and reason, never raw content
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from releasebuild.config.models import RecordRules
from releasebuild.keys import canonical_json
from releasebuild.records import Rejected, map_record
from releasebuild.sources import read_rows
from releasebuild.steps.base import SourceFile, Step, StepContext
from releasebuild.steps.sorting import external_sort
from releasebuild.store.io import open_uri


class Ingest(Step):
    kind = "ingest"
    code_version = "2"

    @staticmethod
    def run(ctx: StepContext) -> dict[str, Any]:
        family = RecordRules.model_validate(ctx.params["family"])
        codes: Counter[str] = Counter()
        # Rejects are spilled to disk as they come and sorted at the end: memory stays flat even when a
        # broken mapping rejects every row.
        spill_path = ctx.workdir / "quarantine.unsorted"
        spill = spill_path.open("w", encoding="utf-8")

        def quarantined(entry: dict[str, Any]) -> None:
            spill.write(canonical_json({"family": family.name, **entry}) + "\n")
            codes[entry["code"]] += 1

        source_digests = {source.name: source.digest for source in ctx.sources}
        mapped = _mapped_rows(ctx.sources, family, quarantined)
        ordered = external_sort(mapped, ctx.workdir)
        records = 0
        with ctx.create("records.jsonl") as rec_out, ctx.create("groups.jsonl") as grp_out, \
                ctx.create("provenance.jsonl") as prov_out:
            previous: tuple[str, str, dict[str, Any]] | None = None
            for (record_id, record_digest, source, locator_key, group), line in ordered:
                locator = dict(locator_key)
                if previous is not None and previous[0] == record_id:
                    kept = f"{previous[1]}:{_locator_text(previous[2])}"
                    quarantined({"source": source, "locator": locator, "code": "duplicate_id",
                                 "detail": f"id '{record_id}' already used by the record at {kept}"})
                    continue
                previous = (record_id, source, locator)
                rec_out.write((line + "\n").encode("utf-8"))
                grp_out.write((canonical_json({"id": record_id, "group": group}) + "\n").encode("utf-8"))
                prov = {"id": record_id, "source": source, "locator": locator,
                        "source_digest": source_digests[source], "record_digest": record_digest}
                prov_out.write((canonical_json(prov) + "\n").encode("utf-8"))
                records += 1
        spill.close()
        with ctx.create("quarantine.jsonl", publish=f"quarantine/{family.name}.jsonl", kind="quarantine") as q_out:
            for _, line in external_sort(_quarantine_keyed(spill_path), ctx.workdir):
                q_out.write((line + "\n").encode("utf-8"))
        return {"family": family.name, "records": records, "quarantined": sum(codes.values()),
                "quarantine_codes": dict(sorted(codes.items()))}


def _mapped_rows(sources: list[SourceFile], family: RecordRules, quarantined: Any) -> Iterator[tuple[Any, str]]:
    for source in sorted(sources, key=lambda s: s.name):
        with open_uri(source.uri) as fh:
            for locator, row in read_rows(fh, family.format, family.options, source.name):
                locator_key = tuple(sorted(locator.items()))
                try:
                    if isinstance(row, Rejected):
                        raise row
                    record = map_record(row, family)
                except Rejected as rejected:
                    quarantined({"source": source.name, "locator": locator,
                                 "code": rejected.code, "detail": rejected.detail})
                    continue
                line = record.shard_body(family.name, source.name)
                yield (record.id, record.digest, source.name, locator_key, record.group), line


def _quarantine_keyed(path: Path) -> Iterator[tuple[Any, str]]:
    """(sort key, line): by source, then position, then reason."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            entry = json.loads(line)
            yield (entry["source"], tuple(sorted(entry["locator"].items())), entry["code"], entry["detail"]), line[:-1]


def _locator_text(locator: dict[str, Any]) -> str:
    return ",".join(f"{key} {value}" for key, value in sorted(locator.items()))
