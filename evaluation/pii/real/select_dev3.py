#!/usr/bin/env python3
"""Deterministic selection of the "dev3" half of the real-text PII labels.

Source: /work/shared/data/esconv/FailedESConv.json, the 196 conversations the ESConv
authors dropped during collection (a single JSON array, raw schema: each conversation
has "dialog", a list of {"speaker", "annotation", "content"} turns). No earlier half
(tuning, report, dev, dev2) used this file, so dev3 is disjoint from all of them.

One random.Random(20261207), used in this order:
  1. 150 turns uniformly at random (rng.sample) among all 5,230 turns, in the order
     (conversation index, turn index).
  2. The candidate turns (same definition as select_esconv.is_candidate: a digit, "@",
     "http", "www", ".com", or a capitalised word that is not sentence-initial and not
     I/I'm/I've/I'll/I'd/OK) are shuffled and the first 450 not already chosen in step 1
     are taken (duplicates skipped and replaced; if fewer remained, all would be taken).
Rows sorted by (conversation, turn). Rows hold locators + sha256 only, never text.

Row format (differs from the split-file ESConv rows only where the file format does):
  {"dataset": "esconv", "file": "FailedESConv.json", "conversation": <0-based index in
   the JSON array>, "turn": <0-based index in its "dialog">, "sha256": <of the turn's
   "content" string exactly as stored, trailing "\\n" included, UTF-8>, "half": "dev3"}
FailedESConv.json is not JSON Lines, so "line" is replaced by "conversation"; the turn
text is the "content" field (the split files call it "text").

Output (next to this script): esconv_dev3.selection.jsonl
Usage: python select_dev3.py
"""
import hashlib
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import select_esconv as se  # noqa: E402  (only is_candidate is used)

SEED = 20261207
HALF = "dev3"
N_UNIFORM, N_CANDIDATE = 150, 450
DATA = "/work/shared/data/esconv/FailedESConv.json"
FILE = "FailedESConv.json"
OUT = os.path.join(HERE, "esconv_dev3.selection.jsonl")


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_turns(path=DATA):
    """[(conversation, turn, content)] in file order."""
    with open(path, encoding="utf-8") as f:
        convs = json.load(f)
    return [(c, t, turn["content"]) for c, conv in enumerate(convs)
            for t, turn in enumerate(conv["dialog"])]


def select(turns=None):
    turns = load_turns() if turns is None else turns
    rng = random.Random(SEED)
    uniform = rng.sample(range(len(turns)), N_UNIFORM)
    chosen = set(uniform)
    cand = [i for i, x in enumerate(turns) if se.is_candidate(x[2])]
    rng.shuffle(cand)
    extra = []
    for i in cand:
        if len(extra) == N_CANDIDATE:
            break
        if i in chosen:
            continue  # already drawn uniformly: skip and replace
        extra.append(i)
        chosen.add(i)
    assert len(extra) == min(N_CANDIDATE, len([i for i in cand if i not in set(uniform)]))
    rows = []
    for i in chosen:
        c, t, text = turns[i]
        rows.append({"dataset": "esconv", "file": FILE, "conversation": c, "turn": t,
                     "sha256": sha(text), "half": HALF})
    rows.sort(key=lambda r: (r["conversation"], r["turn"]))
    n_unif_cand = sum(1 for i in uniform if se.is_candidate(turns[i][2]))
    info = (f"{FILE}: {len(turns)} turns, {len(cand)} candidates; {len(uniform)} uniform "
            f"({n_unif_cand} of them candidates) + {len(extra)} candidates = {len(rows)} rows "
            f"from {len({r['conversation'] for r in rows})} conversations")
    return rows, info


def main():
    rows, info = select()
    with open(OUT, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print(info)
    print(f"-> {OUT} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
