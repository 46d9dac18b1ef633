"""definition/: the files a release was built from, published with it (an audit trail that needs no checkout).

release.yaml and every file it includes (families, gates, lexicons, takedowns: the files whose SHA-256 the
manifest's `definition.files_sha256` names), and the files gates read beside their YAML (the sign-off gate's
allowed_signers and revoked_signers), are copied byte for byte under `definition/`, but for secret values
(the privacy gate's salt), replaced by WITHHELD: a file holding one is published with another SHA-256 than
`files_sha256` names, and `definition/git.json` lists it. git.json also says which commit of which checkout the
files came from and whether they differed from it. Like every artifact they are listed in the manifest, so the root
digest covers them.

The key is the files' content, not the commit: a commit that does not touch the definition rebuilds nothing (and a
protected root is not asked to republish). So git.json records the checkout as it was when this definition was
first built; a build from a clean cache at another commit records that commit, and so another root digest.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams

PREFIX = "definition/"
# release.lock, published beside the definition by release/lock (steps/release_lock.py), not by this step
LOCK = PREFIX + "release.lock"
GIT = "git.json"
KIND = "definition"
WITHHELD = "WITHHELD-SECRET"
GIT_TIMEOUT_SECONDS = 30


class DefinitionParams(StepParams):
    """The files are the step's sources (release.yaml's includes), so their names and content are in its key."""

    # Secret values a definition file may hold (the privacy gate's own salt, which keys surrogates and hashed ids):
    # replaced by WITHHELD wherever they appear, so a published definition never gives them away.
    withheld: list[str]


class DefinitionResult(StepMeta):
    files: int
    commit: str | None
    dirty: bool | None


class DefinitionFiles(Step):
    kind = "definition"
    code_version = "1"
    predictable = True  # reads metas and reports, not records (Step.predictable)
    Params = DefinitionParams
    Result = DefinitionResult

    @staticmethod
    def run(ctx: StepContext) -> DefinitionResult:
        secrets = [secret.encode("utf-8") for secret in ctx.typed(DefinitionParams).withheld]
        withheld = []
        for source in sorted(ctx.sources, key=lambda found: found.name):
            with ctx.store.open(source.uri) as fh:
                data = fh.read()
            for secret in secrets:
                if secret in data:
                    data = data.replace(secret, WITHHELD.encode("utf-8"))
                    withheld.append(source.name)
            with ctx.create(f"files/{source.name}", publish=published_key(source.name), kind=KIND) as out:
                out.write(data)
        names = [source.name for source in ctx.sources]
        commit, dirty, differing = git_state(Path(ctx.spec.source_dir), names)
        ctx.write_json(GIT, {"commit": commit, "dirty": dirty, "files_differing_from_commit": differing,
                             "checkout": "git" if commit else "not a git checkout (or git is not installed)",
                             "secrets_withheld_in": sorted(set(withheld))},
                       publish=PREFIX + GIT, kind=KIND)
        return DefinitionResult(files=len(names), commit=commit, dirty=dirty)


def published_key(name: str) -> str:
    """Where a definition file is published: its name under definition/ (a file outside the release's directory,
    named by its absolute path, keeps that path without the leading slash)."""
    return PREFIX + name.lstrip("/")


def git_state(directory: Path, files: list[str]) -> tuple[str | None, bool | None, list[str]]:
    """(HEAD's commit, whether any of `files` differs from it or is untracked, which ones); (None, None, []) outside a
    git checkout. Only the definition files count: an edited README does not make a release's definition dirty."""
    head = _git(directory, "rev-parse", "HEAD")
    if head is None:
        return None, None, []
    status = _git(directory, "status", "--porcelain=v1", "--untracked-files=all", "--", *files) or ""
    top = _git(directory, "rev-parse", "--show-prefix") or ""
    differing = sorted(line[3:].strip('"').removeprefix(top) for line in status.splitlines() if line.strip())
    return head.strip(), bool(differing), differing


def _git(directory: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None
