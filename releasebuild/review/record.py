"""Sign-off records: `signoffs/<version>/<review>.yaml`, one decision on one exact sample, reviewed in PRs.

A record's `id` is a digest of everything else in it, so an edit after recording (a changed decision, a pasted
digest) shows up as a mismatch instead of passing quietly. That catches accidents and careless edits, not forgery:
anyone can compute an id. What proves who decided is `signature`, the reviewer's SSH signature over
`signed_payload()` (review/signature.py verifies it), and the record travels into the release byte for byte.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import yaml
from pydantic import ConfigDict, Field, field_validator, model_validator

from releasebuild.config.models import Name, Strict, parse_version
from releasebuild.keys import canonical_json
from releasebuild.review.spec import ReviewSpec

SIGNOFF_DIR = "signoffs"
SIGNED_FORMAT = b"releasebuild-signoff/1\n"  # the first line of what a reviewer signs: a new format signs anew
DEMO_PREFIX = "demo-"
DIGEST = r"^sha256:[0-9a-f]{64}$"
Decision = Literal["approve", "reject"]
Result = Literal["pass", "fail"]
Digest = Annotated[str, Field(pattern=DIGEST)]
# Keys a family's entry in a review sample and a sign-off record has (and the signed value's "sample"), and those of
# a review as the sign-off gate describes it (`ReviewSpec`): a signed part is named beside them, so it may not take
# their names.
RESERVED_NAMES = frozenset({"digest", "records", "size", "strata", "ids", "page", "file", "sample",
                            *ReviewSpec.model_fields})


@dataclass(frozen=True)
class SignedPart:
    """Something a review signs of each family it covers beside the QA sample: one digest per family, named
    `name` in the review's sample and in sign-off records. A gate declares it (`Gate.review_signs`: the bias gate's
    "bias_report" is each family's section of the bias report), so an approval goes stale when a part it signed
    changes, and no review code names the gate."""

    name: str
    what: str  # one family's part, as a sentence names it: "section of the bias report"
    column: str  # the same as a table column heads it: "bias report section"
    note: str  # the paragraph that explains it on the review's index page (markdown)

    def __post_init__(self) -> None:
        if self.name in RESERVED_NAMES:
            raise ValueError(f"a signed part may not be called '{self.name}': a sample or a review has that key")


class Reviewer(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$", max_length=128,
                    description="a stable identifier of the person (staff id, e-mail), not a display name")
    role: Name


class FamilySample(Strict):
    """One family of a signed sample: the QA sample's digest and, as further keys, the digest of each part the
    review also signs of the family (`SignedPart`, e.g. `bias_report`, its section of bias/report.json)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Digest] = Field(init=False)

    digest: Digest
    records: int = Field(ge=0, description="records of the family that ship")
    size: int = Field(ge=0, description="records drawn for the review")

    @property
    def signed(self) -> dict[str, str]:
        """Each signed part's digest, by the part's name."""
        return dict(self.model_extra or {})


class SampleRef(Strict):
    digest: str = Field(pattern=DIGEST)
    seed: int
    method: str = Field(min_length=1)
    stratify_by: list[str]
    families: dict[Name, FamilySample]


class ReviewException(Strict):
    """A finding the reviewer accepts or flags: about one rubric item, one sampled record, or both."""

    note: str = Field(min_length=1)
    item: Name | None = None
    record: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*/.+$", description="<family>/<record id>")


class _Decision(Strict):
    """What a reviewer decides; shared by the form they fill and the record it becomes."""

    review: Name
    version: str
    reviewer: Reviewer
    decision: Decision
    rubric: dict[Name, Result] = Field(min_length=1)
    exceptions: list[ReviewException] = Field(default_factory=list)
    notes: str = ""

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        return parse_version(value)

    @model_validator(mode="after")
    def _failed_items_explained(self) -> _Decision:
        if self.decision == "approve":
            explained = {entry.item for entry in self.exceptions}
            unexplained = [item for item, result in self.rubric.items() if result == "fail" and item not in explained]
            if unexplained:
                raise ValueError(f"an approval with failed rubric item(s) {', '.join(unexplained)} needs an "
                                 f"exception naming each of them (item: <name>, note: why it may ship anyway)")
        return self


