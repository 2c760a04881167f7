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
from courses.models import Course, Session, SessionDay
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
