"""The capacity invariant under a rush: PostgreSQL, real threads, one connection each.

200 applications arrive together (a barrier releases the threads at once) for a first-come
session of 30 seats: exactly 30 are confirmed, 170 waitlisted, nobody twice, no error. The
database allows 100 connections, so at most 80 threads hold one at a time — as a pool of
application servers would; the rest wait for a connection, not for a seat.
"""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from courses.models import CourseKind, Selection, Session
from enrollments.models import Enrollment, Status
from enrollments.services import (
    EnrollmentRefused,
    enrollment_apply,
    enrollment_cancel,
    enrollments_decide,
)
from tests.courses.factories import SessionFactory
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

APPLICANTS, SEATS, ROUNDS, CONNECTIONS = 200, 30, 20, 80


def rush(session, trainees) -> list[str]:
    """Everyone applies at the same moment; returns the errors raised (there must be none)."""
    barrier = threading.Barrier(len(trainees))
    pool = threading.BoundedSemaphore(CONNECTIONS)
    errors: list[str] = []

    def apply(trainee) -> None:
        barrier.wait()
        with pool:
            try:
                enrollment_apply(session=session, trainee=trainee, actor=None)
            except Exception as exc:  # noqa: BLE001 - any error is a failure of the test
                errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                connection.close()

    threads = [threading.Thread(target=apply, args=(t,)) for t in trainees]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_200_applicants_for_30_seats_in_a_loop(requires_postgres):
    organisation = OrganisationFactory()
    trainees = [TraineeFactory(organisation=organisation) for _ in range(APPLICANTS)]
    for round_number in range(ROUNDS):
        session = SessionFactory(
            capacity=SEATS,
            course__kind=CourseKind.OPEN,
            course__selection=Selection.FIRST_COME,
            course__code=f"R{round_number:02d}",
        )
        errors = rush(session, trainees)
        assert errors == [], f"round {round_number}: {errors[:3]}"
        statuses = list(Enrollment.objects.filter(session=session).values_list("status", flat=True))
        assert statuses.count(Status.CONFIRMED) == SEATS, f"round {round_number}"
        assert statuses.count(Status.WAITLISTED) == APPLICANTS - SEATS, f"round {round_number}"
        assert len(statuses) == APPLICANTS  # one row each, nobody twice
        session.refresh_from_db()
        assert session.confirmed_count == SEATS
        ranks = list(
            Enrollment.objects.filter(session=session, status=Status.WAITLISTED).values_list(
                "waitlist_rank", flat=True
            )
        )
        assert sorted(ranks) == list(range(1, APPLICANTS - SEATS + 1))  # a strict queue


def test_concurrent_hr_decisions_and_cancellations_never_overfill(requires_postgres):
    """HR confirming in three tabs while confirmed people cancel: never more than the seats,
    and the seat count stays exact (topping up afterwards fills exactly the seats left)."""
    session = SessionFactory(capacity=10, course__kind=CourseKind.OPEN)
    hr = UserFactory()
    people = [TraineeFactory() for _ in range(40)]
    enrollments = [enrollment_apply(session=session, trainee=t, actor=None) for t in people]
    seated, waiting = [e.pk for e in enrollments[:10]], [e.pk for e in enrollments[10:]]
    enrollments_decide(session=session, enrollment_ids=seated, decision="confirmed", actor=hr)
    leaving = seated[:5]
    barrier = threading.Barrier(4)
    errors = []

    def run(action) -> None:
        try:
            barrier.wait()
            action()
        except Exception as exc:  # noqa: BLE001 - collected and shown below
            errors.append(repr(exc))
        finally:
            connection.close()

    def cancel() -> None:
        for pk in leaving:
            enrollment_cancel(enrollment=Enrollment.objects.get(pk=pk), actor=hr, by_hr=True)

    def decide(chunk):
        return lambda: enrollments_decide(
            session=session, enrollment_ids=chunk, decision="confirmed", actor=hr
        )

    actions = [cancel] + [decide(waiting[i::3]) for i in range(3)]
    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    session.refresh_from_db()
    confirmed = Enrollment.objects.filter(session=session, status=Status.CONFIRMED)
    assert confirmed.count() == session.confirmed_count <= 10
    assert set(Enrollment.objects.filter(pk__in=leaving).values_list("status", flat=True)) == {
        Status.CANCELLED
    }
    # Whatever the interleaving, the count is exact: a top-up fills precisely what is free.
    enrollments_decide(session=session, enrollment_ids=waiting, decision="confirmed", actor=hr)
    session.refresh_from_db()
    assert confirmed.count() == session.confirmed_count == 10


def test_the_database_refuses_over_allocation_even_without_the_service(requires_postgres):
    session = SessionFactory(capacity=2)
    Session.objects.filter(pk=session.pk).update(confirmed_count=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(confirmed_count=F("confirmed_count") + 1)


def test_one_active_enrolment_per_course_is_a_database_rule(requires_postgres):
    session = SessionFactory(course__kind=CourseKind.OPEN)
    other = SessionFactory(course=session.course)
    trainee = TraineeFactory()
    enrollment_apply(session=session, trainee=trainee, actor=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(
            session=other, course=session.course, trainee=trainee,
            status=Status.REQUESTED, source="applied", counted_in_id=trainee.organisation_id,
        )  # fmt: skip
    with pytest.raises(EnrollmentRefused):
        enrollment_apply(session=other, trainee=trainee, actor=None)
