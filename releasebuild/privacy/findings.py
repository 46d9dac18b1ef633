"""Findings, and what is judged of them together once each recognizer has spoken: overlapping results become one
finding, and a finding lends its type to what stands beside it (a house number between two parts of an address, a
number on a person's line, the other names of a list of people).

These passes see every recognizer's findings at once, which no single recognizer does: the name model's "Nicolas"
makes "Lorena, Nicolas and Camila" a list of people although the name lists alone would not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# Types that a public reference (an author, an eponym) or a must-survive term is mistaken for.
NAME_OR_PLACE = frozenset({"PERSON", "LOCATION"})


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    entity: str
    score: float

    def to_json(self) -> list[Any]:
        return [self.start, self.end, self.entity, round(self.score, 4)]

    @classmethod
    def from_json(cls, row: list[Any]) -> Finding:
        return cls(row[0], row[1], row[2], row[3])

def resolve(results: Sequence[Any]) -> list[Finding]:
    """Overlapping results become one finding: the union of their spans, typed by the highest score."""
    ordered = sorted(results, key=lambda r: (r.start, -r.end))
    merged: list[Finding] = []
    for result in ordered:
        current = Finding(result.start, result.end, result.entity_type, float(result.score))
        if merged and current.start < merged[-1].end:
            last = merged[-1]
            best = last if last.score >= current.score else current
            merged[-1] = Finding(last.start, max(last.end, current.end), best.entity, best.score)
        else:
            merged.append(current)
    return merged


# What lies between a street and the rest of its address: a house number, with a letter or a flat after it
# ("Lago Rhavi Sampaio, 37, apto 1234", "Thomboulevard 217-II, 8253 KC Meijel", "Incrocio Bernardo, 670b, 71034").
HOUSE_NUMBER_GAP = re.compile(r"[ \t]*,?[ \t]*\d{1,5}[A-Za-z]?(?:[-/][A-Za-z\d]{1,4})?[ \t]*(?:,[ \t]*|-)?")


def join_house_numbers(text: str, findings: list[Finding]) -> list[Finding]:
    """A house number between two findings of one address is part of it: the street (read as a place, or as a name
    by the name model) and what follows (a flat, a postcode and town) become one LOCATION."""
    return _joined(findings, lambda last, finding: (
        finding.entity == "LOCATION" and last.entity in NAME_OR_PLACE
        and HOUSE_NUMBER_GAP.fullmatch(text, last.end, finding.start) is not None))


def _joined(findings: list[Finding], belong: Callable[[Finding, Finding], bool]) -> list[Finding]:
    """Neighbouring findings that `belong` together (the last joined one, the next) become one LOCATION."""
    joined: list[Finding] = []
    for finding in findings:
        if joined and belong(joined[-1], finding):
            last = joined[-1]
            joined[-1] = Finding(last.start, finding.end, "LOCATION", max(last.score, finding.score))
        else:
            joined.append(finding)
    return joined


# A house number after the street, where no street suffix says it is one ("the meeting is on Kaliopis 41", "pick me up
# from Hrastova 12"): a number of one to four digits, not a time, a year, a count of something or a list's number.
NUMBER_AFTER_STREET = re.compile(r"[ \t]+(\d{1,4}[A-Za-z]?)(?![\w:.,/%'’-]?\d|[\w%°'’]|[ \t]*(?:[ap]\.?m\b|o['’]?clock|"
                                 r"(?:years?|yrs?|months?|weeks?|wks?|days?|hours?|hrs?|mins?|minutes?|seconds?|secs?|"
                                 r"times?|x|kg|kgs|lbs?|pounds?|miles?|mi|km|kilos?|feet|ft|inches|in|cm|mg|ml|percent|"
                                 r"dollars?|bucks|euros?|quid|people|kids|of|out)\b))")
STREET_PREPOSITION_BEFORE = re.compile(r"(?i)\b(?:on|at|from|to|live at|lives at|living at|address is|moved to|"
                                       r"staying at|stays at)[ \t]+$")


# What a house number carries after it in the Low Countries and France: "108 hs" (huis), "14 bis", "3 ter", "7 bg"
HOUSE_SUFFIX_AFTER = re.compile(r"[ \t-]?(?:hs|huis|bis|ter|bg)\b(?![ \t]*[a-z])", re.IGNORECASE)


def with_house_suffixes(text: str, findings: list[Finding]) -> list[Finding]:
    """A place found up to its house number takes the suffix that number carries ("house 108 hs")."""
    out = []
    for finding in findings:
        suffix = HOUSE_SUFFIX_AFTER.match(text, finding.end) if (
            finding.entity == "LOCATION" and text[finding.end - 1:finding.end].isdigit()) else None
        out.append(Finding(finding.start, suffix.end(), finding.entity, finding.score) if suffix else finding)
    return out


def numbers_after_streets(text: str, findings: list[Finding]) -> list[Finding]:
    """A name or a place after "on", "at", "from" followed by a house number is a street and its number: one
    LOCATION ("on Kaliopis 41 every Monday"), the street-then-number layout of most of Europe. Not "to Tom 3 times"
    (a count), "at Anna 5pm" (a time), "from Ohio 2019" (a year)."""
    out: list[Finding] = []
    for finding in findings:
        match = NUMBER_AFTER_STREET.match(text, finding.end) if finding.entity in NAME_OR_PLACE else None
        if (match is not None and STREET_PREPOSITION_BEFORE.search(text, max(0, finding.start - 16), finding.start)
                and not re.fullmatch(r"(?:19|20)\d{2}", match.group(1))
                and not any(f.start < match.end() and match.start(1) < f.end for f in findings)):
            out.append(Finding(finding.start, match.end(1), "LOCATION", finding.score))
        else:
            out.append(finding)
    return out


# What may stand between two parts of one address line after a comma: a district's words that no recognizer
# claimed ("12 Palm Road, Marj Al Hamam, Zarqa 13110": the district between the street and the town).
ADDRESS_GAP = re.compile(r"[ \t]*,[ \t]*(?:[^\W\d_][\w'’.-]*[ \t]+){0,2}")
# An address line's last part after a comma, a word no list has ("40 NILE STREET, MOHANDESSIN"); it ends the line or
# the sentence, or an upper-case line runs on.
ADDRESS_TAIL = re.compile(r"[ \t]*,[ \t]*([^\W\d_]{3,}(?:-[^\W\d_]+)*)(?![\w'’-])")


def address_line_parts(text: str, findings: list[Finding]) -> list[Finding]:
    """An address found in parts becomes one LOCATION: the words after a comma between a house-numbered place and
    the next name or place on its line, when no English word ("postcode 566606, house 137": the cue stays), and a
    last part after a comma that is no English word and no country (which names no one)."""
    from releasebuild.privacy import lexicon

    def addressed(finding: Finding) -> bool:
        return finding.entity == "LOCATION" and any(c.isdigit() for c in text[finding.start:finding.end])

    def district_between(last: Finding, finding: Finding) -> bool:
        gap = ADDRESS_GAP.fullmatch(text, last.end, finding.start)
        return (gap is not None and addressed(last) and finding.entity in NAME_OR_PLACE
                and not any(lexicon.everyday(word.lower()) for word in re.findall(r"[^\W\d_]+", gap.group())))

    joined = _joined(findings, district_between)
    out: list[Finding] = []
    for index, finding in enumerate(joined):
        tail = ADDRESS_TAIL.match(text, finding.end) if addressed(finding) else None
        following = joined[index + 1].start if index + 1 < len(joined) else len(text)
        word = tail.group(1).lower() if tail is not None else ""
        if (tail is not None and tail.end(1) <= following and not lexicon.vocabulary(word)
                and not lexicon.first_name(word) and word not in lexicon.words("countries.txt")):
            out.append(Finding(finding.start, tail.end(1), "LOCATION", finding.score))
        else:
            out.append(finding)
    return out


# A phone number written without a cue, as a field of a person's record: "Philip Nilsson, aunt, 75526239",
# "landlord Ane Nielsen (2355 7343)", "| Галкина Нонна | best mate | 8 (435) 020-66-10 |"
BARE_PHONE = re.compile(r"(?<![\w.:/#€$£+-])(?!(?:19|20)\d{2}[ \t](?:19|20)\d{2}\b)"
                        r"(?:\+?\d{1,3}[ \t]?)?(?:\(\d{2,5}\)[ \t]?)?"
                        r"(?:\d{4}[ \t]?\d{4}|\d{8,12}|\d{2}(?:[ \t]\d{2}){3}|\d{3}[-.]\d{2}[-.]\d{2})"
                        r"(?![\w.:/%-]|[ \t]?(?:kr|eur|usd|nok|sek|dkk)\b)")
MONEY_BEFORE = re.compile(r"(?i)\b(?:paid|pay|pays|cost|costs|owe[sd]?|worth|spent|spend|earn(?:ed|s)?|salary|price|"
                          r"rent|won|lost)\s+$")
RECORD_GAP = 60  # how far along its line a number may stand from the name it belongs to


def numbers_beside_names(text: str, findings: list[Finding]) -> list[Finding]:
    """A bare number of phone length on a person's line, in the same record, is that person's phone: a list of
    contacts or a register gives the number no cue. Not a thing's number ("order 75526239": lookalikes)."""
    from releasebuild.privacy.lookalikes import thing_not_person

    names = [f for f in findings if f.entity == "PERSON"]
    if not names or not DIGIT_RUN.search(text):
        return findings
    added: list[Finding] = []
    for name in names:
        line_end = text.find("\n", name.end)
        line_end = len(text) if line_end < 0 else line_end
        for match in BARE_PHONE.finditer(text, name.end, min(line_end, name.end + RECORD_GAP)):
            if (not any(f.start < match.end() and match.start() < f.end for f in findings + added)
                    and not thing_not_person(text, "PHONE_NUMBER", match.start(), match.end())
                    and not MONEY_BEFORE.search(text, max(0, match.start() - 12), match.start())):
                added.append(Finding(match.start(), match.end(), "PHONE_NUMBER", 0.5))
    return sorted(findings + added, key=lambda f: f.start) if added else findings


