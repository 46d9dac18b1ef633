#!/usr/bin/env python3
"""Deterministic selection of the "dev4" half of the real-text PII labels.

The dev4 half is disjoint, row by row, from every half selected before (tuning/report,
dev, dev2, dev3): no ESConv turn (file, line, turn) and no CounselChat text listed in any
earlier selection or label file (EARLIER below, the files that existed when dev4 was made)
is selected again. Unlike dev and dev2 the exclusion is per turn / per text, not per
conversation / questionID: excluding whole conversations leaves 1,443 split-file turns
and no candidate turn at all, and excluding whole questionIDs leaves no CounselChat
candidate text. So a dev4 turn can come from a conversation that has other turns in an
earlier half (check_dev4.py prints how many), and a dev4 CounselChat text can belong to a
question thread that has other texts in an earlier half.

Sources: /work/shared/data/esconv/{train,valid,test}.txt (not FailedESConv.json, which
dev3 used) and /work/shared/data/counsel_chat/20200325_counsel_chat.csv.

One random.Random(20261208), used in this order:
  ESConv: 300 turns uniformly at random (rng.sample) among the eligible turns (train,
          valid, test order), then the eligible candidate turns (select_esconv.is_candidate:
          a digit, "@", "http", "www", ".com", or a capitalised word that is not
          sentence-initial and not I/I'm/I've/I'll/I'd/OK) are shuffled and the first 300
          not already chosen are taken. 600 rows, sorted by (file, line, turn).
  CounselChat, per field in the order questionText, answerText: a distinct non-empty text
          (located by the first CSV row holding it) is eligible if that text was not
          selected before in any field of any earlier CounselChat file. 50 uniformly at
          random among the eligible texts, then up to N_CAND[field] at random among the
          remaining eligible texts that are candidates (select_counsel_chat.is_interesting);
          if fewer remain, all are taken. questionText has only 21 eligible candidates
          (1 drawn uniformly, the other 20 all taken: 70 rows), so answerText takes 80
          candidates (130 rows): 200 texts, 100 uniform + 100 targeted. Rows sorted by
          (field, row).
Every row gets "half": "dev4". Rows hold locators + sha256 only, never text.

Outputs (next to this script):
  esconv_dev4.selection.jsonl        {"dataset","file","line","turn","sha256","half"}
  counsel_chat_dev4.selection.jsonl  {"dataset","row","field","sha256","half"}

Usage: python select_dev4.py
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

SEED = 20261208
HALF = "dev4"
ES_UNIFORM, ES_CANDIDATE = 300, 300
CC_UNIFORM = 50
CC_CAND = {"questionText": 50, "answerText": 80}
ES_OUT = os.path.join(HERE, "esconv_dev4.selection.jsonl")
CC_OUT = os.path.join(HERE, "counsel_chat_dev4.selection.jsonl")
ES_EARLIER = ["esconv.selection.jsonl", "esconv.labels.jsonl",
              "esconv_dev.selection.jsonl", "esconv_dev.labels.jsonl",
              "esconv_dev2.selection.jsonl", "esconv_dev2.labels.jsonl",
              "esconv_dev3.selection.jsonl", "esconv_dev3.labels.jsonl"]
CC_EARLIER = ["counsel_chat.labels.jsonl",
              "counsel_chat_dev.selection.jsonl", "counsel_chat_dev.labels.jsonl",
              "counsel_chat_dev2.selection.jsonl", "counsel_chat_dev2.labels.jsonl"]


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(x) for x in f if x.strip()]


def used_esconv():
    """(set of used (file, line, turn), set of conversations (file, line) with a used turn)."""
    turns, convs = set(), set()
    for n in ES_EARLIER:
        for r in read_jsonl(os.path.join(HERE, n)):
            if "line" in r:  # FailedESConv rows (dev3) use "conversation"; not a split file
                turns.add((r["file"], r["line"], r["turn"]))
                convs.add((r["file"], r["line"]))
    return turns, convs


def used_counsel_chat(rows):
    """Texts (any field) listed by an earlier CounselChat file."""
    texts = set()
    for n in CC_EARLIER:
        for r in read_jsonl(os.path.join(HERE, n)):
            texts.add(rows[r["row"]][r["field"]])
    return texts


def select_esconv(rng, turns):
    used, used_conv = used_esconv()
    eligible = [i for i, t in enumerate(turns) if t[:3] not in used]
    uniform = rng.sample(eligible, ES_UNIFORM)
    chosen = set(uniform)
    cand = [i for i in eligible if se.is_candidate(turns[i][3])]
    rng.shuffle(cand)
    extra = []
    for i in cand:
        if len(extra) == ES_CANDIDATE:
            break
        if i in chosen:
            continue  # already drawn uniformly: skip and replace
        extra.append(i)
        chosen.add(i)
    assert len(extra) == ES_CANDIDATE
    out = []
    for i in chosen:
        fname, line, t_idx, text = turns[i]
        assert (fname, line, t_idx) not in used
        out.append({"dataset": "esconv", "file": fname, "line": line, "turn": t_idx,
                    "sha256": sha(text), "half": HALF})
    out.sort(key=lambda r: (r["file"], r["line"], r["turn"]))
    n_unif_cand = sum(1 for i in uniform if se.is_candidate(turns[i][3]))
    n_conv = len({(r["file"], r["line"]) for r in out})
    n_in_used_conv = sum(1 for r in out if (r["file"], r["line"]) in used_conv)
    info = (f"esconv: {len(turns)} turns, {len(used)} used before, {len(eligible)} eligible, "
            f"{len(cand)} eligible candidates; {len(uniform)} uniform ({n_unif_cand} of them "
            f"candidates) + {len(extra)} candidates = {len(out)} rows from {n_conv} conversations "
            f"({n_in_used_conv} rows in a conversation with a turn in an earlier half)")
    return out, info


def select_counsel_chat(rng, rows):
    used_t = used_counsel_chat(rows)
    out, infos = [], []
    for field in sc.FIELDS:
        first = {}
        for i, r in enumerate(rows):
            t = r[field]
            if t.strip() and t not in first:
                first[t] = i
        distinct = sorted(first[t] for t in first if t not in used_t)
        uniform = rng.sample(distinct, min(CC_UNIFORM, len(distinct)))
        chosen = set(uniform)
        pool = [i for i in distinct if i not in chosen and sc.is_interesting(rows[i][field])]
        targeted = rng.sample(pool, min(CC_CAND[field], len(pool)))
        chosen.update(targeted)
        assert len({rows[i][field] for i in chosen}) == len(chosen)
        for i in chosen:
            assert rows[i][field] not in used_t
            out.append({"dataset": "counsel_chat", "row": i, "field": field,
                        "sha256": sha(rows[i][field]), "half": HALF})
        n_unif_cand = sum(1 for i in uniform if sc.is_interesting(rows[i][field]))
        infos.append(f"counsel_chat {field}: {len(distinct)} eligible distinct texts, "
                     f"{len(uniform)} uniform ({n_unif_cand} of them candidates), {len(pool)} "
                     f"candidates left, {len(targeted)} taken, selected {len(chosen)}")
    out.sort(key=lambda d: (d["field"], d["row"]))
    return out, "\n".join(infos)


def select_all():
    rng = random.Random(SEED)
    es, es_info = select_esconv(rng, se.load_turns())
    cc, cc_info = select_counsel_chat(rng, sc.load_rows())
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
