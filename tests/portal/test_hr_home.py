"""The HR home is a work queue: decisions waiting, attendance not recorded, orders whose
e-mails failed, target lists not ordered, imports not confirmed, change requests, the next two
weeks — each a link, in a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import CourseKind, TargetMember
from enrollments.models import Enrollment, Status
from enrollments.services import order_issue
from notices.models import Delivery
from portal.selectors import _lists_not_all_placed
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.plans import explain
from tests.trainees.factories import RosterImportFactory, TraineeFactory
from trainees.models import RosterImport

pytestmark = pytest.mark.django_db


def build_queue():
    today = timezone.localdate()
    waiting = SessionFactory(course__kind=CourseKind.OPEN, course__title="応募研修A",
                             days=[today + datetime.timedelta(days=30)])  # fmt: skip
    enrol(TraineeFactory(), waiting, status=Status.REQUESTED)
    past = SessionFactory(course__title="出欠未入力研修", days=[today - datetime.timedelta(days=2)])
    enrol(TraineeFactory(), past)
    soon = SessionFactory(course__title="来週の研修", days=[today + datetime.timedelta(days=5)])
    # Started three weeks ago, its last day next week: not "coming up" (its first day counts).
    SessionFactory(course__title="継続中の研修", days=[today - datetime.timedelta(days=21),
                                                 today + datetime.timedelta(days=6)])  # fmt: skip
    ordered = SessionFactory(course__kind=CourseKind.ORDERED, course__title="命令研修",
                             days=[today + datetime.timedelta(days=20)])  # fmt: skip
    for _ in range(2):
        TargetMember.objects.create(course=ordered.course, trainee=TraineeFactory(), source="rule")
    order = order_issue(session=ordered, trainee_ids=[TraineeFactory(email="").pk], actor=None)
    RosterImportFactory(status=RosterImport.Status.PREVIEWED, file_name="名簿2027.csv")
    return {"waiting": waiting, "past": past, "soon": soon, "ordered": ordered, "order": order}


def test_the_hr_home_lists_what_is_waiting(client, hr_admin):
    built = build_queue()
    assert Delivery.objects.filter(status="no_email").count() == 1
    client.force_login(hr_admin)
    page = client.get(reverse("hr_home")).content.decode()
    assert reverse("session_page", args=[built["waiting"].pk]) in page and "応募研修A" in page
    day = built["past"].days.get()
    assert reverse("attendance", args=[built["past"].pk, day.pk]) in page
    assert reverse("order_detail", args=[built["order"].pk]) in page
    assert reverse("course_targets", args=[built["ordered"].course_id]) in page
    assert "名簿2027.csv" in page
    assert "来週の研修" in page
    assert "継続中の研修" not in page


def test_the_work_queue_costs_the_same_with_more_rows(client, hr_admin, page_queries):
    build_queue()
    client.force_login(hr_admin)
    client.get(reverse("hr_home"))  # warm up (session, permissions)
    own = ["this week's sessions", "next week's sessions", "their days", "failed deliveries",
           "ordered courses with a session to come", "their lists with someone unplaced",
           "orders to issue", "applications waiting, by session", "the sessions closing first",
           "the last roster import",
           "pending change requests", "who coordinates: the organisation tree",
           "who coordinates: the coordinators", "reports only HR can review", "accounts with MFA",
           "accounts (active, never logged in)", "organisations"]  # fmt: skip
    with page_queries(*own):
        assert client.get(reverse("hr_home")).status_code == 200
    build_queue()
    build_queue()
    with page_queries(*own):
        assert client.get(reverse("hr_home")).status_code == 200


@pytest.fixture(params=["each course on its own", "all courses at once"])
def lists_asked(request, monkeypatch):
    """The two ways the lists are asked: each course named with LIMIT 1 (PostgreSQL), or all
    of them at once where a database cannot limit the parts of a UNION (SQLite). Both must
    give the same answers."""
    if request.param == "all courses at once":
        monkeypatch.setattr(connection.features, "supports_slicing_ordering_in_compound", False)
    return request.param


@pytest.mark.usefixtures("lists_asked")
def test_a_target_list_is_listed_until_everyone_on_it_has_a_place(client, hr_admin):
    """The rule behind "people on the target list are not ordered yet": a member counts as
    waiting when not excluded and without an active place on that course. A member placed only
    on another course, or whose place was cancelled, is still waiting; an excluded member is
    not; a list whose every member holds a place is not listed (nor a course whose sessions are
    over)."""
    today = timezone.localdate()
    later = [today + datetime.timedelta(days=20)]

    def ordered_course(title):
        session = SessionFactory(course__kind=CourseKind.ORDERED, course__title=title, days=later)
        return session, session.course

    placed_session, placed = ordered_course("全員命令済み研修")
    other_session, _other = ordered_course("別の研修")
    cancelled_session, cancelled = ordered_course("取消のある研修")
    over = SessionFactory(course__kind=CourseKind.ORDERED, course__title="終わった研修",
                          days=[today - datetime.timedelta(days=3)])  # fmt: skip
    for course, session in ((placed, placed_session), (cancelled, cancelled_session)):
        for _ in range(2):
            member = TraineeFactory()
            TargetMember.objects.create(course=course, trainee=member, source="rule")
            enrol(member, session)
    # Excluded from the list and without a place: not waiting.
    TargetMember.objects.create(course=placed, trainee=TraineeFactory(), source="rule",
                                excluded=True)  # fmt: skip
    # On the list, placed only on another course: still waiting for this one — matched by
    # person alone, the place on "別の研修" would make "取消のある研修" look complete.
    elsewhere = TraineeFactory()
    TargetMember.objects.create(course=cancelled, trainee=elsewhere, source="rule")
    enrol(elsewhere, other_session)
    over_member = TraineeFactory()
    TargetMember.objects.create(course=over.course, trainee=over_member, source="rule")

    client.force_login(hr_admin)
    page = client.get(reverse("hr_home")).content.decode()
    assert "全員命令済み研修" not in page
    assert "終わった研修" not in page
    assert reverse("course_targets", args=[cancelled.pk]) in page

    # Everyone on the list placed: it leaves the queue; a place cancelled: it is back.
    enrol(elsewhere, cancelled_session)
    assert reverse("course_targets", args=[cancelled.pk]) not in (
        client.get(reverse("hr_home")).content.decode()
    )
    Enrollment.objects.filter(course=cancelled, trainee=elsewhere).update(status=Status.CANCELLED)
    assert reverse("course_targets", args=[cancelled.pk]) in (
        client.get(reverse("hr_home")).content.decode()
    )


@pytest.mark.usefixtures("requires_postgres")
def test_whether_a_list_has_someone_unplaced_is_asked_course_by_course_from_the_indexes():
    """A city's list has 97,000 members, 93,000 of them unplaced: each course is named in its
    own part of the query and the part stops at its first unplaced member (LIMIT 1), reading
    the listed (not excluded) members from their own index (courses migration 0018). Asked for all the courses at once, the planner has
    one guess for every list and reads every member of all of them."""
    first = SessionFactory(course__kind=CourseKind.ORDERED)
    second = SessionFactory(course__kind=CourseKind.ORDERED)
    placed, waiting, removed = TraineeFactory.create_batch(3)
    for trainee in (placed, waiting, removed):
        TargetMember.objects.create(course=first.course, trainee=trainee, source="rule",
                                    excluded=trainee is removed)  # fmt: skip
    TargetMember.objects.create(course=second.course, trainee=placed, source="rule")
    enrol(placed, first)
    enrol(placed, second)
    both = {first.course_id, second.course_id}
    with CaptureQueriesContext(connection) as asked:
        assert _lists_not_all_placed(both) == {first.course_id}
    assert len(asked.captured_queries) == 1
    sql = asked.captured_queries[0]["sql"]
    for course_id in both:
        assert f'"courses_targetmember"."course_id" = {course_id}' in sql
    plan = explain(sql)
    assert plan.count("Limit") == 2 and plan.count("Anti Join") == 2
    # By its index (from it alone once the table is vacuumed, as on a live server: the test's
    # rows are too new for the planner to skip the table).
    assert "using target_member_listed" in plan
    # The one waiting placed: nobody listed is left (the removed member does not count).
    enrol(waiting, first)
    assert _lists_not_all_placed(both) == set()
    assert _lists_not_all_placed(set()) == set()


def test_sessions_awaiting_a_decision_are_counted_by_what_hr_may_decide():
    """Per session, the applications HR may decide (no approval asked, approved, or 未承認 passed
    on) apart from those still waiting for 所属長承認; declined and returned ones count in
    neither, and a session with only those is not listed; the session closing first comes
    first, whatever order they were made in."""
    from enrollments.models import Approval
    from portal.selectors import hr_work_queue

    now = timezone.now()
    later = SessionFactory(
        course__kind=CourseKind.OPEN, application_closes_at=now + datetime.timedelta(days=9)
    )
    sooner = SessionFactory(
        course__kind=CourseKind.OPEN, application_closes_at=now + datetime.timedelta(days=2)
    )
    declined_only = SessionFactory(
        course__kind=CourseKind.OPEN, application_closes_at=now + datetime.timedelta(days=1)
    )

    def apply(session, approval=None):
        place = enrol(TraineeFactory(), session, status=Status.REQUESTED)
        if approval:
            Approval.objects.create(enrollment=place, state=approval, due_at=now)

    apply(later)  # no approval asked
    apply(later, Approval.State.APPROVED)
    apply(later, Approval.State.UNANSWERED)
    apply(later, Approval.State.SUPERVISOR)
    apply(later, Approval.State.DECLINED)
    apply(later, Approval.State.RETURNED)
    enrol(TraineeFactory(), later)  # confirmed: decided already
    apply(sooner, Approval.State.COORDINATOR)
    apply(declined_only, Approval.State.DECLINED)
    apply(declined_only, Approval.State.RETURNED)
    queue = hr_work_queue()
    assert [(s, s.waiting, s.awaiting_approval) for s in queue.decisions] == [
        (sooner, 0, 1), (later, 3, 1)]  # fmt: skip


@pytest.mark.usefixtures("requires_postgres")
def test_the_sessions_with_applications_waiting_are_found_from_their_own_index():
    """Which sessions have applications waiting comes from ``enrollment_requested`` (the
    waiting places alone: enrollments migration 0013), not from walking the index of every
    place by (trainee, status) for the status — 11 ms at a city's million places."""
    from portal.selectors import hr_work_queue

    session = SessionFactory(course__kind=CourseKind.OPEN,
                             days=[timezone.localdate() + datetime.timedelta(days=30)])  # fmt: skip
    enrol(TraineeFactory(), session, status=Status.REQUESTED)
    enrol(TraineeFactory(), session)  # confirmed: not waiting
    with CaptureQueriesContext(connection) as asked:
        queue = hr_work_queue()
    assert [(s, s.waiting) for s in queue.decisions] == [(session, 1)]
    decisions = next(q["sql"] for q in asked.captured_queries if '"awaiting_approval"' in q["sql"])
    assert "using enrollment_requested" in explain(decisions)


@pytest.mark.usefixtures("requires_postgres")
def test_the_orders_with_e_mail_that_went_nowhere_are_found_from_their_own_index():
    """Which orders have e-mails that reached nobody is asked by the rule's prefix ("order:"),
    a LIKE that the index of every delivery by (rule, status) takes only under the "C"
    collation; the few undelivered have an index of their own (notices migration 0008), whose
    condition the query's must match to be read from it."""
    from notices.selectors import undelivered_by_rule

    session = SessionFactory(course__kind=CourseKind.ORDERED)
    people = [TraineeFactory(email=""), TraineeFactory(email=""), TraineeFactory()]
    order = order_issue(session=session, trainee_ids=[p.pk for p in people], actor=None)
    other = order_issue(session=SessionFactory(course__kind=CourseKind.ORDERED),
                        trainee_ids=[TraineeFactory().pk], actor=None)  # fmt: skip
    with CaptureQueriesContext(connection) as asked:
        assert undelivered_by_rule(prefix="order:") == {f"order:{order.pk}": 2}
    assert f"order:{other.pk}" not in undelivered_by_rule(prefix="order:")
    assert "using delivery_undelivered" in explain(asked.captured_queries[0]["sql"])
