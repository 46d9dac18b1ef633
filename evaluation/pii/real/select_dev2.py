#!/usr/bin/env python3
"""Deterministic selection of the "dev2" half of the real-text PII labels.

The dev2 half is disjoint from every half selected before (tuning, report, dev):
  * ESConv: no conversation (file, line) that has any turn in esconv.selection.jsonl,
    esconv.labels.jsonl, esconv_dev.selection.jsonl or esconv_dev.labels.jsonl is used.
  * CounselChat: no questionID used by counsel_chat.labels.jsonl,
    counsel_chat_dev.selection.jsonl or counsel_chat_dev.labels.jsonl (the questionID of
    the CSV row each of their rows points to) is used: a distinct answerText is eligible
    only if none of the CSV rows holding it has a used questionID (and, redundantly, the
    text itself was never selected before in any field).

One random.Random(20261206), used in this order:
  ESConv: 100 turns uniformly at random among all turns of the eligible conversations
          (train, valid, test order), then the eligible candidate turns (same definition
          as select_esconv.is_candidate) are shuffled and the first 600 not already
          chosen are taken; if fewer remain (only 140 eligible candidates are left in the
          195 eligible conversations), all of them are taken, with no top-up from
          non-candidates. Rows sorted by (file, line, turn).
  CounselChat, answerText only (the questionText candidates are exhausted): 50 distinct
          texts uniformly at random among the eligible distinct texts, then up to 200
          among the remaining eligible texts that are candidates
          (select_counsel_chat.is_interesting); if fewer remain, all are taken (no top-up
          from non-candidates). A distinct text is located by the first CSV row holding it.
Every row gets "half": "dev2". Rows hold locators + sha256 only, never text.

Outputs (next to this script):
  esconv_dev2.selection.jsonl        {"dataset","file","line","turn","sha256","half"}
  counsel_chat_dev2.selection.jsonl  {"dataset","row","field","sha256","half"}

Usage: python select_dev2.py
"""
import hashlib
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import select_counsel_chat as sc  # noqa: E402
import select_esconv as se  # noqa: E402

SEED = 20261206
HALF = "dev2"
ES_UNIFORM, ES_CANDIDATE = 100, 600
CC_FIELD = "answerText"
CC_UNIFORM, CC_CANDIDATE = 50, 200
ES_OUT = os.path.join(HERE, "esconv_dev2.selection.jsonl")
CC_OUT = os.path.join(HERE, "counsel_chat_dev2.selection.jsonl")
ES_PREVIOUS = [os.path.join(HERE, n) for n in (
    "esconv.selection.jsonl", "esconv.labels.jsonl",
    "esconv_dev.selection.jsonl", "esconv_dev.labels.jsonl")]
CC_PREVIOUS = [os.path.join(HERE, n) for n in (
    "counsel_chat.labels.jsonl", "counsel_chat_dev.selection.jsonl", "counsel_chat_dev.labels.jsonl")]


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(x) for x in f if x.strip()]


def used_esconv_conversations():
    used = set()
    for p in ES_PREVIOUS:
        for r in read_jsonl(p):
            used.add((r["file"], r["line"]))
    return used


def used_counsel_chat(rows):
    """(set of used questionIDs, set of used texts) from all earlier CounselChat files."""
    qids, texts = set(), set()
    for p in CC_PREVIOUS:
        for r in read_jsonl(p):
            qids.add(rows[r["row"]]["questionID"])
            texts.add(rows[r["row"]][r["field"]])
    return qids, texts


def select_esconv(rng):
    turns = se.load_turns()
    used = used_esconv_conversations()
    eligible = [i for i, t in enumerate(turns) if (t[0], t[1]) not in used]
    uniform = rng.sample(eligible, ES_UNIFORM)
    chosen = set(uniform)
    cand = [i for i in eligible if se.is_candidate(turns[i][3])]
    rng.shuffle(cand)
    extra = []
    for i in cand:
        if len(extra) == ES_CANDIDATE:
            break
        if i in chosen:
            continue
        extra.append(i)
        chosen.add(i)
    # Only 140 eligible candidate turns are left (195 eligible conversations): then all
    # candidates not already drawn uniformly are taken; no top-up from non-candidates.
    assert len(extra) == min(ES_CANDIDATE, len([i for i in cand if i not in set(uniform)]))
    out = []
    for i in chosen:
        fname, line, t_idx, text = turns[i]
        assert (fname, line) not in used
        out.append({"dataset": "esconv", "file": fname, "line": line, "turn": t_idx,
                    "sha256": sha(text), "half": HALF})
    out.sort(key=lambda r: (r["file"], r["line"], r["turn"]))
    n_conv = len({(turns[i][0], turns[i][1]) for i in eligible})
    info = (f"esconv: {len(turns)} turns, {len(used)} conversations used before, "
            f"{n_conv} eligible conversations with {len(eligible)} turns, "
            f"{len(cand)} eligible candidates, {len(uniform)} uniform + {len(extra)} candidates, "
            f"selected {len(out)}")
    return out, info


def select_counsel_chat(rng):
    rows = sc.load_rows()
    used_q, used_t = used_counsel_chat(rows)
    field = CC_FIELD
    first, bad = {}, set()
    for i, r in enumerate(rows):
        t = r[field]
        if not t.strip():
            continue
        if t not in first:
            first[t] = i
        if r["questionID"] in used_q or t in used_t:
            bad.add(t)
    distinct = sorted(first[t] for t in first if t not in bad)
    uniform = rng.sample(distinct, min(CC_UNIFORM, len(distinct)))
    chosen = set(uniform)
    pool = [i for i in distinct if i not in chosen and sc.is_interesting(rows[i][field])]
    targeted = rng.sample(pool, min(CC_CANDIDATE, len(pool)))
    chosen.update(targeted)
    assert len(chosen) == len(uniform) + len(targeted)
    assert len({rows[i][field] for i in chosen}) == len(chosen)
    out = []
    for i in chosen:
        text = rows[i][field]
        assert text not in used_t
        assert not any(x["questionID"] in used_q for x in rows if x[field] == text)
        out.append({"dataset": "counsel_chat", "row": i, "field": field,
                    "sha256": sha(text), "half": HALF})
    out.sort(key=lambda d: (d["field"], d["row"]))
    info = (f"counsel_chat {field}: {len(used_q)} questionIDs used before, "
            f"{len(distinct)} eligible distinct texts, {len(uniform)} uniform, "
            f"{len(pool)} eligible candidates left after uniform, {len(targeted)} taken, "
            f"selected {len(out)}")
    return out, info


def select_all():
    rng = random.Random(SEED)
    es, es_info = select_esconv(rng)
    cc, cc_info = select_counsel_chat(rng)
    return es, cc, es_info + "\n" + cc_info


def main():
    es, cc, info = select_all()
    for path, rows in ((ES_OUT, es), (CC_OUT, cc)):
        with open(path, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    print(info)
    print(f"-> {ES_OUT} ({len(es)} rows), {CC_OUT} ({len(cc)} rows)")


if __name__ == "__main__":
    main()
