"""Deterministic synthetic release for the benchmark: five JSONL families plus their YAML definitions.

The bench owns its generator (rather than demo/generate.py or shared data) so that the measured
workload only changes when this file does. Text is stitched from a seeded pool of sentences: realistic
lengths and JSON escaping, at a generation cost far below the engine's.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSION = "v2026-11-23"
FILES_PER_FAMILY = 4
EDITED_FILE = 1  # edit_one_record changes the family's second file (part-1.jsonl)
SHARD_RECORDS = 1000
_WORDS = ("client therapist feeling anxious sleep work family boundary session plan goal breathing evidence "
          "thought pattern reframe support crisis safety risk referral follow-up medication routine stress "
          "partner conflict grief loss memory trigger coping skill journal progress relapse motivation value "
          "reasoning because therefore first second finally consider symptom duration severity history").split()


@dataclass(frozen=True)
class FamilyShape:
    """How one family lays out a conversation in its source rows, and the YAML that maps it back."""

    name: str
    stage: str
    turns_field: str
    role_key: str
    content_key: str
    roles: tuple[str, str]  # (user, assistant) as spelled in the source
    yaml_body: str  # the family YAML after name/stage/sources/format
    fields: Callable[[str, int, random.Random], dict[str, Any]]  # (padded index, index, rng) -> non-turn fields

    def row(self, index: int, turns: list[dict[str, str]], rng: random.Random) -> dict[str, Any]:
        """One source row; ids are zero-padded so a family's canonical (id) order is its generation order."""
        return {**self.fields(f"{index:08d}", index, rng), self.turns_field: turns}


_TOPICS = ("anxiety", "depression", "grief", "relationships", "work_stress", "sleep", "trauma")

FAMILIES: tuple[FamilyShape, ...] = (
    FamilyShape(
        "professional_therapeutic", "foundation", "dialog", "speaker", "text", ("client", "therapist"),
        "mapping:\n  messages: {field: dialog, role: speaker, content: text,\n"
        "             roles: {client: user, therapist: assistant}}\n"
        "system_prompt: You are a licensed therapist. Respond with warmth and clear boundaries.\n"
        "id: session_id\nmetadata: [topic, modality]\n",
        lambda key, _, rng: {"session_id": f"pt-{key}", "topic": rng.choice(_TOPICS),
                             "modality": rng.choice(("cbt", "dbt", "act", "psychodynamic"))}),
    FamilyShape(
        "priority", "foundation", "messages", "role", "content", ("user", "assistant"),
        "mapping:\n  messages: {field: messages}\nid: answer_id\ngroup_by: question_id\n"
        "metadata: [topic, question_id]\n",
        lambda key, index, rng: {"answer_id": f"pr-{key}", "question_id": f"q-{index // 3:08d}",
                                 "topic": rng.choice(_TOPICS)}),
    FamilyShape(
        "cot_reasoning", "expertise", "conversation", "role", "content", ("user", "assistant"),
        "mapping:\n  messages: {field: conversation}\nid: case_id\nmetadata: [difficulty]\n",
        lambda key, _, rng: {"case_id": f"cot-{key}", "difficulty": rng.choice(("easy", "medium", "hard"))}),
    FamilyShape(
        "edge_cases", "edge", "messages", "role", "content", ("user", "assistant"),
        "mapping:\n  messages: {field: messages}\nid: id\nmetadata: [scenario, risk_level]\n"
        "splits:\n  ratios: {train: 0.7, val: 0.15, test: 0.15}\n",
        lambda key, _, rng: {"id": f"edge-{key}", "scenario": rng.choice(("crisis", "boundary", "refusal")),
                             "risk_level": rng.choice(("low", "medium", "high"))}),
    FamilyShape(
        "voice_persona", "voice", "turns", "who", "utterance", ("usr", "sys"),
        "mapping:\n  messages: {field: turns, role: who, content: utterance, roles: {usr: user, sys: assistant}}\n"
        "id: conversation_id\ngroup_by: session\nmetadata: [persona, session, window]\n",
        lambda key, index, _: {"conversation_id": f"vp-{key}", "session": f"s-{index // 4:08d}",
                               "persona": "dr_rowan_ellis", "window": index % 4}),
)

