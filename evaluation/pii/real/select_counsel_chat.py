#!/usr/bin/env python3
"""Deterministic selection of CounselChat texts for the real-text PII evaluation set.

Picks 200 distinct questionText values and 200 distinct answerText values from
/work/shared/data/counsel_chat/20200325_counsel_chat.csv. For each field:
  * 100 uniformly at random among all distinct non-empty texts;
  * 100 uniformly at random among the remaining distinct texts that look
    "interesting" (contain a digit, "@", "http", "www", ".com", or a
    capitalised word that is not the first word of a sentence and is not
    I / I'm / I've / I'll / I'd).
A distinct text is represented by the first CSV data row (0-based) holding it.
One random.Random(20261204) is used, in the order: questionText uniform,
questionText interesting, answerText uniform, answerText interesting.

Output rows hold locators and digests only (never text):
  {"dataset", "row", "field", "sha256", "half"}
half = "report" if int(sha256("counsel_chat:"+questionID), 16) % 2 == 1 else "tuning".

Usage: python select_counsel_chat.py [--out selection.jsonl]   (default: print to stdout)
"""
import argparse
import csv
import hashlib
import json
import random
import re
import sys

CSV_PATH = "/work/shared/data/counsel_chat/20200325_counsel_chat.csv"
SEED = 20261204
N_PER_FIELD = 200
FIELDS = ("questionText", "answerText")

I_FORMS = {"I", "I'm", "I've", "I'll", "I'd", "I\u2019m", "I\u2019ve", "I\u2019ll", "I\u2019d"}
WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\u2019]*")
# a word starts a sentence if only whitespace/quotes/brackets separate it from
# the text start, a newline, or sentence punctuation (. ! ? :)
SENT_START_RE = re.compile(r"(?:^|[.!?:\n])[\s\"'\u201c\u2018(\[*-]*$")


def has_inner_capital(text):
    for m in WORD_RE.finditer(text):
        w = m.group(0)
        if not w[0].isupper():
            continue
        if w in I_FORMS:
            continue
        if SENT_START_RE.search(text[: m.start()]):
            continue
        return True
    return False


def is_interesting(text):
    if any(c.isdigit() for c in text):
        return True
    low = text.lower()
    if any(s in low for s in ("@", "http", "www", ".com")):
        return True
    return has_inner_capital(text)


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def half_of(question_id):
    h = int(hashlib.sha256(("counsel_chat:" + question_id).encode("utf-8")).hexdigest(), 16)
    return "report" if h % 2 == 1 else "tuning"


def load_rows(path=CSV_PATH):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def select(rows):
    rng = random.Random(SEED)
    out = []
    for field in FIELDS:
        first = {}
        for i, r in enumerate(rows):
            t = r[field]
            if t.strip() and t not in first:
                first[t] = i
        distinct = sorted(first.values())  # row indices, CSV order
        uniform = rng.sample(distinct, N_PER_FIELD // 2)
        chosen = set(uniform)
        pool = [i for i in distinct if i not in chosen and is_interesting(rows[i][field])]
        targeted = rng.sample(pool, N_PER_FIELD - len(uniform))
        chosen.update(targeted)
        assert len(chosen) == N_PER_FIELD
        assert len({rows[i][field] for i in chosen}) == N_PER_FIELD
        for i in chosen:
            out.append({
                "dataset": "counsel_chat",
                "row": i,
                "field": field,
                "sha256": sha(rows[i][field]),
                "half": half_of(rows[i]["questionID"]),
            })
    out.sort(key=lambda d: (d["field"], d["row"]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out")
    a = ap.parse_args()
    sel = select(load_rows())
    f = open(a.out, "w", encoding="utf-8") if a.out else sys.stdout
    for d in sel:
        f.write(json.dumps(d) + "\n")
    if a.out:
        f.close()


if __name__ == "__main__":
    main()
