"""Notices out to people by e-mail, through an outbox and Celery.

The guarantees, and what gives them:
- nothing committed is lost: what a notice is about (an order, a decision), its Delivery rows
  and OutboxMessage rows commit together;
  the relay publishes outbox rows after commit and again (Celery beat, every few seconds) for
  any it could not publish while the broker was down;
- nothing is sent twice: one Delivery row per (trainee, kind, rule) under a unique constraint, and a
  worker claims a row with a conditional UPDATE before sending; tasks are acknowledged late, so a
  killed worker's batch comes back, and rows it had claimed are reclaimed after a lease;
- transient SMTP trouble (4xx, connection) is retried with exponential backoff; a permanent
  refusal (5xx) marks the row failed with the server's reason, for HR to correct and resend.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from lib.tasks import task_named
from notices.models import Delivery, OutboxMessage

logger = logging.getLogger(__name__)

DELIVER_TASK = "notices.tasks.deliver_notices"


def lease() -> datetime.timedelta:
    """How long a claimed row is left to the worker that claimed it before another may take it
    (that worker is presumed dead)."""
    return datetime.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)


def outbox_add(task: str, batches: Iterable[list[int]]) -> None:
    OutboxMessage.objects.bulk_create([OutboxMessage(task=task, args=[batch]) for batch in batches])
    transaction.on_commit(relay_outbox)


def relay_outbox(limit: int = 500) -> int:
    """Publish pending outbox rows to the broker; stop at the first failure (the broker is
    down: the rest wait for the next run). Returns how many were published."""
    published = 0
    with transaction.atomic():
        pending = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(relayed_at__isnull=True)
            .order_by("created_at", "id")[:limit]
        )
        for message in pending:
            try:
                # The outbox names tasks; the apps that write them stand above this one.
                task_named(message.task).apply_async(args=message.args)
            except Exception as exc:  # noqa: BLE001 - any broker error: keep the row, try later
                OutboxMessage.objects.filter(pk=message.pk).update(
                    attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:300]
                )
                logger.warning("outbox relay stopped: broker unavailable (%s)", type(exc).__name__)
                break
            OutboxMessage.objects.filter(pk=message.pk).update(relayed_at=timezone.now())
            published += 1
    return published


def _claim(delivery_id: int) -> bool:
    """Take a delivery for sending: only if queued, or left 'sending' by a worker that died."""
    now = timezone.now()
    claimable = Q(status=Delivery.Status.QUEUED) | Q(
        status=Delivery.Status.SENDING, claimed_at__lt=now - lease()
    )
    return bool(
        Delivery.objects.filter(claimable, pk=delivery_id).update(
            status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def _held_elsewhere(delivery_id: int) -> bool:
    """Claimed by a worker whose lease has not run out: come back later rather than drop it."""
    return Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).exists()


class TransientDeliveryError(Exception):
    """Some mails could not be sent for now; the task retries them."""


def deliver(delivery_ids: list[int]) -> dict[str, int]:
    """Send the e-mails of these deliveries (one SMTP connection for the batch)."""
    counts = {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    rows = Delivery.objects.filter(pk__in=delivery_ids).order_by("id")
    connection = get_connection()
    try:
        for delivery in rows:
            if not _claim(delivery.pk):
                if _held_elsewhere(delivery.pk):
                    counts["retry"] += 1  # a worker that died mid-send: retried after its lease
                else:
                    counts["skipped"] += 1  # already sent, failed for good, or no address
                continue
            message = EmailMessage(
                delivery.subject, delivery.body, to=[delivery.email], connection=connection
            )
            # The same id for a resend, so a mail client shows one message, never two.
            about = delivery.rule.replace(":", "-")
            message.extra_headers["Message-ID"] = (
                f"<{delivery.kind}-{about}-{delivery.trainee_id}@kenshu>"
            )
            try:
                message.send()
            except smtplib.SMTPRecipientsRefused as exc:
                code, reason = next(iter(exc.recipients.values()))
                _finish(delivery, code, reason, counts)
            except smtplib.SMTPResponseException as exc:
                _finish(delivery, exc.smtp_code, exc.smtp_error, counts)
            except (OSError, smtplib.SMTPException) as exc:
                _requeue(delivery, f"{type(exc).__name__}: {exc}", counts)
            else:
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=Delivery.Status.SENT, sent_at=timezone.now(), last_error=""
                )
                counts["sent"] += 1
    finally:
        connection.close()
    if counts["retry"]:
        raise TransientDeliveryError(counts)
    return counts


def _finish(delivery: Delivery, code: int, reason: bytes | str, counts: dict[str, int]) -> None:
    text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
    if 400 <= code < 500:
        _requeue(delivery, f"{code} {text}", counts)
        return
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED, last_error=f"{code} {text}"[:300]
    )
    counts["failed"] += 1


def _requeue(delivery: Delivery, reason: str, counts: dict[str, int]) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.QUEUED, last_error=reason[:300], queued_at=timezone.now()
    )
    counts["retry"] += 1
