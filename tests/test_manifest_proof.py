"""The manifest proves itself whole (issue 25, item 1): any edit of any field makes `verify` exit 3 and the loader
refuse, each naming the field; the previous format is still read, and one it does not know is said to be so."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from releasebuild import api, cli, schemas
from releasebuild.errors import EXIT_GATE_BLOCKED, EXIT_OK
from releasebuild.keys import merkle_root, merkle_tree
from releasebuild.loader import LoaderError, ReleaseLoader
from releasebuild.manifest_proof import FIELD_DEPTH, PROOF_FIELDS, body, edits, seal
from releasebuild.review import commands
from releasebuild.testing import conversation, make_release

VERSION = "v2026-11-23"
SCHEMA = schemas.load("manifest")
# Every field the schema allows in a manifest body: the walk below edits each of them.
BODY_FIELDS = sorted(set(SCHEMA["properties"]) - set(PROOF_FIELDS))
FieldPath = tuple[str | int, ...]


@pytest.fixture(scope="module")
def published_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root holding one release with approved (demo) sign-offs, so every part of the manifest is populated."""
    alpha = [conversation(f"a{i:02d}", f"sa{i // 3}", turns=2 + i % 3) for i in range(12)]
    edge = [conversation(f"e{i:02d}", f"e{i}") for i in range(10)]
    fixture = make_release(tmp_path_factory.mktemp("proof") / "rel", {"alpha": alpha, "edge_cases": edge},
                           signoffs={})
    commands.demo(fixture.release_yaml)
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    return fixture.dir / "published"


@pytest.fixture
def prefix(published_root: Path, tmp_path: Path) -> Path:
    """A copy of the published release to edit (copies, never links: the cache's blobs stay intact)."""
    return Path(shutil.copytree(published_root, tmp_path / "root")) / "releases" / VERSION


