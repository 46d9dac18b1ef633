"""Where a one-message change spends its time: `python bench/one_change.py [--size 100000] [--edits 4]
[--work DIR] [--fresh] [--against CHECKOUT] [--server]`.

Issue 28's target is one message changed at 100k in at most 2 s, end to end. bench/run.py measures that once per
size, among many scenarios; this command repeats only it, on a workspace it keeps (a cold 100k build costs about
two minutes, so later runs reuse it unless --fresh), and prints what each run spent per step. Each edit changes
one message of one `cot_reasoning` record (bench/synth.py), then times `releasebuild apply --json` as a user runs
it. The table lists every step that ran, its median seconds, the run's wall time and its peak RSS; steps overlap
on the worker pool, so the wall time is not their sum. The rest of the wall time is the driver's: imports, key
evaluation, blob checks and publishing.

With --against, another checkout of releasebuild (an older commit, say: `git worktree add /tmp/ref <commit>`) is
measured side by side in the same run: it gets a workspace of its own (`<work>-against`, same data), and the edits
alternate between the two, so both see the same machine at the same moments. With --server, this checkout is
measured once more, side by side in the same way, served by a warm server (`releasebuild server start`,
releasebuild/server.py) started in a workspace of its own (`<work>-served`) and stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import run
import synth


@dataclass
class Contender:
    """One releasebuild (this checkout, or the one --against names) and its workspace."""

    name: str
    work: Path
    env: dict[str, str] | None  # None: this checkout as installed
    rows: list[run.Row] = field(default_factory=list)

    def apply(self, log: str) -> tuple[run.Measurement, dict[str, object]]:
        return run.releasebuild("apply", self.work / "release.yaml", self.work / "logs" / log, env=self.env)

    def build(self, size: int, fresh: bool) -> None:
        """A workspace of `size` conversations, applied once cold, unless one is there already."""
        if not fresh and (self.work / "build" / "releases" / synth.VERSION / "manifest.json").exists():
            return
        shutil.rmtree(self.work, ignore_errors=True)
        started = time.perf_counter()
        synth.generate(self.work, size)
        print(f"{self.name}: generated {size:,} conversations in {time.perf_counter() - started:.1f}s", flush=True)
        m, document = self.apply("cold")
        run.check_apply("cold apply", m, document)
        print(f"{self.name}: cold apply {m.seconds:.1f}s, peak RSS {m.peak_rss_mb:.0f} MB", flush=True)

    def edit_and_apply(self, index: int) -> None:
        where = synth.edit_one_record(self.work, run.EDITED_FAMILY)
        m, document = self.apply(f"edit-{index}")
        run.check_apply("one message changed", m, document)
        run.check_local_change("one message changed", document, run.EDITED_FAMILY, must_cache=["split"])
        print(f"{self.name}: edit {index} at {where}: {m.seconds:.2f}s, {len(run.ran_ids(document))} steps ran",
              flush=True)
        self.rows.append(run.row(0, "one message changed", m, document, 1))


@dataclass
class WarmServer:
    """A warm server (releasebuild/server.py) for one contender's workspace, started as a user starts it: from the
    workspace, in the contender's environment, so that its applies share the server's identity."""

    contender: Contender
    pid: int

    @classmethod
    def start(cls, contender: Contender) -> WarmServer:
        started = subprocess.run([sys.executable, "-m", "releasebuild", "server", "start", "release.yaml", "--json"],
                                 cwd=contender.work, env=contender.env, capture_output=True, text=True, check=False)
        if started.returncode != 0:
            raise run.ScenarioFailed(f"`releasebuild server start` failed: {started.stderr.strip()}")
        document = json.loads(started.stdout)
        print(f"{contender.name}: server {document['pid']} made its loads in {document['load_seconds']:.1f}s",
              flush=True)
        return cls(contender, document["pid"])

    def stop(self) -> None:
        """The server stopped and its directory (socket, log) removed."""
        subprocess.run([sys.executable, "-m", "releasebuild", "server", "stop"], cwd=self.contender.work,
                       env=self.contender.env, capture_output=True, check=False)
        assert self.contender.env is not None
        shutil.rmtree(self.contender.env["RELEASEBUILD_SERVER_DIR"], ignore_errors=True)


def table(contenders: list[Contender]) -> str:
    def median(rows: list[run.Row], step: str) -> float:
        return statistics.median(r.step_seconds.get(step, 0.0) for r in rows)

    first = contenders[0].rows
    steps = sorted({step for c in contenders for r in c.rows for step in r.step_seconds},
                   key=lambda step: -median(first, step))
    body = [[step, *(f"{median(c.rows, step):.2f}" for c in contenders)] for step in steps]
    body.append(["wall time (apply, end to end)",
                 *(f"{statistics.median(r.seconds for r in c.rows):.2f}" for c in contenders)])
    body.append(["  every run", *(" / ".join(f"{r.seconds:.2f}" for r in c.rows) for c in contenders)])
    body.append(["peak RSS of one process, MB",
                 *(f"{statistics.median(r.peak_rss_mb for r in c.rows):.0f}" for c in contenders)])
    header = ["step (median seconds, as apply --json reports them)", *(c.name for c in contenders)]
    return run.format_table(header, body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="conversations in the release")
    parser.add_argument("--edits", type=int, default=4, help="one-message edits to time, one after another")
    parser.add_argument("--work", type=Path, help="workspace (default: bench/out/one-change-n<size>)")
    parser.add_argument("--fresh", action="store_true", help="generate and build the workspaces even if they exist")
    parser.add_argument("--against", type=Path, help="another releasebuild checkout, measured side by side")
    parser.add_argument("--server", action="store_true",
                        help="also measure this checkout served by a warm server (`releasebuild server start`), "
                             "side by side; its peak RSS is the client's, since the command runs in the server's child")
    args = parser.parse_args()
    out = Path(__file__).parent / "out"
    work = (args.work or out / f"one-change-n{args.size}").absolute()
    run.use_bytecode_cache(out.absolute())
    contenders = [Contender("this checkout", work, None)]
    if args.against is not None:
        checkout = args.against.absolute()
        if not (checkout / "releasebuild" / "__init__.py").is_file():
            parser.error(f"{checkout} is not a releasebuild checkout")
        env = {**os.environ, "PYTHONPATH": str(checkout)}
        contenders.append(Contender(f"--against {checkout.name}", work.with_name(f"{work.name}-against"), env))
    servers: list[WarmServer] = []
    if args.server:
        env = {**os.environ, "RELEASEBUILD_SERVER_DIR": tempfile.mkdtemp(prefix="rbs-bench-")}
        contenders.append(Contender("served (warm server)", work.with_name(f"{work.name}-served"), env))
    try:
        for contender in contenders:
            contender.build(args.size, args.fresh)
            if contender.env is not None and "RELEASEBUILD_SERVER_DIR" in contender.env:
                servers.append(WarmServer.start(contender))
        for index in range(1, args.edits + 1):
            for contender in contenders:
                contender.edit_and_apply(index)
    except run.ScenarioFailed as exc:
        print(f"FAILED {exc}", file=sys.stderr)
        return 1
    finally:
        for warm in servers:
            warm.stop()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\none message changed at {args.size:,} conversations ({os.cpu_count()} CPUs, load average {load})\n")
    print(table(contenders))
    (work / "one_change.json").write_text(json.dumps(
        {c.name: [r.step_seconds | {"wall": r.seconds} for r in c.rows] for c in contenders}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
