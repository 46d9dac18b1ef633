"""One family's dedup fingerprints: exact hashes, shingles, MinHash signatures and LSH band keys, packed.

A memo step: a text whose exact hash (per kind) is in the previous pack, made with the same settings, reuses
that pack's shingles and signature instead of shingling and signing it again, so an edit to a few records costs
a few signatures (plus normalizing and hashing every text, to know which are unchanged). Taken-down records
(privacy's taken_down.jsonl) are fingerprinted too, flagged: their near duplicates must go as well.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from releasebuild.dedup.minhash import band_keys, signatures
from releasebuild.dedup.near import Settings, exact_fingerprint
from releasebuild.dedup.pack import FILES, PACK, PARTS, Pack, Row
from releasebuild.dedup.text import shingle_hashes
from releasebuild.keys import digest
from releasebuild.steps.base import OutputFile, Step, StepContext, StepMeta, StepParams

BATCH = 1024


class FingerprintParams(StepParams):
    """The family, and the near-duplicate settings every family of the release shares (dedup.near.Settings)."""

    family: str
    normalize: dict[str, bool]
    shingle: dict[str, Any]
    num_perm: int
    seed: int
    turn_pair_min_tokens: int
    shingle_hash: str
    kinds: list[str]
    thresholds: dict[str, float]


class FingerprintResult(StepMeta):
    family: str
    records: int  # fingerprinted records that ship on (taken-down ones are fingerprinted apart)
    takedowns: int  # taken-down records fingerprinted so that copies of them are found
    short_texts: dict[str, int]  # per kind: texts too short to shingle


class Fingerprint(Step):
    kind = "fingerprint"
    code_version = "2"
    Params = FingerprintParams
    Result = FingerprintResult
    memo = FILES

    @staticmethod
    def fresh_records(ctx: StepContext) -> int | None:
        """The records (taken-down ones too) with a text of some kind whose signature the previous pack, made with
        the same settings, does not hold: normalizing and hashing is the cheap part, shingling and signing the
        rest."""
        settings = Settings.from_params(ctx.params)
        previous = _previous(ctx.memo, digest(settings.identity()))
        fresh = 0
        for name in ("records.jsonl", "taken_down.jsonl"):
            with ctx.input_path(ctx.dep("privacy"), name).open("rb") as fh:
                for line in fh:
                    if previous is None:
                        fresh += 1
                        continue
                    record = json.loads(line)
                    row, _ = exact_fingerprint(record["id"], record["messages"], settings)
                    fresh += any(text_hash and text_hash not in previous.rows.get(kind, {})
                                 for kind, text_hash in row.hashes.items())
        return fresh

    @staticmethod
    def run(ctx: StepContext) -> FingerprintResult:
        settings = Settings.from_params(ctx.params)  # checked against FingerprintParams by the engine
        privacy_id = ctx.dep("privacy")
        identity = digest(settings.identity())
        previous = _previous(ctx.memo, identity)
        writer = _PackWriter(ctx, settings)

        def records() -> Iterator[tuple[dict[str, Any], bool]]:
            for name, takedown in (("records.jsonl", False), ("taken_down.jsonl", True)):
                with ctx.input_path(privacy_id, name).open("rb") as fh:
                    for line in fh:
                        yield json.loads(line), takedown

        batch: list[tuple[Row, dict[str, str]]] = []
        for record, takedown in records():
            batch.append(exact_fingerprint(record["id"], record["messages"], settings, takedown))
            if len(batch) >= BATCH:
                writer.add(batch, previous)
                batch = []
        writer.add(batch, previous)
        return writer.finish(identity)


class _PackWriter:
    def __init__(self, ctx: StepContext, settings: Settings):
        self.ctx = ctx
        self.settings = settings
        self.records = ctx.open_output("records.tsv")
        self.parts: dict[str, dict[str, OutputFile]] = {
            kind: {part: ctx.open_output(f"{kind}.{part}") for part in PARTS} for kind in settings.kinds}
        self.offsets = dict.fromkeys(settings.kinds, 0)
        for kind in settings.kinds:
            self.parts[kind]["offsets"].write(np.zeros(1, dtype=np.int64).tobytes())
        self.rows = 0
        self.takedowns = 0
        self.short = dict.fromkeys(settings.kinds, 0)
        self.computed = self.reused = 0

    def add(self, batch: list[tuple[Row, dict[str, str]]], previous: _Previous | None) -> None:
        if not batch:
            return
        for row, _ in batch:
            self.records.write(row.line().encode("utf-8"))
            self.rows += 1
            self.takedowns += row.takedown
        for kind in self.settings.kinds:
            sigs = np.empty((len(batch), self.settings.num_perm), dtype=np.uint32)
            shingles: list[np.ndarray] = []
            fresh = []
            for index, (row, texts) in enumerate(batch):
                cached = previous.lookup(kind, row.hashes[kind]) if previous and row.hashes[kind] else None
                if cached is not None:
                    sigs[index], values = cached
                    self.reused += 1
                else:
                    values = shingle_hashes(texts[kind], self.settings.rules)
                    fresh.append(index)
                shingles.append(values)
                self.short[kind] += bool(row.hashes[kind]) and not len(values)
            if fresh:
                sigs[fresh] = signatures((shingles[i] for i in fresh), self.settings.num_perm, self.settings.seed)
                self.computed += len(fresh)
            bands, rows = self.settings.bands[kind]
            out = self.parts[kind]
            out["sig"].write(sigs.tobytes())
            out["bands"].write(band_keys(sigs, bands, rows).tobytes())
            out["shingles"].write(b"".join(values.tobytes() for values in shingles))
            ends = self.offsets[kind] + np.cumsum([len(values) for values in shingles], dtype=np.int64)
            out["offsets"].write(ends.tobytes())
            self.offsets[kind] = int(ends[-1])

    def finish(self, identity: str) -> FingerprintResult:
        self.records.close()
        for parts in self.parts.values():
            for out in parts.values():
                out.close()
        info = {"identity": identity, **self.settings.identity(), "kinds": list(self.settings.kinds),
                "num_perm": self.settings.num_perm, "rows": self.rows,
                "bands": {kind: list(value) for kind, value in self.settings.bands.items()}}
        self.ctx.write_json(PACK, info)
        self.ctx.stats.update(signatures_computed=self.computed, signatures_reused=self.reused)
        return FingerprintResult(family=self.ctx.typed(FingerprintParams).family, records=self.rows - self.takedowns,
                                 takedowns=self.takedowns, short_texts=self.short)


class _Previous:
    """The previous pack's signatures and shingles by exact text hash (only when made with the same settings)."""

    def __init__(self, pack: Pack, sigs: dict[str, np.ndarray]):
        self.pack = pack
        self.rows: dict[str, dict[str, int]] = {kind: {} for kind in sigs}
        for index, row in enumerate(pack.rows):
            for kind in sigs:
                self.rows[kind].setdefault(row.hashes[kind], index)
        self.sigs = sigs

    def lookup(self, kind: str, text_hash: str) -> tuple[np.ndarray, np.ndarray] | None:
        index = self.rows.get(kind, {}).get(text_hash)
        if index is None:
            return None
        return self.sigs[kind][index], np.asarray(self.pack.shingles(kind, index))


def _previous(memo: dict[str, Path], identity: str) -> _Previous | None:
    if set(memo) != set(FILES) or json.loads(memo[PACK].read_bytes()).get("identity") != identity:
        return None
    pack = Pack(memo)
    count = len(pack.rows)
    sigs = {}
    for kind in pack.info["kinds"]:
        path = memo[f"{kind}.sig"]
        sigs[kind] = (np.memmap(path, dtype=np.uint32, mode="r", shape=(count, pack.num_perm))
                      if count else np.zeros((0, pack.num_perm), dtype=np.uint32))
    return _Previous(pack, sigs)


