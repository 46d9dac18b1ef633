"""Every step kind by name: the engine looks kinds up here and knows nothing else about them."""

from __future__ import annotations

from releasebuild.gates import GATES, withholding_gates
from releasebuild.steps.base import Step
from releasebuild.steps.bias_counts import BiasCounts
from releasebuild.steps.curriculum import Curriculum
from releasebuild.steps.definition import DefinitionFiles
from releasebuild.steps.export import Export
from releasebuild.steps.fingerprint import Fingerprint
from releasebuild.steps.gate_summary import GateSummary
from releasebuild.steps.ingest import Ingest
from releasebuild.steps.manifest import Manifest
from releasebuild.steps.privacy import PrivacyScan
from releasebuild.steps.provenance import Provenance
from releasebuild.steps.publish import publish_step
from releasebuild.steps.qa_sample import QASample
from releasebuild.steps.release_lock import ReleaseLock
from releasebuild.steps.release_notes import ReleaseNotes
from releasebuild.steps.rule import RuleStep
from releasebuild.steps.split import Split
from releasebuild.steps.stats import Stats

# The steps every release has, and the per-family steps gates ask for; each gate's verdict step comes from the gate
# registry.
FIXED_KINDS: dict[str, type[Step]] = {kind.kind: kind for kind in (
    RuleStep, Ingest, PrivacyScan, Fingerprint, Split, Export, Provenance, Stats, BiasCounts, Curriculum, GateSummary,
    Manifest, publish_step(withholding_gates), QASample, ReleaseNotes, DefinitionFiles, ReleaseLock)}


def step_kind(name: str) -> type[Step]:
    """The step kind of this name. Gates are looked up in the registry at each call, so a gate is runnable as soon
    as it is registered (a plug-in, a test) and nothing else names it."""
    kind = FIXED_KINDS.get(name) or next((gate.step for gate in GATES.values() if gate.step.kind == name), None)
    if kind is None:
        raise KeyError(f"no step kind '{name}': neither a built-in step nor a registered gate's")
    return kind
