"""Speed of dedup: the fingerprint parts on one synthetic family, then the dedup stage through `apply`.

    python bench/dedup_speed.py [--sizes 20000] [--out DIR] [--edits 5]
    python bench/dedup_speed.py --sizes 20000,100000      # the bigger run (~10 min more on 2 cores)

The data is bench/synth.py's five-family release (seeded; privacy in `patterns_only`), written to a scratch
directory (default: a temporary one), with `--near-duplicates` (default 1 %) of each family's records overwritten
by a copy of a random record of any family with one word replaced, so the gate has near pairs to confirm and
records to remove (synth.py's own texts have none). For each size:

First table, in this process, on the `priority` family's conversations (N/5 of them): `fingerprint()` (normalize,
word 5-gram shingle hashes for the conversation, user and assistant texts, turn-pair hashes), `signatures()` per
kind (datasketch MinHash, 128 permutations), `band_keys()`, and a within-family near-pair search
(`near_pairs`: LSH candidates, each confirmed by exact Jaccard) at the gate's conversation banding. Then the
`<family>/fingerprint` step's own rate from the engine runs below (its seconds as `apply` reports them).

Second table, `releasebuild.api.apply` on the release, one row per run:
- cold: `.releasebuild/`, `build/` and `release.lock` deleted first;
- no-op: nothing changed (every step cached);
- dedup threshold edit: `gates: dedup: {threshold: 0.85}` added to release.yaml; no fingerprint changes, so
  `release/dedup` re-runs and takes every family pair's near pairs from its memo (its conversation banding is
  set by the leakage threshold, 0.6, which did not change);
- one family changed: the first message of `--edits` records of `cot_reasoning` (spread over its second file)
  gets a sentence appended: that family's ingest, privacy and fingerprint re-run (fingerprint reusing the
  signatures of unchanged texts), and `release/dedup` searches only the family pairs that involve it.
Columns: the apply's wall time, the fingerprint steps' seconds summed over the families that ran (they run in
parallel, two at a time on this machine), `release/dedup`'s seconds, and the steps' own stats.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EDITED_FAMILY = "cot_reasoning"
MICRO_FAMILY = "priority"


def micro(release: Path) -> list[tuple[str, int, float, str]]:
    """(what, items, seconds, note) for the fingerprint parts on one family's conversations."""
    from releasebuild.dedup.minhash import band_keys, signatures
    from releasebuild.dedup.near import MemoryFingerprints, Settings, fingerprint, near_pairs
    from releasebuild.gates.dedup import DedupGateConfig
    from releasebuild.gates.leakage import LeakageGateConfig

    settings = DedupGateConfig().settings(LeakageGateConfig().threshold)
    docs = []
    for path in sorted((release / "data" / MICRO_FAMILY).glob("part-*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            docs += [{"id": row["answer_id"], "messages": row["messages"]} for row in map(json.loads, fh)]
    rows = []
    started = time.perf_counter()
    prints = [fingerprint(doc["id"], doc["messages"], settings) for doc in docs]
    rows.append(("fingerprint(): normalize + shingle 3 kinds", len(docs), time.perf_counter() - started,
                 "records"))
    for kind in settings.kinds:
        shingles = [shingle_set[kind] for _, shingle_set in prints]
        started = time.perf_counter()
        sigs = signatures(shingles, settings.num_perm, settings.seed)
        rows.append((f"signatures(): {kind}", len(docs), time.perf_counter() - started,
                     f"signatures, {np.mean([len(s) for s in shingles]):.0f} shingles each"))
        bands, band_rows = settings.bands[kind]
        started = time.perf_counter()
        band_keys(sigs, bands, band_rows)
        rows.append((f"band_keys(): {kind}, {bands}x{band_rows}", len(docs), time.perf_counter() - started, "rows"))
    one_kind = Settings(settings.rules, settings.num_perm, settings.seed, ("conversation",),
                        {"conversation": settings.thresholds["conversation"]}, settings.turn_pair_min_tokens)
    memory = MemoryFingerprints(docs, one_kind)
    started = time.perf_counter()
    found = near_pairs(memory, None, "conversation", settings.thresholds["conversation"])
    bands, band_rows = settings.bands["conversation"]
    rows.append((f"near_pairs() within the family, J >= {settings.thresholds['conversation']} ({bands}x{band_rows})",
                 len(docs), time.perf_counter() - started, f"records, {len(found)} pairs confirmed"))
    return rows


def edit_records(release: Path, family: str, count: int) -> list[str]:
    """Append a sentence to the first message of `count` records spread over the family's second file."""
    import synth

    shape = next(s for s in synth.FAMILIES if s.name == family)
    path = synth.family_files(release, family)[synth.EDITED_FILE]
    lines = path.read_text(encoding="utf-8").splitlines()
    edited = []
    for k in range(count):
        index = (k + 1) * len(lines) // (count + 1)
        row = json.loads(lines[index])
        row[shape.turns_field][0][shape.content_key] += f" Edited for the dedup benchmark, change number {k}."
        lines[index] = json.dumps(row, ensure_ascii=False)
        edited.append(str(row.get("case_id", index)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return edited


def add_near_duplicates(release: Path, share: float, seed: int = 1) -> int:
    """Overwrite `share` of each family's records with a copy of another record (any family, mapped to this
    family's layout) with one word replaced: near duplicates (Jaccard ~0.9-0.99) within and across families, so
    the gate confirms pairs and removes records, as it would on real data."""
    import random

    import synth

    rng = random.Random(seed)
    files = {shape.name: synth.family_files(release, shape.name) for shape in synth.FAMILIES}
    rows = {name: [[json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] for path in paths]
            for name, paths in files.items()}
    everything = [(shape, row) for shape in synth.FAMILIES for part in rows[shape.name] for row in part]
    copies = 0
    for shape in synth.FAMILIES:
        targets = [row for part in rows[shape.name] for row in part]
        for target in rng.sample(targets, int(len(targets) * share)):
            source_shape, source = rng.choice(everything)
            contents = [turn[source_shape.content_key] for turn in source[source_shape.turns_field]]
            turn = rng.randrange(len(contents))
            words = contents[turn].split()
            words[rng.randrange(len(words))] = "duplicated"
            contents[turn] = " ".join(words)
            target[shape.turns_field] = [{shape.role_key: shape.roles[k % 2], shape.content_key: text}
                                         for k, text in enumerate(contents)]
            copies += 1
        for path, part in zip(files[shape.name], rows[shape.name], strict=True):
            path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in part), encoding="utf-8")
    return copies


def removed_counts(release: Path) -> dict[str, int]:
    report = json.loads(next((release / "build").glob("releases/*/gates/dedup.json")).read_text())
    totals: dict[str, int] = {}
    for family in report["families"]:
        for code, count in family["removed_by"].items():
            totals[code] = totals.get(code, 0) + count
    return totals


def set_dedup_threshold(release: Path, threshold: float) -> None:
    path = release / "release.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  dedup:" not in text
    path.write_text(text.replace("gates:\n", f"gates:\n  dedup: {{threshold: {threshold}}}\n", 1), encoding="utf-8")


def apply_run(release: Path, name: str) -> dict[str, Any]:
    from releasebuild import api

    started = time.perf_counter()
    report = api.apply(release / "release.yaml").to_json()
    wall = time.perf_counter() - started
    if not report["published"]:
        raise SystemExit(f"{name}: apply did not publish: {report['error']}")
    steps = {step["id"]: step for step in report["steps"]}
    ran = {sid: step for sid, step in steps.items() if step["status"] == "ran"}
    prints = {sid: step for sid, step in ran.items() if sid.endswith("/fingerprint")}
    dedup = ran.get("release/dedup")
    stats: dict[str, int] = {}
    for step in prints.values():
        for key, value in (step.get("stats") or {}).items():
            stats[key] = stats.get(key, 0) + value
    stats.update((dedup or {}).get("stats") or {})
    return {"run": name, "wall": wall, "removed": removed_counts(release), "ran": len(ran),
            "cached": report["summary"]["cached"],
            "fingerprint_steps": len(prints), "fingerprint_s": sum(s["seconds"] for s in prints.values()),
            "fingerprint_by_family": {sid.split("/")[0]: s["seconds"] for sid, s in prints.items()},
            "dedup_s": dedup["seconds"] if dedup else 0.0, "dedup_ran": dedup is not None, "stats": stats}


def run_size(size: int, out: Path, edits: int, near_share: float) -> tuple[list[tuple[str, int, float, str]],
                                                                         list[dict[str, Any]], int]:
    import synth

    release = out / f"n{size}"
    if release.exists():
        shutil.rmtree(release)
    counts = synth.generate(release, size)
    copies = add_near_duplicates(release, near_share)
    micro_rows = micro(release)
    runs = [apply_run(release, "cold")]
    runs.append(apply_run(release, "no-op (unchanged)"))
    set_dedup_threshold(release, 0.85)
    runs.append(apply_run(release, "dedup threshold edit"))
    edit_records(release, EDITED_FAMILY, edits)
    runs.append(apply_run(release, f"one family changed ({edits} records)"))
    cold = runs[0]
    per_family = counts[EDITED_FAMILY]
    micro_rows.append((f"{EDITED_FAMILY}/fingerprint step, cold", per_family,
                       cold["fingerprint_by_family"][EDITED_FAMILY], "records (step seconds from apply)"))
    micro_rows.append((f"{EDITED_FAMILY}/fingerprint step, {edits} records edited", per_family,
                       runs[-1]["fingerprint_by_family"].get(EDITED_FAMILY, float("nan")),
                       "records (step seconds from apply)"))
    for run in runs:
        run["size"] = size
    return micro_rows, runs, copies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000", help="comma-separated conversation counts (five families)")
    parser.add_argument("--out", type=Path, help="scratch directory (default: a temporary one, removed after)")
    parser.add_argument("--edits", type=int, default=5, help="records edited in the one-family-changed run")
    parser.add_argument("--near-duplicates", type=float, default=0.01,
                        help="share of each family's records overwritten by a near copy of another record")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    sizes = [int(part) for part in args.sizes.split(",")]
    scratch = Path(tempfile.mkdtemp(prefix="dedup-speed-")) if args.out is None else args.out.absolute()
    scratch.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for size in sizes:
            micro_rows, runs, copies = run_size(size, scratch, args.edits, args.near_duplicates)
            results.append({"size": size, "near_copies": copies, "micro": micro_rows, "runs": runs})
    finally:
        if args.out is None:
            shutil.rmtree(scratch, ignore_errors=True)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"dedup speed ({os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {load})\n")
    print(f"{'size':>7}  {'what':62} {'items':>6} {'seconds':>8} {'per s':>8}  unit")
    for result in results:
        for what, items, seconds, unit in result["micro"]:
            print(f"{result['size']:7,}  {what:62} {items:6,} {seconds:8.3f} {items / seconds:8,.0f}  {unit}")
    print()
    print(f"{'size':>7}  {'run':30} {'apply s':>7} {'ran':>4} {'cached':>6} {'fp steps':>8} {'fp s':>6} "
          f"{'dedup s':>7} {'fp+dedup s':>10} {'sigs computed':>13} {'sigs reused':>11} {'pairs searched':>14} "
          f"{'pairs reused':>12}  removed (exact / near)")
    for result in results:
        for run in result["runs"]:
            stats = run["stats"]
            dedup = f"{run['dedup_s']:7.2f}" if run["dedup_ran"] else f"{'cached':>7}"
            print(f"{run['size']:7,}  {run['run']:30} {run['wall']:7.2f} {run['ran']:4d} {run['cached']:6d} "
                  f"{run['fingerprint_steps']:8d} {run['fingerprint_s']:6.2f} {dedup} "
                  f"{run['fingerprint_s'] + run['dedup_s']:10.2f} {stats.get('signatures_computed', 0):13,} "
                  f"{stats.get('signatures_reused', 0):11,} {stats.get('family_pairs_searched', 0):14,} "
                  f"{stats.get('family_pairs_reused', 0):12,}  {run['removed'].get('exact_duplicate', 0):,} / "
                  f"{run['removed'].get('near_duplicate', 0):,}")
        print(f"{'':7}  ({result['near_copies']:,} near copies planted)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
