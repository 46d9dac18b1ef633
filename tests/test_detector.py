"""The PII detector with the real Presidio analyzer and spaCy model (no mocks); the NER model loads once here."""

from __future__ import annotations

import json
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from releasebuild import detect_pii
from releasebuild.privacy.detector import ENTITIES as DETECTOR_ENTITIES
from releasebuild.privacy.detector import (
    NER_ENTITIES,
    POLICY_ENTITIES,
    AllowRule,
    Detector,
    Finding,
    ModelMissing,
    decide,
    versions,
)
from releasebuild.privacy.recognizers import PREFILTERS

EVALUATION = Path(__file__).resolve().parents[1] / "evaluation" / "pii"
ENTITIES_PATTERNS_ONLY = [entity for entity in DETECTOR_ENTITIES + POLICY_ENTITIES if entity not in NER_ENTITIES]

PLANTED = {
    "PERSON": ("thanks sarah, talking helps", "sarah"),
    "LOCATION": ("i grew up in boise and hated it", "boise"),
    "DATE_TIME": ("my date of birth is 03/14/1987", "03/14/1987"),
    "PHONE_NUMBER": ("you can call me on 415-555-0134 tonight", "415-555-0134"),
    "EMAIL_ADDRESS": ("mail me at jo.smith@gmail.com please", "jo.smith@gmail.com"),
    "US_SSN": ("my ssn is 219-09-9999 for the form", "219-09-9999"),
    "CREDIT_CARD": ("I paid with card 4111 1111 1111 1111 yesterday", "4111 1111 1111 1111"),
    "IBAN_CODE": ("wire it to GB82 WEST 1234 5698 7654 32 please", "GB82 WEST 1234 5698 7654 32"),
    "IP_ADDRESS": ("the login came from 192.168.0.12 at night", "192.168.0.12"),
    "URL": ("i write at https://example.com/me about it", "https://example.com/me"),
}
NOT_PII = [
    "My therapist suggested CBT and DBT for my PTSD, and sertraline helped.",
    "I felt awful on Monday, and last June was the worst two years ago.",
    "I'm 34 and my son is 12. Dr. visits every week.",
]


@pytest.fixture(scope="module")
def ner() -> Detector:
    detector = Detector("ner")
    detector.scan(["warm up"])
    return detector


@pytest.fixture(scope="module")
def patterns() -> Detector:
    return Detector("patterns_only")


def found(text: str, findings: list[Finding]) -> set[tuple[str, str]]:
    return {(text[f.start:f.end], f.entity) for f in findings}


@pytest.mark.parametrize("entity", sorted(PLANTED))
def test_ner_mode_finds_each_planted_entity(ner: Detector, entity: str) -> None:
    text, value = PLANTED[entity]
    assert (value, entity) in found(text, ner.scan([text])[0])


def test_patterns_only_finds_pattern_entities_and_never_person(patterns: Detector) -> None:
    for entity, (text, value) in PLANTED.items():
        hits = {hit for hit in found(text, patterns.scan([text])[0]) if hit[1] not in POLICY_ENTITIES}
        if entity in ("PERSON", "LOCATION", "DATE_TIME"):
            assert not hits, entity
        else:
            assert (value, entity) in hits
    assert not any(f.entity == "PERSON" for f in patterns.scan(["My name is Sarah Connor"])[0])


def test_clinical_terms_weekdays_relative_dates_and_ages_are_not_pii(ner: Detector) -> None:
    # Weekdays and ages are found (the date policy decides on them) but the default policy keeps them.
    for text, spans in zip(NOT_PII, detect_pii(NOT_PII), strict=True):
        assert spans == [], (text, [(text[s:e], entity) for s, e, entity in spans])


def test_findings_are_sorted_and_do_not_overlap(ner: Detector) -> None:
    text = "my sister Jessica Alvarez lives at 42 Maple Street, Springfield, IL 62704, call 415-555-0134"
    findings = ner.scan([text])[0]
    assert findings == sorted(findings, key=lambda f: f.start)
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))
    assert Finding.from_json(findings[0].to_json()) == findings[0]


