"""Per-family statistics of the records that ship, by split: what the distribution gate judges and plots.

Streams the privacy step's records beside the split assignment (line-aligned, like export) and keeps only
value -> count tables (distribution/stats.py), never the records. Rows without a split (removed on the way)
are not counted.

A memo step: each record's measure (characters and tokens per message: `distribution.stats.measure`, counting
tokens being the costly part) is kept in a record memo (steps/record_memo.py) made with the same tokenizer, so a
rerun after an edit tokenizes the edited records only; the tables are sums, so the output is the cold run's.
"""

from __future__ import annotations

import json
from typing import Any

from releasebuild.config.models import SPLITS
from releasebuild.distribution.stats import Accumulator, measure
from releasebuild.distribution.tokenizers import counter
from releasebuild.steps import folds, record_memo
from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams

STATS_FILE = "stats.json"
ALL = "all"  # the family's row over every split


class Tokenizer(StepParams):
    name: str
    version: str | None


class StatsParams(StepParams):
    family: str
    tokenizer: Tokenizer  # the one the distribution gate resolved (its fallback included): token counts depend on it
    max_message_tokens: int


class StatsResult(StepMeta):
    family: str
    tokenizer: Tokenizer
    splits: dict[str, dict[str, int | float | None]]  # "all" and each split -> metric -> value (None: of nothing)


class Stats(Step):
    kind = "stats"
    code_version = "3"  # 2: the record memo; 3: in parts (steps/folds.py)

    Params = StatsParams
    Result = StatsResult
    memo = folds.MEMO

    @staticmethod
    def fresh_records(ctx: StepContext) -> int | None:
        """The shipped records of the parts to make again that the previous record memo, made with the same
        tokenizer, lacks."""
        return folds.fresh_records(_fold(ctx))

    @staticmethod
    def run(ctx: StepContext) -> StatsResult:
        params = ctx.typed(StatsParams)
        family, tokenizer = params.family, params.tokenizer.model_dump(mode="json")
        max_message_tokens = params.max_message_tokens
        count_tokens = counter(params.tokenizer.name)
        fold = _fold(ctx)
        total = _SplitStats.from_json(fold.total or {})
        for fragment in fold.dropped_fragments():
            total.remove(_SplitStats.from_json(fragment))
        for part in fold.parts:
            if part.previous is not None:
                fold.hand_on(part)
                continue
            made = _SplitStats()
            with fold.memo(part) as memo:
                for line, assigned in fold.records(part):
                    if assigned["split"] is not None:
                        measured = memo.contribution(assigned["id"], line, lambda line: measure(
                            json.loads(line)["messages"], count_tokens))
                        made.add(assigned["split"], measured, max_message_tokens)
            fold.write_fragment(part, made.to_json())
            total.merge(made)
        fold.finish(total.to_json())
        per_split = total.splits
        combined = Accumulator()
        for accumulator in per_split.values():
            combined.merge(accumulator)
        rows = {ALL: combined, **{split: per_split[split] for split in SPLITS if split in per_split}}
        metrics = {name: accumulator.metrics() for name, accumulator in rows.items()}
        ctx.write_json(STATS_FILE, {
            "family": family, "tokenizer": tokenizer, "max_message_tokens": max_message_tokens,
            "splits": {name: {"metrics": metrics[name], "distributions": accumulator.distributions()}
                       for name, accumulator in rows.items()}})
        return StatsResult(family=family, tokenizer=params.tokenizer, splits=metrics)


class _SplitStats:
    """An accumulator per split: what the step folds a part into."""

    def __init__(self, splits: dict[str, Accumulator] | None = None):
        self.splits = splits or {}

    def add(self, split: str, measured: list[list[Any]], max_message_tokens: int) -> None:
        self.splits.setdefault(split, Accumulator()).add(measured, max_message_tokens)

    def merge(self, other: _SplitStats) -> None:
        for split, accumulator in other.splits.items():
            self.splits.setdefault(split, Accumulator()).merge(accumulator)

    def remove(self, other: _SplitStats) -> None:
        """Take out a fragment merged in before; a split left with no conversation is gone, as if never added."""
        for split, accumulator in other.splits.items():
            self.splits[split].remove(accumulator)
            if not self.splits[split].turns.size:
                del self.splits[split]

    def to_json(self) -> dict[str, Any]:
        return {split: accumulator.to_json() for split, accumulator in sorted(self.splits.items())}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _SplitStats:
        return cls({split: Accumulator.from_json(state) for split, state in data.items()})


MEASURE_VERSION = "2"  # the code version at which `measure` last changed: the record memo's tables follow it


def _fold(ctx: StepContext) -> folds.PartFold:
    """The step's parts. A record's measure follows the tokenizer (name and version) besides the record; the limit
    on a message's tokens is applied when counting."""
    return folds.PartFold(ctx, folds.fold_identity(ctx, Stats.kind, Stats.code_version),
                          record_memo.memo_identity(Stats.kind, MEASURE_VERSION, tokenizer=ctx.params["tokenizer"]))
