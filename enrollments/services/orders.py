"""Target lists (研修対象者名簿) and training orders (研修命令): HR freezes who a course is for,
then orders them to a session. For ordered courses the order is the decision: confirmed places
within the session's seats, numbered per fiscal year, each person told in the inbox and by
e-mail (through the notices app's outbox)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from courses import services as course_services
from courses.models import Course, DeliveryMode, Session
from courses.selectors import session_notice_values, target_matches
from enrollments.models import (
    ACTIVE,
    AbsenceNotice,
    Completion,
    Enrollment,
    EnrollmentEvent,
    OrderNumberCounter,
    Source,
    Status,
    TrainingOrder,
)
from enrollments.selectors import completed_trainee_ids
from enrollments.services.checks import clashes_allowed, not_cancelled
from enrollments.services.seats import free_seats, session_lock, session_seats_take
from enrollments.services.status import EnrollmentRefused
from lib.bulk import insert_rows
from notices.models import NoticeKind
from notices.selectors import trainees_notified
from notices.services import Recipient, deliveries_resend_failed, notice_send_by_template
from trainees.models import Trainee, TraineeStatus, User


def target_list_freeze(*, course: Course, actor: User | None) -> int:
    """Freeze the course's target list to who its conditions select now (leaving out who
    completed the course, when the conditions say so). Returns the list's size."""
    matches = target_matches(course, completed=completed_trainee_ids)
    return course_services.target_list_freeze(course=course, matches=matches, actor=actor)


def order_number_next(fiscal_year: int) -> str:
    """The next order number of the fiscal year ("2026-0042"), from a counter row locked until
    the transaction ends: two courses ordering at once get different numbers."""
    OrderNumberCounter.objects.get_or_create(fiscal_year=fiscal_year)
    counter = OrderNumberCounter.objects.select_for_update().get(fiscal_year=fiscal_year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{fiscal_year}-{counter.last:04d}"


def order_values(order: TrainingOrder) -> dict[str, str]:
    """The placeholders of an order's notice (the session's, plus the order's own)."""
    return {
        **session_notice_values(order.session),
        "order_number": order.number,
        "order_date": formats.date_format(order.issued_on),
    }


@transaction.atomic
def order_issue(
    *,
    session: Session,
    trainee_ids: Iterable[int],
    actor: User | None,
    clash_reason: str = "",
) -> TrainingOrder | None:
    """研修命令: one order for the session to these trainees — minus anyone already ordered for
    this course or holding a place on it, so a second click orders nobody twice. The order
    confirms their places (refused, with nothing written, when the seats do not suffice). Each
    gets an inbox notice now; e-mails go out through the outbox after commit. Returns None when
    nobody was left to order. Ordering people whose days overlap another confirmed place of
    theirs needs ``clash_reason`` (refused without it, nothing written)."""
    course = course_services.course_lock(session.course_id)  # one issuer per course at a time
    session = session_lock(session.pk)
    ordered_before = trainees_notified(
        kind=NoticeKind.ORDER,
        rules=[f"order:{pk}" for pk in course.orders.values_list("id", flat=True)],
    )
    placed = Enrollment.objects.filter(course=course, status__in=ACTIVE).values("trainee_id")
    trainees = list(
        Trainee.objects.filter(id__in=list(trainee_ids), status=TraineeStatus.ACTIVE)
        .exclude(id__in=ordered_before)
        .exclude(id__in=placed)
        .order_by("id")
        .values_list("id", "name", "email", "user_id")
    )
    if not trainees:
        return None
    clashes = clashes_allowed(session, [t[0] for t in trainees], clash_reason)
    enrollments_order(session=session, trainee_ids=[t[0] for t in trainees], actor=actor)
    order = TrainingOrder.objects.create(
        course=course,
        session=session,
        number=order_number_next(course.fiscal_year),
        issued_on=timezone.localdate(),
        issued_by=actor,
    )
    order = TrainingOrder.objects.select_related(
        "course", "session__course", "session__room__venue"
    ).get(pk=order.pk)
    # 開く leads to the materials of an e-learning course, else to the person's place.
    places = dict(
        Enrollment.objects.filter(
            session=session, trainee_id__in=[t[0] for t in trainees]
        ).values_list("trainee_id", "id")
    )
    elearning = course.delivery == DeliveryMode.ELEARNING
    notice_send_by_template(
        kind=NoticeKind.ORDER,
        recipients=[
            Recipient(
                trainee_id=pk, user_id=user_id, name=name, email=email, rule=order.rule,
                link="" if elearning else reverse("enrollment_detail", args=[places[pk]]),
            )
            for pk, name, email, user_id in trainees
        ],
        values=order_values(order),
        link=reverse("learning_course", args=[course.pk]) if elearning else "",
    )  # fmt: skip
    audit_event_record(
        kind="order.issued",
        user=actor,
        detail={
            "order": order.pk,
            "session": session.pk,
            "recipients": len(trainees),
            **({"overlapping": clashes, "reason": clash_reason.strip()[:200]} if clashes else {}),
        },
    )
    return order


@transaction.atomic
def order_resend_failed(*, order: TrainingOrder, actor: User | None) -> int:
    """Queue the failed e-mails of an order again (after HR corrected the addresses)."""
    count = deliveries_resend_failed(rule=order.rule)
    if count:
        audit_event_record(
            kind="order.resent", user=actor, detail={"order": order.pk, "count": count}
        )
    return count


def enrollments_order(*, session: Session, trainee_ids: list[int], actor: User | None) -> int:
    """For ordered courses the training order is the decision: confirmed enrolments for the
    ordered trainees (called by order_issue, session locked there). Refused when the seats do
    not suffice."""
    if not trainee_ids:
        return 0
    not_cancelled(session)
    if len(trainee_ids) > free_seats(session):
        raise EnrollmentRefused(
            _("Session %(number)s has %(free)s free seats; the order names %(count)s people.")
            % {"number": session.number, "free": free_seats(session), "count": len(trainee_ids)}
        )
    now = timezone.now()
    # Someone who cancelled a place on this session earlier keeps their row (and its history):
    # one row per trainee and session.
    earlier = Enrollment.objects.filter(session=session, trainee_id__in=trainee_ids).exclude(
        status__in=ACTIVE
    )
    reused = set(earlier.values_list("trainee_id", flat=True))
    # Their earlier place's absence notices do not carry over to the ordered one.
    AbsenceNotice.objects.filter(enrollment__in=earlier).delete()
    missing = session.course.requirement_codes()
    earlier.update(status=Status.CONFIRMED, source=Source.ORDERED, decided_at=now,
                   waitlist_rank=None)  # fmt: skip
    # Counted in the trainee's organisation until the session begins (services.history).
    counted_in = dict(
        Trainee.objects.filter(pk__in=set(trainee_ids) - reused).values_list(
            "pk", "organisation_id"
        )
    )
    insert_rows(
        Enrollment,
        ["session_id", "course_id", "trainee_id", "counted_in_id", "status", "source",
         "nomination_comment", "requested_at", "decided_at", "completion", "completion_missing"],
        ([session.pk, session.course_id, pk, counted_in[pk], Status.CONFIRMED, Source.ORDERED, "",
          now, now, Completion.NOT_STARTED, missing] for pk in trainee_ids if pk not in reused),
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
