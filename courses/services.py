"""Writes for courses and sessions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record, field_changes
from courses.events import announce
from courses.models import Course, Session, SessionDay, TargetMember, Venue
from courses.selectors import TargetMatch
from lib.bulk import insert_rows
from lib.japanese import fold
from trainees.models import Trainee, TraineeStatus, User

if TYPE_CHECKING:  # forms import models only; typing needs no import at run time
    from django.forms import BaseInlineFormSet

    from courses.forms import TargetRuleForm

# Next year's sessions fall on the same weekday: 52 weeks later.
NEXT_YEAR = datetime.timedelta(weeks=52)


# The course's settings completion reads (progress.completion, enrollments' completion_store).
COMPLETION_SETTINGS = {
    "requires_attendance", "attendance_share", "requires_materials", "materials_threshold",
    "requires_test", "requires_survey", "requires_report", "completion_deadline",
    "valid_for_months",
}  # fmt: skip


@transaction.atomic
def course_save(*, course: Course, actor: User | None) -> Course:
    """Create or update a course (validated by its form)."""
    created = course.pk is None
    course.updated_at = timezone.now()
    course.full_clean()
    changes = field_changes(course)
    course.save()
    if changes.keys() & COMPLETION_SETTINGS:
        # What completion reads changed: its places are re-evaluated (progress/), in this
        # transaction — a completion's 有効期限 follows a new validity, a share its new rule.
        announce(course_id=course.pk)
    audit_event_record(
        kind="course.created" if created else "course.updated",
        user=actor,
        detail={"course": course.pk, "code": course.code, "fiscal_year": course.fiscal_year,
                **({"changes": changes} if changes else {})},
    )  # fmt: skip
    return course


# What HR edits on a session; confirmed_count is the enrolments' (moved only under their lock).
SESSION_FIELDS = [
    "number", "capacity", "room", "online_url", "application_opens_at", "application_closes_at",
    "cancellation_deadline", "instructor", "notes",
]  # fmt: skip


def course_lock(course_id: int) -> Course:
    """The course, locked until the transaction ends (to hand out positions or numbers in turn)."""
    return Course.objects.select_for_update().get(pk=course_id)


@transaction.atomic
def session_save(
    *, session: Session, days: Iterable[dict[str, Any]], actor: User | None
) -> Session:
    """Create or update a session with exactly the given days ({"id": existing day or None,
    "date", "starts_at", "ends_at"}). Days are updated in place, so what refers to them
    (attendance, absence notices, check-in codes) stays; removing a day that has attendance or
    absence notices is refused. The seats are not counted here: a capacity below the confirmed
    places is refused by the database (session_never_over_capacity); enrollments.services.seats
    wraps this for HR's edits, under the seat lock, and fills seats a raised capacity frees."""
    days = sorted(days, key=lambda d: (d["date"], d["starts_at"]))
    if not days:
        raise ValidationError(_("A session needs at least one day."))
    created = session.pk is None
    session.full_clean(exclude=["confirmed_count"])
    _room_clash_check(session, days)
    changes = field_changes(
        session, [f.attname for f in Session._meta.concrete_fields if f.name in SESSION_FIELDS]
    )
    if created:
        session.save()
    else:
        session.save(update_fields=SESSION_FIELDS)
    _session_days_replace(session, days)
    Course.objects.filter(pk=session.course_id).update(updated_at=timezone.now())
    audit_event_record(
        kind="session.created" if created else "session.updated",
        user=actor,
        detail={
            "course": session.course_id,
            "session": session.pk,
            **({"changes": changes} if changes else {}),
        },
    )
    return session


def _room_clash_check(session: Session, days: list[dict[str, Any]]) -> None:
    """重複チェック: a room holds one session at a time. A day that overlaps another session's
    day in the same room (cancelled sessions free their room) is refused, naming the other."""
    if session.room_id is None:
        return
    for day in days:
        overlapping = SessionDay.objects.filter(
            session__room_id=session.room_id, session__cancelled_at__isnull=True,
            date=day["date"], starts_at__lt=day["ends_at"], ends_at__gt=day["starts_at"],
        )  # fmt: skip
        other = (
            overlapping.exclude(session_id=session.pk)
            .select_related("session__course", "session__room__venue")
            .first()
        )
        if other is not None:
            raise ValidationError(
                _("%(room)s is already booked on %(date)s %(start)s–%(end)s for %(course)s "
                  "(session %(number)s).")
                % {"room": other.session.room, "date": formats.date_format(other.date),
                   "start": f"{other.starts_at:%H:%M}", "end": f"{other.ends_at:%H:%M}",
                   "course": other.session.course.title, "number": other.session.number}
            )  # fmt: skip


def _session_days_replace(session: Session, days: list[dict[str, Any]]) -> None:
    """Update the session's days in place: a day is matched by its id (the form's hidden field)
    or, without one, by its date."""
    existing = {day.pk: day for day in session.days.all()}
    by_date = {day.date: day.pk for day in existing.values()}
    claimed = {d.get("id") for d in days} & existing.keys()
    days = [
        d if d.get("id") in claimed or by_date.get(d["date"]) in claimed
        else {**d, "id": by_date.get(d["date"])}
        for d in days
    ]  # fmt: skip
    kept = {d.get("id") for d in days} & existing.keys()
    for pk in existing.keys() - kept:
        day = existing[pk]
        try:
            with transaction.atomic():
                day.delete()
        except ProtectedError:
            raise ValidationError(
                _(
                    "The day %(date)s has attendance records or absence notices and cannot be "
                    "removed. Change its times instead, or keep it."
                )
                % {"date": formats.date_format(day.date)}
            ) from None
    fields = ("date", "starts_at", "ends_at")
    for data in days:
        current = existing.get(data["id"]) if data.get("id") in kept else None
        if current is None:
            SessionDay.objects.create(session=session, **{f: data[f] for f in fields})
        elif any(getattr(current, f) != data[f] for f in fields):
            for f in fields:
                setattr(current, f, data[f])
            current.save(update_fields=list(fields))


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
        session.confirmed_count = 0  # nobody holds a place on next year's course yet
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
def target_list_freeze(*, course: Course, matches: list[TargetMatch], actor: User | None) -> int:
    """Replace the condition-matched part of the target list with `matches` (who the
    conditions select now: courses.selectors.target_matches). People HR added by hand stay;
    people HR removed stay removed. Returns the list's size."""
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
    number = fold(staff_number)
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
def target_rule_save(*, form: TargetRuleForm, actor: User | None) -> None:
    """Save the target conditions (a validated TargetRuleForm). The list itself changes only
    when HR freezes it."""
    rule = form.save()
    audit_event_record(kind="targets.rule_saved", user=actor, detail={"course": rule.course_id})


@transaction.atomic
def venue_save(*, venue: Venue, rooms: BaseInlineFormSet, actor: User | None) -> Venue:
    """A venue with its rooms (a validated inline formset): rooms added, renamed or removed."""
    created = venue.pk is None
    venue.full_clean()
    changes = field_changes(venue)
    venue.save()
    rooms.instance = venue
    rooms.save()
    audit_event_record(
        kind="venue.saved", user=actor,
        detail={"venue": venue.pk, "created": created, **({"changes": changes} if changes else {}),
                "rooms": {"added": len(rooms.new_objects), "changed": len(rooms.changed_objects),
                          "removed": len(rooms.deleted_objects)}},
    )  # fmt: skip
    return venue
