"""Processes: whether a lock's holder still runs, and worker processes that do not outlive the apply that forked
them.

A forked worker inherits every descriptor of its parent, the kernel lock on `<root>/locks/apply.lock` included, so a
worker left running after its apply was killed holds the root for the next apply (and goes on using CPU for nothing).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_SECONDS = 0.5  # where the kernel cannot signal a parent's death, how often a worker looks


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def die_with_parent(parent: int) -> None:
    """A pool's worker initializer: this process is killed as soon as `parent` (the pid that forked it) dies.

    On Linux the kernel does it (prctl PR_SET_PDEATHSIG: SIGKILL when the forking thread exits, and pools are
    started from the main thread); elsewhere a daemon thread watches the parent pid. Checked once more after asking,
    since the parent may have died before the request, when the worker has already been handed to another parent."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            _watch(parent)
    else:
        _watch(parent)
    if os.getppid() != parent:
        os._exit(1)


def _watch(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
