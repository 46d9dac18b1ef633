"""Step kinds that declare a params model agree with the graph that builds their specs: every spec of a real graph
(the demo's, and a small release's) validates against its kind's model and dumps back to exactly the params the
step key digests, so typing a step's params can never change a key unnoticed."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from releasebuild.config.load import load_definition
from releasebuild.gates import GATES
from releasebuild.graph import build_specs
from releasebuild.steps.base import StepSpec
from releasebuild.steps.export import ExportParams
from releasebuild.steps.registry import FIXED_KINDS, step_kind
from releasebuild.testing import conversation, make_release

pytestmark = pytest.mark.unit

DEMO = Path(__file__).resolve().parents[1] / "release.yaml"


def specs_of(release_yaml: Path) -> list[StepSpec]:
    return build_specs(load_definition(release_yaml, GATES))


@pytest.fixture(scope="module")
def graphs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[StepSpec]]:
    small = make_release(tmp_path_factory.mktemp("contracts") / "rel",
                         {"alpha": [conversation("a1", "g1")], "edge_cases": [conversation("e1", "g")]})
    surrogates = make_release(tmp_path_factory.mktemp("contracts") / "rel", {"alpha": [conversation("a1", "g1")]})
    surrogates.edit_yaml(surrogates.dir / "gates" / "privacy.yaml", mode="patterns_only", redact="surrogate")
    return {"demo": specs_of(DEMO), "small": specs_of(small.release_yaml),
            "surrogates": specs_of(surrogates.release_yaml)}  # the privacy step's params gain Faker's version


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


def test_every_step_kind_declares_its_params() -> None:
    kinds = [*FIXED_KINDS.values(), *(gate.step for gate in GATES.values())]
    assert [kind.kind for kind in kinds if kind.Params is None] == []


def test_a_params_model_refuses_what_its_step_would_not_understand() -> None:
    with pytest.raises(ValidationError):
        ExportParams.model_validate({"family": "alpha", "max_records": 10, "max_bytes": 10, "max_recs": 5})
    with pytest.raises(ValidationError):
        ExportParams.model_validate({"family": "alpha", "max_records": "many", "max_bytes": 10})
    assert all(kind.Params is None or kind.Params.model_config.get("frozen") for kind in FIXED_KINDS.values())
