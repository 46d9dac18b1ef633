"""One apply per release root, local or remote: never two holders, a dead holder's lock taken over included.

**Remote roots (S3).** Whoever creates `<root>/locks/apply.json` with a conditional write (`If-None-Match: *`)
holds the root; everyone else sees who (owner, host, pid) and until when. A lock whose holder ran on this host and
is gone (killed, crashed) is taken over, and the takeover is itself a compare-and-swap: a PUT of our lock with
`If-Match: <the dead holder's ETag>`, the ETag read in the same GET as the body that named the dead holder. Of
several processes taking over one dead lock, S3 lets exactly one PUT through; the others get 412 and find a live
holder. (Deleting the dead lock and then creating ours, as before, let a slow racer delete the lock the winner had
just created, and two held the root.) Every body carries a fresh token, so every holder's lock has its own ETag:
an ETag cannot come back as an ABA. Release is a DELETE with `If-Match: <our ETag>`, so an apply whose lock was
broken with `releasebuild unlock` and retaken never deletes its successor's. Any other expired lock is not taken
over silently (its holder may be alive on another machine, only slow): it is reported as stale and broken on purpose
with `releasebuild unlock`.

**Local roots.** A kernel lock: `flock(LOCK_EX)` on `<root>/locks/apply.lock`, which is never deleted. The kernel
drops the lock when the last descriptor of its holder closes, so a killed apply leaves nothing to take over and
there is no takeover to race: no stale state exists. The alternatives were weaker: an O_EXCL lock file (as S3's)
needs a takeover of a dead holder's file, and on a disk a takeover cannot be a compare-and-swap (read the pid,
unlink, create: a racer unlinks the file the winner just made); a rename of a unique temporary file over it
replaces unconditionally. flock is per open file description, so two opens in one process exclude each other too,
and pool workers forked by the holder share its lock, so the root stays held until the last of them is gone. After
taking the lock, the holder checks that the path still names the file it locked (someone may have deleted
`locks/`); then it writes who it is into the file for others' messages, and empties it on release. On NFS, Linux
maps flock to the server's byte-range locks (NFSv4, or NLM), which hold across clients. The checkout's own apply
lock (`.releasebuild/apply.lock`, app/project.py) is the same kernel lock (`take_file_lock`).
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from releasebuild.errors import Refused
from releasebuild.processes import alive
from releasebuild.store.backends import local_path
from releasebuild.store.root import ReleaseRoot

LOCK_KEY = "locks/apply.json"
LOCAL_LOCK_KEY = "locks/apply.lock"
TTL_SECONDS = 6 * 3600
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Holder:
    owner: str
    host: str
    pid: int
    token: str
    acquired: float
    expires: float

    def describe(self, now: float) -> str:
        since = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(self.acquired))
        state = (f"expires in {int(self.expires - now)} s" if self.expires > now
                 else f"stale: expired {int(now - self.expires)} s ago")
        return f"{self.owner}@{self.host} pid {self.pid} since {since} ({state})"


def lock_uri(root: ReleaseRoot) -> str:
    return f"{root.uri}/{LOCAL_LOCK_KEY if root.local else LOCK_KEY}"


def read_holder(root: ReleaseRoot) -> Holder | None:
    if root.local:
        return _local_holder(local_path(lock_uri(root)))
    data = root.store.read(lock_uri(root))
    return None if data is None else _parse(data)


def _parse(data: bytes) -> Holder:
    try:
        return Holder(**json.loads(data))
    except (ValueError, TypeError):
        return Holder("unknown", "unknown", 0, "", 0.0, 0.0)  # unreadable: still held until unlocked


def _gone(holder: Holder) -> bool:
    """Held by a process of this host that no longer runs (a pid is only meaningful on its own host)."""
    return holder.host == socket.gethostname() and holder.pid > 0 and not alive(holder.pid)


def _new_holder(ttl_seconds: float) -> Holder:
    now = time.time()
    return Holder(_user(), socket.gethostname(), os.getpid(), uuid.uuid4().hex, now, now + ttl_seconds)


def _body(holder: Holder) -> bytes:
    return json.dumps(asdict(holder), sort_keys=True).encode("utf-8")


@contextmanager
def holding(root: ReleaseRoot, wait_seconds: float = 0.0, ttl_seconds: float = TTL_SECONDS) -> Iterator[Holder]:
    """Hold the root for the duration of the block; wait up to `wait_seconds` for another holder, then refuse."""
    if root.local:
        with _holding_local(root, wait_seconds, ttl_seconds) as mine:
            yield mine
    else:
        with _holding_remote(root, wait_seconds, ttl_seconds) as mine:
            yield mine


@contextmanager
def _holding_remote(root: ReleaseRoot, wait_seconds: float, ttl_seconds: float) -> Iterator[Holder]:
    uri = lock_uri(root)
    deadline = time.monotonic() + wait_seconds
    mine = _new_holder(ttl_seconds)
    body = _body(mine)
    while True:
        try:
            root.store.write_exclusive(uri, body)
            break
        except FileExistsError:
            pass
        held = root.store.read_tagged(uri)
        if held is None:
            continue  # released between our attempt and the read: try again at once
        holder = _parse(held[0])
        if holder.token == mine.token:
            break  # our PUT landed but its answer was lost, and the retry found our own lock
        if _gone(holder):
            # Compare-and-swap: replace exactly the version that named the dead holder. Losing means another
            # process swapped first (or it was released): look again.
            if root.store.replace_if(uri, body, held[1]):
                break
            continue
        if time.monotonic() >= deadline:
            stale = holder.expires <= time.time()
            advice = ("run `releasebuild unlock` to break it" if stale
                      else "wait for it (apply --wait SECONDS), or `releasebuild unlock` if it is gone")
            raise Refused(f"another apply holds {root.uri}: {holder.describe(time.time())}; {advice}") from None
        time.sleep(POLL_SECONDS)
    try:
        yield mine
    finally:
        current = root.store.read_tagged(uri)
        if current is not None and _parse(current[0]).token == mine.token:
            root.store.remove_if(uri, current[1])  # never delete a lock someone broke and retook


@contextmanager
def _holding_local(root: ReleaseRoot, wait_seconds: float, ttl_seconds: float) -> Iterator[Holder]:
    path = local_path(lock_uri(root))
    fd = take_file_lock(path, wait_seconds)
    if fd is None:
        holder = _local_holder(path)
        who = holder.describe(time.time()) if holder else "a process that is just starting or stopping"
        raise Refused(f"another apply holds {root.uri}: {who}; wait for it (apply --wait SECONDS); "
                      "the lock is released when that process exits")
    mine = _new_holder(ttl_seconds)
    try:
        _rewrite(fd, _body(mine))
        yield mine
    finally:
        release_file_lock(fd)


def take_file_lock(path: str, wait_seconds: float = 0.0) -> int | None:
    """An exclusive flock on `path` (made if missing, never deleted), as a descriptor to hand to
    `release_file_lock`; None when another open holds it past `wait_seconds`. Also the checkout's apply lock."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        fd = _open_lock_file(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            time.sleep(min(POLL_SECONDS, left))
            continue
        if _same_file(fd, path):
            return fd
        os.close(fd)  # the file was deleted (or replaced) after we opened it: lock the one the path names now


