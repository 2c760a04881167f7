"""Writes for courses and sessions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from courses.models import Course, Notice, Session, SessionDay, TargetMember, TrainingOrder
from trainees.models import User

# Next year's sessions fall on the same weekday: 52 weeks later.
NEXT_YEAR = datetime.timedelta(weeks=52)


@transaction.atomic
def course_save(*, course: Course, actor: User | None) -> Course:
    """Create or update a course (validated by its form)."""
    created = course.pk is None
    course.updated_at = timezone.now()
    course.full_clean()
    course.save()
    audit_event_record(
        kind="course.created" if created else "course.updated",
        user=actor,
        detail={"course": course.pk, "code": course.code, "fiscal_year": course.fiscal_year},
    )
    return course


@transaction.atomic
def session_save(
    *, session: Session, days: Iterable[dict[str, Any]], actor: User | None
) -> Session:
    """Create or update a session with exactly the given days (date, starts_at, ends_at)."""
    days = sorted(days, key=lambda d: (d["date"], d["starts_at"]))
    if not days:
        raise ValidationError(_("A session needs at least one day."))
    created = session.pk is None
    session.full_clean()
    session.save()
    session.days.all().delete()
    SessionDay.objects.bulk_create(
        [
            SessionDay(session=session, **{k: d[k] for k in ("date", "starts_at", "ends_at")})
            for d in days
        ]
    )
    Course.objects.filter(pk=session.course_id).update(updated_at=timezone.now())
    audit_event_record(
        kind="session.created" if created else "session.updated",
        user=actor,
        detail={"course": session.course_id, "session": session.pk},
    )
    return session


@transaction.atomic
def course_copy_to_next_year(*, course: Course, actor: User | None) -> Course:
    """Next fiscal year's course: the same programme, sessions on the same weekdays 52 weeks
    later, application windows and deadlines moved with them."""
    target_year = course.fiscal_year + 1
    if Course.objects.filter(fiscal_year=target_year, code=course.code).exists():
        raise ValidationError(
            _("Course %(code)s already exists in fiscal year %(year)s.")
            % {"code": course.code, "year": target_year}
        )
    sessions = list(course.sessions.prefetch_related("days"))
    copy = Course.objects.get(pk=course.pk)
    copy.pk = None
    copy.fiscal_year = target_year
    copy.created_at = copy.updated_at = timezone.now()
    copy.save()
    for session in sessions:
        days = list(session.days.all())
        session.pk = None
        session.course = copy
        for field in ("application_opens_at", "application_closes_at", "cancellation_deadline"):
            value = getattr(session, field)
            setattr(session, field, value + NEXT_YEAR if value else None)
        session.save()
        SessionDay.objects.bulk_create(
            [
                SessionDay(
                    session=session,
                    date=d.date + NEXT_YEAR,
                    starts_at=d.starts_at,
                    ends_at=d.ends_at,
                )
                for d in days
            ]
        )
    audit_event_record(
        kind="course.copied",
        user=actor,
        detail={"from": course.pk, "to": copy.pk, "fiscal_year": target_year},
    )
    return copy


@transaction.atomic
def target_list_freeze(*, course: Course, actor: User | None) -> int:
    """Replace the condition-matched part of the target list with who matches now. People HR
    added by hand stay; people HR removed stay removed. Returns the list's size."""
    from courses.selectors import target_matches
    from trainees.bulk import insert_rows

    matches = target_matches(course)
    TargetMember.objects.filter(
        course=course, source=TargetMember.Source.RULE, excluded=False
    ).delete()
    kept = set(TargetMember.objects.filter(course=course).values_list("trainee_id", flat=True))
    now = timezone.now()
    insert_rows(
        TargetMember,
        ["course_id", "trainee_id", "source", "reasons", "excluded", "added_at"],
        (
            [course.pk, m.trainee_id, TargetMember.Source.RULE, m.reasons, False, now]
            for m in matches
            if m.trainee_id not in kept
        ),
    )
    size = TargetMember.objects.filter(course=course, excluded=False).count()
    audit_event_record(
        kind="targets.frozen", user=actor, detail={"course": course.pk, "members": size}
    )
    return size


@transaction.atomic
def target_member_add(*, course: Course, staff_number: str, actor: User | None) -> TargetMember:
    import unicodedata

    from trainees.models import Trainee, TraineeStatus

    number = unicodedata.normalize("NFKC", staff_number).strip()
    trainee = (
        Trainee.objects.filter(staff_number=number, status=TraineeStatus.ACTIVE)
        .order_by("is_external")
        .first()
    )
    if trainee is None:
        raise ValidationError(
            _("No staff member in post has the number %(number)s.") % {"number": number}
        )
    member, created = TargetMember.objects.get_or_create(
        course=course,
        trainee=trainee,
        defaults={"source": TargetMember.Source.MANUAL, "reasons": ["manual"]},
    )
    if not created and member.excluded:
        member.excluded = False
        member.save(update_fields=["excluded"])
    audit_event_record(
        kind="targets.added", user=actor, detail={"course": course.pk, "trainee": trainee.pk}
    )
    return member


