"""A no-op `plan` or `apply` answered without importing the engine: the stamp of the last identical no-op.

A no-op is the commonest run (CI checks, a second `apply` to be sure) and the one whose cost is all overhead:
imports, the definition, every step's key. Like make's timestamps or DVC's state database, this module answers it
from what the last run saw, but with nothing declared by hand: while a plain `plan` or `apply` runs, an audit hook
(PEP 578) and a wrapped `os.stat` record every path the process opened, listed or looked at (definition files,
sign-offs, sources, release.lock, the cache's entries and blobs, the published release, the apply lock, and the
code of every module it imported). When the run turns out to be a no-op (plan: no changes; apply: every step
cached), the state of those paths *after* the run is stamped with the command's exact output. The next identical
command (same argv, working directory, environment and terminal) whose recorded paths all still look the same
(files: size, mtime and inode; listed directories: their names; absent paths: still absent) prints that output and
exits with its code without importing anything else.

Anything the record cannot see makes the run ineligible: a network connection (an S3 root or source, a shared
cache) or a child process (git, a rule, a worker pool); threads are the process's own and are recorded. So does a
recorded path that changed while the command ran, by another hand than its own (the audit events name what the
command wrote): its output may describe the state before. A stamp is never
trusted past a changed byte of what produced it, and at worst the fast path is missed, never wrong: every miss
runs the full command, which writes a new stamp or removes the old one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STAMP_FORMAT = 1
STAMP_DIR = os.path.join(".releasebuild", "noop")  # beside release.yaml, in the project's state directory
SWITCH = "RELEASEBUILD_FASTPATH"  # "0": every command runs in full (and stamps nothing)
COMMANDS = frozenset({"plan", "apply"})
FLAGS = frozenset({"--json", "--all"})  # flags that only change what is printed
VALUED_FLAGS = {"--format": frozenset({"text", "markdown"})}
# What the record cannot follow: another machine, another process.
TAINTING_EVENTS = frozenset({"socket.connect", "socket.getaddrinfo", "subprocess.Popen", "os.fork", "os.forkpty",
                             "os.posix_spawn", "os.exec", "os.spawn", "os.system"})
# Environment variables a shell changes between two identical commands, which no run reads.
SHELL_VOLATILE = frozenset({"_", "OLDPWD", "SHLVL", "PS1", "PS2", "TERM_SESSION_ID", "WINDOWID", "PROMPT_COMMAND"})
SYSTEM_PREFIXES = ("/proc/", "/dev/", "/sys/")
# A file changed within this long before its stamp may change again within the same mtime tick ("racy git"):
# the stamp holds its content digest too.
RACY_NS = 2_000_000_000
# Audit events by which the process itself changes a path (its args: the paths, first or first two). A path the
# command changed may differ after it from what it read; any other path that changed while it ran was changed by
# someone else, and its output may describe the old state: such a run is not stamped.
WRITING_EVENTS = {"os.rename": 2, "os.remove": 1, "os.rmdir": 1, "os.mkdir": 1, "os.truncate": 1, "os.utime": 1,
                  "os.chmod": 1, "os.link": 2, "os.symlink": 2, "shutil.copyfile": 2, "shutil.move": 2}
TREE_EVENTS = {"shutil.rmtree": 1, "shutil.copytree": 2}  # ... and everything under the path
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_real_stat, _real_lstat = os.stat, os.lstat  # the recorder's own looks are not recorded


def definition_of(argv: list[str]) -> str | None:
    """The release.yaml an eligible command reads (the default, or its one positional), or None when the command
    is not a plain plan or apply: any flag that changes what runs (--root, --out, --against, --jobs, a saved plan)
    takes the full path."""
    if not argv or argv[0] not in COMMANDS or os.environ.get(SWITCH) == "0":
        return None
    definition = None
    index = 1
    while index < len(argv):
        token = argv[index]
        if token in FLAGS:
            index += 1
        elif token in VALUED_FLAGS and index + 1 < len(argv) and argv[index + 1] in VALUED_FLAGS[token]:
            index += 2
        elif not token.startswith("-") and definition is None and token.endswith((".yaml", ".yml")):
            definition = token
            index += 1
        else:
            return None
    return definition or "release.yaml"


def _stamp_path(argv: list[str], definition: str) -> str:
    """One stamp per exact command and context: argv, working directory, environment, interpreter, and which
    streams are terminals and how wide (colour, wrapping), hashed; under the definition's own state directory."""
    environment = sorted((k, v) for k, v in os.environ.items() if k not in SHELL_VOLATILE)
    context = [STAMP_FORMAT, argv, os.getcwd(), environment, sys.executable, sys.version,
               [_terminal(stream) for stream in (sys.stdout, sys.stderr)]]
    name = hashlib.sha256(json.dumps(context).encode()).hexdigest()[:32]
    return os.path.join(os.path.dirname(os.path.abspath(definition)), STAMP_DIR, f"{name}.json")


