"""Celery tasks: thin adapters around the enrolment services."""

from __future__ import annotations

from celery import shared_task

from enrollments import services


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


@shared_task(ignore_result=True)
def approvals_due() -> dict[str, int]:
    """所属長承認: reminders the day before the deadline, and the course's rule for those
    nobody answered (Celery beat, every 15 minutes). Safe to run again: once per round."""
    return services.approvals_remind_and_expire()
