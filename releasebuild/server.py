"""A warm server for the command line: the imports and loads of an apply made once, each command forked from them.

A one-message change at 100k conversations reads a few lines, yet a fresh `releasebuild apply` spends most of its
time importing: the driver's own modules, then in a fresh pool worker Presidio with spaCy (1.4 s on the benchmark's
machine), datasketch with scipy, the language identifier's model, matplotlib. Bazel's server, Gradle's daemon and
Nailgun keep a process alive between commands for this reason. `releasebuild server start` starts one such process
(a zygote): it imports the package and makes the slow loads of the release's steps, then waits on a Unix socket.
Each later command of the same user, run with the same code, interpreter and environment, connects, hands over its
working directory, environment, arguments and its three standard streams (file descriptors passed over the socket),
and the zygote forks a child that runs the command exactly as the command line would, with the loads already made;
its pool workers fork from it and find them made too. The client waits, forwards the signals it gets to the
command's process group (as a terminal sends Ctrl-C to its foreground job), and exits with the child's exit code.
Served are the commands that read and build (`SERVED`); `signoff`, which may ask for a key's passphrase on the
terminal, always runs in its own process: a served command has no controlling terminal.

What a served command does is what the same command does unserved: the child runs the same `cli.main` in the
client's directory, environment and streams, under the same fast path (fastpath.py). What could differ is the code
that runs, so a command is served only by a server whose *identity* it shares: the interpreter, `sys.path`, the
environment (less what a shell changes between two identical commands), the user, the state (size, mtime) of every
file of this package and the modification time of every directory on `sys.path` but the working directory (an
install or an uninstall changes its directory's listing). Anything else runs unserved, as it always has. A module
of another package edited in place after the server started is not seen: `releasebuild server stop` after editing
installed code by hand.

Opt-in: nothing starts a server but `releasebuild server start`; `RELEASEBUILD_SERVER=0` turns delegation off. The
socket lives in a directory only its user may enter (`/tmp/releasebuild-server-<uid>`, or
`$RELEASEBUILD_SERVER_DIR`), and the server serves only connections of its own user (SO_PEERCRED). A server ends
after `IDLE_SECONDS` without a command, on `releasebuild server stop`, or on SIGTERM.

This module imports only the standard library, the package's errors and the fast path's list of shell variables: the
command it runs and the loads it makes are handed in by the command line (`cli`, `app/warming.py`), which keeps the
import graph pointing one way.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import selectors
import signal
import socket
import stat
import struct
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from releasebuild.errors import ReleaseBuildError
from releasebuild.fastpath import SHELL_VOLATILE  # a shell's own variables make no other identity

SERVED = frozenset({"apply", "plan", "validate", "coverage", "graph", "status", "verify", "diff"})
SWITCH = "RELEASEBUILD_SERVER"  # "0": every command runs in its own process, as without a server
DIRECTORY_VARIABLE = "RELEASEBUILD_SERVER_DIR"
FORMAT = 1  # of the identity and the protocol: a client and a server of different formats never meet
IDLE_SECONDS = 3 * 3600  # Bazel's default `--max_idle_secs`
SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes on Linux, 104 on macOS
_LENGTH = struct.Struct("!I")
STREAMS = 3  # stdin, stdout, stderr
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
REAP_SECONDS = 5.0  # how often a waiting server reaps its children and checks its idle time


class ServerError(ReleaseBuildError):
    """A server that cannot be started: a plain message for the command line (exit 1)."""


# --- identity and place -------------------------------------------------------------------------------------------


def directory() -> Path:
    """Where this user's servers keep their sockets and logs."""
    configured = os.environ.get(DIRECTORY_VARIABLE)
    return Path(configured) if configured else Path(tempfile.gettempdir()) / f"releasebuild-server-{os.getuid()}"


def _private(path: Path) -> bool:
    """Whether `path` is a real directory of this user that no one else may enter: another user who made it first
    could otherwise put a socket there that runs this user's commands."""
    try:
        state = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(state.st_mode) and state.st_uid == os.getuid() and state.st_mode & 0o077 == 0


def identity(environ: Mapping[str, str] | None = None) -> str:
    """What the code a command runs depends on, digested: a server serves only commands of its own identity.
    `environ`: the environment to describe (default: this process's)."""
    package = Path(__file__).resolve().parent
    files = []
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        for name in sorted(names):
            if name.endswith((".py", ".json", ".txt", ".tsv", ".yaml")):
                state = os.stat(os.path.join(folder, name))
                files.append((os.path.relpath(os.path.join(folder, name), package), state.st_size, state.st_mtime_ns))
    path_states: list[tuple[str, int | None]] = []
    here = os.path.realpath(os.getcwd())
    for entry in sys.path:
        if os.path.realpath(entry or ".") == here:
            continue  # `python -m` puts the working directory first, and commands write into it
        try:
            path_states.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            path_states.append((entry, None))
    environment = sorted((key, value) for key, value in (os.environ if environ is None else environ).items()
                         if key not in SHELL_VOLATILE)
    described = [FORMAT, sys.executable, sys.version, os.getuid(), str(package), files, path_states, environment]
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:16]