def test_decide_applies_thresholds_and_allow_rules() -> None:
    text = "call 988 or my cell 415-555-0134, ask for Sam"
    phone_988 = Finding(5, 8, "PHONE_NUMBER", 0.4)
    cell = Finding(20, 32, "PHONE_NUMBER", 0.75)
    sam = Finding(42, 45, "PERSON", 0.45)
    findings = [phone_988, cell, sam]
    redact, allowed = decide(text, findings, {"PHONE_NUMBER": 0.4, "PERSON": 0.5}, [])
    assert redact == [phone_988, cell] and allowed == []
    helpline = AllowRule("crisis line", pattern=r"\b988\b")
    redact, allowed = decide(text, findings, {"PHONE_NUMBER": 0.4, "PERSON": 0.4}, [helpline])
    assert redact == [cell, sam] and allowed == [(phone_988, 0)]
    persona = AllowRule("persona", text="SAM", entity="PERSON")
    wrong_type = AllowRule("only URLs", text="415-555-0134", entity="URL")
    redact, allowed = decide(text, findings, {"PHONE_NUMBER": 0.5, "PERSON": 0.4}, [wrong_type, persona])
    assert redact == [cell] and allowed == [(sam, 1)]


def test_ner_mode_without_its_model_raises() -> None:
    with pytest.raises(ModelMissing, match="not_a_model_xyz"):
        Detector("ner", model="not_a_model_xyz").scan(["hello"])
    with pytest.raises(ModelMissing):
        versions("ner", "not_a_model_xyz")
    assert versions("patterns_only", "not_a_model_xyz")["mode"] == "patterns_only"


def test_detect_pii_returns_typed_spans() -> None:
    text = "hi my name is kaleigh, email kaleigh.r@example.org, or call 988"
    spans = detect_pii([text, "nothing to see"])
    assert spans[1] == []
    got = {(text[s:e], t) for s, e, t in spans[0]}
    assert ("kaleigh", "PERSON") in got and ("kaleigh.r@example.org", "EMAIL_ADDRESS") in got
    assert not any(value == "988" for value, _ in got)  # a helpline, allowed by the gate's defaults


def _batch() -> list[str]:
    texts = [text for text, _ in PLANTED.values()] + NOT_PII
    return [f"{text} ({i})" if i % 3 else text.upper() for i in range(24) for text in texts]


def test_one_and_two_processes_give_the_same_findings(ner: Detector) -> None:
    texts = _batch()
    assert len(texts) >= 200
    assert ner.scan(texts, processes=1) == ner.scan(texts, processes=2)


def _scan_patterns(texts: list[str]) -> list[list[Finding]]:
    return Detector("patterns_only").scan(texts, processes=2)


@pytest.mark.parametrize("pool", ["executor", "daemonic"])
def test_scan_inside_a_worker_process(pool: str) -> None:
    """The gate step may scan inside a ProcessPoolExecutor worker (nested pool) or a daemonic worker (one process)."""
    texts = [f"write to user{i}@example.org or call 415-555-{i % 10000:04d}" for i in range(5000)]
    context = multiprocessing.get_context("fork")
    if pool == "executor":
        with ProcessPoolExecutor(1, mp_context=context) as executor:
            result = executor.submit(_scan_patterns, texts).result()
    else:
        with context.Pool(1) as daemonic:
            result = daemonic.apply(_scan_patterns, (texts,))
    assert len(result) == len(texts)
    assert all(any(f.entity == "EMAIL_ADDRESS" for f in findings) for findings in result)


def test_top_level_domains_are_those_of_tldextracts_own_extractor() -> None:
    """The URL and handle recognizers read the suffix list's file directly (a fast start); it must give the very set
    tldextract's extractor gives, whatever version is installed."""
    import tldextract

    from releasebuild.privacy import lexicon

    extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    assert lexicon.top_level_domains() == {suffix.rsplit(".", 1)[-1] for suffix in extractor.tlds}
    assert {"com", "org", "uk", "de"} <= lexicon.top_level_domains()


