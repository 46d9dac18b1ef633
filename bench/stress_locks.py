"""Lock races at volume (issue 27): contenders for one root's apply lock, a SIGKILLed holder's lock present.

    python bench/stress_locks.py                        # 210 local, 60 checkout and 60 S3 rounds (a few minutes)
    python bench/stress_locks.py --local 30 --checkout 9 --s3 9

Each round first forks a holder that takes the root's apply lock (`root_lock.holding`) and SIGKILLs itself while
holding it, as a killed apply does; then forks 2, 3 or 4 contenders (rounds cycle through them) released at one
instant (a barrier) to take the lock without waiting. A contender that gets it records when it held it
(CLOCK_MONOTONIC, one clock for the machine) and holds it 50 ms; the others are refused. A round has double holders
when two recorded intervals overlap; it errs when a contender raises something else, or a lock is left behind.

Local rounds use a scratch directory as the root; checkout rounds race one checkout's own apply lock
(`.releasebuild/apply.lock`, which every apply takes first); S3 rounds use moto's S3 server on loopback (as the
tests do), reached over HTTP through the production code path. moto checks a conditional write's precondition and
then writes, as two steps, on concurrent threads; S3 does both atomically, so the server here serializes
conditional requests (`releasebuild.testing.LocalS3Server`): what is measured is releasebuild's protocol, not
moto's.

Prints a table of rounds / holds / refused / double holders per backend and contender count; exit status 1 if any
round had double holders or errors.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from releasebuild.testing import LocalS3Server, LockRace, lock_race  # noqa: E402

CONTENDERS = (2, 3, 4)
BUCKET = "pixel-data"


def race(label: str, root_uri: str, scratch: Path, rounds: int,
         checkout: bool = False) -> list[tuple[str, int, LockRace, float]]:
    rows = []
    for contenders in CONTENDERS:
        share = rounds // len(CONTENDERS) + (1 if CONTENDERS.index(contenders) < rounds % len(CONTENDERS) else 0)
        if share == 0:
            continue
        started = time.monotonic()
        result = lock_race(root_uri, scratch / f"{label}-{contenders}", rounds=share, contenders=contenders,
                           checkout=checkout)
        rows.append((label, contenders, result, time.monotonic() - started))
    return rows


def table(rows: list[tuple[str, int, LockRace, float]]) -> str:
    lines = ["| root | contenders | rounds | holds | refused | double holders | errors | seconds |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for label, contenders, result, seconds in rows:
        lines.append(f"| {label} | {contenders} | {result.rounds} | {result.holds} | {result.refused} | "
                     f"{result.double_holders} | {len(result.errors)} | {seconds:.0f} |")
    total = [r for _, _, r, _ in rows]
    lines.append(f"| **all** | | {sum(r.rounds for r in total)} | {sum(r.holds for r in total)} | "
                 f"{sum(r.refused for r in total)} | {sum(r.double_holders for r in total)} | "
                 f"{sum(len(r.errors) for r in total)} | {sum(s for *_, s in rows):.0f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--local", type=int, default=210, help="rounds against a local root")
    parser.add_argument("--s3", type=int, default=60, help="rounds against an S3 root (moto on loopback)")
    parser.add_argument("--checkout", type=int, default=60, help="rounds against one checkout's apply lock")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        if args.local:
            rows += race("local", str(scratch / "root"), scratch, args.local)
        if args.checkout:
            rows += race("checkout", str(scratch / "checkout" / ".releasebuild"), scratch, args.checkout, checkout=True)
        if args.s3:
            server = LocalS3Server()
            try:
                server.serve_to_this_process(BUCKET)
                rows += race("s3", f"s3://{BUCKET}/exports", scratch, args.s3)
            finally:
                server.stop()
    print(table(rows))
    failed = False
    for _, _, result, _ in rows:
        for error in result.errors[:5]:
            print("ERROR:", error)
        failed = failed or bool(result.errors) or result.double_holders > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
