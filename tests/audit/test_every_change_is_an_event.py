"""Issue 20: every change of data is an audit event. These are the services that changed data
without one before (the closing note lists them); each now writes its event in the same
transaction, with who acted and what changed."""

from __future__ import annotations

import pytest

from assessments import services as assessment_services
from assessments.models import Question, SurveyQuestion
from audit.models import AuditEvent
from enrollments import services as enrollment_services
from tests.assessments.factories import make_survey, make_test
from tests.courses.factories import SessionFactory
from trainees import services as trainee_services

pytestmark = pytest.mark.django_db


def _only(kind: str) -> AuditEvent:
    [event] = AuditEvent.objects.filter(kind=kind)
    return event


def test_reordering_a_tests_questions_is_an_event(hr_admin):
    test = make_test(SessionFactory().course)
    first, second = Question.objects.filter(test=test).order_by("position", "id")[:2]
    assessment_services.question_move(question=first, up=False, actor=hr_admin)
    event = _only("test.question_moved")
    assert event.user == hr_admin and event.detail["test"] == test.pk
    assert event.detail["order"][:2] == [second.pk, first.pk]
    # At the edge nothing moves, and nothing is recorded.
    top = Question.objects.filter(test=test).order_by("position", "id").first()
    assessment_services.question_move(question=top, up=True, actor=hr_admin)
    assert AuditEvent.objects.filter(kind="test.question_moved").count() == 1


def test_reordering_a_surveys_questions_is_an_event(hr_admin):
    survey = make_survey(SessionFactory().course)
    first = SurveyQuestion.objects.filter(survey=survey).order_by("position", "id").first()
    assessment_services.survey_question_move(question=first, up=False, actor=hr_admin)
    event = _only("survey.question_moved")
    assert event.user == hr_admin and event.detail["order"][1] == first.pk


def test_issuing_a_check_in_code_is_an_event_once_and_keeps_no_code(hr_admin):
    day = SessionFactory().days.first()
    code = enrollment_services.check_in_code_for(day, actor=hr_admin)
    assert enrollment_services.check_in_code_for(day, actor=hr_admin) == code  # the same code
    event = _only("attendance.check_in_code")
    assert event.user == hr_admin and event.detail == {"session": day.session_id, "day": day.pk}
    assert code.code not in str(event.detail)


def test_a_language_change_is_an_event_with_old_and_new(hr_admin):
    trainee_services.user_set_language(user=hr_admin, language="en")
    trainee_services.user_set_language(user=hr_admin, language="en")  # no change, no event
    event = _only("account.language_changed")
    assert event.subject_user == hr_admin
    assert event.detail["changes"]["language"][1] == "en"


def test_an_update_records_each_changed_field_old_and_new(hr_admin):
    from courses import services as course_services
    from courses.models import Course
    from notices.models import NotificationTemplate
    from notices.services import template_save

    course = SessionFactory().course
    old_title = course.title
    edited = Course.objects.get(pk=course.pk)
    edited.title = "文書管理研修（改訂）"
    course_services.course_save(course=edited, actor=hr_admin)
    event = _only("course.updated")
    assert event.detail["changes"] == {"title": [old_title, "文書管理研修（改訂）"]}
    course_services.course_save(course=edited, actor=hr_admin)  # saved again, unchanged
    assert "changes" not in AuditEvent.objects.filter(kind="course.updated").latest("id").detail
    template = NotificationTemplate.for_kind("order")
    template.subject = "【研修命令】{{ course }}"
    template_save(template=template, actor=hr_admin)
    changes = _only("template.saved").detail["changes"]
    assert list(changes) == ["subject"] and changes["subject"][1] == "【研修命令】{{ course }}"
