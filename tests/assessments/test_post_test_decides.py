"""The post-test decides completion; a pre-test is never passed or failed (issue 18, item 1).

The data makes the two tests disagree in both directions, so picking the wrong one gives a
different answer in each test."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assessments import services
from assessments.models import Attempt, Test
from assessments.selectors import counted_attempts, requirements_met
from enrollments.models import Completion
from tests.assessments.factories import answer_all, make_test
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    session = SessionFactory(course__requires_attendance=False, course__requires_test=True)
    return enrol(TraineeFactory(), session)


def _take(test: Test, place, *, good: bool) -> Attempt:
    attempt = services.attempt_start(test=test, enrollment=place, actor=None)
    if good:
        answer_all(attempt)  # 7 of 7
    # else: nothing answered, 0 of 7
    return services.attempt_submit(attempt=attempt, actor=None)


@pytest.mark.parametrize("pre_good, post_good", [(False, True), (True, False)])
def test_the_post_test_decides_whatever_the_pre_test_says(place, pre_good, post_good):
    pre = make_test(place.course, kind=Test.Kind.PRE, pass_mark=Decimal(0))
    post = make_test(place.course, kind=Test.Kind.POST)
    pre_attempt = _take(pre, place, good=pre_good)
    post_attempt = _take(post, place, good=post_good)

    assert pre_attempt.passed is None  # a pre-test has no pass mark, even one of 0
    assert post_attempt.passed is post_good
    assert ("test" in requirements_met([place.pk])[place.pk]) is post_good
    place.refresh_from_db()
    assert (place.completion == Completion.COMPLETED) is post_good
    assert ("test" in place.completion_missing) is (not post_good)


def test_a_pre_test_alone_meets_nothing(place):
    pre = make_test(place.course, kind=Test.Kind.PRE, pass_mark=Decimal(0))
    _take(pre, place, good=True)
    assert "test" not in requirements_met([place.pk])[place.pk]


def test_an_adjusted_pre_test_score_stays_ungraded(place):
    pre = make_test(place.course, kind=Test.Kind.PRE)
    attempt = _take(pre, place, good=False)
    attempt = services.attempt_adjust(
        attempt=attempt, score=Decimal(7), reason="採点誤り", actor=None
    )
    assert attempt.passed is None


@pytest.mark.parametrize(
    "counting, sequence, counted_number",
    [
        # Each rule meets a sequence where either other rule would count another attempt.
        (Test.Counting.FIRST, (False, True), 1),
        (Test.Counting.FIRST, (True, False), 1),
        (Test.Counting.LAST, (False, True), 2),
        (Test.Counting.LAST, (True, False), 2),
        (Test.Counting.BEST, (False, True), 2),
        (Test.Counting.BEST, (True, False), 1),
    ],
)
def test_the_counted_attempt_is_the_one_the_rule_names(place, counting, sequence, counted_number):
    post = make_test(place.course, attempts_allowed=2, counting=counting)
    for good in sequence:
        _take(post, place, good=good)
    counted = counted_attempts(post).get()
    assert counted.number == counted_number
    expected_pass = sequence[counted_number - 1]
    assert ("test" in requirements_met([place.pk])[place.pk]) is expected_pass
