"""Celery tasks: thin adapters around the reports services."""

from __future__ import annotations

from celery import shared_task

from reports import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def build_certificate_batch(batch_ids: list[int]) -> None:
    """A session's certificates as one ZIP or PDF (from the outbox); safe to run twice."""
    for batch_id in batch_ids:
        try:
            services.certificate_batch_build(batch_id)
        except Exception as exc:
            services.certificate_batch_failed(batch_id, exc)
            raise
