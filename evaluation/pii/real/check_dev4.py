#!/usr/bin/env python3
"""Validate the dev4 half: esconv_dev4.{selection,labels}.jsonl and
counsel_chat_dev4.{selection,labels}.jsonl.

Checks, for both datasets: the selection file and the label rows (without "spans") equal
the output of select_dev4.py (same locators, sha256, order, half "dev4"); every sha256
matches the text re-read from /work/shared/data/... (which stays outside the project);
spans lie inside the text, have start < end, no surrounding whitespace, do not overlap,
use a known type with the right identifier class; "unsure" is true when present; no
other keys (no text).
Disjointness, read directly from EVERY other *.selection.jsonl / *.labels.jsonl in this
directory (whatever its half): no dev4 ESConv turn (file, line, turn) and no dev4
CounselChat text (compared as text, so a repeated text in another CSV row counts) occurs
in any of them. Informational: for dev4 turns / texts, which other halves have rows from the same
conversation / questionID ("none" = no other half) (dev4 excludes per turn /
per text, not per conversation / question; see select_dev4.py).
Prints counts per type (and unsure spans) per dataset. Never prints text.

Usage: python check_dev4.py
"""
import collections
import glob
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import select_counsel_chat as sc  # noqa: E402
import select_dev4 as sd4  # noqa: E402
import select_esconv as se  # noqa: E402

HALF = "dev4"
FILES = {
    "esconv": ("esconv_dev4.selection.jsonl", "esconv_dev4.labels.jsonl"),
    "counsel_chat": ("counsel_chat_dev4.selection.jsonl", "counsel_chat_dev4.labels.jsonl"),
}
ROW_KEYS = {"esconv": {"dataset", "file", "line", "turn", "sha256", "half", "spans"},
            "counsel_chat": {"dataset", "row", "field", "sha256", "half", "spans"}}
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


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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


def other_files(prefix):
    """Every selection/label file of this dataset in this directory that is not dev4's."""
    own = set(FILES["esconv"]) | set(FILES["counsel_chat"])
    out = []
    for p in sorted(glob.glob(os.path.join(HERE, "*.jsonl"))):
        n = os.path.basename(p)
        if n in own or not (n.endswith(".selection.jsonl") or n.endswith(".labels.jsonl")):
            continue
        if n.startswith(prefix):
            out.append(n)
    return out


def main():
    errors = []
    es_expected, cc_expected, info = sd4.select_all()
    expected = {"esconv": es_expected, "counsel_chat": cc_expected}

    turns = se.load_turns()
    es_text = {(f, ln, t): x for f, ln, t, x in turns}
    rows_csv = sc.load_rows()

    # rows of every other half
    es_other = [n for n in other_files("esconv")]
    cc_other = [n for n in other_files("counsel_chat")]
    used_turns, used_conv = set(), collections.defaultdict(set)  # conversation -> halves
    for n in es_other:
        for r in read_jsonl(os.path.join(HERE, n)):
            if "line" in r:
                used_turns.add((r["file"], r["line"], r["turn"]))
                used_conv[(r["file"], r["line"])].add(r["half"])
    used_texts, used_qids = set(), collections.defaultdict(set)  # questionID -> halves
    for n in cc_other:
        for r in read_jsonl(os.path.join(HERE, n)):
            used_texts.add(rows_csv[r["row"]][r["field"]])
            used_qids[rows_csv[r["row"]]["questionID"]].add(r["half"])

    report = {}
    for ds, (sel_name, lab_name) in FILES.items():
        sel = read_jsonl(os.path.join(HERE, sel_name))
        rows = read_jsonl(os.path.join(HERE, lab_name))
        if sel != expected[ds]:
            errors.append(f"{sel_name} differs from select_dev4.py output")
        if [{k: v for k, v in r.items() if k != "spans"} for r in rows] != expected[ds]:
            errors.append(f"{lab_name}: rows differ from select_dev4.py selection")
        per_type, unsure = collections.Counter(), collections.Counter()
        seen, n_overlap_group = set(), collections.Counter()
        for r in rows:
            if set(r) != ROW_KEYS[ds] or r["dataset"] != ds:
                errors.append(f"{lab_name}: bad keys/dataset {sorted(r)}")
                continue
            if ds == "esconv":
                loc = (r["file"], r["line"], r["turn"])
                text = es_text.get(loc)
                if loc in used_turns:
                    errors.append(f"{lab_name} {loc}: turn already in another half")
                n_overlap_group["+".join(sorted(used_conv.get((r["file"], r["line"]), {"none"})))] += 1
            else:
                loc = (r["field"], r["row"])
                text = rows_csv[r["row"]][r["field"]] if 0 <= r["row"] < len(rows_csv) else None
                if text in used_texts:
                    errors.append(f"{lab_name} {loc}: text already in another half")
                halves = set()
                for x in rows_csv:
                    if x[r["field"]] == text:
                        halves |= used_qids.get(x["questionID"], set())
                n_overlap_group["+".join(sorted(halves or {"none"}))] += 1
            where = f"{lab_name} {loc}"
            if loc in seen:
                errors.append(f"{where}: duplicate")
            seen.add(loc)
            if r["half"] != HALF:
                errors.append(f"{where}: half is not {HALF}")
            if text is None:
                errors.append(f"{where}: no such text")
                continue
            if sha(text) != r["sha256"]:
                errors.append(f"{where}: sha256 mismatch")
            if not isinstance(r["spans"], list):
                errors.append(f"{where}: spans is not a list")
                continue
            check_spans(where, text, r["spans"], errors, per_type, unsure)
        report[ds] = (rows, per_type, unsure, n_overlap_group)

    print(info)
    print("compared against: " + ", ".join(es_other + cc_other))
    for ds, (rows, per_type, unsure, n_group) in report.items():
        n_pii = sum(1 for r in rows if r.get("spans"))
        group = "conversation" if ds == "esconv" else "questionID"
        print(f"{ds} {HALF}: rows {len(rows)}, rows with >=1 span {n_pii}, "
              f"spans {sum(per_type.values())}, unsure {sum(unsure.values())}")
        print(f"  rows by the other halves that have rows of the same {group}: "
              + ", ".join(f"{h} {n}" for h, n in sorted(n_group.items(), key=lambda x: (-x[1], x[0]))))
        print(f"  {'type':<15}{'identifier':<11}{'spans':>6}{'unsure':>8}")
        for t in sorted(per_type, key=lambda t: (-per_type[t], t)):
            print(f"  {t:<15}{IDENT[t]:<11}{per_type[t]:>6}{unsure[t]:>8}")
    if errors:
        print(f"{len(errors)} ERROR(S):")
        for e in errors[:50]:
            print("  " + e)
        sys.exit(1)
    print("OK: selection reproduced, sha256 match, spans valid, disjoint from every other half")


if __name__ == "__main__":
    main()
