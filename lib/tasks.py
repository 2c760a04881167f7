"""A background task by its name. A module that queues a task of an app at or above its own
floor names it by string, so that it need not import the tasks module (which imports the
services: a cycle). The names resolve against every app's tasks, registered the way a worker
registers them at start-up — once per process."""

from __future__ import annotations

import functools

from celery import Task
from celery import current_app as app


@functools.cache
def register_all() -> None:
    """Import every app's tasks, once per process (a web process does it before serving:
    config/warmup.py)."""
    app.loader.import_default_modules()


def task_named(name: str) -> Task:
    """The task registered under `name` ("app.tasks.function")."""
    register_all()
    return app.tasks[name]
