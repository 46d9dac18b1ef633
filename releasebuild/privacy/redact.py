"""Redaction with presidio-anonymizer: each span becomes its conversation's numbered placeholder (`<PERSON_1>`)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from releasebuild.privacy.detector import Finding
from releasebuild.privacy.pseudonyms import PLACEHOLDER, Pseudonyms


@functools.lru_cache(maxsize=1)
def _engine() -> Any:
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()


def redact(text: str, findings: Sequence[Finding], pseudonyms: Pseudonyms) -> str:
    """`text` with every finding replaced by its numbered placeholder (overlaps were merged when the findings were
    made). Surrogates come later (Pseudonyms.final), once re-scans have checked the placeholder text."""
    if not findings:
        return text
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    for finding in sorted(findings, key=lambda f: f.start):  # numbered in reading order (the engine goes backwards)
        pseudonyms.placeholder(finding.entity, text[finding.start:finding.end])
    results = [RecognizerResult(f.entity, f.start, f.end, f.score) for f in findings]
    operators = {entity: OperatorConfig("custom", {"lambda": functools.partial(pseudonyms.placeholder, entity)})
                 for entity in {f.entity for f in findings}}
    return str(_engine().anonymize(text=text, analyzer_results=results, operators=operators).text)


def placeholder_spans(text: str) -> list[tuple[int, int]]:
    """Where the placeholders are: a re-scan that finds only these found nothing left behind."""
    return [match.span() for match in PLACEHOLDER.finditer(text)]
