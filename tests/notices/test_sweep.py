"""The sweeper hands over only deliveries that have waited too long: queued past
DELIVERY_SWEEP_AFTER_SECONDS, or claimed by a worker whose lease ran out."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from notices.models import Delivery, OutboxMessage
from notices.services import deliveries_sweep
from tests.trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db


def delivery(status: str, **times) -> Delivery:
    return Delivery.objects.create(
        trainee=TraineeFactory(), kind="order", rule="order:1", email="a@example.jp",
        subject="s", body="b", status=status, **times,
    )  # fmt: skip


def test_only_deliveries_waiting_too_long_are_handed_over(settings):
    now = timezone.now()
    ago = lambda seconds: now - datetime.timedelta(seconds=seconds)  # noqa: E731
    lost = delivery("queued", queued_at=ago(settings.DELIVERY_SWEEP_AFTER_SECONDS + 5))
    recent = delivery("queued", queued_at=ago(10))
    dead_worker = delivery("sending", claimed_at=ago(settings.DELIVERY_LEASE_SECONDS + 5))
    busy_worker = delivery("sending", claimed_at=ago(1))
    delivery("sent", queued_at=ago(99999))
    delivery("failed", queued_at=ago(99999))
    assert deliveries_sweep(now=now) == 2
    handed = [id for message in OutboxMessage.objects.all() for id in message.args[0]]
    assert sorted(handed) == sorted([lost.pk, dead_worker.pk])
    lost.refresh_from_db()
    assert lost.queued_at == now  # the next sweep waits again before handing it over twice
    assert deliveries_sweep(now=now) == 1  # only the dead worker's row, until its lease is taken
    assert recent.pk not in handed and busy_worker.pk not in handed
