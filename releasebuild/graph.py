"""The target graph: a release definition becomes StepSpecs in a networkx DiGraph.

`build_specs` assembles the graph from its parts, one function each: the user's rules (`rule_steps`: make-style
command steps, first, since a family whose sources are a rule's outputs ingests after it); each family's own chain
(`family_steps`: ingest -> privacy -> split -> export and provenance, into whose params gates put their settings
through `Gate.chain_params`); the curriculum (`curriculum_step`); what every configured gate asks for (`gate_steps`,
from the gate registry: a verdict, and per-family steps such as dedup's `<family>/fingerprint` and distribution's
`<family>/stats`); and the release steps that gather them (`release_steps`: gate summary, release notes, the published
definition, release.lock (`lock_step`), manifest, publish). It imports no gate module: every gate is asked through
the registry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from releasebuild import __version__
from releasebuild.changes import definition_snapshot
from releasebuild.config.load import Definition, LoadedFamily
from releasebuild.config.models import split_rule_ref
from releasebuild.dedup.heldout import matches_file as heldout_matches_file
from releasebuild.gates import GATES, signings
from releasebuild.gates.base import FamilyChain, GateBuild
from releasebuild.keys import digest
from releasebuild.review.record import signoff_dir
from releasebuild.steps import ids
from releasebuild.steps.base import StepSpec
from releasebuild.steps.ingest import SOURCE_VERSIONS
from releasebuild.steps.ingest import SOURCES as INGEST_SOURCES
from releasebuild.steps.rule import python_identity, rule_spec, rule_step_id
from releasebuild.steps.shipped import shipped_inputs
from releasebuild.steps.split import METHOD as SPLIT_METHOD
from releasebuild.store.backends import write_atomic
from releasebuild.store.previous import PreviousRelease
from releasebuild.store.root import MANIFEST

if TYPE_CHECKING:
    import networkx as nx


def build_specs(definition: Definition, previous: PreviousRelease | None = None,
                protected_root: bool | None = None) -> list[StepSpec]:
    """The steps of a release. `previous` is the published release it follows: files of it (split indexes,
    reports) become sources of the steps that read them. `protected_root`: whether the root is protected, by
    release.yaml or by the root's own marker (default: as release.yaml declares).

    Part by part, in this order (the order `releasebuild graph` lists and release.lock records): the user's rules,
    each family's chain, the curriculum, what the gates ask for, and the release steps that gather it all."""
    gates = gate_steps(definition, gate_build(definition, previous, protected_root))
    built = [*rule_steps(definition),
             *(spec for name in sorted(definition.families)
               for spec in family_steps(definition.families[name], definition, previous)),
             curriculum_step(definition),
             *gates.specs]
    return [*built, *release_steps(definition, previous, gates, lock_step(definition, built))]


@dataclass(frozen=True)
class GateSteps:
    """What the configured gates asked for: their specs, the ids of their verdicts (gates/summary.json reads them)
    and the ids of their per-family steps (which feed a verdict and publish straight into the manifest)."""

    specs: list[StepSpec]
    verdicts: tuple[str, ...]
    per_family: tuple[str, ...]


def rule_steps(definition: Definition) -> list[StepSpec]:
    """The user's rules (make-style commands), first: a family whose sources are a rule's outputs ingests after it,
    and a rule may read another's outputs."""
    return [rule_spec(definition.rules[name]) for name in sorted(definition.rules)]


