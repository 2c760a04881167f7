"""The portal's one export writer: a table as CSV (UTF-8 with BOM, which Excel opens
correctly, or CP932 for older tools) or XLSX — and every export an audit event.

Every cell a spreadsheet would read as a formula (= + - @, tab, CR at the start) is neutralised
with a leading apostrophe, so a name such as ``=HYPERLINK(…)`` stays text. Characters CP932
cannot hold are written as 〓 (the geta mark Japanese offices use for this) and counted. XLSX
cells are text, so staff numbers keep their leading zeros. It stands in the audit app because
an export is personal data leaving the portal: it is recorded where it is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from audit.services import audit_event_record

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GETA = "〓"
FORMATS = ("csv", "csv-cp932", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


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
    replaced = 0
    out = []
    for char in text:
        try:
            out.append(char.encode("cp932"))
        except UnicodeEncodeError:
            out.append(GETA.encode("cp932"))
            replaced += 1
    return b"".join(out), replaced


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str) -> bytes:
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
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def requested_format(request: HttpRequest) -> str:
    """The format a download link asks for (?format=csv|csv-cp932|xlsx); CSV otherwise."""
    file_format = request.GET.get("format", "csv")
    return file_format if file_format in FORMATS else "csv"


def export_response(
    request: HttpRequest,
    *,
    name: str,
    sheet: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    file_format: str,
    kind: str,
    detail: dict[str, Any],
) -> HttpResponse:
    """The file as a download (`name`-YYYYmmdd-HHMM.csv/.xlsx), recorded as an audit event of
    `kind` with `detail` and the number of rows written."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    counted: list[int] = [0]

    def counting() -> Iterable[Sequence[Any]]:
        for row in rows:
            counted[0] += 1
            yield row

    if file_format == "xlsx":
        response = HttpResponse(to_xlsx(header, counting(), sheet=sheet), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    else:
        encoding = "cp932" if file_format == "csv-cp932" else "utf-8"
        body, replaced = to_csv(header, counting(), encoding=encoding)
        charset = "shift_jis" if encoding == "cp932" else "utf-8"
        response = HttpResponse(body, content_type=f"text/csv; charset={charset}")
        response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
        response["X-Replaced-Characters"] = str(replaced)
    audit_event_record(
        kind=kind,
        request=request,
        detail={**detail, "format": file_format, "rows": counted[0]},
    )
    return response
