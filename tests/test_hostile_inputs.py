"""Bad input is data, not a crash (issue 27): hostile source rows are quarantined one by one, located, and never
shipped as non-strict JSON; hostile definitions are located errors. Property tests (hypothesis) over every source
format and the definition loader, kept small for CI; `python bench/stress_inputs.py` runs the large volumes."""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from releasebuild.config.load import load_definition
from releasebuild.config.models import FormatOptions, RecordRules, parse_version
from releasebuild.errors import DefinitionError, GateBlocked, SourceError
from releasebuild.gates import GATES
from releasebuild.records import Rejected
from releasebuild.sources import read_rows
from releasebuild.steps.ingest import _mapped_rows, _rows
from releasebuild.testing import applied, conversation, make_release

ROOT = Path(__file__).resolve().parent.parent
FAST = settings(max_examples=100, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])
GOOD = json.dumps(conversation("a01", "s1"), sort_keys=True).encode()


def family(fmt: str = "jsonl", **options: Any) -> RecordRules:
    """The fixture family's mapping (dialog/speaker/text, id cid, group session, metadata topic)."""
    rules: dict[str, Any] = {"name": "fam", "format": fmt, "options": options, "id": "cid", "group_by": "session",
                             "metadata": ["topic"],
                             "mapping": {"messages": {"field": "dialog", "role": "speaker", "content": "text",
                                                      "roles": {"usr": "user", "sys": "assistant"}}}}
    if fmt == "csv":
        rules["mapping"] = {"turns": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
        rules["group_by"] = "cid"
    return RecordRules.model_validate(rules)


class _Store:
    def __init__(self, data: bytes):
        self.data = data

    def open(self, uri: str) -> io.BytesIO:
        return io.BytesIO(self.data)


def ingest(data: bytes, rules: RecordRules) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], str, str]]]:
    """The real ingest map over one file: (records' provenance, quarantined (locator, code, detail)). Every line it
    would write is checked: strict JSON (no NaN or Infinity) that encodes as UTF-8."""
    quarantined: list[tuple[dict[str, Any], str, str]] = []
    source = SimpleNamespace(name="src", uri="mem://src", digest="xxh3_128:0")
    records = []
    rows = _rows(source, _Store(data), rules, None)  # type: ignore[arg-type]
    for _, line, _, _ in _mapped_rows(rows, source, rules,  # type: ignore[arg-type]
                                      lambda locator, code, detail: quarantined.append((locator, code, detail))):
        parts = line.split("\t")
        for part in parts:
            assert_strict(part)
        records.append(json.loads(parts[0]))
    return records, quarantined


def assert_strict(text: str) -> None:
    def refuse(constant: str) -> None:
        raise AssertionError(f"non-strict JSON: {constant}")
    json.loads(text, parse_constant=refuse)
    text.encode("utf-8")


def with_line(row: bytes, count: int = 3, at: int = 1) -> bytes:
    lines = [json.dumps(conversation(f"a{i:02d}", f"s{i}"), sort_keys=True).encode() for i in range(count)]
    lines[at] = row
    return b"\n".join(lines) + b"\n"


def codes(quarantined: list[tuple[dict[str, Any], str, str]]) -> list[tuple[int, str]]:
    return [(locator["line"], code) for locator, code, _ in quarantined]


# --- rows: one class at a time ---------------------------------------------------------------------------------

def test_invalid_utf8_quarantines_only_its_line_and_names_the_file_offset() -> None:
    lines = [json.dumps(conversation(f"a{i:05d}", f"s{i}"), sort_keys=True).encode() + b"\n" for i in range(2000)]
    bad_line = 1500
    offset = sum(len(line) for line in lines[:bad_line - 1]) + 20
    data = bytearray(b"".join(lines))
    data[offset] = 0xFF
    records, quarantined = ingest(bytes(data), family())
    assert len(records) == 1999
    [(locator, code, detail)] = quarantined
    assert (locator, code) == ({"line": bad_line}, "invalid_encoding")
    assert f"at byte {offset} " in detail  # the offset in the file, not in a decoder's chunk


