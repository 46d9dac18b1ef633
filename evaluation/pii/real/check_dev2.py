#!/usr/bin/env python3
"""Validate the dev2 half: esconv_dev2.labels.jsonl and counsel_chat_dev2.labels.jsonl.

Checks, for both files: the rows equal the output of select_dev2.py (same locators,
sha256, order, half "dev2"); every sha256 matches the text re-read from the data
directory (which stays outside the project); spans lie inside the text, have
start < end, no surrounding whitespace, do not overlap, use a known type with the
right identifier class; "unsure" is true when present; no other keys (no text).
Disjointness, read here directly from every earlier label/selection file:
no ESConv conversation (file, line) of dev2 occurs in esconv.selection.jsonl,
esconv.labels.jsonl, esconv_dev.selection.jsonl or esconv_dev.labels.jsonl; no
CounselChat dev2 text occurs (in any CSV row) under a questionID used by
counsel_chat.labels.jsonl, counsel_chat_dev.selection.jsonl or
counsel_chat_dev.labels.jsonl, and no dev2 text was selected before.
Prints counts per type (and unsure spans) per dataset. Never prints text.

Usage: python check_dev2.py
"""
import collections
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import select_counsel_chat as sc  # noqa: E402
import select_dev2 as sd2  # noqa: E402
import select_esconv as se  # noqa: E402

HALF = "dev2"
ES_LABELS = os.path.join(HERE, "esconv_dev2.labels.jsonl")
CC_LABELS = os.path.join(HERE, "counsel_chat_dev2.labels.jsonl")
ES_EARLIER = {"tuning/report": ["esconv.selection.jsonl", "esconv.labels.jsonl"],
              "dev": ["esconv_dev.selection.jsonl", "esconv_dev.labels.jsonl"]}
CC_EARLIER = {"tuning/report": ["counsel_chat.labels.jsonl"],
              "dev": ["counsel_chat_dev.selection.jsonl", "counsel_chat_dev.labels.jsonl"]}
IDENT = {
    "PERSON": "direct", "USERNAME": "direct", "STREET_ADDRESS": "direct", "PHONE": "direct",
    "EMAIL": "direct", "URL": "direct", "ID": "direct",
    "CITY": "quasi", "STATE": "quasi", "POSTCODE": "quasi", "COUNTRY": "quasi", "FACILITY": "quasi",
    "DATE": "quasi", "YEAR": "quasi", "AGE": "quasi",
    "PUBLIC_URL": "none",
}
SPAN_KEYS = {"start", "end", "type", "identifier", "unsure"}


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(x) for x in f if x.strip()]


def check_spans(where, text, spans, errors, per_type, unsure):
    prev_end = -1
    for s in sorted(spans, key=lambda x: (x.get("start", -1), x.get("end", -1))):
        if not set(s) <= SPAN_KEYS or not {"start", "end", "type", "identifier"} <= set(s):
            errors.append(f"{where}: bad span keys {sorted(s)}")
            continue
        if not (isinstance(s["start"], int) and isinstance(s["end"], int)
                and 0 <= s["start"] < s["end"] <= len(text)):
            errors.append(f"{where}: span out of range {s['start']}-{s['end']}")
            continue
        if s["start"] < prev_end:
            errors.append(f"{where}: overlapping spans at {s['start']}")
        prev_end = max(prev_end, s["end"])
        if s["type"] not in IDENT or IDENT[s["type"]] != s["identifier"]:
            errors.append(f"{where}: bad type/identifier {s['type']}/{s['identifier']}")
        if "unsure" in s and s["unsure"] is not True:
            errors.append(f"{where}: unsure must be true when present")
        seg = text[s["start"]:s["end"]]
        if seg != seg.strip():
            errors.append(f"{where}: span has leading/trailing whitespace")
        per_type[s["type"]] += 1
        if s.get("unsure"):
            unsure[s["type"]] += 1


def print_counts(name, rows, per_type, unsure):
    n_pii = sum(1 for r in rows if r["spans"])
    print(f"{name}: rows {len(rows)}, rows with >=1 span {n_pii}, spans {sum(per_type.values())}, "
          f"unsure {sum(unsure.values())}")
    print(f"  {'type':<12}{'identifier':<11}{'spans':>6}{'unsure':>8}")
    for t in sorted(per_type, key=lambda t: (-per_type[t], t)):
        print(f"  {t:<12}{IDENT[t]:<11}{per_type[t]:>6}{unsure[t]:>8}")


