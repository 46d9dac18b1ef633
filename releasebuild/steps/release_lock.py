"""release/lock: release.lock made by the build, and published with the release as definition/release.lock.

release.lock records what each family's and rule's steps were built from (their StepRecords) and the definition
snapshot `plan` compares with. apply used to write it after the run, from every step's record, so no release could
carry the lock it was built by. This step makes the same document inside the run instead: it runs once every
family and rule step is done (it depends on all of them) and before the manifest (which lists its output), and
reads their records through the engine (`Step.reads_records`: each record's digest is in this step's key, so a step
whose key changes reruns it even when its output did not). Its `last_attempt` says this version was published,
which is true exactly where the file can be read: in the published release, and in the checkout, where apply copies
these bytes once the release is published (a blocked or failed apply only rewrites `last_attempt` there, and a
blocked attempt's upload to attempts/ leaves this file out).

The snapshot's data part is what the family steps' results say (split counts from export, per-file records and sizes
from ingest's sources.json, source digests from ingest's record, the provenance index's SHA-256), added to the
definition's part, which the graph computes with the function `plan` uses (`changes.with_data`). No timestamp, host
or path of this machine is in it: the same inputs give the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from releasebuild.changes import with_data
from releasebuild.lock import lock_bytes, lock_document
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams
from releasebuild.steps.definition import LOCK
from releasebuild.steps.export import ExportResult
from releasebuild.steps.ingest import SOURCES

FILE = "release.lock"
SOURCE_INPUT = "source:"


class LockParams(StepParams):
    version: str
    definition: dict[str, Any]  # changes.definition_snapshot: what the definition alone says
    families: list[str]
    rules: list[str]


class LockResult(StepMeta):
    steps: int  # step records in the lock


class ReleaseLock(Step):
    kind = "release_lock"
    code_version = "1"
    reads_records = True
    predictable = True  # reads step records and small per-family files, never the records (Step.predictable)
    Params = LockParams
    Result = LockResult

    @staticmethod
    def run(ctx: StepContext) -> LockResult:
        params = ctx.typed(LockParams)
        records = {dep: built.record for dep, built in ctx.built.items()}
        data: dict[str, dict[str, Any]] = {"records": {}, "files": {}, "file_records": {}, "indexes": {}}
        for name in params.families:
            ingest = ids.family_step(name, ids.INGEST)
            listed = json.loads(ctx.input_path(ingest, SOURCES).read_bytes())
            digests = {source.removeprefix(SOURCE_INPUT): value for source, value in records[ingest]["inputs"].items()
                       if source.startswith(SOURCE_INPUT)}
            data["files"][name] = {entry["name"]: {"bytes": entry["bytes"], "digest": digests[entry["name"]]}
                                   for entry in listed}
            data["file_records"][name] = {"digest": ctx.inputs[ingest].files[SOURCES].sha256,
                                          "records": {entry["name"]: entry["records"] for entry in listed}}
            data["records"][name] = ctx.built[ids.family_step(name, ids.EXPORT)].result.typed(ExportResult).counts
            provenance = ctx.built[ids.family_step(name, ids.PROVENANCE)].result
            data["indexes"][name] = provenance.files["provenance.jsonl"].sha256
        snapshot = with_data(params.definition, **data)
        document = lock_document(params.version, params.families, params.rules, records, snapshot)
        with ctx.create(FILE, publish=LOCK, kind="definition") as out:
            out.write(lock_bytes(document))
        return LockResult(steps=len(records))
