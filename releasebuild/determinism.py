"""`apply --check-determinism`: rerun rules whose outputs are cached and compare the bytes.

A rule's key promises that the same inputs give the same outputs. A generator that writes the time, a random seed
it did not declare, or the order of a directory listing breaks that promise silently: the cache keeps the first
output and every later build reuses it, so nobody notices until a rebuild on a clean machine differs. Rerunning a
sample of rules in a scratch directory (the content store and the action cache are left alone) catches it.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from releasebuild.steps.base import FileRef, StepResult, StepSpec

if TYPE_CHECKING:  # the CLI reads DEFAULT_SAMPLE from here: it must not pay for the engine's imports
    from releasebuild.engine import Engine

DEFAULT_SAMPLE = 5
COMPARE_CHUNK = 1 << 20


@dataclass(frozen=True)
class OutputCheck:
    output: str
    cached_sha256: str
    rerun_sha256: str
    cached_bytes: int
    rerun_bytes: int
    first_difference: dict[str, int] | None  # byte offset, line and column (1-based) of the first differing byte


@dataclass(frozen=True)
class RuleCheck:
    rule: str
    status: str  # same | differs | failed
    detail: str
    outputs: list[OutputCheck] = field(default_factory=list)


@dataclass(frozen=True)
class DeterminismReport:
    version: str
    sample: int
    checked: list[RuleCheck]
    not_checked: dict[str, str]  # rule -> why it could not be compared

    @property
    def consistent(self) -> bool:
        return all(check.status == "same" for check in self.checked)

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "sample": self.sample, "consistent": self.consistent,
                "checked": [asdict(check) for check in self.checked], "not_checked": self.not_checked}


def check_determinism(engine: Engine, version: str, sample: int = DEFAULT_SAMPLE,
                      rng: random.Random | None = None) -> DeterminismReport:
    """Rerun up to `sample` rules (chosen at random among those whose outputs are cached) and compare outputs."""
    results = engine.known_results(("rule",))
    candidates: list[tuple[StepSpec, StepResult]] = []
    not_checked: dict[str, str] = {}
    for step_id in engine.order:
        spec = engine.spec(step_id)
        if spec.kind != "rule":
            continue
        name = spec.params["rule"]
        if step_id in results:
            candidates.append((spec, results[step_id]))
            continue
        unbuilt = [dep for dep in spec.deps if dep not in results]
        if unbuilt:
            not_checked[name] = f"{', '.join(unbuilt)} is not built (apply first)"
        else:
            not_checked[name] = f"its outputs are not cached: {engine.evaluate(spec, results).detail} (apply first)"
    engine.env.fingerprints.save()
    chosen = (rng or random.Random()).sample(candidates, min(sample, len(candidates)))
    position = {step_id: index for index, step_id in enumerate(engine.order)}
    chosen.sort(key=lambda pair: position[pair[0].id])
    chosen_ids = {spec.id for spec, _ in chosen}
    not_checked.update({spec.params["rule"]: "not in this sample" for spec, _ in candidates
                        if spec.id not in chosen_ids})
    checked = [_rerun(engine, spec, cached, results) for spec, cached in chosen]
    return DeterminismReport(version, sample, checked, dict(sorted(not_checked.items())))


def _rerun(engine: Engine, spec: StepSpec, cached: StepResult, results: dict[str, StepResult]) -> RuleCheck:
    from releasebuild.engine import run_step
    from releasebuild.fingerprints import fetch_rule_outputs

    name = spec.params["rule"]
    sources = engine.listed.get(spec.id, [])
    fetch_rule_outputs(sources, engine.env.cas)
    tmp_root = engine.env.cache_dir / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(dir=tmp_root, prefix="determinism-"))
    try:
        returned = run_step(spec, workdir, engine.env.store, engine.views(spec, results),
                            engine.input_paths(spec, results), sources)
        if not isinstance(returned, tuple):
            return RuleCheck(name, "failed", f"the rerun failed where the cached run succeeded: {returned.message}")
        outputs = [_compare(output, cached.files[output], Path(path), ref, engine)
                   for output, (path, ref) in sorted(returned[0].items())]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    differing = [check.output for check in outputs if check.cached_sha256 != check.rerun_sha256]
    if differing:
        return RuleCheck(name, "differs", f"the rerun wrote different bytes to {', '.join(differing)}", outputs)
    return RuleCheck(name, "same", f"{len(outputs)} output(s) identical", outputs)


def _compare(output: str, cached: FileRef, rerun_path: Path, rerun: FileRef, engine: Engine) -> OutputCheck:
    first = None
    if cached.sha256 != rerun.sha256:
        first = first_difference(engine.env.cas.local(cached.sha256), rerun_path)
    return OutputCheck(output, cached.sha256, rerun.sha256, cached.bytes, rerun.bytes, first)


def first_difference(a: Path, b: Path) -> dict[str, int] | None:
    """Where two files first differ: the byte offset, line and column (1-based); None when they are equal. Only
    the position is reported, never the text (rule outputs are raw data, before the privacy gate)."""
    offset, line, column = 0, 1, 1
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            chunk_a, chunk_b = fa.read(COMPARE_CHUNK), fb.read(COMPARE_CHUNK)
            if chunk_a == chunk_b:
                if not chunk_a:
                    return None
                offset += len(chunk_a)
                line += chunk_a.count(b"\n")
                last = chunk_a.rfind(b"\n")
                column = len(chunk_a) - last if last >= 0 else column + len(chunk_a)
                continue
            same = 0
            limit = min(len(chunk_a), len(chunk_b))
            while same < limit and chunk_a[same] == chunk_b[same]:
                same += 1
            head = chunk_a[:same]
            line += head.count(b"\n")
            last = head.rfind(b"\n")
            column = same - last if last >= 0 else column + same
            return {"byte": offset + same, "line": line, "column": column}
