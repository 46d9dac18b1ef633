"""One apply per remote release root: a lock object created with a conditional write (S3 `If-None-Match: *`).

Whoever creates `<root>/locks/apply.json` holds the root; everyone else sees who (owner, host, pid) and until
when. A lock whose holder ran on this host and is gone (killed, crashed) is taken over, as the checkout lock is.
Any other expired lock is not taken over silently (its holder may be alive on another machine, only slow): it is
reported as stale and broken on purpose with `releasebuild unlock`.
"""

from __future__ import annotations

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
from releasebuild.store.root import ReleaseRoot

LOCK_KEY = "locks/apply.json"
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
    return f"{root.uri}/{LOCK_KEY}"


def read_holder(root: ReleaseRoot) -> Holder | None:
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


@contextmanager
def holding(root: ReleaseRoot, wait_seconds: float = 0.0, ttl_seconds: float = TTL_SECONDS) -> Iterator[Holder]:
    """Hold the root for the duration of the block; wait up to `wait_seconds` for another holder, then refuse."""
    deadline = time.monotonic() + wait_seconds
    while True:
        now = time.time()
        mine = Holder(_user(), socket.gethostname(), os.getpid(), uuid.uuid4().hex, now, now + ttl_seconds)
        body = json.dumps(asdict(mine), sort_keys=True).encode("utf-8")
        try:
            root.store.write_exclusive(lock_uri(root), body)
            break
        except FileExistsError:
            held = root.store.read(lock_uri(root))
            if held is None:
                continue  # released between our attempt and the read: try again at once
            holder = _parse(held)
            if holder.token == mine.token:
                break  # our PUT landed but its answer was lost, and the retry found our own lock
            if _gone(holder):
                if root.store.compare(lock_uri(root), held) == "same":  # not retaken meanwhile
                    root.store.remove([lock_uri(root)])
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
        if root.store.compare(lock_uri(root), body) == "same":  # never delete a lock someone broke and retook
            root.store.remove([lock_uri(root)])


def unlock(root: ReleaseRoot) -> Holder | None:
    """Break the lock whoever holds it; returns who held it."""
    holder = read_holder(root)
    if holder is not None:
        root.store.remove([lock_uri(root)])
    return holder


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
