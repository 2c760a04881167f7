"""Reading an Excel file someone uploaded, without letting a small file tie up a worker.

An XLSX is a zip of XML: a 1 MB file can unpack to a 1 GB shared string, and a 2 KB one can
declare a cell at XFD1 so that readers pad every row to 16,384 columns. Before openpyxl sees
the file, `xlsx_check` reads the zip directory (the declared sizes cost nothing to read) and the
first sheet's declared dimension, and refuses with a message; the rows are then read in
read-only mode and never wider than the limit. Every XLSX the portal reads goes through here
(the roster import, and the admin's imports through GuardedXLSX).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import tablib
from django.conf import settings
from django.utils.translation import gettext as _
from import_export.formats.base_formats import XLSX
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')


class XlsxRefused(ValueError):
    """The file is refused before it is parsed; the message says why."""


def _declares_entities(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    """Does this part of the archive hold a DOCTYPE or ENTITY declaration? Read in chunks
    (the total size was checked before), overlapping so a marker split across chunks counts."""
    tail = b""
    with archive.open(entry) as part:
        while chunk := part.read(1 << 20):
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                return True
            tail = window[-16:]
    return False


def xlsx_check(data: bytes) -> None:
    """Refuse an XLSX whose unpacked size, shared strings or first sheet's dimension exceed the
    limits (settings.XLSX_MAX_*)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise XlsxRefused(_("The Excel file cannot be opened.")) from None
    mb = 1024 * 1024
    if sum(entry.file_size for entry in entries) > settings.XLSX_MAX_UNPACKED_MB * mb:
        raise XlsxRefused(
            _("The Excel file unpacks to more than %(limit)s MB; save it as CSV or split it.")
            % {"limit": settings.XLSX_MAX_UNPACKED_MB}
        )
    names = {entry.filename: entry for entry in entries}
    strings = names.get("xl/sharedStrings.xml")
    if strings is not None and strings.file_size > settings.XLSX_MAX_SHARED_STRINGS_MB * mb:
        raise XlsxRefused(
            _("The Excel file's text cells take more than %(limit)s MB.")
            % {"limit": settings.XLSX_MAX_SHARED_STRINGS_MB}
        )
    for entry in entries:
        if entry.filename.endswith((".xml", ".rels")) and _declares_entities(archive, entry):
            # A DTD has no business in an XLSX: it is how entity expansion ("billion laughs")
            # and external entities get in.
            raise XlsxRefused(
                _("The Excel file contains XML declarations (DTD) that Excel never writes; it "
                  "is refused. Save it again from Excel, or as CSV.")
            )  # fmt: skip
    sheets = sorted(n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
    if not sheets:
        raise XlsxRefused(_("The Excel file cannot be opened."))
    with archive.open(sheets[0]) as sheet:
        head = sheet.read(8192)
    found = _DIMENSION.search(head)
    if found:
        last_column, last_row = found.group(3) or found.group(1), found.group(4) or found.group(2)
        if column_index_from_string(last_column.decode()) > settings.XLSX_MAX_COLUMNS:
            raise XlsxRefused(
                _("The first sheet reaches column %(column)s; at most %(limit)s columns are read.")
                % {"column": last_column.decode(), "limit": settings.XLSX_MAX_COLUMNS}
            )
        if int(last_row) > settings.XLSX_MAX_ROWS:
            raise XlsxRefused(
                _("The first sheet has %(rows)s rows; at most %(limit)s are read.")
                % {"rows": f"{int(last_row):,}", "limit": f"{settings.XLSX_MAX_ROWS:,}"}
            )


def xlsx_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    """The first sheet's rows as values, after xlsx_check, never wider than the column limit
    (even if the file's declared dimension lies)."""
    xlsx_check(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many types for a damaged file
        raise XlsxRefused(_("The Excel file cannot be opened.")) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(
            values_only=True, max_col=settings.XLSX_MAX_COLUMNS, max_row=settings.XLSX_MAX_ROWS
        )
        while True:
            # The sheet's XML is parsed as the rows are read: a damaged part fails here.
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception:  # noqa: BLE001 - XML and openpyxl raise many types
                raise XlsxRefused(_("The Excel file cannot be opened.")) from None
            yield row
    finally:
        workbook.close()


class GuardedXLSX(XLSX):
    """django-import-export's XLSX format, read through xlsx_rows."""

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        rows = xlsx_rows(bytes(in_stream))
        dataset = tablib.Dataset()
        dataset.headers = list(next(rows, ()))
        for row in rows:
            if any(value is not None for value in row):
                dataset.append(list(row) + [None] * (len(dataset.headers) - len(row)))
        return dataset
