"""The registry as CSV (UTF-8 with BOM for Excel, or CP932) and XLSX.

Every cell that a spreadsheet would read as a formula (= + - @, tab, CR at the start) is
neutralised with a leading apostrophe, so a name such as ``=HYPERLINK(…)`` stays text.
Characters CP932 cannot hold are written as 〓 (the geta mark Japanese offices use for this).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from trainees.models import Trainee

HEADER = [
    "職員番号", "氏名", "氏名カナ", "所属コード", "所属", "兼務先", "職名", "職種", "職務名",
    "性別", "生年月日", "採用年月日", "昇任年月日", "メールアドレス", "雇用区分", "状態",
    "状態変更日",
]  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GETA = "〓"


def neutralise(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _date(value) -> str:  # type: ignore[no-untyped-def]
    return value.strftime("%Y/%m/%d") if value else ""


def rows(queryset: QuerySet[Trainee]) -> Iterable[list[str]]:
    for t in queryset.select_related("organisation").iterator(chunk_size=2000):
        yield [
            t.staff_number, t.name, t.name_kana, t.organisation.code, t.organisation.name,
            "、".join(t.concurrent_posts), t.job_title, t.job_category, t.duty, t.gender,
            _date(t.birth_date), _date(t.hire_date), _date(t.promotion_date), t.email,
            t.employment_type, t.get_status_display(), _date(t.status_changed_on),
        ]  # fmt: skip


def to_csv(queryset: QuerySet[Trainee], *, encoding: str = "utf-8") -> tuple[bytes, int]:
    """The CSV bytes and how many characters had to be replaced (CP932 only)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows(queryset):
        writer.writerow([neutralise(cell) for cell in row])
    text = buffer.getvalue()
    if encoding == "cp932":
        replaced = 0
        out = []
        for char in text:
            try:
                out.append(char.encode("cp932"))
            except UnicodeEncodeError:
                out.append(GETA.encode("cp932"))
                replaced += 1
        return b"".join(out), replaced
    return text.encode("utf-8-sig"), 0


def to_xlsx(queryset: QuerySet[Trainee]) -> bytes:

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("職員名簿")
    sheet.append(HEADER)
    for row in rows(queryset):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            cell.number_format = "@"  # text: staff numbers keep their leading zeros
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
