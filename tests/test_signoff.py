"""Human review: QA samples per review, sign-offs bound to the exact sample digest, status, release notes."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import xxhash
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from releasebuild import api, cli
from releasebuild.errors import DefinitionError, GateBlocked, Refused, ReleaseBuildError
from releasebuild.keys import canonical_json
from releasebuild.review import commands
from releasebuild.review.record import SignoffRecord
from releasebuild.review.sampling import allocate, rank
from releasebuild.testing import ReleaseFixture, conversation, make_release, signing_key, write_jsonl

VERSION = "v2026-11-23"
AT = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
REVIEWS = {
    "clinician_qa": {"roles": ["clinician"], "stages": ["foundation", "edge"], "size": 5},
    "bias_cultural_review": {"roles": ["cultural_reviewer", "clinician"], "stages": ["foundation"], "size": 5},
    "ethical_safety_review": {"roles": ["ethics_reviewer"], "stages": ["edge", "voice"], "size": 5,
                              "rubric": ["crisis_handling", "boundaries"]},
    "edge_case_review": {"roles": ["clinician"], "families": ["edge"], "size": 4},
}
ROLE = {"clinician_qa": "clinician", "bias_cultural_review": "cultural_reviewer",
        "ethical_safety_review": "ethics_reviewer", "edge_case_review": "clinician"}


def rows(prefix: str, count: int) -> list[dict]:
    return [conversation(f"{prefix}{i:02d}", f"{prefix}-s{i}", turns=2 + i % 3, text=f"{prefix} talk")
            for i in range(count)]


@pytest.fixture
def reviewed(tmp_path: Path) -> ReleaseFixture:
    """Foundation, edge and voice families; four reviews (one of them on the edge family alone)."""
    fixture = make_release(tmp_path / "rel", {"alpha": rows("a", 16), "edge": rows("e", 12), "voice": rows("v", 12)},
                           signoffs={})
    fixture.edit_yaml(fixture.family_yaml("voice"), stage="voice", holdout_sensitive=False,
                      holdout_reason="test fixture")
    (fixture.dir / "gates" / "signoff.yaml").write_text(yaml.safe_dump({"reviews": REVIEWS}))
    document = yaml.safe_load(fixture.release_yaml.read_text())
    document["gates"]["signoff"] = "gates/signoff.yaml"
    fixture.release_yaml.write_text(yaml.safe_dump(document, sort_keys=False))
    return fixture


def statuses(fixture: ReleaseFixture) -> dict[str, dict]:
    return {row["review"]: row for row in commands.status(fixture.release_yaml)["reviews"]}


def approve(fixture: ReleaseFixture, review: str, decision: str = "approve", **extra: object) -> str:
    digest = statuses(fixture)[review]["sample_digest"] or commands.export_samples(fixture.release_yaml)["reviews"][
        review]
    fields = {"sample": digest[:20], "reviewer": {"id": f"dr-{review[:4]}", "role": ROLE[review]},
              "decision": decision, "rubric": {"*": "pass"}, **extra}
    _, written = commands.record(fixture.release_yaml, review, fields, at=AT,
                                 key=signing_key(fixture, fields["reviewer"]["id"]))
    return written.id


def published(fixture: ReleaseFixture) -> Path:
    return fixture.dir / "published" / "releases" / VERSION


def edit_one_record(fixture: ReleaseFixture, family: str) -> None:
    path = fixture.data_file(family)
    lines = path.read_text().splitlines()
    row = json.loads(lines[3])
    row["dialog"][0]["text"] += " (edited)"
    lines[3] = json.dumps(row, sort_keys=True)
    path.write_text("\n".join(lines) + "\n")


def test_no_signoff_blocks_then_approvals_for_the_right_digests_publish(
        reviewed: ReleaseFixture, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["apply", str(reviewed.release_yaml)]) == 3
    error = capsys.readouterr().err
    assert "blocked by gate(s) signoff" in error and "clinician_qa: pending: no sign-off recorded" in error
    assert not published(reviewed).exists()  # nothing published
    blocked = reviewed.dir / ".releasebuild" / "blocked" / VERSION
    report = json.loads((blocked / "gates" / "signoff.json").read_text())
    assert {v["review"]: v["status"] for v in report["reviews"]} == dict.fromkeys(REVIEWS, "pending")
    assert (blocked / "qa" / "clinician_qa" / "index.md").is_file()  # reviewers can read what they must sign
    assert "# Release v2026-11-23" in (blocked / "release_notes.md").read_text()

    assert cli.main(["status", str(reviewed.release_yaml), "--json"]) == 3
    shown = json.loads(capsys.readouterr().out)
    assert shown["waiting_on"] == sorted(REVIEWS) and all(row["sample_digest"] for row in shown["reviews"])
    assert {row["review"]: row["families"] for row in shown["reviews"]}["clinician_qa"] == ["alpha", "edge"]

    ids = {review: approve(reviewed, review) for review in REVIEWS}
    assert cli.main(["status", str(reviewed.release_yaml)]) == 0
    assert "Every required review is approved" in capsys.readouterr().out
    assert api.apply(reviewed.release_yaml).outcome.error is None
    release = published(reviewed)
    manifest = json.loads((release / "manifest.json").read_text())
    assert manifest["signoffs"]["ids"] == sorted(ids.values())
    assert manifest["signoffs"]["reviews"]["edge_case_review"]["status"] == "approved"
    for review in REVIEWS:  # the records ship byte for byte, listed with their SHA-256
        local = reviewed.dir / "signoffs" / VERSION / f"{review}.yaml"
        assert (release / "signoffs" / f"{review}.yaml").read_bytes() == local.read_bytes()
    keys = {art["key"]: art["kind"] for art in manifest["artifacts"]}
    assert keys["signoffs/clinician_qa.yaml"] == "signoff" and keys["release_notes.md"] == "release_notes"
    assert keys["qa/clinician_qa/alpha.jsonl"] == keys["qa/clinician_qa/index.md"] == "qa_review"
    notes = (release / "release_notes.md").read_text()
    assert all(written in notes for written in ids.values()) and "| signoff | pass | yes |" in notes


def test_samples_are_stratified_published_lines_and_stable(reviewed: ReleaseFixture) -> None:
    first = commands.export_samples(reviewed.release_yaml)
    out = Path(first["out"])
    sample = json.loads((out / "qa" / "clinician_qa" / "sample.json").read_text())
    assert sample["digest"] == first["reviews"]["clinician_qa"]
    alpha = sample["families"]["alpha"]
    assert alpha["records"] == 16 and alpha["size"] == 5 and sum(alpha["strata"].values()) == 5
    assert set(alpha["strata"]) <= {"train", "val", "test"}
    lines = (out / "qa" / "clinician_qa" / "alpha.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == alpha["ids"]
    assert "## 1. `alpha/" in (out / "qa" / "clinician_qa" / "alpha.md").read_text()
    assert first["reviews"]["clinician_qa"] != first["reviews"]["bias_cultural_review"]  # bound to its review

    again = commands.export_samples(reviewed.release_yaml, out=reviewed.dir / "again")
    assert again["reviews"] == first["reviews"]  # same data, same seed: same samples
    assert (reviewed.dir / "again/qa/clinician_qa/alpha.jsonl").read_bytes() == \
        (out / "qa/clinician_qa/alpha.jsonl").read_bytes()

    for review in REVIEWS:
        approve(reviewed, review)
    assert api.apply(reviewed.release_yaml).outcome.error is None
    shipped = {line for shard in (published(reviewed) / "data").rglob("alpha-*.jsonl")
               for line in shard.read_text().splitlines()}
    assert set(lines) <= shipped  # reviewers read exactly what ships, byte for byte


def test_a_change_makes_exactly_the_reviews_covering_it_stale(reviewed: ReleaseFixture) -> None:
    for review in REVIEWS:
        approve(reviewed, review)
    assert api.apply(reviewed.release_yaml).outcome.error is None

    edit_one_record(reviewed, "voice")  # voice only: the edge-only and foundation reviews still hold
    now = statuses(reviewed)
    assert now["ethical_safety_review"]["status"] == "unknown"  # not built yet: status runs nothing
    commands.export_samples(reviewed.release_yaml)
    now = statuses(reviewed)
    assert {review: row["status"] for review, row in now.items()} == {
        "clinician_qa": "approved", "bias_cultural_review": "approved", "edge_case_review": "approved",
        "ethical_safety_review": "stale"}
    assert "voice's data changed" in now["ethical_safety_review"]["why"]
    assert "must be redone" in now["ethical_safety_review"]["why"]
    approve(reviewed, "ethical_safety_review")
    assert api.apply(reviewed.release_yaml).outcome.error is None

    edit_one_record(reviewed, "alpha")  # one foundation record
    outcome = api.apply(reviewed.release_yaml).outcome
    assert isinstance(outcome.error, GateBlocked) and outcome.error.failed == ["signoff"]
    now = statuses(reviewed)
    assert {review: row["status"] for review, row in now.items()} == {
        "clinician_qa": "stale", "bias_cultural_review": "stale", "edge_case_review": "approved",
        "ethical_safety_review": "approved"}
    assert "alpha's data changed" in now["clinician_qa"]["why"] and "alpha" in now["bias_cultural_review"]["why"]
    assert "clinician_qa: stale" in str(outcome.error) and "bias_cultural_review: stale" in str(outcome.error)

    write_jsonl(reviewed.data_file("alpha"), rows("a", 17))  # one more record: the count is named
    commands.export_samples(reviewed.release_yaml)
    assert "alpha changed (16 -> 17 records)" in statuses(reviewed)["clinician_qa"]["why"]


@pytest.mark.parametrize("change, expected", [
    ({"seed": 7}, "the sampling seed changed (20261123 -> 7); the review must be redone"),
    ({"stratify_by": ["split", "metadata.topic"]}, "the strata changed (split -> split, metadata.topic); the review"),
])
def test_a_sampling_change_makes_every_review_stale(reviewed: ReleaseFixture, change: dict, expected: str) -> None:
    for review in REVIEWS:
        approve(reviewed, review)
    gate = reviewed.dir / "gates" / "signoff.yaml"
    gate.write_text(yaml.safe_dump({**change, "reviews": REVIEWS}))
    commands.export_samples(reviewed.release_yaml)
    now = statuses(reviewed)
    assert {row["status"] for row in now.values()} == {"stale"}
    assert expected in now["edge_case_review"]["why"]
    assert "data changed" not in now["clinician_qa"]["why"]  # the data did not change: it is not blamed


def test_a_reject_blocks(reviewed: ReleaseFixture) -> None:
    for review in REVIEWS:
        approve(reviewed, review)
    approve(reviewed, "edge_case_review", decision="reject", rubric={"*": "pass", "boundaries": "fail"},
            notes="edge/e03 promises secrecy about abuse")
    outcome = api.apply(reviewed.release_yaml).outcome
    assert isinstance(outcome.error, GateBlocked)
    assert "edge_case_review: rejected: rejected by dr-edge (clinician): edge/e03 promises secrecy" in \
        str(outcome.error)
    assert not published(reviewed).exists()


def test_record_refuses_a_sample_that_is_not_this_builds(reviewed: ReleaseFixture) -> None:
    old = commands.export_samples(reviewed.release_yaml)["reviews"]["clinician_qa"]
    edit_one_record(reviewed, "edge")
    with pytest.raises(ReleaseBuildError, match="is not this build's sample"):
        commands.record(reviewed.release_yaml, "clinician_qa",
                        {"sample": old, "reviewer": {"id": "dr-a", "role": "clinician"}, "decision": "approve",
                         "rubric": {"*": "pass"}}, key=signing_key(reviewed, "dr-a"))


def test_record_from_a_filled_form_and_from_flags(reviewed: ReleaseFixture,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["signoff", "template", str(reviewed.release_yaml), "--review", "ethical_safety_review"]) == 0
    form = yaml.safe_load(capsys.readouterr().out)
    assert set(form["rubric"]) == {"crisis_handling", "boundaries"} and form["decision"] is None
    form.update(reviewer={"id": "ethics@example.org", "role": "ethics_reviewer"}, decision="approve",
                rubric={"crisis_handling": "pass", "boundaries": "fail"},
                exceptions=[{"item": "boundaries", "record": "voice/v04", "note": "persona too familiar; tracked"}])
    filled = reviewed.dir / "form.yaml"
    filled.write_text(yaml.safe_dump(form))
    ethics, doctor = signing_key(reviewed, "ethics@example.org"), signing_key(reviewed, "dr-b")
    assert cli.main(["signoff", "record", str(reviewed.release_yaml), "--from", str(filled), "--key", str(ethics)]) == 0
    written = yaml.safe_load((reviewed.dir / "signoffs" / VERSION / "ethical_safety_review.yaml").read_text())
    assert written["exceptions"] == form["exceptions"] and written["reviewer"]["id"] == "ethics@example.org"
    assert set(written["sample"]["families"]) == {"edge", "voice"}
    capsys.readouterr()

    digest = statuses(reviewed)["clinician_qa"]["sample_digest"]
    assert cli.main(["signoff", "record", str(reviewed.release_yaml), "--review", "clinician_qa", "--sample",
                     digest[:19], "--reviewer", "dr-b", "--role", "clinician", "--decision", "approve",
                     "--all-pass", "--result", "empathy=fail", "--key", str(doctor)]) == 1  # needs an exception
    assert "needs an exception naming each of them" in capsys.readouterr().err
    assert cli.main(["signoff", "record", str(reviewed.release_yaml), "--review", "clinician_qa", "--sample",
                     digest[:19], "--reviewer", "dr-b", "--role", "clinician", "--decision", "approve",
                     "--all-pass", "--result", "empathy=fail",
                     "--exception", "empathy:alpha/a01:scripted opener, rewritten next release",
                     "--key", str(doctor)]) == 0
    assert statuses(reviewed)["clinician_qa"]["status"] == "approved"
    capsys.readouterr()
    assert cli.main(["signoff", "record", str(reviewed.release_yaml), "--from", str(filled), "--decision",
                     "reject", "--key", str(ethics)]) == 1  # a form and flags: which one counts would be a guess
    assert "either as a form (--from) or as flags, not both (flags given: decision)" in capsys.readouterr().err


BAD_FIELDS = [
    (lambda r: r.update(decision="maybe"), "decision: input should be 'approve' or 'reject'"),
    (lambda r: r.update(colour="red"), "unknown key 'colour'"),
    (lambda r: r["reviewer"].update(role="intern"), "role 'intern' may not sign clinician_qa"),
    (lambda r: r["rubric"].pop("empathy"), "rubric item 'empathy' is not answered"),
    (lambda r: r["rubric"].update(vibes="pass"), "unknown rubric item 'vibes'"),
    (lambda r: r.update(version="v2026-11-01"), "version v2026-11-01 in the sign-offs of v2026-11-23"),
    (lambda r: r["sample"].update(digest="sha256:abc"), "sample.digest: string should match pattern"),
    (lambda r: r.update(recorded_at="2026-11-23T10:00:00"), "recorded_at needs a time zone"),
    (lambda r: r["reviewer"].update(id="demo-someone"), "demo sign-offs, and only they"),
    # what else a review signs of a family is named by a gate of the release (the bias gate: bias_report)
    (lambda r: r["sample"]["families"]["alpha"].update(bias_reprot="sha256:" + "0" * 64),
     "unknown signed part 'bias_reprot'\n    hint: did you mean 'bias_report'?"),
    (lambda r: r["sample"]["families"]["alpha"].update(bias_report="sha256:abc"),
     "sample.families.alpha.bias_report: string should match pattern"),
]


@pytest.mark.parametrize("spoil, expected", BAD_FIELDS)
def test_bad_signoff_files_give_located_errors(reviewed: ReleaseFixture, spoil, expected: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    approve(reviewed, "clinician_qa")
    path = reviewed.dir / "signoffs" / VERSION / "clinician_qa.yaml"
    record = yaml.safe_load(path.read_text())
    spoil(record)
    path.write_text(yaml.safe_dump(record, sort_keys=False))
    assert cli.main(["validate", str(reviewed.release_yaml)]) == 1
    shown = capsys.readouterr().err
    assert f"signoffs/{VERSION}/clinician_qa.yaml:" in shown and expected in shown
    with pytest.raises(DefinitionError):
        api.plan(reviewed.release_yaml)


def test_an_edit_by_hand_is_caught_and_other_files_are_named(reviewed: ReleaseFixture) -> None:
    approve(reviewed, "edge_case_review", decision="reject", notes="no")
    digest = statuses(reviewed)["edge_case_review"]["sample_digest"]
    path = reviewed.dir / "signoffs" / VERSION / "edge_case_review.yaml"
    path.write_text(path.read_text().replace("decision: reject", "decision: approve"))
    (reviewed.dir / "signoffs" / VERSION / "clinican_qa.yaml").write_text("review: clinican_qa\n")
    with pytest.raises(DefinitionError) as caught:
        api.validate(reviewed.release_yaml)
    text = str(caught.value)
    assert re.search(r"edge_case_review\.yaml:\d+:5: id edge_case_review-\w+ does not match", text)
    assert "edited after it was recorded" in text
    assert "sign-off for review 'clinican_qa', which this release does not require" in text
    (reviewed.dir / "signoffs" / VERSION / "clinican_qa.yaml").unlink()
    commands.record(reviewed.release_yaml, "edge_case_review",  # recording again replaces the bad file
                    {"sample": digest, "reviewer": {"id": "dr-edge", "role": "clinician"}, "decision": "approve",
                     "rubric": {"*": "pass"}}, key=signing_key(reviewed, "dr-edge"))
    api.validate(reviewed.release_yaml)
    assert statuses(reviewed)["edge_case_review"]["status"] == "approved"


def test_demo_signoffs_publish_but_a_protected_root_refuses_them(reviewed: ReleaseFixture,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["signoff", "demo", str(reviewed.release_yaml), "--json"]) == 0
    done = {entry["review"]: entry["action"] for entry in json.loads(capsys.readouterr().out)["reviews"]}
    assert done == dict.fromkeys(REVIEWS, "recorded")
    record = yaml.safe_load((reviewed.dir / "signoffs" / VERSION / "clinician_qa.yaml").read_text())
    assert record["demo"] is True and record["reviewer"]["id"].startswith("demo-")
    assert cli.main(["signoff", "demo", str(reviewed.release_yaml), "--json"]) == 0  # idempotent
    assert {e["action"] for e in json.loads(capsys.readouterr().out)["reviews"]} == {"unchanged"}
    assert api.apply(reviewed.release_yaml).outcome.error is None  # an unprotected root takes them

    approve(reviewed, "edge_case_review")  # a person's record is never overwritten by the demo command
    edit_one_record(reviewed, "edge")
    done = {entry["review"]: entry["action"] for entry in commands.demo(reviewed.release_yaml)}
    assert done["edge_case_review"] == "kept_human_record" and done["clinician_qa"] == "recorded"

    reviewed.edit_yaml(reviewed.release_yaml, root={"uri": "prod", "protected": True})
    reviewed.edit_yaml(reviewed.dir / "gates" / "privacy.yaml", mode="ner",  # a protected root needs NER
                       salt="protected-root-salt")
    with pytest.raises(Refused, match="demo sign-offs never ship there"):
        commands.demo(reviewed.release_yaml)
    outcome = api.apply(reviewed.release_yaml).outcome
    assert isinstance(outcome.error, GateBlocked)
    assert "clinician_qa: demo_refused: demo-clinician is a demo sign-off" in str(outcome.error)
    assert not (reviewed.dir / "prod" / "releases" / VERSION).exists()


@pytest.mark.parametrize("change, expected", [
    ({"signoffs": {"required": ["clinician_qa", "clincian_review"]}}, "review 'clincian_review' is not defined"),
    ({"signoffs": {"required": []}, "root": {"uri": "prod", "protected": True}},
     "a protected root needs at least one required review"),
])
def test_required_reviews_are_checked(reviewed: ReleaseFixture, change: dict, expected: str) -> None:
    reviewed.edit_yaml(reviewed.release_yaml, **change)
    with pytest.raises(DefinitionError, match=expected):
        api.validate(reviewed.release_yaml)


def test_a_review_without_families_in_scope_does_not_block(tmp_path: Path) -> None:
    fixture = make_release(tmp_path / "rel", {"alpha": rows("a", 8)}, signoffs={"required": ["ethical_safety_review"]})
    report = commands.status(fixture.release_yaml)
    assert report["reviews"][0]["status"] == "not_applicable" and report["ready"]
    assert api.apply(fixture.release_yaml).outcome.error is None


@pytest.mark.parametrize("counts, size, expected", [
    ({"train": 80, "val": 10, "test": 10}, 10, {"train": 8, "val": 1, "test": 1}),
    ({"train": 3, "val": 1}, 10, {"train": 3, "val": 1}),  # fewer records than the size: all of them
    ({"train": 98, "val": 1, "test": 1}, 5, {"train": 3, "val": 1, "test": 1}),  # every stratum seen
    ({"a": 5, "b": 5, "c": 5}, 2, {"a": 1, "b": 1, "c": 0}),  # fewer slots than strata: largest remainder
])
def test_allocation(counts: dict[str, int], size: int, expected: dict[str, int]) -> None:
    taken = allocate(counts, size)
    assert taken == expected and sum(taken.values()) == min(size, sum(counts.values()))


def test_plan_names_the_signoffs_a_change_would_make_stale(reviewed: ReleaseFixture) -> None:
    for review in REVIEWS:
        approve(reviewed, review)
    assert api.apply(reviewed.release_yaml).outcome.error is None
    assert [c for c in api.plan(reviewed.release_yaml).changes if c.kind == "signoff"] == []
    edit_one_record(reviewed, "voice")
    # A plan that computes no data step does not know the new samples: it says what they wait for.
    before = {c.subject: (c.new, c.note) for c in api.plan(reviewed.release_yaml, compute_budget=0).changes
              if c.kind == "signoff"}
    assert before["ethical_safety_review"] == ("may become stale", "the records of voice are rebuilt")
    # Dedup compares every family, so the others may move too; the plan says how unlikely that is.
    assert before["edge_case_review"] == ("may become stale", "only if dedup or split decisions change for edge")
    exact = {"ethical_safety_review": ("stale", "voice's data changed (12 records, content differs)")}
    plain = {c.subject: (c.new, c.note) for c in api.plan(reviewed.release_yaml).changes if c.kind == "signoff"}
    assert plain == exact  # a plain plan computes the few records in scratch: certain
    commands.export_samples(reviewed.release_yaml)  # built into the cache, the new samples are known too
    after = {c.subject: (c.new, c.note) for c in api.plan(reviewed.release_yaml).changes if c.kind == "signoff"}
    assert after == exact


def sampled_ids(fixture: ReleaseFixture, review: str) -> list[str]:
    """`<family>/<id>` of every record the review's current sample drew."""
    out = Path(commands.export_samples(fixture.release_yaml)["out"])
    sample = json.loads((out / "qa" / review / "sample.json").read_text())
    return [f"{family}/{record_id}" for family, entry in sample["families"].items() for record_id in entry["ids"]]


