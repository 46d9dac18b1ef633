#!/usr/bin/env python3
"""Validate the "dev5" and "report2" halves: esconv_dev5.selection.jsonl and
counsel_chat_dev5.selection.jsonl (both halves) and, per half, the label files
esconv_{half}.labels.jsonl / counsel_chat_{half}.labels.jsonl that exist (a missing
label file is reported and skipped; dev5 must have both).

Checks: the two selection files equal the output of select_dev5.py; for each existing
label file, its rows without "spans" equal the selection rows of that half, in order;
every sha256 matches the text re-read from /work/shared/data/... (which stays outside the
project); spans lie inside the text, have start < end, no surrounding whitespace, do not
overlap, use a known type with the right identifier class; "unsure" is true when present;
no other keys (no text).
Disjointness, read directly from every EARLIER *.selection.jsonl / *.labels.jsonl in this
directory (found by glob; the files of this selection -- *_dev5.selection.jsonl,
*_dev5.labels.jsonl, *_report2.labels.jsonl -- are not earlier): no ESConv turn
(file, line, turn) and no CounselChat text (compared as text, so a repeated text in
another CSV row counts) of either half occurs in any of them; and no locator is in both
halves. Informational: per half, how many rows share their ESConv conversation / CounselChat
questionID with rows of an earlier half, and which halves ("none" = no earlier half).
Prints counts per type (and unsure spans) per dataset and half. Never prints text.

Usage: python check_dev5.py
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
import select_dev5 as sd5  # noqa: E402
import select_esconv as se  # noqa: E402

HALVES = ("dev5", "report2")
MUST_EXIST = {"dev5"}
SELECTION = {"esconv": "esconv_dev5.selection.jsonl", "counsel_chat": "counsel_chat_dev5.selection.jsonl"}
OWN = set(SELECTION.values()) | {f"{ds}_{h}.labels.jsonl" for ds in SELECTION for h in HALVES}
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
        if not isinstance(s, dict) or not set(s) <= SPAN_KEYS \
                or not {"start", "end", "type", "identifier"} <= set(s):
            errors.append(f"{where}: bad span keys")
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


def earlier_files(prefix):
    """Every selection/label file of this dataset in this directory made before this selection."""
    out = []
    for p in sorted(glob.glob(os.path.join(HERE, "*.jsonl"))):
        n = os.path.basename(p)
        if n in OWN or not (n.endswith(".selection.jsonl") or n.endswith(".labels.jsonl")):
            continue
        if n.endswith("_dev5.labels.jsonl") or n.endswith("_report2.labels.jsonl") \
                or n.endswith("_dev5.selection.jsonl"):
            continue
        if n.startswith(prefix + ".") or n.startswith(prefix + "_"):
            out.append(n)
    return out


def main():
    errors, notes = [], []
    es_expected, cc_expected, info = sd5.select_all()
    expected = {"esconv": es_expected, "counsel_chat": cc_expected}

    es_text = {(f, ln, t): x for f, ln, t, x in se.load_turns()}
    rows_csv = sc.load_rows()

    # rows of every earlier half
    es_earlier, cc_earlier = earlier_files("esconv"), earlier_files("counsel_chat")
    used_turns, used_conv = set(), collections.defaultdict(set)  # (file, line) -> halves
    for n in es_earlier:
        for r in read_jsonl(os.path.join(HERE, n)):
            if "line" in r:  # FailedESConv rows (dev3) use "conversation": another source file
                used_turns.add((r["file"], r["line"], r["turn"]))
                used_conv[(r["file"], r["line"])].add(r["half"])
    used_texts, used_qids = set(), collections.defaultdict(set)  # questionID -> halves
    for n in cc_earlier:
        for r in read_jsonl(os.path.join(HERE, n)):
            used_texts.add(rows_csv[r["row"]][r["field"]])
            used_qids[rows_csv[r["row"]]["questionID"]].add(r["half"])

    selection = {}
    for ds, name in SELECTION.items():
        sel = read_jsonl(os.path.join(HERE, name))
        if sel != expected[ds]:
            errors.append(f"{name} differs from select_dev5.py output")
        if any(r.get("half") not in HALVES for r in sel):
            errors.append(f"{name}: a row has a half other than {HALVES}")
        locs = [(r.get("file"), r.get("line"), r.get("turn")) if ds == "esconv" else (r.get("field"), r.get("row"))
                for r in sel]
        if len(set(locs)) != len(locs):
            errors.append(f"{name}: a locator occurs twice (within or across halves)")
        selection[ds] = sel

    report = {}
    for half in HALVES:
        for ds in SELECTION:
            lab_name = f"{ds}_{half}.labels.jsonl"
            path = os.path.join(HERE, lab_name)
            if not os.path.exists(path):
                (errors if half in MUST_EXIST else notes).append(f"{lab_name}: missing, skipped")
                continue
            rows = read_jsonl(path)
            want = [r for r in selection[ds] if r.get("half") == half]
            if [{k: v for k, v in r.items() if k != "spans"} for r in rows] != want:
                errors.append(f"{lab_name}: rows (without spans) differ from the {half} rows of {SELECTION[ds]}")
            per_type, unsure = collections.Counter(), collections.Counter()
            seen, n_group = set(), collections.Counter()
            for r in rows:
                if set(r) != ROW_KEYS[ds] or r.get("dataset") != ds:
                    errors.append(f"{lab_name}: bad keys/dataset {sorted(r)}")
                    continue
                if ds == "esconv":
                    loc = (r["file"], r["line"], r["turn"])
                    text = es_text.get(loc)
                    if loc in used_turns:
                        errors.append(f"{lab_name} {loc}: turn already in an earlier half")
                    n_group["+".join(sorted(used_conv.get((r["file"], r["line"]), {"none"})))] += 1
                else:
                    loc = (r["field"], r["row"])
                    ok_row = isinstance(r["row"], int) and 0 <= r["row"] < len(rows_csv) \
                        and r["field"] in ("questionText", "answerText")
                    text = rows_csv[r["row"]][r["field"]] if ok_row else None
                    if text is not None and text in used_texts:
                        errors.append(f"{lab_name} {loc}: text already in an earlier half")
                    halves = set()
                    if text is not None:
                        for x in rows_csv:
                            if x[r["field"]] == text:
                                halves |= used_qids.get(x["questionID"], set())
                    n_group["+".join(sorted(halves or {"none"}))] += 1
                where = f"{lab_name} {loc}"
                if loc in seen:
                    errors.append(f"{where}: duplicate")
                seen.add(loc)
                if r["half"] != half:
                    errors.append(f"{where}: half is not {half}")
                if text is None:
                    errors.append(f"{where}: no such text")
                    continue
                if sha(text) != r["sha256"]:
                    errors.append(f"{where}: sha256 mismatch")
                if not isinstance(r["spans"], list):
                    errors.append(f"{where}: spans is not a list")
                    continue
                check_spans(where, text, r["spans"], errors, per_type, unsure)
            report[(half, ds)] = (rows, per_type, unsure, n_group)

    print(info)
    print("compared against: " + ", ".join(es_earlier + cc_earlier))
    for (half, ds), (rows, per_type, unsure, n_group) in report.items():
        n_pii = sum(1 for r in rows if r.get("spans"))
        group = "conversation" if ds == "esconv" else "questionID"
        n_shared = sum(n for h, n in n_group.items() if h != "none")
        print(f"{ds} {half}: rows {len(rows)}, rows with >=1 span {n_pii}, "
              f"spans {sum(per_type.values())}, unsure {sum(unsure.values())}")
        print(f"  rows sharing their {group} with an earlier half: {n_shared} of {len(rows)} ("
              + ", ".join(f"{h} {n}" for h, n in sorted(n_group.items(), key=lambda x: (-x[1], x[0]))) + ")")
        print(f"  {'type':<15}{'identifier':<11}{'spans':>6}{'unsure':>8}")
        for t in sorted(per_type, key=lambda t: (-per_type[t], t)):
            print(f"  {t:<15}{IDENT[t]:<11}{per_type[t]:>6}{unsure[t]:>8}")
    for n in notes:
        print("note: " + n)
    if errors:
        print(f"{len(errors)} ERROR(S):")
        for e in errors[:50]:
            print("  " + e)
        sys.exit(1)
    print("OK: selection reproduced, label rows match, sha256 match, spans valid, "
          "disjoint from every earlier half")


if __name__ == "__main__":
    main()
