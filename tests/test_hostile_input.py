"""Input that used to end in a 500 (issue 18, item 15) gets a clear message instead: a NUL in
a history or roster file, an XLSX with a DTD (entity expansion), a NUL in a form field, and a
database that cannot be reached (PostgreSQL out of connections) on the login page."""

from __future__ import annotations

import io
import zipfile
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from lib.tables import TableFileError, read_table
from lib.xlsx import XlsxRefused, xlsx_rows
from reports.models import HistoryImport, HistoryRecord
from tests.trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db
HEADER = "職員番号,年度,研修名,実施機関,区分,初日,最終日,時間,結果,備考\r\n"


def _xlsx() -> bytes:
    book = Workbook()
    book.active.append(["職員番号", "氏名"])
    book.active.append(["000123", "山田"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_dtd(data: bytes, part: str) -> bytes:
    """The same workbook with a billion-laughs DTD in one part."""
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == part:
                content = bomb + (content.split(b"?>", 1)[-1])
            target.writestr(item, content)
    return out.getvalue()


def test_a_nul_in_a_history_file_is_named_by_line_and_column(client, hr_admin):
    TraineeFactory(staff_number="000120")
    text = HEADER + "000120,2018,第1部\x00課程,自治大学校,,2018/10/1,2018/11/30,240,,\r\n"
    client.force_login(hr_admin)
    upload = SimpleUploadedFile("history.csv", text.encode("utf-8"))
    response = client.post(
        reverse("history_imports"), {"file": upload, "encoding": "auto"}, follow=True
    )
    assert response.status_code == 200
    assert "2行目、3列目にNUL文字" in response.content.decode()
    assert not HistoryRecord.objects.exists()
    assert HistoryImport.objects.get().status != "committed"


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_an_xlsx_with_a_dtd_is_refused_with_a_message(part):
    data = _with_dtd(_xlsx(), part)
    with pytest.raises(XlsxRefused, match="DTD"):
        list(xlsx_rows(data))
    with pytest.raises(TableFileError, match="DTD"):
        read_table(data, file_name="roster.xlsx")


def test_a_damaged_sheet_is_refused_not_a_500():
    data = _xlsx()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]  # cut in the middle of a row
            target.writestr(item, content)
    with pytest.raises(XlsxRefused):
        list(xlsx_rows(out.getvalue()))


def test_a_nul_in_a_form_field_is_a_400_with_a_message(client, hr_admin):
    client.force_login(hr_admin)
    response = client.get(reverse("trainee_list"), {"q": "山田\x00"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_an_unreachable_database_is_a_japanese_503_on_login():
    def refuse(*args, **kwargs):
        raise OperationalError("FATAL: sorry, too many clients already")

    client = Client(raise_request_exception=False)
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection", refuse):
        response = client.post(reverse("account_login"), {"login": "300001", "password": "x" * 12})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    body = response.content.decode()
    assert "しばらくしてからもう一度お試しください" in body and "too many clients" not in body
