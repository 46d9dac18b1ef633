"""What looks like PII and names no one: an order, tracking or version number, a score out of ten, a weekday's
abbreviation before a date, a chapter of the Bible, a form's label, a voice assistant. Judged on a finding and the
words around it, after every recognizer has spoken, so each recognizer need not know every lookalike.
"""

from __future__ import annotations

import functools
import re

from releasebuild.privacy import lexicon
from releasebuild.privacy.lexicon import MONTHS
from releasebuild.privacy.recognizers import RELATION_OR_RANK, STRONG_NAME_CUE
from releasebuild.privacy.shapes import NATIONAL_ID_NAMES

# The words that say a number is a thing's, not a person's: "Order #114-3924471-5573921", "tracking says 1Z 4X9 E28
# 03 1123 4567", "firmware 2.4.10", "app version 10.4.2.1"
THING_NUMBER_BEFORE = re.compile(
    r"(?i)\b(?:order|tracking|track(?:ing)? (?:no|number|id)|parcel|shipment|consignment|invoice|receipt|"
    r"transaction|confirmation|booking|flight|model|serial|version|firmware|build|release|sku|item|product|isbn|"
    r"icd(?:-?10)?|ticket|reservation)\b(?:(?!card|visa|mastercard|amex|account|phone|call|text)[^\n\d]){0,16}"
    r"(?-i:[A-Z0-9]{2,4}\s){0,3}$")  # not "receipt: card 4111 ...", whose card number is someone's
VERSION_BEFORE = re.compile(r"(?i)\b(?:version|firmware|build|release|model)\b[^\n\d]{0,12}$|\bv\.?$")
NUMBER_ENTITIES = frozenset({"CREDIT_CARD", "ID_NUMBER", "PHONE_NUMBER", "IP_ADDRESS",
                             "US_DRIVER_LICENSE", "US_SSN"})
# A date's separators agree ("27.01.1963", "2/8/00"); "7.5/10" is a score
HOLIDAY_DATE = re.compile(r"(?i)(?:4th|fourth)\s+of\s+july")  # a holiday's name, no one's date
MIXED_SEPARATORS = re.compile(r"^\d{1,2}\.\d{1,2}/\d{1,4}$|^\d{1,2}/\d{1,2}\.\d{1,4}$")
WEEKDAY_ABBREVIATIONS = frozenset("mon tue tues wed thu thur thurs fri sat sun".split())
DATE_AFTER = re.compile(rf"(?i)\.?,?\s+(?:\d|the\s+\d|(?:{'|'.join(month[:3] for month in MONTHS)})[a-z]*\b)")
# The books of the Bible that are people's names too, before a chapter: "Isaiah 41", "Mark 4:1-8", "1 John 3"
BIBLE_BOOKS = frozenset("""genesis exodus joshua judges ruth samuel kings esther job psalm psalms proverbs isaiah
jeremiah ezekiel daniel hosea joel amos obadiah jonah micah nahum habakkuk zephaniah haggai zechariah malachi
matthew mark luke john acts romans corinthians galatians ephesians philippians colossians timothy titus philemon
hebrews james peter jude""".split())
BIBLE_REFERENCE = re.compile(r"([A-Za-z]+)\s+[1-9]\d{0,2}(?::\d{1,3}(?:[-–]\d{1,3})?)?$")
CHAPTER_AFTER = re.compile(r"\s+[1-9]\d{0,2}(?::\d{1,3}(?:[-–]\d{1,3})?)?\b(?!\s*(?:years?|yo|months?)\b|[ .-]?\d)")


