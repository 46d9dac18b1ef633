"""Readers and the declarative mapping: every format, located rejects, no per-dataset code."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from releasebuild import sources
from releasebuild.config.models import FormatOptions, RecordRules
from releasebuild.errors import SourceError
from releasebuild.records import Rejected, map_record
from releasebuild.sources import read_rows, split_lines


def rows(data: bytes, fmt: str, **options: Any) -> list[tuple[dict[str, int], Any]]:
    return list(read_rows(io.BytesIO(data), fmt, FormatOptions(**options), "src"))


def rules(**overrides: Any) -> RecordRules:
    base: dict[str, Any] = {"name": "fam", "format": "jsonl",
                            "mapping": {"messages": {"field": "dialog", "role": "speaker", "content": "text",
                                                     "roles": {"usr": "user", "sys": "assistant"}}}}
    base.update(overrides)
    return RecordRules.model_validate(base)


def test_jsonl_locates_bad_lines_and_skips_blank_ones() -> None:
    found = rows(b'{"a": 1}\n\n{oops\n[1]\n', "jsonl")
    assert found[0] == ({"line": 1}, {"a": 1})
    assert found[1][0] == {"line": 3} and isinstance(found[1][1], Rejected) and found[1][1].code == "invalid_json"
    assert found[2] == ({"line": 4}, [1])


def test_csv_with_embedded_newlines_keeps_start_lines() -> None:
    data = b'id,q,a\n1,"multi\nline",x\n2,short,y\n3,too,many,fields\n'
    found = rows(data, "csv")
    assert found[0] == ({"line": 2}, {"id": "1", "q": "multi\nline", "a": "x"})
    assert found[1] == ({"line": 4}, {"id": "2", "q": "short", "a": "y"})
    assert found[2][0] == {"line": 5} and found[2][1].code == "csv_field_count"


def test_json_array_streams_elements_with_their_lines() -> None:
    document = json.dumps([{"n": i, "text": "x" * 50_000} for i in range(5)], indent=1).encode()
    found = rows(document, "json")
    assert [row["n"] for _, row in found] == list(range(5))
    starts = [locator["line"] for locator, _ in found]
    lines = document.decode().splitlines()
    assert all(lines[start - 1].strip() == "{" for start in starts)
    assert [locator["index"] for locator, _ in found] == list(range(5))


def test_json_array_with_broken_element_is_a_located_source_error() -> None:
    with pytest.raises(SourceError, match=r"src:3: invalid JSON in element 1"):
        rows(b'[\n {"a": 1},\n {"a": \n]', "json")
    with pytest.raises(SourceError, match="expected '\\['"):
        rows(b'{"a": 1}', "json")


def test_json_records_path() -> None:
    found = rows(b'{"data": {"items": [{"a": 1}, {"a": 2}]}}', "json", records_path="data.items")
    assert found == [({"index": 0}, {"a": 1}), ({"index": 1}, {"a": 2})]


def test_parquet(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"q": ["hi", "bye"], "a": ["hello", "goodbye"]}), path)
    found = rows(path.read_bytes(), "parquet")
    assert found == [({"row": 1}, {"q": "hi", "a": "hello"}), ({"row": 2}, {"q": "bye", "a": "goodbye"})]


def test_role_renaming_and_merging_consecutive_turns() -> None:
    row = {"dialog": [{"speaker": "usr", "text": " hi "}, {"speaker": "usr", "text": "anyone?"},
                      {"speaker": "sys", "text": "I'm here."}]}
    merged = map_record(row, rules())
    assert merged.messages == [{"role": "user", "content": "hi\nanyone?"},
                               {"role": "assistant", "content": "I'm here."}]
    kept = map_record(row, rules(mapping={**rules().mapping.model_dump(), "consecutive": "keep"}))
    assert [m["role"] for m in kept.messages] == ["user", "user", "assistant"]


def test_question_answer_row_becomes_two_messages_with_templates() -> None:
    qa = rules(format="csv", mapping={"turns": [{"role": "user", "content": "{title}\n\n{body}"},
                                                {"role": "assistant", "content": "answer"}]},
               id={"field": ""}, group_by="qid", metadata=["topic"], system_prompt="Be kind.")
    record = map_record({"": "17", "qid": "q3", "title": "Sleep", "body": "I can't sleep.", "answer": "Try this.",
                         "topic": "insomnia"}, qa)
    assert record.id == "17" and record.group == "q3" and record.metadata == {"topic": "insomnia"}
    assert record.messages == [{"role": "system", "content": "Be kind."},
                               {"role": "user", "content": "Sleep\n\nI can't sleep."},
                               {"role": "assistant", "content": "Try this."}]


@pytest.mark.parametrize(("row", "code"), [
    ({"dialog": [{"speaker": "narrator", "text": "x"}]}, "unknown_role"),
    ({"dialog": [{"speaker": "usr", "text": "  "}, {"speaker": "sys", "text": "ok"}]}, "empty_content"),
    ({"dialog": [{"speaker": "usr", "text": "only me"}]}, "missing_role"),
    ({"dialog": "not a list"}, "wrong_type"),
    ({"other": 1}, "missing_field"),
    ({"dialog": [{"speaker": "usr", "text": 5}, {"speaker": "sys", "text": {"x": 1}}]}, "wrong_type"),
])
def test_rejections_carry_a_code_and_no_raw_text(row: dict[str, Any], code: str) -> None:
    with pytest.raises(Rejected) as caught:
        map_record(row, rules())
    assert caught.value.code == code
    assert "only me" not in caught.value.detail and "not a list" not in caught.value.detail


def test_default_id_is_a_content_digest_independent_of_position() -> None:
    row = {"dialog": [{"speaker": "usr", "text": "a"}, {"speaker": "sys", "text": "b"}]}
    first, second = map_record(row, rules()), map_record(dict(reversed(list(row.items()))), rules())
    assert first.id == second.id and len(first.id) == 32 and first.group == first.id


def _lines_as_text_mode_ends_them(data: bytes, max_bytes: int | None) -> list[tuple[int, int, bytes | None, int]]:
    """What `split_lines` must give, from Python's own text mode (newline="": a line ends at \\r\\n, \\r or \\n),
    over latin-1, whose bytes and characters are one to one."""
    out, offset = [], 0
    for number, line in enumerate(io.TextIOWrapper(io.BytesIO(data), encoding="latin-1", newline=""), start=1):
        raw = line.encode("latin-1")
        out.append((number, offset, None if max_bytes and len(raw) > max_bytes else raw, len(raw)))
        offset += len(raw)
    return out


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.sampled_from([b"a", b"xyz", b"\r", b"\n", b"\r\n", b"\n\r", b"{}", b" " * 9]),
                       max_size=60),
       chunk=st.integers(1, 9), max_bytes=st.sampled_from([None, 3, 8]))
def test_lines_end_where_text_mode_ends_them_whatever_the_chunks(pieces: list[bytes], chunk: int,
                                                                 max_bytes: int | None) -> None:
    """\\r\\n split across two reads is one line end; an over-long line comes back as None, with its length."""
    data = b"".join(pieces)
    with mock.patch.object(sources, "_CHUNK", chunk):
        assert list(split_lines(io.BytesIO(data), max_bytes)) == _lines_as_text_mode_ends_them(data, max_bytes)
