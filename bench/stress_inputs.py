"""Hostile input at volume (issue 27): random mutations of definitions and of source rows, in process.

    python bench/stress_inputs.py                       # 2,000 YAML and 5,000 row mutations (about a minute)
    python bench/stress_inputs.py --yaml 200 --rows 500 --seed 7

Definitions: the demo project (release.yaml, families/, gates/, takedowns.yaml, signoffs/) is copied to a scratch
directory; each trial mutates one of its YAML files (bytes flipped, inserted or deleted, invalid UTF-8, control
characters, deep nesting, alias bombs, huge numbers, odd versions, includes outside the project) and loads the
definition. A trial passes when it loads or raises DefinitionError whose every diagnostic has a file, line >= 1 and
col >= 1, within 10 s, and no error quotes the secret planted outside the project.

Rows: the demo's own JSONL and CSV sources, a few rows at a time; each trial mutates one row (same classes, plus NaN,
Infinity, lone surrogates, huge integers, oversized fields) and runs the real ingest map (`_mapped_rows`: reader,
mapping, record encoding). A trial passes when every row becomes a record or a quarantined row (or the file a
located SourceError), every record line is strict JSON (no NaN, no Infinity) that encodes as UTF-8, and, for JSONL,
every row the mutation did not touch still comes through.

A failure is a traceback or an uncaught exception or non-strict output, never a located error or a quarantined row.
Prints a table of tried / failed per class; exit status 1 if anything failed.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from releasebuild.config.load import load_definition  # noqa: E402
from releasebuild.config.models import RecordRules  # noqa: E402
from releasebuild.errors import DefinitionError, SourceError  # noqa: E402
from releasebuild.gates import GATES  # noqa: E402
from releasebuild.steps.ingest import _mapped_rows  # noqa: E402

SECRET = "ghp_STRESS_SECRET_0123456789abcdef"
Mutation = Callable[[random.Random, bytes], bytes]


def _at(rng: random.Random, data: bytes) -> int:
    return rng.randrange(len(data) + 1)


def _insert(rng: random.Random, data: bytes, piece: bytes) -> bytes:
    at = _at(rng, data)
    return data[:at] + piece + data[at:]


def flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def splice(rng: random.Random, data: bytes) -> bytes:
    """Delete, duplicate or move a range: structure breaks in every way a bad merge or editor can break it."""
    a, b = sorted((_at(rng, data), _at(rng, data)))
    choice = rng.randrange(3)
    if choice == 0:
        return data[:a] + data[b:]
    if choice == 1:
        return data[:b] + data[a:b] + data[b:]
    return _insert(rng, data[:a] + data[b:], data[a:b])


def bad_utf8(rng: random.Random, data: bytes) -> bytes:
    return _insert(rng, data, rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80\x80",
                                          b"\xe2\x82"]))


def control(rng: random.Random, data: bytes) -> bytes:
    return _insert(rng, data, bytes([rng.choice([0, 1, 7, 8, 11, 12, 27, 127])]) + rng.choice([b"", b"\x85", b"\t"]))


def yaml_deep(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([70, 1_000, 20_000, 100_000])
    nested = b"[" * depth + b"]" * depth if rng.random() < 0.5 else b"".join(b"\n" + b" " * i + b"k:" for i in
                                                                             range(min(depth, 400))) + b" 1"
    return data.rstrip(b"\n") + b"\nzz: " + nested + b"\n"


def yaml_alias_bomb(rng: random.Random, data: bytes) -> bytes:
    width, levels = rng.choice([(9, 9), (10, 8), (2, 60)])
    lines = [b"a0: &a0 [" + b",".join([b"x"] * width) + b"]"]
    for level in range(1, levels):
        lines.append(b"a%d: &a%d [" % (level, level) + b",".join([b"*a%d" % (level - 1)] * width) + b"]")
    return data.rstrip(b"\n") + b"\n" + b"\n".join(lines) + b"\n"


def yaml_scalar(rng: random.Random, data: bytes) -> bytes:
    """A hostile value where a scalar was: huge integers, impossible dates, odd versions, recursion."""
    value = rng.choice([b"9" * 5000, b"2026-13-45", b"9999999-01-01", b'"v2026-11-23\\n"', "v٢٠٢٦-١١-٢٣".encode(),
                        b"v2026-11-23x", b"&r [*r]", b"!!binary '%%%'", b"!!python/object:os.system x", b".nan",
                        b"*undefined", b"0x" + b"f" * 5000, b"1e99999"])
    lines = data.split(b"\n")
    candidates = [i for i, line in enumerate(lines) if b": " in line and not line.lstrip().startswith(b"#")]
    if not candidates:
        return data + b"\nx: " + value
    i = rng.choice(candidates)
    key, rest = lines[i].split(b": ", 1)
    if rng.random() < 0.25 and not value.startswith((b"&", b"*", b"!")):  # as a key, which errors print
        indent = key[:len(key) - len(key.lstrip())]
        lines[i] = indent + value + b": " + rest
    else:
        lines[i] = key + b": " + value
    return b"\n".join(lines)


def include_outside(rng: random.Random, data: bytes) -> bytes:
    target = rng.choice([b"../secret.txt", b"/tmp/../" + b"etc/hostname", b"../../secret.txt", b"../outside.yaml",
                         b"families/../../secret.txt", b"families/link.yaml"])
    for old in (b"families/priority.yaml", b"gates/dedup.yaml", b"takedowns.yaml", b"gates/lexicons/*.yaml"):
        if old in data:
            return data.replace(old, target, 1)
    return data


YAML_CLASSES: dict[str, Mutation] = {
    "byte flips": flip, "splices": splice, "invalid UTF-8": bad_utf8, "control characters": control,
    "deep nesting": yaml_deep, "alias bombs": yaml_alias_bomb, "hostile scalars": yaml_scalar,
    "includes outside": include_outside,
}


def run_yaml(count: int, rng: random.Random, scratch: Path) -> tuple[dict[str, Counter[str]], list[str]]:
    project = scratch / "project"
    project.mkdir()
    for name in ("release.yaml", "takedowns.yaml"):
        shutil.copy(ROOT / name, project / name)
    for name in ("families", "gates", "signoffs"):
        shutil.copytree(ROOT / name, project / name)
    (scratch / "secret.txt").write_text(SECRET + "\n")
    (scratch / "outside.yaml").write_text(f"name: {SECRET}\n")
    (project / "families" / "link.yaml").symlink_to(scratch / "outside.yaml")
    files = [project / "release.yaml"] + sorted((project / "families").glob("*.yaml")) + \
        sorted(p for p in (project / "gates").glob("*.yaml"))
    originals = {file: file.read_bytes() for file in files}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    examples: list[str] = []
    names = list(YAML_CLASSES)
    for trial in range(count):
        cls = names[trial % len(names)]
        file = project / "release.yaml" if cls == "includes outside" else rng.choice(files)
        file.write_bytes(YAML_CLASSES[cls](rng, originals[file]))
        start = time.perf_counter()
        outcome, detail = "loaded", ""
        try:
            load_definition(project / "release.yaml", GATES)
        except DefinitionError as exc:
            outcome = "located"
            bad = [d for d in exc.diagnostics if not (d.file and d.line >= 1 and d.col >= 1)]
            if bad or SECRET in str(exc):
                outcome, detail = "failed", f"unlocated or quoting outside: {str(exc)[:200]!r}"
        except BaseException as exc:  # noqa: BLE001 - a failure is exactly what is being counted
            outcome, detail = "failed", "".join(traceback.format_exception_only(exc)).strip()[:300]
        if time.perf_counter() - start > 10:
            outcome, detail = "failed", f"took {time.perf_counter() - start:.1f} s"
        counts[cls]["tried"] += 1
        counts[cls][outcome] += 1
        if outcome == "failed" and len(examples) < 10:
            examples.append(f"yaml {cls} ({file.relative_to(project)}): {detail}")
        file.write_bytes(originals[file])
    return counts, examples


# --- rows -----------------------------------------------------------------------------------------------------

def _json_value(rng: random.Random, data: bytes, value: bytes) -> bytes:
    """Replace one JSON scalar value (after a ': ' or ':') of the row with `value`."""
    spots = [i for i in range(len(data) - 1) if data[i:i + 1] == b":" and data[i + 1:i + 2] in (b" ", b'"', b"[",
                                                                                                  b"{") or
             data[i:i + 1] == b":" and data[i + 1:i + 2].isdigit()]
    if not spots:
        return data + value
    i = rng.choice(spots) + 1
    while data[i:i + 1] == b" ":
        i += 1
    if data[i:i + 1] == b'"':
        end = i + 1
        while end < len(data) and data[end:end + 1] != b'"':
            end += 2 if data[end:end + 1] == b"\\" else 1
        return data[:i] + value + data[end + 1:]
    if data[i:i + 1] in (b"[", b"{"):
        return data[:i] + value + data[_close(data, i):]
    end = i
    while end < len(data) and data[end:end + 1] not in (b",", b"}", b"]"):
        end += 1
    return data[:i] + value + data[end:]


def _close(data: bytes, i: int) -> int:
    """The index after the bracket matching data[i] (strings skipped)."""
    depth, in_string, j = 0, False, i
    while j < len(data):
        c = data[j:j + 1]
        if in_string:
            j += 2 if c == b"\\" else 1
            in_string = c != b'"' if c != b"\\" else True
            continue
        if c == b'"':
            in_string = True
        elif c in (b"[", b"{"):
            depth += 1
        elif c in (b"]", b"}"):
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return len(data)


def nonfinite(rng: random.Random, data: bytes) -> bytes:
    return _json_value(rng, data, rng.choice([b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e400"]))


def surrogates(rng: random.Random, data: bytes) -> bytes:
    return _json_value(rng, data, rng.choice([b'"\\ud800"', b'"x\\udfffy"', b'"\\udc00\\ud800"', b'"ok\\ud83d"']))


def huge_number(rng: random.Random, data: bytes) -> bytes:
    return _json_value(rng, data, rng.choice([b"9" * 4301, b"-" + b"1" * 10_000, b"1" * 400 + b".5",
                                              b"1" + b"0" * 5000 + b"e-5000"]))


def deep_row(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([65, 500, 1_000, 5_000, 100_000])
    return _json_value(rng, data, b"[" * depth + b"]" * depth)


def big_field(rng: random.Random, data: bytes) -> bytes:
    size = rng.choice([140_000, 300_000, 1 << 20])
    return _json_value(rng, data, b'"' + b"x" * size + b'"')


ROW_CLASSES: dict[str, Mutation] = {
    "byte flips": flip, "splices": splice, "invalid UTF-8": bad_utf8, "control characters": control,
    "NaN / Infinity": nonfinite, "lone surrogates": surrogates, "huge numbers": huge_number,
    "deep nesting": deep_row, "oversized fields": big_field,
}


def _csv_mutation(cls: str, rng: random.Random, row: bytes) -> bytes:
    """CSV has no JSON values: the classes that need one become text in a field."""
    if cls == "oversized fields":
        return row.rstrip(b"\r\n") + b"x" * rng.choice([140_000, 300_000]) + b"\n"
    if cls in ("NaN / Infinity", "lone surrogates", "huge numbers", "deep nesting"):
        value = {"NaN / Infinity": b"NaN", "lone surrogates": b"\\ud800", "huge numbers": b"9" * 5000,
                 "deep nesting": b"[" * 2000}[cls]
        return _insert(rng, row.rstrip(b"\r\n"), value) + b"\n"
    return ROW_CLASSES[cls](rng, row)


class _Quarantine:
    def __init__(self, into: list[dict[str, Any]]):
        self.into = into

    def __call__(self, locator: dict[str, Any], code: str, detail: str) -> None:
        self.into.append({"locator": locator, "code": code})


class _BytesStore:
    def __init__(self, data: bytes):
        self.data = data

    def open(self, uri: str) -> io.BytesIO:
        return io.BytesIO(self.data)


def _strict(text: str) -> None:
    def refuse(constant: str) -> None:
        raise ValueError(f"non-strict JSON constant {constant}")
    json.loads(text, parse_constant=refuse)
    text.encode("utf-8")


def _family(path: str) -> RecordRules:
    import yaml
    raw = yaml.safe_load((ROOT / path).read_text())
    return RecordRules.model_validate({k: v for k, v in raw.items() if k in RecordRules.model_fields})


def run_rows(count: int, rng: random.Random) -> tuple[dict[str, Counter[str]], list[str]]:
    sources = [
        ("jsonl", _family("families/voice_persona.yaml"), ROOT / "demo/data/voice_persona/persona.jsonl"),
        ("jsonl", _family("families/professional_therapeutic.yaml"),
         ROOT / "demo/data/professional_therapeutic/sessions.jsonl"),
        ("csv", _family("families/priority.yaml"), ROOT / "demo/data/priority/qa.csv"),
    ]
    lines = {path: path.read_bytes().splitlines(keepends=True) for _, _, path in sources}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    examples: list[str] = []
    names = list(ROW_CLASSES)
    for trial in range(count):
        cls = names[trial % len(names)]
        fmt, family, path = sources[(trial // len(names)) % len(sources)]  # every class meets every format
        all_lines = lines[path]
        header = all_lines[:1] if fmt == "csv" else []
        body = all_lines[len(header):]
        start = rng.randrange(max(1, len(body) - 5))
        picked = body[start:start + 5]
        target = rng.randrange(len(picked))
        row = picked[target]
        mutated = _csv_mutation(cls, rng, row) if fmt == "csv" else ROW_CLASSES[cls](rng, row)
        data = b"".join(header + picked[:target] + [mutated] + picked[target + 1:])
        source = SimpleNamespace(name="src", uri="mem://src", digest="xxh3:0")
        quarantined: list[dict[str, Any]] = []
        outcome, detail = "ok", ""
        try:
            note = _Quarantine(quarantined)
            produced = list(_mapped_rows(source, _BytesStore(data), family, note))  # type: ignore[arg-type]
            for _, line in produced:
                for part in line.split("\t"):
                    _strict(part)
            if quarantined:
                outcome = "quarantined"
            if fmt == "jsonl":  # lines the mutation did not touch must come through, where they now are
                first_line = len(header) + 1
                merged = not mutated.endswith((b"\n", b"\r")) and target + 1 < len(picked)  # joins the next row
                combined = mutated + (picked[target + 1] if merged else b"")
                shift = len(combined.splitlines()) - (2 if merged else 1)
                seen = {json.loads(line.split("\t", 1)[0])["locator"]["line"] for _, line in produced}
                seen |= {entry["locator"]["line"] for entry in quarantined}
                expected = {first_line + j + (shift if j > target else 0) for j, text in enumerate(picked)
                            if text.strip() and j != target and not (merged and j == target + 1)}
                lost = expected - seen
                if lost:
                    outcome, detail = "failed", f"untouched lines {sorted(lost)} neither records nor quarantined"
        except SourceError as exc:
            outcome = "located"
            if fmt == "jsonl":
                outcome, detail = "failed", f"a JSONL file failed whole: {exc}"
        except BaseException as exc:  # noqa: BLE001
            outcome, detail = "failed", "".join(traceback.format_exception_only(exc)).strip()[:300]
        counts[cls]["tried"] += 1
        counts[cls][outcome] += 1
        if outcome == "failed" and len(examples) < 10:
            examples.append(f"rows {cls} ({fmt}): {detail}")
    return counts, examples


def table(title: str, counts: dict[str, Counter[str]], columns: list[str]) -> str:
    head = f"| {title} | tried | " + " | ".join(columns) + " | failed |"
    rows = [head, "|---|" + "---:|" * (len(columns) + 2)]
    total: Counter[str] = Counter()
    for cls, count in counts.items():
        total.update(count)
        rows.append(f"| {cls} | {count['tried']} | " + " | ".join(str(count[c]) for c in columns) +
                    f" | {count['failed']} |")
    rows.append(f"| **all** | {total['tried']} | " + " | ".join(str(total[c]) for c in columns) +
                f" | {total['failed']} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--yaml", type=int, default=2000, help="definition mutations (default 2000)")
    parser.add_argument("--rows", type=int, default=5000, help="row mutations (default 5000)")
    parser.add_argument("--seed", type=int, default=27)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="stress-inputs-") as scratch:
        yaml_counts, yaml_examples = run_yaml(args.yaml, rng, Path(scratch))
    yaml_seconds = time.perf_counter() - started
    row_counts, row_examples = run_rows(args.rows, rng)
    print(table("definition mutations", yaml_counts, ["loaded", "located"]))
    print()
    print(table("row mutations", row_counts, ["ok", "quarantined", "located"]))
    print(f"\n{args.yaml} definitions in {yaml_seconds:.0f} s, {args.rows} row files in "
          f"{time.perf_counter() - started - yaml_seconds:.0f} s (seed {args.seed})")
    for example in yaml_examples + row_examples:
        print("FAILED:", example)
    failed = sum(c["failed"] for c in yaml_counts.values()) + sum(c["failed"] for c in row_counts.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
