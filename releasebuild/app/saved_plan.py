"""A plan saved to a file and applied later: what it was made from, and a refusal when that has drifted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from releasebuild.app.planning import plan_project
from releasebuild.app.project import Project, open_project
from releasebuild.engine import Listener
from releasebuild.errors import Refused
from releasebuild.fingerprints import source_files
from releasebuild.plan import DEFAULT_COMPUTE_BUDGET, Plan
from releasebuild.steps.registry import step_kind

SAVED_PLAN = "releasebuild-plan"


def plan_inputs(project: Project) -> dict[str, Any]:
    """Everything a saved plan was made from: definition files, sign-off records and every step's source files,
    by digest (listings and cached fingerprints: no data read for files already fingerprinted)."""
    sources = {}
    for spec in project.specs:
        if spec.sources:
            found = source_files(spec, project.env.fingerprints)
            sources[spec.id] = {source.name: source.digest for source in found}
    project.env.fingerprints.save()
    return {"code": {spec.kind: step_kind(spec.kind).code_version for spec in project.specs},
            "files": dict(project.definition.files),
            "signoffs": {loaded.file: loaded.record.id for loaded in project.signoffs.values()},
            "sources": sources}


def save_plan(path: Path, root: str | None, against: str | None, out: Path, compute_data: bool = False,
              listener: Listener | None = None, compute_budget: int | None = DEFAULT_COMPUTE_BUDGET) -> Plan:
    """`plan -out FILE`: the plan and the digests of what it was made from, for `apply FILE`."""
    project = open_project(path, root)
    result = plan_project(project, against, compute_data, listener, compute_budget)
    document = {SAVED_PLAN: 1, "definition": str(project.definition.path), "root": project.root.uri,
                "inputs": plan_inputs(project), "plan": result.to_json()}
    out.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return result


def read_saved_plan(path: Path) -> dict[str, Any] | None:
    """The saved plan in `path`, or None when the file is a release definition."""
    try:
        document = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        return None
    return document if isinstance(document, dict) and SAVED_PLAN in document else None


def check_drift(saved: dict[str, Any]) -> Path:
    """Refuse (naming what moved) when a definition file, a sign-off or a source changed since the plan."""
    definition = Path(saved["definition"])
    project = open_project(definition, saved["root"])
    now, then = plan_inputs(project), saved["inputs"]
    drift = [f"{name} (definition)" for name in sorted(set(now["files"]) | set(then["files"]))
             if now["files"].get(name) != then["files"].get(name)]
    drift += [f"step kind {kind} (code version {then['code'].get(kind)} -> {now['code'].get(kind)})"
              for kind in sorted(set(now["code"]) | set(then["code"]))
              if now["code"].get(kind) != then["code"].get(kind)]
    drift += [f"{name} (sign-off)" for name in sorted(set(now["signoffs"]) | set(then["signoffs"]))
              if now["signoffs"].get(name) != then["signoffs"].get(name)]
    for step in sorted(set(now["sources"]) | set(then["sources"])):
        before, after = then["sources"].get(step, {}), now["sources"].get(step, {})
        drift += [f"{name} (source of {step})" for name in sorted(set(before) | set(after))
                  if before.get(name) != after.get(name)]
    if drift:
        shown = ", ".join(drift[:10]) + (f" and {len(drift) - 10} more" if len(drift) > 10 else "")
        raise Refused(f"the saved plan no longer describes this tree: changed since it was made: {shown}; "
                      "make a new plan")
    return definition
