"""修了: whether an enrolment meets its course's requirements, and if not, what is missing.

Evaluated from what the portal records: attendance of every session day, the course's
materials watched, and — from the assessments app, an app above this one, asked through the
function settings.ASSESSMENT_RESULTS names — a test passed, the survey answered and the
completion report submitted (and acknowledged where the course asks for review).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from courses.models import Course, SessionDay
from enrollments.models import Attendance, AttendanceMark, Completion, Enrollment, Status
from learning.selectors import material_counts, viewing_counts
from lib.japanese import list_join

REQUIREMENTS = {
    "attendance": _("attend every session day"),
    "materials": _("watch the course's materials"),
    "test": _("pass the test"),
    "survey": _("answer the survey"),
    "report": _("submit the completion report"),
}
ATTENDED = (AttendanceMark.PRESENT, AttendanceMark.LATE, AttendanceMark.LEFT_EARLY)


@functools.cache
def _assessment_results() -> Callable[[list[int]], dict[int, set[str]]]:
    return import_string(settings.ASSESSMENT_RESULTS)


def initial_missing(course: Course) -> list[str]:
    """What a newly confirmed trainee still has to do: every requirement of the course (the
    first evaluation refines it; this needs no query, so it can be set under the seat lock)."""
    return [
        code
        for code, flag in (
            ("attendance", course.requires_attendance),
            ("materials", course.requires_materials),
            ("test", course.requires_test),
            ("survey", course.requires_survey),
            ("report", course.requires_report),
        )
        if flag
    ]


def missing_labels(codes: list[str]) -> str:
    return list_join(REQUIREMENTS.get(code, code) for code in codes)


def evaluate(
    enrollment_ids: list[int], today: datetime.date | None = None
) -> dict[int, tuple[str, list[str]]]:
    """{enrollment id: (completion state, missing requirement codes)} — a fixed number of
    queries for any number of enrolments."""
    today = today or timezone.localdate()
    enrollments = list(
        Enrollment.objects.filter(pk__in=enrollment_ids).select_related("course", "session")
    )
    if not enrollments:
        return {}
    session_ids = {e.session_id for e in enrollments}
    course_ids = {e.course_id for e in enrollments}
    days: dict[int, list] = {}
    for day in SessionDay.objects.filter(session_id__in=session_ids).order_by("date"):
        days.setdefault(day.session_id, []).append(day)
    attended = {
        (row["enrollment_id"]): row["n"]
        for row in Attendance.objects.filter(enrollment__in=enrollments, mark__in=ATTENDED)
        .values("enrollment_id")
        .annotate(n=Count("id"))
    }
    any_attendance = set(
        Attendance.objects.filter(enrollment__in=enrollments).values_list(
            "enrollment_id", flat=True
        )
    )
    material_totals = material_counts(course_ids)
    views = viewing_counts({e.trainee_id for e in enrollments}, course_ids)
    assessed = _assessment_results()([e.pk for e in enrollments])
    result: dict[int, tuple[str, list[str]]] = {}
    for e in enrollments:
        if e.status != Status.CONFIRMED:
            result[e.pk] = (Completion.NOT_STARTED, [])
            continue
        course = e.course
        session_days = days.get(e.session_id, [])
        opened, done = views.get((e.trainee_id, e.course_id), (0, 0))
        missing = []
        if course.requires_attendance and attended.get(e.pk, 0) < len(session_days):
            missing.append("attendance")
        if course.requires_materials and done < material_totals.get(e.course_id, 0):
            missing.append("materials")
        for code in ("test", "survey", "report"):
            if getattr(course, f"requires_{code}") and code not in assessed.get(e.pk, ()):
                missing.append(code)
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