def _terminal(stream: Any) -> list[int] | None:
    """A terminal's size (what rich wraps to), or None for a pipe or file."""
    try:
        return list(os.get_terminal_size(stream.fileno())) if stream.isatty() else None
    except (OSError, ValueError, AttributeError):
        return None


def _file_state(path: str, racy_after: int | None = None) -> list[Any] | None:
    """What a stamp compares of a path: absent (None), a directory, or a file's size, mtime and inode, and its
    content digest when it changed shortly before the stamp (`racy_after`) or the stamp holds one."""
    try:
        info = _real_stat(path)
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(info.st_mode):
        return ["dir"]
    state: list[Any] = [info.st_size, info.st_mtime_ns, info.st_ino]
    if racy_after is not None and info.st_mtime_ns >= racy_after:
        state.append(_content(path))
    return state


def _content(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _unchanged(path: str, state: list[Any] | None) -> bool:
    now = _file_state(path)
    if state is None or now is None or len(state) < 4:
        return now == state
    return now == state[:3] and _content(path) == state[3]


def _listing(path: str) -> list[str] | None:
    try:
        return sorted(os.listdir(path))
    except (OSError, ValueError):
        return None


def replay(argv: list[str]) -> int | None:
    """Print the stamped output of this exact no-op and return its exit code, or None (run the command) when there
    is no stamp or any recorded path changed. Never raises: a damaged stamp is a miss."""
    definition = definition_of(argv)
    if definition is None:
        return None
    try:
        stamp_path = _stamp_path(argv, definition)
        with open(stamp_path, encoding="utf-8") as handle:
            stamp = json.load(handle)
        if stamp["format"] != STAMP_FORMAT or stamp["argv"] != argv:
            return None
        if not all(_unchanged(path, state) for path, state in stamp["files"]):
            return None
        if any(_listing(path) != names for path, names in stamp["dirs"]):
            return None
        _settle(stamp, stamp_path)
        sys.stdout.write(stamp["stdout"])
        sys.stderr.write(stamp["stderr"])
        sys.stdout.flush()
        return int(stamp["exit"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _settle(stamp: dict[str, Any], path: str) -> None:
    """Drop the content digests of the stamp's files that were racy when it was made and are not now (their mtime
    is older than RACY_NS): their content was just compared, and a write from now on changes their mtime. Without
    this, every replay after a no-op that followed closely on an apply hashed the blobs that apply wrote (240 MB
    after a one-message change at 100k: 0.15 s of a 0.19 s replay). Best effort: a stamp not rewritten stays
    right, only slower."""
    settled_before = time.time_ns() - RACY_NS
    settled = False
    for entry in stamp["files"]:
        state = entry[1]
        if state is not None and len(state) > 3 and state[1] < settled_before:
            entry[1] = state[:3]
            settled = True
    if settled:
        temporary = f"{path}.{os.getpid()}.tmp"
        try:
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump(stamp, handle)
            os.replace(temporary, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.remove(temporary)


class Recorder:
    """The paths one command touches, while it runs (see the module's docstring). One at a time per process; the
    audit hook is installed once (hooks cannot be removed) and does nothing while no recorder is active."""

    active: Recorder | None = None
    hooked = False

    def __init__(self, exclude: str) -> None:
        self.exclude = exclude  # the stamp directory: writing a stamp must not change the next stamp
        self.touched: set[str] = set()
        self.listed: set[str] = set()
        self.first_state: dict[str, Any] = {}  # each path's state when the command first looked at it
        self.first_listing: dict[str, Any] = {}  # each listed directory's names when the command first listed it
        self.written: set[str] = set()  # paths the command changed itself
        self.written_trees: set[str] = set()  # ... and whole trees
        self.tainted: str | None = None

    def _name(self, path: Any) -> str | None:
        if isinstance(path, int) or path is None:
            return None
        try:
            name = os.path.abspath(os.fsdecode(path))
        except (TypeError, ValueError):
            return None
        if name.startswith(SYSTEM_PREFIXES) or name == self.exclude or name.startswith(self.exclude + os.sep):
            return None
        return name

    def _add(self, into: set[str], path: Any) -> None:
        name = self._name(path)
        if name is not None and name not in into:
            into.add(name)
            if into is self.listed:
                self.first_listing[name] = _listing(name)
            else:
                self.first_state[name] = _file_state(name)

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            mode, flags = (args[1], args[2]) if len(args) >= 3 else (None, 0)
            if (mode is not None and any(c in mode for c in "wax+")) or (mode is None and flags & WRITE_FLAGS):
                self._wrote(self.written, args[0])
            self._add(self.touched, args[0])
        elif event in ("os.listdir", "os.scandir"):
            self._add(self.listed, args[0] if args and args[0] is not None else ".")
        elif event in WRITING_EVENTS:
            for path in args[:WRITING_EVENTS[event]]:
                self._wrote(self.written, path)
        elif event in TREE_EVENTS:
            for path in args[:TREE_EVENTS[event]]:
                self._wrote(self.written_trees, path)
        elif event in TAINTING_EVENTS and self.tainted is None:
            self.tainted = event
            _stop_recording()  # the run gets no stamp now: what it goes on to touch need not be recorded

    def _wrote(self, into: set[str], path: Any) -> None:
        name = self._name(path)
        if name is not None:
            into.add(name)

    def stat(self, path: Any) -> None:
        self._add(self.touched, path)

    def changed_by_another(self) -> str | None:
        """A path that changed between the command's first look and now, which the command did not change itself
        (for a directory: no entry of it did the command change): the command may have printed what it was before."""
        def own(name: str) -> bool:
            return name in self.written or any(name == tree or name.startswith(tree + os.sep)
                                               for tree in self.written_trees)

        changed_dirs = {os.path.dirname(path) for path in self.written | self.written_trees}
        for name, before in self.first_state.items():
            if not own(name) and _file_state(name) != before:
                return name
        for name, names in self.first_listing.items():
            if not own(name) and name not in changed_dirs and _listing(name) != names and not any(
                    tree.startswith(name + os.sep) for tree in self.written_trees):
                return name
        return None

    def modules(self) -> None:
        """The code that ran: every imported module's file, including those imported before recording began."""
        for module in list(sys.modules.values()):
            self._add(self.touched, getattr(module, "__file__", None))


def _audit_hook(event: str, args: tuple[Any, ...]) -> None:
    recorder = Recorder.active
    if recorder is not None:
        recorder.audit(event, args)


def _stop_recording() -> None:
    """Record nothing more in this process: in one forked from a recording one (a pool worker, the privacy scan's),
    what it touches is not the command's to record (the fork made the run ineligible already); in the recording one,
    once a tainting event (the first pool worker's fork, a connection) has made the run ineligible for a stamp. Each
    open and stat recorded costs three stats: thousands of them while a worker imports Presidio or spaCy, or while
    an apply that runs steps moves their outputs into the cache (0.18 s of a one-message change at 100k)."""
    if Recorder.active is not None:
        Recorder.active = None
        os.stat, os.lstat = _real_stat, _real_lstat


@contextmanager
def recording(argv: list[str]) -> Iterator[Recorder | None]:
    """Record what an eligible command touches (None for any other command: nothing is recorded)."""
    definition = definition_of(argv)
    if definition is None or Recorder.active is not None:
        yield None
        return
    recorder = Recorder(os.path.dirname(_stamp_path(argv, definition)))
    if not Recorder.hooked:
        sys.addaudithook(_audit_hook)
        os.register_at_fork(after_in_child=_stop_recording)
        Recorder.hooked = True
    real_stat, real_lstat = os.stat, os.lstat

    def recorded_stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if kwargs.get("dir_fd") is None:
            recorder.stat(path)
        return real_stat(path, *args, **kwargs)

    def recorded_lstat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if kwargs.get("dir_fd") is None:
            recorder.stat(path)
        return real_lstat(path, *args, **kwargs)

    Recorder.active = recorder
    # existence checks raise no audit event: os.stat is wrapped for as long as the command runs
    os.stat, os.lstat = recorded_stat, recorded_lstat
    try:
        yield recorder
    finally:
        os.stat, os.lstat = real_stat, real_lstat
        Recorder.active = None


def save(argv: list[str], recorder: Recorder, stdout: str, stderr: str, exit_code: int, noop: bool) -> None:
    """Stamp this run when it was an untainted no-op; otherwise remove this command's old stamp. Best effort: a
    stamp that cannot be written is a future miss, never an error."""
    definition = definition_of(argv)
    if definition is None:
        return
    path = _stamp_path(argv, definition)
    try:
        if recorder.tainted is None and noop:
            changed = recorder.changed_by_another()
            if changed is not None:
                recorder.tainted = f"{changed} changed while the command ran"
        if not noop or recorder.tainted is not None:
            if os.path.exists(path):
                os.remove(path)
            return
        recorder.modules()
        racy_after = time.time_ns() - RACY_NS
        stamp = {"format": STAMP_FORMAT, "argv": argv, "exit": exit_code, "stdout": stdout, "stderr": stderr,
                 "files": [[name, _file_state(name, racy_after)]
                           for name in sorted(recorder.touched - recorder.listed)],
                 "dirs": [[name, _listing(name)] for name in sorted(recorder.listed)]}
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(stamp, handle)
        os.replace(temporary, path)
    except OSError:
        return