def socket_path(name: str | None = None) -> Path:
    return directory() / f"{name or identity()}.sock"


# --- the client ---------------------------------------------------------------------------------------------------


def delegate(argv: list[str]) -> int | None:
    """Run the command in a server of this identity and return its exit code; None where there is none (or
    delegation is off, or the standard streams cannot be handed over), and the caller runs the command itself."""
    if os.environ.get(SWITCH) == "0" or not argv or argv[0] not in SERVED or not _can_serve():
        return None
    place = directory()
    if not _private(place):
        return None
    try:
        for stream in range(STREAMS):
            os.fstat(stream)
    except OSError:
        return None  # a closed standard stream: nothing to hand over
    connection = _connect(socket_path())
    if connection is None:
        return None
    with connection:
        request = {"op": "run", "argv": argv, "argv0": sys.argv[0] if sys.argv else "releasebuild",
                   "cwd": os.getcwd(), "env": dict(os.environ), "umask": _umask()}
        try:
            _send(connection, request, list(range(STREAMS)))
            replies = _Replies(connection)
            child = replies.next()["pid"]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # the server went away before it took the command: run it here
        forwarded = {sig: signal.signal(sig, lambda number, _frame: _forward(child, number))
                     for sig in FORWARDED_SIGNALS}
        try:
            reply = replies.next()
        except (OSError, ValueError):
            reply = {}
        finally:
            for sig, handler in forwarded.items():
                signal.signal(sig, handler)
    if "exit" not in reply:
        sys.stderr.write("error: the releasebuild server's process for this command ended without an exit code\n")
        return 1
    return int(reply["exit"])


def _can_serve() -> bool:
    """Fork, Unix sockets that carry descriptors, and the peer's credentials: Linux has them all."""
    return hasattr(os, "fork") and hasattr(socket, "send_fds") and hasattr(socket, "SO_PEERCRED")


def _forward(child: int, number: int) -> None:
    """A signal to the command's process group, as a terminal sends Ctrl-C to its foreground job: the command, its
    pool workers and what they run (a rule's process)."""
    try:
        os.killpg(child, number)
    except ProcessLookupError:
        pass


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _connect(path: Path) -> socket.socket | None:
    if len(os.fsencode(path)) > SOCKET_PATH_MAX:
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(os.fspath(path))
    except OSError:  # none there, or a socket its server left behind when it was killed
        connection.close()
        return None
    return connection


