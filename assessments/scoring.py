"""How a test's answers are scored (テスト採点), as pure functions over the stored question.

The models, the attempt lifecycle and the pages come with the rest of issue 12; these rules are
written first because everything else calls them and they are easy to get subtly wrong with
Japanese input: full-width digits and letters, katakana typed for hiragana, the full-width space,
「１，０００」 for a number. The caller passes what the question stores (never what the browser
sent back about the question), and a choice that is not the question's is refused, not ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lib.japanese import number_fold

_SPACES = re.compile(r"\s+")
# Katakana ァ (U+30A1) … ヶ (U+30F6) and their hiragana ぁ (U+3041) … ゖ (U+3096) are 0x60 apart.
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_CENT = Decimal("0.01")


class ForgedAnswer(ValueError):
    """The answer names a choice the question does not have, or several for a single choice."""


def answer_fold(text: str) -> str:
    """The form in which a short-text answer is compared: NFKC (full-width → half-width, the
    full-width space → a space, half-width katakana → full-width), katakana → hiragana, case
    folded, surrounding spaces dropped and inner runs of spaces made one."""
    folded = unicodedata.normalize("NFKC", text).translate(_KATAKANA_TO_HIRAGANA).casefold()
    return _SPACES.sub(" ", folded).strip()


def short_text_correct(given: str, accepted: Iterable[str]) -> bool:
    """Whether a short-text answer matches one of the accepted answers after folding both."""
    answer = answer_fold(given)
    return answer != "" and any(answer == answer_fold(option) for option in accepted)


def number_parse(text: str) -> Decimal | None:
    """A number as typed: full-width digits, thousands separators (1,000 / １，０００) and the
    usual minus signs allowed; None when it is not a finite number."""
    folded = number_fold(text)
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", folded):
        return None
    try:
        return Decimal(folded)
    except InvalidOperation:  # pragma: no cover - the pattern only lets finite numbers through
        return None


def number_correct(given: str, expected: Decimal, tolerance: Decimal = Decimal(0)) -> bool:
    """Whether a number answer is within ± tolerance of the expected value."""
    value = number_parse(given)
    return value is not None and abs(value - expected) <= abs(tolerance)


def choices_score(
    *,
    selected: Iterable[int],
    correct: Iterable[int],
    choices: Iterable[int],
    points: Decimal,
    single: bool = False,
    partial: bool = False,
) -> Decimal:
    """The points a choice answer earns.

    `choices` are the question's own choice ids, `correct` those among them that are right.
    Single choice and true/false (`single`): the points if the one choice is right. Multiple
    choice, all or nothing: the points only for exactly the right set. Multiple choice with
    partial credit, as Moodle grades it: each right choice ticked earns its share of the points,
    each wrong one ticked takes away its share of them, never below zero (so ticking everything
    earns nothing). Rounded to hundredths of a point.
    """
    ticked, right, own = set(selected), set(correct), set(choices)
    if not ticked <= own:
        raise ForgedAnswer("a choice that is not the question's")
    if single and len(ticked) > 1:
        raise ForgedAnswer("several choices for a single-choice question")
    if not ticked:
        return Decimal(0).quantize(_CENT)
    if single or not partial:
        return (points if ticked == right else Decimal(0)).quantize(_CENT)
    wrong = own - right
    gained = Decimal(len(ticked & right)) / len(right) if right else Decimal(0)
    lost = Decimal(len(ticked & wrong)) / len(wrong) if wrong else Decimal(0)
    fraction = max(Decimal(0), gained - lost)
    return (points * fraction).quantize(_CENT, rounding=ROUND_HALF_UP)
