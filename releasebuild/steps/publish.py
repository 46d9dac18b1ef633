"""Publish: copy the release's artifacts from the cache to the root, manifest last; refuse if a gate blocked."""

from __future__ import annotations

import hashlib
import json
import shutil
from typing import Any

from releasebuild.errors import GateBlocked
from releasebuild.keys import pretty_json
from releasebuild.steps.base import Step, StepContext


class Publish(Step):
    kind = "publish"
    code_version = "1"
    effect = True

    @staticmethod
    def is_done(ctx: StepContext) -> tuple[bool, str]:
        """Published already when the root holds exactly this manifest (reads one small object, no data)."""
        manifest_ref = ctx.inputs["release/manifest"].files["manifest.json"]
        uri = ctx.env.root.release_uri(ctx.params["version"])
        published = ctx.env.root.read(ctx.params["version"], "manifest.json")
        if published is None:
            return False, f"not published at {uri}"
        if hashlib.sha256(published).hexdigest() != manifest_ref.sha256:
            return False, f"{uri} holds a different release; it will be replaced"
        return True, f"published at {uri}"

    @staticmethod
    def run(ctx: StepContext) -> dict[str, Any]:
        version = ctx.params["version"]
        manifest_ref = ctx.inputs["release/manifest"].files["manifest.json"]
        manifest = json.loads(ctx.env.cas.path(manifest_ref.sha256).read_bytes())
        report_dir = ctx.env.blocked_dir / version
        shutil.rmtree(report_dir, ignore_errors=True)  # reports of an earlier blocked build are stale either way
        if manifest["gates"]["blocked_by"]:
            for art in manifest["artifacts"]:
                if art["kind"] in ("gate_report", "gate_summary", "quarantine"):
                    target = report_dir / art["key"]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(ctx.env.cas.path(art["sha256"]).read_bytes())
            (report_dir / "manifest.json").write_text(pretty_json(manifest), encoding="utf-8")
            failed = manifest["gates"]["blocked_by"]
            raise GateBlocked(f"release {version} blocked by gate(s) {', '.join(failed)}; nothing was published; "
                              f"reports: {report_dir}", failed, str(report_dir))
        files = [(art["key"], ctx.env.cas.path(art["sha256"])) for art in manifest["artifacts"]]
        uri = ctx.env.root.publish(version, files, ctx.env.cas.path(manifest_ref.sha256).read_bytes())
        return {"release_uri": uri, "root_digest": manifest["root_digest"]}