@pytest.mark.parametrize(("value", "code"), [
    (b'"\\ud800"', "lone_surrogate"), (b'"x\\udfff"', "lone_surrogate"),
    (b"NaN", "non_finite_number"), (b"-Infinity", "non_finite_number"), (b"1e999", "non_finite_number"),
    (b"9" * 5000, "number_too_large"),
    (b"[" * 100_000 + b"]" * 100_000, "too_deep"), (b"[" * 65 + b"]" * 65, "too_deep"),
])
def test_a_hostile_value_quarantines_its_row_and_the_rest_ship(value: bytes, code: str) -> None:
    row = GOOD.replace(b'"topic": "sleep"', b'"topic": ' + value)
    records, quarantined = ingest(with_line(row), family())
    assert len(records) == 2 and codes(quarantined) == [(2, code)]


def test_a_surrogate_in_the_text_or_the_role_is_quarantined_not_raised() -> None:
    in_text = GOOD.replace(b'"message a01 turn 0"', b'"\\ud83d message"')
    in_role = GOOD.replace(b'"usr"', b'"\\udc00"', 1)
    _, quarantined = ingest(with_line(in_text) + with_line(in_role), family())
    assert codes(quarantined) == [(2, "lone_surrogate"), (5, "unknown_role")]


def test_nan_in_a_field_no_record_reads_is_harmless_and_never_shipped() -> None:
    records, quarantined = ingest(with_line(GOOD[:-1] + b', "unused": NaN}'), family())
    assert len(records) == 3 and not quarantined  # ingest() checked every line it wrote is strict JSON


def test_declared_depth_limit() -> None:
    row = GOOD.replace(b'"topic": "sleep"', b'"topic": ' + b"[" * 10 + b"]" * 10)
    assert not ingest(with_line(row), family())[1]
    assert codes(ingest(with_line(row), family(max_depth=8))[1]) == [(2, "too_deep")]


def test_an_over_long_jsonl_line_is_quarantined_unread() -> None:
    row = GOOD.replace(b'"topic": "sleep"', b'"topic": "' + b"x" * 5000 + b'"')
    records, quarantined = ingest(with_line(row), family(max_row_bytes=4096))
    assert len(records) == 2 and codes(quarantined) == [(2, "row_too_large")]


def test_jsonl_lines_end_where_text_mode_ends_them() -> None:
    data = GOOD + b"\r" + GOOD.replace(b"a01", b"a02") + b"\r\n" + GOOD.replace(b"a01", b"a03")
    records, _ = ingest(data, family())
    assert sorted(r["locator"]["line"] for r in records) == [1, 2, 3]


def csv_file(*rows: bytes) -> bytes:
    return b"cid,q,a\n" + b"".join(rows)


def test_csv_bad_bytes_quarantine_their_row_even_across_lines() -> None:
    data = csv_file(b"1,ok,fine\n", b"2,b\xffd,x\n", b'3,"multi\nli\xfene",x\n', b"4,still,fine\n")
    records, quarantined = ingest(data, family("csv"))
    assert [r["locator"]["line"] for r in records] == [2, 6]
    assert codes(quarantined) == [(3, "invalid_encoding"), (4, "invalid_encoding")]
    first, second = data.index(b"\xff"), data.index(b"\xfe")
    assert f"at byte {first} " in quarantined[0][2] and f"at byte {second} " in quarantined[1][2]


def test_csv_field_over_128_kib_is_read_and_the_declared_limit_quarantines() -> None:
    data = csv_file(b"1,ok,fine\n", b"2," + b"x" * 200_000 + b",y\n", b"3,also,fine\n")
    records, quarantined = ingest(data, family("csv"))
    assert len(records) == 3 and not quarantined
    records, quarantined = ingest(data, family("csv", max_field_bytes=100_000))
    assert len(records) == 2 and codes(quarantined) == [(3, "field_too_large")]


