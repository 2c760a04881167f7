"""Decision notices (受講決定通知, 補欠, 不採用): queued through the outbox in the decision's
transaction, made after commit through the notices app."""

from __future__ import annotations

from itertools import groupby

from django.db import transaction
from django.urls import reverse

from courses.selectors import session_notice_values
from enrollments.models import (
    Enrollment,
    EnrollmentEvent,
    Status,
)
from notices.models import NoticeKind
from notices.services import Recipient, notice_send_by_template, outbox_add_batches

NOTICE_FOR = {
    Status.CONFIRMED: NoticeKind.DECISION,
    Status.WAITLISTED: NoticeKind.WAITLIST,
    Status.REJECTED: NoticeKind.REJECTION,
}
NOTIFY_TASK = "enrollments.tasks.send_decision_notices"


def decisions_notify(enrollments: list[Enrollment], *, event_ids: dict[int, int]) -> None:
    """Decision notices, by the outbox: one row written here, in the decision's transaction;
    the notices (inbox and e-mail) are made after commit, outside the session lock, and are
    made once whatever happens (one delivery per session, trainee, kind and event)."""
    if enrollments:
        ids = [event_ids[e.pk] for e in enrollments]
        outbox_add_batches(NOTIFY_TASK, ids, 500)  # the kind follows from each new status


def decision_notices_send(event_ids: list[int]) -> int:
    """Make the notices for these decisions (the outbox task). Idempotent: a decision already
    notified (its "event:<id>" delivery exists) is not notified again."""
    events = (
        EnrollmentEvent.objects.filter(pk__in=event_ids, to_status__in=list(NOTICE_FOR))
        .select_related("enrollment__trainee", "session__course", "session__room__venue")
        .prefetch_related("session__days")
        .order_by("session_id", "to_status", "id")
    )
    sent = 0
    with transaction.atomic():
        for (_session_id, status), group in groupby(
            events, key=lambda e: (e.session_id, e.to_status)
        ):
            decisions = list(group)
            sent += notice_send_by_template(
                kind=NOTICE_FOR[status],
                recipients=[
                    Recipient(
                        trainee_id=e.enrollment.trainee_id,
                        user_id=e.enrollment.trainee.user_id,
                        name=e.enrollment.trainee.name,
                        email=e.enrollment.trainee.email,
                        rule=f"event:{e.pk}",
                    )
                    for e in decisions
                ],
                values=session_notice_values(decisions[0].session),
                link=reverse("trainee_home"),
            )
    return sent
