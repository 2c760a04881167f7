"""The coordinator's home as a work queue (issue 22): sessions open for nomination with their
deadlines and quota use, reports waiting for review, staff missing mandatory training, sessions
in the next two weeks with their staff on them — only their own organisations' people, each a
link, a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from courses.models import CourseKind, TargetMember, current_fiscal_year
from enrollments.models import OrganisationQuota
from tests.assessments.factories import make_form, values
from tests.courses.factories import CourseFactory, SessionFactory
from tests.enrollments.factories import completed, enrol
from tests.trainees.factories import OrganisationFactory, TraineeFactory

pytestmark = pytest.mark.django_db


def _world(organisation, count=1):
    """Staff of the coordinator's organisation (``ours``) and of another (``theirs``) in every
    kind of item; ``count`` people of each kind, to show more people cost no more queries."""
    today = timezone.localdate()
    now = timezone.now()
    other = OrganisationFactory(name="子ども家庭部")
    ours = [TraineeFactory(organisation=organisation) for _ in range(2 * count)]
    theirs = [TraineeFactory(organisation=other) for _ in range(2 * count)]
    # Open for nomination, closing in three days; our quota is 3, two of ours hold places.
    open_course = CourseFactory(kind=CourseKind.OPEN, title="ファシリテーション研修")
    nominable = SessionFactory(
        course=open_course, days=[today + datetime.timedelta(days=30)],
        application_opens_at=now - datetime.timedelta(days=1),
        application_closes_at=now + datetime.timedelta(days=3),
    )  # fmt: skip
    OrganisationQuota.objects.create(course=open_course, organisation=organisation, limit=3)
    for person in ours[:2] + theirs[:1]:
        enrol(person, nominable, status="requested", source="nominated")
    # A session in five days with ours and theirs on it.
    soon = SessionFactory(course=CourseFactory(title="接遇研修"),
                          days=[today + datetime.timedelta(days=5)])  # fmt: skip
    for person in ours + theirs:
        enrol(person, soon)
    # Reports submitted for review: ours and theirs.
    past = SessionFactory(course=CourseFactory(title="政策形成研修"),
                          days=[today - datetime.timedelta(days=3)])  # fmt: skip
    form = make_form(past.course)
    for person in ours[:count] + theirs[:count]:
        place = enrol(person, past)
        assessment_services.report_save(form=form, enrollment=place, answers=values(form),
                                        submit=True, actor=None)  # fmt: skip
    # Mandatory: every one of ours and theirs on the target list; one of ours completed.
    mandatory = SessionFactory(
        course=CourseFactory(title="情報セキュリティ研修", fiscal_year=current_fiscal_year()),
        days=[today - datetime.timedelta(days=10)],
    )
    for person in ours + theirs:
        TargetMember.objects.create(course=mandatory.course, trainee=person, source="rule")
    completed(enrol(ours[0], mandatory))
    return ours, theirs


def test_the_queue_shows_only_the_coordinators_own_people(client, coordinator, organisation):
    ours, theirs = _world(organisation)
    client.force_login(coordinator)
    page = client.get(reverse("coordinator_home")).content.decode()
    assert "ファシリテーション研修" in page and "福祉部: 3枠中2枠使用" in page
    assert "1件の報告があなたの確認を待っています" in page
    assert "情報セキュリティ研修: 職員1人が未修了です" in page and "2人中1人が修了" in page
    assert "接遇研修" in page
    for person in ours:
        assert person.name in page
    for person in theirs:
        assert person.name not in page


def test_a_cancelled_session_is_not_open_for_nomination(
    client, coordinator, organisation, hr_admin
):
    from enrollments.services import session_cancel

    _world(organisation)
    session = SessionFactory(
        course=CourseFactory(kind=CourseKind.OPEN, title="中止になった研修"),
        days=[timezone.localdate() + datetime.timedelta(days=20)],
        application_opens_at=timezone.now() - datetime.timedelta(days=1),
        application_closes_at=timezone.now() + datetime.timedelta(days=5),
    )
    client.force_login(coordinator)
    assert "中止になった研修" in client.get(reverse("coordinator_home")).content.decode()
    session_cancel(session=session, reason="台風", replacement=None, actor=hr_admin)
    for url in (reverse("coordinator_home"), reverse("nominations")):
        assert "中止になった研修" not in client.get(url).content.decode()


def test_the_queue_has_a_fixed_number_of_queries(client, coordinator, organisation, page_queries):
    _world(organisation)
    own = ["the coordinator's organisations (ids)", "every organisation (the tree: ids, parents)",
           "the organisations in scope", "their staff's places in the fortnight", "those sessions",
           "those staff", "nominable sessions",
           "the coordinator's organisations (quotas)", "their quotas", "the tree (sub-units)",
           "places held per organisation with a quota", "reports waiting (count)",
           "the oldest reports",
           "target-list members per course, with those whose completion counts",
           "their 所属長 posts (none)", "approvals waiting (none: nobody to resolve)"]  # fmt: skip
    client.force_login(coordinator)
    client.get(reverse("coordinator_home"))
    with page_queries(*own, mfa=False):
        assert client.get(reverse("coordinator_home")).status_code == 200
    _world(organisation, count=4)
    with page_queries(*own, mfa=False):
        assert client.get(reverse("coordinator_home")).status_code == 200


def test_the_fortnight_lists_sessions_with_the_coordinators_staff_confirmed_on_them(
    coordinator, organisation
):
    """A session is listed when one of the coordinator's staff holds a confirmed place on it
    and one of its days falls in the next two weeks, in the order of its first day in that
    fortnight, with only the coordinator's own staff on it."""
    from portal.selectors import coordinator_work_queue

    today = timezone.localdate()
    # Made in the other order than their staff numbers, which the list follows.
    also_ours = TraineeFactory(organisation=organisation, staff_number="140002")
    ours = TraineeFactory(organisation=organisation, staff_number="140001")
    other = TraineeFactory(organisation=OrganisationFactory(name="子ども家庭部"))

    def session(title, *offsets):
        return SessionFactory(course=CourseFactory(title=title),
                              days=[today + datetime.timedelta(days=d) for d in offsets])  # fmt: skip

    late_in_fortnight = session("後半の研修", 9)
    spans_today = session("昨日からの研修", -1, 8)  # its first day in the fortnight: day 8
    only_theirs = session("他部の研修", 2)
    only_requested = session("申込中の研修", 3)
    cancelled = session("取消した研修", 4)
    after = session("来月の研修", 20)
    enrol(also_ours, late_in_fortnight)
    enrol(ours, late_in_fortnight)
    enrol(other, late_in_fortnight)
    enrol(ours, spans_today)
    enrol(other, only_theirs)
    enrol(ours, only_requested, status="requested", source="applied")
    enrol(ours, cancelled, status="cancelled", source="applied")
    enrol(ours, after)
    queue = coordinator_work_queue(coordinator, {organisation.pk}, today=today)
    assert [line.session for line in queue.upcoming] == [spans_today, late_in_fortnight]
    assert queue.upcoming[0].session.first_day == today + datetime.timedelta(days=8)
    assert queue.upcoming[1].staff == [ours, also_ours]  # by staff number, none of theirs


