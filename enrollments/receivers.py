"""What enrolments do when the apps below them report something (signals: those apps may not
import this one)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from enrollments.services import completion_refresh_for_trainee
from learning.signals import material_watched


@receiver(material_watched)
def _material_watched(sender: Any, *, trainee_id: int, course_id: int, **kwargs: Any) -> None:
    """A material counts as watched: the trainee's completion of the course may have changed."""
    completion_refresh_for_trainee(trainee_id=trainee_id, course_id=course_id)
