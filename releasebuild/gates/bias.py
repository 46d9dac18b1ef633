"""Bias gate: representation and assistant behaviour by family and split, for the bias/cultural review.

Per family, `<family>/bias` (steps/bias_counts.py) counts identity mentions from the curated lexicons of
`gates/lexicons/` per conversation and role, assistant patterns (refusals, crisis escalation, stereotyped
phrasing) overall and by identity mention, the source's labels, language and reading level. `release/bias`
judges them (bias/judge.py): checks on each family's own counts, then each family against the release and
against the previous release. Flags warn unless their check is made blocking; release.yaml's `acknowledge:`
accepts one on purpose. It writes bias/report.json, its charts and a markdown page, and a stratified sample of
conversations per flagged cell next to the QA samples.

Each family's section of the report (its counts and its own flags, never the release-wide comparisons) has a
digest; the bias review's sign-off is bound to the digests of the families it covers.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr

from releasebuild.bias import judge as flags_of
from releasebuild.bias.counts import ALL
from releasebuild.bias.language import versions as language_versions
from releasebuild.bias.lexicon import Lexicon
from releasebuild.bias.pages import report_markdown, samples_markdown
from releasebuild.bias.reading_level import versions as reading_versions
from releasebuild.config.gate import DefinitionContext, GateConfig
from releasebuild.config.hints import did_you_mean
from releasebuild.config.load import validate_located
from releasebuild.config.located import Path_
from releasebuild.config.models import Acknowledgement as DeclaredAcknowledgement
from releasebuild.config.models import Name, Strict
from releasebuild.distribution.judge import Acknowledgement
from releasebuild.distribution.plots import MATPLOTLIB
from releasebuild.errors import Diagnostic
from releasebuild.gates.base import GateBuild, GateParams, GateStatus, ReviewSigns, SignedReport, previous_report
from releasebuild.keys import canonical_json, digest
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepSpec, read_jsonl
from releasebuild.steps.bias_counts import COUNTS_FILE, SAMPLES_FILE, BiasCounts, BiasCountsResult, lexicon_name
from releasebuild.steps.record_memo import read_drawings, write_drawings
from releasebuild.steps.shipped import shipped_inputs

GATE = "bias"
BIAS_STEP = ids.release_step(GATE)
REPORT = "bias/report.json"
PAGE = "bias/report.md"
FORMAT_VERSION = 1
DEFAULT_LEXICONS = "lexicons/*.yaml"  # beside the bias gate's file; gates/ when release.yaml declares none
DEFAULT_REVIEW = "bias_cultural_review"
Share = Annotated[float, Field(ge=0, le=1)]


class Check(Strict):
    blocking: bool = Field(False, description="a flag of this check blocks the release (default: it warns)")


class Dominance(Check):
    max_share: Share | None = Field(0.8, description="one category's largest share of a lexicon's mentions")
    min_mentions: Annotated[int, Field(ge=1)] = 30
    lexicons: dict[Name, Share | None] = Field(default_factory=dict, description="max_share per lexicon; null: off")


class Shift(Check):
    tolerance: Share = 0.2
    min_mentions: Annotated[int, Field(ge=1)] = Field(30, description="fewer in either side: not compared")


class ByIdentity(Check):
    tolerance: Share = 0.15
    min_conversations: Annotated[int, Field(ge=1)] = 20


class PatternRate(Check):
    max_rate: dict[Name, Share] = Field(default_factory=lambda: {"stereotypes": 0.0},
                                        description="assistant lexicon -> largest share of conversations")


class LabelSkew(Check):
    tolerance: Share = 0.1
    min_conversations: Annotated[int, Field(ge=1)] = 30


class Languages(Check):
    expected: list[Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]] = Field(default_factory=lambda: ["en"])
    min_share: Share = 0.95


class ReadingLevel(Check):
    max_mean_grade: dict[Literal["user", "assistant"], Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: dict[Literal["user", "assistant"], float]({"assistant": 12.0}))


class Sample(Strict):
    size: Annotated[int, Field(ge=1, le=50)] = Field(4, description="conversations per flagged cell")
    seed: int = 20261123


CHECKS: tuple[str, ...] = ("dominance", "vs_release", "vs_previous", "assistant_by_identity", "assistant_rate",
                           "label_split_skew", "language", "reading_level")


class BiasGateConfig(GateConfig):
    lexicons: list[Annotated[str, Field(min_length=1)]] | None = Field(
        None, description="lexicon files or globs, relative to this file (default: lexicons/*.yaml)")
    labels: list[str] | None = Field(None, description="metadata fields to tabulate (default: every field with "
                                                        "at most max_label_values values)")
    max_label_values: Annotated[int, Field(ge=1)] = 50
    review: Name | None = Field(DEFAULT_REVIEW, description="the review that signs the report; flagged samples go "
                                                            "to qa/<review>/bias/")
    sample: Sample = Sample()
    dominance: Dominance = Dominance()
    vs_release: Shift = Shift()
    vs_previous: Shift = Shift(tolerance=0.15)
    assistant_by_identity: ByIdentity = ByIdentity()
    assistant_rate: PatternRate = PatternRate()
    label_split_skew: LabelSkew = LabelSkew()
    language: Languages = Languages()
    reading_level: ReadingLevel = ReadingLevel()
    _base: str = PrivateAttr("gates")  # where relative lexicon paths start, relative to release.yaml

    def located(self, directory: str) -> BiasGateConfig:
        copy = self.model_copy()
        copy._base = directory
        return copy

    def lexicon_patterns(self) -> list[str]:
        """The lexicon paths or globs, relative to release.yaml."""
        return [(Path(self._base) / pattern).as_posix() for pattern in self.lexicons or [DEFAULT_LEXICONS]]

    def lexicon_files(self, base_dir: Path) -> list[str]:
        """The files the patterns match now, relative to release.yaml, sorted."""
        return files_matching(self.lexicon_patterns(), base_dir)

    def checks_json(self) -> dict[str, Any]:
        return {name: getattr(self, name).model_dump(mode="json") for name in CHECKS}


def definition_checks(gate: BiasGateConfig, context: DefinitionContext) -> list[Diagnostic]:
    """The lexicons exist and read as lexicons, the checks name lexicons that exist, the review is defined."""
    found: list[Diagnostic] = []
    doc, where, base_dir, read = context.site.doc, context.site.path, context.base_dir, context.read
    for index, pattern in enumerate(gate.lexicon_patterns() if gate.lexicons else []):
        if not files_matching([pattern], base_dir):
            found.append(doc.diagnostic(where + ("lexicons", index), f"no lexicon file matches '{pattern}'",
                                        "paths are relative to the file that declares them"))
    kinds: dict[str, str] = {}
    for file in gate.lexicon_files(base_dir):
        lexicon_doc = read(base_dir / file)
        lexicon = validate_located(Lexicon, lexicon_doc, (), found) if lexicon_doc else None
        if lexicon is not None:
            kinds[lexicon_name(file)] = lexicon.kind
    if not kinds:
        return found
    explicit_rates = "max_rate" in gate.assistant_rate.model_fields_set
    named = [(("assistant_rate", "max_rate", name), name, "assistant") for name in gate.assistant_rate.max_rate
             if explicit_rates or name in kinds]
    named += [(("dominance", "lexicons", name), name, "identity") for name in gate.dominance.lexicons]
    for path, name, kind in named:
        if kinds.get(name) != kind:
            choices = {lexicon for lexicon, its in kinds.items() if its == kind}
            found.append(doc.diagnostic(where + path, f"'{name}' is not an {kind} lexicon",
                                        did_you_mean(name, choices) or f"{kind} lexicons: {', '.join(sorted(choices))}",
                                        key=True))
    reviews = getattr(context.gates.get("signoff"), "reviews", {})  # the signoff gate builds on this one
    if "review" in gate.model_fields_set and gate.review is not None and gate.review not in reviews:
        found.append(doc.diagnostic(where + ("review",), f"review '{gate.review}' is not defined",
                                    did_you_mean(gate.review, reviews) + " (reviews are defined in the signoff gate, "
                                    "gates/signoff.yaml)"))
    return found


def metric_problem(entry: DeclaredAcknowledgement) -> tuple[Path_, str, str] | None:
    """An acknowledgement of bias findings names a check, or a check and a cell (dominance.identity/gender/women)."""
    check = entry.metric.split(".", 1)[0] if entry.metric else None
    if check is None or check in CHECKS:
        return None
    return (("metric",), f"unknown bias check '{check}'",
            did_you_mean(check, CHECKS) + " (a bias acknowledgement names a check, or a check and a cell: "
            "dominance.identity/gender/women)")


def files_matching(patterns: list[str], base_dir: Path) -> list[str]:
    """The files paths or globs (relative to `base_dir`) match, relative to it, sorted."""
    found: set[str] = set()
    for pattern in patterns:
        found.update(Path(os.path.relpath(path, base_dir)).as_posix()
                     for path in glob.glob(str(base_dir / pattern)) if os.path.isfile(path))
    return sorted(found)


def bias_step_id(family: str) -> str:
    return ids.family_step(family, ids.BIAS)


def build_steps(config: BiasGateConfig, build: GateBuild) -> list[StepSpec]:
    lexicons = tuple(config.lexicon_files(Path(build.base_dir)))
    counting = {"labels": config.labels, "max_label_values": config.max_label_values,
                "sample": config.sample.model_dump(mode="json"),
                "versions": {"language": language_versions(), "reading_level": reading_versions()}}
    specs = [StepSpec(bias_step_id(name), BiasCounts.kind, {"family": name, **counting}, deps, name,
                      sources=lexicons, source_dir=build.base_dir, reads=reads)
             for name in build.families for deps, reads in [shipped_inputs(name)]]
    previous = build.previous
    previous_uri = previous.artifact(REPORT) if previous else None
    params = {
        "blocking": config.blocking,
        "thresholds": config.checks_json(),
        "lexicons": {"patterns": config.lexicon_patterns(), "files": list(lexicons)},
        "samples": f"qa/{config.review}/bias" if config.review else "qa/bias",
        "acknowledge": [{"family": entry["family"], "metric": entry["metric"], "reason": entry["reason"]}
                        for entry in build.acknowledgements if entry["gate"] == GATE],
        "previous": {"version": previous.version, "report": previous_uri is not None} if previous else None,
    }
    deps = tuple(spec.id for spec in specs)
    specs.append(StepSpec(BIAS_STEP, BiasGate.kind, params, deps, None,
                          sources=(previous_uri,) if previous_uri else (), source_dir=build.base_dir,
                          reads={dep: ("meta", COUNTS_FILE, SAMPLES_FILE) for dep in deps}))
    return specs


def section_digest(section: dict[str, Any]) -> str:
    """SHA-256 of a family's section as canonical JSON (sorted keys, no spaces): what a bias sign-off names."""
    return "sha256:" + hashlib.sha256(canonical_json(section).encode("utf-8")).hexdigest()


