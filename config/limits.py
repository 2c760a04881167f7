"""Limits on what a request may cost: a size limit on every request body, checked before
anything reads it; and a clear answer when the cache is down.

Request bodies.

Django parses a multipart body as soon as a view, a middleware (CSRF) or a form looks at
request.POST, and writes its files to the temporary upload directory — so an anonymous 300 MB
POST to the login page used to land on disk. Here the declared length (Content-Length) is
compared with the route's limit first: REQUEST_MAX_BODY_BYTES for every route, larger only for
the upload pages named in REQUEST_BODY_LIMITS. A body without a length is never read by Django
(its WSGI stream is then empty). nginx applies the same limits in front (client_max_body_size).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def body_limit(path: str) -> int:
    """The largest body the route at `path` accepts."""
    try:
        view_name = resolve(path).view_name
    except Resolver404:
        return settings.REQUEST_MAX_BODY_BYTES
    return settings.REQUEST_BODY_LIMITS.get(view_name, settings.REQUEST_MAX_BODY_BYTES)


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            size = int(declared)
        except ValueError:
            size = -1
        if size < 0:
            return render(request, "400.html", status=400)
        # Most requests are small: the route is looked up only for a large body.
        if size > settings.REQUEST_MAX_BODY_BYTES:
            limit = body_limit(request.path_info)
            if size > limit:
                return render(
                    request,
                    "413.html",
                    {"limit_mb": max(1, limit // (1024 * 1024)), "size_mb": size // (1024 * 1024)},
                    status=413,
                )
        return self.get_response(request)


class NulCharacterMiddleware:
    """A NUL in a form field or URL parameter is refused with a 400 before any view sees it:
    PostgreSQL cannot store it in text, and no keyboard types it. (Django's form fields refuse
    it too; this covers the values services read straight from the request, such as a test
    answer saved as it is typed.) Uploaded files are not looked at here: their readers check
    their own content."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
        for data in sources:
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return render(request, "400.html", {"nul": True}, status=400)
        return self.get_response(request)


class CacheUnavailableMiddleware:
    """When the cache (Redis: rate limits, one-time codes) cannot be reached, answer with a
    "try again shortly" page (503) rather than a bare error. Nothing that needed the cache was
    done: a rate limit that cannot be counted is not lifted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RedisError):
            logger.warning("cache unreachable: %s", type(exception).__name__)
            return render(request, "503.html", status=503)
        return None