def manifest_of(prefix: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((prefix / "manifest.json").read_text())
    return manifest


def write_manifest(prefix: Path, manifest: dict[str, Any]) -> None:
    (prefix / "manifest.json").write_text(json.dumps(manifest, indent=2))


def altered(value: Any) -> Any:
    """The value with one thing changed, as deep as it goes: the first field of an object, the first item of a list."""
    if isinstance(value, dict):
        if not value:
            return {"edited": True}
        first = sorted(value)[0]
        return {**value, first: altered(value[first])}
    if isinstance(value, list):
        return [altered(value[0]), *value[1:]] if value else ["edited"]
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "-edited"
    return "edited"  # null


def edit_at(manifest: dict[str, Any], path: FieldPath) -> None:
    parent: Any = manifest
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = altered(parent[path[-1]])


def verify(prefix: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = cli.main(["verify", str(prefix), "--json"])
    return code, json.loads(capsys.readouterr().out)


def said(report: dict[str, Any]) -> list[str]:
    return [finding["what"] for finding in report["findings"]]


def test_the_manifest_walked_here_is_every_field_the_schema_names(published_root: Path) -> None:
    manifest = manifest_of(published_root / "releases" / VERSION)
    assert sorted(manifest) == sorted(BODY_FIELDS + list(PROOF_FIELDS))
    assert manifest["format_version"] == 2 and edits(manifest) == []
    assert manifest["signoffs"]["ids"] and manifest["signoffs"]["reviews"]  # populated: there is something to edit


@pytest.mark.parametrize("field", BODY_FIELDS)
def test_an_edit_of_any_top_level_field_fails_verify_and_the_loader_naming_it(
        field: str, prefix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = manifest_of(prefix)
    edit_at(manifest, (field,))
    write_manifest(prefix, manifest)
    code, report = verify(prefix, capsys)
    assert code == EXIT_GATE_BLOCKED and report["sound"] is False
    assert any(field in what for what in said(report)), said(report)
    with pytest.raises(LoaderError, match=re.escape(field)):
        ReleaseLoader(str(prefix))


def _artifact(manifest: dict[str, Any], index: int) -> str:
    return json.dumps(manifest["artifacts"][index]["key"])


@pytest.mark.parametrize("path, named", [
    (("signoffs", "ids", 0), lambda m: "signoffs.ids[0]"),
    (("signoffs", "reviews", "clinician_qa", "id"), lambda m: "signoffs.reviews.clinician_qa"),
    (("signoffs", "reviews", "clinician_qa", "decision"), lambda m: "signoffs.reviews.clinician_qa"),
    (("privacy", "status"), lambda m: "privacy.status"),
    (("privacy", "families", "alpha", "policy"), lambda m: "privacy.families.alpha"),
    (("split_assignment", "salt"), lambda m: "split_assignment.salt"),
    (("split_assignment", "families", "alpha", "kept"), lambda m: "split_assignment.families.alpha"),
    (("gates", "results", "privacy"), lambda m: "gates.results.privacy"),
    (("families", "alpha", "records", "train"), lambda m: "families.alpha.records"),
    (("definition", "files_sha256", "release.yaml"), lambda m: 'definition.files_sha256["release.yaml"]'),
    (("artifacts", 0, "sha256"), lambda m: f"artifacts[{_artifact(m, 0)}].sha256"),
    (("artifacts", 1, "kind"), lambda m: f"artifacts[{_artifact(m, 1)}].kind"),
    (("restricted", "files", 0, "sha256"),
     lambda m: f"restricted.files[{json.dumps(m['restricted']['files'][0]['key'])}]"),
])
def test_a_nested_edit_is_named_by_its_path(path: FieldPath, named: Callable[[dict[str, Any]], str], prefix: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    manifest = manifest_of(prefix)
    name = named(manifest)
    edit_at(manifest, path)
    write_manifest(prefix, manifest)
    code, report = verify(prefix, capsys)
    assert code == EXIT_GATE_BLOCKED
    edited = [what for what in said(report) if what.startswith("field ")]
    assert edited == [f"field {name} was edited after publishing (it no longer gives its recorded digest)"]
    with pytest.raises(LoaderError, match=re.escape(f"field {name} was edited")):
        ReleaseLoader(str(prefix))


def test_added_and_removed_fields_are_named_as_such(prefix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = manifest_of(prefix)
    manifest["signoffs"]["exceptions"] = [{"review": "clinician_qa", "records": ["alpha/a01"]}]
    del manifest["privacy"]["mode"]
    write_manifest(prefix, manifest)
    code, report = verify(prefix, capsys)
    assert code == EXIT_GATE_BLOCKED
    assert [what for what in said(report) if what.startswith("field ")] == [
        "field privacy.mode was removed after publishing", "field signoffs.exceptions was added after publishing"]


def test_digests_rewritten_to_match_an_edit_still_fail_on_the_root(prefix: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Rewriting the field digests too hides which field changed, not that one did."""
    manifest = manifest_of(prefix)
    manifest["split_assignment"]["salt"] = "another-salt"
    resealed = seal(body(manifest))
    write_manifest(prefix, {**resealed, "root_digest": manifest["root_digest"]})
    code, report = verify(prefix, capsys)
    assert code == EXIT_GATE_BLOCKED
    assert [what.split(":")[0] for what in said(report)] == ["root_digest mismatch"]


def test_only_a_root_digest_held_elsewhere_catches_a_manifest_rewritten_whole(
        prefix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What is not proven: a consistent rewrite (body, digests and root) is sound to verify; a pinned root refuses."""
    pinned = manifest_of(prefix)["root_digest"]
    manifest = manifest_of(prefix)
    manifest["split_assignment"]["salt"] = "another-salt"
    write_manifest(prefix, seal(body(manifest)))
    assert verify(prefix, capsys)[0] == EXIT_OK
    with pytest.raises(LoaderError, match="not the pinned"):
        ReleaseLoader(str(prefix), root_digest=pinned)


def as_format_1(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest as format 1 wrote it: no field digests, a root over the artifact list only, and none of what
    came later (definition/, the held-out index, content-followed split counts, reviews' findings, carry-over and
    signatures, and the signers they were checked against)."""
    artifacts = [art for art in manifest["artifacts"] if art["kind"] not in ("definition", "heldout_index")]
    split_assignment = manifest["split_assignment"]
    families = {name: {key: value for key, value in family.items() if key != "by_content"}
                for name, family in split_assignment["families"].items()}
    signoffs = manifest["signoffs"]
    reviews = {name: {key: value for key, value in review.items()
                      if key not in ("carried_from", "exceptions", "failed_items", "signature", "key")}
               for name, review in signoffs["reviews"].items()}
    return {**body(manifest), "format_version": 1, "artifacts": artifacts, "root_digest": merkle_root(artifacts),
            "split_assignment": {**split_assignment, "families": families},
            "signoffs": {**{key: value for key, value in signoffs.items() if key != "signers"}, "reviews": reviews}}


def test_the_previous_format_is_verified_by_its_own_rules_with_a_warning(prefix: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(prefix / "definition")  # format 1 published no definition files and no held-out index
    shutil.rmtree(prefix / "heldout")
    write_manifest(prefix, as_format_1(manifest_of(prefix)))
    code, report = verify(prefix, capsys)
    assert code == EXIT_OK, report["findings"]
    assert any(warning["what"].startswith("format_version 1: its root_digest covers the artifact list only")
               for warning in report["warnings"])
    assert ReleaseLoader(str(prefix)).version == VERSION  # format 1's shards are still proven by its root
    manifest = as_format_1(manifest_of(prefix))
    manifest["artifacts"][0]["sha256"] = "0" * 64
    write_manifest(prefix, manifest)
    code, report = verify(prefix, capsys)
    assert code == EXIT_GATE_BLOCKED and any(what.startswith("root_digest mismatch: its artifacts give")
                                             for what in said(report))


@pytest.mark.parametrize("version, expected", [
    (0, "format_version 0 is too old or not a manifest format: this releasebuild reads formats 1 and 2"),
    (None, "format_version None is too old"),
    (3, "format_version 3 is newer than this releasebuild reads (1 and 2): upgrade releasebuild"),
])
def test_a_format_this_reader_does_not_know_is_said_to_be_so(version: Any, expected: str, prefix: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    write_manifest(prefix, {**manifest_of(prefix), "format_version": version})
    code, report = verify(prefix, capsys)
    assert code == EXIT_GATE_BLOCKED
    assert len(report["findings"]) == 1 and report["findings"][0]["what"].startswith(expected)
    with pytest.raises(LoaderError, match=re.escape(expected.split(":")[0])):
        ReleaseLoader(str(prefix))


@pytest.mark.unit
def test_tree_paths_name_fields_as_a_reader_writes_them() -> None:
    document = {"a": {"b": [1, 2], "c.d": {"e": {"f": 1}}},
                "artifacts": [{"key": "data/x.jsonl", "sha256": "0"}, {"key": "y", "sha256": "1"}]}
    tree = merkle_tree(document, FIELD_DEPTH)
    assert sorted(tree) == sorted(["", "a", "a.b", "a.b[0]", "a.b[1]", 'a["c.d"]', 'a["c.d"].e', "artifacts",
                                   'artifacts["data/x.jsonl"]', 'artifacts["data/x.jsonl"].sha256',
                                   'artifacts["data/x.jsonl"].key', 'artifacts["y"]', 'artifacts["y"].sha256',
                                   'artifacts["y"].key'])
    assert merkle_tree({"a": [1]}, 3)[""] != merkle_tree({"a": {"0": 1}}, 3)[""]  # a list is not an object
    assert merkle_tree({"a": [1, 2]}, 3)[""] != merkle_tree({"a": [2, 1]}, 3)[""]  # a list's order counts
    assert merkle_tree({"a": 1, "b": 2}, 3) == merkle_tree({"b": 2, "a": 1}, 3)  # an object's does not
