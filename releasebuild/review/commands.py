"""The review commands: status, samples, template, record, demo. Functions returning values; the CLI renders.

Each works from the current release.yaml: the samples a review would be signed for are this build's, found in
the cache (`status`, which runs nothing) or built on demand (the others: only the steps the samples need).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from releasebuild.app.project import (
    Project,
    build_targets,
    open_project,
    required_reviews,
    review_samples,
    signer_files,
    with_ancestors,
)
from releasebuild.config.load import validate_located
from releasebuild.config.located import LocatedDocument, parse_located_bytes
from releasebuild.engine import Engine
from releasebuild.errors import DefinitionError, Diagnostic, Refused, ReleaseBuildError
from releasebuild.gates import GATES, signed_parts, signings, withholding_gates
from releasebuild.gates.base import GateResult
from releasebuild.gates.signoff import qa_step_id, signed_by, signer_trust
from releasebuild.lock import read_records
from releasebuild.review.judge import judge, outside_sample
from releasebuild.review.load import record_problems
from releasebuild.review.record import (
    DEMO_PREFIX,
    ReviewForm,
    SignoffRecord,
    make_record,
    render_record,
    review_form,
    signoff_dir,
)
from releasebuild.review.signature import Trust, key_fingerprint, sign, sign_as_demo, signer_line, verify_record
from releasebuild.review.spec import ReviewSpec
from releasebuild.steps import ids
from releasebuild.store.backends import write_atomic

GATE_STEP = ids.SIGNOFF
REVIEW_DIR = "review"  # under .releasebuild/: the samples `signoff samples` writes for reviewers


def current_samples(project: Project, build: bool) -> dict[str, dict[str, Any] | None]:
    """Each required review's sample in this build; None where it is not built and `build` is False."""
    reviews = required_reviews(project.definition)
    parts = signed_parts()
    families = sorted({family for spec in reviews.values() for family in spec.families})
    targets = [qa_step_id(family) for family in families]
    # a review signs its families' sections of other gates' reports too (the bias report's): their verdicts
    targets += sorted({part.step for spec in reviews.values() if spec.families for part in signed_by(spec, parts)})
    if build:
        results = build_targets(project, targets) if targets else {}
    else:
        engine = Engine(with_ancestors(project.specs, targets), project.env,
                        read_records(project.lock_path, project.state_path))
        results = engine.known_results() if targets else {}
    return review_samples(project.definition, results)


def status(path: Path, root: str | None = None) -> dict[str, Any]:
    """Which reviews are approved, pending, stale or rejected for the current release.yaml; runs nothing."""
    project = open_project(path, root)
    samples = current_samples(project, build=False)
    reviews = required_reviews(project.definition)
    trust = project_trust(project)
    rows = []
    for review, spec in reviews.items():
        loaded = project.signoffs.get(review)
        file = loaded.file if loaded else f"{signoff_dir(project.version)}/{review}.yaml"
        verdict = judge(review, samples[review], loaded, project.earlier.get(review, []), project.root.protected,
                        signed_parts(), lambda record: verify_record(record, trust))
        rows.append({**verdict, "title": spec.title, "families": spec.families, "roles": spec.roles,
                     "file": verdict["file"] or file})
    blocking = [row["review"] for row in rows if row["status"] not in ("approved", "not_applicable")]
    return {"version": project.version, "release_uri": project.release_uri(), "reviews": rows,
            "ready": not blocking, "waiting_on": blocking}


def export_samples(path: Path, root: str | None = None, out: Path | None = None) -> dict[str, Any]:
    """Build the QA samples and their review pages (nothing else) and copy them where reviewers can read them."""
    project = open_project(path, root)
    # The gates whose reports reviews sign publish material for reviewers too (the bias gate's flagged samples).
    signed = sorted({signing.signs.step for signing in signings(project.definition.gates).values()})
    # The verdicts of the gates that withhold record text while they fail (the privacy gate's): none may fail.
    withholding = {GATES[gate_id].step.kind for gate_id in withholding_gates()}
    verdicts = [spec.id for spec in project.specs if spec.family is None and spec.kind in withholding]
    results = build_targets(project, [GATE_STEP, *verdicts, *signed])
    for step in verdicts:
        verdict = results[step].typed(GateResult)
        if verdict.status == "fail":
            raise ReleaseBuildError(f"the {verdict.gate} gate fails, so the samples may hold what it caught; fix "
                                    f"that first (`releasebuild apply` reports it): {verdict.why}")
    target = out or project.state_dir / REVIEW_DIR / project.version
    shutil.rmtree(target / "qa", ignore_errors=True)
    written = []
    for result in results.values():
        for key, ref in result.published():
            if key.startswith("qa/") and ref.kind == "qa_review":
                destination = target / key
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(project.env.cas.local(ref.sha256), destination)
                written.append(key)
    return {"version": project.version, "out": str(target), "files": sorted(written),
            "reviews": {review: sample["digest"] if sample else None
                        for review, sample in review_samples(project.definition, results).items()}}