def main():
    errors = []
    es_expected, cc_expected, _ = sd2.select_all()

    # ---------------- ESConv ----------------
    es = read_jsonl(ES_LABELS)
    if [{k: v for k, v in r.items() if k != "spans"} for r in es] != es_expected:
        errors.append("esconv: rows differ from select_dev2.py selection")
    turns = {(file, line, turn): x for file, line, turn, x in se.load_turns()}
    es_used = {}
    for half, names in ES_EARLIER.items():
        for n in names:
            for r in read_jsonl(os.path.join(HERE, n)):
                es_used.setdefault((r["file"], r["line"]), half)
    es_types, es_unsure = collections.Counter(), collections.Counter()
    seen, prev = set(), None
    for r in es:
        loc = (r.get("file"), r.get("line"), r.get("turn"))
        where = f"esconv {loc}"
        if set(r) != {"dataset", "file", "line", "turn", "sha256", "half", "spans"} or r["dataset"] != "esconv":
            errors.append(f"{where}: bad keys/dataset")
            continue
        if loc in seen:
            errors.append(f"{where}: duplicate")
        seen.add(loc)
        if prev is not None and loc < prev:
            errors.append(f"{where}: rows not sorted")
        prev = loc
        if r["half"] != HALF:
            errors.append(f"{where}: half is not {HALF}")
        if (r["file"], r["line"]) in es_used:
            errors.append(f"{where}: conversation already used by the {es_used[(r['file'], r['line'])]} half")
        if loc not in turns:
            errors.append(f"{where}: no such turn")
            continue
        text = turns[loc]
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != r["sha256"]:
            errors.append(f"{where}: sha256 mismatch")
        check_spans(where, text, r["spans"], errors, es_types, es_unsure)

    # ---------------- CounselChat ----------------
    cc = read_jsonl(CC_LABELS)
    if [{k: v for k, v in r.items() if k != "spans"} for r in cc] != cc_expected:
        errors.append("counsel_chat: rows differ from select_dev2.py selection")
    rows = sc.load_rows()
    used_q, used_t = {}, {}
    for half, names in CC_EARLIER.items():
        for n in names:
            for r in read_jsonl(os.path.join(HERE, n)):
                used_q.setdefault(rows[r["row"]]["questionID"], half)
                used_t.setdefault(rows[r["row"]][r["field"]], half)
    cc_types, cc_unsure = collections.Counter(), collections.Counter()
    per_field = collections.Counter()
    seen, prev = set(), None
    for r in cc:
        where = f"counsel_chat {r.get('field')}:{r.get('row')}"
        if set(r) != {"dataset", "row", "field", "sha256", "half", "spans"} or r["dataset"] != "counsel_chat":
            errors.append(f"{where}: bad keys/dataset")
            continue
        if prev is not None and (r["field"], r["row"]) < prev:
            errors.append(f"{where}: rows not sorted")
        prev = (r["field"], r["row"])
        text = rows[r["row"]][r["field"]]
        if (r["field"], text) in seen:
            errors.append(f"{where}: duplicate text")
        seen.add((r["field"], text))
        per_field[r["field"]] += 1
        if r["half"] != HALF:
            errors.append(f"{where}: half is not {HALF}")
        if text in used_t:
            errors.append(f"{where}: text already used by the {used_t[text]} half")
        for x in rows:
            if x[r["field"]] == text and x["questionID"] in used_q:
                errors.append(f"{where}: text occurs under questionID used by the {used_q[x['questionID']]} half")
                break
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != r["sha256"]:
            errors.append(f"{where}: sha256 mismatch")
        check_spans(where, text, r["spans"], errors, cc_types, cc_unsure)

    print_counts(f"esconv {HALF}", es, es_types, es_unsure)
    print_counts(f"counsel_chat {HALF}", cc, cc_types, cc_unsure)
    print("  rows per field: " + ", ".join(f"{f}={per_field[f]}" for f in sc.FIELDS))
    tot = es_types + cc_types
    print(f"both: spans {sum(tot.values())}, unsure {sum((es_unsure + cc_unsure).values())}")
    if errors:
        print(f"{len(errors)} ERROR(S):")
        for e in errors[:50]:
            print("  " + e)
        sys.exit(1)
    print("OK: selection reproduced, sha256 match, spans valid, disjoint from tuning/report/dev halves")


if __name__ == "__main__":
    main()
