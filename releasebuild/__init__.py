"""releasebuild: declarative, reproducible, gated training-data releases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "detect_pii"]

if TYPE_CHECKING:
    from collections.abc import Sequence


def detect_pii(texts: Sequence[str], config: Any = None) -> list[list[tuple[int, int, str]]]:
    """For each text, the (start, end-exclusive, entity type) spans the privacy gate would redact.

    `config`: a PrivacyGateConfig or a path to a gates/privacy.yaml; default: the demo release's settings (the
    gate's defaults: spaCy NER + patterns, the public-helpline allow-list). Imported lazily: the CLI's start-up
    never pays for Presidio."""
    from releasebuild.privacy.detector import detect_pii as detect

    return detect(texts, config)
