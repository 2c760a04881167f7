from __future__ import annotations

from django.db.models import F

from courses.models import Session
from enrollments.models import Enrollment, Source, Status


def enrol(trainee, session, status: str = Status.CONFIRMED, source: str = Source.ORDERED):
    """An enrolment as the services would leave it (a confirmed one holds a seat)."""
    enrollment = Enrollment.objects.create(
        session=session, course=session.course, trainee=trainee, status=status, source=source,
        counted_in_id=trainee.organisation_id,
    )  # fmt: skip
    if status == Status.CONFIRMED:
        Session.objects.filter(pk=session.pk).update(confirmed_count=F("confirmed_count") + 1)
    return enrollment


def completed(place: Enrollment, state: str = "completed") -> Enrollment:
    """The place with the completion verdict stored the way progress/ stores it (the
    enrolments' service), whatever the course requires — for tests about what follows."""
    from enrollments.services import completion_store

    completion_store({place.pk: (state, [])})
    place.refresh_from_db()
    return place
