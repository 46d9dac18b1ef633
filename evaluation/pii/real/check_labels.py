#!/usr/bin/env python3
"""Verify a PII label file against the source texts (which stay outside the project).

Checks: every row's sha256 matches the turn text re-read from the data directory,
every span lies inside the text, spans do not overlap, types/identifiers are valid,
rows are unique and sorted. Prints counts per type and per half.

Usage: python check_labels.py [LABELS_JSONL] [--data DIR]
"""
import argparse
import collections
import hashlib
import json
import sys
from pathlib import Path

IDENT = {
    "PERSON": "direct", "USERNAME": "direct", "STREET_ADDRESS": "direct", "PHONE": "direct",
    "EMAIL": "direct", "URL": "direct", "ID": "direct",
    "CITY": "quasi", "STATE": "quasi", "POSTCODE": "quasi", "COUNTRY": "quasi", "FACILITY": "quasi",
    "DATE": "quasi", "YEAR": "quasi", "AGE": "quasi",
    "PUBLIC_URL": "none",
}
DATA_DIRS = {"esconv": Path("/work/shared/data/esconv")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("labels", nargs="?", default=str(Path(__file__).with_name("esconv.labels.jsonl")))
    ap.add_argument("--data", default=None, help="override data directory")
    a = ap.parse_args()

    cache = {}

    def turn_text(ds, fname, line, turn):
        key = (ds, fname)
        if key not in cache:
            d = Path(a.data) if a.data else DATA_DIRS[ds]
            with open(d / fname, encoding="utf-8") as f:
                cache[key] = f.read().split("\n")
        return json.loads(cache[key][line])["dialog"][turn]["text"]

    errors = []
    rows = [json.loads(line_) for line_ in open(a.labels, encoding="utf-8") if line_.strip()]
    seen = set()
    type_half = collections.Counter()
    rows_half = collections.Counter()
    rows_with_pii = collections.Counter()
    unsure = collections.Counter()
    prev = None
    for r in rows:
        loc = (r["dataset"], r["file"], r["line"], r["turn"])
        if loc in seen:
            errors.append(f"duplicate row {loc}")
        seen.add(loc)
        if prev is not None and (r["file"], r["line"], r["turn"]) < prev:
            errors.append(f"rows not sorted at {loc}")
        prev = (r["file"], r["line"], r["turn"])
        if set(r) - {"dataset", "file", "line", "turn", "sha256", "half", "spans"}:
            errors.append(f"unexpected keys in {loc}: {set(r)}")
        t = turn_text(r["dataset"], r["file"], r["line"], r["turn"])
        if hashlib.sha256(t.encode("utf-8")).hexdigest() != r["sha256"]:
            errors.append(f"sha256 mismatch {loc}")
        key = f"{r['dataset']}:{r['file']}:{r['line']}".encode()
        exp_half = "report" if int(hashlib.sha256(key).hexdigest(), 16) % 2 == 1 else "tuning"
        if r["half"] != exp_half:
            errors.append(f"half mismatch {loc}")
        rows_half[r["half"]] += 1
        spans = sorted(r["spans"], key=lambda s: (s["start"], s["end"]))
        last_end = -1
        for s in spans:
            if set(s) - {"start", "end", "type", "identifier", "unsure"}:
                errors.append(f"span has unexpected keys (text must not be stored) {loc}: {set(s)}")
            if not (0 <= s["start"] < s["end"] <= len(t)):
                errors.append(f"span out of range {loc} {s}")
            if s["start"] < last_end:
                errors.append(f"overlapping spans {loc}")
            last_end = max(last_end, s["end"])
            if s["type"] not in IDENT:
                errors.append(f"unknown type {loc} {s['type']}")
            elif IDENT[s["type"]] != s["identifier"]:
                errors.append(f"identifier mismatch {loc} {s['type']}/{s['identifier']}")
            if t[s["start"]:s["end"]] != t[s["start"]:s["end"]].strip():
                errors.append(f"span has surrounding whitespace {loc}")
            type_half[(s["type"], r["half"])] += 1
            if s.get("unsure"):
                unsure[r["half"]] += 1
        if spans:
            rows_with_pii[r["half"]] += 1

    halves = ["tuning", "report"]
    print(f"rows: {len(rows)}  " + "  ".join(f"{h}={rows_half[h]}" for h in halves))
    print("rows with >=1 span: " + "  ".join(f"{h}={rows_with_pii[h]}" for h in halves)
          + f"  total={sum(rows_with_pii.values())}")
    types = sorted({t for t, _ in type_half})
    print(f"{'type':<12}{'identifier':<11}" + "".join(f"{h:>8}" for h in halves) + f"{'total':>8}")
    for ty in types:
        c = [type_half[(ty, h)] for h in halves]
        print(f"{ty:<12}{IDENT[ty]:<11}" + "".join(f"{x:>8}" for x in c) + f"{sum(c):>8}")
    tot = [sum(v for (t, h), v in type_half.items() if h == hh) for hh in halves]
    print(f"{'ALL':<23}" + "".join(f"{x:>8}" for x in tot) + f"{sum(tot):>8}")
    print("unsure spans: " + "  ".join(f"{h}={unsure[h]}" for h in halves) + f"  total={sum(unsure.values())}")
    if errors:
        print(f"\n{len(errors)} ERRORS:")
        for e in errors[:50]:
            print("  " + e)
        sys.exit(1)
    print("OK: all sha256 match, spans in range, no overlaps")


if __name__ == "__main__":
    main()
