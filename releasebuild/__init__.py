"""releasebuild: declarative, reproducible, gated training-data releases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "detect_pii", "find_near_duplicates"]

if TYPE_CHECKING:
    from collections.abc import Sequence


def detect_pii(texts: Sequence[str], config: Any = None) -> list[list[tuple[int, int, str]]]:
    """For each text, the (start, end-exclusive, entity type) spans the privacy gate would redact.

    `config`: a PrivacyGateConfig or a path to a gates/privacy.yaml; default: the demo release's settings (the
    gate's defaults: spaCy NER + patterns, the public-helpline allow-list). Imported lazily: the CLI's start-up
    never pays for Presidio."""
    from releasebuild.gates.privacy import PrivacyGateConfig, load_gate_config
    from releasebuild.privacy.detector import Detector, redactions

    if config is None:
        config = PrivacyGateConfig()
    elif not isinstance(config, PrivacyGateConfig):
        config = load_gate_config(config)
    thresholds = config.thresholds()
    detector = Detector(config.mode, config.model, sorted(thresholds))
    return redactions(texts, detector, thresholds, config.allow_rules(None))


def find_near_duplicates(docs: Sequence[dict[str, Any]], threshold: float = 0.8,
                         config: Any = None) -> set[tuple[int, int]]:
    """Every index pair (i < j) of `docs` ({"id", "messages": [{"role", "content"}]}) whose conversations are at
    least `threshold` similar: the exact Jaccard of their shingle sets under the dedup gate's settings (`config`: a
    DedupGateConfig or a path to a gates/dedup.yaml; default: the gate's defaults). MinHash/LSH only proposes
    candidates; every pair returned was confirmed. Identical normalized texts count, even ones too short to
    shingle."""
    from releasebuild.dedup.near import find_near_duplicates as find
    from releasebuild.gates.dedup import DedupGateConfig

    if isinstance(config, (str, bytes)) or hasattr(config, "__fspath__"):
        from pathlib import Path

        from releasebuild.config.load import load_gate_file

        config = load_gate_file(DedupGateConfig, Path(config))
    return find(docs, threshold, (config or DedupGateConfig()).settings(threshold))
