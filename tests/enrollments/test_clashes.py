"""Issue 22, 重複チェック: a room holds one session at a time (refused, the other named); a
person applying or nominated into a session whose days overlap another confirmed place of
theirs is warned."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses.models import CourseKind, Session
from enrollments.models import Status
from enrollments.selectors import clashing_places
from enrollments.services import session_cancel, session_save
from tests.courses.factories import CourseFactory, RoomFactory, SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db

DAY = datetime.date(2027, 1, 20)


def day(start, end, date=DAY):
    return {"id": None, "date": date, "starts_at": datetime.time(*start),
            "ends_at": datetime.time(*end)}  # fmt: skip


def test_a_room_is_booked_once_at_a_time(hr_admin):
    room = RoomFactory(name="5階 研修室A")
    held = session_save(session=Session(course=CourseFactory(title="接遇研修"), number=1,
                                        capacity=10, room=room),
                        days=[day((9, 30), (12, 0))], actor=None)  # fmt: skip
    other = CourseFactory()
    with pytest.raises(ValidationError) as refused:
        session_save(session=Session(course=other, number=1, capacity=10, room=room),
                     days=[day((11, 0), (15, 0))], actor=None)  # fmt: skip
    assert "接遇研修" in refused.value.messages[0] and "5階 研修室A" in refused.value.messages[0]
    # Back to back is fine, as is the same time in another room or on another day.
    session_save(session=Session(course=other, number=1, capacity=10, room=room),
                 days=[day((13, 0), (15, 0))], actor=None)  # fmt: skip
    session_save(session=Session(course=other, number=2, capacity=10, room=RoomFactory()),
                 days=[day((9, 30), (12, 0))], actor=None)  # fmt: skip
    session_save(session=Session(course=other, number=3, capacity=10, room=room),
                 days=[day((9, 30), (12, 0), DAY + datetime.timedelta(days=1))], actor=None)  # fmt: skip
    # A cancelled session frees its room.
    session_cancel(session=held, reason="台風", replacement=None, actor=hr_admin)
    session_save(session=Session(course=other, number=4, capacity=10, room=room),
                 days=[day((10, 0), (11, 0))], actor=None)  # fmt: skip


def test_overlapping_confirmed_places_are_found_and_nothing_else():
    trainee = TraineeFactory()
    morning = SessionFactory(days=[DAY])  # 09:30–17:00
    enrol(trainee, morning, Status.CONFIRMED)
    waiting_elsewhere = SessionFactory(days=[DAY])
    enrol(trainee, waiting_elsewhere, Status.WAITLISTED)  # not confirmed: no clash
    target = SessionFactory(days=[DAY])
    found = clashing_places([trainee.pk, TraineeFactory().pk], target)
    assert list(found) == [trainee.pk] and [p.session for p in found[trainee.pk]] == [morning]
    assert clashing_places([trainee.pk], SessionFactory(days=[DAY + datetime.timedelta(1)])) == {}


def test_applying_into_an_overlapping_session_warns(client, organisation):
    user = UserFactory(username="600001", roles=[Role.TRAINEE])
    trainee = TraineeFactory(organisation=organisation, user=user, staff_number="600001")
    enrol(trainee, SessionFactory(course=CourseFactory(title="財務会計研修"), days=[DAY]),
          Status.CONFIRMED)  # fmt: skip
    course = CourseFactory(kind=CourseKind.OPEN)
    overlapping = SessionFactory(course=course, days=[DAY])
    client.force_login(user)
    page = client.post(reverse("apply", args=[overlapping.pk]), follow=True).content.decode()
    assert "日時が重なっています：財務会計研修" in page
    other = SessionFactory(course=CourseFactory(kind=CourseKind.OPEN),
                           days=[DAY + datetime.timedelta(days=7)])  # fmt: skip
    page = client.post(reverse("apply", args=[other.pk]), follow=True).content.decode()
    assert "重なっています" not in page and other.course.title in page


def _clashing_pair(title="財務会計研修"):
    """Two people; the first holds a confirmed place on ``title`` on DAY."""
    clashing, free = TraineeFactory(name="重複 一郎"), TraineeFactory(name="空き 花子")
    enrol(clashing, SessionFactory(course=CourseFactory(title=title), days=[DAY]),
          Status.CONFIRMED)  # fmt: skip
    return clashing, free


def test_hr_confirms_over_a_clash_only_with_a_reason(client, hr_admin):
    from audit.models import AuditEvent
    from enrollments.models import Enrollment, EnrollmentEvent

    clashing, free = _clashing_pair()
    session = SessionFactory(days=[DAY], capacity=10)
    places = [enrol(t, session, Status.REQUESTED) for t in (clashing, free)]
    client.force_login(hr_admin)
    url = reverse("session_decide", args=[session.pk])
    decide = {"decision": Status.CONFIRMED, "enrollments": [p.pk for p in places]}
    page = client.post(url, decide, follow=True).content.decode()
    assert "重複 一郎（財務会計研修" in page and "何も変更していません" in page
    # All or nothing: the one without a clash was not confirmed either.
    assert set(Enrollment.objects.filter(session=session).values_list("status", flat=True)) == {
        Status.REQUESTED
    }
    client.post(url, {**decide, "clash_reason": "本人と所属長が了承（財務会計研修は午後から）"})
    assert set(Enrollment.objects.filter(session=session).values_list("status", flat=True)) == {
        Status.CONFIRMED
    }
    note = EnrollmentEvent.objects.filter(enrollment=places[0], to_status=Status.CONFIRMED).get()
    assert "本人と所属長が了承" in note.reason
    event = AuditEvent.objects.get(kind="enrollment.decided")
    assert event.detail["overlapping"] == 1 and "了承" in event.detail["reason"]
    # Waitlisting or rejecting never asks for a reason.
    other = SessionFactory(days=[DAY], capacity=10)
    place = enrol(clashing, other, Status.REQUESTED)
    client.post(reverse("session_decide", args=[other.pk]),
                {"decision": Status.REJECTED, "enrollments": [place.pk]})  # fmt: skip
    place.refresh_from_db()
    assert place.status == Status.REJECTED


def test_an_order_over_a_clash_needs_a_reason_and_writes_nothing_without_one(hr_admin):
    from courses.models import TargetMember
    from enrollments.services import order_issue

    clashing, free = _clashing_pair("窓口応対研修")
    session = SessionFactory(days=[DAY], capacity=10)
    for trainee in (clashing, free):
        TargetMember.objects.create(course=session.course, trainee=trainee, source="rule")
    with pytest.raises(ValidationError) as refused:
        order_issue(session=session, trainee_ids=[clashing.pk, free.pk], actor=hr_admin)
    assert "重複 一郎（窓口応対研修" in refused.value.messages[0]
    assert not session.orders.exists() and not session.enrollments.exists()
    order = order_issue(session=session, trainee_ids=[clashing.pk, free.pk], actor=hr_admin,
                        clash_reason="窓口応対研修は欠席の届出済み")  # fmt: skip
    assert order is not None and session.enrollments.filter(status=Status.CONFIRMED).count() == 2


def test_the_course_page_order_button_takes_the_reason(client, hr_admin):
    from courses.models import TargetMember

    clashing, _free = _clashing_pair()
    session = SessionFactory(days=[DAY], capacity=10)
    TargetMember.objects.create(course=session.course, trainee=clashing, source="rule")
    client.force_login(hr_admin)
    url = reverse("session_issue_orders", args=[session.course_id, session.pk])
    assert client.post(url)["Location"] == reverse("course_detail", args=[session.course_id])
    assert not session.orders.exists()
    page = client.get(reverse("course_detail", args=[session.course_id])).content.decode()
    assert 'name="clash_reason"' in page
    response = client.post(url, {"clash_reason": "本人了承済み"})
    assert response["Location"] == reverse("order_detail", args=[session.orders.get().pk])
