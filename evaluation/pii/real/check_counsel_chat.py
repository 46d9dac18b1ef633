#!/usr/bin/env python3
"""Validate counsel_chat.labels.jsonl against the CounselChat CSV (kept outside the project).

Checks: the selection matches select_counsel_chat.py exactly; every row's sha256
matches the CSV field text; spans lie inside the text, have start < end, do not
overlap, use a known type with the right identifier class. Prints counts per type
and half, and the number of unsure spans. Never prints text.
"""
import collections
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from select_counsel_chat import CSV_PATH, half_of, load_rows, select  # noqa: E402

LABELS = os.path.join(HERE, "counsel_chat.labels.jsonl")
IDENT = {
    "PERSON": "direct", "USERNAME": "direct", "STREET_ADDRESS": "direct", "PHONE": "direct",
    "EMAIL": "direct", "URL": "direct", "ID": "direct",
    "CITY": "quasi", "STATE": "quasi", "POSTCODE": "quasi", "COUNTRY": "quasi", "FACILITY": "quasi",
    "DATE": "quasi", "YEAR": "quasi", "AGE": "quasi",
    "PUBLIC_URL": "none",
}
ROW_KEYS = {"dataset", "row", "field", "sha256", "half", "spans"}
SPAN_KEYS = {"start", "end", "type", "identifier", "unsure"}


def main():
    rows = load_rows(CSV_PATH)
    labels = [json.loads(line_) for line_ in open(LABELS, encoding="utf-8") if line_.strip()]
    errors = []

    expected = select(rows)
    got = [{k: v for k, v in r.items() if k != "spans"} for r in labels]
    if got != expected:
        errors.append("selection differs from select_counsel_chat.py output")
    if len({(r["field"], r["row"]) for r in labels}) != len(labels):
        errors.append("duplicate (field,row)")

    per_type = collections.Counter()
    per_type_half = collections.Counter()
    per_half_rows = collections.Counter()
    per_half_empty = collections.Counter()
    per_field = collections.Counter()
    unsure = collections.Counter()
    for r in labels:
        where = f"{r.get('field')}:{r.get('row')}"
        if set(r) != ROW_KEYS or r["dataset"] != "counsel_chat":
            errors.append(f"{where}: bad keys/dataset")
            continue
        text = rows[r["row"]][r["field"]]
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != r["sha256"]:
            errors.append(f"{where}: sha256 mismatch")
        if half_of(rows[r["row"]]["questionID"]) != r["half"]:
            errors.append(f"{where}: wrong half")
        per_half_rows[r["half"]] += 1
        per_field[(r["field"], r["half"])] += 1
        if not r["spans"]:
            per_half_empty[r["half"]] += 1
        prev_end = -1
        for s in sorted(r["spans"], key=lambda x: (x["start"], x["end"])):
            if not set(s) <= SPAN_KEYS or not {"start", "end", "type", "identifier"} <= set(s):
                errors.append(f"{where}: bad span keys {sorted(s)}")
                continue
            if not (0 <= s["start"] < s["end"] <= len(text)):
                errors.append(f"{where}: span out of range {s['start']}-{s['end']}")
            if s["start"] < prev_end:
                errors.append(f"{where}: overlapping spans at {s['start']}")
            prev_end = max(prev_end, s["end"])
            if s["type"] not in IDENT or IDENT[s["type"]] != s["identifier"]:
                errors.append(f"{where}: bad type/identifier {s['type']}/{s['identifier']}")
            if "unsure" in s and s["unsure"] is not True:
                errors.append(f"{where}: unsure must be true when present")
            if text[s["start"]:s["end"]] != text[s["start"]:s["end"]].strip():
                errors.append(f"{where}: span has leading/trailing whitespace")
            per_type[s["type"]] += 1
            per_type_half[(s["type"], r["half"])] += 1
            if s.get("unsure"):
                unsure[r["half"]] += 1

    halves = ["tuning", "report"]
    print(f"rows: {len(labels)}  " + "  ".join(f"{h}={per_half_rows[h]} (empty {per_half_empty[h]})" for h in halves))
    counts = [f"{f}/{h}={per_field[(f, h)]}" for f in ("questionText", "answerText") for h in halves]
    print("rows per field/half: " + ", ".join(counts))
    print(f"{'type':<12}{'tuning':>8}{'report':>8}{'total':>8}")
    for t in sorted(per_type, key=lambda t: (-per_type[t], t)):
        print(f"{t:<12}{per_type_half[(t, 'tuning')]:>8}{per_type_half[(t, 'report')]:>8}{per_type[t]:>8}")
    tot = {h: sum(per_type_half[(t, h)] for t in per_type) for h in halves}
    print(f"{'ALL':<12}{tot['tuning']:>8}{tot['report']:>8}{sum(tot.values()):>8}")
    print(f"unsure spans: tuning={unsure['tuning']} report={unsure['report']} total={sum(unsure.values())}")
    if errors:
        print(f"{len(errors)} ERROR(S):")
        for e in errors[:50]:
            print("  " + e)
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
