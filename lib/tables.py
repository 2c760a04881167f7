"""Reading an uploaded table (CSV or XLSX) as an office produces it, before any import's own rules.

``read_table(data, file_name=…, encoding=…)`` returns the encoding it detected, the non-blank
records as (line as the file numbers it, cells) with the header on line 1, and whether the file
may hold 外字. CSV is UTF-8 (with or without BOM) or Shift_JIS (CP932), detected strictly — no
replacement characters; XLSX goes through the guards in ``lib.xlsx``. A file that cannot be read
as a whole raises ``TableFileError`` with a message in the reader's language. The roster import,
the training-history import and the question import read their files through here; each then
checks its own header, rows and limits.
"""

from __future__ import annotations

import csv
import datetime
import io
import re

from django.utils.translation import gettext as _

from lib.xlsx import XlsxRefused, xlsx_rows


class TableFileError(Exception):
    """The file as a whole cannot be read (encoding, format, no header, …)."""


# Unicode private-use areas: where HR systems put their 外字 (custom kanji).
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")


def has_private_use(text: str) -> bool:
    """Whether the text holds a private-use character (外字 the receiver cannot show)."""
    return _PRIVATE_USE.search(text) is not None


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """The text of a CSV upload and the encoding used. Strict: no replacement characters."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > 2:
        raise TableFileError(
            _("The file is UTF-16 or binary. Save it as CSV in UTF-8 or Shift_JIS (CP932).")
        )
    if data.startswith(b"PK\x03\x04"):
        raise TableFileError(
            _("This is an Excel (XLSX) file named .csv. Upload it as .xlsx, or save it as CSV.")
        )
    if encoding not in {"auto", "utf-8", "cp932"}:
        raise TableFileError(_("Unknown encoding %(encoding)s.") % {"encoding": encoding})
    candidates = ["utf-8", "cp932"] if encoding == "auto" else [encoding]
    for candidate in candidates:
        try:
            text = data.decode("utf-8-sig" if candidate == "utf-8" else candidate)
        except UnicodeDecodeError:
            continue
        return text, candidate
    if encoding == "auto":
        raise TableFileError(
            _("The file is neither UTF-8 nor Shift_JIS (CP932). Save it as CSV in one of them.")
        )
    raise TableFileError(
        _("The file cannot be read as %(encoding)s. Choose the right encoding or “auto”.")
        % {"encoding": encoding}
    )


def _csv_records(text: str) -> list[tuple[int, list[str]]]:
    """(line where the record starts, cells) for each CSV record; quoted newlines allowed."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records = []
    previous_line = 0
    try:
        for cells in reader:
            records.append((previous_line + 1, cells))
            previous_line = reader.line_num
    except csv.Error as exc:
        raise TableFileError(
            _("Line %(line)s cannot be read as CSV (%(error)s).")
            % {"line": reader.line_num, "error": exc}
        ) from None
    return records


def _xlsx_records(data: bytes) -> list[tuple[int, list[str]]]:
    records = []
    try:
        rows = list(enumerate(xlsx_rows(data), start=1))
    except XlsxRefused as exc:
        raise TableFileError(str(exc)) from None
    for number, row in rows:
        cells = []
        for value in row:
            if value is None:
                cells.append("")
            elif isinstance(value, datetime.datetime):
                cells.append(value.date().isoformat())
            elif isinstance(value, datetime.date):
                cells.append(value.isoformat())
            elif isinstance(value, float) and value.is_integer():
                cells.append(str(int(value)))
            else:
                cells.append(str(value))
        while cells and cells[-1] == "":
            cells.pop()
        records.append((number, cells))
    return records


def read_table(
    data: bytes, *, file_name: str, encoding: str = "auto"
) -> tuple[str, list[tuple[int, list[str]]], bool]:
    """A CSV (UTF-8 or CP932, detected) or XLSX file as (encoding, [(line, cells)], whether it
    may hold 外字): blank lines dropped, the header on line 1. Raises
    TableFileError, in the reader's language, when the file as a whole cannot be read. The
    roster import and the history import read their files through this (each then checks its
    own header and the number of rows)."""
    if not data:
        raise TableFileError(_("The file is empty."))
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        if not data.startswith(b"PK\x03\x04"):
            raise TableFileError(_("This file has an Excel name but is not an Excel (XLSX) file."))
        records = _xlsx_records(data)
        detected = "xlsx"
        private_use = True
    else:
        text, detected = decode(data, encoding)
        records = _csv_records(text)
        # One scan of the whole file; cells are only checked one by one when it has 外字.
        private_use = has_private_use(text)
    records = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    if not records:
        raise TableFileError(_("The file has only blank lines."))
    for line, cells in records:
        for column, cell in enumerate(cells, start=1):
            if "\x00" in cell:
                # PostgreSQL cannot store a NUL in text; no office program writes one on purpose.
                raise TableFileError(
                    _("Line %(line)s, column %(column)s holds a NUL character (a damaged or "
                      "binary file?). Remove it and upload again.")
                    % {"line": line, "column": column}
                )  # fmt: skip
    if records[0][0] != 1:
        raise TableFileError(_("The first line must be the header (column names)."))
    return detected, records, private_use