def test_csv_row_past_max_row_bytes_is_a_located_error() -> None:
    data = csv_file(b"1,ok,fine\n", b'2,"' + b"x" * 99 + b"\n" * 50 + b'",y\n')  # an unclosed quote looks alike
    with pytest.raises(SourceError, match=r"src:3: the row at byte 18 runs past max_row_bytes \(120\)"):
        ingest(data, family("csv", max_row_bytes=120))
    one_line = csv_file(b"1,ok,fine\n", b"2," + b"x" * 5000 + b",y\n", b"3,also,fine\n")
    records, quarantined = ingest(one_line, family("csv", max_row_bytes=1000))
    assert len(records) == 2 and codes(quarantined) == [(3, "row_too_large")]


def test_json_array_bad_bytes_name_the_file_offset() -> None:
    data = b"[" + b" " * 200_000 + b"\xff]"
    with pytest.raises(SourceError, match="at byte 200001 "):
        list(read_rows(io.BytesIO(data), "json", FormatOptions(), "src"))


def test_json_array_hostile_elements() -> None:
    nan_row = GOOD.replace(b'"topic": "sleep"', b'"topic": NaN')
    deep_row = GOOD.replace(b'"topic": "sleep"', b'"topic": ' + b"[" * 70 + b"]" * 70)
    records, quarantined = ingest(b"[" + b",\n".join([GOOD, nan_row, deep_row]) + b"]", family("json"))
    assert len(records) == 1 and [code for _, code, _ in quarantined] == ["non_finite_number", "too_deep"]
    with pytest.raises(SourceError, match="element 1 holds an integer"):
        list(read_rows(io.BytesIO(b"[1, " + b"9" * 5000 + b"]"), "json", FormatOptions(), "src"))


def test_parquet_nan_never_ships(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = [{"cid": "1", "q": "hi", "a": "there", "score": 0.5}, {"cid": "2", "q": "hi", "a": "you", "score":
                                                                     float("nan")}]
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buffer)
    rules = family("csv").model_copy(update={"format": "parquet", "metadata": {"score": "score"}})
    records, quarantined = ingest(buffer.getvalue(), rules)
    assert len(records) == 1 and [(loc, code) for loc, code, _ in quarantined] == [({"row": 2}, "non_finite_number")]


def test_hostile_rows_end_to_end_pass_within_the_limit_and_block_past_it(tmp_path: Path) -> None:
    rows: list[Any] = [conversation(f"a{i:02d}", f"s{i // 2}") for i in range(12)]
    fixture = make_release(tmp_path / "ok", {"alpha": rows}, max_ratio=0.5)
    hostile = [GOOD.replace(b"a01", b"h1").replace(b'"sleep"', b"NaN"),
               GOOD.replace(b"a01", b"h2").replace(b'"sleep"', b'"\\ud800"'),
               GOOD.replace(b"a01", b"h3").replace(b'"sleep"', b"9" * 5000),
               GOOD.replace(b"a01", b"h4").replace(b'"sleep"', b"[" * 5000 + b"]" * 5000),
               GOOD.replace(b"a01", b"h5").replace(b"sleep", b"sl\xffeep")]
    with fixture.data_file("alpha").open("ab") as fh:
        fh.write(b"\n".join(hostile) + b"\n")
    applied(fixture)
    prefix = fixture.dir / "published" / "releases" / "v2026-11-23"
    entries = [json.loads(line) for line in (prefix / "quarantine/alpha.jsonl").read_text().splitlines()]
    assert [(e["locator"]["line"], e["code"]) for e in entries] == [
        (13, "non_finite_number"), (14, "lone_surrogate"), (15, "number_too_large"), (16, "too_deep"),
        (17, "invalid_encoding")]
    for shard in (prefix / "data").rglob("*.jsonl"):
        for line in shard.read_text(encoding="utf-8").splitlines():
            assert_strict(line)

    fixture.edit_yaml(fixture.dir / "gates" / "quarantine.yaml", max_ratio=0.1)
    from releasebuild import api

    blocked = api.apply(fixture.release_yaml, jobs=2)
    assert isinstance(blocked.outcome.error, GateBlocked) and blocked.outcome.error.failed == ["quarantine"]


