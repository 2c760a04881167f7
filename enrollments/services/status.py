"""The enrolment status machine: every change of status keeps the seat count and the history
(EnrollmentEvent) in step, and fills freed seats from the waiting list."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from courses.models import Session
from enrollments.models import (
    Enrollment,
    EnrollmentEvent,
    Status,
)
from enrollments.services.notifications import NOTICE_FOR, decisions_notify
from enrollments.services.seats import free_seats, session_seats_release, session_seats_take
from trainees.models import User


class EnrollmentRefused(ValidationError):
    """A clear refusal for the person asking; nothing was changed."""


def event_add(
    enrollment: Enrollment, before: str, actor: User | None, reason: str = ""
) -> EnrollmentEvent:
    return EnrollmentEvent.objects.create(
        enrollment=enrollment,
        actor=actor,
        from_status=before,
        to_status=enrollment.status,
        reason=reason[:300],
        session_id=enrollment.session_id,
    )


def status_set(
    enrollment: Enrollment,
    status: str,
    actor: User | None,
    reason: str = "",
    *,
    notify: bool = True,
) -> EnrollmentEvent:
    """Change the status, keeping the seat count and the history in step."""
    session = enrollment.session
    before = enrollment.status
    if before == status:
        raise EnrollmentRefused(_("Nothing to change: the status is already that."))
    if status == Status.CONFIRMED:
        session_seats_take(session)
    elif before == Status.CONFIRMED:
        session_seats_release(session)
    enrollment.status = status
    enrollment.decided_at = timezone.now() if status in NOTICE_FOR else enrollment.decided_at
    if status == Status.WAITLISTED:
        enrollment.waitlist_rank = waitlist_next_rank(session)
    fields = ["status", "decided_at", "waitlist_rank"]
    if status == Status.CONFIRMED and not enrollment.completion_missing:
        enrollment.completion_missing = session.course.requirement_codes()
        fields.append("completion_missing")
    enrollment.save(update_fields=fields)
    event = event_add(enrollment, before, actor, reason)
    if notify and status in NOTICE_FOR:
        decisions_notify([enrollment], event_ids={enrollment.pk: event.pk})
    return event


def waitlist_next_rank(session: Session) -> float:
    last = Enrollment.objects.filter(session=session, status=Status.WAITLISTED).aggregate(
        last=Max("waitlist_rank")
    )["last"]
    return (last or 0) + 1


def waitlist_promote(session: Session, actor: User | None = None) -> list[Enrollment]:
    """Fill free seats from the waiting list, in order (the session must be locked). Each
    person promoted is told (受講決定通知)."""
    promoted: list[Enrollment] = []
    free = free_seats(session)
    if free <= 0:
        return promoted
    waiting = list(
        Enrollment.objects.filter(session=session, status=Status.WAITLISTED)
        .select_related("session")
        .order_by("waitlist_rank", "requested_at", "id")[:free]
    )
    for enrollment in waiting:
        enrollment.session = session  # the locked instance: its seat count stays right
        status_set(enrollment, Status.CONFIRMED, actor, _("Promoted from the waiting list"))
        promoted.append(enrollment)
    if promoted:
        audit_event_record(
            kind="enrollment.promoted",
            user=actor,
            detail={"session": session.pk, "enrollments": [e.pk for e in promoted]},
        )
    return promoted
