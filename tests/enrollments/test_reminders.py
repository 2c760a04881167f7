"""督促: reminders before a session and before the completion deadline, once per rule."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from enrollments.services import order_issue, reminders_send
from learning.services import material_view_open
from notices.models import Delivery, Notice
from tests.courses.factories import SAMPLE_PDF, SessionFactory, add_material
from tests.trainees.factories import TraineeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(private_storage):
    return private_storage


def person(**kwargs):
    trainee = TraineeFactory(**kwargs)
    trainee.user = UserFactory()
    trainee.save()
    return trainee


def ordered(session, *trainees, capture):
    with capture(execute=True):
        order_issue(session=session, trainee_ids=[t.pk for t in trainees], actor=None)


def send(day, capture) -> int:
    with capture(execute=True):
        return reminders_send(today=day)["reminders"]


def test_before_the_session_once(eager_celery, mailoutbox, django_capture_on_commit_callbacks):
    session = SessionFactory(days=[datetime.date(2026, 6, 10)])
    session.course.remind_days_before_session = 3
    session.course.save()
    with_mail, without_mail = person(), person(email="")
    ordered(session, with_mail, without_mail, capture=django_capture_on_commit_callbacks)
    mailoutbox.clear()

    assert send(datetime.date(2026, 6, 6), django_capture_on_commit_callbacks) == 0  # too early
    assert send(datetime.date(2026, 6, 7), django_capture_on_commit_callbacks) == 2
    assert [m.to for m in mailoutbox] == [[with_mail.email]]
    assert "2026年6月10日" in mailoutbox[0].body and mailoutbox[0].subject.startswith(
        "【お知らせ】"
    )
    reminders = Delivery.objects.filter(kind="reminder")
    assert sorted(reminders.values_list("status", flat=True)) == ["no_email", "sent"]
    assert Notice.objects.filter(kind="reminder").count() == 2  # both get the inbox notice
    # The next runs (same day, next day) remind nobody again; nor after the session started.
    assert send(datetime.date(2026, 6, 7), django_capture_on_commit_callbacks) == 0
    assert send(datetime.date(2026, 6, 9), django_capture_on_commit_callbacks) == 0
    assert send(datetime.date(2026, 6, 11), django_capture_on_commit_callbacks) == 0
    assert len(mailoutbox) == 1


def test_a_missed_morning_is_caught_up(eager_celery, django_capture_on_commit_callbacks):
    session = SessionFactory(days=[datetime.date(2026, 6, 10)])
    ordered(session, person(), capture=django_capture_on_commit_callbacks)
    # Due from 7 June (3 days before, the default); the scheduler first runs on the 9th.
    assert send(datetime.date(2026, 6, 9), django_capture_on_commit_callbacks) == 1


def test_no_reminder_when_the_course_has_none(eager_celery, django_capture_on_commit_callbacks):
    session = SessionFactory(days=[datetime.date(2026, 6, 10)])
    session.course.remind_days_before_session = None
    session.course.save()
    ordered(session, person(), capture=django_capture_on_commit_callbacks)
    assert send(datetime.date(2026, 6, 8), django_capture_on_commit_callbacks) == 0


def test_before_the_deadline_only_to_those_not_complete(
    eager_celery, mailoutbox, django_capture_on_commit_callbacks
):
    session = SessionFactory(days=[datetime.date(2026, 5, 1)])
    course = session.course
    course.requires_materials = True
    course.requires_attendance = False
    course.completion_deadline = datetime.date(2026, 6, 30)
    course.remind_days_before_deadline = 7
    course.remind_days_before_session = None
    course.save()
    material = add_material(course, name="a.pdf", content=SAMPLE_PDF)
    done, behind = person(), person()
    ordered(session, done, behind, capture=django_capture_on_commit_callbacks)
    material_view_open(material=material, trainee=done)  # a PDF opened: viewed, completed
    mailoutbox.clear()

    assert send(datetime.date(2026, 6, 22), django_capture_on_commit_callbacks) == 0
    assert send(datetime.date(2026, 6, 23), django_capture_on_commit_callbacks) == 1
    assert [m.to for m in mailoutbox] == [[behind.email]]
    assert send(datetime.date(2026, 6, 24), django_capture_on_commit_callbacks) == 0
    assert send(datetime.date(2026, 7, 1), django_capture_on_commit_callbacks) == 0  # past it


def test_the_command_runs_the_same_service(eager_celery, capsys):
    call_command("send_reminders")
    assert "0 reminders sent." in capsys.readouterr().out
