"""Issue 22: HR cancels a session (中止) or changes its time, room or online URL, and everyone on
it is told — exactly once, exactly the right people — with the calendar files following (same
UID, higher SEQUENCE, STATUS:CANCELLED); a replacement session is a one-click move."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from audit.models import AuditEvent
from courses.models import CourseKind
from enrollments.calendar import session_ics
from enrollments.models import ChangeRequest, CheckInCode, Enrollment, Status
from enrollments.services import (
    EnrollmentRefused,
    check_in_code_for,
    enrollment_apply,
    enrollment_cancel,
    enrollment_move_to_replacement,
    session_cancel,
    session_save,
)
from notices.models import Delivery, Notice
from tests.courses.factories import CourseFactory, RoomFactory, SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db


def person(organisation, username):
    user = UserFactory(username=username, roles=[Role.TRAINEE])
    return TraineeFactory(organisation=organisation, user=user, staff_number=username)


@pytest.fixture
def ward(organisation, coordinator):
    """A session of an open course with people in every state, in two organisations: the
    coordinator acts for `organisation` only."""
    other_org = OrganisationFactory(code="150000", name="環境部")
    other_coordinator = UserFactory(username="200009", roles=[Role.COORDINATOR, Role.TRAINEE])
    other_coordinator.coordinated_organisations.add(other_org)
    course = CourseFactory(kind=CourseKind.OPEN)
    ahead = timezone.localdate() + datetime.timedelta(days=30)
    session = SessionFactory(course=course, number=1, capacity=2, days=[ahead])
    replacement = SessionFactory(course=course, number=2, capacity=1,
                                 days=[ahead + datetime.timedelta(days=14)])  # fmt: skip
    people = {
        "confirmed": person(organisation, "400001"),
        "ordered": person(other_org, "400002"),
        "waitlisted": person(organisation, "400003"),
        "requested": person(organisation, "400004"),
        "gave_up": person(organisation, "400005"),
        "rejected": person(other_org, "400006"),
    }
    places = {
        "confirmed": enrol(people["confirmed"], session, Status.CONFIRMED, "applied"),
        "ordered": enrol(people["ordered"], session, Status.CONFIRMED, "ordered"),
        "waitlisted": enrol(people["waitlisted"], session, Status.WAITLISTED, "applied"),
        "requested": enrol(people["requested"], session, Status.REQUESTED, "nominated"),
        "gave_up": enrol(people["gave_up"], session, Status.REQUESTED, "applied"),
        "rejected": enrol(people["rejected"], session, Status.REJECTED, "applied"),
    }
    enrollment_cancel(enrollment=places["gave_up"], actor=None, by_hr=True)
    return {"session": session, "replacement": replacement, "people": people,
            "places": places, "other_coordinator": other_coordinator}  # fmt: skip


TOLD = ("confirmed", "ordered", "waitlisted", "requested")


def test_cancelling_releases_every_place_and_tells_exactly_those_on_it_once(
    ward, hr_admin, coordinator
):
    session, replacement = ward["session"], ward["replacement"]
    day = session.days.get()
    check_in_code_for(day)
    told = session_cancel(session=session, reason="  台風接近のため ", replacement=replacement,
                          actor=hr_admin)  # fmt: skip
    assert told == 4
    places = {k: Enrollment.objects.get(pk=p.pk) for k, p in ward["places"].items()}
    assert {k for k, p in places.items() if p.status == Status.CANCELLED} == {*TOLD, "gave_up"}
    assert places["rejected"].status == Status.REJECTED
    session.refresh_from_db()
    assert session.confirmed_count == 0 and session.is_cancelled
    assert session.cancellation_reason == "台風接近のため" and session.replacement == replacement
    # Nobody was promoted from the waiting list into a cancelled session.
    deliveries = Delivery.objects.filter(kind="cancelled")
    assert sorted(d.trainee_id for d in deliveries) == sorted(ward["people"][k].pk for k in TOLD)
    assert {d.rule for d in deliveries} == {f"cancelled:{session.pk}"}
    body = deliveries.first().body
    assert "中止" in body and "台風接近のため" in body and "第2回" in body
    assert "代わりの回に移る" in body
    # In each person's inbox, leading to their own place.
    for key in TOLD:
        notice = Notice.objects.get(user=ward["people"][key].user, kind="cancelled")
        assert notice.link == reverse("enrollment_detail", args=[ward["places"][key].pk])
    assert not Notice.objects.filter(user=ward["people"]["gave_up"].user, kind="cancelled")
    # The coordinators: of 福祉部 (three of their staff were on it), of 環境部 (one); never names.
    mine = Notice.objects.get(user=coordinator, kind="info")
    assert "3" in mine.body and ward["people"]["confirmed"].name not in mine.body
    theirs = Notice.objects.get(user=ward["other_coordinator"], kind="info")
    assert "1" in theirs.body
    assert not CheckInCode.objects.filter(day__session=session).exists()
    event = AuditEvent.objects.get(kind="session.cancelled")
    assert event.detail["places"] == 4 and event.detail["replacement"] == replacement.pk
    # Twice is refused, and nothing more is sent.
    with pytest.raises(ValidationError):
        session_cancel(session=session, reason="再送", replacement=None, actor=hr_admin)
    assert Delivery.objects.filter(kind="cancelled").count() == 4
    with pytest.raises(EnrollmentRefused):
        check_in_code_for(day)


def test_a_cancelled_session_takes_no_one_and_no_edit(ward, hr_admin):
    session = ward["session"]
    session_cancel(session=session, reason="講師急病のため", replacement=None, actor=hr_admin)
    newcomer = TraineeFactory()
    session.application_opens_at = session.application_closes_at = None
    with pytest.raises(EnrollmentRefused, match="中止"):
        enrollment_apply(session=session, trainee=newcomer, actor=None)
    session.refresh_from_db()
    with pytest.raises(ValidationError, match="中止"):
        session_save(session=session, days=[{"id": None, "date": datetime.date(2026, 5, 13),
                                             "starts_at": datetime.time(9),
                                             "ends_at": datetime.time(12)}],
                     actor=hr_admin)  # fmt: skip


def test_the_reason_is_required_and_the_replacement_must_be_of_the_same_course(ward, hr_admin):
    with pytest.raises(ValidationError):
        session_cancel(session=ward["session"], reason="  ", replacement=None, actor=hr_admin)
    with pytest.raises(ValidationError):
        session_cancel(session=ward["session"], reason="台風", replacement=SessionFactory(),
                       actor=hr_admin)  # fmt: skip
    assert not Delivery.objects.filter(kind="cancelled").exists()
    assert Enrollment.objects.filter(session=ward["session"], status=Status.CONFIRMED).count() == 2


def test_pending_change_requests_into_or_out_of_the_session_are_withdrawn(ward, hr_admin):
    other = SessionFactory(course=ward["session"].course, number=3)
    mover = enrol(TraineeFactory(), other, Status.CONFIRMED, "applied")
    into = ChangeRequest.objects.create(enrollment=mover, to_session=ward["session"])
    session_cancel(session=ward["session"], reason="台風", replacement=None, actor=hr_admin)
    into.refresh_from_db()
    assert into.state == ChangeRequest.State.WITHDRAWN


def test_one_click_moves_a_place_to_the_replacement_keeping_what_it_was(client, ward, hr_admin):
    session, replacement = ward["session"], ward["replacement"]
    session_cancel(session=session, reason="台風", replacement=replacement, actor=hr_admin)
    confirmed, ordered = ward["places"]["confirmed"], ward["places"]["ordered"]
    client.force_login(ward["people"]["confirmed"].user)
    page = client.get(reverse("enrollment_detail", args=[confirmed.pk])).content.decode()
    assert "中止" in page and "代わりの回に移る" in page
    client.post(reverse("enrollment_move_to_replacement", args=[confirmed.pk]))
    confirmed.refresh_from_db()
    replacement.refresh_from_db()
    assert confirmed.session == replacement and confirmed.status == Status.CONFIRMED
    assert replacement.confirmed_count == 1
    # The replacement has one seat: the next confirmed person waits for it.
    moved = enrollment_move_to_replacement(enrollment=ordered, actor=None)
    assert moved.status == Status.WAITLISTED and moved.source == "ordered"
    # An application stays an application.
    requested = enrollment_move_to_replacement(enrollment=ward["places"]["requested"], actor=None)
    assert requested.status == Status.REQUESTED
    # Twice, or for someone who had given the place up before the cancellation: refused.
    with pytest.raises(EnrollmentRefused):
        enrollment_move_to_replacement(enrollment=confirmed, actor=None)
    with pytest.raises(EnrollmentRefused):
        enrollment_move_to_replacement(enrollment=ward["places"]["gave_up"], actor=None)
    assert (
        "代わりの回に移る"
        not in client.get(reverse("enrollment_detail", args=[confirmed.pk])).content.decode()
    )


def ics_events(enrollment):
    enrollment = Enrollment.objects.select_related("session__course", "session__room").get(
        pk=enrollment.pk
    )
    return [c for c in Calendar.from_ical(session_ics(enrollment)).walk("VEVENT")]


def test_the_calendar_file_cancels_the_same_event(ward, hr_admin):
    place = ward["places"]["confirmed"]
    (before,) = ics_events(place)
    session_cancel(session=ward["session"], reason="台風", replacement=None, actor=hr_admin)
    (after,) = ics_events(place)
    assert str(after["uid"]) == str(before["uid"])
    assert int(before["sequence"]) == 0 and int(after["sequence"]) == 1
    assert str(before["status"]) == "CONFIRMED" and str(after["status"]) == "CANCELLED"
    assert str(after["summary"]).startswith("【中止】")


def test_a_change_of_time_or_room_tells_everyone_old_to_new(ward, hr_admin):
    session = ward["session"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    day = session.days.get()
    days = [{"id": day.pk, "date": tomorrow, "starts_at": datetime.time(13),
             "ends_at": datetime.time(17)}]  # fmt: skip
    session_save(session=session, days=days, actor=hr_admin)
    changed = Delivery.objects.filter(kind="changed")
    assert sorted(d.trainee_id for d in changed) == sorted(ward["people"][k].pk for k in TOLD)
    first = changed.first()
    # Tomorrow is within 24 hours of now only part of the day; the new day starts at 13:00.
    starts = datetime.datetime.combine(tomorrow, datetime.time(13),
                                       tzinfo=timezone.get_current_timezone())  # fmt: skip
    urgent = starts - timezone.now() <= datetime.timedelta(hours=24)
    assert first.subject.startswith("【至急】") is urgent
    assert "09:30–17:00" in first.body and "13:00–17:00" in first.body and "→" in first.body
    (event,) = ics_events(ward["places"]["confirmed"])
    assert int(event["sequence"]) == 1
    # Saved again unchanged: nobody is told anything.
    session.refresh_from_db()
    session_save(session=session, days=days, actor=hr_admin)
    assert Delivery.objects.filter(kind="changed").count() == 4
    # A room change is a second notice to each.
    session.refresh_from_db()
    session.room = RoomFactory(name="第2会議室")
    session_save(session=session, days=days, actor=hr_admin)
    assert Delivery.objects.filter(kind="changed").count() == 8
    latest = Delivery.objects.filter(kind="changed").order_by("-pk").first()
    assert "第2会議室" in latest.body and "09:30" not in latest.body
    assert AuditEvent.objects.filter(kind="session.change_told").count() == 2


def test_a_change_within_24_hours_is_urgent(ward, hr_admin):
    session = ward["session"]
    soon = timezone.localtime() + datetime.timedelta(hours=3)
    day = session.days.get()
    session_save(session=session, days=[{
        "id": day.pk, "date": soon.date(), "starts_at": datetime.time(soon.hour, 0),
        "ends_at": datetime.time(23, 59)}], actor=hr_admin)  # fmt: skip
    assert all(d.subject.startswith("【至急】") for d in Delivery.objects.filter(kind="changed"))


def test_hr_cancels_from_the_session_page_and_everyone_sees_chushi(client, ward, hr_admin):
    session = ward["session"]
    client.force_login(hr_admin)
    page = client.get(reverse("session_page", args=[session.pk])).content.decode()
    assert reverse("session_cancel", args=[session.pk]) in page
    form = client.get(reverse("session_cancel", args=[session.pk]))
    assert form.status_code == 200 and "確定 2人" in form.content.decode()
    missing = client.post(reverse("session_cancel", args=[session.pk]), {"reason": ""})
    assert missing.status_code == 200
    assert not cancelled(session)
    done = client.post(reverse("session_cancel", args=[session.pk]),
                       {"reason": "台風接近のため", "replacement": ward["replacement"].pk})  # fmt: skip
    assert done.status_code == 302 and cancelled(session)
    page = client.get(reverse("session_page", args=[session.pk]), follow=True)
    assert "台風接近のため" in page.content.decode()
    # The trainee's catalogue and My page say 中止.
    client.force_login(ward["people"]["confirmed"].user)
    assert "中止" in client.get(reverse("trainee_home")).content.decode()
    catalogue = client.get(reverse("catalogue")).content.decode()
    assert "中止" in catalogue


def cancelled(session) -> bool:
    session.refresh_from_db()
    return session.is_cancelled
