"""HR's edits of a session where they touch the seats or the people on it: the capacity, a
cancellation (中止) with its notices and the move to a replacement, a change of time, room or
online URL told to everyone on it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.services import audit_event_record
from courses import services as course_services
from courses.models import Session
from courses.selectors import session_notice_values
from enrollments.models import ACTIVE, ChangeRequest, CheckInCode, Enrollment, Status
from enrollments.services.applications import place_move
from enrollments.services.checks import existing_enrollment
from enrollments.services.seats import free_seats, session_lock, sessions_lock
from enrollments.services.status import EnrollmentRefused, status_set, waitlist_promote
from notices.models import NoticeKind
from notices.services import Recipient, notice_send_by_template, notices_send
from trainees.models import User
from trainees.selectors import coordinators_by_organisation


@transaction.atomic
def session_save(
    *, session: Session, days: Iterable[dict[str, Any]], actor: User | None
) -> Session:
    """Create or update a session (courses.services.session_save) under the seat lock: a
    capacity below the places already confirmed is refused with a message, and seats a raised
    capacity frees go to the waiting list, in order."""
    if session.pk is None:
        return course_services.session_save(session=session, days=days, actor=actor)
    locked = session_lock(session.pk)
    if locked.is_cancelled:
        raise ValidationError(_("This session has been cancelled and can no longer change."))
    taken = locked.confirmed_count
    before = _what_people_are_told(locked)
    if session.capacity < taken:
        raise ValidationError(
            ngettext(
                "%(count)s person is already confirmed; the capacity cannot be lower.",
                "%(count)s people are already confirmed; the capacity cannot be lower.",
                taken,
            )
            % {"count": taken}
        )
    session.confirmed_count = taken
    course_services.session_save(session=session, days=days, actor=actor)
    waitlist_promote(session_lock(session.pk), actor)  # seats added: the waiting list moves up
    _tell_of_change(session, before, actor)
    return session


def _what_people_are_told(session: Session) -> dict[str, Any]:
    """What a change of which everyone on the session is told: the days' times, the room and
    the online URL."""
    return {
        "days": [(d.date, d.starts_at, d.ends_at) for d in session.days.order_by("date")],
        "room": str(session.room) if session.room_id else "",
        "online_url": session.online_url,
    }


def _day_text(day: tuple[datetime.date, datetime.time, datetime.time]) -> str:
    return f"{formats.date_format(day[0])} {day[1]:%H:%M}–{day[2]:%H:%M}"


def _tell_of_change(session: Session, before: dict[str, Any], actor: User | None) -> int:
    """Everyone holding or waiting for a place is told old → new (marked 【至急】 when the
    session, before or after, starts within 24 hours), and the calendar files' SEQUENCE rises
    so calendars replace the event. One notice per person per change."""
    session = _session_for_notice(session.pk)
    after = _what_people_are_told(session)
    if after == before:
        return 0
    lines = []
    if after["days"] != before["days"]:
        lines.append(_("Date and time: %(old)s → %(new)s") % {
            "old": "、".join(map(_day_text, before["days"])),
            "new": "、".join(map(_day_text, after["days"]))})  # fmt: skip
    if after["room"] != before["room"]:
        lines.append(_("Room: %(old)s → %(new)s") % {"old": before["room"] or "—",
                                                      "new": after["room"] or "—"})  # fmt: skip
    if after["online_url"] != before["online_url"]:
        lines.append(_("Online URL: %(old)s → %(new)s") % {
            "old": before["online_url"] or "—", "new": after["online_url"] or "—"})  # fmt: skip
    session.calendar_sequence += 1
    Session.objects.filter(pk=session.pk).update(calendar_sequence=session.calendar_sequence)
    tz = timezone.get_current_timezone()
    now = timezone.now()
    starts = [datetime.datetime.combine(d[0], d[1], tzinfo=tz)
              for d in (*before["days"], *after["days"])]  # fmt: skip
    urgent = any(now <= start <= now + datetime.timedelta(hours=24) for start in starts)
    places = list(
        Enrollment.objects.filter(session=session, status__in=ACTIVE)
        .select_related("trainee")
        .order_by("pk")
    )
    told = notice_send_by_template(
        kind=NoticeKind.CHANGED,
        recipients=_recipients(places, f"changed:{session.pk}:{session.calendar_sequence}"),
        values={**session_notice_values(session), "changes": "\n".join(lines),
                "urgent": "【至急】" if urgent else ""},
        link=reverse("trainee_home"),
    )  # fmt: skip
    audit_event_record(
        kind="session.change_told", user=actor,
        detail={"session": session.pk, "people": told, "urgent": urgent,
                "sequence": session.calendar_sequence},
    )  # fmt: skip
    return told


def _session_for_notice(pk: int) -> Session:
    return (
        Session.objects.select_related("course", "room__venue").prefetch_related("days").get(pk=pk)
    )


def _recipients(enrollments: Iterable[Enrollment], rule: str) -> list[Recipient]:
    return [
        Recipient(
            trainee_id=e.trainee_id, user_id=e.trainee.user_id, name=e.trainee.name,
            email=e.trainee.email, rule=rule,
            link=reverse("enrollment_detail", args=[e.pk]),
        )
        for e in enrollments
    ]  # fmt: skip


def _tell_coordinators(enrollments: list[Enrollment], *, title: str, body: str, link: str) -> int:
    """One inbox notice to each coordinator acting for at least one of these people, with how
    many of their staff it concerns (never the names: the trainees are told themselves)."""
    acting = coordinators_by_organisation({e.trainee.organisation_id for e in enrollments})
    staff: dict[int, int] = {}
    for enrollment in enrollments:
        for user_id in acting.get(enrollment.trainee.organisation_id, set()):
            if user_id != enrollment.trainee.user_id:
                staff[user_id] = staff.get(user_id, 0) + 1
    for user_id, count in staff.items():
        notices_send(
            user_ids=[user_id], kind=NoticeKind.INFO, title=title,
            body=body % {"count": count}, link=link,
        )  # fmt: skip
    return len(staff)


@transaction.atomic
def session_cancel(
    *, session: Session, reason: str, replacement: Session | None, actor: User | None
) -> int:
    """中止 (a typhoon, an ill instructor): every place that holds or waits for a seat is
    released with the reason, each person is told (inbox and e-mail, once; with the
    replacement session and a one-click move to it when HR names one), the coordinators of
    their organisations are told, the check-in codes die and the calendar files say
    CANCELLED. All or nothing. Returns how many people were told."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(_("Say why the session is cancelled (it is sent to everyone on it)."))
    if len(reason) > 300:
        raise ValidationError(_("The reason can be at most 300 characters (now %(n)s).")
                              % {"n": len(reason)})  # fmt: skip
    session = session_lock(session.pk)
    if session.is_cancelled:
        raise ValidationError(_("This session has already been cancelled."))
    if replacement is not None:
        replacement = Session.objects.get(pk=replacement.pk)
        if (replacement.course_id != session.course_id or replacement.pk == session.pk
                or replacement.is_cancelled):  # fmt: skip
            raise ValidationError(
                _("The replacement must be another session of the same course, not cancelled.")
            )
    places = list(
        Enrollment.objects.select_for_update(of=("self",))
        .filter(session=session, status__in=ACTIVE)
        .select_related("trainee")
        .order_by("pk")
    )
    # Before the places' events, so "released by the cancellation" is "cancelled since then".
    session.cancelled_at = timezone.now()
    note = _("Session cancelled: %(reason)s") % {"reason": reason}
    for enrollment in places:
        enrollment.session = session
        status_set(enrollment, Status.CANCELLED, actor, note, notify=False)
    ChangeRequest.objects.filter(
        Q(enrollment__session=session) | Q(to_session=session), state=ChangeRequest.State.PENDING
    ).update(state=ChangeRequest.State.WITHDRAWN)
    CheckInCode.objects.filter(day__session=session).delete()
    session.cancellation_reason = reason
    session.replacement = replacement
    session.calendar_sequence += 1
    session.save(update_fields=["cancelled_at", "cancellation_reason", "replacement",
                                "calendar_sequence"])  # fmt: skip
    told = _session_notices(session, places, reason, replacement)
    audit_event_record(
        kind="session.cancelled", user=actor,
        detail={"course": session.course_id, "session": session.pk, "places": len(places),
                "replacement": replacement.pk if replacement else None},
    )  # fmt: skip
    return told


