#!/usr/bin/env python3
"""Deterministic selection of 1,200 ESConv turns for PII labelling.

600 turns uniformly at random (random.Random(20261204)) from all turns of
train/valid/test, then 600 at random among "PII-candidate" turns (a digit,
"@", "http", "www", ".com", or a capitalised word that is not sentence-initial
and not I/I'm/I've/I'll/I'd/OK); duplicates with the first 600 are skipped and
replaced. Output rows hold locators + sha256 only, never text.

Usage: python select_esconv.py [DATA_DIR] [OUT_JSONL]
"""
import hashlib
import json
import random
import re
import sys
from pathlib import Path

DATA_DIR = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/data/esconv")
OUT = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).with_name("esconv.selection.jsonl")
FILES = ["train.txt", "valid.txt", "test.txt"]
SEED = 20261204
N_UNIFORM = 600
N_CANDIDATE = 600

EXEMPT = {"I", "I'm", "I've", "I'll", "I'd", "OK"}
WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\u2019]*")


def norm_apos(w):
    return w.replace("\u2019", "'")


def has_non_initial_capital(text):
    for m in WORD_RE.finditer(text):
        w = norm_apos(m.group())
        if not w[0].isupper():
            continue
        # strip trailing possessive/apostrophe for the exemption check
        if w in EXEMPT or w.rstrip("'") in EXEMPT:
            continue
        before = text[: m.start()].rstrip()
        # sentence-initial: start of text, or after . ! ? (optionally followed by quotes/brackets)
        before_stripped = before.rstrip("\"')]\u201d")
        if before_stripped == "" or before_stripped[-1] in ".!?\n":
            continue
        if before and before[-1] == "\n":
            continue
        return True
    return False


def is_candidate(text):
    if re.search(r"\d", text):
        return True
    low = text.lower()
    if "@" in text or "http" in low or "www" in low or ".com" in low:
        return True
    return has_non_initial_capital(text)


def half_of(fname, line):
    h = int(hashlib.sha256(f"esconv:{fname}:{line}".encode()).hexdigest(), 16)
    return "report" if h % 2 == 1 else "tuning"


def load_turns():
    turns = []  # (file, line, turn, text)
    for fname in FILES:
        with open(DATA_DIR / fname, encoding="utf-8") as f:
            for line_no, raw in enumerate(f):
                raw = raw.strip()
                if not raw:
                    continue
                conv = json.loads(raw)
                for t_idx, turn in enumerate(conv["dialog"]):
                    turns.append((fname, line_no, t_idx, turn["text"]))
    return turns


def main():
    turns = load_turns()
    rng = random.Random(SEED)
    uniform = rng.sample(range(len(turns)), N_UNIFORM)
    chosen = set(uniform)
    cand = [i for i, t in enumerate(turns) if is_candidate(t[3])]
    rng.shuffle(cand)
    extra = []
    for i in cand:
        if len(extra) == N_CANDIDATE:
            break
        if i in chosen:
            continue  # duplicate with the uniform half: skip and replace
        extra.append(i)
        chosen.add(i)
    assert len(extra) == N_CANDIDATE
    rows = []
    for i in chosen:
        fname, line, t_idx, text = turns[i]
        rows.append({
            "dataset": "esconv",
            "file": fname,
            "line": line,
            "turn": t_idx,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "half": half_of(fname, line),
        })
    rows.sort(key=lambda r: (r["file"], r["line"], r["turn"]))
    with open(OUT, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print(f"total turns {len(turns)}, candidates {len(cand)}, selected {len(rows)} -> {OUT}")


if __name__ == "__main__":
    main()
