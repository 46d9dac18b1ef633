"""Value generators for the synthetic PII evaluation corpus.

Everything here turns a seeded ``random.Random`` plus seeded Faker instances into labelled *segments*: a segment
is ``(text, span_type)`` where ``span_type`` is ``None`` for literal text.  A value that spans several lines (a
postal address) is a list of segments with literal separators between the labelled parts.

Nothing here depends on today's date (Faker's ``date_of_birth`` and several ``ssn`` providers do; they are not
used), so the corpus is byte-identical whenever it is rebuilt with the pinned Faker.

No real people: names, streets and numbers come from Faker or from the short hand-written lists below (generic
street names and real town / district names, which are geography, not personal data).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import random
import re
import string
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import cached_property

from faker import Faker
from faker.providers.address.it_IT import Provider as _ItAddress
from faker.providers.ssn.el_GR import tin_checksum

Seg = tuple[str, str | None]
Line = list[Seg]

SPAN_TYPES: dict[str, str] = {
    "PERSON": "direct",
    "STREET_ADDRESS": "direct",
    "PHONE": "direct",
    "EMAIL": "direct",
    "SSN": "direct",
    "DRIVER_LICENSE": "direct",
    "PASSPORT": "direct",
    "NATIONAL_ID": "direct",
    "CREDIT_CARD": "direct",
    "IBAN": "direct",
    "IP_ADDRESS": "direct",
    "URL": "direct",
    "USERNAME": "direct",
    "CITY": "quasi",
    "STATE": "quasi",
    "POSTCODE": "quasi",
    "COUNTRY": "quasi",
    "DATE": "quasi",
}

# --------------------------------------------------------------------------------------------------------------
# Faker pool: one Faker per locale, reseeded for every example.
# --------------------------------------------------------------------------------------------------------------


class FakerPool:
    """Caches one ``Faker`` per locale and seeds each one deterministically the first time an example uses it."""

    def __init__(self) -> None:
        self._fakers: dict[str, Faker] = {}
        self._seeded: dict[str, bool] = {}
        self._seed = 0

    def start(self, seed: int) -> None:
        """Begin a new example: every locale is reseeded (from ``seed`` and the locale name) on first use."""
        self._seed = seed
        self._seeded = {}

    def get(self, locale: str) -> Faker:
        fk = self._fakers.get(locale)
        if fk is None:
            fk = Faker(locale)
            self._fakers[locale] = fk
        if not self._seeded.get(locale):
            fk.seed_instance(self._seed * 7919 + zlib.crc32(locale.encode("utf-8")))
            self._seeded[locale] = True
        return fk


@dataclass
class Ctx:
    """Per-example generation context: the example's rng, its Faker pool, its locale and auto shape flags."""

    rng: random.Random
    pool: FakerPool
    locale: str
    flags: list[str] = field(default_factory=list)
    memo: dict[str, str] = field(default_factory=dict)

    @property
    def fk(self) -> Faker:
        return self.pool.get(self.locale)

    def aux(self, locale: str) -> Faker:
        return self.pool.get(locale)

    def flag(self, name: str) -> None:
        if name not in self.flags:
            self.flags.append(name)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def digits(self, n: int, first_nonzero: bool = False) -> str:
        out = "".join(self.rng.choice(string.digits) for _ in range(n))
        if first_nonzero and out[0] == "0":
            out = self.rng.choice("123456789") + out[1:]
        return out

    def letters(self, n: int, alphabet: str = string.ascii_uppercase) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))


# --------------------------------------------------------------------------------------------------------------
# Transliteration (romanised names / addresses for non-Latin locales)
# --------------------------------------------------------------------------------------------------------------

_CYR = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}
_GREEK_PAIRS = {"ου": "ou", "αυ": "av", "ευ": "ev", "μπ": "b", "ντ": "nt", "γγ": "ng", "γκ": "gk"}
_GREEK = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i", "κ": "k",
    "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s", "ς": "s", "τ": "t",
    "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}


def _translit(text: str, table: dict[str, str], pairs: dict[str, str] | None = None) -> str:
    out: list[str] = []
    i = 0
    base = unicodedata.normalize("NFD", text)
    base = "".join(ch for ch in base if unicodedata.category(ch) != "Mn")
    while i < len(base):
        ch = base[i]
        low = ch.lower()
        if pairs and base[i : i + 2].lower() in pairs:
            rep = pairs[base[i : i + 2].lower()]
            i += 2
        else:
            rep = table.get(low, ch)
            i += 1
        if ch != low and rep:
            rep = rep[0].upper() + rep[1:]
        out.append(rep)
    return "".join(out)


def translit_cyrillic(text: str) -> str:
    return _translit(text, _CYR)


def translit_greek(text: str) -> str:
    return _translit(text, _GREEK, _GREEK_PAIRS)


_HANGUL_INITIAL = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_HANGUL_MEDIAL = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu",
    "eu", "ui", "i",
]
_HANGUL_FINAL = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng",
    "t", "t", "k", "t", "p", "t",
]
_KOREAN_SURNAMES = {
    "김": "Kim", "이": "Lee", "박": "Park", "최": "Choi", "정": "Jung", "강": "Kang", "조": "Cho", "윤": "Yoon",
    "장": "Jang", "임": "Lim", "한": "Han", "오": "Oh", "서": "Seo", "신": "Shin", "권": "Kwon", "황": "Hwang",
    "안": "Ahn", "송": "Song", "류": "Ryu", "유": "Yoo", "전": "Jeon", "홍": "Hong", "고": "Ko", "문": "Moon",
    "양": "Yang", "손": "Son", "배": "Bae", "백": "Baek", "허": "Heo", "남": "Nam", "심": "Shim", "노": "Noh",
    "하": "Ha", "곽": "Kwak", "성": "Sung", "차": "Cha", "주": "Joo", "우": "Woo", "구": "Koo", "민": "Min",
    "진": "Jin", "지": "Ji", "엄": "Eom", "채": "Chae", "원": "Won", "천": "Cheon", "방": "Bang", "공": "Kong",
    "현": "Hyun", "도": "Do", "석": "Seok", "마": "Ma", "길": "Gil", "연": "Yeon", "명": "Myung", "기": "Ki",
    "나": "Na", "변": "Byun", "여": "Yeo", "추": "Choo", "남궁": "Namgung", "제갈": "Jegal", "황보": "Hwangbo",
}


def romanize_hangul(text: str) -> str:
    """Revised Romanisation, syllable by syllable (no sound-change rules): good enough for given names."""
    out: list[str] = []
    for ch in text:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            ini, rest = divmod(code, 21 * 28)
            med, fin = divmod(rest, 28)
            out.append(_HANGUL_INITIAL[ini] + _HANGUL_MEDIAL[med] + _HANGUL_FINAL[fin])
        else:
            out.append(ch)
    word = "".join(out)
    return word[:1].upper() + word[1:]


def romanize_korean_surname(text: str) -> str:
    return _KOREAN_SURNAMES.get(text) or romanize_hangul(text)


def ascii_fold(text: str) -> str:
    """Strip accents (for e-mail local parts and licence numbers)."""
    base = unicodedata.normalize("NFKD", text)
    out = "".join(ch for ch in base if not unicodedata.combining(ch))
    return out.replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("ł", "l").replace("Ł", "L").replace(
        "ı", "i"
    ).replace("æ", "ae").replace("đ", "d")


def is_latin_text(text: str) -> bool:
    """True if every letter in ``text`` is Latin script."""
    for ch in text:
        if ch.isalpha() and "LATIN" not in unicodedata.name(ch, ""):
            return False
    return True


# --------------------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Name:
    """A person's name in the form the text will show it."""

    first: str
    last: str
    middle: str
    full: str
    native: bool  # True when written in a non-Latin script

    @property
    def with_initial(self) -> str:
        return f"{self.first} {self.middle[:1].upper()}. {self.last}"


_AR_FIRST_M = [
    "Ahmed", "Mohammed", "Omar", "Youssef", "Khaled", "Tariq", "Hassan", "Karim", "Ziad", "Samir", "Faisal",
    "Hamza", "Bilal", "Nabil", "Rami", "Walid", "Adel", "Majid", "Sami", "Fadi",
]
_AR_FIRST_F = [
    "Fatima", "Aisha", "Layla", "Mariam", "Noor", "Yasmin", "Huda", "Salma", "Rania", "Dina", "Hala", "Leila",
    "Reem", "Lina", "Amal", "Samira", "Nadia", "Zainab", "Mona", "Hiba",
]
_AR_LAST = [
    "Al-Masri", "Haddad", "Khoury", "Nasser", "Al-Sayed", "Hamdan", "Saleh", "Mansour", "Farouk", "Al-Rashid",
    "Abdullah", "Qasim", "Darwish", "Haddadin", "El-Sayed", "Ibrahim", "Suleiman", "Al-Harbi", "Al-Qahtani",
    "Al-Otaibi", "Bakr", "Aziz", "Shami", "Tawfiq", "Jaber", "Zidan", "Barakat", "Awad", "Najjar", "Hijazi",
]
_NAMES_ENDING_S = [
    "James", "Thomas", "Nicolas", "Andreas", "Jonas", "Lukas", "Marcus", "Agnes", "Frances", "Dolores", "Mercedes",
    "Carlos", "Charles", "Doris", "Iris", "Lars", "Klaus", "Matthias", "Tobias", "Inês", "Luis", "Jesús", "Niklas",
]


def _gendered(fk: Faker, base: str, gender: str) -> str:
    meth = f"{base}_{'female' if gender == 'F' else 'male'}"
    if hasattr(fk, meth):
        return str(getattr(fk, meth)())
    return str(getattr(fk, base)())


def _clean_name_part(fk: Faker, base: str, gender: str) -> str:
    for _ in range(20):
        value = _gendered(fk, base, gender).strip()
        if "(" not in value and value:
            return value
    return value


def latin_name(c: Ctx, locale: str, gender: str) -> Name:
    fk = c.aux(locale)
    first = _clean_name_part(fk, "first_name", gender)
    middle = _clean_name_part(fk, "first_name", gender)
    last = _clean_name_part(fk, "last_name", gender)
    if locale in ("es_ES", "es_MX") and c.chance(0.4):
        last = f"{last} {_clean_name_part(fk, 'last_name', gender)}"
    return Name(first, last, middle, f"{first} {last}", native=False)


def make_name(c: Ctx, locale: str, native: bool, gender: str) -> Name:
    """A name for ``locale``; ``native`` picks the native script for non-Latin locales."""
    fk = c.aux(locale)
    if locale == "ja_JP":
        g = "female" if gender == "F" else "male"
        f_kanji, _, f_rom = getattr(fk, f"first_name_{g}_pair")()
        l_kanji, _, l_rom = fk.last_name_pair()
        m_kanji, _, m_rom = getattr(fk, f"first_name_{g}_pair")()
        if native:
            sep = " " if c.chance(0.6) else ""
            return Name(f_kanji, l_kanji, m_kanji, f"{l_kanji}{sep}{f_kanji}", True)
        full = f"{f_rom} {l_rom}" if c.chance(0.7) else f"{l_rom} {f_rom}"
        return Name(f_rom, l_rom, m_rom, full, False)
    if locale == "zh_CN":
        if native:
            first, last = _gendered(fk, "first_name", gender), fk.last_name()
            return Name(first, last, first, f"{last}{first}", True)
        first, last = fk.first_romanized_name(), fk.last_romanized_name()
        full = f"{first} {last}" if c.chance(0.6) else f"{last} {first}"
        return Name(first, last, fk.first_romanized_name(), full, False)
    if locale == "ko_KR":
        first, last = _gendered(fk, "first_name", gender), fk.last_name()
        if native:
            return Name(first, last, first, f"{last}{first}", True)
        r_first, r_last = romanize_hangul(first), romanize_korean_surname(last)
        if len(first) == 2 and c.chance(0.4):
            r_first = f"{romanize_hangul(first[0])}-{romanize_hangul(first[1]).lower()}"
        full = f"{r_first} {r_last}" if c.chance(0.7) else f"{r_last} {r_first}"
        return Name(r_first, r_last, romanize_hangul(_gendered(fk, "first_name", gender)), full, False)
    if locale == "ru_RU":
        first, last = _gendered(fk, "first_name", gender), _gendered(fk, "last_name", gender)
        patronymic = _gendered(fk, "middle_name", gender)
        if native:
            full = f"{first} {last}" if c.chance(0.6) else f"{last} {first} {patronymic}"
            return Name(first, last, patronymic, full, True)
        first, last, patronymic = translit_cyrillic(first), translit_cyrillic(last), translit_cyrillic(patronymic)
        return Name(first, last, patronymic, f"{first} {last}", False)
    if locale == "el_GR":
        first, last = _gendered(fk, "first_name", gender), _gendered(fk, "last_name", gender)
        middle = _gendered(fk, "first_name", gender)
        if native:
            return Name(first, last, middle, f"{first} {last}", True)
        first, last, middle = translit_greek(first), translit_greek(last), translit_greek(middle)
        return Name(first, last, middle, f"{first} {last}", False)
    if locale == "hi_IN":
        if native:
            first, last = _clean_name_part(fk, "first_name", gender), _clean_name_part(fk, "last_name", gender)
            return Name(first, last, first, f"{first} {last}", True)
        return latin_name(c, "en_IN", gender)
    if locale == "ar_AA":
        if native:
            first, last = _clean_name_part(fk, "first_name", gender), _clean_name_part(fk, "last_name", gender)
            return Name(first, last, first, f"{first} {last}", True)
        pool = _AR_FIRST_F if gender == "F" else _AR_FIRST_M
        first, middle, last = c.rng.choice(pool), c.rng.choice(_AR_FIRST_M), c.rng.choice(_AR_LAST)
        return Name(first, last, middle, f"{first} {last}", False)
    return latin_name(c, locale, gender)


def first_name_ending_s(c: Ctx, locale: str, gender: str) -> str:
    fk = c.aux(locale if locale in LATIN_LOCALES else "en_US")
    for _ in range(40):
        value = _gendered(fk, "first_name", gender)
        if value.endswith("s") and " " not in value:
            return value
    return c.rng.choice(_NAMES_ENDING_S)


# --------------------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------------------

MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December",
]
MDY_LOCALES = ("en_US",)


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return str(n) + {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


DATE_STYLES = (
    "num", "num_short", "dot", "iso", "month_dth_y", "d_month_y", "dth_of_month", "mon_yy", "dd_mon_yyyy",
    "the_dth", "month_d", "dth_month_y", "cjk", "month_d_lower",
)


def format_date(d: dt.date, style: str, locale: str, rng: random.Random) -> Line:
    """One date in ``style``; returns segments (``the 4th`` labels only ``4th``)."""
    mdy = locale in MDY_LOCALES
    month = MONTHS[d.month - 1]
    mon = month[:3]
    if style == "num":
        pad = rng.random() < 0.7
        a, b = (d.month, d.day) if mdy else (d.day, d.month)
        sep = rng.choice("/-") if mdy else rng.choice("/-.")
        text = f"{a:02d}{sep}{b:02d}{sep}{d.year}" if pad else f"{a}{sep}{b}{sep}{d.year}"
    elif style == "num_short":
        a, b = (d.month, d.day) if mdy else (d.day, d.month)
        text = f"{a}/{b}/{d.year % 100:02d}"
    elif style == "dot":
        text = f"{d.day}.{d.month}.{d.year}" if rng.random() < 0.5 else f"{d.day:02d}.{d.month:02d}.{d.year}"
    elif style == "iso":
        text = d.isoformat()
    elif style == "month_dth_y":
        text = f"{month} {ordinal(d.day)}{rng.choice([' ', ', '])}{d.year}"
    elif style == "d_month_y":
        text = f"{d.day} {rng.choice([month, mon])} {d.year}"
    elif style == "dth_of_month":
        text = f"{ordinal(d.day)} of {month}"
    elif style == "mon_yy":
        text = f"{mon} '{d.year % 100:02d}"
    elif style == "dd_mon_yyyy":
        text = f"{d.day:02d}-{mon}-{d.year}"
    elif style == "the_dth":
        return [("the ", None), (ordinal(d.day), "DATE")]
    elif style == "month_d":
        text = f"{month} {d.day}"
    elif style == "dth_month_y":
        text = f"{ordinal(d.day)} {month} {d.year}"
    elif style == "cjk":
        if locale == "ko_KR":
            text = f"{d.year}년 {d.month}월 {d.day}일"
        else:
            text = f"{d.year}年{d.month}月{d.day}日"
    elif style == "month_d_lower":
        text = f"{month.lower()} {d.day} {d.year}"
    else:
        raise ValueError(style)
    return [(text, "DATE")]


# --------------------------------------------------------------------------------------------------------------
# Check-digit helpers and identifier formats
# --------------------------------------------------------------------------------------------------------------


def luhn_digit(payload: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def make_iban(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


def group(text: str, size: int = 4, sep: str = " ") -> str:
    return sep.join(text[i : i + size] for i in range(0, len(text), size))


def nhs_number(c: Ctx) -> str:
    while True:
        body = c.digits(9, first_nonzero=True)
        total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            num = body + str(check)
            return f"{num[:3]} {num[3:6]} {num[6:]}" if c.chance(0.7) else num


def nino(c: Ctx) -> str:
    first = c.rng.choice("ABCEGHJKLMNOPRSTWXYZ")
    second = c.rng.choice("ABCEGHJKLMNPRSTWXYZ")
    while first + second in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
        second = c.rng.choice("ABCEGHJKLMNPRSTWXYZ")
    d = c.digits(6)
    suffix = c.rng.choice("ABCD")
    if c.chance(0.5):
        return f"{first}{second} {d[:2]} {d[2:4]} {d[4:]} {suffix}"
    return f"{first}{second}{d}{suffix}"


def uk_driving_licence(c: Ctx, name: Name, dob: dt.date, gender: str) -> str:
    surname = "".join(ch for ch in ascii_fold(name.last).upper() if ch.isalpha())[:5].ljust(5, "9")
    month = dob.month + (50 if gender == "F" else 0)
    initials = (ascii_fold(name.first)[:1] + ascii_fold(name.middle)[:1]).upper().ljust(2, "9")
    core = f"{surname}{str(dob.year)[2]}{month:02d}{dob.day:02d}{str(dob.year)[3]}{initials}9"
    return core + c.letters(2)


def steuer_id(c: Ctx) -> str:
    body = c.digits(10, first_nonzero=True)
    product = 10
    for ch in body:
        s = (int(ch) + product) % 10 or 10
        product = (s * 2) % 11
    check = 11 - product
    num = body + str(0 if check == 10 else check)
    return f"{num[:2]} {num[2:5]} {num[5:8]} {num[8:]}" if c.chance(0.5) else num


def kvnr(c: Ctx) -> str:
    letter = c.rng.choice(string.ascii_uppercase)
    body = c.digits(8)
    payload = f"{ord(letter) - 64:02d}{body}"
    total = 0
    for i, ch in enumerate(payload):
        p = int(ch) * (1 if i % 2 == 0 else 2)
        total += p // 10 + p % 10
    return f"{letter}{body}{total % 10}"


def personnummer(c: Ctx, dob: dt.date) -> str:
    serial = c.digits(3)
    short = f"{dob:%y%m%d}"
    check = luhn_digit(short + serial)
    sep = "+" if dob.year < 1925 else "-"
    if c.chance(0.3):
        return f"{dob:%Y%m%d}-{serial}{check}"
    return f"{short}{sep}{serial}{check}"


def hetu(c: Ctx, dob: dt.date) -> str:
    serial = c.rng.randint(2, 899)
    stem = f"{dob:%d%m%y}{serial:03d}"
    century = "-" if dob.year < 2000 else "A"
    return f"{dob:%d%m%y}{century}{serial:03d}{'0123456789ABCDEFHJKLMNPRSTUVWXY'[int(stem) % 31]}"


def cpr(c: Ctx, dob: dt.date) -> str:
    return f"{dob:%d%m%y}-{c.digits(4)}"


def china_resident_id(c: Ctx, dob: dt.date) -> str:
    area = c.rng.choice(["110105", "310104", "440106", "510107", "330106", "320102", "420102", "130603", "450103"])
    body = f"{area}{dob:%Y%m%d}{c.digits(3)}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def korean_rrn(c: Ctx, dob: dt.date, gender: str) -> str:
    g = (1 if gender == "M" else 2) + (2 if dob.year >= 2000 else 0)
    return f"{dob:%y%m%d}-{g}{c.digits(6)}"


def my_number(c: Ctx) -> str:
    body = c.digits(11, first_nonzero=True)
    total = 0
    for n, ch in enumerate(reversed(body), start=1):
        q = n + 1 if n <= 6 else n - 5
        total += int(ch) * q
    r = total % 11
    num = body + str(0 if r <= 1 else 11 - r)
    return f"{num[:4]} {num[4:8]} {num[8:]}" if c.chance(0.5) else num


def tfn(c: Ctx) -> str:
    weights = [1, 4, 3, 7, 5, 8, 6, 9, 10]
    while True:
        num = c.digits(9, first_nonzero=True)
        if sum(int(d) * w for d, w in zip(num, weights, strict=True)) % 11 == 0:
            return f"{num[:3]} {num[3:6]} {num[6:]}"


def au_medicare(c: Ctx) -> str:
    body = c.rng.choice("23456") + c.digits(7)
    check = sum(int(d) * w for d, w in zip(body, [1, 3, 7, 9, 1, 3, 7, 9], strict=True)) % 10
    num = f"{body}{check}{c.rng.randint(1, 9)}"
    return f"{num[:4]} {num[4:9]} {num[9]}"


def ppsn(c: Ctx) -> str:
    body = c.digits(7)
    total = sum(int(d) * w for d, w in zip(body, range(8, 1, -1), strict=True))
    r = total % 23
    return f"{body}{'W' if r == 0 else chr(64 + r)}" + ("A" if c.chance(0.3) else "")


def us_mbi(c: Ctx) -> str:
    alpha = "ACDEFGHJKMNPQRTUVWXY"
    alnum = alpha + string.digits

    def a() -> str:
        return c.rng.choice(alpha)

    def n() -> str:
        return c.rng.choice(string.digits)

    def an() -> str:
        return c.rng.choice(alnum)

    mbi = c.rng.choice("123456789") + a() + an() + n() + a() + an() + n() + a() + a() + n() + n()
    return f"{mbi[:4]}-{mbi[4:7]}-{mbi[7:]}" if c.chance(0.5) else mbi


def curp(c: Ctx, name: Name, dob: dt.date, gender: str) -> str:
    last = ascii_fold(name.last).upper()
    vowels = [ch for ch in last[1:] if ch in "AEIOU"] or ["X"]
    first = ascii_fold(name.first).upper()
    head = f"{last[:1]}{vowels[0]}{c.rng.choice(string.ascii_uppercase)}{first[:1]}"
    state = c.rng.choice(["DF", "JC", "NL", "PL", "VZ", "GT", "MC", "OC", "YN", "CH"])
    tail = c.letters(3, "BCDFGHJKLMNPQRSTVWXZ") + ("0" if dob.year < 2000 else "A") + c.digits(1)
    return f"{head}{dob:%y%m%d}{'M' if gender == 'F' else 'H'}{state}{tail}"


def rfc(c: Ctx, name: Name, dob: dt.date) -> str:
    last = ascii_fold(name.last).upper()
    first = ascii_fold(name.first).upper()
    return f"{last[:2]}{c.rng.choice(string.ascii_uppercase)}{first[:1]}{dob:%y%m%d}{c.letters(2)}{c.digits(1)}"


def egypt_national_id(c: Ctx, dob: dt.date) -> str:
    century = "2" if dob.year < 2000 else "3"
    return f"{century}{dob:%y%m%d}{c.rng.randint(1, 35):02d}{c.digits(4)}{c.digits(1)}"


# Faker's es_ES nif/nie/nuss and el_GR tin draw from the *global* ``random`` module, and it_IT cities come from a
# set (hash-seed dependent order); these are reimplemented here with the example's own rng.
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_IT_CITIES = sorted({city for entries in _ItAddress.cap_city_province.values() for city, _prov in entries})


def spanish_dni(c: Ctx) -> str:
    body = c.digits(8)
    return body + _DNI_LETTERS[int(body) % 23]


def spanish_nie(c: Ctx) -> str:
    first = c.rng.randrange(3)
    body = c.digits(7)
    return "XYZ"[first] + body + _DNI_LETTERS[int(f"{first}{body}") % 23]


def spanish_nuss(c: Ctx) -> str:
    province = f"{c.rng.choice([*range(1, 54), 66]):02d}"
    body = c.digits(8)
    return f"{province}{body}{int(province + body) % 97:02d}"


def greek_tin(c: Ctx) -> str:
    body = c.rng.choice("1234") + c.digits(7)
    return body + str(tin_checksum(body))


def us_driver_license(c: Ctx) -> str:
    d = c.digits
    options = [
        lambda: c.letters(1) + d(7),
        lambda: f"{d(3)} {d(3)} {d(3)}",
        lambda: f"{c.letters(1)}{d(3)}-{d(3)}-{d(2)}-{d(3)}-{d(1)}",
        lambda: f"{c.letters(1)}{d(3)}-{d(4)}-{d(4)}",
        lambda: d(8),
        lambda: "WDL" + c.letters(6, string.ascii_uppercase + string.digits) + d(3),
        lambda: f"{d(2)} {d(3)} {d(3)}",
        lambda: f"{c.letters(1)} {d(3)} {d(3)} {d(3)} {d(3)}",
        lambda: f"{c.letters(1)}{d(4)} {d(5)} {d(5)}",
        lambda: c.letters(2) + d(6),
        lambda: f"{d(3)}-{d(3)}-{d(3)}",
        lambda: f"{c.letters(1)}{d(12)}",
    ]
    return c.rng.choice(options)()


# --------------------------------------------------------------------------------------------------------------
# Locale profiles
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Address:
    """A postal address as labelled lines (the country line is separate so layouts can add or drop it)."""

    lines: list[Line]
    inline: Line
    street: str
    street_then_number: str | None
    unit: str | None
    number: str
    city: str
    state: str | None
    postcode: str
    country: str


@dataclass
class Parts:
    """The pieces a layout arranges."""

    street: str
    unit: str | None
    city: str
    state: str | None
    postcode: str


@dataclass
class Ident:
    label: str
    value: str
    type: str


def L(*parts: str | Seg) -> Line:
    """Build a line: a plain ``str`` is literal text, a ``(text, type)`` tuple is a labelled value."""
    out: Line = []
    for p in parts:
        if isinstance(p, tuple):
            if p[0]:
                out.append((p[0], p[1]))
        elif p:
            out.append((p, None))
    return out


def S(v: str) -> tuple[str, str]:
    return (v, "STREET_ADDRESS")


def C(v: str) -> tuple[str, str]:
    return (v, "CITY")


def ST(v: str) -> tuple[str, str]:
    return (v, "STATE")


def P(v: str) -> tuple[str, str]:
    return (v, "POSTCODE")


def CO(v: str) -> tuple[str, str]:
    return (v, "COUNTRY")


class Locale:
    """Base profile: Faker-driven parts; subclasses override the parts and layouts that differ by country."""

    code = "en_US"
    countries: tuple[str, ...] = ("United States", "USA")
    small_towns: tuple[str, ...] = ()
    common_streets: tuple[str, ...] = ()
    iban_locale: str | None = None
    po_box_words: tuple[str, ...] = ("PO Box", "P.O. Box")

    # -- parts ------------------------------------------------------------------------------------------------
    def number(self, c: Ctx) -> str:
        n = str(c.rng.choice([c.rng.randint(1, 40), c.rng.randint(1, 250), c.rng.randint(1, 2999)]))
        if c.chance(0.1):
            n += c.rng.choice("ab" if self.code not in ("en_US", "en_CA", "en_AU", "en_GB", "en_IE") else "AB")
        return n

    def street_name(self, c: Ctx) -> str:
        if self.common_streets and c.chance(0.5):
            return c.rng.choice(self.common_streets)
        return str(c.fk.street_name())

    def street(self, c: Ctx, number: str) -> str:
        return f"{number} {self.street_name(c)}"

    def unit(self, c: Ctx) -> str | None:
        return None

    def city(self, c: Ctx) -> str:
        if self.small_towns and c.chance(0.4):
            c.flag("small_town")
            return c.rng.choice(self.small_towns)
        return str(c.fk.city())

    def state(self, c: Ctx) -> str | None:
        return None

    def postcode(self, c: Ctx) -> str:
        return str(c.fk.postcode())

    def country(self, c: Ctx) -> str:
        name = c.rng.choice(self.countries)
        return name.upper() if c.chance(0.3) and is_latin_text(name) else name

    def po_box(self, c: Ctx) -> str:
        return f"{c.rng.choice(self.po_box_words)} {c.rng.randint(1, 9999)}"

    def phone(self, c: Ctx) -> str:
        return str(c.fk.phone_number())

    def passport(self, c: Ctx) -> str:
        return str(c.fk.passport_number())

    def driver_license(self, c: Ctx, p: Persona) -> str:
        return c.digits(c.rng.choice([8, 9, 10, 12]))

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return []

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("Member ID", c.letters(3) + c.digits(9), "NATIONAL_ID")

    def iban(self, c: Ctx) -> str:
        return str(c.aux(self.iban_locale or "de_DE").iban())

    # -- layouts ----------------------------------------------------------------------------------------------
    def address(self, c: Ctx, native: bool) -> Address:
        number = self.number(c)
        street = self.street(c, number)
        unit = self.unit(c)
        city, state, postcode, country = self.city(c), self.state(c), self.postcode(c), self.country(c)
        lines, inline = self.layout(c, Parts(street, unit, city, state, postcode))
        stn = street if self.street_first else None
        return Address(lines, inline, street, stn, unit, number, city, state, postcode, country)

    street_first = False

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        """Default European layout: ``Street 12`` / ``12345 Town``."""
        first = L(S(a.street), ", ", S(a.unit)) if a.unit else L(S(a.street))
        lines = [first, L(P(a.postcode), " ", C(a.city))]
        return lines, L(*first, ", ", P(a.postcode), " ", C(a.city))


class EnUS(Locale):
    code = "en_US"
    countries: tuple[str, ...] = ("USA", "United States", "United States of America", "U.S.A.")
    common_streets: tuple[str, ...] = (
        "Main St", "Maple Avenue", "Oak Street", "Elm St", "Park Ave", "Pine Road", "Cedar Lane", "Washington Blvd",
        "Lake Drive", "Hillcrest Dr", "Church Street", "Mill Road", "Sunset Blvd", "2nd Street", "5th Ave",
    )
    small_towns: tuple[str, ...] = (
        "Marfa", "Bisbee", "Ely", "Moab", "Hood River", "Bar Harbor", "Galena", "Lanesboro", "Decorah", "Nevada City",
        "Port Townsend", "Lewes", "Beaufort", "Cody", "Ouray",
    )

    def unit(self, c: Ctx) -> str | None:
        if not c.chance(0.5):
            return None
        return c.rng.choice(
            [str(c.fk.secondary_address()), f"Apt {c.rng.randint(1, 40)}{c.rng.choice('ABCD')}",
             f"Unit {c.rng.randint(1, 300)}", f"#{c.rng.randint(1, 999)}", f"Suite {c.rng.randint(100, 900)}"]
        )

    def state(self, c: Ctx) -> str | None:
        return str(c.fk.state_abbr(include_territories=False) if c.chance(0.75) else c.fk.state())

    def postcode(self, c: Ctx) -> str:
        return str(c.fk.zipcode_plus4() if c.chance(0.2) else c.fk.zipcode())

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        first = L(S(a.street))
        lines: list[Line] = [first]
        if a.unit:
            if c.chance(0.5):
                first += L(c.rng.choice([", ", " "]), S(a.unit))
            else:
                lines.append(L(S(a.unit)))
        lines.append(L(C(a.city), ", ", ST(a.state or ""), " ", P(a.postcode)))
        unit: Line = L(S(a.unit), ", ") if a.unit else []
        inline = L(S(a.street), ", ", *unit, C(a.city), ", ", ST(a.state or ""), " ", P(a.postcode))
        return lines, inline

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        ssn = str(c.fk.ssn())
        if c.chance(0.2):
            ssn = ssn.replace("-", "" if c.chance(0.5) else " ")
        return [Ident("SSN", ssn, "SSN"), Ident("ITIN", str(c.fk.itin()), "NATIONAL_ID"),
                Ident("Medicare number", us_mbi(c), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        if c.chance(0.4):
            return Ident("Medicare ID", us_mbi(c), "NATIONAL_ID")
        return Ident("Member ID", c.letters(3) + c.digits(9), "NATIONAL_ID")

    def driver_license(self, c: Ctx, p: Persona) -> str:
        return us_driver_license(c)

    def iban(self, c: Ctx) -> str:
        return str(c.aux("en_GB").iban())


class EnCA(EnUS):
    code = "en_CA"
    countries = ("Canada", "CANADA")
    common_streets = ("Main Street", "King St W", "Queen Street East", "Yonge St", "Water Street", "Front St", "Bay Rd")
    small_towns = ("Tofino", "Nelson", "Lunenburg", "Canmore", "Baddeck", "Gananoque", "Smithers", "Wolfville",
                   "Perth", "Dawson City", "Kaslo", "Goderich")

    def unit(self, c: Ctx) -> str | None:
        return str(c.rng.randint(101, 2405)) if c.chance(0.4) else None

    def state(self, c: Ctx) -> str | None:
        return str(c.fk.province_abbr() if c.chance(0.8) else c.fk.province())

    def postcode(self, c: Ctx) -> str:
        pc = str(c.fk.postcode()).replace(" ", "")
        return f"{pc[:3]} {pc[3:]}" if c.chance(0.8) else pc

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        lines: list[Line] = []
        if a.unit:
            lines.append(L(S(f"{a.unit}-{a.street}")))
        else:
            lines.append(L(S(a.street)))
        lines.append(L(C(a.city.upper() if c.chance(0.4) else a.city), " ", ST(a.state or ""), "  ", P(a.postcode)))
        inline = L(*lines[0], ", ", C(a.city), ", ", ST(a.state or ""), " ", P(a.postcode))
        return lines, inline

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("SIN", str(c.fk.ssn()), "NATIONAL_ID"), self.health_id(c, p)]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("health card", f"{c.digits(4)}-{c.digits(3)}-{c.digits(3)}-{c.letters(2)}", "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.letters(2) + c.digits(6)

    def driver_license(self, c: Ctx, p: Persona) -> str:
        return f"{ascii_fold(p.name.last)[:1].upper()}{c.digits(4)}-{c.digits(5)}-{c.digits(5)}"


class EnGB(Locale):
    code = "en_GB"
    countries = ("United Kingdom", "UK", "UNITED KINGDOM", "England", "Scotland", "Wales")
    common_streets = ("High Street", "Church Lane", "Station Road", "Mill Lane", "Victoria Road", "Park Road",
                      "The Green", "Queen Street", "Manor Close", "Orchard Way", "Chapel Row")
    small_towns = ("Much Wenlock", "Llandovery", "Hebden Bridge", "Stow-on-the-Wold", "Tobermory", "Kirkby Stephen",
                   "Ludlow", "Totnes", "Ulverston", "Bala", "Keswick", "Whitby", "Alnwick", "Peebles", "Dornoch",
                   "Hay-on-Wye", "Southwold", "Ledbury", "Thirsk", "Padstow", "Llanidloes", "Moffat")
    iban_locale = "en_GB"

    def unit(self, c: Ctx) -> str | None:
        if not c.chance(0.35):
            return None
        return c.rng.choice([f"Flat {c.rng.randint(1, 30)}", f"Flat {c.rng.randint(1, 9)}{c.rng.choice('ABC')}",
                             str(c.fk.secondary_address())])

    def state(self, c: Ctx) -> str | None:
        return str(c.fk.county()) if c.chance(0.4) else None

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        lines: list[Line] = []
        if a.unit:
            lines.append(L(S(a.unit)))
        lines.append(L(S(a.street)))
        lines.append(L(C(a.city.upper() if c.chance(0.5) else a.city)))
        if a.state:
            lines.append(L(ST(a.state)))
        lines.append(L(P(a.postcode)))
        unit: Line = L(S(a.unit), ", ") if a.unit else []
        inline = L(*unit, S(a.street), ", ", C(a.city), ", ", P(a.postcode))
        return lines, inline

    def phone(self, c: Ctx) -> str:
        return str(c.fk.cellphone_number() if c.chance(0.4) else c.fk.phone_number())

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("NI number", nino(c), "NATIONAL_ID"), Ident("NHS number", nhs_number(c), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("NHS number", nhs_number(c), "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.digits(9, first_nonzero=True)

    def driver_license(self, c: Ctx, p: Persona) -> str:
        return uk_driving_licence(c, p.name, p.dob, p.gender)


class EnAU(Locale):
    code = "en_AU"
    countries = ("Australia", "AUSTRALIA")
    common_streets = ("Smith St", "George Street", "Beach Road", "Station St", "High St", "Victoria Parade",
                      "Bay Road", "Pacific Hwy")
    small_towns = ("Mudgee", "Bright", "Kiama", "Gundagai", "Margaret River", "Katherine", "Tumut", "Yamba", "Cooma",
                   "Echuca", "Beechworth", "Orbost", "Strahan", "Cowra")

    def unit(self, c: Ctx) -> str | None:
        return f"Unit {c.rng.randint(1, 40)}" if c.chance(0.35) else None

    def state(self, c: Ctx) -> str | None:
        return str(c.fk.state_abbr() if c.chance(0.85) else c.fk.state())

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        if a.unit and c.chance(0.5):
            first = L(S(f"{a.unit.replace('Unit ', '')}/{a.street}"))
        elif a.unit:
            first = L(S(a.unit), ", ", S(a.street))
        else:
            first = L(S(a.street))
        lines = [first, L(C(a.city.upper()), " ", ST(a.state or ""), " ", P(a.postcode))]
        inline = L(*first, ", ", C(a.city), " ", ST(a.state or ""), " ", P(a.postcode))
        return lines, inline

    def phone(self, c: Ctx) -> str:
        if c.chance(0.4):
            return f"04{c.digits(2)} {c.digits(3)} {c.digits(3)}"
        return str(c.fk.phone_number())

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("TFN", tfn(c), "NATIONAL_ID"), Ident("Medicare number", au_medicare(c), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("Medicare no.", au_medicare(c), "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.letters(1, "NPRE") + c.letters(1) + c.digits(7) if c.chance(0.5) else c.letters(1) + c.digits(7)

    def driver_license(self, c: Ctx, p: Persona) -> str:
        return c.digits(8) if c.chance(0.6) else c.digits(9)

    def iban(self, c: Ctx) -> str:
        return str(c.aux("en_GB").iban())


class EnIE(Locale):
    code = "en_IE"
    countries = ("Ireland", "IRELAND", "Éire")
    common_streets = ("Main Street", "Church Road", "Bridge Street", "Strand Road", "Mary Street", "Castle Street")
    small_towns = ("Ballina", "Dingle", "Clonakilty", "Kinsale", "Westport", "Carrick-on-Shannon", "Kilkee", "Birr",
                   "Ennistymon", "Bantry", "Listowel", "Athy", "Kenmare", "Ballyshannon")
    iban_locale = "en_IE"

    def city(self, c: Ctx) -> str:
        c.flag("small_town")
        return c.rng.choice(self.small_towns)

    def state(self, c: Ctx) -> str | None:
        return f"Co. {c.fk.county()}" if c.chance(0.5) else f"County {c.fk.county()}"

    def postcode(self, c: Ctx) -> str:
        key = c.rng.choice("ACDEFHKNPRTVWXY") + c.digits(2)
        return f"{key} {c.letters(1, 'ACDEFHKNPRTVWXY')}{c.digits(1)}{c.letters(1, 'ACDEFHKNPRTVWXY')}{c.digits(1)}"

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        lines = [L(S(a.street)), L(C(a.city)), L(ST(a.state or "")), L(P(a.postcode))]
        inline = L(S(a.street), ", ", C(a.city), ", ", ST(a.state or ""), ", ", P(a.postcode))
        return lines, inline

    def phone(self, c: Ctx) -> str:
        return c.rng.choice([
            f"+353 8{c.rng.choice('35679')} {c.digits(3)} {c.digits(4)}",
            f"08{c.rng.choice('35679')} {c.digits(3)} {c.digits(4)}",
            f"(0{c.rng.randint(1, 99)}) {c.digits(3)} {c.digits(4)}",
        ])

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("PPSN", ppsn(c), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("PPS number", ppsn(c), "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.letters(2) + c.digits(7)


class EnIN(Locale):
    code = "en_IN"
    countries = ("India", "INDIA")

    def street(self, c: Ctx, number: str) -> str:
        fk = c.aux("en_IN")
        return c.rng.choice([
            f"H.No. {c.rng.randint(1, 999)}, {fk.street_name()}",
            f"{c.rng.randint(1, 99)}/{c.rng.randint(1, 99)}, {fk.last_name()} Nagar",
            f"Flat {c.rng.randint(101, 1204)}, {fk.last_name()} Residency",
            f"{c.rng.randint(1, 300)}, {c.rng.randint(1, 18)}th Cross, {fk.last_name()} Layout",
            f"Plot {c.rng.randint(1, 400)}, Sector {c.rng.randint(1, 60)}",
        ])

    def city(self, c: Ctx) -> str:
        return str(c.aux("en_IN").city())

    def state(self, c: Ctx) -> str | None:
        return str(c.aux("en_IN").state())

    def postcode(self, c: Ctx) -> str:
        pin = str(c.aux("en_IN").postcode())
        return f"{pin[:3]} {pin[3:]}" if c.chance(0.2) else pin

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        lines = [L(S(a.street)), L(C(a.city), " - ", P(a.postcode)), L(ST(a.state or ""))]
        inline = L(S(a.street), ", ", C(a.city), " ", P(a.postcode), ", ", ST(a.state or ""))
        return lines, inline

    def phone(self, c: Ctx) -> str:
        if c.chance(0.5):
            return f"+91 {c.rng.choice('6789')}{c.digits(4)} {c.digits(5)}"
        return str(c.aux("en_IN").phone_number())

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        aad = str(c.aux("en_IN").aadhaar_id())
        if c.chance(0.6):
            aad = group(aad)
        return [Ident("Aadhaar", aad, "NATIONAL_ID"), Ident("PAN", str(c.aux("en_IN").pan()), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("ABHA number", f"{c.digits(2)}-{c.digits(4)}-{c.digits(4)}-{c.digits(4)}", "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.letters(1) + c.digits(7)

    def driver_license(self, c: Ctx, p: Persona) -> str:
        st = c.rng.choice(["MH", "KA", "DL", "TN", "UP", "WB", "GJ", "KL"])
        return c.rng.choice([f"{st}{c.digits(2)} {c.rng.randint(1995, 2022)}{c.digits(7)}",
                             f"{st}-{c.digits(2)}-{c.rng.randint(1995, 2022)}-{c.digits(7)}"])

    def iban(self, c: Ctx) -> str:
        return str(c.aux("en_GB").iban())


class HiIN(EnIN):
    code = "hi_IN"
    countries = ("India", "भारत")

    def address(self, c: Ctx, native: bool) -> Address:
        if not native:
            return EnIN.address(self, c, native)
        fk = c.fk
        number = f"{c.rng.randint(1, 99)}/{c.rng.randint(1, 999)}"
        street = f"{number} {fk.street_name()}"
        city, state, postcode = str(fk.city()), str(fk.state()), str(c.aux("en_IN").postcode())
        lines = [L(S(street)), L(C(city), " - ", P(postcode)), L(ST(state))]
        inline = L(S(street), ", ", C(city), " ", P(postcode), ", ", ST(state))
        return Address(lines, inline, street, None, None, number, city, state, postcode, "भारत")

    def phone(self, c: Ctx) -> str:
        return str(c.fk.phone_number())


class EuroLocale(Locale):
    """Street-then-number countries with a ``12345 Town`` line."""

    street_first = True

    def street(self, c: Ctx, number: str) -> str:
        return f"{self.street_name(c)} {number}"

    def number(self, c: Ctx) -> str:
        n = str(c.rng.choice([c.rng.randint(1, 30), c.rng.randint(1, 160)]))
        return n + (c.rng.choice("abc") if c.chance(0.1) else "")


class DeDE(EuroLocale):
    code = "de_DE"
    countries = ("Deutschland", "Germany", "GERMANY")
    common_streets = ("Hauptstraße", "Bahnhofstraße", "Schulstraße", "Gartenstraße", "Dorfstraße", "Lindenweg",
                      "Am Markt", "Kirchgasse", "Bergstraße", "Waldweg", "Mühlenweg", "Rosenstraße")
    small_towns = ("Quedlinburg", "Meersburg", "Wernigerode", "Bad Tölz", "Dinkelsbühl", "Monschau", "Cochem",
                   "Füssen", "Wismar", "Eckernförde", "Traben-Trarbach", "Bad Wimpfen")
    iban_locale = "de_DE"
    po_box_words = ("Postfach",)

    def unit(self, c: Ctx) -> str | None:
        return c.rng.choice([f"Whg. {c.rng.randint(1, 24)}", f"{c.rng.randint(1, 5)}. OG"]) if c.chance(0.2) else None

    def phone(self, c: Ctx) -> str:
        if c.chance(0.35):
            return c.rng.choice([f"+49 1{c.rng.choice('567')}{c.digits(1)} {c.digits(7)}",
                                 f"01{c.rng.choice('567')}{c.digits(1)} {c.digits(7)}",
                                 f"030 {c.digits(8)}"])
        return str(c.fk.phone_number())

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("Steuer-ID", steuer_id(c), "NATIONAL_ID"),
                Ident("Sozialversicherungsnummer", str(c.fk.rvnr(birthdate=p.dob)), "NATIONAL_ID"),
                Ident("Personalausweisnummer", self.passport(c), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("Versichertennummer", kvnr(c), "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        alphabet = "CFGHJKLMNPRTVWXYZ0123456789"
        return c.rng.choice("CFGHJK") + c.letters(8, alphabet)

    def driver_license(self, c: Ctx, p: Persona) -> str:
        return c.letters(1) + c.digits(3) + c.letters(6, string.ascii_uppercase + string.digits) + c.digits(1)


class NlNL(EuroLocale):
    code = "nl_NL"
    countries = ("Nederland", "the Netherlands", "NETHERLANDS")
    common_streets = ("Kerkstraat", "Dorpsstraat", "Molenweg", "Schoolstraat", "Stationsweg", "Julianastraat",
                      "Beatrixlaan", "Nieuwstraat", "Raadhuisplein")
    iban_locale = "nl_NL"
    po_box_words = ("Postbus",)

    def number(self, c: Ctx) -> str:
        n = str(c.rng.randint(1, 300))
        return n + c.rng.choice(["", "", "", "A", "-II", " hs", "-3"])

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        city = a.city.upper() if c.chance(0.5) else a.city
        lines = [L(S(a.street)), L(P(a.postcode), "  " if c.chance(0.5) else " ", C(city))]
        inline = L(S(a.street), ", ", P(a.postcode), " ", C(a.city))
        return lines, inline

    def phone(self, c: Ctx) -> str:
        return f"06-{c.digits(8)}" if c.chance(0.3) else str(c.fk.phone_number())

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("BSN", str(c.fk.ssn()), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("BSN", str(c.fk.ssn()), "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.letters(2, "NBPX") + c.letters(6, "ABCDEFGHJKLNPRSTUVWXYZ0123456789") + c.digits(1)


class SvSE(EuroLocale):
    code = "sv_SE"
    countries = ("Sverige", "Sweden", "SWEDEN")
    common_streets = ("Storgatan", "Kyrkogatan", "Drottninggatan", "Skolvägen", "Järnvägsgatan", "Ringvägen")
    po_box_words = ("Box",)

    def postcode(self, c: Ctx) -> str:
        pc = str(c.fk.postcode())
        return f"{pc[:3]} {pc[3:]}" if c.chance(0.7) else pc

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        lines = [L(S(a.street)), L(P(a.postcode), " ", C(a.city.upper() if c.chance(0.4) else a.city))]
        return lines, L(S(a.street), ", ", P(a.postcode), " ", C(a.city))

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("personnummer", personnummer(c, p.dob), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("personnummer", personnummer(c, p.dob), "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.digits(8)

    def iban(self, c: Ctx) -> str:
        return make_iban("SE", c.digits(20))


class NoNO(EuroLocale):
    code = "no_NO"
    countries = ("Norge", "Norway", "NORWAY")
    common_streets = ("Storgata", "Kirkeveien", "Skoleveien", "Strandgata", "Kongens gate", "Fjordveien")
    small_towns = ("Røros", "Lom", "Stryn", "Levanger", "Mosjøen", "Brønnøysund", "Vadsø", "Tynset", "Florø", "Risør")
    iban_locale = "no_NO"

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        lines = [L(S(a.street)), L(P(a.postcode), " ", C(a.city.upper() if c.chance(0.5) else a.city))]
        return lines, L(S(a.street), ", ", P(a.postcode), " ", C(a.city))

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        value = str(c.fk.ssn(dob=f"{p.dob:%Y%m%d}", gender=p.gender))  # type: ignore[call-arg]
        return [Ident("fødselsnummer", value, "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return self.national_ids(c, p)[0]

    def passport(self, c: Ctx) -> str:
        return c.letters(2) + c.digits(7)


class DaDK(EuroLocale):
    code = "da_DK"
    countries = ("Danmark", "Denmark", "DENMARK")
    common_streets = ("Hovedgaden", "Kirkevej", "Skolevej", "Nørregade", "Søndergade", "Vestergade", "Strandvejen")
    iban_locale = "da_DK"

    def unit(self, c: Ctx) -> str | None:
        return f"{c.rng.randint(1, 5)}. {c.rng.choice(['tv', 'th', 'mf'])}." if c.chance(0.4) else None

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        first = L(S(a.street), ", ", S(a.unit)) if a.unit else L(S(a.street))
        lines = [first, L(P(a.postcode), " ", C(a.city))]
        return lines, L(*first, ", ", P(a.postcode), " ", C(a.city))

    def phone(self, c: Ctx) -> str:
        return str(c.fk.phone_number())

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("CPR", cpr(c, p.dob), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("CPR-nummer", cpr(c, p.dob), "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.digits(9)


class FiFI(EuroLocale):
    code = "fi_FI"
    countries = ("Suomi", "Finland", "FINLAND")
    iban_locale = "fi_FI"

    def unit(self, c: Ctx) -> str | None:
        return f"{c.rng.choice('ABC')} {c.rng.randint(1, 40)}" if c.chance(0.4) else None

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        first = L(S(a.street), " ", S(a.unit)) if a.unit else L(S(a.street))
        lines = [first, L(P(a.postcode), " ", C(a.city.upper() if c.chance(0.5) else a.city))]
        return lines, L(*first, ", ", P(a.postcode), " ", C(a.city))

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("henkilötunnus", hetu(c, p.dob), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("Kela card number", hetu(c, p.dob), "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.letters(2) + c.digits(7)


class PlPL(EuroLocale):
    code = "pl_PL"
    countries = ("Polska", "Poland", "POLAND")
    common_streets = ("ul. Długa", "ul. Polna", "ul. Leśna", "ul. Słoneczna", "ul. Krótka", "ul. Ogrodowa",
                      "ul. Kościuszki", "al. Jana Pawła II", "ul. Mickiewicza")
    iban_locale = "pl_PL"

    def street_name(self, c: Ctx) -> str:
        if c.chance(0.5):
            return c.rng.choice(self.common_streets)
        return f"{c.rng.choice(['ul.', 'ul.', 'al.', 'pl.'])} {c.fk.street_name()}"

    def number(self, c: Ctx) -> str:
        n = str(c.rng.randint(1, 150))
        return n + c.rng.choice(["", "", f"/{c.rng.randint(1, 60)}", f" m. {c.rng.randint(1, 60)}", "A"])

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        dob = dt.datetime(p.dob.year, p.dob.month, p.dob.day)
        return [Ident("PESEL", str(c.fk.pesel(date_of_birth=dob)), "NATIONAL_ID"),
                Ident("NIP", str(c.fk.nip()), "NATIONAL_ID"),
                Ident("dowód osobisty", str(c.fk.identity_card_number()), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return self.national_ids(c, p)[0]

    def passport(self, c: Ctx) -> str:
        return c.letters(2) + c.digits(7)

    def driver_license(self, c: Ctx, p: Persona) -> str:
        return f"{c.digits(5)}/{c.digits(2)}/{c.digits(4)}"


class FrFR(Locale):
    code = "fr_FR"
    countries = ("France", "FRANCE")
    common_streets = ("rue de la République", "rue Victor Hugo", "avenue Jean Jaurès", "place de l'Église",
                      "chemin des Vignes", "rue du Moulin", "boulevard Gambetta", "impasse des Lilas")
    small_towns = ("Collioure", "Figeac", "Sarlat-la-Canéda", "Uzès", "Dinan", "Honfleur", "Millau", "Apt", "Riom",
                   "Cluny", "Vézelay", "Obernai", "Gordes", "Lodève")
    iban_locale = "fr_FR"
    po_box_words = ("BP",)

    def street(self, c: Ctx, number: str) -> str:
        return f"{number}{c.rng.choice([', ', ' '])}{self.street_name(c)}"

    def unit(self, c: Ctx) -> str | None:
        if not c.chance(0.3):
            return None
        return c.rng.choice([f"Bât. {c.rng.choice('ABCD')}", f"Apt {c.rng.randint(1, 60)}",
                             f"Résidence les {c.rng.choice(['Tilleuls', 'Pins', 'Acacias'])}"])

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        lines: list[Line] = []
        if a.unit:
            lines.append(L(S(a.unit)))
        lines.append(L(S(a.street)))
        lines.append(L(P(a.postcode), " ", C(a.city.upper() if c.chance(0.6) else a.city)))
        return lines, L(S(a.street), ", ", P(a.postcode), " ", C(a.city))

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        nir = str(c.fk.ssn())
        if c.chance(0.5):
            nir = f"{nir[0]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}"
        return [Ident("numéro de sécu", nir, "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("carte Vitale", self.national_ids(c, p)[0].value, "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.digits(2) + c.letters(2) + c.digits(5)

    def driver_license(self, c: Ctx, p: Persona) -> str:
        return c.digits(12) if c.chance(0.5) else f"{c.digits(2)}{c.letters(2)}{c.digits(5)}"


class EsES(EuroLocale):
    code = "es_ES"
    countries = ("España", "Spain", "SPAIN")
    common_streets = ("Calle Mayor", "Avenida de la Constitución", "Calle Real", "Plaza España", "Calle del Sol",
                      "Calle Nueva", "Paseo del Prado", "Calle San Juan", "Camino Real")
    small_towns = ("Frigiliana", "Cudillero", "Albarracín", "Ronda", "Cadaqués", "Olite", "Hondarribia", "Peñíscola",
                   "Zafra", "Besalú", "Llanes", "Trujillo")
    iban_locale = "es_ES"
    po_box_words = ("Apartado de Correos",)

    def street(self, c: Ctx, number: str) -> str:
        name = self.street_name(c)
        if c.chance(0.3) and name.startswith("Calle "):
            name = "C/ " + name[6:]
        return f"{name}{c.rng.choice([' ', ', '])}{number}"

    def unit(self, c: Ctx) -> str | None:
        return c.rng.choice([f"{c.rng.randint(1, 8)}º {c.rng.choice('ABCD')}", f"{c.rng.randint(1, 8)}º izq.",
                             f"Piso {c.rng.randint(1, 8)}"]) if c.chance(0.5) else None

    def state(self, c: Ctx) -> str | None:
        return str(c.fk.state()) if c.chance(0.5) else None

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        first = L(S(a.street), ", ", S(a.unit)) if a.unit else L(S(a.street))
        second = L(P(a.postcode), " ", C(a.city))
        if a.state:
            second += L(" (", ST(a.state), ")")
        return [first, second], L(*first, ", ", *second)

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("DNI", spanish_dni(c), "NATIONAL_ID"), Ident("NIE", spanish_nie(c), "NATIONAL_ID"),
                Ident("número de la Seguridad Social", spanish_nuss(c), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("tarjeta sanitaria", f"{c.letters(4)}{c.digits(12)}", "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.letters(3) + c.digits(6)


class EsMX(Locale):
    code = "es_MX"
    countries = ("México", "Mexico", "MEXICO")
    common_streets = ("Av. Insurgentes Sur", "Calle Hidalgo", "Av. Juárez", "Calle Morelos", "Blvd. Independencia",
                      "Calle 5 de Mayo", "Av. Revolución")
    small_towns = ("Tepoztlán", "Bacalar", "Valladolid", "Tequisquiapan", "Real de Catorce", "Pátzcuaro",
                   "Malinalco", "Cuetzalan", "Tlacotalpan", "San Cristóbal de las Casas", "Todos Santos")
    street_first = True

    def street(self, c: Ctx, number: str) -> str:
        s = f"{self.street_name(c)} {number}"
        if c.chance(0.3):
            s += f", Int. {c.rng.randint(1, 20)}"
        return s

    def state(self, c: Ctx) -> str | None:
        return str(c.fk.state())

    def postcode(self, c: Ctx) -> str:
        return c.digits(5)

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        colonia = c.rng.choice(["Col. Centro", "Col. Roma Norte", "Col. Del Valle", f"Col. {c.fk.last_name()}",
                                f"Fracc. {c.fk.last_name()}"])
        lines = [L(S(a.street)), L(S(colonia)), L("C.P. ", P(a.postcode), " ", C(a.city), ", ", ST(a.state or ""))]
        return lines, L(S(a.street), ", ", S(colonia), ", ", P(a.postcode), " ", C(a.city), ", ", ST(a.state or ""))

    def phone(self, c: Ctx) -> str:
        return c.rng.choice([f"+52 {c.digits(2)} {c.digits(4)} {c.digits(4)}", f"55 {c.digits(4)} {c.digits(4)}",
                             f"({c.digits(3)}) {c.digits(3)} {c.digits(4)}"])

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("CURP", curp(c, p.name, p.dob, p.gender), "NATIONAL_ID"),
                Ident("RFC", rfc(c, p.name, p.dob), "NATIONAL_ID"), Ident("NSS", c.digits(11), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("NSS", c.digits(11), "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.letters(1) + c.digits(8)

    def iban(self, c: Ctx) -> str:
        return str(c.aux("es_ES").iban())


class ItIT(Locale):
    code = "it_IT"
    countries = ("Italia", "Italy", "ITALY")
    common_streets = ("Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele", "Piazza del Duomo", "Via Dante",
                      "Via Mazzini", "Via Verdi", "Vicolo Stretto")
    iban_locale = "it_IT"
    street_first = True
    po_box_words = ("Casella Postale",)

    def street(self, c: Ctx, number: str) -> str:
        return f"{self.street_name(c)}{c.rng.choice([', ', ' '])}{number}"

    def unit(self, c: Ctx) -> str | None:
        return c.rng.choice([f"int. {c.rng.randint(1, 20)}", f"scala {c.rng.choice('ABC')}"]) if c.chance(0.3) else None

    def city(self, c: Ctx) -> str:
        return c.rng.choice(_IT_CITIES)

    def state(self, c: Ctx) -> str | None:
        return str(c.fk.state_abbr())

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        first = L(S(a.street), ", ", S(a.unit)) if a.unit else L(S(a.street))
        second = L(P(a.postcode), " ", C(a.city), " (", ST(a.state or ""), ")") if c.chance(0.6) else L(
            P(a.postcode), " ", C(a.city), " ", ST(a.state or ""))
        return [first, second], L(*first, ", ", *second)

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("codice fiscale", str(c.fk.ssn()), "NATIONAL_ID"),
                Ident("carta d'identità", str(c.fk.cie()), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("tessera sanitaria", str(c.fk.ssn()), "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return str(c.fk.passport_number())

    def driver_license(self, c: Ctx, p: Persona) -> str:
        return c.letters(2) + c.digits(7) + c.letters(1)


class PtBR(Locale):
    code = "pt_BR"
    countries = ("Brasil", "Brazil", "BRAZIL")
    common_streets = ("Rua das Flores", "Rua XV de Novembro", "Rua São João", "Avenida Brasil", "Rua Sete de Setembro",
                      "Travessa da Paz", "Rua Direita")
    small_towns = ("Paraty", "Tiradentes", "Ouro Preto", "Pirenópolis", "Lençóis", "Morretes", "Gramado", "Olinda",
                   "Penedo", "Cunha", "São Luiz do Paraitinga")
    iban_locale = "pt_BR"
    street_first = True
    po_box_words = ("Caixa Postal",)

    def street(self, c: Ctx, number: str) -> str:
        s = f"{self.street_name(c)}, {number}"
        if c.chance(0.35):
            s += c.rng.choice([f", apto {c.rng.randint(11, 1504)}", f" - Apto {c.rng.randint(11, 904)}",
                               f", casa {c.rng.randint(1, 9)}"])
        return s

    def state(self, c: Ctx) -> str | None:
        return str(c.fk.estado_sigla())

    def postcode(self, c: Ctx) -> str:
        return f"{c.digits(5)}-{c.digits(3)}"

    def layout(self, c: Ctx, a: Parts) -> tuple[list[Line], Line]:
        bairro = str(c.fk.bairro())
        if c.chance(0.5):
            lines = [L(S(a.street)), L(S(bairro)), L(C(a.city), " - ", ST(a.state or "")), L("CEP ", P(a.postcode))]
        else:
            lines = [L(S(a.street), " - ", S(bairro)), L(P(a.postcode), " ", C(a.city), "/", ST(a.state or ""))]
        return lines, L(S(a.street), " - ", S(bairro), ", ", C(a.city), " - ", ST(a.state or ""), ", ", P(a.postcode))

    def phone(self, c: Ctx) -> str:
        return str(c.fk.cellphone_number() if c.chance(0.6) else c.fk.phone_number())

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("CPF", str(c.fk.cpf()), "NATIONAL_ID"), Ident("RG", str(c.fk.rg()), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("cartão SUS", f"{c.rng.choice('789')}{c.digits(2)} {c.digits(4)} {c.digits(4)} {c.digits(4)}",
                     "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.letters(2) + c.digits(6)

    def driver_license(self, c: Ctx, p: Persona) -> str:
        return c.digits(11)


_TR_MAHALLE = ("Cumhuriyet", "Atatürk", "Yeni", "Fatih", "Bahçelievler", "Merkez", "İstiklal", "Gazi", "Barbaros",
               "Yıldız", "Çamlık", "Zafer")
_TR_PLACES = (("Kadıköy", "İstanbul"), ("Çankaya", "Ankara"), ("Bornova", "İzmir"), ("Nilüfer", "Bursa"),
              ("Muratpaşa", "Antalya"), ("Tepebaşı", "Eskişehir"), ("Ortahisar", "Trabzon"), ("Datça", "Muğla"),
              ("Kaş", "Antalya"), ("Safranbolu", "Karabük"), ("Ürgüp", "Nevşehir"), ("Ayvalık", "Balıkesir"))
_TR_SMALL = ("Datça", "Kaş", "Safranbolu", "Ürgüp", "Ayvalık")


class TrTR(Locale):
    code = "tr_TR"
    countries = ("Türkiye", "Turkey", "TÜRKİYE")
    iban_locale = "tr_TR"
    street_first = True

    def street(self, c: Ctx, number: str) -> str:
        last = c.fk.last_name()
        return c.rng.choice([
            f"{c.rng.choice(_TR_MAHALLE)} Mah. {last} Sok. No: {number}" + (
                f" D: {c.rng.randint(1, 20)}" if c.chance(0.5) else ""),
            f"{last} Cad. No:{number}/{c.rng.randint(1, 20)}",
            f"{c.rng.choice(_TR_MAHALLE)} Mahallesi, {last} Sokak No {number}",
        ])

    def address(self, c: Ctx, native: bool) -> Address:
        number = str(c.rng.randint(1, 120))
        street = self.street(c, number)
        district, il = c.rng.choice(_TR_PLACES)
        if district in _TR_SMALL:
            c.flag("small_town")
        postcode = c.digits(5, first_nonzero=True)
        lines = [L(S(street)), L(P(postcode), " ", C(district), " / " if c.chance(0.5) else "/", ST(il))]
        inline = L(S(street), ", ", P(postcode), " ", C(district), "/", ST(il))
        return Address(lines, inline, street, street, None, number, district, il, postcode, self.country(c))

    def phone(self, c: Ctx) -> str:
        return f"0{c.rng.choice(['532', '505', '544', '555'])} {c.digits(3)} {c.digits(2)} {c.digits(2)}" if c.chance(
            0.4) else str(c.fk.phone_number())

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("TC Kimlik No", str(c.fk.ssn()), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return self.national_ids(c, p)[0]

    def passport(self, c: Ctx) -> str:
        return c.letters(1) + c.digits(8)


class RuRU(Locale):
    code = "ru_RU"
    countries = ("Россия", "Russia", "RUSSIA", "Российская Федерация")
    street_first = True

    def address(self, c: Ctx, native: bool) -> Address:
        fk = c.fk
        number = str(c.rng.randint(1, 120))
        street = f"{fk.street_suffix()} {fk.street_title()}, д. {number}"
        if c.chance(0.6):
            street += f", кв. {c.rng.randint(1, 300)}"
        city, region, postcode = str(fk.city_name()), str(fk.region()), c.digits(6, first_nonzero=True)
        country = c.rng.choice(self.countries[:2])
        if not native:
            street = translit_cyrillic(street)
            city, region = translit_cyrillic(city), translit_cyrillic(region)
            country = c.rng.choice(["Russia", "RUSSIA", "Russian Federation"])
        prefix = "g. " if not native else "г. "
        if c.chance(0.5):
            lines = [L(S(street)), L(prefix, C(city)), L(ST(region)), L(P(postcode))]
        else:
            lines = [L(P(postcode), ", ", ST(region), ", ", prefix, C(city)), L(S(street))]
        inline = L(S(street), ", ", prefix, C(city), ", ", P(postcode))
        return Address(lines, inline, street, street, None, number, city, region, postcode, country)

    def phone(self, c: Ctx) -> str:
        return str(c.fk.phone_number())

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        sn = str(c.fk.snils())
        return [Ident("СНИЛС" if p.name.native else "SNILS", f"{sn[:3]}-{sn[3:6]}-{sn[6:9]} {sn[9:]}", "NATIONAL_ID"),
                Ident("ИНН" if p.name.native else "INN", str(c.fk.individuals_inn()), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("полис ОМС" if p.name.native else "OMS policy", c.digits(16), "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return str(c.fk.passport_number())

    def iban(self, c: Ctx) -> str:
        return str(c.aux("de_DE").iban())


class ElGR(Locale):
    code = "el_GR"
    countries = ("Ελλάδα", "Greece", "GREECE")
    iban_locale = "el_GR"
    street_first = True

    def address(self, c: Ctx, native: bool) -> Address:
        fk = c.fk
        number = str(c.rng.randint(1, 150))
        street = f"{fk.street()} {number}"
        city = str(fk.city())
        postcode = f"{c.digits(3, first_nonzero=True)} {c.digits(2)}"
        country = c.rng.choice(self.countries[:2])
        if not native:
            street, city = translit_greek(street), translit_greek(city)
            country = c.rng.choice(["Greece", "GREECE"])
        pre = "ΤΚ " if native and c.chance(0.4) else ""
        lines = [L(S(street)), L(pre, P(postcode), " ", C(city))]
        return Address(lines, L(S(street), ", ", P(postcode), " ", C(city)), street, street, None, number, city,
                       None, postcode, country)

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("AMKA", str(c.fk.ssn()), "NATIONAL_ID"), Ident("AFM", greek_tin(c), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("AMKA", str(c.fk.ssn()), "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.letters(2) + c.digits(7)


_JA_ROMAN_PLACES = (("Kanazawa", "Ishikawa"), ("Matsumoto", "Nagano"), ("Takayama", "Gifu"), ("Onomichi", "Hiroshima"),
                    ("Kamakura", "Kanagawa"), ("Hakodate", "Hokkaido"), ("Kurashiki", "Okayama"), ("Beppu", "Oita"),
                    ("Uji", "Kyoto"), ("Setagaya-ku", "Tokyo"), ("Nakano-ku", "Tokyo"), ("Taito-ku", "Tokyo"),
                    ("Tsuruoka", "Yamagata"), ("Nago", "Okinawa"), ("Tono", "Iwate"), ("Kita-ku", "Osaka"))
_JA_ROMAN_TOWNS = ("Kitazawa", "Honcho", "Sakae-machi", "Minami-machi", "Midori-cho", "Higashi", "Nishiki", "Chuo",
                   "Kotobuki-cho", "Asakusa", "Sakuragaoka", "Kamiyama")
_JA_SMALL = ("Takayama", "Onomichi", "Tsuruoka", "Nago", "Tono", "Beppu", "Uji")


class JaJP(Locale):
    code = "ja_JP"
    countries = ("Japan", "JAPAN", "日本")

    def address(self, c: Ctx, native: bool) -> Address:
        fk = c.fk
        postcode = str(fk.postcode())
        a, b, d = c.rng.randint(1, 9), c.rng.randint(1, 30), c.rng.randint(1, 20)
        room = f"{c.rng.randint(1, 12)}0{c.rng.randint(1, 9)}"
        if native:
            pref, city, town = str(fk.prefecture()), str(fk.city()), str(fk.town())
            street = f"{town}{a}丁目{b}番{d}号" if c.chance(0.6) else f"{town}{a}-{b}-{d}"
            bldg = f"{fk.building_name()}{room}号室" if c.chance(0.5) else None
            lines = [L("〒", P(postcode)), L(ST(pref), C(city), S(street))]
            if bldg:
                lines.append(L(S(bldg)))
            inline = L("〒", P(postcode), " ", ST(pref), C(city), S(street))
            return Address(lines, inline, street, None, bldg, str(a), city, pref, postcode, "日本")
        city, pref = c.rng.choice(_JA_ROMAN_PLACES)
        if city in _JA_SMALL:
            c.flag("small_town")
        street = f"{a}-{b}-{d} {c.rng.choice(_JA_ROMAN_TOWNS)}"
        unit = c.rng.choice([f"Room {room}", f"#{room}", f"Sunny Heights {room}"]) if c.chance(0.5) else None
        first = L(S(street), ", ", S(unit)) if unit else L(S(street))
        lines = [first, L(C(city), ", ", ST(pref), " ", P(postcode))]
        inline = L(*first, ", ", C(city), ", ", ST(pref), " ", P(postcode))
        country = c.rng.choice(["Japan", "JAPAN"])
        return Address(lines, inline, street, None, unit, str(a), city, pref, postcode, country)

    def phone(self, c: Ctx) -> str:
        return str(c.fk.phone_number()) if c.chance(0.7) else f"+81 90-{c.digits(4)}-{c.digits(4)}"

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("My Number", my_number(c), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("hokensho number", f"{c.digits(8)}-{c.digits(2)}", "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.letters(2) + c.digits(7)

    def driver_license(self, c: Ctx, p: Persona) -> str:
        return c.digits(12)

    def iban(self, c: Ctx) -> str:
        return str(c.aux("de_DE").iban())


_ZH_ROMAN_STREETS = ("Jianguo Road", "Renmin Road", "Zhongshan North Road", "Huaihai Middle Road", "Jiefang Avenue",
                     "Nanjing West Road", "Wenhua Road", "Xinhua Street", "Heping Road", "Dongfeng Road")
_ZH_ROMAN_PLACES: tuple[tuple[str, str, str | None], ...] = (
                    ("Xuhui District", "Shanghai", None), ("Chaoyang District", "Beijing", None),
                    ("Tianhe District", "Guangzhou", "Guangdong"), ("Wuhou District", "Chengdu", "Sichuan"),
                    ("Xihu District", "Hangzhou", "Zhejiang"), ("Gulou District", "Nanjing", "Jiangsu"),
                    ("Siming District", "Xiamen", "Fujian"), ("Yangshuo County", "Guilin", "Guangxi"),
                    ("Gucheng District", "Lijiang", "Yunnan"), ("Wuyuan County", "Shangrao", "Jiangxi"))


class ZhCN(Locale):
    code = "zh_CN"
    countries = ("China", "CHINA", "中国", "PR China")

    def address(self, c: Ctx, native: bool) -> Address:
        fk = c.fk
        postcode = c.digits(6, first_nonzero=True)
        number = str(c.rng.randint(1, 999))
        if native:
            n_prov, n_city, n_dist = str(fk.province()), str(fk.city()), f"{fk.district()}区"
            street = f"{fk.street_name()}{number}号"
            if c.chance(0.5):
                street += f"{c.rng.randint(1, 30)}栋{c.rng.randint(1, 30)}0{c.rng.randint(1, 9)}室"
            lines = [L(ST(n_prov), C(n_city), C(n_dist), S(street)), L(P(postcode))]
            inline = L(ST(n_prov), C(n_city), C(n_dist), S(street), " ", P(postcode))
            return Address(lines, inline, street, None, None, number, n_city, n_prov, postcode, "中国")
        dist, city, prov = c.rng.choice(_ZH_ROMAN_PLACES)
        street = f"No. {number} {c.rng.choice(_ZH_ROMAN_STREETS)}"
        if c.chance(0.4):
            street += f", Apt {c.rng.randint(1, 30)}0{c.rng.randint(1, 9)}"
        second = L(C(dist), ", ", C(city))
        if prov:
            second += L(", ", ST(prov))
        second += L(" ", P(postcode))
        lines = [L(S(street)), second]
        return Address(lines, L(S(street), ", ", *second), street, None, None, number, city, prov, postcode,
                       c.rng.choice(["China", "CHINA", "PR China"]))

    def phone(self, c: Ctx) -> str:
        num = str(c.fk.phone_number())
        if c.chance(0.4):
            return f"+86 {num[:3]} {num[3:7]} {num[7:]}"
        return num

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("身份证号" if p.name.native else "ID card number", china_resident_id(c, p.dob), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("social security card", china_resident_id(c, p.dob), "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.rng.choice("EG") + c.digits(8)

    def iban(self, c: Ctx) -> str:
        return str(c.aux("de_DE").iban())


_KO_ROMAN_ROADS = ("Teheran-ro", "Sejong-daero", "Jong-ro", "Dongho-ro", "Haeundae-ro", "Gwangbok-ro",
                   "Jungang-daero", "Eulji-ro", "Yeouido-ro", "Banpo-daero")
_KO_ROMAN_PLACES = (("Gangnam-gu", "Seoul", "CITY"), ("Mapo-gu", "Seoul", "CITY"), ("Jongno-gu", "Seoul", "CITY"),
                    ("Haeundae-gu", "Busan", "CITY"), ("Suseong-gu", "Daegu", "CITY"),
                    ("Yuseong-gu", "Daejeon", "CITY"),
                    ("Seongnam-si", "Gyeonggi-do", "STATE"), ("Gyeongju-si", "Gyeongsangbuk-do", "STATE"),
                    ("Jeonju-si", "Jeollabuk-do", "STATE"), ("Sokcho-si", "Gangwon-do", "STATE"))


class KoKR(Locale):
    code = "ko_KR"
    countries = ("South Korea", "Republic of Korea", "KOREA", "대한민국")

    def address(self, c: Ctx, native: bool) -> Address:
        fk = c.fk
        postcode = c.digits(5)
        number = str(c.rng.randint(1, 400))
        if native:
            if c.chance(0.5):
                top, top_type, mid = str(fk.metropolitan_city()), "CITY", str(fk.borough())
            else:
                top, top_type, mid = str(fk.province()), "STATE", str(fk.city())
            street = f"{fk.road_name()}{fk.road_suffix()} {number}"
            detail = f"{c.rng.randint(101, 120)}동 {c.rng.randint(1, 25)}0{c.rng.randint(1, 9)}호" if c.chance(
                0.5) else None
            first = L((top, top_type), " ", C(mid), " ", S(street))
            if detail:
                first += L(", ", S(detail))
            lines = [first, L("(", P(postcode), ")")]
            inline = L(*first, " (", P(postcode), ")")
            return Address(lines, inline, street, None, detail, number, mid, top, postcode, "대한민국")
        borough, top, top_type = c.rng.choice(_KO_ROMAN_PLACES)
        street = f"{number} {c.rng.choice(_KO_ROMAN_ROADS)}"
        unit = f"Apt {c.rng.randint(101, 120)}-{c.rng.randint(1, 25)}0{c.rng.randint(1, 9)}" if c.chance(0.4) else None
        first = L(S(street), ", ", S(unit)) if unit else L(S(street))
        lines = [first, L(C(borough), ", ", (top, top_type), " ", P(postcode))]
        inline = L(*first, ", ", C(borough), ", ", (top, top_type), " ", P(postcode))
        return Address(lines, inline, street, None, unit, number, borough, top, postcode,
                       c.rng.choice(["South Korea", "Republic of Korea", "KOREA"]))

    def phone(self, c: Ctx) -> str:
        return f"010-{c.digits(4)}-{c.digits(4)}" if c.chance(0.5) else str(c.fk.phone_number())

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        return [Ident("주민등록번호" if p.name.native else "RRN", korean_rrn(c, p.dob, p.gender), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return Ident("health insurance number", c.digits(11), "NATIONAL_ID")

    def passport(self, c: Ctx) -> str:
        return c.rng.choice("MSR") + c.digits(8)

    def iban(self, c: Ctx) -> str:
        return str(c.aux("de_DE").iban())


_AR_PLACES = {
    "AE": dict(country=("United Arab Emirates", "UAE", "الإمارات"), cities=("Dubai", "Abu Dhabi", "Sharjah", "Al Ain",
                                                                             "Fujairah", "Khor Fakkan"),
               areas=("Al Barsha 2", "Jumeirah 1", "Al Nahda", "Mirdif", "Al Khalidiyah", "Al Qusais")),
    "SA": dict(country=("Saudi Arabia", "KSA", "السعودية"), cities=("Riyadh", "Jeddah", "Dammam", "Abha", "Taif",
                                                                    "Al Ula"),
               areas=("Al Olaya District", "Al Malqa", "Al Rawdah", "Al Hamra", "Al Nuzha")),
    "EG": dict(country=("Egypt", "EGYPT", "مصر"), cities=("Cairo", "Giza", "Alexandria", "Mansoura", "Siwa", "Dahab"),
               areas=("Dokki", "Maadi", "Heliopolis", "Zamalek", "Smouha")),
    "JO": dict(country=("Jordan", "JORDAN", "الأردن"), cities=("Amman", "Irbid", "Zarqa", "Madaba", "Ajloun"),
               areas=("Jabal Amman", "Sweifieh", "Abdoun", "Khalda", "Tla' Al Ali")),
}
_AR_STREETS = ("King Fahd Road", "Street 27", "El Tahrir St.", "Mecca Street", "Al Wasl Road", "Prince Sultan St.",
               "Omar Ibn Al Khattab St.", "Al Rabie Street", "Salah Salem Road")
_AR_NATIVE_STREETS = ("شارع الملك فهد", "شارع التحلية", "شارع الجامعة", "شارع النصر", "شارع الحرية", "شارع مكة")
_AR_NATIVE_CITIES = ("الرياض", "جدة", "القاهرة", "عمّان", "دبي", "الإسكندرية", "إربد")
_AR_SMALL = ("Khor Fakkan", "Al Ula", "Siwa", "Dahab", "Ajloun", "Madaba", "Abha")


class ArAA(Locale):
    code = "ar_AA"
    countries = ("United Arab Emirates",)

    def _sub(self, c: Ctx) -> str:
        """Which Arabic-speaking country this example's details come from (fixed once per example)."""
        if "ar_country" not in c.memo:
            c.memo["ar_country"] = c.rng.choice(list(_AR_PLACES))
        return c.memo["ar_country"]

    def address(self, c: Ctx, native: bool) -> Address:
        sub = self._sub(c)
        data = _AR_PLACES[sub]
        number = str(c.rng.randint(1, 9999))
        postcode = c.digits(5, first_nonzero=True)
        if native:
            street = f"{c.rng.choice(_AR_NATIVE_STREETS)}، مبنى {c.rng.randint(1, 300)}"
            city = c.rng.choice(_AR_NATIVE_CITIES)
            lines = [L(S(street)), L(C(city), " ", P(postcode))]
            return Address(lines, L(S(street)) + L("، ", C(city), " ", P(postcode)), street, None, None, number,
                           city, None, postcode, data["country"][2])
        city = c.rng.choice(data["cities"])
        if city in _AR_SMALL:
            c.flag("small_town")
        area = c.rng.choice(data["areas"])
        if sub == "AE":
            street = f"Villa {c.rng.randint(1, 80)}, {c.rng.choice(_AR_STREETS)}, {area}"
            lines = [L(S(street)), L(C(city.upper() if c.chance(0.3) else city))]
            inline = L(S(street), ", ", C(city))
            postcode = ""
        elif sub == "SA":
            street = f"Building {number}, {c.rng.choice(_AR_STREETS)}, {area}"
            lines = [L(S(street)), L(C(city), " ", P(postcode), f" - {c.digits(4)}")]
            inline = L(S(street), ", ", C(city), " ", P(postcode))
        else:
            street = f"{c.rng.randint(1, 120)} {c.rng.choice(_AR_STREETS)}, {area}"
            lines = [L(S(street)), L(C(city), " ", P(postcode))]
            inline = L(S(street), ", ", C(city), " ", P(postcode))
        country = c.rng.choice(data["country"][:2])
        return Address(lines, inline, street, None, None, number, city, None, postcode, country)

    def po_box(self, c: Ctx) -> str:
        return f"P.O. Box {c.rng.randint(100, 99999)}"

    def phone(self, c: Ctx) -> str:
        sub = self._sub(c)
        if sub == "AE":
            return f"+971 5{c.rng.choice('0256')} {c.digits(3)} {c.digits(4)}"
        if sub == "SA":
            return c.rng.choice([f"+966 5{c.digits(1)} {c.digits(3)} {c.digits(4)}", f"05{c.digits(8)}"])
        if sub == "EG":
            return c.rng.choice([f"+20 10 {c.digits(4)} {c.digits(4)}", f"012{c.digits(8)}"])
        return f"+962 7{c.rng.choice('789')} {c.digits(3)} {c.digits(4)}"

    def national_ids(self, c: Ctx, p: Persona) -> list[Ident]:
        sub = self._sub(c)
        if sub == "AE":
            return [Ident("Emirates ID", f"784-{p.dob.year}-{c.digits(7)}-{c.digits(1)}", "NATIONAL_ID")]
        if sub == "SA":
            return [Ident("national ID", "1" + c.digits(9), "NATIONAL_ID")]
        if sub == "EG":
            return [Ident("national ID", egypt_national_id(c, p.dob), "NATIONAL_ID")]
        return [Ident("national number", "9" + c.digits(9), "NATIONAL_ID")]

    def health_id(self, c: Ctx, p: Persona) -> Ident:
        return self.national_ids(c, p)[0]

    def passport(self, c: Ctx) -> str:
        return c.letters(1) + c.digits(7 + c.rng.randint(0, 1))

    def iban(self, c: Ctx) -> str:
        sub = self._sub(c)
        if sub == "AE":
            return make_iban("AE", c.digits(19))
        if sub == "SA":
            return make_iban("SA", c.digits(2) + c.digits(18))
        if sub == "EG":
            return make_iban("EG", c.digits(25))
        return make_iban("JO", c.letters(4) + c.digits(4) + c.digits(18))


LOCALES: dict[str, Locale] = {
    loc.code: loc
    for loc in (
        EnUS(), EnGB(), EnAU(), EnCA(), EnIN(), EnIE(), DeDE(), FrFR(), EsES(), EsMX(), ItIT(), NlNL(), PtBR(), PlPL(),
        SvSE(), NoNO(), DaDK(), FiFI(), TrTR(), RuRU(), ElGR(), JaJP(), ZhCN(), KoKR(), HiIN(), ArAA(),
    )
}
NON_LATIN_LOCALES = ("ru_RU", "el_GR", "ja_JP", "zh_CN", "ko_KR", "hi_IN", "ar_AA")
LATIN_LOCALES = tuple(code for code in LOCALES if code not in NON_LATIN_LOCALES)
ALL_LOCALES = tuple(LOCALES)
ENGLISH_LOCALES = ("en_US", "en_GB", "en_AU", "en_CA", "en_IN", "en_IE")
STREET_THEN_NUMBER_LOCALES = ("de_DE", "nl_NL", "sv_SE", "no_NO", "da_DK", "fi_FI", "pl_PL", "es_ES", "es_MX", "it_IT",
                              "pt_BR", "tr_TR")
NON_US_LOCALES = tuple(code for code in LOCALES if code != "en_US")
IBAN_LOCALES = ("en_GB", "en_IE", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_BR", "sv_SE", "no_NO",
                "da_DK", "fi_FI", "el_GR", "tr_TR", "ar_AA")
INTERSECTION_LOCALES = ("en_US", "en_CA", "en_AU")
DL_LOCALES = ("en_US", "en_GB", "en_CA", "en_AU", "en_IN", "de_DE", "fr_FR", "it_IT", "pl_PL", "pt_BR", "ja_JP")


# --------------------------------------------------------------------------------------------------------------
# Persona: one fictional person, generated lazily so unused fields cost nothing and used ones stay consistent.
# --------------------------------------------------------------------------------------------------------------


class Persona:
    """A fictional person from one locale; each field is generated on first use and then fixed."""

    def __init__(self, c: Ctx, locale: str, native: bool, gender: str | None = None) -> None:
        self.c = c
        self.locale = locale
        self.profile = LOCALES[locale]
        self.gender = c.rng.choice("FM") if gender is None else gender
        self.native = native and locale in NON_LATIN_LOCALES
        self.name = make_name(c, locale, self.native, self.gender)
        self.dob = random_date(c.rng, dt.date(1944, 1, 1), dt.date(2007, 12, 28))

    @cached_property
    def address(self) -> Address:
        return self.profile.address(self.c, self.native)

    @cached_property
    def natid(self) -> Ident:
        return self.c.rng.choice(self.profile.national_ids(self.c, self))

    @cached_property
    def health(self) -> Ident:
        return self.profile.health_id(self.c, self)

    @cached_property
    def phone(self) -> str:
        return self.profile.phone(self.c)

    @cached_property
    def email(self) -> str:
        return self._make_email()

    @cached_property
    def handle(self) -> str:
        return self._make_handle()

    @cached_property
    def passport(self) -> str:
        return self.profile.passport(self.c)

    @cached_property
    def driver_license(self) -> str:
        return self.profile.driver_license(self.c, self)

    @cached_property
    def iban(self) -> str:
        return self.profile.iban(self.c)

    def _latin_parts(self) -> tuple[str, str]:
        name = self.name
        if name.native:
            fk = self.c.aux(self.locale)
            user = str(fk.user_name())
            return user, user
        first = "".join(ch for ch in ascii_fold(name.first).lower() if ch.isalnum())
        last = "".join(ch for ch in ascii_fold(name.last).lower() if ch.isalnum())
        return first or "user", last or "x"

    def _make_email(self) -> str:
        c = self.c
        first, last = self._latin_parts()
        domain = c.rng.choice(["gmail.com", "outlook.com", "yahoo.com", "hotmail.co.uk", "gmx.de", "web.de",
                               "icloud.com", "proton.me", "mail.ru", "yandex.ru", "qq.com", "163.com", "naver.com",
                               "yahoo.co.jp", "libero.it", "orange.fr", "wp.pl", "uol.com.br", "protonmail.com",
                               "aol.com"])
        local = c.rng.choice([
            f"{first}.{last}", f"{first}{last}{c.rng.randint(1, 99)}", f"{first[:1]}{last}", f"{first}_{last[:1]}",
            f"{last}.{first}{c.rng.randint(70, 99)}", f"{first}{c.rng.randint(1980, 2005)}",
        ])
        if first == last:
            local = f"{first}{c.rng.randint(1, 999)}"
        return f"{local}@{domain}"

    def _make_handle(self) -> str:
        c = self.c
        first, last = self._latin_parts()
        return c.rng.choice([
            f"{first}_{last[:1]}{c.rng.randint(80, 99)}", f"{first}{last}", f"the.real.{first}", f"{first}.{last}_",
            f"{last}{first[:1]}{c.rng.randint(1, 9)}", f"x{first}x",
            f"{first}_{c.rng.choice(['art', 'runs', 'bakes'])}",
        ])


# --------------------------------------------------------------------------------------------------------------
# Standalone value makers used by templates
# --------------------------------------------------------------------------------------------------------------

TREE_STREETS = ("Maple", "Oak", "Elm", "Pine", "Cedar", "Birch", "Walnut", "Chestnut", "Willow", "Spruce")
NUMBERED_STREETS = ("1st", "2nd", "3rd", "4th", "5th", "7th", "9th", "12th", "14th", "23rd")
OTHER_STREETS = ("Main", "Park", "Washington", "Lincoln", "Church", "Market", "Broad", "Lake", "Hill", "Mill", "King",
                 "Queen", "Bay", "Union", "Grand")
STREET_SUFFIXES = ("St", "Street", "Ave", "Avenue", "Rd", "Blvd", "Dr")


def intersection(c: Ctx) -> str:
    def one() -> str:
        base = c.rng.choice([TREE_STREETS, NUMBERED_STREETS, OTHER_STREETS])
        name = c.rng.choice(base)
        if c.chance(0.5):
            name += " " + c.rng.choice(STREET_SUFFIXES)
        return name

    a = one()
    b = one()
    while b.split()[0] == a.split()[0]:
        b = one()
    return f"{a}{c.rng.choice([' and ', ' & ', '/', ' and '])}{b}"


def military(c: Ctx) -> list[Line]:
    """A US military address block: PSC/Unit/CMR/ship line, then APO/FPO/DPO + AA/AE/AP + ZIP."""
    state = c.rng.choice(["AA", "AE", "AE", "AP"])
    if state == "AE":
        zipc = f"09{c.rng.randint(0, 999):03d}"
    elif state == "AA":
        zipc = f"340{c.rng.randint(0, 99):02d}"
    else:
        zipc = f"96{c.rng.randint(2, 6)}{c.rng.randint(0, 99):02d}"
    kind = c.rng.choice(["PSC", "Unit", "CMR", "ship"])
    if kind == "PSC":
        line1, post = f"PSC {c.rng.randint(1000, 9999)}, Box {c.rng.randint(100, 9999)}", "APO"
    elif kind == "CMR":
        line1, post = f"CMR {c.rng.randint(400, 499)}, Box {c.rng.randint(100, 9999)}", "APO"
    elif kind == "Unit":
        line1, post = f"Unit {c.rng.randint(1000, 9999)} Box {c.rng.randint(100, 9999)}", c.rng.choice(["DPO", "APO"])
    else:
        ship = c.rng.choice(["USNS", "USS", "USS", "USNS"])
        line1, post = f"{ship} {c.aux('en_US').last_name()}", "FPO"
    return [L(S(line1)), L(C(post), " ", ST(state), " ", P(zipc))]


def card_number(c: Ctx, kind: str = "any") -> str:
    fk = c.aux("en_US")
    if kind == "12":
        ctype = "maestro"
    elif kind == "long":
        ctype = c.rng.choice(["visa16", "mastercard", "amex", "discover", "jcb16", "diners", "visa13", "visa19"])
    else:
        ctype = c.rng.choice(["visa16", "visa16", "mastercard", "mastercard", "amex", "discover", "maestro", "jcb16",
                              "diners", "visa13", "visa19"])
    num = str(fk.credit_card_number(card_type=ctype))
    style = c.rng.choice(["space", "space", "dash", "none"])
    if style == "none":
        return num
    sep = " " if style == "space" else "-"
    if len(num) == 15:
        return f"{num[:4]}{sep}{num[4:10]}{sep}{num[10:]}"
    if len(num) == 14:
        return f"{num[:4]}{sep}{num[4:10]}{sep}{num[10:]}"
    return group(num, 4, sep)


def iban_display(c: Ctx, raw: str) -> str:
    raw = raw.replace(" ", "")
    return group(raw) if c.chance(0.6) else raw


def ip_address(c: Ctx, version: int) -> str:
    fk = c.aux("en_US")
    if version == 4:
        return str(fk.ipv4_public())
    addr = str(fk.ipv6())
    if c.chance(0.5):
        parts = addr.split(":")
        parts[c.rng.randint(3, 6)] = "0"
        parts[c.rng.randint(3, 6)] = "0"
        addr = ipaddress.IPv6Address(":".join(parts)).compressed
    return addr


def personal_url(c: Ctx, p: Persona) -> str:
    first, last = p._latin_parts()
    handle = p.handle
    return c.rng.choice([
        f"https://www.instagram.com/{handle}", f"linkedin.com/in/{first}-{last}-{c.letters(6, '0123456789abcdef')}",
        f"https://{first}{last}.com", f"https://github.com/{handle.replace('.', '-')}",
        f"www.facebook.com/{first}.{last}.{c.rng.randint(1, 999)}", f"https://www.tiktok.com/@{handle}",
        f"https://{first}{last[:1]}.substack.com", f"{handle.replace('.', '').replace('_', '')}.tumblr.com",
        f"https://www.youtube.com/@{handle}", f"https://{first}-{last}.netlify.app",
    ])


# --------------------------------------------------------------------------------------------------------------
# Filler vocabulary (no PII: hard negatives for clean texts and distractors inside PII texts)
# --------------------------------------------------------------------------------------------------------------

FILLERS: dict[str, tuple[str, ...]] = {
    "med": ("Zoloft", "sertraline", "Chantix", "Narcan", "Suboxone", "Wellbutrin", "Lexapro", "escitalopram",
            "Vivitrol", "Prozac", "fluoxetine", "Seroquel", "quetiapine", "Abilify", "Lamictal", "lithium", "Klonopin",
            "Ativan", "Adderall", "Ritalin", "Vyvanse", "trazodone", "mirtazapine", "Effexor", "Cymbalta", "buspirone",
            "hydroxyzine", "propranolol", "naltrexone", "methadone", "Sublocade", "Antabuse", "gabapentin", "melatonin",
            "Latuda", "Paxil", "Celexa", "Pristiq", "Trintellix", "Spravato", "Zyprexa", "Risperdal", "Depakote",
            "Strattera", "Ambien", "Lyrica", "Buspar", "Remeron"),
    "vaccine": ("Moderna", "AstraZeneca", "Pfizer", "Novavax", "the Moderna booster", "the AstraZeneca jab"),
    "drug": ("molly", "xanax bars", "percs", "crystal", "weed", "coke", "ket", "shrooms", "acid", "blues", "lean",
             "addys", "dabs", "fent", "ice", "carts", "benzos", "oxys"),
    "dx": ("Panic Attack Disorder", "PTSD", "C-PTSD", "GAD", "OCD", "ADHD", "bipolar II", "BPD",
           "major depressive disorder", "MDD", "social anxiety", "bulimia", "anorexia", "insomnia",
           "seasonal affective disorder", "postpartum depression", "Bipolar Disorder", "Generalized Anxiety Disorder",
           "Alcohol Use Disorder", "ARFID", "PMDD", "agoraphobia", "dysthymia"),
    "therapy": ("DBT", "EMDR", "CBT", "ACT", "IFS", "exposure therapy", "group therapy", "CBT-I",
                "Somatic Experiencing", "IOP", "PHP", "AA", "NA", "SMART Recovery", "talk therapy", "art therapy",
                "ERP", "schema therapy", "couples counselling"),
    "app": ("Fitbit", "CPAP", "Headspace", "Calm", "Apple Watch", "Daylio", "Finch", "Bearable", "I Am Sober",
            "BetterHelp", "Talkspace", "Woebot", "Insight Timer", "Oura ring", "Medisafe", "Spotify", "Duolingo",
            "Strava", "MyFitnessPal", "Sober Grid", "Garmin"),
    "activity": ("yoga", "journaling", "meditation", "running", "swimming", "breathwork", "gardening", "knitting",
                 "walking the dog", "cold showers", "box breathing", "pilates", "hiking", "baking", "colouring books",
                 "volunteering", "boxing", "climbing"),
    "weekday": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "monday", "friday"),
    "reldate": ("last June", "two weeks ago", "yesterday", "last night", "this morning", "next month",
                "a few days ago", "over the weekend", "since Christmas", "last spring", "in a couple of weeks",
                "the other day", "tomorrow", "last Tuesday", "every Sunday", "since the summer", "around Easter",
                "at New Year", "three months ago", "last winter", "next Friday", "this time last year",
                "since Ramadan started", "after Thanksgiving"),
    "age": ("34", "19", "52", "27", "16", "41", "68", "23", "45", "30"),
    "dose": ("50mg", "100 mg", "0.5mg", "150mg", "2 tabs", "20 mg", "300mg", "half a pill", "10mg", "37.5 mg"),
    "time": ("6:30", "3am", "10:15pm", "noon", "4:45", "11pm", "7.30", "2 in the morning", "9:00"),
    "price": ("$40", "£25", "€60", "$1,200", "£9.99", "$15 a week", "€300", "200 bucks"),
    "count": ("3 times", "12 days", "2 hours", "five nights", "90 days", "4 sessions", "6 weeks", "30 days",
              "10 minutes", "2 years"),
    "room": ("room 12", "ward 4", "bed 7", "session 6", "step 4", "page 213", "level 3", "gate 22", "chapter 9"),
    "year": ("2019", "2008", "2015", "2020", "2011", "2022", "2003"),
    "helpline": ("988", "116 123", "741741", "911", "999", "112", "000", "13 11 14", "116 111", "1-800-662-4357"),
    "figure": ("Taylor Swift", "Simone Biles", "Michael Phelps", "Prince Harry", "Lady Gaga", "Demi Lovato",
               "Brené Brown", "Bessel van der Kolk", "Naomi Osaka", "Kevin Love"),
    "company": ("Amazon", "Starbucks", "Walmart", "Google", "Uber", "Tesco", "IKEA", "Deliveroo", "McDonald's",
                "Target"),
    "country": ("Germany", "Brazil", "India", "Poland", "Mexico", "Japan", "Nigeria", "the Philippines", "Ireland",
                "Turkey", "Korea", "Italy", "Spain", "Canada"),
    "feeling": ("numb", "on edge", "exhausted", "wired", "flat", "hopeless", "okay-ish", "shaky", "foggy", "restless"),
    "interj": ("omg", "hmm", "ugh", "lol", "idk", "tbh", "ngl", "welp", "meh", "oof", "yikes", "aww"),
    "greet": ("Gday", "G'day", "hiya", "Hey", "hi", "Good Luck", "Morning", "Cheers", "yo", "Howdy", "Kia ora",
              "Evening all", "heya"),
}


# --------------------------------------------------------------------------------------------------------------
# dev2-only value makers.  Only ``templates_dev2`` reaches these (through new slots), so they draw nothing from the
# rng of the tuning / report / dev halves and leave those files byte-identical.
# --------------------------------------------------------------------------------------------------------------

EXTRA_DATE_STYLES = (
    "dth_of_month_y", "month_y", "mm_yyyy", "dot_yy", "ymd_slash", "mon_d_y", "d_mon", "mon_dth", "short_noyear",
    "yyyymmdd", "boxed",
)


def format_date_extra(d: dt.date, style: str, locale: str, rng: random.Random) -> Line:
    """Date forms the older halves do not produce: ``4th of March, 1987``, ``March 1987``, ``03/1987``,
    ``04.03.87``, ``1987/03/04``, ``Mar. 4, 1987``, ``4 Mar``, ``Mar 4th``, ``4/3`` (no year), ``19870304``,
    ``04 03 1987`` (boxed form fields).  Day/month order follows the locale (month first for en_US only)."""
    mdy = locale in MDY_LOCALES
    month = MONTHS[d.month - 1]
    mon = month[:3]
    if style == "dth_of_month_y":
        text = f"{ordinal(d.day)} of {month}{rng.choice([' ', ', '])}{d.year}"
    elif style == "month_y":
        text = f"{rng.choice([month, mon])} {d.year}"
    elif style == "mm_yyyy":
        text = f"{d.month:02d}/{d.year}" if rng.random() < 0.6 else f"{d.month}/{d.year}"
    elif style == "dot_yy":
        a, b = (d.month, d.day) if mdy else (d.day, d.month)
        text = f"{a:02d}.{b:02d}.{d.year % 100:02d}"
    elif style == "ymd_slash":
        sep = rng.choice("/.")
        text = f"{d.year}{sep}{d.month:02d}{sep}{d.day:02d}"
    elif style == "mon_d_y":
        text = f"{mon}. {d.day}, {d.year}" if rng.random() < 0.5 else f"{mon} {d.day} {d.year}"
    elif style == "d_mon":
        text = f"{d.day} {mon}" if rng.random() < 0.6 else f"{d.day}-{mon}"
    elif style == "mon_dth":
        text = f"{rng.choice([mon, month])} {ordinal(d.day)}"
    elif style == "short_noyear":
        a, b = (d.month, d.day) if mdy else (d.day, d.month)
        text = f"{a}/{b}"
    elif style == "yyyymmdd":
        text = f"{d:%Y%m%d}"
    elif style == "boxed":
        a, b = (d.month, d.day) if mdy else (d.day, d.month)
        text = f"{a:02d} {b:02d} {d.year}"
    else:
        raise ValueError(style)
    return [(text, "DATE")]


def phone_plain(phone: str) -> str:
    """The same number typed as one run of digits (extension dropped, a leading ``+`` kept): ``+4915112345678``."""
    base = re.sub(r"\s*(x|ext\.?)\s*\d+$", "", phone.strip())
    digits = "".join(ch for ch in base if ch.isdigit())
    return ("+" if base.startswith("+") else "") + digits


def email_spelled(c: Ctx, email: str) -> str:
    """An e-mail address written out to dodge filters: ``anna dot nowak at gmail dot com``, ``anna.nowak [at] gmail
    [dot] com``, ``anna.nowak(at)gmail.com``."""
    local, domain = email.split("@", 1)
    style = c.rng.choice(["words", "words_domain", "brackets", "parens"])
    if style == "words":
        return f"{local.replace('.', ' dot ')} at {domain.replace('.', ' dot ')}"
    if style == "words_domain":
        return f"{local} at {domain.replace('.', ' dot ')}"
    if style == "brackets":
        return f"{local} [at] {domain.replace('.', ' [dot] ')}"
    return f"{local}(at){domain}"


def initial_surname(name: Name) -> str:
    """First initial + surname (``J. Kowalski``); a native-script name keeps just its surname."""
    if name.native or not name.first[:1].isalpha():
        return name.last
    return f"{name.first[0].upper()}. {name.last}"



# --------------------------------------------------------------------------------------------------------------
# dev3-only value makers.  Only ``templates_dev3`` reaches these (through new slots), so they draw nothing from the
# rng of the other halves and leave their files byte-identical.
# --------------------------------------------------------------------------------------------------------------


def phone_dotted(phone: str) -> str:
    """The same number with dots between its digit groups (extension and a ``(0)`` trunk marker dropped, a leading
    ``+`` kept): ``+44 20 7946 0958`` -> ``+44.20.7946.0958``, ``(030) 1234567`` -> ``030.1234567``.  Draws nothing
    from the rng."""
    base = re.sub(r"\s*(x|ext\.?)\s*\d+$", "", phone.strip()).replace("(0)", "")
    groups = re.findall(r"\d+", base)
    return ("+" if base.startswith("+") else "") + ".".join(groups)


# --------------------------------------------------------------------------------------------------------------
# dev4-only value makers.  Only ``templates_dev4`` reaches these (through new slots), so they draw nothing from the
# rng of the other halves and leave their files byte-identical.
# --------------------------------------------------------------------------------------------------------------

_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_SMALL_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)
_TENS_WORDS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINAL_WORDS = (
    "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
    "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
    "twentieth", "twenty first", "twenty second", "twenty third", "twenty fourth", "twenty fifth", "twenty sixth",
    "twenty seventh", "twenty eighth", "twenty ninth", "thirtieth", "thirty first",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _phone_groups(phone: str) -> tuple[bool, list[str]]:
    base = re.sub(r"\s*(x|ext\.?)\s*\d+$", "", phone.strip()).replace("(0)", "")
    return base.startswith("+"), re.findall(r"\d+", base)


def phone_dashed(phone: str) -> str:
    """The same number with hyphens between its digit groups (extension and a ``(0)`` trunk marker dropped, a leading
    ``+`` kept): ``+44 20 7946 0958`` -> ``+44-20-7946-0958``.  Draws nothing from the rng."""
    plus, groups = _phone_groups(phone)
    return ("+" if plus else "") + "-".join(groups)


def phone_spoken(rng: random.Random, phone: str) -> str:
    """The number as a speech-to-text engine or a dictating caller writes it: ``plus four four, two oh, seven nine
    four six, oh nine five eight`` (``oh`` or ``zero``; ``double`` / ``triple`` for repeated digits, or not)."""
    plus, groups = _phone_groups(phone)
    zero = rng.choice(["zero", "oh"])
    runs = rng.random() < 0.5
    sep = rng.choice([" ", ", ", " "])
    spoken: list[str] = []
    for g in groups:
        words: list[str] = []
        i = 0
        while i < len(g):
            run = 1
            while runs and run < 3 and i + run < len(g) and g[i + run] == g[i]:
                run += 1
            word = zero if g[i] == "0" else _DIGIT_WORDS[int(g[i])]
            words.append({1: word, 2: f"double {word}", 3: f"triple {word}"}[run])
            i += run
        spoken.append(" ".join(words))
    return ("plus " if plus else "") + sep.join(spoken)


def number_words(n: int) -> str:
    """0-99 in words (``forty seven``)."""
    if n < 20:
        return _SMALL_WORDS[n]
    tens, ones = divmod(n, 10)
    return _TENS_WORDS[tens] + (f" {_SMALL_WORDS[ones]}" if ones else "")


def year_words(year: int, rng: random.Random) -> str:
    """``nineteen eighty seven``, ``nineteen oh five``, ``two thousand and three``, ``twenty fifteen``."""
    if 2000 <= year < 2010 or (year >= 2010 and rng.random() < 0.4):
        rest = year - 2000
        return "two thousand" + ("" if rest == 0 else rng.choice([" and ", " "]) + number_words(rest))
    hi, lo = divmod(year, 100)
    low = "hundred" if lo == 0 else (f"oh {number_words(lo)}" if lo < 10 else number_words(lo))
    return f"{number_words(hi)} {low}"


def date_spoken(d: dt.date, rng: random.Random, with_year: bool = True) -> Line:
    """A date spelled out as dictated: ``March fourth nineteen eighty seven``, ``fourth of March nineteen eighty
    seven``, ``the fourth of March ...`` (``the`` outside the span), or without the year."""
    month = MONTHS[d.month - 1]
    day = _ORDINAL_WORDS[d.day]
    year = f" {year_words(d.year, rng)}" if with_year else ""
    style = rng.choice(["md", "dm", "the"])
    if style == "md":
        return [(f"{month} {day}{year}", "DATE")]
    if style == "dm":
        return [(f"{day} of {month}{year}", "DATE")]
    return [("the ", None), (f"{day} of {month}{year}", "DATE")]


def date_with_weekday(d: dt.date, locale: str, rng: random.Random) -> Line:
    """The weekday (literal, not labelled) in front of a date: ``Tue 4 March 2025``, ``Thursday, 03/04/2025``,
    ``Fri. the 7th``.  The weekday is the real weekday of the date."""
    wd = WEEKDAYS[d.weekday()]
    head = rng.choice([wd, wd[:3], wd[:3] + "."]) + rng.choice([" ", ", "])
    style = rng.choice(["d_month_y", "num", "month_d", "dth_of_month", "dth_month_y", "the_dth", "d_mon", "mon_dth"])
    if style in ("d_mon", "mon_dth"):
        return [(head, None)] + format_date_extra(d, style, locale, rng)
    return [(head, None)] + format_date(d, style, locale, rng)


# First names that are also ordinary English words; used only where the wording makes them a name.
NAME_WORDS_F = ("Hope", "Grace", "Faith", "Joy", "Rose", "April", "June", "Summer", "Dawn", "Ruby", "Amber", "Holly",
                "Iris", "Autumn", "Skye", "Crystal", "Destiny", "Charity", "Pearl", "Ivy", "Daisy", "Violet", "Hazel",
                "Robin", "Precious", "Blessing", "Patience", "Liberty", "Honey", "Star")
NAME_WORDS_M = ("Will", "Mark", "Bill", "Frank", "Rob", "Pat", "Drew", "Jack", "Hunter", "Chase", "Grant", "Miles",
                "Guy", "Don", "Art", "Ray", "Rich", "Sonny", "Victor", "Sterling", "Forrest", "Reed", "Wade", "Gene",
                "Bud", "Clay", "Dean", "Cliff", "Lance", "Gift")


def name_word(c: Ctx, gender: str) -> str:
    return c.rng.choice(NAME_WORDS_F if gender == "F" else NAME_WORDS_M)


_PARTICLE_SURNAMES: dict[str, tuple[str, ...]] = {
    "nl_NL": ("van Dijk", "de Vries", "van den Berg", "van der Meer", "de Jong", "ter Horst", "van Leeuwen",
              "in 't Veld", "van der Linden", "de Boer", "van 't Hof", "op den Kamp"),
    "de_DE": ("von Bülow", "von der Heide", "zu Stolberg", "vom Hofe", "von Arnim", "zur Linden", "von Brandt",
              "von dem Knesebeck"),
    "fr_FR": ("de la Fontaine", "Le Goff", "du Pont", "de Villiers", "Le Roux", "de Saint-Just", "du Bois",
              "de la Tour", "Le Gall", "d'Aubigné"),
    "es_ES": ("de la Cruz", "del Río", "de la Fuente", "de los Santos", "de León", "del Valle", "de la Vega",
              "de las Heras"),
    "es_MX": ("de la Cruz", "del Ángel", "de la Garza", "de los Ríos", "de León", "del Toro", "de la Rosa"),
    "it_IT": ("De Luca", "Di Stefano", "Lo Russo", "La Rosa", "D'Angelo", "Della Valle", "Dal Bosco", "De Santis",
              "Li Causi"),
    "pt_BR": ("da Silva", "dos Santos", "de Souza", "da Costa", "das Neves", "do Nascimento", "de Oliveira",
              "dos Anjos"),
}
_IRISH_SURNAMES_M = ("Ó Súilleabháin", "Ó Briain", "Mac Mathúna", "Ó Ceallaigh", "Mac Giolla Phádraig", "Ó Dónaill",
                     "Mac Cárthaigh")
_IRISH_SURNAMES_F = ("Ní Shúilleabháin", "Ní Bhriain", "Nic Mhathúna", "Ní Cheallaigh", "Nic Giolla Phádraig",
                     "Ní Dhónaill", "Nic Cárthaigh")


def name_with_particle(c: Ctx, name: Name, locale: str, gender: str) -> str:
    """The person's first name with a surname that carries a particle: ``Sanne van der Meer``, ``Ana dos Santos``,
    ``Aoife Ní Bhriain``, ``Omar bin Khaled al-Masri``.  Other locales (and native-script names) keep the name."""
    if name.native:
        return name.full
    if locale in _PARTICLE_SURNAMES:
        return f"{name.first} {c.rng.choice(_PARTICLE_SURNAMES[locale])}"
    if locale == "en_IE":
        return f"{name.first} {c.rng.choice(_IRISH_SURNAMES_F if gender == 'F' else _IRISH_SURNAMES_M)}"
    if locale == "ar_AA":
        father = c.rng.choice(_AR_FIRST_M)
        link = c.rng.choice(["bint", "binti"] if gender == "F" else ["bin", "ibn"])
        last = c.rng.choice(_AR_LAST)
        if last.startswith("Al-") and c.chance(0.5):
            last = "al-" + last[3:]
        return f"{name.first} {link} {father} {last}"
    return name.full


def double_barrelled(c: Ctx, name: Name, locale: str, gender: str) -> str:
    """The person's name with a double-barrelled surname: ``Hannah Price-Okafor``, ``Lukas Weber-Schmitt``; Spanish
    and Brazilian names get a second surname instead (``Lucía Gómez Ferrer``).  Native-script names are kept."""
    if name.native or locale in NON_LATIN_LOCALES:
        return name.full
    if " " in name.last:
        return name.full
    other = name.last
    for _ in range(10):
        other = _clean_name_part(c.aux(locale), "last_name", gender)
        if other != name.last and " " not in other:
            break
    if other == name.last or " " in other:
        return name.full
    if locale in ("es_ES", "es_MX", "pt_BR"):
        return f"{name.first} {name.last} {other}"
    return f"{name.first} {name.last}-{other}"
