"""The public API: validate / graph / plan / apply / coverage as functions returning values; the CLI only parses,
calls and renders. Each job lives in a module of its own under `releasebuild.app`; this is the one place that names
what callers (the CLI, tests, scripts) may rely on."""

from __future__ import annotations

from releasebuild.app.applying import ApplyReport, apply, attempts, check_determinism, unlock
from releasebuild.app.baseline import DATA_KINDS
from releasebuild.app.coverage import coverage
from releasebuild.app.planning import plan
from releasebuild.app.project import Project, graph, open_project, validate
from releasebuild.app.saved_plan import check_drift, read_saved_plan, save_plan

__all__ = ["DATA_KINDS", "ApplyReport", "Project", "apply", "attempts", "check_determinism", "check_drift", "coverage",
           "graph", "open_project", "plan", "read_saved_plan", "save_plan", "unlock", "validate"]
