"""Small XLSX files that would tie up a worker are refused before they are parsed, with a
message: a huge shared string, a cell at XFD1, too many rows — in the roster import and in the
admin's organisation import."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from lib.tables import TableFileError
from lib.xlsx import GuardedXLSX, XlsxRefused, xlsx_check
from trainees.roster import parse_roster

pytestmark = pytest.mark.django_db


def workbook(**cells: str) -> bytes:
    book = Workbook()
    for ref, value in cells.items():
        book.active[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_entry(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one entry replaced (zip-compressed, so the file stays small)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item))
        target.writestr(name, content)
    return out.getvalue()


def test_a_huge_shared_string_is_refused_unread(settings):
    settings.XLSX_MAX_UNPACKED_MB = 5
    strings = b'<?xml version="1.0"?><sst><si><t>' + b"a" * (8 * 1024 * 1024) + b"</t></si></sst>"
    data = with_entry(workbook(A1="x"), "xl/sharedStrings.xml", strings)
    assert len(data) < 200 * 1024  # a small file …
    started = time.monotonic()
    with pytest.raises(XlsxRefused, match="5 MB"):
        xlsx_check(data)
    assert time.monotonic() - started < 1  # … refused at once


def test_a_cell_at_xfd1_is_refused_naming_the_column():
    data = workbook(A1="職員番号", XFD1="x")
    started = time.monotonic()
    with pytest.raises(TableFileError, match="XFD"):
        parse_roster(data, file_name="roster.xlsx")
    assert time.monotonic() - started < 1


def test_too_many_rows_are_refused(settings):
    settings.XLSX_MAX_ROWS = 100
    with pytest.raises(XlsxRefused, match="500"):
        xlsx_check(workbook(A1="x", A500="y"))


def test_a_lying_dimension_reads_no_wider_than_the_limit(settings):
    """The dimension says A1:B1 but a row reaches XFD: only XLSX_MAX_COLUMNS cells are read."""
    data = workbook(A1="a", XFD1="far")
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    data = with_entry(data, "xl/worksheets/sheet1.xml", sheet.replace(b"A1:XFD1", b"A1:B1"))
    dataset = GuardedXLSX().create_dataset(data)
    assert len(dataset.headers) <= settings.XLSX_MAX_COLUMNS


def test_the_admins_organisation_import_refuses_a_bomb(client, hr_admin):
    client.force_login(hr_admin)
    data = workbook(A1="code", B1="name", XFD1="x")
    upload = SimpleUploadedFile("orgs.xlsx", data)
    response = client.post(
        "/admin/trainees/organisation/import/",
        {"import_file": upload, "format": 1, "resource": 0},
    )
    assert response.status_code == 200
    assert "XFD" in response.content.decode()
