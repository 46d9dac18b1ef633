"""Synthetic-scale benchmark: `python bench/run.py [--sizes 10000,100000] [--out bench/out] [--profile]
[--s3-sizes 10000 | --no-s3]`.

For each size it generates a fresh five-family release (bench/synth.py) and times the real CLI, one
subprocess per measurement: cold apply, no-op apply, no-op plan, one family edited, one file reordered.
Then, for the S3 sizes, the same release with its sources, root and shared cache in a bucket on moto's S3
server (a thread of this process): cold apply, no-op apply and plan, one source object edited, and a clean
machine (no local cache); moto's access log shows which requests each run made. Last, at each size and on S3,
the training loader reads the published release (bench/load_release.py): records/s, from local disk and S3.
It checks each run's JSON (and, on S3, its requests) for what must and must not have happened, prints the
tables and the targets, writes <out>/results.json, and exits 1 if any scenario failed or misbehaved.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import dvc_reference
import psutil
import synth

from releasebuild.store.root_lock import LOCK_KEY
from releasebuild.testing import parse_access_line

NOOP_REPEATS = 5             # no-op runs are short and noisy: report the median of a few
NOOP_LIMIT_SECONDS = 0.25
STAMPED_NOOP_LIMIT_SECONDS = 0.12  # issue 28: a no-op plan or apply at 100k, answered from its stamp
DVC_FACTOR = 4                     # issue 28: ... and at least 4x faster than DVC's no-op on the same layout
PLAN_LIMIT_SECONDS = 0.5     # issue 7: a plan against an unchanged tree "well under a second"
ONE_FAMILY_FACTOR = 1.3      # one family changed may cost at most this times an even share of a cold apply
MEMORY_FLAT_FACTOR = 1.25    # peak RSS at the largest size may be at most this times that at the smallest
EDITED_FAMILY = "cot_reasoning"
REORDERED_FAMILY = "voice_persona"
RULE_FAMILY = "edge_cases"  # made by a rule (its part files concatenated) in the last local scenarios
SAMPLE_SECONDS = 0.1         # psutil walks /proc: sampling often would steal CPU from the runs


class ScenarioFailed(Exception):
    """A run exited badly or its JSON contradicts what the scenario must do."""


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_mb: float   # largest single process of the run (kernel's ru_maxrss, workers included)
    tree_rss_mb: float   # largest sampled sum over the process tree (main process + concurrent workers)
    returncode: int
    stdout: str
    repeats: tuple[float, ...] = ()  # seconds of every run when this is the median of several
    requests: tuple[S3Request, ...] | None = None  # what the S3 server saw during the run (S3 scenarios only)


@dataclass(frozen=True)
class Row:
    size: int
    scenario: str
    seconds: float
    records: int | None  # records processed, for records/s
    peak_rss_mb: float
    tree_rss_mb: float
    ran: int             # plan: steps that will or may run
    cached: int
    step_seconds: dict[str, float]  # ran steps as apply --json reports them (includes time queued for a worker)
    repeats: tuple[float, ...]
    requests: dict[str, int] | None = None  # S3 scenarios: request counts by kind (see S3Request.kind)

    @property
    def rate(self) -> float | None:
        return self.records / self.seconds if self.records else None


# Runs each measured command. A child's ru_maxrss starts at its parent's RSS when it is forked (or vforked and
# exec'd), so measuring straight from this process would report the generator's memory; this wrapper is
# tiny (no imports beyond the interpreter's own), so the peak it reports is the command's own. Its output:
# seconds, peak RSS of the command and its reaped workers (os.wait4, KiB on Linux), exit code.
_WRAPPER = """
import os, sys, time
flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
files = [(os.POSIX_SPAWN_OPEN, 1, sys.argv[1], flags, 0o644), (os.POSIX_SPAWN_OPEN, 2, sys.argv[2], flags, 0o644)]
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[3], sys.argv[3:], os.environ, file_actions=files)
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


