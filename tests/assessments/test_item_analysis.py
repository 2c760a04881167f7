"""Item analysis and the distribution against a hand calculation (Python's statistics)."""

from __future__ import annotations

import statistics
from decimal import Decimal

import pytest

from assessments import selectors, services
from assessments.models import Question, QuestionKind
from tests.assessments.factories import make_test, q
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db

# Who gets which of the three questions right (1) or wrong (0): question 3 is answered right
# mostly by the weaker trainees (negative discrimination); question 2 by everyone.
PATTERN = [(1, 1, 0), (1, 1, 0), (1, 1, 0), (0, 1, 1), (0, 1, 1), (1, 1, 0), (0, 1, 1)]


def test_facility_sd_discrimination_and_flags_match_a_hand_calculation():
    session = SessionFactory(capacity=50)
    test = make_test(
        session.course,
        questions=[
            (q(QuestionKind.SINGLE, f"問{n}", points=2 if n == 1 else 1),
             [{"text": "正", "is_correct": True}, {"text": "誤", "is_correct": False}])
            for n in (1, 2, 3)
        ],
    )  # fmt: skip
    questions = list(Question.objects.filter(test=test).order_by("position"))
    for row in PATTERN:
        place = enrol(TraineeFactory(), session)
        attempt = services.attempt_start(test=test, enrollment=place, actor=None)
        for question, right in zip(questions, row, strict=True):
            choice = question.choices.get(text="正" if right else "誤")
            services.answer_save(attempt=attempt, question_id=question.pk, selected=[choice.pk], text="", actor=None)  # fmt: skip
        services.attempt_submit(attempt=attempt, actor=None)
    items = {item.question.text: item for item in selectors.item_analysis(test)}
    points = [2, 1, 1]
    for index, question in enumerate(questions):
        x = [row[index] for row in PATTERN]
        totals = [sum(p * r for p, r in zip(points, row, strict=True)) for row in PATTERN]
        rest = [t - points[index] * r for t, r in zip(totals, x, strict=True)]
        item = items[question.text]
        assert item.n == len(PATTERN)
        assert item.facility == pytest.approx(statistics.mean(x) * 100)
        assert item.sd == pytest.approx(statistics.stdev(x) * 100)
        if statistics.pvariance(x) == 0:
            assert item.discrimination is None
        else:
            assert item.discrimination == pytest.approx(statistics.correlation(x, rest) * 100)
        ticked = dict((c.text, n) for c, n in item.choices)
        assert ticked == {"正": sum(x), "誤": len(x) - sum(x)}
    assert items["問2"].flags == ["too_easy"]
    assert "negative" in items["問3"].flags
    results = selectors.test_results(test)
    assert results.trainees == 7
    # totals: 3,3,3,2,2,3,2 of 4 → 75 % ×4, 50 % ×3
    assert dict(results.bins)["70–79"] == 4 and dict(results.bins)["50–59"] == 3
    assert results.passed == 4  # the default pass mark is 60 %
    assert results.mean == Decimal("64.3")


def test_cached_results_follow_every_change():
    session = SessionFactory(capacity=50)
    test = make_test(session.course)
    assert selectors.test_results(test).trainees == 0
    place = enrol(TraineeFactory(), session)
    attempt = services.attempt_submit(
        attempt=services.attempt_start(test=test, enrollment=place, actor=None), actor=None
    )
    results = selectors.test_results(test)
    assert results.trainees == 1 and results.passed == 0
    services.attempt_adjust(attempt=attempt, score=Decimal(7), reason="採点誤り", actor=None)
    assert selectors.test_results(test).passed == 1
    question = Question.objects.filter(test=test).first()
    services.question_move(question=question, up=False, actor=None)
    assert selectors.test_results(test).items[0].question.pk != question.pk
