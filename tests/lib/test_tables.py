"""Reading an uploaded table (lib.tables): CSV in UTF-8 or CP932 (detected, strict), or XLSX;
blank lines dropped, line numbers as the clerk sees them, 外字 noticed, and a file that cannot
be read refused as a whole with a message in the reader's language."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from lib.tables import TableFileError, decode, has_private_use, read_table


def test_cp932_and_utf8_are_told_apart():
    assert decode("髙橋,①".encode("cp932")) == ("髙橋,①", "cp932")
    assert decode("\ufeff髙橋".encode()) == ("髙橋", "utf-8")


def test_a_quoted_newline_keeps_the_line_numbers_of_the_file():
    data = b'a,b\r\n1,"two\r\nlines"\r\n\r\n3,x\r\n'
    encoding, records, private_use = read_table(data, file_name="t.csv")
    assert encoding == "utf-8" and not private_use
    assert records == [(1, ["a", "b"]), (2, ["1", "two\r\nlines"]), (5, ["3", "x"])]


def test_an_xlsx_reads_dates_and_whole_numbers_as_a_clerk_typed_them():
    import datetime

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["番号", "日付", "時間"])
    sheet.append(["001", datetime.datetime(2026, 4, 1), 3.0])
    sheet.append([None, None, None])
    sheet.append(["002", None, 1.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    encoding, records, _ = read_table(buffer.getvalue(), file_name="t.xlsx")
    assert encoding == "xlsx"
    assert records == [(1, ["番号", "日付", "時間"]), (2, ["001", "2026-04-01", "3"]),
                       (4, ["002", "", "1.5"])]  # fmt: skip


def test_private_use_characters_are_noticed():
    assert has_private_use("山\ue000田") and not has_private_use("髙橋 𠮷子")
    assert read_table("名前\r\n山\ue000田\r\n".encode(), file_name="t.csv")[2] is True


@pytest.mark.parametrize(
    ("data", "file_name", "message"),
    [
        ("a,b".encode("utf-16"), "t.csv", "UTF-16"),
        (b"PK\x03\x04rest", "t.csv", "Excel"),
        (b"", "t.csv", "empty"),
        (b"\r\n , \r\n", "t.csv", "blank"),
        (b"a,b\r\n1,\x00\r\n", "t.csv", "NUL"),
        (b"not a zip", "t.xlsx", "not an Excel"),
        (b"\x82\xa0\xff\xfe\x81", "t.csv", "neither UTF-8 nor Shift_JIS"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(data, file_name, message):
    with translation.override("en"), pytest.raises(TableFileError, match=message):
        read_table(data, file_name=file_name)


def test_a_forced_encoding_that_does_not_fit_is_named():
    with translation.override("ja"), pytest.raises(TableFileError, match="cp932"):
        read_table("名前\r\n".encode() + b"\x85\x40", file_name="t.csv", encoding="cp932")
