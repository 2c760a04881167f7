"""What department coordinators do: nominate (推薦), withdraw, name a substitute (代理出席)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from courses.models import Session
from enrollments.models import (
    ACTIVE,
    Enrollment,
    Source,
    Status,
)
from enrollments.services.checks import existing_enrollment, open_course_check, place_requested
from enrollments.services.notifications import NOTICE_FOR, decisions_notify
from enrollments.services.seats import session_lock
from enrollments.services.status import EnrollmentRefused, event_add, status_set, waitlist_promote
from trainees.models import Trainee, User


@transaction.atomic
def enrollment_nominate(
    *,
    session: Session,
    trainee: Trainee,
    actor: User,
    comment: str = "",
    priority: int | None = None,
) -> Enrollment:
    """推薦: a coordinator puts forward one of their staff; HR decides."""
    session = session_lock(session.pk)
    not_eligible = _("%(name)s is not in this course's target audience.") % {"name": trainee.name}
    open_course_check(session, trainee, not_eligible=not_eligible)
    enrollment = place_requested(
        session, trainee, actor, source=Source.NOMINATED, note=_("Nominated by the department"),
        already_held=_("%(name)s already holds a place on this course.") % {"name": trainee.name},
        nominated_by=actor, nomination_comment=comment, nomination_priority=priority,
    )  # fmt: skip
    audit_event_record(
        kind="enrollment.nominated",
        user=actor,
        detail={"session": session.pk, "enrollment": enrollment.pk},
    )
    return enrollment


def enrollments_nominate(
    *,
    session: Session,
    trainees: Sequence[Trainee],
    actor: User,
    comment: str = "",
    priority: int | None = None,
) -> list[Enrollment]:
    """推薦 of several staff at once, all or nothing: one refusal (not in the audience, already
    placed, over the department's quota …) and nobody of this submission is nominated. The
    outermost unit of work: durable, so it is never folded into a caller's transaction."""
    with transaction.atomic(durable=True):
        return [
            enrollment_nominate(session=session, trainee=trainee, actor=actor, comment=comment,
                                priority=priority)
            for trainee in trainees
        ]  # fmt: skip


@transaction.atomic
def nomination_withdraw(*, enrollment: Enrollment, actor: User) -> None:
    session = session_lock(enrollment.session_id)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    enrollment.session = session
    if enrollment.status not in ACTIVE:
        raise EnrollmentRefused(_("This nomination is no longer active."))
    status_set(enrollment, Status.WITHDRAWN, actor, _("Nomination withdrawn"))
    waitlist_promote(session, actor)
    audit_event_record(
        kind="enrollment.withdrawn", user=actor, detail={"enrollment": enrollment.pk}
    )


@transaction.atomic
def nomination_substitute(
    *, enrollment: Enrollment, substitute: Trainee, actor: User
) -> Enrollment:
    """代理出席: another member of staff takes the nominee's place — and seat, if confirmed."""
    session = session_lock(enrollment.session_id)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    enrollment.session = session
    if enrollment.status not in ACTIVE:
        raise EnrollmentRefused(_("This nomination is no longer active."))
    try:
        stale = existing_enrollment(session, substitute)
    except EnrollmentRefused:
        raise EnrollmentRefused(
            _("%(name)s already holds a place on this course.") % {"name": substitute.name}
        ) from None
    if stale is not None:
        stale.delete()
    status = enrollment.status
    # The seat passes from one to the other without ever being free.
    enrollment.status = Status.WITHDRAWN
    enrollment.save(update_fields=["status"])
    event_add(enrollment, status, actor, _("Replaced by %(name)s") % {"name": substitute.name})
    replacement = Enrollment.objects.create(
        session=session,
        course_id=enrollment.course_id,
        trainee=substitute,
        counted_in_id=substitute.organisation_id,  # until the session begins (services.history)
        status=status,
        source=Source.NOMINATED,
        nominated_by=actor,
        nomination_comment=enrollment.nomination_comment,
        nomination_priority=enrollment.nomination_priority,
        substitute_for=enrollment,
        waitlist_rank=enrollment.waitlist_rank,
        decided_at=enrollment.decided_at,
    )
    event = event_add(
        replacement,
        "",
        actor,
        _("Attends in place of %(name)s") % {"name": enrollment.trainee.name},
    )
    if status in NOTICE_FOR:
        decisions_notify([replacement], event_ids={replacement.pk: event.pk})
    audit_event_record(
        kind="enrollment.substituted",
        user=actor,
        detail={"from": enrollment.pk, "to": replacement.pk},
    )
    return replacement
