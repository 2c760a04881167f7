"""Japanese office input: numbers typed with the IME on (full-width digits, a full-width point,
「１，０００」, the minus signs people type or paste)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.utils import translation

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
