#!/usr/bin/env python3
"""Generate the synthetic, labelled PII evaluation corpus: ``tuning.jsonl``, ``report.jsonl``, ``dev.jsonl``,
``dev2.jsonl``, ``report2.jsonl``, ``dev3.jsonl``, ``dev4.jsonl``, ``dev5.jsonl``, ``dev6.jsonl`` and ``dev7.jsonl``.

    python evaluation/pii/generate.py [--out-dir DIR] [--per-half N] [--half NAME ...]

The ten halves use pairwise disjoint template sets (``templates_tuning.py`` / ``templates_report.py`` /
``templates_dev.py`` / ``templates_dev2.py`` / ``templates_report2.py`` / ``templates_dev3.py`` /
``templates_dev4.py`` / ``templates_dev5.py`` / ``templates_dev6.py`` / ``templates_dev7.py``) and different seeds.
``dev``, ``dev2``, ``dev3``, ``dev4``, ``dev5``, ``dev6`` and ``dev7`` are further tuning halves, each written later and
independently.
``report2`` (written independently, before ``dev3``) is the frozen report half: never tune a detector on it.
``report.jsonl`` was looked at repeatedly during tuning and is now kept as a further tuning / comparison half.
Every example seeds its own ``random.Random`` and every Faker it touches, so the output is byte-identical across
runs (with the pinned ``faker==40.54.0``).

Output line::

    {"id": "tun-00001", "text": "...", "locale": "de_DE", "template": "tu_addr_01", "shapes": [...],
     "spans": [{"start": 10, "end": 22, "type": "PERSON", "identifier": "direct"}, ...]}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import faker
import faker.providers.date_time as faker_clock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import templates_dev  # noqa: E402
import templates_dev2  # noqa: E402
import templates_dev3  # noqa: E402
import templates_dev4  # noqa: E402
import templates_dev5  # noqa: E402
import templates_dev6  # noqa: E402
import templates_dev7  # noqa: E402
import templates_report  # noqa: E402
import templates_report2  # noqa: E402
import templates_tuning  # noqa: E402
from pii_values import (  # noqa: E402
    DATE_STYLES,
    EXTRA_DATE_STYLES,
    FILLERS,
    NON_LATIN_LOCALES,
    SPAN_TYPES,
    Ctx,
    FakerPool,
    Line,
    Name,
    Persona,
    Seg,
    card_number,
    date_spoken,
    date_with_weekday,
    double_barrelled,
    email_spelled,
    first_name_ending_s,
    format_date,
    format_date_extra,
    iban_display,
    initial_surname,
    intersection,
    ip_address,
    is_latin_text,
    military,
    name_with_particle,
    name_word,
    personal_url,
    phone_dashed,
    phone_dotted,
    phone_plain,
    phone_spoken,
    random_date,
)
from template_spec import Template  # noqa: E402

FAKER_VERSION = "40.54.0"
HALVES = {
    # name: (id prefix, template module, base seed)
    "tuning": ("tun", templates_tuning, 11_000_000),
    "report": ("rep", templates_report, 22_000_000),
    "dev": ("dev", templates_dev, 33_000_000),
    "dev2": ("dv2", templates_dev2, 44_000_000),
    "report2": ("r2", templates_report2, 55_000_000),
    "dev3": ("d3", templates_dev3, 66_000_000),
    "dev4": ("d4", templates_dev4, 77_000_000),
    "dev5": ("d5", templates_dev5, 88_000_000),
    "dev6": ("d6", templates_dev6, 99_000_000),
    "dev7": ("d7", templates_dev7, 111_000_000),
}
DEFAULT_PER_HALF = 2000
# Faker draws some values relative to today (a date of birth, el_GR's AMKA, a `year()` inside some locales'
# user names), so the committed halves would change as the wall clock moves.  Every half was generated (or checked)
# with Faker's clock at this instant; pin_fakers_clock() holds it there, so a fresh run reproduces them on any day.
FAKER_CLOCK = dt.datetime(2026, 12, 5, 4, 43, 0)


class _PinnedDateTime(dt.datetime):
    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _PinnedDateTime:  # type: ignore[override]
        pinned = cls.combine(FAKER_CLOCK.date(), FAKER_CLOCK.time())
        return pinned if tz is None else pinned.replace(tzinfo=dt.UTC).astimezone(tz)

    @classmethod
    def today(cls) -> _PinnedDateTime:  # type: ignore[override]
        return cls.now()


class _PinnedDate(dt.date):
    @classmethod
    def today(cls) -> _PinnedDate:  # type: ignore[override]
        return cls(FAKER_CLOCK.year, FAKER_CLOCK.month, FAKER_CLOCK.day)


def pin_fakers_clock() -> None:
    """Replace the two clock names Faker's date_time provider reads (`datetime`, `dtdate`) with FAKER_CLOCK."""
    faker_clock.datetime = _PinnedDateTime  # type: ignore[misc]
    faker_clock.dtdate = _PinnedDate  # type: ignore[misc]