def template(path: Path, review: str, root: str | None = None) -> str:
    project = open_project(path, root, check_signoffs=False)
    spec = _required(project, review)
    sample = _built_sample(project, review)
    return review_form(review, spec, sample, project.version)


def record(path: Path, review: str | None, fields: dict[str, Any], form: Path | None = None,
           root: str | None = None, at: dt.datetime | None = None,
           key: Path | None = None) -> tuple[Path, SignoffRecord]:
    """Record a decision for the sample the reviewer names (`sample`, a digest or a prefix of one), signed with the
    reviewer's SSH `key`; refused when that is not this build's sample, or when the project's allowed_signers would
    not accept the signature (the error says the line to add). From a filled form (`form`) or from `fields` (the
    command's flags)."""
    if key is None:
        raise ReleaseBuildError("a sign-off is signed: give your SSH key with --key (the private key file, or its .pub "
                                "while ssh-agent holds the key)")
    project = open_project(path, root, check_signoffs=False)
    if form is not None and fields:
        raise ReleaseBuildError(f"give the decision either as a form (--from) or as flags, not both "
                                f"(flags given: {', '.join(sorted(fields))})")
    if form is not None:
        doc = parse_located_bytes(form.read_bytes(), str(form))
        data = doc.data if isinstance(doc.data, dict) else {}
        review = review or data.get("review")
    else:
        data = {"review": review, "version": project.version, **fields}
        doc = LocatedDocument("arguments", data)
    if not isinstance(review, str):
        raise ReleaseBuildError("name the review to record (e.g. `signoff record clinician_qa ...`)")
    spec = _required(project, review)
    sample = _built_sample(project, review)
    if isinstance(data.get("sample"), str):
        data = {**data, "sample": _full_digest(data["sample"], sample["digest"], review)}
    rubric = data.get("rubric")
    if isinstance(rubric, dict) and "*" in rubric:  # --all-pass: every item, then the ones named explicitly
        data = {**data, "rubric": {**{item: rubric["*"] for item in spec.rubric},
                                   **{item: result for item, result in rubric.items() if item != "*"}}}
    doc.data = data
    diagnostics: list[Diagnostic] = []
    decision = validate_located(ReviewForm, doc, (), diagnostics)
    if decision is not None:
        diagnostics += record_problems(decision, review, project.version, spec, doc, signings(project.definition.gates))
        target = f"{signoff_dir(project.version)}/{review}.yaml"
        diagnostics += [doc.diagnostic(("exceptions", index, "record"), f"{target} not written: the exception names "
                                       f"{ref}, which the reviewed sample does not hold",
                                       f"name a record of the sample (qa/{review}/index.md lists its families' "
                                       f"pages), as <family>/<id>")
                        for index, ref in outside_sample(decision.exceptions, sample)]
    if diagnostics:
        raise DefinitionError(diagnostics)
    assert isinstance(decision, ReviewForm)
    if decision.reviewer.id.startswith(DEMO_PREFIX):
        raise ReleaseBuildError(f"reviewer ids starting with '{DEMO_PREFIX}' are reserved for "
                                "`releasebuild signoff demo`")
    signed = [part.name for part in signed_by(spec, signed_parts())]
    unsigned = make_record(decision, sample, at or dt.datetime.now(dt.UTC), signed)
    written = unsigned.model_copy(update={"signature": sign(unsigned.signed_payload(), key)})
    check = verify_record(written, project_trust(project))
    if not check.verified:
        public = _public_key(key)
        allowed = signer_files(project.definition)["allowed"]
        hint = f"; to let this key sign it, add to {allowed}: {signer_line(check.principal, public)}" \
            if public and check.state in ("not_allowed", "expired") else ""
        raise Refused(f"{signoff_dir(project.version)}/{review}.yaml not written: {check.why}{hint}")
    return _write(project, review, written)


