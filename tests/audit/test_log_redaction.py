"""Django's own warnings do not write secret paths to the log (issue 18, item 11)."""

from __future__ import annotations

import io
import logging

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_text():
    """What the configured handlers would write (they carry the filters of LOGGING)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    configured = [h for h in logging.getLogger().handlers if h.filters]  # LOGGING's, not pytest's
    assert configured
    for existing in configured:
        for flt in existing.filters:
            handler.addFilter(flt)
    logging.getLogger().addHandler(handler)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_every_configured_handler_redacts_paths(settings):
    handlers = settings.LOGGING["handlers"]
    assert handlers
    for name, handler in handlers.items():
        assert "redact_paths" in handler.get("filters", []), name
    assert settings.LOGGING["filters"]["redact_paths"]["()"] == "audit.logging.RedactPathsFilter"


def test_csrf_and_method_warnings_name_no_secret(log_text):
    secret_key_path = "/accounts/password/reset/key/3-c4x9k2-0f1e2d3c4b5a69788796a5b4c3d2e1f0/"
    code = "2026-000123.0123456789abcdef0123"
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(secret_key_path, {"password1": "x"}).status_code == 403
    assert Client().post(reverse("certificate_verify", args=[code])).status_code == 405
    Client().get("/no-such-page/?name=山田太郎")
    written = log_text.getvalue()
    assert "Forbidden" in written and "Method Not Allowed" in written
    assert "c4x9k2" not in written and "0123456789abcdef" not in written
    assert "/accounts/password/reset/key/[redacted]" in written and "/verify/[redacted]" in written
    assert "山田" not in written