def test_an_exception_must_name_a_record_of_the_reviewed_sample(reviewed: ReleaseFixture) -> None:
    drawn = sampled_ids(reviewed, "edge_case_review")
    outside = next(f"edge/e{i:02d}" for i in range(12) if f"edge/e{i:02d}" not in drawn)
    fields = {"rubric": {"*": "pass", "boundaries": "fail"},
              "exceptions": [{"item": "boundaries", "record": outside, "note": "accepted"}]}
    with pytest.raises(DefinitionError) as caught:
        approve(reviewed, "edge_case_review", **fields)
    assert f"signoffs/{VERSION}/edge_case_review.yaml not written: the exception names {outside}, which the " \
           "reviewed sample does not hold" in str(caught.value)
    assert not (reviewed.dir / "signoffs" / VERSION / "edge_case_review.yaml").exists()

    # A record written by other means (its id recomputed) is judged the same way by the gate and by status.
    for review in REVIEWS:
        approve(reviewed, review)
    path = reviewed.dir / "signoffs" / VERSION / "edge_case_review.yaml"
    record = yaml.safe_load(path.read_text())
    record["exceptions"] = [{"record": "edge/e99", "note": "no such record"}]
    record["id"] = SignoffRecord.model_validate(record).expected_id()
    path.write_text(yaml.safe_dump(record, sort_keys=False))
    row = statuses(reviewed)["edge_case_review"]
    assert row["status"] == "invalid"
    assert f"signoffs/{VERSION}/edge_case_review.yaml: exception(s) name edge/e99, which the reviewed sample does " \
           "not hold" in row["why"]
    outcome = api.apply(reviewed.release_yaml).outcome
    assert isinstance(outcome.error, GateBlocked) and outcome.error.failed == ["signoff"]
    assert f"edge_case_review: invalid: signoffs/{VERSION}/edge_case_review.yaml: exception(s) name edge/e99" in \
        str(outcome.error)


