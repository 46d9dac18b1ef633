"""What dedup compares: normalized texts per fingerprint kind, their shingles, and exact hashes.

A conversation has three fingerprint kinds: the whole conversation (user and assistant turns, system prompts
excluded: a shared system prompt is not duplication), the user side and the assistant side. Exact hashes are
xxh3 over the normalized text; near-duplicate similarity is the Jaccard index of the texts' shingle-hash sets.
A text with fewer tokens than one shingle has no shingles: it is compared by its exact hash only (and counted).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import xxhash

KINDS: tuple[str, ...] = ("conversation", "user", "assistant")
_WORD = re.compile(r"\w+")
# Which shingle hash a pack holds: part of every fingerprint's identity, so packs of another hash are not reused.
SHINGLE_HASH = "xxh64 tokens, polynomial, mixed to 32 bits/v1"
_MULTIPLIER = np.uint64(0x100000001B3)  # odd 64-bit constants (FNV prime, splitmix64's mixer)
_MIX = np.uint64(0xBF58476D1CE4E5B9)


@dataclass(frozen=True)
class TextRules:
    """How texts are normalized and shingled; part of every fingerprint's identity."""

    nfkc: bool = True
    casefold: bool = True
    whitespace: bool = True
    unit: Literal["word", "char"] = "word"
    size: int = 5

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> TextRules:
        return cls(**params["normalize"], **params["shingle"])


def normalize(text: str, rules: TextRules) -> str:
    if rules.nfkc:
        text = unicodedata.normalize("NFKC", text)
    if rules.casefold:
        text = text.casefold()
    if rules.whitespace:
        text = " ".join(text.split())
    return text


def normalized_turns(messages: Sequence[dict[str, str]], rules: TextRules) -> list[tuple[str, str]]:
    """(role, normalized text) of the user and assistant messages in order: system prompts are left out."""
    return [(m["role"], normalize(m["content"], rules)) for m in messages if m["role"] in ("user", "assistant")]


def texts_by_kind(turns: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The text of each kind (turns joined by a newline; "" when the role never speaks)."""
    return {"conversation": "\n".join(text for _, text in turns),
            "user": "\n".join(text for role, text in turns if role == "user"),
            "assistant": "\n".join(text for role, text in turns if role == "assistant")}


def kind_texts(messages: Sequence[dict[str, str]], rules: TextRules) -> dict[str, str]:
    """The normalized text of each kind."""
    return texts_by_kind(normalized_turns(messages, rules))


def exact_hash(text: str) -> str:
    return xxhash.xxh3_64_hexdigest(text.encode("utf-8"))


def shingle_hashes(text: str, rules: TextRules) -> np.ndarray:
    """Sorted distinct 32-bit hashes of the text's shingles (uint32; empty when too short for one shingle).

    Each token (word or character) is hashed once (xxh64, cached), and a shingle's hash is a polynomial over
    its tokens' hashes, mixed down to 32 bits: no string is built per shingle."""
    tokens = _WORD.findall(text) if rules.unit == "word" else list(text)
    count = len(tokens) - rules.size + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint32)
    ids = np.fromiter(map(_TOKEN_HASHES.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    grams = ids[:count].copy()
    for offset in range(1, rules.size):
        grams *= _MULTIPLIER
        grams += ids[offset:offset + count]
    grams ^= grams >> np.uint64(31)
    grams *= _MIX
    return np.unique((grams >> np.uint64(32)).astype(np.uint32))


class _TokenHashes(dict[str, int]):
    """token -> xxh64, filled on first use; a plain dict's C-level lookup is what makes shingling fast."""

    LIMIT = 1 << 20

    def __missing__(self, token: str) -> int:
        if len(self) >= self.LIMIT:  # a vocabulary this large is mostly one-off tokens: start over
            self.clear()
        value = self[token] = xxhash.xxh64_intdigest(token.encode("utf-8"))
        return value


_TOKEN_HASHES = _TokenHashes()


def turn_pairs(turns: Sequence[tuple[str, str]], min_tokens: int) -> list[str]:
    """Exact hashes of each user turn with the assistant turn that answers it (normalized turns), when the two
    together have at least `min_tokens` tokens (a shared "hi" / "hello, how can I help?" is boilerplate)."""
    found = set()
    for (ask_role, ask), (answer_role, answer) in zip(turns, turns[1:], strict=False):
        if ask_role == "user" and answer_role == "assistant" and \
                len(_WORD.findall(ask)) + len(_WORD.findall(answer)) >= min_tokens:
            found.add(exact_hash(f"{ask}\u0000{answer}"))
    return sorted(found)


def jaccard(a: Sequence[int] | np.ndarray, b: Sequence[int] | np.ndarray) -> float:
    """Exact Jaccard index of two shingle-hash sets (sorted arrays or lists)."""
    if not len(a) or not len(b):
        return 0.0
    shared = np.intersect1d(a, b, assume_unique=True).size
    return shared / (len(a) + len(b) - shared)
