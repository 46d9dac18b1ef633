"""`releasebuild verify <release-uri>`: is a published release exactly what its manifest says, and was it sound?

The post-release check, run by anyone holding the release URI: every object the manifest lists is streamed and
hashed (in parallel, never held whole), the manifest is checked against its JSON Schema, its record counts
against the shards, its root digest against every field and artifact (naming an edited field), its gates
against gates/summary.json and each sign-off record's SSH signature against the allowed_signers and revoked_signers
the release published under definition/; objects the manifest does not list are reported too. A manifest of the
previous format (1) is checked by its own rules, with a warning saying what it does not prove; an unknown format is
one finding.
The result is data (VerifyReport), rendered by render.verify_text. A finding is a mismatch (exit 3); a warning
(a `warn` gate, restricted data this reader may not read) passes; records withdrawn since publication
(<root>/revocations.json) are listed for information.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import yaml

from releasebuild.config.models import SPLITS, VERSION_PATTERN
from releasebuild.errors import AccessDenied, ReleaseBuildError
from releasebuild.loader.release import MANIFEST, NotAReleaseError, PublishedRelease, release_prefix
from releasebuild.loader.shards import Scan, scan
from releasebuild.manifest_proof import FORMAT_VERSION, edits, format_problem
from releasebuild.review.record import SignoffRecord
from releasebuild.review.signature import Trust, verify_record
from releasebuild.store.backends import STREAM_BLOCK, Store, storage_errors
from releasebuild.store.io import Stores
from releasebuild.store.root import restricted_set

# The check groups, in the order they run and are reported.
CHECKS = ("manifest", "schema", "artifacts", "root_digest", "unlisted", "records", "gates", "signoffs", "restricted")
REVOCATION_FIELDS = ("family", "id", "split", "shard", "reason", "revoked_by")


@dataclass(frozen=True)
class Finding:
    """One thing wrong (or, as a warning, worth knowing) about one object. `key` is relative to the release
    prefix; a restricted file's key is relative to the root (restricted/<version>/...)."""

    check: str
    key: str
    what: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class VerifyReport:
    prefix: str
    version: str
    checked: dict[str, int] = field(default_factory=dict)  # check group -> how many things it checked
    findings: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    withdrawn: list[dict[str, Any]] = field(default_factory=list)  # <root>/revocations.json entries

    @property
    def sound(self) -> bool:
        return not self.findings

    def mismatches(self, check: str) -> int:
        return sum(finding.check == check for finding in self.findings)

    def find(self, check: str, key: str, what: str) -> None:
        self.findings.append(Finding(check, key, what))

    def warn(self, check: str, key: str, what: str) -> None:
        self.warnings.append(Finding(check, key, what))

    def count(self, check: str, things: int = 1) -> None:
        self.checked[check] = self.checked.get(check, 0) + things

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": 1, "uri": self.prefix, "version": self.version, "sound": self.sound,
            "mismatches": len(self.findings),
            "checks": [{"check": check, "status": "fail" if self.mismatches(check) else "ok", "checked": checked,
                        "mismatches": self.mismatches(check)} for check, checked in self.checked.items()],
            "findings": [finding.to_json() for finding in self.findings],
            "warnings": [warning.to_json() for warning in self.warnings],
            "withdrawn": self.withdrawn,
        }


def verify_release(uri: str, jobs: int = 8, store: Stores | None = None) -> VerifyReport:
    """Verify the release at `uri` (its prefix, with or without a trailing slash, or its manifest.json).

    Mismatches are findings in the report; only a store that cannot be reached (StorageError) raises."""
    prefix = release_prefix(uri)
    try:
        release = PublishedRelease(prefix, store)
    except NotAReleaseError as exc:
        return _unreadable(prefix, exc.reason)
    report = VerifyReport(prefix, release.version, checked=dict.fromkeys(CHECKS, 0))
    report.count("manifest")
    unreadable = format_problem(release.manifest)
    if unreadable is not None:  # its fields may mean anything: checking them would only mislead
        report.find("manifest", MANIFEST, unreadable)
        return report
    if release.manifest["format_version"] == 1:
        report.warn("root_digest", MANIFEST, "format_version 1: its root_digest covers the artifact list only, so an "
                                             "edit elsewhere in the manifest (sign-offs, privacy, splits) cannot be "
                                             "detected; rebuild the release to publish a format 2 manifest")
    schema_valid = _check_schema(release.manifest, report)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        checks: list[tuple[str, Callable[[], None]]] = [
            ("artifacts", lambda: _check_artifacts(release, report, pool)),
            ("root_digest", lambda: _check_root_digest(release.manifest, report)),
            ("unlisted", lambda: _check_unlisted(release, report)),
            ("records", lambda: _check_records(release.manifest, report)),
            ("gates", lambda: _check_gates(release, report)),
            ("signoffs", lambda: _check_signoffs(release, report)),
            ("restricted", lambda: _check_restricted(release, report, pool)),
        ]
        for check, run in checks:
            try:
                run()
            except (KeyError, TypeError, AttributeError) as exc:
                if schema_valid:  # the schema promises what the checks read: this would be a bug here
                    raise
                report.find(check, MANIFEST, f"not checked: the manifest does not follow its schema "
                                             f"({type(exc).__name__}: {exc})")
    _list_withdrawn(release, report)
    return report


