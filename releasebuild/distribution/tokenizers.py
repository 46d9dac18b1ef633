"""Token counts with a named tokenizer, never from the network.

`approx` counts `\\w+|[^\\w\\s]` matches: a word or a single punctuation mark is one token. It needs nothing, gives
the same count everywhere and is about 0.95x cl100k_base's count on English chat text. `cl100k_base` and
`o200k_base` are tiktoken's encodings, used only when their vocabulary file is already in `TIKTOKEN_CACHE_DIR`
with the SHA-256 tiktoken expects: tiktoken deletes a file that does not match and downloads it again, and a
release build must not reach the network. Which tokenizer counted is resolved when the graph is built, so it is
part of the stats steps' keys and of the report.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

APPROX = "approx"
APPROX_VERSION = r"regex \w+|[^\w\s] v1"
_APPROX_PATTERN = re.compile(r"\w+|[^\w\s]")

TokenizerName = Literal["approx", "cl100k_base", "o200k_base"]
Fallback = Literal["approx", "error"]


@dataclass(frozen=True)
class VocabularyFile:
    """Where tiktoken looks for an encoding's file offline: sha1(source URL) in TIKTOKEN_CACHE_DIR."""

    cache_name: str
    sha256: str  # tiktoken_ext.openai_public's expected_hash for the file


VOCABULARIES: dict[str, VocabularyFile] = {
    "cl100k_base": VocabularyFile("9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
                                  "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
    "o200k_base": VocabularyFile("fb374d419588a4632f3f557e76b4b70aebbca790",
                                 "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
}


@dataclass(frozen=True)
class Resolved:
    """The tokenizer that counts, and when it is not the one asked for, why (no paths: it goes in reports)."""

    name: str
    version: str
    requested: str
    fallback_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "requested": self.requested,
                "fallback_reason": self.fallback_reason}


def vocabulary_problem(name: str) -> str | None:
    """Why tiktoken could not load `name` offline right now, or None when it can."""
    vocabulary = VOCABULARIES[name]
    cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR")
    if not cache_dir:
        return f"TIKTOKEN_CACHE_DIR is not set, so {name}'s vocabulary file ({vocabulary.cache_name}) is not available"
    path = Path(cache_dir) / vocabulary.cache_name
    try:
        data = path.read_bytes()
    except OSError:
        return f"{name}'s vocabulary file ({vocabulary.cache_name}) is not in TIKTOKEN_CACHE_DIR"
    if hashlib.sha256(data).hexdigest() != vocabulary.sha256:
        return f"{name}'s vocabulary file ({vocabulary.cache_name}) in TIKTOKEN_CACHE_DIR has the wrong SHA-256"
    return None


def resolve(requested: str) -> Resolved:
    """The tokenizer to count with: the one requested when it is available offline, else the approximation."""
    if requested == APPROX:
        return Resolved(APPROX, APPROX_VERSION, requested)
    problem = vocabulary_problem(requested)
    if problem:
        return Resolved(APPROX, APPROX_VERSION, requested, problem)
    return Resolved(requested, f"tiktoken=={importlib.metadata.version('tiktoken')} "
                               f"sha256:{VOCABULARIES[requested].sha256}", requested)


def counter(name: str) -> Callable[[str], int]:
    """A function text -> token count. Content only: no per-message ChatML overhead is added."""
    if name == APPROX:
        return approx_count
    problem = vocabulary_problem(name)
    if problem:  # the file went away between planning and running: fail rather than let tiktoken download it
        raise RuntimeError(f"tokenizer {name} is no longer available offline: {problem}")
    import tiktoken  # ~0.1 s, and only when a vocabulary is present

    encode = tiktoken.get_encoding(name).encode_ordinary  # special-token text counts as ordinary text
    return lambda text: len(encode(text))


def approx_count(text: str) -> int:
    return len(_APPROX_PATTERN.findall(text))