@pytest.mark.parametrize("text", [
    "we met at the Harbourview Clinic on tuesday",
    "she works at the RIVERSIDE HOSPITAL downtown",
    "my kid goes to lincoln high school",
    "die Praxis am Wiesengrund Clınic",  # a dotless i, which case-insensitive matching reads as "i"
    "the Nørrebro Wellness Center helped",
    "nothing of the kind in this sentence, só palavras",
])
def test_the_facility_gate_never_skips_a_text_the_facility_pattern_matches(text: str) -> None:
    from releasebuild.privacy.recognizers import FACILITY_WORD, _may_name_facility

    assert _may_name_facility(text) == (FACILITY_WORD.search(text) is not None)


def test_the_word_memo_of_the_name_recognizer_is_bounded_and_changes_no_finding(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from releasebuild.privacy import recognizers

    text = ("honestly the week was long but tomasz and I finally sat down with my sister Agnieszka, "
            "who said the kids were fine")
    unbounded = recognizers.ChatNameRecognizer()
    unbounded.load()
    expected = [(r.start, r.end, r.score) for r in unbounded.analyze(text, ["PERSON"])]
    monkeypatch.setattr(recognizers, "WORD_MEMO", 3)
    bounded = recognizers.ChatNameRecognizer()
    bounded.load()
    for _ in range(2):  # the second pass reads the memo
        assert [(r.start, r.end, r.score) for r in bounded.analyze(text, ["PERSON"])] == expected
    assert len(bounded.silent) == 3
    assert any(text[start:end] == "Agnieszka" for start, end, _ in expected)


def test_a_text_with_digits_and_nothing_found_leaves_spacys_vocabulary_as_it_was(patterns: Detector) -> None:
    """spaCy keeps every distinct word it tokenizes for the life of the process: numbered ids tokenized one by one
    grew a worker by 200 MB per family of 200,000 records."""
    vocabulary = patterns._engine().nlp_engine.tokenizer.vocab
    patterns.scan(["warm up 1"])
    before = len(vocabulary)
    assert patterns.scan([f"cot-{n:08d}" for n in range(300)]) == [[] for _ in range(300)]
    assert len(vocabulary) == before
    # a text with a finding is tokenized for its context words, as before
    [phone] = patterns.scan(["phone: 415-555-0134 (mobile)"])
    assert [finding.entity for finding in phone] == ["PHONE_NUMBER"]
    assert len(vocabulary) > before


def test_tokens_made_when_first_asked_for_are_those_made_at_once(patterns: Detector) -> None:
    from releasebuild.privacy.recognizers import _Untokenized

    engine = patterns._engine().nlp_engine
    text = "Call me: 0161 496 0000, or my cell +44 7700 900123 after 6pm."
    lazy = _Untokenized(text, engine, "en")
    eager = engine._artifacts(engine.tokenizer(text), "en")
    assert lazy.keywords == eager.keywords  # the first attribute asked for makes them all
    assert (lazy.lemmas, lazy.tokens_indices) == (eager.lemmas, eager.tokens_indices)
    assert [token.text for token in lazy.tokens] == [token.text for token in eager.tokens]
    assert lazy.entities == [] and lazy.nlp_engine is engine
    with pytest.raises(AttributeError):
        _ = lazy.something_else


def test_the_registry_chooses_what_presidios_chooses_and_sees_a_recognizer_added() -> None:
    from presidio_analyzer import Pattern, PatternRecognizer, RecognizerRegistry

    from releasebuild.privacy.recognizers import ChoosingOnceRegistry, pattern_recognizers

    recognizers = pattern_recognizers()
    ours = ChoosingOnceRegistry(recognizers=recognizers, supported_languages=["en"])
    presidios = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"])
    for entities in (["PHONE_NUMBER"], ["URL", "EMAIL_ADDRESS"], ["PHONE_NUMBER"], ["US_SSN", "ID_NUMBER", "URL"]):
        for _ in range(2):  # the second asks the remembered choice
            assert {r.name for r in ours.get_recognizers("en", entities)} == \
                {r.name for r in presidios.get_recognizers("en", entities)}
    added = PatternRecognizer("URL", name="Added", patterns=[Pattern("x", r"x{9}", 0.5)])
    ours.add_recognizer(added)
    assert added in ours.get_recognizers("en", ["URL", "EMAIL_ADDRESS"])
    ours.remove_recognizer("Added")
    assert added not in ours.get_recognizers("en", ["URL", "EMAIL_ADDRESS"])


# The prefilters as one pattern each, before their alternatives were guarded by what each needs (`TextHolds`)
WHOLE_PREFILTERS = {
    "PHONE_NUMBER": re.compile(r"\d(?:[\s().+/-]{0,3}\d){6,}|(?i:\b(?:(?:zero|oh|one|two|three|four|five|six|seven|"
                               r"eight|nine|double|triple),?[ \t]+){3})"),
    "US_SSN": re.compile(r"\d{3}[\s.-]?\d{2}[\s.-]?\d{4}"),
    "CREDIT_CARD": re.compile(r"\d(?:[\s-]?\d){11,}"),
    "IBAN_CODE": re.compile(r"[A-Za-z]{2}\d{2}"),
    "IP_ADDRESS": re.compile(r"\d{1,3}\.\d{1,3}\.\d|[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:"),
    "URL": re.compile(r"[A-Za-z0-9-]\.[A-Za-z]{2,}"),
    "EMAIL_ADDRESS": re.compile(r"\w@\w|[(\[{<]\s*at\s*[)\]}>]| at \S+ dot ", re.IGNORECASE),
}
PIECES = ["at", "AT", "aT", "dot", "DOT", "Dot", " ", "\t", "(", "<", ")", ">", "[", "]", "@", ":", "::", ".", "-",
          "1", "23", "٣", "4567", "192.168.0.1", "fe80::1", "one ", "TWO ", "triple ", "oh, ", "x", "İ", "K", "ſ",
          "GB82", "me", " at home dot ", "(at)", "[ AT ]", "<at>", "{ aT}", "555 0134", "4111 1111 1111 1111",
          "example.com"]
ENTITIES = [*WHOLE_PREFILTERS, "PERSON"]


def chosen_whole(text: str) -> list[str]:
    return [entity for entity in ENTITIES if entity not in WHOLE_PREFILTERS or WHOLE_PREFILTERS[entity].search(text)]


def test_guarded_prefilters_choose_what_the_whole_patterns_choose_for_every_piece_and_pair() -> None:
    from releasebuild.privacy.recognizers import candidates

    for first in PIECES:
        for text in (first, *(first + second for second in PIECES)):
            assert candidates(text, ENTITIES) == chosen_whole(text), text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=14))
