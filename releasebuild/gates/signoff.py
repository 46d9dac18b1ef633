"""Sign-off gate: every required review approved for the exact QA sample this build draws, or nothing ships.

Per family, `<family>/qa` draws each review's stratified sample of the records that ship and digests it together
with the whole population it came from. This gate combines those digests per review and compares them with the
sign-off records in `signoffs/<version>/<review>.yaml` (sources of the step, so recording one reruns only this
gate). A record for another digest is stale and the report says what changed; a reject blocks.

A record counts only when its reviewer's SSH key signed it (review/signature.py): `allowed_signers` beside this
gate's file says which key may sign which review, `revoked_signers` which keys no longer count. Both are sources of
the step too, so granting or revoking a key reruns this gate.

A review may also sign part of another gate's report (`Gate.review_signs`: the bias review signs each family's
section of the bias report). The review's digest then covers those sections' digests too, read from that gate's
verdict; this module names no such gate, it asks what the registry's gates declare.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml
from pydantic import Field, PrivateAttr, field_validator, model_validator

from releasebuild.config.gate import DefinitionContext, GateConfig
from releasebuild.config.hints import did_you_mean
from releasebuild.config.located import Path_
from releasebuild.config.models import STAGES, Name, Strict
from releasebuild.errors import Diagnostic
from releasebuild.gates.base import GateBuild, GateParams, GateResult, GateStatus, ReviewSigns, SignedReport, Signing
from releasebuild.review.judge import BLOCKING, judge, review_sample
from releasebuild.review.load import LoadedSignoff, carry_candidate, earlier_files
from releasebuild.review.pages import review_index, review_report_markdown
from releasebuild.review.record import SignoffRecord, review_form
from releasebuild.review.rubric import DEFAULT_REVIEWS, RUBRIC
from releasebuild.review.sampling import METHOD
from releasebuild.review.signature import ALLOWED_SIGNERS, REVOKED_SIGNERS, Trust, verify_record
from releasebuild.review.spec import ReviewSpec
from releasebuild.steps import ids
from releasebuild.steps.base import Step, StepContext, StepMeta, StepResult, StepSpec
from releasebuild.steps.qa_sample import QASampleResult
from releasebuild.steps.shipped import shipped_inputs

StageName = Literal["foundation", "expertise", "edge", "voice"]


class Review(Strict):
    title: str = ""
    description: str = ""
    roles: list[Name] = Field(default_factory=list, description="roles that may sign it; empty: any role")
    stages: list[StageName] | None = Field(None, description="the families of these stages (default)")
    families: list[Name] | None = Field(None, description="or these families by name")
    size: int = Field(20, ge=1, le=10_000, description="records drawn per family")
    rubric: list[Name] | None = Field(None, description="rubric items to answer (default: all)")

    @model_validator(mode="after")
    def _scope(self) -> Review:
        if (self.stages is None) == (self.families is None):
            raise ValueError("a review covers exactly one of 'stages' or 'families'")
        return self


def _default_reviews() -> dict[str, Review]:
    return {name: Review.model_validate(spec) for name, spec in DEFAULT_REVIEWS.items()}


class SignoffGateConfig(GateConfig):
    seed: int = Field(20261123, description="changing it draws new samples: every sign-off must be redone")
    stratify_by: list[str] = Field(default_factory=lambda: ["split"],
                                   description="'split' and/or 'metadata.<field>'")
    rubric: dict[Name, str] = Field(default_factory=lambda: dict(RUBRIC))
    reviews: dict[Name, Review] = Field(default_factory=_default_reviews)
    allowed_signers: str = Field(ALLOWED_SIGNERS, min_length=1, description="OpenSSH allowed_signers, relative to "
                                 "this file: which key may sign which review (principals <reviewer>/<review>)")
    revoked_signers: str = Field(REVOKED_SIGNERS, min_length=1, description="revoked keys, one public key a line "
                                 "(or an OpenSSH KRL), relative to this file; absent: none")
    _base: str = PrivateAttr("gates")  # where this file is, relative to release.yaml; gates/ when it is a default

    def located(self, directory: str) -> SignoffGateConfig:
        copy = self.model_copy()
        copy._base = directory
        return copy

    def signer_files(self) -> dict[str, str]:
        """allowed_signers and revoked_signers, relative to release.yaml."""
        return {"allowed": (Path(self._base) / self.allowed_signers).as_posix(),
                "revoked": (Path(self._base) / self.revoked_signers).as_posix()}

    def read_files(self) -> list[str]:
        return list(self.signer_files().values())

    @field_validator("stratify_by")
    @classmethod
    def _strata(cls, value: list[str]) -> list[str]:
        for key in value:
            if key != "split" and not (key.startswith("metadata.") and len(key) > len("metadata.")):
                raise ValueError(f"stratify_by entries are 'split' or 'metadata.<field>' (got {key!r})")
        return value

    @model_validator(mode="after")
    def _rubric_items(self) -> SignoffGateConfig:
        for name, review in self.reviews.items():
            for item in review.rubric or []:
                if item not in self.rubric:
                    raise ValueError(f"review '{name}' asks for rubric item '{item}', which 'rubric' does not define "
                                     f"(items: {', '.join(self.rubric)})")
        return self

    def checks(self, families: set[str]) -> list[tuple[Path_, str, str]]:
        found: list[tuple[Path_, str, str]] = []
        for name, review in self.reviews.items():
            for index, family in enumerate(review.families or []):
                if family not in families:
                    close = difflib.get_close_matches(family, sorted(families), n=1)
                    hint = f"did you mean '{close[0]}'?" if close else f"families: {', '.join(sorted(families))}"
                    found.append((("reviews", name, "families", index), f"unknown family '{family}'", hint))
        return found

    def scope(self, review: str, stages: dict[str, int]) -> list[str]:
        """The families a review covers in this release."""
        spec = self.reviews[review]
        if spec.families is not None:
            return sorted(name for name in spec.families if name in stages)
        wanted = set(spec.stages or [])
        return sorted(name for name, stage in stages.items() if STAGES[stage] in wanted)

    def required(self, declared: list[str] | None) -> list[str]:
        """release.yaml's `signoffs.required`, or every review this file defines."""
        return list(declared) if declared is not None else sorted(self.reviews)

    def sampling(self) -> dict[str, Any]:
        """How the QA samples are drawn, which a review's sample records."""
        return {"seed": self.seed, "stratify_by": list(self.stratify_by), "method": METHOD}

    def review_specs(self, declared: list[str] | None, stages: dict[str, int],
                     signings: Mapping[str, Signing]) -> dict[str, ReviewSpec]:
        """Each review the release requires (`declared`: release.yaml's `signoffs.required`), as the gate, its pages
        and the checks of a record see it in this release. `signings`: what reviews sign of the release's gates."""
        required = self.required(declared)
        signers = {name: signing.signer(required) for name, signing in signings.items()}
        return {review: self._review_spec(review, stages, signers) for review in required}

    def _review_spec(self, review: str, stages: dict[str, int], signers: Mapping[str, str | None]) -> ReviewSpec:
        """One review: title, roles, families, size, rubric, and per part of a gate's report a review may sign
        (`signers`: part -> the review that signs it) whether this one does."""
        spec = self.reviews[review]
        items = spec.rubric or list(self.rubric)
        return ReviewSpec(title=spec.title or review, description=spec.description, roles=list(spec.roles),
                          families=self.scope(review, stages), size=spec.size,
                          rubric={item: self.rubric[item] for item in items},
                          signs={part: review == signer for part, signer in signers.items()})


