"""The error page of last resort. An exception nobody handled is a 500 — except when the
database or the cache cannot be reached (PostgreSQL out of connections on a 9:00 rush, a
restart, Redis down): that is a "try again shortly" 503 with Retry-After, in Japanese and
English, rendered without the database. Django calls this inside its ``except`` block, so the
exception is still in ``sys.exc_info()``."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
UNREACHABLE = (OperationalError, InterfaceError, RedisError)


def server_error(request: HttpRequest) -> HttpResponse:
    exception = sys.exc_info()[1]
    if isinstance(exception, UNREACHABLE):
        logger.warning("service unreachable: %s", type(exception).__name__)
        response = HttpResponse(loader.get_template("503_unavailable.html").render(), status=503)
        response["Retry-After"] = "60"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
