"""Request types for views (typing only: what Django hands a view behind @access)."""

from __future__ import annotations

from django.http import HttpRequest

from trainees.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request whose user is logged in (the views that take it are behind @access)."""

    user: User
