"""Training orders to 4,000 trainees: issue, then delivery by one real Celery worker to a local
SMTP sink (aiosmtpd). Needs PostgreSQL and Redis:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kenshu REDIS_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/python bench/order_fanout.py [recipients]

Prints the time to issue (commit the order, notices, deliveries and outbox; publish), the time
until the SMTP sink has accepted the last mail, mails/s, and duplicates and losses counted at
the sink. Last line: {"recipients", "issue_s", "deliver_s", "mails_per_s", "duplicates", "lost"}.
The Redis database in REDIS_URL is flushed: give it one you do not need.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


class Sink:
    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.last = 0.0

    async def handle_DATA(self, server, session, envelope):
        for address in envelope.rcpt_tos:
            self.received[address] += 1
        self.last = time.perf_counter()
        return "250 OK"


def main() -> None:
    recipients = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        reason = (
            "needs DATABASE_URL=postgres://… and REDIS_URL=redis://… (a real broker and worker)"
        )
        print(f"order_fanout skipped: {reason}")
        print(json.dumps({"skipped": reason}))
        return
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-connection lines
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    cache.clear()
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    s = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_USE_TLS": "false",
        "LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        from django.utils import timezone

        from enrollments.services import order_issue
        from lib.bulk import insert_rows
        from notices.models import Delivery
        from tests.courses.factories import SessionFactory
        from trainees.models import Organisation, Trainee

        now = timezone.now()
        organisation = Organisation.objects.create(code="900000", name="ベンチ課")
        insert_rows(
            Trainee,
            ["staff_number", "is_external", "name", "name_kana", "organisation_id", "concurrent_posts",
             "job_title", "job_category", "duty", "gender", "email", "employment_type", "status",
             "search_text", "created_at", "updated_at"],
            ([f"{n:06d}", False, f"職員 {n}", "", organisation.pk, [], "", "", "", "",
              f"staff{n:06d}@city.example.jp", "正規", "active", f"{n:06d}", now, now]
             for n in range(recipients)),
        )  # fmt: skip
        session = SessionFactory(capacity=recipients)
        ids = list(Trainee.objects.values_list("id", flat=True))
        time.sleep(2)  # let the worker connect
        started = time.perf_counter()
        order_issue(session=session, trainee_ids=ids, actor=None)
        issue_s = time.perf_counter() - started
        deadline = time.monotonic() + 300
        while sum(sink.received.values()) < recipients and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # would any duplicate still arrive?
        deliver_s = (sink.last or time.perf_counter()) - started
        delivered = set(sink.received)
        expected = {f"staff{n:06d}@city.example.jp" for n in range(recipients)}
        result = {
            "recipients": recipients,
            "issue_s": round(issue_s, 3),
            "deliver_s": round(deliver_s, 3),
            "mails_per_s": round(len(delivered) / deliver_s, 1) if deliver_s else 0,
            "duplicates": sum(count - 1 for count in sink.received.values() if count > 1),
            "lost": len(expected - delivered),
        }
        statuses = dict(Counter(Delivery.objects.values_list("status", flat=True)))
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        controller.stop()
        connection.close()
        connection.creation.destroy_test_db(test_db, verbosity=0)
    print(f"Training order to {recipients} trainees, one worker, local SMTP sink")
    print(f"  issue (commit + publish): {result['issue_s']:.2f} s")
    print(
        f"  until the last mail was accepted: {result['deliver_s']:.2f} s ({result['mails_per_s']} mails/s)"
    )
    print(
        f"  duplicates: {result['duplicates']}   lost: {result['lost']}   delivery rows: {statuses}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