class SignoffRecord(_Decision):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*-[0-9a-f]{12}$")
    demo: bool = False
    sample: SampleRef
    recorded_at: dt.datetime
    signature: str | None = Field(None, description="the reviewer's armored SSH signature of signed_payload()")

    @field_validator("recorded_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("recorded_at needs a time zone (e.g. 2026-11-23T10:00:00Z)")
        return value.astimezone(dt.UTC)

    @model_validator(mode="after")
    def _demo_marked(self) -> SignoffRecord:
        if self.demo != self.reviewer.id.startswith(DEMO_PREFIX):
            raise ValueError(f"demo sign-offs, and only they, have reviewer ids starting with '{DEMO_PREFIX}' "
                             f"(demo: {str(self.demo).lower()}, reviewer.id: {self.reviewer.id})")
        return self

    def expected_id(self) -> str:
        return content_id(self.review, self._content())

    def signed_payload(self) -> bytes:
        """The bytes the reviewer signs: every field but the id (derived from them) and the signature, canonical
        JSON after a line naming this format. The version and the sample's digests are in it, so a signature never
        fits another version's record or another sample; an earlier version's record, carried because its sample is
        this build's, is verified over its own content, which it still is."""
        return SIGNED_FORMAT + canonical_json(self._content()).encode("utf-8")

    def _content(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"id", "signature"})


def content_id(review: str, content: dict[str, Any]) -> str:
    return f"{review}-{hashlib.sha256(canonical_json(content).encode('utf-8')).hexdigest()[:12]}"


class ReviewForm(_Decision):
    """The form a reviewer fills (qa/<review>/form.yaml, or `releasebuild signoff template`)."""

    sample: str = Field(pattern=DIGEST, description="the digest printed on the sample you reviewed")


def make_record(decision: ReviewForm, sample: dict[str, Any], at: dt.datetime, signed: Collection[str],
                demo: bool = False) -> SignoffRecord:
    """The record of a decision on `sample` (the current build's, with per-family digests), its id computed;
    `signed`: the names of the parts the review signs besides the sample, whose digests the record keeps."""
    content = {
        "review": decision.review, "version": decision.version,
        "reviewer": decision.reviewer.model_dump(mode="json"), "decision": decision.decision,
        "rubric": dict(decision.rubric),
        "exceptions": [entry.model_dump(mode="json", exclude_none=True) for entry in decision.exceptions],
        "notes": decision.notes, "demo": demo,
        "sample": {"digest": sample["digest"], "seed": sample["seed"], "method": sample["method"],
                   "stratify_by": list(sample["stratify_by"]),
                   "families": {name: {key: family[key] for key in ("digest", "records", "size", *sorted(signed))
                                       if key in family}
                                for name, family in sorted(sample["families"].items())}},
        "recorded_at": at.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }
    record = SignoffRecord.model_validate({"id": "placeholder-000000000000", **content})
    return record.model_copy(update={"id": record.expected_id()})


def signoff_dir(version: str) -> str:
    return f"{SIGNOFF_DIR}/{version}"


_ORDER = ("id", "review", "version", "demo", "reviewer", "decision", "rubric", "exceptions", "notes", "sample",
          "recorded_at")


def render_record(record: SignoffRecord) -> str:
    data = record.model_dump(mode="json")
    data["exceptions"] = [{k: v for k, v in entry.items() if v is not None} for entry in data["exceptions"]]
    ordered = {key: data[key] for key in _ORDER}
    header = ("# A sign-off recorded by `releasebuild signoff record`, signed with the reviewer's SSH key. The id\n"
              "# is a digest of the rest; the signature covers every field but the id. To change a decision,\n"
              "# record it again.\n")
    if record.demo:
        header += ("# DEMO: generated by `releasebuild signoff demo` for the synthetic demo data and signed with the\n"
                   "# public demo key. Not a human review; a protected root refuses it.\n")
    text = header + yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100)
    if record.signature is not None:  # a literal block, so the armored signature reads as OpenSSH wrote it
        text += "signature: |\n" + "".join(f"  {line}\n" for line in record.signature.strip().splitlines())
    return text


def review_form(review: str, spec: ReviewSpec, sample: dict[str, Any], version: str) -> str:
    """The blank form for one review of one sample, with the rubric spelled out as comments."""
    roles = ", ".join(spec.roles) or "any"
    lines = [f"# Review form: {review} ({spec.title}) for release {version}.",
             f"# Read the sample (qa/{review}/index.md and the family pages), answer every rubric item pass or fail,",
             "# add an exception for anything you accept despite a failure or want on record, then run:",
             "#   releasebuild signoff record --from <this file>",
             f"review: {review}", f"version: {version}",
             f"sample: {sample['digest'] or 'null'}   # the sample you reviewed: leave as is",
             f"reviewer: {{id: '', role: ''}}   # role: {roles}",
             "decision:   # approve | reject", "rubric:"]
    for item, description in spec.rubric.items():
        lines.append(f"  {item}:   # pass | fail: {description}")
    lines += ["exceptions: []   # - {item: <rubric item>, record: <family>/<id>, note: <what and why>}",
              "notes: ''"]
    return "\n".join(lines) + "\n"