class BiasGateParams(GateParams):
    lexicons: dict[str, list[str]]  # the declared patterns and the files they matched
    samples: str  # how flagged records are sampled for the report
    acknowledge: list[dict[str, Any]]  # release.yaml's acknowledgements of this gate's findings
    previous: dict[str, Any] | None  # the previous release and whether it published a bias report


class BiasResult(SignedReport):  # sections: each family's section_digest, which the bias review signs
    flags: int  # every flag raised, acknowledged or not


def _signing_review(config: BiasGateConfig) -> str | None:
    return config.review


# What the review the gate's `review` setting names signs of it: each family's section of the report.
REVIEW_SIGNS = ReviewSigns(
    name="bias_report", what="section of the bias report", column="bias report section",
    note="This review also signs each family's section of the bias report (its counts and its own flags: "
         "[bias/report.md](../../bias/report.md)); the digest above covers them. Conversations behind the flags are "
         "in [bias/](bias/), one page per flagged family.",
    step=BIAS_STEP, signed_by=_signing_review)


CHARTS_MEMO = "charts.memo"  # each chart's PNG by what it was drawn from (not published, read by nothing downstream)


class BiasGate(Step):
    kind = "gate_bias"
    slow_loads = MATPLOTLIB
    code_version = "3"  # 3: the charts memo
    memo = (CHARTS_MEMO,)
    predictable = True  # reads metas and reports, not records (Step.predictable)
    Params = BiasGateParams
    Result = BiasResult

    @staticmethod
    def run(ctx: StepContext) -> BiasResult:
        params = ctx.typed(BiasGateParams)
        checks = params.thresholds
        acknowledgements = [Acknowledgement(**entry) for entry in params.acknowledge]
        counts = {}
        for dep in ctx.spec.deps:
            data = json.loads(ctx.input_path(dep, COUNTS_FILE).read_bytes())
            counts[data["family"]] = data
        lexicons = next(iter(counts.values()))["lexicons"] if counts else {}
        previous, note = previous_report(ctx, GATE, FORMAT_VERSION)
        before = previous["families"] if previous else {}
        release = flags_of.merged_identity({name: data["splits"] for name, data in counts.items()})

        families: dict[str, Any] = {}
        comparisons: list[dict[str, Any]] = []
        for name, data in sorted(counts.items()):
            section = data["splits"]
            local = flags_of.family_flags(name, section, checks)
            entry = {"conversations": section[ALL]["conversations"], "splits": section,
                     "flags": [flag.to_json(acknowledgements) for flag in local]}
            families[name] = {**entry, "section_digest": section_digest(entry)}
            wide = flags_of.release_flags(name, section[ALL], release, checks["vs_release"])
            if name in before and params.previous is not None:  # `before` is empty without a previous release
                wide += flags_of.previous_flags(name, section[ALL], before[name]["splits"][ALL],
                                                params.previous["version"], checks["vs_previous"])
            comparisons += [flag.to_json(acknowledgements) for flag in wide]
        every = [flag for entry in families.values() for flag in entry["flags"]] + comparisons
        blocking = [flag for flag in every if flag["blocking"] and flag["status"] == "flagged"]
        no_lexicons = not lexicons
        status: GateStatus = "fail" if blocking else "warn" if every or no_lexicons else "pass"
        samples = _flagged_samples(ctx, every, params.samples)
        report = {
            "gate": GATE, "format_version": FORMAT_VERSION, "status": status,
            "lexicons": {**params.lexicons, "loaded": lexicons,
                         **({"note": "no lexicon matched: identity mentions and assistant patterns were not "
                                     "counted"} if no_lexicons else {})},
            "checks": checks,
            "families": families,
            "release": {"identity": _release_composition(release),
                        "previous": {**(params.previous or {"version": None, "report": False}), "note": note},
                        "flags": comparisons},
            "samples": samples,
            "charts": _write_charts(ctx, families, release),
        }
        ctx.write_json("report.json", report, publish=REPORT, kind="gate_report")
        with ctx.create("report.md", publish=PAGE, kind="gate_report") as out:
            out.write(report_markdown(report).encode("utf-8"))
        why = "; ".join(f"{flag['family']}: {flag['check']}: {flag['message']}" for flag in blocking)
        return BiasResult(gate=GATE, status=status, blocking=params.blocking, thresholds=checks, report=REPORT,
                          why=why, flags=len(every),
                          sections={name: entry["section_digest"] for name, entry in families.items()})