def _send(connection: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    framed = _LENGTH.pack(len(data)) + data
    if fds:
        sent = socket.send_fds(connection, [framed], fds)
        connection.sendall(framed[sent:])
    else:
        connection.sendall(framed)


def _receive(connection: socket.socket, max_fds: int = 0) -> tuple[dict[str, Any], list[int]]:
    """One framed message, and the descriptors that came with its first bytes."""
    fds: list[int] = []
    if max_fds:
        data, fds, _, _ = socket.recv_fds(connection, 1 << 16, max_fds)
    else:
        data = connection.recv(1 << 16)
    while len(data) < _LENGTH.size or len(data) < _LENGTH.size + _LENGTH.unpack_from(data)[0]:
        more = connection.recv(1 << 16)
        if not more:
            for fd in fds:
                os.close(fd)
            raise ValueError("the connection closed inside a message")
        data += more
    (length,) = _LENGTH.unpack_from(data)
    return json.loads(data[_LENGTH.size:_LENGTH.size + length]), fds


class _Replies:
    """The child's replies: JSON lines ({"pid": ...}, then {"exit": ...})."""

    def __init__(self, connection: socket.socket):
        self.lines = connection.makefile("rb")

    def next(self) -> dict[str, Any]:
        line = self.lines.readline()
        if not line:
            raise ValueError("no reply")
        reply: dict[str, Any] = json.loads(line)
        return reply


def ask(op: str, path: Path | None = None) -> dict[str, Any] | None:
    """A control request (`status`, `stop`) to the server of this identity (or at `path`); None when there is
    none."""
    connection = _connect(path or socket_path()) if _private(directory()) else None
    if connection is None:
        return None
    with connection:
        _send(connection, {"op": op})
        try:
            return _Replies(connection).next()
        except (OSError, ValueError):
            return None


def stop_all() -> list[int]:
    """Stop every server of this user: those of other code or environments too, which no command reaches any more
    (the package was edited, a variable changed) and which would otherwise wait out their idle time."""
    if not _private(directory()):
        return []
    replies = [ask("stop", path) for path in sorted(directory().glob("*.sock"))]
    return [reply["stopped"] for reply in replies if reply is not None]


# --- the server ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    pid: int
    socket: Path
    log: Path
    seconds: float  # spent making the loads
    already: bool = False  # a server of this identity was running already


def start(run: Callable[[list[str]], int], warm: Callable[[], object], idle_seconds: float = IDLE_SECONDS) -> Started:
    """Start a server of this process's identity in the background and return once it serves (or say which one
    does already). `warm` makes the loads (in the server, before it serves); `run` runs one command in a child."""
    if not _can_serve():
        raise ServerError("a warm server needs fork, Unix sockets that pass descriptors and SO_PEERCRED (Linux)")
    place = directory()
    try:
        place.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ServerError(f"cannot make the server directory {place}: {exc}") from exc
    if not _private(place):
        raise ServerError(f"{place} is not a directory of this user that only it may enter (mode 700): "
                          f"remove it, or set {DIRECTORY_VARIABLE} to one")
    name = identity()
    path, log = place / f"{name}.sock", place / f"{name}.log"
    if len(os.fsencode(path)) > SOCKET_PATH_MAX:
        raise ServerError(f"the socket path {path} is longer than a Unix socket allows: set {DIRECTORY_VARIABLE} "
                          "to a shorter directory")
    running = ask("status")
    if running is not None:
        return Started(running["pid"], path, log, 0.0, already=True)
    sys.stdout.flush()
    sys.stderr.flush()
    ready_read, ready_write = os.pipe()
    first = os.fork()
    if first == 0:  # pragma: no cover - the forked server reports through the pipe, not to coverage
        code = 1
        try:
            os.close(ready_read)
            os.setsid()  # no terminal, no process group of the shell: a Ctrl-C there does not reach it
            if os.fork() == 0:
                _become_server(name, path, log, run, warm, idle_seconds, ready_write)
            code = 0
        finally:
            os._exit(code)
    os.close(ready_write)
    os.waitpid(first, 0)
    with os.fdopen(ready_read, "rb") as ready:
        said = ready.read().decode(errors="replace")
    if not said.startswith("ready "):
        raise ServerError(f"the server did not start: {said.strip() or 'no reason given'} (log: {log})")
    pid, seconds = said.split()[1:3]
    return Started(int(pid), path, log, float(seconds))


def _become_server(name: str, path: Path, log: Path, run: Callable[[list[str]], int], warm: Callable[[], object],
                   idle_seconds: float, ready: int) -> None:
    """The server's life, in the process `start` forked: redirect, load, listen, say ready, serve."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    sys.stdin, sys.stdout, sys.stderr = _text_streams()
    environ = dict(os.environ)  # a load may set variables; the commands bring their own
    try:
        started = time.monotonic()
        warm()
        seconds = time.monotonic() - started
        gc.collect()
        gc.freeze()  # the loads stay shared with every child instead of being copied as the collector visits them
        if identity(environ) != name:
            raise ServerError("the code changed while the server made its loads")
        if threading.active_count() > 1:
            raise ServerError(f"a load started a thread ({threading.enumerate()}): forking it is unsafe")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        temporary = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
        listener.bind(os.fspath(temporary))
        os.chmod(temporary, 0o600)
        listener.listen(16)
        os.replace(temporary, path)  # a stale socket of a killed server is replaced, never connected to
    except BaseException as exc:  # noqa: BLE001 - said to the starting command, which prints it
        traceback.print_exc()
        os.write(ready, f"error {exc}".encode())
        os.close(ready)
        return
    _log(f"serving {path} (identity {name}, loads made in {seconds:.2f}s)")
    os.write(ready, f"ready {os.getpid()} {seconds:.3f}".encode())
    os.close(ready)
    _Server(listener, path, run, idle_seconds).serve()


def _text_streams() -> tuple[io.TextIOWrapper, io.TextIOWrapper, io.TextIOWrapper]:
    """sys.stdin, sys.stdout and sys.stderr over descriptors 0-2 as the interpreter makes them at start-up: line
    buffered on a terminal, stderr always, in the encoding the interpreter chose for this environment."""
    encoding = sys.stdout.encoding if sys.stdout is not None else "utf-8"

    def stream(fd: int, mode: str, errors: str) -> io.TextIOWrapper:
        line_buffered = fd == 2 or os.isatty(fd)
        wrapper = open(fd, mode, buffering=1 if line_buffered and mode == "w" else -1,  # noqa: SIM115
                       encoding=encoding, errors=errors, closefd=False)
        assert isinstance(wrapper, io.TextIOWrapper)
        return wrapper

    return stream(0, "r", "strict"), stream(1, "w", "strict"), stream(2, "w", "backslashreplace")


def _log(message: str) -> None:
    sys.stderr.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} [{os.getpid()}] {message}\n")


class _Server:
    """The zygote's loop: one thread, no pool; a child per command, reaped as the loop comes round."""

    def __init__(self, listener: socket.socket, path: Path, run: Callable[[list[str]], int], idle_seconds: float):
        self.listener = listener
        self.path = path
        self.inode = os.stat(path).st_ino
        self.run = run
        self.idle_seconds = idle_seconds
        self.children: set[int] = set()
        self.served = 0
        self.started = time.time()
        self.last = time.monotonic()
        self.stopping = False

    def serve(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        selector = selectors.DefaultSelector()
        selector.register(self.listener, selectors.EVENT_READ)
        try:
            while not self.stopping:
                if selector.select(timeout=REAP_SECONDS):
                    self._accept()
                self._reap()
                if not self.children and time.monotonic() - self.last > self.idle_seconds:
                    _log(f"idle for {self.idle_seconds:.0f}s: stopping")
                    break
        finally:
            self._close()

    def _stop(self, _number: int, _frame: Any) -> None:
        self.stopping = True

    def _accept(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        fds: list[int] = []
        try:
            _, uid, _ = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                  struct.calcsize("3i")))
            if uid != os.getuid():
                _log(f"refused a connection of uid {uid}")
                return
            connection.settimeout(10)
            request, fds = _receive(connection, STREAMS)
            connection.settimeout(None)
            self.last = time.monotonic()
            op = request.get("op")
            self._reap()
            if op == "run" and len(fds) == STREAMS:
                self._fork(connection, request, fds)
            elif op == "status":
                connection.sendall(json.dumps(self._status()).encode() + b"\n")
            elif op == "stop":
                connection.sendall(json.dumps({"stopped": os.getpid()}).encode() + b"\n")
                self.stopping = True
        except (OSError, ValueError, KeyError, TypeError) as exc:
            _log(f"dropped a request: {exc}")
        finally:
            for fd in fds:
                os.close(fd)
            connection.close()

    def _status(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "socket": os.fspath(self.path), "started": self.started, "served": self.served,
                "running": len(self.children), "idle_seconds": self.idle_seconds}

    def _fork(self, connection: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child ends in os._exit; its behaviour is tested end to end
            try:
                self.listener.close()
                _run_child(connection, request, fds, self.run)
            finally:
                os._exit(1)
        self.children.add(pid)
        self.served += 1
        _log(f"command {self.served} in {pid}: {request['argv']} in {request['cwd']}")

    def _reap(self) -> None:
        for pid in list(self.children):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                self.children.discard(pid)
                self.last = time.monotonic()

    def _close(self) -> None:
        self.listener.close()
        try:
            if os.stat(self.path).st_ino == self.inode:  # not a newer server's socket
                os.unlink(self.path)
        except OSError:
            pass
        _log(f"stopped after {self.served} commands")


def _run_child(connection: socket.socket, request: dict[str, Any], fds: list[int],
               run: Callable[[list[str]], int]) -> None:
    """One command, in a child of the server, as the client's own process would run it: in a process group of its
    own, which the client's signals reach (`_forward`)."""
    os.setpgid(0, 0)
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    sys.stdin, sys.stdout, sys.stderr = _text_streams()
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.umask(request["umask"])
    sys.argv = [request["argv0"], *request["argv"]]
    connection.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
    # The client gone (killed, its terminal closed) takes the command with it, as it would its own process; the
    # pool workers follow (processes.die_with_parent).
    threading.Thread(target=_die_with_client, args=(connection,), name="client-watch", daemon=True).start()
    code = _exit_code(run, request["argv"])
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:
            pass
    connection.sendall(json.dumps({"exit": code}).encode() + b"\n")
    os._exit(0)


def _die_with_client(connection: socket.socket) -> None:
    try:
        while connection.recv(1 << 10):
            pass
    except OSError:
        pass
    os.killpg(0, signal.SIGKILL)  # the command's group: itself, its workers, what they run


def _exit_code(run: Callable[[list[str]], int], argv: list[str]) -> int:
    """What the interpreter would exit with: the command's code, SystemExit's, 1 after a traceback."""
    try:
        return run(argv)
    except SystemExit as exc:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        sys.stderr.write(f"{exc.code}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except BaseException:  # noqa: BLE001 - printed as the interpreter would print it
        traceback.print_exc()
        return 1