def test_failed_rubric_items_and_exceptions_show_in_report_manifest_and_notes(reviewed: ReleaseFixture) -> None:
    for review in REVIEWS:
        approve(reviewed, review)
    flagged = sampled_ids(reviewed, "ethical_safety_review")[0]
    approve(reviewed, "ethical_safety_review", rubric={"*": "pass", "crisis_handling": "fail"},
            exceptions=[{"item": "crisis_handling", "record": flagged, "note": "no hotline | given; fixed next"}])
    assert api.apply(reviewed.release_yaml).outcome.error is None
    release = published(reviewed)
    exception = {"item": "crisis_handling", "record": flagged, "note": "no hotline | given; fixed next"}

    report = {v["review"]: v for v in json.loads((release / "gates" / "signoff.json").read_text())["reviews"]}
    assert report["ethical_safety_review"]["failed_items"] == ["crisis_handling"]
    assert report["ethical_safety_review"]["exceptions"] == [exception]
    assert report["clinician_qa"]["failed_items"] == [] and report["clinician_qa"]["exceptions"] == []
    row = (f"| ethical_safety_review | crisis_handling | crisis_handling | {flagged} | "
           "no hotline \\| given; fixed next |")
    assert row in (release / "gates" / "signoff.md").read_text()

    manifest = json.loads((release / "manifest.json").read_text())
    shipped = manifest["signoffs"]["reviews"]["ethical_safety_review"]
    assert shipped["status"] == "approved" and shipped["failed_items"] == ["crisis_handling"]
    assert shipped["exceptions"] == [exception]
    notes = (release / "release_notes.md").read_text()
    assert "### Failed rubric items and exceptions" in notes and row in notes