def family_steps(family: LoadedFamily, definition: Definition, previous: PreviousRelease | None) -> list[StepSpec]:
    """One family's own chain, which every release has whatever its gates: ingest -> privacy -> split (which also
    reads release/dedup's decisions for the family and the previous release's split index) -> export and
    provenance, side by side. The gates judge what the chain did, they do not redo it: a gate whose settings shape
    a chain step (the privacy gate's detection and redaction, the leakage gate's group size, the provenance gate's
    required metadata) puts them into the step's params through its contract (`chain_params`), so the chain's
    order is all this function knows."""
    config = family.config
    name = config.name
    release = definition.release
    splits = config.splits or release.splits
    index = previous.artifact(f"splits/{name}.jsonl") if previous else None  # a resplit still pins held-out
    shards = {"family": name, "max_records": release.shards.max_records, "max_bytes": release.shards.max_bytes}
    params = chain_params(definition, name, {
        ids.PRIVACY: {"family": name, "mapping": digest(config.record_rules()),
                      "takedowns": [{"index": position, **entry.model_dump(exclude_none=True)}
                                    for position, entry in enumerate(definition.takedowns)
                                    if entry.family in (None, name)]},
        ids.SPLIT: {"family": name, "ratios": splits.ratios, "salt": splits.salt or release.splits.salt,
                    "method": SPLIT_METHOD, "resplit": release.resplit_reason(name),
                    "previous": previous.version if previous and index else None},
        ids.PROVENANCE: shards})
    ingest, privacy, split = (ids.family_step(name, step) for step in (ids.INGEST, ids.PRIVACY, ids.SPLIT))
    export_deps, export_reads = shipped_inputs(name, "kept_status.jsonl")
    index_deps, index_reads = shipped_inputs(name, "provenance.jsonl", "dropped.jsonl", "kept_status.jsonl")
    # A family made by rules reads their outputs as sources (by digest): the rules' whole results stay outside.
    rules = tuple(sorted({rule_step_id(parts[0]) for source in config.sources if (parts := split_rule_ref(source))}))
    return [
        StepSpec(ingest, "ingest", {"family": config.record_rules()}, rules, name, tuple(config.sources),
                 str(family.base_dir), reads={rule: () for rule in rules}),
        StepSpec(privacy, "privacy", params[ids.PRIVACY], (ingest,), name,
                 reads={ingest: ("records.jsonl", "groups.jsonl", "provenance.jsonl")}),
        StepSpec(split, "split", params[ids.SPLIT], (privacy, ids.DEDUP), name, sources=(index,) if index else (),
                 source_dir=str(definition.base_dir),
                 reads={privacy: ("groups.jsonl",),
                        ids.DEDUP: (f"{name}.removed.jsonl", f"{name}.links.tsv", heldout_matches_file(name))}),
        StepSpec(ids.family_step(name, ids.EXPORT), "export", shards, export_deps, name, reads=export_reads),
        StepSpec(ids.family_step(name, ids.PROVENANCE), "provenance", params[ids.PROVENANCE], (*index_deps, ingest),
                 name, reads={**index_reads, ingest: (SOURCE_VERSIONS,)}),
    ]


