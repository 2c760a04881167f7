"""Attendance for a day that has not come (issue 18, item 6): warned on the day before it
starts, refused for days further ahead than ATTENDANCE_MAX_DAYS_AHEAD; nothing completes."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollments.models import Attendance, Completion
from enrollments.services import EnrollmentRefused, attendance_all_present, attendance_record
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db


def _place(day: datetime.date):
    session = SessionFactory(days=[day])
    return enrol(TraineeFactory(), session), session.days.get()


def test_a_day_ahead_is_refused_and_completes_nobody():
    place, day = _place(timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(EnrollmentRefused, match="まだ"):
        attendance_record(day=day, marks={place.pk: "present"}, actor=None)
    with pytest.raises(EnrollmentRefused):
        attendance_all_present(day=day, actor=None)
    assert not Attendance.objects.exists()
    place.refresh_from_db()
    assert place.completion != Completion.COMPLETED


def test_the_setting_allows_days_ahead(settings):
    settings.ATTENDANCE_MAX_DAYS_AHEAD = 2
    place, day = _place(timezone.localdate() + datetime.timedelta(days=2))
    assert attendance_record(day=day, marks={place.pk: "present"}, actor=None) == 1
    far, far_day = _place(timezone.localdate() + datetime.timedelta(days=3))
    with pytest.raises(EnrollmentRefused):
        attendance_record(day=far_day, marks={far.pk: "present"}, actor=None)


def test_the_page_warns_before_the_day_starts_and_refuses_with_a_message(client, hr_admin):
    place, day = _place(timezone.localdate() + datetime.timedelta(days=1))
    client.force_login(hr_admin)
    url = reverse("attendance", args=[day.session_id, day.pk])
    page = client.get(url).content.decode()
    assert "まだ来ていません" in page and "出欠を保存" not in page  # a day ahead: no form
    response = client.post(url, {f"mark_{place.pk}": "present"}, follow=True)
    assert "まだ" in response.content.decode()
    assert not Attendance.objects.exists()
    _past, past_day = _place(timezone.localdate() - datetime.timedelta(days=1))
    page = client.get(reverse("attendance", args=[past_day.session_id, past_day.pk]))
    assert "まだ始まっていません" not in page.content.decode()


def test_a_day_has_not_started_until_its_start_time():
    import datetime as dt

    from enrollments.services import day_not_started

    _unused, day = _place(dt.date(2026, 5, 12))  # 9:30–17:00
    tokyo = timezone.get_current_timezone()
    assert day_not_started(day, now=dt.datetime(2026, 5, 12, 9, 29, tzinfo=tokyo))
    assert not day_not_started(day, now=dt.datetime(2026, 5, 12, 9, 30, tzinfo=tokyo))