def test_guarded_prefilters_choose_what_the_whole_patterns_choose(parts: list[str]) -> None:
    from releasebuild.privacy.recognizers import candidates

    text = "".join(parts)
    assert candidates(text, ENTITIES) == chosen_whole(text)


# Pieces of what the always-asked types need (recognizers.NEEDS): digits, "day" in any case, what an account name
# holds or follows, and the shapes they find.
NEEDS_PIECES = ["Monday", "SUNDAYS", "day", "Day", "today", "1", "2019", "since 2019 ", "I'm 34", "aged 91",
                " 12 years old", "ID: AB123456", "licence no 5550123 ", "user ", "my insta is ", "discord: ",
                "@", "@ana_b", "u/", "u/throwaway_22", ":", " by", "posted by ", "wrote:", "_", "x.ab", "account ",
                "handle", "login", "mark_g84", " ", "\n", "Anna", "the", "sleep", "İ", "ſ", "K", "٣"]
ASKED_EVERYWHERE = [entity for entity in ENTITIES_PATTERNS_ONLY if entity not in PREFILTERS]


def _every_type_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    import releasebuild.privacy.recognizers as recognizers

    monkeypatch.setattr(recognizers, "NEEDS", {})


def test_a_type_is_not_asked_for_only_where_its_recognizers_find_nothing(
        patterns: Detector, monkeypatch: pytest.MonkeyPatch) -> None:
    """Texts of the tuning halves (every shape the corpus has) find the same whether the types of `NEEDS` are asked
    for only where a text meets their needs, or everywhere."""
    texts = [json.loads(line)["text"] for name in ("tuning", "dev", "dev4") for line in
             (EVALUATION / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()[::4]]
    chosen = patterns.scan(texts)
    _every_type_asked(monkeypatch)
    assert patterns.scan(texts) == chosen
    assert sum(map(len, chosen)) > 500  # the texts hold what the types find


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(NEEDS_PIECES) | st.text(max_size=4), max_size=12))
def test_a_type_is_not_asked_for_only_where_it_would_find_nothing(parts: list[str]) -> None:
    import releasebuild.privacy.recognizers as recognizers

    text = "".join(parts)
    detector = Detector("patterns_only")
    chosen = detector.scan([text])
    saved = recognizers.NEEDS
    recognizers.NEEDS = {}
    try:
        assert detector.scan([text]) == chosen, text
    finally:
        recognizers.NEEDS = saved


