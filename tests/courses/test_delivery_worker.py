"""Orders delivered by a real Celery worker from Redis to a real SMTP server (aiosmtpd):
every address once, temporary refusals retried, permanent ones marked failed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from courses.models import Delivery
from courses.services import order_issue
from tests.courses.factories import SessionFactory
from tests.trainees.factories import TraineeFactory

ROOT = Path(__file__).resolve().parents[2]


class FlakySmtp:
    """Refuses greylisted@ once with 451, always refuses bounce@ with 550, accepts the rest."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.refused_once: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("greylisted") and address not in self.refused_once:
            self.refused_once.add(address)
            return "451 4.7.1 greylisted, try again later"
        if address.startswith("bounce"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for address in envelope.rcpt_tos:
            self.received[address] += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_worker_delivers_each_order_once_with_retries(requires_postgres):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0 (CI does)")
    smtp = FlakySmtp()
    port = free_port()
    controller = Controller(smtp, hostname="127.0.0.1", port=port)
    controller.start()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_USE_TLS": "false",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        session = SessionFactory()
        people = [TraineeFactory(email=f"ok{n}@city.example.jp") for n in range(20)]
        people.append(TraineeFactory(email="greylisted@city.example.jp"))
        people.append(TraineeFactory(email="bounce@city.example.jp"))
        order_issue(session=session, trainee_ids=[p.pk for p in people], actor=None)
        deadline = time.monotonic() + 90
        while Delivery.objects.filter(
            order__session=session, status__in=["queued", "sending"]
        ).exists():
            assert worker.poll() is None, worker.stdout.read().decode()
            assert time.monotonic() < deadline, dict(
                Delivery.objects.values_list("email", "status")
            )
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        controller.stop()
    statuses = dict(Delivery.objects.values_list("email", "status"))
    assert statuses.pop("bounce@city.example.jp") == "failed"
    assert set(statuses.values()) == {"sent"}
    assert Delivery.objects.get(email="bounce@city.example.jp").last_error.startswith("550")
    assert Delivery.objects.get(email="greylisted@city.example.jp").attempts == 2
    assert smtp.received == Counter({address: 1 for address in statuses})  # each exactly once
