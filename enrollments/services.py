"""Writes for enrolments: apply, nominate, decide, draw lots, waitlist, change, cancel, absence,
attendance, completion.

The capacity invariant: a session never has more confirmed trainees than seats. Every change of
a session's seats happens under a row lock on the session (courses.services.session_lock), and
the session's confirmed_count is checked by the database (session_never_over_capacity) — a
forgotten check fails the transaction instead of over-allocating. One active enrolment per
trainee and course, and one enrolment per trainee and session, are unique constraints.

Every change writes an EnrollmentEvent (who, when, from, to, why) and an audit event in the same
transaction; decision notices go out through the courses delivery machinery after commit.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from courses.models import NoticeKind, Session, SessionDay
from courses.services import (
    Recipient,
    session_lock,
    session_notify,
    session_seats_release,
    session_seats_take,
)
from enrollments.completion import initial_missing
from enrollments.models import (
    ACTIVE,
    AbsenceNotice,
    Attendance,
    AttendanceMark,
    ChangeRequest,
    CheckInCode,
    Enrollment,
    EnrollmentEvent,
    Lottery,
    OrganisationQuota,
    Source,
    Status,
)
from trainees.models import Trainee, User

NOTICE_FOR = {
    Status.CONFIRMED: NoticeKind.DECISION,
    Status.WAITLISTED: NoticeKind.WAITLIST,
    Status.REJECTED: NoticeKind.REJECTION,
}


class EnrollmentRefused(ValidationError):
    """A clear refusal for the person asking; nothing was changed."""


# --- Helpers (inside a transaction, with the session locked) -------------------------------------


def _event(
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


def _set_status(
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
        enrollment.waitlist_rank = _next_rank(session)
    fields = ["status", "decided_at", "waitlist_rank"]
    if status == Status.CONFIRMED and not enrollment.completion_missing:
        enrollment.completion_missing = initial_missing(session.course)
        fields.append("completion_missing")
    enrollment.save(update_fields=fields)
    event = _event(enrollment, before, actor, reason)
    if notify and status in NOTICE_FOR:
        _notify([enrollment], event_ids={enrollment.pk: event.pk})
    return event


def _next_rank(session: Session) -> float:
    last = Enrollment.objects.filter(session=session, status=Status.WAITLISTED).aggregate(
        last=Max("waitlist_rank")
    )["last"]
    return (last or 0) + 1


NOTIFY_TASK = "enrollments.tasks.send_decision_notices"


def _notify(enrollments: list[Enrollment], *, event_ids: dict[int, int]) -> None:
    """Decision notices, by the outbox: one row written here, in the decision's transaction;
    the notices (inbox and e-mail) are made after commit, outside the session lock, and are
    made once whatever happens (one delivery per session, trainee, kind and event)."""
    from courses.services import outbox_add_batches

    if enrollments:
        ids = [event_ids[e.pk] for e in enrollments]
        outbox_add_batches(NOTIFY_TASK, ids, 500)  # the kind follows from each new status


def decision_notices_send(event_ids: list[int]) -> int:
    """Make the notices for these decisions (the outbox task). Idempotent: an event already
    notified is skipped by session_notify."""
    from itertools import groupby

    events = (
        EnrollmentEvent.objects.filter(pk__in=event_ids, to_status__in=list(NOTICE_FOR))
        .select_related("enrollment__trainee", "session__course", "session__room__venue")
        .order_by("session_id", "to_status", "id")
    )
    sent = 0
    with transaction.atomic():
        for (_session_id, status), group in groupby(
            events, key=lambda e: (e.session_id, e.to_status)
        ):
            group = list(group)
            sent += session_notify(
                session=group[0].session,
                kind=NOTICE_FOR[status],
                recipients=[
                    Recipient(
                        trainee_id=e.enrollment.trainee_id,
                        user_id=e.enrollment.trainee.user_id,
                        name=e.enrollment.trainee.name,
                        email=e.enrollment.trainee.email,
                        rule=f"event:{e.pk}",
                    )
                    for e in group
                ],
            )
    return sent


def _free_seats(session: Session) -> int:
    return session.capacity - session.confirmed_count


def waitlist_promote(session: Session, actor: User | None = None) -> list[Enrollment]:
    """Fill free seats from the waiting list, in order (the session must be locked). Each
    person promoted is told (受講決定通知)."""
    promoted = []
    free = _free_seats(session)
    if free <= 0:
        return promoted
    waiting = list(
        Enrollment.objects.filter(session=session, status=Status.WAITLISTED)
        .select_related("session")
        .order_by("waitlist_rank", "requested_at", "id")[:free]
    )
    for enrollment in waiting:
        enrollment.session = session  # the locked instance: its seat count stays right
        _set_status(enrollment, Status.CONFIRMED, actor, _("Promoted from the waiting list"))
        promoted.append(enrollment)
    if promoted:
        audit_event_record(
            kind="enrollment.promoted",
            user=actor,
            detail={"session": session.pk, "enrollments": [e.pk for e in promoted]},
        )
    return promoted


def _check_window(session: Session) -> None:
    now = timezone.now()
    if session.application_opens_at and now < session.application_opens_at:
        raise EnrollmentRefused(
            _("Applications for this session open on %(when)s.")
            % {"when": _local(session.application_opens_at)}
        )
    if session.application_closes_at and now > session.application_closes_at:
        raise EnrollmentRefused(
            _("Applications for this session closed on %(when)s.")
            % {"when": _local(session.application_closes_at)}
        )


def _local(moment) -> str:  # type: ignore[no-untyped-def]
    from django.utils import formats

    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _check_quota(session: Session, trainee: Trainee) -> None:
    """申込可能人数 of the trainee's organisation (or the nearest parent with a quota)."""
    from trainees.selectors import organisation_descendants

    quotas = {
        q.organisation_id: q
        for q in OrganisationQuota.objects.select_for_update().filter(course=session.course_id)
    }
    if not quotas:
        return
    organisation = trainee.organisation
    while organisation is not None and organisation.pk not in quotas:
        organisation = organisation.parent
    if organisation is None:
        return
    quota = quotas[organisation.pk]
    held = Enrollment.objects.filter(
        course_id=session.course_id,
        status__in=ACTIVE,
        trainee__organisation_id__in=organisation_descendants([organisation.pk]),
    ).count()
    if held >= quota.limit:
        raise EnrollmentRefused(
            _("%(organisation)s has used all %(limit)s of its places on this course.")
            % {"organisation": organisation.name, "limit": quota.limit}
        )


