"""Races on PostgreSQL with real threads: two tabs submitting the same attempt, starting
attempts beyond the limit, answering the survey twice — each ends in exactly one result."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from assessments import services
from assessments.models import Answer, Attempt, SurveyDone, SurveyHeld
from tests.assessments.factories import make_survey, make_test
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db(transaction=True)
TABS = 6


def race(work: Callable[[], object], n: int = TABS) -> list[str]:
    """Run `work` in n threads released together; each outcome is "ok" or the refusal."""
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def run() -> None:
        try:
            barrier.wait()
            work()
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_tabs_submitting_one_attempt_score_it_once(requires_postgres):
    session = SessionFactory(course__requires_attendance=False)
    place = enrol(TraineeFactory(), session)
    test = make_test(session.course)
    for _round in range(3):
        attempt = services.attempt_start(test=test, enrollment=place, actor=None)
        first = attempt.question_ids[0]
        outcomes = race(lambda a=attempt: services.attempt_submit(attempt=a, actor=None))
        assert outcomes.count("ok") == 1, outcomes
        attempt.refresh_from_db()
        assert attempt.state == Attempt.State.SUBMITTED
        # One Answer per question (the unanswered filled in once), not one per tab.
        assert Answer.objects.filter(attempt=attempt).count() == len(attempt.question_ids)
        assert Answer.objects.filter(attempt=attempt, question_id=first).count() == 1
        test.attempts_allowed += 1
        test.save(update_fields=["attempts_allowed"])


def test_starting_at_once_never_exceeds_the_attempts_allowed(requires_postgres):
    session = SessionFactory(course__requires_attendance=False)
    place = enrol(TraineeFactory(), session)
    test = make_test(session.course, attempts_allowed=2)

    def start_and_submit() -> None:
        attempt = services.attempt_start(test=test, enrollment=place, actor=None)
        services.attempt_submit(attempt=attempt, actor=None)

    # Tabs starting together share one attempt (the others resume it, then find it submitted).
    for expected in (1, 2):
        outcomes = race(start_and_submit)
        assert outcomes.count("ok") == 1, outcomes
        assert Attempt.objects.filter(enrollment=place).count() == expected
    outcomes = race(start_and_submit)
    assert outcomes == ["このテストの受験回数（2回）をすべて使いました。"] * TABS
    assert sorted(Attempt.objects.values_list("number", flat=True)) == [1, 2]


def test_answering_the_survey_twice_at_once_counts_once(requires_postgres):
    session = SessionFactory(course__requires_attendance=False)
    place = enrol(TraineeFactory(), session)
    survey = make_survey(session.course)
    q = {question.position: question.pk for question in survey.questions.all()}
    answers = {q[1]: 0, q[2]: 1}
    outcomes = race(
        lambda: services.survey_answer(survey=survey, enrollment=place, answers=answers, actor=None)
    )
    assert outcomes.count("ok") == 1, outcomes
    assert SurveyHeld.objects.count() == 1 and SurveyDone.objects.count() == 1
