"""Writes for assessments, by concern: tests (authoring, attempts, scoring, the time limit),
surveys (authoring, templates, anonymous answers, reminders) and reports (forms, drafts,
submission, department review). Each change announces the enrolments whose completion may have
moved (courses.events.announce); completion (progress/) re-evaluates them in the same transaction.
Callers import from here.
"""

from __future__ import annotations

from django.db import transaction

from assessments.models import ReportForm, Survey, Test
from assessments.services.reports import (
    report_form_copy,
    report_form_save,
    report_review,
    report_save,
)
from assessments.services.surveys import (
    survey_answer,
    survey_copy,
    survey_from_template,
    survey_question_move,
    survey_question_remove,
    survey_question_save,
    survey_remind,
    survey_responses_release,
    survey_save,
)
from assessments.services.tests import (
    GRACE,
    Refused,
    answer_save,
    answers_save,
    attempt_adjust,
    attempt_close_overdue,
    attempt_start,
    attempt_submit,
    attempts_close_expired,
    question_move,
    question_remove,
    question_save,
    test_copy,
    test_copy_questions,
    test_save,
)
from courses.models import Course
from learning import services as learning_services
from trainees.models import User


@transaction.atomic
def course_copy_to_next_year(*, course: Course, actor: User | None) -> Course:
    """Next fiscal year's course with its materials (learning), and its tests, survey and
    report forms — their questions and fields, never anyone's answers."""
    copy = learning_services.course_copy_to_next_year(course=course, actor=actor)
    for test in Test.objects.filter(course=course):
        test_copy(source=test, course_id=copy.pk)
    survey = Survey.objects.filter(course=course).first()
    if survey is not None:
        survey_copy(source=survey, course_id=copy.pk)
    for form in ReportForm.objects.filter(course=course):
        report_form_copy(source=form, course_id=copy.pk)
    return copy


__all__ = [
    "GRACE",
    "Refused",
    "answer_save",
    "answers_save",
    "attempt_adjust",
    "attempt_close_overdue",
    "attempt_start",
    "attempt_submit",
    "attempts_close_expired",
    "course_copy_to_next_year",
    "question_move",
    "question_remove",
    "question_save",
    "report_form_copy",
    "report_form_save",
    "report_review",
    "report_save",
    "survey_answer",
    "survey_copy",
    "survey_from_template",
    "survey_question_move",
    "survey_question_remove",
    "survey_question_save",
    "survey_remind",
    "survey_responses_release",
    "survey_save",
    "test_copy",
    "test_copy_questions",
    "test_save",
]