def _unreadable(prefix: str, what: str) -> VerifyReport:
    """The report when there is no manifest to check anything against."""
    name = prefix.rpartition("/")[2]
    report = VerifyReport(prefix, name if VERSION_PATTERN.fullmatch(name) else "")
    report.count("manifest")
    report.find("manifest", MANIFEST, what)
    return report


def _check_schema(manifest: dict[str, Any], report: VerifyReport) -> bool:
    """Every schema error, each with its JSON path (not just the first): a reader fixes them all at once."""
    import jsonschema

    from releasebuild import schemas

    report.count("schema")
    schema = schemas.load("manifest" if manifest["format_version"] == FORMAT_VERSION else "manifest.v1")
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(manifest), key=lambda error: (error.json_path, error.message))
    for error in errors:
        message = error.message if len(error.message) <= 300 else error.message[:299] + "…"
        report.find("schema", MANIFEST, f"schema: {error.json_path}: {message}")
    return not errors


def _stream(store: Store, uri: str) -> Scan:
    """SHA-256, size and lines of one object, streamed; FileNotFoundError if absent."""
    with storage_errors(uri, "read"), store.open(uri, STREAM_BLOCK) as fh:
        return scan(fh)


def _stream_or_none(store: Store, uri: str) -> Scan | None:
    try:
        return _stream(store, uri)
    except FileNotFoundError:
        return None


def _compare(report: VerifyReport, check: str, key: str, entry: dict[str, Any], found: Scan | None) -> None:
    if found is None:
        report.find(check, key, "missing: listed in the manifest, absent from the store")
    elif found.bytes != entry["bytes"]:
        report.find(check, key, f"size mismatch: {found.bytes} bytes, the manifest says {entry['bytes']}")
    elif found.sha256 != entry["sha256"]:
        report.find(check, key, f"sha256 mismatch: {found.sha256}, the manifest says {entry['sha256']}")


def _check_artifacts(release: PublishedRelease, report: VerifyReport, pool: ThreadPoolExecutor) -> None:
    """Each listed object's size and SHA-256; a shard's lines against its `records` too (counted while hashing)."""
    artifacts = sorted(release.manifest["artifacts"], key=lambda art: art["key"])
    found = pool.map(lambda art: _stream_or_none(release.store, release.uri(art["key"])), artifacts)
    for art, read in zip(artifacts, found, strict=True):
        report.count("artifacts")
        _compare(report, "artifacts", art["key"], art, read)
        if art["kind"] == "shard" and read is not None:
            report.count("records")
            if read.lines != art["records"]:
                report.find("records", art["key"], f"record count mismatch: {read.lines} lines, "
                                                   f"the manifest says {art['records']}")


def _check_root_digest(manifest: dict[str, Any], report: VerifyReport) -> None:
    """The root digest against every field and artifact; each edited field is a finding that names it."""
    report.count("root_digest")
    for problem in edits(manifest):
        report.find("root_digest", MANIFEST, problem)


def _check_unlisted(release: PublishedRelease, report: VerifyReport) -> None:
    """Objects under the prefix the manifest does not name: a reader who trusts the manifest never sees them."""
    listed = {art["key"] for art in release.manifest["artifacts"]} | {MANIFEST}
    for key in _list_objects(release.store, release.prefix):
        report.count("unlisted")
        if key not in listed:
            report.find("unlisted", key, "unlisted object: under the release prefix but not in the manifest")


def _list_objects(store: Store, prefix: str) -> list[str]:
    """Every object under a prefix, relative to it, sorted (no directory markers)."""
    return [key for key in store.list_files(prefix) if not key.endswith("/")]


