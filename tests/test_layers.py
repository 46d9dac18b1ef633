"""The package's layers point one way, and a gate is one module plus one registry line (issue 24).

The import graph is read from the source (every `import`, at module level or inside a function, and the packages
an import runs on the way), so a cycle hidden in a function-level import fails here as surely as a static one.
"""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

import networkx as nx
import pytest
import yaml
from pydantic import Field

import releasebuild
from releasebuild import api
from releasebuild.app.project import required_reviews
from releasebuild.config.gate import DefinitionContext, GateConfig
from releasebuild.config.load import load_definition
from releasebuild.errors import DefinitionError, Diagnostic, GateBlocked, ReleaseBuildError
from releasebuild.gates import GATES, Gate, signings
from releasebuild.gates.base import GateBuild, GateParams, GateStatus, ReviewSigns, SignedReport, gate_meta
from releasebuild.gates.bias import REVIEW_SIGNS
from releasebuild.keys import canonical_json
from releasebuild.review import commands
from releasebuild.review.load import load_signoffs
from releasebuild.review.spec import ReviewSpec
from releasebuild.steps.base import Step, StepContext, StepSpec
from releasebuild.steps.ingest import IngestResult
from releasebuild.testing import ReleaseFixture, conversation, make_release, signing_key

PACKAGE = Path(releasebuild.__file__).parent
DEMO = Path(__file__).resolve().parents[1] / "release.yaml"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def import_graph() -> nx.DiGraph:
    """module -> every package module its imports run: the module itself, and each package on the way to it
    (importing `a.b.c` runs `a/b/__init__.py`), except the importer's own packages, which run before it anyway."""
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(parent + ([node.module] if node.module else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            else:
                continue
            for target in targets:
                explicit = target
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                while target:
                    own_package = name.startswith(target + ".") and target != explicit
                    if target != name and not own_package:
                        graph.add_edge(name, target)
                    target = target.rpartition(".")[0]
    return graph


@pytest.mark.unit
def test_the_package_has_no_import_cycle() -> None:
    cycles = [sorted(component) for component in nx.strongly_connected_components(import_graph())
              if len(component) > 1]
    assert not cycles, cycles


@pytest.mark.unit
def test_the_import_graph_sees_imports_inside_functions_and_packages_run_on_the_way() -> None:
    """The check above could pass by reading too little: it must see function-level imports."""
    graph = import_graph()
    assert graph.has_edge("releasebuild", "releasebuild.privacy.detector")  # detect_pii imports it lazily
    assert graph.has_edge("releasebuild.app.project", "releasebuild.gates")  # importing gates.bias runs its package


@pytest.mark.unit
def test_the_signoff_gate_and_the_review_code_name_no_other_gate() -> None:
    """What a review signs of a gate is on the gate's contract (`Gate.review_signs`): the sign-off gate, the project
    and the review package ask the registry for it and import no gate module of their own."""
    graph = import_graph()
    readers = ["releasebuild.gates.signoff", "releasebuild.app.project", "releasebuild.app.planning",
               *(module for module in graph if module.startswith("releasebuild.review"))]
    gates = {module for module in graph if module.startswith("releasebuild.gates.")}
    assert {reader: sorted(set(graph.successors(reader)) & gates - {"releasebuild.gates.base",
                                                                   "releasebuild.gates.signoff"})
            for reader in readers} == dict.fromkeys(readers, [])


# The modules outside gates/ that still import one gate's own module, and why: each is that gate's front end or
# writes a published section about it. Everything else reaches a gate through the registry and its contract.
GATE_FRONT_ENDS = {
    # the public evaluation API turns a gate's settings into what the detector and the dedup library take
    "releasebuild": {"releasebuild.gates.dedup", "releasebuild.gates.privacy"},
    "releasebuild.app.coverage": {"releasebuild.gates.coverage"},  # `releasebuild coverage` shows the gate's matrix
    # the review workflow (status, samples, records, the plan's stale reviews) is the sign-off gate's own
    "releasebuild.app.planning": {"releasebuild.gates.signoff"},
    "releasebuild.app.project": {"releasebuild.gates.signoff"},
    "releasebuild.review.commands": {"releasebuild.gates.signoff"},
    # the manifest's and the release notes' sign-off sections read the sign-off gate's verdict
    "releasebuild.steps.manifest": {"releasebuild.gates.signoff"},
    "releasebuild.steps.release_notes": {"releasebuild.gates.signoff"},
}


@pytest.mark.unit
def test_outside_the_gates_a_gate_is_reached_through_the_registry() -> None:
    """The graph builds each family's chain with what the gates put into it (`Gate.chain_params`), publish and the
    review commands withhold record text for the gates that declare it (`Gate.withholds_records`): outside gates/,
    a module imports the registry and the contract (gates.base), and no gate's own module but the front ends above.
    The graph reads the detector's versions through the privacy gate, so it imports no privacy library either."""
    graph = import_graph()
    reached = {module: {target for target in graph.successors(module) if target.startswith("releasebuild.gates.")
                        and target != "releasebuild.gates.base"}
               for module in graph if module != "releasebuild.gates" and not module.startswith("releasebuild.gates.")}
    assert {module: gates for module, gates in reached.items() if gates} == GATE_FRONT_ENDS
    assert not [target for target in graph.successors("releasebuild.graph")
                if target.startswith("releasebuild.privacy")]


@pytest.mark.unit
def test_the_config_layer_imports_no_gate_step_or_engine() -> None:
    graph = import_graph()
    for module in (m for m in graph if m.startswith("releasebuild.config")):
        outside = [t for t in nx.descendants(graph, module)
                   if not t.startswith("releasebuild.config")
                   and t not in ("releasebuild", "releasebuild.errors", "releasebuild.redaction")]
        assert not outside, (module, outside)


# --- a gate from the test suite alone: its config model, its step, its builder and its checks -------------------

class ToyGateConfig(GateConfig):
    """A gate that wants each family it names to exist."""

    families: list[str] = Field(default_factory=list)


class ToyGate(Step):
    kind = "gate_toy"


def toy_steps(config: ToyGateConfig, build: object) -> list[StepSpec]:
    return []


def toy_checks(config: ToyGateConfig, context: DefinitionContext) -> list[Diagnostic]:
    doc, where = context.site.doc, context.site.path
    known = set(context.release.curriculum[0].families) if context.release.curriculum else set()
    return [doc.diagnostic(where + ("families", index), f"toy gate: '{name}' is not routed", "route it")
            for index, name in enumerate(config.families) if name not in known]


TOY = Gate(ToyGateConfig, ToyGate, toy_steps, always_on=True, acknowledgeable=True, checks=toy_checks)


@pytest.fixture
def release(tmp_path: Path) -> ReleaseFixture:
    return make_release(tmp_path / "rel", {"alpha": [conversation("a1", "g1")]})


@pytest.mark.unit
def test_a_gate_registered_from_the_test_suite_is_loaded_checked_and_acknowledgeable(release: ReleaseFixture) -> None:
    registry = {**GATES, "toy": TOY}
    definition = load_definition(release.release_yaml, registry)
    assert isinstance(definition.gates["toy"], ToyGateConfig)  # always on: there with its defaults
    (release.dir / "gates" / "toy.yaml").write_text("families: [alpha, omega]\n")
    gates = {**yaml.safe_load(release.release_yaml.read_text()).get("gates", {}), "toy": "gates/toy.yaml"}
    release.edit_yaml(release.release_yaml, gates=gates,
                      acknowledge=[{"gate": "toy", "family": "alpha", "reason": "known"}])
    with pytest.raises(DefinitionError) as caught:
        load_definition(release.release_yaml, registry)
    (message,) = [str(d) for d in caught.value.diagnostics]
    assert message.startswith("gates/toy.yaml:1:") and "toy gate: 'omega' is not routed" in message
    # without the line in the registry, the same definition names an unknown gate
    with pytest.raises(DefinitionError) as caught:
        load_definition(release.release_yaml, GATES)
    assert "unknown gate 'toy'" in str(caught.value)


# --- the same idea end to end: a gate the registry gains in the test suite runs, reports and blocks --------------

class VerdictGateConfig(GateConfig):
    fail: bool = False
    note: str = ""  # written in each family's verdict
    review: str | None = None  # the review that signs each family's verdict


class VerdictGate(Step):
    """A gate whose verdict is its setting: enough to follow a verdict from the registry to the published release,
    and, when a review is named, to the review that signs each family's verdict."""

    kind = "gate_verdict"
    code_version = "1"
    Params = GateParams  # blocking and thresholds: what every gate is given
    Result = SignedReport  # what every gate returns, and each family's section of the report, which a review signs

    @staticmethod
    def run(ctx: StepContext) -> SignedReport:
        params = ctx.typed(GateParams)
        status: GateStatus = "fail" if params.thresholds["fail"] else "pass"
        families = [{"family": ctx.inputs[dep].typed(IngestResult).family, "status": status, "why": "told to fail",
                     "note": params.thresholds["note"]} for dep in ctx.spec.deps]
        ctx.write_json("report.json", {"gate": "verdict", "status": status, "families": families},
                       publish="gates/verdict.json", kind="gate_report")
        verdict = gate_meta("verdict", status, params, "gates/verdict.json", families)
        return SignedReport(**verdict.model_dump(), sections={entry["family"]: sha256(entry) for entry in families})


def sha256(value: object) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


VERDICT_SIGNS = ReviewSigns(name="verdict_report", what="verdict", column="verdict",
                            note="This review also signs each family's verdict.", step="release/verdict",
                            signed_by=lambda config: config.review)


def verdict_steps(config: VerdictGateConfig, build: GateBuild) -> list[StepSpec]:
    ingests = tuple(f"{name}/ingest" for name in build.families)
    params = {"blocking": config.blocking, "thresholds": config.model_dump(mode="json")}
    return [StepSpec("release/verdict", VerdictGate.kind, params, ingests, reads={dep: ("meta",) for dep in ingests})]


def test_a_gate_added_to_the_registry_in_a_test_runs_publishes_and_blocks(release: ReleaseFixture,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(GATES, "verdict", Gate(VerdictGateConfig, VerdictGate, verdict_steps, always_on=True,
                                               review_signs=VERDICT_SIGNS))
    report = api.apply(release.release_yaml, jobs=1)
    assert report.outcome.error is None, report.outcome.error
    published = Path(report.release_uri)
    assert json.loads((published / "gates" / "verdict.json").read_text())["status"] == "pass"
    summary = json.loads((published / "gates" / "summary.json").read_text())
    assert "verdict" in json.dumps(summary)
    (release.dir / "gates" / "verdict.yaml").write_text("fail: true\n")
    gates = {**yaml.safe_load(release.release_yaml.read_text()).get("gates", {}), "verdict": "gates/verdict.yaml"}
    release.edit_yaml(release.release_yaml, gates=gates, version="v2026-11-24")
    report = api.apply(release.release_yaml, jobs=1)
    assert report.outcome.error is not None and "verdict" in str(report.outcome.error)
    assert not Path(report.release_uri).exists()  # a failed gate publishes nothing


def test_a_review_signs_what_the_gate_added_in_a_test_declares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The toy gate's contract says a review signs each family's verdict: the sign-off gate binds the approval to
    those digests, the review's page explains them, the record keeps them, and a changed verdict makes it stale."""
    monkeypatch.setitem(GATES, "verdict", Gate(VerdictGateConfig, VerdictGate, verdict_steps, always_on=True,
                                               review_signs=VERDICT_SIGNS))
    release = make_release(tmp_path / "rel", {"alpha": [conversation("a1", "g1"), conversation("a2", "g2")]},
                           signoffs={"required": ["clinician_qa"]})
    (release.dir / "gates" / "verdict.yaml").write_text("review: clinician_qa\nnote: first look\n")
    gates = {**yaml.safe_load(release.release_yaml.read_text())["gates"], "verdict": "gates/verdict.yaml"}
    release.edit_yaml(release.release_yaml, gates=gates)
    exported = commands.export_samples(release.release_yaml)
    index = (Path(exported["out"]) / "qa" / "clinician_qa" / "index.md").read_text()
    assert "This review also signs each family's verdict." in index and "| family | verdict |" in index
    commands.record(release.release_yaml, "clinician_qa", {
        "sample": exported["reviews"]["clinician_qa"], "reviewer": {"id": "dr-toy", "role": "clinician"},
        "decision": "approve", "rubric": {"*": "pass"}}, key=signing_key(release, "dr-toy"))
    report = api.apply(release.release_yaml, jobs=1)
    assert report.outcome.error is None, report.outcome.error
    published = Path(report.release_uri)
    record = yaml.safe_load((published / "signoffs" / "clinician_qa.yaml").read_text())
    section = json.loads((published / "gates" / "verdict.json").read_text())["families"][0]
    assert record["sample"]["families"]["alpha"]["verdict_report"] == sha256(section)

    (release.dir / "gates" / "verdict.yaml").write_text("review: clinician_qa\nnote: second look\n")
    outcome = api.apply(release.release_yaml, jobs=1).outcome
    assert outcome.error is not None and "alpha's verdict changed" in str(outcome.error)
    status = {row["review"]: row["status"] for row in commands.status(release.release_yaml)["reviews"]}
    assert status == {"clinician_qa": "stale"}


def test_a_gate_that_withholds_record_text_keeps_the_samples_from_reviewers_while_it_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A gate declares that record text stays out of reviewers' hands while it fails (`withholds_records`, as the
    privacy gate does): `signoff samples` refuses, naming it, and a build it blocks leaves no QA sample under
    blocked/. The same failing gate without the declaration leaves them there for the reviewers."""
    release = make_release(tmp_path / "rel", {"alpha": [conversation("a1", "g1"), conversation("a2", "g2")]},
                           signoffs={"required": ["clinician_qa"]})
    (release.dir / "gates" / "verdict.yaml").write_text("fail: true\n")
    gates = {**yaml.safe_load(release.release_yaml.read_text())["gates"], "verdict": "gates/verdict.yaml"}
    release.edit_yaml(release.release_yaml, gates=gates)

    def blocked_qa(withholds: bool) -> list[str]:
        monkeypatch.setitem(GATES, "verdict", Gate(VerdictGateConfig, VerdictGate, verdict_steps, always_on=True,
                                                   withholds_records=withholds))
        error = api.apply(release.release_yaml, jobs=1).outcome.error
        assert isinstance(error, GateBlocked) and "verdict" in error.failed, error
        return sorted(path.name for path in (Path(error.report_dir) / "qa").rglob("*") if path.is_file())

    assert "index.md" in blocked_qa(withholds=False)
    assert blocked_qa(withholds=True) == []
    with pytest.raises(ReleaseBuildError, match="the verdict gate fails, so the samples may hold what it caught"):
        commands.export_samples(release.release_yaml)


@pytest.mark.unit
def test_what_a_review_signs_of_a_gate_is_asked_of_its_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bias gate declares its part on its contract, bound to the review its settings name; a gate registered
    from a test is asked the same way; the demo's committed sign-offs, which carry `bias_report`, still verify."""
    demo = load_definition(DEMO, GATES)
    found = signings(demo.gates)
    assert list(found) == ["bias_report"] and found["bias_report"].signs is REVIEW_SIGNS
    assert found["bias_report"].review == "bias_cultural_review"
    assert found["bias_report"].signer(["clinician_qa"]) is None  # a review the release does not require signs nothing
    reviews = required_reviews(demo)
    assert {review: spec.signs["bias_report"] for review, spec in reviews.items()} == {
        "clinician_qa": False, "bias_cultural_review": True, "ethical_safety_review": False}
    # as JSON (the sign-off gate's params, in its step key) a review is the flat object it always was
    flat = reviews["bias_cultural_review"].model_dump(mode="json")
    assert list(flat) == ["title", "description", "roles", "families", "size", "rubric", "bias_report"]
    assert flat["bias_report"] is True and ReviewSpec.model_validate(flat) == reviews["bias_cultural_review"]
    loaded = load_signoffs(demo.base_dir, demo.release.version, reviews, found)
    assert all(entry.record.id == entry.record.expected_id() for entry in loaded.values())
    assert {name: set(family.signed) for name, family in loaded["bias_cultural_review"].record.sample.families.items()
            } == {"priority": {"bias_report"}, "professional_therapeutic": {"bias_report"}}

    monkeypatch.setitem(GATES, "verdict", Gate(VerdictGateConfig, VerdictGate, verdict_steps,
                                               review_signs=VERDICT_SIGNS))
    with_toy = {**demo.gates, "verdict": VerdictGateConfig(review="clinician_qa")}
    assert {name: signing.review for name, signing in signings(with_toy).items()} == {
        "bias_report": "bias_cultural_review", "verdict_report": "clinician_qa"}
    with pytest.raises(ValueError, match="may not be called 'digest'"):
        ReviewSigns(name="digest", what="", column="", note="", step="release/verdict", signed_by=lambda config: None)
