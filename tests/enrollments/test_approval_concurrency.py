"""所属長承認 under concurrency, on PostgreSQL with real threads: the 所属長 and the deputy
answer the same application at the same moment — exactly one answer counts, the other is told
it has been answered, the applicant gets one notice; and approving on a full first-come session
while someone else cancels does not deadlock."""

from __future__ import annotations

import datetime
import threading
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone

from courses.models import ApprovalRoute, CourseKind, Selection
from enrollments.models import Approval, Status
from enrollments.services import (
    EnrollmentRefused,
    approvals_answer,
    enrollment_apply,
    enrollment_cancel,
)
from notices.models import Delivery
from tests.courses.factories import CourseFactory, SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.supervisors import supervisor_appoint

pytestmark = pytest.mark.django_db(transaction=True)


def together(*calls) -> list[str]:
    """Run the calls at the same moment, one connection each; returns what each raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = ["" for _ in calls]

    def run(index, call) -> None:
        barrier.wait()
        try:
            call()
            outcomes[index] = "ok"
        except EnrollmentRefused:
            outcomes[index] = "refused"
        except Exception as exc:  # noqa: BLE001 - anything else fails the test
            outcomes[index] = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _ward(selection=Selection.HR_DECISION, capacity=5):
    section = OrganisationFactory()
    chief = TraineeFactory(organisation=section, user=UserFactory())
    deputy = TraineeFactory(organisation=section, user=UserFactory())
    supervisor_appoint(organisation=section, holder=chief, deputy=deputy,
                       starts_on=datetime.date(2026, 4, 1), ends_on=None, note="", actor=None)  # fmt: skip
    now = timezone.now()
    session = SessionFactory(
        course=CourseFactory(kind=CourseKind.OPEN, selection=selection,
                             approval=ApprovalRoute.SUPERVISOR),
        capacity=capacity, application_opens_at=now - datetime.timedelta(days=1),
        application_closes_at=now + datetime.timedelta(days=10),
    )  # fmt: skip
    return section, chief, deputy, session


def test_the_supervisor_and_the_deputy_answer_at_once(requires_postgres):
    for _round in range(5):
        section, chief, deputy, session = _ward()
        applicant = TraineeFactory(organisation=section)
        approval = enrollment_apply(session=session, trainee=applicant, actor=None).approval
        approve = partial(approvals_answer, approval_ids=[approval.pk], decision="approve",
                          reason="", actor=chief.user)  # fmt: skip
        decline = partial(approvals_answer, approval_ids=[approval.pk], decision="decline",
                          reason="今期は見送り", actor=deputy.user)  # fmt: skip
        outcomes = together(approve, decline)
        assert sorted(outcomes) == ["ok", "refused"], outcomes
        approval.refresh_from_db()
        assert approval.state in (Approval.State.APPROVED, Approval.State.DECLINED)
        assert Delivery.objects.filter(kind="verdict", trainee=applicant).count() == 1


def test_approving_a_first_come_place_while_another_cancels(requires_postgres):
    for _round in range(5):
        section, chief, _deputy, session = _ward(Selection.FIRST_COME, capacity=1)
        holder = enrol(TraineeFactory(organisation=section), session, Status.CONFIRMED, "applied")
        approval = enrollment_apply(
            session=session, trainee=TraineeFactory(organisation=section), actor=None
        ).approval
        approve = partial(approvals_answer, approval_ids=[approval.pk], decision="approve",
                          reason="", actor=chief.user)  # fmt: skip
        cancel = partial(enrollment_cancel, enrollment=holder, actor=None, by_hr=True)
        outcomes = together(approve, cancel)
        assert outcomes == ["ok", "ok"], outcomes
        approval.enrollment.refresh_from_db()
        session.refresh_from_db()
        # Whichever came first, the seat freed goes to the approved applicant.
        assert approval.enrollment.status == Status.CONFIRMED
        assert session.confirmed_count == 1
