"""HR edits a session: its days are updated in place, so attendance, absence notices and
check-in codes recorded for a day stay with it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollments.models import AbsenceNotice, Attendance, CheckInCode
from enrollments.services import attendance_record, check_in_code_for
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db

FIRST, SECOND = datetime.date(2026, 6, 10), datetime.date(2026, 6, 11)


def form_data(session, days, **changes):
    """The session form as the page posts it: the days with their hidden ids, the existing ones
    first (as the page lists them)."""
    data = {
        "number": session.number, "capacity": session.capacity,
        "days-TOTAL_FORMS": len(days) + 1,
        "days-INITIAL_FORMS": sum(1 for pk, *_rest in days if pk),
        "days-MIN_NUM_FORMS": 1, "days-MAX_NUM_FORMS": 20,
    }  # fmt: skip
    for index, (pk, date, starts, ends) in enumerate(days):
        data |= {
            f"days-{index}-id": pk or "", f"days-{index}-date": date.isoformat(),
            f"days-{index}-starts_at": starts, f"days-{index}-ends_at": ends,
        }  # fmt: skip
    return data | changes


@pytest.fixture
def recorded():
    """A two-day session with attendance on the first day, an absence notice for the second
    and a check-in code."""
    session = SessionFactory(capacity=10, days=[FIRST, SECOND])
    first, second = session.days.order_by("date")
    enrollment = enrol(TraineeFactory(), session)
    attendance_record(day=first, marks={enrollment.pk: "present"}, actor=None)
    AbsenceNotice.objects.create(enrollment=enrollment, day=second, reason="work")
    check_in_code_for(first)
    return session, first, second


def test_changing_only_the_capacity_keeps_what_the_days_recorded(client, hr_admin, recorded):
    session, first, second = recorded
    client.force_login(hr_admin)
    url = reverse("session_edit", args=[session.course_id, session.pk])
    days = [(d.pk, d.date, "09:30", "17:00") for d in (first, second)]
    response = client.post(url, form_data(session, days, capacity=12))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.capacity == 12
    assert list(session.days.order_by("date").values_list("pk", flat=True)) == [first.pk, second.pk]
    assert Attendance.objects.filter(day=first).count() == 1
    assert AbsenceNotice.objects.filter(day=second).count() == 1
    assert CheckInCode.objects.filter(day=first).exists()


def test_a_day_keeps_its_row_when_its_times_change(client, hr_admin, recorded):
    session, first, second = recorded
    client.force_login(hr_admin)
    url = reverse("session_edit", args=[session.course_id, session.pk])
    days = [(first.pk, FIRST, "10:00", "16:00"), (second.pk, SECOND, "09:30", "17:00")]
    assert client.post(url, form_data(session, days)).status_code == 302
    first.refresh_from_db()
    assert (first.starts_at, first.ends_at) == (datetime.time(10), datetime.time(16))
    assert Attendance.objects.get().day_id == first.pk


def test_removing_a_day_with_attendance_is_refused_with_a_message(client, hr_admin, recorded):
    session, _first, second = recorded
    client.force_login(hr_admin)
    url = reverse("session_edit", args=[session.course_id, session.pk])
    response = client.post(url, form_data(session, [(second.pk, SECOND, "09:30", "17:00")]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026年6月10日" in page and "出欠" in page
    assert session.days.count() == 2 and Attendance.objects.count() == 1


def test_a_day_without_records_can_be_removed_and_a_new_one_added(client, hr_admin):
    session = SessionFactory(capacity=10, days=[FIRST, SECOND])
    first, _second = session.days.order_by("date")
    client.force_login(hr_admin)
    url = reverse("session_edit", args=[session.course_id, session.pk])
    third = datetime.date(2026, 6, 12)
    days = [(first.pk, FIRST, "09:30", "17:00"), (None, third, "09:30", "12:00")]
    assert client.post(url, form_data(session, days)).status_code == 302
    assert list(session.days.order_by("date").values_list("date", flat=True)) == [FIRST, third]
    assert session.days.filter(pk=first.pk).exists()


def test_day_rows_are_not_marked_required_and_a_half_filled_row_is_refused(client, hr_admin):
    session = SessionFactory(capacity=10, days=[FIRST])
    client.force_login(hr_admin)
    url = reverse("session_edit", args=[session.course_id, session.pk])
    page = client.get(url)
    days = page.context["days"]
    assert not any(f.required for form in days for f in form.fields.values())
    data = form_data(session, [(session.days.get().pk, FIRST, "09:30", "17:00")])
    data |= {"days-1-date": SECOND.isoformat()}  # a date without times
    response = client.post(url, data)
    assert response.status_code == 200
    assert "日付と開始・終了時刻をすべて入力" in response.content.decode()
    assert session.days.count() == 1


def test_the_absence_form_names_days_in_japanese():
    from enrollments.forms import AbsenceForm
    from enrollments.models import Enrollment

    soon = timezone.localdate() + datetime.timedelta(days=40)
    session = SessionFactory(days=[soon])
    enrollment = enrol(TraineeFactory(), session)
    label = (
        AbsenceForm(enrollment=Enrollment.objects.get(pk=enrollment.pk))
        .fields["day"]
        .label_from_instance(session.days.get())
    )
    assert label.startswith(f"{soon.year}年{soon.month}月{soon.day}日（") and label.endswith(
        "09:30"
    )
