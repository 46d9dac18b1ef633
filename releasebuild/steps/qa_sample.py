"""One family's QA samples, one per review that covers it: stratified, seeded, drawn from the records that ship.

Reads what export reads (the records and their splits), so the sample holds the published lines byte for byte
(redacted where privacy redacted) and runs beside export. Each review's family digest covers the whole
population, so a change to any shipped record makes earlier sign-offs on this family stale.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

from releasebuild.review.pages import family_page
from releasebuild.review.sampling import BottomK, allocate, family_digest, rank, stratum
from releasebuild.steps.base import Step, StepContext, StepMeta, StepParams
from releasebuild.steps.shipped import shipped


class QASampleParams(StepParams):
    family: str
    reviews: dict[str, int]  # review -> sample size, for the reviews that cover this family
    seed: int
    stratify_by: list[str]
    method: str  # the sampling method's name and version: part of what a sign-off is bound to


class DrawnSample(StepMeta):
    """One review's sample of the family: what its sign-off is bound to (`digest`) and what was drawn."""

    digest: str
    size: int
    strata: dict[str, int]  # stratum -> records drawn from it
    ids: list[str]


class QASampleResult(StepMeta):
    family: str
    records: int  # the records that ship, every one of which the digests cover
    population: str  # SHA-256 over every shipped line
    strata: dict[str, int]  # stratum -> shipped records in it
    reviews: dict[str, DrawnSample]


class QASample(Step):
    kind = "qa_sample"
    code_version = "2"

    Params = QASampleParams
    Result = QASampleResult

    @staticmethod
    def run(ctx: StepContext) -> QASampleResult:
        params = ctx.typed(QASampleParams)
        family, reviews, seed, stratify_by = params.family, params.reviews, params.seed, params.stratify_by
        needs_metadata = any(key != "split" for key in stratify_by)
        population = hashlib.sha256()
        counts: Counter[str] = Counter()
        pools = {review: BottomK(size) for review, size in reviews.items()}
        for record in shipped(ctx):  # a removed record does not ship, so nobody reviews it
            split, body, assigned = record.split, record.body, record.assigned
            assert split is not None
            line = record.line
            population.update(line)
            metadata = (json.loads(body).get("metadata") or {}) if needs_metadata else {}
            name = stratum(split, metadata, stratify_by)
            counts[name] += 1
            for review, pool in pools.items():
                pool.offer(name, rank(seed, review, assigned["id"]), assigned["id"], line)
        shipped_records = sum(counts.values())
        population_digest = f"sha256:{population.hexdigest()}"
        drawn_by_review: dict[str, DrawnSample] = {}
        for review, size in sorted(reviews.items()):
            allocation = allocate(dict(counts), size)
            drawn = pools[review].take(allocation)
            key = f"qa/{review}/{family}"
            with ctx.create(f"{review}.jsonl", publish=f"{key}.jsonl", kind="qa_review") as out:
                for _, _, line in drawn:
                    out.write(line)
                sample_sha256 = out.ref().sha256
            sample = DrawnSample(
                digest=family_digest(method=params.method, review=review, seed=seed, size=size,
                                     stratify_by=stratify_by, population=population_digest, records=shipped_records,
                                     sample=sample_sha256),
                size=len(drawn), strata={name: taken for name, taken in allocation.items() if taken},
                ids=[rid for _, rid, _ in drawn])
            page = {**sample.model_dump(), "records": shipped_records,
                    "strata_population": dict(sorted(counts.items()))}
            with ctx.create(f"{review}.md", publish=f"{key}.md", kind="qa_review") as out:
                out.write(family_page(review, family, page, drawn).encode("utf-8"))
            drawn_by_review[review] = sample
        return QASampleResult(family=family, records=shipped_records, population=population_digest,
                              strata=dict(sorted(counts.items())), reviews=drawn_by_review)
