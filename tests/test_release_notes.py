"""release_notes.md: counts, exclusions, gate results, sign-offs, and the change from the previous release."""

from __future__ import annotations

import json

import yaml

from releasebuild import api
from releasebuild.testing import ReleaseFixture, conversation, write_jsonl


def notes(fixture: ReleaseFixture, version: str) -> str:
    return (fixture.dir / "published" / "releases" / version / "release_notes.md").read_text()


def table_row(text: str, first_cell: str, after: str = "") -> list[str]:
    section = text[text.index(after):] if after else text
    line = next(line for line in section.splitlines() if line.startswith(f"| {first_cell} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_notes_describe_the_release_and_its_change_from_the_previous(small_release: ReleaseFixture) -> None:
    assert api.apply(small_release.release_yaml).outcome.error is None
    first = notes(small_release, "v2026-11-23")
    manifest = json.loads((small_release.dir / "published/releases/v2026-11-23/manifest.json").read_text())
    beta = manifest["families"]["beta"]["records"]
    assert table_row(first, "beta")[2:] == [str(beta["train"]), str(beta["val"]), str(beta["test"]),
                                            str(beta["total"])]
    assert table_row(first, "beta", "## Known exclusions")[1] == "1 (invalid_json 1)"  # the malformed line
    assert table_row(first, "quarantine", "## Gates")[1:3] == ["pass", "yes"]
    assert "No human review is required for this release." in first
    assert "First release: nothing to compare with." in first
    assert {"key": "release_notes.md", "kind": "release_notes"}.items() <= next(
        art for art in manifest["artifacts"] if art["key"] == "release_notes.md").items()

    # The next release: two alpha records more, two beta records gone, and a family added.
    alpha = [conversation(f"a{i:02d}", f"sa{i // 3}", turns=2 + i % 3) for i in range(14)]
    write_jsonl(small_release.data_file("alpha"), alpha)
    lines = small_release.data_file("beta").read_text().splitlines()
    small_release.data_file("beta").write_text("\n".join(lines[2:]) + "\n")
    write_jsonl(small_release.data_file("gamma"), [conversation(f"g{i}", f"sg{i}") for i in range(5)])
    small_release.family_yaml("gamma").write_text(small_release.family_yaml("alpha").read_text()
                                                  .replace("alpha", "gamma"))
    release = yaml.safe_load(small_release.release_yaml.read_text())
    release["version"] = "v2026-11-30"
    release["families"].append("families/gamma.yaml")
    release["curriculum"][0]["families"]["gamma"] = 1
    small_release.release_yaml.write_text(yaml.safe_dump(release))
    report = api.apply(small_release.release_yaml)
    assert report.outcome.error is None, report.outcome.error
    second = notes(small_release, "v2026-11-30")
    assert "Previous release: v2026-11-23." in second
    changes = second[second.index("## Changes since v2026-11-23"):]
    assert "- families added: gamma" in changes
    alpha_row = table_row(changes, "alpha")
    assert alpha_row[4] == "14 (+2)" and alpha_row[5:] == ["2", "0", "0"]  # total, new, gone, moved
    beta_row = table_row(changes, "beta")
    assert beta_row[4] == "10 (-2)" and beta_row[5:] == ["0", "2", "0"]
    assert table_row(changes, "gamma")[4] == "5 (+5)"
    assert "Gate results: unchanged." in changes


def test_the_previous_manifest_is_a_source_of_the_notes(small_release: ReleaseFixture) -> None:
    assert api.apply(small_release.release_yaml).outcome.error is None
    small_release.edit_yaml(small_release.release_yaml, version="v2026-11-30")
    project = api.open_project(small_release.release_yaml)
    notes_step = next(spec for spec in project.specs if spec.id == "release/notes")
    previous = small_release.dir / "published" / "releases" / "v2026-11-23" / "manifest.json"
    assert notes_step.sources == (str(previous),)  # republishing the previous release reruns the notes
    plan = {step.id: step for step in api.plan(small_release.release_yaml).steps}
    assert plan["release/notes"].status == "will_run" and plan["alpha/ingest"].status == "cached"
