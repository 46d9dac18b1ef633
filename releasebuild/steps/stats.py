"""Per-family statistics of the records that ship, by split: what the distribution gate judges and plots.

Streams the privacy step's records beside the split assignment (line-aligned, like export) and keeps only
value -> count tables (distribution/stats.py), never the records. Rows without a split (removed on the way)
are not counted.
"""

from __future__ import annotations

import json

from releasebuild.config.models import SPLITS
from releasebuild.distribution.stats import Accumulator
from releasebuild.distribution.tokenizers import counter
from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams
from releasebuild.steps.shipped import shipped

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
    code_version = "1"

    Params = StatsParams
    Result = StatsResult

    @staticmethod
    def run(ctx: StepContext) -> StatsResult:
        params = ctx.typed(StatsParams)
        family, tokenizer = params.family, params.tokenizer.model_dump(mode="json")
        max_message_tokens = params.max_message_tokens
        count_tokens = counter(params.tokenizer.name)
        per_split: dict[str, Accumulator] = {}
        for record in shipped(ctx):
            assert record.split is not None
            accumulator = per_split.setdefault(record.split, Accumulator())
            accumulator.add(json.loads(record.body)["messages"], count_tokens, max_message_tokens)
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
