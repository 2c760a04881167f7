"""Completion (修了) re-evaluated: at once when what it reads changes (courses.events, announced
by the writers in their transaction), and nightly for sessions and deadlines that have passed."""

from __future__ import annotations

import datetime

from enrollments.selectors import confirmed_place_ids, not_completed_place_ids
from enrollments.services import completion_store
from progress.completion import evaluate


def completion_refresh(enrollment_ids: list[int], today: datetime.date | None = None) -> int:
    """Re-evaluate completion for these enrolments and store what changed (the enrolments'
    own service writes it)."""
    return completion_store(evaluate(list(enrollment_ids), today))


def completion_refresh_for_trainee(*, trainee_id: int, course_id: int) -> int:
    """After a material was watched: the trainee's confirmed place on the course."""
    ids = confirmed_place_ids(trainee_id=trainee_id, course_id=course_id)
    return completion_refresh(ids) if ids else 0


def completion_refresh_for_course(course_id: int) -> int:
    """After the course's requirements or validity changed: every confirmed place on it, 2,000
    at a time."""
    ids = confirmed_place_ids(course_id=course_id)
    return sum(completion_refresh(ids[start : start + 2000]) for start in range(0, len(ids), 2000))


def completion_refresh_due(today: datetime.date | None = None) -> int:
    """Daily: confirmed places whose session or deadline has passed and which are not complete
    become 未修了 (and the rest are brought up to date), 2,000 at a time."""
    ids = not_completed_place_ids()
    return sum(
        completion_refresh(ids[start : start + 2000], today) for start in range(0, len(ids), 2000)
    )
