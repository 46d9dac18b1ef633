"""Template definition shared by the two disjoint template sets (``templates_tuning.py``, ``templates_report.py``).

Template text mini-language:

* ``{slot}`` inserts a value; ``{slot:mod}`` applies ``lower``, ``upper`` or ``cap`` to it.  A trailing digit picks
  another person (``{name2}``, ``{phone2}``) or another independent filler draw (``{med2}``).
* ``[[a|b|c]]`` picks one alternative (alternatives may contain slots; an empty alternative is allowed).
* Literal text is never labelled; only slot values carry span types.

The slot names are documented in ``generate.py`` (``Renderer``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pii_values import (
    ALL_LOCALES,
    DL_LOCALES,
    ENGLISH_LOCALES,
    IBAN_LOCALES,
    INTERSECTION_LOCALES,
    LATIN_LOCALES,
    NON_LATIN_LOCALES,
    NON_US_LOCALES,
    STREET_THEN_NUMBER_LOCALES,
)

# Locales whose addresses always carry a state / province / county / prefecture part.
STATE_LOCALES = ("en_US", "en_CA", "en_AU", "en_IN", "en_IE", "es_MX", "pt_BR", "it_IT", "tr_TR", "ja_JP", "ko_KR")
# Locales with postcodes (the UAE has none).
POSTCODE_LOCALES = tuple(code for code in ALL_LOCALES if code != "ar_AA")
# Locales whose ``town`` slot draws from a hand-written list of small towns (non-US).
SMALL_TOWN_LOCALES = ("en_GB", "en_IE", "en_AU", "en_CA", "de_DE", "fr_FR", "es_ES", "es_MX", "pt_BR", "no_NO")

__all__ = [
    "ALL_LOCALES", "DL_LOCALES", "ENGLISH_LOCALES", "IBAN_LOCALES", "INTERSECTION_LOCALES", "LATIN_LOCALES",
    "NON_LATIN_LOCALES", "NON_US_LOCALES", "POSTCODE_LOCALES", "SMALL_TOWN_LOCALES", "STATE_LOCALES",
    "STREET_THEN_NUMBER_LOCALES", "Template", "T", "CT",
]

_CASE_MOD = re.compile(r"\{(?:name|first|last|name_mi|first_s)\d?:(?:lower|upper)\}")


@dataclass(frozen=True)
class Template:
    """One phrasing.  ``clean`` templates must produce no spans."""

    tid: str
    text: str
    shapes: tuple[str, ...]
    locales: tuple[str, ...] = ALL_LOCALES
    script: str = "any"  # "any": native or romanised names for non-Latin locales; "latin"; "native"
    case: str = "as_is"  # "lower" / "upper": the whole rendered text (values included) is case-folded
    clean: bool = False
    genders: tuple[tuple[int, str], ...] = ()  # (person index, "F"/"M") where the wording implies a gender


def T(
    tid: str,
    shapes: str,
    text: str,
    locales: tuple[str, ...] = ALL_LOCALES,
    script: str = "any",
    case: str = "as_is",
    female: tuple[int, ...] = (),
    male: tuple[int, ...] = (),
) -> Template:
    """A PII template.  ``shapes`` is a space-separated list of shape tags; ``female``/``male`` list the person
    indexes whose gender the wording implies ("my mum {name2}": ``female=(2,)``)."""
    if script == "any" and (case != "as_is" or _CASE_MOD.search(text)):
        script = "latin"  # lower/upper-casing a name only makes sense for a Latin-script name
    if script == "native":
        locales = tuple(code for code in locales if code in NON_LATIN_LOCALES)
    genders = tuple((i, "F") for i in female) + tuple((i, "M") for i in male)
    return Template(tid, text, tuple(shapes.split()), locales, script, case, genders=genders)


def CT(tid: str, shapes: str, text: str, case: str = "as_is") -> Template:
    """A CLEAN template: hard negatives only, no PII slots."""
    return Template(tid, text, ("clean", *shapes.split()), ("en",), "latin", case, clean=True)
