"""Reading the HR system's roster file: encodings, header, values, cross-row checks."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import translation

from lib.tables import TableFileError
from trainees.roster import parse_roster

HEADER = "職員番号,氏名,氏名カナ,所属コード,所属,雇用区分,生年月日,採用年月日,性別,メールアドレス"
TODAY = datetime.date(2026, 4, 1)


def roster(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def parse(data: bytes, **kwargs):
    return parse_roster(data, today=TODAY, **kwargs)


def test_cp932_is_detected_and_cp932_only_characters_survive():
    data = roster(
        "001,髙橋 﨑子①,タカハシ,110100,総務課,正規,1980/1/1,2005/4/1,女,", encoding="cp932"
    )
    parsed = parse(data)
    assert parsed.encoding == "cp932"
    assert not parsed.errors
    assert parsed.rows[0].values["name"] == "髙橋 﨑子①"


def test_utf8_with_bom_and_lf_line_endings():
    data = "\ufeff" + HEADER + "\n001,山田 太郎,ヤマダ,110100,総務課,正規,,,,\n"
    parsed = parse(data.encode())
    assert parsed.encoding == "utf-8"
    assert [r.values["staff_number"] for r in parsed.rows] == ["001"]


def test_explicit_encoding_overrides_detection():
    data = roster("001,山田,ヤマダ,110100,総務課,正規,,,,", encoding="cp932")
    with translation.override("en"), pytest.raises(TableFileError, match="utf-8"):
        parse(data, encoding="utf-8")


@pytest.mark.parametrize(
    ("data", "file_name", "message"),
    [
        (HEADER.encode("utf-16"), "r.csv", "UTF-16"),
        (b"PK\x03\x04rest-of-a-zip", "r.csv", "Excel"),
        (b"", "r.csv", "empty"),
        (b"\r\n\r\n  \r\n", "r.csv", "blank"),
        (HEADER.encode() + b"\r\n", "r.csv", "no staff rows"),
        (b"\x81\x00\xff\xfe\x80" * 10, "r.csv", "binary"),
        (b"not an excel file", "r.xlsx", "not an Excel"),
    ],
)
def test_unreadable_files_are_refused_clearly(data, file_name, message):
    with translation.override("en"), pytest.raises(TableFileError, match=message):
        parse(data, file_name=file_name)


def test_messages_are_in_japanese_by_default():
    with translation.override("ja"), pytest.raises(TableFileError, match="ファイルが空です"):
        parse(b"")


def test_missing_required_column_is_an_error_before_any_row():
    parsed = parse(roster("001,山田", header="職員番号,氏名"))
    assert {(e.line, e.column) for e in parsed.errors} == {
        (1, "所属 / 所属コード"),
        (1, "雇用区分"),
    }
    assert parsed.rows == []


def test_english_headers_any_order_and_unknown_columns_warn():
    data = roster(
        "正規,001,Taro Yamada,110100,extra",
        header="employment_type,staff_number,name,organisation_code,favourite_colour",
    )
    parsed = parse(data)
    assert not parsed.errors
    assert [(w.line, w.column) for w in parsed.warnings] == [(1, "favourite_colour")]
    assert parsed.rows[0].values["name"] == "Taro Yamada"


def test_a_row_longer_than_the_header_is_an_error():
    parsed = parse(roster("001,山田,ヤマダ,110100,総務課,正規,,,,,extra"))
    assert [e.line for e in parsed.errors] == [2]


def test_values_are_normalised():
    parsed = parse(
        roster(
            "００１２３,　小林　恵 ,ｺﾊﾞﾔｼ ﾒｸﾞﾐ,１１０１００,総務課,正規,S41.10.11,２０１７/４/１,男, Kobayashi@City.Example.JP "
        )
    )
    assert not parsed.errors
    values = parsed.rows[0].values
    assert values["staff_number"] == "00123"  # leading zeros kept
    assert values["name"] == "小林　恵"  # as received apart from trimming
    assert values["name_kana"] == "コバヤシ メグミ"
    assert values["organisation_code"] == "110100"
    assert values["birth_date"] == "1966-10-11"
    assert values["hire_date"] == "2017-04-01"
    assert values["email"] == "Kobayashi@city.example.jp"


def test_concurrent_posts_split_on_japanese_and_ascii_separators():
    parsed = parse(
        roster(
            "001,山田,ヤマダ,110100,総務課,正規,,,,,区民部 区政情報課、福祉部;教育委員会／学校",
            header=HEADER + ",兼務先",
        )
    )
    assert parsed.rows[0].values["concurrent_posts"] == [
        "区民部 区政情報課",
        "福祉部",
        "教育委員会",
        "学校",
    ]


def test_private_use_characters_are_a_warning_with_line_and_column():
    parsed = parse(roster("001,山\ue000田,ヤマダ,110100,総務課,正規,,,,"))
    assert not parsed.errors
    assert [(w.line, w.column) for w in parsed.warnings] == [(2, "氏名")]


def test_checks_a_careful_clerk_would_make():
    parsed = parse(
        roster(
            "001,山田,ヤマダ,110100,総務課,正規,2000/1/1,2010/4/1,男,a@example.jp",  # hired at 10
            "002,佐藤,サトウ,110100,総務課,正規,2030/1/1,,女,b@example.jp",  # born in the future
            "003,鈴木,スズキ,110100,総務課,正規,1980/1/1,2005/4/1,X,A@example.jp",  # bad gender, dup mail
            "001,田中,タナカ,110100,総務課,正規,,,,",  # duplicate staff number
        )
    )
    found = {(e.line, e.column) for e in parsed.errors}
    assert found == {
        (2, "採用年月日"),
        (3, "生年月日"),
        (4, "性別"),
        (4, "メールアドレス"),
        (5, "職員番号"),
    }


def test_sample_bad_file_reports_exactly_its_five_lines(fixtures):
    parsed = parse((fixtures / "roster_bad_sample.csv").read_bytes())
    assert sorted((e.line, e.column) for e in parsed.errors) == [
        (3, "メールアドレス"),
        (4, "職員番号"),
        (5, "雇用区分"),
        (6, "採用年月日"),
        (7, "氏名"),
    ]


def test_xlsx_upload_with_the_same_columns():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            "001000",
            "山田 太郎",
            "ヤマダ タロウ",
            "110100",
            "総務課",
            "正規",
            datetime.datetime(1980, 1, 2),
            "2005/4/1",
            "男",
            "yamada@example.jp",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = parse(buffer.getvalue(), file_name="名簿.xlsx")
    assert parsed.encoding == "xlsx"
    assert not parsed.errors
    assert parsed.rows[0].values["staff_number"] == "001000"
    assert parsed.rows[0].values["birth_date"] == "1980-01-02"
