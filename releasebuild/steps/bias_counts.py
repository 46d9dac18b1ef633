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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from releasebuild.bias.counts import FamilyCounter, Published, Sampling, Tally
from releasebuild.bias.lexicon import Lexicon
from releasebuild.steps import folds, record_memo
from releasebuild.steps.base import SourceFile, Step, StepContext, StepMeta, StepParams
from releasebuild.steps.shipped import split_tail
from releasebuild.store.backends import Store

COUNTS_FILE = "counts.json"
SAMPLES_FILE = "samples.jsonl"
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
    code_version = "3"  # 2: the record memo; 3: in parts (steps/folds.py)
    slow_loads = ("releasebuild.bias.language:identifier", "releasebuild.bias.reading_level:dictionary")

    Params = BiasCountsParams
    Result = BiasCountsResult
    memo = folds.MEMO

    @staticmethod
    def fresh_records(ctx: StepContext) -> int | None:
        """The shipped records of the parts to make again that the previous record memo, made with the same
        lexicons and versions, lacks."""
        return folds.fresh_records(_fold(ctx))

    @staticmethod
    def run(ctx: StepContext) -> BiasCountsResult:
        params = ctx.typed(BiasCountsParams)
        lexicons, described = read_lexicons(ctx.sources, ctx.store)
        counter = FamilyCounter(lexicons)
        sampling = Sampling(params.labels, params.max_label_values, params.sample.size, params.sample.seed)
        fold = _fold(ctx)
        total = Tally.from_state(fold.total or {})
        broken: set[tuple[str, str]] = set()
        for fragment in fold.dropped_fragments():
            broken |= total.remove(Tally.from_state(fragment))
        made: dict[int, tuple[Tally, list[bytes]]] = {}
        for part in fold.parts:
            if part.previous is not None:
                fold.hand_on(part)
                continue
            tally = Tally()
            lines: list[bytes] = []
            with fold.memo(part) as memo:
                for index, (line, assigned) in enumerate(fold.records(part)):
                    lines.append(line)
                    if assigned["split"] is not None:
                        measured = memo.contribution(assigned["id"], line,
                                                     lambda line: counter.measure(json.loads(line)))
                        tally.add(sampling, assigned["id"], assigned["split"], measured, index)
            tally.settle(params.max_label_values)
            fold.write_fragment(part, tally.to_state())
            total.merge(tally, sampling.size, _published(lines))
            made[part.index] = tally, lines
        if broken:
            total.redraw(broken, _every_part(fold, made), sampling.size)
        fold.finish(total.to_state())
        section = total.section(lexicons, sampling)
        ctx.write_json(COUNTS_FILE, {"family": params.family, "lexicons": described, "splits": section,
                                     "cells": total.cells(sampling)})
        ctx.write_lines(SAMPLES_FILE, total.drawn(sampling))
        return BiasCountsResult(family=params.family, conversations=section["all"]["conversations"])


MEASURE_VERSION = "2"  # the code version at which `measure` last changed: the record memo's tables follow it


def _fold(ctx: StepContext) -> folds.PartFold:
    """The step's parts. A record's measure follows the lexicons (by name and content) and the language
    identifier's and reading level's versions besides the record; labels, their limit and the sample are applied
    when counting."""
    return folds.PartFold(ctx, folds.fold_identity(ctx, BiasCounts.kind, BiasCounts.code_version),
                          record_memo.memo_identity(BiasCounts.kind, MEASURE_VERSION,
                                                    versions=ctx.params["versions"],
                                                    lexicons={source.name: source.digest for source in ctx.sources}))


def _published(lines: list[bytes]) -> Published:
    """A part's lines as published, by index in the part and split."""
    def line(where: Any, split: str) -> str:
        return (lines[int(where)][:-2] + split_tail(split)).decode("utf-8")
    return line


def _every_part(fold: folds.PartFold, made: dict[int, tuple[Tally, list[bytes]]]) -> Iterator[tuple[Tally, Published]]:
    """Every part's tally with how to find its lines: those made in this run from memory, those handed on from the
    previous run's fragments and this run's record parts (read only when a line is asked for)."""
    for part in fold.parts:
        if part.index in made:
            tally, lines = made[part.index]
            yield tally, _published(lines)
        else:
            yield Tally.from_state(fold.previous_fragment(part)), _lazy(part.records)


def _lazy(records: Path) -> Published:
    """A handed-on part's published lines, its records read when a line is first asked for."""
    read: list[list[bytes]] = []

    def line(where: Any, split: str) -> str:
        if not read:
            read.append(records.read_bytes().splitlines(keepends=True))
        return _published(read[0])(where, split)
    return line
