"""Reading level of a role's messages: the Flesch-Kincaid grade, with syllables from pyphen's hyphenation
dictionary (the en_US one it ships; no network).

Chat messages often end without punctuation, so each message counts as at least one sentence. Grades are kept
in tenths as integers (a value -> count table, like the distribution gate's), clamped to 0..MAX_GRADE.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from releasebuild.bias.lexicon import tokens

MAX_GRADE = 20
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
_WORD = re.compile(r"^[^\W\d_]+$")


@functools.cache
def dictionary() -> Any:
    import pyphen

    return pyphen.Pyphen(lang="en_US")


@functools.lru_cache(maxsize=200_000)
def syllables(word: str) -> int:
    """Syllables of one lowercase word: its hyphenation points plus one (words repeat: cached)."""
    return len(dictionary().positions(word)) + 1


def grade_tenths(messages: list[str]) -> int | None:
    """The Flesch-Kincaid grade of these messages together, in tenths; None when they hold no words."""
    words = [word for text in messages for word in tokens(text) if _WORD.match(word)]
    if not words:
        return None
    sentences = sum(max(1, len(_SENTENCE_END.findall(text.strip()))) for text in messages if text.strip())
    grade = 0.39 * len(words) / sentences + 11.8 * sum(syllables(word) for word in words) / len(words) - 15.59
    return round(min(max(grade, 0.0), float(MAX_GRADE)) * 10)


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"pyphen": version("pyphen"), "formula": "flesch-kincaid-grade/v1"}