def _session_notices(
    session: Session, places: list[Enrollment], reason: str, replacement: Session | None
) -> int:
    loaded = _session_for_notice(session.pk)
    values = {**session_notice_values(loaded), "reason": reason}
    if replacement is not None:
        other = session_notice_values(_session_for_notice(replacement.pk))
        values["replacement"] = (
            _(
                "A replacement session is planned: %(session)s, %(dates)s, %(venue)s. To move "
                "to it, open the link below and press 「代わりの回に移る」."
            )
            % other
        )
    told = notice_send_by_template(
        kind=NoticeKind.CANCELLED, recipients=_recipients(places, f"cancelled:{session.pk}"),
        values=values, link=reverse("trainee_home"),
    )  # fmt: skip
    _tell_coordinators(
        places,
        title=_("Cancelled: %(course)s (%(session)s)") % values,
        body=_("The session has been cancelled (%(reason)s). %%(count)s of your staff held or "
               "waited for a place; they have been told.") % {"reason": reason},
        link=reverse("coordinator_home"),
    )  # fmt: skip
    return told


def cancelled_place_movable(enrollment: Enrollment) -> bool:
    """Was this place released by its session's cancellation, with a replacement named, and
    is the person free to take it (no other place on the course)?"""
    session = enrollment.session
    if session.cancelled_at is None or session.replacement_id is None:
        return False
    if enrollment.status != Status.CANCELLED:
        return False
    last = enrollment.events.order_by("-pk").first()
    if last is None or last.occurred_at < session.cancelled_at:
        return False
    return not Enrollment.objects.filter(
        course_id=enrollment.course_id, trainee_id=enrollment.trainee_id, status__in=ACTIVE
    ).exists()


