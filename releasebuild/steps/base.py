"""The step contract: a step is a pure function of (params, input files, source files) -> output files + meta.

Steps never touch the store layout, the lock file or the action cache; the engine owns those side effects
(datatrove's lesson). A step declares its kind and a code version; bump the version when its output changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from releasebuild.keys import Sha256Writer, canonical_json, digest, pretty_json, sha256_file
from releasebuild.staleness import StaleReason
from releasebuild.store.cas import ContentStore
from releasebuild.store.io import Stores
from releasebuild.store.io import default as default_stores
from releasebuild.store.root import ReleaseRoot


@dataclass(frozen=True)
class SourceFile:
    """One matched source file: `name` is stable (relative to its family YAML), `uri` is where to read it."""

    name: str
    uri: str
    digest: str
    bytes: int = 0


class StepParams(BaseModel):
    """A step kind's params as a model: frozen, no unknown keys. Its JSON dump is exactly the spec's params dict
    (what the step key digests), which tests/test_step_contracts.py checks for every step of a real graph."""

    model_config = ConfigDict(frozen=True, extra="forbid")


ParamsT = TypeVar("ParamsT", bound=StepParams)


class StepMeta(BaseModel):
    """What a step kind puts in its result's meta, as a model (the kind's `Result`): frozen, no unknown keys, every
    field required, so the meta it dumps to is exactly what the step built. Downstream steps, gates and commands
    read a dependency's meta as such a model through `StepResult.typed`, never by key."""

    model_config = ConfigDict(frozen=True, extra="forbid")


MetaT = TypeVar("MetaT", bound=StepMeta)


@dataclass(frozen=True)
class StepSpec:
    """One node of the target graph: what to run, with what, after what."""

    id: str
    kind: str
    params: dict[str, Any]
    deps: tuple[str, ...] = ()
    family: str | None = None
    # Source patterns as declared (paths relative to `source_dir`, globs, URIs), expanded and fingerprinted by the
    # engine. Not part of the key: the matched files' stable names and content digests are.
    sources: tuple[str, ...] = ()
    source_dir: str = ""
    # dep id -> the names of its output files the step reads ("meta" for its meta). Only those enter the key
    # and only those are visible to the step, so a change elsewhere in the dep's output cannot rerun it.
    # A dep not listed is read whole.
    reads: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def view(self, dep: str, result: StepResult) -> StepResult:
        """The part of a dependency's result this step may read: a file named in `reads`, or a part of one
        (`part_file`)."""
        names = self.reads.get(dep)
        if names is None:
            return result
        return StepResult({n: ref for n, ref in result.files.items() if logical_name(n) in names},
                          result.meta if "meta" in names else {})


# A step may write one logical file as parts, "records.jsonl#00000", "records.jsonl#00001", ...: read in name order,
# they are the file. Each part is a blob of its own, so a rerun that changes one part hands the others on unchanged
# (`StepContext.reuse`) instead of writing and hashing the whole file again (see steps/parts.py).
PART_MARK = "#"


def part_file(name: str, index: int) -> str:
    """The name of the `index`th part of the logical file `name`."""
    return f"{name}{PART_MARK}{index:05d}"


def logical_name(name: str) -> str:
    """The logical file a file name belongs to: itself, or the file it is a part of."""
    return name.partition(PART_MARK)[0]


@dataclass(frozen=True)
class FileRef:
    sha256: str
    bytes: int
    publish: str | None = None  # key under the release prefix, when the file ships in the release
    kind: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "bytes": self.bytes, "publish": self.publish, "kind": self.kind}


@dataclass(frozen=True)
class StepResult:
    files: dict[str, FileRef]
    meta: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"files": {name: ref.to_json() for name, ref in sorted(self.files.items())}, "meta": self.meta}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepResult:
        return cls({name: FileRef(**ref) for name, ref in data["files"].items()}, data["meta"])

    def typed(self, model: type[MetaT]) -> MetaT:
        """The meta as `model`: the producing kind's `Result`, or a model of part of it (any gate's verdict read as
        the `GateResult` all verdicts share), so keys a reader does not name are ignored. A field the model needs
        and the meta lacks (a step that does not read its dependency's meta sees none) is an error here."""
        return model.model_validate(self.meta, extra="ignore")

    @property
    def digest(self) -> str:
        """What downstream keys see: identical output => identical digest => early cutoff."""
        return digest(self.to_json())

    def published(self) -> list[tuple[str, FileRef]]:
        return sorted((ref.publish, ref) for ref in self.files.values() if ref.publish)