# --- rows: properties over every format -------------------------------------------------------------------------

def _mutate(data: bytes, edits: list[tuple[int, bytes]]) -> bytes:
    out = bytearray(data)
    for at, piece in edits:
        at %= len(out) + 1
        out[at:at + len(piece) // 2] = piece
    return bytes(out)


HOSTILE = st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\x1b", b"\r", b"\n", b'"', b",", b"NaN",
                           b"Infinity", b"1e999", b"\\ud800", b'"\\udfff"', b"9" * 4400, b"[" * 3000, b"{", b"}",
                           b"\xef\xbb\xbf", b"\t"])
EDITS = st.lists(st.tuples(st.integers(0, 10_000), st.one_of(HOSTILE, st.binary(max_size=8))), min_size=1,
                 max_size=4)


def _ingest_hostile(data: bytes, rules: RecordRules) -> None:
    try:
        ingest(data, rules)
    except SourceError as exc:  # a located refusal of the whole file, allowed where no next row can be found
        assert rules.format != "jsonl", exc
        assert str(exc).startswith("src")


@FAST
@given(EDITS)
def test_property_jsonl_mutations_are_records_or_quarantined_rows(edits: list[tuple[int, bytes]]) -> None:
    _ingest_hostile(_mutate(with_line(GOOD, count=4), edits), family())


# Surrogates and non-finite floats named outright: left to themselves, hypothesis's strategies rarely draw them.
TEXT = st.text(st.one_of(st.sampled_from("\ud800\udbff\udc00\udfff\x00\u2028\ufeff"), st.characters()), max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT |
    st.sampled_from([float("nan"), float("inf"), -float("inf")]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=20)


@FAST
@given(st.lists(json_values, min_size=1, max_size=4), TEXT)
def test_property_jsonl_values_never_ship_non_strict_json(topics: list[Any], text: str) -> None:
    rows = []
    for index, topic in enumerate(topics):
        row = conversation(f"a{index}", "s", text=text)
        row["topic"] = topic
        rows.append(json.dumps(row, ensure_ascii=True, allow_nan=True).encode())
    records, quarantined = ingest(b"\n".join(rows) + b"\n", family())
    assert len(records) + len(quarantined) == len(rows)


@FAST
@given(EDITS)
def test_property_csv_mutations(edits: list[tuple[int, bytes]]) -> None:
    _ingest_hostile(_mutate(csv_file(b"1,hello,there\n", b'2,"two\nlines",x\n', b"3,a,b\n"), edits),
                    family("csv", max_row_bytes=4096))


@FAST
@given(EDITS)
def test_property_json_array_mutations(edits: list[tuple[int, bytes]]) -> None:
    _ingest_hostile(_mutate(b"[" + b",\n".join([GOOD, GOOD.replace(b"a01", b"a02")]) + b"]", edits), family("json"))


@settings(max_examples=50, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(TEXT, st.floats() | st.sampled_from([float("nan"), float("inf")])), min_size=1,
                max_size=5))
def test_property_parquet_values_never_ship_non_strict_json(rows: list[tuple[str, float]]) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = [{"cid": str(i), "q": q or "q", "a": "answer", "score": score} for i, (q, score) in enumerate(rows)]
    buffer = io.BytesIO()
    try:
        pq.write_table(pa.Table.from_pylist(table), buffer)
    except (UnicodeEncodeError, pa.ArrowException):
        return  # pyarrow will not write a lone surrogate: no such file can exist
    rules = family("csv").model_copy(update={"format": "parquet", "metadata": {"score": "score"}})
    records, quarantined = ingest(buffer.getvalue(), rules)
    assert len(records) + len(quarantined) == len(rows)


