"""The target graph is assembled from its parts (graph.build_specs): the user's rules, each family's chain, the
curriculum, what each configured gate's contract asks for, and the release steps that gather them. Each part holds
what it says, and together they make the demo's graph as it was before the parts were split out (its shape: ids,
kinds, dependencies, what each step reads and its sources, in order; params are the step contracts' test's)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from releasebuild.config.load import Definition, load_definition
from releasebuild.gates import GATES
from releasebuild.graph import (
    build_specs,
    curriculum_step,
    family_steps,
    gate_build,
    gate_steps,
    lock_step,
    release_steps,
    rule_steps,
)
from releasebuild.steps import ids
from releasebuild.steps.base import StepSpec

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "demo_graph.txt"


@pytest.fixture(scope="module")
def demo() -> Definition:
    return load_definition(REPO / "release.yaml", GATES)


def shape(specs: list[StepSpec]) -> str:
    """One line per step: id, kind, family, dependencies, what it reads of each, its sources."""
    lines = []
    for spec in specs:
        reads = "; ".join(f"{dep}: {', '.join(names) or '-'}" for dep, names in spec.reads.items())
        lines.append(f"{spec.id} [{spec.kind}] family={spec.family} <- {', '.join(spec.deps) or '-'}"
                     f" | reads {reads or 'all'} | sources {', '.join(spec.sources) or '-'}")
    return "\n".join(lines) + "\n"


def test_the_demo_graph_is_the_one_its_parts_always_made(demo: Definition) -> None:
    """A change to the graph's shape shows here as a diff; if it is meant, write `shape(build_specs(demo))` to
    tests/golden/demo_graph.txt and say why in the commit."""
    assert shape(build_specs(demo)) == GOLDEN.read_text()


def test_build_specs_is_its_parts_in_order(demo: Definition) -> None:
    gates = gate_steps(demo, gate_build(demo))
    families = [spec for name in sorted(demo.families) for spec in family_steps(demo.families[name], demo, None)]
    built = [*rule_steps(demo), *families, curriculum_step(demo), *gates.specs]
    parts = [*built, *release_steps(demo, None, gates, lock_step(demo, built))]
    assert parts == build_specs(demo)


def test_each_part_holds_what_it_says(demo: Definition) -> None:
    assert [spec.id for spec in rule_steps(demo)] == ["rules/edge_cases_generator"]
    for name, family in demo.families.items():
        chain = family_steps(family, demo, None)
        assert [spec.id for spec in chain] == [ids.family_step(name, step) for step in
                                               (ids.INGEST, ids.PRIVACY, ids.SPLIT, ids.EXPORT, ids.PROVENANCE)]
        assert {spec.family for spec in chain} == {name}
    curriculum = curriculum_step(demo)
    assert curriculum.deps == tuple(ids.family_step(name, ids.SPLIT) for name in sorted(demo.families))

    gates = gate_steps(demo, gate_build(demo))
    assert gates.verdicts == tuple(ids.release_step(gate) for gate in sorted(demo.gates))  # every gate, by contract
    assert {spec.id for spec in gates.specs if spec.family} == set(gates.per_family)
    assert {ids.family_of(step) for step in gates.per_family} == set(demo.families)

    families = [spec for name in sorted(demo.families) for spec in family_steps(demo.families[name], demo, None)]
    built = [*rule_steps(demo), *families, curriculum, *gates.specs]
    summary, notes, definition, lock, manifest, publish = release_steps(demo, None, gates, lock_step(demo, built))
    assert [summary.id, notes.id, definition.id, lock.id, manifest.id, publish.id] == [
        ids.GATE_SUMMARY, ids.NOTES, ids.DEFINITION, ids.LOCK, ids.MANIFEST, ids.PUBLISH]
    # release.lock records every family's and rule's step, and nothing else: the release's own steps are local state
    assert set(lock.deps) == {spec.id for spec in built if spec.family or spec.id.startswith("rules/")}
    assert ids.LOCK in manifest.deps
    assert summary.deps == gates.verdicts and set(summary.reads) == set(gates.verdicts)
    # every file the manifest has a digest of, and what gates read beside their YAML (the signers' files)
    assert definition.sources == tuple(sorted({*demo.files, "gates/allowed_signers"}))
    assert set(gates.verdicts) | set(gates.per_family) | {ids.CURRICULUM, ids.GATE_SUMMARY, ids.NOTES,
                                                          ids.DEFINITION} <= set(manifest.deps)
    assert publish.deps == (ids.MANIFEST,)


def test_a_gate_puts_its_settings_into_a_family_chain_through_its_contract(demo: Definition,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The chain's steps are the graph's; what a gate's settings make of them reaches their params through the gate's
    contract (`Gate.chain_params`). A gate that sets a param already set, or names a step outside the chain, fails
    at the graph rather than one value silently winning."""
    name = sorted(demo.families)[0]
    family = demo.families[name]
    privacy, split, export, provenance = (ids.family_step(name, step)
                                          for step in (ids.PRIVACY, ids.SPLIT, ids.EXPORT, ids.PROVENANCE))
    chain = {spec.id: spec.params for spec in family_steps(family, demo, None)}
    assert chain[split]["max_group_size"] == demo.gates["leakage"].model_dump()["max_group_size"]
    assert chain[privacy]["detection"]["versions"] and chain[privacy]["family"] == name
    assert "require_metadata" in chain[provenance] and "require_metadata" not in chain[export]

    monkeypatch.setitem(GATES, "leakage", replace(GATES["leakage"],
                                                  chain_params=lambda config, chain: {ids.SPLIT: {"salt": "mine"}}))
    with pytest.raises(ValueError, match=f"gate 'leakage' sets salt of {split}, which is set already"):
        family_steps(family, demo, None)
    monkeypatch.setitem(GATES, "leakage", replace(GATES["leakage"],
                                                  chain_params=lambda config, chain: {ids.EXPORT: {"x": 1}}))
    with pytest.raises(ValueError, match="gives params to 'export', which is not a step of a family's chain"):
        family_steps(family, demo, None)
