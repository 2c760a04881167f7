"""What trainees do: apply (申込), cancel (取消), change session (日程変更), report absence
(欠席連絡); and HR's answer to a change request."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from courses.models import ApprovalRoute, Selection, Session, SessionDay
from enrollments.models import (
    ACTIVE,
    AbsenceNotice,
    ChangeRequest,
    Enrollment,
    EnrollmentEvent,
    Source,
    Status,
)
from enrollments.services.approvals import approval_open
from enrollments.services.checks import (
    local_time,
    not_cancelled,
    open_course_check,
    place_requested,
)
from enrollments.services.seats import (
    free_seats,
    session_lock,
    session_seats_release,
    session_seats_take,
    sessions_lock,
)
from enrollments.services.status import (
    EnrollmentRefused,
    status_set,
    waitlist_next_rank,
    waitlist_promote,
)
from trainees.models import Trainee, User


def enrollment_apply(
    *, session: Session, trainee: Trainee, actor: User | None, note: str = ""
) -> Enrollment:
    """申込: within the window, if eligible, once per course. On a first-come course the seat is
    confirmed at once while seats are left, otherwise the applicant is waitlisted; on other
    courses HR decides. Where the course asks for 所属長承認, the application first waits for
    it (``note``: the applicant's reason, for the approver) — HR decides, or the first-come
    seat is taken, once it is approved.

    The checks that need no lock run first; the session is locked only to count a seat, just
    before commit — so a rush of applicants queues for as short a time as possible. Two
    applications by the same person racing each other meet the unique constraints."""
    course = session.course
    open_course_check(
        session,
        trainee,
        not_eligible=_("This course is not open to you (see its target audience)."),
    )
    try:
        with transaction.atomic():
            enrollment = place_requested(
                session, trainee, actor, source=Source.APPLIED, note=_("Applied")
            )
            if course.approval != ApprovalRoute.NONE:
                approval_open(enrollment=enrollment, note=note, actor=actor)
            elif course.selection == Selection.FIRST_COME:
                enrollment.session = session_lock(session.pk)
                not_cancelled(enrollment.session)  # cancelled since the check above
                if free_seats(enrollment.session) > 0:
                    status_set(enrollment, Status.CONFIRMED, actor, _("First come, first served"))
                else:
                    status_set(enrollment, Status.WAITLISTED, actor, _("The session is full"))
            audit_event_record(
                kind="enrollment.applied",
                user=actor,
                detail={
                    "session": session.pk,
                    "enrollment": enrollment.pk,
                    "status": enrollment.status,
                },
            )
    except IntegrityError:
        raise EnrollmentRefused(_("You have already applied for this course.")) from None
    return enrollment


@transaction.atomic
def enrollment_cancel(
    *, enrollment: Enrollment, actor: User | None, by_hr: bool = False, reason: str = ""
) -> Enrollment:
    """取消: by the trainee before the cancellation deadline (HR at any time). A seat freed goes
    to the waiting list."""
    session = session_lock(enrollment.session_id)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    enrollment.session = session
    if enrollment.status not in ACTIVE:
        raise EnrollmentRefused(_("This application is no longer active."))
    if not by_hr and enrollment.source == Source.ORDERED:
        raise EnrollmentRefused(
            _(
                "A training order cannot be cancelled. If you cannot attend, send an absence "
                "notice with the reason; HR will see it."
            )
        )
    if (
        not by_hr
        and session.cancellation_deadline
        and timezone.now() > session.cancellation_deadline
    ):
        raise EnrollmentRefused(
            _(
                "The cancellation deadline (%(when)s) has passed. Send an absence notice for the "
                "day instead."
            )
            % {"when": local_time(session.cancellation_deadline)}
        )
    status_set(enrollment, Status.CANCELLED, actor, reason or _("Cancelled"))
    waitlist_promote(session, actor)
    audit_event_record(
        kind="enrollment.cancelled", user=actor, detail={"enrollment": enrollment.pk}
    )
    return enrollment


def place_move(enrollment: Enrollment, to: Session, actor: User | None, reason: str) -> None:
    """Put the enrolment on another session of its course (both sessions locked)."""
    stale = Enrollment.objects.filter(session=to, trainee_id=enrollment.trainee_id).first()
    if stale is not None:  # an old cancelled row there: its history joins this one
        EnrollmentEvent.objects.filter(enrollment=stale).update(enrollment=enrollment)
        stale.delete()
    before_session = enrollment.session
    enrollment.session = to
    enrollment.save(update_fields=["session"])
    EnrollmentEvent.objects.create(
        enrollment=enrollment,
        actor=actor,
        from_status=enrollment.status,
        to_status=enrollment.status,
        reason=(_("Moved from session %(number)s") % {"number": before_session.number})
        + (f" ({reason})" if reason else ""),
        session=to,
    )


@transaction.atomic
def enrollment_change(*, enrollment: Enrollment, to_session: Session, actor: User | None) -> str:
    """日程変更: "moved" at once when the other session has a seat (a confirmed place moves with
    its seat; an application simply moves), otherwise "requested" — HR decides."""
    if to_session.course_id != enrollment.course_id or to_session.pk == enrollment.session_id:
        raise EnrollmentRefused(_("Choose another session of the same course."))
    not_cancelled(to_session)
    sessions = sessions_lock(enrollment.session_id, to_session.pk)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    old, new = sessions[enrollment.session_id], sessions[to_session.pk]
    enrollment.session = old
    if enrollment.status not in ACTIVE:
        raise EnrollmentRefused(_("This application is no longer active."))
    if enrollment.status == Status.CONFIRMED:
        if free_seats(new) <= 0:
            ChangeRequest.objects.get_or_create(
                enrollment=enrollment,
                state=ChangeRequest.State.PENDING,
                defaults={"to_session": new},
            )
            audit_event_record(
                kind="enrollment.change_requested",
                user=actor,
                detail={"enrollment": enrollment.pk, "to": new.pk},
            )
            return "requested"
        session_seats_release(old)
        session_seats_take(new)
        place_move(enrollment, new, actor, "")
        waitlist_promote(old, actor)
    else:
        place_move(enrollment, new, actor, "")
        if enrollment.status == Status.WAITLISTED:  # to the end of the new session's queue
            enrollment.waitlist_rank = waitlist_next_rank(new)
            enrollment.save(update_fields=["waitlist_rank"])
    audit_event_record(
        kind="enrollment.moved", user=actor, detail={"enrollment": enrollment.pk, "to": new.pk}
    )
    return "moved"


@transaction.atomic
def change_request_decide(*, request: ChangeRequest, approve: bool, actor: User | None) -> None:
    enrollment = request.enrollment
    sessions = sessions_lock(enrollment.session_id, request.to_session_id)
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != ChangeRequest.State.PENDING:
        raise EnrollmentRefused(_("This request has already been decided."))
    enrollment = Enrollment.objects.select_for_update().get(pk=request.enrollment_id)
    old, new = sessions[enrollment.session_id], sessions[request.to_session_id]
    enrollment.session = old
    if approve:
        if enrollment.status == Status.CONFIRMED:
            if free_seats(new) <= 0:
                raise EnrollmentRefused(
                    _("Session %(number)s has no free seat.") % {"number": new.number}
                )
            session_seats_release(old)
            session_seats_take(new)
        place_move(enrollment, new, actor, _("change request approved"))
        waitlist_promote(old, actor)
    request.state = ChangeRequest.State.APPROVED if approve else ChangeRequest.State.REFUSED
    request.decided_at = timezone.now()
    request.save(update_fields=["state", "decided_at"])
    audit_event_record(
        kind="enrollment.change_decided",
        user=actor,
        detail={"request": request.pk, "approved": approve},
    )


def _absent_every_day(enrollment: Enrollment, actor: User | None) -> None:
    """欠席: absent from every day, told before the deadline — the seat goes to the waiting
    list, and the place is marked absent (not cancelled: the person did not give it up)."""
    session = session_lock(enrollment.session_id)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    enrollment.session = session
    status_set(enrollment, Status.ABSENT, actor, _("Absence notice for every day"))
    waitlist_promote(session, actor)


@transaction.atomic
def absence_notify(
    *, enrollment: Enrollment, day: SessionDay, reason: str, detail: str, actor: User | None
) -> AbsenceNotice:
    """欠席連絡 for a day — accepted after the deadline too. Before the cancellation deadline,
    absence from every day of the session gives the seat up (to the waiting list)."""
    if day.session_id != enrollment.session_id:
        raise EnrollmentRefused(_("That day is not part of your session."))
    if enrollment.status != Status.CONFIRMED:
        raise EnrollmentRefused(_("Only a confirmed place can have an absence notice."))
    if day.date < timezone.localdate():
        raise EnrollmentRefused(_("That day has passed; HR records the attendance of past days."))
    notice, _created = AbsenceNotice.objects.update_or_create(
        enrollment=enrollment, day=day, defaults={"reason": reason, "detail": detail}
    )
    EnrollmentEvent.objects.create(
        enrollment=enrollment,
        actor=actor,
        from_status=enrollment.status,
        to_status=enrollment.status,
        reason=_("Absence notice for %(day)s") % {"day": day.date.isoformat()},
        session_id=enrollment.session_id,
    )
    session = enrollment.session
    all_days = set(session.days.values_list("id", flat=True))
    notified = set(
        AbsenceNotice.objects.filter(enrollment=enrollment).values_list("day_id", flat=True)
    )
    before_deadline = (
        session.cancellation_deadline is not None
        and timezone.now() <= session.cancellation_deadline
    )
    if before_deadline and notified >= all_days:
        _absent_every_day(enrollment, actor)
    audit_event_record(
        kind="enrollment.absence",
        user=actor,
        detail={"enrollment": enrollment.pk, "day": day.pk, "reason": reason},
    )
    return notice
