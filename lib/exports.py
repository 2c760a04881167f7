"""The portal's one export writer: a table as CSV (UTF-8 with BOM, which Excel opens
correctly, or CP932 for older tools) or XLSX.

Every cell a spreadsheet would read as a formula (= + - @, tab, CR at the start) is neutralised
with a leading apostrophe, so a name such as ``=HYPERLINK(…)`` stays text. Characters CP932
cannot hold are written as 〓 (the geta mark Japanese offices use for this) and counted. XLSX
cells are text, so staff numbers keep their leading zeros.

This is the machinery only; it records nothing. Every download of personal data goes through
``audit.exports.export_response``, which writes the audit event (an export is personal data
leaving the portal) before the first byte leaves.
"""

from __future__ import annotations

import csv
import io
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import IO, Any

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GETA = "〓"
FORMATS = ("csv", "csv-cp932", "xlsx", "xlsx-protected")
# An XLSX encrypted with a password (Excel's own "encrypt with password": ECMA-376 agile
# encryption, AES-256, through msoffcrypto-tool). audit.exports hands out its one-time password.
PROTECTED = "xlsx-protected"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Exports of more rows than this stream (see export_response); chunks of this many rows.
STREAM_ABOVE = 2_000
STREAM_CHUNK = 500


def neutralise(value: str) -> str:
    """A cell a spreadsheet would read as a formula, kept as text. The start is folded first
    (NFKC): Excel with a Japanese IME takes a full-width ＝ ＋ － ＠ as the ASCII sign, and
    leading spaces do not stop it."""
    start = unicodedata.normalize("NFKC", value[:8]).lstrip(" \u3000")
    return (
        "'" + value
        if value.startswith(FORMULA_STARTS) or start.startswith(FORMULA_STARTS)
        else value
    )


def _cells(row: Sequence[Any]) -> list[str]:
    return [neutralise("" if value is None else str(value)) for value in row]


def to_csv(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8"
) -> tuple[bytes, int]:
    """The CSV bytes and how many characters had to be replaced (CP932 only)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(_cells(row))
    text = buffer.getvalue()
    if encoding != "cp932":
        return text.encode("utf-8-sig"), 0
    return _cp932(text)


def _write_xlsx(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str, target: Any
) -> None:
    # Write-only: rows go to a temporary file as they come, not into memory.
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append(list(header))
    for row in rows:
        cells = []
        for value in _cells(row):
            cell = WriteOnlyCell(worksheet, value=value)
            cell.number_format = "@"  # text: staff numbers keep their leading zeros
            cell.data_type = "s"
            cells.append(cell)
        worksheet.append(cells)
    workbook.save(target)


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str) -> bytes:
    buffer = io.BytesIO()
    _write_xlsx(header, rows, sheet=sheet, target=buffer)
    return buffer.getvalue()


def to_protected_xlsx(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str, password: str
) -> bytes:
    """The XLSX encrypted with `password`: Excel (and LibreOffice) ask for it when opening."""
    plain = OOXMLFile(io.BytesIO(to_xlsx(header, rows, sheet=sheet)))
    encrypted = io.BytesIO()
    plain.encrypt(password, encrypted)
    return encrypted.getvalue()


def _cp932(text: str) -> tuple[bytes, int]:
    try:
        return text.encode("cp932"), 0
    except UnicodeEncodeError:
        pass
    replaced = 0
    out = []
    for char in text:
        try:
            out.append(char.encode("cp932"))
        except UnicodeEncodeError:
            out.append(GETA.encode("cp932"))
            replaced += 1
    return b"".join(out), replaced


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8"
) -> Iterator[bytes]:
    """The CSV as byte chunks of STREAM_CHUNK rows: what a streamed download sends."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    first = True
    for number, row in enumerate(rows, start=1):
        writer.writerow(_cells(row))
        if number % STREAM_CHUNK == 0:
            yield _encode(buffer.getvalue(), encoding, first)
            first = False
            buffer.seek(0)
            buffer.truncate()
    yield _encode(buffer.getvalue(), encoding, first)


