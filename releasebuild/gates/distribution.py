"""Distribution gate: what the release's conversations look like, per family and split, and whether that is what
was expected and what was published before.

Per family, `<family>/stats` (steps/stats.py) counts conversations, turns, characters and tokens, role balance,
empty and over-long messages. `release/distribution` checks them against the expected ranges of
`gates/distribution.yaml`, compares them with the previous published release's report (a regression beyond the
tolerance fails unless release.yaml acknowledges it with a reason), draws the plots and writes the report.

A memo step: a family's plot is a function of its stats.json, the tokenizer's name and the plotting libraries, so
the gate keeps each family's PNG by the digest of those (plots.memo) and a rerun draws only the families whose
statistics changed, and the overview. One family edited costs one family's plot, not every family's.
"""

from __future__ import annotations

import difflib
import json
from importlib.metadata import version
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from releasebuild.config.gate import GateConfig
from releasebuild.config.located import Path_
from releasebuild.config.models import SPLITS, Name, Strict
from releasebuild.distribution.judge import (
    Acknowledgement,
    Comparison,
    check_ranges,
    range_why,
    regression_why,
)
from releasebuild.distribution.plots import MATPLOTLIB
from releasebuild.distribution.stats import METRICS, TOKEN_METRICS, Distribution
from releasebuild.distribution.tokenizers import Fallback, TokenizerName, resolve
from releasebuild.errors import DefinitionError, Diagnostic
from releasebuild.gates.base import GateBuild, GateParams, GateResult, GateStatus, gate_meta, previous_report
from releasebuild.keys import digest
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepSpec
from releasebuild.steps.record_memo import read_drawings, write_drawings
from releasebuild.steps.shipped import shipped_inputs
from releasebuild.steps.stats import ALL, STATS_FILE, Stats, StatsResult

GATE = "distribution"
REPORT = "gates/distribution.json"
PLOTS = "gates/distribution"
PLOTS_MEMO = "plots.memo"  # each family's PNG by what it was drawn from (not published, read by nothing downstream)
FORMAT_VERSION = 1
SplitName = Literal["train", "val", "test"]
# Compared with the previous release unless `regression.metrics` says otherwise: shape, not size (a release may
# grow on purpose; coverage.required guards the size).
DEFAULT_REGRESSION_METRICS: tuple[str, ...] = (
    "turns.mean", "chars_per_message.mean", "tokens_per_message.mean", "tokens_per_conversation.mean",
    "tokens_per_conversation.p95", "role_share.user", "role_share.assistant",
)