@transaction.atomic
def target_member_remove(*, member: TargetMember, actor: User | None) -> None:
    if member.source == TargetMember.Source.MANUAL:
        member.delete()
    else:
        member.excluded = True
        member.save(update_fields=["excluded"])
    audit_event_record(
        kind="targets.removed",
        user=actor,
        detail={"course": member.course_id, "trainee": member.trainee_id},
    )


@transaction.atomic
def target_rule_save(*, form, actor: User | None) -> None:  # type: ignore[no-untyped-def]
    """Save the target conditions (a validated TargetRuleForm). The list itself changes only
    when HR freezes it."""
    rule = form.save()
    audit_event_record(kind="targets.rule_saved", user=actor, detail={"course": rule.course_id})


def notices_send(
    *, user_ids: Iterable[int], kind: str, title: str, body: str, link: str = ""
) -> int:
    """Put the same notice in each person's inbox (set-based: one statement per 2,000)."""
    from courses.models import Notice
    from trainees.bulk import insert_rows

    now = timezone.now()
    ids = list(user_ids)
    insert_rows(
        Notice,
        ["user_id", "kind", "title", "body", "link", "created_at", "read_at"],
        ([uid, kind, title, body, link, now, None] for uid in ids),
    )
    return len(ids)


def notice_mark_read(*, user: User, notice_id: int | None = None) -> int:
    """Mark one notice (or, without an id, all of them) read; only the person's own."""
    from courses.models import Notice

    notices = Notice.objects.filter(user=user, read_at__isnull=True)
    if notice_id is not None:
        notices = notices.filter(pk=notice_id)
    return notices.update(read_at=timezone.now())


@transaction.atomic
def order_issue(
    *, session: Session, trainee_ids: Iterable[int], actor: User | None
) -> TrainingOrder | None:
    """研修命令: one order for the session to these trainees — minus anyone already ordered for
    this course, so a second click orders nobody twice. Each gets an inbox notice now; e-mails
    go out through the outbox after commit. Returns None when nobody was left to order."""
    from courses.delivery import BATCH, DELIVER_TASK, order_values, outbox_add
    from courses.models import Delivery, NoticeKind, NotificationTemplate
    from trainees.bulk import insert_rows
    from trainees.models import Trainee, TraineeStatus

    course = Course.objects.select_for_update().get(pk=session.course_id)  # one issuer at a time
    already = Delivery.objects.filter(order__course=course).values_list("trainee_id", flat=True)
    trainees = list(
        Trainee.objects.filter(id__in=list(trainee_ids), status=TraineeStatus.ACTIVE)
        .exclude(id__in=already)
        .values_list("id", "name", "email", "user_id")
    )
    if not trainees:
        return None
    sequence = TrainingOrder.objects.filter(course__fiscal_year=course.fiscal_year).count() + 1
    order = TrainingOrder.objects.create(
        course=course,
        session=session,
        number=f"{course.fiscal_year}-{sequence:04d}",
        issued_on=timezone.localdate(),
        issued_by=actor,
    )
    insert_rows(
        Delivery,
        ["order_id", "trainee_id", "email", "status", "attempts", "last_error"],
        (
            [
                order.pk,
                pk,
                email,
                Delivery.Status.QUEUED if email else Delivery.Status.NO_EMAIL,
                0,
                "",
            ]
            for pk, _name, email, _user in trainees
        ),
    )
    template = NotificationTemplate.for_kind(NoticeKind.ORDER)
    order = TrainingOrder.objects.select_related("course", "session__room__venue").get(pk=order.pk)
    values = order_values(order, name="")  # every query is made here, before the COPY starts
    now = timezone.now()
    insert_rows(
        Notice,
        ["user_id", "kind", "title", "body", "link", "created_at", "read_at"],
        (
            [user_id, NoticeKind.ORDER, *template.render({**values, "name": name}), "", now, None]
            for _pk, name, _email, user_id in trainees
            if user_id
        ),
    )
    queued = list(
        Delivery.objects.filter(order=order, status=Delivery.Status.QUEUED).values_list(
            "id", flat=True
        )
    )
    outbox_add(DELIVER_TASK, (queued[i : i + BATCH] for i in range(0, len(queued), BATCH)))
    audit_event_record(
        kind="order.issued",
        user=actor,
        detail={"order": order.pk, "session": session.pk, "recipients": len(trainees)},
    )
    return order


@transaction.atomic
def order_resend_failed(*, order: TrainingOrder, actor: User | None) -> int:
    """Queue the failed e-mails of an order again (after HR corrected the addresses)."""
    from django.db.models import OuterRef, Subquery

    from courses.delivery import BATCH, DELIVER_TASK, outbox_add
    from courses.models import Delivery
    from trainees.models import Trainee

    ids = list(
        Delivery.objects.filter(order=order, status=Delivery.Status.FAILED).values_list(
            "id", flat=True
        )
    )
    # One statement, taking each person's current (corrected) address from the registry.
    Delivery.objects.filter(id__in=ids).update(
        status=Delivery.Status.QUEUED,
        last_error="",
        email=Subquery(Trainee.objects.filter(pk=OuterRef("trainee_id")).values("email")[:1]),
    )
    if ids:
        outbox_add(DELIVER_TASK, (ids[i : i + BATCH] for i in range(0, len(ids), BATCH)))
        audit_event_record(
            kind="order.resent", user=actor, detail={"order": order.pk, "count": len(ids)}
        )
    return len(ids)
