"""The stress command of issue 27: every hardening stress script in one run, then all their tables together.

    python bench/stress.py            # the volumes the issue asks for (about an hour on 2 cores)
    python bench/stress.py --quick    # a few trials of each, to see the command work (a few minutes)

It runs, each as its own process (a failure in one never hides the others' counts):

- `stress_inputs.py`: 2,000 mutations of the definition files and 5,000 of source rows (0 tracebacks);
- `stress_locks.py`: 330 lock-race rounds, local, checkout and S3 (0 double holders);
- `stress_crash.py`: 70 random SIGKILLs of apply (40 local, 30 S3) and 10 chosen local points (0 broken releases,
  0 non-identical rebuilds, 0 debris, 0 workers outliving apply);
- `stress_faults.py`: every fault class (corrupt blobs and entries, local and shared; damaged uploads; 5xx and
  resets) with byte-identical results or a clear error.

Each script prints its own table as it goes; at the end this command prints them again, one after another, and a
summary row per script. Exit status 1 when any script reports a failure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# script, its arguments at full volume, its arguments for --quick
SCRIPTS = (
    ("stress_inputs.py", [], ["--yaml", "40", "--rows", "100"]),
    ("stress_locks.py", [], ["--local", "6", "--checkout", "6", "--s3", "4"]),
    ("stress_crash.py", [], ["--local", "2", "--s3", "1", "--no-chosen"]),
    ("stress_faults.py", [], ["--trials", "1"]),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few trials of each script, not the full volumes")
    args = parser.parse_args()
    outputs: list[tuple[str, str, int, float]] = []
    for script, full, quick in SCRIPTS:
        command = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        print(f"== {' '.join(command[1:])}", flush=True)
        started = time.monotonic()
        lines = []
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
            assert process.stdout is not None
            for line in process.stdout:
                print(line, end="", flush=True)
                lines.append(line)
        outputs.append((script, "".join(lines), process.returncode, time.monotonic() - started))
    print("\n== every table again\n")
    for script, output, _, _ in outputs:
        table = [line for line in output.splitlines() if line.startswith("|")]
        print(f"{script}\n" + "\n".join(table or output.splitlines()[-12:]) + "\n")
    print("| script | exit | seconds |\n|---|---:|---:|")
    for script, _, returncode, seconds in outputs:
        print(f"| {script} | {returncode} | {seconds:.0f} |")
    return 1 if any(returncode for _, _, returncode, _ in outputs) else 0


if __name__ == "__main__":
    sys.exit(main())
