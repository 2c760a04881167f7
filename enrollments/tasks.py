"""Celery tasks: thin adapters around the enrolment services."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def refresh_completion() -> int:
    """Every night: sessions and deadlines that have passed turn 受講中 into 未修了 where the
    requirements are not met (changes of attendance and viewing are applied at once)."""
    from enrollments.services import completion_refresh_due

    return completion_refresh_due()
