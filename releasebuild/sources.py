"""Streaming readers for source files: each yields (locator, row) or (locator, Rejected), one row at a time.

A malformed row is data, not a crash: bad bytes for the encoding (named by their byte offset in the file), a line
longer than `max_row_bytes`, JSON nested deeper than `max_depth`, an integer too long to convert, a CSV field over
`max_field_bytes` each come back as a Rejected row, and the reader goes on with the next one. Only what leaves no
next row to go on with (a .json array broken mid-element, a CSV row past the csv module's field limit, an
unreadable parquet file) raises SourceError, located. Values that strict JSON cannot carry (NaN, Infinity, lone
surrogates) are refused where a record is encoded (records.map_record), whichever reader they came from.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from typing import IO, Any

from releasebuild.config.models import FormatOptions
from releasebuild.errors import SourceError
from releasebuild.records import Rejected, lookup

Locator = dict[str, int]
Row = tuple[Locator, Any]
_CHUNK = 1 << 16
_CSV_FIELD_LIMIT = (1 << 31) - 1


BLANK: Any = object()  # JsonlLines.row of a blank line: no row at all (a line "null" is a row, and rejected)


class _RowTooLarge(Exception):
    """A CSV row spanning lines grew past max_row_bytes (an unclosed quote, most likely): no next row to go on to."""


def read_rows(fh: IO[bytes], fmt: str, options: FormatOptions, name: str) -> Iterator[Row]:
    """Rows of one source file. Bad rows come back as Rejected; an unreadable file raises SourceError."""
    readers = {"jsonl": _jsonl, "csv": _csv, "json": _json, "parquet": _parquet}
    try:
        yield from readers[fmt](fh, options, name)
    except UnicodeDecodeError as exc:  # only an encoding that is not ASCII-compatible (utf-16) gets here
        raise SourceError(f"{name}: not valid {options.encoding} text ({exc.reason})") from None


def _ascii_compatible(encoding: str) -> bool:
    """Whether lines can be split on bytes before decoding (utf-8, latin-1, ...; not utf-16)."""
    if codecs.lookup(encoding).name == "utf-8-sig":
        return True
    try:
        return "\r\n,\"{[a".encode(encoding) == b"\r\n,\"{[a"
    except UnicodeError:
        return False


def split_lines(fh: IO[bytes], max_bytes: int | None = None) -> Iterator[tuple[int, int, bytes | None, int]]:
    """(line number, byte offset, raw line with its end, its length) per line, ending lines where Python's text
    mode does. A line longer than `max_bytes` is skipped as it streams (never held whole) and comes back as None."""
    buf = bytearray()
    number = offset = 0
    skipped = 0  # bytes of an over-long line dropped so far
    eof = False
    while not eof:
        chunk = fh.read(_CHUNK)
        eof = not chunk
        buf += chunk
        pos = 0
        size = len(buf)
        view = memoryview(buf)  # a line is copied out of the buffer once
        while True:
            # the first line end, as text mode finds it: \r\n, \r or \n, by two byte searches (memchr), not a regex
            newline = buf.find(b"\n", pos)
            cr = buf.find(b"\r", pos, newline if newline >= 0 else size)
            if cr >= 0:
                if cr + 1 < size:
                    end = cr + 2 if buf[cr + 1] == 0x0A else cr + 1
                elif eof:
                    end = cr + 1
                else:
                    break  # a final \r may be the first half of \r\n
            elif newline >= 0:
                end = newline + 1
            else:
                break  # no whole line left
            number += 1
            length = skipped + end - pos
            whole = not skipped and not (max_bytes and length > max_bytes)
            yield number, offset, bytes(view[pos:end]) if whole else None, length
            offset += length
            skipped = 0
            pos = end
        view.release()
        del buf[:pos]
        if max_bytes and skipped + len(buf) > max_bytes + 2:  # the line is over the limit whatever follows
            keep = 1 if buf.endswith(b"\r") else 0
            skipped += len(buf) - keep
            del buf[:len(buf) - keep]
    if buf or skipped:
        number += 1
        length = skipped + len(buf)
        whole = not skipped and not (max_bytes and length > max_bytes)
        yield number, offset, bytes(buf) if whole else None, length


def _decoders(encoding: str) -> tuple[str, str]:
    """The codec for the first line and for the rest: a BOM is stripped at the start of the file only."""
    return encoding, ("utf-8" if codecs.lookup(encoding).name == "utf-8-sig" else encoding)


def _bad_bytes(options: FormatOptions, at: int, exc: UnicodeDecodeError) -> Rejected:
    return Rejected("invalid_encoding", f"not valid {options.encoding} text at byte {at} ({exc.reason})")


def _jsonl(fh: IO[bytes], options: FormatOptions, name: str) -> Iterator[Row]:
    if not _ascii_compatible(options.encoding):
        yield from _jsonl_text(fh, options)
        return
    lines = JsonlLines(options)
    for number, offset, raw, length in lines.split(fh):
        row = lines.row(number, offset, raw, length)
        if row is not BLANK:
            yield {"line": number}, row


def line_by_line(fmt: str, options: FormatOptions) -> bool:
    """Whether each row of such a file is one line read on its own (`JsonlLines`), so that a line unchanged at its
    place gives the row it gave before."""
    return fmt == "jsonl" and _ascii_compatible(options.encoding)


class JsonlLines:
    """A JSONL file in an ASCII-compatible encoding, line by line: `split` gives each raw line, `row` what read_rows
    gives for it. Apart, so that ingest can look at a raw line before it pays for its row (its line memo)."""

    def __init__(self, options: FormatOptions):
        self.options = options
        self.first, self.rest = _decoders(options.encoding)

    def split(self, fh: IO[bytes]) -> Iterator[tuple[int, int, bytes | None, int]]:
        """(line number, byte offset, raw line or None when over max_row_bytes, its length), as `split_lines`."""
        return split_lines(fh, self.options.max_row_bytes)

    def row(self, number: int, offset: int, raw: bytes | None, length: int) -> Any:
        """The row of one line (a value, or Rejected), BLANK for a blank line (which gives no row)."""
        if raw is None:
            return Rejected("row_too_large", f"line of {length} bytes at byte {offset}, over max_row_bytes "
                                             f"({self.options.max_row_bytes})")
        try:
            line = raw.decode(self.first if number == 1 else self.rest)
        except UnicodeDecodeError as exc:
            return _bad_bytes(self.options, offset + exc.start, exc)
        return parse_json_row(line, self.options.max_depth) if line.strip() else BLANK


def _jsonl_text(fh: IO[bytes], options: FormatOptions) -> Iterator[Row]:
    """JSONL in an encoding whose bytes cannot be split into lines before decoding (utf-16)."""
    for number, line in enumerate(io.TextIOWrapper(fh, encoding=options.encoding, newline=""), start=1):
        if line.strip():
            yield {"line": number}, parse_json_row(line, options.max_depth)


def parse_json_row(text: str, max_depth: int) -> Any:
    """One JSON value, or Rejected saying why it is not one a record can come from."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return Rejected("invalid_json", f"{exc.msg} (column {exc.colno})")
    except RecursionError:
        return Rejected("too_deep", f"nested deeper than max_depth ({max_depth})")
    except ValueError:  # an integer past Python's int_max_str_digits (4300): no record can carry it
        return Rejected("number_too_large", "an integer with more digits than can be converted")
    return too_deep(value, max_depth) if _may_be_deeper(text, 0, len(text), max_depth) else value


