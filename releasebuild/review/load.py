"""Reading signoffs/<version>/*.yaml against the reviews a release requires, with file:line errors and hints.

A record dated in the future is refused here, when a command opens the project, before any step runs: the sign-off
gate's verdict is a function of the files (it is cached by them), so the clock may not enter it, and time only moves
forward, so a record accepted now stays acceptable. A future `recorded_at` is a false claim of the signer's (it
would also be verified against a key's validity at a time that has not come), allowed only a small clock skew.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from releasebuild.config.hints import did_you_mean
from releasebuild.config.load import validate_located
from releasebuild.config.located import LocatedDocument, parse_located, parse_located_bytes
from releasebuild.config.models import parse_version
from releasebuild.errors import DefinitionError, Diagnostic
from releasebuild.review.record import SIGNOFF_DIR, ReviewForm, SignoffRecord, signoff_dir
from releasebuild.review.spec import ReviewSpec

# How far ahead of this machine's clock a record's recorded_at may be: the signer's clock may run a little fast.
CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class LoadedSignoff:
    record: SignoffRecord
    file: str  # relative to release.yaml's directory


def load_signoffs(base_dir: Path, version: str, reviews: Mapping[str, ReviewSpec],
                  parts: Collection[str], now: dt.datetime | None = None) -> dict[str, LoadedSignoff]:
    """Every record under signoffs/<version>/, checked against the reviews this release requires (their roles
    and rubric) and the parts its gates may have signed (`parts`, by name), and dated no later than `now` (this
    machine's clock) allows; raises DefinitionError naming file, line and a hint for each problem."""
    now = now or dt.datetime.now(dt.UTC)
    directory = base_dir / signoff_dir(version)
    diagnostics: list[Diagnostic] = []
    found: dict[str, LoadedSignoff] = {}
    for path in sorted(directory.glob("*.y*ml")) if directory.is_dir() else []:
        display = f"{signoff_dir(version)}/{path.name}"
        try:
            doc = parse_located_bytes(path.read_bytes(), display)
        except DefinitionError as exc:
            diagnostics.extend(exc.diagnostics)
            continue
        if path.stem not in reviews:
            diagnostics.append(doc.diagnostic((), f"sign-off for review '{path.stem}', which this release does not "
                                              "require", f"required: {', '.join(reviews) or 'none'}; rename the "
                                              "file, delete it, or add the review to signoffs.required"))
            continue
        record = validate_located(SignoffRecord, doc, (), diagnostics)
        if record is not None:
            problems = record_problems(record, path.stem, version, reviews[path.stem], doc, parts)
            problems += future_dated(record, doc, now)
            diagnostics.extend(problems)
            if not problems:
                found[path.stem] = LoadedSignoff(record, display)
    if diagnostics:
        raise DefinitionError(diagnostics)
    return found


def record_problems(record: SignoffRecord | ReviewForm, review: str, version: str, spec: ReviewSpec,
                    doc: LocatedDocument, parts: Collection[str]) -> list[Diagnostic]:
    """What a well-formed record (or form) may still get wrong against the release: names, role, rubric, signed
    parts no gate of the release declares (`parts`: those it does), id."""
    found: list[Diagnostic] = []
    if record.review != review:
        found.append(doc.diagnostic(("review",), f"review '{record.review}' in a file named {review}.yaml",
                                    "a file holds the sign-off of the review it is named after"))
    if record.version != version:
        found.append(doc.diagnostic(("version",), f"version {record.version} in the sign-offs of {version}",
                                    "sign-offs are per release version; record this review for the new version"))
    if spec.roles and record.reviewer.role not in spec.roles:
        found.append(doc.diagnostic(("reviewer", "role"), f"role '{record.reviewer.role}' may not sign {review}",
                                    f"allowed roles: {', '.join(spec.roles)} (gates/signoff.yaml)"))
    wanted = list(spec.rubric)
    for item in wanted:
        if record.rubric.get(item) is None:
            found.append(doc.diagnostic(("rubric",), f"rubric item '{item}' is not answered",
                                        "answer every item: pass or fail"))
    for item in record.rubric:
        if item not in wanted:
            found.append(doc.diagnostic(("rubric", item), f"unknown rubric item '{item}'",
                                        f"items of {review}: {', '.join(wanted)}"))
    for index, entry in enumerate(record.exceptions):
        if entry.item is not None and entry.item not in wanted:
            found.append(doc.diagnostic(("exceptions", index, "item"), f"unknown rubric item '{entry.item}'",
                                        f"items of {review}: {', '.join(wanted)}"))
    if isinstance(record, SignoffRecord):
        for family, sample in record.sample.families.items():
            found += [doc.diagnostic(("sample", "families", family, name), f"unknown signed part '{name}'",
                                     did_you_mean(name, parts) or "no gate of this release declares a part that "
                                     "reviews sign", key=True)
                      for name in sample.signed if name not in parts]
    if isinstance(record, SignoffRecord) and record.id != record.expected_id():
        found.append(doc.diagnostic(("id",), f"id {record.id} does not match the record's content "
                                    f"({record.expected_id()}): it was edited after it was recorded",
                                    "record the decision again with `releasebuild signoff record`"))
    return found


def future_dated(record: SignoffRecord, doc: LocatedDocument, now: dt.datetime) -> list[Diagnostic]:
    """A record whose recorded_at is later than `now` plus the clock skew allowed, naming the review."""
    if record.recorded_at <= now + CLOCK_SKEW:
        return []
    return [doc.diagnostic(("recorded_at",), f"the sign-off of review {record.review} is dated "
                           f"{_utc(record.recorded_at)}, in the future: this machine's clock says {_utc(now)} "
                           f"(a clock skew of {int(CLOCK_SKEW.total_seconds() // 60)} minutes is allowed)",
                           "a record is dated when it is signed: record the decision again with `releasebuild "
                           "signoff record`, or set this machine's clock right")]


def _utc(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}"


def earlier_files(base_dir: Path, version: str, review: str) -> list[str]:
    """The review's records of the versions before `version` (`signoffs/<earlier>/<review>.yaml`, relative to
    release.yaml's directory), newest first: the approvals a review of an identical sample may carry."""
    directory = base_dir / SIGNOFF_DIR
    versions = [path.name for path in directory.iterdir() if path.is_dir()] if directory.is_dir() else []
    return [f"{signoff_dir(name)}/{review}.yaml" for name in sorted(versions, reverse=True)
            if _is_version(name) and name < version and (base_dir / signoff_dir(name) / f"{review}.yaml").is_file()]


def carry_candidate(text: str, file: str, review: str, spec: ReviewSpec,
                    parts: Collection[str]) -> SignoffRecord | None:
    """An earlier version's record (`file`, as `earlier_files` names it) as this release would take it: None when
    it is not a sound record of its own version or does not fit the review as this release requires it (roles,
    rubric, signed parts). Such a record is not an error of this release, which never required it; it is just not
    carried, and the review is pending."""
    version = PurePosixPath(file).parent.name
    try:
        doc = parse_located(text, file)
    except DefinitionError:
        return None
    found: list[Diagnostic] = []
    record = validate_located(SignoffRecord, doc, (), found)
    if not isinstance(record, SignoffRecord) or found or record_problems(record, review, version, spec, doc, parts):
        return None
    return record


def load_earlier(base_dir: Path, version: str, reviews: Mapping[str, ReviewSpec],
                 parts: Collection[str], now: dt.datetime | None = None) -> dict[str, list[LoadedSignoff]]:
    """Per review, the earlier versions' records it could carry, newest first (see `carry_candidate`). One dated in
    the future is refused (DefinitionError) as this version's would be: the gate would carry it, and the clock may
    not decide that."""
    now = now or dt.datetime.now(dt.UTC)
    found: dict[str, list[LoadedSignoff]] = {}
    diagnostics: list[Diagnostic] = []
    for review, spec in reviews.items():
        for file in earlier_files(base_dir, version, review):
            text = (base_dir / file).read_bytes().decode("utf-8", "replace")  # bad bytes: a record that fails
            record = carry_candidate(text, file, review, spec, parts)
            if record is not None:
                diagnostics += future_dated(record, parse_located(text, file), now)
                found.setdefault(review, []).append(LoadedSignoff(record, file))
    if diagnostics:
        raise DefinitionError(diagnostics)
    return found


def _is_version(name: str) -> bool:
    try:
        parse_version(name)
    except ValueError:
        return False
    return True
