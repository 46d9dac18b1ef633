"""What a redacted span becomes: a numbered placeholder or a realistic surrogate, and the keyed hash of an identifier.

Placeholders are numbered per conversation, so `<PERSON_1>` is the same person in every turn and a model still
learns who said what to whom. Surrogates (Faker) read like the original type and script: an identifier the detector
missed then hides among surrogates instead of standing out next to `<PERSON>` tags. Both are deterministic per
(release salt, record, original value): a rebuild gives the same bytes, two records give unrelated values, and
nothing in the output can be traced back without the mapping, which is written only to `restricted/`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Any, Literal

Redaction = Literal["placeholder", "surrogate"]
# `<PERSON>` (detector versions before numbering), `<PERSON_1>` (published), `<PERSON_1.2>` (while redacting)
PLACEHOLDER = re.compile(r"<([A-Z_]+?)(?:_(\d+)(?:\.(\d+))?)?>")
# A name inside a longer one ("Maria" after "Maria Lopez") is the same person: only for these types.
NAME_TYPES = frozenset({"PERSON"})
_WORD = re.compile(r"\w+")
# The Faker locale whose names and places are written in the original's script.
_SCRIPTS: tuple[tuple[str, str], ...] = (
    ("\u0400-\u052f", "ru_RU"), ("\u0370-\u03ff", "el_GR"), ("\u0590-\u05ff", "he_IL"), ("\u0600-\u06ff", "ar_AA"),
    ("\u0900-\u097f", "hi_IN"), ("\u0e00-\u0e7f", "th_TH"), ("\uac00-\ud7af\u1100-\u11ff", "ko_KR"),
    ("\u3040-\u30ff", "ja_JP"), ("\u4e00-\u9fff\u3400-\u4dbf", "zh_CN"),
)
_SCRIPT_PATTERNS = tuple((re.compile(f"[{chars}]"), locale) for chars, locale in _SCRIPTS)


def keyed_id(salt: str, value: str) -> str:
    """A stable stand-in for an id or group key that holds PII: HMAC-SHA256 under the release's privacy salt, so
    the same value maps to the same stand-in in every artifact and release, and guessing needs the salt."""
    return "pid-" + hmac.new(salt.encode("utf-8"), value.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


def normalized(value: str) -> str:
    """The spelling-independent form two mentions of one value share ("Maria", "MARIA", "maria")."""
    return " ".join(value.casefold().split())


@dataclass
class Pseudonyms:
    """One conversation's replacements: each distinct original value gets one number (and one surrogate).

    While a record is redacted and re-scanned, a span becomes `<ENTITY_n.k>`: value n, spelled as its k-th mention
    ("Maria" and "Maria Lopez" are one person, two mentions). `final` then writes `<ENTITY_n>`, or a surrogate that
    keeps the mention's form: the surrogate's first name where the text had only the first name."""

    mode: Redaction
    salt: str
    record_id: str
    numbers: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # (entity, value) -> (n, k)
    mentions: dict[tuple[str, int], list[str]] = field(default_factory=dict)  # (entity, n) -> spellings, by k
    surrogates: dict[tuple[str, int], str] = field(default_factory=dict)

    def placeholder(self, entity: str, original: str) -> str:
        """`<ENTITY_n.k>`: n counts the distinct values of this type in the conversation, in order of appearance."""
        number, mention = self._number(entity, original)
        return f"<{entity}_{number}.{mention}>"

    def _number(self, entity: str, original: str) -> tuple[int, int]:
        key = (entity, normalized(original))
        found = self.numbers.get(key)
        if found is not None:
            return found
        number = self._same_name(entity, key[1]) if entity in NAME_TYPES else None
        if number is None:
            number = 1 + sum(1 for known_entity, _ in self.mentions if known_entity == entity)
            self.mentions[(entity, number)] = []
        self.mentions[(entity, number)].append(original)
        self.numbers[key] = found = (number, len(self.mentions[(entity, number)]))
        return found

    def _same_name(self, entity: str, value: str) -> int | None:
        """The number of a name this one is part of, or that is part of it ("Maria" and "Maria Lopez")."""
        words = set(_WORD.findall(value))
        for (known_entity, known), (number, _) in self.numbers.items():
            if known_entity == entity and words and (words <= set(_WORD.findall(known))
                                                     or set(_WORD.findall(known)) <= words):
                return number
        return None

    def final(self, text: str) -> str:
        """Text for publishing: `<ENTITY_n>` placeholders (mode placeholder) or surrogates (mode surrogate)."""
        return PLACEHOLDER.sub(self._published, text)

    def _published(self, match: re.Match[str]) -> str:
        entity, number, mention = match.group(1), match.group(2), match.group(3)
        slot = (entity, int(number)) if number is not None else None
        if slot is None or mention is None or slot not in self.mentions:
            return match.group(0)  # a placeholder-like string that was in the source text
        if self.mode == "placeholder":
            return f"<{entity}_{number}>"
        spelling = self.mentions[slot][int(mention) - 1]
        return _same_case(_part(self._surrogate(slot), self._canonical(slot), spelling), spelling)

    def _canonical(self, slot: tuple[str, int]) -> str:
        """The fullest spelling of a value (most words, then first seen): what its surrogate is made from."""
        return max(self.mentions[slot], key=lambda spelling: len(spelling.split()))

    def _surrogate(self, slot: tuple[str, int]) -> str:
        if slot not in self.surrogates:
            taken = set(self.surrogates.values())
            original = self._canonical(slot)
            value = original
            for attempt in range(8):  # two values never share a surrogate, and none keeps its original
                value = surrogate(slot[0], original, f"{self.salt}\0{self.record_id}\0{attempt}")
                if value not in taken and normalized(value) != normalized(original):
                    break
            self.surrogates[slot] = value
        return self.surrogates[slot]

    def mapping(self) -> list[dict[str, Any]]:
        """Every value replaced in this conversation, its spellings and what replaced it: restricted area only."""
        return [{"entity": entity, "number": number, "originals": spellings,
                 "replacement": self._surrogate((entity, number)) if self.mode == "surrogate"
                 else f"<{entity}_{number}>"}
                for (entity, number), spellings in sorted(self.mentions.items())]


def _part(replacement: str, canonical: str, spelling: str) -> str:
    """The words of `replacement` in the places `spelling` takes in `canonical`: "Maria" of "Maria Lopez" is the
    surrogate's first word; anything else gets the whole surrogate."""
    full, mention, fake = canonical.split(), spelling.split(), replacement.split()
    if len(mention) >= len(full) or len(full) != len(fake):
        return replacement
    folded = [normalized(word) for word in full]
    wanted = [normalized(word) for word in mention]
    if folded[:len(wanted)] == wanted:
        return " ".join(fake[:len(wanted)])
    if folded[-len(wanted):] == wanted:
        return " ".join(fake[-len(wanted):])
    return replacement


