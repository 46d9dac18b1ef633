"""`plan` describes what a change to the definition or the data does, against a baseline (Terraform's plan)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from releasebuild import api, cli, schemas
from releasebuild.changes import Change
from releasebuild.errors import GateBlocked
from releasebuild.plan import Plan
from releasebuild.render import GITHUB_COMMENT_LIMIT, plan_markdown, plan_text
from releasebuild.review import commands
from releasebuild.testing import (
    ReleaseFixture,
    conversation,
    family_definition,
    make_release,
    plan_against_apply,
    signing_key,
    write_jsonl,
)

PLAN_SCHEMA = schemas.load("plan")


def changes(plan: Plan) -> list[tuple[str, str, str, str]]:
    return [(change.op, change.kind, change.subject, change.note) for change in plan.changes]


def running(plan: Plan) -> set[str]:
    return {step.id for step in plan.steps if step.status == "will_run"}


@pytest.fixture
def applied(small_release: ReleaseFixture) -> ReleaseFixture:
    assert api.apply(small_release.release_yaml).outcome.error is None
    return small_release


def test_an_unchanged_tree_has_no_changes(applied: ReleaseFixture, capsys: pytest.CaptureFixture[str]) -> None:
    plan = api.plan(applied.release_yaml)
    assert plan.baseline == "the last publish (release.lock)" and plan.changes == [] and not plan.has_changes
    assert cli.main(["plan", str(applied.release_yaml)]) == 0
    assert "No definition changes against the last publish" in capsys.readouterr().out


def test_a_weight_change_is_exactly_that_change(applied: ReleaseFixture, capsys: pytest.CaptureFixture[str]) -> None:
    applied.edit_yaml(applied.release_yaml, curriculum=[{"stage": "foundation", "families": {"alpha": 1, "beta": 5}}])
    plan = api.plan(applied.release_yaml)
    assert changes(plan) == [("~", "curriculum", "foundation/beta", "weight")]
    assert (plan.changes[0].old, plan.changes[0].new) == (2, 5)
    # no data step is stale (release/lock's definition snapshot records the weights), and the new manifest differs
    # from the published one
    assert running(plan) == {"release/curriculum", "release/definition", "release/lock", "release/manifest",
                             "release/publish"}
    assert cli.main(["plan", str(applied.release_yaml)]) == 2
    shown = capsys.readouterr().out
    assert "~ curriculum foundation/beta: 2 -> 5  (weight)" in shown
    assert "Plan: 0 to add, 1 to change, 0 to remove;" in shown


def test_adding_a_family_shows_it_with_its_sources_then_its_counts(applied: ReleaseFixture) -> None:
    saved = _keep_published(applied)
    _add_family(applied)
    plan = api.plan(applied.release_yaml, compute_budget=0)  # a plan that computes no data step reads no data
    assert changes(plan) == [("+", "family", "gamma", "stage foundation"),
                             ("+", "curriculum", "foundation/gamma", "weight")]
    added = plan.changes[0].new
    assert added["files"] == {"count": 1, "bytes": applied.data_file("gamma").stat().st_size}
    assert "records" not in added  # not ingested yet: plan reads no data
    assert {step.id for step in plan.steps if step.id.startswith("gamma/")} <= running(plan)
    assert not any(step.startswith(("alpha/", "beta/")) for step in running(plan))  # may run (dedup), no more

    # A plain plan computes gamma's few records in scratch (its default --compute-budget): the same changes as
    # --compute-data, which builds the data steps into the cache (only), with nothing cached by the plain plan.
    plain = api.plan(applied.release_yaml)
    assert {step.id for step in plain.steps if step.status == "may_run"} == set() and plain.computed["steps"]
    again = api.plan(applied.release_yaml, compute_budget=0)  # the plain plan left no action-cache entry
    assert [(step.id, step.status) for step in again.steps] == [(step.id, step.status) for step in plan.steps]
    computed = api.plan(applied.release_yaml, compute_data=True)
    assert plain.changes == computed.changes
    assert not (applied.dir / "published" / "releases" / "v2026-11-23" / "provenance" / "gamma.jsonl").exists()
    assert computed.changes[0].subject == "gamma" and sum(computed.changes[0].new["records"].values()) == 5
    records = [change for change in computed.changes if change.kind == "records"]
    assert [change.subject for change in records] == [f"gamma/{split}" for split in ("train", "val", "test")
                                                      if computed.changes[0].new["records"][split]]
    assert sum(change.new["added"] for change in records) == 5
    assert _data_steps_left(computed) == set()
    assert api.apply(applied.release_yaml).outcome.error is None
    assert api.plan(applied.release_yaml).changes == []
    against = api.plan(applied.release_yaml, against=str(saved))  # the same, against the published release
    assert [(c.op, c.kind, c.subject) for c in against.changes] == [
        ("+", "family", "gamma"), ("+", "curriculum", "foundation/gamma"),
        *[("~", "records", change.subject) for change in records]]
    assert against.changes[0].new["records"] == computed.changes[0].new["records"]
    assert [change for change in against.changes if change.kind == "records"] == records


def _keep_published(fixture: ReleaseFixture) -> Path:
    """A copy of the published release as it is now (the fixture's root replaces a version in place)."""
    saved = fixture.dir / "v1"
    shutil.copytree(fixture.dir / "published" / "releases" / "v2026-11-23", saved)
    return saved


def _data_steps_left(plan: Plan) -> set[str]:
    return {step.id for step in plan.steps if step.status != "cached" and step.kind in api.DATA_KINDS}


def test_changing_a_source_shows_its_size_then_its_record_delta(applied: ReleaseFixture) -> None:
    saved = _keep_published(applied)
    before = applied.data_file("alpha").stat().st_size
    with applied.data_file("alpha").open("a") as fh:
        fh.write(json.dumps(conversation("a99", "sa99")) + "\n")
    plan = api.plan(applied.release_yaml, compute_budget=0)  # a plan that computes no data step reads no data
    after = applied.data_file("alpha").stat().st_size
    assert changes(plan) == [("~", "source", "alpha: ../data/alpha.jsonl", f"{after - before:+d} bytes"),
                             ("~", "records", "alpha", "known after apply: alpha/ingest will run")]
    assert "alpha/ingest" in running(plan)
    assert not any(step.startswith("beta/") for step in running(plan))  # beta's may run after dedup, no more

    # Computed, the record delta is exact: one record added to one split, its tokens, nothing moved; a plain plan
    # computes it in scratch (within its default budget), --compute-data builds it into the cache.
    plain = api.plan(applied.release_yaml)
    computed = api.plan(applied.release_yaml, compute_data=True)
    assert plain.changes == computed.changes and plain.stats == computed.stats
    assert [(c.subject, c.note) for c in computed.changes if c.kind == "source"] == [
        ("alpha: ../data/alpha.jsonl", f"{after - before:+d} bytes, +1 records")]  # ingest has run: exact
    (delta,) = [change for change in computed.changes if change.kind == "records"]
    assert delta.subject.startswith("alpha/")
    assert (delta.new["added"], delta.new["removed"], delta.new["changed"], delta.new["moved_out"]) == (1, 0, 0, 0)
    assert delta.new["records"] == delta.old["records"] + 1 and delta.new["tokens"] > delta.old["tokens"]
    assert delta.note.startswith("+1 added, -0 removed, 0 changed, 0 moved to another split; +")
    jsonschema.validate(computed.to_json(), PLAN_SCHEMA)
    assert f"~ records    {delta.subject}: {delta.old['records']} -> {delta.new['records']} records  (+1 added" \
        in plan_text(computed)
    assert _data_steps_left(computed) == set() and "release/distribution" in running(computed)  # gates: apply
    published = api.plan(applied.release_yaml, against="published")  # this version as the root holds it
    assert published.baseline.startswith("v2026-11-23 at ") and \
        [change for change in published.changes if change.kind == "records"] == [delta]
    assert api.apply(applied.release_yaml).outcome.error is None
    against = api.plan(applied.release_yaml, against=str(saved))  # the same delta, against the published release
    assert against.baseline == f"v2026-11-23 at {saved}/"
    assert [change for change in against.changes if change.kind == "records"] == [delta]


def test_thresholds_are_marked_looser_or_stricter(applied: ReleaseFixture) -> None:
    applied.edit_yaml(applied.dir / "gates/quarantine.yaml", max_ratio=0.9)
    applied.edit_yaml(applied.release_yaml, coverage={"required": {"alpha": {"min_records": 5}}})
    found = {(change.subject, change.note) for change in api.plan(applied.release_yaml).changes}
    assert ("quarantine.max_ratio", "looser") in found
    assert ("coverage.required.alpha", "stricter") in found


def test_against_another_definition_and_a_git_revision(applied: ReleaseFixture, tmp_path: Path) -> None:
    other = applied.dir / "other.yaml"
    other.write_text(applied.release_yaml.read_text())
    applied.edit_yaml(other, splits={"ratios": {"train": 0.7, "val": 0.15, "test": 0.15}, "salt": "fixture-salt"})
    plan = api.plan(applied.release_yaml, against=str(other))
    assert [(c.op, c.subject) for c in plan.changes] == [("~", "alpha.splits"), ("~", "beta.splits"),
                                                         ("~", "splits.ratios")]

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=applied.dir, check=True, capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "one")
    applied.edit_yaml(applied.dir / "gates/quarantine.yaml", max_ratio=0.1)
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "two")
    plan = api.plan(applied.release_yaml, against="git:HEAD~1")
    assert changes(plan) == [("~", "gate", "quarantine.max_ratio", "stricter")]
    assert (plan.changes[0].old, plan.changes[0].new) == (0.5, 0.1)


