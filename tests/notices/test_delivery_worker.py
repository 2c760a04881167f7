"""Orders delivered by a real Celery worker from Redis to a real SMTP server (aiosmtpd):
every address once, temporary refusals retried, permanent ones marked failed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from enrollments.services import order_issue
from notices.models import Delivery
from tests.conftest import broker_idle, free_port, service_env, wait_for
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


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def start_redis(port: int, directory: Path) -> subprocess.Popen:
    return subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def issue_in_another_process(env: dict[str, str], session, people) -> None:  # type: ignore[no-untyped-def]
    run_in_portal(
        env,
        "from courses.models import Session; from enrollments.services import order_issue;"
        f"order_issue(session=Session.objects.get(pk={session.pk}),"
        f" trainee_ids={[p.pk for p in people]}, actor=None)",
    )


def run_in_portal(env: dict[str, str], code: str) -> str:
    """Run Python in another process of the portal (manage.py shell); its output."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def redis_up(port: int) -> None:
    import redis as redis_client

    def answers() -> bool:
        try:
            return bool(redis_client.Redis(port=port, socket_timeout=1).ping())
        except redis_client.ConnectionError:
            return False

    wait_for(answers, f"redis-server on port {port}")


def worker_ready(redis_url: str, seconds: float = 60) -> None:
    """Until a worker answers a ping on the broker (it is consuming)."""
    from celery import Celery

    probe = Celery(broker=redis_url, set_as_current=False)  # our app stays the current one
    wait_for(lambda: bool(probe.control.ping(timeout=0.5)), "a worker to answer", seconds)


def wait_for_mail(smtp: FlakySmtp, count: int, redis_url: str, seconds: float = 60) -> None:
    """Until the SMTP server has accepted `count` messages and the broker is empty."""
    wait_for(lambda: sum(smtp.received.values()) >= count, f"{count} messages", seconds)
    broker_idle(redis_url)


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_worker_delivers_each_order_once_with_retries(requires_postgres, smtp_server):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0 (CI does)")
    smtp = FlakySmtp()
    port = smtp_server(smtp)
    worker = start_worker(service_env(smtp_port=port, redis_url=redis_url))
    try:
        session = SessionFactory()
        people = [TraineeFactory(email=f"ok{n}@city.example.jp") for n in range(20)]
        people.append(TraineeFactory(email="greylisted@city.example.jp"))
        people.append(TraineeFactory(email="bounce@city.example.jp"))
        order_issue(session=session, trainee_ids=[p.pk for p in people], actor=None)
        deadline = time.monotonic() + 90
        while Delivery.objects.filter(
            rule__startswith="order:", status__in=["queued", "sending"]
        ).exists():
            assert worker.poll() is None, "the worker died"
            assert time.monotonic() < deadline, dict(
                Delivery.objects.values_list("email", "status")
            )
            time.sleep(0.5)
        broker_idle(redis_url)  # the retries too: nothing left that could send twice
    finally:
        stop(worker)
    statuses = dict(Delivery.objects.values_list("email", "status"))
    assert statuses.pop("bounce@city.example.jp") == "failed"
    assert set(statuses.values()) == {"sent"}
    assert Delivery.objects.get(email="bounce@city.example.jp").last_error.startswith("550")
    assert Delivery.objects.get(email="greylisted@city.example.jp").attempts == 2
    assert smtp.received == Counter({address: 1 for address in statuses})  # each exactly once


@pytest.mark.django_db(transaction=True)
def test_an_order_issued_while_redis_is_down_goes_out_when_it_is_back(
    requires_postgres, tmp_path, smtp_server
):
    """Everything real: a private redis-server that is down at first, the order issued by
    another process, a Celery worker, the outbox relay (what beat runs every 5 s), aiosmtpd."""
    import shutil

    from notices.models import OutboxMessage

    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server on PATH")
    smtp = FlakySmtp()
    smtp_port, redis_port = smtp_server(smtp), free_port()
    env = service_env(smtp_port=smtp_port, redis_url=f"redis://127.0.0.1:{redis_port}/0")
    session = SessionFactory()
    people = [TraineeFactory(email=f"down{n}@city.example.jp") for n in range(30)]
    issue_in_another_process(env, session, people)  # commits although Redis is down
    assert Delivery.objects.filter(rule__startswith="order:", status="queued").count() == 30
    pending = OutboxMessage.objects.get(relayed_at__isnull=True)
    assert pending.attempts == 1 and pending.last_error
    redis = start_redis(redis_port, tmp_path)
    worker = start_worker(env)
    try:
        redis_up(redis_port)
        worker_ready(env["REDIS_URL"])
        relayed = run_in_portal(
            env, "from notices.delivery import relay_outbox; print(relay_outbox())"
        )
        assert relayed.endswith("1"), relayed
        wait_for_mail(smtp, 30, env["REDIS_URL"], seconds=90)
    finally:
        stop(worker, redis)
    assert smtp.received == Counter({p.email: 1 for p in people})
    assert set(
        Delivery.objects.filter(rule__startswith="order:").values_list("status", flat=True)
    ) == {"sent"}


