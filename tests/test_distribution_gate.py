"""The distribution gate in a build: hand-computed statistics, expected ranges, regressions against the previous
published release and their acknowledgement, tokenizer resolution offline, and byte-identical reports and plots.
Every check reads what a real apply published (or left in the blocked directory)."""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from releasebuild import api, cli
from releasebuild.distribution.stats import Accumulator, Distribution, measure
from releasebuild.distribution.tokenizers import APPROX, VOCABULARIES, approx_count, resolve, vocabulary_problem
from releasebuild.errors import DefinitionError, GateBlocked
from releasebuild.testing import ReleaseFixture, conversation, family_definition, make_release, write_jsonl

VERSION = "v2026-11-23"
LATER = "v2026-12-01"
GATE_FILE = "gates/distribution.yaml"


def dialog(record_id: str, *turns: str, group: str = "g") -> dict[str, Any]:
    """A source row whose turns alternate user, assistant, user, ..."""
    return {"cid": record_id, "session": group, "topic": "sleep",
            "dialog": [{"speaker": "usr" if index % 2 == 0 else "sys", "text": text}
                       for index, text in enumerate(turns)]}


def with_gate(fixture: ReleaseFixture, settings: dict[str, Any], **release: Any) -> None:
    """Write gates/distribution.yaml and declare it in release.yaml (plus any other release.yaml changes)."""
    (fixture.dir / GATE_FILE).write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    gates = yaml.safe_load(fixture.release_yaml.read_text())["gates"]
    fixture.edit_yaml(fixture.release_yaml, gates={**gates, "distribution": GATE_FILE}, **release)


def published(fixture: ReleaseFixture, version: str = VERSION) -> Path:
    return fixture.dir / "published" / "releases" / version


def blocked(fixture: ReleaseFixture, version: str = VERSION) -> Path:
    return fixture.dir / ".releasebuild" / "blocked" / version


def report_at(prefix: Path) -> dict[str, Any]:
    return json.loads((prefix / "gates" / "distribution.json").read_text())


def family_entry(report: dict[str, Any], family: str) -> dict[str, Any]:
    (entry,) = [entry for entry in report["families"] if entry["family"] == family]
    return entry


def test_stats_match_a_hand_computed_family(tmp_path: Path) -> None:
    # One group, so every record lands in the same split. With the system prompt "Be kind." (approx: Be|kind|.,
    # 3 tokens, 8 chars) the conversations are, as (role, tokens, chars):
    #   c1: system 3/8, user 5/20, assistant 2/3                          -> 2 turns, 10 tokens, 31 chars
    #   c2: system 3/8, user 6/14, assistant 6/24, user 1/2, assistant 2/5 -> 4 turns, 18 tokens, 53 chars
    #   c3: system 3/8, user 2/4, assistant 6/28                          -> 2 turns, 11 tokens, 40 chars
    rows = [dialog("c1", "Hello there, friend.", "Hi!"),
            dialog("c2", "I can't sleep.", "Tell me more about that.", "Ok", "Sure."),
            dialog("c3", "Why?", "Because sleep matters a lot.")]
    fixture = make_release(tmp_path / "rel", {"alpha": rows})
    fixture.edit_yaml(fixture.family_yaml("alpha"), system_prompt="Be kind.")
    with_gate(fixture, {"max_message_tokens": 5})
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error

    gate = report_at(published(fixture))
    assert gate["status"] == "pass" and gate["tokenizer"] == {
        "name": "approx", "version": r"regex \w+|[^\w\s] v1", "requested": "approx", "fallback_reason": None}
    alpha = family_entry(gate, "alpha")
    (split,) = set(alpha["splits"]) - {"all"}
    assert alpha["splits"][split] == alpha["splits"]["all"]
    assert alpha["splits"]["all"] == {
        "conversations": 3, "messages": 11, "tokens": 39,
        "turns.mean": round(8 / 3, 4), "turns.median": 2, "turns.p95": 3.8,
        "chars_per_message.mean": round(124 / 11, 4), "chars_per_message.p95": 26,
        "chars_per_conversation.mean": round(124 / 3, 4), "chars_per_conversation.median": 40,
        "chars_per_conversation.p95": 51.7,
        "tokens_per_message.mean": round(39 / 11, 4), "tokens_per_message.p95": 6,
        "tokens_per_conversation.mean": 13, "tokens_per_conversation.median": 11, "tokens_per_conversation.p95": 17.3,
        "role_share.system": round(3 / 11, 4), "role_share.user": round(4 / 11, 4),
        "role_share.assistant": round(4 / 11, 4),
        "role_token_share.system": round(9 / 39, 4), "role_token_share.user": round(14 / 39, 4),
        "role_token_share.assistant": round(16 / 39, 4),
        "empty_messages": 0, "over_long_messages": 3,  # the three 6-token messages, above max_message_tokens 5
    }
    # The report, its markdown and the plots are published and listed in the manifest with their SHA-256.
    manifest = json.loads((published(fixture) / "manifest.json").read_text())
    listed = {art["key"]: art for art in manifest["artifacts"]}
    for key in ("gates/distribution.json", "gates/distribution.md", "gates/distribution/alpha.png",
                "gates/distribution/overview.png"):
        assert listed[key]["sha256"] == hashlib.sha256((published(fixture) / key).read_bytes()).hexdigest()
    assert (published(fixture) / "gates/distribution/alpha.png").read_bytes().startswith(b"\x89PNG")
    markdown = (published(fixture) / "gates/distribution.md").read_text()
    assert "](distribution/alpha.png)" in markdown and "](distribution/overview.png)" in markdown
    summary = json.loads((published(fixture) / "gates/summary.json").read_text())
    assert {gate["id"]: gate["status"] for gate in summary["gates"]}["distribution"] == "pass"


