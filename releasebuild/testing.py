"""Test kit: build small release definitions on disk (like DVC's tmp_dir.gen), for our tests and users' tests."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from releasebuild.store.root import restricted_set


def restricted_dir(root: Path, version: str = "v2026-11-23") -> Path:
    """The directory of a local root holding a published release's restricted files: the set its manifest names
    (restricted/<version>/<set>/), found through the manifest as every reader finds it."""
    manifest = json.loads((root / "releases" / version / "manifest.json").read_text(encoding="utf-8"))
    return root / "restricted" / version / restricted_set(manifest)


def conversation(record_id: str, group: str, turns: int = 2, topic: str = "sleep", text: str = "") -> dict[str, Any]:
    """A small source row in the `dialog` shape the fixture family maps."""
    dialog = []
    for index in range(turns):
        speaker = "usr" if index % 2 == 0 else "sys"
        dialog.append({"speaker": speaker, "text": f"{text or 'message'} {record_id} turn {index}"})
    return {"cid": record_id, "session": group, "topic": topic, "dialog": dialog}


def write_jsonl(path: Path, rows: Iterable[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(row if isinstance(row, str) else json.dumps(row, sort_keys=True))
            fh.write("\n")
    return path


@dataclass
class ReleaseFixture:
    """A release directory: release.yaml, families/<name>.yaml, gates/quarantine.yaml, data/<name>.jsonl."""

    dir: Path

    @property
    def release_yaml(self) -> Path:
        return self.dir / "release.yaml"

    def data_file(self, family: str) -> Path:
        return self.dir / "data" / f"{family}.jsonl"

    def family_yaml(self, family: str) -> Path:
        return self.dir / "families" / f"{family}.yaml"

    def edit_yaml(self, path: Path, **changes: Any) -> None:
        document = yaml.safe_load(path.read_text())
        document.update(changes)
        path.write_text(yaml.safe_dump(document, sort_keys=False))

    def family(self, name: str) -> dict[str, Any]:
        document: dict[str, Any] = yaml.safe_load(self.family_yaml(name).read_text())
        return document


def applied(fixture: ReleaseFixture) -> dict[str, Any]:
    """Apply a fixture's release with two jobs, as a test expects it to succeed: its report, as JSON."""
    from releasebuild import api  # the app layer: only tests call this

    report = api.apply(fixture.release_yaml, jobs=2)
    assert report.outcome.error is None, report.outcome.error
    return report.to_json()


@dataclass(frozen=True)
class PlanAgainstApply:
    """What `plan` said of a change, what `plan --compute-data` said, and what was run: `built` by --compute-data
    (into the cache), then `ran` by the apply after it (a step that failed counts: apply ran it). Steps by id."""

    will_run: set[str]
    may_run: set[str]
    waits_for: set[str]  # the reruns the plain plan's may_run steps wait for
    unpredictable: set[str]  # the plain plan's data steps: neither predictable (Step.predictable) nor effects
    computed: dict[str, int]  # the data steps the plain plan ran in scratch (within its budget): records afresh
    not_computed: dict[str, str]  # the reruns it did not run, and why (its budget, a rule's command)
    computed_will_run: set[str]
    computed_may_run: set[str]
    built: set[str]
    ran: set[str]
    error: Exception | None  # the apply's (a gate that blocked it, for one)

    @property
    def run_in_all(self) -> set[str]:
        """Every step a plain apply would have run: what --compute-data built and what apply ran after it."""
        return self.built | self.ran


