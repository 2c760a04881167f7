"""Request types for views (typing only: what Django hands a view behind login_required)."""

from __future__ import annotations

from django.http import HttpRequest

from trainees.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request whose user is logged in (the views that take it are behind login_required)."""

    user: User