def _existing(session: Session, trainee: Trainee) -> Enrollment | None:
    """The trainee's active enrolment on the course (refused), or an inactive row for this
    session to reuse (one row per trainee and session)."""
    active = (
        Enrollment.objects.filter(course_id=session.course_id, trainee=trainee, status__in=ACTIVE)
        .select_related("session")
        .first()
    )
    if active is not None:
        raise EnrollmentRefused(
            _("You already hold a place on this course (session %(number)s: %(status)s).")
            % {"number": active.session.number, "status": active.get_status_display()}
        )
    return Enrollment.objects.filter(session=session, trainee=trainee).first()


# --- Trainees ------------------------------------------------------------------------------------


def enrollment_apply(*, session: Session, trainee: Trainee, actor: User | None) -> Enrollment:
    """申込: within the window, if eligible, once per course. On a first-come course the seat is
    confirmed at once while seats are left, otherwise the applicant is waitlisted; on other
    courses HR decides.

    The checks that need no lock run first; the session is locked only to count a seat, just
    before commit — so a rush of applicants queues for as short a time as possible. Two
    applications by the same person racing each other meet the unique constraints."""
    from django.db import IntegrityError

    from courses.models import CourseKind, Selection
    from courses.selectors import trainee_eligible

    course = session.course
    if course.kind != CourseKind.OPEN:
        raise EnrollmentRefused(_("This course is by training order only; HR designates trainees."))
    _check_window(session)
    if not trainee_eligible(course, trainee):
        raise EnrollmentRefused(_("This course is not open to you (see its target audience)."))
    try:
        with transaction.atomic():
            enrollment = _existing(session, trainee)
            _check_quota(session, trainee)
            if enrollment is None:
                enrollment = Enrollment(session=session, course=course, trainee=trainee)
            before = enrollment.status or ""
            enrollment.session = session
            enrollment.source = Source.APPLIED
            enrollment.requested_at = timezone.now()
            enrollment.status = Status.REQUESTED
            enrollment.waitlist_rank = None
            enrollment.save()
            _event(enrollment, before, actor, _("Applied"))
            if course.selection == Selection.FIRST_COME:
                enrollment.session = session_lock(session.pk)
                if _free_seats(enrollment.session) > 0:
                    _set_status(enrollment, Status.CONFIRMED, actor, _("First come, first served"))
                else:
                    _set_status(enrollment, Status.WAITLISTED, actor, _("The session is full"))
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
            % {"when": _local(session.cancellation_deadline)}
        )
    _set_status(enrollment, Status.CANCELLED, actor, reason or _("Cancelled"))
    waitlist_promote(session, actor)
    audit_event_record(
        kind="enrollment.cancelled", user=actor, detail={"enrollment": enrollment.pk}
    )
    return enrollment