@dataclass(frozen=True)
class BuiltStep:
    """A dependency as a `reads_records` step sees it: what its key was made of, with its output digest
    (`StepRecord.to_json()`), and its whole result (file refs and meta; no file is fetched for it). The record's
    output digest covers the whole result, and the step's key holds each record's digest, so the key covers all the
    step may read here."""

    record: dict[str, Any]
    result: StepResult


@dataclass(frozen=True)
class Memo:
    """What a memo step is handed of its previous run (`Step.memo`): the files it reads, as local files, and every
    output's ref, which it may hand on unchanged (`StepContext.reuse`) without the engine fetching a byte."""

    paths: dict[str, Path]
    refs: dict[str, FileRef]


class EffectEnv(Protocol):
    """What an effect step touches outside the cache: the release root it publishes to, the content store it copies
    from, and where a blocked build leaves its reports. The engine's `RunEnv` is one; the engine runs the steps, so
    they know it by this protocol, not by importing it."""

    @property
    def root(self) -> ReleaseRoot: ...

    @property
    def cas(self) -> ContentStore: ...

    @property
    def blocked_dir(self) -> Path: ...


@dataclass
class StepContext:
    """What a running step may see: its params, its inputs' files and meta, its sources, a scratch dir."""

    spec: StepSpec
    workdir: Path
    inputs: dict[str, StepResult]
    input_paths: dict[str, dict[str, Path]]
    sources: list[SourceFile]
    env: EffectEnv | None = None  # the run's environment (the engine's RunEnv), which effect steps need
    memo: dict[str, Path] = field(default_factory=dict)  # memo steps: their memo outputs from the previous run
    # memo steps: every output of the previous run (their parts too), by name, which `reuse` may hand on unchanged
    memo_refs: dict[str, FileRef] = field(default_factory=dict)
    built: dict[str, BuiltStep] = field(default_factory=dict)  # `reads_records` steps: their dependencies, by id
    # What the step says about its own work (memo hits, items scanned), shown by apply and kept out of the result:
    # it may differ between runs that produce the same output.
    stats: dict[str, int] = field(default_factory=dict)
    store: Stores = field(default_factory=default_stores)  # where sources and earlier releases are read
    outputs: dict[str, OutputFile] = field(default_factory=dict)

    @property
    def params(self) -> dict[str, Any]:
        return self.spec.params

    @property
    def effect_env(self) -> EffectEnv:
        """The run's environment, for an effect step: an error in a context made without one (a test's)."""
        if self.env is None:
            raise RuntimeError(f"{self.spec.id}: an effect step runs in the engine's environment, and none was given")
        return self.env

    def typed(self, model: type[ParamsT]) -> ParamsT:
        """The params as the step kind's declared model (`Step.Params`): a param the graph and the step disagree
        on is an error here, not a KeyError deep in the step."""
        return model.model_validate(self.spec.params)

    def dep(self, name: str) -> str:
        """The id of the dependency called `name`: a family's step by its name ("privacy" for "alpha/privacy"),
        a release step by its id (ids.DEDUP). Exactly one must match: steps name what they read instead of
        unpacking their dependencies by position."""
        found = [dep for dep in self.spec.deps if dep == name or dep.rpartition("/")[2] == name]
        if len(found) != 1:
            raise KeyError(f"{self.spec.id}: {len(found)} dependencies named '{name}' among {list(self.spec.deps)}")
        return found[0]

    def input_path(self, dep_id: str, name: str) -> Path:
        return self.input_paths[dep_id][name]

    def input_files(self, dep_id: str, name: str) -> list[Path]:
        """The logical file `name` of a dependency: the file, or its parts in order (`part_file`)."""
        files = self.input_paths[dep_id]
        if name in files:
            return [files[name]]
        return [path for _, path in sorted((n, path) for n, path in files.items() if logical_name(n) == name)]

    def lines(self, dep_id: str, name: str) -> Iterator[bytes]:
        """The lines of a dependency's logical file `name`, across its parts, as bytes."""
        for path in self.input_files(dep_id, name):
            with path.open("rb") as fh:
                yield from fh

    def reuse(self, name: str, previous: str, publish: str | None = None, kind: str | None = None) -> None:
        """Take the previous run's output `previous` (a memo step's, `memo_refs`) as this run's output `name`
        (published as `publish`, of `kind`, as `open_output` says), unchanged and by reference: nothing is written,
        read or hashed. Only a step whose output would be these very bytes may do so (a part made from the same
        input part, under the same params and code)."""
        self._hand_on(name, self.memo_refs[previous], publish, kind)

    def reuse_input(self, name: str, dep_id: str, file: str) -> None:
        """Take a dependency's output `file` as this run's output `name`, unchanged and by reference (ingest hands
        its mapped files on as the family's parts)."""
        self._hand_on(name, self.inputs[dep_id].files[file])

    def _hand_on(self, name: str, ref: FileRef, publish: str | None = None, kind: str | None = None) -> None:
        if name in self.outputs:
            raise ValueError(f"output {name!r} written twice")
        self.outputs[name] = ReusedFile(ref, publish, kind)

    def open_output(self, name: str, publish: str | None = None, kind: str | None = None) -> OutputFile:
        """Start an output file; its SHA-256 is computed as it is written. Close it to finish it."""
        if name in self.outputs:
            raise ValueError(f"output {name!r} written twice")
        output = OutputFile(self.workdir / f"out-{len(self.outputs):05d}", publish, kind)
        self.outputs[name] = output
        return output

    @contextmanager
    def create(self, name: str, publish: str | None = None, kind: str | None = None) -> Iterator[OutputFile]:
        output = self.open_output(name, publish, kind)
        try:
            yield output
        finally:
            output.close()

    def keep(self, name: str, path: Path) -> None:
        """Take a file the step made by other means (a rule's command) as an output: hashed, not copied."""
        if name in self.outputs:
            raise ValueError(f"output {name!r} written twice")
        self.outputs[name] = KeptFile(path)

    def write_json(self, name: str, value: Any, publish: str | None = None, kind: str | None = None) -> None:
        with self.create(name, publish, kind) as out:
            out.write(pretty_json(value).encode("utf-8"))

    def write_lines(self, name: str, rows: Iterable[Any], publish: str | None = None, kind: str | None = None) -> int:
        count = 0
        with self.create(name, publish, kind) as out:
            for row in rows:
                out.write((canonical_json(row) + "\n").encode("utf-8"))
                count += 1
        return count