LOCALE_WEIGHTS = {"en_US": 3, "en_GB": 2}
CLEAN_SHARE = 0.2

_ALT = re.compile(r"\[\[(.*?)\]\]", re.S)
_SLOT = re.compile(r"\{([a-z_0-9]+)(?::(lower|upper|cap))?\}")
_WORD = re.compile(r"\w+")

NUMERIC_DATE_STYLES = ("num", "num_short", "dot", "iso")
WORD_DATE_STYLES = ("month_dth_y", "d_month_y", "dd_mon_yyyy", "dth_month_y", "month_d_lower")
PARTIAL_DATE_STYLES = ("dth_of_month", "mon_yy", "month_d")
RANKS = ("SGT", "SPC", "PFC", "LT", "CPT", "SSgt", "PO2", "Cpl", "MSgt", "SrA", "Lt Col", "HM3")


def _lines(lines: list[Line], sep: str = "\n") -> list[Seg]:
    out: list[Seg] = []
    for i, line in enumerate(lines):
        if i:
            out.append((sep, None))
        out.extend(line)
    return out


class Renderer:
    """Resolves the slots of one template for one example.

    Person slots (suffix 2-4 = another person): ``name first last name_mi first_s phone phone_ext email handle
    handle_at handle_bare url addr addr_c addr_nc addr_line street street_sn unit bldg city town state postcode
    po_box natid natid_label health health_label ssn passport dl iban dob dob_num dob_words dob_partial``.
    Other PII slots: ``card card12 card_long ipv4 ipv6 ip intersection mil mil_inline date date_words date_day``.
    Used by the later halves only: ``nick`` (dev, dev2); ``name_init phone_plain email_spelled dob_more`` (person
    slots) and ``date_more date_span`` (dev2 only).  Dev3 only: ``phone_dots`` (person slot) and ``date_num``.
    Dev4 only: ``phone_dash phone_spoken dob_spoken first_word name_particle name_barrel`` (person slots) and
    ``date_spoken date_dow``.  Dev5, dev6 and dev7 add no slot (they use the slots above).
    Fillers (never labelled): every key of ``pii_values.FILLERS`` and ``rank``.
    """

    def __init__(self, c: Ctx, template: Template) -> None:
        self.c = c
        self.template = template
        if template.script == "latin":
            native = False
        elif template.script == "native":
            native = True
        else:
            native = c.locale in NON_LATIN_LOCALES and c.chance(0.5)
        self.native = native
        self.people: dict[int, Persona] = {}
        self.cache: dict[str, list[Seg]] = {}

    def person(self, idx: int) -> Persona:
        if idx not in self.people:
            gender = dict(self.template.genders).get(idx)
            self.people[idx] = Persona(self.c, self.c.locale, self.native, gender)
        return self.people[idx]

    # -- slot resolution ---------------------------------------------------------------------------------------
    def _known(self, base: str) -> bool:
        return base in FILLERS or base == "rank" or hasattr(self, f"_slot_{base}")

    def resolve(self, name: str) -> list[Seg]:
        """Values for ``{name}``; a trailing 2-4 that is not part of a slot name selects another person/draw."""
        if name not in self.cache:
            base, idx = name, 1
            if not self._known(name) and name[-1] in "234" and self._known(name[:-1]):
                base, idx = name[:-1], int(name[-1])
            self.cache[name] = self._make(base, idx)
        return self.cache[name]

    def _make(self, base: str, idx: int) -> list[Seg]:
        c = self.c
        if base in FILLERS:
            return [(c.rng.choice(FILLERS[base]), None)]
        if base == "rank":
            return [(c.rng.choice(RANKS), None)]
        maker = getattr(self, f"_slot_{base}", None)
        if maker is None:
            raise KeyError(f"unknown slot {base!r} in template {self.template.tid}")
        return maker(idx)  # type: ignore[no-any-return]

    # names
    def _slot_name(self, i: int) -> list[Seg]:
        return [(self.person(i).name.full, "PERSON")]

    def _slot_first(self, i: int) -> list[Seg]:
        return [(self.person(i).name.first, "PERSON")]

    def _slot_last(self, i: int) -> list[Seg]:
        return [(self.person(i).name.last, "PERSON")]

    def _slot_name_mi(self, i: int) -> list[Seg]:
        return [(self.person(i).name.with_initial, "PERSON")]

    def _slot_first_s(self, i: int) -> list[Seg]:
        p = self.person(i)
        return [(first_name_ending_s(self.c, p.locale, p.gender), "PERSON")]

    def _slot_nick(self, i: int) -> list[Seg]:
        """A nickname / short form of the person's first name ("Katarzyna" -> "Kat", "Kattie", "Kats").  Only the
        ``dev`` and ``dev2`` templates use it, so it draws nothing from the rng of the tuning and report halves."""
        return [(nickname(self.c, self.person(i).name), "PERSON")]

    # contact
    def _slot_phone(self, i: int) -> list[Seg]:
        return [(self.person(i).phone, "PHONE")]

    def _slot_phone_ext(self, i: int) -> list[Seg]:
        c = self.c
        base = re.sub(r"\s*(x|ext\.?)\s*\d+$", "", self.person(i).phone)
        ext = c.rng.choice([" ext. ", " x", " ext ", " extension ", " (ext. "]) + str(c.rng.randint(2, 4999))
        if ext.startswith(" (ext"):
            return [(base + ext, "PHONE"), (")", None)]
        return [(base + ext, "PHONE")]

    def _slot_email(self, i: int) -> list[Seg]:
        return [(self.person(i).email, "EMAIL")]

    def _slot_handle(self, i: int) -> list[Seg]:
        h = self.person(i).handle
        return [("@" + h if self.c.chance(0.6) else h, "USERNAME")]

    def _slot_handle_at(self, i: int) -> list[Seg]:
        return [("@" + self.person(i).handle, "USERNAME")]

    def _slot_handle_bare(self, i: int) -> list[Seg]:
        return [(self.person(i).handle, "USERNAME")]

    def _slot_url(self, i: int) -> list[Seg]:
        return [(personal_url(self.c, self.person(i)), "URL")]

    # addresses
    def _slot_addr(self, i: int) -> list[Seg]:
        return self._block(i, self.c.chance(0.35))

    def _slot_addr_c(self, i: int) -> list[Seg]:
        return self._block(i, True)

    def _slot_addr_nc(self, i: int) -> list[Seg]:
        return self._block(i, False)

    def _block(self, i: int, country: bool) -> list[Seg]:
        a = self.person(i).address
        lines = list(a.lines)
        if country:
            lines.append([(a.country, "COUNTRY")])
        return _lines(lines)

    def _slot_addr_line(self, i: int) -> list[Seg]:
        a = self.person(i).address
        segs = list(a.inline)
        if self.c.chance(0.25):
            segs += [(", ", None), (a.country, "COUNTRY")]
        return segs

    def _slot_street(self, i: int) -> list[Seg]:
        return [(self.person(i).address.street, "STREET_ADDRESS")]

    def _slot_street_sn(self, i: int) -> list[Seg]:
        a = self.person(i).address
        if a.street_then_number is None:
            raise ValueError(f"{self.c.locale} has no street-then-number layout ({self.template.tid})")
        return [(a.street_then_number, "STREET_ADDRESS")]

    def _slot_unit(self, i: int) -> list[Seg]:
        a = self.person(i).address
        return [(a.unit or f"Apt {self.c.rng.randint(1, 40)}{self.c.rng.choice('ABC')}", "STREET_ADDRESS")]

    def _slot_bldg(self, i: int) -> list[Seg]:
        return [(self.person(i).address.number, "STREET_ADDRESS")]

    def _slot_city(self, i: int) -> list[Seg]:
        return [(self.person(i).address.city, "CITY")]

    def _slot_town(self, i: int) -> list[Seg]:
        p = self.person(i)
        towns = p.profile.small_towns
        if towns:
            self.c.flag("small_town")
            return [(self.c.rng.choice(towns), "CITY")]
        return [(p.address.city, "CITY")]

    def _slot_state(self, i: int) -> list[Seg]:
        p = self.person(i)
        state = p.address.state or p.profile.state(self.c)
        if not state:
            raise ValueError(f"{self.c.locale} has no state ({self.template.tid})")
        return [(state, "STATE")]

    def _slot_postcode(self, i: int) -> list[Seg]:
        pc = self.person(i).address.postcode
        if not pc:
            raise ValueError(f"{self.c.locale} has no postcode ({self.template.tid})")
        return [(pc, "POSTCODE")]

    def _slot_po_box(self, i: int) -> list[Seg]:
        return [(self.person(i).profile.po_box(self.c), "STREET_ADDRESS")]

    # identifiers
    def _slot_natid(self, i: int) -> list[Seg]:
        ident = self.person(i).natid
        return [(ident.value, ident.type)]

    def _slot_natid_label(self, i: int) -> list[Seg]:
        return [(self.person(i).natid.label, None)]

    def _slot_health(self, i: int) -> list[Seg]:
        return [(self.person(i).health.value, self.person(i).health.type)]

    def _slot_health_label(self, i: int) -> list[Seg]:
        return [(self.person(i).health.label, None)]

    def _slot_ssn(self, i: int) -> list[Seg]:
        value = str(self.c.aux("en_US").ssn())
        if self.c.chance(0.15):
            value = value.replace("-", " ")
        return [(value, "SSN")]

    def _slot_passport(self, i: int) -> list[Seg]:
        return [(self.person(i).passport, "PASSPORT")]

    def _slot_dl(self, i: int) -> list[Seg]:
        return [(self.person(i).driver_license, "DRIVER_LICENSE")]

    def _slot_iban(self, i: int) -> list[Seg]:
        return [(iban_display(self.c, self.person(i).iban), "IBAN")]

    def _slot_card(self, i: int) -> list[Seg]:
        return [(card_number(self.c), "CREDIT_CARD")]

    def _slot_card12(self, i: int) -> list[Seg]:
        return [(card_number(self.c, "12"), "CREDIT_CARD")]

    def _slot_card_long(self, i: int) -> list[Seg]:
        return [(card_number(self.c, "long"), "CREDIT_CARD")]

    def _slot_ipv4(self, i: int) -> list[Seg]:
        return [(ip_address(self.c, 4), "IP_ADDRESS")]

    def _slot_ipv6(self, i: int) -> list[Seg]:
        return [(ip_address(self.c, 6), "IP_ADDRESS")]

    def _slot_ip(self, i: int) -> list[Seg]:
        return [(ip_address(self.c, self.c.rng.choice([4, 4, 6])), "IP_ADDRESS")]

    def _slot_intersection(self, i: int) -> list[Seg]:
        return [(intersection(self.c), "STREET_ADDRESS")]

    def _slot_mil(self, i: int) -> list[Seg]:
        return _lines(military(self.c))

    def _slot_mil_inline(self, i: int) -> list[Seg]:
        return _lines(military(self.c), sep=", ")

    # dates
    def _fmt(self, when: dt.date, styles: Sequence[str]) -> list[Seg]:
        style = self.c.rng.choice(list(styles))
        return format_date(when, style, self.c.locale, self.c.rng)

    def _all_styles(self, dob: bool) -> tuple[str, ...]:
        styles = [s for s in DATE_STYLES if s not in ("cjk", "the_dth")]
        if not dob:
            styles.append("the_dth")
        if self.native and self.c.locale in ("ja_JP", "zh_CN", "ko_KR"):
            styles += ["cjk", "cjk", "cjk"]
        return tuple(styles)

    def _slot_dob(self, i: int) -> list[Seg]:
        return self._fmt(self.person(i).dob, self._all_styles(dob=True))

    def _slot_dob_num(self, i: int) -> list[Seg]:
        return self._fmt(self.person(i).dob, NUMERIC_DATE_STYLES)

    def _slot_dob_words(self, i: int) -> list[Seg]:
        return self._fmt(self.person(i).dob, WORD_DATE_STYLES)

    def _slot_dob_partial(self, i: int) -> list[Seg]:
        return self._fmt(self.person(i).dob, PARTIAL_DATE_STYLES)

    def _event_date(self) -> dt.date:
        return random_date(self.c.rng, dt.date(2017, 1, 1), dt.date(2025, 12, 31))

    def _slot_date(self, i: int) -> list[Seg]:
        return self._fmt(self._event_date(), self._all_styles(dob=False))

    def _slot_date_words(self, i: int) -> list[Seg]:
        return self._fmt(self._event_date(), WORD_DATE_STYLES + PARTIAL_DATE_STYLES)

    def _slot_date_day(self, i: int) -> list[Seg]:
        return self._fmt(self._event_date(), ("the_dth",))

    # dev2-only slots: only ``templates_dev2`` uses them, so they draw nothing from the rng of the other halves.
    def _slot_name_init(self, i: int) -> list[Seg]:
        """First initial + surname: ``J. Kowalski``."""
        return [(initial_surname(self.person(i).name), "PERSON")]

    def _slot_phone_plain(self, i: int) -> list[Seg]:
        """The person's phone typed without separators: ``+4915112345678``."""
        return [(phone_plain(self.person(i).phone), "PHONE")]

    def _slot_email_spelled(self, i: int) -> list[Seg]:
        """The person's e-mail written out: ``anna dot nowak at gmail dot com``."""
        return [(email_spelled(self.c, self.person(i).email), "EMAIL")]

    def _extra_styles(self) -> tuple[str, ...]:
        styles: tuple[str, ...] = EXTRA_DATE_STYLES
        if self.native and self.c.locale in ("ja_JP", "zh_CN", "ko_KR"):
            styles += ("cjk", "cjk")
        return styles

    def _fmt_extra(self, when: dt.date) -> list[Seg]:
        style = self.c.rng.choice(list(self._extra_styles()))
        if style == "cjk":
            return format_date(when, style, self.c.locale, self.c.rng)
        return format_date_extra(when, style, self.c.locale, self.c.rng)

    def _slot_dob_more(self, i: int) -> list[Seg]:
        """Date of birth in one of ``pii_values.EXTRA_DATE_STYLES`` (forms the older halves do not produce)."""
        return self._fmt_extra(self.person(i).dob)

    def _slot_date_more(self, i: int) -> list[Seg]:
        return self._fmt_extra(self._event_date())

    def _slot_date_span(self, i: int) -> list[Seg]:
        """A date range: two DATE spans in the same style, 2-40 days apart (``3 May 2024 to 9 May 2024``)."""
        c = self.c
        start = self._event_date()
        end = start + dt.timedelta(days=c.rng.randint(2, 40))
        style = c.rng.choice(["num", "iso", "d_month_y", "month_d", "dth_of_month", "dot", "month_dth_y", "the_dth"])
        sep = c.rng.choice([" to ", " until ", " - ", " through ", " till "])
        seed = c.rng.getrandbits(32)  # the same sub-choices (padding, separator) for both ends
        first = format_date(start, style, c.locale, random.Random(seed))
        second = format_date(end, style, c.locale, random.Random(seed))
        return first + [(sep, None)] + second

    # dev3-only slots: only ``templates_dev3`` uses them, so they draw nothing from the rng of the other halves.
    def _slot_phone_dots(self, i: int) -> list[Seg]:
        """The person's phone with dots between the digit groups: ``+44.20.7946.0958``."""
        return [(phone_dotted(self.person(i).phone), "PHONE")]

    def _slot_date_num(self, i: int) -> list[Seg]:
        """An event date in a numeric style (``03/04/2024``, ``3/4/24``, ``4.3.2024``, ``2024-03-04``)."""
        return self._fmt(self._event_date(), NUMERIC_DATE_STYLES)

    # dev4-only slots: only ``templates_dev4`` uses them, so they draw nothing from the rng of the other halves.
    def _slot_phone_dash(self, i: int) -> list[Seg]:
        """The person's phone with hyphens between the digit groups: ``+44-20-7946-0958``."""
        return [(phone_dashed(self.person(i).phone), "PHONE")]

    def _slot_phone_spoken(self, i: int) -> list[Seg]:
        """The person's phone spelled out as dictated: ``plus four four, two oh, seven nine four six, ...``."""
        return [(phone_spoken(self.c.rng, self.person(i).phone), "PHONE")]

    def _slot_dob_spoken(self, i: int) -> list[Seg]:
        """Date of birth spelled out: ``March fourth nineteen eighty seven`` (``the`` outside the span)."""
        return date_spoken(self.person(i).dob, self.c.rng)

    def _slot_date_spoken(self, i: int) -> list[Seg]:
        """An event date spelled out, with or without the year."""
        return date_spoken(self._event_date(), self.c.rng, with_year=self.c.chance(0.5))

    def _slot_date_dow(self, i: int) -> list[Seg]:
        """An event date after its real weekday (``Tue 4 March 2025``); the weekday stays outside the span."""
        return date_with_weekday(self._event_date(), self.c.locale, self.c.rng)

    def _slot_first_word(self, i: int) -> list[Seg]:
        """A first name that is also an English word (Hope, Will, Grace, Mark...), matching the person's gender."""
        return [(name_word(self.c, self.person(i).gender), "PERSON")]

    def _slot_name_particle(self, i: int) -> list[Seg]:
        """First name + a surname with a particle (``van der Meer``, ``dos Santos``, ``Ní Bhriain``, ``bin``)."""
        p = self.person(i)
        return [(name_with_particle(self.c, p.name, p.locale, p.gender), "PERSON")]

    def _slot_name_barrel(self, i: int) -> list[Seg]:
        """First name + a double-barrelled surname (``Price-Okafor``; two surnames for es / pt)."""
        p = self.person(i)
        return [(double_barrelled(self.c, p.name, p.locale, p.gender), "PERSON")]


