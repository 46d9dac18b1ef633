"""What would run and why: plain data (Terraform's lesson), rendered elsewhere."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from releasebuild.keys import digest
from releasebuild.staleness import StaleReason

if TYPE_CHECKING:
    from releasebuild.changes import Change
    from releasebuild.data_changes import SplitStat

PlanStatus = Literal["will_run", "may_run", "cached"]

# The records plan may compute afresh, in scratch, to know the output of data steps that must rerun (ingest of a
# changed file, the privacy scan of new texts (counted by text: the detector's unit of work), fingerprints, the
# family's split, export, stats, bias counts...; Step.fresh_records). An edit of a few records reruns some eight
# steps that read the family's records, so this covers families of about 6,000 records, exact in seconds; a new
# family or a cold cache costs every text to the detector, so at worst (all of it NER) a plan computes for a minute
# or two. A change past it stays may_run, saying so, rather than turning the plan into an apply.
DEFAULT_COMPUTE_BUDGET = 50_000


@dataclass(frozen=True)
class StepRecord:
    """What a step's key was made of; kept so the next plan can say what changed."""

    key: str
    code_version: str
    params: dict[str, str]     # flattened param path -> digest
    inputs: dict[str, str]     # input name (dep id or source:<name>) -> digest
    output: str | None = None  # result digest once run

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepRecord:
        return cls(**data)


def param_digests(params: dict[str, Any], depth: int = 2) -> dict[str, str]:
    """Digest per parameter path, two levels deep, so a reason can name what changed."""
    out: dict[str, str] = {}

    def walk(value: Any, path: str, level: int) -> None:
        if isinstance(value, dict) and value and level < depth:
            for key in sorted(value):
                walk(value[key], f"{path}.{key}" if path else key, level + 1)
        else:
            out[path or "(all)"] = digest(value)

    walk(params, "", 0)
    return out


def explain(current: StepRecord, previous: StepRecord | None) -> tuple[StaleReason, str]:
    """Why a step whose key is not cached must run, compared with its last recorded run."""
    if previous is None:
        return StaleReason.NEW, "never built"
    if previous.key == current.key:
        return StaleReason.OUTPUT_MISSING, "cached output is missing"
    if previous.code_version != current.code_version:
        return StaleReason.CODE_CHANGED, f"code version {previous.code_version} -> {current.code_version}"
    changed_params = _changed(previous.params, current.params)
    if changed_params:
        return StaleReason.PARAMS_CHANGED, "parameters changed: " + ", ".join(changed_params)
    changed = _changed(previous.inputs, current.inputs)
    sources = [name.removeprefix("source:") for name in changed if name.startswith("source:")]
    if sources:
        return StaleReason.SOURCES_CHANGED, "sources changed: " + ", ".join(_describe(sources, previous, current))
    return StaleReason.INPUT_CHANGED, "input changed: " + ", ".join(changed)


def _changed(old: dict[str, str], new: dict[str, str]) -> list[str]:
    return sorted(name for name in set(old) | set(new) if old.get(name) != new.get(name))


def _describe(names: list[str], previous: StepRecord, current: StepRecord) -> list[str]:
    described = []
    for name in names:
        key = f"source:{name}"
        if key not in previous.inputs:
            described.append(f"{name} (added)")
        elif key not in current.inputs:
            described.append(f"{name} (removed)")
        else:
            described.append(name)
    return described


@dataclass(frozen=True)
class StepPlan:
    id: str
    kind: str
    status: PlanStatus
    reason: StaleReason
    detail: str
    # may_run: the steps that must rerun whose outputs its key needs and only running them can tell (data a run
    # alone knows; `plan --compute-data` builds them, and the step is then cached or will_run)
    waits_for: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "status": self.status, "reason": self.reason.value,
                "detail": self.detail, "waits_for": list(self.waits_for)}


@dataclass(frozen=True)
class Plan:
    version: str
    release_uri: str
    previous_release: str | None
    steps: list[StepPlan] = field(default_factory=list)
    baseline: str = ""  # what `changes` compares with
    changes: list[Change] = field(default_factory=list)
    data_from: str = ""  # where the baseline's source files, counts and provenance indexes came from
    stats: list[SplitStat] = field(default_factory=list)  # per family and split, where both sides are known
    # what plan ran in scratch to know data steps' outputs: {budget, records, steps, not_computed} (engine.Computed)
    computed: dict[str, Any] = field(default_factory=lambda: {"budget": 0, "records": 0, "steps": {},
                                                               "not_computed": {}})

    @property
    def eval_breaking(self) -> list[SplitStat]:
        """The splits whose val or test records change: scores on the new release are not comparable."""
        return [stat for stat in self.stats if stat.eval_breaking]

    @property
    def train_only(self) -> list[SplitStat]:
        """The changed splits that are not eval-breaking (train records only)."""
        return [stat for stat in self.stats if stat.touched and not stat.eval_breaking]

    @property
    def waits_for(self) -> list[str]:
        """The reruns whose outputs the may_run steps' keys need, in step order: what only a run (or
        `plan --compute-data`) can tell."""
        needed = {step_id for step in self.steps for step_id in step.waits_for}
        return [step.id for step in self.steps if step.id in needed]

    @property
    def has_changes(self) -> bool:
        return bool(self.changes) or any(step.status != "cached" for step in self.steps)

    def counts(self) -> dict[str, int]:
        out = {"will_run": 0, "may_run": 0, "cached": 0}
        for step in self.steps:
            out[step.status] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {"format_version": 1, "version": self.version, "release_uri": self.release_uri,
                "previous_release": self.previous_release, "changes_pending": self.has_changes,
                "against": self.baseline, "against_data": self.data_from,
                "changes": [change.to_json() for change in self.changes],
                "data": {"stat": [stat.to_json() for stat in self.stats],
                         "eval_breaking": [f"{stat.family}/{stat.split}" for stat in self.eval_breaking],
                         "train_only": [f"{stat.family}/{stat.split}" for stat in self.train_only]},
                "summary": self.counts(), "computed": self.computed,
                "steps": [step.to_json() for step in self.steps]}