def release_file_lock(fd: int) -> None:
    try:
        _rewrite(fd, b"")  # held by nobody
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)  # for forked workers sharing the descriptor too
        os.close(fd)


def file_lock_note(path: str) -> bytes | None:
    """What the holder of `path`'s flock wrote there; None when nobody holds it (a killed holder's note is
    ignored)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.pread(fd, 4096, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def write_file_lock_note(fd: int, data: bytes) -> None:
    _rewrite(fd, data)


def _open_lock_file(path: str) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:  # another user's root: flock needs no write access, only the holder's note does
        return os.open(path, os.O_RDONLY)


def _same_file(fd: int, path: str) -> bool:
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (mine.st_dev, mine.st_ino)


def _rewrite(fd: int, data: bytes) -> None:
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
    except OSError:
        pass  # a read-only descriptor: the lock holds all the same, only its note is missing


def _local_holder(path: str) -> Holder | None:
    """Who holds a local root: None unless a process holds the kernel lock."""
    note = file_lock_note(path)
    if note is None:
        return None
    return _parse(note) if note else Holder("unknown", "unknown", 0, "", 0.0, 0.0)


def unlock(root: ReleaseRoot) -> Holder | None:
    """Break the lock whoever holds it; returns who held it. A local root's lock cannot be broken (the kernel
    holds it for a running process, and drops it when that process exits): refused while held."""
    holder = read_holder(root)
    if holder is not None and root.local:
        raise Refused(f"{root.uri} is held by a running apply: {holder.describe(time.time())}; a local root's lock "
                      "is released when that process exits (stop it to release the lock)")
    if holder is not None:
        root.store.remove([lock_uri(root)])
    return holder


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
