"""Completion (修了) as stored on the enrolment. Whether a place is complete is decided above
this app (progress/); this writes what it decided, where it changed."""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.utils import timezone

from courses.models import valid_until
from enrollments.models import Completion, Enrollment


def completion_store(results: dict[int, tuple[str, list[str]]]) -> int:
    """Store {enrolment id: (completion state, missing requirement codes)}: only what moved
    (the nightly run over every place writes little), with the time of completion and — where
    the course's completions expire — its 有効期限 (courses.models.valid_until, from the day of
    completion). Returns the number of places changed."""
    changed = 0
    now = timezone.now()
    current = {
        pk: (state, missing, completed_at, until, months, last_day)
        for pk, state, missing, completed_at, until, months, last_day in Enrollment.objects
        .filter(pk__in=list(results))
        .annotate(last_day=Max("session__days__date"))
        .values_list("id", "completion", "completion_missing", "completed_at", "valid_until",
                     "course__valid_for_months", "last_day")
    }  # fmt: skip
    for pk, (state, missing) in results.items():
        if pk not in current:
            continue
        was, was_missing, completed_at, stored_until, months, last_day = current[pk]
        fields: dict[str, Any] = {}
        if (was, was_missing) != (state, missing):
            fields = {"completion": state, "completion_missing": missing}
        if state == Completion.COMPLETED:
            if was != Completion.COMPLETED or completed_at is None:
                completed_at = fields["completed_at"] = now
            # Valid from the day of completion: the session's last day (the certificate's
            # date), or the day it was met if that came first (e-learning).
            on = timezone.localdate(completed_at)
            until = valid_until(min(on, last_day) if last_day else on, months)
        else:
            until = None
            if was == Completion.COMPLETED:
                fields["completed_at"] = None
        if until != stored_until:
            fields["valid_until"] = until
        if fields:
            changed += Enrollment.objects.filter(pk=pk).update(**fields)
    return changed