def _lock_sessions(*ids: int) -> dict[int, Session]:
    """Lock several sessions in id order (two people moving in opposite directions must not
    deadlock)."""
    return {pk: session_lock(pk) for pk in sorted(set(ids))}


def _move(enrollment: Enrollment, to: Session, actor: User | None, reason: str) -> None:
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
    sessions = _lock_sessions(enrollment.session_id, to_session.pk)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    old, new = sessions[enrollment.session_id], sessions[to_session.pk]
    enrollment.session = old
    if enrollment.status not in ACTIVE:
        raise EnrollmentRefused(_("This application is no longer active."))
    if enrollment.status == Status.CONFIRMED:
        if _free_seats(new) <= 0:
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
        _move(enrollment, new, actor, "")
        waitlist_promote(old, actor)
    else:
        _move(enrollment, new, actor, "")
        if enrollment.status == Status.WAITLISTED:  # to the end of the new session's queue
            enrollment.waitlist_rank = _next_rank(new)
            enrollment.save(update_fields=["waitlist_rank"])
    audit_event_record(
        kind="enrollment.moved", user=actor, detail={"enrollment": enrollment.pk, "to": new.pk}
    )
    return "moved"


@transaction.atomic
def change_request_decide(*, request: ChangeRequest, approve: bool, actor: User | None) -> None:
    enrollment = request.enrollment
    sessions = _lock_sessions(enrollment.session_id, request.to_session_id)
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != ChangeRequest.State.PENDING:
        raise EnrollmentRefused(_("This request has already been decided."))
    enrollment = Enrollment.objects.select_for_update().get(pk=request.enrollment_id)
    old, new = sessions[enrollment.session_id], sessions[request.to_session_id]
    enrollment.session = old
    if approve:
        if enrollment.status == Status.CONFIRMED:
            if _free_seats(new) <= 0:
                raise EnrollmentRefused(
                    _("Session %(number)s has no free seat.") % {"number": new.number}
                )
            session_seats_release(old)
            session_seats_take(new)
        _move(enrollment, new, actor, _("change request approved"))
        waitlist_promote(old, actor)
    request.state = ChangeRequest.State.APPROVED if approve else ChangeRequest.State.REFUSED
    request.decided_at = timezone.now()
    request.save(update_fields=["state", "decided_at"])
    audit_event_record(
        kind="enrollment.change_decided",
        user=actor,
        detail={"request": request.pk, "approved": approve},
    )


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
        enrollment_cancel(
            enrollment=enrollment, actor=actor, reason=_("Absence notice before the deadline")
        )
    audit_event_record(
        kind="enrollment.absence",
        user=actor,
        detail={"enrollment": enrollment.pk, "day": day.pk, "reason": reason},
    )
    return notice