_VOWELS = set("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýAEIOUYÀÁÂÃÄÅÆÈÉÊËÌÍÎÏÒÓÔÕÖØÙÚÛÜÝ")


def nickname(c: Ctx, name: Name) -> str:
    """A short, familiar form of a first name.  Non-Latin names keep their given name (a diminutive there would be
    invented); Latin names are cut after the first vowel group plus one consonant and get a familiar ending."""
    first = re.split(r"[\s-]", name.first)[0]
    if name.native or not first.isalpha() or len(first) <= 3:
        return first
    i = 1 if first[0] not in _VOWELS else 0
    while i < len(first) and first[i] not in _VOWELS:
        i += 1
    while i < len(first) and first[i] in _VOWELS:
        i += 1
    stem = first[: min(i + 1, len(first))]
    if len(stem) < 2 or stem == first:
        return first
    stem = stem[0].upper() + stem[1:].lower()
    ending = c.rng.choice(["", "", "ie", "y", "s", "o", "a"])
    if ending and stem[-1].lower() in _VOWELS:
        ending = ending if ending in ("s",) else ""
    if ending == "ie" and stem[-1] in "bcdfgklmnprtz":
        stem += stem[-1]  # Kat -> Kattie, Ben -> Bennie
    return stem + ending


# --------------------------------------------------------------------------------------------------------------
# Rendering and validation
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Example:
    text: str
    locale: str
    template: str
    shapes: list[str]
    spans: list[dict[str, object]]


