"""A gunicorn worker is made ready before its first request (config/warmup.py): the URLconf
imported, the portal's templates compiled, every app's tasks registered, the broker's
connection open and what the process holds frozen for the collector — in a fresh process,
since the test process has long done all of it."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port, service_env, wait_for

ROOT = Path(__file__).resolve().parents[2]

# Run in a new interpreter: what the process holds after gunicorn's hook, and whether the
# first task queued afterwards has to open a connection to the broker.
PROBE = """
import gc, json, os, sys
import django
django.setup()
from django.template import engines
from django.urls import get_resolver
from kombu import Connection

import config.gunicorn
from config.celery import app
from config.warmup import project_templates
from lib.tasks import register_all

config.gunicorn.post_worker_init(None)
frozen, tracked = gc.get_freeze_count(), len(gc.get_objects())
cache = engines["django"].engine.template_loaders[0].get_template_cache
opened = []
establish = Connection._establish_connection
def counting(self):
    opened.append(1)
    return establish(self)
Connection._establish_connection = counting
queued = "none"
if os.environ.get("QUEUE"):
    app.tasks["trainees.tasks.clear_expired_sessions"].apply_async(queue=os.environ["QUEUE"])
    queued = len(opened)
    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete(os.environ["QUEUE"])
print(json.dumps({
    "urls": get_resolver()._populated,
    "templates": len(project_templates()),
    "compiled": sum(1 for name in project_templates()
                    if name in cache and not isinstance(cache[name], type)),
    "tasks": register_all.cache_info().currsize,
    "connections_for_first_task": queued,
    "frozen": frozen,
    "tracked": tracked,
}))
"""


def probe(env: dict[str, str]) -> tuple[dict, str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env={**env, "LOG_LEVEL": "INFO"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


@pytest.mark.django_db(transaction=True)
def test_after_the_hook_the_first_request_finds_everything_ready(requires_postgres):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0 (CI does)")
    env = service_env(smtp_port=1, redis_url=redis_url, QUEUE=f"test-warm-{os.getpid()}")
    facts, log = probe(env)
    assert facts["urls"] is True
    assert facts["templates"] > 100  # every page of templates/
    assert facts["compiled"] == facts["templates"]
    assert facts["tasks"] == 1
    # The task went out on the connection the hook opened.
    assert facts["connections_for_first_task"] == 0
    # What the process held is frozen: a full collection no longer scans it.
    assert facts["frozen"] > 50_000 and facts["tracked"] < facts["frozen"] / 10
    steps = json.loads(re.search(r"worker ready: (\{.*\})", log).group(1))
    assert set(steps) == {"urls", "templates", "tasks", "broker", "frozen"}
    assert all(isinstance(steps[step], float) for step in ("urls", "templates", "tasks", "broker"))
    assert steps["frozen"] == facts["frozen"]


def test_an_unreachable_broker_does_not_stop_the_worker():
    """The web serves without the broker (/healthz says it is down); the hook names the
    failure by its type and makes the rest ready."""
    dead = f"redis://127.0.0.1:{free_port()}/0"
    env = {**service_env(smtp_port=1, redis_url=dead), "DATABASE_URL": ""}
    started = time.monotonic()
    facts, log = probe(env)
    assert time.monotonic() - started < 60
    assert facts["compiled"] == facts["templates"] and facts["tasks"] == 1
    assert re.search(r"warm-up: broker failed \((OperationalError|ConnectionRefusedError)", log), (
        log
    )
    assert "worker ready" in log


@pytest.mark.django_db(transaction=True)
def test_gunicorn_runs_the_hook_in_its_worker(requires_postgres):
    """The hook is gunicorn's: a worker started from config/gunicorn.py logs its warm-up with
    every step timed, then answers."""
    port = free_port()
    env = service_env(smtp_port=1, redis_url=os.environ.get("REDIS_URL"), LOG_LEVEL="INFO")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py", "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "config.wsgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert server.stderr is not None
        deadline = time.monotonic() + 90
        while not any("worker ready" in line for line in lines):
            assert server.poll() is None and time.monotonic() < deadline, "".join(lines)
            # Read only when a line is there: a worker that hangs silently fails the test at
            # the deadline rather than holding it up for ever.
            if select.select([server.stderr], [], [], 1)[0]:
                lines.append(server.stderr.readline())
        ready = next(line for line in lines if "worker ready" in line)
        steps = json.loads(re.search(r"worker ready: (\{.*\})", ready).group(1))
        assert all(
            isinstance(steps[step], float) for step in ("urls", "templates", "tasks", "broker")
        ), steps

        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    return r.status == 200
            except OSError:
                return False

        wait_for(answers, "gunicorn to answer /healthz")
    finally:
        server.terminate()
        server.wait(timeout=30)