def plan_against_apply(fixture: ReleaseFixture, compute_budget: int | None = None) -> PlanAgainstApply:
    """Plan the fixture's release (with plan's default budget unless given one), plan it again with --compute-data
    (recording what that built), then apply it."""
    from releasebuild import api  # the app layer: only tests call this
    from releasebuild.plan import DEFAULT_COMPUTE_BUDGET
    from releasebuild.steps.registry import step_kind

    plain = api.plan(fixture.release_yaml,
                     compute_budget=DEFAULT_COMPUTE_BUDGET if compute_budget is None else compute_budget)
    built: set[str] = set()
    computed = api.plan(fixture.release_yaml, compute_data=True,
                        listener=lambda step_id, event, _: built.add(step_id) if event in ("ran", "failed") else None)
    outcome = api.apply(fixture.release_yaml, jobs=2).outcome
    status = {step.id: step.status for step in plain.steps}
    return PlanAgainstApply(
        {step_id for step_id, value in status.items() if value == "will_run"},
        {step_id for step_id, value in status.items() if value == "may_run"},
        {step_id for step in plain.steps for step_id in step.waits_for},
        {step.id for step in plain.steps if not (step_kind(step.kind).predictable or step_kind(step.kind).effect)},
        dict(plain.computed["steps"]), dict(plain.computed["not_computed"]),
        {step.id for step in computed.steps if step.status == "will_run"},
        {step.id for step in computed.steps if step.status == "may_run"},
        built, {step.id for step in outcome.steps if step.status in ("ran", "failed")}, outcome.error)


def ran(report: dict[str, Any]) -> set[str]:
    """The ids of the steps an apply report says ran (not cached, skipped or failed)."""
    return {step["id"] for step in report["steps"] if step["status"] == "ran"}


def signing_key(fixture: ReleaseFixture, reviewer: str, reviews: str = "*", options: str = "") -> Path:
    """An ed25519 key of `reviewer` (made once by ssh-keygen under the fixture's keys/), listed in the fixture's
    gates/allowed_signers to sign the reviews the OpenSSH pattern `reviews` matches; `options` are further
    allowed_signers options (e.g. `valid-before="20260101"`). The private key file, as `signoff record --key`
    takes it."""
    key = fixture.dir / "keys" / reviewer
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", reviewer, "-f", str(key)], check=True)
        public = key.with_name(f"{reviewer}.pub").read_text(encoding="utf-8").strip()
        extra = f",{options}" if options else ""
        allowed = fixture.dir / "gates" / "allowed_signers"
        with allowed.open("a", encoding="utf-8") as fh:
            fh.write(f'{reviewer}/{reviews} namespaces="releasebuild-signoff"{extra} {public}\n')
    return key


def family_definition(name: str, stage: str = "foundation", **extra: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "name": name,
        "stage": stage,
        "sources": [f"../data/{name}.jsonl"],
        "format": "jsonl",
        "mapping": {"messages": {"field": "dialog", "role": "speaker", "content": "text",
                                 "roles": {"usr": "user", "sys": "assistant"}}},
        "id": "cid",
        "group_by": "session",
        "metadata": ["topic"],
    }
    definition.update(extra)
    return definition


def make_release(directory: Path, families: dict[str, list[Any]], *, version: str = "v2026-11-23",
                 max_records: int = 4, max_ratio: float = 0.5, **release_extra: Any) -> ReleaseFixture:
    """Write a complete release with one JSONL source per family (rows may be dicts or raw lines)."""
    fixture = ReleaseFixture(directory)
    for name, rows in families.items():
        write_jsonl(fixture.data_file(name), rows)
        stage = "edge" if name.startswith("edge") else "foundation"
        extra = {"holdout_sensitive": False, "holdout_reason": "test fixture"} if stage == "edge" else {}
        _write_yaml(fixture.family_yaml(name), family_definition(name, stage, **extra))
    _write_yaml(directory / "gates" / "quarantine.yaml", {"max_ratio": max_ratio})
    # Pattern recognizers only: fixtures test the pipeline, not NER (tests of NER build their own gate file).
    _write_yaml(directory / "gates" / "privacy.yaml", {"mode": "patterns_only"})
    release: dict[str, Any] = {
        "version": version,
        "root": "published",
        "families": [f"families/{name}.yaml" for name in families],
        "splits": {"ratios": {"train": 0.8, "val": 0.1, "test": 0.1}, "salt": "fixture-salt"},
        "shards": {"max_records": max_records},
        "curriculum": [{"stage": "foundation", "families": {name: index + 1 for index, name in enumerate(families)}}],
        "gates": {"quarantine": "gates/quarantine.yaml", "privacy": "gates/privacy.yaml"},
        # No human review unless a test asks for one (tests of the signoff gate pass `signoffs=`).
        "signoffs": {"required": []},
    }
    release.update(release_extra)
    _write_yaml(fixture.release_yaml, release)
    return fixture