# The words of a form's labels in the languages intake forms come in ("ФИО:", "收件人:", "Straße & Hausnr.:",
# "| SURNAME | FORENAME | Personalausweisnummer |"): where a label stands, such a word names no one.
FIELD_LABEL_WORDS = frozenset("""
address addressee recipient sender name surname forename nationality texter
straße strasse hausnr hausnummer plz ort wohnort vorname nachname geburtsdatum geburtsort steuer-id steuer id
versichertennummer personalausweisnummer krankenkasse anschrift telefon staatsangehörigkeit empfänger absender
anmeldung wohnung statement referral translation certificate declaration skierowanie
фио адрес регистрации получатель отправитель имя фамилия отчество дата рождения телефон снилс инн паспорт полис
место проживания
姓名 地址 收件人 寄件人 电话 手机 身份证号 身份证 出生日期 性别 住址 邮编 联系电话
氏名 名前 住所 送り先 お届け先 電話 電話番号 生年月日 郵便番号 宛先 宛名
이름 성명 주소 전화 전화번호 생년월일 주민등록번호 받는 사람 연락처
नाम पता फ़ोन फोन जन्म तिथि मोबाइल पिता का
الاسم العنوان الهاتف تاريخ الميلاد رقم الهوية الجوال
όνομα επώνυμο διεύθυνση αποστολής τηλέφωνο ημερομηνία γέννησης αμκα αφμ παραλήπτης
kimlik tc no ad soyad soyadı adres doğum tarihi
nombre apellido apellidos dirección domicilio teléfono nome sobrenome endereço morada telefone cognome indirizzo
nom prénom adresse téléphone destinataire imię nazwisko pesel naam achternaam voornaam straat huisnummer postcode
woonplaats bsn navn fødselsnummer personnummer namn aadhaar pan adresim adı soyadı для писем 받는 분 보내는
""".split())
# A voice assistant spoken to ("hey siri text don", "Alexa, call mum"): Siri and Alexa are names too ("dinner with
# Siri and Emilia"), so only the command after it says which
ASSISTANT = re.compile(r"(?i)(?:siri|alexa|cortana|bixby|google)$")
COMMAND_AFTER = re.compile(r"(?i)[,.]?[ \t]+(?:please[ \t,]+)?(?:text|call|message|ring|facetime|phone|whatsapp|tell|"
                           r"send|set|play|remind|turn|open|what|how|who|when|where)\b")
ID_NAME = re.compile(rf"(?i:{NATIONAL_ID_NAMES})")
# What follows an ID's name standing for itself: a label's colon, or the number ("CURP: NAAD…", "Aadhaar 9624 …")
ID_VALUE_AFTER = re.compile(r"(?i)[ \t]*(?:no\.?|nr\.?|number|#)?[ \t]*(?:[:=]|[A-Z]{0,3}\d)")
# A word alone that says whose family member or which people, not who: "Mum says Nan won't come", "my parents are
# Nigerian and Irish", "[Translated from German]" (in a full name it is a name: "Li Nan", "German Ramírez"; "Nana"
# and "Yaya", names in Ghana, Japan and Senegal as often as grandmothers, are left out)
KIN_AND_PEOPLES = frozenset("""
nan nanna nannie gran granny grannie gramps grandad granddad grampa grandpapa nonna nonno oma opa abuela abuelo
abuelita abuelito babcia dziadek bubbe zayde papou mamaw papaw meemaw
irish german nigerian english french spanish italian polish russian chinese japanese korean indian pakistani mexican
brazilian american canadian australian british scottish welsh dutch swedish norwegian danish finnish greek turkish
arab arabic persian iranian iraqi syrian lebanese egyptian moroccan kenyan ghanaian ethiopian somali filipino
vietnamese thai indonesian malaysian portuguese romanian ukrainian hungarian czech slovak serbian croatian bosnian
albanian jamaican haitian cuban colombian peruvian chilean argentinian argentine venezuelan hindi urdu bengali
punjabi tamil telugu gujarati swahili hebrew israeli palestinian afghan nepali bangladeshi caribbean african asian
european latino latina hispanic icelandic estonian latvian lithuanian bulgarian slovenian austrian swiss belgian
""".split())
QUESTION_NUMBER = re.compile(r"(?i)^q\d{1,2}\.?\s*")
TABLE_RULE = re.compile(r"[ \t]*\|?[ \t:|-]*-{3}[ \t:|-]*(?:\n|$)")


def _field_label(text: str, start: int, end: int) -> bool:
    """A finding made of label words where a label stands: before its line's colon, alone on its line ("ADDRESSEE",
    "Q4. Address"), or in a table's header row."""
    words = QUESTION_NUMBER.sub("", text[start:end].lower()).replace(".", " ").replace("&", " ").split()
    if not words or not all(word in FIELD_LABEL_WORDS for word in words):
        return False
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    line = text[line_start:line_end]
    after = end - line_start  # the label's colon comes after it; a timestamp or other labels may come before
    colon = min((i for i in (line.find(":", after), line.find("：", after)) if i >= 0), default=-1)
    before = QUESTION_NUMBER.sub("", line[:start - line_start].strip(" \t>*-[]"))
    if colon >= 0 and colon - after <= 40 and not re.search(r"\d", line[after:colon]) and all(
            word.lower() in FIELD_LABEL_WORDS for word in re.findall(r"[^\W\d_]+", before)):
        return True
    if "|" in line and TABLE_RULE.match(text, line_end + 1):
        return True
    bare = QUESTION_NUMBER.sub("", line.strip(" \t>*-")).rstrip(" .:").lower()
    return bare == QUESTION_NUMBER.sub("", text[start:end].lower()).strip(" .")