@transaction.atomic
def enrollment_move_to_replacement(*, enrollment: Enrollment, actor: User | None) -> Enrollment:
    """The one-click move of a cancelled session's place to the replacement HR named: a
    confirmed place is confirmed again if a seat is free (else it waits, first come first
    served), an application or a waiting place goes on as it was."""
    enrollment = Enrollment.objects.select_related("session").get(pk=enrollment.pk)
    if not cancelled_place_movable(enrollment):
        raise EnrollmentRefused(_("This place cannot be moved to a replacement session."))
    cancelled = enrollment.session
    replacement_id = cancelled.replacement_id or 0  # set: cancelled_place_movable checked it
    sessions = sessions_lock(cancelled.pk, replacement_id)
    target = sessions[replacement_id]
    if target.is_cancelled:
        raise EnrollmentRefused(_("The replacement session has been cancelled too."))
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    held = enrollment.events.order_by("-pk").first()
    before = held.from_status if held is not None else Status.REQUESTED
    existing_enrollment(target, enrollment.trainee)  # refuses another place on the course
    enrollment.session = cancelled
    place_move(enrollment, target, actor, _("Moved from the cancelled session %(number)s")
              % {"number": cancelled.number})  # fmt: skip
    wanted = before
    if before == Status.CONFIRMED and free_seats(target) <= 0:
        wanted = Status.WAITLISTED
    status_set(enrollment, wanted, actor, _("Replacement session"),
               notify=wanted != Status.REQUESTED)  # fmt: skip
    audit_event_record(
        kind="enrollment.moved", user=actor,
        detail={"enrollment": enrollment.pk, "to": target.pk, "replacement": True},
    )  # fmt: skip
    return enrollment
