"""Logging helpers: tag each line with the request id; keep query strings out of request lines."""

from __future__ import annotations

import contextvars
import logging
import re

from audit.redaction import redact_path

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_request_id", default="-"
)

_QUERY = re.compile(r"\?[^\s\"]*")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class StripQueryStringFilter(logging.Filter):
    """runserver logs '"GET /path?q=山田 HTTP/1.1" 200'; the query can hold personal data."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (_QUERY.sub("?…", record.args[0]), *record.args[1:])
        elif isinstance(record.msg, str):
            record.msg = _QUERY.sub("?…", record.msg)
        return True


class RedactPathsFilter(logging.Filter):
    """Django's own warnings name the path: ``Forbidden (CSRF cookie not set.):
    /accounts/password/reset/key/…``, ``Method Not Allowed (POST): /verify/…``. Every
    argument that is a path is redacted as the access log redacts it (audit.redaction), with
    its query string dropped, before any handler writes the line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        if isinstance(record.msg, str) and not record.args:
            record.msg = _PATH_IN_TEXT.sub(lambda m: str(_redacted(m.group())), record.msg)
        return True


_PATH_IN_TEXT = re.compile(r"(?<![\w.])/[^\s\"']*")


def _redacted(value: object) -> object:
    if isinstance(value, str) and value.startswith("/"):
        return redact_path(_QUERY.sub("", value))
    return value