class _TreeSampler(threading.Thread):
    """Polls the RSS sum of a process's descendants; ru_maxrss only knows the largest single process."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self._pid = pid
        self._done = threading.Event()
        self.peak = 0

    def run(self) -> None:
        try:
            parent = psutil.Process(self._pid)
        except psutil.Error:
            return
        while not self._done.wait(SAMPLE_SECONDS):  # a run shorter than one interval is never sampled
            try:
                self.peak = max(self.peak, sum(p.memory_info().rss for p in parent.children(recursive=True)))
            except psutil.Error:
                pass  # a worker exited between listing and reading

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def measure(cmd: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None) -> Measurement:
    """Run one command under the wrapper; stdout and stderr go to <log>.stdout / <log>.stderr."""
    log.parent.mkdir(parents=True, exist_ok=True)
    stdout, stderr = log.with_suffix(".stdout"), log.with_suffix(".stderr")
    wrapper = subprocess.Popen([sys.executable, "-c", _WRAPPER, str(stdout), str(stderr), *cmd], cwd=cwd,
                               stdout=subprocess.PIPE, text=True, env=env)
    sampler = _TreeSampler(wrapper.pid)
    sampler.start()
    report, _ = wrapper.communicate()
    tree_peak = sampler.stop()
    if wrapper.returncode != 0:
        raise ScenarioFailed(f"measurement wrapper failed (exit {wrapper.returncode}) for {cmd}")
    seconds, peak_kib, returncode = report.split()
    peak_mb = int(peak_kib) / 1024
    return Measurement(float(seconds), peak_mb, max(tree_peak / 2**20, peak_mb), int(returncode),
                       stdout.read_text(encoding="utf-8"))


def releasebuild(command: str, definition: Path, log: Path, *extra: str,
                 env: dict[str, str] | None = None) -> tuple[Measurement, dict[str, Any]]:
    cmd = [sys.executable, "-m", "releasebuild", command, "--json", *extra, str(definition)]
    m = measure(cmd, definition.parent, log, env)
    try:
        document = json.loads(m.stdout)
    except ValueError:
        raise ScenarioFailed(f"`{command}` exit {m.returncode}, no JSON on stdout; see {log}.stderr") from None
    return m, document


Run = Callable[[Path], tuple[Measurement, dict[str, Any]]]  # one measured command, given its log path


def median_run(run: Run, log: Path) -> tuple[Measurement, dict[str, Any]]:
    """NOOP_REPEATS runs of `run`; the median one, with every run's seconds. `run` may check each run itself."""
    # The cold applies before this leave hundreds of MB of dirty pages; flush them first so the kernel's
    # write-back does not land inside a 0.2 s measurement.
    os.sync()
    runs = [run(log.with_name(f"{log.name}-{i}")) for i in range(NOOP_REPEATS)]
    middle = statistics.median_low(m.seconds for m, _ in runs)
    m, document = next(one for one in runs if one[0].seconds == middle)
    return replace(m, repeats=tuple(sorted(one[0].seconds for one in runs))), document


def ran_ids(document: dict[str, Any]) -> set[str]:
    return {step["id"] for step in document["steps"] if step["status"] == "ran"}


def status_of(document: dict[str, Any], step_id: str) -> str:
    return next(step["status"] for step in document["steps"] if step["id"] == step_id)


def expect(condition: bool, scenario: str, message: str) -> None:
    if not condition:
        raise ScenarioFailed(f"{scenario}: {message}")


def check_apply(scenario: str, m: Measurement, document: dict[str, Any]) -> None:
    expect(m.returncode == 0 and document.get("error") is None and document.get("published") is True,
           scenario, f"exit {m.returncode}, error {document.get('error')!r}")
    expect(document["summary"]["failed"] == 0 and document["summary"]["skipped"] == 0, scenario,
           f"steps failed or skipped: {document['summary']}")


def check_local_change(scenario: str, document: dict[str, Any], family: str, must_cache: list[str]) -> None:
    """Only the touched family's steps and global ones may run; its ingest must; early cutoff must hold."""
    ran = ran_ids(document)
    expect(f"{family}/ingest" in ran, scenario, f"{family}/ingest did not run")
    others = sorted(s for s in ran if not s.startswith((f"{family}/", "release/")))
    expect(not others, scenario, f"steps of untouched families ran: {others}")
    for kind in must_cache:
        expect(status_of(document, f"{family}/{kind}") == "cached", scenario,
               f"{family}/{kind} reran although its inputs did not change (early cutoff)")


def row(size: int, scenario: str, m: Measurement, document: dict[str, Any], records: int | None) -> Row:
    summary = document["summary"]
    ran = summary["ran"] if "ran" in summary else summary["will_run"] + summary["may_run"]
    seconds = {step["id"]: step["seconds"] for step in document["steps"] if step["status"] == "ran"}
    requests = None if m.requests is None else request_counts(m.requests)
    return Row(size, scenario, m.seconds, records, m.peak_rss_mb, m.tree_rss_mb, ran, summary["cached"], seconds,
               m.repeats, requests)


def read_release(scenario: str, size: int, uri: str, mode: str, cache: Path, log: Path,
                 env: dict[str, str] | None = None) -> Row:
    """Time the loader reading a release (bench/load_release.py in its own process); records/s is the rate."""
    shutil.rmtree(cache, ignore_errors=True)
    m = measure([sys.executable, str(Path(__file__).parent / "load_release.py"), uri, mode, str(cache)],
                Path(__file__).parent, log, env)
    expect(m.returncode == 0, scenario, f"exit {m.returncode}; see {log}.stderr")
    document = json.loads(m.stdout)
    expect(document["records"] == document["expected"], scenario,
           f"read {document['records']} records, the manifest lists {document['expected']}")
    return Row(size, scenario, m.seconds, document["records"], m.peak_rss_mb, m.tree_rss_mb, 0, 0, {}, ())


def show(r: Row) -> None:
    """One progress line per scenario, as it finishes."""
    ran = ", ".join(f"{step} {sec:.2f}s" for step, sec in r.step_seconds.items()) if r.ran < 10 else f"{r.ran} steps"
    spread = f"  (median of {len(r.repeats)}: {r.repeats[0]:.3f}-{r.repeats[-1]:.3f}s)" if r.repeats else ""
    seen = f"  [S3: {r.requests['requests']} requests, {body_gets(r.requests)} body GETs]" if r.requests else ""
    print(f"  {r.scenario:<28} {r.seconds:8.3f}s  ran: {ran or '-'}{spread}{seen}", flush=True)