# --- definitions --------------------------------------------------------------------------------------------------

@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the demo's definition files (not its data: loading reads no source)."""
    directory = tmp_path / "project"
    directory.mkdir()
    for name in ("release.yaml", "takedowns.yaml"):
        shutil.copy(ROOT / name, directory / name)
    for name in ("families", "gates", "signoffs"):
        shutil.copytree(ROOT / name, directory / name)
    return directory


def load_error(project: Path, data: bytes, file: str = "release.yaml") -> DefinitionError:
    (project / file).write_bytes(data)
    with pytest.raises(DefinitionError) as caught:
        load_definition(project / "release.yaml", GATES)
    for diagnostic in caught.value.diagnostics:
        assert diagnostic.file and diagnostic.line >= 1 and diagnostic.col >= 1
    return caught.value


def located(error: DefinitionError) -> list[str]:
    return [f"{d.file}:{d.line}:{d.col}" for d in error.diagnostics]


def test_invalid_utf8_and_control_characters_are_located(project: Path) -> None:
    text = (project / "release.yaml").read_bytes()
    line = text[:text.index(b"release-0")].count(b"\n") + 1
    col = text.index(b"release-0") - text.rfind(b"\n", 0, text.index(b"release-0"))
    error = load_error(project, text.replace(b"release-0", b"\xffrelease-0"))
    assert located(error) == [f"release.yaml:{line}:{col}"] and "not valid UTF-8" in str(error)
    error = load_error(project, text.replace(b"release-0", b"\x01release-0"))
    assert located(error) == [f"release.yaml:{line}:{col}"] and "U+0001" in str(error)
    (project / "release.yaml").write_bytes(text)
    error = load_error(project, (project / "families/priority.yaml").read_bytes() + b"\xc3", "families/priority.yaml")
    assert located(error)[0].startswith("families/priority.yaml:")


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
def test_deep_yaml_is_refused_before_it_is_built(project: Path, depth: int) -> None:
    text = (project / "release.yaml").read_bytes()
    for nested in (b"[" * depth + b"]" * depth, b"{a: " * depth + b"1" + b"}" * depth):
        start = time.perf_counter()
        error = load_error(project, text + b"\nzz: " + nested + b"\n")
        assert "nested more than 64 deep" in str(error) and time.perf_counter() - start < 5


def test_alias_bomb_and_recursive_alias_are_refused(project: Path) -> None:
    lines = [b"a0: &a0 [x,x,x,x,x,x,x,x,x]"] + [b"a%d: &a%d [" % (i, i) + b",".join([b"*a%d" % (i - 1)] * 9) + b"]"
                                                for i in range(1, 9)]
    bomb = b"\n".join(lines) + b"\n"
    assert len(bomb) < 800
    text = (project / "release.yaml").read_bytes()
    start = time.perf_counter()
    error = load_error(project, text + bomb)
    assert "aliases expand to more than" in str(error) and time.perf_counter() - start < 5
    error = load_error(project, text + b"zz: &r [1, *r]\n")
    assert "refers to a node that contains it" in str(error)


@pytest.mark.parametrize("version", ['"v2026-11-23\\n"', "v٢٠٢٦-11-23", "v2026-11-23x", '"v2026-11-23 "',
                                     "v2026-１１-23"])
def test_a_version_is_exactly_vyyyy_mm_dd(project: Path, version: str) -> None:
    text = (project / "release.yaml").read_bytes().replace(b"version: v2026-11-23", b"version: " + version.encode())
    error = load_error(project, text)
    assert located(error) == ["release.yaml:3:10"] and "vYYYY-MM-DD" in str(error)
    with pytest.raises(ValueError):
        parse_version(version.strip('"').replace("\\n", "\n"))