DIGIT_RUN = re.compile(r"\d{4}")


# What joins the items of a list of people: "Anna, Piotr and Kasia", "Tor and Ragnhild and even Ole", "jess n amy"
EVEN = r"(?:even[ \t]+|also[ \t]+)?"
JOIN = rf"(?:[ \t]*,[ \t]*(?:(?:and|&|or)[ \t]+{EVEN})?|[ \t]+(?:and|&|or|n|\+)[ \t]+{EVEN})"
CONJOINED = re.compile(r"[ \t]*,?[ \t]*(?:and|&|or|n|\+)[ \t]")
# An item is a word, or two capitalised ("Nas, Asalet Yaman and Ayasun")
ITEM_AFTER = re.compile(JOIN + r"([^\W\d_][\w'’-]*(?:[ \t][A-ZÀ-ÖØ-Þ][\w'’-]*)?)")
ITEM_BEFORE = re.compile(r"(?<![\w'’-])([^\W\d_][\w'’-]*)(" + JOIN + r")$")
LIST_GOES_ON = re.compile(JOIN + r"[^\W\d_]")
LIST_WINDOW = 40


def names_beside_names(text: str, findings: list[Finding], kept: Sequence[tuple[int, int]]) -> list[Finding]:
    """Another item of a list that holds a person is a person: "Lorena, Nicolas and Camila", where the name model
    found Nicolas; "Had dinner with Else, Ditte, and Olfert"; "just Sarah and Will". Each item must have the
    found name's case (a capitalised name lists capitalised names, lower-case chat lower-case ones) and could be
    a name: no pronoun, chat word, kin word, holiday or clinical term, no public reference; a frequent English word
    only with an "and" beside it, never opening a sentence ("Tor and Ragnhild"), and in lower case not at all."""
    anchors = [f for f in findings if f.entity == "PERSON"]
    if not anchors:
        return findings
    taken = list(findings)
    added: list[Finding] = []
    while anchors:
        anchor = anchors.pop()
        shape = _shape(text[anchor.start:anchor.end])
        for start, end, conjoined in _neighbours(text, anchor):
            if any(f.start < end and start < f.end for f in taken) or _shape(text[start:end]) != shape:
                continue  # "Robin J. Landwehr, DBH, LPC": credentials, in capitals beside a capitalised name
            if _listed_name(text, start, end, shape == "lower", conjoined, kept):
                found = Finding(start, end, "PERSON", 0.6)
                taken.append(found)
                added.append(found)
                anchors.append(found)
    return sorted(findings + added, key=lambda f: f.start) if added else findings