def _case(text: str, mode: str) -> str:
    if mode == "lower":
        return text.lower()
    if mode == "upper":
        return text.upper()
    if mode == "cap":
        return text[:1].upper() + text[1:]
    return text


def _trim_value(value: str, typ: str | None) -> list[Seg]:
    if typ is None or value == value.strip():
        return [(value, typ)]
    core = value.strip()
    lead, trail = value[: len(value) - len(value.lstrip())], value[len(value.rstrip()) :]
    return [(x, t) for x, t in ((lead, None), (core, typ), (trail, None)) if x]


def render(template: Template, c: Ctx) -> Example:
    """Render one template into text + spans, then validate the spans."""
    r = Renderer(c, template)
    text = _ALT.sub(lambda m: c.rng.choice(m.group(1).split("|")), template.text)
    segs: list[Seg] = []
    pos = 0
    for m in _SLOT.finditer(text):
        segs.append((text[pos : m.start()], None))
        for value, typ in r.resolve(m.group(1)):
            segs.append((_case(value, m.group(2) or ""), typ))
        pos = m.end()
    segs.append((text[pos:], None))
    # A few Faker values carry stray outer whitespace (en_IN "Khora "); keep it as literal text so the span stays
    # exact.  (A no-op for tuning/report: such a value there would have failed ``validate``.)
    segs = [part for v, t in segs for part in _trim_value(v, t)]
    if template.case != "as_is":
        segs = [(_case(v, template.case), t) for v, t in segs]

    out: list[str] = []
    spans: list[dict[str, object]] = []
    cursor = 0
    for value, typ in segs:
        if typ is not None:
            spans.append({"start": cursor, "end": cursor + len(value), "type": typ, "identifier": SPAN_TYPES[typ]})
        out.append(value)
        cursor += len(value)
    full = "".join(out)
    values = [v for v, t in segs if t is not None]
    validate(full, spans, values, template)
    shapes = list(template.shapes) + auto_shapes(full, spans, c, r, template)
    return Example(full, "en" if template.clean else c.locale, template.tid, sorted(set(shapes)), spans)