def _write_yaml(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


# --- S3: moto's S3 server on loopback, as tests and the benchmark use it ---

_ANSI = r"(?:\x1b\[[0-9;]*m)*"  # werkzeug colours the request line of non-200 answers
_ACCESS_LINE = re.compile(rf'"{_ANSI}([A-Z]+) (\S+) HTTP/[0-9.]+{_ANSI}" (\d{{3}})')


@dataclass(frozen=True)
class LoggedRequest:
    """One line of the server's access log: what a client asked for and the status it got."""

    method: str
    key: str  # object key; "" for a bucket-level request (path-style addressing: /<bucket>/<key>)
    query: str
    status: int


def parse_access_line(line: str) -> LoggedRequest | None:
    match = _ACCESS_LINE.search(line)
    if not match:
        return None
    method, target, status = match.groups()
    path, _, query = target.partition("?")
    _, _, key = path.lstrip("/").partition("/")
    return LoggedRequest(method, key, query, int(status))


# Credentials a local server accepts (moto checks none): what benchmarks put in the environment
BENCH_ACCESS_KEY = "AKIABENCHACCESS0001"
BENCH_SECRET_KEY = "bench-secret-0123456789"


class LocalS3Server:
    """moto's S3 server (its server mode) on a free loopback port, a thread of this process, reached over HTTP
    like any S3-compatible endpoint; `log` collects its access-log lines so callers can check what was asked."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer  # moto is a dev dependency

        _atomic_conditional_writes()
        self.log: list[str] = []
        logger = logging.getLogger("werkzeug")
        logger.addHandler(_ListHandler(self.log))
        logger.setLevel(logging.INFO)
        logger.propagate = False
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.stop()

    def serve_to_this_process(self, bucket: str) -> Any:
        """Point this process's S3 settings (the OVH_S3_* variables the store reads) at this server, with none of
        the machine's own AWS settings, and create the bucket: what a benchmark does before it applies to an
        s3:// root. Returns a boto3 client of the server, for arranging objects behind the store's back."""
        import boto3

        for name in [n for n in os.environ if n.startswith(("AWS_", "OVH_S3_"))] + ["DATASET_STORAGE_BACKEND"]:
            os.environ.pop(name, None)
        os.environ.update({"OVH_S3_ENDPOINT": self.endpoint, "OVH_S3_REGION": "us-east-1",
                           "OVH_S3_ACCESS_KEY": BENCH_ACCESS_KEY, "OVH_S3_SECRET_KEY": BENCH_SECRET_KEY,
                           "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent",
                           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"})
        client = boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=BENCH_ACCESS_KEY,
                              aws_secret_access_key=BENCH_SECRET_KEY, region_name="us-east-1")
        client.create_bucket(Bucket=bucket)
        return client


_CONDITIONAL = threading.Lock()


def _atomic_conditional_writes() -> None:
    """moto checks a PUT's or DELETE's If-Match / If-None-Match and then writes, as two steps, while its server
    answers requests on concurrent threads: two conditional writes to one key can both pass their check, which S3
    itself never allows (its conditional writes are atomic). Conditional requests are serialized here, so that the
    lock-race tests test releasebuild's protocol and not moto's race."""
    from moto.s3.responses import S3Response

    if getattr(S3Response, "_releasebuild_atomic", False):
        return
    for name in ("put_object", "delete_object"):
        method = getattr(S3Response, name)

        def serialized(self: Any, _method: Any = method) -> Any:
            if self.headers.get("If-Match") or self.headers.get("If-None-Match"):
                with _CONDITIONAL:
                    return _method(self)
            return _method(self)

        setattr(S3Response, name, serialized)
    S3Response._releasebuild_atomic = True  # type: ignore[attr-defined]


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]):
        super().__init__()
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


# --- lock races: contenders for one root's apply lock, a killed holder's lock present ---------------------------