def test_a_plain_chat_turn_asks_for_nothing_and_a_need_met_asks_for_its_type() -> None:
    from releasebuild.privacy.recognizers import candidates

    assert candidates("i have been feeling anxious and cannot sleep", ASKED_EVERYWHERE) == []
    assert candidates("see you on Monday", ASKED_EVERYWHERE) == ["WEEKDAY"]
    assert candidates("my insta is ana.b", ASKED_EVERYWHERE) == ["USERNAME"]
    assert set(candidates("born in 1987", ASKED_EVERYWHERE)) == {"ID_NUMBER", "US_DRIVER_LICENSE", "YEAR", "AGE",
                                                                 "AGE_OVER_89"}


# Presidio imported first, as a worker's idle loads and a warm server import it; then a scan of an e-mail address,
# with every name lookup and connection recorded.
OFFLINE_SCAN = """
import json, sys
attempts = []
sys.addaudithook(lambda event, args: attempts.append(event) if event in ("socket.getaddrinfo", "socket.connect")
                 else None)
import presidio_analyzer
from releasebuild.privacy.detector import Detector
from releasebuild.privacy.recognizers import OfflineEmailRecognizer, pattern_recognizers
found = Detector("patterns_only").scan(["mail me at jo.smith@gmail.com or jo@example.invalid"])[0]
stock = sys.argv[1] == "stock"
if stock:  # Presidio's own recognizer, as the detector used it
    from presidio_analyzer.predefined_recognizers import EmailRecognizer
    EmailRecognizer().validate_result("jo.smith@gmail.com")
print(json.dumps({"attempts": attempts, "found": [[f.start, f.end, f.entity] for f in found]}))
"""


@pytest.mark.parametrize("recognizer", ["ours", "stock"])
def test_an_e_mail_address_is_checked_against_the_shipped_suffix_list_without_the_network(
        recognizer: str, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "TLDEXTRACT_CACHE": str(tmp_path / "tld")}
    env.pop("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", None)
    run = subprocess.run([sys.executable, "-c", OFFLINE_SCAN, recognizer], capture_output=True, text=True, env=env,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.splitlines()[-1])
    assert report["found"] == [[11, 29, "EMAIL_ADDRESS"]]  # ".invalid" is no public suffix
    # the detector never looks the list up; Presidio's recognizer, asked the same, tries to download it
    assert (report["attempts"] == []) if recognizer == "ours" else report["attempts"]


def test_a_vocabulary_past_its_limit_is_made_anew_and_finds_the_same(patterns: Detector,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from releasebuild.privacy import recognizers

    texts = [f"ring me on 0{7700 + n} 900{n:03d}, ref zq{n}x-{n * 7}" for n in range(60)]
    engine = patterns._engine().nlp_engine
    first = engine.tokenizer
    monkeypatch.setattr(recognizers, "VOCABULARY_LIMIT", len(first.vocab) + 20)
    monkeypatch.setattr(recognizers, "RENEW_EVERY", 8)
    renewed = patterns.scan(texts)
    assert all(renewed)  # each has a finding, so each was tokenized for its context words
    assert engine.tokenizer is not first
    assert len(engine.tokenizer.vocab) <= recognizers.VOCABULARY_LIMIT + 8 * 12
    monkeypatch.setattr(recognizers, "VOCABULARY_LIMIT", 10**9)
    assert patterns.scan(texts) == renewed  # one vocabulary throughout


def test_the_lexicons_word_memos_are_bounded() -> None:
    """Every distinct word of a corpus asked about stays in an unbounded memo for as long as a worker lives."""
    from releasebuild.privacy import lexicon

    for memo in (lexicon.unaccented, lexicon._word):
        assert memo.cache_info().maxsize == lexicon.WORDS_REMEMBERED
    assert lexicon.unaccented("Rafał".lower()) == "rafal"
