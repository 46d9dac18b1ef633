"""The mapping loads the real public datasets in ../shared/data by configuration alone.

tests/shared_data/ holds family YAMLs (ESConv, FailedESConv, CounselChat) and a release.yaml that ties
them together. Their sources point at the shared data through a path relative to each family YAML
(`../../../../shared/data/...`), which resolves when the repo is checked out with ../shared beside it.

The release is built once per module. Nothing is written into the repo: the YAML tree is copied to
`<tmp>/repo/tests/shared_data/` and the source files the families read to `<tmp>/shared/data/`, so the
unchanged relative paths resolve inside tmp and the source names in provenance are exactly the
checkout-independent names a real checkout produces (the engine resolves symlinks when naming sources,
so a `shared` symlink would leak the absolute location into the names).

Expected figures are SOURCE.md's "Loader check figures" (esconv/SOURCE.md, counsel_chat/SOURCE.md).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from releasebuild import api

REPO = Path(__file__).resolve().parents[1]
DEFINITION = REPO / "tests" / "shared_data"
SHARED_DATA = REPO.parent / "shared" / "data"
ESCONV_FILES = ("train.txt", "valid.txt", "test.txt")
SOURCE_FILES = tuple(f"esconv/{name}" for name in ESCONV_FILES) + (
    "esconv/FailedESConv.json", "counsel_chat/20200325_counsel_chat.csv")
REL = "../../../../shared/data"  # from tests/shared_data/families/<name>.yaml
VERSION = "v2026-11-23"
CHATML_ROLES = {"system", "user", "assistant"}
ESCONV_LABELS = {"emotion_type", "problem_type", "experience_type"}

if not all((SHARED_DATA / name).is_file() for name in SOURCE_FILES):
    pytest.skip(f"shared datasets not found under {SHARED_DATA}", allow_module_level=True)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


class Built:
    def __init__(self, tmp: Path, report: api.ApplyReport):
        self.tmp = tmp
        self.report = report
        self.dir = tmp / "root" / "releases" / VERSION
        self.manifest = json.loads((self.dir / "manifest.json").read_text(encoding="utf-8"))
        artifacts = self.manifest["artifacts"]
        self.shards = {a["key"]: _jsonl(self.dir / a["key"]) for a in artifacts if a["kind"] == "shard"}

    def records(self, family: str) -> list[dict[str, Any]]:
        return [line for key, lines in sorted(self.shards.items()) if key.split("/")[2].startswith(f"{family}-")
                for line in lines]

    def json(self, key: str) -> Any:
        return json.loads((self.dir / key).read_text(encoding="utf-8"))

    def provenance(self, family: str) -> list[dict[str, Any]]:
        return _jsonl(self.dir / "provenance" / f"{family}.jsonl")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    tmp = tmp_path_factory.mktemp("shared_release")
    shutil.copytree(DEFINITION, tmp / "repo" / "tests" / "shared_data")
    for name in SOURCE_FILES:
        (tmp / "shared" / "data" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED_DATA / name, tmp / "shared" / "data" / name)
    report = api.apply(tmp / "repo" / "tests" / "shared_data" / "release.yaml", root=str(tmp / "root"))
    assert report.outcome.error is None, report.outcome.error
    return Built(tmp, report)


# --- the definition in the repo ------------------------------------------------------------------------

def test_repo_sources_resolve_to_shared_data() -> None:
    """Every declared source, resolved against its family YAML in the real checkout, is a shared data file."""
    declared = {}
    for family_yaml in sorted((DEFINITION / "families").glob("*.yaml")):
        doc = yaml.safe_load(family_yaml.read_text(encoding="utf-8"))
        for source in doc["sources"]:
            assert source.startswith(f"{REL}/"), source
            assert (family_yaml.parent / source).resolve() == (SHARED_DATA / source.removeprefix(f"{REL}/")).resolve()
            declared[source] = doc["name"]
    assert sorted(declared) == sorted(f"{REL}/{name}" for name in SOURCE_FILES)
    definition = api.validate(DEFINITION / "release.yaml")
    assert set(definition.families) == {"esconv", "failed_esconv", "counsel_chat"}


def test_build_does_not_write_into_the_repo(built: Built) -> None:
    assert not (DEFINITION / "release.lock").exists()
    assert not (DEFINITION / ".releasebuild").exists()
    assert (built.tmp / "repo" / "tests" / "shared_data" / "release.lock").is_file()


# --- counts and quarantine -----------------------------------------------------------------------------

def _counsel_chat_duplicate_rows() -> dict[str, str]:
    """Row id -> id of the first row with the same normalized question and answer, computed here independently
    of releasebuild (NFKC, casefold, whitespace folding)."""
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    first: dict[tuple[str, str], str] = {}
    duplicates = {}
    with (SHARED_DATA / "counsel_chat" / "20200325_counsel_chat.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            key = (norm(f"{row['questionTitle']}\n\n{row['questionText']}".strip()), norm(row["answerText"].strip()))
            if key in first:
                duplicates[row[""]] = first[key]
            else:
                first[key] = row[""]
    return duplicates


def test_record_counts_match_source_md(built: Built) -> None:
    """Every row is a record; CounselChat's exact duplicate rows (SOURCE.md: across upstream splits) are removed
    by the dedup gate, each listed with the row it repeats."""
    families = built.manifest["families"]
    duplicates = _counsel_chat_duplicate_rows()
    assert len(duplicates) == 120
    assert {name: info["removed_duplicates"] for name, info in families.items()} == {
        "esconv": 0, "failed_esconv": 0, "counsel_chat": 120}
    removed = {row["id"]: row for row in _jsonl(built.dir / "gates" / "dedup" / "counsel_chat.jsonl")}
    assert {rid: row["duplicate_of"] for rid, row in removed.items()} == {
        rid: f"counsel_chat/{kept}" for rid, kept in duplicates.items()}
    assert all(row["code"] == "exact_duplicate" and row["similarity"] == 1.0 for row in removed.values())
    assert {name: info["records"]["total"] for name, info in families.items()} == {
        "esconv": 1300, "failed_esconv": 196, "counsel_chat": 2129 - 120}
    assert built.manifest["records"]["total"] == 1300 + 196 + 2129 - 120
    for name, info in families.items():
        assert sum(info["records"][split] for split in ("train", "val", "test")) == info["records"]["total"]
        assert len(built.records(name)) == info["records"]["total"]
    # Per upstream file (ESConv train/valid/test): 910 / 195 / 195.
    per_file = Counter(line["provenance"]["source"] for line in built.records("esconv"))
    assert per_file == {f"{REL}/esconv/train.txt": 910, f"{REL}/esconv/valid.txt": 195, f"{REL}/esconv/test.txt": 195}


def test_nothing_is_quarantined(built: Built) -> None:
    """Every row maps: FailedESConv's junk conversations ("a"/"b", 2-turn chats) still have both a
    speaker and a listener turn with text, so none lacks a role; no CounselChat row has an empty field."""
    report = built.json("gates/quarantine.json")
    assert report["status"] == "pass" and report["failed_families"] == []
    by_family = {entry["family"]: entry for entry in report["families"]}
    assert {name: (e["rows"], e["records"], e["quarantined"], e["codes"]) for name, e in by_family.items()} == {
        "esconv": (1300, 1300, 0, {}), "failed_esconv": (196, 196, 0, {}), "counsel_chat": (2129, 2129, 0, {})}
    for name in by_family:
        assert built.manifest["families"][name]["quarantined"] == 0
        assert (built.dir / "quarantine" / f"{name}.jsonl").read_text(encoding="utf-8") == ""
    assert built.manifest["gates"]["status"] == "pass"


# --- turns ---------------------------------------------------------------------------------------------

def test_esconv_merged_turns_match_source_md(built: Built) -> None:
    records = built.records("esconv")
    turns = [len(line["messages"]) for line in records]
    assert sum(turns) == 30392
    assert round(sum(turns) / len(turns), 2) == 23.38
    per_file: dict[str, list[int]] = defaultdict(list)
    for line in records:
        per_file[line["provenance"]["source"].rsplit("/", 1)[1]].append(len(line["messages"]))
    assert {name: round(sum(t) / len(t), 2) for name, t in per_file.items()} == {
        "train.txt": 23.27, "valid.txt": 22.91, "test.txt": 24.37}


def test_failed_esconv_merged_turns_match_source_md(built: Built) -> None:
    turns = [len(line["messages"]) for line in built.records("failed_esconv")]
    assert round(sum(turns) / len(turns), 2) == 20.24
    assert min(turns) == 2


def test_merged_families_alternate_and_strip(built: Built) -> None:
    for family in ("esconv", "failed_esconv"):
        for line in built.records(family):
            roles = [m["role"] for m in line["messages"]]
            assert all(a != b for a, b in zip(roles, roles[1:], strict=False)), line["id"]
            assert {"user", "assistant"} <= set(roles)
            assert all(m["content"] == m["content"].strip() for m in line["messages"])


def test_esconv_merge_joins_same_speaker_runs_with_newline(built: Built) -> None:
    """The first record of valid.txt (SOURCE.md's example) opens sys, usr "Hi", usr "I had problems..."."""
    first_valid = json.loads((SHARED_DATA / "esconv" / "valid.txt").open(encoding="utf-8").readline())
    expected_turns = sum(1 for i, t in enumerate(first_valid["dialog"])
                         if i == 0 or t["speaker"] != first_valid["dialog"][i - 1]["speaker"])
    ids = {p["id"] for p in built.provenance("esconv")
           if p["source"] == f"{REL}/esconv/valid.txt" and p["locator"] == {"line": 1}}
    (record,) = [line for line in built.records("esconv") if line["id"] in ids]
    assert len(record["messages"]) == expected_turns
    assert record["messages"][0] == {"role": "assistant", "content": "Hi, what I can help you with today?"}
    assert record["messages"][1] == {"role": "user", "content": "Hi\nI had problems in the past and somehow right now"}


# --- shard validity ------------------------------------------------------------------------------------

def test_every_shard_line_is_chatml(built: Built) -> None:
    assert built.shards
    for key, lines in built.shards.items():
        _, split, file = key.split("/")
        family = file.rsplit("-", 1)[0]
        for line in lines:
            assert set(line) == {"id", "family", "split", "messages", "metadata", "provenance"}
            assert line["split"] == split and line["family"] == family
            assert isinstance(line["id"], str) and line["id"]
            assert isinstance(line["messages"], list) and line["messages"]
            for message in line["messages"]:
                assert set(message) == {"role", "content"}
                assert message["role"] in CHATML_ROLES
                assert isinstance(message["content"], str) and message["content"].strip()
    ids = [line["id"] for lines in built.shards.values() for line in lines]
    assert len(built.records("esconv")) + len(built.records("failed_esconv")) + len(built.records("counsel_chat")) \
        == len(ids)


def test_curriculum_routes_every_family(built: Built) -> None:
    curriculum = built.json("curriculum.json")
    assert {name: info["stages"] for name, info in curriculum["families"].items()} == {
        "esconv": ["foundation"], "counsel_chat": ["expertise"], "failed_esconv": ["edge"]}
    assert {name: info["stage_name"] for name, info in built.manifest["families"].items()} == {
        "esconv": "foundation", "counsel_chat": "expertise", "failed_esconv": "edge"}


# --- metadata and grouping -----------------------------------------------------------------------------

def test_esconv_metadata_carries_labels(built: Built) -> None:
    for family in ("esconv", "failed_esconv"):
        records = built.records(family)
        for line in records:
            assert set(line["metadata"]) == ESCONV_LABELS
            assert all(isinstance(v, str) and v for v in line["metadata"].values())
            assert line["metadata"]["experience_type"] in {"Current Experience", "Previous Experience"}
    emotions = Counter(line["metadata"]["emotion_type"] for line in built.records("esconv"))
    assert {"anxiety", "depression", "sadness", "anger", "fear", "shame"} <= set(emotions)


def _redacted_from(published: str, source: str) -> bool:
    """The published text is the source with zero or more spans replaced by `<ENTITY_n>` placeholders."""
    parts = re.split(r"<[A-Z_]+?_\d+>", published)
    return re.fullmatch(".+?".join(re.escape(part) for part in parts), source, flags=re.DOTALL) is not None


def test_counsel_chat_redacts_the_contacts_its_answers_carry(built: Built) -> None:
    """Real counsellors' answers carry phone numbers and websites: patterns-only mode finds and redacts them."""
    statuses = {row["id"]: row for row in _jsonl(built.dir / "privacy" / "counsel_chat.jsonl")}
    redacted = [line for line in built.records("counsel_chat") if statuses[line["id"]]["status"] == "redacted"]
    assert redacted and all("<" in line["messages"][1]["content"] + line["messages"][0]["content"]
                            for line in redacted)
    left = {match for line in built.records("counsel_chat") for m in line["messages"]
            for match in re.findall(r"\b\d{3}[-.]\d{3}[-.]\d{4}\b", m["content"])}
    # what stays is organisations' lines, allow-listed with their reasons: the crisis line, and US toll-free
    # numbers (hotlines, practices' front desks); every other number is redacted
    assert "800-273-8255" in left
    assert all(re.fullmatch(r"8(?:00|33|44|55|66|77|88)-\d{3}-\d{4}", number) for number in left), left
    report = built.json("gates/privacy.json")
    (family,) = [f for f in report["families"] if f["family"] == "counsel_chat"]
    assert any("Lifeline" in entry["reason"] and entry["findings"] > 0 for entry in family["allowed"])
    assert any("toll-free" in entry["reason"] and entry["findings"] > 0 for entry in family["allowed"])


def test_counsel_chat_rows(built: Built) -> None:
    records = built.records("counsel_chat")
    with (SHARED_DATA / "counsel_chat" / "20200325_counsel_chat.csv").open(encoding="utf-8", newline="") as fh:
        rows = {row[""]: row for row in csv.DictReader(fh)}
    duplicates = _counsel_chat_duplicate_rows()
    assert {line["id"] for line in records} == {str(i) for i in range(2129)} - set(duplicates)
    assert set(rows) == {str(i) for i in range(2129)}
    for line in records:
        row = rows[line["id"]]
        assert [m["role"] for m in line["messages"]] == ["user", "assistant"]
        question = f"{row['questionTitle']}\n\n{row['questionText']}".strip()
        assert _redacted_from(line["messages"][0]["content"], question)
        assert _redacted_from(line["messages"][1]["content"], row["answerText"].strip())
        assert line["metadata"] == {"topic": row["topic"], "question_id": row["questionID"],
                                    "upstream_split": row["split"]}
    kept = [row for rid, row in rows.items() if rid not in duplicates]
    assert len({line["metadata"]["question_id"] for line in records}) == len({row["questionID"] for row in kept}) == 815
    assert len({line["metadata"]["topic"] for line in records}) == len({row["topic"] for row in kept})
    assert Counter(line["metadata"]["upstream_split"] for line in records) == Counter(row["split"] for row in kept)


def test_counsel_chat_questions_never_straddle_splits(built: Built) -> None:
    splits: dict[str, set[str]] = defaultdict(set)
    for line in built.records("counsel_chat"):
        splits[line["metadata"]["question_id"]].add(line["split"])
    assert len(splits) == 815
    assert all(len(s) == 1 for s in splits.values())
    multi = Counter(line["metadata"]["question_id"] for line in built.records("counsel_chat"))
    assert any(n > 1 for n in multi.values())  # several answers per question: the grouping is exercised


def test_esconv_situations_never_straddle_splits(built: Built) -> None:
    """group_by situation: conversations sharing a situation text (the 2 that upstream put in both train
    and test, and one FailedESConv situation also in ESConv) land in one release split, across families."""
    situation: dict[tuple[str, int], str] = {}
    for name in ESCONV_FILES:
        with (SHARED_DATA / "esconv" / name).open(encoding="utf-8") as fh:
            for number, text in enumerate(fh, start=1):
                situation[(f"{REL}/esconv/{name}", number)] = json.loads(text)["situation"]
    failed = json.loads((SHARED_DATA / "esconv" / "FailedESConv.json").read_text(encoding="utf-8"))
    splits: dict[str, set[str]] = defaultdict(set)
    members: Counter[str] = Counter()
    for entry in built.provenance("esconv"):
        key = situation[(entry["source"], entry["locator"]["line"])]
        splits[key].add(entry["split"])
        members[key] += 1
    for entry in built.provenance("failed_esconv"):
        key = failed[entry["locator"]["index"]]["situation"]
        splits[key].add(entry["split"])
        members[key] += 1
    assert all(len(s) == 1 for s in splits.values())
    assert members["daily stresses"] == 2 and members["Anxiety about losing my job"] == 2
    assert members["I found my mom murdered on the side of her house"] == 3  # 2 failed + 1 ESConv


# --- the bias report -------------------------------------------------------------------------------------------

def test_bias_report_carries_esconv_emotion_and_problem_distributions_per_split(built: Built) -> None:
    """ESConv's labels reach the report through the records' metadata: per split, and over every split exactly as
    counted here from the source files."""
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    for name in ESCONV_FILES:
        with (SHARED_DATA / "esconv" / name).open(encoding="utf-8") as fh:
            for line in fh:
                session = json.loads(line)
                for label in ("emotion_type", "problem_type"):
                    expected[label][session[label]] += 1
    report = built.json("bias/report.json")
    splits = report["families"]["esconv"]["splits"]
    for label in ("emotion_type", "problem_type"):
        assert splits["all"]["labels"][label] == dict(expected[label])
        per_split = {split: splits[split]["labels"][label] for split in ("train", "val", "test")}
        assert sum((Counter(values) for values in per_split.values()), Counter()) == expected[label]
        assert {split: sum(values.values()) for split, values in per_split.items()} == {
            split: splits[split]["conversations"] for split in per_split}
    page = (built.dir / "bias" / "report.md").read_text(encoding="utf-8")
    assert "`emotion_type`, share of conversations per split:" in page and "| anxiety |" in page
    keys = {artifact["key"] for artifact in built.manifest["artifacts"]}
    assert {"bias/report.json", "bias/report.md", "bias/labels-esconv.png"} <= keys
