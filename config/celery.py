"""The Celery application. Without REDIS_URL tasks run eagerly in-process (see settings)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("kenshu")
# The current app is thread-local in Celery; without this, @shared_task in any thread but the one
# that imported this module (gunicorn's worker threads, the test live server) would use Celery's
# unconfigured fallback app and its default broker.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
