"""The one way a view says who may open it.

``@access(*permissions)`` goes first, above the method decorator: someone not logged in is sent
to the login page, someone without any of the permissions gets a 403 — before the method is
looked at, so a POST-only URL still shows each person their real answer (the permission matrix
relies on it). With no permission named, being logged in is enough. Finer rules — whose record,
which organisation — are the apps' ``access.py`` helpers, which answer 404 for what is out of
scope."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

View = Callable[..., HttpResponseBase]


def access(*permissions: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if permissions and not any(request.user.has_perm(p) for p in permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorator
