"""Make-style rules: a command that makes a family's data, keyed, cached and sandboxed like every other step.

One release is built per module (a family `beta` made by the rule `gen_beta`, declared in families/beta.yaml
next to the family, and a hand-written family `alpha`); each test works on its own copy, cache included.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from releasebuild import api, cli
from releasebuild.errors import DefinitionError
from releasebuild.testing import ReleaseFixture, conversation, family_definition, make_release, write_jsonl

GENERATOR = '''\
import json, os, sys

count = int(sys.argv[1])
os.makedirs("out", exist_ok=True)
with open("out/beta.jsonl", "w") as fh:
    for i in range(count):
        row = {"cid": f"b{i}", "session": f"s{i}", "topic": os.environ["PARAM_TOPIC"],
               "dialog": [{"speaker": "usr", "text": f"question {i} about {os.environ['PARAM_TOPIC']}"},
                          {"speaker": "sys", "text": f"answer {i}"}]}
        fh.write(json.dumps(row) + "\\n")
'''
RULE = {"name": "gen_beta", "cmd": ["{python}", "../scripts/gen.py", "{params.count}"],
        "inputs": ["../scripts/gen.py"], "params": {"count": 12, "topic": "sleep"}, "outputs": ["out/beta.jsonl"]}
FAMILY_STEPS = ("ingest", "privacy", "fingerprint", "split", "export", "provenance", "stats")


def write_yaml(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def add_rule_family(fixture: ReleaseFixture, family: str, sources: list[str], rules: list[dict[str, Any]]) -> None:
    """A family whose sources are rule outputs, with its rules declared in its own YAML, routed by the curriculum."""
    write_yaml(fixture.family_yaml(family), {**family_definition(family, sources=sources), "rules": rules})
    release = yaml.safe_load(fixture.release_yaml.read_text())
    release["families"].append(f"families/{family}.yaml")
    release["curriculum"][0]["families"][family] = 1
    write_yaml(fixture.release_yaml, release)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> ReleaseFixture:
    fixture = make_release(tmp_path_factory.mktemp("rules") / "rel",
                           {"alpha": [conversation(f"a{i}", f"g{i}") for i in range(12)]})
    (fixture.dir / "scripts").mkdir()
    (fixture.dir / "scripts" / "gen.py").write_text(GENERATOR)
    (fixture.dir / "scripts" / "unrelated.py").write_text("print('not an input of any rule')\n")
    add_rule_family(fixture, "beta", ["rule:gen_beta"], [RULE])
    report = apply(fixture)
    assert "rules/gen_beta" in ran(report) and "beta/ingest" in ran(report)
    return fixture


@pytest.fixture
def release(built: ReleaseFixture, tmp_path: Path) -> ReleaseFixture:
    """A copy of the built release, its cache and release.lock included: the next apply starts warm."""
    shutil.copytree(built.dir, tmp_path / "rel", symlinks=True)
    return ReleaseFixture(tmp_path / "rel")


def apply(fixture: ReleaseFixture, expect_error: bool = False) -> dict[str, Any]:
    report = api.apply(fixture.release_yaml, jobs=2)
    assert (report.outcome.error is not None) == expect_error, report.outcome.error
    return report.to_json()


def ran(report: dict[str, Any]) -> set[str]:
    return {step["id"] for step in report["steps"] if step["status"] == "ran"}


def step(report: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(entry for entry in report["steps"] if entry["id"] == step_id)


def edit_rule(fixture: ReleaseFixture, family: str = "beta", **changes: Any) -> None:
    document = fixture.family(family)
    document["rules"][0].update(changes)
    write_yaml(fixture.family_yaml(family), document)


def published_ids(fixture: ReleaseFixture, family: str) -> set[str]:
    prefix = fixture.dir / "published" / "releases" / "v2026-11-23" / "data"
    return {json.loads(line)["id"] for shard in prefix.rglob(f"{family}-*.jsonl")
            for line in shard.read_text().splitlines()}


def test_a_generator_rule_feeds_a_family(built: ReleaseFixture) -> None:
    assert published_ids(built, "beta") == {f"b{i}" for i in range(12)}
    manifest = json.loads((built.dir / "published/releases/v2026-11-23/manifest.json").read_text())
    rule = manifest["rules"]["gen_beta"]
    assert rule["definition_file"] == "families/beta.yaml" and rule["params"] == {"count": 12, "topic": "sleep"}
    assert list(rule["inputs"]) == ["../scripts/gen.py"] and list(rule["outputs"]) == ["out/beta.jsonl"]
    provenance = (built.dir / "published/releases/v2026-11-23/provenance/beta.jsonl").read_text().splitlines()
    assert {json.loads(line)["source"] for line in provenance} == {"rule:gen_beta/out/beta.jsonl"}
    lock = json.loads((built.dir / "release.lock").read_text())
    assert set(lock["rules"]) == {"gen_beta"} and lock["rules"]["gen_beta"]["output"]


def test_changing_a_param_reruns_the_rule_and_its_family_only(release: ReleaseFixture) -> None:
    edit_rule(release, params={"count": 14, "topic": "sleep"})
    plan = api.plan(release.release_yaml)
    plans = {entry.id: entry for entry in plan.steps}
    assert plans["rules/gen_beta"].status == "will_run"
    assert plans["rules/gen_beta"].detail == "parameters changed: params.count"
    assert [(c.kind, c.subject, c.old, c.new) for c in plan.changes if c.kind == "rule"] == [
        ("rule", "gen_beta.params.count", 12, 14)]
    report = apply(release)
    assert {"rules/gen_beta", *(f"beta/{kind}" for kind in FAMILY_STEPS)} <= ran(report)
    assert not {step_id for step_id in ran(report) if step_id.startswith("alpha/")}
    assert published_ids(release, "beta") == {f"b{i}" for i in range(14)}


def test_touching_an_unrelated_file_reruns_nothing(release: ReleaseFixture) -> None:
    (release.dir / "scripts" / "unrelated.py").write_text("print('edited, but no rule reads it')\n")
    (release.dir / "notes.txt").write_text("a new file beside release.yaml\n")
    script = release.dir / "scripts" / "gen.py"
    script.touch()  # a new mtime, the same bytes: the content digest decides
    assert api.plan(release.release_yaml).has_changes is False
    assert ran(apply(release)) == set()


def test_editing_the_script_reruns_the_rule(release: ReleaseFixture) -> None:
    script = release.dir / "scripts" / "gen.py"
    script.write_text(GENERATOR + "# a comment: the same output\n")
    plans = {entry.id: entry for entry in api.plan(release.release_yaml).steps}
    assert (plans["rules/gen_beta"].status, plans["rules/gen_beta"].detail) == (
        "will_run", "sources changed: ../scripts/gen.py")
    report = apply(release)
    # Early cutoff: the rule reran, wrote the same bytes, and the family's steps stayed cached.
    assert "rules/gen_beta" in ran(report) and step(report, "beta/ingest")["status"] == "cached"
    script.write_text(GENERATOR.replace("answer {i}", "reply {i}"))
    report = apply(release)
    assert {"rules/gen_beta", "beta/ingest", "beta/privacy"} <= ran(report)
    assert not {step_id for step_id in ran(report) if step_id.startswith("alpha/")}


def test_the_python_running_the_rule_is_part_of_its_key(release: ReleaseFixture,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("releasebuild.steps.rule.python_identity", lambda: "CPython 3.99.0")
    plans = {entry.id: entry for entry in api.plan(release.release_yaml).steps}
    assert (plans["rules/gen_beta"].status, plans["rules/gen_beta"].detail) == (
        "will_run", "parameters changed: python")


def test_only_declared_environment_reaches_the_command_and_its_key(release: ReleaseFixture,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (release.dir / "scripts" / "env.py").write_text(
        "import json, os\n"
        "json.dump({name: os.environ.get(name) for name in ('RB_TEST_TOKEN', 'RB_UNDECLARED', 'PARAM_TOPIC', "
        "'HOME')}, open('env.json', 'w'))\n")
    rule = {"name": "show_env", "cmd": ["{python}", "scripts/env.py"], "inputs": ["scripts/env.py"],
            "params": {"topic": "grief"}, "env": ["RB_TEST_TOKEN"], "outputs": ["env.json"]}
    release.edit_yaml(release.release_yaml, rules=[rule])
    monkeypatch.setenv("RB_TEST_TOKEN", "token-one-8f3a")
    monkeypatch.setenv("RB_UNDECLARED", "leaks-if-seen")
    report = apply(release)
    assert "rules/show_env" in ran(report)
    outputs = api.open_project(release.release_yaml).engine().known_results(("rule",))["rules/show_env"].files
    blob = api.open_project(release.release_yaml).env.cas.local(outputs["env.json"].sha256)
    seen = json.loads(blob.read_text())
    assert seen["RB_TEST_TOKEN"] == "token-one-8f3a" and seen["RB_UNDECLARED"] is None
    assert seen["PARAM_TOPIC"] == "grief" and not seen["HOME"].startswith(str(Path.home()))
    monkeypatch.setenv("RB_UNDECLARED", "changed")  # not declared: not in the key
    assert api.plan(release.release_yaml).has_changes is False
    monkeypatch.setenv("RB_TEST_TOKEN", "token-two-51c9")
    plans = {entry.id: entry for entry in api.plan(release.release_yaml).steps}
    assert plans["rules/show_env"].detail == "parameters changed: env.RB_TEST_TOKEN"
    assert "rules/show_env" in ran(apply(release))
    for recorded in (release.dir / "release.lock", release.dir / "published/releases/v2026-11-23/manifest.json"):
        text = recorded.read_text()
        assert "token-one" not in text and "token-two" not in text  # values enter the key as digests only


def test_an_undeclared_write_fails_the_rule_by_name(release: ReleaseFixture) -> None:
    (release.dir / "scripts" / "gen.py").write_text(GENERATOR + "open('stray.txt', 'w').write('x')\n")
    report = apply(release, expect_error=True)
    failed = step(report, "rules/gen_beta")
    assert failed["status"] == "failed"
    assert "rule 'gen_beta' wrote undeclared file(s) stray.txt" in failed["detail"]
    assert step(report, "beta/ingest")["status"] == "skipped"


def test_a_missing_declared_output_fails_the_rule_by_name(release: ReleaseFixture) -> None:
    edit_rule(release, outputs=["out/beta.jsonl", "out/summary.json"])
    report = apply(release, expect_error=True)
    assert "rule 'gen_beta' did not write its declared output(s) out/summary.json" in \
        step(report, "rules/gen_beta")["detail"]


def test_a_rule_that_changes_its_input_fails(release: ReleaseFixture) -> None:
    (release.dir / "scripts" / "gen.py").write_text(
        GENERATOR + "import os, stat\nos.chmod(__file__, stat.S_IWUSR | stat.S_IRUSR)\n"
                    "open(__file__, 'a').write('# rewritten by itself\\n')\n")
    report = apply(release, expect_error=True)
    assert "rule 'gen_beta' changed or removed its input(s) ../scripts/gen.py" in \
        step(report, "rules/gen_beta")["detail"]


def test_a_failing_rule_reports_its_stderr_and_skips_its_dependents(release: ReleaseFixture,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (release.dir / "scripts" / "gen.py").write_text(
        "import sys\nprint('reading the seed file', file=sys.stderr)\n"
        "print('ValueError: count must be positive', file=sys.stderr)\nsys.exit(2)\n")
    assert cli.main(["apply", str(release.release_yaml), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    failed = step(report, "rules/gen_beta")
    assert failed["status"] == "failed"
    assert "rule 'gen_beta' exited with status 2; its stderr ends:\nreading the seed file\n" \
           "ValueError: count must be positive" in failed["detail"]
    skipped = {entry["id"]: entry["detail"] for entry in report["steps"] if entry["status"] == "skipped"}
    assert skipped["beta/ingest"] == "because rules/gen_beta did not complete"
    assert {"beta/privacy", "release/manifest", "release/publish"} <= set(skipped)
    assert step(report, "alpha/ingest")["status"] == "cached" and not report["published"]


def test_the_determinism_check_catches_a_rule_that_writes_the_time(release: ReleaseFixture,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["apply", str(release.release_yaml), "--check-determinism"]) == 0
    assert "same     gen_beta: 1 output(s) identical" in capsys.readouterr().out
    (release.dir / "scripts" / "gen.py").write_text(
        GENERATOR + "import time\nopen('out/beta.jsonl', 'a').write('# built at %d\\n' % time.time_ns())\n")
    apply(release)
    assert cli.main(["apply", str(release.release_yaml), "--check-determinism", "3", "--json"]) == 3
    report = json.loads(capsys.readouterr().out)
    (check,) = report["checked"]
    assert (check["rule"], check["status"], report["consistent"]) == ("gen_beta", "differs", False)
    (output,) = check["outputs"]
    assert output["output"] == "out/beta.jsonl" and output["cached_sha256"] != output["rerun_sha256"]
    assert output["first_difference"]["line"] == 13  # twelve rows, then the timestamp line
    # The check publishes nothing and leaves the cache as it was: the next apply has nothing to do.
    assert ran(apply(release)) == set()


def test_the_determinism_check_says_what_it_could_not_compare(release: ReleaseFixture) -> None:
    edit_rule(release, params={"count": 3, "topic": "sleep"})
    report = api.check_determinism(release.release_yaml)
    assert report.checked == [] and report.consistent
    assert report.not_checked["gen_beta"].startswith("its outputs are not cached: parameters changed: params.count")


def test_rules_chain_and_independent_rules_run_in_parallel(release: ReleaseFixture, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """`mirror` reads gen_beta's output (rule:gen_beta/out/*.jsonl, staged at out/beta.jsonl); `left` and `right`
    only finish if both run at once: each waits for the other's mark in a directory outside the sandboxes."""
    (release.dir / "scripts" / "mirror.py").write_text(
        "import json, os\nos.makedirs('mirrored', exist_ok=True)\n"
        "with open('out/beta.jsonl') as rows, open('mirrored/beta.jsonl', 'w') as out:\n"
        "    for line in rows:\n        row = json.loads(line)\n        row['cid'] = 'm' + row['cid']\n"
        "        for turn in row['dialog']:\n            turn['text'] = turn['text'][::-1]\n"
        "        out.write(json.dumps(row) + '\\n')\n")
    (release.dir / "scripts" / "meet.py").write_text(
        "import os, pathlib, sys, time\nme, other = sys.argv[1], sys.argv[2]\n"
        "place = pathlib.Path(os.environ['RB_RENDEZVOUS'])\n(place / me).write_text('here')\n"
        "deadline = time.monotonic() + 60\n"
        "while not (place / other).exists():\n"
        "    if time.monotonic() > deadline:\n        sys.exit(f'{me}: {other} never started')\n"
        "    time.sleep(0.05)\nopen(me + '.txt', 'w').write(me)\n")
    meet = {"cmd": ["{python}", "scripts/meet.py"], "inputs": ["scripts/meet.py"], "env": ["RB_RENDEZVOUS"]}
    release.edit_yaml(release.release_yaml, rules=[
        {"name": "mirror", "cmd": ["{python}", "scripts/mirror.py"],
         "inputs": ["scripts/mirror.py", "rule:gen_beta/out/*.jsonl"], "outputs": ["mirrored/beta.jsonl"]},
        {**meet, "name": "left", "cmd": [*meet["cmd"], "left", "right"], "outputs": ["left.txt"]},
        {**meet, "name": "right", "cmd": [*meet["cmd"], "right", "left"], "outputs": ["right.txt"]}])
    add_rule_family(release, "gamma", ["rule:mirror"], [])
    (tmp_path / "meet").mkdir()
    monkeypatch.setenv("RB_RENDEZVOUS", str(tmp_path / "meet"))
    assert "rules/mirror <- rules/gen_beta" in _graph_lines(release)
    report = apply(release)
    assert {"rules/mirror", "rules/left", "rules/right", "gamma/ingest"} <= ran(report)
    assert published_ids(release, "gamma") == {f"mb{i}" for i in range(12)}
    edit_rule(release, params={"count": 13, "topic": "sleep"})
    report = apply(release)
    assert {"rules/gen_beta", "rules/mirror", "gamma/ingest", "beta/ingest"} <= ran(report)
    assert step(report, "rules/left")["status"] == "cached"


def _graph_lines(fixture: ReleaseFixture) -> str:
    from releasebuild.graph import render_text

    text = render_text(api.graph(fixture.release_yaml))
    return "\n".join(line.split("  sources:")[0].replace("  [rule]  ", " ") for line in text.splitlines())


def test_a_rule_reads_a_remote_input_over_s3(release: ReleaseFixture, s3_server: Any) -> None:
    from conftest import S3_BUCKET

    s3_server.client().put_object(Bucket=S3_BUCKET, Key="raw/topics.txt", Body=b"sleep\ngrief\n")
    (release.dir / "scripts" / "topics.py").write_text(
        f"import json\ntopics = open('s3/{S3_BUCKET}/raw/topics.txt').read().split()\n"
        "json.dump(topics, open('topics.json', 'w'))\n")
    release.edit_yaml(release.release_yaml, rules=[
        {"name": "topics", "cmd": ["{python}", "scripts/topics.py"],
         "inputs": ["scripts/topics.py", f"s3://{S3_BUCKET}/raw/*.txt"], "outputs": ["topics.json"]}])
    assert "rules/topics" in ran(apply(release))
    project = api.open_project(release.release_yaml)
    result = project.engine().known_results(("rule",))["rules/topics"]
    assert json.loads(project.env.cas.local(result.files["topics.json"].sha256).read_text()) == ["sleep", "grief"]
    s3_server.client().put_object(Bucket=S3_BUCKET, Key="raw/topics.txt", Body=b"sleep\ngrief\nanger\n")
    plans = {entry.id: entry for entry in api.plan(release.release_yaml).steps}
    assert plans["rules/topics"].detail == f"sources changed: s3://{S3_BUCKET}/raw/topics.txt"


