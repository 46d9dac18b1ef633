"""What every gate shares: blocking by default (fail closed), a report, a status."""

from __future__ import annotations

from typing import Literal

from releasebuild.config.models import Strict

GateStatus = Literal["pass", "warn", "fail"]


class GateConfig(Strict):
    """A gate blocks publishing when it fails unless a definition says otherwise on purpose."""

    blocking: bool = True