def _latin_alnum(ch: str) -> bool:
    return ch.isalnum() and (ch.isascii() or is_latin_text(ch))


def validate(text: str, spans: list[dict[str, object]], values: list[str], template: Template) -> None:
    """Every span matches its inserted value, spans don't overlap, and boundaries fall between tokens."""
    if template.clean:
        assert not spans, f"clean template {template.tid} produced spans"
    prev_end = -1
    for span, value in zip(spans, values, strict=True):
        start, end, typ = int(span["start"]), int(span["end"]), str(span["type"])  # type: ignore[call-overload]
        assert text[start:end] == value, (template.tid, text[start:end], value)
        assert typ in SPAN_TYPES, typ
        assert value and value == value.strip(), (template.tid, repr(value))
        assert _WORD.search(value), (template.tid, value)
        assert start >= prev_end, (template.tid, "overlap", spans)
        prev_end = end
        if start > 0 and _latin_alnum(text[start - 1]) and _latin_alnum(text[start]):
            raise AssertionError(f"{template.tid}: span starts inside a word: {text!r} {span}")
        if end < len(text) and _latin_alnum(text[end - 1]) and _latin_alnum(text[end]):
            raise AssertionError(f"{template.tid}: span ends inside a word: {text!r} {span}")


def auto_shapes(
    text: str, spans: list[dict[str, object]], c: Ctx, r: Renderer, template: Template
) -> list[str]:
    """Shape tags that follow from the values themselves (so templates need not predict them)."""
    tags: list[str] = [f for f in c.flags if not f.startswith("_")]
    for span in spans:
        value = text[int(span["start"]) : int(span["end"])]  # type: ignore[call-overload]
        typ = span["type"]
        start, end = int(span["start"]), int(span["end"])  # type: ignore[call-overload]
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        own_line = text[line_start : len(text) if line_end < 0 else line_end].strip() == value
        if typ == "PERSON":
            if not is_latin_text(value):
                tags.append("name_non_latin")
            elif c.locale in NON_LATIN_LOCALES:
                tags.append("name_romanised")
            if value.islower():
                tags.append("name_lowercase")
            elif value.isupper() and len(value) > 1:
                tags.append("name_allcaps")
        elif typ == "CITY" and value not in ("APO", "FPO", "DPO"):
            if own_line:
                tags.append("town_own_line")
            if value.isupper() and len(value) > 1:
                tags.append("town_allcaps")
        elif typ == "PHONE":
            tags.append("phone_us" if c.locale == "en_US" else "phone_non_us")
        elif typ == "CREDIT_CARD":
            digits = sum(ch.isdigit() for ch in value)
            tags.append("card_12_digit" if digits == 12 else "card_13_19_digit")
        elif typ == "IP_ADDRESS":
            tags.append("ip_v6" if ":" in value else "ip_v4")
        elif typ == "COUNTRY":
            tags.append("address_with_country")
        elif typ == "STREET_ADDRESS" and not is_latin_text(value):
            tags.append("address_non_latin")
        elif typ == "DATE":
            tags.append("date")
        simple = {"EMAIL": "email", "IBAN": "iban", "URL": "url", "USERNAME": "username", "SSN": "ssn",
                  "PASSPORT": "passport", "NATIONAL_ID": "national_id", "DRIVER_LICENSE": "driver_license"}
        if typ in simple:
            tags.append(simple[str(typ)])
    return tags


