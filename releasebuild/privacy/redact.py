"""Redaction: each span becomes its conversation's numbered placeholder (`<PERSON_1>`).

A plain splice, not presidio-anonymizer: importing the anonymizer loads Presidio's analyzer and spaCy (about a
second), which a re-judge from the scan table otherwise never pays, and the splice is all it would do here.
"""

from __future__ import annotations

from collections.abc import Sequence

from releasebuild.privacy.findings import Finding
from releasebuild.privacy.pseudonyms import PLACEHOLDER, Pseudonyms


def redact(text: str, findings: Sequence[Finding], pseudonyms: Pseudonyms) -> str:
    """`text` with every finding replaced by its numbered placeholder, numbered in reading order (overlaps were
    merged when the findings were made). Surrogates come later (Pseudonyms.final), once re-scans have checked the
    placeholder text."""
    if not findings:
        return text
    parts: list[str] = []
    position = 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < position:  # overlapping findings from two sources: the first one covers it
            continue
        parts += [text[position:finding.start], pseudonyms.placeholder(finding.entity, text[finding.start:finding.end])]
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


def placeholder_spans(text: str) -> list[tuple[int, int]]:
    """Where the placeholders are: a re-scan that finds only these found nothing left behind."""
    return [match.span() for match in PLACEHOLDER.finditer(text)]