@pytest.mark.parametrize("where", ["../secret.txt", "ABSOLUTE", "families/link.yaml", "families/../../secret.txt"])
def test_includes_are_confined_to_the_project_and_never_quoted(project: Path, where: str) -> None:
    secret = "ghp_0123456789SECRETabcdef"
    (project.parent / "secret.txt").write_text(f"{secret}\n")
    os.symlink(project.parent / "secret.txt", project / "families" / "link.yaml")
    where = str(project.parent / "secret.txt") if where == "ABSOLUTE" else where
    text = (project / "release.yaml").read_bytes()
    for old in (b"families/priority.yaml", b"gates/dedup.yaml", b"takedowns.yaml"):
        error = load_error(project, text.replace(old, where.encode()))
        assert "is outside the project directory" in str(error) and secret not in str(error)


def test_scalars_python_cannot_convert_and_oversized_files_are_located(project: Path) -> None:
    text = (project / "release.yaml").read_bytes()
    for value in (b"2026-13-45", b"9999-12-31 25:61:00"):
        error = load_error(project, text + b"zz: " + value + b"\n")
        assert "value cannot be read" in str(error)
    load_error(project, text + b"zz: " + b"9" * 5000 + b"\n")  # past int_max_str_digits, when it is set
    (project / "release.yaml").write_bytes(text)
    quarantine = (project / "gates/quarantine.yaml").read_bytes()
    error = load_error(project, quarantine.replace(b"max_ratio: 0.05", b"max_ratio: 0x" + b"f" * 5000),
                       "gates/quarantine.yaml")  # parsed, then refused by validation, which must not print it
    assert "integer too large" in str(error) and located(error) == ["gates/quarantine.yaml:4:12"]
    error = load_error(project, b"#" * (17 << 20))
    assert "over the" in str(error) and located(error) == ["release.yaml:1:1"]


@settings(max_examples=60, deadline=timedelta(seconds=10), suppress_health_check=[HealthCheck.too_slow,
                                                                                 HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["release.yaml", "families/voice_persona.yaml", "gates/quarantine.yaml", "takedowns.yaml"]),
       st.lists(st.tuples(st.integers(0, 5_000), st.one_of(HOSTILE, st.binary(max_size=6),
                                                            st.sampled_from([b"&a [1]", b"*a", b"*b", b": ", b"- ",
                                                                             b"!!binary x", b"\n  ", b"%YAML 9\n"]))),
                min_size=1, max_size=4))
def test_property_definition_mutations_load_or_are_located(project: Path, file: str,
                                                           edits: list[tuple[int, bytes]]) -> None:
    original = (project / file).read_bytes()
    try:
        (project / file).write_bytes(_mutate(original, edits))
        try:
            load_definition(project / "release.yaml", GATES)
        except DefinitionError as exc:
            for diagnostic in exc.diagnostics:
                assert diagnostic.file and diagnostic.line >= 1 and diagnostic.col >= 1
    finally:
        (project / file).write_bytes(original)


def test_an_include_whose_name_the_file_system_refuses_is_a_located_error(project: Path) -> None:
    """A name longer than the file system takes (found by the property above) is "not found" where it is written,
    not an OSError out of `Path.is_file`."""
    text = (project / "release.yaml").read_text()
    (project / "release.yaml").write_text(text.replace("families/voice_persona.yaml", f"families/{'9' * 5000}.yaml"))
    with pytest.raises(DefinitionError) as raised:
        load_definition(project / "release.yaml", GATES)
    (found,) = [d for d in raised.value.diagnostics if "99999" in d.message]
    assert found.file == "release.yaml" and found.line >= 1 and found.col >= 1 and "not found" in found.message


def test_unreadable_rows_reach_the_reader_as_rejections_not_exceptions() -> None:
    found = list(read_rows(io.BytesIO(b'{"a": 1}\n\xff\n[1]\n'), "jsonl", FormatOptions(), "src"))
    assert found[0] == ({"line": 1}, {"a": 1}) and isinstance(found[1][1], Rejected) and found[2] == ({"line": 3}, [1])