def _check_records(manifest: dict[str, Any], report: VerifyReport) -> None:
    """Shards -> family x split -> family total; families -> the release's counts per split and in total."""
    families = manifest["families"]
    held: dict[tuple[str, str], int] = defaultdict(int)
    for art in manifest["artifacts"]:
        if art["kind"] != "shard":
            continue
        if art["family"] not in families:
            report.find("records", art["key"], f"shard of family {art['family']}, which the manifest does not list")
        held[art["family"], art["split"]] += art["records"]
    release_counts = dict.fromkeys(SPLITS, 0)
    for name, family in sorted(families.items()):
        counts = family["records"]
        for split in SPLITS:
            _equal(report, f"families.{name}.records.{split}", counts[split], held[name, split], "its shards hold")
            release_counts[split] += counts[split]
        _equal(report, f"families.{name}.records.total", counts["total"], sum(counts[s] for s in SPLITS),
               "its splits sum to")
    for split in SPLITS:
        _equal(report, f"records.{split}", manifest["records"][split], release_counts[split], "the families sum to")
    _equal(report, "records.total", manifest["records"]["total"], sum(release_counts.values()),
           "the families sum to")


def _equal(report: VerifyReport, path: str, said: int, actual: int, source: str) -> None:
    report.count("records")
    if said != actual:
        report.find("records", MANIFEST, f"record count mismatch: {path} is {said}, {source} {actual}")


def _check_gates(release: PublishedRelease, report: VerifyReport) -> None:
    """No blocking gate failed, by gates/summary.json and by the manifest, and the two agree; warn gates pass."""
    gates = release.manifest["gates"]
    summary_key = gates["summary"]
    data = release.store.read(release.uri(summary_key))  # a small object, hash-checked with the artifacts
    entries: dict[str, dict[str, Any]] = {}
    if data is not None:  # absent: the artifact check reports it; the manifest's results still count
        try:
            entries = {entry["id"]: entry for entry in json.loads(data)["gates"]}
        except (ValueError, KeyError, TypeError):
            report.find("gates", summary_key, "not a gate summary: cannot read which gates block")
    results = gates["results"]
    for gate in sorted(set(entries) | set(results)):
        report.count("gates")
        entry = entries.get(gate, {})
        blocking = entry.get("blocking", True)  # unknown: fail closed
        said = {source: status for source, status in ((summary_key, entry.get("status")), (MANIFEST, results.get(gate)))
                if status is not None}
        where = entry.get("report", summary_key)
        for source, status in said.items():
            if status == "fail" and blocking:
                report.find("gates", source, f"blocking gate {gate} failed")
            elif status == "fail":
                report.warn("gates", where, f"gate {gate} failed (not blocking)")
        if "fail" not in said.values() and "warn" in said.values():
            report.warn("gates", where, f"gate {gate} passed with warn")
        if len(set(said.values())) > 1:
            report.find("gates", MANIFEST, f"gate {gate} is {said[MANIFEST]} in the manifest but "
                                           f"{said[summary_key]} in {summary_key}")
    if gates["status"] == "fail":
        report.find("gates", MANIFEST, "gates.status is fail: a release that failed its gates was published")
    if gates["blocked_by"]:
        report.find("gates", MANIFEST, f"gates.blocked_by names {', '.join(gates['blocked_by'])}")


def _check_signoffs(release: PublishedRelease, report: VerifyReport) -> None:
    """Each published sign-off record's SSH signature, checked again against the allowed_signers and revoked_signers
    the release published under definition/ (what the gate judged by, at the record's recorded_at): a verdict the
    record does not give (another signature state or key, an approval not verified, or signed for another sample)
    is a finding naming the review and the key. This proves the records agree with the published trust files; that
    those files are the ones the project trusts is checked against the repository (definition/git.json names the
    commit) or a pinned root digest."""
    signoffs = release.manifest["signoffs"]
    reviews = {review: verdict for review, verdict in sorted(signoffs["reviews"].items()) if verdict["file"]}
    if not reviews:
        return
    signers = signoffs.get("signers")
    if signers is None:
        report.warn("signoffs", MANIFEST, "sign-off signatures not checked again: the manifest does not name the "
                                          "allowed_signers they were judged by (built before it did)")
        return
    trust = Trust(allowed=_published_text(release, signers["allowed_signers"]),
                  revoked=_published_text(release, signers["revoked_signers"]), demo=signers["demo_key_trusted"])
    for review, verdict in reviews.items():
        report.count("signoffs")
        for problem in _signoff_problems(release, review, verdict, trust):
            report.find("signoffs", verdict["file"], f"review {review}: {problem}")


