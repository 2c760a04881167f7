"""Celery tasks: thin adapters that take ids and call the delivery code."""

from __future__ import annotations

from celery import shared_task

from courses import delivery


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(delivery.TransientDeliveryError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
)
def deliver_orders(self, delivery_ids: list[int]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Send a batch of training-order e-mails. Safe to run twice: each row is claimed first."""
    return delivery.deliver(delivery_ids)


@shared_task(ignore_result=True)
def relay_outbox() -> int:
    """Publish outbox rows left behind while the broker was down (Celery beat, every 5 s)."""
    return delivery.relay_outbox()


@shared_task(ignore_result=True)
def send_reminders() -> dict[str, int]:
    """Reminders due today (Celery beat, every morning). Safe to run again the same day."""
    from courses.services import reminders_send

    return reminders_send()
