"""申込 → 決定 / 補欠 / 不採用 → 変更・取消・欠席 → 出欠 → 修了, as services."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from courses.models import CourseKind, Selection, TargetRule
from enrollments.models import (
    AbsenceReason,
    Attendance,
    ChangeRequest,
    Completion,
    Enrollment,
    EnrollmentEvent,
    OrganisationQuota,
    Source,
    Status,
)
from enrollments.services import (
    EnrollmentRefused,
    absence_notify,
    attendance_record,
    change_request_decide,
    check_in,
    check_in_code_for,
    enrollment_apply,
    enrollment_cancel,
    enrollment_change,
    enrollment_nominate,
    enrollments_decide,
    lottery_draw,
    lottery_run,
    nomination_substitute,
    nomination_withdraw,
    session_save,
)
from notices.models import Delivery, Notice
from progress.services import completion_refresh
from tests.courses.factories import CourseFactory, SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def open_session(**kwargs):
    course = kwargs.pop("course", None) or CourseFactory(
        kind=CourseKind.OPEN, selection=kwargs.pop("selection", Selection.HR_DECISION)
    )
    kwargs.setdefault("application_opens_at", NOW - datetime.timedelta(days=1))
    kwargs.setdefault("application_closes_at", NOW + datetime.timedelta(days=1))
    return SessionFactory(course=course, **kwargs)


def person(**kwargs):
    trainee = TraineeFactory(**kwargs)
    trainee.user = UserFactory()
    trainee.save()
    return trainee


def status(enrollment) -> str:
    enrollment.refresh_from_db()
    return enrollment.status


def test_apply_then_hr_decides_and_everyone_is_told(
    mailoutbox, eager_celery, django_capture_on_commit_callbacks
):
    session = open_session(capacity=2)
    hr = UserFactory()
    a, b, c = person(), person(), person()
    with django_capture_on_commit_callbacks(execute=True):
        ea, eb, ec = (enrollment_apply(session=session, trainee=t, actor=t.user) for t in (a, b, c))
        assert {ea.status, eb.status, ec.status} == {Status.REQUESTED}
        enrollments_decide(
            session=session, enrollment_ids=[ea.pk, eb.pk], decision="confirmed", actor=hr
        )
        enrollments_decide(session=session, enrollment_ids=[ec.pk], decision="waitlisted", actor=hr)
    assert [status(e) for e in (ea, eb, ec)] == ["confirmed", "confirmed", "waitlisted"]
    session.refresh_from_db()
    assert session.confirmed_count == 2
    subjects = sorted(m.subject for m in mailoutbox)
    assert sum(s.startswith("【受講決定通知】") for s in subjects) == 2
    assert sum(s.startswith("【補欠のお知らせ】") for s in subjects) == 1
    assert Notice.objects.filter(kind="waitlist", user=c.user).exists()
    # The history says who did what, from what to what.
    history = list(
        EnrollmentEvent.objects.filter(enrollment=ea).values_list(
            "from_status", "to_status", "actor"
        )
    )
    assert history == [("", "requested", a.user.pk), ("requested", "confirmed", hr.pk)]


def test_a_full_session_confirms_no_more_and_says_so():
    session = open_session(capacity=1)
    hr = UserFactory()
    first, second = (
        enrollment_apply(session=session, trainee=person(), actor=None) for _ in range(2)
    )
    result = enrollments_decide(
        session=session, enrollment_ids=[first.pk, second.pk], decision="confirmed", actor=hr
    )
    assert result == {"changed": 1, "full": 1}
    assert status(second) == Status.REQUESTED


def test_first_come_waitlists_then_promotes_in_order_when_a_seat_frees(
    mailoutbox, eager_celery, django_capture_on_commit_callbacks
):
    session = open_session(capacity=1, selection=Selection.FIRST_COME)
    people = [person() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        seated, second, third = (
            enrollment_apply(session=session, trainee=t, actor=None) for t in people
        )
    assert [status(e) for e in (seated, second, third)] == ["confirmed", "waitlisted", "waitlisted"]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_cancel(enrollment=seated, actor=people[0].user)
    assert [status(e) for e in (seated, second, third)] == ["cancelled", "confirmed", "waitlisted"]
    assert [m.to for m in mailoutbox] == [[people[1].email]]  # the promoted one is told
    # Capacity raised by HR: the next in line moves up too.
    session.refresh_from_db()
    session.capacity = 2
    days = list(session.days.values("date", "starts_at", "ends_at"))
    session_save(session=session, days=days, actor=None)
    assert status(third) == Status.CONFIRMED
    # … and it cannot be lowered under the confirmed count.
    session.capacity = 1
    with pytest.raises(ValidationError):
        session_save(session=session, days=days, actor=None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {
                "application_opens_at": NOW + datetime.timedelta(days=1),
                "application_closes_at": NOW + datetime.timedelta(days=2),
            },
            "open",
        ),
        (
            {
                "application_opens_at": NOW - datetime.timedelta(days=2),
                "application_closes_at": NOW - datetime.timedelta(days=1),
            },
            "closed",
        ),
    ],
)
def test_outside_the_window_is_refused(change, message, settings):
    settings.LANGUAGE_CODE = "en"
    session = open_session(**change)
    with pytest.raises(EnrollmentRefused, match=message):
        enrollment_apply(session=session, trainee=person(), actor=None)
    assert not Enrollment.objects.exists()


def test_twice_ineligible_external_and_ordered_courses_are_refused():
    session = open_session()
    trainee = person()
    enrollment_apply(session=session, trainee=trainee, actor=None)
    with pytest.raises(EnrollmentRefused):
        enrollment_apply(session=session, trainee=trainee, actor=None)
    other_session = open_session(course=session.course)
    with pytest.raises(EnrollmentRefused):  # one active place per course
        enrollment_apply(session=other_session, trainee=trainee, actor=None)
    welfare = OrganisationFactory(code="140000")
    rule = TargetRule.objects.create(course=session.course)
    rule.organisations.set([welfare])
    with pytest.raises(EnrollmentRefused):
        enrollment_apply(session=session, trainee=person(), actor=None)
    enrollment_apply(session=session, trainee=person(organisation=welfare), actor=None)
    external = open_session()
    with pytest.raises(EnrollmentRefused):
        enrollment_apply(session=external, trainee=person(is_external=True), actor=None)
    ordered = SessionFactory(course__kind=CourseKind.ORDERED)
    with pytest.raises(EnrollmentRefused):
        enrollment_apply(session=ordered, trainee=person(), actor=None)
    assert Enrollment.objects.count() == 2


def test_cancel_after_the_deadline_is_refused_but_an_absence_notice_is_not():
    session = open_session(cancellation_deadline=NOW - datetime.timedelta(hours=1), days=[TOMORROW])
    trainee = person()
    enrollment = enrol(trainee, session, source=Source.APPLIED)
    with pytest.raises(EnrollmentRefused, match=r"期限|deadline"):
        enrollment_cancel(enrollment=enrollment, actor=trainee.user)
    day = session.days.get()
    absence_notify(
        enrollment=enrollment,
        day=day,
        reason=AbsenceReason.ILLNESS,
        detail="発熱",
        actor=trainee.user,
    )
    assert status(enrollment) == Status.CONFIRMED  # the seat is kept after the deadline
    assert enrollment.absences.get().reason == AbsenceReason.ILLNESS


def test_absence_from_every_day_before_the_deadline_frees_the_seat():
    session = open_session(
        capacity=1, cancellation_deadline=NOW + datetime.timedelta(days=3), days=[TOMORROW]
    )
    trainee, waiting = person(), person()
    enrollment = enrol(trainee, session)
    in_line = enrol(waiting, session, status=Status.WAITLISTED)
    absence_notify(
        enrollment=enrollment,
        day=session.days.get(),
        reason=AbsenceReason.WORK,
        detail="",
        actor=None,
    )
    # 欠席 (not 取消): the place is marked absent, the seat goes to the next in line.
    assert status(enrollment) == Status.ABSENT and status(in_line) == Status.CONFIRMED


def test_lottery_is_reproducible_and_puts_nominees_and_last_years_unlucky_first():
    course = CourseFactory(kind=CourseKind.OPEN, code="E03", fiscal_year=2026)
    session = open_session(course=course, capacity=3)
    hr, coordinator = UserFactory(), UserFactory()
    unlucky = person()
    last_year = SessionFactory(
        course=CourseFactory(code="E03", fiscal_year=2025, kind=CourseKind.OPEN)
    )
    enrol(unlucky, last_year, status=Status.REJECTED, source=Source.APPLIED)
    nominee = person()
    enrollment_nominate(session=session, trainee=nominee, actor=coordinator)
    enrollment_apply(session=session, trainee=unlucky, actor=None)
    others = [enrollment_apply(session=session, trainee=person(), actor=None) for _ in range(6)]
    lottery = lottery_run(session=session, actor=hr, seed="seed-2026", before_close=True)
    assert lottery_draw(lottery.entrants, lottery.seed) == lottery.drawn  # replayed: same draw
    by_id = dict(Enrollment.objects.filter(session=session).values_list("id", "trainee_id"))
    assert [by_id[pk] for pk in lottery.drawn[:2]] == [nominee.pk, unlucky.pk]
    confirmed = set(
        Enrollment.objects.filter(session=session, status="confirmed").values_list("id", flat=True)
    )
    assert confirmed == set(lottery.drawn[:3])
    waiting = list(
        Enrollment.objects.filter(session=session, status="waitlisted")
        .order_by("waitlist_rank")
        .values_list("id", flat=True)
    )
    assert waiting == lottery.drawn[3:]  # the waiting list is the draw's order
    # Another seed, another order among the others (the groups stay first).
    assert lottery_draw(lottery.entrants, "other")[:2] == lottery.drawn[:2]
    assert {e.pk for e in others} == set(lottery.drawn[2:])


def test_quota_per_organisation_is_enforced():
    session = open_session()
    welfare = OrganisationFactory(code="140000")
    section = OrganisationFactory(code="140100", parent=welfare)
    OrganisationQuota.objects.create(course=session.course, organisation=welfare, limit=1)
    coordinator = UserFactory()
    enrollment_nominate(session=session, trainee=person(organisation=section), actor=coordinator)
    with pytest.raises(EnrollmentRefused, match="1"):
        enrollment_nominate(
            session=session, trainee=person(organisation=welfare), actor=coordinator
        )
    enrollment_apply(session=session, trainee=person(), actor=None)  # another organisation


def test_withdraw_and_substitute_keep_the_seat_with_the_department():
    session = open_session(capacity=1)
    coordinator, hr = UserFactory(), UserFactory()
    nominee, stand_in = person(), person()
    nomination = enrollment_nominate(
        session=session, trainee=nominee, actor=coordinator, comment="係長候補", priority=1
    )
    enrollments_decide(
        session=session, enrollment_ids=[nomination.pk], decision="confirmed", actor=hr
    )
    replacement = nomination_substitute(
        enrollment=nomination, substitute=stand_in, actor=coordinator
    )
    assert status(nomination) == Status.WITHDRAWN and replacement.status == Status.CONFIRMED
    assert replacement.substitute_for_id == nomination.pk
    session.refresh_from_db()
    assert session.confirmed_count == 1
    nomination_withdraw(enrollment=replacement, actor=coordinator)
    session.refresh_from_db()
    assert session.confirmed_count == 0


def test_change_session_now_or_by_request():
    course = CourseFactory(kind=CourseKind.OPEN)
    first, second = open_session(course=course, capacity=1), open_session(course=course, capacity=1)
    mover, blocker = person(), person()
    enrollment = enrol(mover, first)
    assert enrollment_change(enrollment=enrollment, to_session=second, actor=mover.user) == "moved"
    enrollment.refresh_from_db()
    assert enrollment.session_id == second.pk
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.confirmed_count, second.confirmed_count) == (0, 1)
    enrol(blocker, first, source=Source.APPLIED)  # now the first session is full
    assert (
        enrollment_change(enrollment=enrollment, to_session=first, actor=mover.user) == "requested"
    )
    request = ChangeRequest.objects.get()
    with pytest.raises(EnrollmentRefused):  # still full
        change_request_decide(request=request, approve=True, actor=UserFactory())
    enrollment_cancel(enrollment=Enrollment.objects.get(trainee=blocker), actor=None)
    change_request_decide(request=request, approve=True, actor=UserFactory())
    enrollment.refresh_from_db()
    assert enrollment.session_id == first.pk and enrollment.status == Status.CONFIRMED


def test_completion_from_attendance_and_materials(private_storage):
    from learning.services import material_view_open
    from tests.courses.factories import SAMPLE_PDF, add_material

    session = SessionFactory(days=[datetime.date(2026, 5, 12), datetime.date(2026, 5, 13)])
    course = session.course
    course.requires_materials = True
    course.save()
    add_material(course, name="a.pdf", content=SAMPLE_PDF)
    trainee = person()
    enrollment = enrol(trainee, session)
    day1, day2 = session.days.order_by("date")
    completion_refresh([enrollment.pk])
    enrollment.refresh_from_db()
    assert enrollment.completion == Completion.INCOMPLETE  # both days are past and nothing done
    assert enrollment.completion_missing == ["attendance", "materials"]
    attendance_record(day=day1, marks={enrollment.pk: "present"}, actor=None)
    attendance_record(day=day2, marks={enrollment.pk: "late"}, actor=None)
    enrollment.refresh_from_db()
    assert enrollment.completion_missing == ["materials"]
    material_view_open(material=course.materials.get(), trainee=trainee)
    enrollment.refresh_from_db()
    assert enrollment.completion == Completion.COMPLETED and enrollment.completed_at


def test_check_in_only_while_the_day_is_on(monkeypatch):
    today = timezone.localdate()
    session = SessionFactory(days=[today])
    day = session.days.get()
    day.starts_at, day.ends_at = datetime.time(9, 0), datetime.time(17, 0)
    day.save()
    trainee = person()
    enrollment = enrol(trainee, session)
    code = check_in_code_for(day).code
    tz = timezone.get_current_timezone()
    at = lambda h, m: datetime.datetime.combine(today, datetime.time(h, m), tzinfo=tz)  # noqa: E731
    monkeypatch.setattr(timezone, "now", lambda: at(8, 0))
    with pytest.raises(EnrollmentRefused):
        check_in(trainee=trainee, code=code, actor=None)
    monkeypatch.setattr(timezone, "now", lambda: at(9, 5))
    assert check_in(trainee=trainee, code=code, actor=None).mark == "present"
    monkeypatch.setattr(timezone, "now", lambda: at(9, 30))
    assert (
        check_in(
            trainee=trainee,
            code=code.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            actor=None,
        ).mark
        == "late"
    )
    assert Attendance.objects.get(enrollment=enrollment).method == "check_in"
    monkeypatch.setattr(timezone, "now", lambda: at(17, 30))
    with pytest.raises(EnrollmentRefused):
        check_in(trainee=trainee, code=code, actor=None)
    outsider = person()
    monkeypatch.setattr(timezone, "now", lambda: at(10, 0))
    with pytest.raises(EnrollmentRefused):
        check_in(trainee=outsider, code=code, actor=None)


def test_an_order_confirms_places_within_the_seats(
    eager_celery, django_capture_on_commit_callbacks
):
    from enrollments.services import order_issue

    session = SessionFactory(capacity=2)
    people = [person() for _ in range(3)]
    with pytest.raises(EnrollmentRefused):
        order_issue(session=session, trainee_ids=[p.pk for p in people], actor=None)
    assert not Enrollment.objects.exists() and not Delivery.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        order_issue(session=session, trainee_ids=[p.pk for p in people[:2]], actor=None)
    assert set(Enrollment.objects.values_list("status", "source")) == {("confirmed", "ordered")}
    session.refresh_from_db()
    assert session.confirmed_count == 2


def test_a_training_order_cannot_be_cancelled_by_the_trainee_but_by_hr():
    session = SessionFactory(days=[TOMORROW])
    trainee = person()
    ordered = enrol(trainee, session, source=Source.ORDERED)
    with pytest.raises(EnrollmentRefused, match=r"研修命令|training order"):
        enrollment_cancel(enrollment=ordered, actor=trainee.user)
    assert status(ordered) == Status.CONFIRMED
    enrollment_cancel(enrollment=ordered, actor=None, by_hr=True)
    assert status(ordered) == Status.CANCELLED


def test_no_absence_notice_for_a_day_that_has_passed():
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    session = open_session(days=[yesterday, TOMORROW])
    enrollment = enrol(person(), session, source=Source.APPLIED)
    past = session.days.get(date=yesterday)
    with pytest.raises(EnrollmentRefused):
        absence_notify(
            enrollment=enrollment, day=past, reason=AbsenceReason.WORK, detail="", actor=None
        )
    assert not enrollment.absences.exists()


def test_applying_again_after_being_absent_starts_a_clean_record():
    session = open_session(
        capacity=2, cancellation_deadline=NOW + datetime.timedelta(days=3), days=[TOMORROW]
    )
    trainee = person()
    enrollment = enrol(trainee, session, source=Source.APPLIED)
    absence_notify(
        enrollment=enrollment, day=session.days.get(), reason=AbsenceReason.WORK, detail="",
        actor=None,
    )  # fmt: skip
    assert status(enrollment) == Status.ABSENT
    again = enrollment_apply(session=session, trainee=trainee, actor=trainee.user)
    assert again.pk == enrollment.pk and again.status == Status.REQUESTED
    assert not again.absences.exists()  # the old notice belonged to the old place
    reasons = list(again.events.values_list("to_status", flat=True))
    assert Status.ABSENT in reasons  # … and its history stays


def test_lots_are_not_drawn_while_applications_are_open_unless_hr_says_so(client):
    session = open_session(capacity=1)  # applications close tomorrow
    hr = UserFactory(roles=[Role.HR_ADMIN], totp=True)
    for _ in range(3):
        enrollment_apply(session=session, trainee=person(), actor=None)
    with pytest.raises(EnrollmentRefused, match=r"受付|open"):
        lottery_run(session=session, actor=hr)
    assert not session.lotteries.exists()
    lottery_run(session=session, actor=hr, before_close=True)
    client.force_login(hr)
    page = client.get(reverse("session_page", args=[session.pk])).content.decode()
    # The waiting list is numbered from 1 (not after the seats).
    assert "1 番目" in page and "2 番目" in page and "3 番目" not in page
    ranks = sorted(
        Enrollment.objects.filter(session=session, status=Status.WAITLISTED).values_list(
            "waitlist_rank", flat=True
        )
    )
    assert ranks == [1, 2]