def test_coverage_shows_a_family_whose_rule_has_not_run_as_pending(release: ReleaseFixture) -> None:
    edit_rule(release, params={"count": 5, "topic": "sleep"})
    rows = {row["family"]: row for row in api.coverage(release.release_yaml)["families"]}
    assert rows["beta"]["status"] == "pending" and rows["beta"]["pending_sources"] == ["rule:gen_beta"]
    apply(release)
    rows = {row["family"]: row for row in api.coverage(release.release_yaml)["families"]}
    assert (rows["beta"]["status"], rows["beta"]["records"], rows["beta"]["objects"]) == ("present", 5, 1)


def test_removing_a_rule_drops_it_from_the_lock_and_the_manifest(release: ReleaseFixture) -> None:
    write_jsonl(release.dir / "data" / "beta.jsonl", [conversation(f"b{i}", f"s{i}") for i in range(12)])
    document = release.family("beta")
    document.pop("rules")
    document["sources"] = ["../data/beta.jsonl"]
    write_yaml(release.family_yaml("beta"), document)
    changes = [(c.kind, c.op, c.subject) for c in api.plan(release.release_yaml).changes if c.kind == "rule"]
    assert changes == [("rule", "-", "gen_beta")]
    apply(release)
    assert "rules" not in json.loads((release.dir / "release.lock").read_text())
    manifest = json.loads((release.dir / "published/releases/v2026-11-23/manifest.json").read_text())
    assert manifest["rules"] == {}


