"""A real Celery worker takes a task from Redis and runs it against the database."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_task_from_redis(requires_postgres):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0 (CI does)")
    from trainees.tasks import clear_expired_sessions

    Session.objects.create(
        session_key="expired-session-key",
        session_data="",
        expire_date=timezone.now() - datetime.timedelta(hours=1),
    )
    db = connection.settings_dict
    queue = f"test-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "--queues", queue, "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        clear_expired_sessions.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        while Session.objects.filter(session_key="expired-session-key").exists():
            assert worker.poll() is None, worker.stdout.read().decode()
            assert time.monotonic() < deadline, "the worker did not run the task within 60 s"
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
