#!/usr/bin/env python3
"""Self-check for the PII evaluation corpus and its scorer.

    python evaluation/pii/selfcheck.py

1. Determinism: runs ``generate.py`` twice in fresh interpreters (different ``PYTHONHASHSEED``) into temporary
   directories and checks both runs and the checked-in ``tuning.jsonl`` / ``report.jsonl`` / ``dev.jsonl`` /
   ``dev2.jsonl`` / ``report2.jsonl`` / ``dev3.jsonl`` / ``dev4.jsonl`` / ``dev5.jsonl`` / ``dev6.jsonl`` /
   ``dev7.jsonl`` have the same sha256; every half must also still match the digest recorded in ``FROZEN``
   (README.md).  Every half is checked and reported before the check fails, so one bad half does not hide the state of
   the others.
2. Disjointness: ``generate.check_disjoint`` over all ten halves (no shared template id or template text).
3. Gold spans: every span's text is inside its example, spans don't overlap, types/identifiers are valid.
4. Scorer: gold-as-prediction gives P = R = 1, strict span recall 1, leak 0, false alarms 0; empty predictions
   give R = 0; both also through the command line (``score.py GOLD PREDICTIONS``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pii_values import SPAN_TYPES  # noqa: E402
from score import load, score  # noqa: E402

HALVES = ("tuning", "report", "dev", "dev2", "report2", "dev3", "dev4", "dev5", "dev6", "dev7")
# Digests recorded in README.md.  tuning/report predate the dev half and must never change; a change to dev.jsonl or
# dev2.jsonl must be deliberate (regenerate, then update README.md and this table together).  Adding dev2 changed
# none of the three older digests.  report2 is the frozen report half now (report.jsonl was looked at during tuning
# and is kept as a further tuning / comparison half); adding report2 changed none of the four older files.  dev3 is
# a fourth tuning half; adding it changed none of the five older files.  dev4 is a fifth tuning half; adding it
# changed none of the six older files.  dev5 is a sixth tuning half; adding it changed none of the seven older files.
# dev6 is a seventh tuning half; adding it changed none of the eight older files.  dev7 is an eighth tuning half;
# adding it changed none of the nine older files.
FROZEN = {
    "tuning": "42387e8d93e862c9c688da23c2badc7bf61aa876205e8c25e896a00ebdb0f3dd",
    "report": "9ed7132a7fb7c8080bf3db93c18560b0ddc7cfe9c9804d567664ceb3ebca77ae",
    "dev": "705c07e8ef876953c82f4a2a23f41d589538ad558094f9d29fe288994d941b81",
    "dev2": "0cb56eab9f1f1d4ea2eb20846c4711bceb9baa93cfaa0a481a2d4387f06f0138",
    "report2": "b682fe780af4b7ac734ad9665fc293a2a2ed592721631bc70fc192539c7e8afe",
    "dev3": "30b6132532588010c964c685e29e32461cdf2b402e4180beb159f2fba589ba72",
    "dev4": "29e1bf39f01ba3bdc3075ca4b94fe9a8968464760812f7d2eb1838e797227832",
    "dev5": "98546d67a4784b71c1d77ceb93dbbbb4d562dddbfcda5f6784bf233abd4a6285",
    "dev6": "55e5fb99d350d8295d02b856f0456e6116c8efa662e02ea6074c710118519a5d",
    "dev7": "2be8fdc732802954774ff5040a226a5ce4d16e19ffcd041ccf849755f216eb8e",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_determinism() -> None:
    digests: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run, hashseed in enumerate(("0", "12345")):
            out = Path(tmp) / f"run{run}"
            env = {**os.environ, "PYTHONHASHSEED": hashseed}
            subprocess.run([sys.executable, str(HERE / "generate.py"), "--out-dir", str(out), "--quiet"], check=True,
                           env=env)
            digests.append({h: sha256(out / f"{h}.jsonl") for h in HALVES})
    assert digests[0] == digests[1], f"two runs differ: {digests}"
    problems: list[str] = []
    for h in HALVES:
        committed = HERE / f"{h}.jsonl"
        fresh = digests[0][h]
        if committed.exists() and sha256(committed) != fresh:
            problems.append(f"{committed.name} sha256 {sha256(committed)} differs from a fresh run ({fresh})")
            print(f"determinism: {h}.jsonl FAILED: checked-in file differs from 2 identical fresh runs ({fresh})")
            continue
        if fresh != FROZEN[h]:
            problems.append(f"{h}.jsonl sha256 {fresh} != recorded {FROZEN[h]}")
            print(f"determinism: {h}.jsonl FAILED: fresh sha256 {fresh} != recorded {FROZEN[h]}")
            continue
        print(f"determinism: {h}.jsonl sha256 {fresh} (2 fresh runs + checked-in file identical)")
    assert not problems, "; ".join(problems)


def check_disjoint_halves() -> None:
    """The generator's template sets: exactly the halves checked here, pairwise disjoint in ids and texts."""
    import generate  # imported lazily: it pulls in Faker and every template set

    assert tuple(generate.HALVES) == HALVES, (tuple(generate.HALVES), HALVES)
    generate.check_disjoint()
    print(f"disjoint: {len(HALVES)} halves, no template id or text shared by any two")


