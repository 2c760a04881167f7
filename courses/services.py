"""Writes for courses and sessions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
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
    from enrollments.services import waitlist_promote

    created = session.pk is None
    if not created:
        # The seat count is changed only under this lock (see enrollments.services).
        taken = session_lock(session.pk).confirmed_count
        if session.capacity < taken:
            raise ValidationError(
                _("%(count)s people are already confirmed; the capacity cannot be lower.")
                % {"count": taken}
            )
        session.confirmed_count = taken
    session.full_clean()
    session.save()
    if not created:
        waitlist_promote(session, actor)  # seats added: the waiting list moves up
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
    # Materials come along; the files are shared, not copied (a file is removed only when
    # no course uses it any more).
    from courses.models import Material

    materials = list(Material.objects.filter(course=course).order_by("position", "id"))
    for material in materials:
        material.pk = None
        material.course = copy
        material.created_at = timezone.now()
    Material.objects.bulk_create(materials)
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
    from enrollments.models import ACTIVE, Enrollment
    from enrollments.services import enrollments_order
    from trainees.bulk import insert_rows
    from trainees.models import Trainee, TraineeStatus

    course = Course.objects.select_for_update().get(pk=session.course_id)  # one issuer at a time
    session = session_lock(session.pk)
    already = Delivery.objects.filter(order__course=course, kind=Delivery.Kind.ORDER).values_list(
        "trainee_id", flat=True
    )
    placed = Enrollment.objects.filter(course=course, status__in=ACTIVE).values_list(
        "trainee_id", flat=True
    )
    trainees = list(
        Trainee.objects.filter(id__in=list(trainee_ids), status=TraineeStatus.ACTIVE)
        .exclude(id__in=already)
        .exclude(id__in=placed)
        .values_list("id", "name", "email", "user_id")
    )
    if not trainees:
        return None
    # The order is the decision: confirmed places, within the session's seats (or refused).
    enrollments_order(session=session, trainee_ids=[t[0] for t in trainees], actor=actor)
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
        [
            "order_id",
            "session_id",
            "trainee_id",
            "kind",
            "rule",
            "email",
            "status",
            "attempts",
            "last_error",
        ],
        (
            [
                order.pk,
                session.pk,
                pk,
                Delivery.Kind.ORDER,
                "",
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
    link = reverse("learning_course", args=[course.pk])
    now = timezone.now()
    insert_rows(
        Notice,
        ["user_id", "kind", "title", "body", "link", "created_at", "read_at"],
        (
            [user_id, NoticeKind.ORDER, *template.render({**values, "name": name}), link, now, None]
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
        Delivery.objects.filter(
            order=order, kind=Delivery.Kind.ORDER, status=Delivery.Status.FAILED
        ).values_list("id", flat=True)
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


# --- Materials (教材) ---------------------------------------------------------------------------


@transaction.atomic
def material_add(
    *,
    course: Course,
    title: str,
    description: str = "",
    upload=None,  # type: ignore[no-untyped-def]  # an UploadedFile, already inspected
    inspected=None,  # type: ignore[no-untyped-def]  # courses.materials.Inspected
    url: str = "",
    actor: User | None,
):  # type: ignore[no-untyped-def]
    """Add a material at the end of the course's list: a file (checked by
    courses.materials.inspect_upload) or a link."""
    from django.db.models import Max

    from courses.models import Material

    Course.objects.select_for_update().get(pk=course.pk)  # positions are handed out in turn
    position = (course.materials.aggregate(last=Max("position"))["last"] or 0) + 1
    material = Material(course=course, position=position, title=title, description=description)
    if upload is not None:
        material.kind = inspected.kind
        material.content_type = inspected.content_type
        material.duration = inspected.duration
        material.size = upload.size
        material.original_name = upload.name[-200:]
        material.file.save(upload.name, upload, save=False)
        # The file is written before the row: if the row cannot be saved, remove the file again.
        try:
            material.full_clean()
            material.save()
        except Exception:
            material.file.storage.delete(material.file.name)
            raise
    else:
        material.kind = Material.Kind.LINK
        material.url = url
        material.full_clean()
        material.save()
    audit_event_record(
        kind="material.added",
        user=actor,
        detail={"course": course.pk, "material": material.pk, "kind": material.kind},
    )
    return material


@transaction.atomic
def material_update(*, material, title: str, description: str, url: str = "", actor: User | None):  # type: ignore[no-untyped-def]
    from courses.models import Material

    material.title = title
    material.description = description
    if material.kind == Material.Kind.LINK:
        material.url = url
    material.full_clean()
    material.save(update_fields=["title", "description", "url"])
    audit_event_record(
        kind="material.updated",
        user=actor,
        detail={"course": material.course_id, "material": material.pk},
    )
    return material


@transaction.atomic
def material_delete(*, material, actor: User | None) -> None:  # type: ignore[no-untyped-def]
    """Remove a material and its viewing records; its file too, unless next year's copy of the
    course still uses it."""
    from courses.models import Material

    name = material.file.name if material.file else ""
    storage = material.file.storage
    detail = {"course": material.course_id, "material": material.pk, "title": material.title}
    material.delete()
    if name and not Material.objects.filter(file=name).exists():
        transaction.on_commit(lambda: storage.delete(name))
    audit_event_record(kind="material.deleted", user=actor, detail=detail)


@transaction.atomic
def material_move(*, material, up: bool, actor: User | None) -> None:  # type: ignore[no-untyped-def]
    """Swap a material with its neighbour above (or below)."""
    from courses.models import Material

    Course.objects.select_for_update().get(pk=material.course_id)
    siblings = list(
        Material.objects.filter(course_id=material.course_id).order_by("position", "id")
    )
    index = next(i for i, m in enumerate(siblings) if m.pk == material.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, item in enumerate(siblings, start=1):
        if item.position != position:
            Material.objects.filter(pk=item.pk).update(position=position)
    audit_event_record(
        kind="material.moved",
        user=actor,
        detail={"course": material.course_id, "material": material.pk},
    )


class ProgressRefused(Exception):
    """A viewing report claims more than could have been watched since the last one."""


def _merge_ranges(ranges: Iterable[Iterable[float]]) -> list[list[float]]:
    merged: list[list[float]] = []
    for start, end in sorted((float(s), float(e)) for s, e in ranges):
        if merged and start <= merged[-1][1] + 0.5:  # a gap under half a second is no gap
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [[round(s, 2), round(e, 2)] for s, e in merged]


def material_view_open(*, material, trainee):  # type: ignore[no-untyped-def]
    """The trainee opened the material. A PDF or a link counts as viewed now; for a video the
    clock for the next progress report starts now."""
    from courses.models import Material, MaterialView

    now = timezone.now()
    view, created = MaterialView.objects.get_or_create(
        material=material, trainee=trainee, defaults={"opened_at": now, "reported_at": now}
    )
    fields = []
    if not created:
        view.reported_at = now  # no credit for the time the page was closed
        fields.append("reported_at")
    if material.kind != Material.Kind.VIDEO and view.completed_at is None:
        view.completed_at = now
        fields.append("completed_at")
    if fields:
        view.save(update_fields=fields)
    if "completed_at" in fields:
        _completion_changed(trainee.pk, material.course_id)
    return view


def _completion_changed(trainee_id: int, course_id: int) -> None:
    from enrollments.services import completion_refresh_for_trainee

    completion_refresh_for_trainee(trainee_id=trainee_id, course_id=course_id)


@transaction.atomic
def material_progress_record(*, material, trainee, played: list[list[float]], position: float):  # type: ignore[no-untyped-def]
    """Merge the ranges the player says it played into the trainee's record. Refused (nothing
    saved) when the watched time grew faster than real time since the last accepted report —
    a single "I watched it all" post does not complete a video. The player keeps its ranges
    and sends them again, so a refused report is never lost for someone really watching."""
    from django.conf import settings

    from courses.models import MaterialView

    now = timezone.now()
    duration = material.duration or 0
    view, _created = MaterialView.objects.select_for_update().get_or_create(
        material=material, trainee=trainee, defaults={"opened_at": now, "reported_at": now}
    )
    clipped = [[max(0.0, s), min(duration, e)] for s, e in played if min(duration, e) > max(0.0, s)]
    ranges = _merge_ranges([*view.ranges, *clipped])
    watched = sum(e - s for s, e in ranges)
    growth = watched - view.watched_seconds
    elapsed = (now - view.reported_at).total_seconds()
    allowed = (
        elapsed * settings.MATERIALS_MAX_PLAYBACK_RATE + settings.MATERIALS_PROGRESS_SLACK_SECONDS
    )
    if growth > allowed:
        raise ProgressRefused(f"{growth:.1f}s in {elapsed:.1f}s")
    view.ranges = ranges
    view.watched_seconds = watched
    view.position = min(max(0.0, position), duration)
    view.reported_at = now
    fields = ["ranges", "watched_seconds", "position", "reported_at"]
    threshold = material.course.materials_threshold
    if view.completed_at is None and duration and watched * 100 >= duration * threshold:
        view.completed_at = now
        fields.append("completed_at")
    view.save(update_fields=fields)
    if "completed_at" in fields:
        _completion_changed(trainee.pk, material.course_id)
    return view


# --- Reminders (督促) ---------------------------------------------------------------------------


@transaction.atomic
def reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Send the reminders that are due: before a session starts to everyone confirmed, and
    before a course's completion deadline to those who have not completed it. Each rule reminds
    a trainee once (a Delivery row unique per session, trainee, kind and rule), however often
    this runs; a run missed while the scheduler was down is caught up on the next day."""
    from itertools import groupby

    from courses import selectors
    from courses.models import NoticeKind

    today = today or timezone.localdate()
    due = sorted(selectors.reminders_due(today), key=lambda item: item.session_id)
    sessions = Session.objects.select_related("course", "room__venue").prefetch_related("days")
    sessions = sessions.in_bulk({item.session_id for item in due})
    for session_id, items in groupby(due, key=lambda item: item.session_id):
        session_notify(
            session=sessions[session_id],
            kind=NoticeKind.REMINDER,
            recipients=[
                Recipient(i.trainee_id, i.user_id, i.name, i.email, rule=i.rule) for i in items
            ],
        )
    if due:
        audit_event_record(
            kind="reminders.sent",
            user=None,
            detail={"count": len(due), "rules": sorted({i.rule for i in due})},
        )
    return {"reminders": len(due)}