@dataclass
class LockRace:
    rounds: int = 0
    holds: int = 0  # contenders that held the root (one per round when nobody fails)
    refused: int = 0  # contenders that found a live holder and refused (exit 4 in apply)
    double_holders: int = 0  # rounds in which two contenders held the root at the same moment
    errors: list[str] = field(default_factory=list)


def lock_race(root_uri: str, evidence: Path, rounds: int, contenders: int, hold_seconds: float = 0.05,
              stale: bool = True, checkout: bool = False) -> LockRace:
    """`rounds` rounds of `contenders` forked processes released at one instant to take the root's apply lock
    (`root_lock.holding`, no waiting), each recording when it held it (CLOCK_MONOTONIC, one clock for the whole
    machine). With `stale`, each round starts with the lock of a holder that was SIGKILLed while holding it. A round
    has double holders when two recorded intervals overlap. With `checkout`, `root_uri` is a checkout's state
    directory and the lock raced is the checkout's (`app.project.apply_lock`)."""
    import multiprocessing

    from releasebuild.store.root import ReleaseRoot
    from releasebuild.store.root_lock import read_holder

    context = multiprocessing.get_context("fork")
    result = LockRace()
    evidence.mkdir(parents=True, exist_ok=True)
    for number in range(rounds):
        log = evidence / f"round-{number:04d}.log"
        if stale:
            killed = context.Process(target=_killed_holder, args=(root_uri, checkout))
            killed.start()
            killed.join(timeout=60)
        barrier = context.Barrier(contenders)
        racers = [context.Process(target=_contender, args=(root_uri, str(log), barrier, hold_seconds, checkout))
                  for _ in range(contenders)]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(timeout=120)
            if racer.exitcode != 0:
                result.errors.append(f"round {number}: a contender exited with {racer.exitcode}")
        intervals: list[tuple[int, int]] = []
        for line in (log.read_text().splitlines() if log.exists() else []):
            kind, _, rest = line.partition(" ")
            if kind == "held":
                start, end = rest.split()
                intervals.append((int(start), int(end)))
            elif kind == "refused":
                result.refused += 1
            else:
                result.errors.append(f"round {number}: {line}")
        intervals.sort()
        result.rounds += 1
        result.holds += len(intervals)
        if any(later[0] < earlier[1] for earlier, later in zip(intervals, intervals[1:], strict=False)):
            result.double_holders += 1
        if checkout:
            from releasebuild.app.project import lock_holder

            holder = lock_holder(Path(root_uri) / "apply.lock")
            if holder is not None and holder != 0:
                from releasebuild.processes import alive

                if alive(holder):
                    result.errors.append(f"round {number}: a live holder was left behind")
        elif read_holder(ReleaseRoot(root_uri)) is not None:
            result.errors.append(f"round {number}: a lock was left behind")
            from releasebuild.store.root_lock import unlock

            unlock(ReleaseRoot(root_uri))
    return result


def _lock(root_uri: str, checkout: bool) -> Any:
    if checkout:
        from releasebuild.app.project import apply_lock

        return apply_lock(Path(root_uri))
    from releasebuild.store.root import ReleaseRoot
    from releasebuild.store.root_lock import holding

    return holding(ReleaseRoot(root_uri))


def _killed_holder(root_uri: str, checkout: bool) -> None:
    """Take the lock and die holding it, as an apply killed with SIGKILL does."""
    import signal

    with _lock(root_uri, checkout):
        os.kill(os.getpid(), signal.SIGKILL)


def _contender(root_uri: str, log: str, barrier: Any, hold_seconds: float, checkout: bool) -> None:
    import time

    from releasebuild.errors import Refused

    barrier.wait(timeout=60)
    try:
        with _lock(root_uri, checkout):
            start = time.monotonic_ns()
            time.sleep(hold_seconds)
            end = time.monotonic_ns()
        line = f"held {start} {end}\n"
    except Refused:
        line = "refused\n"
    except Exception as exc:  # reported by the round, never lost in a child
        line = f"error {type(exc).__name__}: {exc}\n"
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)
