from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.defaults import server_error

from audit.logging import current_request_id
from audit.services import access_log_record


class AccessLogMiddleware:
    """Write one AccessLog row for every request (authenticated or not) and tag the request,
    its log lines and its response (X-Request-ID) with a request id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.exempt_paths = frozenset(settings.AUDIT_EXEMPT_PATHS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in self.exempt_paths:
            return self.get_response(request)
        request_id = uuid.uuid4()
        request.request_id = request_id  # type: ignore[attr-defined] # read by the access log
        token = current_request_id.set(str(request_id))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = (time.perf_counter() - started) * 1000
            written = access_log_record(request=request, response=response, duration_ms=duration_ms)
            user = getattr(request, "user", None)
            if not written and user is not None and user.is_authenticated:
                # Nothing is shown to a logged-in person whose access is not on record: every
                # page behind the login shows personal data. (The row and the failure are in
                # the application log.) The error page needs no database.
                response = server_error(request)
            response["X-Request-ID"] = str(request_id)
            return response
        finally:
            current_request_id.reset(token)
