"""Curated term lists (gates/lexicons/*.yaml) and the matcher that counts their terms in a message.

Text and terms go through one tokenizer (casefolded runs of letters and digits), and a term matches a run of
consecutive tokens: "non-binary" matches "non binary", "women" matches "women's". No wildcards, so a count can
always be traced to a term a reviewer can read in the file. Matching is a dictionary lookup per token and term
length, not a regular expression per term, so hundreds of terms cost what a handful do.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator, model_validator

from releasebuild.config.models import Name, Strict

LexiconKind = Literal["identity", "assistant"]
_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """Casefolded runs of letters and digits: what terms and messages are both compared as."""
    return _TOKEN.findall(text.casefold())


class Category(Strict):
    description: str = Field(min_length=1)
    terms: list[str] = Field(min_length=1)

    @field_validator("terms")
    @classmethod
    def _tokenizable(cls, terms: list[str]) -> list[str]:
        for term in terms:
            if not tokens(term):
                raise ValueError(f"term {term!r} has no letters or digits, so it can never match")
        return terms


class Lexicon(Strict):
    """One lexicon file: what it measures, how it was made, and its categories of terms."""

    title: str = Field(min_length=1)
    kind: LexiconKind = Field(description="identity: counted in every role; assistant: in assistant messages only")
    description: str = Field(min_length=1)
    curation: str = Field(min_length=1, description="where the terms come from and what was left out")
    caveats: str = Field(min_length=1, description="known false positives and negatives")
    categories: dict[Name, Category] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_term_once(self) -> Lexicon:
        seen: dict[tuple[str, ...], str] = {}
        for name, category in self.categories.items():
            for term in category.terms:
                key = tuple(tokens(term))
                if key in seen:
                    where = "twice" if seen[key] == name else f"in '{seen[key]}' and '{name}'"
                    raise ValueError(f"term {term!r} is listed {where}: a mention must count once")
                seen[key] = name
        return self


@dataclass(frozen=True)
class Hit:
    lexicon: str
    category: str


class Matcher:
    """Counts the terms of a set of lexicons in text: (lexicon, category) -> occurrences."""

    def __init__(self, lexicons: dict[str, Lexicon]):
        # First token -> (term tokens, hit), longest first so "african american" is one mention, not also
        # "american". Most words start no term: one dictionary lookup each.
        starts: dict[str, list[tuple[tuple[str, ...], Hit]]] = {}
        for name, lexicon in sorted(lexicons.items()):
            for category_name, category in lexicon.categories.items():
                for term in category.terms:
                    key = tuple(tokens(term))
                    starts.setdefault(key[0], []).append((key, Hit(name, category_name)))
        self.starts = {word: sorted(terms, key=lambda entry: -len(entry[0])) for word, terms in starts.items()}

    def count(self, text: str) -> Counter[Hit]:
        return self.count_words(tokens(text))

    def count_words(self, words: list[str]) -> Counter[Hit]:
        """`count` of a text already split by `tokens` (a caller matching several lexicons splits it once)."""
        found: Counter[Hit] = Counter()
        position = 0
        while position < len(words):
            step = 1
            for key, hit in self.starts.get(words[position], ()):
                if len(key) == 1 or tuple(words[position:position + len(key)]) == key:
                    found[hit] += 1
                    step = len(key)
                    break
            position += step
        return found