# --- Coordinators --------------------------------------------------------------------------------


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
    from courses.models import CourseKind
    from courses.selectors import trainee_eligible

    session = session_lock(session.pk)
    course = session.course
    if course.kind != CourseKind.OPEN:
        raise EnrollmentRefused(_("This course is by training order only; HR designates trainees."))
    _check_window(session)
    if not trainee_eligible(course, trainee):
        raise EnrollmentRefused(
            _("%(name)s is not in this course's target audience.") % {"name": trainee.name}
        )
    try:
        enrollment = _existing(session, trainee)
    except EnrollmentRefused:
        raise EnrollmentRefused(
            _("%(name)s already holds a place on this course.") % {"name": trainee.name}
        ) from None
    _check_quota(session, trainee)
    if enrollment is None:
        enrollment = Enrollment(session=session, course=course, trainee=trainee)
    before = enrollment.status or ""
    enrollment.session = session
    enrollment.status = Status.REQUESTED
    enrollment.source = Source.NOMINATED
    enrollment.nominated_by = actor
    enrollment.nomination_comment = comment
    enrollment.nomination_priority = priority
    enrollment.requested_at = timezone.now()
    enrollment.waitlist_rank = None
    enrollment.save()
    _event(enrollment, before, actor, _("Nominated by the department"))
    audit_event_record(
        kind="enrollment.nominated",
        user=actor,
        detail={"session": session.pk, "enrollment": enrollment.pk},
    )
    return enrollment


@transaction.atomic
def nomination_withdraw(*, enrollment: Enrollment, actor: User) -> None:
    session = session_lock(enrollment.session_id)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    enrollment.session = session
    if enrollment.status not in ACTIVE:
        raise EnrollmentRefused(_("This nomination is no longer active."))
    _set_status(enrollment, Status.WITHDRAWN, actor, _("Nomination withdrawn"))
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
        stale = _existing(session, substitute)
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
    _event(enrollment, status, actor, _("Replaced by %(name)s") % {"name": substitute.name})
    replacement = Enrollment.objects.create(
        session=session,
        course_id=enrollment.course_id,
        trainee=substitute,
        status=status,
        source=Source.NOMINATED,
        nominated_by=actor,
        nomination_comment=enrollment.nomination_comment,
        nomination_priority=enrollment.nomination_priority,
        substitute_for=enrollment,
        waitlist_rank=enrollment.waitlist_rank,
        decided_at=enrollment.decided_at,
    )
    event = _event(
        replacement,
        "",
        actor,
        _("Attends in place of %(name)s") % {"name": enrollment.trainee.name},
    )
    if status in NOTICE_FOR:
        _notify([replacement], event_ids={replacement.pk: event.pk})
    audit_event_record(
        kind="enrollment.substituted",
        user=actor,
        detail={"from": enrollment.pk, "to": replacement.pk},
    )
    return replacement


# --- HR ------------------------------------------------------------------------------------------


