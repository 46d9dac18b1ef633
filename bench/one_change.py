"""Where a one-message change spends its time: `python bench/one_change.py [--size 100000] [--edits 4]
[--work DIR] [--fresh]`.

Issue 28's target is one message changed at 100k in at most 2 s, end to end. bench/run.py measures that once per
size, among many scenarios; this command repeats only it, on a workspace it keeps (a cold 100k build costs about
two minutes, so later runs reuse it unless --fresh), and prints what each run spent per step. Each edit changes
one message of one `cot_reasoning` record (bench/synth.py), then times `releasebuild apply --json` as a user runs
it. The table lists every step that ran, its seconds in each run and their median, the run's wall time and its
peak RSS; steps overlap on the worker pool, so the wall time is not their sum. The rest of the wall time is the
driver's: imports, key evaluation, blob checks and publishing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

import run
import synth


def build(work: Path, size: int) -> None:
    """A fresh workspace of `size` conversations, applied once cold."""
    shutil.rmtree(work, ignore_errors=True)
    started = time.perf_counter()
    synth.generate(work, size)
    print(f"generated {size:,} conversations in {time.perf_counter() - started:.1f}s", flush=True)
    m, document = run.releasebuild("apply", work / "release.yaml", work / "logs" / "cold")
    run.check_apply("cold apply", m, document)
    print(f"cold apply {m.seconds:.1f}s, peak RSS {m.peak_rss_mb:.0f} MB", flush=True)


def edit_and_apply(work: Path, index: int) -> run.Row:
    where = synth.edit_one_record(work, run.EDITED_FAMILY)
    m, document = run.releasebuild("apply", work / "release.yaml", work / "logs" / f"edit-{index}")
    run.check_apply("one message changed", m, document)
    run.check_local_change("one message changed", document, run.EDITED_FAMILY, must_cache=["split"])
    print(f"edit {index} at {where}: {m.seconds:.2f}s, {len(run.ran_ids(document))} steps ran", flush=True)
    return run.row(0, "one message changed", m, document, 1)


def table(rows: list[run.Row]) -> str:
    steps = sorted({step for r in rows for step in r.step_seconds},
                   key=lambda s: -statistics.median(r.step_seconds.get(s, 0.0) for r in rows))
    runs = [f"run {i + 1}" for i in range(len(rows))]
    body = [[step, *(f"{r.step_seconds[step]:.2f}" if step in r.step_seconds else "-" for r in rows),
             f"{statistics.median(r.step_seconds.get(step, 0.0) for r in rows):.2f}"] for step in steps]
    body.append(["wall time (apply, end to end)", *(f"{r.seconds:.2f}" for r in rows),
                 f"{statistics.median(r.seconds for r in rows):.2f}"])
    body.append(["peak RSS of one process, MB", *(f"{r.peak_rss_mb:.0f}" for r in rows),
                 f"{statistics.median(r.peak_rss_mb for r in rows):.0f}"])
    return run.format_table(["step (seconds as apply --json reports them)", *runs, "median"], body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="conversations in the release")
    parser.add_argument("--edits", type=int, default=4, help="one-message edits to time, one after another")
    parser.add_argument("--work", type=Path, help="workspace (default: bench/out/one-change-n<size>)")
    parser.add_argument("--fresh", action="store_true", help="generate and build the workspace even if it exists")
    args = parser.parse_args()
    out = Path(__file__).parent / "out"
    work = (args.work or out / f"one-change-n{args.size}").absolute()
    run.use_bytecode_cache(out.absolute())
    try:
        if args.fresh or not (work / "build" / "releases" / synth.VERSION / "manifest.json").exists():
            build(work, args.size)
        rows = [edit_and_apply(work, i + 1) for i in range(args.edits)]
    except run.ScenarioFailed as exc:
        print(f"FAILED {exc}", file=sys.stderr)
        return 1
    print(f"\none message changed at {args.size:,} conversations ({work})\n")
    print(table(rows))
    (work / "one_change.json").write_text(json.dumps([r.step_seconds | {"wall": r.seconds} for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