def qa_step_id(family: str) -> str:
    return ids.family_step(family, ids.QA)


def signed_by(spec: ReviewSpec, parts: Mapping[str, ReviewSigns]) -> list[ReviewSigns]:
    """What the review `spec` describes signs of the gates besides its QA samples (`parts`: what reviews may sign, by
    name), in name order."""
    return [parts[name] for name in sorted(parts) if spec.signs.get(name)]


def review_sample_of(review: str, spec: ReviewSpec, results: Mapping[str, StepResult],
                     sampling: dict[str, Any], parts: Mapping[str, ReviewSigns]) -> dict[str, Any] | None:
    """The review's sample from the results at hand: its families' QA samples and the verdicts of the gates whose
    reports it signs. None while one of them is not built (`releasebuild status` runs nothing)."""
    signs = signed_by(spec, parts)
    needed = [qa_step_id(family) for family in spec.families] + [part.step for part in signs]
    if any(step not in results for step in needed):
        return None
    qa = {family: results[qa_step_id(family)].typed(QASampleResult) for family in spec.families}
    signed = {part.name: results[part.step].typed(SignedReport).sections for part in signs}
    return review_sample(review, spec.families, qa, sampling, signed)


def build_steps(config: SignoffGateConfig, build: GateBuild) -> list[StepSpec]:
    required = config.required(build.signoffs_required)
    reviews = config.review_specs(build.signoffs_required, build.stages, build.review_signs)
    scopes = {review: spec.families for review, spec in reviews.items()}
    sampling = config.sampling()
    specs: list[StepSpec] = []
    covered = sorted({family for families in scopes.values() for family in families})
    for family in covered:
        sizes = {review: reviews[review].size for review in required if family in scopes[review]}
        shipped, reads = shipped_inputs(family)
        specs.append(StepSpec(qa_step_id(family), "qa_sample", {"family": family, "reviews": sizes, **sampling},
                              shipped, family, reads=reads))
    files = [f"{build.signoff_dir}/{review}.yaml" for review in required
             if (Path(build.base_dir) / build.signoff_dir / f"{review}.yaml").exists()]
    # Who may sign: granting, withdrawing or revoking a key reruns the gate.
    signers = config.signer_files()
    files += [file for file in signers.values() if (Path(build.base_dir) / file).is_file()]
    # A review without a record of this version may carry an earlier version's approval of the same sample: those
    # records are sources too, so recording or editing one reruns the gate.
    files += [file for review in required if f"{build.signoff_dir}/{review}.yaml" not in files
              for file in earlier_files(Path(build.base_dir), build.version, review)]
    # A protected root ships reviewed releases only, whatever the definition says (its protection may come from the
    # root's own marker, which release.yaml's checks cannot see).
    params = {"blocking": config.blocking or build.protected_root, "thresholds": {"required": list(required)},
              "version": build.version, "protected_root": build.protected_root, "signers": signers,
              "reviews": {review: spec.model_dump(mode="json") for review, spec in reviews.items()}, **sampling}
    # A review that signs part of another gate's report reads that gate's verdict: its families' section digests.
    signed = tuple(signing.signs.step for signing in build.review_signs.values() if signing.signer(required))
    deps = tuple(qa_step_id(family) for family in covered) + signed
    specs.append(StepSpec(ids.SIGNOFF, KIND, params, deps, sources=tuple(files), source_dir=build.base_dir,
                          reads={step: ("meta",) for step in deps}))
    return specs