class OutputFile:
    """A step output being written; hashed as it goes.

    Small writes are gathered and handed to the file and its hash BUFFER bytes at a time: steps write a line per
    record (several files per record in the privacy step, several parts per entry in the held-out index), and a
    call through the file and the hash per line showed in their profiles."""

    BUFFER = 1 << 16

    def __init__(self, path: Path, publish: str | None, kind: str | None):
        self.path = path
        self.publish = publish
        self.kind = kind
        self._fh = path.open("wb")
        self._writer = Sha256Writer(self._fh)
        self._pending: list[bytes | memoryview] = []
        self._pending_bytes = 0

    def write(self, data: bytes | memoryview) -> None:
        """Write bytes (a memoryview of format "B": its length is its bytes)."""
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= self.BUFFER:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write(self._pending[0] if len(self._pending) == 1 else b"".join(self._pending))
            self._pending.clear()
            self._pending_bytes = 0

    @property
    def bytes(self) -> int:
        return self._writer.bytes + self._pending_bytes

    def close(self) -> None:
        if not self._fh.closed:
            self._flush()
            self._fh.close()

    def ref(self) -> FileRef:
        self._flush()
        return FileRef(self._writer.sha256, self._writer.bytes, self.publish, self.kind)


class FinishedFile(OutputFile):
    """An output whose bytes are already written and hashed: nothing more is written to it."""

    def __init__(self, path: Path, ref: FileRef):
        self.path = path
        self.publish = None
        self.kind = None
        self._ref = ref

    def write(self, data: bytes | memoryview) -> None:
        raise ValueError(f"{self.path} ({self._ref.sha256}) is a finished file")

    @property
    def bytes(self) -> int:
        return self._ref.bytes

    def close(self) -> None:
        pass

    def ref(self) -> FileRef:
        return self._ref