def chain_params(definition: Definition, family: str, own: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The params of a family's chain steps (by step name): each step's own (`own`, what the definition says of the
    family) joined with what every configured gate puts into it (`Gate.chain_params`). A key set twice, or a step
    that is not in the chain, is a gate's mistake: it fails here instead of one value silently winning."""
    chain = FamilyChain(family=family, split_salt=definition.release.splits.salt)
    params = {step: dict(values) for step, values in own.items()}
    for gate_id, config in sorted(definition.gates.items()):
        for step, values in GATES[gate_id].chain_params(config, chain).items():
            if step not in params:
                raise ValueError(f"gate '{gate_id}' gives params to '{step}', which is not a step of a family's "
                                 f"chain ({', '.join(params)})")
            if clash := sorted(params[step].keys() & values.keys()):
                raise ValueError(f"gate '{gate_id}' sets {', '.join(clash)} of {ids.family_step(family, step)}, "
                                 "which is set already")
            params[step].update(values)
    return params


def curriculum_step(definition: Definition) -> StepSpec:
    """curriculum.json: the declared stages with each family's shipped counts, so it reads every split's meta."""
    release = definition.release
    names = sorted(definition.families)
    info = families_info(definition)
    splits = tuple(ids.family_step(name, ids.SPLIT) for name in names)
    return StepSpec(
        ids.CURRICULUM, "curriculum",
        {"version": release.version, "stages": [stage.model_dump(mode="json") for stage in release.curriculum],
         "families": {name: {"stage": info[name]["stage"], "stage_name": info[name]["stage_name"]}
                      for name in names}},
        splits, reads={split: ("meta",) for split in splits})


def gate_build(definition: Definition, previous: PreviousRelease | None = None,
               protected_root: bool | None = None) -> GateBuild:
    """What a gate's builder may know besides its own settings (the families, the previous release, the other gates'
    settings, the sign-off requirements): one value every gate gets, so the graph passes no gate anything special."""
    families = definition.families
    return GateBuild(
        families=sorted(families),
        holdout={name: family.config.is_holdout_sensitive for name, family in sorted(families.items())},
        stages={name: family.config.stage for name, family in sorted(families.items())},
        previous=previous,
        base_dir=str(definition.base_dir),
        acknowledgements=[entry.model_dump(mode="json") for entry in definition.release.acknowledge],
        gates=dict(definition.gates),
        version=definition.release.version,
        protected_root=definition.release.root.protected if protected_root is None else protected_root,
        signoffs_required=definition.release.signoffs.required,
        signoff_dir=signoff_dir(definition.release.version),
        review_signs=signings(definition.gates))


def gate_steps(definition: Definition, build: GateBuild) -> GateSteps:
    """Every configured gate's steps, asked of its contract in the registry (`Gate.build_steps`): the graph names no
    gate, so a gate is one module and one registry line. A spec with a family is one of the gate's per-family steps
    (dedup's fingerprints, distribution's stats, the QA samples); one without is a verdict."""
    specs: list[StepSpec] = []
    for gate_id, config in sorted(definition.gates.items()):
        specs.extend(GATES[gate_id].build_steps(config, build))
    return GateSteps(specs, tuple(spec.id for spec in specs if spec.family is None),
                     tuple(spec.id for spec in specs if spec.family is not None))


def lock_step(definition: Definition, specs: list[StepSpec]) -> StepSpec:
    """release/lock (steps/release_lock.py): release.lock, made from the records of every family's and rule's step
    (`specs` holds them all) and published as definition/release.lock. It reads whole records, no data: of ingest only
    its per-file list (sizes and records), of export and provenance what their results say (counts, the index's
    SHA-256), without fetching a file."""
    release = definition.release
    families = sorted(definition.families)
    rules = {rule_step_id(name) for name in definition.rules}
    deps = tuple(spec.id for spec in specs if spec.id in rules or ids.family_of(spec.id) in definition.families)
    ingests = {ids.family_step(name, ids.INGEST) for name in families}
    return StepSpec(ids.LOCK, "release_lock",
                    {"version": release.version, "definition": definition_snapshot(definition, specs),
                     "families": families, "rules": sorted(definition.rules)},
                    deps, reads={dep: (INGEST_SOURCES,) if dep in ingests else () for dep in deps})


def release_steps(definition: Definition, previous: PreviousRelease | None, gates: GateSteps,
                  lock: StepSpec) -> list[StepSpec]:
    """The steps that gather the release, last: the gate summary (every verdict), the release notes (family metas,
    the summary, the sign-offs, the previous release's manifest), the definition files (published with the release),
    release.lock (`lock`), the manifest (every published artifact) and the publish effect. Each reads only what it
    names, so a change upstream reruns them only when it reaches them."""
    release = definition.release
    names = sorted(definition.families)
    info = families_info(definition)
    summary = StepSpec(ids.GATE_SUMMARY, "gate_summary", {}, gates.verdicts,
                       reads={gate: ("meta",) for gate in gates.verdicts})
    family_steps_read = tuple(ids.family_step(name, step) for name in names
                              for step in (ids.INGEST, ids.PRIVACY, ids.SPLIT, ids.EXPORT))
    notes_source = f"{previous.uri}{MANIFEST}" if previous else None  # the manifest never lists itself
    notes = StepSpec(
        ids.NOTES, "release_notes",
        {"version": release.version, "families": {name: info[name]["stage_name"] for name in names}},
        family_steps_read + (ids.GATE_SUMMARY, ids.SIGNOFF),
        sources=(notes_source,) if notes_source else (), source_dir=str(definition.base_dir),
        reads={**{dep: ("meta",) for dep in family_steps_read}, ids.GATE_SUMMARY: ("summary.json",),
               ids.SIGNOFF: ("meta",)})
    # what the manifest's definition.files_sha256 names, and the files gates read beside their YAML (allowed_signers)
    read = {file for config in definition.gates.values() for file in config.read_files()
            if (definition.base_dir / file).is_file()}
    files = tuple(sorted(set(definition.files) | read))
    secrets = sorted({secret for config in definition.gates.values() for secret in config.secrets()})
    published_definition = StepSpec(ids.DEFINITION, "definition", {"withheld": secrets}, sources=files,
                                    source_dir=str(definition.base_dir))
    manifest = StepSpec(
        ids.MANIFEST, "manifest", _manifest_params(definition, info),
        tuple(ids.family_step(name, step) for name in names
              for step in (ids.INGEST, ids.PRIVACY, ids.SPLIT, ids.EXPORT, ids.PROVENANCE))
        + (ids.CURRICULUM, *gates.verdicts, *gates.per_family, ids.GATE_SUMMARY, ids.NOTES, ids.DEFINITION, ids.LOCK)
        + tuple(rule_step_id(name) for name in sorted(definition.rules)))
    publish = StepSpec(ids.PUBLISH, "publish", {"version": release.version}, (ids.MANIFEST,))
    return [summary, notes, published_definition, lock, manifest, publish]


def families_info(definition: Definition) -> dict[str, dict[str, Any]]:
    """What the curriculum, the notes and the manifest say of each family from its definition alone."""
    return {name: _family_info(definition.families[name], definition) for name in sorted(definition.families)}


def _family_info(family: LoadedFamily, definition: Definition) -> dict[str, Any]:
    config = family.config
    splits = config.splits or definition.release.splits
    return {"stage": config.stage, "stage_name": config.stage_name, "format": config.format,
            "holdout_sensitive": config.is_holdout_sensitive, "holdout_reason": config.holdout_reason,
            "definition_file": family.file, "sources": list(config.sources),
            "split_ratios": splits.ratios}


def _manifest_params(definition: Definition, family_info: dict[str, Any]) -> dict[str, Any]:
    release = definition.release
    overrides = {name: family.config.splits.model_dump(mode="json", exclude_none=True)
                 for name, family in sorted(definition.families.items()) if family.config.splits}
    return {
        "version": release.version,
        "tool_version": __version__,
        "definition": {"release_yaml": definition.path.name, "files_sha256": definition.files},
        "families": family_info,
        "split_assignment": {"method": SPLIT_METHOD, "ratios": release.splits.ratios, "salt": release.splits.salt,
                             "family_overrides": overrides},
        "takedowns": [entry.model_dump(exclude_none=True) for entry in definition.takedowns],
        "rules": {name: {"definition_file": loaded.file, "cmd": loaded.config.cmd, "shell": loaded.config.shell,
                         "params": dict(loaded.config.params), "env": list(loaded.config.env),
                         "version": loaded.config.version,
                         "python": python_identity() if loaded.config.uses_python else None}
                  for name, loaded in sorted(definition.rules.items())},
    }


def to_graph(specs: list[StepSpec]) -> nx.DiGraph:
    """The networkx graph of the steps; raises if a dependency is unknown or the steps form a cycle."""
    import networkx as nx  # ~150 ms to import: only paid when the graph's shape is new

    graph = nx.DiGraph()
    for spec in specs:
        graph.add_node(spec.id, spec=spec)
    for spec in specs:
        for dep in spec.deps:
            if dep not in graph:
                raise ValueError(f"step {spec.id} depends on unknown step {dep}")
            graph.add_edge(dep, spec.id)
    if not nx.is_directed_acyclic_graph(graph):
        raise ValueError(f"step graph has a cycle: {nx.find_cycle(graph)}")
    return graph


def topological_order(graph: nx.DiGraph) -> list[str]:
    """Deterministic topological order (lexicographic among ready steps)."""
    import networkx as nx

    return list(nx.lexicographical_topological_sort(graph))


def execution_order(specs: list[StepSpec], memo_dir: Path) -> list[str]:
    """The steps' topological order, memoized by the graph's shape (ids and edges) so that a run whose graph
    is unchanged does not import networkx. Content-addressed, so the memo can never be stale."""
    shape = [[spec.id, list(spec.deps)] for spec in specs]
    memo = memo_dir / "graph" / f"{digest(shape).split(':', 1)[1]}.json"
    try:
        order: list[str] = json.loads(memo.read_bytes())
        return order
    except (FileNotFoundError, ValueError):
        pass
    order = topological_order(to_graph(specs))
    write_atomic(memo, json.dumps(order).encode("utf-8"))
    return order


def render_text(graph: nx.DiGraph) -> str:
    lines = []
    for node in topological_order(graph):
        spec: StepSpec = graph.nodes[node]["spec"]
        deps = ", ".join(spec.deps) if spec.deps else "-"
        extra = f"  sources: {', '.join(spec.sources)}" if spec.sources else ""
        lines.append(f"{node}  [{spec.kind}]  <- {deps}{extra}")
    return "\n".join(lines) + "\n"


def render_dot(graph: nx.DiGraph) -> str:
    lines = ["digraph releasebuild {", "  rankdir=LR;", "  node [shape=box, fontname=monospace];"]
    for node in topological_order(graph):
        spec: StepSpec = graph.nodes[node]["spec"]
        lines.append(f'  "{node}" [label="{node}\\n({spec.kind})"];')
    for source, target in sorted(graph.edges):
        lines.append(f'  "{source}" -> "{target}";')
    lines.append("}")
    return "\n".join(lines) + "\n"
