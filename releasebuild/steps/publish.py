"""Publish: copy the release's artifacts from the cache to the root, manifest last; refuse if a gate blocked (and
then leave the gate reports on this machine and upload them to the root's attempts/, for the audit trail)."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable, Collection
from typing import Any

from releasebuild.errors import GateBlocked, Refused, StorageError
from releasebuild.keys import pretty_json
from releasebuild.staleness import StaleReason
from releasebuild.steps import ids
from releasebuild.steps.base import EffectEnv, Step, StepContext, StepMeta, StepParams
from releasebuild.steps.definition import LOCK
from releasebuild.store.revocations import record_revocations

# What a blocked build leaves under .releasebuild/blocked/<version>/ for people to act on: the reports, and the
# material reviewers sign off (QA samples, release notes), which must exist before the release can publish.
BLOCKED_REPORTS = ("gate_report", "gate_summary", "quarantine", "coverage", "privacy_status", "signoff",
                   "release_notes")
# Record text: left out while a gate that withholds it (`Gate.withholds_records`: the privacy gate) blocks, since it
# may hold what the gate caught.
BLOCKED_SAMPLES = ("qa_sample", "qa_review")
# What a blocked apply uploads to <root>/attempts/<version>/<run-id>/ for the audit trail: the gate reports (which
# name records by id and findings by type and span, never by text) and the definition tried. No sample, no notes, and
# not release.lock: its `last_attempt` says the version was published, which a blocked attempt's copy would belie.
ATTEMPT_REPORTS = ("gate_report", "gate_summary", "coverage", "definition")


class PublishParams(StepParams):
    version: str


class PublishResult(StepMeta):
    release_uri: str
    root_digest: str


def publish_step(withholding_gates: Callable[[], Collection[str]]) -> type[Step]:
    """The publish step kind, told which gates withhold record text while they fail (`Gate.withholds_records`, by
    gate id). The gate registry knows, and it lists gates built on the steps, so this module does not import it:
    steps/registry.py builds the kind with the registry's `withholding_gates`."""

    class Publish(Step):
        kind = "publish"
        code_version = "2"
        effect = True

        Params = PublishParams
        Result = PublishResult

        @staticmethod
        def check(ctx: StepContext) -> tuple[StaleReason, str]:
            return _check(ctx)

        @staticmethod
        def check_waiting(env: EffectEnv, params: dict[str, Any]) -> tuple[StaleReason, str] | None:
            return _check_waiting(env, params)

        @staticmethod
        def run(ctx: StepContext) -> PublishResult:
            return _publish(ctx, withholding_gates())

    return Publish


def _check(ctx: StepContext) -> tuple[StaleReason, str]:
    """Published already when the root holds exactly this manifest (no data read; on S3 not even the manifest)."""
    version = ctx.typed(PublishParams).version
    root = ctx.effect_env.root
    uri = root.release_uri(version)
    manifest = _manifest_bytes(ctx)
    state = root.manifest_state(version, manifest)
    interrupted = root.interrupted()  # what a killed apply left: apply finishes or removes it before anything else
    if state == "same":
        mismatch = root.mismatch(version, manifest)
        if mismatch is not None:
            return StaleReason.NOT_PUBLISHED, (f"{uri} holds this manifest but not exactly its objects ({mismatch}); "
                                               "it will be published again")
        if interrupted is not None:
            return StaleReason.NOT_PUBLISHED, f"published at {uri}, but {interrupted}"
        return StaleReason.UP_TO_DATE, f"published at {uri}"
    suffix = f" ({interrupted})" if interrupted is not None else ""
    if state == "absent":
        return StaleReason.NOT_PUBLISHED, f"not published at {uri}{suffix}"
    if root.protected:
        return StaleReason.VERSION_IMMUTABLE, _immutable_message(version, uri)
    return StaleReason.NOT_PUBLISHED, f"{uri} holds a different release; it will be replaced{suffix}"


def _check_waiting(env: EffectEnv, params: dict[str, Any]) -> tuple[StaleReason, str] | None:
    version = params["version"]
    if env.root.protected and env.root.is_published(version):
        return StaleReason.VERSION_IMMUTABLE, (
            f"{version} is already published at {env.root.release_uri(version)} and the root is protected: "
            f"if the rebuilt release differs, apply refuses; bump `version` in release.yaml")
    return None


