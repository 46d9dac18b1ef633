#!/usr/bin/env python3
"""Deterministic selection of the "dev5" and "report2" halves of the real-text PII labels.

Both halves draw from what no earlier label file holds: no ESConv turn (file, line, turn) and no
CounselChat text listed in any *.selection.jsonl / *.labels.jsonl of this directory that existed when
they were made (EARLIER below) is selected again. ESConv turns come only from conversations of the
first split's "tuning" side (select_esconv.half_of), CounselChat texts only from questions on its
"tuning" side (select_counsel_chat.half_of), so the first report half keeps its conversations to itself.

Which half a row falls in is a hash of its conversation, so a conversation (an ESConv dialogue, a
CounselChat question's thread) lies in one of the two new halves only:
    int(sha256("pool5:esconv:" + file + ":" + line)) % 2 == 1  -> "report2", else "dev5"
    int(sha256("pool5:counsel_chat:" + questionID)) % 2 == 1    -> "report2", else "dev5"
A row can still share its conversation with a turn of an earlier tuning half (dev4 drew turn by
turn, and the earlier halves exhaust whole conversations): check_dev5.py prints how many.

One random.Random(20261205), used in this order:
  ESConv: every eligible candidate turn (select_esconv.is_candidate) is taken, then 200 turns
          uniformly at random (rng.sample) among the eligible turns that are not candidates, so the
          halves also hold plain turns in which a detector could only be wrong.
  CounselChat, per field (questionText, answerText): every eligible distinct text (located by the
          first CSV row holding it) that is a candidate (select_counsel_chat.is_interesting), and
          20 uniformly at random among the other eligible texts of the field.
Rows are sorted as in earlier halves; each holds locators + sha256 + half, never text.

Outputs (next to this script):
  esconv_dev5.selection.jsonl        {"dataset","file","line","turn","sha256","half"}
  counsel_chat_dev5.selection.jsonl  {"dataset","row","field","sha256","half"}

Usage: python select_dev5.py
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
ES_PLAIN = 200
CC_PLAIN = 20
ES_OUT = os.path.join(HERE, "esconv_dev5.selection.jsonl")
CC_OUT = os.path.join(HERE, "counsel_chat_dev5.selection.jsonl")
EARLIER = ["esconv.selection.jsonl", "esconv.labels.jsonl",
           "esconv_dev.selection.jsonl", "esconv_dev.labels.jsonl",
           "esconv_dev2.selection.jsonl", "esconv_dev2.labels.jsonl",
           "esconv_dev3.selection.jsonl", "esconv_dev3.labels.jsonl",
           "esconv_dev4.selection.jsonl", "esconv_dev4.labels.jsonl",
           "counsel_chat.labels.jsonl",
           "counsel_chat_dev.selection.jsonl", "counsel_chat_dev.labels.jsonl",
           "counsel_chat_dev2.selection.jsonl", "counsel_chat_dev2.labels.jsonl",
           "counsel_chat_dev4.selection.jsonl", "counsel_chat_dev4.labels.jsonl"]


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(x) for x in f if x.strip()]


def half_of(key):
    """'report2' or 'dev5' for a conversation key ("esconv:file:line" or "counsel_chat:questionID")."""
    return "report2" if int(sha("pool5:" + key), 16) % 2 == 1 else "dev5"


def used(rows):
    """ESConv turns (file, line, turn) and CounselChat texts listed by an earlier file."""
    turns, texts = set(), set()
    for name in EARLIER:
        for r in read_jsonl(os.path.join(HERE, name)):
            if r["dataset"] == "esconv" and "line" in r:  # FailedESConv rows (dev3) use "conversation"
                turns.add((r["file"], r["line"], r["turn"]))
            elif r["dataset"] == "counsel_chat":
                texts.add(rows[r["row"]][r["field"]])
    return turns, texts


def select_esconv(rng, turns, used_turns):
    eligible = [i for i, t in enumerate(turns)
                if t[:3] not in used_turns and se.half_of(t[0], t[1]) == "tuning"]
    candidates = [i for i in eligible if se.is_candidate(turns[i][3])]
    plain = rng.sample([i for i in eligible if not se.is_candidate(turns[i][3])], ES_PLAIN)
    out = []
    for i in candidates + plain:
        fname, line, t_idx, text = turns[i]
        out.append({"dataset": "esconv", "file": fname, "line": line, "turn": t_idx, "sha256": sha(text),
                    "half": half_of(f"esconv:{fname}:{line}")})
    out.sort(key=lambda r: (r["file"], r["line"], r["turn"]))
    return out, (f"esconv: {len(eligible)} eligible turns, {len(candidates)} candidates + {len(plain)} plain = "
                 f"{len(out)} rows")


def select_counsel_chat(rng, rows, used_texts):
    out, infos = [], []
    for field in sc.FIELDS:
        first = {}
        for i, r in enumerate(rows):
            t = r[field]
            if t.strip() and t not in first:
                first[t] = i
        eligible = sorted(first[t] for t in first
                          if t not in used_texts and sc.half_of(rows[first[t]]["questionID"]) == "tuning")
        candidates = [i for i in eligible if sc.is_interesting(rows[i][field])]
        others = [i for i in eligible if not sc.is_interesting(rows[i][field])]
        plain = rng.sample(others, min(CC_PLAIN, len(others)))
        for i in candidates + plain:
            out.append({"dataset": "counsel_chat", "row": i, "field": field, "sha256": sha(rows[i][field]),
                        "half": half_of("counsel_chat:" + rows[i]["questionID"])})
        infos.append(f"counsel_chat {field}: {len(eligible)} eligible texts, {len(candidates)} candidates + "
                     f"{len(plain)} plain")
    out.sort(key=lambda d: (d["field"], d["row"]))
    return out, "\n".join(infos)


def select_all():
    rng = random.Random(SEED)
    rows = sc.load_rows()
    used_turns, used_texts = used(rows)
    es, es_info = select_esconv(rng, se.load_turns(), used_turns)
    cc, cc_info = select_counsel_chat(rng, rows, used_texts)
    return es, cc, es_info + "\n" + cc_info


def main():
    es, cc, info = select_all()
    for path, rows in ((ES_OUT, es), (CC_OUT, cc)):
        with open(path, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    print(info)
    for name, rows in (("esconv", es), ("counsel_chat", cc)):
        by_half = {h: sum(r["half"] == h for r in rows) for h in ("dev5", "report2")}
        print(f"{name}: {by_half}")
    print(f"-> {ES_OUT} ({len(es)} rows), {CC_OUT} ({len(cc)} rows)")


if __name__ == "__main__":
    main()
