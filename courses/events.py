"""The one event by which the apps that record what completion reads — attendance
(enrollments), viewing (learning), tests, surveys and reports (assessments) — say that it changed.

Completion (修了) is decided above them all (progress/), so they cannot call it: each announces,
synchronously and inside its own transaction, which enrolments may have moved, and progress
re-evaluates them before the transaction commits. It lives here, in the lowest app that knows
what a course requires, so that every writer can import it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.dispatch import Signal


@dataclass(frozen=True)
class RequirementInputsChanged:
    """These enrolments — or the trainee's confirmed place on this course — may have met, or
    stopped meeting, a requirement."""

    enrollment_ids: tuple[int, ...] = ()
    trainee_id: int | None = None
    course_id: int | None = None


requirement_inputs_changed = Signal()


def announce(
    *,
    enrollment_ids: Iterable[int] = (),
    trainee_id: int | None = None,
    course_id: int | None = None,
) -> None:
    """Tell whoever listens (progress) now, in the caller's transaction."""
    event = RequirementInputsChanged(tuple(enrollment_ids), trainee_id, course_id)
    requirement_inputs_changed.send(sender=RequirementInputsChanged, event=event)
