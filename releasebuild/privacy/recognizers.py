"""Presidio recognizers and NLP engine for chat text, where names are lower case, towns come without capitals and
"last June" is not a date of birth.

Rules (gazetteers + cues) find what spaCy's small model misses in chat; spaCy's NER (run only on texts with a
capitalised word inside a sentence, the only place it adds anything) finds capitalised names and places outside
the gazetteers. Pattern recognizers come from Presidio, run only where a cheap regular expression says they can match.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    UrlRecognizer,
    UsSsnRecognizer,
)
from spacy.lang.en.stop_words import STOP_WORDS

from releasebuild.privacy import lexicon
from releasebuild.privacy.shapes import UsernameRecognizer, structural_recognizers
from releasebuild.privacy.tables import TableRecognizer

DATA = Path(__file__).with_name("data")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
DIGIT = re.compile(r"\d")
POSSESSIVE = re.compile(r"['’]s?$")
WORD_MEMO = 200_000  # words whose context-free verdict a recognizer remembers: bounded, however long the scan
VOCABULARY_LIMIT = 100_000  # words spaCy's vocabulary may hold before the scan makes it anew (about 50 MB)
RENEW_EVERY = 2048  # texts between two looks at the vocabulary's size

# A pattern recognizer runs on a text only when its prefilter matches (the phone matcher is the slow one). Each
# prefilter is a few alternatives, each run only where the text holds what its every match holds (`TextHolds`): most
# chat turns hold no digit, and a guard costs a fraction of a pattern (all prefilters of a turn: 40 -> 21 us on the
# benchmark's turns, 21 -> 15 us on ESConv's). An entity type whose recognizers need what the text lacks is not
# asked for (`NEEDS`), and a text for which no type is left is not analysed at all: no tokens, no recognizer.
PREFILTERS: dict[str, tuple[tuple[Callable[[TextHolds], bool], re.Pattern[str]], ...]] = {
    "PHONE_NUMBER": ((lambda holds: holds.digit, re.compile(r"\d(?:[\s().+/-]{0,3}\d){6,}")),
                     (lambda holds: True, re.compile(  # a number read aloud
                         r"(?i:\b(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple),?"
                         r"[ \t]+){3})"))),
    "US_SSN": ((lambda holds: holds.digit, re.compile(r"\d{3}[\s.-]?\d{2}[\s.-]?\d{4}")),),
    "CREDIT_CARD": ((lambda holds: holds.digit, re.compile(r"\d(?:[\s-]?\d){11,}")),),
    "IBAN_CODE": ((lambda holds: holds.digit, re.compile(r"[A-Za-z]{2}\d{2}")),),
    "IP_ADDRESS": ((lambda holds: holds.digit, re.compile(r"\d{1,3}\.\d{1,3}\.\d")),
                   (lambda holds: holds.colons >= 2, re.compile(r"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:"))),
    "URL": ((lambda holds: True, re.compile(r"[A-Za-z0-9-]\.[A-Za-z]{2,}")),),
    "EMAIL_ADDRESS": ((lambda holds: holds.at_sign, re.compile(r"\w@\w")),
                      # "a", "t", "d" and "o" match only themselves in either case, so the lower-cased text holds
                      # "at" and "dot" wherever these patterns match
                      (lambda holds: holds.bracket and holds.word("at"),
                       re.compile(r"[(\[{<]\s*at\s*[)\]}>]", re.IGNORECASE)),
                      (lambda holds: holds.word("dot") and holds.word("at"),
                       re.compile(r" at \S+ dot ", re.IGNORECASE))),
}


class TextHolds:
    """What a text holds that a prefilter's alternative needs, each looked at once, when first asked."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lower: str | None = None

    @cached_property
    def digit(self) -> bool:
        return DIGIT.search(self.text) is not None

    @cached_property
    def colons(self) -> int:
        return self.text.count(":")

    @cached_property
    def at_sign(self) -> bool:
        return "@" in self.text

    @cached_property
    def bracket(self) -> bool:
        return any(mark in self.text for mark in "([{<")

    def word(self, word: str) -> bool:
        """Whether the text holds `word` (lower case, ASCII) in any case."""
        if self._lower is None:
            self._lower = self.text.lower()
        return word in self._lower


# Entity types whose recognizers find nothing in a text that lacks what these say, whatever its patterns: read off
# the recognizers, and held to them by tests/test_detector.py (a text of any other type is analysed whole and
# must find the same).
NEEDS: dict[str, Callable[[TextHolds], bool]] = {
    # shapes.IdNumberRecognizer returns at once on a text without a digit; a table's ID cell needs two
    "ID_NUMBER": lambda holds: holds.digit,
    "US_DRIVER_LICENSE": lambda holds: holds.digit,
    # shapes.DatePolicyRecognizer: a year and an age are digits; a weekday ends in "day" (WEEKDAY, in any case)
    "YEAR": lambda holds: holds.digit,
    "AGE": lambda holds: holds.digit,
    "AGE_OVER_89": lambda holds: holds.digit,
    "WEEKDAY": lambda holds: holds.word("day"),
    "USERNAME": lambda holds: UsernameRecognizer.could_find(holds.text),
}


# Words that put a candidate name or place in its role, in the few words before it.
GREETING_CUE = r"\bmy name is|\bname'?s|\bnamed|\bcalled|\bcall me|\bi'?m|\bi am|\bthis is|\bthanks?(?: you)?|\bthx|" \
    r"\bhi|\bhey|\bhello|\bbye|\bdear|\bsincerely|\bregards|\bask for|\bspeak to|\bspeak with"
RELATIONS = (r"(?:husband|wife|boyfriend|girlfriend|partner|son|daughter|brother|sister|mom|mum|mother|dad|"
             r"father|friend|boss|coworker|co-worker|colleague|therapist|counsel?lor|psychiatrist|aunt|uncle|"
             r"cousin|grandma|grandpa|grandmother|grandfather|ex|fiance|fiancee|roommate|flatmate|housemate|"
             r"neighbou?r|teacher|doctor|nurse|stepdad|stepmom|stepson|stepdaughter|niece|nephew|grandson|"
             r"granddaughter|kid|child|baby|bf|gf|bestie|manager|pastor|sponsor|carer|landlord|landlady|"
             r"stepbrother|stepsister|twin|hubby|mate|buddy|classmate|tutor|coach|mentor|supervisor|lecturer|"
             r"professor|caseworker|case worker|social worker|key worker|advocate|solicitor|lawyer|attorney|midwife|"
             r"gp|trainer)")
# A relation or a title in the other languages chat switches into ("minha irmã Rafaela", "moja siostra Zuzanna",
# "ablam Sevgül", "Herr Obermaier"): the possessive and the noun, as English has "my" and RELATIONS. Its name is a name
# whatever the language around it, which the English-text check would otherwise drop.
FOREIGN_RELATION_BEFORE = re.compile(
    r"(?:\b(?:minha|meu|mi|ma|mon|meine?|mój|moja|mia|mio|mijn|mitt|min)[ \t]+"
    r"(?:mãe|pai|irmã|irmão|namorad[ao]|espos[ao]|marido|filh[ao]|avó|avô|madre|padre|herman[ao]|amig[ao]|"
    r"novi[ao]|hij[ao]|abuel[ao]|mère|père|sœur|soeur|frère|amie?|copine|copain|femme|mari|fille|fils|tante|oncle|"
    r"mutter|vater|schwester|bruder|freundin|freund|frau|mann|tochter|sohn|therapeutin|therapeut|mama|tata|"
    r"siostra|brat|chłopak|dziewczyna|mąż|żona|córka|syn|sorella|fratello|moglie|marito|figli[ao]|ragazz[ao]|"
    r"moeder|vader|zus|broer|vriendin|vriend|vrouw|dochter|zoon|syster|bror|pojkvän|flickvän)|"
    r"\b(?:annem|babam|abim|ablam|kardeşim|arkadaşım|eşim|kocam|karım|sevgilim|teyzem|halam|dayım|amcam|kızım|"
    r"oğlum)|"
    r"\b(?:Frau|Herr|Señora|Señor|Sra\.|Mme|Madame|Monsieur|Signora|Signor|Pani|Mevrouw|Meneer|Dhr\.|Mevr\.|"
    r"Bayan))[ \t]*,?[ \t]+$", re.IGNORECASE)
RELATION_BEFORE_BRACKET = re.compile(rf"\b{RELATIONS}s?\s*\($", re.IGNORECASE)  # "seen with sister (Harinakshi)"
# Police ranks before a surname: "PC Owen", "Officer Barber", "Det. Kaur".
RANKS = r"PC|DC|Sgt|Sergeant|Officer|Constable|Det|Detective|Insp|Inspector|Pvt|PFC|Cpl|SSgt|Lt|Capt|Maj|Col"
# Military ranks and ratings no word shares, in any case: "my son is pfc okafor", "hm2 reyes", "a1c dunne"
SERVICE_RANKS = r"sgt|ssgt|ssg|sfc|msgt|tsgt|cpl|lcpl|pvt|pfc|spc|sra|a1c|po[123]|hm[123]|cpo|ltjg|lcdr"
RELATION_CUE = re.compile(rf"(?:\b(?:me|and) and|\b(?:dr|doctor|mr|mrs|ms|mx|prof|{RANKS}|{SERVICE_RANKS})\.?|\bmiss|"
                          rf"\bmy (?:(?:best|old|ex|close) )?{RELATIONS}),?\s+$",
                          re.IGNORECASE)
GREETING_BEFORE = re.compile(r"(?:^|\n)[ \t]*(?:dear|hi|hiya|hello|hey|heya)[ \t]+$", re.IGNORECASE)
NAME_CUE = re.compile(rf"(?:{GREETING_CUE}|{RELATION_CUE.pattern[3:-7]}),?\s+$", re.IGNORECASE)
# What names the next word, however common a word it is, when it is a listed first name ("my name is yan", "calls me
# hope"); not "it's me" ("it's me hope you're well") or "called" ("she called me will you come").
NAMING_JUST_BEFORE = re.compile(r"(?i)(?:\bmy name is|\bmy name'?s|\bi'?m called|\bi go by|\bcalls me|"
                                r"\b(?:sur|last |first |family |given |middle )name(?: is|'s|’s))[ \t]+$")
# Which part of a name the next word is: a listed surname or first name however common a word ("the surname is fisher",
# "going back to my maiden name, alvarez", "changing my surname back to hill", "surname KIM, given names ...")
PART_OF_NAME_JUST_BEFORE = re.compile(r"(?i)\b(?:sur|last |first |family |given |middle |maiden |married |birth )"
                                      r"names?(?: is|'s|’s| was| as|(?: back)? to|,)?[ \t]+$")
STRONG_NAME_CUE = re.compile(r"(?:\bmy name is|\bname'?s|\bnamed|\bcalls? me|\bcalls? (?:him|her|them)|\bi'?m called|"
                             # "talked to someone called Iwo", "a girl named Mercy"
                             r"\b(?:someone|somebody|a (?:guy|girl|man|woman|boy|lady|friend|kid|person)) called|"
                             r"\bit['’]?s me|"  # "its me jos from yday", "it's me, Ugo"
                             r"\bsincerely|\bregards|\bgo(?:es)? by|\bwent by|\baka|\ba\.k\.a\.?|"
                             r"\bsigned(?: by)?|"
                             # "the new psychiatrist is t. doroz", "my therapist is Anja"
                             r"\b(?:psychiatrist|therapist|psychologist|counsel?lor|doctor|gp|nurse|social worker|"
                             r"key ?worker|case ?worker|consultant|solicitor|lawyer|landlord|landlady)(?:'s name)? is|"
                             r"\baccount name|\baccount holder|\bname on (?:the )?(?:card|account)|\bcard ?holder|"
                             # "her full name is Kong Lei", "the name on it is ryohei mori"
                             r"\bsign(?:s|ed)?(?: off)? as|"  # "she signs off as R. Sato"
                             # "we named our son Bodhi"
                             r"\bnamed (?:him|her|them)|"  # "we named her Precious"
                             r"\bnamed (?:my|our|his|her|their) (?:little |baby |new |first |eldest |youngest )?"
                             r"(?:girl|boy|son|daughter|baby|child|kid)|"
                             # "the name on my file is ana m. reyes"
                             r"\b(?:full |real |legal |first |last |sur)?name(?: on (?:it|(?:the|my|his|her|their) "
                             r"[\w-]+))? is),?"
                             r"\s+$", re.IGNORECASE)
NAME_AFTER = re.compile(r"^,?\s+(?:(?:had|has)\s+(?:already\s+|just\s+)?(?=texted|called|told|asked))?"
                        r"(?:said|says|told|asked|texted|called|yelled|and i|and me|is my|was my|gave me|"
                        r"here\b[.,!]|\(\d{1,3}\)|"
                        # "- Fang, my neighbour", "Linn, her sister"
                        rf",\s+(?:my|our|his|her|their)\s+{RELATIONS}\b|"
                        # "Weny is what everyone calls me"
                        r"is what (?:everyone|everybody|people|they|we all|my \w+|most people) calls? "
                        r"(?:me|him|her|them))"
                        # a contact entry: "Phileine - +3194-9835051", "try Gang at 15603396528"
                        r"|^\s+(?:[-–]\s+|at\s+|on\s+)\+?\(?\d[\d ().-]{6,}", re.IGNORECASE)
NAME_AFTER_WINDOW = 30
# What only a person does after a name: "Christian who runs it", "and Chase from the housing office won't"
PERSON_AFTER = re.compile(r"[ \t]+(?:who\b|from[ \t]+(?:the[ \t]+)?(?:\w+[ \t]+)?(?:office|council|hr|work|school|"
                          r"class|group|church|team|college|uni|university|centre|center|clinic|ward|shelter|charity|agency|"
                          r"department|bank|gym)\b)", re.IGNORECASE)
# What says a word is what someone is called, whatever the word: "Ads is what everyone calls me"
STRONG_NAME_AFTER = re.compile(r"^\s+is what (?:everyone|everybody|people|they|we all|my \w+|most people) calls? "
                               r"(?:me|him|her|them)\b", re.IGNORECASE)
PRONOUNS = frozenset("i me my mine we us our ours you your yours he him his she her hers it its they them their"
                     .split())
# Before a word that is a name only here: "my flatmate Per", "PC Barber" (not a title: "Mr Right", "MS Teams").
SERVICE_RANK_BEFORE = re.compile(rf"(?i:\b(?:{SERVICE_RANKS})\.?)[ \t]+$")
RELATION_OR_RANK = re.compile(rf"(?:(?i:\bmy (?:(?:best|old|ex|close) )?{RELATIONS})|\b(?:{RANKS})\.?"
                              rf"|(?i:\b(?:{SERVICE_RANKS})\.?)),?\s+$")
# Whom to call, on which number: "Text Demi on 083 127 1137", "ring Will (07700 900123)"
CALL_BEFORE = re.compile(r"(?i)\b(?:call|text|ring|phone|whatsapp|message|contact)[ \t]+$")
NUMBER_AFTER = re.compile(r"[ \t]+(?:on|at)?[ \t]*\(?\+?\d[\d ().-]{6,}\d")
RELATION_AFTER = re.compile(rf"\s+\(\d{{1,2}}\)|,\s+(?:my|our|his|her|their)\s+{RELATIONS}\b", re.IGNORECASE)
# Whose someone is, in brackets after the name: "Amin (sponsor)", "Jelle (partner)"; an age between commas in a list of
# people: "Bas, 7, and Noor, 4". Either says a person whatever the word, at a line's start too.
RELATION_BRACKET_AFTER = re.compile(rf"[ \t]*\((?:my |our |his |her |their )?{RELATIONS}s?\)|"
                                    r",[ \t]+\d{1,2},[ \t]+(?:and[ \t]+)?(?-i:[A-Z])", re.IGNORECASE)
# Before a lower-case first name in chat, these make it a person ("i live with wyatt", "dont tell amy", "thinking
# about amy") where the name is also a word of some dictionary.
PERSON_VERB_CUE = re.compile(r"\b(?:live[sd]? with|living with|stay(?:ing|ed)? with|talk(?:ed|ing)? to|spoke to|"
                             r"(?:spoke|talked|chatted|met up|hung out) w(?:ith|/)|\bw/|"
                             r"matched with|went out with|broke up with|dating|hooked up with|"
                             r"speak(?:ing)? to|(?:don'?t|never|didn'?t) tell|told|text(?:ed)?|call(?:ed)?|met|meet|"
                             r"ask(?:ed)?|thinking about|miss(?:ed)?|visit(?:ed|ing)?|its|it'?s)\s+$", re.IGNORECASE)
IT_IS_BEFORE = re.compile(r"\bit'?s\s+$", re.IGNORECASE)
# Chat openings before a subject: "me n maria had a fight", "ok so oisin keeps texting" (for names that are no words).
SUBJECT_CUE = re.compile(r"\b(?:me n|me and|ok so|okay so)\s+$", re.IGNORECASE)
# Before a name that is frequent as a word too, a verb that takes a person: "I just want Clare to leave".
OBJECT_CUE = re.compile(r"\b(?:want|need|tell|told|let|make|made|help|see|saw|love|hate|miss|ask|asked|call|called|"
                        r"text|texted|met|meet|visit|visited|with|and)\s+$", re.IGNORECASE)
# "Maks's place", "Tess' car", "Pia's mum", "Klaus' house": a possessive before a lower-case noun. Not "Thath's
# why" (a slip of "that's"), nor "at McDonald's and" (a shop).
POSSESSIVE_OF = re.compile(r"(?:['’]s|s['’]|(?<=[sxz])['’])\s+(?!(?:and|or|but|is|was|the|a|an|to|in|on|at|for|with|"
                           r"so|miles|why|what|how|when|where|because)\b)[a-z]")
PARKING_AFTER = re.compile(r"\s+car\s+park", re.IGNORECASE)  # "Sainsbury's car park": a shop's
AT_BEFORE = re.compile(r"\b(?:at|round|over at)\s+$", re.IGNORECASE)
CLAUSE_ENDS = re.compile(r"\s*(?:[,.;!?)]|$|\s(?:and|then|for|tonight|tomorrow|again)\b)")
# Whose place or family it is, in lower-case chat too: "went to mariah's place", "at jo's mum's".
POSSESSIVE_HOME = re.compile(r"(?:['’]s|(?<=[sxz])['’])\s+(?:place|house|flat|apartment|room|car|mum|mom|dad|"
                             r"parents|birthday|party|wedding|funeral|cousin|sister|brother|aunt|uncle|gran|nan|"
                             r"grandma|grandpa|wife|husband|girlfriend|boyfriend|partner|ex|kids?|son|daughter|"
                             r"bf|gf|family|bday|doorstep|door|rehab|grave|number|baby)\b")
# After a name that opens a sentence, a verb: "Gunilla thinks", "Sevim blocked me", "Vidar and I share".
# (What people do, not what things do: "Sleepio helps" and "Zoloft is" are no one's.)
SUBJECT_VERB_AFTER = re.compile(r"(?:\s+[^\W\d_a-z][^\W\d_]+)?(?:\s+from\s+(?:the\s+)?[\w&-]+)?"
                                r"(?:\s+(?:always|never|just|still|also|really|then|already))?\s+(?:thinks|thought|wants|wanted|says|said|knows|knew|"
                                r"feels|felt|loves|hates|keeps|kept|texted|texts|called|calls|blocked|posted|told|tells|came|comes|"
                                r"went|goes|left|asked|asks|moved|lives|lived|works|worked|cried|laughed|yelled|and I|"
                                r"and me|found me|picked me|drove me|hugged|messaged|rang|stayed|broke up|cheated|lied|"
                                r"dumped|ghosted|invited|promised|screamed|shouted|arrived|gets out|got out|stays|"
                                # "Tiago Mendes is my sponsor": who someone is to the writer
                                rf"(?:is|was|has been) (?:my|our|his|her|their) (?:(?:best|old|ex|new) )?"
                                rf"{RELATIONS})\b")


