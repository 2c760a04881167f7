"""HR's edits of a session, where they touch the seats."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import ngettext

from courses import services as course_services
from courses.models import Session
from enrollments.services.seats import session_lock
from enrollments.services.status import waitlist_promote
from trainees.models import User


@transaction.atomic
def session_save(
    *, session: Session, days: Iterable[dict[str, Any]], actor: User | None
) -> Session:
    """Create or update a session (courses.services.session_save) under the seat lock: a
    capacity below the places already confirmed is refused with a message, and seats a raised
    capacity frees go to the waiting list, in order."""
    if session.pk is None:
        return course_services.session_save(session=session, days=days, actor=actor)
    taken = session_lock(session.pk).confirmed_count
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
    return session