def _shape(words: str) -> str:
    return "lower" if words.islower() else "upper" if words.isupper() and len(words) > 1 else "capitalised"


def _neighbours(text: str, anchor: Finding) -> list[tuple[int, int, bool]]:
    """The items either side of a name that a list's join ties to it: (start, end, whether an "and" ties them or
    the list goes on past the bare comma that does)."""
    out = []
    after = ITEM_AFTER.match(text, anchor.end)
    if after is not None:
        joined = text[anchor.end:after.start(1)]
        out.append((after.start(1), after.end(1),
                    bool(CONJOINED.match(joined)) or bool(LIST_GOES_ON.match(text, after.end(1)))))
    window = max(0, anchor.start - LIST_WINDOW)
    before = ITEM_BEFORE.search(text[window:anchor.start])
    if before is not None:
        out.append((window + before.start(1), window + before.end(1),
                    bool(CONJOINED.match(before.group(2))) or bool(LIST_GOES_ON.match(text, anchor.end))))
    return out


def _listed_name(text: str, start: int, end: int, lower_case: bool, conjoined: bool,
                 kept: Sequence[tuple[int, int]]) -> bool:
    from spacy.lang.en.stop_words import STOP_WORDS

    from releasebuild.privacy import lexicon
    from releasebuild.privacy.lookalikes import thing_not_person
    from releasebuild.privacy.recognizers import (
        BORROWED,
        DEITIES,
        NEVER_NAMED,
        NOT_NAMES,
        OPENERS,
        POSSESSIVE,
        PRONOUNS,
        english_at,
        public_reference,
        sentence_start,
        titled_thing,
    )

    item = text[start:end]
    if not english_at(text, start):
        return False
    words = [POSSESSIVE.sub("", word) for word in item.lower().split()]
    first = words[0]
    listed = lexicon.first_name(first)
    if (re.split(r"['’]", first)[0] in PRONOUNS or first in DEITIES or first in OPENERS or first in BORROWED
            or first in NEVER_NAMED or first in lexicon.CHAT_WORDS or first in lexicon.INTERJECTIONS):
        return False
    if any(lexicon.clinical(word) for word in words) and (lower_case or not listed):
        return False  # a pill that is a first name too is the name beside names ("Nicolas and Camila")
    if (first in STOP_WORDS or first in NOT_NAMES) and (lower_case or not listed or sentence_start(text, start)):
        return False  # "Else", "Will" beside names are names; "me", "Then" are not
    if lower_case:
        if lexicon.everyday(first) and not (listed and not lexicon.common(first)):
            return False  # "anna and the kids", "jenna and work"
    elif any(lexicon.common(word) and not lexicon.first_name(word) for word in words) and (
            not conjoined or sentence_start(text, start)):
        return False  # "Anyway, Sarah", "Today, Nils and I", "Dr. Virginia Chow, Montreal Psychologist."
    if any(s <= start < e for s, e in kept) and (lower_case or not listed):
        return False
    return not (thing_not_person(text, "PERSON", start, end) or public_reference(text, start, end)
                or titled_thing(text, start, end))


def after_resolving(text: str, findings: list[Finding], kept: Sequence[tuple[int, int]]) -> list[Finding]:
    """The passes that judge resolved findings together, in the order they build on one another; `kept`: where the
    keep-list's terms and the public figures stand (lexicon.kept_spans), which the scan has found already."""
    joined = address_line_parts(text, numbers_after_streets(text, join_house_numbers(text, with_house_suffixes(
        text, findings))))
    return numbers_beside_names(text, names_beside_names(text, joined, kept))