def test_nothing_waiting_says_so(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("coordinator_home")).content.decode()
    assert "待っているものはありません" in page


@pytest.mark.usefixtures("requires_postgres")
def test_the_fortnights_places_can_be_read_from_the_session_index_alone():
    """Whose places the fortnight's sessions hold (session, status → trainee) is in
    ``enrollment_session_cover`` (enrollments migration 0012): at a city's size PostgreSQL
    hashes the scope's staff and reads the places from that index alone, 11 → 5 ms. That plan
    is the planner's at that size (README, *Each place's trainee looked up by its key*); here,
    that the index carries what it needs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                       ["enrollment_session_cover"])  # fmt: skip
        (definition,) = cursor.fetchone()
    assert "(session_id, status) INCLUDE (trainee_id)" in definition


@pytest.mark.usefixtures("requires_postgres")
def test_the_reports_waiting_can_be_read_from_their_index_alone():
    """The reports waiting for review are in ``report_form_state_cover`` (assessments migration
    0007) with each report's author, time and key: at a city's size the coordinator's count of
    them read the 6,000 waiting reports' rows (5.3 → 2.5 ms; HR's list of those only HR can
    review 5.5 → 3.3 ms). With a test's few rows the planner starts from the staff instead;
    here, that the index carries what those queries read."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                       ["report_form_state_cover"])  # fmt: skip
        (definition,) = cursor.fetchone()
    assert "(form_id, state) INCLUDE (trainee_id, submitted_at, id)" in definition


def test_the_five_oldest_reports_waiting_are_listed_oldest_first(client, coordinator, organisation):
    """The queue links the five reports that have waited longest, oldest first, each with its
    author and course; a newer one waits for the list (the count still has it), and a report of
    another organisation's staff, older than all of them, is not the coordinator's."""
    import time_machine

    from assessments.models import CompletionReport

    past = SessionFactory(course=CourseFactory(title="政策形成研修"),
                          days=[timezone.localdate() - datetime.timedelta(days=3)])  # fmt: skip
    form = make_form(past.course)
    # Submitted on these days of the last week, in another order than the people were made
    # (and so than the reports' keys): the list follows the days.
    days_ago = [2, 6, 4, 7, 1, 5]
    people = [TraineeFactory(organisation=organisation) for _ in days_ago]
    stranger = TraineeFactory(organisation=OrganisationFactory(name="子ども家庭部"))
    for person, ago in [*zip(people, days_ago, strict=True), (stranger, 9)]:
        place = enrol(person, past)
        with time_machine.travel(timezone.now() - datetime.timedelta(days=ago), tick=False):
            assessment_services.report_save(form=form, enrollment=place, answers=values(form),
                                            submit=True, actor=None)  # fmt: skip
    client.force_login(coordinator)
    page = client.get(reverse("coordinator_home")).content.decode()
    assert "6件の報告があなたの確認を待っています" in page
    oldest_first = [people[i] for i in sorted(range(6), key=lambda i: -days_ago[i])]
    listed = [page.find(person.name) for person in oldest_first[:5]]
    assert -1 not in listed and listed == sorted(listed)
    for person in oldest_first[:5]:
        report = CompletionReport.objects.get(trainee=person)
        assert (
            f'href="{reverse("report_review", args=[report.pk])}">{person.name} — 政策形成研修'
            in page
        )
    assert oldest_first[5].name not in page
    assert stranger.name not in page