class SignoffGateParams(GateParams):
    version: str  # the release's: a sign-off names the version it approves
    protected_root: bool  # a protected root ships reviewed releases only, never signed with the demo key
    signers: dict[str, str]  # allowed_signers and revoked_signers as sources name them (relative to release.yaml)
    reviews: dict[str, ReviewSpec]  # each required review: title, roles, families, size, rubric, signed parts
    seed: int  # the QA samples were drawn with these three, which the review's sample records
    stratify_by: list[str]
    method: str


class ShownException(StepMeta):
    """An exception as a verdict shows it: every key present, None where the reviewer named no rubric item or no
    record (the form's `ReviewException` leaves them out)."""

    note: str
    item: str | None
    record: str | None


class ReviewVerdict(StepMeta):
    """One required review's verdict, as the manifest and the release notes list it."""

    status: str  # approved | not_applicable | pending | stale | rejected | demo_refused | invalid | unsigned |
    #              bad_signature
    id: str | None  # the sign-off record's id, when there is one
    reviewer: str | None
    role: str | None
    decision: str | None
    sample_digest: str | None  # this build's sample (None: not built)
    demo: bool
    signature: str | None  # what verifying the record's signature found: verified, unsigned, forged, revoked, ...
    key: str | None  # the fingerprint of the key that signed the record (None: no record, or no readable signature)
    carried_from: str | None  # the earlier version whose approval of this same sample the release carries
    failed_items: list[str]  # rubric items the reviewer failed: an approval may ship despite them, never unseen
    exceptions: list[ShownException]  # what the reviewer accepted or flagged, by rubric item and sampled record