class KeptFile(FinishedFile):
    """An output that already exists on disk: its SHA-256 in one read, the file left where it is."""

    def __init__(self, path: Path):
        super().__init__(path, FileRef(sha256_file(path), path.stat().st_size))


class ReusedFile(FinishedFile):
    """An output handed on from the step's previous run or from an input (`StepContext.reuse`, `reuse_input`): a
    blob the content store holds, with no file of the step's own."""

    def __init__(self, ref: FileRef, publish: str | None = None, kind: str | None = None):
        super().__init__(Path(), FileRef(ref.sha256, ref.bytes, publish, kind))
        self.publish, self.kind = publish, kind


class Step:
    """Base of every step kind. Subclasses set `kind` and `code_version` and implement `run`."""

    kind: ClassVar[str]
    code_version: ClassVar[str]
    # Effect steps change the world outside the cache (publishing); they run in the main process
    # and decide for themselves whether their effect is already in place.
    effect: ClassVar[bool] = False
    # Per-source steps map each source file on its own (`map`, with ctx.sources holding that one file), each
    # cached by the file's digest and run in parallel; `run` then combines them, reading map results as inputs
    # named "source:<name>". An edit to one file of a family re-maps that file only.
    per_source: ClassVar[bool] = False
    # Per-source steps: these outputs of the file's previous map (the same file name, mapped under the same params and
    # code, before its bytes changed) are handed to `map` as ctx.memo, to skip the work they hold. As with `memo`,
    # the output must not depend on whether they were given.
    map_memo: ClassVar[tuple[str, ...]] = ()
    # Memo steps get these output files of their own previous run (ctx.memo, by name; a name covers its parts) to
    # skip work they already hold, and every output's ref (ctx.memo_refs) to hand on unchanged (ctx.reuse). The
    # output must not depend on whether a memo was given: the memo is outside the key.
    memo: ClassVar[tuple[str, ...]] = ()
    # Restricted steps handle pre-privacy data: some output may hold raw text, and so PII (ingest's records, the
    # privacy step's raw originals, a rule's sources-to-be). Their action entries and blobs go to the shared cache's
    # restricted tier, which one access policy locks down, never to the general tier every release reader may
    # be able to list. A step whose output is post-privacy, or only digests, ids and counts, is not restricted.
    restricted: ClassVar[bool] = False
    # Steps that read what their dependencies' keys were made of (release/lock publishes release.lock, which records
    # every family and rule step): the engine hands them each dependency's record and whole result (ctx.built), and
    # puts each record's digest in their key, so a dependency whose key changes reruns them even when its output did
    # not.
    reads_records: ClassVar[bool] = False
    # Whether `run` opens its inputs' files. A step that works from their refs and metas alone (the manifest lists
    # every artifact by digest) is handed no paths, so the engine neither fetches nor hashes a release's worth of
    # blobs for it; whoever reads those bytes later (publish) checks them then.
    opens_inputs: ClassVar[bool] = True
    # Steps whose output seldom changes when they rerun (a family's split assignment survives an edited message,
    # though the split waits for the whole release's dedup to tell). While one is still to be decided, the engine
    # may start a step after it on its last result, on a worker that has nothing else to do, and keep that run when
    # its key turns out right (engine._Walk._guess).
    steady: ClassVar[bool] = False
    # What `run` imports or loads that takes long, for a pool worker to make ahead while it has no job, when a step of
    # this kind may run in the apply (engine._IdleWork): "module" (Presidio with spaCy, datasketch with scipy,
    # matplotlib) or "module:function", a function of no arguments whose result is cached (a model file's load).
    slow_loads: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def loads(cls, params: dict[str, Any]) -> tuple[str, ...]:
        """The slow loads of a step of this kind with these params: `slow_loads`, and for a kind whose loading
        depends on its params, "module:function:arg:..." (the function called with those string arguments)."""
        return cls.slow_loads
    # Predictable steps are cheap (they read metas, reports and small per-family files, never the records), so
    # `plan` runs one that must rerun, in scratch, to learn its output: the keys after it are then computable and
    # the plan says exactly what follows instead of "may run". Its outputs reach the content store only, never
    # the action cache, so `apply` still runs it (and, steps being deterministic, writes the same bytes).
    predictable: ClassVar[bool] = False
    # The params model (a StepParams): every kind of the package declares one, and the engine validates a spec's
    # params against it before the step runs. The spec still carries plain JSON, which is what the key digests.
    Params: ClassVar[type[StepParams] | None] = None
    # The result model (a StepMeta): what `run` returns, which the engine dumps to the result's meta. A kind whose
    # meta is empty returns a bare StepMeta. Per-source kinds also declare what `map` returns, per source file.
    Result: ClassVar[type[StepMeta]]
    MapResult: ClassVar[type[StepMeta]]

    @staticmethod
    def run(ctx: StepContext) -> StepMeta:
        raise NotImplementedError

    @staticmethod
    def map(ctx: StepContext) -> StepMeta:
        """Per-source steps only: one source file's part of the work."""
        raise NotImplementedError

    # What fresh_records counts, as plan words it: records, or the unit of a step's work where a record holds several
    # (the privacy scan's texts); and, for a kind whose fresh_records is None, why plan never runs it.
    fresh_unit: ClassVar[str] = "record"
    not_computed: ClassVar[str] = "plan cannot tell what it would compute without running it"

    @staticmethod
    def fresh_records(ctx: StepContext) -> int | None:
        """Plan only: how many records a run of this step with these inputs would compute afresh, i.e. not held by
        a per-record cache of its own (its memo): what `plan --compute-budget` counts before running a step that is
        not predictable in scratch. `ctx` is the run's context (for a per-source step: the files still to map).
        By default every record the step reads: the lines of its largest record file (.jsonl, .tsv). None: plan
        cannot tell without running it, and never runs it (a rule's command)."""
        counts: dict[tuple[str, str], int] = {}
        for dep, files in ctx.input_paths.items():
            for name, path in files.items():
                if logical_name(name).endswith((".jsonl", ".tsv")):
                    whole = (dep, logical_name(name))
                    counts[whole] = counts.get(whole, 0) + line_count(path)
        return max(counts.values(), default=0)

    @staticmethod
    def check(ctx: StepContext) -> tuple[StaleReason, str]:
        """Effect steps only: is the effect in place (UP_TO_DATE) or why not, and a sentence saying so."""
        raise NotImplementedError

    @staticmethod
    def check_waiting(env: EffectEnv, params: dict[str, Any]) -> tuple[StaleReason, str] | None:
        """Effect steps only: what `plan` can already say while the step's inputs are still to be rebuilt."""
        return None


def line_count(path: Path) -> int:
    """The lines of a file (a last line without its newline counts), read in bounded chunks: records, in a
    one-record-per-line file."""
    lines, last = 0, b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSON-lines file a step wrote."""
    with path.open("rb") as fh:
        yield from parse_lines(fh)


PARSE_BATCH = 4096  # lines one json.loads parses: a call per line cost 3.5x as much (0.35 s for 200,000 rows)


def parse_lines(lines: Iterable[bytes]) -> Iterator[Any]:
    """The value of each line of a JSON-lines file a step wrote (one JSON value a line, UTF-8), parsed PARSE_BATCH
    lines at a time as one JSON array."""
    batch: list[bytes] = []
    for line in lines:
        batch.append(line)
        if len(batch) == PARSE_BATCH:
            yield from json.loads(b"[" + b",".join(batch) + b"]")
            batch = []
    if batch:
        yield from json.loads(b"[" + b",".join(batch) + b"]")
