#!/usr/bin/env python3
"""Score PII-detector predictions against a gold JSONL file (``tuning.jsonl`` / ``report.jsonl``).

    python evaluation/pii/score.py GOLD.jsonl PREDICTIONS.jsonl [--json]

``PREDICTIONS.jsonl`` has one line per text: ``{"id": "rep-00001", "spans": [[start, end, "TYPE"], ...]}`` (a
missing id counts as "no predictions").  The detector's own type labels are only used for the per-predicted-type
precision table; every headline number is type-agnostic.

Metrics (tokens are ``re.finditer(r"\\w+", text)``; a CJK run is one token):

* token precision / recall / F1: a gold token overlaps a gold span, a predicted token overlaps a predicted span;
  also recall over tokens of direct-identifier spans only and of quasi-identifier spans only;
* token recall per gold span type and per shape tag (for CLEAN shapes: the false-alarm rate instead);
* span recall: share of gold spans with every token covered (strict) / at least one token covered (partial);
* leak rate: among texts with at least one gold span, the share where some DIRECT span has a token no
  prediction covers;
* false-alarm rate: share of CLEAN texts (no gold spans) with any prediction overlapping a token;
* precision per predicted entity type: share of that type's predicted tokens that are gold tokens.

No dependency on the detector: import ``load`` and ``score`` or run this file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

TOKEN = re.compile(r"\w+")

Prediction = Sequence[Any]  # (start, end, entity_type) or {"start":..., "end":..., "type":...}


def load(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSON Lines file (gold examples or predictions) into a list of dicts."""
    rows: list[dict[str, Any]] = []
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _triple(pred: Prediction | dict[str, Any]) -> tuple[int, int, str]:
    if isinstance(pred, dict):
        return int(pred["start"]), int(pred["end"]), str(pred.get("type", pred.get("entity_type", "")))
    start, end = int(pred[0]), int(pred[1])
    return start, end, str(pred[2]) if len(pred) > 2 else ""


def _tokens_overlapping(tokens: list[tuple[int, int]], start: int, end: int) -> set[int]:
    return {i for i, (a, b) in enumerate(tokens) if a < end and start < b}


class _Recall:
    """Counts covered / total for one bucket."""

    def __init__(self) -> None:
        self.total = 0
        self.covered = 0

    def add(self, gold: set[int], pred: set[int]) -> None:
        self.total += len(gold)
        self.covered += len(gold & pred)

    def as_dict(self) -> dict[str, Any]:
        return {"gold_tokens": self.total, "covered": self.covered, "recall": _ratio(self.covered, self.total)}


def score(examples: Sequence[dict[str, Any]], predictions: Sequence[Iterable[Prediction]]) -> dict[str, Any]:
    """Score ``predictions[i]`` (a list of ``(start, end, entity_type)``) against ``examples[i]``."""
    if len(examples) != len(predictions):
        raise ValueError(f"{len(examples)} examples but {len(predictions)} prediction lists")
    tp = fp = fn = 0
    direct, quasi = _Recall(), _Recall()
    by_type: dict[str, _Recall] = defaultdict(_Recall)
    by_shape: dict[str, _Recall] = defaultdict(_Recall)
    shape_texts: dict[str, int] = defaultdict(int)
    shape_clean: dict[str, int] = defaultdict(int)
    shape_alarms: dict[str, int] = defaultdict(int)
    spans_total = spans_strict = spans_partial = 0
    span_by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    pii_texts = leaked = clean_texts = alarms = 0
    pred_type_tokens: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    for ex, preds in zip(examples, predictions, strict=True):
        text = ex["text"]
        tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
        pred_tokens: set[int] = set()
        pred_by_type: dict[str, set[int]] = defaultdict(set)
        for p in preds:
            start, end, typ = _triple(p)
            covered = _tokens_overlapping(tokens, start, end)
            pred_tokens |= covered
            pred_by_type[typ] |= covered

        gold_tokens: set[int] = set()
        direct_tokens: set[int] = set()
        quasi_tokens: set[int] = set()
        type_tokens: dict[str, set[int]] = defaultdict(set)
        leak = False
        for span in ex["spans"]:
            toks = _tokens_overlapping(tokens, int(span["start"]), int(span["end"]))
            gold_tokens |= toks
            type_tokens[span["type"]] |= toks
            is_direct = span.get("identifier") == "direct"
            (direct_tokens if is_direct else quasi_tokens).update(toks)
            hit = toks & pred_tokens
            spans_total += 1
            strict, partial = int(bool(toks) and hit == toks), int(bool(hit))
            spans_strict += strict
            spans_partial += partial
            counts = span_by_type[span["type"]]
            counts[0] += 1
            counts[1] += strict
            counts[2] += partial
            if is_direct and toks - pred_tokens:
                leak = True

        tp += len(gold_tokens & pred_tokens)
        fp += len(pred_tokens - gold_tokens)
        fn += len(gold_tokens - pred_tokens)
        direct.add(direct_tokens, pred_tokens)
        quasi.add(quasi_tokens, pred_tokens)
        for typ, toks in type_tokens.items():
            by_type[typ].add(toks, pred_tokens)
        for shape in ex.get("shapes", []):
            shape_texts[shape] += 1
            by_shape[shape].add(gold_tokens, pred_tokens)
            if not ex["spans"]:
                shape_clean[shape] += 1
                shape_alarms[shape] += int(bool(pred_tokens))
        if ex["spans"]:
            pii_texts += 1
            leaked += int(leak)
        else:
            clean_texts += 1
            alarms += int(bool(pred_tokens))
        for typ, toks in pred_by_type.items():
            pred_type_tokens[typ][0] += len(toks)
            pred_type_tokens[typ][1] += len(toks & gold_tokens)

    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    shapes: dict[str, Any] = {}
    for shape in sorted(shape_texts):
        entry = {"texts": shape_texts[shape], **by_shape[shape].as_dict()}
        if shape_clean[shape]:
            entry.update(clean_texts=shape_clean[shape], false_alarms=shape_alarms[shape],
                         false_alarm_rate=_ratio(shape_alarms[shape], shape_clean[shape]))
        shapes[shape] = entry
    return {
        "n_texts": len(examples),
        "n_clean_texts": clean_texts,
        "tokens": {
            "all": {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1},
            "direct": direct.as_dict(),
            "quasi": quasi.as_dict(),
        },
        "recall_by_type": {typ: by_type[typ].as_dict() for typ in sorted(by_type)},
        "recall_by_shape": shapes,
        "span_recall": {
            "spans": spans_total,
            "strict": _ratio(spans_strict, spans_total),
            "partial": _ratio(spans_partial, spans_total),
            "by_type": {
                typ: {"spans": c[0], "strict": _ratio(c[1], c[0]), "partial": _ratio(c[2], c[0])}
                for typ, c in sorted(span_by_type.items())
            },
        },
        "leak_rate": {"texts_with_pii": pii_texts, "leaked": leaked, "rate": _ratio(leaked, pii_texts)},
        "false_alarm_rate": {"clean_texts": clean_texts, "flagged": alarms, "rate": _ratio(alarms, clean_texts)},
        "precision_by_predicted_type": {
            typ: {"tokens": c[0], "gold": c[1], "precision": _ratio(c[1], c[0])}
            for typ, c in sorted(pred_type_tokens.items())
        },
    }