def _may_be_deeper(text: str, start: int, end: int, max_depth: int) -> bool:
    """Cheap test first: a value cannot be nested deeper than it has brackets."""
    return text.count("[", start, end) + text.count("{", start, end) > max_depth


def nesting_depth(value: Any) -> int:
    """How deep lists and objects nest (a scalar: 0), walked without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def too_deep(value: Any, max_depth: int) -> Any:
    """The value, or Rejected when it nests deeper than max_depth."""
    if nesting_depth(value) > max_depth:
        return Rejected("too_deep", f"nested deeper than max_depth ({max_depth})")
    return value


class _CsvLines:
    """Decoded lines for csv.reader, remembering where the current row started and its first bad byte: a row with
    bytes the encoding rejects is decoded with surrogateescape (so the reader stays in step) and then rejected."""

    def __init__(self, fh: IO[bytes], options: FormatOptions):
        self._lines = split_lines(fh, options.max_row_bytes)
        self._first, self._rest = _decoders(options.encoding)
        self.row_offset = self.row_bytes = 0
        self._max = options.max_row_bytes
        self.bad: int | None = None  # file offset of the first undecodable byte in the current row
        self.bad_reason = ""
        self.oversize: tuple[int, int] | None = None  # (offset, length) of an over-long line in the current row
        self._fresh = True

    def next_row(self) -> None:
        self.bad = self.oversize = None
        self._fresh = True

    def __iter__(self) -> Iterator[str]:
        for number, offset, raw, length in self._lines:
            if self._fresh:
                self.row_offset, self.row_bytes, self._fresh = offset, 0, False
            self.row_bytes += length
            if self.row_bytes > self._max and raw is not None:
                raise _RowTooLarge()
            if raw is None:
                self.oversize = self.oversize or (offset, length)
                yield "\n"
                continue
            codec = self._first if number == 1 else self._rest
            try:
                yield raw.decode(codec)
            except UnicodeDecodeError as exc:
                if self.bad is None:
                    self.bad, self.bad_reason = offset + exc.start, exc.reason
                yield raw.decode(codec, "surrogateescape")


def _csv(fh: IO[bytes], options: FormatOptions, name: str) -> Iterator[Row]:
    if not _ascii_compatible(options.encoding):
        raise SourceError(f"{name}: csv sources must be in an ASCII-compatible encoding, not {options.encoding}")
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:  # process-wide; max_row_bytes bounds a row instead
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    lines = _CsvLines(fh, options)
    reader = csv.reader(iter(lines), delimiter=options.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except (csv.Error, _RowTooLarge) as exc:
        raise SourceError(f"{name}:1: malformed CSV header ({type(exc).__name__})") from None
    if lines.bad is not None or lines.oversize is not None:
        raise SourceError(f"{name}:1: the CSV header is not valid {options.encoding} text or is over max_row_bytes")
    lines.next_row()
    start = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SourceError(f"{name}:{start}: malformed CSV at byte {lines.row_offset} ({exc})") from None
        except _RowTooLarge:
            raise SourceError(f"{name}:{start}: the row at byte {lines.row_offset} runs past max_row_bytes "
                              f"({options.max_row_bytes}) over several lines (an unclosed quote?)") from None
        locator = {"line": start}
        start = reader.line_num + 1
        bad, oversize, offset = lines.bad, lines.oversize, lines.row_offset
        lines.next_row()
        if bad is not None:
            yield locator, Rejected("invalid_encoding", f"not valid {options.encoding} text at byte {bad} "
                                                        f"({lines.bad_reason}; row at byte {offset})")
            continue
        if oversize is not None:
            yield locator, Rejected("row_too_large", f"line of {oversize[1]} bytes at byte {oversize[0]}, over "
                                                     f"max_row_bytes ({options.max_row_bytes})")
            continue
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(header):
            yield locator, Rejected("csv_field_count", f"row has {len(fields)} fields, header has {len(header)}")
            continue
        large = _large_field(header, fields, options.max_field_bytes)
        if large is not None:
            yield locator, Rejected("field_too_large", f"field '{large}' of the row at byte {offset} is over "
                                                       f"max_field_bytes ({options.max_field_bytes})")
            continue
        yield locator, dict(zip(header, fields, strict=True))


def _large_field(header: list[str], fields: list[str], limit: int) -> str | None:
    for column, field in zip(header, fields, strict=True):
        if len(field) * 4 > limit and len(field.encode("utf-8", "surrogatepass")) > limit:
            return column
    return None


def _json(fh: IO[bytes], options: FormatOptions, name: str) -> Iterator[Row]:
    if options.records_path:
        raw = fh.read()
        try:
            text = raw.decode(options.encoding)
        except UnicodeDecodeError as exc:
            raise SourceError(f"{name}: not valid {options.encoding} text at byte {exc.start} ({exc.reason})") from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{name}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg})") from None
        except RecursionError:
            raise SourceError(f"{name}: JSON nested too deep to read") from None
        except ValueError:
            raise SourceError(f"{name}: an integer with more digits than can be converted") from None
        rows = lookup(document, options.records_path)
        if not isinstance(rows, list):
            raise SourceError(f"{name}: records_path '{options.records_path}' is not a list")
        for index, row in enumerate(rows):
            yield {"index": index}, too_deep(row, options.max_depth)
        return
    yield from _JsonArrayStream(_DecodedText(fh, options.encoding, name), name, options.max_depth)


class _DecodedText:
    """Text read from bytes that names the file offset of the first byte the encoding rejects."""

    def __init__(self, fh: IO[bytes], encoding: str, name: str):
        self._fh = fh
        self._encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._name = name
        self._consumed = 0  # bytes handed to the decoder

    def read(self, size: int) -> str:
        chunk = self._fh.read(size)
        try:
            pending = len(self._decoder.getstate()[0])
            text = self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            at = self._consumed - pending + exc.start
            raise SourceError(f"{self._name}: not valid {self._encoding} text at byte {at} ({exc.reason})") from None
        self._consumed += len(chunk)
        return text


class _JsonArrayStream:
    """Elements of a top-level JSON array, decoded one at a time with their starting line."""

    def __init__(self, text: _DecodedText, name: str, max_depth: int):
        self._text = text
        self._name = name
        self._max_depth = max_depth
        self._decoder = json.JSONDecoder()
        self._buf = ""
        self._pos = 0
        self._line = 1
        self._eof = False

    def _fill(self) -> bool:
        chunk = "" if self._eof else self._text.read(_CHUNK)
        self._eof = not chunk
        self._buf = self._buf[self._pos:] + chunk
        self._pos = 0
        return bool(chunk)

    def _peek(self) -> str:
        """The next non-space character ('' at end of input), counting lines as it skips."""
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in " \t\r\n":
                self._line += self._buf[self._pos] == "\n"
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def _fail(self, what: str) -> SourceError:
        return SourceError(f"{self._name}:{self._line}: {what}; a .json source must be one JSON array")

    def __iter__(self) -> Iterator[Row]:
        if self._peek() != "[":
            raise self._fail("expected '['")
        self._pos += 1
        if self._peek() == "]":
            return
        index = 0
        while True:
            self._peek()
            while True:
                try:
                    value, end = self._decoder.raw_decode(self._buf, self._pos)
                    if end < len(self._buf) or self._eof:
                        break
                except json.JSONDecodeError as exc:
                    if self._eof:
                        raise self._fail(f"invalid JSON in element {index} ({exc.msg})") from None
                except RecursionError:  # no way to find where the element ends, so none to go on from
                    raise self._fail(f"element {index} is nested too deep to read") from None
                except ValueError:
                    raise self._fail(f"element {index} holds an integer with more digits than can be "
                                     "converted") from None
                self._fill()
            if _may_be_deeper(self._buf, self._pos, end, self._max_depth):
                value = too_deep(value, self._max_depth)
            yield {"line": self._line, "index": index}, value
            self._line += self._buf.count("\n", self._pos, end)
            self._pos = end
            index += 1
            separator = self._peek()
            self._pos += 1
            if separator == "]":
                return
            if separator != ",":
                raise self._fail(f"expected ',' or ']' after element {index - 1}")


def _parquet(fh: IO[bytes], options: FormatOptions, name: str) -> Iterator[Row]:
    import pyarrow.parquet as pq  # heavy: imported only when a parquet source is read

    try:
        table = pq.ParquetFile(fh)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise SourceError(f"{name}: not a readable parquet file ({exc})") from None
    row_number = 0
    try:
        for batch in table.iter_batches(batch_size=4096):
            try:
                rows = batch.to_pylist()
            except (UnicodeDecodeError, ValueError, OverflowError):  # bad text or values: find the rows, one by one
                rows = [_parquet_row(batch, index, options) for index in range(batch.num_rows)]
            for row in rows:
                row_number += 1
                yield {"row": row_number}, too_deep(row, options.max_depth) if not isinstance(row, Rejected) else row
    except SourceError:
        raise
    except Exception as exc:  # a corrupt page: the rows after it cannot be read
        raise SourceError(f"{name}: parquet row {row_number + 1} and after are unreadable "
                          f"({type(exc).__name__})") from None


def _parquet_row(batch: Any, index: int, options: FormatOptions) -> Any:
    try:
        return batch.slice(index, 1).to_pylist()[0]
    except UnicodeDecodeError as exc:
        return Rejected("invalid_encoding", f"a text column is not valid UTF-8 ({exc.reason})")
    except (ValueError, OverflowError) as exc:
        return Rejected("unreadable_value", f"a value cannot be read ({type(exc).__name__})")