# --------------------------------------------------------------------------------------------------------------
# Halves
# --------------------------------------------------------------------------------------------------------------


def pick_locale(rng: random.Random, locales: Sequence[str]) -> str:
    """US and UK English are over-weighted (3x, 2x): most of the real traffic is from there."""
    weights = [LOCALE_WEIGHTS.get(code, 1) for code in locales]
    return rng.choices(list(locales), weights=weights)[0]


def generate_half(name: str, per_half: int) -> list[dict[str, object]]:
    prefix, module, base_seed = HALVES[name]
    pii_templates: list[Template] = list(module.PII_TEMPLATES)
    clean_templates: list[Template] = list(module.CLEAN_TEMPLATES)
    n_clean = round(per_half * CLEAN_SHARE)
    n_pii = per_half - n_clean
    order_rng = random.Random(base_seed)
    order_rng.shuffle(pii_templates)
    order_rng.shuffle(clean_templates)
    plan = [pii_templates[i % len(pii_templates)] for i in range(n_pii)]
    plan += [clean_templates[i % len(clean_templates)] for i in range(n_clean)]

    pool = FakerPool()
    examples: list[Example] = []
    for i, template in enumerate(plan):
        seed = base_seed + i + 1
        rng = random.Random(seed)
        pool.start(seed)
        locale = "en_US" if template.clean else pick_locale(rng, template.locales)
        ctx = Ctx(rng=rng, pool=pool, locale=locale)
        examples.append(render(template, ctx))

    random.Random(base_seed + 999_983).shuffle(examples)
    rows: list[dict[str, object]] = []
    for n, ex in enumerate(examples, start=1):
        rows.append({"id": f"{prefix}-{n:05d}", "text": ex.text, "locale": ex.locale, "template": ex.template,
                     "shapes": ex.shapes, "spans": ex.spans})
    return rows


