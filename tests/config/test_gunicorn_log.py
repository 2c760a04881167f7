"""gunicorn's access log: secrets in paths redacted, the query string never logged, control
characters escaped so a request cannot split or forge a log line."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from gunicorn.config import Config

import config.gunicorn as gunicorn_settings


def log_line(path: str, raw_uri: str | None = None) -> str:
    cfg = Config()
    cfg.set("access_log_format", gunicorn_settings.access_log_format)
    logger = gunicorn_settings.RedactingLogger(cfg)
    environ = {
        "PATH_INFO": path, "RAW_URI": raw_uri or path, "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.1",
    }  # fmt: skip
    response = SimpleNamespace(
        status="200 OK", response_length=5, headers=[("X-Request-ID", "r1")], sent=5
    )
    request = SimpleNamespace(headers=[], method="GET", path=path, query="", version=(1, 1))
    atoms = logger.atoms(response, request, environ, datetime.timedelta(seconds=0.01))
    return cfg.access_log_format % atoms


def test_a_reset_link_is_redacted_and_the_query_left_out():
    line = log_line(
        "/accounts/password/reset/key/3-c4x5-abcdef0123/",
        "/accounts/password/reset/key/3-c4x5-abcdef0123/?next=/x",
    )
    assert "abcdef0123" not in line and "next" not in line
    assert '"GET /accounts/password/reset/key/[redacted]"' in line


def test_a_line_feed_cannot_split_the_line():
    line = log_line('/x\n192.0.2.9 "GET /admin/" 200')
    assert "\n" not in line and "\\x0a" in line