def thing_not_person(text: str, entity: str, start: int, end: int) -> bool:
    """Whether a finding is one of the lookalikes above, or a form's label."""
    found = text[start:end]
    if entity == "DATE_TIME":  # "Return flight: July 2" is someone's date; "firmware 2.4.10" none
        return (VERSION_BEFORE.search(text, max(0, start - 40), start) is not None
                or MIXED_SEPARATORS.match(found) is not None or HOLIDAY_DATE.fullmatch(found) is not None)
    if entity in NUMBER_ENTITIES:
        return THING_NUMBER_BEFORE.search(text, max(0, start - 40), start) is not None
    if entity in ("PERSON", "LOCATION"):
        if _field_label(text, start, end) or (ASSISTANT.match(found) and COMMAND_AFTER.match(text, end)):
            return True
        if ID_NAME.fullmatch(found) and ID_VALUE_AFTER.match(text, end):
            return True  # "CURP: NAAD510811...", "Aadhaar 9624 3182 8558": the name of a national number ("Dr Nie")
        lower = found.lower().rstrip(".")
        if re.sub(r"['’]s?$", "", lower) in KIN_AND_PEOPLES:
            return True
        if lower in WEEKDAY_ABBREVIATIONS and DATE_AFTER.match(text, end):
            return True  # "Thu, 31 May", "Sun. 19 Jan", "Sat the 3rd"
        book = BIBLE_REFERENCE.match(found)  # the model may take the chapter in: "Mark 4"
        if book is not None:  # not "Daniel 04 27 40 15 70", a name and a phone number
            return book.group(1).lower() in BIBLE_BOOKS and not re.match(r"[ .-]?\d", text[end:end + 2])
        return lower in BIBLE_BOOKS and CHAPTER_AFTER.match(text, end) is not None
    return False


# What is done with a drug, right before its street name: "got molly for the festival", "a bag of charlie", "on tina"
DRUG_TAKEN_BEFORE = re.compile(r"(?i)(?:\b(?:get|got|getting|score|scored|scoring|buy|bought|buying|take|took|taking|"
                               r"try|tried|smoke|smoked|snort|snorted|sniff|sniffed|sell|selling|sold|dropped|"
                               r"some|any|more|on)|"
                               r"\b(?:bags?|baggies?|grams?|lines?|points?|eighths?|pills?|wraps?) of)[ \t]+$")
# Words that put a drug in the passage: a street name after a taking verb is a drug's only where one stands too
# (not "I got Charlie a present")
DRUG_WORDS = re.compile(r"(?i)\b(?:drugs?|pills?|grams?|baggies?|snort\w*|sniff\w*|dealers?|high|come ?downs?|"
                        r"festivals?|raves?|relaps\w*|sober|wasted|off my face|spliffs?|joints?|weed|coke|cocaine|"
                        r"mdma|ecstasy|meth|ketamine|lsd|acid|speed|heroin|crack|addict\w*|overdos\w*|hooked|stash|"
                        r"tweak\w*|dealing|using again)\b")


@functools.cache
def _street_names() -> re.Pattern[str]:
    names = sorted(lexicon.words("street_names.txt"), key=len, reverse=True)
    return re.compile(r"(?i)(?<![\w'’-])(?:" + "|".join(re.escape(name) for name in names) + r")(?![\w'’-])")


def street_drug(text: str, start: int, end: int) -> bool:
    """A drug's street name that is a personal name too, where the passage is about drugs: in a list of them after a
    taking verb ("he could get mandy or mary jane") or in a sentence that names a drug word ("Charlie at parties,
    Molly at festivals"), or alone after a taking verb ("a bag of charlie") in a text that names one. Never when a
    cue says whose name it is ("my friend Molly", "her name is Tina"), nor a possessive ("Tina's")."""
    if text[end:end + 1] in ("'", "’"):
        return False
    sentence_start = max(text.rfind(mark, 0, start) for mark in ".!?\n") + 1
    ends = [i for i in (text.find(mark, end) for mark in ".!?\n") if i >= 0]
    sentence_end = min(ends, default=len(text))
    names = list(_street_names().finditer(text, sentence_start, sentence_end))
    own = [m for m in names if m.start() <= start and end <= m.end()]
    if not own:
        return False
    before = text[max(0, own[0].start() - 40):own[0].start()]
    if RELATION_OR_RANK.search(before) or STRONG_NAME_CUE.search(before):
        return False
    taken = any(DRUG_TAKEN_BEFORE.search(text, max(0, name.start() - 30), name.start()) for name in names)
    if len(names) > 1:  # a list of them shares its verb: "get mandy or mary jane"
        return taken or DRUG_WORDS.search(text, sentence_start, sentence_end) is not None
    return taken and DRUG_WORDS.search(text) is not None