@transaction.atomic
def enrollments_decide(
    *, session: Session, enrollment_ids: Iterable[int], decision: str, actor: User
) -> dict[str, int]:
    """決定 one by one or in bulk: confirm (while seats last), waitlist or reject. Returns
    {"changed": n, "full": people left undecided because the session is full}."""
    if decision not in NOTICE_FOR:
        raise EnrollmentRefused(_("Unknown decision."))
    session = session_lock(session.pk)
    enrollments = list(
        Enrollment.objects.select_for_update()
        .filter(session=session, pk__in=list(enrollment_ids))
        .exclude(status=decision)
        .filter(status__in=[Status.REQUESTED, Status.WAITLISTED, Status.CONFIRMED])
        .order_by("waitlist_rank", "requested_at", "id")
    )
    changed, full, events = [], 0, {}
    for enrollment in enrollments:
        enrollment.session = session
        if decision == Status.CONFIRMED and _free_seats(session) <= 0:
            full += 1
            continue
        events[enrollment.pk] = _set_status(
            enrollment, decision, actor, _("Decided by HR"), notify=False
        ).pk
        changed.append(enrollment)
    _notify(changed, event_ids=events)
    if decision != Status.CONFIRMED:
        waitlist_promote(session, actor)  # a confirmed place given up goes to the next in line
    audit_event_record(
        kind="enrollment.decided",
        user=actor,
        detail={"session": session.pk, "decision": decision, "count": len(changed)},
    )
    return {"changed": len(changed), "full": full}


def lottery_draw(entrants: list[list[int]], seed: str) -> list[int]:
    """The draw, reproducible from its inputs: priority group first (lower first), then the
    order a random generator seeded with `seed` gives, entrants taken in id order."""
    rng = random.Random(seed)  # noqa: S311 - fairness, not secrecy: the seed is published
    keys = {pk: rng.random() for pk, _group in sorted(entrants)}
    return [pk for pk, _group in sorted(entrants, key=lambda e: (e[1], keys[e[0]]))]


def lottery_groups(session: Session, enrollments: list[Enrollment]) -> dict[int, int]:
    """Priority groups: 0 nominated by a department, 1 applied and not selected for this course
    last year, 2 everyone else."""
    last_year = set(
        Enrollment.objects.filter(
            course__code=session.course.code,
            course__fiscal_year=session.course.fiscal_year - 1,
            status__in=[Status.REJECTED, Status.WAITLISTED],
            trainee_id__in=[e.trainee_id for e in enrollments],
        ).values_list("trainee_id", flat=True)
    )
    return {
        e.pk: 0 if e.source == Source.NOMINATED else (1 if e.trainee_id in last_year else 2)
        for e in enrollments
    }


@transaction.atomic
def lottery_run(*, session: Session, actor: User, seed: str = "") -> Lottery:
    """抽選 among those awaiting a decision: the free seats are confirmed in drawn order, the rest
    waitlisted in that order. Seed, inputs and result are kept (the draw can be replayed)."""
    session = session_lock(session.pk)
    entrants_qs = list(
        Enrollment.objects.select_for_update()
        .filter(session=session, status=Status.REQUESTED)
        .order_by("id")
    )
    if not entrants_qs:
        raise EnrollmentRefused(_("Nobody is awaiting a decision for this session."))
    seats = max(0, _free_seats(session))
    groups = lottery_groups(session, entrants_qs)
    entrants = [[e.pk, groups[e.pk]] for e in entrants_qs]
    seed = seed or secrets.token_hex(16)
    drawn = lottery_draw(entrants, seed)
    lottery = Lottery.objects.create(
        session=session, seed=seed, seats=seats, entrants=entrants, drawn=drawn, run_by=actor
    )
    by_id = {e.pk: e for e in entrants_qs}
    events: dict[str, dict[int, int]] = {Status.CONFIRMED: {}, Status.WAITLISTED: {}}
    winners, waiting = [], []
    base = _next_rank(session)
    for index, pk in enumerate(drawn):
        enrollment = by_id[pk]
        enrollment.session = session
        won = index < seats
        status = Status.CONFIRMED if won else Status.WAITLISTED
        event = _set_status(
            enrollment, status, actor, _("Lottery %(id)s") % {"id": lottery.pk}, notify=False
        )
        if not won:  # waiting order = drawn order
            enrollment.waitlist_rank = base + index
            enrollment.save(update_fields=["waitlist_rank"])
        events[status][pk] = event.pk
        (winners if won else waiting).append(enrollment)
    _notify(winners, event_ids=events[Status.CONFIRMED])
    _notify(waiting, event_ids=events[Status.WAITLISTED])
    audit_event_record(
        kind="enrollment.lottery",
        user=actor,
        detail={"session": session.pk, "lottery": lottery.pk, "seed": seed, "seats": seats},
    )
    return lottery


