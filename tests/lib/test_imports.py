"""The skeleton every file import shares (lib.imports): the header read through the import's
columns — Japanese or English, any order; unknown columns a warning, a repeated one an error,
each missing required column named — and each line's cells by field with its line number."""

from __future__ import annotations

import pytest
from django.utils import translation

from lib.imports import Columns, read_sheet
from lib.tables import TableFileError

COLUMNS = Columns(
    names={
        "職員番号": "staff_number",
        "氏名": "name",
        "所属": "organisation",
        "所属名": "organisation",
    },
    required=[("職員番号", frozenset({"staff_number"})), ("氏名", frozenset({"name"}))],
    aliases={"dept": "organisation"},
)


def read(text: str, **kwargs):
    return read_sheet(text.encode(), file_name="t.csv", encoding="auto", columns=COLUMNS, **kwargs)


def test_cells_by_field_with_the_line_the_clerk_sees():
    sheet = read("氏名,職員番号,所属\r\n山田,001,総務課\r\n\r\n鈴木,002\r\n")
    assert sheet.column_of == {"name": "氏名", "staff_number": "職員番号", "organisation": "所属"}
    assert list(sheet.rows) == [
        (2, {"name": "山田", "staff_number": "001", "organisation": "総務課"}),
        (4, {"name": "鈴木", "staff_number": "002", "organisation": ""}),  # short: blank
    ]
    assert not sheet.errors and not sheet.warnings


def test_english_names_and_aliases_any_case_and_spacing():
    sheet = read("Staff Number,NAME,dept\r\n001,Yamada,Soumu\r\n")
    assert sheet.column_of == {"staff_number": "Staff Number", "name": "NAME",
                               "organisation": "dept"}  # fmt: skip


def test_an_unknown_column_is_a_warning_and_ignored():
    sheet = read("職員番号,氏名,好きな色\r\n001,山田,青\r\n")
    assert [(w.line, w.column) for w in sheet.warnings] == [(1, "好きな色")]
    assert list(sheet.rows) == [(2, {"staff_number": "001", "name": "山田"})]


def test_header_problems_stop_before_any_row_and_name_each_column():
    with translation.override("ja"):
        sheet = read("所属,所属名\r\n総務課,総務課\r\n")
    assert list(sheet.rows) == []
    assert [(e.line, e.column) for e in sheet.errors] == [
        (1, "所属名"),
        (1, "職員番号"),
        (1, "氏名"),
    ]
    assert "「職員番号」" in sheet.errors[1].message
    assert "所属" in sheet.errors[0].message  # the repeated column names the first one


def test_a_line_longer_than_the_header_is_an_error_naming_it():
    sheet = read("職員番号,氏名\r\n001,山田\r\n002,鈴木,余分\r\n")
    assert [line for line, _cells in sheet.rows] == [2]  # the rows are read once, as they go
    assert [(e.line, e.column) for e in sheet.errors] == [(3, "")]


def test_a_file_that_cannot_be_used_is_refused_as_a_whole():
    with translation.override("en"), pytest.raises(TableFileError, match="header but no rows"):
        read("職員番号,氏名\r\n")
    with translation.override("en"), pytest.raises(TableFileError, match="more than 2 rows"):
        read("職員番号,氏名\r\n1,a\r\n2,b\r\n3,c\r\n", max_rows=2)
    custom = Columns(names=COLUMNS.names, required=COLUMNS.required, no_rows="no staff rows")
    with pytest.raises(TableFileError, match="no staff rows"):
        read_sheet("職員番号,氏名\r\n".encode(), file_name="t.csv", encoding="auto", columns=custom)
