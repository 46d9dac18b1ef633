"""Gate registry: a new gate is one module (config model, step kind, graph builder, and what its definition checks)
plus one line here. The loader (config layer) is handed this registry; it imports no gate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from releasebuild.config.gate import DefinitionContext, GateConfig
from releasebuild.config.located import Path_
from releasebuild.config.models import Acknowledgement, Release
from releasebuild.errors import Diagnostic
from releasebuild.gates import bias, coverage, dedup, distribution, leakage, privacy, provenance, quarantine, signoff
from releasebuild.gates.base import FamilyChain, GateBuild, ReviewSigns, Signing
from releasebuild.steps.base import Step, StepSpec


def _no_checks(config: Any, context: DefinitionContext) -> list[Diagnostic]:
    return []


def _any_metric(entry: Acknowledgement) -> tuple[Path_, str, str] | None:
    return None


def _nothing_in_the_chain(config: Any, chain: FamilyChain) -> dict[str, dict[str, Any]]:
    return {}


@dataclass(frozen=True)
class Gate:
    """Everything the rest of releasebuild needs to know of a gate (the loader's part is `GateDefinition`)."""

    config: type[GateConfig]
    step: type[Step]
    build_steps: Callable[[Any, GateBuild], list[StepSpec]]
    always_on: bool = False  # fail closed: a release that does not declare it gets it with its defaults
    acknowledgeable: bool = False  # release.yaml's `acknowledge:` may accept its findings
    checks: Callable[[Any, DefinitionContext], list[Diagnostic]] = _no_checks
    metric_problem: Callable[[Acknowledgement], tuple[Path_, str, str] | None] = _any_metric
    settings_from_release: Callable[[Release], GateConfig] | None = None  # declared in a section of release.yaml
    # Whether a change of a threshold (path, was, now) makes the gate "stricter" or "looser" ("" when it cannot
    # tell), where the setting's name does not say it (max_*/min_*, threshold, blocking): the plan shows it.
    direction: Callable[[str, Any, Any], str] | None = None
    # What a review signs of the gate beside its QA samples (each family's section of its report), if anything: the
    # sign-off gate binds the review's approval to those digests too.
    review_signs: ReviewSigns | None = None
    # Whether record text stays out of reviewers' hands while the gate fails: the QA samples and review pages could
    # hold what it caught (the privacy gate's PII). `signoff samples` refuses, and a blocked build leaves the
    # samples out of .releasebuild/blocked/ when this gate is among those that blocked it.
    withholds_records: bool = False
    # What the gate's settings put into the params of a family's own chain steps (by step name: ids.PRIVACY,
    # ids.SPLIT, ids.PROVENANCE), which the graph builds whatever the gates: the chain does the work the gate then
    # judges (the privacy gate's detection, policy and redaction reach the scan), so the graph names no gate.
    chain_params: Callable[[Any, FamilyChain], dict[str, dict[str, Any]]] = _nothing_in_the_chain

    def from_release(self, release: Release) -> GateConfig | None:
        return self.settings_from_release(release) if self.settings_from_release else None

    def definition_checks(self, config: GateConfig, context: DefinitionContext) -> list[Diagnostic]:
        return self.checks(config, context)

    def acknowledgement_problem(self, entry: Acknowledgement) -> tuple[Path_, str, str] | None:
        return self.metric_problem(entry)


def signed_parts() -> dict[str, ReviewSigns]:
    """What reviews may sign of the registered gates, by the part's name (as review samples and sign-off records
    name it). Read from the registry at each call, so a gate registered later (a plug-in, a test) counts."""
    return {gate.review_signs.name: gate.review_signs for gate in GATES.values() if gate.review_signs}


def signings(configs: Mapping[str, GateConfig]) -> dict[str, Signing]:
    """What reviews sign of the gates a release configures (`configs`: gate id -> its settings), by part name, each
    with the review the gate's settings name to sign it."""
    found = {}
    for gate_id, config in sorted(configs.items()):
        signs = GATES[gate_id].review_signs
        if signs is not None:
            found[signs.name] = Signing(signs, signs.signed_by(config))
    return found


def withholding_gates() -> frozenset[str]:
    """The registered gates that withhold record text while they fail (`Gate.withholds_records`), by id. Read from
    the registry at each call, so a gate registered later counts."""
    return frozenset(gate_id for gate_id, gate in GATES.items() if gate.withholds_records)


GATES: dict[str, Gate] = {
    "bias": Gate(bias.BiasGateConfig, bias.BiasGate, bias.build_steps, always_on=True, acknowledgeable=True,
                 checks=bias.definition_checks, metric_problem=bias.metric_problem, review_signs=bias.REVIEW_SIGNS),
    "coverage": Gate(coverage.CoverageGateConfig, coverage.CoverageGate, coverage.build_steps,
                     settings_from_release=coverage.settings, direction=coverage.direction),
    "dedup": Gate(dedup.DedupGateConfig, dedup.DedupGate, dedup.build_steps, always_on=True),
    "distribution": Gate(distribution.DistributionGateConfig, distribution.DistributionGate, distribution.build_steps,
                         always_on=True, acknowledgeable=True),
    "leakage": Gate(leakage.LeakageGateConfig, leakage.LeakageGate, leakage.build_steps, always_on=True,
                    chain_params=leakage.chain_params),
    "privacy": Gate(privacy.PrivacyGateConfig, privacy.PrivacyGate, privacy.build_steps, always_on=True,
                    checks=privacy.definition_checks, chain_params=privacy.chain_params, withholds_records=True),
    "provenance": Gate(provenance.ProvenanceGateConfig, provenance.ProvenanceGate, provenance.build_steps,
                       always_on=True, chain_params=provenance.chain_params),
    "quarantine": Gate(quarantine.QuarantineGateConfig, quarantine.QuarantineGate, quarantine.build_steps),
    # The sign-off gate's step asks `signed_parts` what the other gates declare: it may not import this module.
    "signoff": Gate(signoff.SignoffGateConfig, signoff.signoff_step(signed_parts), signoff.build_steps,
                    always_on=True, checks=signoff.definition_checks),
}
