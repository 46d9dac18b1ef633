"""Ingest's line memo (steps/ingest.py): an edited source file maps only the lines that changed or moved, and what it
writes is, byte for byte, what a map of the file from scratch writes, whatever the edit (changed, moved, added and
removed lines, blank and broken lines, ids used twice, line ends, a file's first line)."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import pytest

from releasebuild.config.load import load_definition
from releasebuild.engine import run_map
from releasebuild.gates import GATES
from releasebuild.graph import build_specs
from releasebuild.keys import file_digest
from releasebuild.steps.base import FileRef, Memo, SourceFile, StepSpec
from releasebuild.steps.ingest import MEMO, OUTPUTS, QUARANTINE
from releasebuild.store.io import default
from releasebuild.testing import conversation, make_release

pytestmark = pytest.mark.unit

Mapped = tuple[dict[str, bytes], dict[str, int], dict[str, object]]  # output bytes by name, stats, meta


def _line(record_id: str, text: str, group: str = "g") -> bytes:
    return (json.dumps(conversation(record_id, group, text=text)) + "\n").encode()


@pytest.fixture
def ingest(tmp_path: Path) -> StepSpec:
    fixture = make_release(tmp_path / "release", {"alpha": [conversation("a", "g")]})
    definition = load_definition(fixture.release_yaml, GATES)
    return next(spec for spec in build_specs(definition) if spec.id == "alpha/ingest")


def _map(spec: StepSpec, path: Path, content: bytes, work: Path, before: Mapped | None = None) -> Mapped:
    """One map of `content` as the file at `path`, handed the outputs of `before` as its memo."""
    path.write_bytes(content)
    with path.open("rb") as fh:
        source = SourceFile("alpha.jsonl", str(path), file_digest(fh), len(content))
    memo = Memo({}, {})
    if before is not None:
        given = Path(tempfile.mkdtemp(dir=work.parent, prefix="given-"))
        paths = {name: given / f"file-{index}" for index, name in enumerate(before[0])}
        for name, data in before[0].items():
            paths[name].write_bytes(data)
        memo = Memo(paths, {name: FileRef("0" * 64, len(data)) for name, data in before[0].items()})
    work.mkdir()
    outputs, meta, stats, _ = run_map(spec, work, default(), source, memo)  # type: ignore[misc]
    return {name: Path(where).read_bytes() for name, (where, _) in outputs.items()}, stats, meta


def _edited(lines: list[bytes], generator: random.Random) -> list[bytes]:
    """The lines after one to three random edits of the kinds an author makes to a source file."""
    lines = list(lines)
    for _ in range(generator.randint(1, 3)):
        where = generator.randrange(len(lines) + 1)
        record_id = f"r{generator.randrange(40):03d}"
        edit = generator.choice(["text", "insert", "delete", "move", "blank", "broken", "null", "twice", "crlf",
                                 "id"])
        if edit == "insert" or not lines:
            lines.insert(where, _line(f"n{generator.randrange(10**6)}", "added"))
        elif edit == "text":
            lines[where % len(lines)] = _line(record_id, f"edited {generator.random()}")
        elif edit == "delete":
            del lines[where % len(lines)]
        elif edit == "move":
            lines.insert(where, lines.pop(generator.randrange(len(lines))))
        elif edit == "blank":
            lines.insert(where, b"  \n")
        elif edit == "broken":
            lines.insert(where, b'{"cid": "broken", "dialog": [\n')
        elif edit == "null":
            lines.insert(where, b"null\n")
        elif edit == "twice":  # an id used twice, the copy sorting before or after the first by content
            lines.insert(where, _line(record_id, generator.choice(["a copy", "zz copy"])))
        elif edit == "crlf":
            index = where % len(lines)
            lines[index] = lines[index].rstrip(b"\r\n") + b"\r\n"
        else:  # the same text under another id
            index = where % len(lines)
            row = json.loads(lines[index])
            row["cid"] = f"x{generator.randrange(100)}"
            lines[index] = (json.dumps(row) + "\n").encode()
    return lines


@pytest.mark.parametrize("seed", range(12))
def test_a_map_with_the_memo_writes_what_a_map_from_scratch_writes(ingest: StepSpec, tmp_path: Path,
                                                                   seed: int) -> None:
    generator = random.Random(seed)
    lines = [_line(f"r{n:03d}", f"text {n}", group=f"g{n % 7}") for n in range(40)]
    source = tmp_path / "alpha.jsonl"
    previous = _map(ingest, source, b"".join(lines), tmp_path / "cold-0")
    assert previous[1] == {}  # no memo, nothing said of it
    kept_some = False
    for step in range(1, 6):  # each map hands its memo to the next: the memo a memo run writes is sound too
        lines = _edited(lines, generator)
        content = b"".join(lines)
        if generator.random() < 0.2:
            content = content.rstrip(b"\n")  # no newline at the end
        from_memo = _map(ingest, source, content, tmp_path / f"memo-{step}", previous)
        cold = _map(ingest, source, content, tmp_path / f"cold-{step}")
        assert from_memo[0] == cold[0]
        assert from_memo[2] == cold[2]
        assert set(cold[0]) == {*OUTPUTS, QUARANTINE, MEMO}
        stats = from_memo[1]
        assert stats["lines_kept"] + stats["lines_mapped"] == cold[2]["records"]
        kept_some = kept_some or stats["lines_kept"] > 0
        previous = from_memo
    assert kept_some


def test_an_edited_line_is_the_one_line_mapped_again(ingest: StepSpec, tmp_path: Path) -> None:
    lines = [_line(f"r{n:03d}", f"text {n}") for n in range(30)]
    source = tmp_path / "alpha.jsonl"
    before = _map(ingest, source, b"".join(lines), tmp_path / "a")
    lines[17] = _line("r017", "a new text")
    after = _map(ingest, source, b"".join(lines), tmp_path / "b", before)
    assert after[1] == {"lines_kept": 29, "lines_mapped": 1}
    assert b"a new text" in after[0]["records.jsonl"]
    # a line moved is mapped again: its locator (line number) is part of what ingest writes
    lines.insert(0, lines.pop(29))
    moved = _map(ingest, source, b"".join(lines), tmp_path / "c", after)
    assert moved[1] == {"lines_kept": 0, "lines_mapped": 30}
    assert moved[0] == _map(ingest, source, b"".join(lines), tmp_path / "d")[0]


def test_a_memo_of_another_file_changes_nothing_it_does_not_match(ingest: StepSpec, tmp_path: Path) -> None:
    """A memo whose lines hold other bytes (another file's, or one damaged) keeps no line: digests decide."""
    source = tmp_path / "alpha.jsonl"
    other = _map(ingest, source, b"".join(_line(f"r{n:03d}", "other") for n in range(10)), tmp_path / "a")
    content = b"".join(_line(f"r{n:03d}", "mine") for n in range(10))
    mapped = _map(ingest, source, content, tmp_path / "b", other)
    assert mapped[1] == {"lines_kept": 0, "lines_mapped": 10}
    assert mapped[0] == _map(ingest, source, content, tmp_path / "c")[0]
