"""HR's course catalogue: courses, sessions with their days, next year's copy."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditEvent
from courses.models import Course, Session, SessionDay, fiscal_year_of
from tests.courses.factories import (
    SAMPLE_PDF,
    CourseFactory,
    RoomFactory,
    SessionFactory,
    add_material,
)

pytestmark = pytest.mark.django_db


def test_fiscal_year_runs_april_to_march():
    assert fiscal_year_of(datetime.date(2026, 4, 1)) == 2026
    assert fiscal_year_of(datetime.date(2027, 3, 31)) == 2026


def test_hr_creates_a_course_and_a_two_day_session(client, hr_admin):
    client.force_login(hr_admin)
    response = client.post(
        reverse("course_create"),
        {
            "fiscal_year": 2026, "code": "Ｋ０１", "title": "新規採用職員研修（前期）",
            "category": "階層別研修", "kind": "ordered", "delivery": "classroom",
            "requires_attendance": "on", "materials_threshold": 95, "requires_report": "on",
        },
    )  # fmt: skip
    course = Course.objects.get()
    assert response["Location"] == reverse("course_detail", args=[course.pk])
    assert course.code == "K01"  # full-width folded
    assert course.requirements == ["全日程の出席", "受講結果報告の提出"]
    room = RoomFactory()
    response = client.post(
        reverse("session_create", args=[course.pk]),
        {
            "number": 1, "capacity": 40, "room": room.pk,
            "application_opens_at": "2026-04-10T09:00", "application_closes_at": "2026-04-24T17:00",
            "days-TOTAL_FORMS": 3, "days-INITIAL_FORMS": 0, "days-MIN_NUM_FORMS": 1, "days-MAX_NUM_FORMS": 20,
            "days-0-date": "2026/05/12", "days-0-starts_at": "09:30", "days-0-ends_at": "17:00",
            "days-1-date": "2026-05-13", "days-1-starts_at": "09:30", "days-1-ends_at": "12:00",
        },
    )  # fmt: skip
    assert response.status_code == 302, (
        response.context["form"].errors or response.context["days"].errors
    )
    session = Session.objects.get()
    assert [d.date.isoformat() for d in session.days.all()] == ["2026-05-12", "2026-05-13"]
    page = client.get(reverse("course_detail", args=[course.pk])).content.decode()
    assert "2026年5月12日" in page and "第1回" in page
    assert AuditEvent.objects.filter(kind="session.created").exists()


def test_session_form_refuses_bad_days(client, hr_admin):
    course = CourseFactory()
    client.force_login(hr_admin)
    base = {"number": 1, "capacity": 10, "days-TOTAL_FORMS": 2, "days-INITIAL_FORMS": 0,
            "days-MIN_NUM_FORMS": 1, "days-MAX_NUM_FORMS": 20}  # fmt: skip
    no_days = client.post(reverse("session_create", args=[course.pk]), base)
    assert no_days.status_code == 200 and not Session.objects.exists()
    backwards = client.post(
        reverse("session_create", args=[course.pk]),
        {
            **base,
            "days-0-date": "2026-05-12",
            "days-0-starts_at": "17:00",
            "days-0-ends_at": "09:00",
        },
    )
    assert "終了時刻は開始時刻より後" in backwards.content.decode()
    twice = client.post(
        reverse("session_create", args=[course.pk]),
        {**base, "days-0-date": "2026-05-12", "days-0-starts_at": "09:00", "days-0-ends_at": "12:00",
         "days-1-date": "2026-05-12", "days-1-starts_at": "13:00", "days-1-ends_at": "17:00"},
    )  # fmt: skip
    assert "同じ日付" in twice.content.decode()
    assert not Session.objects.exists()


def test_copy_to_next_fiscal_year_keeps_weekdays(client, hr_admin):
    session = SessionFactory(
        days=[datetime.date(2026, 5, 12), datetime.date(2026, 5, 13)],
        application_opens_at=datetime.datetime(2026, 4, 10, 9, 0, tzinfo=datetime.UTC),
        application_closes_at=datetime.datetime(2026, 4, 24, 8, 0, tzinfo=datetime.UTC),
    )
    course = session.course
    client.force_login(hr_admin)
    response = client.post(reverse("course_copy", args=[course.pk]))
    copy = Course.objects.get(fiscal_year=2027, code=course.code)
    assert response["Location"] == reverse("course_detail", args=[copy.pk])
    new_session = copy.sessions.get()
    days = [d.date for d in new_session.days.all()]
    assert days == [datetime.date(2027, 5, 11), datetime.date(2027, 5, 12)]
    assert [d.weekday() for d in days] == [1, 2]  # Tuesday and Wednesday, as this year
    assert new_session.application_opens_at.date() == datetime.date(2027, 4, 9)
    assert new_session.capacity == session.capacity and new_session.room == session.room
    # Copying again is refused, with the reason.
    again = client.post(reverse("course_copy", args=[course.pk]), follow=True)
    assert "既に存在します" in again.content.decode()
    assert Course.objects.filter(code=course.code).count() == 2


def test_database_refuses_impossible_sessions():
    course = CourseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(course=course, number=1, capacity=0)
    session = SessionFactory(course=course)
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionDay.objects.create(
            session=session, date=datetime.date(2026, 6, 1),
            starts_at=datetime.time(12), ends_at=datetime.time(9),
        )  # fmt: skip


def test_course_pages_have_fixed_query_budgets(client, hr_admin, page_queries, private_storage):
    course = CourseFactory()
    for _ in range(3):
        SessionFactory(course=course, days=[datetime.date(2026, 6, 1), datetime.date(2026, 6, 2)])
    client.force_login(hr_admin)
    client.get(reverse("course_list"))
    listing = ["fiscal years", "courses"]
    detail = ["the course", "its sessions with rooms", "their days", "their orders",
              "viewing counts", "its materials", "its tests", "its survey",
              "its report forms with their counts"]  # fmt: skip
    with page_queries(*listing):
        assert client.get(reverse("course_list")).status_code == 200
    with page_queries(*detail):
        assert client.get(reverse("course_detail", args=[course.pk])).status_code == 200
    for _ in range(5):
        SessionFactory(course=course, days=[datetime.date(2026, 7, 1)])
        CourseFactory()
        add_material(course, name="a.pdf", content=SAMPLE_PDF)
    with page_queries(*listing):
        assert client.get(reverse("course_list")).status_code == 200
    with page_queries(*detail):
        assert client.get(reverse("course_detail", args=[course.pk])).status_code == 200