def dvc_noop_rows(size: int, scratch: Path, dvc: Path) -> list[Row]:
    """DVC's no-op `repro` and its `status` on the same five families (median of 5 each), after one cold repro;
    each run is checked to have run no stage and found nothing to do."""
    project = dvc_reference.build_pipeline(scratch, [shape.name for shape in synth.FAMILIES])
    dvc_reference.init(dvc, project)
    env = dvc_reference.environment()
    rows = []
    for scenario, command, done in (("DVC no-op repro", "repro", "didn't change"),
                                    ("DVC status", "status", "up to date")):
        def run(log: Path, command: str = command, done: str = done, scenario: str = scenario
                ) -> tuple[Measurement, dict[str, Any]]:
            m = measure([str(dvc), command], project, log, env)
            expect(m.returncode == 0 and done in m.stdout and "Running stage" not in m.stdout, scenario,
                   f"exit {m.returncode}, not a no-op; see {log}.stdout")
            return m, {}
        m, _ = median_run(run, scratch / "logs" / f"dvc-{command}")
        rows.append(Row(size, f"{scenario} ({dvc_reference.DVC_VERSION})", m.seconds, None, m.peak_rss_mb,
                        m.tree_rss_mb, 0, 0, {}, m.repeats))
    return rows


def warm_up(out: Path) -> None:
    """One unmeasured apply + plan on a tiny release: fills the bytecode cache and the OS page cache, so the
    first measured run does not pay for compiling every imported module."""
    scratch = out / "warmup"
    shutil.rmtree(scratch, ignore_errors=True)
    synth.generate(scratch, 50)
    for command in ("apply", "plan"):
        m, _ = releasebuild(command, scratch / "release.yaml", scratch / "logs" / command)
        expect(m.returncode == 0, "warm-up", f"`{command}` exit {m.returncode}; see {scratch / 'logs'}")


def run_size(size: int, out: Path, dvc: Path | None = None) -> list[Row]:
    """All scenarios for one size, in order (each one starts from the state the previous one left); with `dvc`,
    DVC's no-op on the same layout right after releasebuild's (bench/dvc_reference.py)."""
    scratch = out / f"n{size}"
    shutil.rmtree(scratch, ignore_errors=True)
    started = time.perf_counter()
    counts = synth.generate(scratch, size)
    data_mb = sum(f.stat().st_size for f in (scratch / "data").rglob("*.jsonl")) / 2**20
    print(f"n={size}: generated {data_mb:.0f} MB of JSONL in {time.perf_counter() - started:.1f}s", flush=True)
    definition, logs, rows = scratch / "release.yaml", scratch / "logs", []

    def add(scenario: str, m: Measurement, document: dict[str, Any], records: int | None) -> None:
        rows.append(row(size, scenario, m, document, records))
        show(rows[-1])

    def cold_apply(scenario: str, log: str, *extra: str) -> dict[str, Any]:
        for state in (scratch / ".releasebuild", scratch / "build"):
            shutil.rmtree(state, ignore_errors=True)
        (scratch / "release.lock").unlink(missing_ok=True)
        m, document = releasebuild("apply", definition, logs / log, *extra)
        check_apply(scenario, m, document)
        expect(document["summary"]["cached"] == 0, scenario, "cold cache but some steps were cached")
        manifest = json.loads((scratch / "build" / "releases" / synth.VERSION / "manifest.json").read_bytes())
        expect(manifest["records"]["total"] == size, scenario,
               f"manifest lists {manifest['records']['total']} records, generated {size}")
        add(scenario, m, document, size)
        return document

    full = cold_apply("full apply (cold)", "full")
    serial = cold_apply("full apply (cold, --jobs 1)", "full-serial", "--jobs", "1")
    expect(serial["root_digest"] == full["root_digest"], "full apply (cold, --jobs 1)",
           "a serial build gave a different root digest than a parallel one")

    # A no-op twice: each run checked in full (the fast path off), then as users see it, where every run after the
    # first is answered from the first one's stamp (fastpath.py); the two must print the same document.
    full_check = {**os.environ, "RELEASEBUILD_FASTPATH": "0"}
    documents: dict[str, dict[str, Any]] = {}
    for suffix, env in ((" (full check)", full_check), ("", None)):
        scenario = f"no-op apply{suffix}"
        m, noop = median_run(lambda log, env=env: releasebuild("apply", definition, log, env=env),
                             logs / f"noop-apply{suffix.strip(' ()').replace(' ', '-')}")
        check_apply(scenario, m, noop)
        expect(not ran_ids(noop), scenario, f"steps ran: {sorted(ran_ids(noop))}")
        expect(noop["root_digest"] == full["root_digest"], scenario, "root digest changed")
        add(scenario, m, noop, None)

        scenario = f"no-op plan{suffix}"
        m, plan = median_run(lambda log, env=env: releasebuild("plan", definition, log, env=env),
                             logs / f"noop-plan{suffix.strip(' ()').replace(' ', '-')}")
        expect(m.returncode == 0 and not plan["changes_pending"], scenario,
               f"exit {m.returncode}, summary {plan.get('summary')}")
        add(scenario, m, plan, None)
        documents[f"apply{suffix}"], documents[f"plan{suffix}"] = noop, plan
    for command in ("apply", "plan"):
        expect(documents[command] == documents[f"{command} (full check)"], f"no-op {command}",
               "the stamped no-op printed another document than the full check")
    if dvc is not None:
        rows.extend(dvc_noop_rows(size, scratch, dvc))
        for r in rows[-2:]:
            show(r)

    where = synth.edit_one_record(scratch, EDITED_FAMILY)
    m, edited = releasebuild("apply", definition, logs / "one-family")
    check_apply("one family changed", m, edited)
    check_local_change("one family changed", edited, EDITED_FAMILY, must_cache=["split"])
    expect(edited["root_digest"] != full["root_digest"], "one family changed", f"edit at {where} changed nothing")
    add("one family changed", m, edited, counts[EDITED_FAMILY])

    scenario = "every record of a family changed"
    expect(synth.edit_every_record(scratch, EDITED_FAMILY) == counts[EDITED_FAMILY], scenario, "not every record")
    m, rewritten = releasebuild("apply", definition, logs / "family-rewritten")
    check_apply(scenario, m, rewritten)
    check_local_change(scenario, rewritten, EDITED_FAMILY, must_cache=[])
    add(scenario, m, rewritten, counts[EDITED_FAMILY])

    synth.reverse_one_file(scratch, REORDERED_FAMILY)
    m, reordered = releasebuild("apply", definition, logs / "reorder")
    check_apply("one file reordered", m, reordered)
    check_local_change("one file reordered", reordered, REORDERED_FAMILY, must_cache=["split", "export"])
    add("one file reordered", m, reordered, counts[REORDERED_FAMILY])

    release = str(scratch / "build" / "releases" / synth.VERSION)
    for mode, scenario in (("all", "loader: every record"), ("train-mix", "loader: train, shuffled mix")):
        rows.append(read_release(scenario, size, release, mode, scratch / "loader-cache", logs / f"loader-{mode}"))
        show(rows[-1])

    rule = f"rules/{synth.rule_name(RULE_FAMILY)}"
    synth.make_family_by_rule(scratch, RULE_FAMILY)
    m, ruled = releasebuild("apply", definition, logs / "rule-makes-family")
    check_apply("a rule makes a family", m, ruled)
    expect(rule in ran_ids(ruled) and f"{RULE_FAMILY}/ingest" in ran_ids(ruled), "a rule makes a family",
           f"{rule} or {RULE_FAMILY}/ingest did not run")
    others = sorted(s for s in ran_ids(ruled) if not s.startswith((f"{RULE_FAMILY}/", "release/", "rules/")))
    expect(not others, "a rule makes a family", f"steps of untouched families ran: {others}")
    add("a rule makes a family", m, ruled, counts[RULE_FAMILY])

    synth.touch_rule_script(scratch)
    m, rerun = releasebuild("apply", definition, logs / "rule-same-output")
    check_apply("rule reruns, same output", m, rerun)
    # Early cutoff: the same bytes leave the family cached; release.lock and the manifest record the script's new
    # digest.
    expect(ran_ids(rerun) == {rule, "release/lock", "release/manifest", "release/publish"}, "rule reruns, same output",
           f"ran: {sorted(ran_ids(rerun))}")
    add("rule reruns, same output", m, rerun, counts[RULE_FAMILY])
    return rows


