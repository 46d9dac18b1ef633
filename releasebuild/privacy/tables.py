"""PII in tabular text pasted into a conversation: a CSV or TSV export, a semicolon list, a markdown table, a JSON
object, a query string. The column's header says what a cell holds, whatever the cell's words: "June" under
`first_name` is a name, "Green" under `last_name` a surname, "16/9/69" under `dob` a date of birth.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from releasebuild.privacy.shapes import ID_CUE, LAID_OUT, NATIONAL_ID_NAMES, _Recognizer

# Headers by what their cells hold, in the languages the datasets' forms come in; compared after lower-casing and
# turning "_", "-" and "." into spaces.
PERSON_HEADERS = frozenset("""
name|full name|fullname|first name|firstname|first|given name|given names|forename|forenames|surname|last name|
lastname|last|family name|middle name|patient|patient name|client|client name|contact|contact name|holder|
emergency contact|next of kin|nok|guardian|parent|mother|father|nombre|nombres|apellido|apellidos|prénom|prénoms|
prenom|nom|vorname|nachname|familienname|fornavn|efternavn|etternavn|förnamn|efternamn|nome|cognome|imię|nazwisko|
voornaam|achternaam|etunimi|sukunimi|ad|soyad|фио|имя|фамилия|姓名|名前|氏名|이름|student|employee|member|
referrer|recipient|sender|customer|billing name|shipping name|cardholder|card holder|account holder
""".replace("\n", "").split("|"))
PHONE_HEADERS = frozenset("""
phone|tel|telephone|mobile|cell|cellphone|phone number|mobile number|contact number|contact no|landline|home phone|
work phone|telefon|teléfono|telefono|téléphone|tlf|puhelin|телефон|电话|電話|전화|whatsapp|fax
""".replace("\n", "").split("|"))
DATE_HEADERS = frozenset("""
dob|d o b|date of birth|birth date|birthdate|birthday|bday|born|fecha de nacimiento|fecha nacimiento|
date de naissance|geburtsdatum|data di nascita|data de nascimento|fødselsdato|födelsedatum|syntymäaika|
дата рождения|出生日期|生年月日|생년월일|doğum tarihi|data urodzenia
""".replace("\n", "").split("|"))
PLACE_HEADERS = frozenset("""
address|home address|street|street address|address1|address 1|address line 1|address line1|line1|line 1|line2|
line 2|address2|address 2|addr|city|town|postcode|post code|zip|zip code|zipcode|postal code|postalcode|county|
suburb|village|dirección|direccion|domicilio|adresse|anschrift|straße|strasse|indirizzo|endereço|morada|adres|
adresa|osoite|ciudad|ville|stadt|città|cidade|plz|cp|código postal|code postal|адрес|город|地址|住所|주소
""".replace("\n", "").split("|"))
ID_HEADER = re.compile(rf"(?i)^(?:{ID_CUE}|{NATIONAL_ID_NAMES}|ssn|mrn|nhs|nhs number|medicare|iban|account|"
                       r"policy|member id|licen[cs]e|passport)(?:\s+(?:number|no|nr|num|id|code|#))?$")
# Headers that as often head a product's or a group's column ("name,price"): personal only beside one that is not.
AMBIGUOUS_HEADERS = frozenset("""name|first|last|contact|client|holder|student|employee|member|customer|recipient|
sender|parent|city|town|county|account|policy|nom|ad|address2|address 2|line2|line 2""".replace("\n", "").split("|"))
# A contact is whoever it is or their number.
CONTACT_HEADERS = frozenset({"contact", "emergency contact", "next of kin", "nok", "guardian"})
EMPTY_VALUES = frozenset("n a na none null unknown tbc tba nil".split())

DELIMITERS = (",", ";", "\t", "|")
MARKDOWN_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
JSON_PAIR = re.compile(r'"([^"\n]{1,40})"\s*:\s*"([^"\n]{1,160})"')
QUERY_PAIR = re.compile(r"(?:(?<=[?&])|(?<=^)|(?<=\s))([A-Za-z][A-Za-z_]{1,30})=([^&\s]+(?:\+[^&\s]+)*)")


def _header(cell: str) -> str:
    return " ".join(re.sub(r"[_.\-]+", " ", cell.strip().strip("#*").lower()).split())


def unambiguous(header: str) -> bool:
    """Whether a header names something personal on its own ("surname", "dob"), not only beside another ("name")."""
    return entity_of(header) is not None and not all(
        part.strip() in AMBIGUOUS_HEADERS for part in _header(header).split(" / "))


def entity_of(header: str) -> str | None:
    """What a column or key with this header holds, if it is personal: "first_name" → PERSON, "Name / Nombre"
    (a bilingual form's) → PERSON."""
    for part in _header(header).split(" / "):
        part = part.strip()
        if part in PERSON_HEADERS:
            return "PERSON"
        if part in PHONE_HEADERS:
            return "PHONE_NUMBER"
        if part in DATE_HEADERS:
            return "DATE_TIME"
        if part in PLACE_HEADERS:
            return "LOCATION"
        if part and part != "id" and ID_HEADER.match(part):
            return "ID_NUMBER"
    return None


def _holds(entity: str, value: str) -> bool:
    """Whether a cell's value can be what its header says: a name has letters and no digit, a phone, date or ID
    number has digits, and a placeholder ("n/a", "-") is nothing."""
    words = re.findall(r"\w+", value.lower())
    if not words or " ".join(words) in EMPTY_VALUES:
        return False
    digits = sum(ch.isdigit() for ch in value)
    if entity == "PERSON":
        return digits == 0 and len(words) <= 5
    if entity == "PHONE_NUMBER":
        return digits >= 6
    if entity in ("DATE_TIME", "ID_NUMBER"):
        return digits >= 2
    return True


def _cells(line: str, delimiter: str) -> list[tuple[int, int]]:
    """The (start, end) of each cell's value on a line, surrounding spaces and quotes left out."""
    cells, start = [], 0
    inner = line.strip()
    offset = line.index(inner) if inner else 0
    if delimiter == "|":
        inner = inner.strip("|")
        offset = line.index(inner) if inner else 0
    for piece in inner.split(delimiter):
        lead = len(piece) - len(piece.lstrip(" \"'"))
        trail = len(piece.rstrip(" \"'"))
        cells.append((offset + start + lead, offset + start + max(lead, trail)))
        start += len(piece) + 1
    return cells


class TableRecognizer(_Recognizer):
    """PERSON, PHONE_NUMBER, DATE_TIME, LOCATION, ID_NUMBER in the cells of a table whose header names them, and in
    the values of JSON keys and query parameters that do."""

    ENTITIES = ("PERSON", "PHONE_NUMBER", "DATE_TIME", "LOCATION", "ID_NUMBER")

    def spans(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        if "\n" in text:
            yield from self._table(text)
        pairs = [*(JSON_PAIR.finditer(text) if '"' in text else ()), *(QUERY_PAIR.finditer(text) if "=" in text
                                                                         else ())]
        if any(unambiguous(match.group(1)) for match in pairs):  # not {"name": "Sertraline", "dose": "50mg"}
            for match in pairs:
                entity = _entity(_column(match.group(1)), match.group(2).replace("+", " "))
                if entity is not None:
                    yield entity, match.start(2), match.end(2), LAID_OUT

    def _table(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        lines, position = [], 0
        for line in text.split("\n"):
            lines.append((position, line))
            position += len(line) + 1
        index = 0
        while index < len(lines) - 1:
            start, line = lines[index]
            index += 1
            delimiter = next((d for d in DELIMITERS if line.count(d) >= (2 if d == "|" else 1)), None)
            if delimiter is None or any(ch.isdigit() for ch in line):
                continue
            headers = [line[a:b] for a, b in _cells(line, delimiter)]
            if not any(unambiguous(header) for header in headers):
                continue
            columns = [_column(header) for header in headers]  # judged once, for every row
            while index < len(lines):
                row_start, row = lines[index]
                if delimiter == "|" and MARKDOWN_RULE.match(row):
                    index += 1
                    continue
                cells = _cells(row, delimiter) if row.count(delimiter) else []
                if len(cells) != len(columns):
                    break
                index += 1
                for column, (a, b) in zip(columns, cells, strict=True):
                    entity = _entity(column, row[a:b])
                    if entity is not None:
                        yield entity, row_start + a, row_start + b, LAID_OUT


def _column(header: str) -> tuple[str | None, bool]:
    """(what a column holds, whether it is a contact's: a name or a number)."""
    return entity_of(header), _header(header) in CONTACT_HEADERS


def _entity(column: tuple[str | None, bool], value: str) -> str | None:
    """What a cell of this column holds, if it is personal and the value can be it."""
    entity, contact = column
    if contact and sum(ch.isdigit() for ch in value) >= 6:
        entity = "PHONE_NUMBER"
    return entity if entity is not None and _holds(entity, value) else None