# --- definition errors: all found by `validate`, with file, line and a hint ---------------------------------------

def errors_of(fixture: ReleaseFixture) -> str:
    with pytest.raises(DefinitionError) as caught:
        api.validate(fixture.release_yaml)
    return str(caught.value)


def line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_an_unknown_rule_is_named_with_its_line_and_a_suggestion(release: ReleaseFixture) -> None:
    document = release.family("beta")
    document["sources"] = ["rule:gen_bta"]
    write_yaml(release.family_yaml("beta"), document)
    message = errors_of(release)
    line = line_of(release.family_yaml("beta"), "rule:gen_bta")
    assert f"families/beta.yaml:{line}:" in message
    assert "family 'beta' names unknown rule 'gen_bta' (rule:gen_bta)" in message
    assert "did you mean 'gen_beta'" in message


def test_a_source_glob_must_match_a_declared_output(release: ReleaseFixture) -> None:
    document = release.family("beta")
    document["sources"] = ["rule:gen_beta/*.csv"]
    write_yaml(release.family_yaml("beta"), document)
    message = errors_of(release)
    assert "rule:gen_beta/*.csv matches none of rule 'gen_beta''s outputs" in message
    assert "its outputs are out/beta.jsonl" in message


@pytest.mark.parametrize(("change", "expected"), [
    ({"cmd": "python gen.py"}, "cmd must be an argv list"),
    ({"cmd": ["{python}", "../scripts/gen.py", "{params.cuont}"]}, "cmd placeholder {params.cuont} is not one of"),
    ({"inputs": []}, "rule 'gen_beta' runs ../scripts/gen.py, which is not among its inputs"),
    ({"outputs": ["../escape.jsonl"]}, "output '../escape.jsonl' must be a plain relative path"),
    ({"env": ["HOME"]}, "env: HOME is set by releasebuild for every rule"),
    ({"timeout": 5}, "unknown key 'timeout' in 'rules.0'"),
])
def test_bad_rule_declarations_are_errors_with_a_location(release: ReleaseFixture, change: dict[str, Any],
                                                          expected: str) -> None:
    edit_rule(release, **change)
    message = errors_of(release)
    assert expected in message and "families/beta.yaml:" in message


