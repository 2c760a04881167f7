"""Japanese office text (lib.japanese): dates as offices write them (和暦 and Western, full-width
digits), era and fiscal-year labels, numbers typed with the IME, kana folding and the search
key. Every import and form reads its dates and numbers through these."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import translation

from lib.japanese import (
    date_with_weekday,
    fiscal_year_choice,
    fiscal_year_label,
    fiscal_year_wareki,
    list_join,
    number_fold,
    parse_date,
    search_key,
    to_katakana,
    to_wareki,
    trim,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024/4/1", "2024-04-01"),
        ("2024-04-01", "2024-04-01"),
        ("20240401", "2024-04-01"),
        ("令和6年4月1日", "2024-04-01"),
        ("令和元年5月1日", "2019-05-01"),
        ("R06.04.01", "2024-04-01"),
        ("H31.04.30", "2019-04-30"),
        ("S62.4.1", "1987-04-01"),
        ("昭和41年10月11日", "1966-10-11"),
        ("２０１４/０４/０１", "2014-04-01"),
        ("令和６年４月１日", "2024-04-01"),
        ("平成元年1月8日", "1989-01-08"),
    ],
)
def test_dates_as_japanese_offices_write_them(text, expected):
    assert parse_date(text).isoformat() == expected


@pytest.mark.parametrize(
    "text",
    [
        "平成31年5月1日",
        "令和2年2月30日",
        "令和元年4月30日",
        "昭和64年1月8日",
        "2024/13/01",
        "4月1日",
        "R6",
    ],
)
def test_impossible_or_unreadable_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_kana_is_folded_to_full_width_katakana():
    assert to_katakana("ｽｽﾞｷ ﾕｳｺ") == "スズキ ユウコ"
    assert to_katakana("すずき　ゆうこ") == "スズキ ユウコ"
    assert search_key("ｽｽﾞｷ") == search_key("すずき") == search_key("スズキ") == "スズキ"
    assert search_key("００１００３") == "001003"


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (datetime.date(2019, 4, 30), "平成31年4月30日"),
        (datetime.date(2019, 5, 1), "令和元年5月1日"),
        (datetime.date(2026, 12, 3), "令和8年12月3日"),
        (datetime.date(1989, 1, 7), "昭和64年1月7日"),
        (datetime.date(1989, 1, 8), "平成元年1月8日"),
    ],
)
def test_dates_in_the_era_of_their_day(date, expected):
    assert to_wareki(date) == expected
    assert parse_date(expected) == date  # and read back


def test_a_fiscal_year_is_named_by_the_era_in_force_on_1_may():
    # FY2018 runs April 2018 to March 2019: all 平成. FY2019 began under 平成 but is 令和元年度.
    assert fiscal_year_wareki(2018) == "平成30年度"
    assert fiscal_year_wareki(2019) == "令和元年度"
    assert fiscal_year_label(2026) == "2026年度（令和8年度）"
    with translation.override("ja"):
        assert fiscal_year_choice(2026) == "2026年度（令和8年度）"
    with translation.override("en"):
        assert fiscal_year_choice(2026) == "FY 2026"


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("１，２３４．５", "1234.5"),
        ("−３", "-3"),
        ("ー3", "-3"),
        ("　１２　", "12"),
        ("1,000", "1000"),
    ],
)
def test_numbers_typed_with_the_ime_fold_to_ascii(typed, folded):
    assert number_fold(typed) == folded


def test_lists_are_joined_in_the_readers_language():
    with translation.override("ja"):
        assert list_join(["講義", "演習"]) == "講義、演習"
    with translation.override("en"):
        assert list_join(["lecture", "exercise"]) == "lecture, exercise"


def test_trim_takes_full_width_spaces_but_keeps_the_inside():
    assert trim("\u3000山田　太郎 \t") == "山田　太郎"


def test_a_session_day_is_written_with_its_weekday_and_times_in_the_reader_s_language():
    """One way a session day reads on every page (the catalogue, My page, a place, HR's session
    and course pages, attendance, the homes) and in the drop-down of days."""
    from types import SimpleNamespace

    from courses.templatetags.courses import day_span, weekday_date

    day = SimpleNamespace(date=datetime.date(2026, 12, 10), starts_at=datetime.time(9, 30),
                          ends_at=datetime.time(17, 0))  # fmt: skip
    with translation.override("ja"):
        assert date_with_weekday(day.date) == "2026年12月10日（木）"
        assert day_span(day) == "2026年12月10日（木）09:30–17:00"
        assert weekday_date(datetime.date(2027, 1, 11)) == "2027年1月11日（月）"
        assert weekday_date(None) == ""
    with translation.override("en"):
        assert day_span(day) == "10 Dec 2026（Thu）09:30–17:00"
    # Each day is written once per language and remembered: the language is part of what is
    # remembered, and a change of the formats (a test's override) forgets what was written.
    with translation.override("ja"):
        assert day_span(day) == "2026年12月10日（木）09:30–17:00"
    with translation.override("xx"):  # a language with no formats of its own: the settings'
        before = date_with_weekday(day.date)
        with override_settings(DATE_FORMAT="Y/m/d"):
            assert date_with_weekday(day.date).startswith("2026/12/10（")
        assert date_with_weekday(day.date) == before != "2026/12/10（木）"
