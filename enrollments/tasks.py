"""Celery tasks: thin adapters around the enrolment services."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def refresh_completion() -> int:
    """Every night: sessions and deadlines that have passed turn 受講中 into 未修了 where the
    requirements are not met (changes of attendance and viewing are applied at once)."""
    from enrollments.services import completion_refresh_due

    return completion_refresh_due()


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
    from enrollments.services import decision_notices_send

    return decision_notices_send(event_ids)