@transaction.atomic
def enrollments_order(*, session: Session, trainee_ids: list[int], actor: User | None) -> int:
    """For ordered courses the training order is the decision: confirmed enrolments for the
    ordered trainees (called by courses.services.order_issue, session locked there). Refused
    when the seats do not suffice."""
    from trainees.bulk import insert_rows

    if not trainee_ids:
        return 0
    if len(trainee_ids) > _free_seats(session):
        raise EnrollmentRefused(
            _("Session %(number)s has %(free)s free seats; the order names %(count)s people.")
            % {"number": session.number, "free": _free_seats(session), "count": len(trainee_ids)}
        )
    now = timezone.now()
    # Someone who cancelled a place on this session earlier keeps their row (and its history):
    # one row per trainee and session.
    earlier = Enrollment.objects.filter(session=session, trainee_id__in=trainee_ids).exclude(
        status__in=ACTIVE
    )
    reused = set(earlier.values_list("trainee_id", flat=True))
    missing = initial_missing(session.course)
    earlier.update(status=Status.CONFIRMED, source=Source.ORDERED, decided_at=now,
                   waitlist_rank=None)  # fmt: skip
    insert_rows(
        Enrollment,
        ["session_id", "course_id", "trainee_id", "status", "source", "nomination_comment",
         "requested_at", "decided_at", "completion", "completion_missing"],
        ([session.pk, session.course_id, pk, Status.CONFIRMED, Source.ORDERED, "", now, now,
          "not_started", missing] for pk in trainee_ids if pk not in reused),
    )  # fmt: skip
    session_seats_take(session, len(trainee_ids))
    ids = list(
        Enrollment.objects.filter(session=session, trainee_id__in=trainee_ids).values_list(
            "id", flat=True
        )
    )
    reason = _("Training order")
    insert_rows(
        EnrollmentEvent,
        ["enrollment_id", "occurred_at", "actor_id", "from_status", "to_status", "reason",
         "session_id"],
        ([pk, now, actor.pk if actor else None, "", Status.CONFIRMED, reason, session.pk]
         for pk in ids),
    )  # fmt: skip
    return len(ids)


# --- Attendance and completion -------------------------------------------------------------------


@transaction.atomic
def attendance_record(
    *, day: SessionDay, marks: dict[int, str], actor: User | None, method: str = "hr"
) -> int:
    """出欠 for a day: {enrollment id: mark}. Only confirmed enrolments of the day's session."""
    valid = set(
        Enrollment.objects.filter(
            session_id=day.session_id, status=Status.CONFIRMED, pk__in=list(marks)
        ).values_list("id", flat=True)
    )
    now = timezone.now()
    for enrollment_id in valid:
        Attendance.objects.update_or_create(
            enrollment_id=enrollment_id,
            day=day,
            defaults={
                "mark": marks[enrollment_id],
                "method": method,
                "recorded_by": actor,
                "recorded_at": now,
            },
        )
    completion_refresh(list(valid))
    audit_event_record(
        kind="attendance.recorded",
        user=actor,
        detail={"day": day.pk, "count": len(valid)},
    )
    return len(valid)


@transaction.atomic
def attendance_all_present(*, day: SessionDay, actor: User | None) -> int:
    """一括出席: everyone confirmed and not yet marked is present — except those who sent an
    absence notice for the day, who are marked absent."""
    unmarked = Enrollment.objects.filter(
        session_id=day.session_id, status=Status.CONFIRMED
    ).exclude(attendance__day=day)
    notified = set(
        AbsenceNotice.objects.filter(day=day, enrollment__in=unmarked).values_list(
            "enrollment_id", flat=True
        )
    )
    marks = {
        pk: AttendanceMark.ABSENT if pk in notified else AttendanceMark.PRESENT
        for pk in unmarked.values_list("id", flat=True)
    }
    return attendance_record(day=day, marks=marks, actor=actor) if marks else 0


