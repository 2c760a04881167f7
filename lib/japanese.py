"""Japanese office text: numbers typed with the IME on (full-width digits, a full-width point,
「１，０００」, the minus signs people type or paste), dates as offices write them (和暦 and
Western), the era and fiscal-year labels of official documents, and the folded forms used to
compare and search names. No business rule: the roster import, the course forms, the
certificates and the search all use the same ones."""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import jaconv
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from django.utils.formats import FORMAT_SETTINGS, date_format
from django.utils.translation import gettext as _

# Minus signs people type or paste for a negative number; NFKC leaves some of them alone.
MINUS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "\u2015": "-", "\u30fc": "-"})


def number_fold(text: str) -> str:
    """A number as typed, as ASCII: NFKC (full-width digits, ．and ，), the usual minus signs
    as '-', thousands separators and surrounding spaces dropped. 「１，２３４．５」 → "1234.5".
    Whether the result is a number is for the caller to decide."""
    return unicodedata.normalize("NFKC", text).translate(MINUS).strip().replace(",", "")


def list_join(items: Iterable[object]) -> str:
    """Items as a list in the reader's language: 「講義、演習」 in Japanese, "lecture, exercise" in
    English (a Japanese 、 in an English sentence reads as a typo)."""
    separator = "、" if (translation.get_language() or "ja").startswith("ja") else ", "
    return separator.join(str(item) for item in items)


# Japanese eras: (names as written, first day, last day).
ERAS = [
    (("明治", "M"), datetime.date(1868, 1, 25), datetime.date(1912, 7, 29)),
    (("大正", "T"), datetime.date(1912, 7, 30), datetime.date(1926, 12, 24)),
    (("昭和", "S"), datetime.date(1926, 12, 25), datetime.date(1989, 1, 7)),
    (("平成", "H"), datetime.date(1989, 1, 8), datetime.date(2019, 4, 30)),
    (("令和", "R"), datetime.date(2019, 5, 1), datetime.date(9999, 12, 31)),
]
_ERA_BY_NAME = {name: era for era in ERAS for name in era[0]}


def to_wareki(date: datetime.date) -> str:
    """The date in the Japanese era, as official documents write it: 令和7年4月1日, and 令和元年
    for an era's first year."""
    for (name, _letter), first, last in reversed(ERAS):
        if first <= date <= last:
            year = date.year - first.year + 1
            return f"{name}{'元' if year == 1 else year}年{date.month}月{date.day}日"
    return f"{date.year}年{date.month}月{date.day}日"


def date_with_weekday(day: datetime.date) -> str:
    """A day as the portal writes it for a session: 2026年12月10日（木） (in English
    "10 Dec 2026（Thu）"), in the reader's language.

    Written once per day and language and then remembered: Django's date formatting took 24 µs
    a day, a catalogue of 120 sessions writes 120 days and a session page of 200 places 200;
    the days the pages show are the same few hundred all year."""
    return _date_with_weekday(day, translation.get_language())


@functools.lru_cache(maxsize=4096)
def _date_with_weekday(day: datetime.date, language: str | None) -> str:
    # ``language`` is the key only: date_format reads the language active, which it is.
    return f"{date_format(day, 'DATE_FORMAT')}（{date_format(day, 'D')}）"


# What a date is written with: a test that overrides one of these must not read what was written
# before (Django forgets its own formats on the same signal).
_WRITTEN_WITH = FORMAT_SETTINGS | {
    "FORMAT_MODULE_PATH", "LANGUAGE_CODE", "LANGUAGES", "LOCALE_PATHS", "USE_I18N",
}  # fmt: skip


@receiver(setting_changed)
def _forget_written_dates(*, setting: str, **kwargs: Any) -> None:
    if setting in _WRITTEN_WITH:
        _date_with_weekday.cache_clear()


def fiscal_year_wareki(year: int) -> str:
    """A fiscal year (April to March) in the Japanese era: 2026 → 令和8年度, 2019 → 令和元年度.
    The era is the one in force on 1 May, as offices name the year in which an era began."""
    return to_wareki(datetime.date(year, 5, 1)).split("年")[0] + "年度"


def fiscal_year_label(year: int) -> str:
    """2026年度（令和8年度） — both, as the ward's documents write a fiscal year."""
    return f"{year}年度（{fiscal_year_wareki(year)}）"


def fiscal_year_choice(year: int) -> str:
    """A fiscal year in a drop-down: 2026年度（令和8年度） in Japanese, FY 2026 in English."""
    if (translation.get_language() or "ja").startswith("ja"):
        return fiscal_year_label(year)
    return f"FY {year}"


_ERA_DATE = re.compile(
    r"^(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?$",
    re.IGNORECASE,
)
_WESTERN_DATE = re.compile(r"^(\d{4})\s*[年/\-.]\s*(\d{1,2})\s*[月/\-.]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def fold(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII, half-width kana to full-width) and trim."""
    if text.isascii():  # most cells: NFKC would change nothing
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


def trim(text: str) -> str:
    """Trim ASCII and full-width spaces at both ends; keep the text as received otherwise."""
    return text.strip(" \t\r\n\u3000")


def to_katakana(text: str) -> str:
    """Kana as full-width katakana whatever was typed: hiragana, katakana, half-width katakana."""
    text = jaconv.h2z(trim(text), kana=True, ascii=False, digit=False)
    text = jaconv.hira2kata(text)
    return re.sub(r"[\s\u3000]+", " ", text)


def search_key(text: str) -> str:
    """The form stored in Trainee.search_text and applied to what people type into search."""
    return re.sub(r"[\s\u3000]+", "", to_katakana(fold(text))).lower()


def parse_date(raw: str) -> datetime.date:
    """A date as Japanese offices write it; ValueError with a message on anything else."""
    text = fold(raw)
    if match := _ERA_DATE.match(text):
        era_name, year_text, month, day = match.groups()
        names, first_day, last_day = _ERA_BY_NAME.get(era_name) or _ERA_BY_NAME[era_name.upper()]
        era_year = 1 if year_text == "元" else int(year_text)
        try:
            value = datetime.date(first_day.year + era_year - 1, int(month), int(day))
        except ValueError:
            raise ValueError(_("This date does not exist.")) from None
        if not first_day <= value <= last_day:
            raise ValueError(
                _("This date is outside the %(era)s era (%(first)s to %(last)s).")
                % {
                    "era": names[0],
                    "first": first_day.strftime("%Y/%m/%d"),
                    "last": last_day.strftime("%Y/%m/%d") if last_day.year < 9999 else "",
                }
            )
        return value
    match = _WESTERN_DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        raise ValueError(
            _("Not a date. Write it as 2024/4/1, 2024-04-01, 20240401, 令和6年4月1日 or R06.04.01.")
        )
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValueError(_("This date does not exist.")) from None
