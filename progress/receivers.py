"""Completion hears the one event its inputs' writers announce (courses.events)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from courses.events import RequirementInputsChanged, requirement_inputs_changed
from progress.services import (
    completion_refresh,
    completion_refresh_for_course,
    completion_refresh_for_trainee,
)


@receiver(requirement_inputs_changed, dispatch_uid="progress.requirement_inputs_changed")
def _inputs_changed(sender: Any, *, event: RequirementInputsChanged, **kwargs: Any) -> None:
    if event.enrollment_ids:
        completion_refresh(list(event.enrollment_ids))
    if event.trainee_id is not None and event.course_id is not None:
        completion_refresh_for_trainee(trainee_id=event.trainee_id, course_id=event.course_id)
    elif event.course_id is not None:
        completion_refresh_for_course(event.course_id)
