"""A web process made ready before it takes its first request (gunicorn's post_worker_init).

Django and Celery put off work until it is first needed, and a fresh gunicorn process used to
do it on its users' time. Measured in one process at 100,000 trainees (bench/load.py's data):
the first request imported the URLconf (about 260 ms); the first time each page was shown its
templates were compiled (the coordinator's home 170 ms the first time, 48 ms after); the
first request that queued a task registered every app's tasks, which also runs Django's
system checks (108 ms), and opened the broker connection (26 ms). A worker starts again after
every deploy and whenever gunicorn replaces one, so these were paid again and again, mostly by
the requests a process serves seldom (in the load test, a survey's answer: a few a run).

`warm()` does all of it once, before the process accepts connections, then freezes what the
process holds so that Python's collector no longer scans it (below). A failure here must not
keep the portal down — an unreachable broker is what /healthz reports — so each step that
reaches a service is allowed to fail, named in the log by the exception's type alone."""

from __future__ import annotations

import gc
import json
import logging
import time
from typing import Any

from django.conf import settings
from django.db import connections
from django.template.loader import get_template
from django.urls import get_resolver, reverse

logger = logging.getLogger(__name__)


def project_templates() -> list[str]:
    """The portal's own templates (templates/), by the names views use."""
    root = settings.BASE_DIR / "templates"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*.html"))


def _urls() -> None:
    get_resolver().resolve("/healthz")  # imports the URLconf
    reverse("home")  # builds the names' table that {% url %} and redirects read


def _templates() -> None:
    for name in project_templates():
        get_template(name)


def _tasks() -> None:
    from lib.tasks import register_all  # imports every app's tasks: not at this module's load

    register_all()


def _broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from config.celery import app

    app.backend  # noqa: B018 - built on first use (it reads the installed packages' entry points)
    # The producer pool's connection and the queue's declaration, as the first task queued
    # would make them (kombu remembers a declaration per connection).
    with app.producer_or_acquire() as producer:
        producer.connection.ensure_connection(max_retries=1, timeout=2)
        producer.maybe_declare(app.amqp.queues[app.conf.task_default_queue])
    app.amqp.send_task_message  # noqa: B018 - the sender, built on first use


STEPS = (("urls", _urls), ("templates", _templates), ("tasks", _tasks), ("broker", _broker))


def warm() -> dict[str, float | str | int]:
    """Each step's time in ms, or the exception type that stopped it; the objects frozen."""
    taken: dict[str, float | str | int] = {}
    for name, step in STEPS:
        started = time.perf_counter()
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - a step that fails is left for the request
            taken[name] = type(exc).__name__
            logger.warning("warm-up: %s failed (%s)", name, type(exc).__name__)
        else:
            taken[name] = round((time.perf_counter() - started) * 1000, 1)
    # Nothing opened here is kept: a request's thread opens its own database connection.
    connections.close_all()
    # What the process holds now (modules, URL patterns, compiled templates: about 200,000
    # objects) lives as long as the process. Python's full collection scanned all of it, 65–95
    # ms each time, in the middle of whichever request set it off. gc.freeze() moves it to a
    # permanent generation that later collections leave out (collected first, so that no
    # garbage is frozen with it).
    gc.collect()
    gc.freeze()
    taken["frozen"] = gc.get_freeze_count()
    return taken


def post_worker_init(worker: Any) -> None:
    """gunicorn's hook: the process is forked and the application loaded, not yet serving."""
    logger.info("worker ready: %s", json.dumps(warm()))