def check_disjoint() -> None:
    """No two halves (tuning, report, dev, dev2, report2, dev3, dev4, dev5, dev6, dev7) may share a template id or a
    template text."""
    groups = {name: list(module.PII_TEMPLATES) + list(module.CLEAN_TEMPLATES)
              for name, (_prefix, module, _seed) in HALVES.items()}
    for name, group in groups.items():
        ids = [t.tid for t in group]
        dupes = [k for k, v in Counter(ids).items() if v > 1]
        assert not dupes, f"duplicate template ids in {name}: {dupes}"
    names = list(groups)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            shared_ids = {t.tid for t in groups[a]} & {t.tid for t in groups[b]}
            assert not shared_ids, f"template ids shared between {a} and {b}: {sorted(shared_ids)[:3]}"
            shared = {t.text for t in groups[a]} & {t.text for t in groups[b]}
            assert not shared, f"template texts shared between {a} and {b}: {sorted(shared)[:3]}"


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, separators=(", ", ": ")) + "\n")


def summary(rows: list[dict[str, object]]) -> str:
    n_clean = sum(1 for r in rows if not r["spans"])
    types: Counter[str] = Counter()
    shapes: Counter[str] = Counter()
    locales: Counter[str] = Counter()
    for r in rows:
        spans: list[dict[str, object]] = r["spans"]  # type: ignore[assignment]
        types.update(str(s["type"]) for s in spans)
        shapes.update(str(x) for x in r["shapes"])  # type: ignore[attr-defined]
        locales[str(r["locale"])] += 1
    lines = [f"texts {len(rows)}  clean {n_clean}  spans {sum(types.values())}  locales {len(locales) - 1}"]
    lines.append("  types:  " + ", ".join(f"{k} {v}" for k, v in sorted(types.items())))
    lines.append("  shapes: " + ", ".join(f"{k} {v}" for k, v in sorted(shapes.items())))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent)
    ap.add_argument("--per-half", type=int, default=DEFAULT_PER_HALF)
    ap.add_argument("--half", action="append", choices=list(HALVES), dest="halves",
                    help="generate only this half (repeatable; default: all of " + ", ".join(HALVES) + ")")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if faker.VERSION != FAKER_VERSION:
        print(f"warning: faker {faker.VERSION} != pinned {FAKER_VERSION}; output will differ", file=sys.stderr)
    check_disjoint()
    pin_fakers_clock()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name in args.halves or list(HALVES):
        rows = generate_half(name, args.per_half)
        write_jsonl(args.out_dir / f"{name}.jsonl", rows)
        if not args.quiet:
            print(f"{name}: {summary(rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