class Signers(StepMeta):
    """What the verdicts' signatures were checked against, so `verify` can check them again from the release alone:
    allowed_signers and revoked_signers as sources name them (relative to release.yaml, published under definition/;
    None when the file was absent, i.e. empty), and whether the demo key counted (an unprotected root)."""

    allowed_signers: str | None
    revoked_signers: str | None
    demo_key_trusted: bool


class SignoffResult(GateResult):
    reviews: dict[str, ReviewVerdict]
    ids: list[str]  # the approvals the release ships with
    signers: Signers


KIND = "gate_signoff"


def signoff_step(signed_parts: Callable[[], Mapping[str, ReviewSigns]]) -> type[Step]:
    """The sign-off gate's step kind, told where to ask what reviews may sign of the other gates: their contracts,
    in the gate registry, which lists this gate and so may not be imported here (gates/__init__.py builds the kind
    with its `signed_parts`)."""

    class SignoffGate(Step):
        kind = KIND
        # 4: failed rubric items and exceptions in the verdict, exceptions outside the sample; 5: carried approvals;
        # 6: signed records; 7: the signers' files named in the result (verify checks the signatures again)
        code_version = "7"
        predictable = True  # reads metas and sign-off records, not records (Step.predictable)
        Params = SignoffGateParams
        Result = SignoffResult

        @staticmethod
        def run(ctx: StepContext) -> SignoffResult:
            return _judge_reviews(ctx, signed_parts())

    return SignoffGate


