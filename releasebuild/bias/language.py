"""Which language a conversation's messages are in, by py3langid (langid.py's model, shipped in the wheel).

An indicator for reviewers, not a label: short texts are not classified ("und"), and only the first
LANGUAGE_CHARS characters of a role's text are read, which is enough for the classifier and bounds its cost.
"""

from __future__ import annotations

import functools
from itertools import islice
from typing import Any

LANGUAGE_CHARS = 500
MIN_LETTERS = 20  # fewer letters than this: undetermined
UNDETERMINED = "und"


@functools.cache
def identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # ~0.3 s to load: only when a bias step runs

    return LanguageIdentifier.from_model_file(MODEL_FILE)


def language(text: str) -> str:
    """An ISO 639-1 code, or "und" when there is too little text to tell."""
    head = text[:LANGUAGE_CHARS]
    if len(list(islice(filter(str.isalpha, head), MIN_LETTERS))) < MIN_LETTERS:  # stops at the 20th letter
        return UNDETERMINED
    code, _ = identifier().classify(head)
    return str(code)


def versions() -> dict[str, str]:
    """What decides the labels: part of the bias step's key."""
    from importlib.metadata import version

    return {"py3langid": version("py3langid"), "chars": str(LANGUAGE_CHARS), "min_letters": str(MIN_LETTERS)}
