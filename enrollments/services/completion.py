"""Completion (修了) as stored on the enrolment. Whether a place is complete is decided above
this app (progress/); this writes what it decided, where it changed."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from enrollments.models import Completion, Enrollment


def completion_store(results: dict[int, tuple[str, list[str]]]) -> int:
    """Store {enrolment id: (completion state, missing requirement codes)}: only what moved
    (the nightly run over every place writes little), with the time of completion. Returns the
    number of places changed."""
    changed = 0
    now = timezone.now()
    current = {
        pk: (state, missing)
        for pk, state, missing in Enrollment.objects.filter(pk__in=list(results)).values_list(
            "id", "completion", "completion_missing"
        )
    }
    for pk, (state, missing) in results.items():
        if current.get(pk) == (state, missing):
            continue
        fields: dict[str, Any] = {"completion": state, "completion_missing": missing}
        if state == Completion.COMPLETED and current.get(pk, ("",))[0] != Completion.COMPLETED:
            fields["completed_at"] = now
        elif state != Completion.COMPLETED:
            fields["completed_at"] = None
        changed += Enrollment.objects.filter(pk=pk).update(**fields)
    return changed
