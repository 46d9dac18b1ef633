"""The coverage matrix before anything runs: objects and bytes from listings, records where ingest is cached."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from releasebuild.app.project import open_project
from releasebuild.steps import ids
from releasebuild.steps.ingest import IngestResult


def coverage(path: Path, root: str | None = None) -> dict[str, Any]:
    """The coverage matrix now, without running anything: objects and bytes from listings, records from the
    family's cached ingest when its sources are unchanged (else null until it is ingested)."""
    from releasebuild.fingerprints import source_evidence
    from releasebuild.gates.coverage import family_row, matrix

    project = open_project(path, root)
    engine = project.engine()
    required = {name: spec.min_records for name, spec in project.definition.release.coverage.required.items()}
    rules = engine.known_results(("rule",))  # rules already built: their outputs are a family's objects
    rows = []
    for name in sorted(project.definition.families):
        spec = engine.spec(ids.family_step(name, ids.INGEST))
        sources, unmatched, pending = source_evidence(spec, rules, project.env.store)
        records = None
        if sources and not unmatched and not pending:
            cached = engine.evaluate(spec, rules).result
            if cached is not None:  # the sources are unchanged since the family was ingested: counts are exact
                records = cached.typed(IngestResult).records
        rows.append(family_row(name, required.get(name), sources, records, unmatched, pending))
    project.env.fingerprints.save()
    report = matrix(required, rows)
    return {"version": project.version, "release_uri": project.release_uri(), **report}