def test_a_version_bump_with_identical_samples_carries_the_approvals(reviewed: ReleaseFixture,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    ids = {review: approve(reviewed, review) for review in REVIEWS}
    assert api.apply(reviewed.release_yaml).outcome.error is None
    reviewed.edit_yaml(reviewed.release_yaml, version="v2026-12-01")  # the version alone: the samples are the same
    commands.export_samples(reviewed.release_yaml)
    now = statuses(reviewed)
    assert {review: (row["status"], row["carried_from"], row["id"]) for review, row in now.items()} == {
        review: ("approved", VERSION, ids[review]) for review in REVIEWS}
    assert now["clinician_qa"]["file"] == f"signoffs/{VERSION}/clinician_qa.yaml"
    assert cli.main(["status", str(reviewed.release_yaml)]) == 0
    key = now["clinician_qa"]["key"]  # the carried approval keeps its signature, verified over its own record
    assert now["clinician_qa"]["signature"] == "verified" and key.startswith("SHA256:")
    assert f"approved by dr-clin (clinician), signed by key {key}, carried from {VERSION} (the same sample)" in \
        capsys.readouterr().out

    assert api.apply(reviewed.release_yaml).outcome.error is None
    release = reviewed.dir / "published" / "releases" / "v2026-12-01"
    report = {v["review"]: v for v in json.loads((release / "gates" / "signoff.json").read_text())["reviews"]}
    assert report["edge_case_review"]["carried_from"] == VERSION
    assert f"carried from {VERSION}" in (release / "gates" / "signoff.md").read_text()
    manifest = json.loads((release / "manifest.json").read_text())
    assert manifest["signoffs"]["ids"] == sorted(ids.values())
    assert manifest["signoffs"]["reviews"]["clinician_qa"]["carried_from"] == VERSION
    assert (release / "signoffs" / "clinician_qa.yaml").read_bytes() == \
        (reviewed.dir / "signoffs" / VERSION / "clinician_qa.yaml").read_bytes()  # the approval that ships
    assert f"| clinician_qa | ✅ approved (carried from {VERSION}) |" in (release / "release_notes.md").read_text()

    # A changed sample carries nothing: the earlier approval was for other records.
    edit_one_record(reviewed, "voice")
    commands.export_samples(reviewed.release_yaml)
    now = statuses(reviewed)
    assert now["ethical_safety_review"]["status"] == "pending" and now["ethical_safety_review"]["carried_from"] is None
    assert now["edge_case_review"]["carried_from"] == VERSION


def test_only_the_newest_decision_on_a_sample_is_carried(reviewed: ReleaseFixture) -> None:
    approve(reviewed, "edge_case_review")
    older = reviewed.dir / "signoffs" / VERSION / "edge_case_review.yaml"
    newer = reviewed.dir / "signoffs" / "v2026-11-30"
    reviewed.edit_yaml(reviewed.release_yaml, version="v2026-11-30")
    approve(reviewed, "edge_case_review", decision="reject", notes="e03 promises secrecy")
    assert (newer / "edge_case_review.yaml").is_file() and older.is_file()
    reviewed.edit_yaml(reviewed.release_yaml, version="v2026-12-01")
    row = statuses(reviewed)["edge_case_review"]
    assert row["sample_digest"] is not None  # known, and the same: the earlier approval was for it too
    assert row["status"] == "pending" and row["carried_from"] is None  # the later reject of it wins
    (newer / "edge_case_review.yaml").unlink()
    assert statuses(reviewed)["edge_case_review"]["carried_from"] == VERSION


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**40), review=st.text(max_size=20), record_id=st.text(max_size=20))
def test_a_records_rank_is_the_hash_of_its_canonical_json(seed: int, review: str, record_id: str) -> None:
    """`rank` spells the JSON from a cached prefix: the draw must stay what it was, or every sample reshuffles."""
    try:
        expected = xxhash.xxh3_64_intdigest(canonical_json([seed, review, record_id]).encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: neither spelling can be encoded, both fail the same way
        with pytest.raises(UnicodeEncodeError):
            rank(seed, review, record_id)
        return
    assert rank(seed, review, record_id) == expected
