"""Streaming statistics of conversations: exact means and percentiles in memory bounded by distinct values.

Each per-conversation and per-message quantity is an integer (messages, characters, tokens), so a table of
value -> count holds the whole distribution exactly: a family of millions of messages has a few thousand
distinct lengths. Percentiles follow numpy's default (linear interpolation between order statistics).

Metric names are stable dotted names: ranges, acknowledgements and regressions refer to them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

ROLES: tuple[str, ...] = ("system", "user", "assistant")
DECIMALS = 4

METRICS: tuple[str, ...] = (
    "conversations", "messages", "tokens",
    "turns.mean", "turns.median", "turns.p95",
    "chars_per_message.mean", "chars_per_message.p95",
    "chars_per_conversation.mean", "chars_per_conversation.median", "chars_per_conversation.p95",
    "tokens_per_message.mean", "tokens_per_message.p95",
    "tokens_per_conversation.mean", "tokens_per_conversation.median", "tokens_per_conversation.p95",
    *(f"role_share.{role}" for role in ROLES),
    *(f"role_token_share.{role}" for role in ROLES),
    "empty_messages", "over_long_messages",
)
# Metrics that depend on the tokenizer (and its max_message_tokens): not comparable across tokenizers.
TOKEN_METRICS: frozenset[str] = frozenset(m for m in METRICS if m.startswith(("tokens", "role_token_share"))) | {
    "over_long_messages"}
# Every distribution an accumulator keeps.
DISTRIBUTIONS = ("turns", "chars_per_message", "chars_per_conversation", "tokens_per_message",
                 "tokens_per_conversation")
# The distributions a stats file carries in full, for plots.
PLOTTED: tuple[str, ...] = ("turns", "tokens_per_message", "tokens_per_conversation")


@dataclass
class Distribution:
    """A multiset of non-negative integers."""

    counts: Counter[int] = field(default_factory=Counter)

    def add(self, value: int) -> None:
        self.counts[value] += 1

    def merge(self, other: Distribution) -> None:
        self.counts.update(other.counts)

    def remove(self, other: Distribution) -> None:
        """Take out values `merge` put in (a value whose count falls to 0 is gone, as if never added)."""
        subtract_counts(self.counts, other.counts)

    @property
    def size(self) -> int:
        return sum(self.counts.values())

    def mean(self) -> float | None:
        size = self.size
        return sum(value * count for value, count in self.counts.items()) / size if size else None

    def quantile(self, q: float) -> float | None:
        """numpy.percentile(values, 100 * q) with its default linear method, without expanding the values."""
        size = self.size
        if not size:
            return None
        position = (size - 1) * q
        lower, upper = math.floor(position), math.ceil(position)
        low_value = high_value = None
        seen = 0
        for value in sorted(self.counts):
            seen += self.counts[value]
            if low_value is None and seen > lower:
                low_value = value
            if seen > upper:
                high_value = value
                break
        assert low_value is not None and high_value is not None
        return low_value + (high_value - low_value) * (position - lower)

    def to_json(self) -> list[list[int]]:
        """[[value, count], ...] in value order."""
        return [[value, self.counts[value]] for value in sorted(self.counts)]

    @classmethod
    def from_json(cls, pairs: Iterable[list[int]]) -> Distribution:
        return cls(Counter({value: count for value, count in pairs}))


def measure(messages: list[dict[str, str]], count_tokens: Callable[[str], int]) -> list[list[Any]]:
    """What the statistics need of one conversation, as JSON: [role, characters, tokens, empty] per message.
    Counting tokens is the costly part, and this is a function of the messages and the tokenizer only, so the stats
    step keeps it in its record memo and a rerun measures only the records it has not seen."""
    return [[message["role"], len(message["content"]), count_tokens(message["content"]),
             not message["content"].strip()] for message in messages]


@dataclass
class Accumulator:
    """Everything the metrics of one family x split need, one conversation at a time."""

    turns: Distribution = field(default_factory=Distribution)
    chars_per_message: Distribution = field(default_factory=Distribution)
    chars_per_conversation: Distribution = field(default_factory=Distribution)
    tokens_per_message: Distribution = field(default_factory=Distribution)
    tokens_per_conversation: Distribution = field(default_factory=Distribution)
    role_messages: Counter[str] = field(default_factory=Counter)
    role_tokens: Counter[str] = field(default_factory=Counter)
    empty_messages: int = 0
    over_long_messages: int = 0

    def add(self, measured: list[list[Any]], max_message_tokens: int) -> None:
        """One conversation, as `measure` made it. A turn is a user or assistant message: a system prompt is not a
        turn."""
        chars = tokens = turns = 0
        for role, length, message_tokens, empty in measured:
            self.chars_per_message.add(length)
            self.tokens_per_message.add(message_tokens)
            self.role_messages[role] += 1
            self.role_tokens[role] += message_tokens
            self.empty_messages += empty
            self.over_long_messages += message_tokens > max_message_tokens
            turns += role != "system"
            chars += length
            tokens += message_tokens
        self.turns.add(turns)
        self.chars_per_conversation.add(chars)
        self.tokens_per_conversation.add(tokens)

    def merge(self, other: Accumulator) -> None:
        for name in DISTRIBUTIONS:
            getattr(self, name).merge(getattr(other, name))
        self.role_messages.update(other.role_messages)
        self.role_tokens.update(other.role_tokens)
        self.empty_messages += other.empty_messages
        self.over_long_messages += other.over_long_messages

    def remove(self, other: Accumulator) -> None:
        """Take out the conversations `other` holds (which `merge` put in)."""
        for name in DISTRIBUTIONS:
            getattr(self, name).remove(getattr(other, name))
        subtract_counts(self.role_messages, other.role_messages)
        subtract_counts(self.role_tokens, other.role_tokens)
        self.empty_messages -= other.empty_messages
        self.over_long_messages -= other.over_long_messages

    def to_json(self) -> dict[str, Any]:
        """The whole state, exactly (`from_json` gives it back): what a fold keeps between runs."""
        return {**{name: getattr(self, name).to_json() for name in DISTRIBUTIONS},
                "role_messages": dict(sorted(self.role_messages.items())),
                "role_tokens": dict(sorted(self.role_tokens.items())),
                "empty_messages": self.empty_messages, "over_long_messages": self.over_long_messages}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Accumulator:
        return cls(**{name: Distribution.from_json(data[name]) for name in DISTRIBUTIONS},
                   role_messages=Counter(data["role_messages"]), role_tokens=Counter(data["role_tokens"]),
                   empty_messages=data["empty_messages"], over_long_messages=data["over_long_messages"])

    def metrics(self) -> dict[str, float | int | None]:
        """Every name in METRICS; a mean or percentile of nothing is None."""
        messages = self.chars_per_message.size
        tokens = sum(self.role_tokens.values())
        found: dict[str, float | int | None] = {"conversations": self.turns.size, "messages": messages,
                                                "tokens": tokens}
        for name in DISTRIBUTIONS:
            values: Distribution = getattr(self, name)
            found[f"{name}.mean"] = values.mean()
            if name.endswith("conversation") or name == "turns":
                found[f"{name}.median"] = values.quantile(0.5)
            found[f"{name}.p95"] = values.quantile(0.95)
        for role in ROLES:
            found[f"role_share.{role}"] = self.role_messages[role] / messages if messages else None
            found[f"role_token_share.{role}"] = self.role_tokens[role] / tokens if tokens else None
        found["empty_messages"] = self.empty_messages
        found["over_long_messages"] = self.over_long_messages
        return {name: _rounded(found[name]) for name in METRICS}

    def distributions(self) -> dict[str, list[list[int]]]:
        return {name: getattr(self, name).to_json() for name in PLOTTED}


def _rounded(value: float | int | None) -> float | int | None:
    return round(value, DECIMALS) if isinstance(value, float) else value


def subtract_counts(counts: Counter[Any], other: Counter[Any]) -> None:
    """counts - other, in place, where every count of `other` was added to `counts` (none falls below 0); a key
    whose count falls to 0 is removed, so the result is what adding up the rest alone makes."""
    for key, count in other.items():
        left = counts[key] - count
        if left:
            counts[key] = left
        else:
            del counts[key]