def _judge_reviews(ctx: StepContext, parts: Mapping[str, ReviewSigns]) -> SignoffResult:
    """Each required review's sample, its pages and its verdict against its record; the gate's report."""
    params = ctx.typed(SignoffGateParams)
    sampling = {"seed": params.seed, "method": params.method, "stratify_by": params.stratify_by}
    own: dict[str, LoadedSignoff] = {}
    earlier: dict[str, list[LoadedSignoff]] = {}
    data: dict[str, bytes] = {}  # by file: the record that ships is copied byte for byte
    for source in sorted(ctx.sources, key=lambda source: source.name, reverse=True):  # earlier ones newest first
        with ctx.store.open(source.uri) as fh:
            data[source.name] = fh.read()
        if source.name in params.signers.values():
            continue
        review = PurePosixPath(source.name).stem
        if PurePosixPath(source.name).parent.name == params.version:
            own[review] = LoadedSignoff(SignoffRecord.model_validate(yaml.safe_load(data[source.name])), source.name)
        else:
            spec = params.reviews[review]  # its `signs`: the parts this release's gates declare, as status reads
            candidate = carry_candidate(data[source.name].decode("utf-8"), source.name, review, spec, spec.signs)
            if candidate is not None:
                earlier.setdefault(review, []).append(LoadedSignoff(candidate, source.name))
    present = {name: file for name, file in params.signers.items() if file in data}
    trust = signer_trust({name: data[file] for name, file in present.items()}, params.protected_root)
    results = []
    for review, spec in params.reviews.items():
        sample = review_sample_of(review, spec, ctx.inputs, sampling, parts)
        assert sample is not None, "the step depends on every result a review's sample is made of"
        verdict = judge(review, sample, own.get(review), earlier.get(review, []), params.protected_root, parts,
                        lambda record: verify_record(record, trust))
        results.append(verdict)
        ctx.write_json(f"{review}.sample.json", {**sample, "review": review, "title": spec.title,
                                                 "version": params.version},
                       publish=f"qa/{review}/sample.json", kind="qa_review")
        with ctx.create(f"{review}.index.md", publish=f"qa/{review}/index.md", kind="qa_review") as out:
            out.write(review_index(review, spec, sample, verdict, params.version, signed_by(spec, parts))
                      .encode("utf-8"))
        with ctx.create(f"{review}.form.yaml", publish=f"qa/{review}/form.yaml", kind="qa_review") as out:
            out.write(review_form(review, spec, sample, params.version).encode("utf-8"))
        if verdict["file"] is not None:
            with ctx.create(f"{review}.signoff.yaml", publish=f"signoffs/{review}.yaml", kind="signoff") as out:
                out.write(data[verdict["file"]])
    blocking = [v for v in results if v["status"] in BLOCKING]
    if params.protected_root and not results:
        blocking.append({"review": "signoffs.required", "status": "missing",
                         "why": "a protected root ships reviewed releases only, and no review is required"})
    status: GateStatus = "fail" if blocking else "pass"
    report = {"gate": "signoff", "status": status, "version": params.version,
              "required": params.thresholds["required"], "reviews": results,
              "ids": sorted(v["id"] for v in results if v["status"] == "approved")}
    ctx.write_json("report.json", report, publish="gates/signoff.json", kind="gate_report")
    with ctx.create("report.md", publish="gates/signoff.md", kind="gate_report") as out:
        out.write(review_report_markdown(report).encode("utf-8"))
    return SignoffResult(
        gate="signoff", status=status, blocking=params.blocking, thresholds=params.thresholds,
        report="gates/signoff.json", why="; ".join(f"{v['review']}: {v['status']}: {v['why']}" for v in blocking),
        reviews={v["review"]: ReviewVerdict.model_validate({key: v[key] for key in ReviewVerdict.model_fields})
                 for v in results},
        ids=report["ids"],
        signers=Signers(allowed_signers=present.get("allowed"), revoked_signers=present.get("revoked"),
                        demo_key_trusted=trust.demo))


def signer_trust(files: Mapping[str, bytes | None], protected_root: bool) -> Trust:
    """Who may sign, from allowed_signers and revoked_signers (`files`: their bytes, None when absent); the demo key
    counts for demo reviewers only off a protected root."""
    def text(name: str) -> str:
        content = files.get(name)
        return content.decode("utf-8") if content is not None else ""

    return Trust(allowed=text("allowed"), revoked=text("revoked"), demo=not protected_root)


def definition_checks(gate: SignoffGateConfig, context: DefinitionContext) -> list[Diagnostic]:
    """Required reviews must be defined; a protected root ships nothing without a blocking human review. (These
    are release.yaml's settings, so they are located there.)"""
    release, doc = context.release, context.release_doc
    found: list[Diagnostic] = []
    for index, name in enumerate(release.signoffs.required or []):
        if name not in gate.reviews:
            found.append(doc.diagnostic(("signoffs", "required", index), f"review '{name}' is not defined",
                                        did_you_mean(name, gate.reviews) + " (reviews are defined in the signoff "
                                        "gate, gates/signoff.yaml)"))
    if release.root.protected and release.signoffs.required == []:
        found.append(doc.diagnostic(("signoffs", "required"), "a protected root needs at least one required review",
                                    "list the reviews this release needs, e.g. [clinician_qa]"))
    if release.root.protected and not gate.blocking:
        found.append(doc.diagnostic(("gates", "signoff"), "the signoff gate must block on a protected root",
                                    "remove 'blocking: false' from the signoff gate"))
    return found