# --- Seats and notices for the enrolments app --------------------------------------------------


def session_lock(session_id: int) -> Session:
    """The session, locked until the transaction ends: the one lock every change of its seats
    takes, so seats are counted one change at a time."""
    # NO KEY UPDATE: rows that merely refer to the session (enrolments, events, deliveries)
    # can still be inserted while it is held.
    return (
        Session.objects.select_for_update(no_key=True, of=("self",))
        .select_related("course", "room__venue")
        .get(pk=session_id)
    )


def session_seats_take(session: Session, count: int = 1) -> None:
    """Count seats as taken (the session must be locked). The database refuses more than the
    capacity (session_never_over_capacity) even if a caller forgot to check."""
    from django.db.models import F

    Session.objects.filter(pk=session.pk).update(confirmed_count=F("confirmed_count") + count)
    session.confirmed_count += count


def session_seats_release(session: Session, count: int = 1) -> None:
    from django.db.models import F

    Session.objects.filter(pk=session.pk).update(confirmed_count=F("confirmed_count") - count)
    session.confirmed_count -= count


@dataclass
class Recipient:
    trainee_id: int
    user_id: int | None
    name: str
    email: str
    rule: str  # what this notice is about, unique per session, trainee and kind


def session_notify(*, session: Session, kind: str, recipients: list[Recipient]) -> int:
    """Notices about a session (decisions, waitlisting, …): to each person's inbox now, by
    e-mail through the outbox after commit. A (session, trainee, kind, rule) already sent is
    not sent again."""
    from courses.delivery import BATCH, DELIVER_TASK, session_values
    from courses.models import Delivery, NotificationTemplate

    already = set(
        Delivery.objects.filter(
            session=session, kind=kind, order__isnull=True, rule__in=[r.rule for r in recipients]
        ).values_list("trainee_id", "rule")
    )
    recipients = [r for r in recipients if (r.trainee_id, r.rule) not in already]
    if not recipients:
        return 0
    template = NotificationTemplate.for_kind(kind)
    values = session_values(session, name="")
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                session=session,
                trainee_id=r.trainee_id,
                kind=kind,
                rule=r.rule,
                email=r.email,
                status=Delivery.Status.QUEUED if r.email else Delivery.Status.NO_EMAIL,
            )
            for r in recipients
        ]
    )
    Notice.objects.bulk_create(
        [
            Notice(
                user_id=r.user_id,
                kind=kind,
                title=subject,
                body=body,
                link=reverse("trainee_home"),
                created_at=now,
            )
            for r in recipients
            if r.user_id
            for subject, body in [template.render({**values, "name": r.name})]
        ]
    )
    queued = [d.pk for d in deliveries if d.status == Delivery.Status.QUEUED]
    outbox_add_batches(DELIVER_TASK, queued, BATCH)
    return len(recipients)


def outbox_add_batches(task: str, ids: list[int], size: int) -> None:
    from courses.delivery import outbox_add

    if ids:
        outbox_add(task, (ids[i : i + size] for i in range(0, len(ids), size)))