# --- S3: the same release with its sources, root and shared cache in a bucket on moto's S3 server -------------

S3_BUCKET = "pixel-data"
S3_SOURCES_KEY = "bench/raw"      # <family>/part-<n>.jsonl under it
S3_ROOT_KEY = "bench/exports"     # releases/, cache/ (the shared cache) and the root's lock under it
S3_ROOT = f"s3://{S3_BUCKET}/{S3_ROOT_KEY}"
S3_ACCESS_KEY = "AKIABENCHMARKFAKE001"  # moto takes any pair; fixed fake keys, so no real credential is ever used
S3_SECRET_KEY = "bench-fake-secret-0123456789"
S3_MAX_DEFAULT_SIZE = 10_000      # without --s3-sizes, S3 runs for the --sizes up to this (see README)
_REQUEST_KINDS = ("list", "head", "get source", "get cache", "get release", "get lock", "get other", "put", "delete",
                  "post")


@dataclass(frozen=True)
class S3Request:
    """One line of the server's access log, reduced to what the S3 checks and the request table need."""

    method: str
    key: str     # object key; "" for a bucket-level request
    query: str
    status: int

    @property
    def kind(self) -> str:
        """One of _REQUEST_KINDS (or another method, lower-case). A `get …` is a download of an object body."""
        if self.method == "GET" and (not self.key or "list-type" in self.query):
            return "list"
        if self.method == "GET":
            areas = ((f"{S3_SOURCES_KEY}/", "source"), (f"{S3_ROOT_KEY}/cache/", "cache"),
                     (f"{S3_ROOT_KEY}/restricted/cache/", "cache"), (f"{S3_ROOT_KEY}/releases/", "release"),
                     (f"{S3_ROOT_KEY}/{LOCK_KEY}", "lock"))
            return "get " + next((area for prefix, area in areas if self.key.startswith(prefix)), "other")
        return self.method.lower()


def parse_request(line: str) -> S3Request | None:
    logged = parse_access_line(line)
    return S3Request(logged.method, logged.key, logged.query, logged.status) if logged else None


