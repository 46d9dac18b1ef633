"""Streaming readers for source files: each yields (locator, row) or (locator, Rejected), one row at a time."""

from __future__ import annotations

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


def read_rows(fh: IO[bytes], fmt: str, options: FormatOptions, name: str) -> Iterator[Row]:
    """Rows of one source file. Bad rows come back as Rejected; an unreadable file raises SourceError."""
    readers = {"jsonl": _jsonl, "csv": _csv, "json": _json, "parquet": _parquet}
    try:
        yield from readers[fmt](fh, options, name)
    except UnicodeDecodeError as exc:
        raise SourceError(f"{name}: not valid {options.encoding} text ({exc.reason} at byte {exc.start})") from None


def _jsonl(fh: IO[bytes], options: FormatOptions, name: str) -> Iterator[Row]:
    for number, line in enumerate(io.TextIOWrapper(fh, encoding=options.encoding, newline=""), start=1):
        if not line.strip():
            continue
        try:
            yield {"line": number}, json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"line": number}, Rejected("invalid_json", f"{exc.msg} (column {exc.colno})")


def _csv(fh: IO[bytes], options: FormatOptions, name: str) -> Iterator[Row]:
    reader = csv.reader(io.TextIOWrapper(fh, encoding=options.encoding, newline=""), delimiter=options.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    start = reader.line_num + 1
    try:
        for fields in reader:
            locator = {"line": start}
            start = reader.line_num + 1
            if not any(field.strip() for field in fields):
                continue
            if len(fields) != len(header):
                yield locator, Rejected("csv_field_count", f"row has {len(fields)} fields, header has {len(header)}")
            else:
                yield locator, dict(zip(header, fields, strict=True))
    except csv.Error as exc:
        raise SourceError(f"{name}:{reader.line_num}: malformed CSV ({exc})") from None


def _json(fh: IO[bytes], options: FormatOptions, name: str) -> Iterator[Row]:
    if options.records_path:
        try:
            document = json.load(io.TextIOWrapper(fh, encoding=options.encoding))
        except json.JSONDecodeError as exc:
            raise SourceError(f"{name}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg})") from None
        rows = lookup(document, options.records_path)
        if not isinstance(rows, list):
            raise SourceError(f"{name}: records_path '{options.records_path}' is not a list")
        for index, row in enumerate(rows):
            yield {"index": index}, row
        return
    yield from _JsonArrayStream(io.TextIOWrapper(fh, encoding=options.encoding), name)


class _JsonArrayStream:
    """Elements of a top-level JSON array, decoded one at a time with their starting line."""

    def __init__(self, text: IO[str], name: str):
        self._text = text
        self._name = name
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
                self._fill()
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
    for batch in table.iter_batches(batch_size=4096):
        for row in batch.to_pylist():
            row_number += 1
            yield {"row": row_number}, row
