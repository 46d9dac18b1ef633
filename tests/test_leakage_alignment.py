"""The leakage gate walks a family's split assignment and its fingerprint pack side by side (`_assigned`): both
follow the privacy step's records one for one. A record out of step fails the gate, naming the family and the
record, rather than pairing a record with another's fingerprints."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from releasebuild import api
from releasebuild.dedup.pack import FILES, Pack
from releasebuild.gates.leakage import _assigned
from releasebuild.testing import conversation, make_release


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pack, list[bytes]]:
    """A family's pack and its split assignment's lines, from a real apply."""
    fixture = make_release(tmp_path_factory.mktemp("rel"), {"alpha": [conversation(f"a{n:02d}", f"s{n}")
                                                                       for n in range(6)]})
    assert api.apply(fixture.release_yaml, jobs=1).outcome.error is None
    engine = api.open_project(fixture.release_yaml).engine()
    prints, split = engine.previous_result("alpha/fingerprint"), engine.previous_result("alpha/split")
    assert prints is not None and split is not None
    pack = Pack({name: engine.env.cas.local(prints.files[name].sha256) for name in FILES})
    lines = engine.env.cas.local(split.files["assignment.jsonl"].sha256).read_bytes().splitlines(keepends=True)
    return pack, lines


def _walk(pack: Pack, lines: list[bytes], tmp_path: Path) -> list[tuple[str, int, str]]:
    assignment = tmp_path / "assignment.jsonl"
    assignment.write_bytes(b"".join(lines))
    ctx: Any = SimpleNamespace(input_path=lambda step, name: assignment)
    return list(_assigned(ctx, "alpha", pack))


def test_records_in_step_are_walked_with_their_rows(built: tuple[Pack, list[bytes]], tmp_path: Path) -> None:
    pack, lines = built
    walked = _walk(pack, lines, tmp_path)
    assert [row for _, row, _ in walked] == sorted(row for _, row, _ in walked)
    assert all(pack.rows.id(row) == record_id for record_id, row, _ in walked)


@pytest.mark.parametrize(("change", "message"), [
    (lambda lines: lines[:-1], "the fingerprint pack has records the split assignment lacks"),
    (lambda lines: [*lines, lines[-1]], "the split assignment and the fingerprint pack disagree"),
    (lambda lines: [lines[1], lines[0], *lines[2:]], "the split assignment and the fingerprint pack disagree"),
])
def test_a_record_out_of_step_fails_naming_the_family(built: tuple[Pack, list[bytes]], tmp_path: Path,
                                                      change: Any, message: str) -> None:
    pack, lines = built
    with pytest.raises(ValueError, match=f"^alpha: {message}"):
        _walk(pack, change(lines), tmp_path)
