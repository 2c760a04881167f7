"""所属長承認: a self-application on a course that asks for it waits for the applicant's
supervisor (and then, where the course says so, the department coordinator) before HR decides —
or, on a first-come course, before a seat is taken.

Who approves is resolved when it is asked (``trainees.selectors.supervisors_for``): the 所属長
in effect for the applicant's organisation or the nearest one up, with their deputy, never the
applicant. Each answer is kept with the application (Approval), in its history
(EnrollmentEvent) and in the audit trail; the applicant and the approvers are told through the
notice sender (inbox and e-mail, once per application and round). Nobody answering by the
deadline is the course's choice: declined, or passed to HR marked 未承認.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from courses.models import ApprovalRoute, NoAnswer, Selection, Session
from courses.selectors import session_notice_values
from enrollments.models import (
    APPROVAL_WAITING,
    Approval,
    Enrollment,
    Status,
)
from enrollments.services.seats import free_seats, session_lock, sessions_lock
from enrollments.services.status import EnrollmentRefused, event_add, status_set
from notices.models import NoticeKind
from notices.services import Recipient, notice_send_by_template, notices_send
from trainees.models import Trainee, User
from trainees.selectors import coordinators_of, supervisors_for

APPROVE, DECLINE, RETURN = "approve", "decline", "return"
DECISIONS = (APPROVE, DECLINE, RETURN)
# The reminder goes out this long before the deadline.
REMIND_BEFORE = datetime.timedelta(days=1)


def approval_due(
    session: Session, days_before_close: int, now: datetime.datetime
) -> datetime.datetime:
    """The approval deadline: ``days_before_close`` days before applications close, so HR's
    list is complete when they do; an application made later still has a day; with no closing
    date, a week."""
    closes = session.application_closes_at
    if closes is None:
        return now + datetime.timedelta(days=7)
    return max(
        closes - datetime.timedelta(days=days_before_close), now + datetime.timedelta(days=1)
    )


def _text(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _session(session_id: int) -> Session:
    return (
        Session.objects.select_related("course", "room__venue")
        .prefetch_related("days")
        .get(pk=session_id)
    )


def _ask_supervisors(
    approval: Approval, enrollment: Enrollment, supervisors: list[Trainee], rule: str
) -> None:
    """承認依頼 (or its reminder: another ``rule``) to the 所属長 and the deputy, inbox and
    e-mail, once per rule."""
    session = _session(enrollment.session_id)
    recipients = [Recipient(p.pk, p.user_id, p.name, p.email, rule=rule) for p in supervisors]
    notice_send_by_template(
        kind=NoticeKind.APPROVAL,
        recipients=recipients,
        values={
            **session_notice_values(session),
            "applicant": enrollment.trainee.name,
            "approval_due": _text(approval.due_at),
        },
        link=reverse("approval_queue"),
    )


def _ask_coordinators(enrollment: Enrollment, coordinators: set[int]) -> None:
    notices_send(
        user_ids=sorted(coordinators),
        kind=NoticeKind.APPROVAL,
        title=_("An application is waiting for your approval: %(course)s")
        % {"course": enrollment.course.title},
        body=_("%(name)s's supervisor has approved it. Open it from the approvals waiting.")
        % {"name": enrollment.trainee.name},
        link=reverse("approval_queue"),
    )


def _tell_applicant(approval: Approval, enrollment: Enrollment, result: str, step: str) -> None:
    trainee = enrollment.trainee
    notice_send_by_template(
        kind=NoticeKind.VERDICT,
        recipients=[Recipient(trainee.pk, trainee.user_id, trainee.name, trainee.email,
                              rule=f"approval:{approval.pk}:{approval.round}:{step}")],
        values={
            **session_notice_values(_session(enrollment.session_id)),
            "result": result,
            "comment": (_("Comment: %(text)s") % {"text": approval.reason})
            if approval.reason else "",
        },
        link=reverse("enrollment_detail", args=[enrollment.pk]),
    )  # fmt: skip


def approval_open(*, enrollment: Enrollment, note: str, actor: User | None) -> Approval:
    """Ask for approval of a new application (inside enrollment_apply's transaction). With no
    所属長 appointed anywhere above the applicant, it goes to HR marked 未承認 at once, with
    the reason — it must not wait for an answer nobody can give."""
    course = enrollment.course
    now = timezone.now()
    approval = Approval(
        enrollment=enrollment,
        note=" ".join(note.split())[:500],
        due_at=approval_due(enrollment.session, course.approval_days_before_close, now),
        state=Approval.State.SUPERVISOR,
    )
    supervisors = supervisors_for([enrollment.trainee], timezone.localdate())[enrollment.trainee.pk]
    if not supervisors:
        approval.state = Approval.State.UNANSWERED
        approval.reason = _("No supervisor (所属長) is registered for the organisation.")
        approval.decided_at = now
    approval.save()
    event_add(enrollment, enrollment.status, actor, _("Approval asked of the supervisor")
              if supervisors else approval.reason)  # fmt: skip
    if supervisors:
        _ask_supervisors(
            approval, enrollment, supervisors, f"approval:{approval.pk}:{approval.round}"
        )
    return approval


def approval_may_answer(approval: Approval, user: User) -> bool:
    """Whether this person answers this approval now: a 所属長 (or deputy) of the applicant at
    the supervisor's step, a coordinator of the applicant at the coordinator's."""
    trainee = approval.enrollment.trainee
    if approval.state == Approval.State.SUPERVISOR:
        people = supervisors_for([trainee], timezone.localdate())[trainee.pk]
        return any(p.user_id == user.pk for p in people)
    if approval.state == Approval.State.COORDINATOR:
        return user.pk in coordinators_of(trainee)
    return False


def _seat_first_come(enrollment: Enrollment, actor: User | None) -> None:
    """Approved on a first-come course: the seat is taken now, if one is left."""
    session = session_lock(enrollment.session_id)
    enrollment.session = session
    if session.cancelled_at is not None:
        return
    if free_seats(session) > 0:
        status_set(enrollment, Status.CONFIRMED, actor, _("First come, first served"))
    else:
        status_set(enrollment, Status.WAITLISTED, actor, _("The session is full"))


def _answer(approval: Approval, decision: str, reason: str, actor: User) -> str:
    """One approval answered (its row and the enrolment's locked). Returns the new state."""
    enrollment = approval.enrollment
    course = enrollment.course
    now = timezone.now()
    first_step = approval.state == Approval.State.SUPERVISOR
    approval.reason, approval.decided_by, approval.decided_at = reason, actor, now
    if decision == APPROVE:
        coordinators: set[int] = set()
        if first_step:
            approval.supervisor_by, approval.supervisor_at = actor, now
            if course.approval == ApprovalRoute.SUPERVISOR_COORDINATOR:
                coordinators = coordinators_of(enrollment.trainee) - {actor.pk}
        if coordinators:
            approval.state = Approval.State.COORDINATOR
            approval.save()
            event_add(enrollment, enrollment.status, actor, _("Approved by the supervisor"))
            _ask_coordinators(enrollment, coordinators)
            return approval.state
        approval.state = Approval.State.APPROVED
        approval.save()
        event_add(enrollment, enrollment.status, actor, _("Approved")
                  + (f"（{reason}）" if reason else ""))  # fmt: skip
        _tell_applicant(approval, enrollment, _("Approved"), "approved")
        if course.selection == Selection.FIRST_COME:
            _seat_first_come(enrollment, actor)
        return approval.state
    if decision == RETURN:
        approval.state = Approval.State.RETURNED
        approval.save()
        event_add(enrollment, enrollment.status, actor,
                  _("Returned for changes: %(reason)s") % {"reason": reason})  # fmt: skip
        _tell_applicant(approval, enrollment, _("Returned for changes"), "returned")
        return approval.state
    approval.state = Approval.State.DECLINED
    approval.save()
    status_set(enrollment, Status.CANCELLED, actor,
               _("Not approved: %(reason)s") % {"reason": reason}, notify=False)  # fmt: skip
    _tell_applicant(approval, enrollment, _("Not approved"), "declined")
    return approval.state


@transaction.atomic
def approvals_answer(
    *, approval_ids: Iterable[int], decision: str, reason: str, actor: User
) -> dict[str, int]:
    """承認 / 不承認 / 差し戻し, one or several at once. Declining or returning needs a reason
    (the applicant reads it). All or nothing: an application this person may not answer, or
    one already answered, refuses the whole batch with its name. Returns {state: count}."""
    if decision not in DECISIONS:
        raise EnrollmentRefused(_("Unknown answer."))
    reason = " ".join(reason.split())
    if decision != APPROVE and not reason:
        raise EnrollmentRefused(_("Say why: the applicant reads it."))
    if len(reason) > 500:
        raise EnrollmentRefused(_("The comment can be at most 500 characters."))
    approval_ids = list(approval_ids)
    if decision == APPROVE:
        # Approving on a first-come course takes a seat: the sessions are locked first, as every
        # other seat change does (session, then place), so the two never wait on each other.
        sessions_lock(*Approval.objects.filter(
            pk__in=approval_ids, enrollment__course__selection=Selection.FIRST_COME
        ).values_list("enrollment__session_id", flat=True))  # fmt: skip
    approvals = list(
        Approval.objects.select_for_update(of=("self",))
        .filter(pk__in=approval_ids)
        .select_related("enrollment__trainee", "enrollment__course", "enrollment__session")
        .order_by("pk")
    )
    if not approvals:
        raise EnrollmentRefused(_("Choose at least one application."))
    # The applications themselves, locked: one withdrawn meanwhile is not answered.
    places = Enrollment.objects.select_for_update().in_bulk([a.enrollment_id for a in approvals])
    for approval in approvals:
        name = approval.enrollment.trainee.name
        approval.enrollment.status = places[approval.enrollment_id].status
        if approval.enrollment.status != Status.REQUESTED:
            raise EnrollmentRefused(
                _("%(name)s's application has been withdrawn or decided.") % {"name": name}
            )
        if not approval.waiting:
            raise EnrollmentRefused(
                _("%(name)s's application has already been answered (%(state)s).")
                % {"name": name, "state": approval.get_state_display()}
            )
        if not approval_may_answer(approval, actor):
            raise EnrollmentRefused(
                _("You do not approve %(name)s's application.") % {"name": name}
            )
    counts: dict[str, int] = {}
    for approval in approvals:
        state = _answer(approval, decision, reason, actor)
        counts[state] = counts.get(state, 0) + 1
    audit_event_record(
        kind="enrollment.approval_answered",
        user=actor,
        detail={"decision": decision, "approvals": [a.pk for a in approvals],
                **({"reason": reason[:200]} if reason else {})},
    )  # fmt: skip
    return counts


@transaction.atomic
def approval_resubmit(*, enrollment: Enrollment, note: str, actor: User | None) -> Approval:
    """The applicant sends a returned application again, with the changes asked for: a new
    round, a new deadline, the supervisors asked again."""
    approval = (
        Approval.objects.select_for_update()
        .select_related("enrollment__trainee", "enrollment__course", "enrollment__session")
        .get(enrollment=enrollment)
    )
    enrollment = approval.enrollment
    if approval.state != Approval.State.RETURNED or enrollment.status != Status.REQUESTED:
        raise EnrollmentRefused(_("Only an application returned for changes can be sent again."))
    supervisors = supervisors_for([enrollment.trainee], timezone.localdate())[enrollment.trainee.pk]
    approval.note = " ".join(note.split())[:500]
    approval.round += 1
    approval.due_at = approval_due(
        enrollment.session, enrollment.course.approval_days_before_close, timezone.now()
    )
    approval.state = Approval.State.SUPERVISOR if supervisors else Approval.State.UNANSWERED
    approval.reason = (
        "" if supervisors else _("No supervisor (所属長) is registered for the organisation.")
    )
    approval.save()
    event_add(enrollment, enrollment.status, actor, _("Sent again for approval"))
    if supervisors:
        _ask_supervisors(
            approval, enrollment, supervisors, f"approval:{approval.pk}:{approval.round}"
        )
    audit_event_record(
        kind="enrollment.approval_resubmitted",
        user=actor,
        detail={"enrollment": enrollment.pk, "round": approval.round},
    )
    return approval


def approvals_remind_and_expire(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The scheduled job: a reminder to the approvers a day before the deadline (once per
    round), and, past it, the course's rule for no answer. Each application in its own
    transaction, so one that fails does not hold the others back."""
    now = now or timezone.now()
    reminded = expired = 0
    # Applications withdrawn or decided meanwhile are left alone.
    due_soon = Approval.objects.filter(
        state=Approval.State.SUPERVISOR,
        due_at__gt=now,
        due_at__lte=now + REMIND_BEFORE,
        enrollment__status=Status.REQUESTED,
    ).exclude(reminded_round=F("round"))  # this round reminded already
    for pk in due_soon.values_list("pk", flat=True):
        reminded += _remind(pk)
    for pk in Approval.objects.filter(
        state__in=APPROVAL_WAITING, due_at__lte=now, enrollment__status=Status.REQUESTED
    ).values_list("pk", flat=True):
        expired += _expire(pk, now)
    return {"reminded": reminded, "expired": expired}


@transaction.atomic
def _remind(pk: int) -> int:
    approval = (
        Approval.objects.select_for_update(of=("self",))
        .select_related("enrollment__trainee", "enrollment__course")
        .get(pk=pk)
    )
    if approval.state != Approval.State.SUPERVISOR or approval.reminded_round == approval.round:
        return 0
    enrollment = approval.enrollment
    supervisors = supervisors_for([enrollment.trainee], timezone.localdate())[enrollment.trainee.pk]
    approval.reminded_round = approval.round
    approval.save(update_fields=["reminded_round"])
    if not supervisors:
        return 0
    _ask_supervisors(
        approval, enrollment, supervisors, f"approval:{approval.pk}:{approval.round}:reminder"
    )
    return 1


@transaction.atomic
def _expire(pk: int, now: datetime.datetime) -> int:
    approval = (
        Approval.objects.select_for_update(of=("self",))
        .select_related("enrollment__trainee", "enrollment__course", "enrollment__session")
        .get(pk=pk)
    )
    if not approval.waiting or approval.due_at > now:
        return 0
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("trainee", "course", "session")
        .get(pk=approval.enrollment_id)
    )
    approval.enrollment = enrollment
    approval.decided_by, approval.decided_at = None, now
    approval.reason = _("Nobody answered by the deadline (%(when)s).") % {
        "when": _text(approval.due_at)
    }
    if enrollment.course.approval_no_answer == NoAnswer.DECLINE:
        approval.state = Approval.State.DECLINED
        approval.save()
        if enrollment.status in (Status.REQUESTED,):
            status_set(enrollment, Status.CANCELLED, None, approval.reason, notify=False)
        _tell_applicant(approval, enrollment, _("Not approved"), "declined")
    else:
        approval.state = Approval.State.UNANSWERED
        approval.save()
        event_add(enrollment, enrollment.status, None,
                  _("Passed to HR without approval (未承認): %(reason)s")
                  % {"reason": approval.reason})  # fmt: skip
    audit_event_record(
        kind="enrollment.approval_expired",
        user=None,
        detail={"approval": approval.pk, "state": approval.state},
    )
    return 1