def surrogate(entity: str, original: str, seed: str) -> str:
    """A fake value of the same type, locale and letter case as `original`, fixed by (seed, original)."""
    digest = hashlib.sha256(f"{seed}\0{entity}\0{normalized(original)}".encode()).digest()
    fake = _faker(_locale(original))
    fake.seed_instance(int.from_bytes(digest[:8], "big"))
    make = _MAKERS.get(entity, _same_shape)
    return _same_case(make(fake, original), original)


def _locale(original: str) -> str:
    for pattern, locale in _SCRIPT_PATTERNS:
        if pattern.search(original):
            return locale
    return "en_US"


@functools.lru_cache(maxsize=16)
def _faker(locale: str) -> Any:
    from faker import Faker

    return Faker(locale)


def _person(fake: Any, original: str) -> str:
    words = len(original.split())
    if words >= 2 or _locale(original) in ("zh_CN", "ja_JP", "ko_KR"):
        return f"{fake.first_name()} {fake.last_name()}" if _locale(original) == "en_US" else str(fake.name())
    return str(fake.first_name())


def _location(fake: Any, original: str) -> str:
    if "\n" in original:
        return str(fake.address())
    if any(ch.isdigit() for ch in original):
        return str(fake.street_address())
    return str(fake.city())


def _date(fake: Any, original: str) -> str:
    value = fake.date_between(start_date="-30y", end_date="today")
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", original.strip()):
        separator = re.findall(r"[/.-]", original)[0]
        return str(value.strftime(f"%m{separator}%d{separator}%Y"))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", original.strip()):
        return str(value.isoformat())
    return f"{value.strftime('%B')} {value.day}, {value.year}"


def _same_shape(fake: Any, original: str) -> str:
    """Every digit another digit and every letter another letter: an ID number keeps its format."""
    out = []
    for ch in original:
        if ch.isdigit():
            out.append(str(fake.random_digit()))
        elif ch.isalpha() and ch.isascii():
            letter = fake.random_uppercase_letter()
            out.append(letter if ch.isupper() else letter.lower())
        else:
            out.append(ch)
    return "".join(out)


def _age(fake: Any, original: str) -> str:
    number = re.search(r"\d+", original)
    if number is None:
        return _same_shape(fake, original)
    return original[:number.start()] + str(fake.random_int(18, 80)) + original[number.end():]


_MAKERS: dict[str, Any] = {
    "PERSON": _person,
    "LOCATION": _location,
    "DATE_TIME": _date,
    "PHONE_NUMBER": lambda fake, _: fake.phone_number(),
    "EMAIL_ADDRESS": lambda fake, _: fake.email(safe=True),
    "URL": lambda fake, _: fake.url(),
    "IP_ADDRESS": lambda fake, original: fake.ipv6() if ":" in original else fake.ipv4(),
    "IBAN_CODE": lambda fake, _: fake.iban(),
    "CREDIT_CARD": lambda fake, _: fake.credit_card_number(),
    "YEAR": lambda fake, _: str(fake.random_int(1960, 2015)),
    "AGE": _age,
    "AGE_OVER_89": lambda fake, original: re.sub(r"\d+", "90+", original, count=1),
    "WEEKDAY": lambda fake, _: fake.day_of_week(),
}


def _same_case(value: str, original: str) -> str:
    if original.isupper() and any(ch.isalpha() for ch in original):
        return value.upper()
    if original.islower():
        return value.lower()
    return value