def test_empty_messages_are_counted_and_percentiles_match_numpy() -> None:
    # Ingest quarantines a message with no text, so the pipeline never shows one: count it at the source.
    accumulator = Accumulator()
    accumulator.add(measure([{"role": "user", "content": "  "}, {"role": "assistant", "content": "Fine, thanks."}],
                            approx_count), max_message_tokens=2)
    metrics = accumulator.metrics()
    assert metrics["empty_messages"] == 1 and metrics["over_long_messages"] == 1 and metrics["tokens"] == 4
    values = [random.Random(7).randrange(0, 500) for _ in range(999)]
    distribution = Distribution()
    for value in values:
        distribution.add(value)
    for q in (0, 0.5, 0.95, 1):
        assert distribution.quantile(q) == pytest.approx(float(np.percentile(values, 100 * q)))


def test_a_value_outside_its_range_blocks_and_names_family_and_metric(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    fixture = make_release(tmp_path / "rel", {"alpha": [conversation(f"a{i}", f"s{i}") for i in range(6)],
                                              "beta": [conversation(f"b{i}", f"t{i}") for i in range(6)]})
    with_gate(fixture, {"ranges": {"turns.mean": {"min": 1}},
                        "families": {"alpha": {"ranges": {"turns.mean": {"min": 3, "max": 10}}}}})
    assert cli.main(["apply", str(fixture.release_yaml), "--json"]) == 3
    error = json.loads(capsys.readouterr().out)["error"]
    assert "blocked by gate(s) distribution" in error
    assert "distribution: alpha: turns.mean = 2 is below the minimum 3 (all splits)" in error
    assert "beta:" not in error  # beta only has the release-wide range, which it meets
    assert not (fixture.dir / "published" / "releases").exists()  # only the attempt's reports, under attempts/
    gate = report_at(blocked(fixture))
    assert gate["status"] == "fail" and gate["failed_families"] == ["alpha"]
    assert family_entry(gate, "alpha")["ranges"] == [
        {"split": "all", "metric": "turns.mean", "min": 3, "max": 10, "value": 2, "ok": False}]
    assert family_entry(gate, "beta")["ranges"] == [
        {"split": "all", "metric": "turns.mean", "min": 1, "max": None, "value": 2, "ok": True}]


def publish_then_lengthen(tmp_path: Path) -> ReleaseFixture:
    """v1 published with two-turn conversations; then a later version whose conversations have six turns."""
    fixture = make_release(tmp_path / "rel", {"alpha": [conversation(f"a{i}", f"s{i}") for i in range(8)]})
    with_gate(fixture, {"regression": {"metrics": ["turns.mean"], "min_conversations": 1}})
    assert api.apply(fixture.release_yaml, jobs=2).outcome.error is None
    fixture.edit_yaml(fixture.release_yaml, version=LATER, families=["families/alpha.yaml", "families/beta.yaml"],
                      curriculum=[{"stage": "foundation", "families": {"alpha": 1, "beta": 1}}])
    fixture.family_yaml("beta").write_text(yaml.safe_dump(family_definition("beta"), sort_keys=False))
    write_jsonl(fixture.data_file("beta"), [conversation(f"b{i}", f"t{i}") for i in range(3)])
    write_jsonl(fixture.data_file("alpha"), [conversation(f"a{i}", f"s{i}", turns=6) for i in range(8)])
    return fixture


def test_a_regression_against_the_previous_release_blocks(tmp_path: Path) -> None:
    fixture = publish_then_lengthen(tmp_path)
    report = api.apply(fixture.release_yaml, jobs=2)
    assert isinstance(report.outcome.error, GateBlocked) and report.outcome.error.failed == ["distribution"]
    assert "alpha: turns.mean moved +200.0% since the previous release (2 -> 6, all splits)" in str(
        report.outcome.error)
    assert not published(fixture, LATER).exists()
    gate = report_at(blocked(fixture, LATER))
    assert gate["previous"] == {"version": VERSION, "report": True, "note": f"compared with {VERSION}"}
    alpha = family_entry(gate, "alpha")
    regressions = [row for row in alpha["comparisons"] if row["status"] == "regression"]
    assert {"split": "all", "metric": "turns.mean", "previous": 2, "current": 6, "change": 2.0,
            "status": "regression"} in regressions
    assert {row["metric"] for row in alpha["comparisons"]} == {"turns.mean"}  # only the configured metrics
    beta = family_entry(gate, "beta")
    assert beta["new"] is True and beta["status"] == "pass" and beta["comparisons"] == []


def test_an_acknowledged_regression_passes_as_warn_with_its_reason(tmp_path: Path) -> None:
    fixture = publish_then_lengthen(tmp_path)
    reason = "sessions now keep the whole intake conversation"
    fixture.edit_yaml(fixture.release_yaml, acknowledge=[
        {"gate": "distribution", "family": "alpha", "metric": "turns.mean", "reason": reason}])
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    gate = report_at(published(fixture, LATER))
    assert gate["status"] == "warn"
    alpha = family_entry(gate, "alpha")
    assert alpha["status"] == "warn" and "why" not in alpha
    moved = [row for row in alpha["comparisons"] if row["status"] != "ok"]
    assert moved and all(row["status"] == "acknowledged" and row["reason"] == reason for row in moved)
    assert gate["acknowledged"] == [{"family": "alpha", "metric": "turns.mean", "reason": reason,
                                     "regressions": len(moved)}]
    markdown = (published(fixture, LATER) / "gates/distribution.md").read_text()
    assert f"acknowledged: turns.mean moved +200.0% since the previous release (2 -> 6, all splits); reason: {reason}" \
        in markdown
    summary = json.loads((published(fixture, LATER) / "gates/summary.json").read_text())
    assert {gate["id"]: gate["status"] for gate in summary["gates"]}["distribution"] == "warn"


def test_an_unknown_metric_name_is_a_definition_error_with_its_location(tmp_path: Path) -> None:
    fixture = make_release(tmp_path / "rel", {"alpha": [conversation("a0", "s0")]})
    with_gate(fixture, {})
    (fixture.dir / GATE_FILE).write_text(
        "families:\n"
        "  alpha:\n"
        "    ranges:\n"
        "      turn.mean: {min: 1}\n"
        "    splits:\n"
        "      test:\n"
        "        tokens_per_convo.p95: {max: 900}\n"
        "regression:\n"
        "  metrics: [role_share.asistant]\n")
    with pytest.raises(DefinitionError) as caught:
        api.plan(fixture.release_yaml)
    assert [str(d) for d in caught.value.diagnostics] == [
        "gates/distribution.yaml:4:18: unknown distribution metric 'turn.mean'\n    hint: did you mean 'turns.mean'?",
        "gates/distribution.yaml:7:31: unknown distribution metric 'tokens_per_convo.p95'\n"
        "    hint: did you mean 'tokens_per_conversation.p95'?",
        "gates/distribution.yaml:9:13: unknown distribution metric 'role_share.asistant'\n"
        "    hint: did you mean 'role_share.assistant'?",
    ]


def test_tokenizer_falls_back_to_the_approximation_offline_and_says_so(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    # A file under the right name but with the wrong bytes: tiktoken would delete it and download; we fall back.
    (cache / VOCABULARIES["o200k_base"].cache_name).write_bytes(b"not a vocabulary")
    resolved = resolve("o200k_base")
    assert resolved.name == APPROX and "wrong SHA-256" in str(resolved.fallback_reason)

    fixture = make_release(tmp_path / "rel", {"alpha": [conversation(f"a{i}", f"s{i}") for i in range(3)]})
    with_gate(fixture, {"tokenizer": "cl100k_base"})
    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    gate = report_at(published(fixture))
    assert gate["status"] == "warn"
    assert gate["tokenizer"] == {
        "name": "approx", "version": r"regex \w+|[^\w\s] v1", "requested": "cl100k_base",
        "fallback_reason": "cl100k_base's vocabulary file (9b5ad71b2ce5302211f9c61530b329a4922fc6a4) is not in "
                           "TIKTOKEN_CACHE_DIR"}
    assert "`cl100k_base` was asked for, but" in (published(fixture) / "gates/distribution.md").read_text()

    with_gate(fixture, {"tokenizer": "cl100k_base", "fallback": "error"})
    with pytest.raises(DefinitionError) as caught:
        api.plan(fixture.release_yaml)
    (message,) = [str(d) for d in caught.value.diagnostics]
    assert message.startswith("gates/distribution.yaml:1:12: tokenizer 'cl100k_base' is not available offline "
                              "and fallback is 'error': cl100k_base's vocabulary file "
                              "(9b5ad71b2ce5302211f9c61530b329a4922fc6a4) is not in TIKTOKEN_CACHE_DIR")
    assert "TIKTOKEN_CACHE_DIR" in message.split("hint:")[1]


@pytest.mark.skipif(vocabulary_problem("cl100k_base") is not None and not os.environ.get("CI"),
                    reason="cl100k_base's vocabulary file is not in TIKTOKEN_CACHE_DIR (see docs/gates.md; "
                           "CI fetches it with scripts/fetch_tiktoken_vocab.py)")
def test_tiktoken_counts_when_its_vocabulary_is_offline(tmp_path: Path) -> None:
    import tiktoken

    rows = [conversation(f"a{i}", f"s{i}", text="I can't sleep; tell me more, please!") for i in range(3)]
    fixture = make_release(tmp_path / "rel", {"alpha": rows})
    with_gate(fixture, {"tokenizer": "cl100k_base", "fallback": "error"})
    assert api.apply(fixture.release_yaml, jobs=2).outcome.error is None
    gate = report_at(published(fixture))
    assert gate["status"] == "pass" and gate["tokenizer"]["name"] == "cl100k_base"
    assert gate["tokenizer"]["version"].startswith(f"tiktoken=={tiktoken.__version__} sha256:")
    encoding = tiktoken.get_encoding("cl100k_base")
    expected = sum(len(encoding.encode_ordinary(turn["text"])) for row in rows for turn in row["dialog"])
    assert family_entry(gate, "alpha")["splits"]["all"]["tokens"] == expected


def test_reports_and_plots_are_byte_identical_across_builds(tmp_path: Path) -> None:
    rows = {"alpha": [conversation(f"a{i}", f"s{i}", turns=2 + i % 4) for i in range(12)],
            "beta": [conversation(f"b{i}", f"t{i}", turns=3) for i in range(5)]}
    builds = [make_release(tmp_path / name, rows) for name in ("one", "two")]
    for fixture in builds:
        assert api.apply(fixture.release_yaml, jobs=2).outcome.error is None
    first, second = (published(fixture) / "gates" for fixture in builds)
    names = sorted(path.relative_to(first).as_posix() for path in first.rglob("distribution*") if path.is_file())
    names += sorted(path.relative_to(first).as_posix() for path in (first / "distribution").iterdir())
    assert names == ["distribution.json", "distribution.md", "distribution/alpha.png", "distribution/beta.png",
                     "distribution/overview.png"]
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert b"Matplotlib" not in (first / "distribution/overview.png").read_bytes()  # no version text chunk