class KillingSmtp(FlakySmtp):
    """Accepts mail, but SIGKILLs the worker in the middle of the 16th message, before answering."""

    def __init__(self) -> None:
        super().__init__()
        self.victim: int | None = None
        self.killed = False

    async def handle_DATA(self, server, session, envelope):
        if not self.killed and sum(self.received.values()) == 15 and self.victim:
            import signal

            os.kill(self.victim, signal.SIGKILL)
            self.killed = True
            return "451 4.3.0 worker gone"
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    requires_postgres, tmp_path, smtp_server
):
    import shutil

    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server on PATH")
    smtp = KillingSmtp()
    smtp_port, redis_port = smtp_server(smtp), free_port()
    # Short timeouts so the test does not wait an hour for the broker to hand the batch out again.
    env = service_env(
        smtp_port=smtp_port,
        redis_url=f"redis://127.0.0.1:{redis_port}/0",
        CELERY_VISIBILITY_TIMEOUT="5",
        CELERY_UNACKED_RESTORE_INTERVAL="1",
        CELERY_UNACKED_RESTORE_THROTTLE="1",
        DELIVERY_LEASE_SECONDS="3",
    )
    redis = start_redis(redis_port, tmp_path)
    workers = [start_worker(env)]
    smtp.victim = workers[0].pid
    try:
        session = SessionFactory(capacity=100)
        people = [TraineeFactory(email=f"batch{n:02d}@city.example.jp") for n in range(40)]
        redis_up(redis_port)
        worker_ready(env["REDIS_URL"])
        issue_in_another_process(env, session, people)
        deadline = time.monotonic() + 60
        while workers[0].poll() is None:
            assert time.monotonic() < deadline, "the worker was never killed"
            time.sleep(0.2)
        assert workers[0].returncode == -9 and sum(smtp.received.values()) == 15
        workers.append(start_worker(env))
        wait_for_mail(smtp, 40, env["REDIS_URL"], seconds=120)
    finally:
        stop(*workers, redis)
    assert smtp.received == Counter({p.email: 1 for p in people})  # all delivered, none twice
    assert set(
        Delivery.objects.filter(rule__startswith="order:").values_list("status", flat=True)
    ) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_decision_notices_go_through_the_outbox_and_the_worker(requires_postgres, smtp_server):
    """Applications, a waiting list and a promotion: each decision is one e-mail, made by the
    worker from the outbox after commit."""
    import datetime

    from django.utils import timezone

    from courses.models import CourseKind, Selection
    from enrollments.services import enrollment_apply, enrollment_cancel
    from tests.courses.factories import CourseFactory

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0 (CI does)")
    smtp = FlakySmtp()
    port = smtp_server(smtp)
    worker = start_worker(service_env(smtp_port=port, redis_url=redis_url))
    try:
        session = SessionFactory(
            capacity=2,
            course=CourseFactory(kind=CourseKind.OPEN, selection=Selection.FIRST_COME),
            application_opens_at=timezone.now() - datetime.timedelta(days=1),
            application_closes_at=timezone.now() + datetime.timedelta(days=1),
        )
        first, second, third = (
            TraineeFactory(email=f"applicant{n}@city.example.jp") for n in range(3)
        )
        seated = enrollment_apply(session=session, trainee=first, actor=None)
        enrollment_apply(session=session, trainee=second, actor=None)
        enrollment_apply(session=session, trainee=third, actor=None)  # waitlisted
        enrollment_cancel(enrollment=seated, actor=None)  # third is promoted
        expected = Counter(
            {"applicant0@city.example.jp": 1, "applicant1@city.example.jp": 1,
             "applicant2@city.example.jp": 2}
        )  # fmt: skip
        wait_for_mail(smtp, sum(expected.values()), redis_url, seconds=90)
        assert worker.poll() is None, "the worker died"
    finally:
        stop(worker)
    assert smtp.received == expected  # nothing twice: the broker is empty
    kinds = Counter(
        Delivery.objects.filter(rule__startswith="event:").values_list("kind", flat=True)
    )
    assert kinds == Counter({"decision": 3, "waitlist": 1})


@pytest.mark.django_db(transaction=True)
def test_deliveries_whose_tasks_redis_lost_are_swept_and_sent_once(
    requires_postgres, tmp_path, smtp_server
):
    """The outbox relayed the order's tasks, then Redis lost them (restarted without its data:
    FLUSHALL here). Nothing would ever send those mails; the sweeper hands them over again and
    every one goes out exactly once."""
    import shutil

    import redis as redis_client

    from notices.models import OutboxMessage

    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server on PATH")
    smtp = FlakySmtp()
    smtp_port, redis_port = smtp_server(smtp), free_port()
    env = service_env(
        smtp_port=smtp_port,
        redis_url=f"redis://127.0.0.1:{redis_port}/0",
        DELIVERY_SWEEP_AFTER_SECONDS="2",
    )
    redis = start_redis(redis_port, tmp_path)
    worker = None
    try:
        redis_up(redis_port)
        session = SessionFactory(capacity=50)
        people = [TraineeFactory(email=f"lost{n:02d}@city.example.jp") for n in range(25)]
        issue_in_another_process(env, session, people)
        assert not OutboxMessage.objects.filter(relayed_at__isnull=True).exists()  # relayed
        redis_client.Redis(port=redis_port).flushall()  # … and lost by the broker
        worker = start_worker(env)
        worker_ready(env["REDIS_URL"])
        broker_idle(env["REDIS_URL"])  # a ready worker, an empty broker: nothing will come
        assert sum(smtp.received.values()) == 0  # nobody would ever have been sent it
        assert Delivery.objects.filter(status="queued").count() == 25
        swept = run_in_portal(
            env, "from notices.services import deliveries_sweep; print(deliveries_sweep())"
        )
        assert swept.endswith("25"), swept
        wait_for_mail(smtp, 25, env["REDIS_URL"])
    finally:
        stop(*[p for p in (worker, redis) if p is not None])
    assert smtp.received == Counter({p.email: 1 for p in people})
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
