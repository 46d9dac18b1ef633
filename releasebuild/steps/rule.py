"""A user's rule as a step: its command runs in a scratch directory holding only its declared inputs, and must
write exactly its declared outputs there.

The sandbox mirrors the rule's own directory: an input declared as `../tools/gen.py` from `families/` is staged at
`<sandbox>/tools/gen.py` and the command runs in `<sandbox>/families`, so relative paths in the command mean what
they mean in the repository. A remote input (`s3://bucket/key`) is staged at `s3/bucket/key`, and another rule's
output at the path that rule declares. Staged inputs are read-only copies: a rule cannot damage a source or the
content store. The environment holds only what the key covers (declared variables, params) and a fixed base.
What the sandbox cannot see is the rest of the machine: programs on PATH, absolute paths, the network. A rule that
depends on those should name them in `version` (or `env`), and `apply --check-determinism` catches the drift.
"""

from __future__ import annotations

import os
import platform
import posixpath
import shlex
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from releasebuild.config.models import PLACEHOLDER, RULE_SOURCE, ParamValue
from releasebuild.config.rules import LoadedRule
from releasebuild.errors import ReleaseBuildError
from releasebuild.keys import digest
from releasebuild.redaction import hide_variables
from releasebuild.steps.base import SourceFile, Step, StepContext, StepMeta, StepParams, StepSpec
from releasebuild.store.backends import Store

RULE_STEP_PREFIX = "rules/"
BASE_PATH = "/usr/local/bin:/usr/bin:/bin"  # a command's PATH unless the rule passes PATH through
STDERR_TAIL_LINES = 20
STDERR_TAIL_BYTES = 4096


def rule_step_id(name: str) -> str:
    return f"{RULE_STEP_PREFIX}{name}"


def python_identity() -> str:
    """What `{python}` adds to a rule's key: the interpreter's implementation and version."""
    return f"{platform.python_implementation()} {platform.python_version()}"


def env_digests(names: list[str], environ: Any = os.environ) -> dict[str, str]:
    """The declared variables' values as digests: in the key, never in a file (a token may pass through)."""
    return {name: digest(environ.get(name)) for name in names}


class RuleParams(StepParams):
    rule: str
    cmd: list[str] | str  # argv with placeholders, or a string that /bin/sh runs (shell: true)
    shell: bool
    params: dict[str, ParamValue]  # {params.NAME} in cmd, $PARAM_NAME in the environment
    env: dict[str, str]  # declared variable -> digest of its value when the key was made
    outputs: list[str]
    version: str | None
    python: str | None  # the interpreter's identity, when cmd runs {python}


def rule_spec(loaded: LoadedRule) -> StepSpec:
    """The step of one rule. Its key is the command, params, version, declared environment, Python (when the
    command runs `{python}`) and the content digest of every input, scripts included; nothing else."""
    rule = loaded.config
    hide_variables(rule.env)  # a token passes this way: its value is scrubbed from every output from now on
    deps = tuple(sorted({rule_step_id(ref.removeprefix(RULE_SOURCE).partition("/")[0])
                         for ref in rule.inputs if ref.startswith(RULE_SOURCE)}))
    params = {"rule": rule.name, "cmd": rule.cmd, "shell": rule.shell, "params": dict(rule.params),
              "env": env_digests(rule.env), "outputs": list(rule.outputs), "version": rule.version,
              "python": python_identity() if rule.uses_python else None}
    # The rules it reads are seen through their outputs' digests (as sources), not their whole results.
    return StepSpec(rule_step_id(rule.name), RuleStep.kind, params, deps, sources=tuple(rule.inputs),
                    source_dir=str(loaded.base_dir), reads={dep: () for dep in deps})