def _publish(ctx: StepContext, withholding: Collection[str]) -> PublishResult:
    """Publish the manifest's artifacts, or, when a gate blocked, leave its reports under blocked/ and raise
    (`withholding`: the gates whose failure keeps record text out of them)."""
    version = ctx.typed(PublishParams).version
    env = ctx.effect_env
    manifest_bytes = _manifest_bytes(ctx)
    manifest = json.loads(manifest_bytes)
    report_dir = env.blocked_dir / version
    shutil.rmtree(report_dir, ignore_errors=True)  # reports of an earlier blocked build are stale either way
    failed = manifest["gates"]["blocked_by"]
    if failed:
        kinds = BLOCKED_REPORTS + (() if set(failed) & set(withholding) else BLOCKED_SAMPLES)
        for art in manifest["artifacts"]:
            if art["kind"] in kinds:
                target = report_dir / art["key"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(env.cas.local(art["sha256"]).read_bytes())
        (report_dir / "manifest.json").write_text(pretty_json(manifest), encoding="utf-8")
        summary = json.loads((report_dir / "gates" / "summary.json").read_bytes())
        reasons = "".join(f"\n  {gate['id']}: {gate.get('why') or 'see its report'}" for gate in summary["gates"]
                          if gate["id"] in failed)
        uploaded = _record_attempt(ctx, version, manifest, summary)
        raise GateBlocked(f"release {version} blocked by gate(s) {', '.join(failed)}; nothing was published; "
                          f"reports: {report_dir}; {uploaded}{reasons}", failed, str(report_dir))
    root = env.root
    if root.protected and root.manifest_state(version, manifest_bytes) == "different":
        raise Refused(_immutable_message(version, root.release_uri(version)))
    takedowns = [{k: v for k, v in entry.items() if k in ("id", "digest", "family", "reason")}
                 for entry in manifest["takedowns"]]
    if takedowns:
        earlier = [other for other in root.published_versions() if other != version]
        record_revocations(root, version, earlier, takedowns)
    artifacts = [(art["key"], art["sha256"]) for art in manifest["artifacts"]]
    restricted = [(art["key"], art["sha256"]) for art in manifest["restricted"]["files"]]
    uri = root.publish(version, artifacts, manifest_bytes, env.cas, restricted)
    return PublishResult(release_uri=uri, root_digest=manifest["root_digest"])


def _record_attempt(ctx: StepContext, version: str, manifest: dict[str, Any], summary: dict[str, Any]) -> str:
    """Upload the blocked build's reports to the root (where the team looks, unlike this machine's disk); says where,
    or why not: a failed upload must not hide why the release was blocked."""
    run_id = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{uuid.uuid4().hex[:8]}"
    files = [art for art in manifest["artifacts"] if art["kind"] in ATTEMPT_REPORTS and art["key"] != LOCK]
    record = {"format_version": 1, "version": version, "run_id": run_id, "blocked_by": manifest["gates"]["blocked_by"],
              "gates": [{name: gate.get(name) for name in ("id", "status", "blocking", "why", "report")}
                        for gate in summary["gates"]],
              "root_digest": manifest["root_digest"], "definition": manifest["definition"],
              "files": [{name: art[name] for name in ("key", "sha256", "bytes", "kind")} for art in files]}
    try:
        env = ctx.effect_env
        uri = env.root.record_attempt(version, run_id, [(art["key"], art["sha256"]) for art in files], record,
                                      env.cas)
    except (StorageError, OSError) as exc:
        return f"not uploaded to the root's attempts/ ({exc})"
    return f"uploaded to {uri}"


def _manifest_bytes(ctx: StepContext) -> bytes:
    ref = ctx.inputs[ids.MANIFEST].files["manifest.json"]
    return ctx.effect_env.cas.local(ref.sha256).read_bytes()


def _immutable_message(version: str, uri: str) -> str:
    return (f"{version} is already published at {uri} with different content, and the root is protected: "
            f"published versions never change there; bump `version` in release.yaml")