def test_rules_that_feed_each_other_in_a_loop_are_an_error(release: ReleaseFixture) -> None:
    release.edit_yaml(release.release_yaml, rules=[
        {"name": "one", "cmd": ["true"], "inputs": ["rule:two"], "outputs": ["one.txt"]},
        {"name": "two", "cmd": ["true"], "inputs": ["rule:one"], "outputs": ["two.txt"]}])
    assert "rules form a cycle: one -> two -> one" in errors_of(release)


def test_a_rule_name_is_declared_once(release: ReleaseFixture) -> None:
    release.edit_yaml(release.release_yaml, rules=[{**RULE, "inputs": ["scripts/gen.py"],
                                                    "cmd": ["{python}", "scripts/gen.py", "{params.count}"]}])
    assert "rule 'gen_beta' is declared twice (first in release.yaml)" in errors_of(release)


def test_a_shell_rule_gets_its_params_quoted(release: ReleaseFixture) -> None:
    """`shell: true` runs one string with /bin/sh; a param's value is one word however it is spelled, and {{ }} are
    literal braces."""
    release.edit_yaml(release.release_yaml, rules=[
        {"name": "words", "shell": True, "params": {"phrase": "it's a; rm -rf $HOME"},
         "cmd": "printf '%s|' {params.phrase} '{{literal}}' \"$PARAM_PHRASE\" > words.txt", "outputs": ["words.txt"]}])
    assert "rules/words" in ran(apply(release))
    project = api.open_project(release.release_yaml)
    result = project.engine().known_results(("rule",))["rules/words"]
    written = project.env.cas.local(result.files["words.txt"].sha256).read_text()
    assert written == "it's a; rm -rf $HOME|{literal}|it's a; rm -rf $HOME|"