def _encode(text: str, encoding: str, first: bool) -> bytes:
    if encoding == "cp932":
        return _cp932(text)[0]
    return ("\ufeff" if first else "").encode() + text.encode("utf-8")


def requested_format(request: HttpRequest) -> str:
    """The format a download link asks for (?format=csv|csv-cp932|xlsx|xlsx-protected, or
    ?encoding=cp932 for a CP932 CSV); CSV otherwise."""
    file_format = request.GET.get("format", "csv")
    if file_format == "csv" and request.GET.get("encoding") == "cp932":
        return "csv-cp932"  # the older link for a CP932 CSV
    return file_format if file_format in FORMATS else "csv"


def encoding_of(file_format: str) -> str:
    """A CSV's encoding: CP932 for the Excel-on-Windows link, otherwise UTF-8 (with a BOM)."""
    return "cp932" if file_format == "csv-cp932" else "utf-8"


def extension_of(file_format: str) -> str:
    return "xlsx" if file_format in ("xlsx", PROTECTED) else "csv"


def export_file(
    *,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    sheet: str,
    file_format: str,
    password: str | None = None,
) -> IO[bytes]:
    """The whole file in a temporary file, read from its start (a background job's result):
    the rows are written as they come, never held (a protected XLSX is encrypted as a whole)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the caller keeps and closes it
    if file_format == PROTECTED:
        if not password:
            raise ValueError("a protected XLSX needs its password")
        spool.write(to_protected_xlsx(header, rows, sheet=sheet, password=password))
    elif file_format == "xlsx":
        _write_xlsx(header, rows, sheet=sheet, target=spool)
    else:
        encoding = encoding_of(file_format)
        for chunk in csv_chunks(header, rows, encoding=encoding):
            spool.write(chunk)
    spool.seek(0)
    return spool


def content_type_of(file_format: str) -> str:
    if extension_of(file_format) == "xlsx":
        return XLSX
    return "text/csv; charset=" + ("shift_jis" if encoding_of(file_format) == "cp932" else "utf-8")


def download(
    *,
    name: str,
    sheet: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    file_format: str,
    count: int | None = None,
    password: str | None = None,
) -> tuple[HttpResponse | StreamingHttpResponse | FileResponse, int]:
    """The file as a download (`name`-YYYYmmdd-HHMM.csv/.xlsx) and its number of rows.

    Up to STREAM_ABOVE rows the file is made in memory (a CSV says in X-Replaced-Characters
    how many characters CP932 has no code for). Larger exports never hold their rows: a CSV
    streams in chunks as the rows come from the database (pass an iterator and its `count`),
    an XLSX is the temporary file `export_file` writes row by row (a protected one is
    encrypted as a whole, so made in memory whatever the size)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if count is None:
        if not isinstance(rows, Sized):
            rows = list(rows)
        count = len(rows)
    content_type = content_type_of(file_format)
    response: HttpResponse | StreamingHttpResponse | FileResponse
    if extension_of(file_format) == "xlsx":
        spool = export_file(
            header=header, rows=rows, sheet=sheet, file_format=file_format, password=password
        )
        if count > STREAM_ABOVE:
            response = FileResponse(spool, content_type=content_type)  # it closes the file
        else:
            with spool:
                response = HttpResponse(spool.read(), content_type=content_type)
    else:
        encoding = encoding_of(file_format)
        if count > STREAM_ABOVE:
            response = StreamingHttpResponse(
                csv_chunks(header, rows, encoding=encoding), content_type=content_type
            )
        else:
            body, replaced = to_csv(header, rows, encoding=encoding)
            response = HttpResponse(body, content_type=content_type)
            response["X-Replaced-Characters"] = str(replaced)
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{stamp}.{extension_of(file_format)}"'
    )
    return response, count
