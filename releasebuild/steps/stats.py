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

from releasebuild.config.models import SPLITS
from releasebuild.distribution.stats import Accumulator, measure
from releasebuild.distribution.tokenizers import counter
from releasebuild.steps import record_memo
from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams
from releasebuild.steps.record_memo import RecordMemo
from releasebuild.steps.shipped import shipped

STATS_FILE = "stats.json"
MEMO_FILE = "measured.memo"  # each shipped record's measure, by id and line digest (not read downstream)
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
    code_version = "2"  # 2: the record memo

    Params = StatsParams
    Result = StatsResult
    memo = (MEMO_FILE,)

    @staticmethod
    def fresh_records(ctx: StepContext) -> int | None:
        """The shipped records the previous record memo, made with the same tokenizer, lacks."""
        return record_memo.fresh_records(ctx, MEMO_FILE, _memo_identity(ctx),
                                         ((record.assigned["id"], record.body) for record in shipped(ctx)))

    @staticmethod
    def run(ctx: StepContext) -> StatsResult:
        params = ctx.typed(StatsParams)
        family, tokenizer = params.family, params.tokenizer.model_dump(mode="json")
        max_message_tokens = params.max_message_tokens
        count_tokens = counter(params.tokenizer.name)
        memo = RecordMemo(ctx, MEMO_FILE, _memo_identity(ctx))
        per_split: dict[str, Accumulator] = {}
        for record in shipped(ctx):
            assert record.split is not None
            measured = memo.contribution(record.assigned["id"], record.body,
                                         lambda line: measure(json.loads(line)["messages"], count_tokens))
            per_split.setdefault(record.split, Accumulator()).add(measured, max_message_tokens)
        ctx.stats.update(memo.close())
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


def _memo_identity(ctx: StepContext) -> str:
    """What a record's measure follows besides the record: the tokenizer (name and version). The limit on a
    message's tokens is applied when counting."""
    return record_memo.memo_identity(Stats, tokenizer=ctx.params["tokenizer"])
