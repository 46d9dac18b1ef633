#!/usr/bin/env python3
"""Validate the dev3 half: esconv_dev3.selection.jsonl and esconv_dev3.labels.jsonl.

Checks: the selection file and the label rows (without "spans") equal the output of
select_dev3.py (same locators, sha256, order, half "dev3"); every sha256 matches the turn
"content" re-read from /work/shared/data/esconv/FailedESConv.json (which stays outside the
project); spans lie inside the text, have start < end, no surrounding whitespace, do not
overlap, use a known type with the right identifier class; "unsure" is true when present;
no other keys (no text). Disjointness: no earlier ESConv selection/label file
(esconv*.jsonl of the tuning/report, dev and dev2 halves) has a row from FailedESConv.json.
Informational: how many dev3 turns have the same sha256 as a row of an earlier half
(identical short turns such as "ok", which occur in many conversations).
Prints counts per type (and unsure spans). Never prints text.

Usage: python check_dev3.py
"""
import collections
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import select_dev3 as sd3  # noqa: E402

HALF = "dev3"
SELECTION = os.path.join(HERE, "esconv_dev3.selection.jsonl")
LABELS = os.path.join(HERE, "esconv_dev3.labels.jsonl")
EARLIER = {"tuning/report": ["esconv.selection.jsonl", "esconv.labels.jsonl"],
           "dev": ["esconv_dev.selection.jsonl", "esconv_dev.labels.jsonl"],
           "dev2": ["esconv_dev2.selection.jsonl", "esconv_dev2.labels.jsonl"]}
ROW_KEYS = {"dataset", "file", "conversation", "turn", "sha256", "half", "spans"}
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
            continue
        if "unsure" in s and s["unsure"] is not True:
            errors.append(f"{where}: unsure must be true when present")
        seg = text[s["start"]:s["end"]]
        if seg != seg.strip():
            errors.append(f"{where}: span has leading/trailing whitespace")
        per_type[s["type"]] += 1
        if s.get("unsure"):
            unsure[s["type"]] += 1


def main():
    errors = []
    turns = sd3.load_turns()
    expected, info = sd3.select(turns)
    text_of = {(c, t): x for c, t, x in turns}

    if read_jsonl(SELECTION) != expected:
        errors.append("esconv_dev3.selection.jsonl differs from select_dev3.py output")
    rows = read_jsonl(LABELS)
    if [{k: v for k, v in r.items() if k != "spans"} for r in rows] != expected:
        errors.append("label rows differ from select_dev3.py selection")

    earlier_sha = {}
    for half, names in EARLIER.items():
        for n in names:
            for r in read_jsonl(os.path.join(HERE, n)):
                if r.get("file") == sd3.FILE:
                    errors.append(f"{n}: earlier {half} half already has a row from {sd3.FILE}")
                earlier_sha.setdefault(r["sha256"], half)

    per_type, unsure = collections.Counter(), collections.Counter()
    seen, prev, same_sha = set(), None, collections.Counter()
    for r in rows:
        loc = (r.get("conversation"), r.get("turn"))
        where = f"{sd3.FILE} {loc}"
        if set(r) != ROW_KEYS or r["dataset"] != "esconv" or r["file"] != sd3.FILE:
            errors.append(f"{where}: bad keys/dataset/file")
            continue
        if loc in seen:
            errors.append(f"{where}: duplicate")
        seen.add(loc)
        if prev is not None and loc < prev:
            errors.append(f"{where}: rows not sorted")
        prev = loc
        if r["half"] != HALF:
            errors.append(f"{where}: half is not {HALF}")
        if loc not in text_of:
            errors.append(f"{where}: no such turn")
            continue
        text = text_of[loc]
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != r["sha256"]:
            errors.append(f"{where}: sha256 mismatch")
        if r["sha256"] in earlier_sha:
            same_sha[earlier_sha[r["sha256"]]] += 1
        if not isinstance(r["spans"], list):
            errors.append(f"{where}: spans is not a list")
            continue
        check_spans(where, text, r["spans"], errors, per_type, unsure)

    print(info)
    n_pii = sum(1 for r in rows if r.get("spans"))
    print(f"esconv {HALF}: rows {len(rows)}, rows with >=1 span {n_pii}, "
          f"spans {sum(per_type.values())}, unsure {sum(unsure.values())}")
    print(f"  {'type':<12}{'identifier':<11}{'spans':>6}{'unsure':>8}")
    for t in sorted(per_type, key=lambda t: (-per_type[t], t)):
        print(f"  {t:<12}{IDENT[t]:<11}{per_type[t]:>6}{unsure[t]:>8}")
    print("  turns whose text also occurs (same sha256) in an earlier half: "
          + (", ".join(f"{h}={n}" for h, n in sorted(same_sha.items())) or "none"))
    if errors:
        print(f"{len(errors)} ERROR(S):")
        for e in errors[:50]:
            print("  " + e)
        sys.exit(1)
    print("OK: selection reproduced, sha256 match, spans valid, no earlier half uses FailedESConv.json")


if __name__ == "__main__":
    main()
