"""Every step kind by name: the engine looks kinds up here and knows nothing else about them."""

from __future__ import annotations

from releasebuild.gates import GATES
from releasebuild.gates.coverage import CoverageGate
from releasebuild.steps.base import Step
from releasebuild.steps.bias_counts import BiasCounts
from releasebuild.steps.curriculum import Curriculum
from releasebuild.steps.export import Export
from releasebuild.steps.fingerprint import Fingerprint
from releasebuild.steps.gate_summary import GateSummary
from releasebuild.steps.ingest import Ingest
from releasebuild.steps.manifest import Manifest
from releasebuild.steps.privacy import PrivacyScan
from releasebuild.steps.provenance import Provenance
from releasebuild.steps.publish import Publish
from releasebuild.steps.qa_sample import QASample
from releasebuild.steps.release_notes import ReleaseNotes
from releasebuild.steps.rule import RuleStep
from releasebuild.steps.split import Split
from releasebuild.steps.stats import Stats

KINDS: tuple[type[Step], ...] = (RuleStep, Ingest, PrivacyScan, Fingerprint, Split, Export, Provenance, Stats,
                                 BiasCounts, Curriculum, GateSummary, Manifest, Publish, QASample, ReleaseNotes,
                                 CoverageGate, *(gate.step for gate in GATES.values()))
STEP_KINDS: dict[str, type[Step]] = {kind.kind: kind for kind in KINDS}
