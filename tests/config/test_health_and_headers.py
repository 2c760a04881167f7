from __future__ import annotations

import os

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_service(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["cache"]["ok"] and body["broker"]["ok"]
    assert body["audit_write_failures"] == 0
    expected = "redis" if os.environ.get("REDIS_URL") else "eager (tasks run in-process)"
    assert body["broker"]["detail"] == expected


def test_healthz_is_503_when_a_service_fails(client, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set", down)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == {"ok": False, "error": "ConnectionError"}


def test_security_headers(client):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_redis_is_the_cache_and_broker_when_configured(settings):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0 (CI does)")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    cache.set("kenshu-test", "値", 10)
    assert cache.get("kenshu-test") == "値"
    from config.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)
        assert connection.transport_cls == "redis" or "redis" in str(connection.as_uri())


def test_tasks_use_the_configured_celery_app_in_every_thread():
    """gunicorn serves requests in threads: a task queued there must go to our broker,
    not to Celery's unconfigured fallback app."""
    import threading

    from config.celery import app
    from trainees.tasks import send_invitation

    seen = []
    thread = threading.Thread(target=lambda: seen.append(send_invitation.app))
    thread.start()
    thread.join()
    assert seen == [app]
    assert app.conf.broker_url == (os.environ.get("REDIS_URL") or "memory://")
