"""Celery tasks: thin adapters around the enrolment services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from enrollments import services


@shared_task(ignore_result=True)
def refresh_completion() -> int:
    """Every night: sessions and deadlines that have passed turn 受講中 into 未修了 where the
    requirements are not met (changes of attendance and viewing are applied at once); the
    places of sessions beginning today remember their trainee's organisation of the day."""
    services.enrollments_stamp_organisation(today=timezone.localdate())
    return services.completion_refresh_due()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    max_retries=10,
)
def send_decision_notices(event_ids: list[int]) -> int:
    """Decision notices (受講決定通知, 補欠, 不採用) for these decisions, from the outbox.
    Safe to run twice: a notice already made is not made again."""
    return services.decision_notices_send(event_ids)


@shared_task(ignore_result=True)
def send_reminders() -> dict[str, int]:
    """Reminders due today (Celery beat, every morning). Safe to run again the same day."""
    return services.reminders_send()