def test_the_sandbox_mirrors_the_repository_however_far_inputs_reach(tmp_path: Path) -> None:
    """Inputs keep their paths relative to the declaring directory, whose copy is as deep as the furthest `..`
    needs (padded when the real one is shallower), and they are read-only copies."""
    from releasebuild.steps.base import SourceFile
    from releasebuild.steps.rule import stage
    from releasebuild.store.backends import LocalStore

    script = tmp_path / "gen.py"
    script.write_text("print('hi')\n")
    inputs = [SourceFile("../tools/gen.py", str(script), "xxh3_128:0", 12),
              SourceFile("../../../../../../shared/gen.py", str(script), "xxh3_128:0", 12),
              SourceFile("rule:other/out/a.jsonl", str(script), "sha256:0", 12)]
    sandbox = stage("r", tmp_path / "work", Path("/repo/families"), inputs, ["b.jsonl"], LocalStore())
    assert sandbox.cwd.relative_to(sandbox.root).as_posix() == "_/_/_/_/repo/families"
    assert (sandbox.cwd / "../tools/gen.py").resolve().read_text() == "print('hi')\n"
    assert (sandbox.root / "shared/gen.py").is_file() and (sandbox.cwd / "out/a.jsonl").is_file()
    assert not (sandbox.cwd / "../tools/gen.py").resolve().stat().st_mode & 0o222