def align(examples: Sequence[dict[str, Any]], prediction_rows: Sequence[dict[str, Any]]) -> tuple[list[Any], int, int]:
    """Prediction lists in gold order; returns (lists, ids missing from predictions, unknown prediction ids)."""
    by_id = {row["id"]: row.get("spans", []) for row in prediction_rows}
    gold_ids = {ex["id"] for ex in examples}
    missing = sum(1 for ex in examples if ex["id"] not in by_id)
    unknown = sum(1 for pid in by_id if pid not in gold_ids)
    return [by_id.get(ex["id"], []) for ex in examples], missing, unknown


def _pct(x: float | None) -> str:
    return "     -" if x is None else f"{100 * x:6.1f}"


def format_report(result: dict[str, Any]) -> str:
    """A readable table of ``score``'s result."""
    t = result["tokens"]
    a = t["all"]
    out = [
        f"texts {result['n_texts']}  (clean {result['n_clean_texts']})",
        "",
        "TOKENS (type-agnostic)        tp      fp      fn      P%      R%     F1%",
        f"  all identifiers      {a['tp']:8d}{a['fp']:8d}{a['fn']:8d}  {_pct(a['precision'])}  {_pct(a['recall'])}"
        f"  {_pct(a['f1'])}",
        f"  direct only (recall)  {t['direct']['covered']:7d} / {t['direct']['gold_tokens']:<7d}"
        f"         {_pct(t['direct']['recall'])}",
        f"  quasi only (recall)   {t['quasi']['covered']:7d} / {t['quasi']['gold_tokens']:<7d}"
        f"         {_pct(t['quasi']['recall'])}",
        "",
        f"SPANS  {result['span_recall']['spans']}  strict recall {_pct(result['span_recall']['strict'])}%"
        f"  partial recall {_pct(result['span_recall']['partial'])}%",
        f"LEAK RATE    {_pct(result['leak_rate']['rate'])}%  ({result['leak_rate']['leaked']} of "
        f"{result['leak_rate']['texts_with_pii']} texts with PII leave a direct identifier token uncovered)",
        f"FALSE ALARMS {_pct(result['false_alarm_rate']['rate'])}%  ({result['false_alarm_rate']['flagged']} of "
        f"{result['false_alarm_rate']['clean_texts']} clean texts flagged)",
        "",
        "RECALL BY GOLD TYPE      tokens  token R%   spans  strict%  partial%",
    ]
    spans_by_type = result["span_recall"]["by_type"]
    for typ, r in result["recall_by_type"].items():
        s = spans_by_type.get(typ, {"spans": 0, "strict": None, "partial": None})
        out.append(f"  {typ:<20}{r['gold_tokens']:8d}   {_pct(r['recall'])}  {s['spans']:6d}   {_pct(s['strict'])}"
                   f"   {_pct(s['partial'])}")
    out += ["", "BY SHAPE                              texts  tokens  token R%  false-alarm% (clean)"]
    for shape, r in result["recall_by_shape"].items():
        fa = f"{_pct(r['false_alarm_rate'])} ({r['false_alarms']}/{r['clean_texts']})" if "clean_texts" in r else ""
        rec = _pct(r["recall"]) if r["gold_tokens"] else "      "
        out.append(f"  {shape:<34}{r['texts']:7d}{r['gold_tokens']:8d}    {rec}  {fa}")
    out += ["", "PRECISION BY PREDICTED TYPE   tokens   gold   P%"]
    for typ, r in result["precision_by_predicted_type"].items():
        out.append(f"  {typ or '(none)':<26}{r['tokens']:8d}{r['gold']:7d}  {_pct(r['precision'])}")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold", type=Path)
    ap.add_argument("predictions", type=Path)
    ap.add_argument("--json", action="store_true", help="print the full result as JSON instead of a table")
    args = ap.parse_args(argv)
    examples = load(args.gold)
    preds, missing, unknown = align(examples, load(args.predictions))
    if missing or unknown:
        print(f"warning: {missing} gold ids without predictions (scored as empty), {unknown} unknown prediction ids",
              file=sys.stderr)
    result = score(examples, preds)
    print(json.dumps(result, indent=2) if args.json else format_report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
