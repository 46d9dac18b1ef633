"""The provenance index's row memo (steps/provenance.py): a previous row is taken by its key, with its source's
digest as the source has it now, and not at all when that digest cannot be told."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasebuild.keys import canonical_json
from releasebuild.steps.provenance import INDEX_FILE, NO_KEY, ROWS_INFO, ROWS_MEMO, _RowsBefore

pytestmark = pytest.mark.unit


def _memo(tmp_path: Path, rows: list[dict[str, object]], keys: list[bytes], versions: dict[str, str]
          ) -> dict[str, Path]:
    files = {INDEX_FILE: "".join(canonical_json(row) + "\n" for row in rows).encode(), ROWS_MEMO: b"".join(keys),
             ROWS_INFO: canonical_json({"identity": "same", "versions": versions}).encode()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return {name: tmp_path / name for name in files}


def _row(record_id: str, source: str, digest: str) -> dict[str, object]:
    # a string holding what a source digest looks like, escaped: never taken for the row's own
    return {"id": record_id, "source": source, "source_digest": digest, "note": 'say "source_digest":"x"'}


def test_a_previous_row_is_taken_with_its_sources_digest_as_it_is_now(tmp_path: Path) -> None:
    keys = [bytes([n]) * 16 for n in range(1, 5)]
    rows = [_row("a", "one.jsonl", "d1"), _row("b", "two.jsonl", "d2"), _row("c", "three.jsonl", "d3"),
            _row("d", "four.jsonl", "d3")]
    memo = _memo(tmp_path, rows, keys, {"one.jsonl": "d1", "two.jsonl": "d2", "three.jsonl": "d3",
                                        "four.jsonl": "d3"})
    now = {"one.jsonl": "d1", "two.jsonl": "d2-new", "three.jsonl": "d3-new", "four.jsonl": "d3-other"}
    before = _RowsBefore.read(memo, "same", now)
    assert before is not None
    assert before.line(keys[0]) == (canonical_json(rows[0]) + "\n").encode()  # its source unchanged
    assert before.line(keys[1]) == (canonical_json(_row("b", "two.jsonl", "d2-new")) + "\n").encode()
    # two sources had d3 and now have different digests: which one the row is from cannot be told by its digest
    assert before.line(keys[2]) is None and before.line(keys[3]) is None
    assert before.line(bytes(range(16))) is None  # a key never seen
    assert _RowsBefore.read(memo, "other code or params", now) is None
    before.close()


def test_a_row_kept_out_of_the_memo_is_never_taken(tmp_path: Path) -> None:
    memo = _memo(tmp_path, [_row("a", "one.jsonl", "d1")], [NO_KEY], {"one.jsonl": "d1"})
    before = _RowsBefore.read(memo, "same", {"one.jsonl": "d1"})
    assert before is not None and before.line(NO_KEY) is None
    before.close()
