"""修了: whether an enrolment meets its course's requirements, and if not, what is missing.

Completion stands above every app it reads, and reads each through that app's selectors:
attendance (enrollments: every session day, or a share of the hours), the course's materials
watched (learning), a post-test passed, the survey answered and the completion report
submitted — acknowledged where the course asks for review — (assessments). What a course
requires is the course's (courses.models.REQUIREMENTS). Where HR decided a place's completion
(``Enrollment.completion_decided``: a session held outside, an exemption), the decision stands
over the rules until HR hands it back to them."""

from __future__ import annotations

import datetime

from django.utils import timezone

from assessments.selectors import requirements_met
from courses.models import Course, SessionDay
from enrollments.models import AttendanceMark, Completion, Status
from enrollments.selectors import ATTENDED, attendance_of, places_for_completion, session_days_of
from learning.selectors import material_counts, viewing_counts

ASSESSED = ("test", "survey", "report")


def attendance_met(
    course: Course, days: list[SessionDay], marks: list[tuple[int, str, int]]
) -> bool:
    """The course's attendance rule over the session's days: every day attended (arriving late
    or leaving early counts), or — with ``attendance_share`` — at least that share of the
    hours, where an absent or unmarked day's hours and a late arrival's or early leave's
    minutes are missed. Marks of days not the session's (before a move) do not count."""
    by_day = {day_id: (mark, minutes) for day_id, mark, minutes in marks}
    if not course.attendance_share:
        return all(by_day.get(day.pk, ("", 0))[0] in ATTENDED for day in days)
    total = attended = 0
    for day in days:
        length = day.minutes
        mark, missed = by_day.get(day.pk, ("", 0))
        total += length
        if mark == AttendanceMark.PRESENT:
            attended += length
        elif mark in ATTENDED:
            attended += max(0, length - missed)
    return attended * 100 >= course.attendance_share * total


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
    marks = attendance_of(enrollments)
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
            "attendance": attendance_met(course, session_days, marks.get(e.pk, [])),
            "materials": done >= material_totals.get(e.course_id, 0),
            **{code: code in assessed.get(e.pk, ()) for code in ASSESSED},
        }
        missing = [code for code in course.requirement_codes() if not met[code]]
        last_day = session_days[-1].date if session_days else None
        deadline = course.completion_deadline or last_day
        if e.completion_decided == Completion.COMPLETED:  # HR's decision stands over the rules
            state, missing = Completion.COMPLETED, []
        elif e.completion_decided == Completion.INCOMPLETE:
            state = Completion.INCOMPLETE
        elif not missing:
            state = Completion.COMPLETED
        elif deadline and deadline < today:
            state = Completion.INCOMPLETE
        elif e.pk in marks or opened or assessed.get(e.pk):
            state = Completion.IN_PROGRESS
        else:
            state = Completion.NOT_STARTED
        result[e.pk] = (state, missing)
    return result
