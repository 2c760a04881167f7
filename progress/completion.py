"""修了: whether an enrolment meets its course's requirements, and if not, what is missing.

Completion stands above every app it reads, and reads each through that app's selectors:
attendance of every session day (enrollments), the course's materials watched (learning), a
post-test passed, the survey answered and the completion report submitted — acknowledged where
the course asks for review — (assessments). What a course requires is the course's
(courses.models.REQUIREMENTS)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from assessments.selectors import requirements_met
from enrollments.models import Completion, Status
from enrollments.selectors import attendance_counts, places_for_completion, session_days_of
from learning.selectors import material_counts, viewing_counts

ASSESSED = ("test", "survey", "report")


def evaluate(
    enrollment_ids: list[int], today: datetime.date | None = None
) -> dict[int, tuple[str, list[str]]]:
    """{enrollment id: (completion state, missing requirement codes)} — a fixed number of
    queries for any number of enrolments."""
    today = today or timezone.localdate()
    enrollments = places_for_completion(enrollment_ids)
    if not enrollments:
        return {}
    course_ids = {e.course_id for e in enrollments}
    days = session_days_of({e.session_id for e in enrollments})
    attended, any_attendance = attendance_counts(enrollments)
    material_totals = material_counts(course_ids)
    views = viewing_counts({e.trainee_id for e in enrollments}, course_ids)
    assessed = requirements_met([e.pk for e in enrollments])
    result: dict[int, tuple[str, list[str]]] = {}
    for e in enrollments:
        if e.status != Status.CONFIRMED:
            result[e.pk] = (Completion.NOT_STARTED, [])
            continue
        course = e.course
        session_days = days.get(e.session_id, [])
        opened, done = views.get((e.trainee_id, e.course_id), (0, 0))
        met = {
            "attendance": attended.get(e.pk, 0) >= len(session_days),
            "materials": done >= material_totals.get(e.course_id, 0),
            **{code: code in assessed.get(e.pk, ()) for code in ASSESSED},
        }
        missing = [code for code in course.requirement_codes() if not met[code]]
        last_day = session_days[-1].date if session_days else None
        deadline = course.completion_deadline or last_day
        if not missing:
            state = Completion.COMPLETED
        elif deadline and deadline < today:
            state = Completion.INCOMPLETE
        elif e.pk in any_attendance or opened or assessed.get(e.pk):
            state = Completion.IN_PROGRESS
        else:
            state = Completion.NOT_STARTED
        result[e.pk] = (state, missing)
    return result
