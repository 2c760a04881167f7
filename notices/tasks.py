"""Celery tasks: thin adapters that take ids and call the delivery code."""

from __future__ import annotations

from celery import Task, shared_task

from notices import delivery, services


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
def deliver_notices(self: Task, delivery_ids: list[int]) -> dict[str, int]:
    """Send a batch of notice e-mails. Safe to run twice: each row is claimed first."""
    return delivery.deliver(delivery_ids)


@shared_task(ignore_result=True)
def sweep_deliveries() -> int:
    """Deliveries whose task the broker lost, handed over again (Celery beat, every minute)."""
    return services.deliveries_sweep()


@shared_task(ignore_result=True)
def relay_outbox() -> int:
    """Publish outbox rows left behind while the broker was down (Celery beat, every 5 s)."""
    return delivery.relay_outbox()


@shared_task(ignore_result=True)
def alert_auditors(verification_id: int) -> int:
    """The audit chains failed their verification: every auditor is told (inbox and e-mail)."""
    return services.auditors_alert_chain_broken(verification_id=verification_id)


@shared_task(ignore_result=True)
def findings_digest(run_id: int) -> int:
    """The log analysis found something new: one digest to every auditor (inbox and e-mail)."""
    return services.auditors_findings_digest(run_id=run_id)