# Curriculum weights are arbitrary; 1000-record shards make ~110 shard files at 100k conversations, so
# per-file costs (stat, digest, copy) show up in the numbers.
RELEASE_YAML = """version: %(version)s
root: build
families:
%(families)s
splits:
  ratios: {train: 0.8, val: 0.1, test: 0.1}
  salt: bench
shards:
  max_records: %(shard_records)d
curriculum:
  - stage: foundation
    families: {professional_therapeutic: 2, priority: 1}
  - stage: expertise
    families: {cot_reasoning: 1}
  - stage: edge
    families: {edge_cases: 1}
  - stage: voice
    families: {voice_persona: 1}
gates:
  quarantine: gates/quarantine.yaml
  privacy: {mode: patterns_only}   # the engine's scale rows scan with pattern recognizers only (no NER)
signoffs:
  required: []   # a speed benchmark reviews nothing: edits between scenarios would make any sign-off stale
"""


def _sentence_pool(rng: random.Random, size: int = 4096) -> list[str]:
    """Sentences of 6-12 words (~40-90 chars), some with quotes/newlines so JSON escaping is exercised."""
    pool = []
    for _ in range(size):
        words = rng.choices(_WORDS, k=rng.randint(6, 12))
        sentence = " ".join(words).capitalize() + rng.choice((".", ".", "?", ". \"Yes\".", ".\n"))
        pool.append(sentence)
    return pool


def family_counts(total: int) -> dict[str, int]:
    """`total` conversations split evenly over the families (the first ones take the remainder)."""
    share, extra = divmod(total, len(FAMILIES))
    return {shape.name: share + (1 if i < extra else 0) for i, shape in enumerate(FAMILIES)}


def generate(out: Path, total: int, seed: int = 0) -> dict[str, int]:
    """Write data/<family>/part-*.jsonl, families/*.yaml, gates/quarantine.yaml and release.yaml under `out`."""
    rng = random.Random(seed)
    pool = _sentence_pool(rng)
    counts = family_counts(total)
    for shape in FAMILIES:
        _write_family(out / "data" / shape.name, shape, counts[shape.name], pool, rng)
        (out / "families").mkdir(parents=True, exist_ok=True)
        _write_family_yaml(out, shape, f"../data/{shape.name}/*.jsonl")
    (out / "gates").mkdir(parents=True, exist_ok=True)
    (out / "gates" / "quarantine.yaml").write_text("blocking: true\nmax_ratio: 0.05\n", encoding="utf-8")
    listed = "\n".join(f"  - families/{shape.name}.yaml" for shape in FAMILIES)
    release = RELEASE_YAML % {"version": VERSION, "families": listed, "shard_records": SHARD_RECORDS}
    (out / "release.yaml").write_text(release, encoding="utf-8")
    return counts


def _write_family_yaml(out: Path, shape: FamilyShape, sources: str) -> None:
    (out / "families" / f"{shape.name}.yaml").write_text(
        f"name: {shape.name}\nstage: {shape.stage}\nsources: [{sources}]\nformat: jsonl\n" + shape.yaml_body,
        encoding="utf-8")


def set_sources(out: Path, base: str) -> None:
    """Point every family's `sources:` at `<base>/<family>/*.jsonl`, e.g. the s3:// prefix the data was uploaded
    to; the rest of each definition stays byte-identical, so the S3 and local runs map the same rows."""
    for shape in FAMILIES:
        _write_family_yaml(out, shape, f"{base}/{shape.name}/*.jsonl")


