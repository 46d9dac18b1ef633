"""Redaction with presidio-anonymizer: each span becomes a typed placeholder such as `<PERSON>`."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from releasebuild.privacy.detector import Finding

PLACEHOLDER = re.compile(r"<[A-Z_]+>")


@functools.lru_cache(maxsize=1)
def _engine() -> Any:
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()


def redact(text: str, findings: Sequence[Finding]) -> str:
    """`text` with every finding replaced by `<ENTITY_TYPE>` (overlaps were merged when the findings were made)."""
    if not findings:
        return text
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    results = [RecognizerResult(f.entity, f.start, f.end, f.score) for f in findings]
    operators = {f.entity: OperatorConfig("replace", {"new_value": f"<{f.entity}>"}) for f in findings}
    return _engine().anonymize(text=text, analyzer_results=results, operators=operators).text


def placeholder_spans(text: str) -> list[tuple[int, int]]:
    """Where the placeholders are: a re-scan that finds only these found nothing left behind."""
    return [match.span() for match in PLACEHOLDER.finditer(text)]
