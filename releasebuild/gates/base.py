"""What every gate shares: blocking by default (fail closed), a report, a status."""

from __future__ import annotations

from typing import Literal

from releasebuild.config.located import Path_
from releasebuild.config.models import Strict

GateStatus = Literal["pass", "warn", "fail"]


class GateConfig(Strict):
    """A gate blocks publishing when it fails unless a definition says otherwise on purpose."""

    blocking: bool = True

    def checks(self, families: set[str]) -> list[tuple[Path_, str, str]]:
        """Problems only visible next to the release: (path in the gate definition, message, hint)."""
        return []
