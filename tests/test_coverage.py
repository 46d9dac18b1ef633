"""The coverage matrix: required families against their storage evidence, shown before a build and enforced by it."""

from __future__ import annotations

import json

import pytest
import yaml

from releasebuild import api, cli
from releasebuild.config.load import load_definition
from releasebuild.errors import DefinitionError
from releasebuild.gates import GATES
from releasebuild.testing import ReleaseFixture


def rows(report: dict) -> dict[str, dict]:
    return {row["family"]: row for row in report["families"]}


def test_coverage_before_and_after_a_build(small_release: ReleaseFixture, capsys: pytest.CaptureFixture[str]) -> None:
    small_release.edit_yaml(small_release.release_yaml, coverage={"required": {"alpha": {"min_records": 12}}})
    before = rows(api.coverage(small_release.release_yaml))
    alpha_bytes = small_release.data_file("alpha").stat().st_size
    assert (before["alpha"]["objects"], before["alpha"]["bytes"], before["alpha"]["prefixes"]) == \
        (1, alpha_bytes, ["../data/"])
    assert before["alpha"]["records"] is None and before["alpha"]["status"] == "present"  # not ingested yet
    assert before["beta"]["required"] is False

    assert api.apply(small_release.release_yaml).outcome.error is None
    after = api.coverage(small_release.release_yaml)
    assert (rows(after)["alpha"]["records"], rows(after)["beta"]["records"]) == (12, 12)  # from the cached ingest
    published = json.loads((small_release.dir / "published/releases/v2026-11-23/coverage.json").read_text())
    assert published["families"] == after["families"]  # the command agrees with the build once it is cached
    manifest = json.loads((small_release.dir / "published/releases/v2026-11-23/manifest.json").read_text())
    assert {"key": "coverage.json", "kind": "coverage"}.items() <= next(
        art for art in manifest["artifacts"] if art["key"] == "coverage.json").items()
    assert manifest["gates"]["results"]["coverage"] == "pass"

    assert cli.main(["coverage", str(small_release.release_yaml)]) == 0
    shown = capsys.readouterr().out
    table = {line.split()[1] if line.startswith("*") else line.split()[0]: line for line in shown.splitlines()[3:5]}
    assert table["alpha"].split()[:5] == ["*", "alpha", "present", "12", "12"]  # required, status, records, min
    assert table["beta"].split()[:4] == ["beta", "present", "12", "-"]
    assert "every required family is present" in shown


def test_apply_blocks_on_a_partial_or_missing_required_family(small_release: ReleaseFixture,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    small_release.edit_yaml(small_release.release_yaml, coverage={
        "required": {"alpha": {"min_records": 12}, "beta": {"min_records": 50}, "gamma": None}})
    assert cli.main(["apply", str(small_release.release_yaml), "--json"]) == 3
    assert "coverage" in json.loads(capsys.readouterr().out)["error"]
    assert not (small_release.dir / "build/releases/v2026-11-23").exists()  # nothing published
    report = json.loads((small_release.dir / ".releasebuild/blocked/v2026-11-23/coverage.json").read_text())
    assert report["failed_families"] == ["beta", "gamma"]
    by_family = rows(report)
    assert by_family["beta"]["status"] == "partial" and "12 records, fewer than the 50 required" in \
        by_family["beta"]["why"]
    assert by_family["gamma"] | {"status": "missing", "declared": False} == by_family["gamma"]
    assert by_family["alpha"]["status"] == "present"

    assert cli.main(["coverage", str(small_release.release_yaml), "--json"]) == 3
    assert json.loads(capsys.readouterr().out)["failed_families"] == ["beta", "gamma"]
    assert cli.main(["coverage", str(small_release.release_yaml)]) == 3
    shown = capsys.readouterr().out
    assert "2 required families missing or partial: beta, gamma; apply will block" in shown
    assert "required, but no family of this name is declared" in shown


def test_a_source_matching_nothing_is_reported_not_raised(small_release: ReleaseFixture) -> None:
    small_release.edit_yaml(small_release.family_yaml("beta"), sources=["../data/beta.jsonl", "../data/more/*.jsonl"])
    small_release.edit_yaml(small_release.release_yaml, coverage={"required": ["beta"]})
    beta = rows(api.coverage(small_release.release_yaml))["beta"]
    assert (beta["status"], beta["unmatched_sources"]) == ("partial", ["../data/more/*.jsonl"])
    small_release.edit_yaml(small_release.family_yaml("beta"), sources=["../data/none/*.jsonl"])
    beta = rows(api.coverage(small_release.release_yaml))["beta"]
    assert (beta["status"], beta["objects"], beta["why"]) == ("missing", 0, "no object matches its sources")


@pytest.mark.parametrize("coverage, expected", [
    ({"required": {"alpha": {"min_records": 0}}}, "greater than or equal to 1"),
    ({"required": {"alpha": {"minimum": 3}}}, "unknown key 'minimum'"),
    ({"required": {"Alpha": None}}, "Alpha"),
    ({"requird": ["alpha"]}, "unknown key 'requird'"),
])
def test_bad_coverage_settings_are_located_errors(small_release: ReleaseFixture, coverage: dict,
                                                  expected: str) -> None:
    small_release.edit_yaml(small_release.release_yaml, coverage=coverage)
    with pytest.raises(DefinitionError) as caught:
        load_definition(small_release.release_yaml, GATES)
    (message,) = [str(d) for d in caught.value.diagnostics]
    assert message.startswith("release.yaml:") and expected in message, message



def test_the_coverage_gate_comes_from_its_section_of_release_yaml_through_the_registry(
        small_release: ReleaseFixture) -> None:
    """The coverage gate is on the gate contract like any other (a registry line, no wiring in the graph); its
    settings are release.yaml's `coverage:` section, and declaring it under `gates:` is a located error."""
    small_release.edit_yaml(small_release.release_yaml, coverage={"required": {"alpha": {"min_records": 2}}})
    definition = load_definition(small_release.release_yaml, GATES)
    assert definition.gates["coverage"].model_dump()["required"] == {"alpha": 2}
    gates = {**yaml.safe_load(small_release.release_yaml.read_text()).get("gates", {}), "coverage": {}}
    small_release.edit_yaml(small_release.release_yaml, gates=gates)
    with pytest.raises(DefinitionError) as caught:
        load_definition(small_release.release_yaml, GATES)
    (message,) = [str(d) for d in caught.value.diagnostics]
    assert message.startswith("release.yaml:") and "set in release.yaml's `coverage:` section" in message