def request_counts(requests: tuple[S3Request, ...]) -> dict[str, int]:
    """Requests by kind, plus the total and how many got a 4xx/5xx (e.g. a HEAD of a key that is not there)."""
    counts = {"requests": len(requests), "errors": sum(r.status >= 400 for r in requests)}
    for r in requests:
        counts[r.kind] = counts.get(r.kind, 0) + 1
    return counts


def body_gets(counts: dict[str, int]) -> int:
    return sum(n for kind, n in counts.items() if kind.startswith("get "))


class MotoS3:
    """moto's S3 server on loopback, as a thread of this process, with its access log captured.

    The releasebuild children reach it over HTTP like any S3-compatible endpoint (through the OVH_S3_* variables
    the dataset teams use); the log lets a scenario check what they asked for, e.g. no body GET on a no-op.
    """

    def __init__(self) -> None:
        import boto3  # here, not at the top: a --no-s3 run needs neither moto nor boto3
        import botocore.session

        from releasebuild.testing import LocalS3Server

        self._server = LocalS3Server()
        self._lines = self._server.log
        self.endpoint = self._server.endpoint
        core = botocore.session.Session()
        core.set_config_variable("config_file", "/nonexistent")  # nothing from this machine's ~/.aws
        core.set_config_variable("credentials_file", "/nonexistent")
        self.client = boto3.session.Session(botocore_session=core).client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=S3_ACCESS_KEY, aws_secret_access_key=S3_SECRET_KEY,
            region_name="us-east-1")
        unset = ("DATASET_STORAGE_BACKEND", "RELEASEBUILD_ROOT")
        self.env = {name: value for name, value in os.environ.items()
                    if not name.startswith(("AWS_", "OVH_S3_")) and name not in unset}
        self.env.update(AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
                        AWS_EC2_METADATA_DISABLED="true", OVH_S3_ENDPOINT=self.endpoint, OVH_S3_REGION="us-east-1",
                        OVH_S3_ACCESS_KEY=S3_ACCESS_KEY, OVH_S3_SECRET_KEY=S3_SECRET_KEY)

    def reset(self) -> None:
        """An empty server with one bucket: moto holds every object in this process, so each size starts afresh."""
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")).close()
        self.client.create_bucket(Bucket=S3_BUCKET)
        self.take()

    def take(self) -> tuple[S3Request, ...]:
        """The requests logged since the last take (the child has exited, so its requests are all logged)."""
        count = len(self._lines)
        lines, self._lines[:count] = self._lines[:count], []
        return tuple(request for request in map(parse_request, lines) if request)

    def put(self, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=S3_BUCKET, Key=key, Body=body)

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=S3_BUCKET, Key=key)["Body"].read()

    def keys(self, prefix: str) -> Iterator[str]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=S3_BUCKET, Prefix=prefix):
            yield from (item["Key"] for item in page.get("Contents", []))

    def delete_prefix(self, prefix: str) -> None:
        keys = list(self.keys(prefix))
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start:start + 1000]]
            self.client.delete_objects(Bucket=S3_BUCKET, Delete={"Objects": batch})

    def stop(self) -> None:
        self._server.stop()


