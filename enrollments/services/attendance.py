"""Attendance (出欠): HR's roster and the trainees' self check-in."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from courses.events import announce
from courses.models import SessionDay
from enrollments.models import (
    LATE_OR_EARLY,
    AbsenceNotice,
    Attendance,
    AttendanceMark,
    CheckInCode,
    Enrollment,
    Status,
)
from enrollments.services.checks import not_cancelled
from enrollments.services.history import enrollments_stamp_organisation
from enrollments.services.status import EnrollmentRefused
from lib.japanese import fold
from trainees.models import Trainee, User


def day_not_started(day: SessionDay, now: datetime.datetime | None = None) -> bool:
    """Has the day not begun yet? (The attendance page warns before recording it.)"""
    start = datetime.datetime.combine(
        day.date, day.starts_at, tzinfo=timezone.get_current_timezone()
    )
    return (now or timezone.now()) < start


def attendance_allowed(day: SessionDay, today: datetime.date | None = None) -> None:
    """Refuse attendance for a day further ahead than the setting allows."""
    today = today or timezone.localdate()
    limit = today + datetime.timedelta(days=settings.ATTENDANCE_MAX_DAYS_AHEAD)
    if day.date > limit:
        raise EnrollmentRefused(
            _("%(date)s has not come yet: attendance can be recorded from the day itself.")
            % {"date": date_format(day.date, "DATE_FORMAT")}
        )


@transaction.atomic
def attendance_record(
    *,
    day: SessionDay,
    marks: Mapping[int, str],
    actor: User | None,
    method: str = "hr",
    minutes: Mapping[int, int] | None = None,
) -> int:
    """出欠 for a day: {enrollment id: mark}, and for late arrivals and early leaves the minutes
    missed ({enrollment id: minutes}; kept only with those marks). Only confirmed enrolments of
    the day's session; refused for a day more than ATTENDANCE_MAX_DAYS_AHEAD days ahead (a mark
    completes) and for more minutes than the day has."""  # fmt: skip
    attendance_allowed(day)
    minutes = minutes or {}
    length = day.minutes
    if any(m < 0 or m > length for m in minutes.values()):
        raise EnrollmentRefused(
            _("The minutes missed must be between 0 and the day's %(n)s minutes.") % {"n": length}
        )
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
                "minutes_missed": minutes.get(enrollment_id, 0)
                if marks[enrollment_id] in LATE_OR_EARLY
                else 0,
                "method": method,
                "recorded_by": actor,
                "recorded_at": now,
            },
        )
    announce(enrollment_ids=valid)  # completion (progress/) re-evaluates, in this transaction
    enrollments_stamp_organisation(session_id=day.session_id)
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


@transaction.atomic
def check_in_code_for(day: SessionDay, *, actor: User | None = None) -> CheckInCode:
    """The day's check-in code, made the first time HR asks (an event; the code itself is not
    kept in the trail: anyone reading the trail could check in with it)."""
    not_cancelled(day.session)
    code, created = CheckInCode.objects.get_or_create(
        day=day, defaults={"code": f"{secrets.randbelow(10**6):06d}"}
    )
    if created:
        audit_event_record(
            kind="attendance.check_in_code",
            user=actor,
            detail={"session": day.session_id, "day": day.pk},
        )
    return code


def check_in_window(
    day: SessionDay,
) -> tuple[datetime.datetime, datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day.date, day.starts_at, tzinfo=tz)
    end = datetime.datetime.combine(day.date, day.ends_at, tzinfo=tz)
    return start - datetime.timedelta(minutes=30), start, end


@transaction.atomic
def check_in(*, trainee: Trainee, code: str, actor: User | None) -> Attendance:
    """Self check-in with the code shown at the venue, only while the day is on. Late after
    10 minutes past the start."""
    code = fold(code)
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