def test_plan_json_carries_the_changes(applied: ReleaseFixture, capsys: pytest.CaptureFixture[str]) -> None:
    applied.edit_yaml(applied.dir / "gates/quarantine.yaml", max_ratio=0.9)
    assert cli.main(["plan", str(applied.release_yaml), "--json"]) == 2
    document = json.loads(capsys.readouterr().out)
    jsonschema.validate(document, PLAN_SCHEMA)
    assert document["against"] == "the last publish (release.lock)"
    assert document["changes"] == [{"kind": "gate", "op": "~", "subject": "quarantine.max_ratio", "old": 0.5,
                                    "new": 0.9, "note": "looser"}]
    assert cli.main(["plan", str(applied.release_yaml), "--against", str(applied.dir / "nowhere")]) == 1
    assert "not a release.yaml, a git:<rev>, or a published release" in capsys.readouterr().err


def test_markdown_is_a_pr_comment_that_fits_github_however_large(applied: ReleaseFixture,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    applied.edit_yaml(applied.dir / "gates/quarantine.yaml", max_ratio=0.9)
    assert cli.main(["plan", str(applied.release_yaml), "--format", "markdown"]) == 2
    shown = capsys.readouterr().out
    assert "**0 to add, 1 to change, 0 to remove**" in shown
    assert "| ~ | gate | `quarantine.max_ratio` | 0.5 | 0.9 | looser |" in shown

    huge = api.plan(applied.release_yaml)
    many = [Change("source", "+", f"alpha: part-{i:05d}.jsonl", None, 123456, "bytes | big") for i in range(20_000)]
    text = plan_markdown(Plan(huge.version, huge.release_uri, None, huge.steps * 200, huge.baseline, many))
    assert len(text) <= GITHUB_COMMENT_LIMIT
    shown_rows = text.count("| + | source |")
    assert 0 < shown_rows < 20_000 and f"… and {20_000 - shown_rows} more changes" in text
    assert "bytes \\| big" in text  # a '|' in a value cannot break the table


def test_diff_between_two_published_releases(applied: ReleaseFixture, capsys: pytest.CaptureFixture[str]) -> None:
    published = applied.dir / "published" / "releases" / "v2026-11-23"
    first = applied.dir / "first"
    shutil.copytree(published, first)
    assert cli.main(["diff", str(first), str(published)]) == 0
    assert "Identical" in capsys.readouterr().out

    with applied.data_file("alpha").open("a") as fh:
        fh.write(json.dumps(conversation("a99", "sa99")) + "\n")
    lines = applied.data_file("beta").read_text().splitlines()
    row = json.loads(lines[0])
    row["dialog"][0]["text"] = "reworded"
    applied.data_file("beta").write_text("\n".join([json.dumps(row), *lines[1:]]) + "\n")
    applied.edit_yaml(applied.release_yaml, curriculum=[{"stage": "foundation", "families": {"alpha": 1, "beta": 5}}])
    assert api.apply(applied.release_yaml).outcome.error is None

    assert cli.main(["diff", str(first), str(published), "--json"]) == 2
    report = json.loads(capsys.readouterr().out)
    alpha = {split: counts for split, counts in report["records"]["alpha"].items() if any(counts.values())}
    assert sum(counts["added"] for counts in alpha.values()) == 1
    assert all(counts["removed"] == counts["changed"] == counts["moved_out"] == 0 for counts in alpha.values())
    beta = report["records"]["beta"]
    assert sum(counts["changed"] for counts in beta.values()) == 1 and \
        sum(counts["added"] + counts["removed"] for counts in beta.values()) == 0
    assert report["shards"]["changed"] and not report["identical"]
    assert [(c["kind"], c["subject"], c["old"], c["new"]) for c in report["definition"]
            if c["kind"] == "curriculum"] == [("curriculum", "foundation/beta", 2, 5)]
    assert cli.main(["diff", str(first), str(published)]) == 2
    shown = capsys.readouterr().out
    assert "~ curriculum foundation/beta: 2 -> 5" in shown
    (split,) = report["stats"]["alpha"]  # the added record's split: its tokens and conversations moved
    moved = report["stats"]["alpha"][split]
    assert moved["conversations"][1] == moved["conversations"][0] + 1 and moved["tokens"][1] > moved["tokens"][0]
    assert f"alpha/{split}: conversations" in shown


def test_a_saved_plan_applies_only_to_the_tree_it_was_made_from(applied: ReleaseFixture,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    applied.edit_yaml(applied.release_yaml, curriculum=[{"stage": "foundation", "families": {"alpha": 1, "beta": 5}}])
    saved = applied.dir / "release.plan"
    assert cli.main(["plan", str(applied.release_yaml), "-out", str(saved)]) == 2
    capsys.readouterr()
    assert cli.main(["apply", str(saved), "--json"]) == 0  # the tree is as planned
    assert json.loads(capsys.readouterr().out)["published"] is True

    assert cli.main(["plan", str(applied.release_yaml), "-out", str(saved)]) == 0
    with applied.data_file("beta").open("a") as fh:
        fh.write(json.dumps(conversation("b99", "sb99")) + "\n")
    applied.edit_yaml(applied.dir / "gates/quarantine.yaml", max_ratio=0.4)
    assert cli.main(["apply", str(saved)]) == 4  # refused: exit 4, naming what drifted
    error = capsys.readouterr().err
    assert "changed since it was made: gates/quarantine.yaml (definition), ../data/beta.jsonl (source of " \
           "beta/ingest)" in error


def _append_record(fixture: ReleaseFixture) -> None:
    with fixture.data_file("alpha").open("a") as fh:
        fh.write(json.dumps(conversation("a99", "sa99")) + "\n")


def _reorder_source(fixture: ReleaseFixture) -> None:
    lines = fixture.data_file("alpha").read_text().splitlines()
    fixture.data_file("alpha").write_text("\n".join(reversed(lines)) + "\n")


def _same_size_edit(fixture: ReleaseFixture) -> None:
    """One character of one record replaced by another: the file keeps its size (and could keep its mtime)."""
    text = fixture.data_file("alpha").read_text()
    fixture.data_file("alpha").write_text(text.replace("message a00", "massage a00", 1))


def _add_family(fixture: ReleaseFixture) -> None:
    write_jsonl(fixture.data_file("gamma"), [conversation(f"g{i}", f"sg{i}") for i in range(5)])
    fixture.family_yaml("gamma").write_text(fixture.family_yaml("alpha").read_text().replace("alpha", "gamma"))
    release = yaml.safe_load(fixture.release_yaml.read_text())
    release["families"].append("families/gamma.yaml")
    release["curriculum"][0]["families"]["gamma"] = 1
    fixture.release_yaml.write_text(yaml.safe_dump(release))


def _remove_family(fixture: ReleaseFixture) -> None:
    release = yaml.safe_load(fixture.release_yaml.read_text())
    release["families"] = [path for path in release["families"] if "beta" not in path]
    release["curriculum"][0]["families"].pop("beta")
    release.get("coverage", {}).get("required", {}).pop("beta", None)
    fixture.release_yaml.write_text(yaml.safe_dump(release))


GENERATOR = """\
import json, os, sys

os.makedirs("out", exist_ok=True)
with open("out/delta.jsonl", "w") as fh:
    for i in range(int(sys.argv[1])):
        fh.write(json.dumps({"cid": f"d{i}", "session": f"sd{i}", "topic": "work",
                             "dialog": [{"speaker": "usr", "text": f"delta question {i}"},
                                        {"speaker": "sys", "text": f"delta answer {i}"}]}) + "\\n")
"""
DELTA_RULE = {"name": "gen_delta", "cmd": ["{python}", "../scripts/gen.py", "{params.count}"],
              "inputs": ["../scripts/gen.py"], "params": {"count": 6}, "outputs": ["out/delta.jsonl"]}
REVIEW = "delta_review"
SIGNED_AT = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def _approve(fixture: ReleaseFixture, reviewer: str) -> None:
    """An approval of delta_review's current sample, signed with `reviewer`'s key."""
    digest = commands.export_samples(fixture.release_yaml)["reviews"][REVIEW]
    fields = {"sample": digest[:20], "reviewer": {"id": reviewer, "role": "clinician"}, "decision": "approve",
              "rubric": {"*": "pass"}}
    commands.record(fixture.release_yaml, REVIEW, fields, at=SIGNED_AT, key=signing_key(fixture, reviewer))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> ReleaseFixture:
    """alpha and beta (as small_release), delta made by a rule, and one required review of delta, approved and
    signed: built and published once per module, copied (cache and release.lock included) for each change."""
    alpha = [conversation(f"a{i:02d}", f"sa{i // 3}", turns=2 + i % 3) for i in range(12)]
    beta = [conversation(f"b{i:02d}", f"sb{i // 2}", topic="grief") for i in range(12)] + ["{not json"]
    fixture = make_release(tmp_path_factory.mktemp("plan") / "rel", {"alpha": alpha, "beta": beta})
    (fixture.dir / "scripts").mkdir()
    (fixture.dir / "scripts" / "gen.py").write_text(GENERATOR)
    fixture.family_yaml("delta").write_text(yaml.safe_dump(
        {**family_definition("delta", sources=["rule:gen_delta"]), "rules": [DELTA_RULE]}))
    (fixture.dir / "gates" / "signoff.yaml").write_text(yaml.safe_dump(
        {"reviews": {REVIEW: {"roles": ["clinician"], "families": ["delta"], "size": 3}}}))
    release = yaml.safe_load(fixture.release_yaml.read_text())
    release["families"].append("families/delta.yaml")
    release["curriculum"][0]["families"]["delta"] = 3
    release["gates"]["signoff"] = "gates/signoff.yaml"
    release["signoffs"] = {"required": [REVIEW]}
    fixture.release_yaml.write_text(yaml.safe_dump(release, sort_keys=False))
    _approve(fixture, "dr-one")
    assert api.apply(fixture.release_yaml, jobs=2).outcome.error is None
    return fixture


@pytest.fixture
def published_copy(template: ReleaseFixture, tmp_path: Path) -> ReleaseFixture:
    shutil.copytree(template.dir, tmp_path / "rel", symlinks=True)
    return ReleaseFixture(tmp_path / "rel")


def _remove_record(fixture: ReleaseFixture) -> None:
    lines = fixture.data_file("alpha").read_text().splitlines()
    fixture.data_file("alpha").write_text("\n".join(lines[:-1]) + "\n")


def _add_source_file(fixture: ReleaseFixture) -> None:
    write_jsonl(fixture.dir / "data" / "alpha2.jsonl", [conversation("a50", "sa50"), conversation("a51", "sa51")])
    fixture.edit_yaml(fixture.family_yaml("alpha"), sources=["../data/alpha.jsonl", "../data/alpha2.jsonl"])


def _delete_blob(fixture: ReleaseFixture, step_id: str, name: str) -> None:
    """Delete one output file of a step from the local content store (as a cache clean-up would)."""
    project = api.open_project(fixture.release_yaml)
    result = project.engine().previous_result(step_id)
    assert result is not None
    project.env.cas.path(result.files[name].sha256).unlink()


def _edit_rule(fixture: ReleaseFixture, count: int | None = None) -> None:
    """A new count (new records), or without one a comment added to the script (the same output)."""
    if count is None:
        script = fixture.dir / "scripts" / "gen.py"
        script.write_text("# generates delta\n" + script.read_text())
        return
    family = yaml.safe_load(fixture.family_yaml("delta").read_text())
    family["rules"][0]["params"]["count"] = count
    fixture.family_yaml("delta").write_text(yaml.safe_dump(family))


def _drop_review(fixture: ReleaseFixture) -> None:
    """delta_review no longer required, its record deleted (a record of a review not required is an error)."""
    fixture.edit_yaml(fixture.release_yaml, signoffs={"required": []})
    (fixture.dir / "signoffs" / "v2026-11-23" / f"{REVIEW}.yaml").unlink()


def _gate(fixture: ReleaseFixture, gate: str, **settings: object) -> None:
    release = yaml.safe_load(fixture.release_yaml.read_text())
    release["gates"][gate] = settings
    fixture.release_yaml.write_text(yaml.safe_dump(release, sort_keys=False))


# Changes whose every step outcome plan can know: only steps it can predict (Step.predictable) rerun, or a step
# whose key is in the action cache (its output known from the entry). `plan` alone: may_run is empty and will_run
# is exactly what apply runs.
KNOWABLE = {
    "nothing": lambda f: None,
    "weight": lambda f: f.edit_yaml(f.release_yaml, curriculum=[{"stage": "foundation",
                                                                 "families": {"alpha": 1, "beta": 5, "delta": 3}}]),
    "threshold": lambda f: f.edit_yaml(f.dir / "gates/quarantine.yaml", max_ratio=0.4),
    "gate made warning-only": lambda f: f.edit_yaml(f.dir / "gates/quarantine.yaml", blocking=False),
    "coverage requirement": lambda f: f.edit_yaml(f.release_yaml, coverage={"required": {"alpha": {
        "min_records": 5}}}),
    "sign-off recorded again": lambda f: _approve(f, "dr-two"),
    "sign-off no longer required": _drop_review,
    "cached blob deleted": lambda f: _delete_blob(f, "alpha/stats", "stats.json"),
}
# Changes that rerun a step whose output only running it tells (it reads records: ingest, privacy, split, export,
# dedup, ...), cheaply: a plain `plan` runs those reruns in scratch (their records computed afresh, few, fit in its
# default --compute-budget), so it is exact too: may_run empty, will_run what apply runs. What it computes:
COMPUTED = {
    "record added": _append_record,  # alpha/ingest maps the file; privacy scans the new record's texts; ...
    "record removed": _remove_record,  # alpha/ingest, likewise
    "source reordered": _reorder_source,  # alpha/ingest: only its provenance changes
    "same-size edit": _same_size_edit,  # alpha/ingest: a content digest changed; one record's text
    "source file added": _add_source_file,  # alpha/ingest maps the new file
    "mapping": lambda f: f.edit_yaml(f.family_yaml("beta"), metadata=[]),  # beta/ingest: new params
    "salt": lambda f: f.edit_yaml(f.release_yaml, splits={"ratios": {"train": 0.8, "val": 0.1, "test": 0.1},
                                                          "salt": "other"}),  # the splits (and privacy's salt)
    "split ratios": lambda f: f.edit_yaml(f.release_yaml, splits={"ratios": {"train": 0.6, "val": 0.2, "test": 0.2},
                                                                  "salt": "fixture-salt"}),  # the splits
    "takedown": lambda f: f.edit_yaml(f.release_yaml, takedowns=[{"id": "a03", "family": "alpha",
                                                                  "reason": "consent withdrawn"}]),  # alpha/privacy
    "shards": lambda f: f.edit_yaml(f.release_yaml, shards={"max_records": 2}),  # export and provenance indexes
    # The previous release is now v2026-11-23: dedup and the splits read its held-out index and assignments. The
    # approval of delta's sample is carried over (the same sample): no sign-off goes stale once the samples are known.
    "version": lambda f: f.edit_yaml(f.release_yaml, version="v2026-11-30"),
    "family added": _add_family,  # gamma's whole chain; release/dedup, whose per-family slices only it can tell
    "family removed": _remove_family,  # release/dedup (its priority list changed)
    "dedup threshold": lambda f: _gate(f, "dedup", threshold=0.9),  # release/dedup
}
# Changes that rerun a step plan never runs, a rule (its command may cost anything and reach anything): `plan` names
# the rerun (will_run) and lists what comes after it as may_run, waiting for exactly that output, and says why it
# did not compute it (early cutoff decides); `plan --compute-data` builds it, and that plan is exact.
RULES = {
    "rule param": lambda f: _edit_rule(f, count=7),  # rules/gen_delta; delta's sample changes: its approval is stale
    "rule script edited, same output": lambda f: _edit_rule(f),  # rules/gen_delta reruns; its output is the same
}
# delta's records change (new ones, or other splits: the sample is drawn per split), so the approval no longer
# covers them and the sign-off gate blocks: apply runs the publish step, which fails
BLOCKED = {"rule param", "split ratios"}


@pytest.mark.parametrize("change", sorted(KNOWABLE) + sorted(COMPUTED) + sorted(RULES))
def test_plan_is_exact_about_what_apply_runs(published_copy: ReleaseFixture, change: str) -> None:
    """Terraform's contract and more: a will_run step runs and a step that runs was planned; where the outcome is
    knowable (plan alone, computing the cheap data steps in scratch, and every change once --compute-data has built
    what only a run can tell) will_run is exactly what apply runs and nothing may run."""
    (KNOWABLE | COMPUTED | RULES)[change](published_copy)
    seen = plan_against_apply(published_copy)
    if change in BLOCKED:
        assert isinstance(seen.error, GateBlocked) and seen.error.failed == ["signoff"]
    else:
        assert seen.error is None, seen.error
    assert seen.will_run <= seen.run_in_all <= seen.will_run | seen.may_run
    assert (seen.computed_will_run, seen.computed_may_run) == (seen.ran, set())
    if change in RULES:
        assert seen.may_run, "a rule's rerun leaves what follows it to early cutoff"
        # every may_run step waits for reruns that are planned, that plan does not run, and it says why
        assert seen.waits_for == {"rules/gen_delta"} <= seen.will_run & seen.unpredictable
        assert seen.not_computed["rules/gen_delta"] == "plan does not run a rule's command"
    else:
        assert (seen.will_run, seen.may_run) == (seen.run_in_all, set())
        # the data steps it ran in scratch are exactly the non-predictable steps that run (none for a knowable
        # change: a data step that reruns there is one whose cached entry lost a blob, its output known)
        assert set(seen.computed) == (seen.run_in_all & seen.unpredictable if change in COMPUTED else set())
    if change not in BLOCKED:
        assert api.plan(published_copy.release_yaml).has_changes is False  # and afterwards nothing is left to do


@pytest.mark.parametrize("change", ["record added", "same-size edit", "family added"])
def test_a_change_past_the_compute_budget_may_run_and_says_why(published_copy: ReleaseFixture, change: str) -> None:
    """A plan bounded to fewer records than the change needs computed does not run what would pass the bound: those
    reruns are will_run, what follows may_run waiting for them, with the reason (the budget) in the step's detail,
    the summary and the JSON; it stays sound (every step that runs was planned), and a bound of 0 is the plan of
    before (no data step run)."""
    COMPUTED[change](published_copy)
    for budget, why in ((0, "plan computes no data step (--compute-budget 0)"),
                        (1, "over what is left of plan's --compute-budget of 1")):
        plan = api.plan(published_copy.release_yaml, compute_budget=budget)
        held = plan.computed["not_computed"]
        assert plan.computed["budget"] == budget and plan.computed["records"] <= budget
        may_run = [step for step in plan.steps if step.status == "may_run"]
        assert may_run and all(step.waits_for and set(step.waits_for) <= set(held) for step in may_run)
        assert all(why in step.detail for step in may_run if held[step.waits_for[0]].endswith(why))
        assert any(reason.endswith(why) for reason in held.values())
        assert why in plan_text(plan) and why in plan_markdown(plan)
        jsonschema.validate(json.loads(json.dumps(plan.to_json())), PLAN_SCHEMA)
    seen = plan_against_apply(published_copy, compute_budget=1)
    assert seen.will_run <= seen.run_in_all <= seen.will_run | seen.may_run and seen.may_run
    assert set(seen.computed) <= seen.run_in_all and seen.waits_for <= seen.will_run & seen.unpredictable


def test_plan_counts_only_the_records_a_per_record_cache_lacks(published_copy: ReleaseFixture) -> None:
    """One message edited (the file keeps its size): the privacy scan and the fingerprints have every other text in
    their per-record caches (the scan table, the pack), the bias counts and the statistics every other record in
    their record memos, so plan counts one record for each; ingest maps the file (its rows); a step without such a
    cache reads the family's records, all of them."""
    _same_size_edit(published_copy)
    computed = api.plan(published_copy.release_yaml).computed
    rows = len(published_copy.data_file("alpha").read_text().splitlines())
    assert computed["steps"]["alpha/ingest"] == rows
    assert computed["steps"]["alpha/privacy"] == computed["steps"]["alpha/fingerprint"] == 1
    assert computed["steps"]["alpha/bias"] == computed["steps"]["alpha/stats"] == 1
    assert computed["steps"]["alpha/export"] == 12  # the family's records (12 rows, none quarantined)
    assert computed["records"] == sum(computed["steps"].values()) <= computed["budget"]


def test_the_command_line_bounds_what_plan_computes(published_copy: ReleaseFixture,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """`plan --compute-budget N` on the command line: stdout holds only the plan's JSON, each data step computed in
    scratch is a line on stderr, the exit code is the plan's (2: changes pending); a bad bound is a usage error."""
    _append_record(published_copy)
    assert cli.main(["plan", str(published_copy.release_yaml), "--json"]) == 2
    out, err = capsys.readouterr()
    document = json.loads(out)
    jsonschema.validate(document, PLAN_SCHEMA)
    assert document["computed"]["budget"] > 0 and "alpha/ingest" in document["computed"]["steps"]
    assert "[computing] alpha/ingest: " in err and document["summary"]["may_run"] == 0
    assert cli.main(["plan", str(published_copy.release_yaml), "--json", "--compute-budget", "0"]) == 2
    out, err = capsys.readouterr()
    bounded = json.loads(out)
    assert bounded["computed"] == {"budget": 0, "records": 0, "steps": {}, "not_computed": {
        "alpha/ingest": "plan computes no data step (--compute-budget 0)"}} and err == ""
    assert bounded["summary"]["may_run"] > 0
    with pytest.raises(SystemExit) as usage:
        cli.main(["plan", str(published_copy.release_yaml), "--compute-budget", "-1"])
    assert usage.value.code == 1 and "expected a whole number, got '-1'" in capsys.readouterr().err


def test_the_sign_offs_a_change_makes_stale_are_judged_by_their_state(published_copy: ReleaseFixture) -> None:
    """A carried approval of an unchanged sample is not stale; one whose sample changes is, and a plan that does not
    know the new sample yet says what it waits for (never an empty list)."""
    published_copy.edit_yaml(published_copy.release_yaml, version="v2026-11-30")
    carried = api.plan(published_copy.release_yaml, compute_data=True)
    assert [c for c in carried.changes if c.kind == "signoff"] == []
    assert "carries an earlier approval" in next(c.note for c in carried.changes if c.kind == "version")
    assert api.apply(published_copy.release_yaml).outcome.error is None  # published on the carried approval

    _edit_rule(published_copy, count=7)
    waiting = {c.subject: (c.old, c.new, c.note) for c in api.plan(published_copy.release_yaml).changes
               if c.kind == "signoff"}
    assert waiting == {REVIEW: ("approved", "may become stale", "the records of delta are rebuilt")}
    known = {c.subject: (c.old, c.new, c.note) for c in api.plan(published_copy.release_yaml, compute_data=True).changes
             if c.kind == "signoff"}
    assert known == {REVIEW: ("approved", "stale", "delta changed (6 -> 7 records)")}


def test_without_a_recorded_apply_there_is_no_baseline(small_release: ReleaseFixture,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    plan = api.plan(small_release.release_yaml)
    assert plan.baseline == "" and plan.changes == [] and plan.has_changes  # every step is new
    assert cli.main(["plan", str(small_release.release_yaml)]) == 2
    assert "Changes against" not in capsys.readouterr().out


def test_records_never_move_split_unless_a_resplit_is_declared(applied: ReleaseFixture,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Splits are sticky: new ratios and salt move no published record; a declared resplit moves train records
    (never a held-out one), and plan counts the moves once the data is computed."""
    ratios = {"train": 0.34, "val": 0.33, "test": 0.33}
    applied.edit_yaml(applied.release_yaml, version="v2026-11-30", splits={"ratios": ratios, "salt": "moved"})
    sticky = api.plan(applied.release_yaml, compute_data=True)
    assert ("~", "splits", "splits.salt") in [(c.op, c.kind, c.subject) for c in sticky.changes]
    assert not [change for change in sticky.changes if change.kind == "records"]  # nothing moved, nothing else
    previous = api.plan(applied.release_yaml, against="published")  # v2026-11-30 is not published: the previous
    assert previous.baseline.startswith("v2026-11-23 at ") and not [c for c in previous.changes if c.kind == "records"]

    applied.edit_yaml(applied.release_yaml, resplit={"reason": "rebalance", "families": ["alpha"]})
    declared = api.plan(applied.release_yaml)
    assert [(c.op, c.subject, c.new) for c in declared.changes if c.subject.endswith(".resplit")] == [
        ("+", "alpha.resplit", "rebalance")]
    computed = api.plan(applied.release_yaml, compute_data=True)
    moved = {change.subject: change.new["moved_out"] for change in computed.changes if change.kind == "records"}
    assert moved.get("alpha/train", 0) > 0 and moved.get("alpha/val", 0) == moved.get("alpha/test", 0) == 0
    assert not any(subject.startswith("beta/") for subject in moved)
    assert cli.main(["plan", str(applied.release_yaml), "--compute-data", "--json"]) == 2
    document = json.loads(capsys.readouterr().out)  # stdout holds only the JSON (progress goes to stderr)
    jsonschema.validate(document, PLAN_SCHEMA)
    assert {c["subject"]: c["new"]["moved_out"] for c in document["changes"] if c["kind"] == "records"} == moved


HEAVY = ("datasketch", "scipy", "presidio_analyzer", "spacy", "matplotlib", "networkx", "tiktoken", "s3fs", "boto3")


def test_a_plan_with_nothing_to_do_imports_nothing_heavy(applied: ReleaseFixture) -> None:
    """A no-op plan stays well under a second only while nothing it does not use is imported (datasketch pulled
    scipy in through the dedup gate's config, ~0.6 s, until it was imported where signatures are made)."""
    script = ("import sys\nfrom releasebuild import cli\ncode = cli.main(['plan', sys.argv[1], '--json'])\n"
              f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", script, str(applied.release_yaml)], capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "0 []", done.stderr
