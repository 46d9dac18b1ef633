"""Step kinds declare their params and results as models, and agree with what they are given and what they make.

Params: every spec of a real graph (the demo's, and a small release's) validates against its kind's model and dumps
back to exactly the params the step key digests, so typing a step's params can never change a key unnoticed.
Results: every result a small release makes (a rule, every family step and map, every gate, publish) validates
against its kind's `Result` model, which forbids unknown keys, and dumps back to exactly the meta it came from, so
typing a result can never change what a downstream key digests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from releasebuild import api
from releasebuild.config.load import load_definition
from releasebuild.gates import GATES
from releasebuild.graph import build_specs
from releasebuild.review import commands
from releasebuild.steps.base import Step, StepSpec
from releasebuild.steps.export import ExportParams, ExportResult
from releasebuild.steps.registry import FIXED_KINDS, step_kind
from releasebuild.testing import conversation, make_release

DEMO = Path(__file__).resolve().parents[1] / "release.yaml"


def specs_of(release_yaml: Path) -> list[StepSpec]:
    return build_specs(load_definition(release_yaml, GATES))


def every_kind() -> list[type[Step]]:
    return [*FIXED_KINDS.values(), *(gate.step for gate in GATES.values())]


@pytest.fixture(scope="module")
def graphs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[StepSpec]]:
    small = make_release(tmp_path_factory.mktemp("contracts") / "rel",
                         {"alpha": [conversation("a1", "g1")], "edge_cases": [conversation("e1", "g")]})
    surrogates = make_release(tmp_path_factory.mktemp("contracts") / "rel", {"alpha": [conversation("a1", "g1")]})
    surrogates.edit_yaml(surrogates.dir / "gates" / "privacy.yaml", mode="patterns_only", redact="surrogate")
    return {"demo": specs_of(DEMO), "small": specs_of(small.release_yaml),
            "surrogates": specs_of(surrogates.release_yaml)}  # the privacy step's params gain Faker's version


@pytest.mark.unit
def test_every_typed_spec_round_trips_through_its_params_model(graphs: dict[str, list[StepSpec]]) -> None:
    typed = set()
    for name, specs in graphs.items():
        for spec in specs:
            model = step_kind(spec.kind).Params
            if model is None:
                continue
            typed.add(spec.kind)
            dumped = model.model_validate(spec.params).model_dump(mode="json", exclude_unset=True)
            assert dumped == spec.params, (name, spec.id)  # an optional key absent from a spec stays absent
    every = set(FIXED_KINDS) | {gate.step.kind for gate in GATES.values()}
    assert typed == every, every - typed  # both graphs hold a step of every kind


@pytest.mark.unit
def test_every_step_kind_declares_its_params() -> None:
    assert [kind.kind for kind in every_kind() if kind.Params is None] == []


@pytest.mark.unit
def test_every_step_kind_declares_a_frozen_result_model_whose_every_field_is_required() -> None:
    """Required fields (nested models' too) make a result's meta exactly what its step built: a default would add a
    key a result made before the field existed lacks, and change what downstream keys digest."""
    kinds = every_kind()
    assert [kind.kind for kind in kinds if not hasattr(kind, "Result")] == []
    assert [kind.kind for kind in kinds if kind.per_source and not hasattr(kind, "MapResult")] == []
    models = {kind.Result for kind in kinds} | {kind.MapResult for kind in kinds if kind.per_source}
    for model in _with_nested(models):
        assert model.model_config.get("frozen") and model.model_config.get("extra") == "forbid", model
        assert [name for name, field in model.model_fields.items() if not field.is_required()] == [], model


def _with_nested(models: set[type[BaseModel]]) -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    stack = list(models)
    while stack:
        model = stack.pop()
        if model not in found:
            found.add(model)
            stack += [inner for field in model.model_fields.values() for inner in _models_in(field.annotation)]
    return found


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [inner for arg in getattr(annotation, "__args__", ()) for inner in _models_in(arg)]


def test_every_result_of_a_release_round_trips_through_its_result_model(tmp_path: Path) -> None:
    """A small release with a rule and a required review (approved as a demo sign-off, so it publishes) makes a
    result of every kind; each one's meta is exactly its Result model's dump."""
    release = make_release(tmp_path / "rel", {"alpha": [conversation("a1", "g1"), conversation("a2", "g2")],
                                              "edge_cases": [conversation("e1", "g")]},
                           signoffs={"required": ["clinician_qa"]})
    release.edit_yaml(release.release_yaml, rules=[{
        "name": "notes", "cmd": ["{python}", "-c", "open('notes.txt', 'w').write('made by a rule')"],
        "outputs": ["notes.txt"]}])
    commands.demo(release.release_yaml)
    report = api.apply(release.release_yaml, jobs=1)
    assert report.outcome.error is None, report.outcome.error
    specs = {spec.id: spec for spec in api.open_project(release.release_yaml).specs}
    checked = set()
    for step_id, result in report.outcome.results.items():
        kind = step_kind(specs[step_id].kind)
        assert kind.Result.model_validate(result.meta).model_dump(mode="json") == result.meta, step_id
        checked.add(kind.kind)
    assert checked == {kind.kind for kind in every_kind()}, {kind.kind for kind in every_kind()} - checked
    maps = [entry for entry in _action_entries(release.dir) if ":" in entry["step"]]  # "<family>/ingest:<file>"
    assert maps and all(step_kind("ingest").MapResult.model_validate(entry["result"]["meta"]).model_dump(mode="json")
                        == entry["result"]["meta"] for entry in maps)


def _action_entries(release_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in (release_dir / ".releasebuild" / "cache" / "ac").rglob("*.json")]


@pytest.mark.unit
def test_a_result_model_refuses_what_its_readers_would_not_understand() -> None:
    with pytest.raises(ValidationError):
        ExportResult.model_validate({"shards": [], "counts": {"train": 1}, "shard_count": 0})
    with pytest.raises(ValidationError):
        ExportResult.model_validate({"shards": []})


@pytest.mark.unit
def test_a_params_model_refuses_what_its_step_would_not_understand() -> None:
    with pytest.raises(ValidationError):
        ExportParams.model_validate({"family": "alpha", "max_records": 10, "max_bytes": 10, "max_recs": 5})
    with pytest.raises(ValidationError):
        ExportParams.model_validate({"family": "alpha", "max_records": "many", "max_bytes": 10})
    assert all(kind.Params is None or kind.Params.model_config.get("frozen") for kind in FIXED_KINDS.values())