def demo(path: Path, root: str | None = None, at: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Approve every required review's current sample as a demo reviewer, so the demo release publishes.
    Keeps a demo record that still matches; never overwrites a human's record; refused on a protected root."""
    project = open_project(path, root, check_signoffs=False)
    if project.root.protected:
        raise Refused(f"{project.root.uri} is protected: demo sign-offs never ship there")
    existing = _demo_replaceable(project)
    trust = project_trust(project)
    samples = current_samples(project, build=True)
    done: list[dict[str, Any]] = []
    for review, spec in required_reviews(project.definition).items():
        sample = samples[review]
        assert sample is not None
        replaceable, current = existing.get(review, (True, None))
        if sample["digest"] is None:
            done.append({"review": review, "action": "not_applicable"})
        elif not replaceable:
            done.append({"review": review, "action": "kept_human_record", "id": current.id if current else None})
        elif current is not None and current.sample.digest == sample["digest"] and \
                current.expected_id() == current.id and verify_record(current, trust).verified:
            done.append({"review": review, "action": "unchanged", "id": current.id})
        else:
            role = spec.roles[0] if spec.roles else "reviewer"
            form = ReviewForm.model_validate({
                "review": review, "version": project.version, "sample": sample["digest"],
                "reviewer": {"id": f"{DEMO_PREFIX}{role.replace('_', '-')}", "role": role}, "decision": "approve",
                "rubric": {item: "pass" for item in spec.rubric},
                "notes": "DEMO sign-off for the synthetic demo data, written by `releasebuild signoff demo`. "
                         "No person reviewed this sample."})
            signed = [part.name for part in signed_by(spec, signed_parts())]
            unsigned = make_record(form, sample, at or dt.datetime.now(dt.UTC), signed, demo=True)
            file, written = _write(project, review, unsigned.model_copy(
                update={"signature": sign_as_demo(unsigned.signed_payload())}))
            done.append({"review": review, "action": "recorded", "id": written.id, "file": str(file)})
    return done


def project_trust(project: Project) -> Trust:
    """Who may sign this project's reviews: its allowed_signers and revoked_signers as they are on disk."""
    files = {name: project.definition.base_dir / file for name, file in signer_files(project.definition).items()}
    return signer_trust({name: file.read_bytes() if file.is_file() else None for name, file in files.items()},
                        project.root.protected)


def _public_key(key: Path) -> str | None:
    """The public half of a key file (its .pub beside it, or the file itself when it is one), to suggest the
    allowed_signers line; None when neither reads as one."""
    for candidate in (key, key.with_name(key.name + ".pub")):
        try:
            text = candidate.read_text(encoding="utf-8").strip()
            key_fingerprint(text)
        except (OSError, UnicodeDecodeError, ValueError, IndexError):
            continue
        return text
    return None


def _required(project: Project, review: str) -> ReviewSpec:
    reviews = required_reviews(project.definition)
    if review not in reviews:
        raise ReleaseBuildError(f"review '{review}' is not required by this release "
                                f"(required: {', '.join(reviews) or 'none'})")
    return reviews[review]


def _built_sample(project: Project, review: str) -> dict[str, Any]:
    sample = current_samples(project, build=True)[review]
    assert sample is not None
    if sample["digest"] is None:
        raise ReleaseBuildError(f"review '{review}' covers no family of this release: there is nothing to sign")
    return sample


def _full_digest(given: str, current: str, review: str) -> str:
    """The reviewer's digest, completed from a prefix; refused unless it is this build's sample."""
    if len(given) >= len("sha256:") + 12 and current.startswith(given):
        return current
    raise ReleaseBuildError(
        f"{review}: the sample you reviewed ({given}) is not this build's sample ({current}): the data or the "
        f"sampling changed since it was drawn; review the current sample (`releasebuild signoff samples`) and "
        f"record that")


def _demo_replaceable(project: Project) -> dict[str, tuple[bool, SignoffRecord | None]]:
    """Per existing file: may `signoff demo` replace it (a demo record, even a broken one), and the record when it
    still reads as one. Anything not marked demo is a person's and stays."""
    found: dict[str, tuple[bool, SignoffRecord | None]] = {}
    directory = project.definition.base_dir / signoff_dir(project.version)
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
        try:
            data = parse_located_bytes(path.read_bytes(), path.name).data
        except DefinitionError:
            found[path.stem] = (False, None)
            continue
        try:
            parsed: SignoffRecord | None = SignoffRecord.model_validate(data)
        except ValueError:
            parsed = None
        demo_marked = isinstance(data, dict) and data.get("demo") is True
        found[path.stem] = (parsed.demo if parsed else demo_marked, parsed)
    return found


def _write(project: Project, review: str, written: SignoffRecord) -> tuple[Path, SignoffRecord]:
    file = project.definition.base_dir / signoff_dir(project.version) / f"{review}.yaml"
    write_atomic(file, render_record(written).encode("utf-8"))
    return file, written
