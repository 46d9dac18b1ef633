"""Gate registry: a new gate is one module (config model, step kind, graph builder) plus one line here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from releasebuild.gates import bias, dedup, distribution, leakage, privacy, provenance, quarantine, signoff
from releasebuild.gates.base import GateBuild, GateConfig
from releasebuild.steps.base import Step, StepSpec


@dataclass(frozen=True)
class GateKind:
    config: type[GateConfig]
    step: type[Step]
    build_steps: Callable[[Any, GateBuild], list[StepSpec]]


GATES: dict[str, GateKind] = {
    "bias": GateKind(bias.BiasGateConfig, bias.BiasGate, bias.build_steps),
    "dedup": GateKind(dedup.DedupGateConfig, dedup.DedupGate, dedup.build_steps),
    "distribution": GateKind(distribution.DistributionGateConfig, distribution.DistributionGate,
                             distribution.build_steps),
    "leakage": GateKind(leakage.LeakageGateConfig, leakage.LeakageGate, leakage.build_steps),
    "privacy": GateKind(privacy.PrivacyGateConfig, privacy.PrivacyGate, privacy.build_steps),
    "provenance": GateKind(provenance.ProvenanceGateConfig, provenance.ProvenanceGate, provenance.build_steps),
    "quarantine": GateKind(quarantine.QuarantineGateConfig, quarantine.QuarantineGate, quarantine.build_steps),
    "signoff": GateKind(signoff.SignoffGateConfig, signoff.SignoffGate, signoff.build_steps),
}
# Gates no release goes without: when release.yaml does not declare them, they run with their defaults.
ALWAYS_ON: tuple[str, ...] = ("privacy", "provenance", "dedup", "leakage", "distribution", "bias", "signoff")
# Gates whose findings release.yaml's `acknowledge:` can accept; an acknowledgement for any other gate is an error.
ACKNOWLEDGEABLE: tuple[str, ...] = ("distribution", "bias")
GATE_CONFIGS: dict[str, type[GateConfig]] = {gate_id: kind.config for gate_id, kind in GATES.items()}
