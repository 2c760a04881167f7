"""Completion (修了): re-evaluated when attendance or viewing changes, and nightly."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from enrollments.completion import evaluate
from enrollments.models import (
    Completion,
    Enrollment,
    Status,
)


def completion_refresh(enrollment_ids: list[int]) -> int:
    """Re-evaluate completion (修了) for these enrolments and store what changed."""
    changed = 0
    now = timezone.now()
    current = {
        pk: (state, missing)
        for pk, state, missing in Enrollment.objects.filter(pk__in=enrollment_ids).values_list(
            "id", "completion", "completion_missing"
        )
    }
    for pk, (state, missing) in evaluate(enrollment_ids).items():
        if current.get(pk) == (state, missing):
            continue  # the nightly run over every place writes only what moved
        fields: dict[str, Any] = {"completion": state, "completion_missing": missing}
        if state == Completion.COMPLETED and current.get(pk, ("",))[0] != Completion.COMPLETED:
            fields["completed_at"] = now
        elif state != Completion.COMPLETED:
            fields["completed_at"] = None
        changed += Enrollment.objects.filter(pk=pk).update(**fields)
    return changed


def completion_refresh_for_trainee(*, trainee_id: int, course_id: int) -> None:
    """After a material was watched: the trainee's confirmed enrolment on the course."""
    ids = list(
        Enrollment.objects.filter(
            trainee_id=trainee_id, course_id=course_id, status=Status.CONFIRMED
        ).values_list("id", flat=True)
    )
    if ids:
        completion_refresh(ids)


def completion_refresh_due(today: datetime.date | None = None) -> int:
    """Daily: confirmed enrolments whose session or deadline has passed and which are not
    complete become 未修了 (and the rest are brought up to date)."""
    ids = list(
        Enrollment.objects.filter(status=Status.CONFIRMED)
        .exclude(completion=Completion.COMPLETED)
        .values_list("id", flat=True)
    )
    total = 0
    for start in range(0, len(ids), 2000):
        total += completion_refresh(ids[start : start + 2000])
    return total
