"""Logging helpers: tag each line with the request id; keep query strings out of request lines."""

from __future__ import annotations

import contextvars
import logging
import re

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
