#!/usr/bin/env python3
"""Deterministic selection of the "dev" half of the real-text PII labels.

The dev half is disjoint from everything selected before:
  * ESConv: no conversation (file, line) that has any turn in esconv.selection.jsonl
    or esconv.labels.jsonl is used.
  * CounselChat: no questionID, and no text, that occurs in counsel_chat.labels.jsonl
    is used (a distinct text is eligible only if none of the CSV rows holding it
    belongs to a used questionID, and the text itself was not selected before).

One random.Random(20261205), used in this order:
  ESConv: 150 turns uniformly at random among all turns of the eligible conversations
          (train, valid, test order), then the eligible candidate turns (same definition
          as select_esconv.is_candidate) are shuffled and the first 550 not already
          chosen are taken.
  CounselChat, per field in the order questionText, answerText: 60 distinct texts
          uniformly at random among the eligible distinct texts, then 90 among the
          remaining eligible texts that are candidates (select_counsel_chat.is_interesting);
          if fewer than 90 candidates remain (questionText: only 51 do), all are taken.
          A distinct text is located by the first CSV row holding it.
Every row gets "half": "dev". Rows hold locators + sha256 only, never text.

Outputs (next to this script):
  esconv_dev.selection.jsonl        {"dataset","file","line","turn","sha256","half"}
  counsel_chat_dev.selection.jsonl  {"dataset","row","field","sha256","half"}

Usage: python select_dev.py
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

SEED = 20261205
ES_UNIFORM, ES_CANDIDATE = 150, 550
CC_UNIFORM, CC_CANDIDATE = 60, 90
ES_OUT = os.path.join(HERE, "esconv_dev.selection.jsonl")
CC_OUT = os.path.join(HERE, "counsel_chat_dev.selection.jsonl")
ES_PREVIOUS = [os.path.join(HERE, "esconv.selection.jsonl"), os.path.join(HERE, "esconv.labels.jsonl")]
CC_PREVIOUS = [os.path.join(HERE, "counsel_chat.labels.jsonl")]


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
    """(set of used questionIDs, set of used texts) from the earlier CounselChat labels."""
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
    assert len(extra) == ES_CANDIDATE
    out = []
    for i in chosen:
        fname, line, t_idx, text = turns[i]
        assert (fname, line) not in used
        out.append({"dataset": "esconv", "file": fname, "line": line, "turn": t_idx,
                    "sha256": sha(text), "half": "dev"})
    out.sort(key=lambda r: (r["file"], r["line"], r["turn"]))
    info = f"esconv: {len(turns)} turns, {len(used)} conversations used before, " \
           f"{len(eligible)} eligible turns, {len(cand)} eligible candidates, selected {len(out)}"
    return out, info


def select_counsel_chat(rng):
    rows = sc.load_rows()
    used_q, used_t = used_counsel_chat(rows)
    out = []
    info = []
    for field in sc.FIELDS:
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
        uniform = rng.sample(distinct, CC_UNIFORM)
        chosen = set(uniform)
        pool = [i for i in distinct if i not in chosen and sc.is_interesting(rows[i][field])]
        # questionText has fewer than 90 eligible candidates left: then all of them are
        # taken (in random order); no top-up from non-candidates.
        targeted = rng.sample(pool, min(CC_CANDIDATE, len(pool)))
        chosen.update(targeted)
        assert len(chosen) == CC_UNIFORM + len(targeted)
        assert len({rows[i][field] for i in chosen}) == len(chosen)
        for i in chosen:
            assert rows[i]["questionID"] not in used_q and rows[i][field] not in used_t
            out.append({"dataset": "counsel_chat", "row": i, "field": field,
                        "sha256": sha(rows[i][field]), "half": "dev"})
        info.append(f"counsel_chat {field}: {len(distinct)} eligible distinct texts, "
                    f"{len(pool)} eligible candidates left after uniform, selected {len(chosen)}")
    out.sort(key=lambda d: (d["field"], d["row"]))
    return out, "\n".join(info)


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
