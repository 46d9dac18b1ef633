"""`plan` against every baseline form says the same thing about the same edit; canonical comparison; a blocked
apply never moves the published baseline; the PR workflow's commands, run against a temporary git repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from releasebuild import api, cli, schemas
from releasebuild.changes import SIGN_AGAIN, Change, diff
from releasebuild.lock import read_last_attempt, read_snapshot
from releasebuild.plan import Plan
from releasebuild.render import GITHUB_COMMENT_LIMIT, diff_markdown, diff_text, plan_markdown, plan_text
from releasebuild.review import commands
from releasebuild.testing import ReleaseFixture, conversation, make_release

REPO = Path(__file__).resolve().parents[1]
PLAN_SCHEMA = schemas.load("plan")


def _snapshot(**overrides: Any) -> dict[str, Any]:
    """A minimal definition snapshot, as changes.snapshot makes them."""
    base: dict[str, Any] = {
        "version": "v2026-11-23", "splits": {"ratios": {"train": 0.8, "val": 0.1, "test": 0.1}, "salt": "s"},
        "curriculum": {"foundation": {"alpha": 1.0}, "edge": {"beta": 1.0}},
        "gates": {"leakage": {"blocking": True, "thresholds": {"compare": ["user", "assistant"]}},
                  "dedup": {"blocking": True, "thresholds": {"priority": ["alpha", "beta"]}}},
        "signoffs": {"required": []},
        "rules": {"gen": {"cmd": ["make", "all"], "shell": False, "params": {}, "env": ["A", "B"], "version": None,
                          "outputs": ["x.jsonl", "y.jsonl"], "inputs": ["gen.py"]}},
        "families": {"alpha": {"stage": "foundation", "holdout_sensitive": False, "sources": ["a.jsonl", "b.jsonl"],
                               "record_rules": "r", "splits": {}, "resplit": None,
                               "files": {"a.jsonl": {"bytes": 10, "digest": "d1"}}}},
    }
    base.update(overrides)
    return base


def test_lists_compare_canonically_unordered_only_where_order_means_nothing() -> None:
    old = _snapshot()
    reordered = _snapshot(rules={"gen": {**old["rules"]["gen"], "outputs": ["y.jsonl", "x.jsonl"], "env": ["B", "A"]}},
                          gates={"leakage": {"blocking": True, "thresholds": {"compare": ["assistant", "user"]}},
                                 "dedup": old["gates"]["dedup"]})
    assert diff(old, reordered) == []  # sets of outputs, environment names, compared roles: no phantom change

    priority = {"blocking": True, "thresholds": {"priority": ["beta", "alpha"]}}
    ordered = _snapshot(rules={"gen": {**old["rules"]["gen"], "cmd": ["all", "make"]}},
                        gates={**old["gates"], "dedup": priority},
                        curriculum={"edge": {"beta": 1.0}, "foundation": {"alpha": 1.0}},
                        families={"alpha": {**old["families"]["alpha"], "sources": ["b.jsonl", "a.jsonl"]}})
    assert {(change.kind, change.subject) for change in diff(old, ordered)} == {
        ("rule", "gen.cmd"), ("gate", "dedup.priority"), ("curriculum", "stage order"), ("family", "alpha.sources")}


def test_a_same_size_edit_and_a_version_are_changes() -> None:
    old = _snapshot()
    same_size = _snapshot(version="v2026-11-30", families={"alpha": {
        **old["families"]["alpha"], "files": {"a.jsonl": {"bytes": 10, "digest": "d2"}}}})
    assert diff(old, same_size) == [
        Change("version", "~", "version", "v2026-11-23", "v2026-11-30", "no review is required"),
        Change("source", "~", "alpha: a.jsonl", 10, 10, "same size, content changed")]
    required = {"required": ["clinician_qa"]}
    assert diff(_snapshot(signoffs=required), _snapshot(version="v2026-11-30", signoffs=required))[0].note == SIGN_AGAIN
    legacy = _snapshot(families={"alpha": {**old["families"]["alpha"], "files": {"a.jsonl": 10}}})  # lock format 1
    assert diff(legacy, old) == []


@pytest.fixture
def applied(small_release: ReleaseFixture) -> ReleaseFixture:
    assert api.apply(small_release.release_yaml).outcome.error is None
    return small_release


def test_a_blocked_apply_leaves_the_published_baseline(applied: ReleaseFixture) -> None:
    lock = applied.dir / "release.lock"
    baseline = read_snapshot(lock)
    applied.edit_yaml(applied.release_yaml, curriculum=[{"stage": "foundation", "families": {"alpha": 1, "beta": 5}}],
                      coverage={"required": {"alpha": {"min_records": 1000}}})  # coverage blocks: exit 3
    report = api.apply(applied.release_yaml)
    assert report.outcome.error is not None and report.outcome.error.exit_code == 3
    assert read_snapshot(lock) == baseline
    assert read_last_attempt(lock) == {"version": "v2026-11-23", "outcome": "blocked", "why": "blocked by coverage"}
    subjects = {change.subject for change in api.plan(applied.release_yaml).changes}
    assert {"foundation/beta", "coverage.required.alpha"} <= subjects  # still shown against what was published

    applied.edit_yaml(applied.release_yaml, coverage={"required": {}})
    assert api.apply(applied.release_yaml).outcome.error is None
    assert read_last_attempt(lock) == {"version": "v2026-11-23", "outcome": "published", "why": None}
    assert api.plan(applied.release_yaml).changes == []


def test_a_newer_lock_format_is_refused(applied: ReleaseFixture) -> None:
    lock = applied.dir / "release.lock"
    lock.write_text(json.dumps({**json.loads(lock.read_text()), "lock_format": 99}))
    assert cli.main(["plan", str(applied.release_yaml)]) == 1


def _git(directory: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=directory,
                          check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture
def committed(applied: ReleaseFixture) -> tuple[ReleaseFixture, str]:
    """The applied release in a git repository, release.lock committed with it; returns the commit."""
    (applied.dir / ".gitignore").write_text("published/\n.releasebuild/\n")
    _git(applied.dir, "init", "-q")
    _git(applied.dir, "add", "-A")
    _git(applied.dir, "commit", "-qm", "published")
    return applied, _git(applied.dir, "rev-parse", "HEAD")


def _data_lines(plan: Plan) -> list[tuple[str, str, str, Any, Any, str]]:
    return [(c.op, c.kind, c.subject, c.old, c.new, c.note) for c in plan.changes if c.kind in ("source", "records")]


def test_a_data_edit_shows_the_same_lines_against_every_baseline(committed: tuple[ReleaseFixture, str]) -> None:
    fixture, base = committed
    untouched = [api.plan(fixture.release_yaml, against=against) for against in (None, "published", "git:HEAD")]
    assert [plan.has_changes for plan in untouched] == [False, False, False]
    assert "committed at HEAD" in untouched[2].data_from

    with fixture.data_file("alpha").open("a") as fh:
        fh.write(json.dumps(conversation("a99", "sa99")) + "\n")
    lines = fixture.data_file("beta").read_text()
    fixture.data_file("beta").write_text(lines.replace("grief", "GRIEF", 1))  # same size, other content
    _git(fixture.dir, "commit", "-qam", "data edit")
    # A plan that computes nothing (--compute-budget 0) lists the sources and leaves the records to the apply.
    listed = [api.plan(fixture.release_yaml, against=against, compute_budget=0)
              for against in (None, "published", f"git:{base}")]
    shown = _data_lines(listed[0])
    assert [(op, kind, subject) for op, kind, subject, *_ in shown] == [
        ("~", "source", "alpha: ../data/alpha.jsonl"), ("~", "source", "beta: ../data/beta.jsonl"),
        ("~", "records", "alpha"), ("~", "records", "beta")]
    assert shown[1][5] == "same size, content changed"
    assert [_data_lines(plan) for plan in listed[1:]] == [shown, shown]

    # A plain plan computes the few records in scratch, --compute-data builds them: the same exact lines, per split.
    plain = [api.plan(fixture.release_yaml, against=against) for against in (None, "published", f"git:{base}")]
    computed = [api.plan(fixture.release_yaml, against=against, compute_data=True)
                for against in (None, "published", f"git:{base}")]
    exact = _data_lines(computed[0])
    assert [kind for _, kind, *_ in exact].count("records") >= 2 and all(
        _data_lines(plan) == exact for plan in computed[1:] + plain)
    assert [(stat.family, stat.split) for stat in computed[0].stats] == [
        (stat.family, stat.split) for stat in computed[2].stats]
    for plan in computed + plain:
        jsonschema.validate(plan.to_json(), PLAN_SCHEMA)
        assert len(plan_markdown(plan)) <= GITHUB_COMMENT_LIMIT


def test_a_revision_whose_lock_does_not_match_lists_its_sources(committed: tuple[ReleaseFixture, str]) -> None:
    fixture, _ = committed
    fixture.edit_yaml(fixture.dir / "gates/quarantine.yaml", max_ratio=0.4)  # the lock no longer describes HEAD
    _git(fixture.dir, "commit", "-qam", "threshold without an apply")
    with fixture.data_file("alpha").open("a") as fh:
        fh.write(json.dumps(conversation("a99", "sa99")) + "\n")
    plan = api.plan(fixture.release_yaml, against="git:HEAD")
    assert "HEAD's sources, listed (its release.lock does not match its definition" in plan.data_from
    assert [(c.kind, c.subject) for c in plan.changes if c.kind == "source"] == [
        ("source", "alpha: ../data/alpha.jsonl")]


def test_eval_breaking_changes_are_kept_apart(applied: ReleaseFixture, capsys: pytest.CaptureFixture[str]) -> None:
    """A declared resplit moves published train records into val or test (never back): the val and test splits
    it touches are eval-breaking, the train split is not."""
    ratios = {"train": 0.34, "val": 0.33, "test": 0.33}
    applied.edit_yaml(applied.release_yaml, version="v2026-11-30", splits={"ratios": ratios, "salt": "moved"},
                      resplit={"reason": "rebalance", "families": ["alpha"]})
    plan = api.plan(applied.release_yaml, compute_data=True)
    breaking = {f"{stat.family}/{stat.split}" for stat in plan.eval_breaking}
    assert breaking and breaking <= {"alpha/val", "alpha/test"}
    assert {f"{stat.family}/{stat.split}" for stat in plan.train_only} == {"alpha/train"}
    train = next(stat for stat in plan.stats if stat.split == "train")
    assert train.moved_out > 0 and train.unchanged + train.moved_out + train.modified + train.removed == train.before
    text = plan_text(plan)
    assert text.index("Eval-breaking: val/test records changed") < text.index("Train only:")
    assert "alpha/train" in text.split("Train only:")[1]
    markdown = plan_markdown(plan)
    assert "Eval-breaking records (val/test)" in markdown and "Train-only records" in markdown
    assert cli.main(["plan", str(applied.release_yaml), "--json"]) == 2
    document = json.loads(capsys.readouterr().out)
    jsonschema.validate(document, PLAN_SCHEMA)
    assert set(document["data"]["eval_breaking"]) == breaking and document["data"]["train_only"] == ["alpha/train"]


REVIEWS = {"clinician_qa": {"roles": ["clinician"], "stages": ["foundation"], "size": 4}}


def test_a_new_version_and_its_signoffs_show_in_plan_and_diff(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    rows = [conversation(f"a{i:02d}", f"sa{i}", text="alpha talk") for i in range(12)]
    fixture = make_release(tmp_path / "rel", {"alpha": rows}, signoffs={"required": ["clinician_qa"]})
    (fixture.dir / "gates" / "signoff.yaml").write_text(yaml.safe_dump({"reviews": REVIEWS}))
    document = yaml.safe_load(fixture.release_yaml.read_text())
    document["gates"]["signoff"] = "gates/signoff.yaml"
    fixture.release_yaml.write_text(yaml.safe_dump(document, sort_keys=False))
    commands.demo(fixture.release_yaml)
    assert api.apply(fixture.release_yaml).outcome.error is None

    fixture.edit_yaml(fixture.release_yaml, version="v2026-11-30")
    (version,) = [change for change in api.plan(fixture.release_yaml, compute_budget=0).changes
                  if change.kind == "version"]
    assert (version.old, version.new) == ("v2026-11-23", "v2026-11-30")
    assert "carry an earlier approval only if the sample is unchanged" in version.note  # not built yet
    (version,) = [change for change in api.plan(fixture.release_yaml).changes if change.kind == "version"]
    # a plain plan computes the sample in scratch: unchanged, so the earlier approval is carried
    assert version.note == "every review has its own record or carries an earlier approval of the same sample"
    commands.demo(fixture.release_yaml)  # this version's own record
    (version,) = [change for change in api.plan(fixture.release_yaml).changes if change.kind == "version"]
    assert version.note == "every review has its own record or carries an earlier approval of the same sample"
    assert api.apply(fixture.release_yaml).outcome.error is None

    releases = fixture.dir / "published" / "releases"
    a, b = str(releases / "v2026-11-23"), str(releases / "v2026-11-30")
    assert cli.main(["diff", a, b, "--json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["signoffs"]["added"] and report["signoffs"]["removed"]
    text = diff_text(report)
    assert "~ version    version: v2026-11-23 -> v2026-11-30  (reviews signed again for this version)" in text
    assert f"  + {report['signoffs']['added'][0]}" in text and "Records: the same ids, splits and content." in text
    markdown = diff_markdown(report)
    assert "| ~ | version | `version` | v2026-11-23 | v2026-11-30 |" in markdown
    assert f"| + | `{report['signoffs']['added'][0]}` | |" in markdown
    assert cli.main(["diff", a, b, "--format", "markdown"]) == 2
    assert capsys.readouterr().out == markdown


def _workflow_steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load((REPO / "docs" / "examples" / "release-pr.yml").read_text())
    steps: list[dict[str, Any]] = workflow["jobs"]["plan"]["steps"]
    return steps


def test_the_pr_workflow_runs_against_a_temporary_git_repository(committed: tuple[ReleaseFixture, str],
                                                                 tmp_path: Path) -> None:
    """Every `run:` of docs/examples/release-pr.yml, in order, on a PR that edits a data file: the installation
    is from the checkout (releasebuild is on no package index; the test runs the checkout's code in its place,
    as the installed command would), the comment shows the source and record lines a plain plan shows."""
    fixture, base = committed
    with fixture.data_file("alpha").open("a") as fh:
        fh.write(json.dumps(conversation("a99", "sa99")) + "\n")
    _git(fixture.dir, "commit", "-qam", "pr: one more record")

    runs = [step["run"] for step in _workflow_steps() if "run" in step]
    install, *commands_run = runs
    assert install.strip() == "python -m pip install ." and "pip install releasebuild" not in "\n".join(runs)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "releasebuild"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m releasebuild \"$@\"\n")
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(REPO)}
    for script in commands_run:
        script = script.replace("${{ github.event.pull_request.base.sha }}", base)
        assert "${{" not in script, script
        done = subprocess.run(["bash", "-e", "-c", script], cwd=fixture.dir, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    comment = (fixture.dir / "plan.md").read_text()
    assert f"Against git:{base}" in comment and "committed at" in comment
    assert "| ~ | source | `alpha: ../data/alpha.jsonl` |" in comment
    # the plan computed alpha's records in scratch (a small change, within its budget): exact lines, per split
    assert "| ~ | records | `alpha/" in comment and "known after apply" not in comment
