"""Definition errors name file:line:col, say what was expected, and are all reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasebuild.config.load import load_definition
from releasebuild.errors import DefinitionError
from releasebuild.gates import GATES
from releasebuild.testing import ReleaseFixture, conversation, make_release


def errors_of(path: Path) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_definition(path, GATES)
    return [str(d) for d in caught.value.diagnostics]


@pytest.fixture
def release(tmp_path: Path) -> ReleaseFixture:
    families = {"alpha": [conversation("a1", "g1")], "edge_cases": [conversation("e1", "g")]}
    return make_release(tmp_path / "rel", families)


def test_valid_definition_loads(release: ReleaseFixture) -> None:
    definition = load_definition(release.release_yaml, GATES)
    assert sorted(definition.families) == ["alpha", "edge_cases"]
    assert definition.families["edge_cases"].config.stage_name == "edge"
    assert set(definition.files) == {"release.yaml", "families/alpha.yaml", "families/edge_cases.yaml",
                                     "gates/quarantine.yaml", "gates/privacy.yaml"}


def test_yaml_syntax_error_is_located(release: ReleaseFixture) -> None:
    release.family_yaml("alpha").write_text("name: alpha\nstage: [foundation\nformat: jsonl\n")
    (message,) = errors_of(release.release_yaml)
    assert message.startswith("families/alpha.yaml:3:")
    assert "invalid YAML" in message


def test_unknown_key_is_located_with_a_suggestion(release: ReleaseFixture) -> None:
    text = release.family_yaml("alpha").read_text().replace("format: jsonl", "fromat: jsonl")
    release.family_yaml("alpha").write_text(text)
    line = text.splitlines().index("fromat: jsonl") + 1
    messages = errors_of(release.release_yaml)
    unknown = next(m for m in messages if "unknown key" in m)
    assert unknown.startswith(f"families/alpha.yaml:{line}:1: unknown key 'fromat' in the document")
    assert "did you mean 'format'?" in unknown
    assert any("missing required key 'format'" in m for m in messages)


def test_family_split_ratios_must_sum_to_one(release: ReleaseFixture) -> None:
    release.edit_yaml(release.family_yaml("edge_cases"),
                      splits={"ratios": {"train": 0.6, "val": 0.2, "test": 0.3}})
    lines = release.family_yaml("edge_cases").read_text().splitlines()
    ratios_line = next(i for i, text in enumerate(lines, 1) if text.strip().startswith("ratios:"))
    (message,) = errors_of(release.release_yaml)
    assert message.startswith(f"families/edge_cases.yaml:{ratios_line + 1}:")
    assert "split ratios must sum to 1.0 (got 1.1)" in message


def test_every_error_is_reported_not_only_the_first(release: ReleaseFixture) -> None:
    release.edit_yaml(release.family_yaml("alpha"), stage="middle", format="xml")
    release.edit_yaml(release.release_yaml, version="2026-11-23",
                      curriculum=[{"stage": "foundation", "families": {"alpha": 1, "alhpa": 2}}])
    messages = errors_of(release.release_yaml)
    joined = "\n".join(messages)
    assert "release.yaml:1:10: version must look like vYYYY-MM-DD (got '2026-11-23')" in joined
    assert "(got 'middle')" in joined and "(got 'xml')" in joined
    # Cross-file checks need a valid release.yaml; fix it and they appear with the rest.
    release.edit_yaml(release.release_yaml, version="v2026-11-23")
    messages = errors_of(release.release_yaml)
    joined = "\n".join(messages)
    assert "stage must be one of foundation, expertise, edge, voice or 1-4 (got 'middle')" in joined
    assert "format: input should be 'jsonl', 'json', 'csv' or 'parquet' (got 'xml')" in joined
    assert "routes unknown family 'alhpa'" in joined and "did you mean 'alpha'?" in joined
    assert "family 'edge_cases' is not routed by any curriculum stage" in joined
    assert len(messages) == 4


def test_holdout_off_on_edge_family_needs_a_reason(release: ReleaseFixture) -> None:
    family = release.family("edge_cases")
    family.pop("holdout_reason")
    release.family_yaml("edge_cases").write_text(__import__("yaml").safe_dump(family, sort_keys=False))
    (message,) = errors_of(release.release_yaml)
    assert "holdout_sensitive: false on a edge family needs a holdout_reason" in message


def test_missing_family_file_suggests_the_near_name(release: ReleaseFixture) -> None:
    release.edit_yaml(release.release_yaml, families=["families/alpa.yaml", "families/edge_cases.yaml"])
    messages = errors_of(release.release_yaml)
    assert messages[0].startswith("release.yaml:")
    assert "family file 'families/alpa.yaml' not found" in messages[0]
    assert "did you mean 'alpha.yaml'?" in messages[0]


def test_unknown_gate_is_an_error(release: ReleaseFixture) -> None:
    release.edit_yaml(release.release_yaml, gates={"quarantin": {"max_ratio": 0.1}})
    (message,) = errors_of(release.release_yaml)
    assert "unknown gate 'quarantin'" in message and "did you mean 'quarantine'?" in message


def test_gate_thresholds_are_validated(release: ReleaseFixture) -> None:
    (release.dir / "gates/quarantine.yaml").write_text("max_ratio: 1.5\nblockin: false\n")
    messages = errors_of(release.release_yaml)
    assert any(m.startswith("gates/quarantine.yaml:1:12: max_ratio: input should be less than or equal to 1")
               for m in messages)
    assert any(m.startswith("gates/quarantine.yaml:2:1: unknown key 'blockin'") for m in messages)


def test_inline_family_and_value_rules(tmp_path: Path) -> None:
    release = make_release(tmp_path / "rel", {"alpha": [conversation("a1", "g1")]})
    inline = release.family("alpha") | {"name": "inline", "id": {"field": ""}, "group_by": {"template": "{x}-{y}"}}
    inline["sources"] = ["data/alpha.jsonl"]
    release.edit_yaml(release.release_yaml, families=["families/alpha.yaml", inline],
                      curriculum=[{"stage": "all", "families": {"alpha": 1, "inline": 1}}])
    definition = load_definition(release.release_yaml, GATES)
    assert definition.families["inline"].file == "release.yaml"
    assert definition.families["inline"].config.id.field == ""
    release.edit_yaml(release.release_yaml, families=["families/alpha.yaml", inline | {"id": 7}])
    messages = errors_of(release.release_yaml)
    assert any("expected a field name, a '{field}' template" in m for m in messages)


def test_a_nameless_invalid_family_is_no_suggestion(release: ReleaseFixture) -> None:
    """A family declared inline without a name fails validation; it must not turn up as 'None' in the names that
    other errors suggest (an operator-precedence slip once added None to them)."""
    import yaml

    families = yaml.safe_load(release.release_yaml.read_text())["families"]
    release.edit_yaml(release.release_yaml, families=[*families, {"stage": "foundation", "format": "jsonl"}],
                      curriculum=[{"stage": "foundation", "families": {"alpha": 1, "alhpa": 2, "edge_cases": 1}}])
    messages = errors_of(release.release_yaml)
    unknown = next(m for m in messages if "routes unknown family 'alhpa'" in m)
    assert "allowed: alpha, edge_cases" in unknown
    assert "None" not in "\n".join(messages)
