"""Scoring rules of a test's answers (テスト採点), with the input Japanese users actually type."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assessments.scoring import (
    ForgedAnswer,
    answer_fold,
    choices_score,
    number_correct,
    number_parse,
    short_text_correct,
)


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [
        ("コンプライアンス", ["こんぷらいあんす"]),  # katakana for hiragana
        ("ｺﾝﾌﾟﾗｲｱﾝｽ", ["コンプライアンス"]),  # half-width katakana, voiced marks joined
        ("　個人情報保護法　", ["個人情報保護法"]),  # full-width spaces around
        ("ＰＤＣＡ", ["pdca"]),  # full-width letters, case
        ("地方  自治法", ["地方 自治法"]),  # inner spaces
        ("報連相", ["ほうれんそう", "報連相"]),  # one of several accepted answers
    ],
)
def test_short_text_matches_after_folding(typed, accepted):
    assert short_text_correct(typed, accepted)


def test_short_text_does_not_match_what_differs_or_is_empty():
    assert not short_text_correct("個人情報保護", ["個人情報保護法"])
    assert not short_text_correct("   ", ["", " "])  # a blank answer is never right
    assert answer_fold("ヴァイオリン") == "ゔぁいおりん"


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("１，０００", Decimal(1000)),
        ("1,000.5", Decimal("1000.5")),
        ("−３", Decimal(-3)),  # the minus sign U+2212
        ("ー3", Decimal(-3)),  # the long-vowel mark typed as a minus on a Japanese keyboard
        (" .5 ", Decimal("0.5")),
    ],
)
def test_numbers_as_typed(typed, value):
    assert number_parse(typed) == value


@pytest.mark.parametrize("typed", ["", "三", "1e3", "NaN", "Infinity", "1.2.3", "--1", "12円"])
def test_what_is_not_a_plain_number_is_refused(typed):
    assert number_parse(typed) is None


def test_number_tolerance():
    assert number_correct("３．１４", Decimal("3.14159"), Decimal("0.01"))
    assert not number_correct("3.13", Decimal("3.14159"), Decimal("0.01"))
    assert number_correct("100", Decimal(100))
    assert not number_correct("abc", Decimal(100), Decimal(1000))


POINTS = Decimal(10)


def test_single_choice_and_true_false():
    assert (
        choices_score(selected=[2], correct=[2], choices=[1, 2], points=POINTS, single=True) == 10
    )
    assert choices_score(selected=[1], correct=[2], choices=[1, 2], points=POINTS, single=True) == 0
    assert choices_score(selected=[], correct=[2], choices=[1, 2], points=POINTS, single=True) == 0


def test_multiple_choice_all_or_nothing():
    score = dict(correct=[1, 2], choices=[1, 2, 3, 4], points=POINTS)
    assert choices_score(selected=[1, 2], **score) == 10
    assert choices_score(selected=[1], **score) == 0
    assert choices_score(selected=[1, 2, 3], **score) == 0


def test_multiple_choice_partial_credit_never_rewards_ticking_everything():
    score = dict(correct=[1, 2, 3], choices=[1, 2, 3, 4, 5], points=POINTS, partial=True)
    assert choices_score(selected=[1, 2, 3], **score) == Decimal("10.00")
    assert choices_score(selected=[1], **score) == Decimal("3.33")
    assert choices_score(selected=[1, 2], **score) == Decimal("6.67")
    assert choices_score(selected=[1, 2, 4], **score) == Decimal("1.67")  # 2/3 − 1/2
    assert choices_score(selected=[1, 2, 3, 4, 5], **score) == 0
    assert choices_score(selected=[4], **score) == 0  # never below zero


def test_forged_choices_are_refused_not_ignored():
    with pytest.raises(ForgedAnswer):
        choices_score(selected=[99], correct=[1], choices=[1, 2], points=POINTS)
    with pytest.raises(ForgedAnswer):
        choices_score(selected=[1, 2], correct=[1], choices=[1, 2], points=POINTS, single=True)
