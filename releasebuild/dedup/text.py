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

import xxhash

KINDS: tuple[str, ...] = ("conversation", "user", "assistant")
_WORD = re.compile(r"\w+")


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


def kind_texts(messages: Sequence[dict[str, str]], rules: TextRules) -> dict[str, str]:
    """The normalized text of each kind (messages joined by a newline; "" when the role never speaks)."""
    by_role: dict[str, list[str]] = {"user": [], "assistant": []}
    for message in messages:
        if message["role"] in by_role:
            by_role[message["role"]].append(normalize(message["content"], rules))
    conversation = [normalize(m["content"], rules) for m in messages if m["role"] in by_role]
    return {"conversation": "\n".join(conversation), "user": "\n".join(by_role["user"]),
            "assistant": "\n".join(by_role["assistant"])}


def exact_hash(text: str) -> str:
    return xxhash.xxh3_64_hexdigest(text.encode("utf-8"))


def shingle_hashes(text: str, rules: TextRules) -> list[int]:
    """Sorted distinct 32-bit hashes of the text's shingles; [] when it is too short for one shingle."""
    size = rules.size
    if rules.unit == "word":
        tokens = _WORD.findall(text)
        grams = (" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1))
    else:
        grams = (text[i:i + size] for i in range(len(text) - size + 1))
    return sorted({xxhash.xxh32_intdigest(gram.encode("utf-8")) for gram in grams})


def turn_pairs(messages: Sequence[dict[str, str]], rules: TextRules, min_tokens: int) -> list[str]:
    """Exact hashes of each user turn with the assistant turn that answers it, when the two together have at
    least `min_tokens` tokens (a shared "hi" / "hello, how can I help?" is boilerplate, not duplication)."""
    found = []
    turns = [m for m in messages if m["role"] in ("user", "assistant")]
    for ask, answer in zip(turns, turns[1:], strict=False):
        if ask["role"] != "user" or answer["role"] != "assistant":
            continue
        ask_text, answer_text = normalize(ask["content"], rules), normalize(answer["content"], rules)
        if len(_WORD.findall(ask_text)) + len(_WORD.findall(answer_text)) >= min_tokens:
            found.append(exact_hash(f"{ask_text}\u0000{answer_text}"))
    return sorted(set(found))


def jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """Exact Jaccard index of two shingle-hash sets (sorted arrays or lists)."""
    if not len(a) or not len(b):
        return 0.0
    import numpy as np

    shared = np.intersect1d(a, b, assume_unique=True).size
    return shared / (len(a) + len(b) - shared)
