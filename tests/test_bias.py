"""The bias gate: planted imbalances are flagged, lexicons are inputs, a blocking check blocks, and the bias review
signs its own families' sections of the report.

Fixture releases carry small lexicons of their own (gates/lexicons/), so each count can be worked out by hand.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from releasebuild import api
from releasebuild.bias.lexicon import Lexicon, Matcher
from releasebuild.errors import DefinitionError
from releasebuild.review import commands
from releasebuild.testing import ReleaseFixture, make_release, signing_key, write_jsonl

VERSION = "v2026-11-23"
GENDER = {"title": "Gender", "kind": "identity", "description": "Gendered words.", "curation": "Test list.",
          "caveats": "Pronouns refer to others.",
          "categories": {"women": {"description": "Women.", "terms": ["wife", "mother", "sister", "she"]},
                         "men": {"description": "Men.", "terms": ["husband", "father", "brother", "he"]}}}
RELIGION = {"title": "Religion", "kind": "identity", "description": "Faiths.", "curation": "Test list.",
            "caveats": "None known.",
            "categories": {"muslim": {"description": "Islam.", "terms": ["mosque", "ramadan"]},
                           "christian": {"description": "Christianity.", "terms": ["church", "easter"]}}}
CRISIS = {"title": "Crisis escalation", "kind": "assistant", "description": "Referrals.", "curation": "Test list.",
          "caveats": "None known.",
          "categories": {"crisis_line": {"description": "Crisis lines.", "terms": ["988", "crisis line"]}}}
STEREOTYPES = {"title": "Stereotypes", "kind": "assistant", "description": "Phrasing.", "curation": "Test list.",
               "caveats": "None known.",
               "categories": {"gender_roles": {"description": "Roles.", "terms": ["men don't cry"]}}}
CALM = "That sounds hard. What helps you rest?"
REFER = "That sounds hard. You can call 988, the crisis line, any time."


WORDS = ("garden", "window", "coffee", "winter", "letter", "bridge", "candle", "morning", "station", "pocket",
         "ladder", "harbor", "blanket", "orchard", "kitchen", "pencil", "meadow", "violin", "lantern", "basket",
         "carpet", "island", "jacket", "puzzle", "rocket", "saddle", "tunnel", "velvet", "walnut", "yellow", "anchor",
         "biscuit", "compass", "dolphin", "feather", "glacier", "hammock", "iceberg", "juniper", "kettle", "lemon")


def row(cid: str, user: str, assistant: str, topic: str = "sleep") -> dict[str, Any]:
    """One conversation; a few words of its own keep it from being a duplicate of its neighbours."""
    own = " ".join(random.Random(cid).sample(WORDS, 6))
    return {"cid": cid, "session": f"s-{cid}", "topic": topic,
            "dialog": [{"speaker": "usr", "text": f"{user} Things on my mind: {own}."},
                       {"speaker": "sys", "text": f"{assistant} You listed {own}."}]}


def planted(count: int = 100) -> dict[str, list[dict[str, Any]]]:
    """alpha: 90% of its users' gendered words are women's, and users who mention the mosque are referred to a
    crisis line every time (others never); beta: three brothers to a sister, one stereotyped answer."""
    alpha = []
    for i in range(count):
        gendered = "my wife" if i % 10 else "my husband"
        faith = " I was at the mosque today." if i % 4 == 0 else ""
        alpha.append(row(f"a{i:03d}", f"I argue with {gendered} about money.{faith}", REFER if faith else CALM,
                         "work" if i % 5 == 0 else "sleep"))
    beta = []
    for i in range(count):
        gendered = "my brother" if i % 4 else "my sister"
        answer = "Remember, men don't cry." if i == 7 else CALM
        beta.append(row(f"b{i:03d}", f"I argue with {gendered} about chores at church.", answer))
    return {"alpha": alpha, "beta": beta}


def write_lexicons(directory: Path, **lexicons: dict[str, Any]) -> None:
    folder = directory / "gates" / "lexicons"
    folder.mkdir(parents=True, exist_ok=True)
    for name, lexicon in lexicons.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(lexicon, sort_keys=False), encoding="utf-8")


def bias_gate(fixture: ReleaseFixture, **settings: Any) -> None:
    (fixture.dir / "gates" / "bias.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    document = yaml.safe_load(fixture.release_yaml.read_text())
    fixture.edit_yaml(fixture.release_yaml, gates={**document["gates"], "bias": "gates/bias.yaml"})


def published(fixture: ReleaseFixture, key: str, version: str = VERSION) -> Path:
    return fixture.dir / "published" / "releases" / version / key


def report_of(fixture: ReleaseFixture, version: str = VERSION) -> dict[str, Any]:
    return json.loads(published(fixture, "bias/report.json", version).read_text(encoding="utf-8"))


def flags(report: dict[str, Any], family: str | None = None) -> list[dict[str, Any]]:
    every = [flag for entry in report["families"].values() for flag in entry["flags"]] + report["release"]["flags"]
    return [flag for flag in every if family is None or flag["family"] == family]


def ran(report: api.ApplyReport) -> set[str]:
    return {step["id"] for step in report.to_json()["steps"] if step["status"] == "ran"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> ReleaseFixture:
    fixture = make_release(tmp_path_factory.mktemp("bias"), planted())
    write_lexicons(fixture.dir, gender=GENDER, religion=RELIGION, crisis=CRISIS, stereotypes=STEREOTYPES)
    outcome = api.apply(fixture.release_yaml).outcome
    assert outcome.error is None, outcome.error
    return fixture


# --- the matcher ---------------------------------------------------------------------------------------------

def test_terms_match_whole_tokens_case_free_and_the_longest_term_wins() -> None:
    lexicon = Lexicon.model_validate({**RELIGION, "categories": {
        "christian": {"description": "c", "terms": ["church"]},
        "other": {"description": "o", "terms": ["african american church", "non-binary"]}}})
    counts = Matcher({"religion": lexicon}).count("Church! The African-American church; churches. Non binary.")
    assert {(hit.category, count) for hit, count in counts.items()} == {("christian", 1), ("other", 2)}


# --- planted imbalances --------------------------------------------------------------------------------------

def test_a_planted_gender_imbalance_is_flagged_and_a_balanced_family_is_not(built: ReleaseFixture) -> None:
    report = report_of(built)
    alpha = report["families"]["alpha"]["splits"]["all"]
    assert alpha["conversations"] == 100
    assert alpha["identity"]["gender"]["women"]["user"] == {"conversations": 90, "mentions": 90}
    assert alpha["identity"]["gender"]["men"]["user"] == {"conversations": 10, "mentions": 10}
    assert alpha["identity"]["gender"]["women"]["assistant"] == {"conversations": 0, "mentions": 0}
    (dominance,) = [flag for flag in flags(report, "alpha") if flag["check"] == "dominance"]
    assert (dominance["cell"], dominance["role"], dominance["value"]) == ("identity/gender/women", "user", 0.9)
    assert "90% of user mentions of gender are women (90 of 100; max_share 0.8)" in dominance["message"]
    # Against the release (200 mentions: 115 women, 85 men), alpha's 90% is more than 20 points off 57.5%.
    shifted = {(flag["family"], flag["cell"]) for flag in flags(report) if flag["check"] == "vs_release"}
    assert ("alpha", "identity/gender/women") in shifted
    assert not [flag for flag in flags(report, "beta") if flag["check"] == "dominance" and "gender" in flag["cell"]]
    assert report["release"]["identity"]["gender"]["user"]["counts"] == {"women": 115, "men": 85}


def test_crisis_referrals_by_identity_mention_and_stereotyped_phrasing_are_flagged(built: ReleaseFixture) -> None:
    report = report_of(built)
    (by_identity,) = [flag for flag in flags(report, "alpha") if flag["check"] == "assistant_by_identity"]
    assert by_identity["cell"] == "assistant/crisis/crisis_line+identity/religion/muslim"
    assert by_identity["value"] == 1.0 and "25 of 25" in by_identity["message"] and "vs 25%" in by_identity["message"]
    (stereotype,) = [flag for flag in flags(report, "beta") if flag["check"] == "assistant_rate"]
    assert stereotype["cell"] == "assistant/stereotypes/gender_roles" and "1 of 100" in stereotype["message"]
    # Flags warn: the release is published, the gate summary says warn.
    summary = json.loads(published(built, "gates/summary.json").read_text())
    assert {gate["id"]: (gate["status"], gate["blocking"]) for gate in summary["gates"]}["bias"] == ("warn", True)
    assert summary["blocked"] is False


def test_labels_language_and_reading_level_are_counted_per_split(built: ReleaseFixture) -> None:
    splits = report_of(built)["families"]["alpha"]["splits"]
    assert splits["all"]["labels"] == {"topic": {"sleep": 80, "work": 20}}
    assert sum(splits[s]["conversations"] for s in ("train", "val", "test") if s in splits) == 100
    assert {s: sum(row["labels"]["topic"].values()) for s, row in splits.items()} == {
        s: row["conversations"] for s, row in splits.items()}
    assert splits["all"]["languages"] == {"user": {"en": 100}, "assistant": {"en": 100}}
    assert 0 < splits["all"]["reading_level"]["user"]["mean"] < 12


def test_flagged_cells_have_a_stratified_sample_next_to_the_qa_samples(built: ReleaseFixture) -> None:
    report = report_of(built)
    samples = report["samples"]["alpha"]
    assert samples["file"] == "qa/bias_cultural_review/bias/alpha.jsonl"
    rows = [json.loads(line) for line in published(built, samples["file"]).read_text().splitlines()]
    women = [entry for entry in rows if entry["cell"] == "identity/gender/women"]
    assert len(women) == 4 and len({entry["split"] for entry in women}) >= 2  # stratified by split
    assert all("wife" in entry["record"]["messages"][0]["content"] for entry in women)
    crossed = [entry for entry in rows if entry["cell"] == by_cell(report, "alpha", "assistant_by_identity")]
    assert crossed and all("mosque" in entry["record"]["messages"][0]["content"] for entry in crossed)
    page = published(built, samples["page"]).read_text()
    assert "## `identity/gender/women`" in page and "90% of user mentions of gender are women" in page
    manifest = json.loads(published(built, "manifest.json").read_text())
    keys = {artifact["key"] for artifact in manifest["artifacts"]}
    assert {"bias/report.json", "bias/report.md", "bias/identity.png", "bias/assistant.png", "bias/labels-alpha.png",
            samples["file"], samples["page"]} <= keys
    assert "![bias/identity.png](identity.png)" in published(built, "bias/report.md").read_text()


def by_cell(report: dict[str, Any], family: str, check: str) -> str:
    return next(flag["cell"] for flag in flags(report, family) if flag["check"] == check)


# --- lexicons are inputs -------------------------------------------------------------------------------------

def test_editing_a_lexicon_reruns_only_the_bias_steps(tmp_path: Path) -> None:
    fixture = make_release(tmp_path, planted(40))
    write_lexicons(fixture.dir, gender=GENDER)
    api.apply(fixture.release_yaml)
    first = published(fixture, "bias/report.json").read_bytes()
    write_lexicons(fixture.dir, gender={**GENDER, "categories": {
        **GENDER["categories"], "men": {"description": "Men.", "terms": [*GENDER["categories"]["men"]["terms"],
                                                                         "chores"]}}})
    plan = api.plan(fixture.release_yaml).to_json()
    stale = {step["id"]: step for step in plan["steps"] if step["status"] != "cached"}
    assert {"alpha/bias", "beta/bias"} <= set(stale) and "alpha/privacy" not in stale
    report = api.apply(fixture.release_yaml)
    assert {"alpha/bias", "beta/bias", "release/bias"} <= ran(report)
    assert ran(report) <= {"alpha/bias", "beta/bias", "release/bias", "release/gates", "release/signoff",
                           "release/notes", "release/definition", "release/lock", "release/manifest",
                           "release/publish"}
    assert report_of(fixture)["families"]["beta"]["splits"]["all"]["identity"]["gender"]["men"]["user"][
        "mentions"] == 70  # 30 brothers and 40 chores
    write_lexicons(fixture.dir, gender=GENDER)  # back as it was: the cached counts, the same bytes
    assert ran(api.apply(fixture.release_yaml)) <= {"release/definition", "release/manifest", "release/publish"}
    assert published(fixture, "bias/report.json").read_bytes() == first


def test_a_change_to_one_family_redraws_its_charts_and_takes_the_others_from_the_memo(tmp_path: Path) -> None:
    families = planted(40)
    for index, record in enumerate(families["beta"]):  # two topics: beta has a label chart of its own
        record["topic"] = "work" if index % 3 else "sleep"
    fixture = make_release(tmp_path / "one", families)
    write_lexicons(fixture.dir, gender=GENDER, religion=RELIGION)
    assert api.apply(fixture.release_yaml).outcome.error is None
    families["alpha"][5]["dialog"][0]["text"] = "I argue with my husband about money. The mosque helped."
    write_jsonl(fixture.data_file("alpha"), families["alpha"])
    report = api.apply(fixture.release_yaml)
    gate = next(step for step in report.outcome.steps if step.id == "release/bias")
    # alpha's label chart and the release-wide identity chart are drawn again; beta's label chart is reused
    assert gate.status == "ran" and gate.stats == {"charts_drawn": 2, "charts_reused": 1}
    clean = make_release(tmp_path / "two", families)
    write_lexicons(clean.dir, gender=GENDER, religion=RELIGION)
    assert api.apply(clean.release_yaml).outcome.error is None
    charts = report_of(fixture)["charts"]
    assert set(charts) == {"bias/identity.png", "bias/labels-alpha.png", "bias/labels-beta.png"}
    assert [published(fixture, key).read_bytes() == published(clean, key).read_bytes() for key in charts] == [
        True] * len(charts)


# --- blocking and acknowledging ------------------------------------------------------------------------------

def test_a_blocking_check_blocks_the_release_with_a_clear_reason_until_acknowledged(tmp_path: Path) -> None:
    fixture = make_release(tmp_path, planted(40))
    write_lexicons(fixture.dir, gender=GENDER)
    bias_gate(fixture, dominance={"blocking": True, "min_mentions": 10})
    outcome = api.apply(fixture.release_yaml).outcome
    assert outcome.error is not None and "blocked by gate(s) bias" in str(outcome.error)
    assert "alpha: dominance: 90% of user mentions of gender are women (36 of 40; max_share 0.8)" in str(outcome.error)
    assert not published(fixture, "manifest.json").exists()
    fixture.edit_yaml(fixture.release_yaml, acknowledge=[
        {"gate": "bias", "family": "alpha", "metric": "dominance.identity/gender/women",
         "reason": "alpha is a couples-therapy set; its users are mostly wives, on purpose"}])
    assert api.apply(fixture.release_yaml).outcome.error is None
    (flag,) = [flag for flag in flags(report_of(fixture), "alpha") if flag["check"] == "dominance"]
    assert flag["status"] == "acknowledged" and flag["reason"].startswith("alpha is a couples-therapy set")


def test_bias_definitions_are_checked_with_file_and_line(tmp_path: Path) -> None:
    fixture = make_release(tmp_path, planted(4))
    write_lexicons(fixture.dir, gender=GENDER, religion={**RELIGION, "sources": "a web page"},
                   crisis={**CRISIS, "categories": {"line": {"description": "l", "terms": ["988", "Crisis  line"]},
                                                    "again": {"description": "a", "terms": ["crisis-line"]}}})
    bias_gate(fixture, lexicons=["lexicons/*.yaml", "missing/*.yaml"], assistant_rate={"max_rate": {"stereotype": 0}})
    fixture.edit_yaml(fixture.release_yaml, acknowledge=[{"gate": "bias", "metric": "dominanse", "reason": "r"}])
    with pytest.raises(DefinitionError) as caught:
        api.validate(fixture.release_yaml)
    messages = [str(diagnostic) for diagnostic in caught.value.diagnostics]
    assert any(m.startswith("gates/lexicons/religion.yaml:") and "unknown key 'sources'" in m for m in messages)
    assert any(m.startswith("gates/lexicons/crisis.yaml:") and "'crisis-line' is listed in 'line' and 'again'" in m
               for m in messages), messages
    assert any(m.startswith("gates/bias.yaml:") and "'stereotype' is not an assistant lexicon" in m for m in messages)
    assert any(m.startswith("gates/bias.yaml:") and "no lexicon file matches 'gates/missing/*.yaml'" in m
               for m in messages)
    assert any("unknown bias check 'dominanse'" in m and "did you mean 'dominance'" in m for m in messages)


def test_a_release_without_lexicons_still_reports_and_says_so(tmp_path: Path) -> None:
    fixture = make_release(tmp_path, planted(8))
    assert api.apply(fixture.release_yaml).outcome.error is None
    report = report_of(fixture)
    assert report["status"] == "warn" and "no lexicon matched" in report["lexicons"]["note"]
    assert report["families"]["alpha"]["splits"]["all"]["labels"] == {"topic": {"sleep": 6, "work": 2}}
    assert report["charts"] == ["bias/labels-alpha.png"]  # beta has one topic: its table says it all


# --- the previous release --------------------------------------------------------------------------------------

def test_a_shift_since_the_previous_release_is_flagged(tmp_path: Path) -> None:
    fixture = make_release(tmp_path, planted(60))
    write_lexicons(fixture.dir, gender=GENDER)
    api.apply(fixture.release_yaml)
    rows = planted(60)
    for entry in rows["beta"][:40]:  # beta's users now speak of their sisters three times in four, not one
        entry["dialog"][0]["text"] = entry["dialog"][0]["text"].replace("my brother", "my sister")
    fixture.data_file("beta").write_text("".join(json.dumps(entry) + "\n" for entry in rows["beta"]))
    fixture.edit_yaml(fixture.release_yaml, version="v2026-12-01")
    assert api.apply(fixture.release_yaml).outcome.error is None
    report = report_of(fixture, "v2026-12-01")
    assert report["release"]["previous"]["note"] == "compared with v2026-11-23"
    moved = [flag for flag in flags(report, "beta") if flag["check"] == "vs_previous"]
    assert {flag["cell"] for flag in moved} == {"identity/gender/women", "identity/gender/men"}
    assert any("women moved from 25% to 75% of user mentions of gender since v2026-11-23" in flag["message"]
               for flag in moved)


# --- the bias review signs its families' sections --------------------------------------------------------------

def test_the_bias_review_signs_its_families_sections_and_no_other_familys(tmp_path: Path) -> None:
    data = planted(30)
    fixture = make_release(tmp_path, {"alpha": data["alpha"], "edge_beta": data["beta"]},
                           signoffs={"required": ["bias_cultural_review"]})  # scope: foundation, i.e. alpha
    write_lexicons(fixture.dir, gender=GENDER)
    digest = commands.export_samples(fixture.release_yaml)["reviews"]["bias_cultural_review"]
    commands.record(fixture.release_yaml, "bias_cultural_review", {
        "sample": digest, "reviewer": {"id": "r-amara", "role": "cultural_reviewer"}, "decision": "approve",
        "rubric": {"*": "pass"}}, key=signing_key(fixture, "r-amara"))
    record = yaml.safe_load((fixture.dir / f"signoffs/{VERSION}/bias_cultural_review.yaml").read_text())
    assert set(record["sample"]["families"]) == {"alpha"}
    assert api.apply(fixture.release_yaml).outcome.error is None
    section = report_of(fixture)["families"]["alpha"]["section_digest"]
    assert record["sample"]["families"]["alpha"]["bias_report"] == section

    # A term only edge_beta's users say changes edge_beta's section, not alpha's: the approval holds.
    write_lexicons(fixture.dir, gender={**GENDER, "categories": {
        **GENDER["categories"], "men": {"description": "Men.", "terms": ["husband", "father", "brother", "chores"]}}})
    assert api.apply(fixture.release_yaml).outcome.error is None
    assert report_of(fixture)["families"]["alpha"]["section_digest"] == section
    # One alpha's users say changes alpha's section: the review is stale, and says why.
    write_lexicons(fixture.dir, gender={**GENDER, "categories": {
        **GENDER["categories"], "men": {"description": "Men.", "terms": ["husband", "father", "money"]}}})
    outcome = api.apply(fixture.release_yaml).outcome
    assert outcome.error is not None and "blocked by gate(s) signoff" in str(outcome.error)
    assert "alpha's section of the bias report changed" in str(outcome.error)
    status = {row["review"]: row for row in commands.status(fixture.release_yaml)["reviews"]}
    assert status["bias_cultural_review"]["status"] == "stale"


def test_language_needs_twenty_letters_in_its_head_not_twenty_characters() -> None:
    """Too little text is undetermined: fewer than MIN_LETTERS letters among the first LANGUAGE_CHARS characters,
    however many digits, spaces and marks surround them."""
    from releasebuild.bias.language import LANGUAGE_CHARS, MIN_LETTERS, UNDETERMINED, language

    letters = "abcdefghijklmnopqrstuvwxyz"[:MIN_LETTERS]
    short = " 1, ".join(letters[:-1])
    assert language(short) == UNDETERMINED
    assert language(short + letters[-1]) != UNDETERMINED
    assert language("9" * LANGUAGE_CHARS + " the quick brown fox jumps over the lazy dog") == UNDETERMINED