PEOPLE_VERB_AFTER = re.compile(r"(?:\s+from\s+(?:the\s+)?[\w&-]+)?(?:\s+(?:always|never|just|still|also|really))?"
                               # what people do to one another, not what authors do ("Hansen asks us to imagine")
                               r"\s+(?:keeps|kept|texted|texts|called|calls|blocked|told|tells|cried|laughed|yelled)\b")


def _possessive_length(word: str) -> int:
    """How much of a matched word is its possessive ending ("'s"), which POSSESSIVE_OF reads itself."""
    ending = POSSESSIVE.search(word)
    return len(ending.group()) if ending else 0


# Endings of English words that no list holds in every inflection: never a name after a weak chat cue.
ENGLISH_ENDING = re.compile(r"(?:ies|ness|ment|tion|sion|ing|ed|ly|ous|ive|able|ible|ful|less|ity|ism|ist)$")


# First names that are first of all English words: no chat cue makes them a name in lower case.
WORD_NAMES = frozenset("""will hope grace faith joy rose may june april august summer autumn winter dawn eve page
bill sue pat art mark frank earl mike ray gay ivy holly ruby pearl jade amber crystal destiny honey candy sunny
sky river rich chance hunter rocky penny don rob sandy dusty misty guy jack bob""".split())
# A word after these is a place even when no list has it ("we moved to careywood").
STRONG_PLACE_CUE = re.compile(r"\b(?:grew up in|moved to|moved from|moving to|live in|lives in|living in|raised in|"
                              r"relocated to|born in|i'?m from|i am from|hometown is|town of|city of|"
                              r"courthouse in),?\s+$",
                              re.IGNORECASE)
PLACE_CUE = re.compile(r"\b(?:in|from|to|near|outside|around|at|visit|visiting|moved|live|living|lives|born|"
                       r"downtown|(?<!because )of|towards?)\s+(?:the\s+)?$", re.IGNORECASE)  # not "because of Corona"
TITLE_BEFORE = re.compile(r"\b(?:dr|mr|mrs|ms|mx|prof)\.?\s+$", re.IGNORECASE)
# A title written as one (not "MS Teams"), on the name's line (not "10A Hillcrest Dr" above a town)
TITLE_BEFORE_NAME = re.compile(r"\b(?:[Dd]r|DR|[Mm]rs?|MRS?|Ms|Mx|[Pp]rof|PROF)\.?[ \t]+$")
TITLE = re.compile(r"^(?:dr|doctor|mr|mrs|ms|mx|miss|prof)\.?\s", re.IGNORECASE)
# Clinical and chat words spaCy's small model likes to call people or places.
NOT_NAMES = frozenset("""
doctor nurse therapist counselor counsellor mom mum dad mother father sister brother grandma grandpa
christian muslim jewish catholic hindu buddhist sikh mormon baptist methodist lutheran protestant
cbt dbt act emdr ptsd ocd adhd add bpd gad mdd ssri ssris snri snris maoi ect tms rem ok okay lol omg covid corona
sertraline zoloft prozac fluoxetine lexapro escitalopram citalopram celexa paxil paroxetine wellbutrin bupropion
effexor venlafaxine cymbalta duloxetine xanax alprazolam klonopin clonazepam ativan lorazepam valium diazepam
lithium lamictal lamotrigine abilify aripiprazole seroquel quetiapine risperdal adderall ritalin vyvanse concerta
trazodone ambien melatonin buspar buspirone hydroxyzine gabapentin naltrexone suboxone methadone
dsm icd aa na nami samhsa al-anon god jesus christ lord allah bible christmas easter thanksgiving halloween
monday tuesday wednesday thursday friday saturday sunday mindfulness therapy zoom facebook instagram tiktok
twitter reddit youtube google netflix discord snapchat whatsapp iphone android hi hello hey thanks bye yes yeah
iban bic swift ssn nhs dob pps ppsn nino pesel dni nie nif cpf curp rfc bsn cvv
""".split())
MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
YEAR = r"(?:19|20)\d{2}"
DAY_OR_MONTH = r"(?:0?[1-9]|[12]\d|3[01])"
NOT_COUNT = r"(?!\s*(?:years?|months?|weeks?|days?|hours?|minutes?|times?|of|or|to|and|-)\b)"
BIRTH_YEAR_CUES = ("born in", "born", "birth year", "year of birth", "birth year is", "born in the year", "dob",
                   "dob:", "d.o.b.", "b.")
WORDLIKE_CODES = frozenset("AL CO DE HI ID IN LA MA ME OH OK OR PA".split())
STATE_CODES = ("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
               "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC").split()
LOWER_STATE_CODES = "|".join(code.lower() for code in STATE_CODES if code not in WORDLIKE_CODES)
STREET = (r"(?:stream|bypass|causeway|curve|extension|throughway|street|st|avenue|ave|road|rd|drive|dr|lane|ln|"
          r"boulevard|blvd|court|ct|way|place|pl|terrace|circle|"
          r"cir|parkway|pkwy|highway|hwy|trail|trl|square|sq|crescent|close|row|loop|pike|alley|path|trace|ridge|"
          r"grove|heights|hills?|crossing|point|park|view|gardens?|mews|walk|run|creek|landing|plaza|harbor|"
          r"estates?|meadows?|springs?|valley|village|pass|port|shores?|station|summit|track|turnpike|fields?|"
          r"manor|mill|oval|brooks?|burgs?|camp|cape|centers?|cliffs?|common|corners?|courts?|coves?|dale|dam|"
          r"divide|expressway|falls|ferry|flats?|fords?|forest|forges?|fork|freeway|glens?|greens?|haven|highlands?|"
          r"islands?|isle|junction|keys?|knolls?|lakes?|lights?|locks?|lodge|motorway|mountains?|neck|orchard|"
          r"overpass|pines?|plains?|prairie|radial|ramp|ranch|rapids?|rest|roads?|route|shoal|skyway|spur|"
          r"squares?|stravenue|streets?|tunnel|underpass|unions?|viaduct|views?|villages?|ville|vista|ways|wells?|"
          # the rest of USPS Publication 28's suffixes, but everyday words ("3 miles to the river"), which
          # shapes.AddressBlockRecognizer takes only after a capitalised name
          r"canyon|circles|crest|crossroad|drives|extensions|forks|gateway|groves|harbors|inlet|junctions|manors|"
          r"mills|parkways|ports|ridges|shoals|spurs|trafficway|valleys)")
FACILITY = (r"(?:clinic|hospital|medical center|health center|behavioral health|counseling center|counselling centre|"
            r"treatment center|recovery center|wellness center|psychiatric center|rehab center|high school|"
            r"middle school|elementary school|university|college|academy)")
FACILITY_WORD = re.compile(FACILITY, re.IGNORECASE)
# What every FACILITY match holds, in lower case: ASCII text lower-cased reads as FACILITY reads it
FACILITY_PARTS = ("clinic", "hospital", "center", "centre", "behavioral health", "school", "university", "college",
                  "academy")


def _may_name_facility(text: str) -> bool:
    """Whether FACILITY can match at all: fewer than two chat turns in a hundred hold one, and the named-facility
    pattern, tried at every word, is slow. ASCII text is checked by substring; other text (where case-insensitive
    matching has its exceptions, "ı" for "i") by the pattern itself."""
    if text.isascii():
        lower = text.lower()
        return any(part in lower for part in FACILITY_PARTS)
    return FACILITY_WORD.search(text) is not None
GENERIC_BEFORE_FACILITY = frozenset("""
the a an my our your their his her this that mental health psych psychiatric local community free walk-in medical
county state public private methadone rehab behavioral treatment new old same other another nearest big small
children's kids veterans va student campus counseling counselling family crisis emergency general
""".split())