class Range(Strict):
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounded(self) -> Range:
        if self.min is None and self.max is None:
            raise ValueError("a range needs 'min', 'max' or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"range min {self.min:g} is above its max {self.max:g}")
        return self


Ranges = dict[str, Range]  # metric name -> expected range


class FamilyDistribution(Strict):
    ranges: Ranges = Field(default_factory=dict, description="the family's row over every split")
    splits: dict[SplitName, Ranges] = Field(default_factory=dict, description="per split")


class Regression(Strict):
    tolerance: Annotated[float, Field(gt=0)] = Field(0.25, description="largest relative change that passes")
    metrics: list[str] = Field(default_factory=lambda: list(DEFAULT_REGRESSION_METRICS))
    min_conversations: Annotated[int, Field(ge=1)] = Field(
        30, description="a family x split smaller than this in either release is not compared")


class DistributionGateConfig(GateConfig):
    tokenizer: TokenizerName = Field("approx", description="approx | cl100k_base | o200k_base")
    fallback: Fallback = Field("approx", description="when the tiktoken file is not available offline")
    max_message_tokens: Annotated[int, Field(gt=0)] = 4096
    ranges: Ranges = Field(default_factory=dict, description="every family's row over every split")
    families: dict[Name, FamilyDistribution] = Field(default_factory=dict)
    regression: Regression = Regression()

    def checks(self, families: set[str]) -> list[tuple[Path_, str, str]]:
        found: list[tuple[Path_, str, str]] = []
        if self.fallback == "error" and (problem := resolve(self.tokenizer).fallback_reason):
            found.append((("tokenizer",), _unavailable(self.tokenizer, problem), _offline_hint(self.tokenizer)))
        named: list[tuple[Path_, str]] = [(("ranges", metric), metric) for metric in self.ranges]
        for name, family in self.families.items():
            if name not in families:
                close = difflib.get_close_matches(name, sorted(families), n=1)
                found.append((("families", name), f"distribution settings for unknown family '{name}'",
                              f"did you mean '{close[0]}'?" if close else f"families: {', '.join(sorted(families))}"))
            named += [(("families", name, "ranges", metric), metric) for metric in family.ranges]
            named += [(("families", name, "splits", split, metric), metric)
                      for split, ranges in family.splits.items() for metric in ranges]
        named += [(("regression", "metrics", index), metric) for index, metric in enumerate(self.regression.metrics)]
        for where, metric in named:
            if metric not in METRICS:
                close = difflib.get_close_matches(metric, METRICS, n=1)
                found.append((where, f"unknown distribution metric '{metric}'",
                              f"did you mean '{close[0]}'?" if close else f"metrics: {', '.join(METRICS)}"))
        return found

    def ranges_for(self, family: str) -> list[dict[str, Any]]:
        """{split, metric, min, max} for one family: release-wide ranges, overridden by the family's own."""
        own = self.families.get(family, FamilyDistribution())
        rows = [(ALL, metric, bounds) for metric, bounds in sorted({**self.ranges, **own.ranges}.items())]
        rows += [(split, metric, bounds) for split, ranges in sorted(own.splits.items())
                 for metric, bounds in sorted(ranges.items())]
        return [{"split": split, "metric": metric, "min": bounds.min, "max": bounds.max}
                for split, metric, bounds in rows]


def _unavailable(tokenizer: str, problem: str) -> str:
    return f"tokenizer '{tokenizer}' is not available offline and fallback is 'error': {problem}"


def _offline_hint(tokenizer: str) -> str:
    return (f"put tiktoken's {tokenizer}.tiktoken file in a directory named by TIKTOKEN_CACHE_DIR, under the name "
            "tiktoken gives it (see docs/gates.md, 'Distribution gate'), or set `fallback: approx`")


def build_steps(config: DistributionGateConfig, build: GateBuild) -> list[StepSpec]:
    """A stats step per family (its params name the tokenizer that counts) and the gate step."""
    resolved = resolve(config.tokenizer)
    if resolved.fallback_reason and config.fallback == "error":  # checks() said so at load; the file went away
        message = _unavailable(config.tokenizer, resolved.fallback_reason)
        raise DefinitionError([Diagnostic("release.yaml", 1, 1, message, _offline_hint(config.tokenizer))])
    tokenizer = {"name": resolved.name, "version": resolved.version}
    specs = [StepSpec(ids.family_step(name, ids.STATS), Stats.kind,
                      {"family": name, "tokenizer": tokenizer, "max_message_tokens": config.max_message_tokens},
                      deps, name, reads=reads)
             for name in build.families for deps, reads in [shipped_inputs(name)]]
    previous = build.previous
    previous_uri = previous.artifact(REPORT) if previous else None
    params = {
        "blocking": config.blocking,
        "thresholds": config.model_dump(mode="json"),
        "tokenizer": resolved.to_json(),
        "max_message_tokens": config.max_message_tokens,
        "ranges": {name: config.ranges_for(name) for name in build.families},
        "acknowledge": [{"family": entry["family"], "metric": entry["metric"], "reason": entry["reason"]}
                        for entry in build.acknowledgements if entry["gate"] == GATE],
        "previous": {"version": previous.version, "report": previous_uri is not None} if previous else None,
    }
    deps = tuple(spec.id for spec in specs)
    specs.append(StepSpec(ids.release_step(GATE), DistributionGate.kind, params, deps, None,
                          sources=(previous_uri,) if previous_uri else (), source_dir=build.base_dir,
                          reads={dep: ("meta", STATS_FILE) for dep in deps}))
    return specs


class DistributionGateParams(GateParams):
    tokenizer: dict[str, Any]  # the tokenizer that counts (name, version, what was asked for, why a fallback)
    max_message_tokens: int
    ranges: dict[str, list[dict[str, Any]]]  # family -> its metrics' allowed ranges
    acknowledge: list[dict[str, Any]]  # release.yaml's acknowledgements of regressions
    previous: dict[str, Any] | None  # the previous release and whether it published this report


class DistributionGate(Step):
    kind = "gate_distribution"
    slow_loads = MATPLOTLIB
    code_version = "3"  # 3: the plots memo
    predictable = True  # reads metas and reports, not records (Step.predictable)
    Params = DistributionGateParams
    Result = GateResult
    memo = (PLOTS_MEMO,)

    @staticmethod
    def run(ctx: StepContext) -> GateResult:
        params = ctx.typed(DistributionGateParams)
        tokenizer = params.tokenizer
        # a step's result comes with sorted keys: the report reads the family's row, then train, val, test
        stats = [ctx.inputs[dep].typed(StatsResult) for dep in ctx.spec.deps]
        current = {family.family: {split: family.splits[split] for split in (ALL, *SPLITS) if split in family.splits}
                   for family in stats}
        previous, note = previous_report(ctx, GATE, FORMAT_VERSION)
        regression = params.thresholds["regression"]
        metrics = list(regression["metrics"])
        if previous and not _same_counting(previous, params):
            metrics = [metric for metric in metrics if metric not in TOKEN_METRICS]
            note = (f"token metrics not compared: the previous release counted with "
                    f"{previous['tokenizer']['name']} ({previous['tokenizer']['version']}), max_message_tokens "
                    f"{previous['max_message_tokens']}")
        acknowledgements = [Acknowledgement(**entry) for entry in params.acknowledge]
        comparison = Comparison(metrics, regression["tolerance"], regression["min_conversations"], acknowledgements)
        before = {entry["family"]: entry["splits"] for entry in previous["families"]} if previous else {}

        families = []
        for name in (family.family for family in stats):
            entry = _judge(name, current[name], params.ranges[name], comparison, before.get(name),
                           compared=previous is not None)
            entry["plot"] = f"{PLOTS}/{name}.png"
            families.append(entry)
        failed = [entry["family"] for entry in families if entry["status"] == "fail"]
        status: GateStatus = "fail" if failed else (
            "warn" if tokenizer["fallback_reason"] or any(entry["status"] == "warn" for entry in families) else "pass")
        report = {
            "gate": GATE, "format_version": FORMAT_VERSION, "status": status, "tokenizer": tokenizer,
            "max_message_tokens": params.max_message_tokens,
            "previous": {**(params.previous or {"version": None, "report": False}), "note": note},
            "regression": regression, "metrics": list(METRICS), "failed_families": failed,
            "removed_families": sorted(set(before) - set(current)),
            "acknowledged": [{**ack, "regressions": sum(row.get("acknowledgement") == index for entry in families
                                                         for row in entry["comparisons"])}
                             for index, ack in enumerate(params.acknowledge)],
            "overview_plot": f"{PLOTS}/overview.png", "families": families,
        }
        _write_plots(ctx, current, tokenizer["name"])
        ctx.write_json("report.json", report, publish=REPORT, kind="gate_report")
        with ctx.create("report.md", publish="gates/distribution.md", kind="gate_report") as out:
            out.write(_markdown(report).encode("utf-8"))
        return gate_meta(GATE, status, params, REPORT, families)


def _same_counting(previous: dict[str, Any], params: DistributionGateParams) -> bool:
    before, now = previous["tokenizer"], params.tokenizer
    return ((before["name"], before["version"], previous["max_message_tokens"])
            == (now["name"], now["version"], params.max_message_tokens))


def _judge(family: str, rows: dict[str, dict[str, Any]], ranges: list[dict[str, Any]], comparison: Comparison,
           before: dict[str, dict[str, Any]] | None, compared: bool) -> dict[str, Any]:
    checked = check_ranges(rows, ranges)
    comparisons, skipped = comparison.compare(family, rows, before) if before is not None else ([], [])
    problems = [range_why(check) for check in checked if not check["ok"]]
    problems += [regression_why(row) + " (not acknowledged)" for row in comparisons if row["status"] == "regression"]
    acknowledged = any(row["status"] == "acknowledged" for row in comparisons)
    entry: dict[str, Any] = {"family": family, "status": "fail" if problems else "warn" if acknowledged else "pass",
                             "new": compared and before is None, "splits": rows, "ranges": checked,
                             "comparisons": comparisons, "not_compared": skipped}
    if problems:
        entry["why"] = "; ".join(problems)
    return entry


def _write_plots(ctx: StepContext, current: dict[str, Any], tokenizer: str) -> None:
    from releasebuild.distribution.plots import family_png, overview_png  # matplotlib: only when the gate runs

    identity = digest({"code_version": DistributionGate.code_version, "tokenizer": tokenizer,
                       "libraries": {name: version(name) for name in ("matplotlib", "numpy")}})
    # the previous run's family plots by the SHA-256 of the stats.json each was drawn from, when drawn with the
    # same tokenizer, code and libraries
    previous = read_drawings(ctx.memo.get(PLOTS_MEMO), f"#plots\t{identity}")
    drawn: list[tuple[str, bytes]] = []
    for dep in ctx.spec.deps:
        key = ctx.inputs[dep].files[STATS_FILE].sha256  # the plot reads the family's stats.json and nothing else
        png = previous.get(key)
        if png is None:
            stats = json.loads(ctx.input_path(dep, STATS_FILE).read_bytes())
            splits = {split: {name: Distribution.from_json(pairs) for name, pairs in row["distributions"].items()}
                      for split, row in stats["splits"].items() if split != ALL}
            png = family_png(stats["family"], tokenizer, splits)
        family = ctx.inputs[dep].typed(StatsResult).family
        with ctx.create(f"{family}.png", publish=f"{PLOTS}/{family}.png", kind="gate_report") as out:
            out.write(png)
        drawn.append((key, png))
    with ctx.create("overview.png", publish=f"{PLOTS}/overview.png", kind="gate_report") as out:
        out.write(overview_png(current, tokenizer))
    write_drawings(ctx, PLOTS_MEMO, f"#plots\t{identity}", drawn, previous, "plots")


def _number(value: Any) -> str:
    return "–" if value is None else f"{value:g}"


def _markdown(report: dict[str, Any]) -> str:
    tokenizer = report["tokenizer"]
    counted = f"`{tokenizer['name']}` ({tokenizer['version']})"
    if tokenizer["fallback_reason"]:
        counted += f"; `{tokenizer['requested']}` was asked for, but {tokenizer['fallback_reason']}"
    lines = [f"# Distribution gate: {report['status']}", "", f"Tokens counted with {counted}. "
             f"Over-long: more than {report['max_message_tokens']} tokens in a message.", "",
             f"Previous release: {report['previous']['note']}"
             f" (tolerance {report['regression']['tolerance']:.0%}).", "",
             "![overview](distribution/overview.png)", "",
             "| family | split | conversations | turns mean / median / p95 | tokens per conversation mean / median / "
             "p95 | tokens per message mean / p95 | user / assistant / system share | empty | over-long | status |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for family in report["families"]:
        for split, m in family["splits"].items():
            lines.append(
                f"| {family['family']} | {split} | {m['conversations']} | "
                + " / ".join(_number(m[f"turns.{s}"]) for s in ("mean", "median", "p95")) + " | "
                + " / ".join(_number(m[f"tokens_per_conversation.{s}"]) for s in ("mean", "median", "p95")) + " | "
                + " / ".join(_number(m[f"tokens_per_message.{s}"]) for s in ("mean", "p95")) + " | "
                + " / ".join(_number(m[f"role_share.{r}"]) for r in ("user", "assistant", "system"))
                + f" | {m['empty_messages']} | {m['over_long_messages']} | {family['status']} |")
    for family in report["families"]:
        lines += ["", f"## {family['family']}: {family['status']}" + (" (new family)" if family["new"] else ""), ""]
        if family.get("why"):
            lines += [f"**Why:** {family['why']}", ""]
        for check in family["ranges"]:
            bounds = f"[{_number(check['min'])}, {_number(check['max'])}]"
            lines.append(f"- range {check['metric']} ({check['split']}): {_number(check['value'])} in {bounds}: "
                         + ("ok" if check["ok"] else "**fails**"))
        for row in family["comparisons"]:
            if row["status"] != "ok":
                lines.append(f"- {row['status']}: {regression_why(row)}"
                             + (f"; reason: {row['reason']}" if row.get("reason") else ""))
        for row in family["not_compared"]:
            lines.append(f"- not compared ({row['split']}): {row['why']}")
        lines += ["", f"![{family['family']}](distribution/{family['family']}.png)"]
    return "\n".join(lines) + "\n"
