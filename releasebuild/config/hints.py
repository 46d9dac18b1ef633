"""The "did you mean" part of a definition error."""

from __future__ import annotations

import difflib
from typing import Any


def did_you_mean(name: str, choices: Any) -> str:
    options = sorted(str(choice) for choice in choices)
    close = difflib.get_close_matches(name, options, n=1)
    listed = ", ".join(options)
    if close:
        return f"did you mean '{close[0]}'? allowed: {listed}"
    return f"allowed: {listed}" if options else ""
