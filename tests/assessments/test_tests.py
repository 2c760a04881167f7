"""Tests: authoring, attempts, answers saved as given, scoring, the time limit, versions."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments import services
from assessments.models import Answer, Attempt, Question, QuestionKind, Test
from audit.models import AuditEvent
from enrollments.models import Completion
from enrollments.services import enrollment_cancel
from progress.services import completion_refresh
from tests.assessments.factories import answer_all, make_test, question_ids
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    session = SessionFactory(course__requires_attendance=False, course__requires_test=True)
    return enrol(TraineeFactory(), session)


def test_a_perfect_attempt_scores_every_type_and_completes(place):
    test = make_test(place.course)
    attempt = services.attempt_start(test=test, enrollment=place, actor=None)
    assert attempt.max_score == Decimal(7)
    answer_all(attempt)
    attempt = services.attempt_submit(attempt=attempt, actor=None)
    assert attempt.score == Decimal(7) and attempt.passed
    place.refresh_from_db()
    assert place.completion == Completion.COMPLETED and place.completion_missing == []


def test_partial_credit_and_a_wrong_answer(place):
    test = make_test(place.course, pass_mark=Decimal(80))
    attempt = services.attempt_start(test=test, enrollment=place, actor=None)
    answer_all(attempt, wrong_single=True)
    multi, choices = question_ids(attempt)[QuestionKind.MULTIPLE]
    services.answer_save(attempt=attempt, question_id=multi.pk, selected=[choices["12文字以上"], choices["誕生日"]], text="", actor=None)  # fmt: skip
    attempt = services.attempt_submit(attempt=attempt, actor=None)
    # single 0 of 2; multiple: ½ right − ½ wrong = 0; true/false 1, short 1, number 1
    assert attempt.score == Decimal(3)
    assert not attempt.passed
    place.refresh_from_db()
    assert "test" in place.completion_missing


def test_forged_question_or_choice_is_refused_and_audited(place):
    test = make_test(place.course)
    other = make_test(SessionFactory().course)
    attempt = services.attempt_start(test=test, enrollment=place, actor=None)
    foreign = other.questions.filter(kind=QuestionKind.SINGLE).get()
    with pytest.raises(services.Refused):
        services.answer_save(
            attempt=attempt, question_id=foreign.pk, selected=[], text="", actor=None
        )
    single, _choices = question_ids(attempt)[QuestionKind.SINGLE]
    with pytest.raises(services.Refused):
        services.answer_save(attempt=attempt, question_id=single.pk, selected=[str(foreign.choices.first().pk)], text="", actor=None)  # fmt: skip
    with pytest.raises(services.Refused):
        services.answer_save(
            attempt=attempt, question_id=single.pk, selected=["x"], text="", actor=None
        )
    assert not Answer.objects.filter(attempt=attempt).exists()
    assert not AuditEvent.objects.filter(kind="answer.saved").exists()


def test_submitting_twice_is_refused(place):
    test = make_test(place.course)
    attempt = services.attempt_start(test=test, enrollment=place, actor=None)
    services.attempt_submit(attempt=attempt, actor=None)
    with pytest.raises(ValidationError, match="すでに提出"):
        services.attempt_submit(attempt=attempt, actor=None)
    with pytest.raises(ValidationError):
        services.answer_save(attempt=attempt, question_id=attempt.question_ids[0], selected=[], text="x", actor=None)  # fmt: skip


def test_attempts_allowed_and_counting_rule(place):
    test = make_test(place.course, attempts_allowed=2, counting=Test.Counting.LAST)
    first = services.attempt_start(test=test, enrollment=place, actor=None)
    answer_all(first)
    services.attempt_submit(attempt=first, actor=None)
    place.refresh_from_db()
    assert "test" not in place.completion_missing
    second = services.attempt_start(test=test, enrollment=place, actor=None)
    assert second.number == 2
    services.attempt_submit(attempt=second, actor=None)  # blank: the last counts, and fails
    place.refresh_from_db()
    assert "test" in place.completion_missing
    with pytest.raises(ValidationError, match="受験回数（2回）"):
        services.attempt_start(test=test, enrollment=place, actor=None)
    test.counting = Test.Counting.BEST
    test.save()
    services.attempts_close_expired(test=test)
    completion_refresh([place.pk])
    place.refresh_from_db()
    assert "test" not in place.completion_missing


def test_starting_again_resumes_the_open_attempt(place):
    test = make_test(place.course)
    first = services.attempt_start(test=test, enrollment=place, actor=None)
    assert services.attempt_start(test=test, enrollment=place, actor=None).pk == first.pk


def test_the_time_limit_is_the_servers(place):
    test = make_test(place.course, time_limit_minutes=10)
    start = timezone.now() - datetime.timedelta(minutes=11)
    attempt = services.attempt_start(test=test, enrollment=place, actor=None, now=start)
    single, choices = question_ids(attempt)[QuestionKind.SINGLE]
    services.answer_save(attempt=attempt, question_id=single.pk, selected=[choices["上司に報告する"]], text="", actor=None, now=start + datetime.timedelta(minutes=5))  # fmt: skip
    number, _ = question_ids(attempt)[QuestionKind.NUMBER]
    # After the limit and the grace: refused, and the attempt is submitted with what was saved.
    with pytest.raises(ValidationError, match="制限時間を過ぎた"):
        services.answer_save(attempt=attempt, question_id=number.pk, selected=[], text="3.14", actor=None)  # fmt: skip
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.SUBMITTED and attempt.auto_submitted
    assert attempt.score == Decimal(2)
    assert attempt.submitted_at == attempt.deadline


def test_a_late_submit_counts_only_what_was_saved_in_time(place):
    test = make_test(place.course, time_limit_minutes=5)
    start = timezone.now() - datetime.timedelta(minutes=6)
    attempt = services.attempt_start(test=test, enrollment=place, actor=None, now=start)
    single, choices = question_ids(attempt)[QuestionKind.SINGLE]
    late = {single.pk: ([str(choices["上司に報告する"])], "")}
    attempt = services.attempt_submit(attempt=attempt, answers=late, actor=None)
    assert attempt.auto_submitted and attempt.score == 0


def test_within_the_grace_a_submit_counts(place):
    test = make_test(place.course, time_limit_minutes=5)
    start = timezone.now() - datetime.timedelta(minutes=5, seconds=10)
    attempt = services.attempt_start(test=test, enrollment=place, actor=None, now=start)
    single, choices = question_ids(attempt)[QuestionKind.SINGLE]
    attempt = services.attempt_submit(attempt=attempt, answers={single.pk: ([str(choices["上司に報告する"])], "")}, actor=None)  # fmt: skip
    assert not attempt.auto_submitted and attempt.score == 2


def test_editing_an_answered_question_makes_a_new_version(place):
    test = make_test(place.course)
    attempt = services.attempt_start(test=test, enrollment=place, actor=None)
    answer_all(attempt)
    attempt = services.attempt_submit(attempt=attempt, actor=None)
    single = Question.objects.get(test=test, kind=QuestionKind.SINGLE, retired_at__isnull=True)
    new = services.question_save(
        test=test, question=single,
        fields={"kind": QuestionKind.SINGLE, "text": single.text, "points": Decimal(5)},
        choices=[{"text": "上司に報告する", "is_correct": False}, {"text": "黙っている", "is_correct": True}],
        actor=None,
    )  # fmt: skip
    assert new.pk != single.pk and new.version == 2 and new.lineage == single.pk
    single.refresh_from_db()
    assert single.retired_at is not None
    attempt.refresh_from_db()
    assert attempt.score == Decimal(7)  # untouched
    assert single.pk in attempt.question_ids
    # A later attempt is given the new version.
    place2 = enrol(TraineeFactory(), SessionFactory(course=place.course))
    later = services.attempt_start(test=test, enrollment=place2, actor=None)
    assert new.pk in later.question_ids and single.pk not in later.question_ids


def test_editing_an_unanswered_question_changes_it_in_place(place):
    test = make_test(place.course)
    single = Question.objects.get(test=test, kind=QuestionKind.SINGLE)
    same = services.question_save(
        test=test, question=single,
        fields={"kind": QuestionKind.SINGLE, "text": "改", "points": Decimal(1)},
        choices=[{"text": "a", "is_correct": True}, {"text": "b", "is_correct": False}],
        actor=None,
    )  # fmt: skip
    assert same.pk == single.pk and same.version == 1


def test_bad_questions_are_refused(place):
    test = make_test(place.course, questions=[])
    for kind, choices, extra in [
        (QuestionKind.SINGLE, [{"text": "a", "is_correct": True}], {}),
        (QuestionKind.SINGLE, [{"text": "a", "is_correct": True}, {"text": "b", "is_correct": True}], {}),
        (QuestionKind.MULTIPLE, [{"text": "a", "is_correct": False}, {"text": "b", "is_correct": False}], {}),
        (QuestionKind.SHORT, [], {"accepted_answers": []}),
        (QuestionKind.NUMBER, [], {"number_answer": None}),
    ]:  # fmt: skip
        with pytest.raises(ValidationError):
            services.question_save(test=test, question=None, fields={"kind": kind, "text": "x", "points": Decimal(1), **extra}, choices=choices, actor=None)  # fmt: skip
    assert not test.questions.exists()


def test_not_open_and_not_placed_are_refused(place):
    test = make_test(place.course, opens_at=timezone.now() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="現在受験できません"):
        services.attempt_start(test=test, enrollment=place, actor=None)
    enrollment_cancel(enrollment=place, actor=None, by_hr=True)
    place.refresh_from_db()
    with pytest.raises(ValidationError, match="受講が決定した人"):
        services.attempt_start(test=test, enrollment=place, actor=None)
    assert not Attempt.objects.exists()


def test_score_adjustment_needs_a_reason_and_is_audited(place):
    test = make_test(place.course)
    attempt = services.attempt_start(test=test, enrollment=place, actor=None)
    attempt = services.attempt_submit(attempt=attempt, actor=None)
    with pytest.raises(ValidationError):
        services.attempt_adjust(attempt=attempt, score=Decimal(7), reason=" ", actor=None)
    with pytest.raises(ValidationError):
        services.attempt_adjust(attempt=attempt, score=Decimal(8), reason="x", actor=None)
    services.attempt_adjust(attempt=attempt, score=Decimal(7), reason="問3の正答誤り", actor=None)
    attempt.refresh_from_db()
    assert attempt.final_score == 7 and attempt.passed and attempt.score == 0
    assert AuditEvent.objects.filter(kind="attempt.adjusted").exists()
    place.refresh_from_db()
    assert "test" not in place.completion_missing


def test_the_scheduled_job_submits_attempts_left_open(place):
    from assessments.tasks import close_expired_attempts

    test = make_test(place.course, time_limit_minutes=5)
    start = timezone.now() - datetime.timedelta(minutes=10)
    attempt = services.attempt_start(test=test, enrollment=place, actor=None, now=start)
    fresh = services.attempt_start(
        test=make_test(SessionFactory(course=place.course).course, kind=Test.Kind.PRE),
        enrollment=place,
        actor=None,
    )
    assert close_expired_attempts() == 1
    attempt.refresh_from_db()
    fresh.refresh_from_db()
    assert attempt.auto_submitted and fresh.state == Attempt.State.IN_PROGRESS
