"""The idle timeout (SESSION_IDLE_MINUTES) without a session write on every request.

Django's SESSION_SAVE_EVERY_REQUEST pushes the expiry forward by writing the session row on
every request — an UPDATE (in a transaction) for each autosave of a test answer, each progress
post of a material, each page. Here the session is marked changed, and so saved with a new
expiry and a new cookie, only when it was last pushed forward at least SESSION_REFRESH_SECONDS
ago: a person who keeps working is never signed out, and one who stops is signed out between
SESSION_IDLE_MINUTES minus SESSION_REFRESH_SECONDS and SESSION_IDLE_MINUTES later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# When the session's expiry was last pushed forward (seconds since the epoch).
REFRESHED_KEY = "_refreshed_at"


class IdleTimeoutMiddleware:
    """Just inside SessionMiddleware: its response sees the session as the view left it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response  # no session (an anonymous visitor), or one just ended
        now = int(time.time())
        due = now - session.get(REFRESHED_KEY, 0) >= settings.SESSION_REFRESH_SECONDS
        if due or session.modified:
            session[REFRESHED_KEY] = now  # saved by SessionMiddleware with a new expiry
        return response


def stamp_at_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Signing in writes the session anyway: its expiry counts from then (user_logged_in)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[REFRESHED_KEY] = int(time.time())