def check_gold(examples: list[dict[str, object]], name: str) -> None:
    ids = set()
    for ex in examples:
        text = str(ex["text"])
        assert ex["id"] not in ids
        ids.add(ex["id"])
        prev = -1
        for span in ex["spans"]:  # type: ignore[attr-defined]
            assert 0 <= span["start"] < span["end"] <= len(text), span
            assert span["start"] >= prev, (ex["id"], "overlap")
            prev = span["end"]
            assert SPAN_TYPES[span["type"]] == span["identifier"], span
    clean = sum(1 for ex in examples if not ex["spans"])
    print(f"gold: {name}: {len(examples)} texts, {clean} clean ({100 * clean / len(examples):.1f}%), spans valid")


def check_scorer(examples: list[dict[str, object]], name: str) -> None:
    gold_preds = [[(s["start"], s["end"], s["type"]) for s in ex["spans"]] for ex in examples]  # type: ignore
    perfect = score(examples, gold_preds)
    a = perfect["tokens"]["all"]
    assert a["precision"] == 1.0 and a["recall"] == 1.0 and a["f1"] == 1.0, a
    assert perfect["tokens"]["direct"]["recall"] == 1.0 and perfect["tokens"]["quasi"]["recall"] == 1.0
    assert perfect["span_recall"]["strict"] == 1.0 and perfect["span_recall"]["partial"] == 1.0
    assert perfect["leak_rate"]["rate"] == 0.0 and perfect["false_alarm_rate"]["rate"] == 0.0
    assert all(v["precision"] == 1.0 for v in perfect["precision_by_predicted_type"].values())

    empty = score(examples, [[] for _ in examples])
    assert empty["tokens"]["all"]["recall"] == 0.0 and empty["tokens"]["all"]["tp"] == 0
    assert empty["span_recall"]["partial"] == 0.0 and empty["false_alarm_rate"]["rate"] == 0.0
    with_direct = sum(1 for ex in examples if any(sp["identifier"] == "direct" for sp in ex["spans"]))  # type: ignore
    assert empty["leak_rate"]["leaked"] == with_direct, (empty["leak_rate"], with_direct)

    with tempfile.TemporaryDirectory() as tmp:
        for label, preds in (("gold", gold_preds), ("empty", [[] for _ in examples])):
            path = Path(tmp) / f"{label}.jsonl"
            with path.open("w", encoding="utf-8") as f:
                for ex, p in zip(examples, preds, strict=True):
                    f.write(json.dumps({"id": ex["id"], "spans": [list(x) for x in p]}) + "\n")
            cli = subprocess.run([sys.executable, str(HERE / "score.py"), str(HERE / f"{name}.jsonl"), str(path),
                                  "--json"], check=True, capture_output=True, text=True)
            result = json.loads(cli.stdout)
            expected = 1.0 if label == "gold" else 0.0
            assert result["tokens"]["all"]["recall"] == expected, (label, result["tokens"])
    print(f"scorer: {name}: gold-as-prediction P=R=F1=1, strict span recall 1, leak 0, false alarms 0; "
          f"empty predictions R=0 (leak {empty['leak_rate']['rate']:.3f}); CLI agrees")


def main() -> int:
    try:
        check_determinism()
        determinism_error = None
    except AssertionError as exc:  # still run the gold and scorer checks, then fail
        determinism_error = exc
    check_disjoint_halves()
    for name in HALVES:
        examples = load(HERE / f"{name}.jsonl")
        check_gold(examples, name)
        check_scorer(examples, name)
    if determinism_error is not None:
        print(f"selfcheck FAILED (determinism): {determinism_error}")
        return 1
    print("selfcheck OK")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