def run_s3_size(size: int, out: Path, s3: MotoS3) -> list[Row]:
    """The S3 scenarios for one size, in order: sources in the bucket, `--root s3://pixel-data/bench/exports`
    (so the shared cache is at <root>/cache/), the local `.releasebuild/` cache next to release.yaml."""
    scratch = out / f"n{size}-s3"
    shutil.rmtree(scratch, ignore_errors=True)
    started = time.perf_counter()
    s3.reset()
    counts = synth.generate(scratch, size)
    for shape in synth.FAMILIES:
        for path in synth.family_files(scratch, shape.name):
            s3.put(f"{S3_SOURCES_KEY}/{shape.name}/{path.name}", path.read_bytes())
    synth.set_sources(scratch, f"s3://{S3_BUCKET}/{S3_SOURCES_KEY}")
    shutil.rmtree(scratch / "data")  # nothing local: every source byte the runs read comes from the bucket
    print(f"n={size} on S3 (moto at {s3.endpoint}): generated and uploaded in {time.perf_counter() - started:.1f}s",
          flush=True)
    definition, logs, rows = scratch / "release.yaml", scratch / "logs", []
    manifest_key = f"{S3_ROOT_KEY}/releases/{synth.VERSION}/manifest.json"

    def run(command: str, log: Path) -> tuple[Measurement, dict[str, Any]]:
        s3.take()  # drop what this process asked for (uploads, checks) before the run
        m, document = releasebuild(command, definition, log, "--root", S3_ROOT, env=s3.env)
        requests = s3.take()
        log.with_suffix(".requests").write_text("".join(f"{r.status} {r.method} {r.key}{'?' if r.query else ''}"
                                                        f"{r.query}\n" for r in requests))
        return replace(m, requests=requests), document

    def add(scenario: str, m: Measurement, document: dict[str, Any], records: int | None) -> None:
        rows.append(row(size, scenario, m, document, records))
        show(rows[-1])

    def downloads(m: Measurement, *kinds: str) -> list[str]:
        return sorted(r.key for r in m.requests or () if r.kind.startswith("get ") and (not kinds or r.kind in kinds))

    def published(scenario: str, document: dict[str, Any]) -> dict[str, Any]:
        manifest = json.loads(s3.get(manifest_key))
        expect(manifest["root_digest"] == document["root_digest"], scenario,
               "the manifest in the bucket is not the one this apply reports")
        return manifest

    # 1. Cold: nothing in the local cache, nothing under the root (no release, no shared cache).
    scenario = "S3 full apply (cold)"
    shutil.rmtree(scratch / ".releasebuild", ignore_errors=True)
    (scratch / "release.lock").unlink(missing_ok=True)
    s3.delete_prefix(f"{S3_ROOT_KEY}/")
    m, cold = run("apply", logs / "s3-full")
    check_apply(scenario, m, cold)
    expect(cold["summary"]["cached"] == 0, scenario, "cold caches but some steps were cached")
    manifest = published(scenario, cold)
    expect(manifest["records"]["total"] == size, scenario,
           f"manifest lists {manifest['records']['total']} records, generated {size}")
    expect(next(s3.keys(f"{S3_ROOT_KEY}/cache/"), None) is not None, scenario, "nothing written to the shared cache")
    add(scenario, m, cold, size)

    # 2. No-op apply and plan: every source is fingerprinted by its ETag from the listing, so no body is fetched.
    def noop(command: str, scenario: str) -> Run:
        def one(log: Path) -> tuple[Measurement, dict[str, Any]]:
            m, document = run(command, log)
            if command == "apply":
                check_apply(scenario, m, document)
                expect(not ran_ids(document), scenario, f"steps ran: {sorted(ran_ids(document))}")
                expect(document["root_digest"] == cold["root_digest"], scenario, "root digest changed")
            else:
                expect(m.returncode == 0 and not document["changes_pending"], scenario,
                       f"exit {m.returncode}, summary {document.get('summary')}")
            # an apply reads its own lock object once, at release, to delete only its version (README, S3)
            read = [r.key for r in m.requests or () if r.kind.startswith("get ")
                    and not (command == "apply" and r.kind == "get lock")]
            expect(not read, scenario, f"downloaded object bodies: {read}")
            return m, document
        return one

    for command in ("apply", "plan"):
        scenario = f"S3 no-op {command}"
        m, document = median_run(noop(command, scenario), logs / f"s3-noop-{command}")
        add(scenario, m, document, None)

    # 3. One record of one family's source object edited in the bucket.
    scenario = "S3 one family changed"
    edited_key = f"{S3_SOURCES_KEY}/{EDITED_FAMILY}/part-{synth.EDITED_FILE}.jsonl"
    text, _ = synth.edit_record_text(s3.get(edited_key).decode("utf-8"), EDITED_FAMILY)
    s3.put(edited_key, text.encode("utf-8"))
    m, edited = run("apply", logs / "s3-one-family")
    check_apply(scenario, m, edited)
    check_local_change(scenario, edited, EDITED_FAMILY, must_cache=["split"])
    expect(edited["root_digest"] != cold["root_digest"], scenario, f"editing {edited_key} changed nothing")
    expect(downloads(m, "get source") == [edited_key], scenario,
           f"read source objects {downloads(m, 'get source')}; only {edited_key} changed")
    published(scenario, edited)
    add(scenario, m, edited, counts[EDITED_FAMILY])

    # 4. A clean machine: no local cache. Every step is in the shared cache, so nothing reruns and no source or
    # release object is read (it fetches action entries and the blob of the manifest it compares).
    scenario = "S3 clean machine (no-op)"
    shutil.rmtree(scratch / ".releasebuild")
    m, clean = run("apply", logs / "s3-clean-machine")
    check_apply(scenario, m, clean)
    expect(not ran_ids(clean), scenario, f"steps ran: {sorted(ran_ids(clean))}")
    expect(clean["summary"]["cached"] == edited["summary"]["ran"] + edited["summary"]["cached"], scenario,
           f"summary {clean['summary']}")
    expect(clean["root_digest"] == edited["root_digest"], scenario,
           "a different root digest than the machine that built the same inputs")
    outside = downloads(m, "get source", "get release", "get other")
    expect(not outside, scenario, f"downloaded more than cache entries: {outside}")
    published(scenario, clean)
    add(scenario, m, clean, None)

    # 5. Training reads the release from the bucket: every shard downloaded (into an empty cache) and verified.
    release = f"{S3_ROOT}/releases/{synth.VERSION}"
    for mode, scenario in (("all", "S3 loader: every record"), ("train-mix", "S3 loader: train, shuffled mix")):
        s3.take()
        r = read_release(scenario, size, release, mode, scratch / "loader-cache", logs / f"s3-loader-{mode}", s3.env)
        rows.append(replace(r, requests=request_counts(s3.take())))
        show(rows[-1])
    return rows


def requests_table(rows: list[Row]) -> str:
    """What the S3 server saw in each S3 scenario (for a median of several, in the median run)."""
    kinds = [kind for kind in _REQUEST_KINDS if any((r.requests or {}).get(kind) for r in rows)]
    header = ["size", "scenario", "requests", *(kind.upper() if " " not in kind else kind for kind in kinds),
              "other", "4xx/5xx"]
    body = []
    for r in rows:
        if r.requests is None:
            continue
        other = r.requests["requests"] - sum(r.requests.get(kind, 0) for kind in _REQUEST_KINDS)
        body.append([f"{r.size:,}", r.scenario, str(r.requests["requests"]),
                     *(str(r.requests.get(kind, 0)) for kind in kinds), str(other), str(r.requests["errors"])])
    return format_table(header, body, left=2)