def render_value(value: ParamValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def command(params: RuleParams, python: str) -> list[str]:
    """The argv to run, placeholders filled (`{python}`, `{params.NAME}`); a shell command goes to /bin/sh -c with
    its values quoted."""
    values = {"python": python, **{f"params.{key}": render_value(v) for key, v in params.params.items()}}

    def fill(text: str, quote: Any) -> str:
        return PLACEHOLDER.sub(lambda m: m[0][0] if m[1] is None else quote(values[m[1]]), text)

    if isinstance(params.cmd, str):  # shell: true (the definition allows a string cmd only then)
        return ["/bin/sh", "-c", fill(params.cmd, shlex.quote)]
    return [fill(part, str) for part in params.cmd]


def environment(params: RuleParams, home: Path, tmp: Path, environ: Any = os.environ) -> dict[str, str]:
    """A fixed base, the params as $PARAM_<NAME>, and the declared variables that are set."""
    env = {"PATH": BASE_PATH, "HOME": str(home), "TMPDIR": str(tmp), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
           "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    env.update({f"PARAM_{key.upper()}": render_value(value) for key, value in params.params.items()})
    env.update({name: environ[name] for name in params.env if name in environ})
    return env


def staged_name(source: SourceFile) -> str:
    """Where an input goes, relative to the directory the command runs in (may start with `..`)."""
    if source.name.startswith(RULE_SOURCE):
        return source.name.removeprefix(RULE_SOURCE).partition("/")[2]
    if "://" in source.name:
        return posixpath.normpath(source.name.replace("://", "/", 1))
    return posixpath.normpath(source.name)


@dataclass(frozen=True)
class Sandbox:
    root: Path
    cwd: Path
    staged: dict[str, tuple[int, int]]  # path under root -> (size, mtime_ns) as staged


def stage(rule: str, workdir: Path, base_dir: Path, sources: list[SourceFile], outputs: list[str],
          store: Store) -> Sandbox:
    """Copy the inputs in, read-only, at their places relative to a directory named like the rule's own."""
    names: dict[str, SourceFile] = {}
    for source in sources:
        name = staged_name(source)
        if name in names:
            raise ReleaseBuildError(f"rule '{rule}': inputs {names[name].name} and {source.name} would both be "
                                    f"staged at {name}")
        if name in outputs:
            raise ReleaseBuildError(f"rule '{rule}': input {source.name} is staged at {name}, which is also one "
                                    "of its outputs")
        names[name] = source
    depth = max((_leading_parents(name) for name in names), default=0)
    parts = base_dir.parts[1:] if base_dir.anchor else base_dir.parts  # never the anchor: "/" would escape
    mirrored = parts[len(parts) - depth:] if depth else ()
    mirrored = ("_",) * (depth - len(mirrored)) + tuple(mirrored)  # a base directory shallower than the inputs reach
    root = workdir / "sandbox"
    cwd = root.joinpath(*mirrored)
    cwd.mkdir(parents=True)
    staged = {}
    for name, source in names.items():
        relative = posixpath.normpath(posixpath.join(*mirrored, name)) if mirrored else name
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        store.download(source.uri, str(target))
        target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        info = target.stat()
        staged[relative] = (info.st_size, info.st_mtime_ns)
    return Sandbox(root, cwd, staged)


def _leading_parents(name: str) -> int:
    count = 0
    for part in name.split("/"):
        if part != "..":
            break
        count += 1
    return count


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file (and symlink) under root, by posix path: (size, mtime_ns)."""
    found = {}
    for directory, dirs, files in os.walk(root):
        for entry in files + [d for d in dirs if os.path.islink(os.path.join(directory, d))]:
            path = os.path.join(directory, entry)
            info = os.lstat(path)
            found[Path(path).relative_to(root).as_posix()] = (info.st_size, info.st_mtime_ns)
    return found


def tree_problems(rule: str, sandbox: Sandbox, outputs: list[str]) -> list[str]:
    """What the command did beyond its declared outputs, and which declared outputs it did not write."""
    prefix = sandbox.cwd.relative_to(sandbox.root).as_posix()
    expected = {posixpath.join(prefix, output) if prefix != "." else output: output for output in outputs}
    now = tree(sandbox.root)
    problems = []
    missing = [output for path, output in expected.items()
               if path not in now or not (sandbox.root / path).is_file() or (sandbox.root / path).is_symlink()]
    if missing:
        problems.append(f"rule '{rule}' did not write its declared output(s) {', '.join(missing)} as regular files")
    extra = sorted(posixpath.relpath(path, prefix) for path in now if path not in expected
                   and path not in sandbox.staged)
    if extra:
        shown = ", ".join(extra[:10]) + (f" and {len(extra) - 10} more" if len(extra) > 10 else "")
        problems.append(f"rule '{rule}' wrote undeclared file(s) {shown} (declare them in outputs, or write scratch "
                        "files under $TMPDIR)")
    changed = sorted(posixpath.relpath(path, prefix) for path, seen in sandbox.staged.items()
                     if now.get(path) != seen)
    if changed:
        problems.append(f"rule '{rule}' changed or removed its input(s) {', '.join(changed)}")
    return problems


def tail(path: Path) -> str:
    """The last lines of a log, for an error message."""
    with path.open("rb") as fh:
        fh.seek(max(0, path.stat().st_size - STDERR_TAIL_BYTES))
        text = fh.read().decode("utf-8", errors="replace")
    return "\n".join(text.rstrip().splitlines()[-STDERR_TAIL_LINES:])


class RuleResult(StepMeta):
    rule: str
    inputs: dict[str, str]  # each staged input's name -> its content digest: the manifest records what went in


class RuleStep(Step):
    kind = "rule"
    code_version = "1"
    Params = RuleParams
    Result = RuleResult
    restricted = True  # its outputs are families' sources: raw data, before any privacy step
    not_computed = "plan does not run a rule's command"

    @staticmethod
    def fresh_records(ctx: StepContext) -> int | None:
        """Plan never runs a rule: its command may cost anything and reach anything (the sandbox is no jail)."""
        return None

    @staticmethod
    def run(ctx: StepContext) -> RuleResult:
        params = ctx.typed(RuleParams)
        name = params.rule
        hide_variables(params.env)  # in this worker too, whatever it inherited
        moved = [key for key, value in env_digests(list(params.env)).items() if params.env[key] != value]
        if moved:
            raise ReleaseBuildError(f"rule '{name}': environment variable(s) {', '.join(moved)} changed during the "
                                    "apply; run it again")
        sandbox = stage(name, ctx.workdir, Path(ctx.spec.source_dir), ctx.sources, params.outputs, ctx.store)
        home, tmp = ctx.workdir / "home", ctx.workdir / "tmp"
        home.mkdir()
        tmp.mkdir()
        stdout, stderr = ctx.workdir / "stdout.log", ctx.workdir / "stderr.log"
        argv = command(params, sys.executable)
        with stdout.open("wb") as out, stderr.open("wb") as err:
            try:
                code = subprocess.run(argv, cwd=sandbox.cwd, env=environment(params, home, tmp),
                                      stdin=subprocess.DEVNULL, stdout=out, stderr=err, check=False).returncode
            except OSError as exc:  # the program itself was not found or not executable
                raise ReleaseBuildError(f"rule '{name}' could not start {argv[0]}: {exc.strerror}") from None
        if code != 0:
            log = stderr if stderr.stat().st_size else stdout
            shown = tail(log)
            raise ReleaseBuildError(f"rule '{name}' exited with status {code}"
                                    + (f"; its {log.stem} ends:\n{shown}" if shown else " and printed nothing"))
        problems = tree_problems(name, sandbox, params.outputs)
        if problems:
            raise ReleaseBuildError("; ".join(problems))
        for output in params.outputs:
            ctx.keep(output, sandbox.cwd / output)
        return RuleResult(rule=name, inputs={source.name: source.digest for source in ctx.sources})
