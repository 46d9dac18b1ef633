"""Local content-addressed blob store and action cache (DVC's cache / run-cache split).

Blobs live at cas/sha256/<2>/<62>: the algorithm is in the path so it can change. The action cache maps a step
key to its StepResult (file digests + meta) at ac/<algo>/<hex>.json. Both are plain files written atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


class ContentStore:
    def __init__(self, cache_dir: Path):
        self.root = cache_dir / "cas" / "sha256"

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:]

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def adopt(self, file: Path, sha256: str) -> None:
        """Move a freshly written file into the store under its digest."""
        target = self.path(sha256)
        if target.is_file():
            file.unlink()
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(file, target)
        target.chmod(0o444)


class ActionCache:
    def __init__(self, cache_dir: Path):
        self.root = cache_dir / "ac"

    def _path(self, key: str) -> Path:
        algo, hexdigest = key.split(":", 1)
        return self.root / algo / hexdigest[:2] / f"{hexdigest[2:]}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads(self._path(key).read_bytes())
        except FileNotFoundError:
            return None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        write_atomic(self._path(key), json.dumps(entry, sort_keys=True).encode("utf-8"))


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