def format_table(header: list[str], body: list[list[str]], left: int = 1) -> str:
    """Plain aligned text (pastes into Markdown code blocks); the first `left` columns are left-aligned."""
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in pairs)

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, body)])


def results_table(rows: list[Row]) -> str:
    header = ["size", "scenario", "seconds", "records/s", "peak RSS MB", "tree RSS MB", "steps ran",
              "steps cached"]
    body = [[f"{r.size:,}", r.scenario, f"{r.seconds:.3f}", f"{r.rate:,.0f}" if r.rate else "-",
             f"{r.peak_rss_mb:.0f}", f"{r.tree_rss_mb:.0f}", str(r.ran), str(r.cached)] for r in rows]
    return format_table(header, body, left=2)


def targets(rows: list[Row], sizes: list[int]) -> list[tuple[str, str, str, bool]]:
    """(target, limit, measured, met) for every target the measured sizes can speak to."""
    by = {(r.size, r.scenario): r for r in rows}
    out = []
    largest, smallest = max(sizes), min(sizes)
    for scenario, limit in (("no-op apply", STAMPED_NOOP_LIMIT_SECONDS), ("no-op plan", STAMPED_NOOP_LIMIT_SECONDS),
                            ("no-op apply (full check)", NOOP_LIMIT_SECONDS),
                            ("no-op plan (full check)", NOOP_LIMIT_SECONDS)):
        if (largest, scenario) in by:
            seconds = by[largest, scenario].seconds
            out.append((f"{scenario} @ {largest:,}", f"< {limit} s", f"{seconds:.3f} s", seconds < limit))
    for ours, theirs in (("no-op apply", "DVC no-op repro"), ("no-op plan", "DVC status")):
        reference = by.get((largest, f"{theirs} ({dvc_reference.DVC_VERSION})"))
        if (largest, ours) in by and reference is not None:
            seconds = by[largest, ours].seconds
            out.append((f"{ours} @ {largest:,} vs {theirs}", f">= {DVC_FACTOR} x faster",
                        f"{reference.seconds:.3f} / {seconds:.3f} s = {reference.seconds / seconds:.1f} x",
                        reference.seconds >= DVC_FACTOR * seconds))
    if (largest, "no-op plan (full check)") in by:
        seconds = by[largest, "no-op plan (full check)"].seconds
        out.append((f"plan, unchanged tree @ {largest:,} (issue 7)", f"< {PLAN_LIMIT_SECONDS} s",
                    f"{seconds:.3f} s", seconds < PLAN_LIMIT_SECONDS))
    for size in sizes:
        if (size, "one family changed") in by:
            seconds = by[size, "one family changed"].seconds
            for full, label in (("full apply (cold)", "full"), ("full apply (cold, --jobs 1)", "serial full")):
                limit = ONE_FAMILY_FACTOR * by[size, full].seconds / len(synth.FAMILIES)
                out.append((f"one family changed @ {size:,} vs {label}", f"<= {limit:.2f} s (1.3 x {label}/5)",
                            f"{seconds:.2f} s", seconds <= limit))
    local = [r for r in rows if r.requests is None]  # S3 runs also import s3fs/boto3 and exist at fewer sizes
    if largest != smallest and all(any(r.size == s for r in local) for s in (largest, smallest)):
        for metric, label in (("peak_rss_mb", "peak RSS"), ("tree_rss_mb", "tree RSS")):
            big = max(getattr(r, metric) for r in local if r.size == largest)
            small = max(getattr(r, metric) for r in local if r.size == smallest)
            out.append((f"memory flat: {label} {largest:,} vs {smallest:,}", f"<= {MEMORY_FLAT_FACTOR} x",
                        f"{big:.0f} / {small:.0f} MB = {big / small:.2f} x", big / small <= MEMORY_FLAT_FACTOR))
    return out


def targets_table(found: list[tuple[str, str, str, bool]]) -> str:
    body = [[name, limit, measured, "met" if met else "NOT MET"] for name, limit, measured, met in found]
    return format_table(["target", "limit", "measured", "status"], body, left=1)


def profile_noop(size: int, out: Path, top: int = 15) -> str:
    """Where a no-op run's time goes when checked in full (the fast path off): interpreter start, imports (-X
    importtime), then cProfile of apply."""
    scratch = out / f"n{size}"
    definition, logs = scratch / "release.yaml", scratch / "logs"
    full_check = {**os.environ, "RELEASEBUILD_FASTPATH": "0"}
    bare = measure([sys.executable, "-c", "pass"], scratch, logs / "python-startup")
    measure([sys.executable, "-X", "importtime", "-m", "releasebuild", "plan", "--json", str(definition)],
            scratch, logs / "importtime", full_check)
    prof = scratch / "noop-apply.prof"
    measure([sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "releasebuild", "apply", "--json",
             str(definition)], scratch, logs / "cprofile", full_check)
    report = [f"no-op profile at n={size:,}", f"python -c pass: {bare.seconds:.3f} s",
              import_summary((logs / "importtime").with_suffix(".stderr").read_text(), top)]
    views = (("cumulative", "releasebuild functions", r"/releasebuild/"), ("tottime", "all functions", ""))
    for order, what, pattern in views:
        buffer = io.StringIO()
        pstats.Stats(str(prof), stream=buffer).sort_stats(order).print_stats(pattern, top)
        text = buffer.getvalue().replace(str(Path(synth.__file__).parent.parent) + "/", "")
        report.append(f"cProfile of no-op apply, {what}, top {top} by {order}:\n"
                      + text[text.index("   ncalls"):].rstrip())
    return "\n\n".join(report)