def _write_family(directory: Path, shape: FamilyShape, count: int, pool: list[str], rng: random.Random) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    bounds = [count * part // FILES_PER_FAMILY for part in range(FILES_PER_FAMILY + 1)]
    for part in range(FILES_PER_FAMILY):
        lines = []
        for index in range(bounds[part], bounds[part + 1]):
            turns = [{shape.role_key: shape.roles[turn % 2], shape.content_key: _message(pool, rng)}
                     for turn in range(rng.randint(4, 12))]
            lines.append(json.dumps(shape.row(index, turns, rng), ensure_ascii=False))
        (directory / f"part-{part}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _message(pool: list[str], rng: random.Random) -> str:
    """~100-300 characters: two to four pooled sentences."""
    return " ".join(rng.choices(pool, k=rng.randint(2, 4)))


def family_files(out: Path, family: str) -> list[Path]:
    return sorted((out / "data" / family).glob("part-*.jsonl"))


def edit_one_record(out: Path, family: str) -> str:
    """Change one message's text in the middle of the family's second file; returns "file:line" of the edit."""
    path = family_files(out, family)[EDITED_FILE % FILES_PER_FAMILY]
    text, line = edit_record_text(path.read_text(encoding="utf-8"), family)
    path.write_text(text, encoding="utf-8")
    return f"{path.name}:{line}"


def edit_record_text(text: str, family: str) -> tuple[str, int]:
    """The edit itself, on a file's text (so it applies to an object in a bucket too): (new text, 1-based line)."""
    shape = next(s for s in FAMILIES if s.name == family)
    lines = text.splitlines()
    middle = len(lines) // 2
    row = json.loads(lines[middle])
    # a new word each time: the same words appended again would stop changing the text's shingles after the second
    # edit, and fingerprint would then find every side of the record as it was, which no real edit gives
    message = row[shape.turns_field][0]
    message[shape.content_key] += f" (edit number {message[shape.content_key].count('(edit number ') + 1})"
    lines[middle] = json.dumps(row, ensure_ascii=False)
    return "\n".join(lines) + "\n", middle + 1


def edit_every_record(out: Path, family: str) -> int:
    """Change the first message of every record of the family (a family re-exported upstream); returns how many."""
    shape = next(s for s in FAMILIES if s.name == family)
    edited = 0
    for path in family_files(out, family):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for row in rows:
            row[shape.turns_field][0][shape.content_key] += " (revised upstream)"
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
        edited += len(rows)
    return edited


def reverse_one_file(out: Path, family: str) -> str:
    """Reverse the row order of the family's first file: same records, new locators."""
    path = family_files(out, family)[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
    return path.name


RULE_SCRIPT = """\
import pathlib, sys

# Concatenate the family's part files in name order: a stand-in for a normalization script.
with open(sys.argv[1], "wb") as out:
    for part in sorted(pathlib.Path(sys.argv[2]).glob("part-*.jsonl")):
        out.write(part.read_bytes())
"""


def rule_name(family: str) -> str:
    return f"concat_{family}"


def make_family_by_rule(out: Path, family: str) -> None:
    """The family's sources become one file a rule writes from its part files (staged into the rule's sandbox)."""
    shape = next(s for s in FAMILIES if s.name == family)
    (out / "scripts").mkdir(exist_ok=True)
    (out / "scripts" / "concat.py").write_text(RULE_SCRIPT, encoding="utf-8")
    rule = (f"rules:\n  - name: {rule_name(family)}\n"
            f"    cmd: ['{{python}}', ../scripts/concat.py, {family}.jsonl, ../data/{family}]\n"
            f"    inputs: [../scripts/concat.py, '../data/{family}/*.jsonl']\n"
            f"    outputs: [{family}.jsonl]\n")
    _write_family_yaml(out, shape, f"'rule:{rule_name(family)}'")
    with (out / "families" / f"{family}.yaml").open("a", encoding="utf-8") as fh:
        fh.write(rule)


def touch_rule_script(out: Path) -> None:
    """A comment in the rule's script: the rule reruns and writes the same bytes."""
    with (out / "scripts" / "concat.py").open("a", encoding="utf-8") as fh:
        fh.write("# edited for the benchmark\n")