@cache
def gazetteer(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """(every entry, the entries that are also common English words) of a list in data/."""
    rows = [line.split("\t") for line in (DATA / name).read_text().splitlines() if not line.startswith("#")]
    return frozenset(r[0] for r in rows), frozenset(r[0] for r in rows if r[1] == "1")


@cache
def common_words() -> frozenset[str]:
    """Frequent English words that are not mostly first names: a word no list has is no name or town if it is one."""
    return frozenset((DATA / "common_words.txt").read_text().split())


def _shape(word: str) -> str:
    word = POSSESSIVE.sub("", word) or word  # "MMORPG's" is in capitals
    if word.isupper() and len(word) > 1:
        return "upper"
    return "title" if word[0].isupper() else "lower"


def sentence_start(text: str, start: int) -> bool:
    """Whether a word opens a sentence or a line ("Candelaria\nFecha de nacimiento": a form's next field)."""
    before = text[:start]
    stripped = before.rstrip()
    return not stripped or stripped[-1] in ".!?\n\"'(:" or "\n" in before[len(stripped):]


SENTENCE_INITIAL = re.compile(r"(?:^|[.!?]\s+|\n\s*)([^\W\d_])")


@lru_cache(maxsize=8)
def capitalising_writer(text: str) -> bool:
    """Whether the writer uses capitals: most sentences start with one, or "I" is written big. Such a writer
    capitalises names too, so a lower-case word there is a word or a slip ("clea my hands", "feel bette"), not
    someone, unless a cue says it is ("my name is kaleigh", "Hi I'm sean")."""
    initials = [match.group(1) for match in SENTENCE_INITIAL.finditer(text)]
    big = sum(initial.isupper() for initial in initials) + len(re.findall(r"\bI\b", text))
    small = sum(initial.islower() for initial in initials) + len(re.findall(r"\bi\b", text))
    return bool(big > small)


def _result(recognizer: EntityRecognizer, entity: str, start: int, end: int, score: float) -> RecognizerResult:
    return RecognizerResult(entity, start, end, score, recognition_metadata={
        RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,  # type: ignore[has-type]
        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: True})


DOMAIN_AROUND = re.compile(r"\.(?:com|org|net|edu|gov|io|co|us|uk|info|me|app)\b", re.IGNORECASE)
# Before a lower-case word, these make it a noun or an adjective: no one is "the max" or "not stoney".
DETERMINER_BEFORE = re.compile(r"\b(?:the|a|an|these|those|some|any|no|not|very|quite|kinda|such)\s+$",
                               re.IGNORECASE)
GLUED = re.compile(r"^([^\W\d_][a-z]{3,})[A-Z]")
CAMEL_PART = re.compile(r"[A-Z][a-z]+")
# "Ben & Jerry's", "Marks and Spencer's": a shop or a brand, not two people (their "kids" would follow in lower case)
BRAND_PAIR = re.compile(r"\b[A-Z][\w'’-]*\s+(?:&|and)\s+[A-Z][\w-]*['’]s\b(?!\s+[a-z])")


def _glued(word: str) -> bool:
    """A word and the next one's capital run together without a space ("JournalingB", "feelingsThe"), or a brand
    of words written in camel case ("MyLife", "BetterHelp"): no name ("McDonald", "DeShawn" have a name in them)."""
    glued = GLUED.match(word)
    if glued is not None and lexicon.vocabulary(glued.group(1).lower()):
        return True
    parts = [part.lower() for part in CAMEL_PART.findall(word)]
    return (len(parts) >= 2 and "".join(parts) == word.lower()
            and all(part in STOP_WORDS or (lexicon.vocabulary(part) and not lexicon.first_name(part))
                    for part in parts))


def _lower_case_around(text: str, match: re.Match[str]) -> bool:
    """Whether the words around a match are written in lower case: an ALL-CAPS word there is an acronym, while in
    an ALL-CAPS form ("NAME: JOHN SMITH") every word is upper case."""
    around = text[max(0, match.start() - 30):match.start()] + text[match.end():match.end() + 30]
    return any(ch.islower() for ch in around)


UPPER_WORD_AFTER = re.compile(r"[ \t]+([A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’-]{2,})\b")


def _shouted_full_name(text: str, match: re.Match[str]) -> bool:
    """A short first name in capitals before a listed surname in capitals ("label reads RYAN BAKER, 50MG"): a name
    printed on something, not an acronym, though the sentence around it is in lower case. Not a month ("MAY DAY")."""
    lower = match.group().lower()
    after = UPPER_WORD_AFTER.match(text, match.end())
    return (after is not None and lexicon.first_name(lower) and lower not in STOP_WORDS
            and lower not in lexicon.MONTHS and lexicon.surname(after.group(1).lower())
            and after.group(1).lower() not in STOP_WORDS)


SURNAME_AFTER = re.compile(r"[ \t]+(?:[A-Z]\.?[ \t]+)?([A-Z][^\W\d_]+(?:['’-][^\W\d_]+)?)\b")


def _called_on_number(text: str, match: re.Match[str], before: str) -> bool:
    """Whom to call, on which number: "Text Demi on 083 127 1137", "ring Will (07700 900123)"."""
    return CALL_BEFORE.search(before) is not None and NUMBER_AFTER.match(text, match.end()) is not None


def _person_after(text: str, match: re.Match[str], before: str) -> bool:
    """What follows the word is what people do ("who runs it", "from the housing office"), and no article or
    determiner makes it a kind ("a Christian who", "every Scorpio who")."""
    return (PERSON_AFTER.match(text, match.end()) is not None and not DETERMINER_BEFORE.search(before)
            and not re.search(r"(?i)\b(?:every|each)\s+$", before))


def _named_word(text: str, match: re.Match[str], before: str) -> bool:
    """A first name that is also a word no one is named ("Christian", "Jesus"), capitalised, where a title goes
    before it or a surname after it: someone's name."""
    lower = match.group().lower()
    if not (lexicon.first_name(lower) and match.group()[:1].isupper() and not match.group().isupper()) or (
            lower in lexicon.CHAT_WORDS):
        return False  # "Ok Good bye": an interjection before a word, whoever is called Ok
    if TITLE_BEFORE_NAME.search(before) or _person_after(text, match, before):
        return True  # "Dr Christian", "Christian who runs it" (not "a Christian who believes")
    after = SURNAME_AFTER.match(text, match.end())
    surname = after.group(1).lower() if after else ""
    return bool(surname) and surname not in NOT_NAMES and (
        lexicon.surname(surname) or not lexicon.vocabulary(surname)) and not lexicon.clinical(surname)


VOWELS = frozenset("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýı")
CONSONANT_RUN = re.compile(r"[^aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýı]{5,}")


def _pronounceable(lower: str) -> bool:
    """A word's letters, not an acronym's ("LPCMH", "MMORPG"): a third of them vowels and no five consonants running."""
    return sum(c in VOWELS for c in lower) * 3 >= len(lower) and CONSONANT_RUN.search(lower) is None


class ChatNameRecognizer(EntityRecognizer):
    """PERSON from census first names (any case) with their surnames, and any word after "my name is"."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="ChatNameRecognizer")

    def load(self) -> None:
        self.names, self.common = gazetteer("first_names.tsv")
        self.surnames, self.common_surnames = gazetteer("surnames.tsv")
        self.silent: dict[str, bool] = {}  # word -> _never_named(word), for the words seen first (WORD_MEMO)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        results = []
        scores: dict[int, float] = {}
        for match in WORD.finditer(text):
            silent = self.silent.get(match.group())
            if silent is None:
                silent = self._never_named(match.group())
                if len(self.silent) < WORD_MEMO:
                    self.silent[match.group()] = silent
            score = 0.0 if silent else self._score(text, match)
            if score:
                scores[match.start()] = score
                end = match.end() - (len(POSSESSIVE.search(match.group()).group())  # type: ignore[union-attr]
                                     if POSSESSIVE.search(match.group()) else 0)
                results.append(_result(self, "PERSON", match.start(), surname_end(text, end), score))
        # only what a cue says, where the text is not in English
        results = [r for r in results if r.score >= STRONG or english_at(text, r.start)]
        results += self._hyphenated(text, scores)
        results += self._bare_name(text)
        results += self._people_under_label(text)
        results += self._initial_surname(text)
        results += self._lower_case_people(text)
        results += self._vocatives(text)
        results += self._name_before_number(text, scores)
        results += self._cued_two_words(text)
        for listing in NAME_LIST.finditer(text):  # "Anna, Piotr and Kasia": one name makes the others names
            notes = [m.span() for m in BRACKETED.finditer(text, listing.start(), listing.end())]
            items = [w for w in WORD.finditer(text, listing.start(), listing.end())
                     if w.group().lower() not in ("and", "or") and not any(a < w.start() < b for a, b in notes)]
            # two listed first names that are no words make a list of people in lower case too ("yang and chao")
            named = sum(lexicon.first_name(w.group().lower()) and not lexicon.vocabulary(w.group().lower())
                        for w in items)
            scored = sum(scores.get(w.start(), 0) >= 0.5 for w in items)
            if scored or (named >= 2 and named == len(items)):
                for item in items:
                    lower = POSSESSIVE.sub("", item.group().lower())
                    # beside names, a first name that is also a faith is the name ("Christian, Emily and Robert")
                    faith_name = lexicon.first_name(lower) and item.group().istitle()
                    contracted = re.split(r"['’]", lower)[0]  # "I'd", "we'll": a pronoun, contracted
                    if item.start() in scores or lower in STOP_WORDS or contracted in PRONOUNS or (
                            lower in NOT_NAMES and not faith_name) or (
                            lexicon.clinical(lower)):
                        continue
                    if item.group().isupper() and len(item.group()) <= 5:
                        continue  # "Laura Cassity, LMSW, LMAC": credentials after a name
                    # beside a name, a capitalised item is one too ("Max, Ryan and April") unless it is a word and
                    # no name ("a Gottman or Emotionally Focused Couples Therapist"); a lower-case one must not be a
                    # word ("anna and the kids")
                    # beside two names or more, a listed surname is one too, though a word ("Baker, Nowak, Ito")
                    words = [POSSESSIVE.sub("", w.lower()) for w in WORD.findall(item.group())]
                    if _shape(item.group()) != "lower" and all(
                            lexicon.common(w) and not lexicon.first_name(w)
                            and not (scored >= 2 and lexicon.surname(w) and w not in STOP_WORDS) for w in words):
                        continue
                    # beside a name, a lower-case item that is no word is a name, a slip of one or not ("eva and
                    # göran", where "göran" is one letter from "goran")
                    if _shape(item.group()) != "lower" or (
                            not any(lexicon.vocabulary(w) or w in STOP_WORDS for w in words)  # not "my neighbour"
                            and english_at(text, item.start())):
                        results.append(_result(self, "PERSON", item.start(), item.end(), 0.6))
        return results

    def _cued_two_words(self, text: str) -> list[RecognizerResult]:
        """Two words in lower case between a cue that says whose name follows and what a person does: "my mum li xu
        keeps calling", "this is song yang calling". Neither a function, chat or clinical word, nor an adverb."""
        found = []
        for match in CUED_TWO_WORDS.finditer(text):
            words = match.group(1).split()
            if any(w in STOP_WORDS or w in lexicon.CHAT_WORDS or lexicon.clinical(w) or w.endswith("ly")
                   or (lexicon.everyday(w) and not (lexicon.first_name(w) or lexicon.surname(w))) for w in words):
                continue
            found.append(_result(self, "PERSON", match.start(1), match.end(1), 0.6))
        return found

    def _people_under_label(self, text: str) -> list[RecognizerResult]:
        """Whom a list of people names, after a label that says they are people ("people i can text: yorick,
        ottilie and my aunt", as a safety plan writes it): each of its words that is no everyday, function, clinical
        or chat word ("my aunt" is none)."""
        found = []
        for label in PEOPLE_LABEL.finditer(text):
            if not english_at(text, label.start()):
                continue
            for item in WORD.finditer(text, label.start(1), label.end(1)):
                lower = POSSESSIVE.sub("", item.group().lower())
                if (len(lower) < 2 or lower in STOP_WORDS or lexicon.everyday(lower) or lexicon.clinical(lower)
                        or lower in lexicon.CHAT_WORDS):
                    continue
                found.append(_result(self, "PERSON", item.start(), item.end(), 0.6))
        return found

    def _bare_name(self, text: str) -> list[RecognizerResult]:
        """A message that is a given name and a surname and nothing else ("aino virtanen", "Tom Baker."): the answer
        to "who is this?", whatever else the words are, unless both are everyday words ("hope springs")."""
        match = BARE_NAME.fullmatch(text)
        if match is None:
            return []
        given, surname = match.group(1).lower(), match.group(2).lower()
        if (not lexicon.first_name(given) or not (lexicon.surname(surname) or lexicon.first_name(surname))
                or given in STOP_WORDS or surname in STOP_WORDS or lexicon.clinical(given) or lexicon.clinical(surname)
                or (lexicon.everyday(given) and lexicon.everyday(surname))):
            return []
        return [_result(self, "PERSON", match.start(1), match.end(2), 0.7)]

    def _name_before_number(self, text: str, scores: dict[int, float]) -> list[RecognizerResult]:
        """A listed first name right before a phone number ("numbers if it gets bad: mark 0117 496 0002", "Text Lily
        on 087 123 4567"): a contact list's entry, whatever word the name also is. Not a month ("may 2021 - 2022"),
        a function word, an acronym or a date."""
        found = []
        for number in NUMBER_AFTER_WORD.finditer(text) if DIGIT.search(text) else ():
            word = number.group(1)
            lower = word.lower()
            if (number.start(1) in scores or sum(c.isdigit() for c in number.group(2)) < 7 or lower in STOP_WORDS
                    or lower in NEVER_NAMED or lower in PHONE_WORDS or not lexicon.first_name(lower)
                    or lexicon.clinical(lower) or (word.isupper() and len(word) <= 3)
                    or DATE_SHAPE.match(number.group(2)) or not english_at(text, number.start(1))):
                continue  # not "seen in ED 15.02.2024" (an acronym, and a date), nor "llama al 787-..." (Spanish)
            found.append(_result(self, "PERSON", number.start(1), number.end(1), 0.6))
        return found

    def _vocatives(self, text: str) -> list[RecognizerResult]:
        """Whom a message speaks to: a name opening it before a comma ('"Viraj, rent is a month late"') or closing a
        sentence after one ("thank you for telling me, Guido."). A listed name that is no English word, or a word no
        dictionary has; not a chat word ("Ugh,"), a role ("Mom,") or a deity ("thank you, Jesus.")."""
        found = []
        for match in VOCATIVE.finditer(text):
            group = 1 if match.group(1) else 2
            lower = match.group(group).lower()
            listed = (lexicon.first_name(lower) or lexicon.surname(lower)) and not lexicon.name_word(lower)
            unknown = not lexicon.vocabulary(lower) and not lexicon.slip_of_plain_word(lower)
            greeting = any(_one_edit(lower, word) for word in OPENERS)  # "Helo, how are you?"
            no_name = (lower in STOP_WORDS or lower in DEITIES or lower in BORROWED or lower in lexicon.CHAT_WORDS
                       or lower in NOT_NAMES
                       or lower in lexicon.INTERJECTIONS or lower in HOLIDAYS or lexicon.clinical(lower))
            if (listed or unknown) and not greeting and not no_name and len(lower) >= 3 and english_at(
                    text, match.start(group)):
                found.append(_result(self, "PERSON", match.start(group), match.end(group), 0.7))
        for match in LOWER_GREETED.finditer(text):  # "hey sezal can we move tomorrow", "hiya mirela, cant make it"
            lower = match.group(1)
            if (len(lower) >= 4 and not lexicon.vocabulary(lower) and not lexicon.slip_of_plain_word(lower)
                    and not re.search(r"(.)\1\1", lower) and lower not in ADDRESS_TERMS
                    and lower not in lexicon.CHAT_WORDS and lower not in STOP_WORDS and not lexicon.clinical(lower)
                    and english_at(text, match.start(1))):
                found.append(_result(self, "PERSON", match.start(1), match.end(1), 0.6))
        return found

    def _lower_case_people(self, text: str) -> list[RecognizerResult]:
        """A list in lower case of words chat never writes, that then does what people do ("akulina yuliya and
        agafya were all there", "qiang yang and chao were all there", "flemming and katcha from group said hi")."""
        found: list[RecognizerResult] = []
        if not PEOPLE_LIST_HINT.search(text):
            return found  # most texts: LOWER_PEOPLE_LIST would try every lower-case word for nothing
        for listing in LOWER_PEOPLE_LIST.finditer(text):
            items = [w for w in WORD.finditer(text, listing.start(), listing.end()) if w.group() not in ("and", "n")]
            while items and items[0].group() in STOP_WORDS:  # "me akalan and ummahani": the writer, then them
                items.pop(0)
            unknown = [w for w in items if not lexicon.everyday(w.group())]
            if len(items) >= 2 and len(unknown) >= 2 and all(
                    (w in unknown or lexicon.first_name(w.group())) and w.group() not in STOP_WORDS
                    and not lexicon.clinical(w.group()) for w in items) and english_at(text, listing.start()):
                found += [_result(self, "PERSON", w.start(), w.end(), 0.6) for w in items]
        return found

    def _initial_surname(self, text: str) -> list[RecognizerResult]:
        """An initial and a surname ("signed G. Berengario", "Dr J. Griffin", "the new psychiatrist is s. mullaney"):
        after a cue, or a listed surname that is no English word; in lower case only from a writer who does not
        capitalise."""
        found = []
        for match in INITIAL_SURNAME.finditer(text):
            words = [w.lower() for w in WORD.findall(match.group(2))]
            before = text[max(0, match.start() - 40):match.start()]
            cued = bool(STRONG_NAME_CUE.search(before) or NAME_CUE.search(before) or TITLE_BEFORE_NAME.search(before)
                        or PERSON_VERB_CUE.search(before))
            surnamed = all(lexicon.surname(w) and not lexicon.vocabulary(w) for w in words)
            start = match.start()
            if match.group(1).isupper() and match.group(2)[:1].isupper():
                given = GIVEN_BEFORE_INITIAL.search(text, max(0, start - 30), start)
                if given is not None and given.group(1).lower() not in STOP_WORDS and (
                        lexicon.first_name(given.group(1).lower()) or not lexicon.vocabulary(given.group(1).lower())):
                    start, cued = given.start(1), True  # "Halvard P. Mikkelsen": a given name, an initial, a surname
                elif all(lexicon.surname(w) or (not lexicon.vocabulary(w) and match.group(2).istitle())
                         for w in words) and not sentence_start(text, start):
                    surnamed = True  # "told P. Walker", "rang K. Øvrebø": a surname, listed or no word, mid-sentence
            if match.group(1).islower() and (not match.group(2).islower() or capitalising_writer(text)
                                             or not (surnamed or cued)
                                             or (lexicon.vocabulary(words[0]) and not lexicon.surname(words[0]))):
                continue
            if not (cued or surnamed) or any(lexicon.clinical(w) or w in STOP_WORDS for w in words):
                continue
            found.append(_result(self, "PERSON", start, match.end(), 0.7))
        return found

    def _hyphenated(self, text: str, scores: dict[int, float]) -> list[RecognizerResult]:
        """Names joined by a hyphen ("Anna-Liisa", "hans-theo", "Min-jae", "DO-HYEON"): one of their parts a listed
        first name that is no word, or two syllables of romanised Korean; capitalised, or after a chat cue."""
        found = []
        for match in HYPHENATED.finditer(text):
            parts = [part.lower() for part in match.group().split("-")]
            if all(part in lexicon.words("vocabulary.txt") or part in STOP_WORDS for part in parts) or (
                    lexicon.vocabulary("".join(parts))):
                continue  # "self-care", "to-do"
            named = any(lexicon.first_name(p) and not lexicon.vocabulary(p) for p in parts if len(p) >= 3)
            if not (named or (len(parts) == 2 and all(p in korean_syllables() for p in parts))):
                continue
            shape = _shape(match.group())
            before = text[max(0, match.start() - 40):match.start()]
            if shape != "lower" or PERSON_VERB_CUE.search(before) or SUBJECT_CUE.search(before) or NAME_CUE.search(
                    before) or re.match(r"\s+(?:and|&)\s", text[match.end():match.end() + 5]):
                found.append(_result(self, "PERSON", match.start(), surname_end(text, match.end()), 0.6))
                scores[match.start()] = 0.6
        return found

    def _score(self, text: str, match: re.Match[str]) -> float:
        """How surely a word is someone's name (0 when it is not). A lower-case word that would score is dropped when
        its writer capitalises (capitalising_writer) and no cue vouches for it; the test runs last, where it is
        rare."""
        score = self._word_score(text, match)
        if score and _shape(match.group()) == "lower" and capitalising_writer(text):
            before = text[max(0, match.start() - 40):match.start()]
            lower = POSSESSIVE.sub("", match.group().lower())
            if not STRONG_NAME_CUE.search(before) and not (
                    NAME_CUE.search(before) and lexicon.first_name(lower) and not lexicon.vocabulary(lower)):
                return 0.0  # see capitalising_writer
        return score

    def _never_named(self, word: str) -> bool:
        """A word that _word_score puts at 0 whatever surrounds it, so its context is never read (and analyze
        remembers the answer by the word): a function word that is no first name ("The", "I"), or in lower case any
        function word ("in", "will"); and in lower case, an everyday word that no list of names has (most words of
        chat), or one that no list of names has and that is a chat word, a holiday or clinical, or short or
        contracted ("don't")."""
        lower = POSSESSIVE.sub("", word.lower())
        if lower in NOT_NAMES:
            return False
        if lower in STOP_WORDS:
            return word.islower() or lower not in self.names
        if not word.islower():
            return False
        if lexicon.everyday(lower) and not lexicon.first_name(lower) and not lexicon.surname(lower):
            return True  # everyday: vocabulary too
        if lower in self.names or lower in self.surnames:
            return False
        return (lower in HOLIDAYS or lower in lexicon.CHAT_WORDS or lexicon.clinical(lower)) or (
            not lexicon.first_name(lower) and (len(lower) < 3 or "'" in lower or "’" in lower))

    def _word_score(self, text: str, match: re.Match[str]) -> float:
        word, lower = match.group(), POSSESSIVE.sub("", match.group().lower())
        if self._never_named(word):
            return 0.0
        before = text[max(0, match.start() - 40):match.start()]
        if (_shape(word) == "title" and FOREIGN_RELATION_BEFORE.search(before) and lower not in STOP_WORDS
                and not lexicon.clinical(lower) and not lexicon.foreign_stop_word(lower)):
            return STRONG  # "minha irmã Rafaela acha que", "Mein Arzt, Herr Obermaier, sagt"
        if (PART_OF_NAME_JUST_BEFORE.search(before) and lower not in STOP_WORDS
                and (lower in self.surnames or lower in self.names)):
            return STRONG  # "and the surname is fisher", "my last name is banks"
        if before.endswith("(") and text[match.end():match.end() + 1] == ")" and word[:1].isupper():
            if RELATION_BEFORE_BRACKET.search(before) and lower not in STOP_WORDS and (
                    lower not in NEVER_NAMED):
                return 0.7  # "seen with sister (Harinakshi)", "their son (Per)": the relation names whom
            before = before[:-1].rstrip() + " "  # "my partner (Tom)": the cue before the bracket
        if lower in NOT_NAMES and _named_word(text, match, before):
            return STRONG  # "Dr. Christian Paulsen", "Christian Robinson": the name, not the faith
        if (lower in STOP_WORDS and word.istitle() and lower in self.names and lower not in PRONOUNS
                and (RELATION_OR_RANK.search(before) or _person_after(text, match, before)
                     or _called_on_number(text, match, before))
                and not sentence_start(text, match.start())):
            return 0.7  # "my flatmate Per", "my friend Will", "and Will from the council": a function word too
        if (lower in NOT_NAMES and word.istitle() and TITLE_BEFORE_NAME.search(before) and lexicon.surname(lower)
                and not lexicon.clinical(lower)):
            return STRONG  # "Dr Nie": a surname after a title, though "NIE" names a Spanish ID number too
        if (lower in STOP_WORDS or lower in NOT_NAMES or lower in HOLIDAYS or lexicon.clinical(lower)
                or lower in lexicon.CHAT_WORDS):
            return 0.0
        shape = _shape(word)
        if shape != "lower" and before[-1:] in " \t" and before.rstrip()[-1:] in "rRsSfFxX." and (
                TITLE_BEFORE_NAME.search(before) and len(lower) >= 2 and (
                not lexicon.listed(lower) or lower in self.surnames or lower in self.names)):
            # "Dr Smith wants me to", "Dr Washington", "Mr/Ms Kim", "Dr Sunmarket" (no word, though it splits into
            # two); not "Mr Right", "MS Teams"
            return STRONG
        if _glued(word) or (shape == "upper" and len(lower) <= 4 and not STRONG_NAME_CUE.search(before)
                            and _lower_case_around(text, match) and not _shouted_full_name(text, match)):
            return 0.0  # "Ideas:A.) JournalingB) PaintingC)": words run together; "a great TED talk": an acronym
        if ORGANISATION_AFTER.match(text, match.end()):
            return 0.0  # "a group called "Harry House"": an organisation named after someone
        if DOMAIN_AROUND.match(text, match.end()) or re.search(r"(?:www\.|://|@)$", before):
            return 0.0  # "listed in AcademyofCT.org": part of a web address, which the URL recognizer judges
        if shape == "lower" and DETERMINER_BEFORE.search(before):
            return 0.0  # "said hes at the max on child support", "not stoney weed oil": a word, not someone
        if lexicon.month_in_passing(lower, before):
            return 0.0
        if lower in lexicon.words("countries.txt") and not STRONG_NAME_CUE.search(before):
            return 0.0  # "I moved here from India": the country, whoever else is called so
        if ID_NAME_AFTER.match(text, match.end()) and not STRONG_NAME_CUE.search(before):
            return 0.0  # "my kela card number is", "my abha number": the name of an ID
        if _slip_of_holiday(lower):
            return 0.0  # "ready for Christma?"
        if not lexicon.first_name(lower):
            if LABEL_AFTER.match(text, match.end()) and not LINE_START_BEFORE.search(before):
                return 0.0  # "Given names/Prénoms: Roland", "TC Kimlik No: ...": a form's label
            return self._unknown_word_score(text, match, before)
        cue = (NAME_CUE.search(before) or STRONG_NAME_CUE.search(before)
               or NAME_AFTER.match(text[match.end():match.end() + NAME_AFTER_WINDOW])
               or (shape == "title" and not sentence_start(text, match.start()) and _person_after(text, match, before))
               or RELATION_AFTER.match(text, match.end())  # "- Linn, my neighbour"
               or _called_on_number(text, match, before)  # "Text Demi on 083 127 1137"
               or RELATION_BRACKET_AFTER.match(text, match.end())  # "Brook (sponsor)", "Sage, 9, and Ilse, 6"
               or (shape == "title" and POSSESSIVE_OF.match(text, match.end() - _possessive_length(word)))
               or POSSESSIVE_HOME.match(text, match.end() - _possessive_length(word)))
        # a listed first name that is no English word ("sven", not "love"), though frequent as a name
        name_only = lower not in WORD_NAMES and not (lexicon.common(lower) and lexicon.name_word(lower)) and (
            lexicon.first_name(lower) or not lexicon.vocabulary(lower))
        # "and then maria rings", "so mary picks me up": a lower-case subject doing what people do
        chat_cue = shape == "lower" and (PERSON_VERB_CUE.search(before) or (SUBJECT_CUE.search(before) and name_only)
                                         or (CHAT_OPENER_BEFORE.search(before) is not None
                                             and LOWER_PERSON_VERB_AFTER.match(text, match.end()) is not None))
        if not cue and shape == "title" and not SUBJECT_VERB_AFTER.match(text, match.end()) and self._opening_slip(
                text, match):
            return 0.0
        if lower in self.common or (lower not in self.names and lexicon.vocabulary(lower)):
            if cue and shape == "title":
                return 0.7
            if (shape == "title" and not lexicon.name_word(lower) and not sentence_start(text, match.start())
                    and lower not in NEVER_NAMED and lower not in MONTH_ABBREVIATIONS and OBJECT_CUE.search(before)):
                return 0.6  # "I just want Clare to leave": frequent as a name, not as a word
            if shape == "lower" and (lower in self.names or (lexicon.first_name(lower) and not lexicon.everyday(lower))
                                     ) and lower not in WORD_NAMES and POSSESSIVE_HOME.match(
                    text, match.end() - _possessive_length(word)):
                return 0.5  # "went to mariah's place"
            if shape == "lower" and lower in self.names and lower not in STOP_WORDS and NAMING_JUST_BEFORE.search(
                    before):
                return 0.7  # "my name is ray", "everyone calls me sunny": the cue says it is a name
            return 0.5 if chat_cue and (name_only or (lower in self.names and lower not in WORD_NAMES)) else 0.0
        if cue:
            return 0.85
        if shape == "title" and not sentence_start(text, match.start()):
            return 0.7
        if shape == "lower" and lexicon.name_word(lower):
            return 0.5 if chat_cue and lower not in WORD_NAMES else 0.0  # "not a penny left", "dont tell amy"
        if (shape == "title" and lexicon.name_word(lower) and (lower in WORD_NAMES or lexicon.common(lower))
                and sentence_start(text, match.start())):
            return 0.0  # "Mark my words", "Rose early": a word the sentence capitalised ("Rose said" has a cue)
        if lower not in self.names and not english_at(text, match.start()):
            return 0.0  # "Pero", "vida": a sentence in Spanish is not a list of names
        return 0.6 if lower in self.names or shape != "lower" else 0.5

    def _unknown_word_score(self, text: str, match: re.Match[str], before: str) -> float:
        """A word no list has, and no word of English, is a name right after "my name is", when it owns something
        ("Maks's place"), in lower case after a chat verb ("talked to tonje"), after "my sister" / before "said",
        or capitalised inside a sentence."""
        lower = POSSESSIVE.sub("", match.group().lower())
        if len(lower) < 3 or "'" in lower or "’" in lower:
            return 0.0
        titled = _shape(match.group()) == "title"
        possessive = titled and (
            POSSESSIVE_OF.match(text, match.end() - _possessive_length(match.group()))
            # "we're sleeping at Frode's, the flat is flooded": a home named by whose it is, where the clause ends;
            # a shop so named carries a listed name ("at Wendy's")
            or (_possessive_length(match.group()) and AT_BEFORE.search(before) is not None
                and CLAUSE_ENDS.match(text, match.end()) is not None and not lexicon.listed(lower)))
        # a slip of a word is still someone's when it owns something ("Maks's place") or does something at the start
        # of a sentence ("Vidar and I share"); a word is not ("Today's")
        subject = (titled and sentence_start(text, match.start()) and not ENGLISH_ENDING.search(lower)
                   and SUBJECT_VERB_AFTER.match(text, match.end()))
        word = lexicon.vocabulary(lower)
        lower_home = (not titled and not word and _possessive_length(match.group()) > 0 and not lexicon.clinical(lower)
                      and not PARKING_AFTER.match(text, match.end()) and (
                          POSSESSIVE_HOME.match(text, match.end() - _possessive_length(match.group())) is not None
                          or (AT_BEFORE.search(before) is not None
                              and CLAUSE_ENDS.match(text, match.end()) is not None)))
        strong = (STRONG_NAME_CUE.search(before) or STRONG_NAME_AFTER.match(text[match.end():match.end() + 60])
                  or (not word and PART_OF_NAME_JUST_BEFORE.search(before))) if titled or not word else None
        if titled and strong and not lexicon.clinical(lower):
            return 0.85  # "My name is Spike": a word, and this one's name
        if word and titled and lower not in NEVER_NAMED and not lexicon.clinical(lower) and (
                RELATION_BRACKET_AFTER.match(text, match.end()) is not None):
            return 0.7  # "Amin (sponsor)", "3. Bas, 7, and Noor, 4": a word, and whose relation or how old
        if word:
            # a word capitalised inside a sentence is a name after "my flatmate", "PC", or before "(9)", ", my
            # neighbour" ("my flatmate Per", "PC Barber", "Bertrand (9)", "Fang, my neighbour"), or a rare word
            # before what people do ("Sigmar who runs it")
            if titled and not sentence_start(text, match.start()) and lower not in NEVER_NAMED and (
                    RELATION_OR_RANK.search(before) or RELATION_AFTER.match(text, match.end())
                    or (_called_on_number(text, match, before) and lexicon.name_word(lower))
                    or (not lexicon.everyday(lower) and _person_after(text, match, before))):
                return 0.7
            if not titled and RELATION_OR_RANK.search(before) and not lexicon.everyday(lower) and (
                    lower not in NEVER_NAMED and english_at(text, match.start())):
                return 0.6  # "call my brother asger": a rare word chat never writes, after whose it is
            if SERVICE_RANK_BEFORE.search(before) and lexicon.surname(lower) and lower not in STOP_WORDS:
                return 0.6  # "my son is pfc baker": after a rank no word shares, a listed surname is the name
            if (titled and not sentence_start(text, match.start()) and lower not in NEVER_NAMED
                    and not lexicon.clinical(lower) and POSSESSIVE_HOME.match(
                        text, match.end() - _possessive_length(match.group())) is not None
                    and not PARKING_AFTER.match(text, match.end())):
                return 0.6  # "staying at Johannes's place", "Warren's mum": whose home or family, a word or not
            # a surname that is a word too is someone's when it owns something or does what only people do ("Jones
            # from HR keeps asking"; not "Post goes to a box")
            if not (lexicon.surname(lower) and (
                    possessive or (subject and PEOPLE_VERB_AFTER.match(text, match.end())))):
                return 0.0
        elif lexicon.not_a_name(lower) and not possessive and not lower_home and not subject and not strong and not (
                titled and (GREETING_BEFORE.search(before) or RELATION_CUE.search(before)
                            or NAME_AFTER.match(text[match.end():match.end() + NAME_AFTER_WINDOW]))) and not (
                not titled and (RELATION_CUE.search(before) or (PERSON_VERB_CUE.search(before)
                                                                 and not IT_IS_BEFORE.search(before)))):
            # a slip of a word, unless "Dear" greets it ("Dear Besin,"), "my sister", "talked to", "live with" go
            # before it ("talked to tonje", "my partner Casemiro"; "Thomo" after "calls him" is a name whatever it
            # is close to), or "here,", "said" come after it ("Antti here, I've moved"); after "it's" a slip is
            # more often a word's ("it's terrbile") than a name's
            return 0.0
        if strong:
            return 0.85
        if possessive:
            return 0.6  # "Maks's place", "Eimhear's mum found ...": someone's
        if lower_home:
            return 0.5  # "from eimer's doorstep", "at gunilla's again tonight": a word no list has, whose home
        if (_shape(match.group()) == "lower" and (PERSON_VERB_CUE.search(before) or SUBJECT_CUE.search(before))
                and not ENGLISH_ENDING.search(lower)):
            return 0.5  # "hey its boram again", "talked to tonje", "ok so thibaut keeps" (not "it's intricacies")
        following = (LOWER_WORD_AFTER.match(text, match.end())
                     if _shape(match.group()) == "lower" and NAME_CUE.search(before) else None)
        if (following is not None and lexicon.surname(following.group(1)) and following.group(1) not in STOP_WORDS
                and following.group(1) not in WORDS_AFTER_NAMES):
            return 0.5  # "this is xiuying wan calling": a word no list has, before a listed surname
        if (_shape(match.group()) == "lower" and CHAT_OPENER_BEFORE.search(before)
                and LOWER_PERSON_VERB_AFTER.match(text, match.end()) and not ENGLISH_ENDING.search(lower)):
            return 0.5  # "lol salo always says that", "jonas came ova l8r": a lower-case subject doing what people do
        after = NAME_AFTER.match(text[match.end():match.end() + NAME_AFTER_WINDOW]) or (
            titled and _person_after(text, match, before))
        if RELATION_CUE.search(before) or after or (titled and NAME_CUE.search(before)):
            return 0.6
        if titled and not subject and self._opening_slip(text, match):
            return 0.0
        if titled and lexicon.surname(lower):
            return 0.6
        if titled and not sentence_start(text, match.start()):
            return 0.5  # a capitalised word no English list has, inside a sentence
        if subject and english_at(text, match.start()):
            return 0.5  # "Gunilla thinks the app is silly", "Barkha wants the notes"
        if (_shape(match.group()) == "upper" and len(lower) >= 5 and _pronounceable(lower)
                and not lexicon.typo_of_common_word(lower) and not lexicon.clinical(lower)
                and not any(lexicon.common(lower[:i]) and lexicon.common(lower[i:]) for i in range(2, len(lower) - 1))
                and english_at(text, match.start())):  # not "I HANDLEDIT": two words run together
            return 0.5  # "TELL TEODOZJA TO STOP CALLING ME": shouted, and no word
        return 0.0

    def _opening_slip(self, text: str, match: re.Match[str]) -> bool:
        """A sentence opening with a slip of a word and going on in lower case ("Helo, how are you?", "Ober half
        the population", "Sueing won't solve it"), not with a census first name nor a word alone on its line."""
        lower = match.group().lower()
        return (lower not in self.names and sentence_start(text, match.start())
                and SLIP_GOES_ON.match(text, match.end()) is not None and lexicon.slip_of_plain_word(lower))


# After a form's label or an ID's name; at a line's start a speaker's label, which FormNameRecognizer judges.
LABEL_AFTER = re.compile(r"(?i)[ \t]*(?:(?:No|Nr)\.?|number|#)?[ \t]*:(?!\S)")
ID_NAME_AFTER = re.compile(r"(?i)[ \t]+(?:card[ \t]+)?(?:number|no\.|nr\.?)(?![\w.])")
LINE_START_BEFORE = re.compile(r"(?:^|\n)[ \t>*-]*$")
LOWER_WORD_AFTER = re.compile(r" ([a-z]+)\b")
# Surnames that are words, and what chat puts after a name: "tom long ago", "anna best friend".
WORDS_AFTER_NAMES = frozenset("""long little young best good new old hill love rich bell early just back home
more well strong close""".split())


def surname_end(text: str, end: int) -> int:
    """Where a name ends: its surname ("Maria Kowalska"), after a middle initial ("John Q. Public"), after the
    particles of a surname ("Lorena de la Garza", in lower case "luísa da costa")."""
    particle = PARTICLE_AFTER.match(text, end)
    if particle is None and text[max(0, end - 2):end].isupper():
        shouted = UPPER_PARTICLE_AFTER.match(text, end)  # "DAAN DE WIT": a name in capitals, its particle too
        if shouted is not None and len(shouted.group(1)) >= 2 and shouted.group(1).lower() not in STOP_WORDS:
            return surname_end(text, shouted.end())
    if particle is not None:
        surname, lower = particle.group(1), particle.group(1).lower()
        lower_name = text[max(0, end - 1):end].islower()
        unknown = not lexicon.vocabulary(lower) or lexicon.surname(lower)
        if (surname[0].isupper() or (lower_name and unknown)) and lower not in STOP_WORDS:
            return surname_end(text, particle.end())
    initial = MIDDLE_INITIAL.match(text, end) or (
        LOWER_MIDDLE_INITIAL.match(text, end) if text[max(0, end - 1):end].islower() else None)
    start = initial.end() if initial else end + 1
    following = WORD.match(text, start) if text[start - 1:start] == " " else None
    if following is None:
        return end
    word, lower = following.group(), POSSESSIVE.sub("", following.group().lower())
    # a listed surname, unless it is one of the frequent ones that are words too ("early", "young")
    known = lexicon.surname(lower) and lower not in gazetteer("surnames.tsv")[1] and lower not in STOP_WORDS
    titled = _shape(word) != "lower" and (not lexicon.common(lower) or lexicon.surname(lower)) and not (
        lexicon.clinical(lower))
    name = re.search(r"[\w'’-]+$", text[max(0, end - 30):end]) if _shape(word) == "lower" else None
    if name is not None and name.group().islower() and not ENGLISH_ENDING.search(lower) and (
            not lexicon.not_a_name(lower) or (lexicon.surname(lower) and lower not in WORDS_AFTER_NAMES)):
        # "ok so tamara khokhlova keeps": a word no list has, after a first name in lower case; "this is savannah
        # gates calling": a listed surname, though a word too
        known = True
    if (name is not None and name.group().islower() and lexicon.surname(lower) and lower not in STOP_WORDS
            and lower not in CLAUSE_END_WORDS and lexicon.first_name(name.group()) and not lexicon.everyday(
                name.group()) and SENTENCE_ENDS.match(text, following.end())):
        known = True  # "phone review w/ katherine hill, mood 3/10": a listed surname that is a word too, where the
        # clause ends after a first name no word is
    if initial and _shape(word) != "lower":
        titled = True
    given = re.search(r"[^\W\d_]+$", text[max(0, end - 30):end])
    if (given is not None and lexicon.surname(lower) and lower not in STOP_WORDS and SENTENCE_ENDS.match(
            text, following.end()) and STRONG_NAME_CUE.search(text, max(0, end - len(given.group()) - 30),
                                                              end - len(given.group()))):
        known = True  # "my name is gerard young": a surname that is a word too, where the name ends the sentence
    if (given is not None and given.group().islower() and _shape(word) == "lower" and lower not in STOP_WORDS
            and lower not in CLAUSE_END_WORDS and (
                NAME_ENDS_AFTER.match(text, following.end()) or (SENTENCE_ENDS.match(text, following.end()) and (
                    lexicon.surname(lower) or not lexicon.vocabulary(lower)) and not ENGLISH_ENDING.search(lower)))
            and CUED_BEFORE_NAME.search(text, max(0, end - len(given.group()) - 30), end - len(given.group()))):
        known = True  # "this is yong ding calling", "my mum li xu keeps calling": who the cue names, in two words
    if (_shape(word) == "title" and given is not None and _surname_after(given.group().lower(), lower)
            and lower not in WORDS_AFTER_NAMES and lower not in NEVER_NAMED and not lexicon.clinical(lower)):
        titled = True  # "Atharv Das": after a first name that is no word, a frequent word no dictionary has
    if (known or titled) and lower not in STOP_WORDS and re.split(r"['’]", lower)[0] not in PRONOUNS:  # not "I'm"
        return following.end() - (len(following.group()) - len(following.group().rstrip("'’s")) if
                                  POSSESSIVE.search(following.group()) else 0)
    return end


SENTENCE_ENDS = re.compile(r"[ \t]*(?:[.,;!?\n]|$)")
# A two-word name in lower case ends where the cue before it says whose it is and a person's verb follows
WHOSE_NAME_FOLLOWS = rf"\bthis is|\bmy name is|\bmy (?:{RELATIONS})"
CUED_BEFORE_NAME = re.compile(rf"(?i)(?:{WHOSE_NAME_FOLLOWS}|\bi'?m|\bi am)[ \t]+$")
NAME_ENDS_AFTER = re.compile(r"[ \t]+(?:calling|here|speaking|keeps|kept|said|says|told|texted|called|wants|"
                             r"is my|was my)\b")
CUED_TWO_WORDS = re.compile(rf"(?:{WHOSE_NAME_FOLLOWS})[ \t]+"
                            r"([a-zß-öø-ÿ][a-zß-öø-ÿ'’-]*[ \t]+[a-zß-öø-ÿ][a-zß-öø-ÿ'’-]*)"
                            rf"(?={NAME_ENDS_AFTER.pattern})")
# Words that end a clause after a name as often as a surname does: "call anna back.", "tell mia too."
CLAUSE_END_WORDS = frozenset("""back home well more just early again too now later soon tonight today yesterday
tomorrow here there though anyway lol haha""".split())
CHAT_OPENER_BEFORE = re.compile(r"(?:^|[.!?\n,;][ \t]*|\b(?:lol|lmao|omg|ugh|haha|ok|okay|so|and then|then|but|"
                                r"basically|says|said|and)[ \t]+)$", re.IGNORECASE)
# (who from where may come between: "aurora from the tuesday group said")
LOWER_PERSON_VERB_AFTER = re.compile(r"[ \t]+(?:from[ \t]+(?:the[ \t]+)?[a-z]+(?:[ \t]+[a-z]+)?[ \t]+)?"
                                     r"(?:always[ \t]+|just[ \t]+|never[ \t]+|also[ \t]+|still[ \t]+)?"
                                     r"(?:says|said|told|tells|thinks|thought|keeps|kept|texted|texts|called|calls|came|"
                                     r"comes|went|laughed|cried|yelled|blocked|wants|wanted|rings|rang|phoned|picks|"
                                     r"picked|gave|gives|drove|drives|messaged|showed up|turned up|dumped|ghosted)\b")
SLIP_GOES_ON = re.compile(r",?[ \t]+[a-z]|\.[ \t]+[a-z]")  # "Helo, how", "Ober half", "Havea. good day"
WORD_BEFORE = re.compile(r"(?<![\w'’])([^\W\d_][^\W\d_-]*(?:-[^\W\d_]+)?)(?: [A-Z]\.?)? $")  # not "I'm"


def given_name_start(text: str, start: int) -> int:
    """Where a name found by its surname starts: the capitalised given names before it ("Mai Saito", "Christian T.
    Gulbrandsen", "Fionntan Mac Breen"), each a listed first name or a word that is not a frequent English one; in
    capitals before a name in capitals ("MISSING: ANNELIESE BRÜCKNER")."""
    if text[start:start + 1].islower():
        lower_start = _lower_given_start(text, start)
        if lower_start != start:
            return lower_start
    shape = "upper" if text[start:start + 2].isupper() else "title"
    for _ in range(3):
        before = WORD_BEFORE.search(text, max(0, start - 40), start)
        if before is None:
            break
        word_start = before.start(1)
        glued = _glued_points(text, word_start + 1, before.end(1))
        if glued:  # "for more informationMarta Kowalczyk": a signature run into the sentence before it
            word_start = glued[-1]
        word = text[word_start:before.end(1)]
        lower = word.lower()
        if (_shape(word) != shape or len(lower) < 2 or lower in STOP_WORDS or lower in NOT_NAMES
                or TITLE.match(word + " ") or (lexicon.clinical(lower) and not lexicon.surname(lower))
                or (lexicon.common(lower) and not lexicon.first_name(lower))):
            break  # an eponym that is a surname is one before a given name ("Hashimoto Kazuya")
        start = word_start
        if glued:
            break
    return start


def _lower_given_start(text: str, start: int) -> int:
    """The given name before a listed name a writer who does not capitalise put down ("watanabe hideki", "ekaraj
    konda"): one word, a listed name that no everyday word is, or a word no list has (and no English ending). Not a
    chat word, a function word or a word from the vocabulary ("ok so hideki", "met konda")."""
    found = WORD.match(text, start)
    if found is None or lexicon.foreign_stop_word(found.group()) or not (
            lexicon.first_name(found.group()) or lexicon.surname(found.group())):
        return start  # the name found must be one a list has, and no function word: not "familia está aquí"
    before = WORD_BEFORE.search(text, max(0, start - 40), start)
    if before is None or not before.group(1).islower() or "-" in before.group(1):
        return start
    lower = before.group(1)
    listed = (lexicon.first_name(lower) or lexicon.surname(lower)) and not lexicon.everyday(lower)
    unknown = not lexicon.listed(lower) and not lexicon.vocabulary(lower) and _pronounceable(lower)
    if (len(lower) < 3 or lower in STOP_WORDS or lower in NOT_NAMES or lower in lexicon.CHAT_WORDS
            or lexicon.foreign_stop_word(lower)
            or lexicon.clinical(lower) or ENGLISH_ENDING.search(lower) or not (listed or unknown)):
        return start
    return before.start(1)


def _glued_at(text: str, position: int) -> bool:
    """Whether two words meet here with no space between them ("informationLaura"): a boundary all the same."""
    return text[position - 1:position].islower() and text[position:position + 1].isupper()


def _glued_points(text: str, start: int, end: int) -> list[int]:
    return [position for position in range(start, end) if _glued_at(text, position)]


def whole_name(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole of a name that a recognizer found in part, so that no piece of it is left to read: the rest of a
    word joined by a hyphen ("Heinz-Dieter", "anna-liisa"), the given names before it and the surname after it."""
    first_word = text[start:end].split(maxsplit=1)[0] if text[start:end].strip() else ""
    glued = _glued_points(text, start + 1, start + len(first_word))
    start = glued[-1] if glued else start  # "informationLaura Cassity": the name starts at its capital
    while start > 0 and not _glued_at(text, start) and (
            text[start - 1].isalpha() or (text[start - 1] == "-" and text[start - 2:start - 1].isalpha())):
        start -= 1
    while end < len(text) and not _glued_at(text, end) and (
            text[end].isalpha() or (text[end] == "-" and text[end + 1:end + 2].isalpha())):
        end += 1
    surname = _given_after_upper_surname(text, start, surname_end(text, end))
    glued = _glued_points(text, end + 1, surname)
    start = given_name_start(text, start)
    start = _upper_surname_start(text, start, end)
    start = _slashed_surname_start(text, start, end)
    before = PARTICLE_BEFORE.search(text, max(0, start - 12), start)
    if before is not None and text[start:start + 1].isupper():  # "Jason+van Maaren"
        start = given_name_start(text, before.start(1))  # "Roos de Wit": the given name before the particle
    return start, glued[0] if glued else surname  # not "Ciraky PhDLicensed"


GIVEN_AFTER_COMMA = re.compile(r",[ \t]+([A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’-]+)\b(?![ \t]*:)")
# The name order of a ticket or a booking (IATA): "CONRY/HAYLEY MS", "LE GOFF/LOUISE", "DĄBROŚ/ANIELA MRS"
SLASHED_SURNAME_BEFORE = re.compile(r"(?<![\w'’/-])((?:[A-ZÀ-ÖØ-Þ]{2,}[ \t])?[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’-]+)/$")
TICKET_TITLE_AFTER = re.compile(r"[ \t]*(?:(?:MR|MRS|MS|MISS|MSTR|DR|MX)\b|$|\n)")


def _given_after_upper_surname(text: str, start: int, end: int) -> int:
    """A register's order after a surname found in capitals: "LILJA, Ville", "AKÇAY, Tunahan": the capitalised word
    after the comma, a listed first name or no everyday word (not "SMITH, Thanks", not a label's "Name:")."""
    found = text[start:end]
    if not (found.isupper() and sum(c.isalpha() for c in found) >= 2):
        return end
    given = GIVEN_AFTER_COMMA.match(text, end)
    if given is None:
        return end
    lower = given.group(1).lower()
    if (lower in STOP_WORDS or lower in NEVER_NAMED or lexicon.clinical(lower) or lower in lexicon.CHAT_WORDS
            or not (lexicon.first_name(lower) or not lexicon.everyday(lower))):
        return end
    return given.end(1)


def _slashed_surname_start(text: str, start: int, end: int) -> int:
    """The surname before a given name in capitals in a ticket's order ("CONRY/HAYLEY MS")."""
    if not text[start:end].isupper() or not TICKET_TITLE_AFTER.match(text, end):
        return start
    before = SLASHED_SURNAME_BEFORE.search(text, max(0, start - 40), start)
    if before is None or any(word.lower() in STOP_WORDS and word not in ("LE", "LA", "DE", "DA", "DI", "DU", "VAN")
                             for word in before.group(1).split()):
        return start
    return before.start(1)


UPPER_SURNAME_BEFORE = re.compile(r"(?<![\w'’-])((?:(?:VAN|VON|DE|DA|DOS|DAS|DEL|DI|DU|LE|LA|EL|AL|BIN|TEN|TER)[ \t]+)"
                                  r"{0,2}([A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’-]+))(?:,)?[ \t]+$")


def _upper_surname_start(text: str, start: int, end: int) -> int:
    """A register's order, surname in capitals before a given name ("POTTER Kelly, DOB ...", "VAN BERGEN Hannah",
    "Re: MUNI, Nimrat"): a listed surname or no English word, never a shout ("NOT Kelly"), a chat word or an acronym
    that is a word ("NHS"). A given name no list has needs a surname of four letters or more with a vowel."""
    given = text[start:end]
    first = given.split()[0].lower() if given.split() else ""
    if not (given[:1].isupper() and given[1:2].islower()):
        return start
    listed_given = lexicon.first_name(first)
    if not listed_given and lexicon.vocabulary(first):
        return start
    before = UPPER_SURNAME_BEFORE.search(text, max(0, start - 30), start)
    if before is None or len(before.group(2)) < 3:
        return start
    lower = before.group(2).lower()
    if lower in STOP_WORDS or lower in NOT_NAMES or lower in lexicon.CHAT_WORDS or lexicon.clinical(lower):
        return start
    if not listed_given and (len(lower) < 4 or not re.search(r"[aeiouy]", lower)):
        return start  # "FBI Thibaut"
    return before.start(1) if lexicon.surname(lower) or not lexicon.vocabulary(lower) else start


# The particles of a surname, between given name and surname or before it: "Lorena de la Garza", "Luca in 't Veld",
# "maria op den kamp", "René del Valle Sepúlveda"
PARTICLE = (r"(?:van|von|de|da|do|dos|das|del|della|dello|degli|di|du|des|ten|ter|bin|binti|bint|ibn|al|el|op|zu|vom|"
            r"zum|in(?=[ \t]+['’]t\b))(?:[ \t]+(?:der|den|de|la|le|los|las|het|['’]t|van))?")
PARTICLE_AFTER = re.compile(rf"[ \t]+{PARTICLE}[ \t]+([^\W\d_][\w'’-]*)")
UPPER_PARTICLE_AFTER = re.compile(r"[ \t]+(?:VAN|VON|DE|DA|DOS|DAS|DEL|DELLA|DI|DU|DES|TEN|TER|BIN|IBN|AL|EL|ZU)"
                                  r"(?:[ \t]+(?:DER|DEN|DE|LA|LE|LOS|LAS))?[ \t]+([A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’-]+)\b")
PARTICLE_BEFORE = re.compile(rf"(?:^|(?<=[\s+]))({PARTICLE})[ \t]+$")


def _surname_after(given: str, word: str) -> bool:
    """Whether a word after this first name reads as its surname: the name is listed and no English word, and the
    word is no dictionary word though it may be frequent ("Atharv Das"; not "The Davinci Code")."""
    return (lexicon.first_name(given) and not lexicon.vocabulary(given)
            and word not in lexicon.words("vocabulary.txt"))


# What a house number or an ID carries after a hyphen: a floor ("280-II"), a letter group ("7374-637-324-FZ").
HYPHEN_SUFFIX = re.compile(r"-(?:[A-Z\d]{1,4}|[a-z]{1,2})(?![\w-])")


def _letter(character: str) -> bool:
    return character.isalpha() or unicodedata.category(character) == "Mn"  # "i̇stiklal": an i and its dot


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """A finding that starts or ends inside a word takes the whole word: what is left of a word is read as easily
    as the word ("i̇stiklal" found as "stiklal"), and a code's last group is part of it ("Beatrixlaan 280-II")."""
    while 0 < start < end and _letter(text[start]) and _letter(text[start - 1]) and not _glued_at(text, start):
        start -= 1
    while start < end < len(text) and _letter(text[end - 1]) and _letter(text[end]) and not _glued_at(text, end):
        end += 1
    while (suffix := HYPHEN_SUFFIX.match(text, end)) is not None and text[end - 1:end].isalnum():
        end = suffix.end()
    return start, end


HYPHENATED = re.compile(r"(?<![\w-])[^\W\d_]{2,}(?:-[^\W\d_]{2,})+(?![\w-])")
KOREAN_INITIALS = "g kk n d tt r m b pp s ss j jj ch k t p h".split() + [""]
KOREAN_VOWELS = "a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i".split()
KOREAN_FINALS = ["", "k", "n", "t", "l", "m", "p", "ng"]


@cache
def korean_syllables() -> frozenset[str]:
    """Every syllable of the Revised Romanization of Korean: a hyphenated pair of them is a given name ("Min-jae",
    "Bo-ram", "Seong-su"), which no name list can hold all of."""
    return frozenset(i + v + f for i in KOREAN_INITIALS for v in KOREAN_VOWELS for f in KOREAN_FINALS)


INITIAL_SURNAME = re.compile(r"(?<![\w.])([A-Za-z])\.[ \t]?([A-ZÀ-Þ][\w'’-]{2,}(?:[ \t][A-ZÀ-Þ][\w'’-]{2,})?|"
                             r"[a-z]{3,})\b")
# A label that says people follow, and the list after it up to the sentence's end: "people to avoid: ...",
# "safe people: ...", "who i can call: ..."
PEOPLE_LABEL = re.compile(r"(?i)\b(?:people|persons|contacts|friends|who i can (?:call|text|talk to|trust))\b"
                          r"[^:\n.!?]{0,40}:[ \t]*([^\n.!?:]+)")
GIVEN_BEFORE_INITIAL = re.compile(r"(?<![\w.'’-])([A-ZÀ-Þ][a-zß-ÿ]+)[ \t]$")
LOWER_MIDDLE_INITIAL = re.compile(r" [a-z]\. ?(?=[a-z])")  # from a writer who does not capitalise: "ana m. reyes"
BRACKETED = re.compile(r"\([^()\n]*\)")
BARE_NAME = re.compile(r"\s*([^\W\d_]{2,})[ \t]+([^\W\d_]{2,})[ \t]*[.!]?\s*")
MIDDLE_INITIAL = re.compile(r" [A-Z](?:\. ?| )(?=[^\W\d_])")  # one letter: "John Q. Public", not "Carpenter"
# a word, or two capitalised ("Davi Lucas"), and a note on it in brackets ("Oskar (late)")
LIST_ITEM = r"[^\W\d_][\w'’-]*(?: [A-ZÀ-ÖØ-Þ][\w'’-]*)?(?:[ \t]*\([^()\n]{1,30}\))?"
# "Anna, Piotr and Kasia", "tonje and tom", "Desirée, Lars, Berit - we all went"
NAME_LIST = re.compile(rf"\b{LIST_ITEM}(?:,\s*{LIST_ITEM})*,?\s+(?:and|&|or)\s+{LIST_ITEM}"
                       rf"|\b{LIST_ITEM}(?:,\s*{LIST_ITEM}){{2,}}(?=\s*[-–—:]|\s*$)")
# A name a message speaks to: at its start (or a quoted one's) before a comma, or after a comma ending a sentence
# (at a message's start before a date, the date of birth of whom it names: "Hristofor, 12.03.81, on sertraline")
VOCATIVE = re.compile(r"(?:^|\n|[\"“‘'>][ \t]*)([A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+),[ \t]+"
                      r"(?=[a-z]|I\b|\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b)"
                      r"|,[ \t]+([A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+)[ \t]*[.!?]+(?=\s|$)")
# A greeting opening a line in lower case, then a word no dictionary has, then the message goes on: whom it greets.
LOWER_GREETED = re.compile(r"(?m)^[ \t]*(?:hey|hi|hiya|heya|hello|yo|morning|evening)[ \t]+([a-zß-öø-ÿ][a-zß-öø-ÿ'-]+)"
                           r"(?=[ \t]*(?:[,!.?]|$)|[ \t]+(?:can|cant|can't|could|are|r|how|just|i|im|i'm|its|it's|thx|"
                           r"thanks|cnt|pls|please|did|do|dont|don't|u|you|we|sorry|so|ok)\b)")
# What chat calls the one it greets, no dictionary's word yet no one's name: "hey gurl", "hiya hunny, you ok"
ADDRESS_TERMS = frozenset("""gurl grl gurlie girlie girly broski bro bruh brah bruv breh sista sissy hunny hunnie
bae boo besties bestiee homie homies fren frens kiddo chica chico amigo amiga cuz fella fellas matey lovelies luv
dawg gals galz peeps ppl bby babes sweetie sweety darlin mami papi mamas queen queens squad
everyone everybody""".split())
DEITIES = frozenset("jesus christ lord god allah buddha krishna jehovah".split())
OPENERS = frozenset("hello hey hiya okay yeah well sorry thanks anyway honestly".split())  # a slip of one opens too
# Courtesies of other languages that English chat borrows: "Merci, that really helped."
BORROWED = frozenset("""merci gracias danke grazie obrigado obrigada hola ciao salut bonjour namaste shalom salaam
salam habibi habibti inshallah mashallah alhamdulillah wallah oui nein bitte prego arigato kamsahamnida
shukran asante""".split())
LOWER_WORD = r"[a-zß-öø-ÿā-ž][a-zß-öø-ÿā-ž'’-]+"
LOWER_ITEM = rf"{LOWER_WORD}(?:[ \t]+{LOWER_WORD})?"
# What a list of people goes on to do: "... were all there", "... from group said hi", "... used to"
PEOPLE_LIST_VERB = (r"(?:were|are|from|said|say|came|come|used to|both|all|have|had|keep|kept|told|texted|called|went|"
                    r"got|showed|always|never)\b")
LOWER_PEOPLE_LIST = re.compile(rf"(?<![\w'’-]){LOWER_ITEM}(?:,[ \t]*{LOWER_ITEM})*"
                               rf",?[ \t]+(?:and|n|&)[ \t]+{LOWER_WORD}(?=[ \t]+{PEOPLE_LIST_VERB})")
PEOPLE_LIST_HINT = re.compile(rf"[ \t](?:and|n|&)[ \t]+\S+[ \t]+{PEOPLE_LIST_VERB}")
STRONG = 0.85  # the score of a finding a cue word or the layout vouches for
# A name that is a public reference, not a person in the conversation: a book's author, a disease, a method.
# One looks up or googles someone known, not someone one knows: "I will have to look up Mel Robbins".
AUTHOR_BEFORE = re.compile(r"(?:\blook(?:ed|ing)?\s+up|\bgoogl(?:e|ed|ing)|"
                           r"[\"”’]\s*by|\bbooks?\b[^.?!]{0,80}?\bby|\bread(?:ing)?\b[^.?!]{0,40}?\bby|"
                           r"\bwritten by|\bauthor(?:ed)?(?: by)?,?|"
                           r"\bbook,?|(?-i:\b[A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|the|of|a|an|and|to|in|for|on|"
                           r"with|from)){2,8})\s+by)\s+(?:drs?\.?\s+)?(?:[^\W\d_][\w.'’]*(?:\s+|-)|&\s+|and\s+){0,4}$",
                           re.IGNORECASE)
EPONYM_AFTER = re.compile(r"^(?:-[A-Z][\w'’]+)?(?:['’]s)?\s+(?:syndrome|disease|disorder|delusion|encephalopathy|"
                          r"thyroiditis|palsy|dementia|method|technique|scale|inventory|test|model|approach|institute|books?|work|"
                          r"research|theory|podcast|ted talk)\b"
                          # "... is a great book", "Stan Tatkin, PsyD writes", "... is a therapist who specializes"
                          r"|^\s+(?:is|was)\s+an?\s+(?:\w+\s+)?(?:book|read|author|researcher|psychologist|"
                          r"psychiatrist|therapist who)\b"
                          r"|^,?(?:\s+[A-Z][\w.]*,?)?\s+(?:writes|wrote|explains|says in)\b(?!:)"  # not "Eero wrote:"
                          # an author turning to the readers: "Hansen asks us to imagine"
                          r"|^\s+(?:asks|invites|encourages|tells|reminds|urges)\s+(?:us|readers|the reader)\b"
                          # "... had a book out", "Gottman's The Science of Trust": a book's author
                          r"|^\s+(?:had|has)\s+a\s+(?:new\s+)?book\b|^['’]s\s+(?-i:(?:The|A|An)\s+[A-Z])"
                          # "the John Hopkins site": an organisation's (not a signature's next line)
                          r"|^[ \t]+(?:web\s?)?site\b"
                          # "Gary Chapman is famous for his books"
                          r"|^(?:\s+[A-Z][\w'’-]+)?\s+(?:is|was)\s+(?:(?:very|so|really)\s+)?"
                          r"(?:famous|well[- ]known|best known)\b",
                          re.IGNORECASE)
# "Evgeny Kissin, a Russian pianist" (in chat, "a Russian pianis\nt"): someone known for their work; not "my friend
# Olga, a Russian pianist" (OWNER_BEFORE): someone the writer knows
CALLING_AFTER = re.compile(r"^,\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}(?:pianis(?:\s*t)?|singer|songwriter|rapper|"
                           r"musician|composer|guitarist|drummer|actor|actress|comedian|author|novelist|poet|writer|philosopher|"
                           r"physicist|scientist|painter|artist|director|filmmaker|youtuber|podcaster|influencer|"
                           r"athlete|footballer|boxer|journalist|presenter|politician|president|celebrity)\b",
                           re.IGNORECASE)
OWNER_BEFORE = re.compile(r"(?i)\b(?:my|our|his|her|their|your)\b")
# Before a capitalised name, an indefinite article makes it a kind of thing, not someone: "a Gottman or Emotionally
# Focused therapist", "a pink Barbie backpack", "a McDonald's", "a Presa Canario".
# A pet's name is no one's: "a dog named Mamoa", "my cat Garbo" (the labels leave pets out).
PET_BEFORE = re.compile(r"(?i)\b(?:dog|cat|puppy|pup|kitten|kitty|pet|horse|pony|rabbit|bunny|hamster|parrot|budgie|"
                        r"guinea pig|lizard|snake|turtle|tortoise|ferret)(?:s?,?\s+(?:(?:named|called)\s+)?|"
                        r"['’]s\s+name\s+is\s+|\s+is\s+(?:named|called)\s+)$")  # "My dog's name is Phineas"
# What only an animal is or does: "walked Biscuit", "bring Garbo to dog parks", "Pip barked all night"
PET_VERB_BEFORE = re.compile(r"(?i)\b(?:walk(?:ed|ing)?|feed(?:ing)?|fed|adopt(?:ed|ing)?|rescu(?:e|ed|ing)|"
                             r"groom(?:ed|ing)?|neuter(?:ed)?|spay(?:ed)?)\s+$")
PET_AFTER = re.compile(r"(?i)\s+(?:to (?:the )?(?:dog ?parks?|vets?|groomers?|kennels?|cattery)\b|"
                       r"(?:barks?|barked|barking|meows?|meowed|purrs?|purred|purring|wags?|wagged|whines|whined|"
                       r"growls?|growled|fetch(?:es|ed)?)\b|"
                       r"is (?:a|my) (?:good )?(?:dog|cat|puppy|kitten)\b|is a good (?:boy|girl)\b)")
PET_NAME = re.compile(r"[A-Z][a-z]+")


def pet_names(text: str) -> frozenset[str]:
    """The names a text gives an animal ("my dog Garbo", "bring Garbo to dog parks"): every other mention of the same
    name in that text is the animal too ("Do you talk to Garbo?"). What people do as well ("walked Anna home", "we
    adopted Mia", "Tom is a good boy") counts only in a text that speaks of animals."""
    names = set()
    animals = ANIMAL_WORDS.search(text) is not None
    for match in PET_NAME.finditer(text):
        before = text[max(0, match.start() - 40):match.start()]
        if (PET_BEFORE.search(before) or (animals and (PET_VERB_BEFORE.search(before[-16:])
                                                       or PET_AFTER.match(text, match.end())))
                ) and match.group().lower() not in STOP_WORDS:
            names.add(match.group())
    return frozenset(names)


# (not "lead", "treats", "wages": words of people's lives too)
ANIMAL_WORDS = re.compile(r"(?i)\b(?:dogs?|cats?|pupp(?:y|ies)|pups?|kittens?|kitty|pets?|vets?|leash|barks?|"
                          r"barked|barking|meow\w*|purr\w*|wag(?:s|ged|ging)?|paws?|fur|kennel|cattery|walkies)\b")


# "The books I enjoy reading H.P. Lovecraft and Edgar Allen Poe": one reads authors (only capitalised words between).
READING_BEFORE = re.compile(r"\breading\s+(?:[A-Z][\w.'’]*\s+|and\s+){0,4}$")
# "read Greene's Explosive Child": whose titled work one reads is its author.
READ_BEFORE = re.compile(r"\bread(?:ing)?\s+$", re.IGNORECASE)
TITLED_WORK_AFTER = re.compile(r"['’]s\s+[A-Z]")
# On the name's own line: "a printer\nAnn Lee" is no kind of thing.
ARTICLE_BEFORE = re.compile(r"\b(?:an?|A|An)[ \t]+(?:[a-z]+[ \t]+)?$")


# The last word of an organisation's name that spaCy's small model reads as a person's ("Harry House").
ORGANISATION_WORDS = frozenset("""house foundation project center centre network society association institute trust
alliance coalition club group church ministries ministry fund initiative program programme collective press books
media publishing company inc llc ltd""".split())
ORGANISATION_AFTER = re.compile(r"(?:\s+[A-Z][\w'’-]*)?\s+(?:" + "|".join(word.title() for word in ORGANISATION_WORDS)
                                + r")\b")


def public_reference(text: str, start: int, end: int) -> bool:
    """A book's author ("by Melody Beattie", "reading H.P. Lovecraft"), an eponym ("Alzheimer's disease", "Gottman
    method"), a kind of thing named after someone ("a Gottman therapist", "a Barbie backpack"), a costume's character
    ("dress up as Elsa") or a pet ("my dog Garbo")."""
    before = text[max(0, start - 120):start]
    if (ARTICLE_BEFORE.search(before[-20:]) and text[start:start + 1].isupper()) or PET_BEFORE.search(before[-40:]):
        return True
    if any(brand.start() <= start < brand.end() for brand in BRAND_PAIR.finditer(text, max(0, start - 40), end + 40)):
        return True
    possessive = POSSESSIVE.search(text[start:end])
    end -= len(possessive.group()) if possessive else 0
    return bool(AUTHOR_BEFORE.search(before) or READING_BEFORE.search(before) or EPONYM_AFTER.match(text[end:end + 30])
                or (READ_BEFORE.search(before) and TITLED_WORK_AFTER.match(text, end))
                or CHECK_OUT_BEFORE.search(before[-20:]) or PUBLIC_TITLE_BEFORE.search(before[-16:])
                or COSTUME_BEFORE.search(before[-30:])
                or WORKS_BEFORE.search(before[-60:]) or WORK_OR_CITATION_AFTER.match(text, end)
                or (CALLING_AFTER.match(text[end:end + 60]) and not OWNER_BEFORE.search(before[-30:]))
                or (QUOTED_EXAMPLE_BEFORE.search(before[-60:]) and text[end:end + 1] in "\"”"))




# A costume is a character's: "wants to dress as Elsa", "cosplaying as Zelda"
COSTUME_BEFORE = re.compile(r"(?i)\b(?:dress(?:es|ed|ing)?|cosplay(?:s|ed|ing)?)(?:[ \t]+up)?[ \t]+as[ \t]+$")
# A public title ("Lord Garmadon", "President Lincoln") or a work's maker ("motivation videos online such as Jon
# Jandia's"): no private person
PUBLIC_TITLE_BEFORE = re.compile(r"\b(?:Lord|Lady|Sir|Dame|King|Queen|Prince|Princess|Saint|St\.|Emperor|Pope|"
                                 r"President|Senator|Governor|Chancellor)[ \t]+$")
WORKS_BEFORE = re.compile(r"(?i)\b(?:videos?|podcasts?|shows?|characters?|channels?|films?|movies?|songs?|music|"
                          r"albums?|bands?|youtubers?|authors?|books?|artists?|musicians?|rappers?|singers?|"
                          r"actors?|actress(?:es)?|comedians?|celebrit(?:y|ies)|athletes?)\b[^.?!\n]{0,30}?\b"
                          r"(?:such as|like)\s+$")
# A work's title, by where it is watched ("I loved Sweet Magnolia's on Netflix", "Grace and Frankie on Netflix"), or
# an author, by a citation ("listed by Robinson (2012)", "Beck et al.", "Randy Pausch (author of The Last Lecture)")
STREAMING = (r"Netflix|Hulu|HBO(?: Max)?|Max|Prime(?: Video)?|Amazon Prime|Disney\+?|YouTube|Youtube|Spotify|"
             r"Apple TV\+?|Peacock|Paramount\+?|Crunchyroll|Audible|Kindle")
WORK_OR_CITATION_AFTER = re.compile(
    rf"(?:['’]s)?(?:(?:\s+(?:and|&)\s+[A-Z][\w'’-]+)?\s+on\s+(?:{STREAMING})\b"
    r"|\s*\((?:19|20)\d{2}[a-z]?[),;]|\s+et al\b|(?:\s+[A-Z][\w'’-]+)?\s*[(,]\s*(?:the\s+)?(?:author|writer) of\b)")
# "check out Teepa Snow (teepasnow.com)": someone whose work one is pointed to
CHECK_OUT_BEFORE = re.compile(r"(?i)\bcheck(?:ing)?\s+out\s+$")
# "give it a name, like "Judy" or "Bill"": a name as an example, in quotes
QUOTED_EXAMPLE_BEFORE = re.compile(r"(?i)\b(?:like|e\.g\.|for example|such as|say|call(?:ed)? it|name(?:d)? it)\s*"
                                   r"[\"“](?:[^\"”\n]{1,30}[\"”]\s*(?:,|or|and)\s*[\"“])*$")


# A place that names a public body ("the Texas Crisis Hotline"), or where a law holds ("In Pennsylvania, anyone over
# 14 can consent"): no one's home.
PUBLIC_BODY_AFTER = re.compile(r"(?:[ \t]+[A-Z][\w'’-]*){0,2}[ \t]+(?:Hotline|Helpline|Lifeline|Crisis Line|Department|"
                               r"Dept|Legislature|Medicaid|Attorney General|Board of \w+)\b")
LAW_IN_PLACE_BEFORE = re.compile(r"(?i)(?:^|[.!?:]\s+|,\s*(?:but|and)\s+)in\s+$")
LAW_IN_PLACE_AFTER = re.compile(r"(?i),\s+(?:anyone|any one|anybody|if (?:you|a|the)|the law|laws?|minors?|a minor|"
                                r"people|you can|you must|you need|you have to|it is|it's|children|teens|adolescents|"
                                r"parents|clients|therapists|counselors)\b")


def place_in_general(text: str, start: int, end: int) -> bool:
    """A place named for a public body or a rule that holds there, one travelled or wished to ("I've been to Las
    Vegas about fifteen times", "always wanted to go to Lisbon") or in the news ("the fires in California"), or a
    country as a nationality or a whole answer ("Nationality: Poland", "Indonesia"), not as where someone is."""
    return (PUBLIC_BODY_AFTER.match(text, end) is not None
            or TRAVEL_BEFORE.search(text, max(0, start - 30), start) is not None
            or NEWS_BEFORE.search(text, max(0, start - 30), start) is not None
            or (text[start:end].lower() in lexicon.words("countries.txt") and (
                NATIONALITY_BEFORE.search(text, max(0, start - 30), start) is not None
                or (not text[:start].strip() and not text[end:].strip(" .!?\n")  # a whole answer, unless a name
                    and text[start:end].lower() not in lexicon.tsv("first_names.tsv")[0])))  # ("Jordan", "Chad")
            or (LAW_IN_PLACE_BEFORE.search(text, max(0, start - 40), start) is not None
                and LAW_IN_PLACE_AFTER.match(text, end) is not None))


# Shouted text ("I STILL HAVE HOPE"): the share of its letters in capitals, and what goes before or beside a word
# that makes it a thing had or named together with another thing, not someone
SHOUTED_SHARE = 0.8
HAD_BEFORE = re.compile(r"\b(?:HAVE|HAS|HAD|NEED|NEEDS|FIND|FOUND|LOSE|LOST|KEEP|KEPT|GIVE|GAVE|NO|SOME|ANY|MORE|"
                        r"LESS|LITTLE|OF|FULL OF)[ \t]+(?:[A-Z]+[ \t]+)?$")
PAIRED_AFTER = re.compile(r"[ \t]+(?:AND|&)[ \t]+([A-Z]+)\b")
PAIRED_BEFORE = re.compile(r"\b([A-Z]+)[ \t]+(?:AND|&)[ \t]+$")


def shouted_word(text: str, start: int, end: int, entity: str) -> bool:
    """A word of a shouted text that is an English word, used as one: a thing someone has ("I STILL HAVE HOPE"), or
    paired with a word no one is named ("GRACE AND PATIENCE"); a place that is a plain word and no place ("PATIENCE").
    Capitals carry no cue there, so the words around must. A word no list has as a word ("TUNAHAN") is never one."""
    word = text[start:end]
    lower = word.lower()
    if not word.isalpha() or not word.isupper() or not (lexicon.common(lower) or lexicon.name_word(lower)):
        return False
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 20 or sum(c.isupper() for c in letters) < SHOUTED_SHARE * len(letters):
        return False
    if entity == "LOCATION":  # not "RAISED IN PERTH", not a form's "STATE: CO"
        line = text[text.rfind("\n", 0, start) + 1:start]
        return (len(lower) >= 4 and not lexicon.place(lower) and lower not in lexicon.words("countries.txt")
                and ":" not in line and PLACE_CUE.search(text[max(0, start - 30):start].lower()) is None)
    if RELATION_OR_RANK.search(text[max(0, start - 40):start].lower()) or STRONG_NAME_CUE.search(
            text[max(0, start - 40):start]):
        return False
    if HAD_BEFORE.search(text, max(0, start - 30), start):
        return True
    partner = PAIRED_AFTER.match(text, end) or PAIRED_BEFORE.search(text, max(0, start - 30), start)
    other = partner.group(1).lower() if partner else ""
    return bool(other) and lexicon.common(other) and not lexicon.first_name(other) and not lexicon.name_word(other)


NEWS_BEFORE = re.compile(r"(?i)\b(?:news|floods?|flooding|fires?|wildfires?|bushfires?|earthquakes?|hurricanes?|"
                         r"tornado(?:e)?s?|storms?|war|shootings?|protests?|riots?|elections?|lockdowns?|attacks?|"
                         r"bombings?|outbreaks?|disasters?)\s+(?:in|from|across|over|out of)\s+(?:the\s+)?$")
NATIONALITY_BEFORE = re.compile(r"(?im)^[ \t>*-]*(?:nationality|citizenship|citizen of|place of birth|"
                                r"country of (?:birth|origin|citizenship|issue)|issuing (?:country|state))"
                                r"[ \t]*(?:[:=-]|\.+)?[ \t]*$")
TRAVEL_BEFORE = re.compile(r"(?i)\b(?:been to|visit(?:ed|ing)?|trips? to|vacation(?:ed|ing)? (?:in|to)|"
                           r"holidays? (?:in|to)|travel(?:l?ed|l?ing)? to|fl(?:ew|y|ying) to|tour(?:ed|ing)?|"
                           # a trip wished for: "I've always wanted to go to Las Vegas"
                           r"(?:(?:(?:always )?want(?:ed)?|(?:would|'d|’d) (?:love|like)|hop(?:e|ed|ing)|"
                           r"plan(?:ned|ning)?) to|wanna) (?:go|travel|fly|get) to)\s+$")


TITLE_WORD_AFTER = re.compile(r"(?:['’]s)? ([A-Z][a-z]{2,})\b(?![:'’])")


def _digits_on_line(text: str, start: int, end: int) -> bool:
    """Whether the line of a span holds a digit: an address or a form line, where words keep other rules."""
    line_end = text.find("\n", end)
    return DIGIT.search(text, text.rfind("\n", 0, start) + 1, line_end if line_end >= 0 else len(text)) is not None


# A name that a capital "Day" follows, after a possessive or two names: a day named after someone (not "Jenny Day")
NAMED_DAY = re.compile(r"^(?:(?:[^\W\d_][\w.-]*[ \t]+)*[^\W\d_][\w.-]*['’]s|"
                       r"[^\W\d_][\w-]+(?:[ \t]+[^\W\d_][\w-]+)+)[ \t]+Day\b")  # no initial: "Ann S. Day"


def titled_thing(text: str, start: int, end: int) -> bool:
    """A name run on by a capitalised word that is no one's name is a title or a brand ("The Davinci Code",
    "Craig's List", "the Gottman Card Decks app"): in prose, people do not capitalise the word after a person's
    name. Not on a line with digits, where the next word may be part of an address ("Anderson Club", "Apt 2")."""
    if NAMED_DAY.match(text[start:end] + text[end:end + 5]):  # the span may end before "Day" or after it
        return True  # "St Brigid's Day", "Cesar Chavez Day": a day named after someone
    if _digits_on_line(text, start, end) or STRONG_NAME_CUE.search(text, max(0, start - 40), start):
        return False  # "her full name is Kong Lei": the cue says whose
    possessive = POSSESSIVE.search(text[start:end])
    after = TITLE_WORD_AFTER.match(text, end - (len(possessive.group()) if possessive else 0))
    if after is None:
        return False
    word, owned = after.group(1).lower(), after.group().startswith(("'", "’"))
    # a surname follows a first name ("Anna Baker"; "Atharv Das", though "das" is frequent, it is no dictionary
    # word), never an owner ("Craig's List"); "The Davinci Code" is a title
    given = POSSESSIVE.sub("", text[start:end].split()[-1].lower()) if text[start:end].split() else ""
    if not owned and _surname_after(given, word):
        return False
    return (lexicon.vocabulary(word) and word not in STOP_WORDS and not lexicon.first_name(word)
            and (owned or not lexicon.surname(word)))


LANGUAGE_WINDOW = 400
SENTENCE_BREAK = re.compile(r"[.!?¿¡\n]")
SENTENCE_LETTERS = 40  # a shorter sentence's language is not told apart from its neighbours'


def english_at(text: str, position: int) -> bool:
    """Whether the text around a position reads as English: a reply may switch language after its first lines
    (the classifier reads a text's head only). Windows sit on a fixed grid, so the cache serves a text's findings."""
    if not _english(text):
        return False
    if len(text) > LANGUAGE_WINDOW:
        start = max(0, min(position - LANGUAGE_WINDOW // 2, len(text) - LANGUAGE_WINDOW)) // 100 * 100
        if not _english(text[start:start + LANGUAGE_WINDOW]):
            return False
    marks = _sentence_marks(text)
    before = bisect.bisect_left(marks, position) - 1  # the break that opens the position's sentence, or -1
    if before >= 0 and text[marks[before]] in "¿¡":
        return False  # "¿Deberé divorciarme?": only Spanish opens a sentence so
    after = before + 1

    def sentence() -> str:
        return text[marks[before] + 1 if before >= 0 else 0:marks[after] if after < len(marks) else len(text)]

    # a short sentence of prose (or a line that hard-wrapping cut) is read with its neighbours: "no sea ansiedad, ni
    # si quiera por mí misma." is too short alone, and Spanish with the line before it; the short lines of an
    # address block ("C.P. 81303 San Silvano de la Montaña") are names, whatever language their neighbours are in
    words = WORD.findall(sentence())
    prose = sum(word.islower() for word in words) > len(words) / 2
    while prose and sum(ch.isalpha() for ch in sentence()) < SENTENCE_LETTERS and (before >= 0 or after < len(marks)):
        before, after = max(before - 1, -1), min(after + 1, len(marks))
    return sum(ch.isalpha() for ch in sentence()) < SENTENCE_LETTERS or _english(sentence())


@lru_cache(maxsize=64)  # asked once per candidate word of the same text
def _sentence_marks(text: str) -> list[int]:
    return [match.start() for match in SENTENCE_BREAK.finditer(text)]


@lru_cache(maxsize=4096)
def _english(text: str) -> bool:
    """Whether a passage reads as English (or is too short to tell): a word that is a name in English text may be a
    plain word in another language's."""
    return not lexicon.foreign(text)


CREDENTIAL_CODES = frozenset({"MD", "DO", "PA"})  # state codes that are degrees after a name too
TOWN_AFTER_COMMA = re.compile(r",\s*([A-Za-z][a-z]+(?:\s[A-Za-z][a-z]+)?)\b(?!')")


class ChatPlaceRecognizer(EntityRecognizer):
    """LOCATION: towns, states and countries (any case, with a cue), "Town, ST", street addresses, ZIP and post
    codes, and named clinics, hospitals and schools."""

    PATTERNS = (  # (pattern, score, whether every match holds a digit)
        (re.compile(r"\b\d{1,6}[A-Za-z]?\s+(?:[NSEW]\.?\s+)?((?:[A-Za-z0-9'.-]+\s+){1,3})" + STREET +
                    r"\b\.?(?:,?\s*(?:apt|apartment|suite|ste|unit|#)\.?\s*#?\s*\w+)?", re.IGNORECASE), 0.85, True),
        (re.compile(r"\b(?:p\.?\s?o\.?\s+box|apt|apartment|suite|unit)\.?\s*#?\s*\d+[A-Za-z]?\b", re.IGNORECASE), 0.6,
         True),
        (re.compile(r"\b[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2},\s*(?:" + "|".join(STATE_CODES) + r")\b"
                    r"(?:\s+\d{5}(?:-\d{4})?)?"), 0.85, False),
        (re.compile(r"\b(?:" + "|".join(STATE_CODES) + r")\s+\d{5}(?:-\d{4})?\b"), 0.85, True),
        (re.compile(r"\b([a-z]+(?:\s[a-z]+)?),\s*(?:" + LOWER_STATE_CODES + r")\b(?:\s+\d{5}(?:-\d{4})?)?"), 0.7,
         False),
        (re.compile(r"(?i:\b(?:zip|zipcode|postcode|postal code)(?:\s+code)?\s*(?:is|:|#)?\s*)(\d{5}(?:-\d{4})?)\b"),
         0.85, True),
        (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b"), 0.7, True),
    )
    FACILITY_NAME = re.compile(r"\b((?:[A-Za-z][\w'&.-]*\s+){1,4})" + FACILITY + r"\b", re.IGNORECASE)

    def __init__(self) -> None:
        super().__init__(supported_entities=["LOCATION"], name="ChatPlaceRecognizer")

    def load(self) -> None:
        self.places, self.common = gazetteer("places.tsv")
        self.sizes: dict[str, list[int]] = {}  # first word -> the word counts of the places it starts, longest first
        for place in self.places:
            self.sizes.setdefault(place.split()[0], []).append(len(place.split()))
        for sizes in self.sizes.values():
            sizes.sort(reverse=True)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        results = [_result(self, "LOCATION", start, end, score) for start, end, score in self._patterns(text)]
        towns = [_result(self, "LOCATION", start, end, score) for start, end, score in self._towns(text)]
        towns = [r for r in towns if r.score >= STRONG or english_at(text, r.start)]
        return results + towns

    def _patterns(self, text: str) -> Iterator[tuple[int, int, float]]:
        digits = DIGIT.search(text) is not None
        for pattern, score, needs_digit in self.PATTERNS:
            for match in pattern.finditer(text) if digits or not needs_digit else ():
                if pattern is self.PATTERNS[2][0] and self._credential(match.group()):
                    continue
                group = match.group(1) if pattern.groups else None
                if group is not None and not group.isdigit() and (any(
                        w in STOP_WORDS or (w in common_words() and group.islower() and pattern.pattern[2] == "(")
                        for w in group.lower().split()) or group.lower().split()[0] in lexicon.COUNT_UNITS):
                    continue  # "walked 3 miles down the road" is no address, "in, ca" no town, "20 hour drive" a count
                span = match.span(1) if group is not None and group.isdigit() else match.span()
                yield span[0], self._town_after(text, span[1]) if pattern is self.PATTERNS[0][0] else span[1], score
        for match in self.FACILITY_NAME.finditer(text) if _may_name_facility(text) else ():
            yield from self._facility(text, match)

    def _credential(self, found: str) -> bool:
        """"Christiane Northrup, MD": a given name and a surname before a code that is a degree too (MD, DO, PA) are
        a doctor, not a town in Maryland; "Glen Burnie, MD" is listed as a place."""
        town, _, code = found.partition(",")
        words = town.lower().split()
        return (code.split()[0] in CREDENTIAL_CODES and len(words) >= 2 and town.lower() not in self.places
                and lexicon.first_name(words[0]) and lexicon.surname(words[-1]))

    @staticmethod
    def _town_after(text: str, end: int) -> int:
        """An address's end, with the town after its comma ("12 Oak St, Pembroke")."""
        town = TOWN_AFTER_COMMA.match(text, end)
        if town is None or any(w.lower() in STOP_WORDS for w in town.group(1).split()):
            return end
        return town.end()

    @staticmethod
    def _facility(text: str, match: re.Match[str]) -> Iterator[tuple[int, int, float]]:
        """A named clinic or school ("Riverside Clinic"), not "the mental health clinic"."""
        start = match.start(1)
        for word in WORD.finditer(text, match.start(1), match.end(1)):
            lower = word.group().lower()
            common = lower in common_words() and word.group().islower()
            if lower in STOP_WORDS or lower in GENERIC_BEFORE_FACILITY or common:
                start = word.end()
        words = WORD.findall(text, start, match.end(1))
        if words and any(_shape(w) == "upper" for w in words) and _lower_case_around(text, match):
            return  # "I HATED high school": a shouted word, not a school's name
        if words:
            titled = all(_shape(w) != "lower" for w in words)
            if not titled and capitalising_writer(text):
                return  # "a friend from unior high school": a writer who capitalises names would here
            yield text.index(words[0], start), match.end(), 0.7 if titled else 0.55

    def _towns(self, text: str) -> Iterator[tuple[int, int, float]]:
        words = list(WORD.finditer(text))
        index = 0
        while index < len(words):
            lower = words[index].group().lower()
            if lower not in self.sizes and _never_a_town(lower):
                index += 1  # most words: no place starts with it, and no cue makes it one
                continue
            found = self._longest_place(text, words, index)
            if found is None:
                score = self._unlisted_town(text, words[index])
                if score:
                    yield words[index].start(), words[index].end(), score
                index += 1
                continue
            size, score = found
            if score:
                yield words[index].start(), words[index + size - 1].end(), score
            index += size

    @staticmethod
    def _unlisted_town(text: str, word: re.Match[str]) -> float:
        if _never_a_town(word.group().lower()):
            return 0.0
        if not STRONG_PLACE_CUE.search(text[max(0, word.start() - 30):word.start()]):
            return 0.0
        return 0.7 if _shape(word.group()) == "title" else 0.6

    def _longest_place(self, text: str, words: list[re.Match[str]], index: int) -> tuple[int, float] | None:
        for size in self.sizes.get(words[index].group().lower(), ()):
            span = words[index:index + size]
            if len(span) < size:
                continue
            name = " ".join(w.group().lower() for w in span)
            if name in self.places and text[span[0].start():span[-1].end()].count("  ") == 0:
                return size, self._score(text, span, name)
        return None

    def _score(self, text: str, span: list[re.Match[str]], name: str) -> float:
        if TITLE_BEFORE.search(text[max(0, span[0].start() - 6):span[0].start()]):
            return 0.0  # "Mr. Rogers' story": a person (the name recognizers judge), not the town of Rogers
        cue = PLACE_CUE.search(text[max(0, span[0].start() - 30):span[0].start()])
        titled = all(_shape(w.group()) != "lower" for w in span)
        if name in lexicon.words("countries.txt") or lexicon.month_in_passing(name, text[:span[0].start()]):
            return 0.0  # "my partner lives in Canada" names no one; an address block's country line is found apart
        if name in self.common or name in STOP_WORDS or name in NOT_NAMES:
            return 0.7 if cue and titled and not sentence_start(text, span[0].start()) else 0.0
        if len(span) == 1 and _shape(span[0].group()) == "upper" and len(name) <= 4 and _lower_case_around(
                text, span[0]):
            return 0.0  # "aware of ADA guidelines": an acronym, not the town of Ada
        if cue:
            return 0.85
        if not titled and all(lexicon.common(w.group().lower()) for w in span):
            return 0.0  # "family in this new city": everyday words in lower case, with no cue for a place
        if not titled and len(span) == 1 and lexicon.slip_of_plain_word(name):
            return 0.0  # "it has brough t people together": a slip of a word, in lower case, with no cue
        return 0.7 if titled else 0.5


def _never_a_town(lower: str) -> bool:
    """A word no cue makes a town of when no listed place starts with it: a frequent or function word, a short one,
    a contraction."""
    return lower in common_words() or lower in STOP_WORDS or len(lower) < 3 or "'" in lower


def _country_in_passing(text: str, start: int, words: list[str]) -> bool:
    """A country in a sentence ("moved here from India and", "flew to Scotland"), not the line or the comma-separated
    last part of a postal address ("68305 Leduc, France"), which is part of someone's address."""
    name = " ".join(words)
    return (name in lexicon.words("countries.txt") and name not in US_STATE_COUNTRIES
            and re.search(r"[a-z] +$", text[:start]) is not None)


# "Gulfstream in Georgia is close to me", "licensed in Texas and Puerto Rico": a state or a US territory, which
# says where someone lives or works as a state does
US_STATE_COUNTRIES = frozenset({"georgia", "puerto rico", "guam", "american samoa", "northern mariana islands",
                                "u.s. virgin islands", "us virgin islands"})


LEADING_WORD = re.compile(r"([^\W\d_]+)[ \t]+(?=[^\W\d_])")


# Words the model takes in with the name after them: verbs that take a person, greetings.
TAKEN_IN = frozenset("""tell told ask asked call called text texted meet met see saw visit visited love hate miss want
need help let make made thank thanks thx hi hey hello dear bye""".split())


def _name_start(text: str, start: int, end: int) -> int:
    """A person's name without the verb or greeting the model took in with it ("Tell Samesh", "Thanks Priya")."""
    while (lead := LEADING_WORD.match(text, start, end)) is not None:
        lower = lead.group(1).lower()
        if not (lower in STOP_WORDS or lower in TAKEN_IN):
            break
        start = lead.end()
    return start


class SpacyNerRecognizer(EntityRecognizer):
    """PERSON and LOCATION (GPE, LOC, FAC) from spaCy's entities, minus clinical terms, acronyms and weekdays."""

    LABELS = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON", "LOCATION"], name="SpacyNerRecognizer")

    def load(self) -> None:
        self.places = gazetteer("places.tsv")[0]
        self.names = gazetteer("first_names.tsv")[0] | gazetteer("surnames.tsv")[0] | self.places
        self.word_names = gazetteer("first_names.tsv")[1]  # the census names that are common words too

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        if nlp_artifacts is None or not nlp_artifacts.entities:
            return results
        text = nlp_artifacts.tokens.text  # what the model read (speaking_case): same offsets, quiet capitals
        for ent in nlp_artifacts.entities:
            if not english_at(text, ent.start_char):
                continue  # the English model reads other languages' capitals as names
            entity = self.LABELS.get(ent.label_)
            if entity is None or entity not in entities:
                continue
            start = ent.start_char + (len(m.group()) if (m := TITLE.match(ent.text)) else 0)
            if entity == "PERSON":
                start = _name_start(text, start, ent.end_char)
            # the model may run an entity on over a dash ("Mel Robbins -  I haven't") or onto the next line of a
            # form ("Annamaria Toninelli\ncarta d'identità"): it ends at its last word on its first line
            line_end = text.find("\n", start, ent.end_char)
            end = start + len(text[start:ent.end_char if line_end < 0 else line_end].rstrip(" \t\n-–—,;:"))
            words = [POSSESSIVE.sub("", w.lower()) for w in WORD.findall(text[start:end])]
            if len(words) == 1 and lexicon.month_in_passing(words[0], text[:start]):
                continue
            if not words or any(w in NOT_NAMES or lexicon.clinical(w) for w in words) or all(
                    w in STOP_WORDS or (lexicon.not_a_name(w) and not lexicon.first_name(w)) for w in words):
                continue  # "Good Luck", "Panic Attack Disorder", "Moderna"
            if len(words) == 1 and text[start:end].isupper() and (len(words[0]) <= 5 or (
                    entity == "PERSON" and lexicon.vocabulary(re.split(r"['’]", words[0])[0]))):
                continue  # an acronym, or a word shouted ("just like a poison that YOU'RE drinking")
            if all(w in lexicon.CHAT_WORDS or w in STOP_WORDS for w in words) or (
                    len(words) == 1 and _slip_of_holiday(words[0])):
                continue  # "but Iam very embarrassed", "ma addy is", "ready for Christma?"
            if text[start:end].islower() and DETERMINER_BEFORE.search(text[max(0, start - 20):start]):
                continue  # "said hes at the max on child support"
            if entity == "LOCATION" and _country_in_passing(text, start, words):
                continue  # "I wish America would've handled this": a country names no one
            if entity == "PERSON" and any(_foreign_word_in_name(w.strip(".,'’")) for w in text[start:end].split()[1:]):
                continue  # "Toda mi familia": a sentence in another language, not a name and its particles
            if entity == "PERSON" and len(words) > 1 and words[-1] in ORGANISATION_WORDS:
                continue  # "a group called "Harry House"": an organisation named after someone
            if entity == "LOCATION" and self._words_not_place(text, start, end, words):
                continue  # "closed due to Winter Break": words, not a listed place
            if (len(words) == 1 and sentence_start(text, start) and (lexicon.name_word(words[0])
                                                                        or words[0] in self.word_names)
                    and not NAME_AFTER.match(text[end:end + NAME_AFTER_WINDOW])):
                continue  # "Mark my words", "Rose early": a word that is also a name, capitalised by the sentence
            score = 0.85 if any(w in self.names for w in words) else 0.6
            results.append(_result(self, entity, start, end, score))
        return results

    def _words_not_place(self, text: str, start: int, end: int, words: list[str]) -> bool:
        """Several everyday words inside a sentence, with no digit on their line and no list naming them a place,
        are words spaCy capitalised its way into a place; on a line of their own or beside a number they may be an
        address's ("United States of America", "Sunny Heights 309")."""
        line_start, line_end = text.rfind("\n", 0, start) + 1, text.find("\n", end)
        line = text[line_start:line_end if line_end >= 0 else len(text)]
        return (len(words) > 1 and all(lexicon.common(w) for w in words) and " ".join(words) not in self.places
                and all(word.istitle() for word in text[start:end].split())  # "Las Vegas NV USA" is a place
                and not re.search(r"\d", line) and line.strip() != text[start:end])


# A word a name may hold in lower case: a particle ("van der", "de la") or the "y" between two Spanish surnames.
NAME_JOINER = re.compile(rf"{PARTICLE}|y|e|i|der|den|la|le|los|las|het")


def _foreign_word_in_name(word: str) -> bool:
    """A lower-case function word of another language inside a name, which no particle ("de", "van", "y") is."""
    return word.islower() and lexicon.foreign_stop_word(word) and NAME_JOINER.fullmatch(word) is None


def date_recognizer() -> PatternRecognizer:
    """DATE_TIME: specific dates and dates of birth; weekdays, bare months and relative phrases are not PII."""
    flags = re.IGNORECASE
    patterns = [
        Pattern("numeric date", rf"\b{DAY_OR_MONTH}[/.-]{DAY_OR_MONTH}[/.-](?:{YEAR}|\d{{2}})\b", 0.7),
        Pattern("iso date", rf"\b{YEAR}[/.-](?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])\b", 0.7),
        Pattern("month day", rf"\b(?!may\b){MONTH}\.?\s+{DAY}\b{NOT_COUNT}(?:,?\s+{YEAR}\b)?", 0.7),
        Pattern("may day", rf"\bmay\s+(?:{DAY},?\s+{YEAR}|(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th))\b", 0.7),
        Pattern("day month", rf"\b{DAY}\s+(?:of\s+)?(?!may\b|mar\b){MONTH}\b(?:,?\s+{YEAR}\b)?", 0.7),
        Pattern("month year", rf"\b{MONTH}\.?,?\s+{YEAR}\b", 0.6),
        Pattern("day-month-year", rf"\b(?:0?[1-9]|[12]\d|3[01])[-/. ]{MONTH}\.?[-/. ,]+(?:{YEAR}|\d{{2}})\b", 0.8),
        Pattern("month 'year", rf"\b{MONTH}\.?\s+['’]\d{{2}}\b", 0.7),
        Pattern("day of may", r"\b(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)\s+(?:of\s+)?(?:may|march)\b"
                rf"|\b(?:0?[1-9]|[12]\d|3[01])\s+(?:may|mar)\s+{YEAR}\b", 0.7),
        Pattern("holiday year", r"\b(?:christmas|xmas|halloween|thanksgiving|easter|new year'?s(?: eve| day)?|"
                rf"valentine'?s day|hanukkah|diwali|eid|ramadan)\s+(?:of\s+)?{YEAR}\b", 0.6),
        Pattern("birth year", "|".join(rf"(?<={re.escape(cue)} ){YEAR}\b" for cue in BIRTH_YEAR_CUES), 0.6),
    ]
    return DigitPatternRecognizer("DATE_TIME", name="ChatDateRecognizer", patterns=patterns, global_regex_flags=flags,
                                  context=["born", "birthday", "dob", "birth", "bday"])


class DigitPatternRecognizer(PatternRecognizer):
    """A pattern recognizer every pattern of which holds a digit: a text with none (most chat turns) is answered
    before Presidio tries each pattern at every position of it."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        if DIGIT.search(text) is None:
            return []
        return super().analyze(text, entities, nlp_artifacts, regex_flags)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer, its domain checked against the public suffix list tldextract ships. Presidio's
    uses tldextract's default extractor, which downloads the live list, or reads a copy any program cached under
    ~/.cache, when first asked: its findings would depend on the network, the day and the machine. The variable
    that turns the download off is read once, when tldextract is first imported, which a worker's idle loads and
    a warm server do before any analyzer is built."""

    def validate_result(self, pattern_text: str) -> bool:
        return bool(_offline_suffixes()(pattern_text).fqdn)


@cache
def _offline_suffixes() -> Any:
    from tldextract import TLDExtract

    return TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


def pattern_recognizers() -> list[EntityRecognizer]:
    """Presidio's own recognizers for the pattern entity types (context words boost them)."""
    phone_shape = PatternRecognizer(
        "PHONE_NUMBER", name="NanpShapeRecognizer", context=PHONE_CONTEXT, patterns=[Pattern(
            "NANP shape", r"(?<![\w-])(?:\+?1[-. ]|001[-. ])?(?:\(\d{3}\)[-. ]?|\d{3}[-. ])\d{3}[-. ]\d{4}"
            r"(?:\s?x\d{1,5})?\b", 0.4)])
    international = PatternRecognizer(
        "PHONE_NUMBER", name="InternationalPhoneShapeRecognizer", context=PHONE_CONTEXT, patterns=[Pattern(
            "+country code", r"(?<![\w+])(?:\+\d{1,3}|\(\+\d{1,3}\))[ .-]?(?:\(0?\d{1,4}\)[ .-]?)?\d{1,4}"
            r"(?:[ .-]?\d{2,4}){1,4}\b", 0.6),
            Pattern("grouped digits", r"(?<![\w-])\(?0\d{1,4}\)?[ .-]\d{2,4}(?:[ .-]\d{2,4}){1,3}\b", 0.4)])
    return [OfflineEmailRecognizer(), PhoneRecognizer(supported_regions=PHONE_REGIONS), phone_shape, international,
            UsSsnRecognizer(), CreditCardRecognizer(), LuhnRecognizer(), UpperCaseIbanRecognizer(), IpRecognizer(),
            ChatUrlRecognizer(), TableRecognizer(), *structural_recognizers()]


# Regions whose national number formats are read without a country code (phonenumbers' metadata).
PHONE_REGIONS = ("US", "GB", "CA", "AU", "IE", "NZ", "IN", "DE", "FR", "ES", "IT", "NL", "PL", "SE", "BR", "MX",
                 "JP", "CN", "KR", "RU", "TR", "ZA")


# A capitalised word run into the end of a link's path ("...com/There are", "...-therapistLaura Cassity").
GLUED_WWW = re.compile(r"(?i)\.www\.")
GLUED_WORD_AFTER_LINK = re.compile(r"(?<=[a-z0-9/])[A-Z][a-z]+$")


class ChatUrlRecognizer(UrlRecognizer):
    """Presidio's URL recognizer, less what chat makes look like one: a missing space after a full stop
    ("need.Tel me", "two.You know") has a capitalised top-level domain and no scheme, www or path; an ellipsis
    ("years...that") leaves empty labels.

    A public site points to no one: an institution's (.org, .gov, .edu, .nhs.uk, ...), a site whose name is made of
    English words or is a short acronym (psychologytoday.com, therapistaid.com/..., emdr.com), or a platform's home page
    (facebook.com). It scores PUBLIC_SITE_SCORE, below the default threshold, so a gate that wants those too lowers
    the threshold. A site is someone's when its address holds a person: a profile on a platform
    (instagram.com/name, name.substack.com), a personal path (/~name, /u/name, @name), a phone number in a messaging
    link (wa.me/447700900123), a digit or a name in its name (janedoe.com, stephanietherapy.com); and a bare site of
    words is someone's when the text says it is the writer's own ("my website at", "I provide counseling through
    proventherapy.com", "portfolio:") or it is signed run on to the text before it ("...moving on
    out.www.lifecounselingorlando.com"): a practice's own site names the practice as surely as its owner's name."""

    PUBLIC_SITE_SCORE = 0.35
    INSTITUTIONS = re.compile(r"(?i)\.(?:org|gov|edu|int|mil|ngo)(?:\.[a-z]{2})?$|\.(?:gov|nhs|ac|edu|org)\.[a-z]{2}$")
    PERSONAL_PATH = re.compile(r"(?i)/(?:~|users?/|u/|in/|people/|profiles?/|members?/|author/|staff/|@)")
    # Links that carry a phone number: wa.me/447700900123, t.me/+447700900123
    MESSAGING = re.compile(r"(?i)(?:^|\.)(?:wa\.me|whatsapp\.com|t\.me|telegram\.me|signal\.me|viber\.com|line\.me)$")
    # The writer's own site: "visit my website at", "I offer counseling through", "portfolio:"
    OWN_SITE_BEFORE = re.compile(
        r"(?i)(?:\b(?:my|our)\s+(?:own\s+)?(?:web\s?site|site|page|blog|practice|portfolio|business|shop|store|"
        r"channel)\b[^.!?\n]{0,40}|\b(?:follow|find|add)\s+(?:me|us)\b[^.!?\n]{0,12}|"
        r"\b(?:I|we)\s+(?:provide|offer|see clients|work|practi[cs]e|counsel|post)\b[^.!?\n]{0,60}|"
        r"(?:^|\n|\|)[ \t]*(?:portfolio|web\s?site|blog|site|homepage|web)\s*[:=-]\s*)$")  # a signature's field
    # Sites where a path or a sub-domain is one person's page.
    PLATFORMS = re.compile(r"(?i)(?:^|\.)(?:instagram|facebook|fb|tiktok|twitter|x|linkedin|youtube|github|gitlab|"
                           r"reddit|twitch|tumblr|substack|medium|wordpress|blogspot|netlify|vercel|wixsite|weebly|squarespace|"
                           r"carrd|linktr|onlyfans|patreon|ko-fi|pinterest|snapchat|soundcloud|bandcamp|behance|"
                           r"deviantart|vimeo|threads|bsky|mastodon)\.[a-z.]+$|\.github\.io$")

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        # a match that stops inside a word is no address: "u/regina.moore_" is no site "regina.mo"
        results = [r for r in super().analyze(text, entities, nlp_artifacts, regex_flags)
                   if not re.match(r"[\w]", text[r.end:r.end + 1])]
        for result in results:
            # "one day at a time.www.example.com": the sentence's last word is not part of the address
            www = GLUED_WWW.search(text, result.start, result.end)
            if www is not None and "/" not in text[result.start:www.start()]:
                result.start = www.start() + 1
            glued = GLUED_WORD_AFTER_LINK.search(text, result.start, result.end)
            if glued is not None and re.match(r"\s", text[result.end:result.end + 1]):
                result.end = glued.start()  # ".../good-therapistLaura Cassity": the signature after the link
            url = text[result.start:result.end]
            if self._public(url) and not self._own_site(text, result.start, bare=not _page(url)):
                result.score = min(result.score, self.PUBLIC_SITE_SCORE)
                # a public site stays public beside "link" or "website": Presidio's context boost would undo this
                result.recognition_metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
        return results

    def _public(self, url: str) -> bool:
        host = _site_and_page(url)[0].split(":", 1)[0].rstrip(".,;:!?)")
        if "@" in url or self.PERSONAL_PATH.search(url) or (self.MESSAGING.search(host) and re.search(r"\d{7,}", url)):
            return False  # an account, a profile, or a phone number (wa.me/15551234567)
        if self.INSTITUTIONS.search(host):
            return True
        labels = host.lower().removeprefix("www.").split(".")
        if len(labels) < 2 or (self.PLATFORMS.search(host) and (_page(url) or len(labels) > 2)):
            return False  # a profile, a blog on a platform: someone's
        names = labels[:-1]  # every label but the top-level domain: "mayas-notes.example.net" is Maya's
        return all(_words_only(part) for label in names for part in label.split("-"))

    def _own_site(self, text: str, start: int, bare: bool) -> bool:
        """Whether the text presents the site as the writer's own, or signs with its bare address run on to the word
        before it ("out.www.lifecounselingorlando.com", "Dr. Virginia Chowwww.psychologyresource.ca"; a page of a
        site run on so is a reference pasted after a sentence)."""
        before = text[max(0, start - 120):start]
        return (self.OWN_SITE_BEFORE.search(before) is not None
                or (bare and re.search(r"[^\W\d_][.]?$", before) is not None))

    def validate_result(self, pattern_text: str) -> bool | None:
        host = pattern_text.rstrip(".,;:!?)")
        if re.search(r"\.\.", host.split("/", 1)[0]):
            return False
        if re.match(r"(?i)[a-z][a-z0-9+.-]*://|www\.", pattern_text) or "/" in pattern_text or "@" in pattern_text:
            return True
        labels = host.split(".")
        if len(labels) < 2 or not labels[-1]:
            return False
        if any(re.fullmatch(r"\d+(?:am|pm)?", label, re.IGNORECASE) for label in labels):
            return False  # "until 3am.is that bad", "at 7.30.is": a time before a missing space
        tld = labels[-1]
        if not (tld.islower() or tld.isupper()) or tld.lower() not in lexicon.top_level_domains():
            return False
        return not (len(labels) == 2 and lexicon.common(labels[0].lower()) and lexicon.common(tld.lower()))


SCHEME = re.compile(r"(?i)^[a-z][a-z0-9+.-]*://")


def _site_and_page(url: str) -> tuple[str, str]:
    """A web address without its scheme, split at the first slash: ("www.example.com", "blog/post")."""
    site, _, page = SCHEME.sub("", url).partition("/")
    return site, page


def _page(url: str) -> bool:
    """Whether a web address points below the site's home page."""
    return bool(_site_and_page(url)[1].strip("/#?"))


@lru_cache(maxsize=4096)
def _words_only(label: str) -> bool:
    """Whether a site's name is a short acronym ("emdr", "nami"), a brand's ("coursera") or English words run together
    ("psychologytoday", "therapistaid"), with no name among them and no digit."""
    if not label.isalpha():
        return False
    if lexicon.clinical(label):
        return True  # a care term or a brand's name ("coursera", "webmd", "zoloft")
    if len(label) <= 5:
        return not (lexicon.first_name(label) or lexicon.surname(label)) or lexicon.common(label)
    if label in lexicon.words("vocabulary.txt"):
        return True  # one English word, which the word list holds only when no one is named so ("postpartum")
    return _segments(label)


SHORT_SITE_WORDS = frozenset("my me we us go do no be it in on up to of at ny la uk tv hq ok".split())


@lru_cache(maxsize=8192)
def _site_word(word: str) -> bool:
    """A frequent word that is no one's name, or a word first ("good", "brown"): "liang" is frequent, but as a
    surname, and "minliang.com" is Min Liang's."""
    return lexicon.common(word) and (lexicon.name_word(word) or word in lexicon.words("vocabulary.txt") or not (
        lexicon.first_name(word) or lexicon.surname(word)))


def _segments(label: str) -> bool:
    """Whether the label splits into frequent English words (no name among them: the word list leaves names out)."""
    reachable = [True] + [False] * len(label)
    for end in range(2, len(label) + 1):
        for start in range(max(0, end - 20), end - 1):
            word = label[start:end]
            if reachable[start] and (word in SHORT_SITE_WORDS if len(word) == 2 else _site_word(word)):
                reachable[end] = True
                break
    return reachable[-1]


PHONE_CONTEXT = ["phone", "number", "call", "text", "cell", "mobile", "reach", "contact", "tel", "whatsapp"]
PHONE_WORDS = frozenset([*PHONE_CONTEXT, "numbers", "no", "nos", "mob", "ring", "dial", "line", "landline", "fax",
                         "ext", "press", "page"])
DATE_SHAPE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b")
# A word, then (after "on", "at", a dash or a colon) a number of seven digits or more in a phone's layout
NUMBER_AFTER_WORD = re.compile(r"(?<![\w'’-])([^\W\d_]{2,})[ \t]+(?:(?:on|at)[ \t]+|[-–:][ \t]*)?"
                               r"(\+?\(?\d[\d \t().-]{5,}\d)(?![\w/])")


class LuhnRecognizer(PatternRecognizer):
    """Card numbers outside Presidio's issuer prefixes (2-series Mastercard, Maestro): 13-19 digits passing the Luhn
    check, counted only next to a card word."""

    def __init__(self) -> None:
        super().__init__("CREDIT_CARD", name="LuhnRecognizer", patterns=[
            Pattern("12-19 digits", r"\b\d(?:[ -]?\d){11,18}\b", 0.3)],
            context=["card", "credit", "debit", "visa", "mastercard", "amex", "cc", "paid"])

    def validate_result(self, pattern_text: str) -> bool:
        digits = [int(c) for c in pattern_text if c.isdigit()][::-1]
        total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
        return total % 10 == 0


class UpperCaseIbanRecognizer(IbanRecognizer):
    """Presidio's IBAN recognizer (its country formats are upper case) on the upper-cased text, same offsets. The
    sentence's words in lower case are blanked first: upper-cased, "... SE0713762224208118526970 because" would
    read "BECA" as one more group of the number and fail its checksum."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        blanked = LOWER_CASE_WORD.sub(lambda word: " " * len(word.group()) if _plain_word(word.group()) else
                                      word.group(), text)
        found = super().analyze(blanked.upper(), entities, nlp_artifacts, regex_flags)  # type: ignore[arg-type]
        return found + [_result(self, "IBAN_CODE", start, end, 1.0) for start, end in _checked_ibans(text)
                        if not any(r.start < end and start < r.end for r in found)]


# An IBAN in any case, its groups split by single spaces: a country, two check digits, then 11-30 letters and digits.
IBAN_CANDIDATE = re.compile(r"(?i)\b[a-z]{2}\d{2}(?: ?[a-z0-9]{4}){2,7}(?: ?[a-z0-9]{1,4})?\b")


def _checked_ibans(text: str) -> Iterator[tuple[int, int]]:
    """IBANs whose mod-97 check holds, the longest run of groups that does ("ie97 tyro 2271 9438 5849 74 ill
    explain", where "tyro" is a word and a bank's code): the checksum, not the case or the words, decides."""
    for match in IBAN_CANDIDATE.finditer(text):
        groups = list(re.finditer(r"[A-Za-z0-9]+", match.group()))
        for last in range(len(groups), 0, -1):
            end = match.start() + groups[last - 1].end()
            code = re.sub(r"\s", "", text[match.start():end]).upper()
            if 15 <= len(code) <= 34 and _mod97(code) == 1:
                yield match.start(), end
                break


def _mod97(code: str) -> int:
    rearranged = code[4:] + code[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97


def _plain_word(word: str) -> bool:
    """A word of the sentence rather than a group of an IBAN written in lower case ("gb17 jjyn 7797 ...")."""
    lower = word.lower()
    return len(word) > 4 or (len(word) > 1 and (lower in STOP_WORDS or lexicon.vocabulary(lower)))


LOWER_CASE_WORD = re.compile(r"\b[^\W\d_]*[a-z][^\W\d_]*\b")


def ner_recognizers() -> list[EntityRecognizer]:
    return [ChatNameRecognizer(), ChatPlaceRecognizer(), SpacyNerRecognizer(), date_recognizer()]


def candidates(text: str, entities: Iterable[str]) -> list[str]:
    """The entity types worth asking Presidio about for this text: those one of whose prefilter's alternatives
    matches where the text holds what it needs, those whose recognizers' needs it meets (`NEEDS`), and the others."""
    holds = TextHolds(text)
    return [entity for entity in entities if (
        any(needs(holds) and pattern.search(text) for needs, pattern in PREFILTERS[entity]) if entity in PREFILTERS
        else NEEDS[entity](holds) if entity in NEEDS else True)]


NEEDS_TOKENS = re.compile(r"\d")  # every recognizer with context words matches digits
CONTEXT_STOP_WORDS = frozenset("a an the at is on to of me my i".split())
CAPITALISED_INSIDE = re.compile(r"[^.!?\n\s\"'(]\s+(?!I\b|I'|OK\b)([A-Z][^\W\d_]*)")
# Capitalised inside a sentence, and still no one: what chat capitalises most (COVID, Christmas, God, Zoom, Mom).
MONTH_ABBREVIATIONS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
HOLIDAYS = frozenset("christmas xmas easter thanksgiving halloween hanukkah ramadan diwali eid passover".split())
NEVER_NAMED = HOLIDAYS | frozenset("""january february march april may june july august september october november
december merry""".split())


def _slip_of_holiday(lower: str) -> bool:
    """One letter dropped, added or replaced away from a holiday ("christma", "thanksgving"), and no listed name
    ("Ester" is no "easter")."""
    return (len(lower) >= 5 and lower in _holiday_slips() and not lexicon.first_name(lower)
            and not lexicon.surname(lower))


@cache
def _holiday_slips() -> frozenset[str]:
    """Every string one edit from a holiday (a set lookup per word instead of an edit distance per holiday)."""
    slips = set()
    for word in HOLIDAYS:
        for i in range(len(word) + 1):
            slips.add(word[:i] + word[i + 1:])
            slips.update(word[:i] + letter + word[i:] for letter in lexicon.LETTERS)
            slips.update(word[:i] + letter + word[i + 1:] for letter in lexicon.LETTERS if i < len(word))
            if i + 1 < len(word):
                slips.add(word[:i] + word[i + 1] + word[i] + word[i + 2:])
    return frozenset(slips - HOLIDAYS)


def _one_edit(a: str, b: str) -> bool:
    """One letter dropped, added, replaced, or two side by side swapped ("hye" for "hey")."""
    if len(a) == len(b):
        differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(differ) == 1 or (len(differ) == 2 and differ[1] == differ[0] + 1
                                    and a[differ[0]] == b[differ[1]] and a[differ[1]] == b[differ[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def needs_ner(text: str) -> bool:
    """spaCy's small model only adds something where a capitalised word stands inside a sentence, and one that none
    of the recognizers' filters would throw away again: a function word after a missing full stop ("so It was"), an
    acronym or a shouted word ("NOT", "HR"), a holiday, a month, a clinical or chat term ("COVID", "Zoom")."""
    for match in CAPITALISED_INSIDE.finditer(text):
        word = match.group(1)
        lower = word.lower()
        if (lower in STOP_WORDS or lower in NOT_NAMES or lower in NEVER_NAMED or lower in lexicon.CHAT_WORDS
                or lexicon.clinical(lower) or (word.isupper() and (
                    len(word) <= 3 or (lexicon.vocabulary(lower) and not lexicon.first_name(lower))))):
            continue
        return True
    return SHORT_NAME_LINE.search(text) is not None  # "Where are you based?\nMalinalco": a town on its own line


SHORT_NAME_LINE = re.compile(r"(?m)^[ \t]*[A-Z][^\W\d_]+(?:[ \t-]+[A-Z][^\W\d_]+){0,2}[ \t]*$")
# Two words in capitals side by side: the cheap sign that a line may be shouted.
SHOUT_HINT = re.compile(r"[A-Z]{2,}[^a-z\n]+[A-Z]{2,}")
SHOUTED_SHARE = 0.8  # of a line's letters in capitals
SHOUTED_LETTERS = 4
LINE_OR_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n\s*|^\s+)$")


# A speaker's fillers in a transcript ("my name is uh marek truchan", "i live at um 9 manor close"): cue words and
# what they cue are read as if the filler were not there.
FILLER = re.compile(r"(?<![^\s,])(?:um+|uh+|uhm+|erm+)(?=[\s,])")


def without_fillers(text: str) -> str:
    """The text with a speaker's fillers blanked out: same length, same offsets, for every recognizer to read."""
    return FILLER.sub(lambda filler: " " * len(filler.group()), text) if " u" in text or " e" in text else text


@lru_cache(maxsize=64)
def speaking_case(text: str) -> str:
    """The text with its shouted lines cased as someone who does not shout would write them ("TELL SAMESH TO STOP"
    -> "Tell Samesh to stop"), for the model and the filters that read capitals as a sign of a name: in capitals
    every word looks like a name or an acronym, and the model finds none. A word keeps a capital at the start of a
    sentence or a line, as "I", or when it is not a frequent English word, or is a first name. Same length, same
    offsets: a word whose lower case is longer ("İ") is left as it is."""
    if SHOUT_HINT.search(text) is None:
        return text
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        letters = [c for c in line if c.isalpha()]
        if len(letters) < SHOUTED_LETTERS or sum(c.isupper() for c in letters) < SHOUTED_SHARE * len(letters):
            lines[number] = _names_in_capitals(line)
            continue
        cased = list(line)
        for match in WORD.finditer(line):
            word = match.group()
            lower = word.lower()
            if len(lower) != len(word):
                continue
            base = POSSESSIVE.sub("", lower)
            word_like = base in STOP_WORDS or lexicon.common(base) or bool(re.search(r"['’]", base))  # "don't"
            capital = (LINE_OR_SENTENCE_START.search(line, 0, match.start()) is not None
                       or re.split(r"['’]", base)[0] == "i" or not word_like
                       or (lexicon.first_name(base) and base not in STOP_WORDS))
            cased[match.start():match.end()] = (lower[0].upper() + lower[1:]) if capital else lower
        lines[number] = "".join(cased)
    return "".join(lines)


# Words in capitals side by side inside a line that is not shouted: "whoever SVEIN JAKOBSEN is"
CAPITALS_RUN = re.compile(r"(?<![\w'’-])[A-Z][A-Z'’-]{2,}(?:[ \t]+[A-Z][A-Z'’-]{2,})+(?![\w'’-])")


def _names_in_capitals(line: str) -> str:
    """A name written in capitals inside a sentence in lower case, cased as a name ("whoever SVEIN JAKOBSEN is" ->
    "Svein Jakobsen"): two or more such words, none an English word, a clinical or chat term, one a listed name; not
    acronyms side by side ("the NHS and CBT")."""
    for run in CAPITALS_RUN.finditer(line):
        words = [POSSESSIVE.sub("", word.lower()) for word in run.group().split()]
        if any(lexicon.vocabulary(word) or lexicon.clinical(word) or word in STOP_WORDS or word in lexicon.CHAT_WORDS
               for word in words) or not any(lexicon.first_name(word) or lexicon.surname(word) for word in words):
            continue
        cased = re.sub(r"\S+", lambda word: word.group()[0] + word.group()[1:].lower(), run.group())
        if len(cased) == len(run.group()):  # same offsets ("İ" lowers to two characters)
            line = line[:run.start()] + cased + line[run.end():]
    return line


class ChatNlpEngine(NlpEngine):
    """Tokens (lower-cased as lemmas, for Presidio's context words) from spaCy's tokenizer, and entities from the
    NER model (tok2vec + ner only) for the texts `needs_ner` picks; `ner=None` means no model at all."""

    def __init__(self, ner: Any | None, load_ner: Callable[[], Any] | None = None) -> None:
        """`load_ner` loads the model again, as `ner` was loaded, when its vocabulary has grown (`_renewed`)."""
        self.ner = ner
        self.load_ner = load_ner
        self._tokenize_with(ner)

    def _tokenize_with(self, ner: Any | None) -> None:
        import spacy

        # the model's own tokenizer is spaCy's English one: building a second copy costs a cold start 0.14 s
        self.tokenizer = ner.tokenizer if ner is not None else spacy.blank("en")
        self.empty = self._artifacts(self.tokenizer(""), "en")

    def _renewed(self) -> None:
        """spaCy keeps every distinct word it has tokenized (a lexeme, about 500 bytes) for as long as its vocabulary
        lives: past VOCABULARY_LIMIT words the tokenizer (and the NER model, whose vocabulary it is) is made anew.
        Neither tokens nor entities depend on which words a vocabulary already holds, so nothing found changes."""
        if len(self.tokenizer.vocab) <= VOCABULARY_LIMIT:
            return
        if self.ner is not None and self.load_ner is not None:
            self.ner = self.load_ner()
        self._tokenize_with(self.ner)

    def load(self) -> None:
        """Loaded in the constructor."""

    def is_loaded(self) -> bool:
        return True

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return next(self.process_batch([text], language))[1]

    def process_batch(self, texts: Iterable[str], language: str, batch_size: int = 1, n_process: int = 1,
                      **kwargs: Any) -> Iterator[tuple[str, NlpArtifacts]]:
        """The texts' artifacts, RENEW_EVERY texts at a time: the vocabulary is looked at before each part
        (`_renewed`), and one part's NER docs are held at once."""
        texts = list(texts)
        for start in range(0, len(texts), RENEW_EVERY):
            self._renewed()
            part = texts[start:start + RENEW_EVERY]
            views = [speaking_case(text) for text in part]
            ner = self.ner
            chosen = [i for i, view in enumerate(views) if ner is not None and needs_ner(view)]
            docs = dict(zip(chosen, ner.pipe([views[i] for i in chosen], batch_size=max(batch_size, 1)),
                            strict=True)) if ner is not None and chosen else {}
            for index, text in enumerate(part):
                doc = docs.get(index)
                if doc is not None:
                    yield text, self._artifacts(doc, language)
                elif NEEDS_TOKENS.search(text):
                    yield text, _Untokenized(text, self, language)
                else:
                    yield text, self.empty  # nothing here would use context words

    def _artifacts(self, doc: Any, language: str) -> NlpArtifacts:
        return NlpArtifacts(entities=list(doc.ents), tokens=doc, tokens_indices=[t.idx for t in doc],
                            lemmas=[t.lower_ for t in doc], nlp_engine=self, language=language)

    def is_stopword(self, word: str, language: str) -> bool:
        """Few: spaCy's list holds context words such as "call"."""
        return word.lower() in CONTEXT_STOP_WORDS

    def is_punct(self, word: str, language: str) -> bool:
        return bool(word) and not any(c.isalnum() for c in word)

    def get_supported_entities(self) -> list[str]:
        return ["PERSON", "LOCATION"]

    def get_supported_languages(self) -> list[str]:
        return ["en"]


class _Untokenized(NlpArtifacts):
    """A text's artifacts, tokenized when first asked for its tokens: only Presidio's context words read them, and
    only for a text something was found in. Most texts with a digit have none (an id, a group key), and every
    distinct word spaCy tokenizes stays in its vocabulary for the life of the process: a family of 200,000 records
    with numbered ids grew a worker by 200 MB before."""

    LAZY = frozenset(("tokens", "tokens_indices", "lemmas", "keywords"))

    def __init__(self, text: str, engine: ChatNlpEngine, language: str) -> None:
        # not NlpArtifacts.__init__, which tokenizes: only what needs no tokens is set here
        self.entities = []
        self.scores = []
        self.nlp_engine = engine
        self._text = text
        self._language = language

    def __getattr__(self, name: str) -> Any:
        """Called for an attribute not yet set: the tokens and what is made of them, made once."""
        if name not in self.LAZY:
            raise AttributeError(name)
        made = self.nlp_engine._artifacts(self.nlp_engine.tokenizer(self._text), self._language)
        for attribute in self.LAZY:
            setattr(self, attribute, getattr(made, attribute))
        return getattr(made, name)



class ChoosingOnceRegistry(RecognizerRegistry):
    """Presidio's registry, which filters every recognizer by language and entity on each `analyze` (5% of a
    patterns-only scan): the recognizers chosen for a language and a list of entity types are remembered, per
    registry, until a recognizer is added or removed. The same list comes back, in the same order."""

    def __init__(self, recognizers: list[EntityRecognizer], supported_languages: list[str]) -> None:
        super().__init__(recognizers=recognizers, supported_languages=supported_languages)
        self._chosen: dict[tuple[str, tuple[str, ...], bool], list[EntityRecognizer]] = {}

    def get_recognizers(self, language: str, entities: list[str] | None = None, all_fields: bool = False,
                        ad_hoc_recognizers: list[EntityRecognizer] | None = None) -> list[EntityRecognizer]:
        if ad_hoc_recognizers or entities is None:
            return super().get_recognizers(language, entities, all_fields, ad_hoc_recognizers)
        key = (language, tuple(entities), all_fields)
        chosen = self._chosen.get(key)
        if chosen is None:
            chosen = self._chosen[key] = super().get_recognizers(language, entities, all_fields)
        return list(chosen)

    def add_recognizer(self, recognizer: EntityRecognizer) -> None:
        self._chosen.clear()
        super().add_recognizer(recognizer)

    def remove_recognizer(self, recognizer_name: str, language: str | None = None) -> None:
        self._chosen.clear()
        super().remove_recognizer(recognizer_name, language)

def load_ner(model: str, max_length: int) -> Any:
    """The spaCy model with only what NER needs (no tagger, parser or lemmatizer: 30-50% faster)."""
    import spacy

    nlp = spacy.load(model, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    nlp.max_length = max_length
    return nlp


def chunks(items: Sequence[Any], count: int) -> list[Sequence[Any]]:
    size = -(-len(items) // count)
    return [items[i:i + size] for i in range(0, len(items), size)]