def _release_composition(release: dict[str, Any]) -> dict[str, Any]:
    """Per lexicon and role, each category's share of the release's mentions."""
    found: dict[str, Any] = {}
    for lexicon, categories in release["identity"].items():
        found[lexicon] = {}
        for role in ("user", "assistant"):
            shares, total = flags_of.composition(release, lexicon, role)
            found[lexicon][role] = {"mentions": total, "shares": shares,
                                    "counts": {category: cell[role]["mentions"] for category, cell in
                                               categories.items()}}
    return found


def _flagged_samples(ctx: StepContext, flags: list[dict[str, Any]], directory: str) -> dict[str, Any]:
    """Each flagged family's sampled conversations per flagged cell: a JSONL and a page under `directory`."""
    cells: dict[str, dict[str, list[str]]] = {}
    for flag in flags:
        cells.setdefault(flag["family"], {}).setdefault(flag["cell"], []).append(flag["message"])
    written = {}
    for dep in ctx.spec.deps:
        family = ctx.inputs[dep].typed(BiasCountsResult).family
        if family not in cells:
            continue
        wanted = cells[family]
        rows = [row for row in read_jsonl(ctx.input_path(dep, SAMPLES_FILE)) if row["cell"] in wanted]
        key = f"{directory}/{family}"
        ctx.write_lines(f"samples/{family}.jsonl",
                        ({"cell": row["cell"], "split": row["split"], "id": row["id"],
                          "record": json.loads(row["line"])} for row in rows),
                        publish=f"{key}.jsonl", kind="qa_review")
        with ctx.create(f"samples/{family}.md", publish=f"{key}.md", kind="qa_review") as out:
            out.write(samples_markdown(family, wanted, rows).encode("utf-8"))
        written[family] = {"page": f"{key}.md", "file": f"{key}.jsonl",
                           "cells": {cell: sum(row["cell"] == cell for row in rows) for cell in sorted(wanted)}}
    return written