def check_in_code_for(day: SessionDay) -> CheckInCode:
    code, _created = CheckInCode.objects.get_or_create(
        day=day, defaults={"code": f"{secrets.randbelow(10**6):06d}"}
    )
    return code


def check_in_window(day: SessionDay):  # type: ignore[no-untyped-def]
    import datetime

    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day.date, day.starts_at, tzinfo=tz)
    end = datetime.datetime.combine(day.date, day.ends_at, tzinfo=tz)
    return start - datetime.timedelta(minutes=30), start, end


@transaction.atomic
def check_in(*, trainee: Trainee, code: str, actor: User | None) -> Attendance:
    """Self check-in with the code shown at the venue, only while the day is on. Late after
    10 minutes past the start."""
    import datetime
    import unicodedata

    code = unicodedata.normalize("NFKC", code).strip()
    now = timezone.now()
    for candidate in CheckInCode.objects.filter(code=code).select_related("day"):
        day = candidate.day
        opens, start, end = check_in_window(day)
        if not opens <= now <= end:
            continue
        enrollment = Enrollment.objects.filter(
            session_id=day.session_id, trainee=trainee, status=Status.CONFIRMED
        ).first()
        if enrollment is None:
            continue
        mark = (
            AttendanceMark.LATE
            if now > start + datetime.timedelta(minutes=10)
            else AttendanceMark.PRESENT
        )
        attendance_record(
            day=day, marks={enrollment.pk: mark}, actor=actor, method=Attendance.Method.CHECK_IN
        )
        return Attendance.objects.get(enrollment=enrollment, day=day)
    raise EnrollmentRefused(_("That code is not valid for any session of yours that is on now."))


def completion_refresh(enrollment_ids: list[int]) -> int:
    """Re-evaluate completion (修了) for these enrolments and store what changed."""
    from enrollments.completion import evaluate
    from enrollments.models import Completion

    changed = 0
    now = timezone.now()
    current = {
        pk: (state, missing)
        for pk, state, missing in Enrollment.objects.filter(pk__in=enrollment_ids).values_list(
            "id", "completion", "completion_missing"
        )
    }
    for pk, (state, missing) in evaluate(enrollment_ids).items():
        if current.get(pk) == (state, missing):
            continue  # the nightly run over every place writes only what moved
        fields = {"completion": state, "completion_missing": missing}
        if state == Completion.COMPLETED and current.get(pk, ("",))[0] != Completion.COMPLETED:
            fields["completed_at"] = now
        elif state != Completion.COMPLETED:
            fields["completed_at"] = None
        changed += Enrollment.objects.filter(pk=pk).update(**fields)
    return changed


def completion_refresh_for_trainee(*, trainee_id: int, course_id: int) -> None:
    """After a material was watched: the trainee's confirmed enrolment on the course."""
    ids = list(
        Enrollment.objects.filter(
            trainee_id=trainee_id, course_id=course_id, status=Status.CONFIRMED
        ).values_list("id", flat=True)
    )
    if ids:
        completion_refresh(ids)


def completion_refresh_due(today=None) -> int:  # type: ignore[no-untyped-def]
    """Daily: confirmed enrolments whose session or deadline has passed and which are not
    complete become 未修了 (and the rest are brought up to date)."""
    ids = list(
        Enrollment.objects.filter(status=Status.CONFIRMED)
        .exclude(completion="completed")
        .values_list("id", flat=True)
    )
    total = 0
    for start in range(0, len(ids), 2000):
        total += completion_refresh(ids[start : start + 2000])
    return total
