"""再受講・有効期限 (issue 22): a course whose completions expire (情報セキュリティ研修 every year,
救命講習 every three years). The completion's 有効期限 is kept with it and shown in the history and
on the certificate; the compliance numbers count only a valid completion — of the same course
code, in any fiscal year; a target rule builds next year's list from completions expired or
expiring; a reminder goes out before expiry, once per person."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from courses.models import TargetRule, valid_until
from courses.selectors import target_matches
from courses.services import course_save
from enrollments.selectors import completed_trainee_ids
from enrollments.services import attendance_record, reminders_send
from notices.models import Notice
from reports.dashboards import chase_list, compliance_summary
from reports.services import certificate_issue
from tests.courses.factories import CourseFactory, SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory, UserFactory
from trainees.models import Organisation

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 4)


@pytest.fixture(params=["the ward", "a coordinator's scope"])
def summary(request):
    """compliance_summary counted both ways it counts: the whole ward's (HR's three grouped
    queries) and a scope's (one query probing each member), here a scope holding every
    organisation, so both must give the same numbers."""

    def counted(fiscal_year: int) -> list[dict]:
        scope = None
        if request.param != "the ward":
            scope = set(Organisation.objects.values_list("pk", flat=True))
        return compliance_summary(fiscal_year, scope)

    return counted


@pytest.mark.parametrize(
    ("completed_on", "months", "expected"),
    [
        (datetime.date(2026, 6, 10), 12, datetime.date(2027, 6, 9)),
        (datetime.date(2026, 6, 10), 36, datetime.date(2029, 6, 9)),
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),  # no 31 February
        (datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 28)),  # no 29 February 2025
        (datetime.date(2026, 11, 1), 2, datetime.date(2026, 12, 31)),  # into the next year
        (datetime.date(2026, 6, 10), None, None),
    ],
)
def test_the_validity_of_a_completion(completed_on, months, expected):
    assert valid_until(completed_on, months) == expected


def _completed_on(trainee, day, *, code="S01", months=12, fiscal_year=None):
    """A place on a one-day session of the course with this code on ``day``, completed by
    attendance (recorded later: the validity counts from the day itself)."""
    from courses.models import Course

    year = fiscal_year or (day.year if day.month >= 4 else day.year - 1)
    course = Course.objects.filter(code=code, fiscal_year=year).first() or CourseFactory(
        code=code, valid_for_months=months, fiscal_year=year
    )
    session = SessionFactory(course=course, days=[day])
    place = enrol(trainee, session)
    attendance_record(day=session.days.get(), marks={place.pk: "present"}, actor=None)
    place.refresh_from_db()
    return place


def test_the_validity_is_kept_with_the_completion_and_follows_the_course(hr_admin):
    place = _completed_on(TraineeFactory(), datetime.date(2026, 6, 10))
    assert place.completion == "completed"
    assert place.valid_until == datetime.date(2027, 6, 9)  # from the session day, not today
    course = place.course
    course.valid_for_months = 36
    course_save(course=course, actor=hr_admin)
    place.refresh_from_db()
    assert place.valid_until == datetime.date(2029, 6, 9)
    course.valid_for_months = None
    course_save(course=course, actor=hr_admin)
    place.refresh_from_db()
    assert place.valid_until is None and place.completion == "completed"


def test_history_and_certificate_show_the_validity(client, hr_admin, settings):
    user = UserFactory()
    trainee = TraineeFactory(user=user)
    expired = _completed_on(trainee, datetime.date(2025, 6, 10), code="S01")
    valid = _completed_on(trainee, datetime.date(2026, 6, 10), code="Q01", months=36)
    client.force_login(user)
    page = client.get(reverse("my_history")).content.decode()
    assert "2026/06/09まで有効" in page and "2029/06/09まで有効" in page
    assert page.count("期限切れ") == 1
    certificate = certificate_issue(enrollment=valid, actor=hr_admin)
    assert certificate.valid_until == datetime.date(2029, 6, 9)
    old = certificate_issue(enrollment=expired, actor=hr_admin)
    from reports.certificates import verification_code

    page = client.get(reverse("certificate_verify", args=[verification_code(old)])).content
    assert "有効期限が切れています" in page.decode()
    page = client.get(reverse("certificate_verify", args=[verification_code(certificate)]))
    assert "本物で有効です" in page.content.decode() and "令和11年6月9日" in page.content.decode()
    csv = client.get(reverse("my_history_export"), {"format": "csv"}).content.decode("utf-8-sig")
    assert "有効期限" in csv and "2029-06-09" in csv


def _members(course, *trainees):
    from courses.models import TargetMember

    for trainee in trainees:
        TargetMember.objects.create(course=course, trainee=trainee, source="rule")


@pytest.fixture
def on_4_december_2026():
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 12, 4, 9, 0), tick=False):
        yield


@pytest.mark.usefixtures("on_4_december_2026")
def test_compliance_counts_only_a_valid_completion_of_the_same_code(summary):
    this_year = CourseFactory(code="S01", fiscal_year=2026, valid_for_months=12)
    renewed_last_winter, expired, this_years, never = (TraineeFactory() for _ in range(4))
    # Last fiscal year's course, taken in January 2026: valid until 2027-01-09 — counts.
    _completed_on(renewed_last_winter, datetime.date(2026, 1, 10), fiscal_year=2025)
    # Taken in June 2025: expired on 2026-06-09 — does not count.
    _completed_on(expired, datetime.date(2025, 6, 10))
    place = enrol(this_years, SessionFactory(course=this_year, days=[datetime.date(2026, 6, 1)]))
    attendance_record(day=place.session.days.get(), marks={place.pk: "present"}, actor=None)
    _members(this_year, renewed_last_winter, expired, this_years, never)
    row = next(r for r in summary(2026) if r["course_id"] == this_year.pk)
    assert (row["members"], row["completed"], row["missing"]) == (4, 2, 2)
    assert {line.trainee for line in chase_list(this_year, None)} == {expired, never}
    # Without a validity (on every year's S01) only a completion of this year's course counts.
    from courses.models import Course

    for course in Course.objects.filter(code="S01"):
        course.valid_for_months = None
        course_save(course=course, actor=None)
    row = next(r for r in summary(2026) if r["course_id"] == this_year.pk)
    assert row["completed"] == 1


@pytest.mark.usefixtures("on_4_december_2026")
def test_a_member_with_both_kinds_of_completion_counts_once(summary):
    """This year's course has no validity; last year's S01 had one of 24 months. Someone who
    completed both counts once, someone with only last year's still-valid completion counts,
    someone whose only completion is this year's counts (the compliance numbers add the
    completions on the course to the still-valid ones *without* such a completion: adding
    both would count 3 of 3 here as 4)."""
    this_year = CourseFactory(code="S01", fiscal_year=2026, valid_for_months=None)
    both, only_last_year, only_this_year = (TraineeFactory() for _ in range(3))
    for person in (both, only_last_year):
        place = _completed_on(person, datetime.date(2026, 1, 10), months=24)
        assert place.valid_until == datetime.date(2028, 1, 9)
    for person in (both, only_this_year):
        place = _completed_on(person, datetime.date(2026, 6, 1))
        assert place.course == this_year and place.valid_until is None
    _members(this_year, both, only_last_year, only_this_year, TraineeFactory())
    row = next(r for r in summary(2026) if r["course_id"] == this_year.pk)
    assert (row["members"], row["completed"], row["missing"]) == (4, 3, 1)
    assert len(chase_list(this_year, None)) == 1


@pytest.mark.usefixtures("on_4_december_2026")
def test_a_past_fiscal_year_counts_what_was_valid_on_its_last_day(summary):
    """FY2024's list: a completion valid on 31 March 2025 counts, though it has expired since
    (counting "valid today" would make every past year look undone)."""
    last_years = CourseFactory(code="S01", fiscal_year=2024, valid_for_months=12)
    valid_then, lapsed_before = TraineeFactory(), TraineeFactory()
    _completed_on(valid_then, datetime.date(2024, 6, 10))  # valid until 2025-06-09
    place = _completed_on(lapsed_before, datetime.date(2023, 6, 10))  # until 2024-06-09
    assert place.valid_until == datetime.date(2024, 6, 9)
    _members(last_years, valid_then, lapsed_before)
    row = next(r for r in summary(2024) if r["course_id"] == last_years.pk)
    assert (row["members"], row["completed"]) == (2, 1)
    assert [line.trainee for line in chase_list(last_years, None)] == [lapsed_before]


def test_next_years_list_takes_the_expired_and_the_expiring(settings):
    next_year = CourseFactory(code="S01", fiscal_year=2026, valid_for_months=12)
    soon, later, expired, never = (TraineeFactory() for _ in range(4))
    _completed_on(soon, datetime.date(2026, 1, 10), fiscal_year=2025)  # until 2027-01-09
    _completed_on(later, datetime.date(2026, 10, 1))  # until 2027-09-30
    _completed_on(expired, datetime.date(2025, 6, 10))  # until 2026-06-09
    rule = TargetRule.objects.create(course=next_year, renewal_within_days=60)
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 12, 4, 9, 0), tick=False):
        matches = {m.trainee_id: m.reasons
                   for m in target_matches(next_year, rule=rule, completed=completed_trainee_ids)}  # fmt: skip
        assert set(matches) == {soon.pk, expired.pk, never.pk}
        assert matches[never.pk] == ["renewal_due"]
        rule.renewal_within_days = 0
        assert {m.trainee_id for m in target_matches(
            next_year, rule=rule, completed=completed_trainee_ids)} == {expired.pk, never.pk}  # fmt: skip


def test_a_reminder_before_expiry_once_and_not_after_renewal(django_capture_on_commit_callbacks):
    soon, renewed = TraineeFactory(user=UserFactory()), TraineeFactory(user=UserFactory())
    for trainee in (soon, renewed):
        _completed_on(trainee, datetime.date(2026, 1, 10), fiscal_year=2025)  # until 2027-01-09
    _completed_on(renewed, datetime.date(2026, 11, 20))  # renewed: until 2027-11-19

    def send(day):
        with django_capture_on_commit_callbacks(execute=True):
            return reminders_send(today=day)["reminders"]

    assert send(datetime.date(2026, 12, 9)) == 0  # the course reminds 30 days before
    assert send(datetime.date(2026, 12, 10)) == 1
    notice = Notice.objects.get(kind="expiry")
    assert notice.user == soon.user and "2027年1月9日" in notice.body
    assert notice.link == reverse("my_history")
    assert send(datetime.date(2026, 12, 11)) == 0  # once
    assert send(datetime.date(2027, 1, 10)) == 0  # expired: nothing more to remind of