def _write_charts(ctx: StepContext, families: dict[str, Any], release: dict[str, Any]) -> list[str]:
    """The charts there is something to draw for (matplotlib is imported only then). A chart the previous run drew
    from the same data, with the same code and libraries, is taken from its memo (CHARTS_MEMO): a one-family change
    redraws that family's label chart and the release-wide ones, not every family's."""
    identity = digest({"code_version": BiasGate.code_version,
                       "libraries": {name: version(name) for name in ("matplotlib", "numpy")}})
    header = f"#charts\t{identity}"
    previous = read_drawings(ctx.memo.get(CHARTS_MEMO), header)
    charts: list[str] = []
    drawn: list[tuple[str, bytes]] = []

    def chart(name: str, draw: Any, *args: Any) -> None:
        key = digest({"chart": name, "draw": draw.__name__, "from": args})
        png = previous.get(key)
        if png is None:
            png = draw(*args)
        with ctx.create(f"{name}.png", publish=f"bias/{name}.png", kind="gate_report") as out:
            out.write(png)
        charts.append(f"bias/{name}.png")
        drawn.append((key, png))

    if release["identity"]:
        chart("identity", plots().identity_png, families, release)
    if any(entry["splits"][ALL]["assistant_patterns"] for entry in families.values()):
        chart("assistant", plots().assistant_png, families)
    for name, entry in families.items():
        if charted_labels(entry["splits"]):
            chart(f"labels-{name}", plots().labels_png, name, entry["splits"], charted_labels(entry["splits"]))
    write_drawings(ctx, CHARTS_MEMO, header, drawn, previous, "charts")
    return charts


def plots() -> Any:
    from releasebuild.bias import plots as module  # matplotlib: ~1 s to import

    return module


def charted_labels(splits: dict[str, Any]) -> list[str]:
    """The label fields worth a chart: tabulated, with more than one value (the tables show the rest)."""
    return [name for name, values in splits[ALL]["labels"].items() if "too_many_values" not in values and
            len(values) > 1]
