"""Recognizers for PII told by its layout rather than its words: postal address blocks in many national layouts,
form fields and speaker labels, ID numbers, names in non-Latin scripts, and the date policy's years and ages.

Each is a Presidio EntityRecognizer over plain regular expressions (no model), run on every text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from releasebuild.privacy import lexicon

DIGIT = re.compile(r"\d")


def _stop_word(lower: str) -> bool:
    """An English function word ("at", "the", "by"): never part of a street's or a corner's name."""
    return lower in STOP_WORDS


CAP = r"[A-ZÀ-ÖØ-ÞĀ-Ž]"  # a capital, Latin scripts with diacritics
TOWN_INITIAL = r"(?:[A-ZÀ-ÖØ-ÞĀ-Ž]|[^\W\d_A-Za-zÀ-ɏ])"  # a capital, or any letter of a script without case
WORDCHARS = r"[\w'’.-]"
# Streets named by a word that ends in (German, Dutch, Nordic, ...) or starts with (Romance, Slavic) a street word.
# The suffixes as words (Hauptstraße, Kerkstraat, Storgatan): the pattern is built from them, and so are the endings
# looked for before it runs.
SUFFIX_STREET_WORDS = tuple("""
straße strasse str. weg gasse allee platz ring damm ufer chaussee steig pfad markt straat laan gracht
plein kade singel dreef steeg gatan vägen gata väg veien vegen gaten vej gade gaden allé torv plads stræde torget
tie katu
polku kuja utca útca ulice sokak sokağı caddesi bulvarı roa hagen bakken lia åsen stien svingen vejen
engen flata tunet haugen løkka jordet myra berget kroken grenda lunden plassen ringen tangen toppen
vollen vænget parken stedet gränd backen stigen leden torg bulevardi havna kaari rinne puisto raitti
hof baan pad holtet gropa moen vika skogen marka kollen høgda stranda eggen bråten lyngen tjernet skrenten
""".split())
SUFFIX_STREET = "(?:" + "|".join(re.escape(word) for word in SUFFIX_STREET_WORDS) + ")"
PREFIX_STREET = (r"(?:calle|c/|avenida|avda\.?|av\.|rua|r\.|travessa|alameda|praça|largo|estrada|rodovia|via|viale|"
                 r"piazza|piazzale|corso|vicolo|largo|strada|rue|avenue|av|boulevard|bd|bld|chemin|allée|allee|place|"
                 r"quai|impasse|cours|route|carrer|plaza|paseo|camino|ronda|ul\.|ulica|al\.|aleja|os\.|pl\.|plac|"
                 r"ulitsa|prospekt|pr\.|pereulok|str\.|blvd\.?|acceso|callejón|cañada|carretera|cuesta|glorieta|pasadizo|"
                 r"pasaje|rambla|urbanización|travesía|senda|vereda|bajada|subida|costanilla|prolongación|privada|"
                 r"cerrada|circuito|andador|retorno|calzada|beco|ladeira|viela|quadra|contrada|borgo|salita|"
                 r"lungomare|traversa|passage|sentier|rond-point|diagonal|vial|ampliación|eje|morro|setor|núcleo|canale|"
                 r"peatonal|stretto|"
                 # Mexican, Brazilian, Italian, Romanian, Malay, Québécois, Vietnamese and Ukrainian street types
                 r"circunvalación|continuación|corredor|eje vial|periférico|viaducto|aeroporto|área|campo|chácara|"
                 r"colônia|condomínio|conjunto|distrito|esplanada|estação|fazenda|jardim|lago|lagoa|loteamento|"
                 r"parque|passarela|pátio|praia|recanto|residencial|sítio|trecho|trevo|viaduto|vila|vale|favela|feira|"
                 r"incrocio|aleea|"
                 r"intrarea|bulevardul|șoseaua|soseaua|drumul|calea|jalan|jln\.?|lorong|rang|montée|đường|phố|"
                 r"вулиця|набережна|провулок|площа|проспект|узвіз|шосе|"
                 r"rotonda|alleya|proyezd|shosse|naberezhnaya|tupik)")
ENGLISH_STREET = (r"(?:street|st|avenue|ave|road|rd|drive|dr|lane|ln|boulevard|blvd|court|ct|way|place|pl|terrace|"
                  r"circle|cir|parkway|pkwy|highway|hwy|trail|trl|square|sq|crescent|close|row|loop|pike|alley|path|"
                  r"grove|heights|hills?|crossing|point|park|view|gardens?|mews|walk|run|creek|landing|plaza|harbou?r|"
                  r"estates?|meadows?|springs?|valley|village|pass|port|shores?|station|summit|track|turnpike|"
                  r"fields?|manor|mill|oval|brooks?|burgs?|camp|cape|centers?|cliffs?|common|corners?|coves?|dale|"
                  r"divide|expressway|falls|ferry|flats?|fords?|forest|forges?|fork|freeway|glens?|greens?|haven|"
                  r"highlands?|islands?|isle|junction|keys?|knolls?|lakes?|lights?|locks?|lodge|motorway|"
                  r"mountains?|neck|orchard|overpass|pines?|plains?|prairie|radial|ramp|ranch|rapids?|rest|route|"
                  r"shoal|skyway|spur|stravenue|tunnel|underpass|unions?|viaduct|views?|villages?|ville|vista|ways|"
                  r"wells?|marg|nagar|colony|chowk|enclave|esplanade|parade|promenade|rise|ridge|retreat|outlook|vale|"
                  r"wynd|circuit|chase|concourse|boardwalk|grange|stairs|strip|quays?|gate|glade|hollow|nook|reach|"
                  r"link|mall|arcade|bend|bypass|causeway|dell|domain|fairway|lookout|meander|pathway|pocket|"
                  r"steps|strand|tarn|tor|towers|walkway|waters|wharf|yard|layout|cross|points|course|quadrant|follow|"
                  # the rest of USPS Publication 28's suffixes
                  r"branch|bridge|canyon|circles|club|crest|crossroad|drives|extensions?|fall|forks|fort|gateway|"
                  r"groves|harbou?rs|inlet|junctions|land|loaf|manors|mills|mission|mount|parks|parkways|passage|"
                  r"ports|ridges|river|rue|shoals|spurs|trafficway|valleys|via|walks|wall|"
                  # Australian and New Zealand road types (AS/NZS 4819) that are no everyday word
                  # (not those chat uses as words after a count: "2 Grand Entrance tickets")
                  r"alleyway|amble|anchorage|artery|brae|broadway|brow|byway|centreway|circlet|colonnade|copse|"
                  r"crossway|cul-de-sac|firetrail|footway|foreshore|formation|frontage|gully|highroad|laneway|lees|mew|"
                  r"parklands|quadrangle|ramble|ridgeway|riverway|riviera|roadway|ronde|rotary|thoroughfare|tollway|"
                  r"trunkway|villas|wade)")
# Where a street is the writer's home whatever its words: "i live at um 9 manor close", "my address is 8 mill view"
HOME_AT_BEFORE = re.compile(r"(?i)(?:\b(?:i|we|she|he|they|mum|mom|dad)\s+"
                            r"(?:live[sd]?|am|'m|’m|are|'re|’re|stay(?:s|ing)?|moved|living)\s+(?:at|on|to|into)|"
                            r"\baddress\s+(?:is|:)|\baddy\s+(?:is|:))[ \t]+(?:(?:um+|uh+|erm|like)[ \t,]+)?$")
# A quarter of a town after a street in lower case, before a comma: "14 oak st w, toronto"
LOWER_DIRECTION = r"(?:[ \t]+(?-i:ne|nw|se|sw|e|w|n|s)(?=,|$))"
SHORTEST_STREET = re.compile(rf"(?:\d{{1,5}}[/-])?\d{{1,6}}[A-Za-z]?,?[ \t]+(?:{WORDCHARS}+[ \t]+){{1,3}}?"
                             rf"{ENGLISH_STREET}\b{LOWER_DIRECTION}?", re.IGNORECASE)
# Street types that are everyday words: "10 - either way", "1-10 how well" are no address without a capital.
EVERYDAY_STREET_WORDS = frozenset("""well wells way ways run walk rest point view views park pass track center common
lights locks keys falls place row close square path crossing spur loop cross gate link reach end strip steps rise
chase mall yard bend edge top green haven follow branch bridge club course fall land loaf mission mount passage
river wall walks parks points""".split())
# A flat, floor or door after a street line: "apt 3C", "apto 1159", "Int. 11", "3º izq.", "3. OG", "кв. 159".
UNIT_AFTER = (r"(?:,?\s*(?:apt|apto|apartment|suite|ste|unit|flat|room|rm|int|interior|dpto|depto|piso|andar|bloco|"
              r"casa|kv|кв|scala|sc|piano|interno|lote|lt|mz|manzana|whg|wohnung|#)\.?\s*[:#]?\s*\w+"
              r"|,?\s*\d{1,2}\s?[º°ª]\s*(?:izq|izda|dcha|dch|der|centro|[a-z])?\.?"
              r"|\s+m\.\s?\d{1,4}\b"  # Polish: al. Reymonta 56 m. 5
              r"|,\s*\d{1,2}\.\s?(?:OG|EG|UG|Stock|Etage))*")
# Calle Mayor 12, Via Roma 3, ul. Długa 7, 12, rue de la Paix, 5 avenue Foch
# (the house number before it, "5 avenue Foch", is taken by LEADING_NUMBER: an optional group at the front of the
# pattern would be tried at every position of every text)
LEADING_NUMBER = re.compile(r"\b\d{1,5}[a-z]?(?:\s?(?:bis|ter))?,?\s+$", re.IGNORECASE)
PARTICLES = r"(?:de|del|della|di|da|do|dos|das|la|le|les|du|des|d'|l'|y|e)"
# A Brazilian address names the neighbourhood after the house number: "Rua Direita, 104 - Alto Barroca, Gramado - RR",
# "Vale de Siqueira, 1337 - São Tomaz", "Praça Freitas, 5a, apto 1063 - Cônego Pinheiro 2ª Seção"
NEIGHBOURHOOD_AFTER = re.compile(rf"(?:,?[ \t]*(?:apto|apt|casa|bloco|sala|lote)\.?[ \t]*\d{{1,5}}[A-Za-z]?)?"
                                 rf"[ \t]+[-–][ \t]+"
                                 rf"({CAP}[\w'’-]*(?:[ \t]+(?:(?:{PARTICLES})[ \t]+)?(?:{CAP}[\w'’-]*|\d{{1,2}}[ªº]|"
                                 rf"[IVX]{{1,4}})){{0,4}})(?=[ \t]*(?:,|\n|$))")
TOWN_STATE_AFTER = re.compile(rf",[ \t]*({CAP}[\w'’-]*(?:[ \t]+(?:{PARTICLES}[ \t]+)?{CAP}[\w'’-]*){{0,3}})"
                              r"[ \t]*[-–/][ \t]*[A-Z]{2}\b")
# PREFIX_STREET's words, letters only ("avda", "c", "eje"): a text holding none skips PREFIX_LINE, whose long
# alternation Python would try at every word
PREFIX_WORDS = frozenset(re.findall(r"[^\W\d_]+", alternative)[0] for alternative in PREFIX_STREET[3:-1].split("|"))
# (a street named after a date, as Mexico names many: "Calle 5 de Mayo 114", "Av. 16 de Septiembre 8")
PREFIX_LINE = re.compile(rf"\b{PREFIX_STREET}[ \t]+(?:\d{{1,2}}[ \t]+de[ \t]+)?(?:{PARTICLES}[ \t]+)*"
                         rf"{CAP}[\w'’-]*(?:[ \t]+(?:{PARTICLES}[ \t]+)?{CAP}[\w'’-]*){{0,3}}"
                         rf"(?:,?\s*(?:n[º°o]\.?\s*)?\d{{1,5}}[a-zA-Z]?(?:[/-]\d{{1,4}})?{UNIT_AFTER})?", re.IGNORECASE)
PREFIX_NAMED = re.compile(rf"\S+\s+(?:(?:de|del|della|di|da|do|dos|das|la|le|les|du|des|d'|l'|y|e)\s+)*{CAP}"
                          r"[^\W\d_]")
# Python's regular expressions try SUFFIX_STREET's alternation after every run of word characters: a text with no word
# ending like a street skips it (str.endswith). lower() turns "SOKAĞI" into "sokaği", so endings with ı come with i too.
SUFFIX_ENDINGS = tuple(dict.fromkeys(SUFFIX_STREET_WORDS + tuple(w.replace("ı", "i") for w in SUFFIX_STREET_WORDS)))
# A word a house number follows ("Hauptstr. 12"): SUFFIX_LINE matches only where such a word ends like a street.
WORD_BEFORE_NUMBER = re.compile(r"[\w'’.-]+(?=\s+\d)")
# Where PREFIX_LINE can begin: a run of letters that is one of PREFIX_WORDS (every alternative opens with a letter).
LETTER_RUN = re.compile(r"[^\W\d_]+")
# Hauptstraße 12, Kerkstraat 8a, Storgatan 3
SUFFIX_LINE = re.compile(rf"\b(?:(?:van|von|de|der|den|ter|ten)\s+){{0,2}}[\w'’-]*{SUFFIX_STREET}"
                         rf"(?:\s+\d{{1,5}}(?:\s?[a-zA-Z](?![a-zA-Z])(?:\s\d{{1,4}}\b)?)?"
                         rf"(?:[/-]\d{{1,4}})?)"
                         rf"(?:\s+[A-Z]\s\d{{1,4}}\b|\s+(?:hs|huis|bis)\b|,\s*\d{{1,2}}\.\s?(?:th|tv|mf|sal)\b\.?)?"
                         rf"{UNIT_AFTER}", re.IGNORECASE)
# What a text must hold for a pattern to match it: True, a digit; False, nothing; else one of these substrings, or a
# match of this (fast) pattern. Most chat turns hold none, and are spared the slow pattern (STREET_LINES, LAYOUT_NEEDS).
LineNeeds = bool | tuple[str, ...] | re.Pattern[str]
# (pattern, score, what a text must hold for it to match)
STREET_LINES: tuple[tuple[re.Pattern[str], float, LineNeeds], ...] = (
    # 12 Oak Street, 4821 Willow Bend Road Apt 3C, 12 N. Main St.
    # (on one line, and not a time's minutes: "9:00\nJoining link", "at 7.30 with Dr Báez")
    (re.compile(rf"(?:\b(?:no|nr)\.?\s*|#\s*)?\b(?<![\d][.:])(?:\d{{1,5}}[/-])?\d{{1,6}}[A-Za-z]?,?[ \t]+"
                rf"(?:[NSEW]\.?[ \t]+)?(?:{WORDCHARS}+[ \t]+){{1,3}}{ENGLISH_STREET}\b\.?"
                rf"(?:\s+(?-i:East|West|North|South|NE|NW|SE|SW|E|W|N|S)\b\.?|{LOWER_DIRECTION})?"
                rf"{UNIT_AFTER}", re.IGNORECASE),
     0.85, True),
    (SUFFIX_LINE, 0.85, True),  # Hauptstraße 12, Kerkstraat 8a, Storgatan 3
    # all. Tomskaya, d. 13, kv. 155; алл. Лесхозная, д. 46, кв. 272; ul. 8 Marta, d. 4 (named after a date): more
    # street types than the line below, whose house is optional, so here the house is required ("all. I'm" is none)
    (re.compile(r"(?<![\w.])(?:ul|ulitsa|pr|prosp|pr-t|per|all|alleya|nab|sh|bul|b-r|pl|proezd|pr-d|tup|mkr|ул|пр|"
                r"просп|пр-т|пер|алл|аллея|наб|ш|бул|б-р|пл|пр-д|туп|мкр)\.?[ \t]+(?:[^\W\d_]\.[ \t]?|\d{1,2}[ \t]+)?"
                r"[^\W\d_][\w-]*"
                r"(?:[ \t][^\W\d_][\w-]*)?,"
                r"[ \t]*(?:d|д|dom|дом)\.?[ \t]*\d{1,4}[^\W_]{0,3}(?:/\d{1,3})?"
                r"(?:,[ \t]*(?:k|к|korp|корп|str|стр|kv|кв)\.?[ \t]*\d{1,4}[^\W_]{0,2})*", re.IGNORECASE), 0.85, True),
    # Am Markt 3, Unter den Linden 5 (German streets of several words ending in a number)
    (re.compile(rf"\b(?:Am|An der|Auf der|Im|In der|Zum|Zur|Unter den)\s+{CAP}\w+\s+\d{{1,4}}[a-z]?\b"), 0.7, True),
    (PREFIX_LINE, 0.75, False),
    # Kongens gate 46b, Drottning väg 3: a name, then the street word on its own, then the number
    (re.compile(rf"\b{CAP}[\w'’-]+\s+(?:gate|gata|vei|vej|väg|weg|straat|laan|stræde)\s+\d{{1,4}}[a-z]?\b"), 0.8, True),
    # Mathisenrøa 7, 6160 Hegehamn / Olenis 68, 283 08 Chania: a name and a number before a postcode and a town
    (re.compile(rf"\b{CAP}[\w'’-]+(?:\s+{CAP}[\w'’-]+)?\s+\d{{1,5}}[a-z]?(?=,\s+(?:\d{{3}}\s\d{{2}}|\d{{4,5}})"
                rf"\s+{TOWN_INITIAL})"), 0.75, True),
    # Korean road names: 292 dongho-ro, Sejong-daero 110
    (re.compile(r"(?i)\b(?:\d{1,5}\s+)?[a-z]+-(?:ro|gil|daero)\b(?:\s+\d{1,5}(?:-\d{1,4})?)?"), 0.8,
     re.compile(r"(?i)-(?:ro|gil|daero)")),
    # Turkish in any case: yorulmaz cad. no:15/2, şama sokak no 89
    (re.compile(r"(?i)\b(?:[^\W\d_][\w'’-]+\s+(?:mahallesi|mah\.),?\s+)?[^\W\d_][\w'’-]+\s+(?:sokak|sokağı|sok\.|"
                r"caddesi|cad\.|bulvarı|blv\.|yolu),?\s*no\s*:?\s*\d{1,5}(?:/\d{1,4})?(?:\s*d\s*:\s*\d{1,4})?"),
     0.8, True),
    # Turkish: Yıldız Mahallesi, Ergül Sokak No 69 / Yılmaz Cad. No:116/7 / Bahçelievler Mah. Yüksel Sok. No: 103
    (re.compile(rf"(?:\b{CAP}[\w'’-]+\s+(?:Mahallesi|Mah\.),?\s+)?\b{CAP}[\w'’-]+\s+(?:Sokak|Sokağı|Sok\.|Caddesi|"
                r"Cad\.|Bulvarı|Blv\.|Yolu)(?:,?\s*No\s*:?\s*\d{1,5}(?:/\d{1,4})?(?:\s*D\s*:\s*\d{1,4})?)?"),
     0.8, ("Sok", "Cad", "Bulvarı", "Blv.", "Yolu")),
    # Russian and transliterated: ул. Подгорная, д. 77, кв. 159 / per. Shishkina, d. 9, kv. 95 / г. Ялуторовск
    (re.compile(r"(?i:\b(?:ул|бул|пер|просп|пр|пр-т|наб|пл|ш|per|ul|bul|pr|prosp|nab|pl|sh|proezd)\.)\s*[^\W\d_][\w'’-]*"
                r"(?:\s[^\W\d_][\w'’-]*)?(?:,\s*(?i:д|d|дом)\.?\s*\d{1,4}[^\W\d_]?(?:,\s*(?i:кв|kv|стр|корп|k)\.?\s*"
                r"\d{1,4})*)?"), 0.8, re.compile(r"(?i)[лрпбштrlbphd]\.")),  # each abbreviation's last letter
    (re.compile(r"(?<![\w.])(?:г|g|пос|с|дер)\.\s?[A-ZА-ЯЁ][\w'’-]+(?:-[A-ZА-ЯЁ][\w'’-]+)*"), 0.75,
     ("г.", "g.", "с.", "р.")),
    # Japanese, romanised: 7-20-14 Midori-cho / 5-16-11 Minami-machi / Kita-ku
    (re.compile(r"\b\d{1,4}-\d{1,4}(?:-\d{1,4})?\s+[A-Z][a-z]+-(?:cho|machi|chome|dori|ku|shi|gun)\b"), 0.85, True),
    (re.compile(r"\b[A-Z][a-z]+-(?:ku|cho|machi|shi|gun)\b"), 0.7, ("-ku", "-cho", "-machi", "-shi", "-gun")),
    # India: H.No. 112, Kalla Zila / Flat 165, Agrawal Residency / 93, 11th Cross, Mani Layout / 31/8, baria nagar
    (re.compile(rf"(?i:\b(?:h\.?\s?no\.?|house no\.?|flat(?: no\.?)?|plot(?: no\.?)?|door no\.?|d\.?\s?no\.?)\s*)"
                rf"\d{{1,5}}[\w/-]*,\s*{CAP}[\w'’-]*(?:\s+{CAP}[\w'’-]*){{0,2}}"), 0.8, True),
    (re.compile(r"(?i)\b\d{1,5}(?:/\d{1,4})?,\s*(?:\d{1,3}(?:st|nd|rd|th)\s+(?:cross|main)(?:\s+road)?,?\s*)?"
                r"(?:[^\W\d_][\w'’-]*\s+){0,2}(?:nagar|colony|layout|marg|chowk|enclave|vihar|puram|palya|halli|"
                r"pet|bagh|ganj|residency|apartments|society|sector\s*\d+)\b"), 0.8, True),
    # Mexico: Col. Del Valle, Fracc. Contreras
    (re.compile(r"(?<=, )(?i:col|fracc)\.[ \t]+[a-z][\w'’-]*(?:[ \t]+[a-z][\w'’-]*){0,2}"), 0.75,  # lower case
     re.compile(r", (?i:col|fracc)\.")),
    (re.compile(rf"\b(?i:Col|Fracc|Colonia|Fraccionamiento|Barrio|Bairro|Conjunto|Urb)\.?\s+(?:(?:de|del|la|las|los)"
                rf"\s+)*{CAP}[\w'’-]*(?:\s+(?:(?:de|del|la|las|los)\s+)*{CAP}[\w'’-]*){{0,3}}"), 0.75, False),
    # PO Box 123, Apt 4B, Suite 200, Flat 3, Unit 7
    (re.compile(r"\b(?:p\.?\s?o\.?\s+box|postfach|apartado(?: de correos)?|caixa postal|casilla(?: de correos?)?|"
                r"boîte postale|postbus|postboks|apt|apto|apartment|suite|ste|unit|flat|studio|(?-i:Box))\.?\s*#?\s*"
                r"\d+(?:-\d{1,4})?[A-Za-z]?\b",
                re.IGNORECASE), 0.7, True),
    (re.compile(r"\b(?:BP|CP|CS)\s+\d{1,5}\b(?!\s*/)"), 0.7, True),
    # Military: PSC 1234, Box 5678 / Unit 1234 Box 5678 / CMR 450 Box 12 / USNS Harmon / USS Nimitz
    (re.compile(r"\b(?:PSC|CMR|Unit)\s+\d{3,5},?\s+Box\s+\d{1,5}\b", re.IGNORECASE), 0.9, True),
    (re.compile(rf"\bUSN?S\s+{CAP}[a-z]+(?:\s+{CAP}[a-z]+)?\b"), 0.85, ("USS", "USNS")),
    (re.compile(r"(?i)\b(?:APO|FPO|DPO)\s+(?:AA|AE|AP)\s+\d{5}\b"), 0.9, True),
    # a ship in lower case, where the fleet post office after it says it is one: "uss harper, fpo aa 34004"
    (re.compile(r"(?i)\bUSN?S\s+[a-z]+(?:\s+[a-z]+)?(?=,?\s+(?:FPO|APO)\s+(?:AA|AE|AP)\b)"), 0.85, True),
)
LEADING_ADVERB = re.compile(r"([A-Z][a-z]+ly)\s+(?=[A-Z])")
# A line of its own holding only a postcode and a town, in any case ("85989 saarijärvi", "724 85 borås").
POSTCODE_LINE = re.compile(r"(?m)^[ \t]*(?:\d{4,6}|\d{3}\s\d{2}|\d{2}-\d{3})[ \t]+[^\W\d_][\w'’-]*"
                           r"(?:[ /-][^\W\d_][\w'’-]*){0,2}[ \t]*$")
# A line holding a postcode and a town, in many national layouts.
POSTCODE_TOWN = re.compile(  # not a phone number's last groups ("1-800-273-8255 If")
    rf"(?<!\d-)(?<!\d\.)(?:\b(?:[A-Z]{{1,2}}-)?\d{{4,5}}|\b\d{{4}}\s?[A-Z]{{2}}|\b\d{{2}}-\d{{3}}|\b\d{{5}}-\d{{3}}|\b\d{{3}}\s\d{{2}}|"
    rf"\b\d{{3}}-\d{{4}})\s+{TOWN_INITIAL}[\w'’-]+(?:[ -]{TOWN_INITIAL}[\w'’-]+)*(?:/[A-Z]{{2}}\b)?")
TOWN_POSTCODE = re.compile(
    rf"\b{CAP}[\w'’-]+(?:[ -]{CAP}[\w'’-]+){{0,2}},?\s+(?:{CAP}{{2,3}}\s+)?(?:\d{{5}}(?:-\d{{3,4}})?|\d{{6}}|\d{{4}}|"
    r"[A-Z]\d[A-Z]\s?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})\b")
CODES = re.compile(
    r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b"  # UK
    r"|(?<=, )[a-z]{1,2}\d[a-z\d]?\s\d[abd-hjlnp-uw-z]{2}\b"  # UK, in lower-case chat, after a comma
    r"|\b[AC-FHKNPRTV-Y]\d{2}\s?(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*\d)[AC-FHKNPRTV-Y0-9]{4}\b"  # Ireland (Eircode)
    r"|\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d\b"  # Canada
    r"|〒\s?\d{3}-?\d{4}")  # Japan
POSTCODE_CUE = re.compile(
    r"(?i:\b(?:zip|zipcode|zip code|postcode|post code|postal code|postal|plz|cep|pin ?code|pincode|code postal|cap)"
    r"\s*(?:code\s*)?(?:is|:|#|-)?\s*)(\d{4}\s?[A-Za-z]{2}(?![\w-])|(?:[A-Z]{1,2}-)?\d{3,6}(?:[ -]\d{3,4})?"
    r"|[A-Za-z]{1,2}\d[A-Za-z\d]?\s?\d[A-Za-z]{2}|[A-Za-z]\d[A-Za-z]\s?\d[A-Za-z]\d"
    r"|\d{2}-\d{3}|[AC-FHKNPRTV-Ya-z]\d{2}\s?[AC-FHKNPRTV-Y0-9a-z]{4})\b")
BARE_POSTCODE = re.compile(r"(?i:\b(?:near|around|in|from|to)\s+)(\d{5,6}|\d{2}-\d{3}|\d{3} \d{2}|\d{5}-\d{3}|"
                           r"[AC-FHKNPRTV-Y]\d{2}\s?[AC-FHKNPRTV-Y0-9]{4})"
                           r"\b(?!\s*(?:[%$€£]|people|steps|words|dollars|"
                           r"euros|pounds|calories|miles|km|kilometers|feet|times|users|followers|views|points))")
# ("at #544" of a thousand is a count: "at" cues a door's number, not a "#", which "live at #5" still finds)
BUILDING = re.compile(r"(?i:\b(?:live|living|lives|stay|staying|moved|move|house|home|at(?!\s+#)|outside|door,?)\s+"
                      r"(?:at\s+|in\s+)?"
                      r"(?:number|no\.?|nr\.?|#)\s*)(\d{1,5}[A-Za-z]?)\b|(?i:\b(?:house|flat|apartment|building|bldg)\s*(?:number|no\.?|#)\s*"
                      r"(?:is[ \t]+|:[ \t]*)?)(\d{1,5}(?:/\d{1,4})?[A-Za-z]?)\b"  # "House number is 68/5"
                      # the number after a postcode: "Postcode 8531, number 120"
                      r"|(?i:\bpost ?code[ \t]+[A-Z\d][A-Z\d -]{1,8}[A-Z\d],[ \t]*(?:number|no\.?|nr\.?)[ \t]*)"
                      r"(\d{1,5}[A-Za-z]?)\b"
                      # the house number's field in other languages: "huisnummer 135-II", "Hausnummer: 7a"
                      r"|(?i:\b(?:huisnummer|hausnummer|hausnr\.?|husnummer|numéro|número|numero civico|nr\. domu)"
                      r"[ \t]*:?[ \t]*)(\d{1,5}(?:[/-][A-Za-z\d]{1,4})?[A-Za-z]?)\b"
                      r"|(?i:\b(?:house|building)\s+)(\d{1,5}(?:[/-]\d{1,4})?[A-Za-z]?)\b"
                      r"(?!\s*(?:people|times|years|days|hours|minutes|miles|km|%|percent))")
POSTCODE_LABEL = re.compile(r"zip|zipcode|postcode|postal|plz|cep|pincode|pin")
PHONE_GOES_ON = re.compile(r"[ .-]\d{2,4}[ .-]\d{2,4}")
CUED_STREET = re.compile(
    r"(?i:\b(?:my (?:new |old |home |current |postal )?address(?: is|:)|address:|i live at|i live on|i'?m living at|"
    r"(?:living|lives|live|staying|stay|moved|move|now|resides?) (?:at|on|to)|"
    r"send (?:it|them|the letters?|post|mail) to|"
    r"update it to|outside|which is|(?:flat|house|place) is|moved into|move into|i'?m at|we'?re at|"
    r"(?:s?he|they)(?:'s|'re| is| are|s) at)[ \t]*(?:\n[ \t]*)?)"
    r"((?:[^\W\d_][\w'’-]*[ \t]+){0,3}[^\W\d_][\w'’-]*,?[ \t]+\d{1,5}[A-Za-z]?(?:-(?:[IVX]{1,3}|\d{1,3}))?|"
    r"\d{1,4}(?:-\d{1,4}){1,2}[ \t]+[^\W\d_][\w'’-]*)"  # "im at 7-9-6 kamiyama": a Japanese block number
    r"(?![\w/:.-])(?!\s*(?:%|days?|times?|years?|hours?|mins?|minutes?|weeks?|months?|am|pm|a\.m|p\.m|o'?clock|"
    r"in the (?:morning|afternoon|evening)|at night|people|kids|miles|km)\b)")
# A door number where the sentence is about a home: "the flat above the bakery, number 20", "No. 83, the one next
# to the mosque", "the house with the green gate, #14".
DOOR_NUMBER = re.compile(r"(?i:(?:\b(?:number|no\.|nr\.)|(?<![\w#])#)[ \t]*:?\s*)(\d{1,4}[A-Za-z]?)\b(?![.,:/-]?\d)"
                         r"(?!\s*(?:people|times|years?|days?|hours?|minutes?|mins?|miles|km|%|percent|pm|am|mg|fan|"
                         r"bus|tram|train|route|"
                         r"on(?! the (?:left|right))|in|of)\b)")
# "its number 71a on the left if ur coming from the park": directions to a door
# ("moved from number 4 to number 9 on the same street", "they moved me into #12, ground floor")
HOME_WORDS = re.compile(r"(?i)\b(?:house|flat|home|door|doorbell|buzzer|bell|gate|building|apartment|block|street|road|"
                        r"(?:ground|first|top) floor|mov(?:e|ed|ing)(?: \w+)? (?:in)?to|"
                        r"the one (?:next to|opposite|across from|beside|with|on the corner|by|near)|next door|"
                        r"on the (?:left|right)(?:[ -]hand side)? (?:if|when|as) (?:you'?re|ur|you are) coming)\b")
NOT_DOOR_BEFORE = re.compile(r"(?i)\b(?:phone|room|bus|route|page|step|size|item|question|ticket|case|order|account|"
                             r"reference|ref|patient|session|week|day|level|gate at the airport|platform|seat|track|"
                             r"flight|exit|junction|chapter|rule|tip|point)\s*$")
# "Dispatcher: What number is the house?" - the next speaker's line opens with the door number
# "Q: House number?\nA: 80" too
DOOR_QUESTION = re.compile(r"(?im)\b(?:(?:what|which) (?:house |door |flat )?number|"
                           r"(?:house|door|flat) (?:number|no\.?)\?)"
                           r"[^\n]*\n[ \t]*[^\n:]{1,40}:[ \t]*(\d{1,4}[A-Za-z]?)\b")
ORDINAL_STREET = r"\d{1,3}(?:st|nd|rd|th)"
SHORT_STREET = r"(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Dr|Drive|Ln|Lane|Way|Pl|Ct|Pkwy)\b\.?"
# The streets most often named in the US (the National League of Cities' count): two of them joined by "and" after
# "at"/"on" are a corner ("meet me at Main and Pine"), whatever else the words mean.
COMMON_STREETS = (r"(?:Main|Oak|Pine|Maple|Cedar|Elm|Washington|Lake|Hill|Park|View|Walnut|Chestnut|Willow|Birch|"
                  r"Spruce|Church|Mill|High|Market|Broadway|Lincoln|Jefferson|Madison|Franklin|Spring|Center|Highland|"
                  r"Ridge|Sunset|River|Forest|Cherry|Jackson|Adams|Front|Water|Union|Dogwood|Magnolia|Hickory|Poplar|"
                  r"Sycamore|Laurel|Ash|Meadow|Railroad|School|Mulberry|Locust|Cypress|Grove|Academy|College|King|"
                  r"Queen|Victoria|Station|Bridge|First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth|Ninth|Tenth)")
STREET_NAME = rf"(?:{COMMON_STREETS}|{ORDINAL_STREET}|{CAP}\w+\s+{SHORT_STREET})"
# The common street names that name nothing else a person is "at" (not school, church, park, station, first ...):
# two of them joined after "at" are a corner in lower case and in capitals too ("pick me up at lake and cedar").
STREET_ONLY_NAMES = (r"(?:main|oak|pine|maple|cedar|elm|washington|walnut|chestnut|willow|birch|spruce|mill|grand|"
                     r"broadway|lincoln|jefferson|madison|franklin|highland|cherry|jackson|adams|dogwood|magnolia|"
                     r"hickory|poplar|sycamore|laurel|mulberry|locust|cypress|king|queen|lake|hill)")
INTERSECTION = re.compile(
    rf"(?i:\b(?:corner of|intersection of|junction of|crossroads of|cross streets? (?:are|is)?)\s+)"
    rf"((?:the\s+)?[\w'’.-]+(?:\s+[\w'’.-]+){{0,2}}\s*(?:\band\b|&|/)\s*[\w'’.-]+(?i:\s+{ENGLISH_STREET}\b\.?)?)"
    rf"|\b({CAP}\w+\s+{SHORT_STREET}\s*(?:and|&|/)\s*(?:{CAP}\w+|{ORDINAL_STREET})(?:\s+{SHORT_STREET})?)"
    rf"|\b(?:at|on|of|near|by|from)\s+({STREET_NAME}(?:\s+{SHORT_STREET})?\s*(?:and|&|/)\s*(?:{STREET_NAME}|{CAP}\w+)"
    rf"(?:\s+{SHORT_STREET})?)"
    # also opening a line or a speaker's answer: "CALLER: 23rd and 1st, by the bus shelter"
    rf"|(?:(?i:\b(?:at|on|from|by|location:|pick-?up:|drop-?off:)\s+)|(?m:^[ \t]*(?:[A-Za-z]+:[ \t]*)?))"
    rf"((?i:{STREET_ONLY_NAMES}\s*(?:and|&|/)\s*"
    rf"(?:{STREET_ONLY_NAMES}|{ORDINAL_STREET}|{COMMON_STREETS})|(?:{COMMON_STREETS}|{ORDINAL_STREET})\s*(?:and|&|/)\s*"
    rf"{STREET_ONLY_NAMES}|{ORDINAL_STREET}\s*(?:and|&|/)\s*{ORDINAL_STREET}(?:\s+{SHORT_STREET})?)\b)"
    r"(?!\s+(?:place|position|grade|floor|time|century|birthday|anniversary|of)\b)")  # not "at 14th and 9th place"
# "meet me at willow street and lake avenue", "just off 4th Rd & 2nd Avenue", "off 14th/12th": two streets after
# at/off/on, in any case; `_corner_ok` wants a street word or an ordinal in it and no function word.
CORNER = re.compile(r"(?:\b(?:at|on|off|near|by|from)\s+|\blocation:[ \t]*|"
                    r"\b(?:pick-?up|meeting|meet-?up|drop-?off)(?: point| spot| location| place)?"
                    r"(?: for [^:\n]{0,30})?:[ \t]*)"
                    r"((?:\d{1,3}(?:st|nd|rd|th)|[^\W\d_]+)(?:\s+(?!and\b)[^\W\d_]+\.?)?"
                    r"\s*(?:\band\b|&|/)\s*(?:\d{1,3}(?:st|nd|rd|th)|[^\W\d_]+)(?:\s+(?!and\b)[^\W\d_]+\.?)?)",
                    re.IGNORECASE)  # shouted too: "I'M AT MILL STREET AND CHURCH", "AT 23RD/PINE AVENUE"
DIRECTIONS = frozenset("East West North South NE NW SE SW E W N S".split())
CORNER_STREET_WORDS = frozenset("st street ave avenue rd road blvd boulevard dr drive ln lane pl ct pkwy way".split())
# An address field: "Address: 12 rue ...", or "Address:" alone with the block on the lines below (up to a blank line
# or the next "Field:" line).
ADDRESS_FIELD = re.compile(r"(?im)^[ \t>*-]*(?:home |postal |mailing |street |current |new |old |permanent |"
                           r"residential |billing |shipping |delivery )?(?:address|addr|adresse|dirección|direccion|"
                           r"endereço|indirizzo|anschrift|adres)(?: line \d)?[ \t]*[:=][ \t]*([^\n]+)")
ADDRESS_FIELD_LINES = re.compile(r"(?im)(?<=address:\n)(?:(?![ \t]*[^\W\d_][\w ]{0,24}:)[^\n]+(?:\n|$)){1,5}")
NO_ADDRESS_WORDS = frozenset("n a na nfa nfa. homeless none nil unknown withheld declined".split())
# A short line of capitalised words (a town, a region, a country) next to an address line belongs to the block.
PLACE_LINE = re.compile(rf"^\s*(?:{CAP}[\w'’.-]*|\d{{1,6}}[A-Za-z]?|[a-z]{{1,3}})(?:[ ,-]+(?:{CAP}[\w'’.-]*|"
                        rf"\d{{1,6}}[A-Za-z-]*|de|del|la|le|am|an|der|upon|on|sur|di|da|do))*[ ,]*$")
NOT_PLACE_LINE = re.compile(r"(?i)^\s*(?:hi|hello|hey|dear|thanks|thank you|regards|best|cheers|sincerely|love|yours|"
                            r"note|ps|p\.s\.|sent|re|subject|tl;dr|edit|update)\b")


# The score of a name or number the layout says is one (a form's field, a table's column, a mail's display name): above
# every other recognizer's, so that Presidio, which keeps one of two equal findings, keeps this one, and the detector
# knows no public-figure list overrides it ("Emergency contact: Caleb Mclaughlin" is someone's).
LAID_OUT = 0.9
# HL7 v2 segments and which of their fields hold a person's name (XPN): PID-5 name, -6 mother's maiden name, -9
# alias; NK1-2 next of kin; GT1-3 guarantor; IN1-16 insured
HL7_NAME_FIELDS = {"PID": (5, 6, 9), "NK1": (2,), "GT1": (3,), "IN1": (16,)}
HL7_SEGMENT = re.compile(r"(?m)^[ \t]*(PID|NK1|GT1|IN1)\|[^\n]*")


def _result(recognizer: EntityRecognizer, entity: str, start: int, end: int, score: float) -> RecognizerResult:
    return RecognizerResult(entity, start, end, score, recognition_metadata={
        RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,  # type: ignore[has-type]
        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: True})


class _Recognizer(EntityRecognizer):
    """A recognizer whose `spans` yields (entity, start, end, score)."""

    ENTITIES: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__(supported_entities=list(self.ENTITIES), name=type(self).__name__)

    def load(self) -> None:
        """Nothing to load: regular expressions and the lexicon's cached lists."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        return [_result(self, entity, start, end, score) for entity, start, end, score in self.spans(text)
                if entity in entities and end > start]

    def spans(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        raise NotImplementedError


def _search(pattern: re.Pattern[str], text: str, position: int, starts: Sequence[int] | None) -> re.Match[str] | None:
    """`pattern.search(text, position)`, or, where every match begins at one of `starts`, the first that matches
    there: Python would otherwise try a long alternation at every word of the text."""
    if starts is None:
        return pattern.search(text, position)
    return next((match for start in starts if start >= position
                 and (match := pattern.match(text, start)) is not None), None)


def _holds(text: str, needs: LineNeeds) -> bool:
    """Whether a text holds what a pattern needs (a LineNeeds); True, a digit, is answered by the caller."""
    if isinstance(needs, bool):
        return not needs
    if isinstance(needs, tuple):
        return any(part in text for part in needs)
    return needs.search(text) is not None


def _joins_two(text: str) -> bool:
    """Whether a text holds what joins the two streets of every intersection (INTERSECTION, CORNER): "and" in any
    case, "&" or "/"; a third of chat turns hold none."""
    return "&" in text or "/" in text or "and" in text.lower()


NAME_WORD = re.compile(rf"{CAP}[^\W\d_]*(?:['’-][^\W\d_]+)*\.?")


class AddressBlockRecognizer(_Recognizer):
    """LOCATION: street lines (number-first and street-first, in many languages), military addresses, postcodes
    with their towns, intersections, building numbers, and the short lines around them that make up a postal
    block (a town on its own line, a region, a country), and the addressee's name on the line above it."""

    ENTITIES = ("LOCATION", "PERSON")

    def spans(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        strong: list[tuple[int, int, float]] = []
        digits = DIGIT.search(text) is not None
        suffixed = digits and any(word.lower().endswith(SUFFIX_ENDINGS) for word in WORD_BEFORE_NUMBER.findall(text))
        prefix_starts = [m.start() for m in LETTER_RUN.finditer(text) if m.group().lower() in PREFIX_WORDS]
        for index, (pattern, score, needs) in enumerate(STREET_LINES):
            if (pattern is SUFFIX_LINE and not suffixed) or (pattern is PREFIX_LINE and not prefix_starts):
                continue  # no word before a number ends like a street, or no word is one of PREFIX_STREET's
            if digits if needs is True else _holds(text, needs):
                starts = prefix_starts if pattern is PREFIX_LINE else None
                strong += [(self._line_start(text, m), m.end(), score)
                           for m in self._lines(index, pattern, text, starts)]
        strong += [(m.start(1), m.end(1), 0.85) for m in ADDRESS_FIELD.finditer(text)
                   if m.group(1).strip() and not self._no_address(m.group(1))]
        strong += [(m.start(), m.end(), 0.75) for m in ADDRESS_FIELD_LINES.finditer(text)]
        # every pattern below but INTERSECTION's (and _corners) holds a digit: most chat turns have none
        for pattern in (POSTCODE_TOWN, TOWN_POSTCODE, POSTCODE_LINE) if digits else ():
            for match in pattern.finditer(text):
                adverb = LEADING_ADVERB.match(match.group())  # "Honestly Shout 85258": no town starts so
                start = match.start() + (adverb.end() if adverb and lexicon.common(adverb.group(1).lower()) else 0)
                if pattern is TOWN_POSTCODE and PHONE_GOES_ON.match(text, match.end()):
                    continue  # "Ring 0800 58 58 58": a phone number's first group, not a town's postcode
                if self._code_town_ok(text[start:match.end()]):
                    strong.append((start, match.end(), 0.75))
        strong += [(m.start(), m.end(), 0.75) for m in CODES.finditer(text)] if digits else []
        numbered = ((POSTCODE_CUE, 0.85), (BARE_POSTCODE, 0.5), (BUILDING, 0.6)) if digits else ()
        crossing = ((INTERSECTION, 0.75),) if _joins_two(text) else ()
        for pattern, score in (*numbered, *crossing):
            for match in pattern.finditer(text):
                group = next((g for g in range(1, (pattern.groups or 0) + 1) if match.group(g)), 0)
                strong.append((match.start(group), match.end(group), score))
        strong += list(self._corners(text))
        if digits:
            strong += list(self._door_numbers(text))
            strong += list(self._cued_streets(text))
        strong += list(self._neighbourhoods(text, strong))
        for start, end, score in strong:
            yield "LOCATION", start, end, score
        yield from self._block_lines(text, strong)

    @staticmethod
    def _neighbourhoods(text: str, strong: list[tuple[int, int, float]]) -> Iterator[tuple[int, int, float]]:
        """After a street's house number, the neighbourhood and the town with its state, as Brazil writes them:
        "Rua Direita, 104 - Alto Barroca, Gramado - RR"."""
        for start, end, score in list(strong):
            if (not re.search(r"\d[A-Za-z]?$", text[start:end]) or not any(c.isalpha() for c in text[start:end])
                    or (area := NEIGHBOURHOOD_AFTER.match(text, end)) is None):
                continue  # a street and its number, not a number alone ("we live at number 12 - Anyway, ...")
            words = area.group(1).lower().split()
            if len(words) == 1 and (lexicon.everyday(words[0]) or _stop_word(words[0])):
                continue  # "5 Oak Street 12 - Honestly, ...": a word of the sentence after the dash
            yield area.start(1), area.end(1), score
            town = TOWN_STATE_AFTER.match(text, area.end(1))
            if town is not None:
                yield town.start(1), town.end(1), score

    @staticmethod
    def _no_address(value: str) -> bool:
        """An address field that says there is none ("no fixed abode", "NFA", "n/a (sofa surfing)", "REGISTERED,
        DETAILS ON FILE"): no number, no street word, and only everyday words or those that say so."""
        found = re.findall(r"[^\W\d_]+", value)
        words = [w.lower() for w in found]
        if found and all(w.istitle() for w in found) and not any(w in NO_ADDRESS_WORDS for w in words):
            return False  # "Address: Rose Cottage": a house's name, in title case
        return not DIGIT.search(value) and bool(words) and all(
            w in NO_ADDRESS_WORDS or ((lexicon.common(w) or _stop_word(w)) and not re.fullmatch(ENGLISH_STREET, w))
            for w in words)

    @staticmethod
    def _cued_streets(text: str) -> Iterator[tuple[int, int, float]]:
        """A street in any language after "I live at", "my address is", "outside": words and a house number
        ("myklebustgropa 120", "ELIZAHOF 136", "kongens gate 23"), one of the words no English word (not "home 2
        days a week", "year 10")."""
        for match in CUED_STREET.finditer(text):
            words = [w.lower() for w in re.findall(r"[^\W\d_]+", match.group(1))]
            if words and any(not lexicon.common(w) and not _stop_word(w) for w in words) and not _stop_word(
                    words[-1]):
                yield match.start(1), match.end(1), 0.75

    @staticmethod
    def _door_numbers(text: str) -> Iterator[tuple[int, int, float]]:
        """A door number in a sentence about a home, or answering "what number is the house?"."""
        for match in DOOR_NUMBER.finditer(text):
            sentence_start = max(text.rfind(mark, 0, match.start()) for mark in ".!?\n") + 1
            sentence_end = min((i for i in (text.find(mark, match.end()) for mark in "!?\n") if i >= 0),
                               default=len(text))
            if NOT_DOOR_BEFORE.search(text[max(0, match.start() - 20):match.start()]):
                continue
            if HOME_WORDS.search(text, max(sentence_start, match.start() - 80), min(sentence_end, match.end() + 80)):
                yield match.start(1), match.end(1), 0.6
        for match in DOOR_QUESTION.finditer(text):
            yield match.start(1), match.end(1), 0.6

    @staticmethod
    def _lines(index: int, pattern: re.Pattern[str], text: str, starts: Sequence[int] | None
               ) -> Iterator[re.Match[str]]:
        """The accepted matches; after a rejected one the search goes on from its next character, so "place is\n
        Avenida de la Constitución 158" still finds the street the rejected "place is ..." overlapped. `starts`, where
        given, are the only places a match can begin: tried there alone, as a search would find them."""
        position = 0
        while (match := _search(pattern, text, position, starts)) is not None:
            home = AddressBlockRecognizer._home_street(index, match)
            if home is not None:
                yield home
                position = max(home.end(), home.start() + 1)
            elif AddressBlockRecognizer._line_ok(index, match):
                yield match
                position = max(match.end(), match.start() + 1)
            else:
                position = match.start() + 1

    @staticmethod
    def _home_street(index: int, match: re.Match[str]) -> re.Match[str] | None:
        """A number-first street of everyday words where a home goes before it ("i live at um 9 manor close in lake
        suzannehaven"): the shortest such street, no function word inside it."""
        if index != 0 or AddressBlockRecognizer._street_ok(match.group()) or HOME_AT_BEFORE.search(
                match.string, max(0, match.start() - 40), match.start()) is None:
            return None
        shortest = SHORTEST_STREET.match(match.string, match.start())
        if shortest is None or any(_stop_word(w.lower()) for w in re.findall(r"[^\W\d_]+", shortest.group())):
            return None
        return shortest if AddressBlockRecognizer._street_ok(shortest.group(), everyday=True) else None

    @staticmethod
    def _line_start(text: str, match: re.Match[str]) -> int:
        if match.re is not PREFIX_LINE:
            return match.start()
        number = LEADING_NUMBER.search(text[max(0, match.start() - 12):match.start()])
        return match.start() - (len(number.group()) if number else 0)

    @staticmethod
    def _line_ok(index: int, match: re.Match[str]) -> bool:
        if index == 0:
            return AddressBlockRecognizer._street_ok(match.group())
        first = re.match(r"[^\W\d_]+", match.group())
        if match.re is PREFIX_LINE:  # "the place to start", "via phone": a street word needs a name or a number
            if first is not None and first.group().islower() and lexicon.common(first.group()):
                # "her place at like 4", "via Skype": an English word in lower case starts a street only when a
                # number goes with it and a name follows, not an English function word ("via roma 12")
                names = [word.lower() for word in re.findall(r"[^\W\d_]{2,}", match.group())[1:]
                         if not re.fullmatch(PARTICLES, word.lower())]
                number = re.search(r"\d", match.group()) or LEADING_NUMBER.search(
                    match.string[max(0, match.start() - 12):match.start()])
                return bool(number) and bool(names) and not _stop_word(names[0])
            return bool(re.search(r"\d", match.group()) or PREFIX_NAMED.match(match.group()))
        if match.re is SUFFIX_LINE and first is not None and lexicon.common(first.group().lower()):
            return False  # "the roaring 20s", "a ring 3 times": an English word that ends like "-ring" or "-weg"
        return True

    @staticmethod
    def _street_ok(found: str, everyday: bool = False) -> bool:
        """Not "walked 3 miles down the road", "1-10 how well", "10 - either way": the words between number and
        street word are not all common, and a street word that is an everyday word needs a capitalised name, or
        (`everyday`) a home before it ("i live at um 9 manor close"). A count's unit starts no street unless the
        street is written as a name ("a 30 page essay", but "234 Page Orchard")."""
        original = re.findall(r"(?<!\d)[^\W\d_]+", found)  # not the letter of "99A Cook Points"
        if len(original) > 2 and original[-1] in DIRECTIONS:
            original = original[:-1]  # "Queen Street East"
        words = [w.lower() for w in original]
        if words and words[0] in lexicon.COUNT_UNITS and not all(w[0].isupper() for w in original):
            return False  # "a 30 minute walk", "the actual 20 hour drive", "a 6 session course": a count
        inner = words[:-1] if len(words) > 1 else words
        if len(inner) >= 2 and all(lexicon.common(w) for w in inner) and not everyday:
            return False
        street = next((w for w in reversed(words) if re.fullmatch(ENGLISH_STREET, w)), "")
        if street in EVERYDAY_STREET_WORDS and not any(w[0].isupper() for w in original[:-1]) and not everyday:
            return False
        return not found.lower().startswith(("1 way", "one way"))

    @staticmethod
    def _corners(text: str) -> Iterator[tuple[int, int, float]]:
        for match in CORNER.finditer(text) if _joins_two(text) else ():
            found, end = match.group(1), match.end(1)
            last = re.search(r"\s+([^\W\d_]+)\.?$", found)
            if last and _stop_word(last.group(1).lower()):  # "at 9th ave and 23rd by the bus"
                found, end = found[:last.start()], end - (len(found) - last.start())
            if AddressBlockRecognizer._corner_ok(found):
                yield match.start(1), end, 0.75

    @staticmethod
    def _corner_ok(found: str) -> bool:
        """Two streets, not "at school and work": a street word or an ordinal in it, and no function word."""
        words = [w.lower().rstrip(".") for w in re.findall(r"[\w.]+", found) if w.lower() not in ("and",)]
        streets = [w for w in words if w in CORNER_STREET_WORDS or re.fullmatch(r"\d{1,3}(?:st|nd|rd|th)", w)]
        return bool(streets) and not any(_stop_word(w) for w in words if w not in streets)

    @staticmethod
    def _code_town_ok(found: str) -> bool:
        """"2019 Toyota" or "2021 Christmas" is no postcode and town: a 4-digit year needs the town on a line; nor
        is "1000 Acts of Art" or "Stand-up Comedy Nov 2019": words English has, none of them a place."""
        number = re.match(r"\D*(\d+)", found)
        word = re.search(r"[^\W\d_][\w-]*", found)  # "It's 2020": "It", no town
        words = [w.lower() for w in re.findall(r"[^\W\d_]+", found)]
        if words and POSTCODE_LABEL.fullmatch(words[0]):
            return False  # "Postcode 8802 BL": the field's label, not a town (POSTCODE_CUE finds the code)
        if found[:1].isdigit() and words and all(lexicon.common(w) and not lexicon.place(w) for w in words):
            return False  # a number and words, none a place ("Building 6394" is a number after its words)
        if not found[:1].isdigit() and len(words) == 1 and word is not None and word.group().isupper() and (
                3 <= len(word.group()) <= 4 and "," not in found and not lexicon.place(words[0])):
            return False  # "ICD 10021", "DSM 30941": an acronym's code, not a town's postcode
        if number and re.fullmatch(r"(?:19|20)\d{2}", number.group(1)) and word:
            if words and (all(lexicon.common(w) for w in words) or _month(words[-1])):
                return False
            return not lexicon.common(word.group().lower()) and not lexicon.clinical(word.group().lower())
        return word is None or not (lexicon.common(word.group().lower()) and word.group().islower())

    @staticmethod
    def _block_lines(text: str, strong: list[tuple[int, int, float]]) -> Iterator[tuple[str, int, int, float]]:
        if "\n" not in text or not strong:
            return
        lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
        anchored = {i for i, (start, end) in enumerate(lines) if any(s < end and start < e for s, e, _ in strong)}
        grown = set(anchored)
        for index in sorted(anchored):
            for step in (1, -1):
                other = index + step
                while 0 <= other < len(lines) and other not in grown and AddressBlockRecognizer._place_line(
                        text[lines[other][0]:lines[other][1]], below=step == 1):
                    grown.add(other)
                    other += step
        for index in sorted(anchored):
            above = index - 1
            if above >= 0 and above not in grown and AddressBlockRecognizer._name_line(
                    text[lines[above][0]:lines[above][1]]):
                value = re.search(r"\S(?:.*\S)?", text[lines[above][0]:lines[above][1]])
                if value:
                    yield "PERSON", lines[above][0] + value.start(), lines[above][0] + value.end(), 0.7
        if len(grown) >= 2:  # a postal block: a short line that holds part of the address is the address's whole
            for index in sorted(anchored):  # ("2-12-1 Kitazawa, Room 1001" where "Room 1001" was found)
                start, end = lines[index]
                line = text[start:end]
                words = re.findall(r"[^\W\d_]+", line)
                if len(line.split()) <= 6 and ":" not in line and not any(w.islower() and _stop_word(w) for w in words):
                    value = re.search(r"\S(?:.*\S)?", line)
                    if value:
                        yield "LOCATION", start + value.start(), start + value.end(), 0.7
        for index in sorted(grown - anchored):
            start, end = lines[index]
            line = text[start:end]
            value = re.search(r"\S(?:.*\S)?", line.split(":", 1)[1] if ":" in line else line)
            if value:
                offset = start + (line.index(":") + 1 if ":" in line else 0)
                yield "LOCATION", offset + value.start(), offset + value.end(), 0.7

    @staticmethod
    def _name_line(line: str) -> bool:
        """The line above a postal block that is two to four capitalised words opening with a first name: whom it
        is addressed to ("Elizabeth King" above "35 Lance Way"), whatever else the words mean."""
        words = line.split()
        return (2 <= len(words) <= 4 and all(NAME_WORD.fullmatch(w) for w in words)
                and lexicon.first_name(words[0].lower()) and not NOT_PLACE_LINE.match(line))

    @staticmethod
    def _place_line(line: str, below: bool) -> bool:
        body = line.split(":", 1)[1] if ":" in line and below else line
        if not body.strip() or len(body.split()) > 5 or NOT_PLACE_LINE.match(body):
            return False
        words = re.findall(r"[^\W\d_]+", body)
        if not words or not PLACE_LINE.match(body):
            return False
        return not all(lexicon.common(w.lower()) and not w.isupper() for w in words)


FIELD_NAME = re.compile(
    r"(?im)(?:^[ \t>*-]*|\(|[ \t]{2,})(?:full |first |last |given |family |sur|fore|legal |preferred |"
    r"patient(?:'s)? |client(?:'s)? |"
    r"child(?:'s)? |mother(?:'s)? |father(?:'s)? |parent(?:'s)? |guardian(?:'s)? |partner(?:'s)? |spouse(?:'s)? )?"
    r"(?:name|patient|pt|client|emergency contact|contact person|contact|guardian|parent|next of kin|nok|referred by|"
    r"lives with|living with|lodger|carer|caregiver|referrer|"
    r"referring (?:doctor|physician|clinician)|therapist|counsel?lor|psychiatrist|doctor|gp|physician|clinician|"
    r"case ?worker|social worker|spouse|partner|mother|father|signed|signature|from|attn|member|insured|"
    r"policy ?holder|caller|requested by|name on (?:card|account)|account ?holder|account name|card ?holder|"
    r"beneficiary|payee|holder|travell?er|landlord|landlady|tenant|service member|recipient|addressee)"
    r"(?: names?|s)?(?:\(s\))?(?: as shown)?(?:[ \t]*/[ \t]*[^\W\d_][^\n:/]{0,24})?"  # "Name / Nombre:"
    r"(?:[ \t]*[:=]|[ \t]+[–-]|[ \t]*\.{3,})[ \t]*"  # a dash with a space before it: not "Parent-Child ..."
    r"((?:(?:dr|mr|mrs|ms|miss|mx|prof|pvt|pfc|cpl|sgt|ssgt|sra|a1c|lt|capt|maj|col|hm\d|po\d)\.?\s+)?"
    r"[^\W\d_][\w'’.-]*(?:[ \t][^\W\d_][\w'’.-]*){0,4})")
# "[11pm] Maria: ...", "23:04 - Maria: ..." too, and a phone's exported chat: "[09.07.2018, 22:41] Maria: ...",
# "15/11/2020, 23:58 - Maria: ..."
SPEAKER = re.compile(r"(?m)^[ \t>*-]*(?:\[[^\]\n]{1,24}\][ \t]*|"
                     r"(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4},?[ \t]+)?"
                     r"\d{1,2}[:.]\d{2}(?::\d{2})?(?:[ \t]*[ap]\.?m\.?)?(?:[ \t]*[-–][ \t]*|[ \t]+))?"
                     r"(?:([^\W\d_][\w'’-]*(?: [^\W\d_][\w'’.-]*){0,2})|[^\W\d_]+ \(([^)\n]{2,40})\))"
                     r"[ \t]*:[ \t]*\S")
# A mail header's display name: "Sabihe Tarhan <tarhan.sabihe84@gmail.com> wrote:", "From: Ann Lee <ann@x.org>"
DISPLAY_NAME = re.compile(r"((?:[A-ZÀ-ÖØ-Þ][\w'’.-]*[ \t]+){0,3}[A-ZÀ-ÖØ-Þ][\w'’.-]*)[ \t]*<[^<>\s@]+@[^<>\s@]+>")
# "Re: TANG, Chao", "SURNAME, Forename: PERALES QUESADA, Heriberto", a line opening "Kowalski, Anna": the surname
# first, as registers and letters write it.
SURNAME_FIRST = re.compile(r"(?<![\w'’-])((?:[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’-]+ ){0,2}[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’-]+|"
                           r"(?:(?m:^[ \t]*)|(?<=: ))[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’-]+),[ \t]+([A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’-]+)\b")
# The last line of a message after a finished line or a blank one: "...all of it.\n\nXiulan", "...\n- Joss"
SIGN_OFF = re.compile(r"(?:(?:[.!?,)]|\n)[ \t]*\n[ \t]*(?:[-–—~][ \t]*)?|\n[ \t]*[-–—~][ \t]*)"
                      r"([A-ZÀ-ÖØ-Þ][^\W\d_]+(?:[ \t]+[A-ZÀ-ÖØ-Þ][^\W\d_]+){0,2})[ \t.]*"
                      r"(?:\n\s*(?:Sent from|Get Outlook for)[^\n]*)?\s*\Z")  # a phone's own signature
# A letter's or a message's closing, then the line that signs it: "Kind regards\nDr. med. Ring", "Yours
# faithfully,\nWridesh Sandal": the layout names the writer, whatever the words.
CLOSING_NAME = re.compile(
    r"(?im)^[ \t]*(?:with )?(?:(?:kind(?:est)?|best|warm(?:est)?|many) regards|regards|best wishes|many thanks|"
    r"thanks(?: again)?|thank you|yours (?:sincerely|faithfully|truly)|sincerely|cheers|love|take care|best|warmly|"
    r"respectfully|with thanks|all the best|mit freundlichen grüßen|viele grüße|cordialement|saludos|atentamente|"
    r"un saluto|cordiali saluti|met vriendelijke groet(?:en)?|groeten|med vänliga hälsningar|hilsen|pozdrawiam)"
    r"[ \t]*[,.!]?[ \t]*\n[ \t]*(?:(?:dr|mr|mrs|ms|mx|prof)\.?(?:[ \t]+med\.)?[ \t]+)?"
    r"([A-ZÀ-ÖØ-Þ][^\W\d_]*(?:(?:[ \t]+|['’-])[A-ZÀ-ÖØ-Þ]?[^\W\d_]+){0,3})[ \t.]*$")
# A signature under the "--" that opens it ("--\nCass | 27 | social anxiety"), and whom a message is addressed to
# ("Message to Hemal: running late")
SIGNATURE_NAME = re.compile(r"(?m)^--[ \t]*\n[ \t]*([A-ZÀ-ÖØ-Þ][^\W\d_]+(?:[ \t]+[A-ZÀ-ÖØ-Þ][^\W\d_]+){0,2})"
                            r"[ \t]*(?:[|,]|$)|(?i:\b(?:message|text|note|reminder|e-?mail) (?:to|for)[ \t]+)"
                            r"([A-ZÀ-ÖØ-Þ][^\W\d_]+(?:[ \t]+[A-ZÀ-ÖØ-Þ][^\W\d_]+)?)[ \t]*:")
# Whom a voice assistant is told to reach: "hey siri text don i'm outside", "Alexa, call Marit"
ASSISTANT_COMMAND = re.compile(r"(?i)\b(?:siri|alexa|google|cortana|bixby)[,.]?[ \t]+(?:please[ \t,]+)?"
                               r"(?:text|call|message|ring|facetime|phone|whatsapp|tell|send a (?:text|message) to)"
                               r"[ \t]+([^\W\d_][\w'’-]*)")
# A name given as the answer to a question that asks for it: "Can I ask your first name?\nTexter: ming"
NAME_ANSWER = re.compile(r"(?im)\b(?:your (?:first |full |real )?name|call you|"
                         r"who am i (?:speaking|talking) (?:to|with)|what(?:'s| is) your name)\b[^\n]*\?[ \t]*\n"
                         r"[ \t]*(?:[^\W\d_]+[ \t]*:[ \t]*)?"
                         r"([^\W\d_][\w'’-]*(?:[ \t]+[^\W\d_][\w'’-]*)?)[ \t.!]*$")
# A quoted message's header: "> Antero wrote:", "On Sun, 19 Jan, Susan O'Connor wrote:"
WROTE = re.compile(r"(?m)^[ \t>]*(?:On [^\n]{4,60}?,[ \t]*)?"
                   r"([A-ZÀ-ÖØ-Þ][\w'’.-]*(?:[ \t]+[A-ZÀ-ÖØ-Þ][\w'’.-]*){0,3})[ \t]+wrote:")
SURNAME_FORENAME = re.compile(r"(?im)\b(?:sur|last |family )name\s*[,/&]\s*(?:fore|first |given )names?"
                              r"[ \t]*[:=-][ \t]*"
                              r"([^\W\d_][\w'’.-]*(?:[ \t][^\W\d_][\w'’.-]*){0,2})[ \t]*,[ \t]*"
                              r"([^\W\d_][\w'’.-]*(?:[ \t][^\W\d_][\w'’.-]*){0,2})")
ROLE_WORDS = frozenset("""
user assistant system therapist client counselor counsellor patient doctor dr nurse me you q a question answer note
notes ps update edit tldr tl;dr re subject summary support seeker helper listener agent bot ai human mom dad mum
speaker interviewer interviewee host guest moderator admin staff teacher student coach mentor caller operator
dob date birth born address addr street city town state zip postcode country phone tel mobile cell fax email e-mail
age sex gender id ssn nhs insurance policy diagnosis dx meds medication medications allergies reason time location
occupation employer school grade relationship relation status religion ethnicity language referral reference ref
signed signature dear hi hello hey thanks regards warning tip important fyi source link url website web ok okay
iban bic swift sort card cvv cvc exp expiry expires amount total balance due pin passport licence license dl
intake dispatcher receptionist clinician secretary chair officer worker facilitator psychiatrist psychologist
""".split())
GIVEN_ENDS_LINE = re.compile(r",[ \t]+([A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’-]+)[ \t]*(?=\n|$)")
NO_ONE_VALUES = frozenset("self myself none unknown withheld declined nobody n a na".split())
# A pronoun opens a sentence, not a name, when more words follow it: a speaker's answer after a role's label.
SENTENCE_OPENERS = frozenset("i we you he she they it".split())
FIELD_VALUE_STOP = re.compile(r"(?i)\b(?:and|or|but|who|which|that|is|was|dob|born|age|phone|tel|email|address|"
                              r"relationship|relation|mobile|cell)\b.*$", re.DOTALL)


QUESTION_LINE_END = re.compile(r"\?[ \t]*\n")  # a cheap look before ID_ANSWER's and NAME_ANSWER's costly ones
# What a text must hold for each layout pattern of FormNameRecognizer to match (a LineNeeds, as for STREET_LINES):
# a line break after a closing, a question's end before a line, a signature's dashes or a colon
LAYOUT_NEEDS: dict[re.Pattern[str], LineNeeds] = {CLOSING_NAME: ("\n",), NAME_ANSWER: QUESTION_LINE_END,
                                                  SIGNATURE_NAME: ("--", ":"), ASSISTANT_COMMAND: False}


class FormNameRecognizer(_Recognizer):
    """PERSON in intake forms ("Name: ...", "Emergency contact: ...") and as speaker labels ("Maria: ...",
    "Client (Jan Kowalski): ..."): the layout says it is a name whatever the word."""

    ENTITIES = ("PERSON",)

    def spans(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        for match in FIELD_NAME.finditer(text):
            value = FIELD_VALUE_STOP.sub("", match.group(1)).rstrip(" .,-")
            words = re.findall(r"[^\W\d_]+", value.lower())
            listed = any((lexicon.first_name(w) or lexicon.surname(w)) and not lexicon.common(w) for w in words)
            # a name field takes any capitalised value ("Preferred name: Ala"); a role ("Therapist:", "Holder:") is
            # a speaker label too, so its value must hold a name or a word no list has ("Thanks, I'll put it...")
            titled = all(word[:1].isupper() for word in value.split())
            named_field = "name" in text[match.start():match.start(1)].lower()
            named = any(lexicon.first_name(w) or lexicon.surname(w) for w in words)  # "GP: Dr Smith"
            sentence = len(words) >= 3 and any(_stop_word(w) for w in value.split() if w.islower())
            parts = value.split()
            # ("He Yang", "You Mei": surnames; "it's Strandvägen 117", "I Don't Know": a sentence)
            opens_sentence = len(parts) > 1 and words[0] in SENTENCE_OPENERS and (
                parts[0].lower() not in ("he", "she", "you") or not parts[1][:1].isupper())
            if words and (words[0] in NO_ONE_VALUES or (opens_sentence and not named_field)):
                continue  # "Referrer: Self", "Next of kin: none", "Caller: I don't know, ..." (not "Name: He Yang")
            if value.isupper() and len(words) > 2 and all(lexicon.common(w) for w in words) and not all(
                    lexicon.first_name(w) or lexicon.surname(w) for w in words):
                continue  # "GP: SEE ATTACHED LETTER", "GP: REGISTERED, DETAILS ON FILE": a note, shouted
            if value and not sentence and ((titled and (named_field or named)) or listed or not all(
                    lexicon.common(w) for w in words if w not in ("dr", "mr", "mrs", "ms"))):
                end = match.start(1) + len(value)
                given = GIVEN_ENDS_LINE.match(text, end) if value.isupper() else None
                # "Patient: LILJA, Ville": a register's order, the given name the rest of the field, whatever word
                yield "PERSON", match.start(1), given.end(1) if given else end, LAID_OUT
        yield from self._surname_first(text)
        yield from self._hl7_names(text) if "|" in text and "^" in text else ()
        yield from self._sign_off(text)
        for pattern in (CLOSING_NAME, NAME_ANSWER, SIGNATURE_NAME, ASSISTANT_COMMAND):
            for match in pattern.finditer(text) if _holds(text, LAYOUT_NEEDS[pattern]) else ():
                group = next(g for g in range(1, (pattern.groups or 0) + 1) if match.group(g))
                words = [w.lower() for w in re.findall(r"[^\W\d_]+", match.group(group))]
                if words and words[0] not in ROLE_WORDS and words[0] not in NO_ONE_VALUES and not any(
                        _stop_word(w) for w in words):
                    yield "PERSON", match.start(group), match.end(group), LAID_OUT
        for match in WROTE.finditer(text) if "wrote:" in text else ():
            words = [w.lower() for w in re.findall(r"[^\W\d_]+", match.group(1))]
            if not any(_stop_word(w) or w in ROLE_WORDS for w in words):  # not "He wrote:", "The doctor wrote:"
                yield "PERSON", match.start(1), match.end(1), LAID_OUT
        if "<" in text:
            for match in DISPLAY_NAME.finditer(text):
                words = [w.lower() for w in re.findall(r"[^\W\d_]+", match.group(1))]
                if words and not all(_stop_word(w) or w in ROLE_WORDS or (
                        lexicon.vocabulary(w) and not lexicon.first_name(w)) for w in words):  # not "Support Team"
                    yield "PERSON", match.start(1), match.end(1), LAID_OUT
        speakers = list(SPEAKER.finditer(text))
        labels = [m.group(1) for m in speakers if m.group(1)]
        # a transcript: a role speaks ("Counsellor: ...") and a label speaks twice ("Gerd: ..."), a word or not
        role_speaks = any(label.lower() in ROLE_WORDS for label in labels)
        transcript = {label for label in labels if labels.count(label) >= 2 and label.istitle()} if (
            role_speaks) else set()
        # beside a role's label a word counts as one only as the lists write it: "sigmar" is no "sig" + "mar"
        word = lexicon.listed if role_speaks else lexicon.vocabulary
        for match in speakers:
            group = 2 if match.group(2) else 1
            label = match.group(group)
            words = [w.lower() for w in re.findall(r"[^\W\d_]+", label)]
            if not words or words[0] in ROLE_WORDS:
                continue
            # "Client (Finn Jacobs): ..." names whoever the role is in brackets; a bare label of words is a heading,
            # unless a timestamp says who spoke when ("[21:04] Drake: you up?")
            stamped = DIGIT.search(text, match.start(), match.start(group)) is not None
            if (group == 1 or not label.istitle()) and label not in transcript and not stamped and all(
                    word(w) and not lexicon.first_name(w) for w in words):
                continue

            if len(words) > 1 and not all(w[0].isupper() for w in label.split()):
                continue  # "Ambivalence is normal: ..." is a heading, not a speaker
            line_end = text.find("\n", match.end())
            said = text[match.end() - 1:line_end if line_end >= 0 else len(text)]
            if not re.search(r"[^\W\d_]", said) and not text[:match.start()].rstrip().endswith("?"):
                continue  # "NSS: 14790073422": a field holding a number; a speaker says words or answers one
            if not any(lexicon.first_name(w) or lexicon.surname(w) for w in words) and lexicon.foreign(
                    text[match.end():line_end if line_end >= 0 else len(text)]):
                continue  # "Sugerencia: No tienes que contarle a todos": a heading in another language
            if stamped:
                score = LAID_OUT  # a chat log's timestamped speaker is a participant, whoever else is so called
            else:
                score = 0.8 if group == 2 or label[0].isupper() else 0.6
            yield "PERSON", match.start(group), match.end(group), score

    @staticmethod
    def _hl7_names(text: str) -> Iterator[tuple[str, int, int, float]]:
        """The person fields of an HL7 v2 message pasted from a portal or a lab ("PID|1||4471||Family^Given||...",
        "NK1|1|Family^Given|SPO|..."): family, given and middle names, the components before the suffix."""
        for line in HL7_SEGMENT.finditer(text):
            fields = line.group().split("|")
            offsets = [line.start() + sum(len(f) + 1 for f in fields[:i]) for i in range(len(fields))]
            for index in HL7_NAME_FIELDS[line.group(1)]:
                if index >= len(fields):
                    continue
                start = offsets[index]
                for component in fields[index].split("~")[0].split("^")[:3]:
                    if any(c.isalpha() for c in component):
                        yield "PERSON", start, start + len(component), LAID_OUT
                    start += len(component) + 1

    @staticmethod
    def _sign_off(text: str) -> Iterator[tuple[str, int, int, float]]:
        """The name a message is signed with: its last line, one to three capitalised words after a finished line
        or a blank one ("Thank you for reading.\n\nRosalia", "speak Saturday\n- Joss"), none of them a word chat
        writes unless a listed name (web2's rare words are names here: "Layly", "Joss")."""
        match = SIGN_OFF.search(text)
        if match is None:
            return
        words = [w.lower() for w in re.findall(r"[^\W\d_]+", match.group(1))]
        if words[0] in ROLE_WORDS or any(_stop_word(w) for w in words) or not all(
                lexicon.first_name(w) or lexicon.surname(w) or not lexicon.everyday(w) for w in words):
            return
        if not (lexicon.first_name(words[0]) or not lexicon.everyday(words[0])):
            return
        yield "PERSON", match.start(1), match.end(1), 0.7

    @staticmethod
    def _surname_first(text: str) -> Iterator[tuple[str, int, int, float]]:
        """"SURNAME, Given": a listed first name after a comma, and before it upper-case words no English has (or,
        at a line's start, one listed surname): a register's order, not "URGENT, Maria" or "Well, Anna"."""
        for match in SURNAME_FORENAME.finditer(text):  # "Surname, forename: DAI, Chao": the label says which
            for group in (1, 2):
                yield "PERSON", match.start(group), match.end(group), LAID_OUT
        for match in SURNAME_FIRST.finditer(text):
            given = match.group(2).lower()
            surnames = [w.lower() for w in re.findall(r"[^\W\d_][\w'’-]*", match.group(1))]
            line_end = text.find("\n", match.end())
            # a given name no list has is one in a register's line that goes on with a date of birth
            # ("Triage - GUSHCHIN, Avtonom - DOB 14-11-1990")
            registered = match.group(1).isupper() and not lexicon.vocabulary(given) and DIGIT.search(
                text, match.end(), line_end if line_end >= 0 else len(text)) is not None
            if not (lexicon.first_name(given) or registered) or _stop_word(given) or not surnames:
                continue
            if match.group(1).isupper():
                ok = all(lexicon.surname(w) or not lexicon.vocabulary(w) for w in surnames) and not any(
                    _stop_word(w) for w in surnames)
            else:  # "Schmidt, Dennis", "Patient: Lee, Anna" (a listed surname); not "Well, Anna", "So, Anna"
                ok = lexicon.surname(surnames[0]) and not _stop_word(surnames[0])
            if ok:
                start = match.start(1) + len(match.group(1)) - len(match.group(1).lstrip())
                yield "PERSON", start, match.end(1), LAID_OUT
                yield "PERSON", match.start(2), match.end(2), LAID_OUT


NUMBERS_BEFORE = re.compile(r"(?:\d+[\w/-]*[\s,،]+)+$")
NUMBERS_AFTER = re.compile(r"(?:[\s,،]+\d+(?:[/-]\d+)*[^\W\d_]?(?:동|호|번지|号|号室)?)+")


class NonLatinNameRecognizer(_Recognizer):
    """PERSON (or LOCATION beside digits or address words) for text in a non-Latin script inside English text:
    in these datasets it is almost always a name or an address, which no English NER model reads."""

    ENTITIES = ("PERSON", "LOCATION")

    def spans(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        for match in lexicon.NON_LATIN.finditer(text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            line_end = text.find("\n", match.end())
            line = text[line_start:line_end if line_end >= 0 else len(text)]
            address = re.search(r"\d|〒|[市区町村県都府道省路街号]|ул\.|улица|дом|кв\.", line)
            if not address:
                yield "PERSON", match.start(), match.end(), 0.65
                continue
            # the house numbers on either side belong to the address: "62/700 लीना पटेल", "شارع مكة، مبنى 121"
            before = NUMBERS_BEFORE.search(text, line_start, match.start())
            after = NUMBERS_AFTER.match(text, match.end())
            yield ("LOCATION", before.start() if before else match.start(), after.end() if after else match.end(),
                   0.65)


ID_CUE = (r"(?:driver'?s?|driving|drivers?)\s+licen[cs]e|\bDL\b|licen[cs]e|passport|\bID\b|identity|identification|"
          r"health card|social security|seguridad social|sanitaria|d['’]identit[àé]|identidad|passeport|\bkela\b|"
          r"\babha\b|health (?:no|number)|"
          r"national|tax|insurance|member(?:ship)?|policy|patient|medical record|\bMRN\b|\bNHS\b|\bNINO\b|\bNI\b|"
          r"pesel|\bDNI\b|\bNIE\b|\bNIF\b|\bCPF\b|\bRG\b|aadhaa?r|\bPAN\b|\bBSN\b|personnummer|codice fiscale|fiscal|"
          r"\bSIN\b|social insurance|\bTFN\b|medicare|medicaid|personal (?:number|code)|"
          r"account|acct|case|claim|reference|ref|record|routing|sort code|employee|student|badge|permit|visa|"
          # the national numbers' own names (Nordic, Irish, Mexican, Korean, Turkish, Polish, German, French, ...)
          r"fødselsnummer|f\u00f8dselsnr|personnr|henkilötunnus|\bhetu\b|kennitala|\bCPR\b|\bPPSN?\b|\bCURP\b|\bRFC\b|"
          r"\bRRN\b|kimlik|dowód(?: osobisty)?|personalausweis\w*|steuer-?id|versicherten\w*|\bINN\b|\bSNILS\b|"
          r"\bCNP\b|\bOIB\b|"
          r"\bEGN\b|\bJMBG\b|\bAMKA\b|\bAFM\b|\bNIR\b|sécu(?:rité sociale)?|\bAHV\b|\bAVS\b|\bNISS\b|"
          r"\bDUI\b|\bRUT\b|\bCUIL\b|\bCUIT\b|\bNIK\b|\bNRIC\b|\bHKID\b|my ?number|身份证号?|住民登録番号")
ID_VALUE = (r"((?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,20}[A-Z0-9]|(?=[a-z0-9-]*\d)[a-z0-9][a-z0-9-]{4,20}[a-z0-9]|"
            r"\d{2,6}(?:/\d{2,6}){1,4}|\d{2,4}(?:[ .-]\d{2,6}){1,4}|"
            r"\b[A-Za-z](?:[ -]\d{3}){3,5}|\d(?:[ ]\d{2,3}){4,6}|[A-Z]{1,3}\d{1,4}[ -]\d{4,14}|"
            r"\b[A-Za-z]\d{3,5}(?: \d{3,6}){1,4})\b")  # licences in groups: "i 278 542 435 131", "d6725 30078 36031"
ID_AFTER_CUE = re.compile(rf"(?i:(?:{ID_CUE})(?:,?\s*(?:number|num|no|nr|#|code|id|card(?: number)?))?\.?"
                          r"\s*(?:\?\s*(?:it'?s|it is)|(?:which|that)\s+is|is|was|its|it's|:|#|=)?\s*\(?)" + ID_VALUE)
# The names of national numbers are specific enough that the number may follow a little later, in lower case: "asked
# for my PPSN over the phone and I gave them 6719238T", "do u need my henkilötunnus its 021274-274w".
NATIONAL_ID_NAMES = (r"passport|passeport|driver'?s licen[cs]e|health card|social security|seguridad social|"
                     r"tarjeta sanitaria|tessera sanitaria|carta d['’]identità|carte d['’]identité|\bkela\b|\babha\b|"
                     r"fødselsnummer|personnr|personnummer|henkilötunnus|\bhetu\b|kennitala|\bCPR\b|\bPPSN?\b|"
                     r"\bCURP\b|\bRFC\b|\bRRN\b|kimlik|dowód(?: osobisty)?|personalausweis\w*|steuer-?id|"
                     r"versicherten\w*|\bSNILS\b|"
                     r"\bCNP\b|\bOIB\b|\bEGN\b|\bJMBG\b|\bAMKA\b|\bAFM\b|\bNIR\b|\bAHV\b|\bNISS\b|\bPESEL\b|"
                     r"\bDNI\b|\bNIE\b|\bNIF\b|\bCPF\b|aadhaa?r|\bBSN\b|codice fiscale|\bSIN\b|\bTFN\b|\bNINO\b")
# (a question may come between: "want my ppsn for the form too?? ok its 2026816m")
ID_LATER = re.compile(rf"(?i:(?:{NATIONAL_ID_NAMES})[^\n.!?\d]{{0,50}}?(?:\?+\s*(?:ok\s+)?(?:it'?s|it is|here)\s+)?)"
                      + ID_VALUE.replace("[A-Z", "[A-Za-z")
                      .replace("A-Z0-9", "A-Za-z0-9"))
# "Receptionist: And your PPS number, please?\nHeather: 6505933UA": the answer to a question for a number
ID_ANSWER = re.compile(rf"(?im)^[^\n]*(?:{ID_CUE}|\bnumber\b|\bcard\b)[^\n]*\?[ \t]*\n[ \t]*[^\n:]{{1,40}}:[ \t]*"
                       r"([A-Za-z0-9]*\d[A-Za-z0-9]*(?:[ /.-][A-Za-z0-9]*\d[A-Za-z0-9]*){0,5})[ \t]*(?:[.!,]|$)")
LICENCE_CUE = re.compile(r"(?i)driv|licen[cs]e|\bDL\b|permit")
ID_SHAPES = (
    (re.compile(r"\b[A-Z9]{5}\d{6}[A-Z9]{2}\d[A-Z]{2}\b"), "US_DRIVER_LICENSE", 0.85),  # UK driving licence
    (re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b"), "ID_NUMBER", 0.7),  # UK NINO
    (re.compile(r"\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b"), "ID_NUMBER", 0.85),  # codice fiscale
    (re.compile(r"\b[XYZ]-?\d{7}-?[A-Z]\b|\b\d{8}-?[A-HJ-NP-TV-Z]\b"), "ID_NUMBER", 0.6),  # Spanish NIE / DNI
    (re.compile(r"\b\d{3}\.\d{3}\.\d{3}-\d{2}\b"), "ID_NUMBER", 0.85),  # Brazilian CPF
    (re.compile(r"\b(?:19|20)?\d{6}[-+]\d{4}\b"), "ID_NUMBER", 0.7),  # Swedish personnummer
    (re.compile(r"\b[12]\s?\d{2}\s?(?:0[1-9]|1[0-2])\s?\d{2}\s?\d{3}\s?\d{3}(?:\s?\d{2})?\b"), "ID_NUMBER", 0.6),  # NIR
    (re.compile(r"\b[2-9]\d{3}\s\d{4}\s\d{4}\b"), "ID_NUMBER", 0.6),  # Aadhaar
    (re.compile(r"\b[A-Z]{5}\d{4}[A-Z]\b"), "ID_NUMBER", 0.6),  # Indian PAN
    (re.compile(r"\b[A-Z]{1,2}\d{6,8}\b"), "ID_NUMBER", 0.45),  # passport / licence-like, needs a cue word nearby
    # a long number, alone: someone's number of some kind (a phone in a national layout, an ID after a cue word in
    # another language: "my ИНН is 647183405775", "Yuliya - 85377886212")
    (re.compile(r"\b\d(?:[ -]?\d){8,15}\b"), "ID_NUMBER", 0.5),
)

HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _hetu(found: str) -> bool:
    """Finnish henkilötunnus: the birth date and the individual number, mod 31, give the check character."""
    upper = found.upper()
    return HETU_CHECK[int(upper[:6] + upper[7:10]) % 31] == upper[10]


def _chinese_resident_id(found: str) -> bool:
    """Chinese resident identity number: a real birth date, and the ISO 7064 MOD 11-2 check character."""
    month, day = int(found[10:12]), int(found[12:14])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(found[:17], CN_ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == found[17].upper()


def _polish_id_card(found: str) -> bool:
    """Polish dowód osobisty: three letters (10-35) and five digits weighted 7, 3, 1 give the fourth character."""
    values = [int(c, 36) for c in found.upper()]
    weighted = values[:3] + values[4:]
    return sum(v * w for v, w in zip(weighted, (7, 3, 1, 7, 3, 1, 7, 3), strict=True)) % 10 == values[3]


def _uk_licence(found: str) -> bool:
    """A UK driving licence number in any case: its digits hold a birth month (plus 50 for a woman) and day."""
    month, day = int(found[6:8]), int(found[8:10])
    return (1 <= month <= 12 or 51 <= month <= 62) and 1 <= day <= 31


# National numbers that carry their own check: they need no cue word, in any case, since the check rules out chance.
CHECKED_ID_SHAPES = (
    (re.compile(r"(?i)\b(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}[-+A-FU-Y]\d{3}[0-9A-Y]\b"), _hetu,
     "ID_NUMBER"),
    (re.compile(r"\b\d{6}(?:19|20)\d{2}\d{7}[\dXx]\b"), _chinese_resident_id, "ID_NUMBER"),
    (re.compile(r"(?i)\b[a-z]{3}\d{6}\b"), _polish_id_card, "ID_NUMBER"),
    (re.compile(r"(?i)\b[a-z9]{5}\d{6}[a-z9]{2}\d[a-z]{2}\b"), _uk_licence, "US_DRIVER_LICENSE"),
)


class IdNumberRecognizer(_Recognizer):
    """ID_NUMBER (national, tax, health, passport, account) and US_DRIVER_LICENSE (any licence): a number after an
    ID word, or in a national format distinctive enough to stand alone."""

    ENTITIES = ("ID_NUMBER", "US_DRIVER_LICENSE")

    def spans(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        if DIGIT.search(text) is None:
            return  # every ID number and shape below holds a digit
        for pattern in (ID_AFTER_CUE, ID_LATER):
            for match in pattern.finditer(text):
                cue = text[match.start():match.start(1)]
                entity = "US_DRIVER_LICENSE" if LICENCE_CUE.search(cue) else "ID_NUMBER"
                digits = sum(c.isdigit() for c in match.group(1))
                # four digits, or a passport-like mix of letters and digits ("G0WGK2RK7"), not a word and a
                # number ("COVID19")
                if digits >= 4 or (digits >= 2 and len(match.group(1)) >= 7 and match.group(1).isupper()
                                   and not re.fullmatch(r"[A-Z]+-?\d{1,3}", match.group(1))):
                    # an SSN's shape is Presidio's to type (US_SSN); this one still redacts it should that pass
                    ssn = re.fullmatch(r"\d{3}-\d{2}-\d{4}", match.group(1)) is not None
                    yield entity, match.start(1), match.end(1), 0.55 if ssn else 0.85
        for match in ID_ANSWER.finditer(text) if QUESTION_LINE_END.search(text) else ():
            if sum(c.isdigit() for c in match.group(1)) >= 5:
                question = text[match.start():match.start(1)]
                yield ("US_DRIVER_LICENSE" if LICENCE_CUE.search(question) else "ID_NUMBER"), match.start(1), \
                    match.end(1), 0.8
        for pattern, entity, score in ID_SHAPES:
            for match in pattern.finditer(text):
                before = text[max(0, match.start() - 40):match.start()]
                boosted = re.search(rf"(?i)(?:{ID_CUE}|number|\bno\b|#)", before) is not None
                if score < 0.5 and not boosted:
                    continue
                yield entity, match.start(), match.end(), max(score, 0.75) if boosted else score
        for pattern, check, entity in CHECKED_ID_SHAPES:
            for match in pattern.finditer(text):
                if check(match.group()):
                    yield entity, match.start(), match.end(), 0.85


YEAR_CUE = re.compile(r"(?i)(?:\b(?P<cue>in|since|from|of|until|till|by|born|class of|graduated|married|divorced|died|"
                      r"year|summer|spring|fall|autumn|winter|early|late|mid|back in|around|circa|c\.)\s+|')"
                      r"(?P<year>(?:19|20)\d{2}|\d{2}(?=\b))(?!\s*(?:%|mg|ml|kg|lbs?|people|dollars|steps|calories|hours|"
                      r"minutes|times|words)\b)(?![\d:/.-]\d)")
# Words before a year that as often date the world as someone's life: the year counts only in a sentence whose
# subject is a person ("we lived there till 2019", not "the dumpster fire of 2020", "a mom's extra stress of 2020").
LOOSE_YEAR_CUES = frozenset({"of", "from", "until", "till", "by", "around"})
SENTENCE_END = re.compile(r"[.!?\n]")
LOOKS_AHEAD = re.compile(r"(?i)\b(?:will|won'?t|hope|hoping|wish|gonna|going to)\b|'ll\b")
SUBJECT = re.compile(r"(?i)\b(?:i|i'm|im|i'll|i've|i'd|we|you|he|she|they|it|things|everything|everyone|life|"
                     r"people)\b")
PERSON_SUBJECT = re.compile(r"(?i)\b(?:i|i'm|im|i've|ive|i'd|my|me|we|our|us|he|she|his|her|him|they|their|them|"
                            r"born|married|divorced|graduated|died|passed)\b")  # not "you": "hang in there till 2020"


FOUR_DIGIT_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# A year spoken of as a stretch of time everyone lives through: "2020's over", "2021 will be better", "2020 sucked".
YEAR_AS_TIME = re.compile(r"(?i)(?:['’]s|\s+(?:is|was|has been|will be|had been))\s+(?:almost\s+|nearly\s+|finally\s+)?"
                          r"(?:over|done|gone|ending|coming|here|a (?:\w+ )?year|the (?:\w+ )?year|better|worse|hard|"
                          r"rough|crazy|awful|terrible|tough|such)\b|\s+(?:sucked|sucks|ends|ended)\b")


def _sentence(text: str, position: int) -> tuple[int, int]:
    start = max((m.end() for m in SENTENCE_END.finditer(text, 0, position)), default=0)
    end = SENTENCE_END.search(text, position)
    return start, end.start() if end else len(text)


def _year_of_someone(text: str, position: int, cue: str) -> bool:
    """Whether a year dates someone's life, not the world's. A sentence that looks ahead dates a plan only when the
    writer makes it ("I better wait to break the news in 2021"; not "it will be under control before end of 2021",
    "we will have some normalcy by summer 2021"); after a word that as often dates the world, a person must be the
    sentence's subject ("we lived there till 2019"; not "the added stress of 2020")."""
    start, end = _sentence(text, position)
    year = FOUR_DIGIT_YEAR.match(text, position)
    if year is not None and YEAR_AS_TIME.match(text, year.end()):
        return False  # "2020's over", "2021 will be better": the calendar, no one's life
    if cue in LOOSE_YEAR_CUES and any(YEAR_AS_TIME.match(text, m.end())
                                      for m in FOUR_DIGIT_YEAR.finditer(text, start, end)):
        return False  # "hang in there till 2020's over, not much longer till 2021"
    if LOOKS_AHEAD.search(text, start, end):  # the subject nearest the year is the writer's "I"
        subjects = SUBJECT.findall(text, start, position)
        return bool(subjects) and subjects[-1].lower() in ("i", "i'm", "im", "i'll", "i've", "i'd")
    return cue not in LOOSE_YEAR_CUES or PERSON_SUBJECT.search(text, start, end) is not None


AGE = re.compile(r"(?i)\b(?:i'?m|i am|he'?s|she'?s|they'?re|aged?|turned?|turning|is|was|at)\s+([1-9]\d{0,2})"
                 r"(?:\s*(?:years?|yrs?|y/?o)(?:[ -]old)?)?\b(?!\s*%|\s*(?:mg|ml|kg|lbs?|minutes|hours|days|weeks|"
                 r"months|times|am|pm|o'clock|dollars|miles|km|pounds|percent)\b)(?![:.,/-]\d)"
                 r"|\b(\d{1,3})[ -](?:years?|yrs?)[ -]old\b|\b(\d{1,3})\s?(?:y/?o|yo)\b")
WEEKDAY = re.compile(r"(?i)\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b")


class DatePolicyRecognizer(_Recognizer):
    """What the date policy decides on (docs/gates.md, "Dates"): bare years (YEAR), ages (AGE, and AGE_OVER_89 for
    the ages HIPAA Safe Harbor aggregates) and weekdays (WEEKDAY). Always found; the gate's `dates:` settings say
    which count, so changing the policy re-judges without rescanning."""

    ENTITIES = ("YEAR", "AGE", "AGE_OVER_89", "WEEKDAY")

    def spans(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        digits = DIGIT.search(text) is not None  # a year and an age hold one; most chat turns hold none
        for match in YEAR_CUE.finditer(text) if digits else ():
            start, end = match.span("year")
            if end - start == 4 or text[start - 1] == "'":
                cue = (match.group("cue") or "").lower()
                if not _year_of_someone(text, start, cue):
                    continue  # "the dumpster fire of 2020", "hang in there till 2020's over": the year, no one's
                yield "YEAR", start, end, 0.6
        for match in AGE.finditer(text) if digits else ():
            group = next(g for g in (1, 2, 3) if match.group(g))
            age = int(match.group(group))
            if 0 < age < 120:
                yield ("AGE_OVER_89" if age >= 90 else "AGE"), match.start(group), match.end(group), 0.6
        for match in WEEKDAY.finditer(text):
            yield "WEEKDAY", match.start(), match.end(), 0.6


PHONE_CUE = re.compile(
    r"(?:(?i:\b(?:phone|tel|telephone|mobile|cell(?:phone)?|number|callback|call me(?: on| at| @)?|"
    r"te?xt me(?: on| at| @)?|reach me(?: on| at| @)?|whatsapp|line|landline|changed to|contact)\b"
    # "Emergency contact: Fritz (partner) 0069...", "Emergency contact: Gunnar Pedersen - 55 65 37 56", "Tel (home):
    # 33 79 12 08", "Contact no. .......... 26883866"
    r"(?:[^\n\d+(]{0,12}?|[^\n\d+]{0,24}?\([a-z ]{2,16}\)[ \t]*:?[ \t]*|[^\n\d+(]{0,40}?[ \t][-–][ \t]+|"
    r"[ \t]*(?:no\.?)?[ \t.…:]{3,40}))"
    # a phone's letter before it: "(m) 417 0 745", "T 62182599 | ..." opening a signature's line
    r"|(?:\((?i:m|w|h|mob|cell|home|work)\)|(?m:^)[ \t]*[TMF]:?)[ \t]+)"
    r"((?:\+|\(\+?)?\d[\d().-]*(?: [\d(][\d().-]*){0,5}\d)(?!\d)")
# "try Gang at 15603396528", "please call 83920175 any time": a number to call, after the verb or its "on"
PHONE_ON = re.compile(r"(?i:\b(?:(?:try|reach|call|text|ring|message)\b[^\n.!?]{0,40}?\b(?:on|at)|"
                      r"(?:call|ring|text|phone|dial|whatsapp))\s+)"
                      r"((?:\+|\(\+?)?\d[\d().-]*(?: \d[\d().-]*){0,5}\d)(?!\d)")
EXTENSION = re.compile(r"(?i)(?<=\d)\s*(\(?(?:ext\.?|extension|x)\s*\d{1,6}\)?)")


class PhoneCueRecognizer(_Recognizer):
    """PHONE_NUMBER: digits after a phone word ("Phone: 82748068", "reach me on 908 02 881"), in any national
    grouping, and the extension after a number. Seven digits or more, and no date or amount shape."""

    ENTITIES = ("PHONE_NUMBER",)

    def spans(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        for pattern, score in ((PHONE_CUE, 0.6), (PHONE_ON, 0.55)):
            for match in pattern.finditer(text):
                number = match.group(1)
                digits = sum(ch.isdigit() for ch in number)
                if 7 <= digits <= 15 and not NOT_PHONE.fullmatch(number):
                    yield "PHONE_NUMBER", match.start(1), match.end(1), score
        for match in EXTENSION.finditer(text):
            if sum(ch.isdigit() for ch in text[max(0, match.start() - 20):match.start()]) >= 7:
                yield "PHONE_NUMBER", match.start(1), match.end(1), 0.6  # a number's, not "4X9" in a code
        for match in SPOKEN_NUMBER.finditer(text):
            digits = _spoken_digits(match.group())
            if len(digits) >= 7 and not _counting(digits):
                yield "PHONE_NUMBER", match.start(), match.end(), 0.6


SPOKEN_DIGIT = r"(?:zero|oh|o|nought|one|two|three|four|five|six|seven|eight|nine)"
SPOKEN_GROUP = rf"(?:(?:double|triple)[ \t]+)?{SPOKEN_DIGIT}"
# A number read aloud, as a voicemail transcript or a voice note holds it: "plus four eight five seven six triple
# one six zero seven", "zero three zero, one eight nine nine six nine five six"
SPOKEN_NUMBER = re.compile(rf"(?i)\b(?:plus[ \t]+)?{SPOKEN_GROUP}(?:(?:[ \t]+|,[ \t]*|[ \t]*-[ \t]*){SPOKEN_GROUP})+\b")


def _spoken_digits(number: str) -> list[int]:
    """The digits a number read aloud holds: "double eight" is two eights, "triple one" three ones."""
    words = [word for word in re.findall(r"[a-z]+", number.lower()) if word != "plus"]
    digits: list[int] = []
    for before, word in zip(["", *words], words, strict=False):
        if word not in SPOKEN_REPEATS:
            digits += [SPOKEN_VALUES[word]] * SPOKEN_REPEATS.get(before, 1)
    return digits


SPOKEN_VALUES = {"zero": 0, "oh": 0, "o": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "seven": 7, "eight": 8, "nine": 9}
SPOKEN_REPEATS = {"double": 2, "triple": 3}


def _counting(digits: list[int]) -> bool:
    """"one, two, three, four, five, six, seven": counted up or down, no number."""
    steps = {after - before for before, after in zip(digits, digits[1:], strict=False)}
    return steps in ({1}, {-1})


NOT_PHONE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|(?:19|20)\d{2}[./-]\d{1,2}[./-]\d{1,2}|\d{1,3}(?:,\d{3})+")


HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@])(?!\.[A-Za-z]{2,}\b)")
REDDIT = re.compile(r"(?<![\w/])/?u/[A-Za-z0-9_-](?:[A-Za-z0-9_.-]{1,28}[A-Za-z0-9_-])")
# A chat log's speaker that is an account: "[11pm] cynthia.sierracruz_: anyone else awake"
LOG_HANDLE = re.compile(r"(?m)^[ \t]*(?:\[[^\]\n]{1,12}\]\s*)?([A-Za-z][A-Za-z0-9_.]{1,28}[A-Za-z0-9_]):[ \t]")
HANDLE_CUE = re.compile(
    r"(?i:\b(?:insta(?:gram)?|ig|snap(?:chat)?|tiktok|twitter|discord|reddit|telegram|kik|steam|xbox(?: live)?|psn|"
    r"twitch|gamer ?tag|tag on (?:xbox live|xbox|psn|steam|discord|switch|twitch)|user ?name|user|handle|"
    r"screen ?name|login|account name|account(?=\s+(?:is|=)))"
    r"(?:\s+(?:is|=))?(?:[ \t]*[:=][ \t]*|\s*,?\s+))"  # "user=mark_g84" in a log
    r"(?:(?:at|on|me)\s+)?([A-Za-z0-9_][A-Za-z0-9_.]{2,29})\b")


# A forum's quote and post headers: "> kaja_art wrote:", "Original post by zacharyfuller - 13th February 2019"
FORUM_HANDLE = re.compile(r"(?im)^[ \t>]*([A-Za-z0-9][A-Za-z0-9_.]{1,30}[A-Za-z0-9_])[ \t]+wrote:"
                          r"|\b(?:original post|posted|post|quote|quoted|reply|replied|comment(?:ed)?|shared|"
                          r"logged (?:in )?(?:from|at) [\w.:]+) by[ \t]+"
                          r"@?([A-Za-z0-9][A-Za-z0-9_.]{1,30}[A-Za-z0-9_])\b")


class UsernameRecognizer(_Recognizer):
    """USERNAME: an @handle, a reddit u/name, or the word after "my insta is", "discord:", "user": an account names
    its owner as surely as a name does."""

    ENTITIES = ("USERNAME",)

    @staticmethod
    def could_find(text: str) -> bool:
        """Whether `spans` may find anything here: the guards of its patterns below ("wrote:" holds a colon), and
        the cue one needs. False for most chat turns, which the scan then does not ask for a USERNAME
        (recognizers.NEEDS)."""
        return ("@" in text or "u/" in text or ":" in text or " by" in text
                or (("_" in text or DIGIT.search(text) is not None or DOT_IN_WORD.search(text) is not None)
                    and ACCOUNT_WORDS.search(text) is not None)
                or HANDLE_CUE.search(text) is not None)

    def spans(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        # each pattern is tried only on a text holding what its matches hold ("@", "u/", a colon; an underscore, a
        # digit or a dot inside a word): most chat turns hold none (`could_find` says so before the scan asks)
        for match in HANDLE.finditer(text) if "@" in text else ():
            if any(ch.isalpha() for ch in match.group()):
                yield "USERNAME", match.start(), match.end(), 0.85
        for match in REDDIT.finditer(text) if "u/" in text else ():
            yield "USERNAME", match.start(), match.end(), 0.85
        for match in LOG_HANDLE.finditer(text) if ":" in text else ():
            if match.group(1).replace(".", "").lower() in ROLE_WORDS:
                continue  # "D.O.B: 1953-08-22": a form's label
            if any(ch in match.group(1) for ch in "_.0123456789"):
                yield "USERNAME", match.start(1), match.end(1), 0.8
        if ("_" in text or DIGIT.search(text) or DOT_IN_WORD.search(text)) and ACCOUNT_WORDS.search(text):
            numbered = [m for m in NUMBERED_HANDLE.finditer(text)  # not "activity2" (a list's next number)
                        if not lexicon.vocabulary(m.group().rstrip("0123456789").lower())]
            dotted = [m for m in DOTTED_HANDLE.finditer(text) if self._dotted_handle(m.group())]
            for match in [*SNAKE_HANDLE.finditer(text), *numbered, *dotted]:
                if ACCOUNT_WORDS.search(text, max(0, match.start() - 100), match.end() + 100):
                    yield "USERNAME", match.start(), match.end(), 0.6
        for match in FORUM_HANDLE.finditer(text) if ("wrote:" in text or " by" in text) else ():
            group = 1 if match.group(1) else 2
            handle = match.group(group)
            plain = not any(ch in handle for ch in "_.0123456789")
            if not plain or (handle.islower() and not lexicon.not_a_name(handle) and not _stop_word(handle)):
                yield "USERNAME", match.start(group), match.end(group), 0.8
        for match in HANDLE_CUE.finditer(text):
            handle = match.group(1)
            plain = not any(ch in handle for ch in "_.0123456789")
            if not plain or not (HANDLE_WORD.fullmatch(handle.lower()) or lexicon.not_a_name(handle.lower())):
                yield "USERNAME", match.start(1), match.end(1), 0.7


    @staticmethod
    def _dotted_handle(handle: str) -> bool:
        """Lower-case words joined by dots that no web address ends like, one of them no everyday word or the whole
        ending in an underscore ("the.real.lotte", "davi.gomes_"); not a sentence run on after its full stop
        ("with.feel", "sleep.Really") or "e.g", "a.m"."""
        parts = handle.rstrip("_").split(".")
        return (parts[-1] not in lexicon.top_level_domains() and sum(len(part) for part in parts) >= 8
                and (handle.endswith("_") or any(not lexicon.everyday(part) for part in parts if part.isalpha())))


# A word joined by underscores where the talk is of accounts: "the latest one is trevor_art" (not in a web or mail
# address, which their own recognizers judge)
SNAKE_HANDLE = re.compile(r"(?<![\w@./-])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+_?(?![\w@]|\.[A-Za-z]{2,}\b)")
# Words joined by dots, where the talk is of accounts: "logged from 10.0.0.7 by the.real.lotte", "davi.gomes_" (not a
# web address: its last part is no top-level domain)
DOTTED_HANDLE = re.compile(r"(?<![\w@./-])[a-z][a-z0-9]*(?:\.[a-z0-9]{2,}){1,3}_?(?![\w@./-])")
DOT_IN_WORD = re.compile(r"\.[a-z0-9]{2}")  # what a DOTTED_HANDLE holds, found fast
# A name with a number, where the talk is of accounts: "the latest one is skarlatosf8" (not "covid19", "mp3")
NUMBERED_HANDLE = re.compile(r"(?<![\w@./-])[A-Za-z][A-Za-z.]{3,}[A-Za-z]\d{1,4}(?![\w@]|\.[A-Za-z]{2,}\b)")
ACCOUNT_WORDS = re.compile(r"(?i)\b(?:accounts?|profiles?|handles?|usernames?|user ?names?|insta(?:gram)?|"
                           r"snap(?:chat)?|tiktok|twitter|discord|reddit|telegram|dms?|followers?|follow(?:ed|ing)?|posts?|"
                           r"posting|online|add(?:ed)? me|servers?|gamertag|streams?|channels?|logged|log ?ins?|"
                           r"signed in|sessions?)\b")
# A plain word after a handle cue ("user is asking", "handle yourself") is no account name; one with digits,
# underscores or dots, or no English word, is.
HANDLE_WORD = re.compile(r"is|was|the|a|an|me|my|it|and|or|to|on|at|in|of|for|with|name|here|there|down|up|not|"
                         r"account|acct|password")  # and any English word or inflection (lexicon.not_a_name)


SPELLED_AT = r"(?:\s*[(\[{<]\s*at\s*[)\]}>]\s*| at )"
SPELLED_DOT = r"(?:\s*[(\[{<]\s*dot\s*[)\]}>]\s*| dot |\.)"
EMAIL_PART = r"[A-Za-z0-9](?:[A-Za-z0-9_%+-]*[A-Za-z0-9])?"
SPELLED_EMAIL = re.compile(rf"(?<![\w.@])({EMAIL_PART}(?:{SPELLED_DOT}{EMAIL_PART})*){SPELLED_AT}"
                           rf"({EMAIL_PART}(?:{SPELLED_DOT}{EMAIL_PART})*){SPELLED_DOT}([A-Za-z]{{2,6}})\b",
                           re.IGNORECASE)


class SpelledEmailRecognizer(_Recognizer):
    """EMAIL_ADDRESS spelled out to get past filters: "marc1994(at)mail.ru", "gang1981 [at] aol [dot] com",
    "pauline_f at mail dot ru". A plain " at " needs a spelled " dot " and a mailbox that is no word ("I work at
    amazon.com", "look at this dot com" are no addresses); the last part must be a top-level domain."""

    ENTITIES = ("EMAIL_ADDRESS",)

    def spans(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        for match in SPELLED_EMAIL.finditer(text):
            spelled = match.group()[len(match.group(1)):]
            bracketed = re.search(r"[(\[{<]\s*at\s*[)\]}>]", spelled, re.IGNORECASE) is not None
            if match.group(3).lower() not in lexicon.top_level_domains():
                continue
            local, domain = match.group(1).lower(), match.group(2).lower()
            if not bracketed and (re.search(r"(?i) dot ", spelled) is None or _stop_word(domain.split()[0])
                                  or (lexicon.vocabulary(local) or _stop_word(local))):
                continue  # "look at this dot com": words, not a mailbox ("jane_s", "evie dot peronne" are)
            yield "EMAIL_ADDRESS", match.start(), match.end(), 0.9


def structural_recognizers() -> list[Any]:
    return [AddressBlockRecognizer(), FormNameRecognizer(), NonLatinNameRecognizer(), IdNumberRecognizer(),
            DatePolicyRecognizer(), UsernameRecognizer(), PhoneCueRecognizer(), SpelledEmailRecognizer()]


def _month(word: str) -> bool:
    """A month's name or its abbreviation ("nov", "sept", "march")."""
    return word in lexicon.MONTHS or word == "sept" or (
        len(word) == 3 and any(month.startswith(word) for month in lexicon.MONTHS))