def import_summary(stderr: str, top: int) -> str:
    """Cost of each package where it is first entered from outside itself, from `-X importtime` output.

    Lines come children-first, indented two spaces per level, so walking them backwards keeps a stack of
    ancestors. Packages nest (releasebuild's time includes pydantic's), so the numbers overlap.
    """
    costs: dict[str, float] = {}
    ancestors: list[str] = []
    total = 0.0
    for line in reversed(stderr.splitlines()):
        if not line.startswith("import time:") or "[us]" in line:
            continue
        _, cumulative, field = line.removeprefix("import time:").split("|")
        depth = (len(field) - len(field.lstrip()) - 1) // 2
        name = field.strip()
        ancestors = ancestors[:depth] + [name]
        package = name.split(".")[0]
        if depth == 0:
            total += int(cumulative) / 1e6
        if depth == 0 or ancestors[depth - 1].split(".")[0] != package:
            costs[package] = costs.get(package, 0.0) + int(cumulative) / 1e6
    ranked = sorted(costs.items(), key=lambda item: -item[1])[:top]
    lines = [f"imports during `plan` (-X importtime): {total:.3f} s in all; by package, where first entered:"]
    lines += [f"  {seconds:7.3f} s  {package}" for package, seconds in ranked]
    return "\n".join(lines)


def use_bytecode_cache(out: Path) -> None:
    """Let every child cache bytecode under <out>/pycache, as an installed package would.

    Some environments (this sandbox among them) set PYTHONDONTWRITEBYTECODE; then every run recompiles all
    releasebuild modules from source, which is not what users pay. The prefix keeps .pyc files under out/.
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(out / "pycache")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated conversation counts")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out", help="scratch directory")
    parser.add_argument("--profile", action="store_true", help="also profile a no-op apply at the largest size")
    parser.add_argument("--s3-sizes", help="comma-separated sizes for the S3 scenarios (moto server); default: "
                        f"the --sizes up to {S3_MAX_DEFAULT_SIZE:,}")
    parser.add_argument("--no-s3", action="store_true", help="skip the S3 scenarios")
    parser.add_argument("--dvc", action="store_true",
                        help="also time DVC's no-op repro and status on the same layout (installs DVC "
                             f"{dvc_reference.DVC_VERSION} into {dvc_reference.DEFAULT_VENV} the first time)")
    args = parser.parse_args()
    sizes = [int(part) for part in args.sizes.split(",")]
    s3_sizes = [] if args.no_s3 else [int(part) for part in args.s3_sizes.split(",")] if args.s3_sizes \
        else [size for size in sizes if size <= S3_MAX_DEFAULT_SIZE]
    out = args.out.absolute()
    dvc = dvc_reference.dvc_executable() if args.dvc else None
    use_bytecode_cache(out)
    try:
        warm_up(out)
    except ScenarioFailed as exc:
        print(f"FAILED {exc}", file=sys.stderr)
        return 1
    rows: list[Row] = []
    failures: list[str] = []
    for size in sizes:
        try:
            rows.extend(run_size(size, out, dvc))
        except ScenarioFailed as exc:
            failures.append(f"n={size}: {exc}")
            print(f"  FAILED: {exc}", file=sys.stderr, flush=True)
    try:
        s3 = MotoS3() if s3_sizes else None
    except ImportError as exc:
        s3 = None
        failures.append(f"S3 scenarios: {exc} (pip install -e '.[dev]' installs moto; or pass --no-s3)")
    if s3 is not None:
        try:
            for size in s3_sizes:
                try:
                    rows.extend(run_s3_size(size, out, s3))
                except ScenarioFailed as exc:
                    failures.append(f"n={size} on S3: {exc}")
                    print(f"  FAILED: {exc}", file=sys.stderr, flush=True)
        finally:
            s3.stop()
    rows.sort(key=lambda r: r.size)  # stable: each size's S3 rows follow its local ones
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nreleasebuild benchmark ({os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {load})\n")
    print(results_table(rows))
    if any(r.requests for r in rows):
        print("\nS3 requests per run (moto's access log; get = object body downloaded, by key prefix)\n")
        print(requests_table(rows))
    found = targets(rows, sizes)
    print("\n" + targets_table(found))
    target_rows = [dict(zip(("target", "limit", "measured", "met"), t, strict=True)) for t in found]
    (out / "results.json").write_text(json.dumps(
        {"rows": [asdict(r) for r in rows], "targets": target_rows, "failures": failures}, indent=2))
    if args.profile and not failures:
        print("\n" + profile_noop(max(sizes), out))
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
