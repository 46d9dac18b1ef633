"""Crash safety at volume (issue 27): `apply` SIGKILLed at random moments while it replaces a published release.

    python bench/stress_crash.py                      # 40 local and 30 S3 random kills, plus the chosen points
    python bench/stress_crash.py --local 10 --s3 5 --seed 3

Each trial publishes release A to a fresh root, restores the checkout's cache as A's apply left it, runs
`python -m releasebuild apply` for release B in a subprocess and SIGKILLs that process alone (its pool workers must
follow it) at a moment drawn uniformly over an uninterrupted apply of B; then it checks the root as the kill left it
(the previous release verifies, or B does; on S3 the version may be un-committed while a journal names its staging;
plan does not call an unfinished root up to date), that no worker outlived the apply, that the next apply publishes
exactly what an uninterrupted apply of B publishes (release and restricted files), and that nothing is left
(staging, journals, retired copies, unlisted objects, the S3 lock object, step directories). The local root also runs
the chosen points: every file copy, directory switch and tree removal of the publish, one kill at each. S3 rounds
use moto's S3 server on loopback (as the tests do), reached over HTTP through the production code path. The harness
is `releasebuild.crashes`.

Prints a table of trials / partial or broken releases / non-identical rebuilds / leftover debris (and workers
outliving the apply, errors) per root and kind of kill; exit status 1 if any trial failed.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from releasebuild import crashes  # noqa: E402
from releasebuild.testing import LocalS3Server  # noqa: E402

BUCKET = "pixel-data"
# Chosen points of a local publish, one kill just before each (`releasebuild.crashes` die-at): staging copies, the
# first switch (journal written, nothing switched), the second (the new restricted set in place, the release not yet
# exchanged), the removal of the previous restricted set and of the old release's copy.
LOCAL_POINTS = (*(("copy", number) for number in range(1, 7)), ("switch", 1), ("switch", 2), ("rmtree", 1),
                ("rmtree", 4))
FINISHED_FIRST: dict[str, int] = {}  # random trials whose apply finished before the kill came (drawn again)


def run(label: str, scenario: crashes.Scenario, kills: int, rng: random.Random,
        chosen: bool) -> list[tuple[str, str, crashes.CrashTrial]]:
    trials = []
    if chosen:
        for operation, number in LOCAL_POINTS:
            trial = crashes.trial(scenario, f"{operation}-{number}", die_at=(operation, number))
            trials.append((label, "chosen", trial))
            print(label, trial, flush=True)
    estimate = scenario.seconds  # an apply of B on this machine: shortened whenever one finishes before its kill
    killed = attempts = 0
    while killed < kills and attempts < 3 * kills:
        delay = rng.uniform(0.2, 0.8 * estimate)
        trial = crashes.trial(scenario, f"random-{attempts:03d}", delay=delay)
        attempts += 1
        print(label, trial, flush=True)
        if not trial.killed and not trial.errors:  # finished first: not a kill, drawn again
            estimate = min(estimate, trial.seconds)
            FINISHED_FIRST[label] = FINISHED_FIRST.get(label, 0) + 1
            continue
        killed += 1
        trials.append((label, "random", trial))
    return trials


def table(trials: list[tuple[str, str, crashes.CrashTrial]]) -> str:
    lines = ["| root | kills | trials | partial or broken releases | non-identical rebuilds | "
             "leftover debris | workers outliving apply | errors |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    groups = sorted({(label, kind) for label, kind, _ in trials})
    for group in [*groups, ("**all**", "")]:
        rows = [t for label, kind, t in trials if (label, kind) == group or group[0] == "**all**"]
        counts = [len(rows), sum(t.broken for t in rows), sum(not t.identical for t in rows),
                  sum(bool(t.debris) for t in rows), sum(bool(t.workers_left) for t in rows),
                  sum(bool(t.errors) for t in rows)]
        lines.append(f"| {group[0]} | {group[1]} | " + " | ".join(map(str, counts)) + " |")
    return "\n".join(lines)


def _held(trials: list[tuple[str, str, crashes.CrashTrial]]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for label, _, trial in trials:
        state = trial.after_kill.split(" (")[0]
        counts[label, state] = counts.get((label, state), 0) + 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--local", type=int, default=40, help="random kills against a local root")
    parser.add_argument("--s3", type=int, default=30, help="random kills against an S3 root (moto on loopback)")
    parser.add_argument("--no-chosen", action="store_true", help="skip the local root's chosen points")
    parser.add_argument("--seed", type=int, default=27)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    trials = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        if args.local or not args.no_chosen:
            scenario = crashes.prepare(scratch / "local", str(scratch / "local" / "roots"))
            trials += run("local", scenario, args.local, rng, chosen=not args.no_chosen)
        if args.s3:
            server = LocalS3Server()
            try:
                server.serve_to_this_process(BUCKET)
                scenario = crashes.prepare(scratch / "s3", f"s3://{BUCKET}/crash")
                trials += run("s3", scenario, args.s3, rng, chosen=False)
            finally:
                server.stop()
    print(table(trials))
    print("after the kill the root held: " + ", ".join(
        f"{label} {state}: {count}" for (label, state), count in sorted(_held(trials).items())))
    print("finished before the kill (not counted, drawn again): " + (", ".join(
        f"{label} {count}" for label, count in sorted(FINISHED_FIRST.items())) or "none"))
    print(f"{time.monotonic() - started:.0f} s")
    failed = [trial for _, _, trial in trials if trial.failed]
    for trial in failed[:10]:
        print("FAILED:", trial)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
