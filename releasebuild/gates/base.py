"""What every gate shares: blocking by default (fail closed), a report, a status."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Literal

from releasebuild.config.gate import GateConfig
from releasebuild.config.located import Path_
from releasebuild.review.record import SignedPart
from releasebuild.steps.base import StepMeta, StepParams
from releasebuild.store.previous import PreviousRelease

GateStatus = Literal["pass", "warn", "fail"]
LISTED_PER_FAMILY = 1000  # offending rows a report lists per family; the full list is a file of its own


@dataclass(frozen=True)
class ReviewSigns(SignedPart):
    """What a review signs of a gate (`Gate.review_signs`), beside the QA samples of the families it covers: each
    family's section of the gate's report, by digest, which the gate's verdict step returns as a `SignedReport`.
    The sign-off gate, its pages, `releasebuild status` and the review commands ask this, so none names the gate."""

    step: str  # the gate's verdict step, whose result is a SignedReport
    signed_by: Callable[[Any], str | None]  # the review the gate's settings name to sign it (None: none)


@dataclass(frozen=True)
class Signing:
    """One of a release's gates whose report a review signs: what the gate declares, and the review its settings
    name."""

    signs: ReviewSigns
    review: str | None

    def signer(self, required: Collection[str]) -> str | None:
        """The review that signs the part in a release that requires `required`: the one named, if it is required."""
        return self.review if self.review in required else None


@dataclass(frozen=True)
class GateBuild:
    """What a gate's graph builder may know besides its own config: the families and the release around them."""

    families: list[str]
    holdout: dict[str, bool] = field(default_factory=dict)  # family -> holdout-sensitive
    stages: dict[str, int] = field(default_factory=dict)
    previous: PreviousRelease | None = None
    base_dir: str = ""  # where release.yaml lives: previous-release sources are named relative to it
    acknowledgements: list[dict[str, Any]] = field(default_factory=list)
    gates: dict[str, GateConfig] = field(default_factory=dict)  # every gate's config, for gates that cooperate
    version: str = ""
    protected_root: bool = False
    signoffs_required: list[str] | None = None  # release.yaml's `signoffs.required`; None: every defined review
    signoff_dir: str = ""  # where this version's sign-off records are, relative to base_dir
    review_signs: dict[str, Signing] = field(default_factory=dict)  # what reviews sign of the gates, by part name


@dataclass(frozen=True)
class FamilyChain:
    """What a gate may know of one family when it puts its settings into the family's own chain (`Gate.chain_params`:
    ingest -> privacy -> split -> export and provenance, which every release has whatever its gates)."""

    family: str
    split_salt: str  # the release's split salt (published): the key a chain step falls back to when a gate names none


def unknown_families(names: list[str], families: set[str], where: str) -> list[tuple[Path_, str, str]]:
    """Located diagnostics for family names a gate definition mentions that the release does not declare."""
    found: list[tuple[Path_, str, str]] = []
    for index, name in enumerate(names):
        if name not in families:
            close = difflib.get_close_matches(name, sorted(families), n=1)
            found.append(((where, index) if where == "priority" else (where, name), f"unknown family '{name}'",
                          f"did you mean '{close[0]}'?" if close else f"families: {', '.join(sorted(families))}"))
    return found


def listed(path: Path) -> list[dict[str, Any]]:
    """The first LISTED_PER_FAMILY rows of a JSONL list, for a report to show inline."""
    with path.open("rb") as fh:
        return [json.loads(line) for line in islice(fh, LISTED_PER_FAMILY)]


def previous_report(ctx: Any, gate: str, format_version: int) -> tuple[dict[str, Any] | None, str]:
    """The previous release's report of this gate (the step's only source), or None with why nothing is compared."""
    known = ctx.params["previous"]
    if known is None:
        return None, "no previous release: nothing compared"
    if not ctx.sources:
        return None, f"previous release {known['version']} published no {gate} report: nothing compared"
    with ctx.store.open(ctx.sources[0].uri) as fh:
        report = json.load(fh)
    if report.get("format_version") != format_version:
        return None, (f"previous release {known['version']}'s {gate} report has format "
                      f"{report.get('format_version')}, not {format_version}: nothing compared")
    return report, f"compared with {known['version']}"


class GateParams(StepParams):
    """What every gate's verdict step is given: whether a failure blocks, and the gate's settings as declared
    (echoed in gates/summary.json)."""

    blocking: bool
    thresholds: dict[str, Any]


class GateResult(StepMeta):
    """What every gate's verdict step returns (its `Result`, or a subclass for a gate that says more): what
    gates/summary.json, the manifest and the release notes read of any gate, which they do by reading its result
    as a GateResult."""

    gate: str
    status: GateStatus
    blocking: bool
    thresholds: dict[str, Any]  # the gate's settings, echoed in gates/summary.json
    report: str  # where its report is published
    why: str  # the failing families' reasons ("" when none failed)


class SignedReport(GateResult):
    """The verdict of a gate whose report a review signs, family by family (the gate declares `review_signs`)."""

    sections: dict[str, str]  # family -> the SHA-256 of its section of the report ("sha256:<hex>", as records hold)


def gate_meta(gate: str, status: GateStatus, params: GateParams, report: str,
              families: list[dict[str, Any]]) -> GateResult:
    """A gate step's verdict for gates/summary.json: the failing families' reasons joined as its `why`."""
    why = "; ".join(f"{entry['family']}: {entry['why']}" for entry in families if entry["status"] == "fail")
    return GateResult(gate=gate, status=status, blocking=params.blocking, thresholds=params.thresholds,
                      report=report, why=why)
