"""One family's bias counts by split, and a small sample of every cell, from the records that ship.

Streams what export streams (the privacy step's records beside the split assignment) and keeps tables of
counts (bias/counts.py). The lexicons are the step's sources, so editing one reruns this step and the gate,
nothing upstream.

A memo step: what each record says (lexicon hits, language, reading level, label candidates: `FamilyCounter.measure`,
the costly part) is kept in a record memo (steps/record_memo.py) made with the same lexicons and versions, so a rerun
after an edit measures the edited records only and counts every record from the table. Counts are sums and each
cell's sample is drawn by the seeded rank of the record id, so the output is the cold run's, byte for byte.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from releasebuild.bias.counts import FamilyCounter
from releasebuild.bias.lexicon import Lexicon
from releasebuild.steps import record_memo
from releasebuild.steps.base import SourceFile, Step, StepContext, StepMeta, StepParams
from releasebuild.steps.record_memo import RecordMemo
from releasebuild.steps.shipped import shipped
from releasebuild.store.backends import Store

COUNTS_FILE = "counts.json"
SAMPLES_FILE = "samples.jsonl"
MEMO_FILE = "measured.memo"  # each shipped record's measure, by id and line digest (not read downstream)
# libyaml's parser where PyYAML has it: the demo's eleven lexicons took 0.9 s to parse in pure Python, most of a rerun
# that takes every record's measure from the memo. The same documents, so the same lexicons.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def lexicon_name(file: str) -> str:
    """A lexicon is named after its file: gates/lexicons/gender.yaml is `gender`."""
    return file.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def read_lexicons(sources: list[SourceFile], store: Store) -> tuple[dict[str, Lexicon], dict[str, Any]]:
    """The lexicons by name (validated when the definition was loaded), and what the report says of each."""
    found, described = {}, {}
    for source in sources:
        with store.open(source.uri) as fh:
            lexicon = Lexicon.model_validate(yaml.load(fh, Loader=_YAML_LOADER))
        name = lexicon_name(source.name)
        found[name] = lexicon
        described[name] = {"file": source.name, "digest": source.digest, "title": lexicon.title,
                           "kind": lexicon.kind, "description": lexicon.description,
                           "terms": {category: len(spec.terms) for category, spec in lexicon.categories.items()}}
    return dict(sorted(found.items())), dict(sorted(described.items()))


class Sample(StepParams):
    size: int
    seed: int


class BiasCountsParams(StepParams):
    family: str
    labels: list[str] | None  # metadata fields counted as labels; None: every one
    max_label_values: int
    sample: Sample  # per cell, drawn by a seeded rank
    versions: dict[str, dict[str, Any]]  # of the language identifier and the reading-level tables: counts follow them


class BiasCountsResult(StepMeta):
    family: str
    conversations: int  # shipped conversations counted (the counts themselves are counts.json)


class BiasCounts(Step):
    kind = "bias_counts"
    code_version = "2"  # 2: the record memo
    slow_loads = ("releasebuild.bias.language:identifier", "releasebuild.bias.reading_level:dictionary")

    Params = BiasCountsParams
    Result = BiasCountsResult
    memo = (MEMO_FILE,)

    @staticmethod
    def fresh_records(ctx: StepContext) -> int | None:
        """The shipped records the previous record memo, made with the same lexicons and versions, lacks."""
        return record_memo.fresh_records(ctx, MEMO_FILE, _memo_identity(ctx),
                                         ((record.assigned["id"], record.body) for record in shipped(ctx)))

    @staticmethod
    def run(ctx: StepContext) -> BiasCountsResult:
        params = ctx.typed(BiasCountsParams)
        lexicons, described = read_lexicons(ctx.sources, ctx.store)
        counter = FamilyCounter(lexicons, params.labels, params.max_label_values, params.sample.size,
                                params.sample.seed)
        memo = RecordMemo(ctx, MEMO_FILE, _memo_identity(ctx))
        for record in shipped(ctx):
            assert record.split is not None
            record_id = record.assigned["id"]
            measured = memo.contribution(record_id, record.body, lambda line: counter.measure(json.loads(line)))
            counter.add(record_id, record.split, measured, record.line)
        ctx.stats.update(memo.close())
        section = counter.section()
        ctx.write_json(COUNTS_FILE, {"family": params.family, "lexicons": described, "splits": section,
                                     "cells": counter.cells()})
        ctx.write_lines(SAMPLES_FILE, counter.drawn())
        return BiasCountsResult(family=params.family, conversations=section["all"]["conversations"])


def _memo_identity(ctx: StepContext) -> str:
    """What a record's measure follows besides the record: the lexicons (by name and content) and the language
    identifier's and reading level's versions. Labels, their limit and the sample are applied when counting."""
    return record_memo.memo_identity(BiasCounts, versions=ctx.params["versions"],
                                     lexicons={source.name: source.digest for source in ctx.sources})