def test_the_determinism_check_of_a_release_without_rules_says_so(tmp_path: Path) -> None:
    from releasebuild.render import determinism_text

    fixture = make_release(tmp_path / "rel", {"alpha": [conversation("a1", "g1")]})
    report = api.check_determinism(fixture.release_yaml)
    assert (report.checked, report.not_checked, report.consistent) == ([], {}, True)
    assert "This release declares no rules: nothing to compare." in determinism_text(report)


def test_a_clean_machine_reuses_a_rule_from_the_shared_tier_and_fetches_its_output_only_to_read_it(
        release: ReleaseFixture, s3_server: Any) -> None:
    from conftest import S3_BUCKET

    release.edit_yaml(release.release_yaml, root=f"s3://{S3_BUCKET}/exports")
    first = apply(release)
    manifest = json.loads(s3_server.client().get_object(
        Bucket=S3_BUCKET, Key="exports/releases/v2026-11-23/manifest.json")["Body"].read())
    sha256 = manifest["rules"]["gen_beta"]["outputs"]["out/beta.jsonl"]["sha256"]
    # A rule's outputs are sources to be (raw data): its blobs are in the shared cache's restricted tier.
    blob = f"/{S3_BUCKET}/exports/restricted/cache/cas/sha256/{sha256[:2]}/{sha256[2:]}"
    shutil.rmtree(release.dir / ".releasebuild")  # a clean machine: only the shared tier remembers the work
    s3_server.requests.clear()
    again = apply(release)
    assert ran(again) == set() and again["root_digest"] == first["root_digest"]
    assert blob not in s3_server.object_gets()  # the rule's result is reused without reading its output
    document = release.family("beta")
    document["metadata"] = []  # beta's mapping changes: its ingest maps the rule's output again
    write_yaml(release.family_yaml("beta"), document)
    report = apply(release)
    assert "beta/ingest" in ran(report) and step(report, "rules/gen_beta")["status"] == "cached"
    assert blob in s3_server.object_gets()


def test_staging_collisions_are_found_before_anything_runs(release: ReleaseFixture) -> None:
    """Two rules' outputs at one staged path are an error; the same rule's output named twice is not."""
    (release.dir / "scripts" / "copy.py").write_text("import shutil\nshutil.copy('out/beta.jsonl', 'copy.jsonl')\n")
    copy = {"cmd": ["{python}", "scripts/copy.py"], "inputs": ["scripts/copy.py", "rule:gen_beta/out/beta.jsonl",
                                                                "rule:gen_beta/out/*.jsonl"]}
    release.edit_yaml(release.release_yaml, rules=[{**copy, "name": "copy", "outputs": ["copy.jsonl"]}])
    api.validate(release.release_yaml)
    release.edit_yaml(release.release_yaml, rules=[
        {**copy, "name": "copy", "outputs": ["copy.jsonl"], "inputs": [*copy["inputs"], "rule:other"]},
        {"name": "other", "cmd": ["true"], "outputs": ["out/beta.jsonl"]}])
    message = errors_of(release)
    assert "rule 'copy': rule:other stages out/beta.jsonl, where rule:gen_beta's output also goes" in message