def _signoff_problems(release: PublishedRelease, review: str, verdict: dict[str, Any], trust: Trust) -> list[str]:
    """What is wrong with one review's published record against its verdict in the manifest (nothing: [])."""
    data = release.store.read(release.uri(verdict["file"]))
    if data is None:
        return ["its sign-off record is missing"]
    try:
        record = SignoffRecord.model_validate(yaml.safe_load(data))
    except (ValueError, yaml.YAMLError) as exc:
        return [f"not a sign-off record ({str(exc).splitlines()[0]})"]
    if record.review != review or record.id != verdict["id"] or record.id != record.expected_id():
        return [f"the record is {record.id} of review {record.review}, content id {record.expected_id()}; the "
                f"manifest names {verdict['id']}"]
    try:
        check = verify_record(record, trust)
    except ReleaseBuildError as exc:  # no ssh-keygen: nothing can be verified, which is never a pass
        return [f"signature not checked: {exc}"]
    problems = []
    if (check.state, check.key) != (verdict["signature"], verdict["key"]):
        problems.append(f"the manifest says signature {verdict['signature']} by key {verdict['key']}, checked again "
                        f"against {_signers_named(trust)}: {check.state}: {check.why}")
    if verdict["status"] in ("approved", "rejected") and not check.verified:
        problems.append(f"{verdict['status']}, but the signature does not verify: {check.why}")
    if verdict["status"] == "approved" and record.sample.digest != verdict["sample_digest"]:
        problems.append(f"approved, but the record (key {check.key}) signs sample {record.sample.digest}, not the "
                        f"release's {verdict['sample_digest']}")
    return problems


def _signers_named(trust: Trust) -> str:
    return "the published allowed_signers" + (" and revoked_signers" if trust.revoked.strip() else "")


def _published_text(release: PublishedRelease, key: str | None) -> str:
    """A small published text file ("" for None: the file was absent at build); its bytes are hash-checked with the
    artifacts, and the root digest covers its SHA-256."""
    if key is None:
        return ""
    data = release.store.read(release.uri(key))
    return data.decode("utf-8") if data is not None else ""


def _check_restricted(release: PublishedRelease, report: VerifyReport, pool: ThreadPoolExecutor) -> None:
    """Restricted files like artifacts, except that access denied is expected (most readers have none). They are
    read from the set the manifest names (restricted/<version>/<set>/, `restricted_set`), or, when none of them is
    there, directly under restricted/<version>/ (a release published before sets)."""
    restricted = release.manifest["restricted"]
    files = sorted(restricted["files"], key=lambda entry: entry["key"])
    if not files:
        return
    if release.root is None:
        report.warn("restricted", restricted["prefix"], f"{len(files)} restricted file(s) not checked: the release "
                                                        "prefix is not laid out as <root>/releases/<version>")
        return
    keys = _restricted_keys(release, restricted["prefix"], [entry["key"] for entry in files])
    found = pool.map(lambda key: _stream_restricted(release.store, f"{release.root}/{key}"), keys)
    for key, entry, (read, denied) in zip(keys, files, found, strict=True):
        report.count("restricted")
        if denied:
            report.warn("restricted", key, "not accessible (access denied): not checked")
        else:
            _compare(report, "restricted", key, entry, read)


def _restricted_keys(release: PublishedRelease, prefix: str, keys: list[str]) -> list[str]:
    """The restricted files' keys relative to the root: in the manifest's set, unless no file is there and one lies
    directly under the prefix (the layout of a release published before sets). Existence only, no body read; a
    reader denied access cannot tell, and is denied every read after."""
    in_set = [f"{prefix}{restricted_set(release.manifest)}/{key}" for key in keys]
    flat = [f"{prefix}{key}" for key in keys]
    try:
        if any(release.store.exists(f"{release.root}/{key}") for key in in_set):
            return in_set
        return flat if any(release.store.exists(f"{release.root}/{key}") for key in flat) else in_set
    except (PermissionError, AccessDenied):
        return in_set


def _stream_restricted(store: Store, uri: str) -> tuple[Scan | None, bool]:
    """(what was read, or None if absent; whether access was denied)."""
    try:
        return _stream_or_none(store, uri), False
    except (PermissionError, AccessDenied):
        return None, True


def _list_withdrawn(release: PublishedRelease, report: VerifyReport) -> None:
    try:
        entries = release.revocations()
    except ValueError:
        report.warn("revocations", "revocations.json", f"{release.root}/revocations.json is not JSON: "
                                                       "withdrawn records not listed")
        return
    report.withdrawn = [{name: entry.get(name) for name in REVOCATION_FIELDS} for entry in entries]
